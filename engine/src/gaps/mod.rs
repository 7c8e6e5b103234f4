//! Gap detection: every disagreement between the risk register, the treatment plan, the
//! declared SoA and the inventory that an auditor would raise, each with a stable code, a
//! severity, the objects concerned and what to do.
//!
//! The checks are independent functions over a shared read-only context; they run in
//! parallel and their results are concatenated in a fixed order, then sorted by severity and
//! code (a stable sort, so within a code the order is the order of the input files).

mod cycle;
mod framework;
pub mod gap;
pub mod similarity;

use rayon::prelude::*;
use serde::Serialize;

use chrono::NaiveDate;

use crate::checks::CheckRun;
use crate::model::*;
use crate::risk::{AppetiteStatus, Assessment, RiskSource, ScoredRisk};
use crate::rules::ruleset::ReasonCategory;
use crate::soa::{Basis, Soa};
use crate::workspace::Workspace;

pub use crate::placeholder::{is_placeholder, placeholder_key};
use gap::obj;
pub use gap::{Gap, ObjectKind, ObjectRef};

/// A built-in check: its code, severity and what it looks for.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CheckInfo {
    pub code: &'static str,
    pub severity: Severity,
    pub description: &'static str,
}

macro_rules! checks {
    ($($name:ident = $code:literal, $sev:ident, $desc:literal;)+) => {
        $(const $name: CheckInfo = CheckInfo { code: $code, severity: Severity::$sev, description: $desc };)+
        /// Every built-in check, in report order.
        pub const CHECKS: &[CheckInfo] = &[$($name),+];
    };
}

