//! Calling a plugin inside its sandbox, and checking what it returns.

use wasmtime::component::{Component, Linker};
use wasmtime::{Store, StoreLimits, StoreLimitsBuilder, Trap};

use super::{EPOCH_TICK, FailureKind, Limits, Plugin, PluginFailure, SectorPlugin, engine, wit};
use crate::catalog::{Catalog, ControlIdx};
use crate::model::Severity;
use crate::rules::ruleset::{Factor, ReasonCategory};

/// What a store holds: only its resource limits (the plugin gets no host state).
struct Sandbox {
    limits: StoreLimits,
}

/// A batch as sent to the plugin.
pub type BatchInput = wit::Batch;

/// A checked risk adjustment; `scenario` indexes the batch's scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    pub scenario: usize,
    pub factor: Factor,
    pub delta: i8,
    pub reason: String,
}

/// A checked finding; `asset` indexes the batch's assets.
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
}

/// A checked applicability reason.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginReason {
    pub control: ControlIdx,
    pub category: ReasonCategory,
    pub text: String,
}

/// Runs `call` on a fresh instance in a fresh store with the plugin's limits.
fn sandboxed<R>(
    component: &Component,
    plugin: &str,
    label: &str,
    limits: Limits,
    call: impl FnOnce(&SectorPlugin, &mut Store<Sandbox>) -> wasmtime::Result<R>,
) -> Result<R, PluginFailure> {
    let fail = |kind, message: String| PluginFailure {
        plugin: plugin.to_owned(),
        kind,
        call: label.to_owned(),
        message,
    };
    let mut store = Store::new(
        engine(),
        Sandbox {
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory)
                .instances(4)
                .tables(4)
                .memories(2)
                .trap_on_grow_failure(true)
                .build(),
        },
    );
    store.limiter(|s| &mut s.limits);
    store
        .set_fuel(limits.fuel)
        .map_err(|e| fail(FailureKind::Trap, e.to_string()))?;
    let ticks = (limits.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();
    let linker: Linker<Sandbox> = Linker::new(engine());
    let result = SectorPlugin::instantiate(&mut store, component, &linker)
        .and_then(|p| call(&p, &mut store));
    result.map_err(|e| {
        let kind = match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => FailureKind::OutOfFuel,
            Some(Trap::Interrupt) => FailureKind::Timeout,
            Some(Trap::StackOverflow) => FailureKind::StackOverflow,
            _ if format!("{e:#}").contains("growing memory") => FailureKind::MemoryLimit,
            _ => FailureKind::Trap,
        };
        let detail = match kind {
            FailureKind::OutOfFuel => format!("its budget of {} fuel units is spent", limits.fuel),
            FailureKind::Timeout => format!("still running after {:?}", limits.deadline),
            FailureKind::MemoryLimit => format!(
                "it tried to grow its memory beyond {} MiB",
                limits.memory >> 20
            ),
            _ => format!("{e:#}")
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        };
        fail(kind, detail)
    })
}

/// Calls `describe`.
pub(crate) fn describe(
    component: &Component,
    id: &str,
    limits: Limits,
) -> Result<wit::Descriptor, PluginFailure> {
    let d = sandboxed(component, id, "describe", limits, |p, s| {
        p.isms_plugin_api().call_describe(s)
    })?;
    let bad = [&d.id, &d.name, &d.version, &d.interface_version]
        .iter()
        .any(|t| t.is_empty() || t.len() > limits.max_text);
    if bad || d.description.len() > limits.max_text || d.controls.len() > 200 {
        return Err(PluginFailure {
            plugin: id.to_owned(),
            kind: FailureKind::MalformedResult,
            call: "describe".into(),
            message: "the descriptor has empty or oversized fields".into(),
        });
    }
    Ok(d)
}

fn malformed(plugin: &Plugin, call: &str, message: String) -> PluginFailure {
    PluginFailure {
        plugin: plugin.manifest.id.clone(),
        kind: FailureKind::MalformedResult,
        call: call.to_owned(),
        message,
    }
}

/// A code a plugin may use: short, letters, digits, `-`, `_` and `.`.
fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Calls `evaluate` on one batch and checks the result against the batch.
pub fn run_evaluate(
    plugin: &Plugin,
    batch: &BatchInput,
    call: &str,
    max_step: u8,
) -> Result<BatchOutput, PluginFailure> {
    let limits = plugin.limits;
    let r = sandboxed(
        &plugin.component,
        &plugin.manifest.id,
        call,
        limits,
        |p, s| p.isms_plugin_api().call_evaluate(s, batch),
    )?;
    decode_evaluate(
        r,
        batch.scenarios.len(),
        batch.assets.len(),
        max_step,
        limits.max_text,
    )
    .map_err(|message| malformed(plugin, call, message))
}

