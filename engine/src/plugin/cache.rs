//! On-disk cache of compiled plugins, authenticated so that it can never run foreign code.
//!
//! Threat model: anyone who can write the cache directory (a shared CI cache, a cache under a
//! shared temporary directory) could otherwise swap a pinned plugin's entry for another
//! plugin's compiled code, or patch the machine code itself; deserialising such bytes runs
//! native code outside the sandbox. So an entry is only deserialised when its HMAC-SHA256,
//! computed with a per-user secret key, matches. The key lives outside the cache directory
//! (`$ISMS_CACHE_KEY_FILE`, else `$XDG_CONFIG_HOME/isms/cache.key`, else
//! `~/.config/isms/cache.key`), is created with mode 0600, and covers the component's
//! sha256, the engine's compatibility hash and the compiled bytes: an entry moved to another
//! plugin's name, patched, or written by another installation fails the check, is discarded
//! with a warning and the plugin is compiled afresh. On Unix the cache is not used at all
//! when the directory or the key can be written (or the key read) by other users, or is not
//! owned by the current user; elsewhere the cache is off.
//!
//! `ISMS_CACHE_DIR` chooses the directory (empty turns the cache off); the default is
//! `$XDG_CACHE_HOME/isms/plugins`, else `~/.cache/isms/plugins`.

use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use crate::input::hex;

type HmacSha256 = hmac::Hmac<Sha256>;

/// First bytes of an entry: the format, so an older layout is recompiled, never misread.
const MAGIC: &[u8; 8] = b"ISMSCC01";
const TAG: usize = 32;
/// Largest entry read back; a bigger file is not ours (compiled code of the largest
/// allowed component is far smaller) and is not read into memory.
const MAX_ENTRY: u64 = 512 << 20;

/// A compiled component, and what the cache has to say about how it was obtained.
pub(crate) struct Compiled {
    pub component: Component,
    /// A problem worth telling the user: a tampered entry, an unsafe cache directory.
    pub warning: Option<String>,
}

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

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home_dir(xdg: &str, fallback: &str) -> Option<PathBuf> {
    env_path(xdg).or_else(|| env_path("HOME").map(|h| h.join(fallback)))
}

/// The cache directory, or `None` when the cache is turned off.
fn cache_dir() -> Option<PathBuf> {
    match std::env::var_os("ISMS_CACHE_DIR") {
        Some(d) if d.is_empty() => None,
        Some(d) => Some(PathBuf::from(d)),
        None => home_dir("XDG_CACHE_HOME", ".cache").map(|b| b.join("isms").join("plugins")),
    }
}

fn key_file() -> Option<PathBuf> {
    env_path("ISMS_CACHE_KEY_FILE").or_else(|| {
        home_dir("XDG_CONFIG_HOME", ".config").map(|b| b.join("isms").join("cache.key"))
    })
}

/// Compiles a component, or loads its compiled form from an authenticated cache entry.
pub(crate) fn compile(
    engine: &wasmtime::Engine,
    wasm: &[u8],
    wasm_sha256: &str,
) -> wasmtime::Result<Compiled> {
    let fresh = |warning| -> wasmtime::Result<Compiled> {
        Ok(Compiled {
            component: Component::new(engine, wasm)?,
            warning,
        })
    };
    let Some(dir) = cache_dir() else {
        return fresh(None);
    };
    let cache = match Cache::open(dir) {
        Ok(Some(cache)) => cache,
        Ok(None) => return fresh(None),
        Err(why) => return fresh(Some(format!("plugin cache not used: {why}"))),
    };
    let engine_key = engine_key(engine);
    let entry = cache.dir.join(format!("{wasm_sha256}-{engine_key}.cwasm"));
    let context = format!("{wasm_sha256}:{engine_key}");
    let mut warning = None;
    match cache.read(&entry, &context) {
        Ok(Some(bytes)) => {
            // SAFETY: `Component::deserialize` trusts its input to be wasmtime's own output
            // for this engine. These bytes carry a valid HMAC under this user's secret key,
            // bound to this component's sha256 and this engine's compatibility hash: only this
            // installation, compiling exactly this component, can have written them.
            #[allow(unsafe_code)] // the one unsafe call of the engine, justified above
            match unsafe { Component::deserialize(engine, &bytes) } {
                Ok(component) => {
                    return Ok(Compiled {
                        component,
                        warning: None,
                    });
                }
                Err(e) => {
                    warning = Some(format!(
                        "plugin cache entry {} could not be loaded ({e}); recompiled",
                        entry.display()
                    ));
                }
            }
        }
        Ok(None) => {}
        Err(why) => {
            warning = Some(format!(
                "plugin cache entry {} {why}; it was discarded and the plugin recompiled",
                entry.display()
            ));
        }
    }
    let component = Component::new(engine, wasm)?;
    if let Ok(bytes) = component.serialize() {
        // A cache that cannot be written only costs time.
        let _ = cache.write(&entry, &context, &bytes);
    }
    Ok(Compiled { component, warning })
}

