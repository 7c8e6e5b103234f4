//! Plugin result decoding: whatever a plugin returns (any indices, steps, codes, texts,
//! sizes) is either accepted or refused with a message, never a panic.

#![no_main]

use arbitrary::Arbitrary;
use isms_engine::plugin::{decode_evaluate, wit};

#[derive(Debug, Arbitrary)]
struct RawAdjustment {
    scenario: u32,
    impact: bool,
    delta: i8,
    reason: String,
}

#[derive(Debug, Arbitrary)]
struct RawFinding {
    asset: u32,
    code: String,
    severity: u8,
    message: String,
}

#[derive(Debug, Arbitrary)]
struct Input {
    scenarios: u8,
    assets: u8,
    max_step: u8,
    max_text: u16,
    adjustments: Vec<RawAdjustment>,
    findings: Vec<RawFinding>,
}

libfuzzer_sys::fuzz_target!(|input: Input| {
    let result = wit::BatchResult {
        adjustments: input
            .adjustments
            .into_iter()
            .map(|a| wit::Adjustment {
                scenario: a.scenario,
                factor: if a.impact {
                    wit::Factor::Impact
                } else {
                    wit::Factor::Likelihood
                },
                delta: a.delta,
                reason: a.reason,
            })
            .collect(),
        findings: input
            .findings
            .into_iter()
            .map(|f| wit::Finding {
                asset: f.asset,
                code: f.code,
                severity: match f.severity % 5 {
                    0 => wit::Severity::Critical,
                    1 => wit::Severity::High,
                    2 => wit::Severity::Medium,
                    3 => wit::Severity::Low,
                    _ => wit::Severity::Info,
                },
                message: f.message,
            })
            .collect(),
    };
    let (ns, na) = (usize::from(input.scenarios), usize::from(input.assets));
    if let Ok(out) = decode_evaluate(result, ns, na, input.max_step, usize::from(input.max_text)) {
        assert!(out.adjustments.iter().all(|a| a.scenario < ns && a.delta != 0));
        assert!(out.findings.iter().all(|f| f.asset < na));
    }
});