checks! {
    PLAN_CONTROL_EXCLUDED = "GAP-PLAN-CONTROL-EXCLUDED", High, "The treatment plan selects a control that the declared SoA excludes.";
    PLAN_CONTROL_OMITTED = "GAP-PLAN-CONTROL-OMITTED", High, "The treatment plan selects a control that the declared SoA does not list.";
    EXCLUDED_BUT_REQUIRED = "GAP-EXCLUDED-BUT-REQUIRED", High, "The SoA excludes a control that a requirement or a rule makes applicable, or that a declared framework's requirement needs (no other linked control is in place).";
    SOA_MISSING_CONTROL = "GAP-SOA-MISSING-CONTROL", Medium, "A control of the catalog is missing from the declared SoA, or its row does not decide whether it applies.";
    EXCLUDED_MITIGATES_RISK = "GAP-EXCLUDED-MITIGATES-RISK", High, "The SoA excludes a control that mitigates risks above the appetite (medium when the exclusion's justification names those risks).";
    EXCLUSION_UNJUSTIFIED = "GAP-EXCLUSION-UNJUSTIFIED", Medium, "The SoA excludes a control without a justification, or with only a placeholder such as N/A.";
    INCLUSION_UNJUSTIFIED = "GAP-INCLUSION-UNJUSTIFIED", Low, "The SoA includes a control without a justification, or with only a placeholder.";
    INCLUSION_UNSUPPORTED = "GAP-INCLUSION-UNSUPPORTED", Low, "The SoA includes a control that no risk, requirement or rule supports.";
    IMPLEMENTED_ACTIONS_OPEN = "GAP-IMPLEMENTED-ACTIONS-OPEN", Medium, "The SoA says implemented while the plan's actions for the control are open (high when overdue).";
    STATUS_BEHIND_PLAN = "GAP-STATUS-BEHIND-PLAN", Low, "The plan has done more for an applicable control than the SoA's status says (every action done but not implemented, or some done but planned or not implemented).";
    IMPLEMENTED_NO_EVIDENCE = "GAP-IMPLEMENTED-NO-EVIDENCE", Medium, "The SoA says implemented but names no evidence (or only placeholders).";
    FRAMEWORK_UNCOVERED = "GAP-FRAMEWORK-UNCOVERED", Medium, "A requirement of a framework the profile declares (NIS2, ...) has no linked Annex A control in place: each is excluded or not implemented.";
    RISK_UNTREATED = "GAP-RISK-UNTREATED", High, "A risk above the appetite has no treatment decision (critical at the top level).";
    TOLERATED_NO_ACCEPTANCE = "GAP-TOLERATED-NO-ACCEPTANCE", High, "A risk above the appetite is tolerated without an acceptance record.";
    ACCEPTANCE_EXPIRED = "GAP-ACCEPTANCE-EXPIRED", Medium, "A tolerated risk above the appetite has an acceptance that has lapsed.";
    TREAT_NO_ACTIONS = "GAP-TREAT-NO-ACTIONS", High, "A risk to be treated has no action, or no action selects a control.";
    TREATMENT_INSUFFICIENT = "GAP-TREATMENT-INSUFFICIENT", Medium, "Even with every planned action done, the residual risk stays above the appetite.";
    TRANSFER_NO_REFERENCE = "GAP-TRANSFER-NO-REFERENCE", Medium, "A transferred risk names no contract or insurance (or only a placeholder such as TBC).";
    TERMINATE_ASSET_ACTIVE = "GAP-TERMINATE-ASSET-ACTIVE", Medium, "A terminated risk's asset is still active.";
    ACTION_OVERDUE = "GAP-ACTION-OVERDUE", Medium, "A treatment action is open past its due date.";
    RISK_OUT_OF_SCOPE = "GAP-RISK-OUT-OF-SCOPE", Low, "A risk concerns only assets outside the ISMS scope.";
    ASSET_NO_OWNER = "GAP-ASSET-NO-OWNER", Medium, "An in-scope asset has no owner.";
    ASSET_UNCLASSIFIED = "GAP-ASSET-UNCLASSIFIED", Low, "An in-scope asset has no classification.";
    ASSET_NOT_ASSESSED = "GAP-ASSET-NOT-ASSESSED", Medium, "A valuable in-scope asset is named by no risk of the register.";
    COPY_PASTE_ASSESSMENT = "GAP-COPY-PASTE-ASSESSMENT", Low, "Risks on unrelated assets have near-identical texts: a generic, copy-pasted assessment.";
    AUDIT_OVERDUE = "GAP-AUDIT-OVERDUE", High, "No internal audit was performed within the audit interval (high), or a planned audit is past its date (medium).";
    AUDITOR_NOT_INDEPENDENT = "GAP-AUDITOR-NOT-INDEPENDENT", Medium, "An internal audit's auditor belongs to an audited unit or is recorded as not independent.";
    AUDIT_SCOPE_UNCOVERED = "GAP-AUDIT-SCOPE-UNCOVERED", Medium, "The audit programme of the certification cycle leaves clauses or applicable controls unaudited.";
    NC_NO_ROOT_CAUSE = "GAP-NC-NO-ROOT-CAUSE", Medium, "A nonconformity has no root cause analysis after the allowed time (high when major).";
    CA_OVERDUE = "GAP-CA-OVERDUE", Medium, "A corrective action is open past its due date (high for a major nonconformity).";
    CA_NOT_VERIFIED = "GAP-CA-NOT-VERIFIED", Medium, "A completed corrective action's effectiveness was never verified.";
    NC_RECURRING = "GAP-NC-RECURRING", High, "Nonconformities against the same clause or control recur in different audits.";
    REVIEW_OVERDUE = "GAP-REVIEW-OVERDUE", High, "No management review was held within the review interval.";
    REVIEW_INPUTS_MISSING = "GAP-REVIEW-INPUTS-MISSING", Medium, "The latest management review did not cover every input of clause 9.3.2.";
    DOC_MISSING = "GAP-DOC-MISSING", High, "A document the standard requires has no approved entry in the documents register.";
    DOC_CONTROL_MISSING = "GAP-DOC-CONTROL-MISSING", Medium, "A document an applicable control requires has no approved entry in the documents register.";
    DOC_UNOWNED = "GAP-DOC-UNOWNED", Low, "A document of the register has no owner.";
    DOC_REVIEW_OVERDUE = "GAP-DOC-REVIEW-OVERDUE", Medium, "An approved document is past its review date or records none.";
    LEAVER_ACCOUNT_ACTIVE = "GAP-LEAVER-ACCOUNT-ACTIVE", High, "A leaver's account is still active (critical when privileged).";
    LEAVER_ACCESS_LAPSE = "GAP-LEAVER-ACCESS-LAPSE", Medium, "A leaver's access was revoked more than the allowed days after leaving (high when privileged).";
    RISK_ASSESSMENT_STALE = "GAP-RISK-ASSESSMENT-STALE", Medium, "A register risk was not assessed again within the risk assessment interval.";
    PLUGIN_FAILURE = "GAP-PLUGIN-FAILURE", High, "A plugin trapped, ran out of its budget or returned a malformed result: its results for that call are missing.";
    PLUGIN_APPETITE_SHIFT = "GAP-PLUGIN-APPETITE-SHIFT", Info, "A plugin moves more than the configured share of its scenarios across the appetite line.";
}

/// What the checks read.
pub struct Context<'a> {
    pub ws: &'a Workspace,
    pub assessment: &'a Assessment,
    pub soa: &'a Soa,
    pub as_of: NaiveDate,
    /// Scored register rows, by register index.
    register: Vec<&'a ScoredRisk>,
}

impl<'a> Context<'a> {
    pub fn new(ws: &'a Workspace, assessment: &'a Assessment, soa: &'a Soa) -> Self {
        let mut register: Vec<&ScoredRisk> = Vec::with_capacity(ws.risks.len());
        for r in &assessment.risks {
            if let RiskSource::Register(_) = r.source {
                register.push(r);
            }
        }
        Context {
            ws,
            assessment,
            soa,
            as_of: assessment.as_of,
            register,
        }
    }

