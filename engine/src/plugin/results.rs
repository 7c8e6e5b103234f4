//! What a plugin's calls yield once checked: plain values, free of the WebAssembly host, so
//! that the rest of the engine compiles with or without plugin support.

use crate::catalog::ControlIdx;
use crate::model::Severity;
use crate::rules::ruleset::{Factor, ReasonCategory};

/// A checked risk adjustment; `scenario` indexes the batch's scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    pub scenario: usize,
    pub factor: Factor,
    pub delta: i8,
    pub reason: String,
}

/// A checked finding; `asset` indexes the batch's assets. `code` is the plugin's own code,
/// without the namespace the engine puts in front of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub asset: usize,
    pub code: String,
    pub severity: Severity,
    pub message: String,
}

/// The checked result of one `evaluate` call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOutput {
    pub adjustments: Vec<Adjustment>,
    pub findings: Vec<Finding>,
    /// Fuel the call spent, for the plugin's run budget.
    pub fuel: u64,
}

/// A checked applicability reason.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginReason {
    pub control: ControlIdx,
    pub category: ReasonCategory,
    pub text: String,
}
