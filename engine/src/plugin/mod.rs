//! The WebAssembly plugin host: sector plugins as sandboxed components.
//!
//! A plugin is a component of the `isms:plugin@1.x` world (`plugins/wit/plugin.wit`): it
//! exports `describe`, `evaluate` (batches of scenarios and assets in, risk adjustments and
//! findings out) and `applicability` (control reasons), and imports nothing. The host:
//!
//! - refuses, before compiling anything, a `plugin.toml` whose paths leave the plugin's
//!   folder, a wasm whose sha256 differs from the workspace's pin, another major interface
//!   version, and a component larger than its limits (file size, functions, largest function
//!   body: these bound the time and memory of compilation, see [`precheck`]);
//! - runs one [`wasmtime::Engine`] per process with only the WebAssembly features plugins
//!   need (no threads, multi-memory, memory64, GC, exceptions or stack switching;
//!   deterministic NaNs), and compiles each plugin once per run, with an authenticated
//!   on-disk cache (module `cache`: its documentation gives the threat model);
//! - refuses a component that imports anything (files, clock, network, randomness), and one
//!   whose `describe()` disagrees with `plugin.toml` on id or version;
//! - gives every call a fresh `Store` with the plugin's [`Limits`]: fuel (deterministic: the
//!   same plugin and input always stop at the same point), total memory over all memories,
//!   table elements, instances, tables and memories, the bytes copied out as results, an
//!   epoch deadline as a wall-clock backstop, and a wasm stack cap;
//! - validates every result (indices, steps, codes, text length and characters, control ids)
//!   and turns a trap, an exhausted budget or a malformed result into a [`PluginFailure`]
//!   that names the plugin. A plugin that fails is failed for the whole run: none of its
//!   results are used and it is not called again (the circuit breaker in `risk::plugins`).

//!
//! Without the `plugins` feature (on by default) the WebAssembly host is not built: the types
//! below remain, so the engine's stages compile unchanged, and a workspace that pins plugins
//! is refused at load with a located error.

#[cfg(feature = "plugins")]
pub(crate) mod breaker;
#[cfg(feature = "plugins")]
mod cache;
#[cfg(feature = "plugins")]
mod host;
#[cfg(feature = "plugins")]
mod install;
mod limits;
mod manifest;
#[cfg(feature = "plugins")]
pub mod precheck;
mod results;
#[cfg(feature = "plugins")]
mod run;
#[cfg(feature = "plugins")]
mod text;

use std::path::PathBuf;

use serde::Serialize;

#[cfg(feature = "plugins")]
pub(crate) use host::{EPOCH_TICK, SectorPlugin, SectorPluginPre, engine};
#[cfg(feature = "plugins")]
pub use host::{RUNTIME_CALL_FUEL, wit};
#[cfg(feature = "plugins")]
pub use install::load_dir;
#[cfg(feature = "plugins")]
pub(crate) use install::load_plugins;
#[cfg(feature = "plugins")]
pub(crate) use limits::Sandbox;
pub use limits::{LimitSettings, Limits, STACK};
#[cfg(not(feature = "plugins"))]
pub(crate) use manifest::load_plugins;
pub use manifest::{PluginManifest, PluginPin};
pub use results::{Adjustment, BatchOutput, Finding, PluginReason};
#[cfg(feature = "plugins")]
pub use run::{BatchInput, decode_evaluate, run_applicability, run_evaluate};

/// The interface version this host implements.
pub const INTERFACE_VERSION: &str = "1.0.0";

/// Why a plugin call produced no usable result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    OutOfFuel,
    RunBudget,
    Timeout,
    MemoryLimit,
    TableLimit,
    ResourceLimit,
    StackOverflow,
    Trap,
    MalformedResult,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::OutOfFuel => "ran out of fuel",
            FailureKind::RunBudget => "spent its run budget",
            FailureKind::Timeout => "exceeded its time limit",
            FailureKind::MemoryLimit => "exceeded its memory limit",
            FailureKind::TableLimit => "exceeded its table limit",
            FailureKind::ResourceLimit => "exceeded a resource limit",
            FailureKind::StackOverflow => "exhausted its stack",
            FailureKind::Trap => "trapped",
            FailureKind::MalformedResult => "returned a malformed result",
        }
    }
}

/// A failed plugin call: the plugin's results for that call are discarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginFailure {
    pub plugin: String,
    pub kind: FailureKind,
    /// Which call: `evaluate batch 3 (scenarios 6000-7999)`, `applicability`, `describe`.
    pub call: String,
    pub message: String,
}

impl std::fmt::Display for PluginFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "plugin `{}` {} in {}: {}",
            self.plugin,
            self.kind.as_str(),
            self.call,
            self.message
        )
    }
}

/// A plugin ready to run: verified, compiled and described. Without the `plugins` feature
/// none can exist.
#[derive(Clone)]
pub struct Plugin {
    pub manifest: PluginManifest,
    /// sha256 of the component file.
    pub sha256: String,
    pub dir: PathBuf,
    pub limits: Limits,
    #[cfg(feature = "plugins")]
    pub descriptor: wit::Descriptor,
    /// The compiled component, linked once; every call instantiates it in a fresh store.
    #[cfg(feature = "plugins")]
    pub(crate) pre: SectorPluginPre<Sandbox>,
    /// Size, function count and largest function body of the component.
    #[cfg(feature = "plugins")]
    pub shape: precheck::Shape,
    /// No value of this type: the struct cannot be built without the host.
    #[cfg(not(feature = "plugins"))]
    #[allow(dead_code)]
    pub(crate) never: std::convert::Infallible,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("id", &self.manifest.id)
            .field("version", &self.manifest.version)
            .field("sha256", &self.sha256)
            .finish()
    }
}
