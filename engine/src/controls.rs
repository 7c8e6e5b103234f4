//! The state of each Annex A control before any risk is scored: what the treatment plan has
//! done for it, what the declared SoA says of it, and so how effective it is against the
//! threats it mitigates (see [`crate::riskmodel::mitigation`] for the model).
//!
//! Risk scoring needs this before the SoA is built (the SoA cites the scored risks), so it
//! reads only the declared SoA and the plan, never the assessment.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{ActionStatus, DocumentStatus, ImplementationStatus};
use crate::riskmodel::mitigation::{ControlSettings, reduction};
use crate::workspace::Workspace;

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

/// Per control (catalog order): the plan's actions that select it, cancelled ones aside.
pub fn plan_progress(ws: &Workspace, as_of: NaiveDate) -> Vec<PlanProgress> {
    let mut plan = vec![PlanProgress::default(); ws.catalog.controls.len()];
    for action in ws
        .actions
        .iter()
        .filter(|a| a.status != ActionStatus::Cancelled)
    {
        for c in &action.controls {
            let p = &mut plan[c.index()];
            p.actions += 1;
            if action.status == ActionStatus::Done {
                p.done += 1;
            } else {
                p.open += 1;
                if action.due.is_some_and(|d| d < as_of) {
                    p.overdue += 1;
                }
            }
        }
    }
    plan
}

/// One control as risk scoring sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlState {
    /// The status that counts: `None` when the declared SoA excludes the control; else the
    /// declared status, else the one the plan implies, else not implemented.
    pub status: Option<ImplementationStatus>,
    /// Whether the SoA names evidence for it.
    pub evidence: bool,
    /// A document of the register the evidence names that is past its review, not approved
    /// or withdrawn on the evaluation date: the evidence is stale.
    pub stale: Option<String>,
    /// From 0 (no effect) to 1 (fully effective).
    pub effectiveness: f64,
}

impl ControlState {
    /// The status in the words of the SoA (`excluded` for an excluded control).
    pub fn status_name(&self) -> &'static str {
        self.status.map_or("excluded", ImplementationStatus::as_str)
    }
}

/// The first evidence reference that names a document of the register (by its id, the
/// reference's first word) which is stale on `as_of`: not approved, or past its review.
fn stale_document(ws: &Workspace, evidence: &[String], as_of: NaiveDate) -> Option<String> {
    let docs = &ws.cycle.documents;
    if docs.is_empty() {
        return None;
    }
    evidence.iter().find_map(|e| {
        let id = e.split_whitespace().next()?;
        let d = docs.iter().find(|d| d.id == id)?;
        let why = if d.status != DocumentStatus::Approved {
            format!("{id} is {}", d.status)
        } else {
            let due = ws.cycle.document_due(d).filter(|due| *due < as_of)?;
            format!("{id} was due for review on {due}")
        };
        Some(why)
    })
}

/// Every control's state, in catalog order.
pub fn states(ws: &Workspace, plan: &[PlanProgress], as_of: NaiveDate) -> Vec<ControlState> {
    let settings = &ws.risk_model.controls;
    let mut declared = vec![None; ws.catalog.controls.len()];
    for e in &ws.soa {
        declared[e.control.index()] = Some(e);
    }
    declared
        .iter()
        .zip(plan)
        .map(|(d, p)| {
            let status = match d {
                Some(d) if !d.applicable => None,
                Some(d) if d.status_given => Some(d.status),
                _ => Some(
                    p.implied_status()
                        .unwrap_or(ImplementationStatus::NotImplemented),
                ),
            };
            let evidence = d.is_some_and(|d| {
                d.evidence
                    .iter()
                    .any(|e| !crate::placeholder::is_placeholder(e, &ws.placeholders))
            });
            let stale = d.and_then(|d| stale_document(ws, &d.evidence, as_of));
            let mut effectiveness = effectiveness(settings, status, evidence);
            if evidence && stale.is_some() {
                effectiveness *= settings.stale_evidence;
            }
            ControlState {
                status,
                evidence,
                stale,
                effectiveness,
            }
        })
        .collect()
}

fn effectiveness(
    settings: &ControlSettings,
    status: Option<ImplementationStatus>,
    evidence: bool,
) -> f64 {
    let base = settings.effectiveness(status);
    let in_place = matches!(
        status,
        Some(ImplementationStatus::Implemented | ImplementationStatus::Partial)
    );
    if in_place && !evidence {
        base * settings.missing_evidence
    } else {
        base
    }
}

/// Steps the existing controls remove from a threat's likelihood and impact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreatEffect {
    pub likelihood: u8,
    pub impact: u8,
}

/// Per threat (threat index): the steps its mitigating controls remove, as they stand.
pub fn threat_effects(ws: &Workspace, states: &[ControlState]) -> Vec<ThreatEffect> {
    let s = &ws.risk_model.controls;
    let sum = |cs: &[crate::catalog::ControlIdx]| -> f64 {
        cs.iter().map(|c| states[c.index()].effectiveness).sum()
    };
    ws.mitigations
        .iter()
        .map(|m| ThreatEffect {
            likelihood: reduction(s.likelihood_steps, sum(&m.likelihood), m.likelihood.len()),
            impact: reduction(s.impact_steps, sum(&m.impact), m.impact.len()),
        })
        .collect()
}
