//! The WebAssembly plugin host: sector plugins as sandboxed components.
//!
//! A plugin is a component of the `isms:plugin@1.x` world (`plugins/wit/plugin.wit`): it
//! exports `describe`, `evaluate` (batches of scenarios and assets in, risk adjustments and
//! findings out) and `applicability` (control reasons), and imports nothing. The host:
//!
//! - runs one [`wasmtime::Engine`] per process and compiles each plugin once per run, with an
//!   on-disk cache keyed by the wasm's sha256 and the engine's compatibility hash;
//! - refuses a component that imports anything (files, clock, network, randomness), a wasm
//!   whose sha256 differs from the workspace's pin, and another major interface version;
//! - gives every batch a fresh `Store` with a fuel budget (deterministic: the same plugin and
//!   input always stop at the same point), an epoch deadline as a wall-clock backstop, a
//!   memory cap and a wasm stack cap;
//! - validates every result (indices, steps, text lengths, control ids) and turns a trap, an
//!   exhausted budget or a malformed result into a [`PluginFailure`] that names the plugin,
//!   while the rest of the run goes on.

mod cache;
mod manifest;
mod run;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Serialize;
use wasmtime::component::Component;

pub use manifest::{PluginManifest, PluginPin, load_dir};
pub use run::{
    Adjustment, BatchInput, BatchOutput, Finding, PluginReason, decode_evaluate, run_applicability,
    run_evaluate,
};

/// The interface version this host implements.
pub const INTERFACE_VERSION: &str = "1.0.0";

wasmtime::component::bindgen!({
    path: "../plugins/wit",
    world: "sector-plugin",
});

/// The generated bindings of the `api` interface.
pub use exports::isms::plugin::api as wit;

/// Sandbox limits of one plugin call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Fuel (about one unit per WebAssembly instruction) per batch.
    pub fuel: u64,
    /// Wall-clock backstop per batch.
    pub deadline: Duration,
    /// Linear memory cap, in bytes.
    pub memory: usize,
    /// WebAssembly stack cap, in bytes.
    pub stack: usize,
    /// Scenarios per `evaluate` call.
    pub batch_size: usize,
    /// Longest text a plugin may return (reasons, messages, codes), in bytes.
    pub max_text: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 1_000_000_000,
            deadline: Duration::from_secs(10),
            memory: 64 << 20,
            stack: 512 << 10,
            batch_size: 2000,
            max_text: 4096,
        }
    }
}

/// Why a plugin call produced no usable result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    OutOfFuel,
    Timeout,
    MemoryLimit,
    StackOverflow,
    Trap,
    MalformedResult,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::OutOfFuel => "ran out of fuel",
            FailureKind::Timeout => "exceeded its time limit",
            FailureKind::MemoryLimit => "exceeded its memory limit",
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

/// A plugin ready to run: verified, compiled and described.
#[derive(Clone)]
pub struct Plugin {
    pub manifest: PluginManifest,
    pub descriptor: wit::Descriptor,
    /// sha256 of the component file.
    pub sha256: String,
    pub dir: PathBuf,
    pub(crate) component: Component,
    pub limits: Limits,
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

/// The process-wide engine: fuel metering, epoch interruption, stack cap. Its epoch advances
/// every 10 ms on a background thread, so deadlines are counted in those ticks.
pub(crate) fn engine() -> &'static wasmtime::Engine {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        config.epoch_interruption(true);
        config.max_wasm_stack(Limits::default().stack);
        config.wasm_component_model(true);
        // The configuration is fixed and valid: failing here is a defect of this build.
        let engine =
            wasmtime::Engine::new(&config).unwrap_or_else(|e| panic!("wasmtime engine: {e}"));
        let ticker = engine.clone();
        // Without the ticker deadlines would never fire, but fuel still bounds every call.
        let _ = std::thread::Builder::new()
            .name("isms-plugin-epoch".into())
            .spawn(move || {
                loop {
                    ticker.increment_epoch();
                    std::thread::sleep(EPOCH_TICK);
                }
            });
        engine
    })
}

/// How often the epoch advances.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

pub(crate) use manifest::load_plugins;
