//! The treatment plan as an OSCAL Plan of Action and Milestones: one item per treatment
//! action, and the register's risks, each with the actions that remediate it and their due
//! dates as milestones.

use std::collections::HashMap;

use super::model::{OnDate, Poam, PoamItem, RelatedRisk, Response, Risk, Task, Timing};
use super::{Doc, ExportError, Model, control_id, line, prop, props};
use crate::model::{ActionStatus, TreatmentAction};
use crate::report::RiskRow;
use crate::risk::AppetiteStatus;

pub(super) fn build(doc: &Doc) -> Result<Poam, ExportError> {
    let ws = doc.ws;
    if ws.actions.is_empty() {
        return Err(ExportError::EmptyPlan);
    }
    let poam_items: Vec<PoamItem> = ws.actions.iter().map(|a| item(doc, a)).collect();
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
    let risks: Vec<Risk> = doc
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
    Ok(Poam {
        uuid: doc.uuid.clone(),
        metadata: doc.metadata(format!("Risk treatment plan of {}", doc.organisation())),
        import_ssp: doc.import(Model::Ssp),
        system_id: doc.system_id(),
        risks,
        poam_items,
        back_matter: doc.back_matter(),
    })
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
fn item(doc: &Doc, action: &TreatmentAction) -> PoamItem {
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
    PoamItem {
        uuid: doc.subject("action", &action.id),
        title: title(&action.title, &action.id),
        description,
        props: props(
            [
                prop("action-id", &action.id),
                prop("status", action.status.as_str()),
                prop("owner", action.owner.as_deref().unwrap_or("")),
                prop("due", date(action.due)),
                prop("completed-on", date(action.completed_on)),
            ]
            .into_iter()
            .chain(controls.iter().map(|c| prop("control-id", control_id(c)))),
        ),
        related_risks: risks
            .iter()
            .map(|id| RelatedRisk {
                risk_uuid: doc.subject("risk", id),
            })
            .collect(),
    }
}

/// One register risk with its levels, its status in OSCAL's vocabulary and its remediations.
fn risk(doc: &Doc, row: &RiskRow, actions: &[&TreatmentAction]) -> Risk {
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
    let assets = if row.assets.is_empty() {
        "no asset".to_owned()
    } else {
        row.assets.join(", ")
    };
    let threat = row
        .threat
        .as_deref()
        .map(|t| format!(" from threat {t}"))
        .unwrap_or_default();
    Risk {
        uuid: doc.subject("risk", &row.id),
        title: title(&row.title, &row.id),
        description: format!("Register risk {} on {assets}{threat}.", row.id),
        statement,
        props: props([
            prop("risk-id", &row.id),
            prop("owner", row.owner.as_deref().unwrap_or("")),
            prop("treatment", row.treatment.map_or("", |t| t.as_str())),
            prop("inherent-level", inherent.level.to_string()),
            prop("residual-level", residual.level.to_string()),
        ]),
        status,
        // The latest due date of the open actions: when the plan says the risk is treated.
        deadline: actions
            .iter()
            .filter(|a| is_open(a))
            .filter_map(|a| a.due)
            .max()
            .map(|d| format!("{d}T00:00:00Z")),
        remediations: actions
            .iter()
            .map(|a| remediation(doc, &row.id, a))
            .collect(),
    }
}

/// An action as a risk's response: completed when done, planned otherwise, with its due date
/// as a milestone.
fn remediation(doc: &Doc, risk_id: &str, action: &TreatmentAction) -> Response {
    let pair = format!("{risk_id}\u{0}{}", action.id);
    Response {
        uuid: doc.subject("response", &pair),
        lifecycle: match action.status {
            ActionStatus::Done => "completed",
            ActionStatus::Planned | ActionStatus::InProgress | ActionStatus::Cancelled => "planned",
        },
        title: title(&action.title, &action.id),
        description: format!("Treatment action {} ({}).", action.id, action.status),
        tasks: action
            .due
            .map(|due| Task {
                uuid: doc.subject("milestone", &pair),
                kind: "milestone",
                title: format!("{} due", action.id),
                timing: Timing {
                    on_date: OnDate {
                        date: format!("{due}T00:00:00Z"),
                    },
                },
            })
            .into_iter()
            .collect(),
    }
}

/// A title from text that may be blank, else the record's id.
fn title(text: &str, id: &str) -> String {
    line(text).unwrap_or_else(|| id.to_owned())
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}
