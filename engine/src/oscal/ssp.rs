//! The SoA as an OSCAL System Security Plan: the ISMS scope is the system, and every Annex A
//! control is an implemented requirement with its applicability, reasons and status.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Doc, enum_text, line, object, prop, props};
use crate::model::ImplementationStatus;
use crate::report::SoaRowView;

/// The one component every requirement is implemented by: the ISMS in scope.
const THIS_SYSTEM: &str = "this-system";

pub(super) fn build(doc: &Doc) -> Value {
    let (ws, r) = (doc.ws, doc.report);
    let (catalog_href, catalog) = doc.reference(
        "catalog",
        &format!("Annex A controls ({})", r.catalog),
        format!(
            "The control set the Statement of Applicability answers ({}). It has no OSCAL \
             profile here, so the plan imports it by this reference.",
            r.catalog
        ),
    );
    let scope = line(&ws.scope.statement).unwrap_or_else(|| {
        format!(
            "The information security management system of {}.",
            doc.organisation()
        )
    });
    let boundary = match &ws.scope.filter {
        Some(filter) => format!("{scope}\n\nAssets in scope: those for which `{filter}` holds."),
        None => scope.clone(),
    };
    let this_system = doc.subject("component", THIS_SYSTEM);
    json!({
        "uuid": doc.uuid,
        "metadata": doc.metadata(format!("Statement of Applicability of {}", doc.organisation())),
        "import-profile": { "href": catalog_href },
        "system-characteristics": {
            "system-ids": [doc.system_id()],
            "system-name": doc.organisation(),
            "system-name-short": line(&r.workspace).unwrap_or_else(|| doc.organisation()),
            "description": scope,
            "props": props([
                prop("assets", r.summary.assets.to_string()),
                prop("assets-in-scope", r.summary.assets_in_scope.to_string()),
                prop("applicable-controls", r.summary.applicable.to_string()),
                prop("implemented-controls", r.summary.implemented.to_string()),
            ]),
            "system-information": { "information-types": information_types(doc) },
            "status": { "state": "operational" },
            "authorization-boundary": { "description": boundary },
        },
        "system-implementation": {
            "users": users(doc),
            "components": [{
                "uuid": this_system,
                "type": THIS_SYSTEM,
                "title": doc.organisation(),
                "description": format!("The ISMS in scope: {scope}"),
                "status": { "state": "operational" },
            }],
        },
        "control-implementation": {
            "description": format!(
                "Statement of Applicability: {} controls, {} applicable, {} implemented, as of {}.",
                r.summary.controls, r.summary.applicable, r.summary.implemented, r.options.as_of
            ),
            "implemented-requirements": r
                .soa
                .iter()
                .map(|row| requirement(doc, row, &this_system))
                .collect::<Vec<_>>(),
        },
        "back-matter": doc.back_matter(vec![catalog]),
    })
}

/// One control: isms properties carry what OSCAL has no field for (applicability, basis,
/// declared status, plan progress, evidence); the component's implementation status carries
/// the OSCAL state.
fn requirement(doc: &Doc, row: &SoaRowView, this_system: &str) -> Value {
    let justification = line(&row.justification).unwrap_or_else(|| "No justification.".into());
    let plan = &row.plan;
    let plan_props = (plan.actions > 0).then(|| {
        [
            prop("plan-actions", plan.actions.to_string()),
            prop("plan-actions-done", plan.done.to_string()),
            prop("plan-actions-overdue", plan.overdue.to_string()),
        ]
    });
    let by_component = object([
        ("component-uuid", this_system.into()),
        ("uuid", doc.subject("implementation", &row.control).into()),
        ("description", justification.clone().into()),
        (
            "props",
            props(
                row.evidence
                    .iter()
                    .map(|e| prop("evidence", e))
                    .chain(plan_props.into_iter().flatten()),
            ),
        ),
        (
            "implementation-status",
            json!({ "state": state(row.applicable, row.status, plan.open) }),
        ),
    ]);
    object([
        ("uuid", doc.subject("control", &row.control).into()),
        ("control-id", row.control.clone().into()),
        (
            "props",
            props([
                prop("applicable", if row.applicable { "yes" } else { "no" }),
                prop("basis", enum_text(&row.basis)),
                prop("implementation-status", row.status.as_str()),
                prop(
                    "declared-applicable",
                    match row.declared_applicable {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "",
                    },
                ),
            ]),
        ),
        ("by-components", json!([by_component])),
        (
            "remarks",
            row.declared_justification
                .as_deref()
                .and_then(line)
                .map_or(Value::Null, |j| {
                    format!("Declared justification: {j}").into()
                }),
        ),
    ])
}

/// The OSCAL implementation state. `not-implemented` is not among OSCAL's suggested values
/// (which it lets a document extend): an applicable control with nothing done and nothing
/// planned is neither `planned` nor `partial`, and saying so is the point of the export.
pub(super) fn state(
    applicable: bool,
    status: ImplementationStatus,
    open_actions: usize,
) -> &'static str {
    match (applicable, status) {
        (false, _) => "not-applicable",
        (true, ImplementationStatus::Implemented) => "implemented",
        (true, ImplementationStatus::Partial) => "partial",
        (true, ImplementationStatus::Planned) => "planned",
        (true, ImplementationStatus::NotImplemented) if open_actions > 0 => "planned",
        (true, ImplementationStatus::NotImplemented) => "not-implemented",
    }
}

/// One information type per classification the inventory uses, with how many assets hold it.
fn information_types(doc: &Doc) -> Vec<Value> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for asset in &doc.ws.assets {
        if let Some(c) = asset.classification {
            *counts.entry(c.to_string()).or_default() += 1;
        }
    }
    if counts.is_empty() {
        return vec![json!({
            "uuid": doc.subject("information-type", "unclassified"),
            "title": "Unclassified information",
            "description": "The inventory classifies no asset.",
        })];
    }
    counts
        .into_iter()
        .map(|(class, n)| {
            json!({
                "uuid": doc.subject("information-type", &class),
                "title": format!("{class} information"),
                "description": format!("{n} assets of the inventory are classified {class}."),
                "props": [prop("classification", &class)],
            })
        })
        .collect()
}

/// One user per role the people register names; a single generic user without one.
fn users(doc: &Doc) -> Vec<Value> {
    let mut roles: BTreeMap<String, usize> = BTreeMap::new();
    for person in &doc.ws.cycle.people {
        if let Some(role) = person.role.as_deref().and_then(line) {
            *roles.entry(role).or_default() += 1;
        }
    }
    if roles.is_empty() {
        return vec![json!({
            "uuid": doc.subject("user", "personnel"),
            "title": "Personnel",
            "description": "The people register names no roles.",
        })];
    }
    roles
        .into_iter()
        .map(|(role, n)| {
            json!({
                "uuid": doc.subject("user", &role),
                "title": role,
                "description": format!("{n} people of the register hold this role."),
            })
        })
        .collect()
}
