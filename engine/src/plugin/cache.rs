//! On-disk cache of compiled plugins, so a run does not pay for Cranelift every time.
//!
//! An entry is keyed by the component's sha256 and the engine's compatibility hash (wasmtime
//! version and settings), and stored with the sha256 of the compiled bytes: an entry is used
//! only when that checksum matches, so a truncated or altered file is recompiled, never
//! loaded. Writes go to a temporary file then rename, so concurrent runs do not collide.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use crate::load::hex;

/// A `Hasher` that feeds sha256, for a stable digest of the engine's compatibility hash.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let d = self.0.clone().finalize();
        u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

fn engine_key(engine: &wasmtime::Engine) -> String {
    let mut h = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut h);
    hex(&h.0.finalize())[..16].to_owned()
}

/// The cache directory: `$ISMS_CACHE_DIR`, else `$XDG_CACHE_HOME/isms`, else `~/.cache/isms`.
fn dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("ISMS_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("isms").join("plugins"))
}

/// Compiles a component, or loads its compiled form from the cache.
pub fn compile(
    engine: &wasmtime::Engine,
    wasm: &[u8],
    wasm_sha256: &str,
) -> wasmtime::Result<Component> {
    let Some(dir) = dir() else {
        return Component::new(engine, wasm);
    };
    let stem = format!("{wasm_sha256}-{}", engine_key(engine));
    let (bin, sum) = (
        dir.join(format!("{stem}.cwasm")),
        dir.join(format!("{stem}.sha256")),
    );
    if let (Ok(bytes), Ok(expected)) = (std::fs::read(&bin), std::fs::read_to_string(&sum))
        && hex(&Sha256::digest(&bytes)) == expected.trim()
    {
        // SAFETY: the bytes are exactly what `Component::serialize` wrote for this engine
        // configuration (checked by the sidecar checksum written with them).
        if let Ok(c) = unsafe { Component::deserialize(engine, &bytes) } {
            return Ok(c);
        }
    }
    let component = Component::new(engine, wasm)?;
    if let Ok(bytes) = component.serialize() {
        // A cache that cannot be written only costs time.
        let _ = store(&dir, &bin, &sum, &bytes);
    }
    Ok(component)
}

fn store(
    dir: &std::path::Path,
    bin: &std::path::Path,
    sum: &std::path::Path,
    bytes: &[u8],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let write = |path: &std::path::Path, data: &[u8]| -> std::io::Result<()> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, data)?;
        std::fs::rename(&tmp, path)
    };
    write(bin, bytes)?;
    write(sum, hex(&Sha256::digest(bytes)).as_bytes())
}
