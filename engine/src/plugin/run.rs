//! Calling a plugin inside its sandbox, and checking what it returns.

use wasmtime::{Store, Trap};

use super::limits::{Breach, Sandbox};
use super::results::{Adjustment, BatchOutput, Finding, PluginReason};
use super::{
    EPOCH_TICK, FailureKind, Limits, Plugin, PluginFailure, SectorPluginPre, engine, text, wit,
};
use crate::catalog::Catalog;
use crate::model::Severity;
use crate::rules::ruleset::{Factor, ReasonCategory};

/// A batch as sent to the plugin.
pub type BatchInput = wit::Batch;

/// Longest error text kept from wasmtime (the cause chain with a short backtrace).
const MAX_ERROR: usize = 1200;

/// Runs `call` on a fresh instance in a fresh store with the plugin's limits; returns its
/// result and the fuel it spent.
fn sandboxed<R>(
    pre: &SectorPluginPre<Sandbox>,
    plugin: &str,
    label: &str,
    limits: Limits,
    call: impl FnOnce(&super::SectorPlugin, &mut Store<Sandbox>) -> wasmtime::Result<R>,
) -> Result<(R, u64), PluginFailure> {
    let fail = |kind, message: String| PluginFailure {
        plugin: plugin.to_owned(),
        kind,
        call: label.to_owned(),
        message,
    };
    let mut store = Store::new(engine(), Sandbox::new(limits));
    store.limiter(|s| s);
    store
        .set_fuel(limits.fuel)
        .map_err(|e| fail(FailureKind::Trap, e.to_string()))?;
    // Bounds what the host copies out of the plugin's memory for the results: strings may
    // alias, so the count of bytes lifted, not the memory size, is what must be capped.
    store.set_hostcall_fuel(limits.result_size);
    let ticks = (limits.deadline.as_millis() / EPOCH_TICK.as_millis()).max(1);
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
    store.epoch_deadline_trap();
    let result = pre
        .instantiate(&mut store)
        .and_then(|p| call(&p, &mut store));
    let spent = limits.fuel - store.get_fuel().unwrap_or(0).min(limits.fuel);
    result.map(|r| (r, spent)).map_err(|e| {
        let (kind, message) = classify(&e, store.data().breach, &limits);
        fail(kind, message)
    })
}

/// What went wrong, from the limiter's record and the error's cause chain.
fn classify(e: &wasmtime::Error, breach: Option<Breach>, limits: &Limits) -> (FailureKind, String) {
    let chain = e
        .chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    match (breach, e.downcast_ref::<Trap>()) {
        (Some(Breach::Memory { requested }), _) => (
            FailureKind::MemoryLimit,
            format!(
                "it asked for {} MiB of memory in all, above its limit of {} MiB (`memory_mib`)",
                requested.div_ceil(1 << 20),
                limits.memory >> 20
            ),
        ),
        (Some(Breach::TableElements { requested }), _) => (
            FailureKind::TableLimit,
            format!(
                "it asked for {requested} table elements in all, above its limit of {} (`table_elements`)",
                limits.table_elements
            ),
        ),
        (None, Some(Trap::OutOfFuel)) => (
            FailureKind::OutOfFuel,
            format!(
                "its budget of {} fuel units per call is spent (`fuel`)",
                limits.fuel
            ),
        ),
        (None, Some(Trap::Interrupt)) => (
            FailureKind::Timeout,
            format!(
                "still running after {} s (`deadline_seconds`)",
                limits.deadline.as_secs()
            ),
        ),
        (None, Some(Trap::StackOverflow)) => (
            FailureKind::StackOverflow,
            format!(
                "its stack of {} KiB is exhausted",
                super::limits::STACK >> 10
            ),
        ),
        _ if chain.contains("fuel allocated for hostcalls has been exhausted") => (
            FailureKind::MalformedResult,
            format!(
                "its results are larger than {} MiB (`result_mib`)",
                limits.result_size >> 20
            ),
        ),
        _ if chain.contains("count too high") || chain.contains("resource limit") => (
            FailureKind::ResourceLimit,
            format!(
                "{}; allowed: {} instances, {} memories, {} tables (`instances`, `memories`, `tables`)",
                text::one_line(&chain, MAX_ERROR),
                limits.instances,
                limits.memories,
                limits.tables
            ),
        ),
        _ => (FailureKind::Trap, text::one_line(&chain, MAX_ERROR)),
    }
}

/// Calls `describe`, and checks the descriptor.
pub(crate) fn describe(
    pre: &SectorPluginPre<Sandbox>,
    id: &str,
    limits: Limits,
) -> Result<wit::Descriptor, PluginFailure> {
    let (d, _) = sandboxed(pre, id, "describe", limits, |p, s| {
        p.isms_plugin_api().call_describe(s)
    })?;
    let malformed = |message: String| PluginFailure {
        plugin: id.to_owned(),
        kind: FailureKind::MalformedResult,
        call: "describe".into(),
        message,
    };
    let fields = [
        ("id", &d.id),
        ("name", &d.name),
        ("version", &d.version),
        ("interface-version", &d.interface_version),
        ("description", &d.description),
    ];
    for (name, value) in fields {
        text::check(value, limits.max_text)
            .map_err(|why| malformed(format!("the descriptor's {name} {why}")))?;
    }
    if d.controls.len() > 200 {
        return Err(malformed(format!(
            "the descriptor names {} controls",
            d.controls.len()
        )));
    }
    for c in &d.controls {
        text::check(c, 64).map_err(|why| malformed(format!("a control id {why}")))?;
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

/// A code a plugin may use: short, letters, digits, `-`, `_` and `.` (no `:`, which separates
/// the plugin's namespace from its code).
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
    let (r, fuel) = sandboxed(&plugin.pre, &plugin.manifest.id, call, limits, |p, s| {
        p.isms_plugin_api().call_evaluate(s, batch)
    })?;
    let mut out = decode_evaluate(
        r,
        batch.scenarios.len(),
        batch.assets.len(),
        max_step,
        limits.max_text,
    )
    .map_err(|message| malformed(plugin, call, message))?;
    out.fuel = fuel;
    Ok(out)
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
        text::check(&a.reason, max_text)
            .map_err(|why| format!("the reason of an adjustment of scenario {i} {why}"))?;
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
        if !valid_code(&f.code) {
            return Err(format!(
                "a finding has the code {:?}; codes are 1-64 letters, digits, `-`, `_` and `.`",
                text::one_line(&f.code, 80)
            ));
        }
        text::check(&f.message, max_text)
            .map_err(|why| format!("the message of finding {} {why}", f.code))?;
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
    let (reasons, _) = sandboxed(
        &plugin.pre,
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
                        text::one_line(&r.control, 32),
                        catalog.id
                    ),
                )
            })?;
            text::check(&r.text, plugin.limits.max_text).map_err(|why| {
                malformed(plugin, call, format!("the reason for {} {why}", r.control))
            })?;
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
