//! Benchmarks live in benches/; this library holds what they share: the generated
//! workspaces they measure.

use isms_engine::Workspace;
use isms_engine::generate::Options;

/// A directory holding an `isms generate` workspace of `assets` assets (seed 1); it is
/// removed when the value is dropped.
pub fn written(assets: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    isms_engine::generate::write_to(dir.path(), &Options { assets, seed: 1 })
        .expect("write workspace");
    dir
}

/// [`written`], loaded; keep the directory as long as the workspace is used.
pub fn loaded(assets: usize) -> (tempfile::TempDir, Workspace) {
    let dir = written(assets);
    let ws = isms_engine::load(dir.path())
        .expect("generated workspace loads")
        .workspace;
    (dir, ws)
}
