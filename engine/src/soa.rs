//! The Statement of Applicability: for every control of the catalog, whether it applies and
//! why, built from structured reasons, with the implementation status combined from the
//! treatment plan and the declared SoA.
//!
//! Reasons: the risks a control treats (through the plan's actions), the requirements of the
//! profile that demand it, the applicability rules of the rule sets (CEL over `org` and
//! `inventory`), and exclusions backed by organisation facts. A control with a reason applies;
//! one excluded by a fact and with no reason does not; for the rest the declared SoA decides,
//! and the gap checks say when that declaration stands on nothing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::ControlIdx;
use crate::model::{ActionStatus, ImplementationStatus, RequirementKind};
use crate::risk::Assessment;
use crate::rules::bindings::Bindings;
use crate::rules::expr::Interpreter;
use crate::rules::records::{InventoryRecord, OrgRecord};
use crate::rules::ruleset::ReasonCategory;
use crate::workspace::Workspace;

/// One reason for (or against) a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reason {
    pub category: ReasonCategory,
    /// What gave the reason: an action id, a requirement id, a rule id.
    pub source: String,
    /// The reason in words.
    pub text: String,
}

/// On what the applicability decision rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// At least one reason makes the control applicable.
    Reasons,
    /// An organisation fact excludes it and nothing requires it.
    ExcludedByFact,
    /// Nothing decides: the declared SoA does.
    Declaration,
    /// Nothing decides and the SoA omits the control: not applicable until decided.
    Undecided,
}

/// What the treatment plan says of a control.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct PlanProgress {
    pub actions: usize,
    pub done: usize,
    /// Planned or in progress.
    pub open: usize,
    /// Open and past due on the evaluation date.
    pub overdue: usize,
}

impl PlanProgress {
    /// The implementation status the plan alone implies.
    pub fn implied_status(&self) -> Option<ImplementationStatus> {
        match (self.done, self.open) {
            (0, 0) => None,
            (_, 0) => Some(ImplementationStatus::Implemented),
            (0, _) => Some(ImplementationStatus::Planned),
            _ => Some(ImplementationStatus::Partial),
        }
    }
}

/// One row of the generated SoA.
#[derive(Debug, Clone, Serialize)]
pub struct SoaRow {
    pub control: ControlIdx,
    pub id: String,
    pub title: String,
    pub group: String,
    pub applicable: bool,
    pub basis: Basis,
    pub reasons: Vec<Reason>,
    pub exclusions: Vec<Reason>,
    /// An auditor-readable justification rendered from the reasons (or the declaration).
    pub justification: String,
    pub declared_applicable: Option<bool>,
    pub declared_justification: Option<String>,
    pub declared_status: Option<ImplementationStatus>,
    pub evidence: Vec<String>,
    pub plan: PlanProgress,
    /// The declared status, else the one the plan implies, else not implemented.
    pub status: ImplementationStatus,
}

/// The generated SoA, in catalog order.
#[derive(Debug, Clone, Serialize)]
pub struct Soa {
    pub rows: Vec<SoaRow>,
}

fn requirement_category(k: RequirementKind) -> ReasonCategory {
    match k {
        RequirementKind::Legal => ReasonCategory::Legal,
        RequirementKind::Regulatory => ReasonCategory::Regulatory,
        RequirementKind::Contractual => ReasonCategory::Contractual,
        RequirementKind::Business => ReasonCategory::Business,
    }
}

/// Failures of applicability or exclusion rules: (rule id, message).
pub type RuleErrors = Vec<(String, String)>;

