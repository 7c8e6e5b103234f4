//! `isms generate`: write a synthetic workspace for tests and benchmarks.

use std::path::Path;

use isms_engine::generate::{Options, workspace};

use crate::exit::EXIT_OK;
use crate::exit::Failure;
use crate::output;

pub fn run(assets: usize, seed: u64, out: &Path, force: bool) -> Result<u8, Failure> {
    if assets == 0 {
        return Err(Failure::Usage("--assets must be at least 1".into()));
    }
    if !force && out.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        return Err(Failure::Usage(format!(
            "{} is not empty; pass --force to overwrite the files of a generated workspace",
            out.display()
        )));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::Io(format!("cannot create {}: {e}", out.display())))?;
    let files = workspace(&Options { assets, seed });
    for f in &files {
        output::write_atomic(&out.join(f.path), &f.contents)?;
    }
    crate::output::note!(
        "wrote {} files for {assets} assets (seed {seed}) to {}",
        files.len(),
        out.display()
    );
    Ok(EXIT_OK)
}
