//! The WebAssembly side of the host: the generated bindings and the process-wide engine.

use std::sync::OnceLock;
use std::time::Duration;

use super::STACK;

wasmtime::component::bindgen!({
    path: "../plugins/wit",
    world: "sector-plugin",
});

/// The generated bindings of the `api` interface.
pub use exports::isms::plugin::api as wit;

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
        #[allow(clippy::panic)]
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