/// An opened cache: a directory only this user can write, and this user's secret key.
struct Cache {
    dir: PathBuf,
    key: [u8; 32],
}

impl Cache {
    /// Opens (creating when missing) the directory and the key. `Ok(None)`: no cache on this
    /// platform; `Err`: a cache that is not safe to use, with the reason.
    fn open(dir: PathBuf) -> Result<Option<Cache>, String> {
        if !cfg!(unix) {
            return Ok(None);
        }
        let Some(key_path) = key_file() else {
            return Ok(None);
        };
        create_private_dir(&dir)?;
        let dir = dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        private(&dir, 0o022, "the cache directory")?;
        if let Some(parent) = key_path.parent() {
            create_private_dir(parent)?;
            if parent.canonicalize().is_ok_and(|p| p.starts_with(&dir)) {
                return Err(format!(
                    "the key {} must not live inside the cache directory {}",
                    key_path.display(),
                    dir.display()
                ));
            }
            private(parent, 0o022, "the key's directory")?;
        }
        let key = read_or_create_key(&key_path)?;
        Ok(Some(Cache { dir, key }))
    }

    /// The MAC of an entry: the format, the context (component sha256 and engine hash) and
    /// the compiled bytes.
    fn mac(&self, context: &str, bytes: &[u8]) -> Result<HmacSha256, String> {
        let mut mac = HmacSha256::new_from_slice(&self.key).map_err(|e| format!("{e}"))?;
        mac.update(MAGIC);
        mac.update(&(context.len() as u64).to_le_bytes());
        mac.update(context.as_bytes());
        mac.update(bytes);
        Ok(mac)
    }

    /// The compiled bytes of an authentic entry; `Ok(None)` when there is none; `Err` with
    /// what is wrong with an entry that is there but not authentic.
    fn read(&self, path: &Path, context: &str) -> Result<Option<Vec<u8>>, String> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot be read: {e}")),
        };
        let mut data = Vec::new();
        file.take(MAX_ENTRY + 1)
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot be read: {e}"))?;
        if data.len() as u64 > MAX_ENTRY {
            return Err("is larger than any entry this host writes".into());
        }
        let Some(rest) = data.strip_prefix(MAGIC.as_slice()) else {
            return Err("is not in this host's format".into());
        };
        if rest.len() < TAG {
            return Err("is truncated".into());
        }
        let (tag, bytes) = rest.split_at(TAG);
        self.mac(context, bytes)?
            .verify_slice(tag)
            .map_err(|_| "failed authentication (altered, or written for another plugin or by another installation)".to_owned())?;
        Ok(Some(bytes.to_vec()))
    }

    fn write(&self, path: &Path, context: &str, bytes: &[u8]) -> std::io::Result<()> {
        let tag = self
            .mac(context, bytes)
            .map_err(std::io::Error::other)?
            .finalize()
            .into_bytes();
        let mut data = Vec::with_capacity(MAGIC.len() + TAG + bytes.len());
        data.extend_from_slice(MAGIC);
        data.extend_from_slice(&tag);
        data.extend_from_slice(bytes);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &data)?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_dir(_dir: &Path) -> Result<(), String> {
    Err("the plugin cache needs Unix permissions".into())
}

/// Checks that `path` belongs to the current user and that no bit of `forbidden` (group and
/// other permissions) is set.
#[cfg(unix)]
fn private(path: &Path, forbidden: u32, what: &str) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(format!(
            "{what} {} belongs to another user (uid {})",
            path.display(),
            meta.uid()
        ));
    }
    if meta.mode() & forbidden != 0 {
        return Err(format!(
            "{what} {} is open to other users (mode {:o})",
            path.display(),
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn private(_path: &Path, _forbidden: u32, _what: &str) -> Result<(), String> {
    Err("the plugin cache needs Unix permissions".into())
}

/// Reads the 32-byte key, or creates it (mode 0600, exclusively, from the OS's random source).
#[cfg(unix)]
fn read_or_create_key(path: &Path) -> Result<[u8; 32], String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut key = [0u8; 32];
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => {
            getrandom::fill(&mut key).map_err(|e| format!("no random source for the key: {e}"))?;
            f.write_all(&key)
                .and_then(|()| f.sync_all())
                .map_err(|e| format!("cannot write the key {}: {e}", path.display()))?;
            return Ok(key);
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create the key {}: {e}", path.display())),
    }
    private(path, 0o077, "the cache key")?;
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    key = data
        .try_into()
        .map_err(|_| format!("the cache key {} is not 32 bytes", path.display()))?;
    Ok(key)
}

#[cfg(not(unix))]
fn read_or_create_key(_path: &Path) -> Result<[u8; 32], String> {
    Err("the plugin cache needs Unix permissions".into())
}