/// Builds the SoA of a workspace.
pub fn build(ws: &Workspace, a: &Assessment, as_of: NaiveDate) -> (Soa, RuleErrors) {
    let n = ws.catalog.controls.len();
    let mut reasons: Vec<Vec<Reason>> = vec![Vec::new(); n];
    let mut exclusions: Vec<Vec<Reason>> = vec![Vec::new(); n];
    let mut plan = vec![PlanProgress::default(); n];
    let mut errors = Vec::new();

    // Risk treatment: each action names the risks it treats and the controls it selects.
    let mut treated: Vec<BTreeMap<String, Vec<String>>> = vec![BTreeMap::new(); n];
    for action in &ws.actions {
        let cancelled = action.status == ActionStatus::Cancelled;
        for c in &action.controls {
            let p = &mut plan[c.index()];
            if !cancelled {
                p.actions += 1;
                match action.status {
                    ActionStatus::Done => p.done += 1,
                    _ => {
                        p.open += 1;
                        if action.due.is_some_and(|d| d < as_of) {
                            p.overdue += 1;
                        }
                    }
                }
                let risks: Vec<String> = action
                    .risks
                    .iter()
                    .map(|r| ws.risks[r.index()].id.clone())
                    .collect();
                treated[c.index()]
                    .entry(action.id.clone())
                    .or_default()
                    .extend(risks);
            }
        }
    }
    for (c, by_action) in treated.into_iter().enumerate() {
        for (action, risks) in by_action {
            let text = if risks.is_empty() {
                format!("selected by treatment action {action}")
            } else {
                format!("treats {} (action {action})", risks.join(", "))
            };
            reasons[c].push(Reason {
                category: ReasonCategory::RiskTreatment,
                source: action,
                text,
            });
        }
    }
    for req in &ws.profile.requirements {
        for c in &req.controls {
            reasons[c.index()].push(Reason {
                category: requirement_category(req.kind),
                source: req.id.clone(),
                text: format!("required by {} ({})", req.title, req.kind),
            });
        }
    }
    let interp = Interpreter::new(a.evaluator);
    let org = OrgRecord::new(&ws.profile);
    let inv = InventoryRecord::count(&ws.assets, &a.in_scope);
    let b = Bindings {
        org: Some(&org),
        inventory: Some(&inv),
        ..Default::default()
    };
    for set in &ws.rulesets {
        for rule in &set.applicability {
            match rule.when.eval_bool(&interp, &b) {
                Ok(true) => {
                    for c in &rule.controls {
                        reasons[c.index()].push(Reason {
                            category: rule.category,
                            source: rule.id.clone(),
                            text: rule.justification.clone(),
                        });
                    }
                }
                Ok(false) => {}
                Err(e) => errors.push((rule.id.clone(), e.0)),
            }
        }
        for rule in &set.exclusions {
            match rule.when.eval_bool(&interp, &b) {
                Ok(true) => {
                    for c in &rule.controls {
                        exclusions[c.index()].push(Reason {
                            category: ReasonCategory::Business,
                            source: rule.id.clone(),
                            text: rule.justification.clone(),
                        });
                    }
                }
                Ok(false) => {}
                Err(e) => errors.push((rule.id.clone(), e.0)),
            }
        }
    }

    for (p, r) in &a.plugin_reasons {
        reasons[r.control.index()].push(Reason {
            category: r.category,
            source: format!("plugin:{}", ws.plugins[*p].manifest.id),
            text: r.text.clone(),
        });
    }

    let mut declared = vec![None; n];
    for e in &ws.soa {
        declared[e.control.index()] = Some(e);
    }
    let rows = ws
        .catalog
        .iter()
        .map(|(idx, control)| {
            let i = idx.index();
            let d = declared[i];
            let (applicable, basis) = if !reasons[i].is_empty() {
                (true, Basis::Reasons)
            } else if !exclusions[i].is_empty() {
                (false, Basis::ExcludedByFact)
            } else if let Some(d) = d {
                (d.applicable, Basis::Declaration)
            } else {
                (false, Basis::Undecided)
            };
            let status = d
                .map(|d| d.status)
                .or_else(|| plan[i].implied_status())
                .unwrap_or(ImplementationStatus::NotImplemented);
            let justification = justify(
                applicable,
                basis,
                &reasons[i],
                &exclusions[i],
                d.and_then(|d| d.justification.as_deref()),
            );
            SoaRow {
                control: idx,
                id: control.id.clone(),
                title: control.title.clone(),
                group: ws.catalog.groups[control.group].title.clone(),
                applicable,
                basis,
                reasons: std::mem::take(&mut reasons[i]),
                exclusions: std::mem::take(&mut exclusions[i]),
                justification,
                declared_applicable: d.map(|d| d.applicable),
                declared_justification: d.and_then(|d| d.justification.clone()),
                declared_status: d.map(|d| d.status),
                evidence: d.map(|d| d.evidence.clone()).unwrap_or_default(),
                plan: plan[i],
                status,
            }
        })
        .collect();
    (Soa { rows }, errors)
}

/// Renders the justification an auditor reads: reasons grouped by category.
fn justify(
    applicable: bool,
    basis: Basis,
    reasons: &[Reason],
    exclusions: &[Reason],
    declared: Option<&str>,
) -> String {
    let joined = |rs: &[Reason]| {
        let mut by: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for r in rs {
            // The sentences are joined with ". " and closed with "." below: a reason's own
            // full stop would double it.
            by.entry(label(r.category))
                .or_default()
                .push(r.text.trim_end().trim_end_matches('.').to_owned());
        }
        by.into_iter()
            .map(|(k, v)| format!("{k}: {}", v.join("; ")))
            .collect::<Vec<_>>()
            .join(". ")
    };
    match basis {
        Basis::Reasons => format!("Applicable. {}.", joined(reasons)),
        Basis::ExcludedByFact => format!("Not applicable. {}.", joined(exclusions)),
        Basis::Declaration => match (applicable, declared) {
            (true, Some(j)) => format!("Applicable (declared): {j}"),
            (false, Some(j)) => format!("Not applicable (declared): {j}"),
            (true, None) => "Applicable (declared, no justification given).".to_owned(),
            (false, None) => "Not applicable (declared, no justification given).".to_owned(),
        },
        Basis::Undecided => {
            "Not yet decided: the SoA does not list this control and no reason applies.".to_owned()
        }
    }
}

fn label(c: ReasonCategory) -> &'static str {
    match c {
        ReasonCategory::RiskTreatment => "Risk treatment",
        ReasonCategory::Legal => "Legal requirement",
        ReasonCategory::Regulatory => "Regulatory requirement",
        ReasonCategory::Contractual => "Contractual requirement",
        ReasonCategory::Business => "Business requirement",
        ReasonCategory::Baseline => "Baseline",
    }
}

/// Explanation of one control's applicability, for `isms explain DIR A.x.y`.
pub fn explain_control<'a>(soa: &'a Soa, ws: &Workspace, id: &str) -> Option<&'a SoaRow> {
    let idx = ws.catalog.find(id)?;
    soa.rows.get(idx.index())
}