    fn gap(
        &self,
        info: CheckInfo,
        message: String,
        action: &str,
        objects: Vec<ObjectRef>,
        at: Option<Origin>,
    ) -> Gap {
        self.gap_with(info, info.severity, message, action, objects, at)
    }

    fn gap_with(
        &self,
        info: CheckInfo,
        severity: Severity,
        message: String,
        action: &str,
        objects: Vec<ObjectRef>,
        at: Option<Origin>,
    ) -> Gap {
        Gap {
            code: info.code.to_owned(),
            severity,
            message,
            action: action.to_owned(),
            objects,
            at: at.map(|o| self.ws.cite(o)),
        }
    }

    fn control_id(&self, c: crate::catalog::ControlIdx) -> &str {
        &self.ws.catalog.control(c).id
    }
}

type CheckFn = fn(&Context<'_>) -> Vec<Gap>;

const CHECK_FNS: &[CheckFn] = &[
    plan_controls,
    excluded_but_required,
    soa_missing,
    justification,
    excluded_mitigates_risk,
    unsupported_inclusion,
    status_vs_plan,
    no_evidence,
    framework::uncovered,
    risk_decisions,
    plugin_influence,
    actions_overdue,
    risk_scope,
    asset_hygiene,
    assets_not_assessed,
    copy_paste,
    cycle::audits,
    cycle::audit_coverage,
    cycle::nonconformities,
    cycle::corrective_actions,
    cycle::reviews,
    cycle::documents,
    cycle::leavers,
    cycle::risk_assessment_stale,
];

/// Runs every built-in check and adds the findings of custom checks and plugins.
pub fn detect(ctx: &Context<'_>, custom: &CheckRun) -> Vec<Gap> {
    let per: Vec<Vec<Gap>> = CHECK_FNS.par_iter().map(|f| f(ctx)).collect();
    let mut gaps: Vec<Gap> = per.into_iter().flatten().collect();
    gaps.extend(ctx.assessment.plugin_findings.iter().map(|f| Gap {
        code: f.code.clone(),
        severity: f.severity,
        message: format!(
            "[plugin {}] {} ({})",
            f.plugin,
            f.message,
            ctx.ws.asset(f.asset).id
        ),
        action: f.message.clone(),
        objects: vec![
            obj(ObjectKind::Asset, &ctx.ws.asset(f.asset).id),
            obj(ObjectKind::Plugin, &f.plugin),
        ],
        at: Some(ctx.ws.cite(ctx.ws.asset(f.asset).origin)),
    }));
    gaps.extend(ctx.assessment.plugin_failures.iter().map(|f| {
        ctx.gap(
            PLUGIN_FAILURE,
            f.to_string(),
            "Fix or remove the plugin; run with --strict to stop on plugin failures.",
            vec![obj(ObjectKind::Plugin, &f.plugin)],
            None,
        )
    }));
    gaps.extend(custom.findings.iter().map(|f| Gap {
        code: f.check.clone(),
        severity: f.severity,
        message: format!("{} ({})", f.message, f.subject),
        action: f.message.clone(),
        objects: vec![obj(
            if ctx.ws.asset_by_id(&f.subject).is_some() {
                ObjectKind::Asset
            } else {
                ObjectKind::Risk
            },
            f.subject.clone(),
        )],
        at: None,
    }));
    let rank = |code: &str| {
        CHECKS
            .iter()
            .position(|c| c.code == code)
            .unwrap_or(CHECKS.len())
    };
    gaps.sort_by(|a, b| {
        (a.severity, rank(&a.code), &a.code).cmp(&(b.severity, rank(&b.code), &b.code))
    });
    gaps
}

fn plan_controls(ctx: &Context<'_>) -> Vec<Gap> {
    let mut out = Vec::new();
    for action in ctx
        .ws
        .actions
        .iter()
        .filter(|a| a.status != ActionStatus::Cancelled)
    {
        for c in &action.controls {
            let id = ctx.control_id(*c);
            let objects = vec![
                obj(ObjectKind::Action, &action.id),
                obj(ObjectKind::Control, id),
            ];
            match ctx.ws.soa_entry(*c) {
                Some(e) if !e.applicable => out.push(ctx.gap(
                    PLAN_CONTROL_EXCLUDED,
                    format!("action {} selects {id}, which the SoA excludes", action.id),
                    "Include the control in the SoA with the risk treatment as justification, or change the action.",
                    objects,
                    Some(action.origin),
                )),
                Some(_) => {}
                None => out.push(ctx.gap(
                    PLAN_CONTROL_OMITTED,
                    format!("action {} selects {id}, which the SoA does not list", action.id),
                    "Add the control to the SoA as applicable, justified by the risk treatment.",
                    objects,
                    Some(action.origin),
                )),
            }
        }
    }
    out
}

fn excluded_but_required(ctx: &Context<'_>) -> Vec<Gap> {
    let framework_left = framework::left_uncovered(ctx);
    ctx.soa
        .rows
        .iter()
        .filter(|row| row.declared_applicable == Some(false))
        .filter_map(|row| {
            // Risk treatment is reported from the plan's side (GAP-PLAN-CONTROL-EXCLUDED).
            let demands: Vec<&crate::soa::Reason> =
                row.reasons.iter().filter(|r| r.category != ReasonCategory::RiskTreatment).collect();
            // Requirements of declared frameworks this exclusion leaves with no control in place.
            let left = framework_left.get(&row.control).map(Vec::as_slice).unwrap_or_default();
            if demands.is_empty() && left.is_empty() {
                return None;
            }
            let mut objects = vec![obj(ObjectKind::Control, &row.id)];
            for r in &demands {
                let kind = if ctx.ws.profile.requirements.iter().any(|q| q.id == r.source) {
                    ObjectKind::Requirement
                } else {
                    ObjectKind::Rule
                };
                objects.push(obj(kind, &r.source));
            }
            let why: Vec<String> = demands.iter().map(|r| r.text.clone()).collect();
            objects.extend(left.iter().take(framework::NAMED).map(|q| obj(ObjectKind::Requirement, q)));
            let message = match (why.is_empty(), left.is_empty()) {
                (false, true) => format!("the SoA excludes {} but {} make it applicable", row.id, why.join("; ")),
                (true, _) => format!("the SoA excludes {}, which leaves {} uncovered", row.id, framework::named(left)),
                (false, false) => format!(
                    "the SoA excludes {} but {} make it applicable; the exclusion leaves {} uncovered",
                    row.id,
                    why.join("; "),
                    framework::named(left)
                ),
            };
            Some(ctx.gap(
                EXCLUDED_BUT_REQUIRED,
                message,
                "Include the control, or record why the requirement does not apply to it and adjust the requirement or rule.",
                objects,
                ctx.ws.soa_entry(row.control).map(|e| e.origin),
            ))
        })
        .collect()
}

fn soa_missing(ctx: &Context<'_>) -> Vec<Gap> {
    let mut undecided = vec![None; ctx.ws.catalog.controls.len()];
    for (control, origin) in ctx.ws.soa_undecided() {
        undecided[control.index()] = Some(*origin);
    }
    ctx.soa
        .rows
        .iter()
        .filter(|row| row.declared_applicable.is_none())
        .map(|row| {
            let row_at = undecided[row.control.index()];
            let message = match row_at {
                Some(_) => format!(
                    "{} {} is undecided in the SoA: its row leaves `applicable` empty",
                    row.id, row.title
                ),
                None => format!("{} {} is missing from the SoA", row.id, row.title),
            };
            ctx.gap(
                SOA_MISSING_CONTROL,
                message,
                "Every Annex A control needs a row: decide whether it applies and justify the decision.",
                vec![obj(ObjectKind::Control, &row.id)],
                row_at,
            )
        })
        .collect()
}

fn justification(ctx: &Context<'_>) -> Vec<Gap> {
    let placeholders = &ctx.ws.placeholders;
    ctx.ws
        .soa
        .iter()
        .filter(|e| {
            e.justification
                .as_deref()
                .is_none_or(|j| is_placeholder(j, placeholders))
        })
        .map(|e| {
            let id = ctx.control_id(e.control);
            let (info, what, action) = if e.applicable {
                (
                    INCLUSION_UNJUSTIFIED,
                    "includes",
                    "State why the control is included (the risks, requirements or business need).",
                )
            } else {
                (
                    EXCLUSION_UNJUSTIFIED,
                    "excludes",
                    "State why the control does not apply; an auditor will ask for each exclusion.",
                )
            };
            let how = match &e.justification {
                Some(j) => format!("with only the placeholder {:?} as justification", j.trim()),
                None => "without a justification".to_owned(),
            };
            ctx.gap(
                info,
                format!("the SoA {what} {id} {how}"),
                action,
                vec![obj(ObjectKind::Control, id)],
                Some(e.origin),
            )
        })
        .collect()
}

/// A declared exclusion of a control that mitigates risks above the appetite: the
/// justification must weigh those risks (it names one of them), else the gap is high.
fn excluded_mitigates_risk(ctx: &Context<'_>) -> Vec<Gap> {
    ctx.soa
        .rows
        .iter()
        .filter(|row| row.declared_applicable == Some(false) && !row.applicable)
        .filter_map(|row| {
            let m = row.mitigates.as_ref().filter(|m| m.above_appetite > 0)?;
            let declared = row.declared_justification.as_deref().unwrap_or("");
            let weighed = m.register_above.iter().any(|id| declared.contains(id.as_str()));
            let mut objects = vec![obj(ObjectKind::Control, &row.id)];
            objects.extend(m.register_above.iter().map(|id| obj(ObjectKind::Risk, id)));
            let named = if m.register_above.is_empty() {
                String::new()
            } else {
                format!(" (register: {})", m.register_above.join(", "))
            };
            let verdict = if weighed {
                "its justification names some of them; confirm the owners accept them without the control".to_owned()
            } else if is_placeholder(declared, &ctx.ws.placeholders) {
                "its justification says nothing".to_owned()
            } else {
                format!("its justification ({:?}) names none of them", declared.trim())
            };
            Some(ctx.gap_with(
                EXCLUDED_MITIGATES_RISK,
                if weighed { Severity::Medium } else { Severity::High },
                format!(
                    "the SoA excludes {}, which mitigates {} risks above the appetite{named} through threats {}; {verdict}",
                    row.id,
                    m.above_appetite,
                    m.threats.join(", ")
                ),
                "Include and implement the control, or justify the exclusion against these risks and have their owners accept them.",
                objects,
                ctx.ws.soa_entry(row.control).map(|e| e.origin),
            ))
        })
        .collect()
}

/// A plugin that moves more than the configured share of its scenarios across the appetite.
fn plugin_influence(ctx: &Context<'_>) -> Vec<Gap> {
    let share = ctx.ws.risk_model.plugin_appetite_share;
    ctx.assessment
        .plugin_influence
        .iter()
        .filter(|p| p.crossing_share() > share)
        .map(|p| {
            ctx.gap(
                PLUGIN_APPETITE_SHIFT,
                format!(
                    "plugin {} moves {:.1}% of the {} scenarios it sees across the appetite ({} above, {} below; more than the {:.1}% allowed)",
                    p.plugin,
                    p.crossing_share() * 100.0,
                    p.scenarios,
                    p.crossed_above,
                    p.crossed_below,
                    share * 100.0
                ),
                "Review the plugin's adjustments (`isms explain` shows them per scenario) before relying on the levels; set [risk] plugin_appetite_share to change the threshold.",
                vec![obj(ObjectKind::Plugin, &p.plugin)],
                None,
            )
        })
        .collect()
}

fn unsupported_inclusion(ctx: &Context<'_>) -> Vec<Gap> {
    ctx.soa
        .rows
        .iter()
        .filter(|row| row.declared_applicable == Some(true) && row.basis == Basis::Declaration)
        .map(|row| {
            ctx.gap(
                INCLUSION_UNSUPPORTED,
                format!("the SoA includes {} but no risk, requirement or rule supports it", row.id),
                "Link the control to the risks it treats or the requirement that demands it, or reconsider it.",
                vec![obj(ObjectKind::Control, &row.id)],
                ctx.ws.soa_entry(row.control).map(|e| e.origin),
            )
        })
        .collect()
}

/// How far a status is along: not implemented < planned < partial < implemented.
fn progress_rank(s: ImplementationStatus) -> u8 {
    match s {
        ImplementationStatus::NotImplemented => 0,
        ImplementationStatus::Planned => 1,
        ImplementationStatus::Partial => 2,
        ImplementationStatus::Implemented => 3,
    }
}

/// The declared status against the plan, both ways, on applicable controls only (an
/// excluded control has no status to check).
fn status_vs_plan(ctx: &Context<'_>) -> Vec<Gap> {
    let mut out = Vec::new();
    for row in ctx
        .soa
        .rows
        .iter()
        .filter(|r| r.applicable && r.declared_applicable != Some(false))
    {
        let Some(status) = row.declared_status else {
            continue;
        };
        let at = ctx.ws.soa_entry(row.control).map(|e| e.origin);
        let objects = || vec![obj(ObjectKind::Control, &row.id)];
        if status == ImplementationStatus::Implemented && row.plan.open > 0 {
            let severity = if row.plan.overdue > 0 {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(ctx.gap_with(
                IMPLEMENTED_ACTIONS_OPEN,
                severity,
                format!(
                    "the SoA says {} is implemented while {} of its {} actions are open{}",
                    row.id,
                    row.plan.open,
                    row.plan.actions,
                    if row.plan.overdue > 0 { format!(" ({} overdue)", row.plan.overdue) } else { String::new() }
                ),
                "Set the SoA status to partial until the actions are done, or close the actions with evidence.",
                objects(),
                at,
            ));
        }
        let Some(implied) = row.plan.implied_status() else {
            continue;
        };
        if progress_rank(implied) > progress_rank(status) && row.plan.done > 0 {
            let what = if row.plan.open == 0 {
                format!("every action for {} is done", row.id)
            } else {
                format!(
                    "{} of the {} actions for {} are done",
                    row.plan.done, row.plan.actions, row.id
                )
            };
            out.push(ctx.gap(
                STATUS_BEHIND_PLAN,
                format!("{what} but the SoA says {status}; the plan implies {implied}"),
                "Update the SoA status and record the evidence of implementation.",
                objects(),
                at,
            ));
        }
    }
    out
}

fn no_evidence(ctx: &Context<'_>) -> Vec<Gap> {
    ctx.ws
        .soa
        .iter()
        .filter(|e| e.applicable && e.status_given && e.status == ImplementationStatus::Implemented)
        .filter(|e| {
            e.evidence
                .iter()
                .all(|x| is_placeholder(x, &ctx.ws.placeholders))
        })
        .map(|e| {
            let id = ctx.control_id(e.control);
            ctx.gap(
                IMPLEMENTED_NO_EVIDENCE,
                format!("the SoA says {id} is implemented but names no evidence"),
                "Reference the documents or records that show the control operates.",
                vec![obj(ObjectKind::Control, id)],
                Some(e.origin),
            )
        })
        .collect()
}

/// Decisions on register risks: untreated, tolerated, treated, transferred, terminated.
fn risk_decisions(ctx: &Context<'_>) -> Vec<Gap> {
    let ws = ctx.ws;
    let model = &ws.risk_model;
    let appetite = ws.profile.risk_appetite;
    let mut actions_by_risk: Vec<Vec<&TreatmentAction>> = vec![Vec::new(); ws.risks.len()];
    for a in ws
        .actions
        .iter()
        .filter(|a| a.status != ActionStatus::Cancelled)
    {
        for r in &a.risks {
            actions_by_risk[r.index()].push(a);
        }
    }
    let mut out = Vec::new();
    for (i, (risk, scored)) in ws.risks.iter().zip(&ctx.register).enumerate() {
        let objects = || vec![obj(ObjectKind::Risk, &risk.id)];
        let level = |v: u8| model.matrix.level_info(v).name.clone();
        let above = scored.status != AppetiteStatus::WithinAppetite;
        match &risk.treatment {
            None if above => {
                let severity = if scored.residual.level >= model.matrix.max_level() { Severity::Critical } else { Severity::High };
                out.push(ctx.gap_with(
                    RISK_UNTREATED,
                    severity,
                    format!("{} is {} (level {}) above the appetite and has no treatment decision", risk.id, level(scored.residual.level), scored.residual.level),
                    "Decide the treatment (treat, terminate, transfer or tolerate with an acceptance) and have the risk owner approve it.",
                    objects(),
                    Some(risk.origin),
                ));
            }
            None => {}
            Some(d) => match d.option {
                TreatmentOption::Tolerate => match scored.status {
                    AppetiteStatus::AboveAppetite => out.push(ctx.gap(
                        TOLERATED_NO_ACCEPTANCE,
                        format!("{} is tolerated at {} (level {}) above the appetite without an acceptance record", risk.id, level(scored.residual.level), scored.residual.level),
                        "Record who accepted the risk, when and until when (clause 6.1.3 f), or treat it.",
                        objects(),
                        Some(risk.origin),
                    )),
                    AppetiteStatus::AcceptanceExpired => out.push(ctx.gap(
                        ACCEPTANCE_EXPIRED,
                        format!(
                            "the acceptance of {} lapsed on {}",
                            risk.id,
                            d.acceptance.as_ref().and_then(|a| a.until).map(|u| u.to_string()).unwrap_or_default()
                        ),
                        "Have the risk owner review and renew the acceptance, or treat the risk.",
                        objects(),
                        Some(risk.origin),
                    )),
                    _ => {}
                },
                TreatmentOption::Treat => {
                    let actions = &actions_by_risk[i];
                    if actions.is_empty() || actions.iter().all(|a| a.controls.is_empty()) {
                        out.push(ctx.gap(
                            TREAT_NO_ACTIONS,
                            format!("{} is to be treated but {}", risk.id, if actions.is_empty() { "the plan has no action for it" } else { "none of its actions selects a control" }),
                            "Add actions to the treatment plan with the controls, owner and due date.",
                            objects(),
                            Some(risk.origin),
                        ));
                    } else {
                        // The residual the plan will reach once every open action is done:
                        // today's residual (existing controls and done actions) lowered by the
                        // open ones.
                        let (l_red, i_red) = actions.iter().filter(|a| a.status != ActionStatus::Done).fold((0i32, 0i32), |(l, m), a| {
                            (l + i32::from(a.likelihood_reduction), m + i32::from(a.impact_reduction))
                        });
                        let l = (i32::from(scored.residual.likelihood) - l_red).max(1) as u8;
                        let im = (i32::from(scored.residual.impact) - i_red).max(1) as u8;
                        let projected = model.method.score(&model.matrix, l, im, 1, &risk.id);
                        if projected.level > appetite {
                            out.push(ctx.gap(
                                TREATMENT_INSUFFICIENT,
                                format!(
                                    "even with all {} actions done, {} stays at {} (level {}) above the appetite (level {appetite})",
                                    actions.len(), risk.id, level(projected.level), projected.level
                                ),
                                "Plan further controls, or have the risk owner accept the remaining risk.",
                                objects(),
                                Some(risk.origin),
                            ));
                        }
                    }
                }
                TreatmentOption::Transfer if d.transfer_reference.as_deref().is_none_or(|r| is_placeholder(r, &ws.placeholders)) => out.push(ctx.gap(
                    TRANSFER_NO_REFERENCE,
                    match &d.transfer_reference {
                        Some(r) => format!("{} is transferred but its reference {:?} is a placeholder, not a contract or insurance", risk.id, r.trim()),
                        None => format!("{} is transferred but names no contract or insurance", risk.id),
                    },
                    "Record the insurance policy or contract that carries the risk (transfer_reference).",
                    objects(),
                    Some(risk.origin),
                )),
                TreatmentOption::Transfer => {}
                TreatmentOption::Terminate => {
                    let active: Vec<&Asset> = risk.assets.iter().map(|a| ws.asset(*a)).filter(|a| a.status == AssetStatus::Active).collect();
                    if !active.is_empty() {
                        let mut objects = objects();
                        objects.extend(active.iter().map(|a| obj(ObjectKind::Asset, &a.id)));
                        out.push(ctx.gap(
                            TERMINATE_ASSET_ACTIVE,
                            format!(
                                "{} is terminated but {} still active",
                                risk.id,
                                active.iter().map(|a| a.id.as_str()).collect::<Vec<_>>().join(", ") + if active.len() == 1 { " is" } else { " are" }
                            ),
                            "Retire the asset (or stop the activity) and record it, or choose another treatment.",
                            objects,
                            Some(risk.origin),
                        ));
                    }
                }
            },
        }
    }
    out
}

fn actions_overdue(ctx: &Context<'_>) -> Vec<Gap> {
    ctx.ws
        .actions
        .iter()
        .filter(|a| matches!(a.status, ActionStatus::Planned | ActionStatus::InProgress))
        .filter(|a| a.due.is_some_and(|d| d < ctx.as_of))
        .map(|a| {
            let mut objects = vec![obj(ObjectKind::Action, &a.id)];
            objects.extend(
                a.risks
                    .iter()
                    .map(|r| obj(ObjectKind::Risk, &ctx.ws.risks[r.index()].id)),
            );
            ctx.gap(
                ACTION_OVERDUE,
                format!(
                    "action {} ({}) was due on {} and is {}",
                    a.id,
                    a.title,
                    a.due.map(|d| d.to_string()).unwrap_or_default(),
                    a.status
                ),
                "Complete the action or agree a new due date with the risk owner and record why.",
                objects,
                Some(a.origin),
            )
        })
        .collect()
}

fn risk_scope(ctx: &Context<'_>) -> Vec<Gap> {
    let ws = ctx.ws;
    ws.risks
        .iter()
        .filter(|r| r.assets.iter().all(|a| !ctx.assessment.in_scope[a.index()]))
        .filter(|r| {
            // Terminating the risk of a retired asset is the expected end of its life.
            let terminated = r
                .treatment
                .as_ref()
                .is_some_and(|t| t.option == TreatmentOption::Terminate);
            !(terminated
                && r.assets
                    .iter()
                    .all(|a| ws.asset(*a).status == AssetStatus::Retired))
        })
        .map(|r| {
            let mut objects = vec![obj(ObjectKind::Risk, &r.id)];
            objects.extend(
                r.assets
                    .iter()
                    .map(|a| obj(ObjectKind::Asset, &ws.asset(*a).id)),
            );
            ctx.gap(
                RISK_OUT_OF_SCOPE,
                format!("{} concerns only assets outside the ISMS scope", r.id),
                "Remove the risk from the register or bring its assets into scope.",
                objects,
                Some(r.origin),
            )
        })
        .collect()
}

fn asset_hygiene(ctx: &Context<'_>) -> Vec<Gap> {
    let mut out = Vec::new();
    for (i, a) in ctx.ws.assets.iter().enumerate() {
        if !ctx.assessment.in_scope[i] {
            continue;
        }
        if a.owner.is_none() {
            out.push(ctx.gap(
                ASSET_NO_OWNER,
                format!("{} ({}) has no owner", a.id, a.name),
                "Name an owner accountable for the asset (A.5.9).",
                vec![obj(ObjectKind::Asset, &a.id)],
                Some(a.origin),
            ));
        }
        if a.classification.is_none() {
            out.push(ctx.gap(
                ASSET_UNCLASSIFIED,
                format!("{} ({}) has no classification", a.id, a.name),
                "Classify the asset (A.5.12) so that its protection needs are known.",
                vec![obj(ObjectKind::Asset, &a.id)],
                Some(a.origin),
            ));
        }
    }
    out
}

/// Valuable: an effective C, I or A value in the top two steps of the impact scale.
fn assets_not_assessed(ctx: &Context<'_>) -> Vec<Gap> {
    let ws = ctx.ws;
    let threshold = ws.risk_model.matrix.max_impact().saturating_sub(1).max(1);
    let mut named = vec![false; ws.assets.len()];
    for r in &ws.risks {
        for a in &r.assets {
            named[a.index()] = true;
        }
    }
    ws.assets
        .iter()
        .enumerate()
        .filter(|(i, a)| ctx.assessment.in_scope[*i] && a.status == AssetStatus::Active && !named[*i])
        .filter(|(i, _)| ctx.assessment.effective[*i].cia.max() >= threshold)
        .map(|(i, a)| {
            ctx.gap(
                ASSET_NOT_ASSESSED,
                format!("{} ({}) has a protection need of {} but no risk of the register names it", a.id, a.name, ctx.assessment.effective[i].cia.max()),
                "Assess the risks to the asset (the generated scenarios of `isms risks` are a starting point).",
                vec![obj(ObjectKind::Asset, &a.id)],
                Some(a.origin),
            )
        })
        .collect()
}

/// Near-identical risk texts on unrelated assets (see [`similarity`] for the technique).
fn copy_paste(ctx: &Context<'_>) -> Vec<Gap> {
    let ws = ctx.ws;
    // Copy-pasted assessments differ only where the asset is named: mask the risk's asset
    // names and ids so that the comparison sees the template.
    let texts: Vec<String> = ws
        .risks
        .iter()
        .map(|r| {
            let mut text = r.description.clone().unwrap_or_default();
            for a in &r.assets {
                let asset = ws.asset(*a);
                for name in [&asset.name, &asset.id] {
                    if name.len() >= 3 {
                        text = text.replace(name.as_str(), " asset ");
                    }
                }
            }
            text
        })
        .collect();
    let items: Vec<similarity::Text<'_>> = ws
        .risks
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.description
                .as_deref()
                .is_some_and(|d| d.split_whitespace().count() >= 8)
        })
        .map(|(i, r)| similarity::Text {
            id: i,
            text: &texts[i],
            group: u64::from(r.assets[0].0),
        })
        .collect();
    let related = |x: &Risk, y: &Risk| {
        x.assets.iter().any(|a| {
            y.assets.iter().any(|b| {
                a == b || ws.asset(*a).depends_on.contains(b) || ws.asset(*b).depends_on.contains(a)
            })
        })
    };
    // Pairs become clusters (union-find): a template pasted onto forty assets is one finding
    // naming forty risks, not 780 pairs.
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut range: Vec<(f64, f64)> = vec![(f64::MAX, 0.0); items.len()];
    for d in similarity::near_duplicates(&items, similarity::Settings::default()) {
        let (x, y) = (&ws.risks[items[d.first].id], &ws.risks[items[d.second].id]);
        if related(x, y) {
            continue;
        }
        let (a, b) = (root(&mut parent, d.first), root(&mut parent, d.second));
        let (lo, hi) = (
            range[a].0.min(range[b].0).min(d.similarity),
            range[a].1.max(range[b].1).max(d.similarity),
        );
        let r = a.min(b);
        parent[a.max(b)] = r;
        range[r] = (lo, hi);
    }
    // A cluster's root is its first member (roots are the lower index), so clusters come in
    // register order.
    let mut clusters: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, item) in items.iter().enumerate() {
        clusters
            .entry(root(&mut parent, i))
            .or_default()
            .push(item.id);
    }
    clusters
        .into_iter()
        .filter(|(_, members)| members.len() > 1)
        .map(|(r, members)| {
            let risks: Vec<&Risk> = members.iter().map(|&m| &ws.risks[m]).collect();
            let mut objects: Vec<ObjectRef> =
                risks.iter().map(|x| obj(ObjectKind::Risk, &x.id)).collect();
            let mut seen = std::collections::HashSet::new();
            objects.extend(
                risks
                    .iter()
                    .flat_map(|x| &x.assets)
                    .filter(|a| seen.insert(**a))
                    .map(|a| obj(ObjectKind::Asset, &ws.asset(*a).id)),
            );
            let (lo, hi) = range[r];
            let message = match risks.as_slice() {
                [x, y] => format!(
                    "{} and {} have {:.0}% the same text although their assets are unrelated",
                    x.id,
                    y.id,
                    hi * 100.0
                ),
                _ => {
                    const NAMED: usize = 5;
                    let named: Vec<&str> = risks.iter().take(NAMED).map(|x| x.id.as_str()).collect();
                    let more = risks.len().saturating_sub(NAMED);
                    format!(
                        "{} risks on unrelated assets have {:.0}-{:.0}% the same text: {}{}",
                        risks.len(),
                        lo * 100.0,
                        hi * 100.0,
                        named.join(", "),
                        if more > 0 { format!(" and {more} more") } else { String::new() }
                    )
                }
            };
            ctx.gap(
                COPY_PASTE_ASSESSMENT,
                message,
                "Assess each risk for its own asset: threats, vulnerabilities and consequences differ.",
                objects,
                Some(risks[1].origin),
            )
        })
        .collect()
}
