//! The treatment plan as an OSCAL Plan of Action and Milestones: one item per treatment
//! action, and the register's risks, each with the actions that remediate it and their due
//! dates as milestones.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Doc, ExportError, line, object, prop, props};
use crate::model::{ActionStatus, TreatmentAction};
use crate::report::RiskRow;
use crate::risk::AppetiteStatus;

pub(super) fn build(doc: &Doc) -> Result<Value, ExportError> {
    let ws = doc.ws;
    if ws.actions.is_empty() {
        return Err(ExportError::EmptyPlan);
    }
    let items: Vec<Value> = ws.actions.iter().map(|a| item(doc, a)).collect();
    // Cancelled actions remediate nothing; they stay in the items, with their status.
    let mut remediating: HashMap<&str, Vec<&TreatmentAction>> = HashMap::new();
    for action in ws
        .actions
        .iter()
        .filter(|a| a.status != ActionStatus::Cancelled)
    {
        for id in risk_ids(doc, action) {
            remediating.entry(id).or_default().push(action);
        }
    }
    let risks: Vec<Value> = doc
        .report
        .risks
        .iter()
        .map(|r| {
            risk(
                doc,
                r,
                remediating.get(r.id.as_str()).map_or(&[], Vec::as_slice),
            )
        })
        .collect();
    Ok(object([
        ("uuid", doc.uuid.clone().into()),
        (
            "metadata",
            doc.metadata(format!("Risk treatment plan of {}", doc.organisation())),
        ),
        ("system-id", doc.system_id()),
        ("risks", risks.into()),
        ("poam-items", items.into()),
        ("back-matter", doc.back_matter(Vec::new())),
    ]))
}

fn risk_ids<'a>(doc: &'a Doc, action: &'a TreatmentAction) -> impl Iterator<Item = &'a str> {
    action
        .risks
        .iter()
        .map(|i| doc.ws.risks[i.index()].id.as_str())
}

fn is_open(action: &TreatmentAction) -> bool {
    matches!(
        action.status,
        ActionStatus::Planned | ActionStatus::InProgress
    )
}

/// One action: what it does, for which risks and controls, who owns it and by when.
fn item(doc: &Doc, action: &TreatmentAction) -> Value {
    let ws = doc.ws;
    let controls: Vec<&str> = action
        .controls
        .iter()
        .map(|c| ws.catalog.control(*c).id.as_str())
        .collect();
    let risks: Vec<&str> = risk_ids(doc, action).collect();
    let mut description = format!("Treatment action {}", action.id);
    if !controls.is_empty() {
        description.push_str(&format!(", implementing {}", controls.join(", ")));
    }
    if !risks.is_empty() {
        description.push_str(&format!(", for {}", risks.join(", ")));
    }
    description.push('.');
    object([
        ("uuid", doc.subject("action", &action.id).into()),
        (
            "title",
            line(&action.title)
                .unwrap_or_else(|| action.id.clone())
                .into(),
        ),
        ("description", description.into()),
        (
            "props",
            props(
                [
                    prop("action-id", &action.id),
                    prop("status", action.status.as_str()),
                    prop("owner", action.owner.as_deref().unwrap_or("")),
                    prop("due", date(action.due)),
                    prop("completed-on", date(action.completed_on)),
                ]
                .into_iter()
                .chain(controls.iter().map(|c| prop("control-id", c))),
            ),
        ),
        (
            "related-risks",
            risks
                .iter()
                .map(|id| json!({ "risk-uuid": doc.subject("risk", id) }))
                .collect::<Vec<_>>()
                .into(),
        ),
    ])
}

/// One register risk with its levels, its status in OSCAL's vocabulary and its remediations.
fn risk(doc: &Doc, row: &RiskRow, actions: &[&TreatmentAction]) -> Value {
    let status = match row.status {
        AppetiteStatus::WithinAppetite => "closed",
        AppetiteStatus::Accepted => "deviation-approved",
        AppetiteStatus::AboveAppetite | AppetiteStatus::AcceptanceExpired
            if actions.iter().any(|a| is_open(a)) =>
        {
            "remediating"
        }
        AppetiteStatus::AboveAppetite | AppetiteStatus::AcceptanceExpired => "open",
    };
    let (inherent, residual) = (&row.inherent, &row.residual);
    let statement = format!(
        "Inherent level {} ({}: likelihood {}, impact {}); residual level {} ({}: likelihood {}, \
         impact {}); {}.",
        inherent.level,
        inherent.level_name,
        inherent.likelihood,
        inherent.impact,
        residual.level,
        residual.level_name,
        residual.likelihood,
        residual.impact,
        row.status.as_str()
    );
    let remediations: Vec<Value> = actions
        .iter()
        .map(|a| remediation(doc, &row.id, a))
        .collect();
    let deadline = actions
        .iter()
        .filter(|a| is_open(a))
        .filter_map(|a| a.due)
        .max()
        .map_or(Value::Null, |d| format!("{d}T00:00:00Z").into());
    object([
        ("uuid", doc.subject("risk", &row.id).into()),
        (
            "title",
            line(&row.title).unwrap_or_else(|| row.id.clone()).into(),
        ),
        (
            "description",
            format!(
                "Register risk {} on {}{}.",
                row.id,
                if row.assets.is_empty() {
                    "no asset".to_owned()
                } else {
                    row.assets.join(", ")
                },
                row.threat
                    .as_deref()
                    .map(|t| format!(" from threat {t}"))
                    .unwrap_or_default()
            )
            .into(),
        ),
        ("statement", statement.into()),
        (
            "props",
            props([
                prop("risk-id", &row.id),
                prop("owner", row.owner.as_deref().unwrap_or("")),
                prop("treatment", row.treatment.as_deref().unwrap_or("")),
                prop("inherent-level", inherent.level.to_string()),
                prop("residual-level", residual.level.to_string()),
            ]),
        ),
        ("status", status.into()),
        ("deadline", deadline),
        ("remediations", remediations.into()),
    ])
}

/// An action as a risk's response: completed when done, planned otherwise, with its due date
/// as a milestone.
fn remediation(doc: &Doc, risk_id: &str, action: &TreatmentAction) -> Value {
    let milestone = action.due.map_or(Value::Null, |due| {
        json!([{
            "uuid": doc.subject("milestone", &format!("{risk_id}\u{0}{}", action.id)),
            "type": "milestone",
            "title": format!("{} due", action.id),
            "timing": { "on-date": { "date": format!("{due}T00:00:00Z") } },
        }])
    });
    object([
        (
            "uuid",
            doc.subject("response", &format!("{risk_id}\u{0}{}", action.id))
                .into(),
        ),
        (
            "lifecycle",
            match action.status {
                ActionStatus::Done => "completed",
                ActionStatus::Planned | ActionStatus::InProgress | ActionStatus::Cancelled => {
                    "planned"
                }
            }
            .into(),
        ),
        (
            "title",
            line(&action.title)
                .unwrap_or_else(|| action.id.clone())
                .into(),
        ),
        (
            "description",
            format!("Treatment action {} ({}).", action.id, action.status).into(),
        ),
        ("tasks", milestone),
    ])
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}
