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

pub(crate) mod breaker;
mod cache;
mod limits;
mod manifest;
pub mod precheck;
mod run;
mod text;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Serialize;

pub(crate) use limits::Sandbox;
pub use limits::{LimitSettings, Limits, STACK, host_maxima};
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

/// A plugin ready to run: verified, compiled and described.
#[derive(Clone)]
pub struct Plugin {
    pub manifest: PluginManifest,
    pub descriptor: wit::Descriptor,
    /// sha256 of the component file.
    pub sha256: String,
    pub dir: PathBuf,
    /// The compiled component, linked once; every call instantiates it in a fresh store.
    pub(crate) pre: SectorPluginPre<Sandbox>,
    pub limits: Limits,
    /// Size, function count and largest function body of the component.
    pub shape: precheck::Shape,
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

/// The process-wide engine: fuel metering, epoch interruption, stack cap, and only the
/// WebAssembly features that plugins built with the SDK use. Everything else is turned off
/// so that a hostile component cannot reach it: shared memories and threads, several
/// memories in one module, 64-bit memories, GC, exceptions, stack switching, async
/// component functions. NaNs are canonicalised and relaxed SIMD is deterministic, so a
/// plugin computes the same on every machine. Its epoch advances every 10 ms on a
/// background thread, so deadlines are counted in those ticks.
///
/// Fuel is the deterministic budget only if it tracks time. Most instructions cost one unit
/// and take well under a nanosecond, but the bulk memory and table operations and the grow
/// instructions are calls into the runtime: a loop of zero-length `memory.copy` and
/// `memory.fill` spent 10 ns per unit, so a plugin just under its fuel ran into the wall
/// clock. They cost [`RUNTIME_CALL_FUEL`] each (on top of wasmtime's unit per byte or
/// element moved), which brings every operation back under about half a nanosecond per unit.
pub(crate) fn engine() -> &'static wasmtime::Engine {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config
            .consume_fuel(true)
            .epoch_interruption(true)
            .max_wasm_stack(STACK)
            .wasm_component_model(true)
            // Threads, GC, function references, exceptions and async components are not
            // compiled into this build (wasmtime's crate features); the rest is turned off.
            .wasm_shared_everything_threads(false)
            .wasm_multi_memory(false)
            .wasm_memory64(false)
            .wasm_gc(false)
            .wasm_stack_switching(false)
            .wasm_wide_arithmetic(false)
            .relaxed_simd_deterministic(true)
            .cranelift_nan_canonicalization(true)
            .operator_cost(operator_cost());
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

/// Fuel of one instruction that calls into the runtime (bulk memory and table operations,
/// `memory.grow`, `table.grow`), before the units for the bytes or elements it moves.
pub const RUNTIME_CALL_FUEL: u8 = 200;

fn operator_cost() -> wasmtime::OperatorCost {
    let mut cost = wasmtime::OperatorCost::new();
    for op in [
        &mut cost.MemoryCopy,
        &mut cost.MemoryFill,
        &mut cost.MemoryInit,
        &mut cost.MemoryGrow,
        &mut cost.DataDrop,
        &mut cost.TableCopy,
        &mut cost.TableFill,
        &mut cost.TableInit,
        &mut cost.TableGrow,
        &mut cost.ElemDrop,
    ] {
        *op = RUNTIME_CALL_FUEL;
    }
    cost
}

/// How often the epoch advances.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

pub(crate) use manifest::load_plugins;

#[cfg(test)]
mod tests {
    use super::engine;

    /// WebAssembly features a plugin does not need are refused when compiled.
    #[test]
    fn proposals_outside_what_plugins_use_are_refused() {
        for (what, text) in [
            ("shared memory", "(module (memory 1 1 shared))"),
            ("several memories", "(module (memory 1) (memory 1))"),
            ("64-bit memory", "(module (memory i64 1))"),
            ("exceptions", "(module (tag) (func (throw 0)))"),
            ("GC", "(module (type (struct)))"),
        ] {
            let bytes = wat::parse_str(text).unwrap();
            assert!(
                wasmtime::Module::new(engine(), &bytes).is_err(),
                "{what} compiled"
            );
        }
        let fine = wat::parse_str("(module (memory 1) (func (result i32) i32.const 1))").unwrap();
        assert!(wasmtime::Module::new(engine(), &fine).is_ok());
    }
}
