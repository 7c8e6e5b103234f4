//! One hostile behaviour per feature; `describe` and `applicability` behave, `evaluate`
//! attacks the host.

use isms_plugin_sdk::{Adjustment, Batch, BatchResult, Descriptor, Factor, Guest, Inventory, Reason};

struct Hostile;

#[cfg(feature = "loop")]
const ID: &str = "hostile-loop";
#[cfg(feature = "memory")]
const ID: &str = "hostile-memory";
#[cfg(feature = "recursion")]
const ID: &str = "hostile-recursion";
#[cfg(feature = "huge")]
const ID: &str = "hostile-huge";
#[cfg(feature = "malformed")]
const ID: &str = "hostile-malformed";
#[cfg(feature = "trap")]
const ID: &str = "hostile-trap";

/// Recurses without end; `black_box` keeps the compiler from turning it into a loop.
#[allow(unconditional_recursion, dead_code)]
fn descend(depth: u64) -> u64 {
    std::hint::black_box(descend(std::hint::black_box(depth + 1))) + 1
}

impl Guest for Hostile {
    fn describe() -> Descriptor {
        Descriptor::new(ID, "Hostile test plugin", "1.0.0", "Misbehaves on purpose.", &[])
    }

    #[allow(unused_variables, unreachable_code)]
    fn evaluate(batch: Batch) -> BatchResult {
        #[cfg(feature = "loop")]
        {
            let mut n = 0u64;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        #[cfg(feature = "memory")]
        {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(std::hint::black_box(vec![7u8; 1 << 20]));
            }
        }
        #[cfg(feature = "recursion")]
        {
            let _ = descend(0);
        }
        #[cfg(feature = "trap")]
        {
            panic!("deliberate trap");
        }
        let adjustment = |scenario: u32, reason: String| Adjustment {
            scenario,
            factor: Factor::Likelihood,
            delta: 1,
            reason,
        };
        #[cfg(feature = "huge")]
        {
            // A hundred adjustments per scenario, and a 2 MB reason.
            let n = batch.scenarios.len() as u32;
            let mut adjustments: Vec<Adjustment> =
                (0..n * 100).map(|i| adjustment(i % n.max(1), "x".into())).collect();
            adjustments.push(adjustment(0, "y".repeat(2 << 20)));
            return BatchResult { adjustments, findings: Vec::new() };
        }
        #[cfg(feature = "malformed")]
        {
            let beyond = batch.scenarios.len() as u32 + 1000;
            return BatchResult {
                adjustments: vec![adjustment(beyond, "scenario that does not exist".into())],
                findings: Vec::new(),
            };
        }
        {
            BatchResult { adjustments: Vec::new(), findings: Vec::new() }
        }
    }

    fn applicability(_inventory: Inventory) -> Vec<Reason> {
        Vec::new()
    }
}

isms_plugin_sdk::export!(Hostile with_types_in isms_plugin_sdk);