/// Checks and converts what a plugin's `evaluate` returned for a batch of `ns` scenarios and
/// `na` assets: indices in range, steps within `max_step`, codes and texts valid, sizes sane.
/// A separate function so that the fuzzer can feed it arbitrary results.
pub fn decode_evaluate(
    r: wit::BatchResult,
    ns: usize,
    na: usize,
    max_step: u8,
    max_text: usize,
) -> Result<BatchOutput, String> {
    // A plugin may adjust both factors of every scenario once or twice and report a few
    // findings per asset; more than that is a runaway result, not an assessment.
    if r.adjustments.len() > 4 * ns + 16 || r.findings.len() > 8 * na + 16 {
        return Err(format!(
            "{} adjustments and {} findings for {ns} scenarios and {na} assets",
            r.adjustments.len(),
            r.findings.len()
        ));
    }
    let text_ok = |t: &str| !t.trim().is_empty() && t.len() <= max_text;
    let mut out = BatchOutput::default();
    for a in r.adjustments {
        let i = a.scenario as usize;
        if i >= ns {
            return Err(format!(
                "an adjustment names scenario {i} of a batch of {ns}"
            ));
        }
        if a.delta == 0 || a.delta.unsigned_abs() > max_step {
            return Err(format!(
                "an adjustment of {} steps is outside -{max_step}..{max_step} (and not 0)",
                a.delta
            ));
        }
        if !text_ok(&a.reason) {
            return Err("an adjustment has an empty or oversized reason".into());
        }
        out.adjustments.push(Adjustment {
            scenario: i,
            factor: match a.factor {
                wit::Factor::Likelihood => Factor::Likelihood,
                wit::Factor::Impact => Factor::Impact,
            },
            delta: a.delta,
            reason: a.reason,
        });
    }
    for f in r.findings {
        let i = f.asset as usize;
        if i >= na {
            return Err(format!("a finding names asset {i} of a batch of {na}"));
        }
        if !valid_code(&f.code) || !text_ok(&f.message) {
            return Err("a finding has an invalid code or an empty or oversized message".into());
        }
        out.findings.push(Finding {
            asset: i,
            code: f.code,
            severity: match f.severity {
                wit::Severity::Critical => Severity::Critical,
                wit::Severity::High => Severity::High,
                wit::Severity::Medium => Severity::Medium,
                wit::Severity::Low => Severity::Low,
                wit::Severity::Info => Severity::Info,
            },
            message: f.message,
        });
    }
    Ok(out)
}

/// Calls `applicability` and resolves the control ids in the workspace's catalog.
pub fn run_applicability(
    plugin: &Plugin,
    inventory: &wit::Inventory,
    catalog: &Catalog,
) -> Result<Vec<PluginReason>, PluginFailure> {
    let call = "applicability";
    let reasons = sandboxed(
        &plugin.component,
        &plugin.manifest.id,
        call,
        plugin.limits,
        |p, s| p.isms_plugin_api().call_applicability(s, inventory),
    )?;
    if reasons.len() > 4 * catalog.controls.len() {
        return Err(malformed(
            plugin,
            call,
            format!(
                "{} reasons for {} controls",
                reasons.len(),
                catalog.controls.len()
            ),
        ));
    }
    reasons
        .into_iter()
        .map(|r| {
            let control = catalog.find(&r.control).ok_or_else(|| {
                malformed(
                    plugin,
                    call,
                    format!(
                        "unknown control `{}` in {}",
                        r.control.chars().take(32).collect::<String>(),
                        catalog.id
                    ),
                )
            })?;
            if r.text.trim().is_empty() || r.text.len() > plugin.limits.max_text {
                return Err(malformed(
                    plugin,
                    call,
                    "a reason has an empty or oversized text".into(),
                ));
            }
            Ok(PluginReason {
                control,
                category: match r.category {
                    wit::Category::RiskTreatment => ReasonCategory::RiskTreatment,
                    wit::Category::Legal => ReasonCategory::Legal,
                    wit::Category::Regulatory => ReasonCategory::Regulatory,
                    wit::Category::Contractual => ReasonCategory::Contractual,
                    wit::Category::Business => ReasonCategory::Business,
                    wit::Category::Baseline => ReasonCategory::Baseline,
                },
                text: r.text,
            })
        })
        .collect()
}
