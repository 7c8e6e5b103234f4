//! The circuit breaker of one plugin over the batches of a run, and the run's verdict.
//!
//! Batches run in parallel and finish in any order, yet the outcome must be the same for any
//! number of threads and any machine load. The rule: a plugin's run is the sequence of its
//! batches in order; it fails at the first batch that fails or that takes its spent fuel,
//! counted in batch order, above the run budget. Every such cause is deterministic (fuel,
//! traps, malformed results), so the first one is too. The breaker stops calling a plugin for
//! batches after a known failure, which never skips a batch before the first one: the
//! verdict is exactly that of a sequential run. The wall clock is the one cause that is not
//! deterministic; it stops the plugin at once and fails it for the whole run without naming a
//! batch, unless a deterministic failure comes first.

use std::sync::Mutex;

use super::{BatchOutput, FailureKind, PluginFailure};

/// Shared by the threads evaluating one plugin's batches.
pub(crate) struct Breaker {
    run_fuel: u64,
    state: Mutex<State>,
}

struct State {
    /// Fuel spent by each batch that succeeded.
    spent: Vec<Option<u64>>,
    /// Lowest batch known to fail (itself, or by taking the run over its budget).
    failed_at: usize,
    /// Batches `0..prefix` succeeded, spending `prefix_fuel`.
    prefix: usize,
    prefix_fuel: u64,
    /// The wall clock stopped the plugin, or it had already failed before the batches.
    stopped: bool,
}

/// What became of one batch.
pub(crate) type BatchResult = Option<Result<BatchOutput, PluginFailure>>;

impl Breaker {
    pub(crate) fn new(batches: usize, run_fuel: u64, stopped: bool) -> Self {
        Breaker {
            run_fuel,
            state: Mutex::new(State {
                spent: vec![None; batches],
                failed_at: usize::MAX,
                prefix: 0,
                prefix_fuel: 0,
                stopped,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another batch panicked; the counts are still sound.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether batch `n` need not run: a batch before it is known to fail, or the plugin is
    /// stopped.
    pub(crate) fn skip(&self, n: usize) -> bool {
        let s = self.state();
        s.stopped || n > s.failed_at
    }

    /// Records the outcome of batch `n`.
    pub(crate) fn record(&self, n: usize, outcome: &Result<BatchOutput, PluginFailure>) {
        let mut s = self.state();
        match outcome {
            Ok(o) => {
                if let Some(slot) = s.spent.get_mut(n) {
                    *slot = Some(o.fuel);
                }
            }
            Err(f) if f.kind == FailureKind::Timeout => s.stopped = true,
            Err(_) => s.failed_at = s.failed_at.min(n),
        }
        while s.prefix < s.spent.len() && s.prefix < s.failed_at {
            let Some(fuel) = s.spent[s.prefix] else {
                break;
            };
            s.prefix_fuel = s.prefix_fuel.saturating_add(fuel);
            if s.prefix_fuel > self.run_fuel {
                s.failed_at = s.prefix;
                break;
            }
            s.prefix += 1;
        }
    }
}

/// The verdict on a plugin's batches (in batch order, `None` for a batch not run): its
/// outputs with their batch numbers, or the one failure that fails it for the whole run.
pub(crate) fn verdict(
    plugin: &str,
    run_fuel: u64,
    results: Vec<BatchResult>,
) -> Result<Vec<(usize, BatchOutput)>, PluginFailure> {
    let mut spent: u64 = 0;
    let mut interrupted = None;
    for (n, result) in results.iter().enumerate() {
        match result {
            Some(Ok(o)) => {
                spent = spent.saturating_add(o.fuel);
                if spent > run_fuel {
                    return Err(PluginFailure {
                        plugin: plugin.to_owned(),
                        kind: FailureKind::RunBudget,
                        call: format!("evaluate batch {}", n + 1),
                        message: format!(
                            "its batches spent more than {run_fuel} fuel units in all (`run_fuel`)"
                        ),
                    });
                }
            }
            Some(Err(f)) if f.kind != FailureKind::Timeout => return Err(f.clone()),
            // Not run or stopped by the clock: no deterministic verdict lies beyond.
            _ => {
                interrupted = Some(n);
                break;
            }
        }
    }
    if interrupted.is_some() {
        let timeout = results
            .iter()
            .flatten()
            .find_map(|r| r.as_ref().err().filter(|f| f.kind == FailureKind::Timeout));
        if let Some(f) = timeout {
            return Err(PluginFailure {
                call: "evaluate".into(),
                message: format!(
                    "{}; a plugin that reaches the wall-clock limit fails for the whole run",
                    f.message
                ),
                ..f.clone()
            });
        }
    }
    results
        .into_iter()
        .enumerate()
        .filter_map(|(n, r)| r.map(|r| r.map(|o| (n, o))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(fuel: u64) -> Result<BatchOutput, PluginFailure> {
        Ok(BatchOutput {
            fuel,
            ..BatchOutput::default()
        })
    }

    fn fail(kind: FailureKind, call: &str) -> Result<BatchOutput, PluginFailure> {
        Err(PluginFailure {
            plugin: "p".into(),
            kind,
            call: call.into(),
            message: "m".into(),
        })
    }

    #[test]
    fn a_failure_skips_later_batches_only() {
        let b = Breaker::new(5, u64::MAX, false);
        b.record(3, &fail(FailureKind::OutOfFuel, "batch 4"));
        assert!(b.skip(4));
        assert!(
            !b.skip(1),
            "earlier batches still run: one of them may fail first"
        );
        b.record(1, &fail(FailureKind::Trap, "batch 2"));
        assert!(b.skip(2) && b.skip(3));
    }

    #[test]
    fn the_run_budget_is_counted_in_batch_order() {
        let b = Breaker::new(4, 10, false);
        b.record(2, &ok(8));
        assert!(!b.skip(3), "batch 2's fuel alone does not decide");
        b.record(0, &ok(1));
        b.record(1, &ok(2));
        // 1 + 2 + 8 > 10 at batch 2: batch 3 is not needed.
        assert!(b.skip(3));
        let results = vec![Some(ok(1)), Some(ok(2)), Some(ok(8)), None];
        let f = verdict("p", 10, results).unwrap_err();
        assert_eq!(
            (f.kind, f.call.as_str()),
            (FailureKind::RunBudget, "evaluate batch 3")
        );
    }

    #[test]
    fn the_first_failure_in_batch_order_wins_whatever_finished_first() {
        let results = vec![
            Some(ok(1)),
            Some(fail(FailureKind::Trap, "batch 2")),
            Some(fail(FailureKind::OutOfFuel, "batch 3")),
        ];
        assert_eq!(verdict("p", 100, results).unwrap_err().call, "batch 2");
    }

    #[test]
    fn a_timeout_fails_the_whole_run_without_naming_a_batch() {
        let b = Breaker::new(3, 100, false);
        b.record(1, &fail(FailureKind::Timeout, "batch 2"));
        assert!(b.skip(0) && b.skip(2));
        let results = vec![None, Some(fail(FailureKind::Timeout, "batch 2")), None];
        let f = verdict("p", 100, results).unwrap_err();
        assert_eq!(
            (f.kind, f.call.as_str()),
            (FailureKind::Timeout, "evaluate")
        );
        // A deterministic failure before the interruption still decides.
        let results = vec![
            Some(fail(FailureKind::Trap, "batch 1")),
            Some(fail(FailureKind::Timeout, "batch 2")),
        ];
        assert_eq!(
            verdict("p", 100, results).unwrap_err().kind,
            FailureKind::Trap
        );
    }

    #[test]
    fn all_batches_succeeding_give_every_output() {
        let out = verdict("p", 100, vec![Some(ok(1)), Some(ok(2))]).unwrap();
        let batches: Vec<usize> = out.iter().map(|(n, _)| *n).collect();
        assert_eq!(batches, [0, 1]);
    }
}
