//! The SoA as an OSCAL System Security Plan: the ISMS scope is the system, and every Annex A
//! control is an implemented requirement with its applicability, reasons and status.

use std::collections::BTreeMap;

use super::model::{
    ByComponent, Component, ControlImplementation, Described, ImplementedRequirement,
    InformationType, Ssp, State, SystemCharacteristics, SystemImplementation, SystemInformation,
    User,
};
use super::{Doc, Model, control_id, enum_text, line, prop, props};
use crate::model::ImplementationStatus;
use crate::report::SoaRowView;

/// The one component every requirement is implemented by: the ISMS in scope.
const THIS_SYSTEM: &str = "this-system";

pub(super) fn build(doc: &Doc) -> Ssp {
    let (ws, r) = (doc.ws, doc.report);
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
    let s = &r.summary;
    Ssp {
        uuid: doc.uuid.clone(),
        metadata: doc.metadata(format!(
            "Statement of Applicability of {}",
            doc.organisation()
        )),
        import_profile: doc.import(Model::Profile),
        system_characteristics: SystemCharacteristics {
            system_ids: vec![doc.system_id()],
            system_name: doc.organisation(),
            system_name_short: line(&r.workspace).unwrap_or_else(|| doc.organisation()),
            description: scope.clone(),
            props: props([
                prop("assets", s.assets.to_string()),
                prop("assets-in-scope", s.assets_in_scope.to_string()),
                prop("applicable-controls", s.applicable.to_string()),
                prop("implemented-controls", s.implemented.to_string()),
            ]),
            system_information: SystemInformation {
                information_types: information_types(doc),
            },
            status: State {
                state: "operational",
            },
            authorization_boundary: Described {
                description: boundary,
            },
        },
        system_implementation: SystemImplementation {
            users: users(doc),
            components: vec![Component {
                uuid: this_system.clone(),
                kind: THIS_SYSTEM,
                title: doc.organisation(),
                description: format!("The ISMS in scope: {scope}"),
                status: State {
                    state: "operational",
                },
            }],
        },
        control_implementation: ControlImplementation {
            description: format!(
                "Statement of Applicability: {} controls, {} applicable, {} implemented, as of {}.",
                s.controls, s.applicable, s.implemented, r.options.as_of
            ),
            implemented_requirements: r
                .soa
                .iter()
                .map(|row| requirement(doc, row, &this_system))
                .collect(),
        },
        back_matter: doc.back_matter(),
    }
}

/// One control: isms properties carry what OSCAL has no field for (applicability, basis,
/// declared status, plan progress, evidence); the component's implementation status carries
/// the OSCAL state.
fn requirement(doc: &Doc, row: &SoaRowView, this_system: &str) -> ImplementedRequirement {
    let plan = &row.plan;
    let plan_props = (plan.actions > 0).then(|| {
        [
            prop("plan-actions", plan.actions.to_string()),
            prop("plan-actions-done", plan.done.to_string()),
            prop("plan-actions-overdue", plan.overdue.to_string()),
        ]
    });
    let declared = match row.declared_applicable {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    ImplementedRequirement {
        uuid: doc.subject("control", &row.control),
        control_id: control_id(&row.control),
        props: props([
            prop("label", &row.control),
            prop("applicable", if row.applicable { "yes" } else { "no" }),
            prop("basis", enum_text(&row.basis)),
            prop("implementation-status", row.status.as_str()),
            prop("declared-applicable", declared),
        ]),
        by_components: vec![ByComponent {
            component_uuid: this_system.to_owned(),
            uuid: doc.subject("implementation", &row.control),
            description: line(&row.justification).unwrap_or_else(|| "No justification.".into()),
            props: props(
                row.evidence
                    .iter()
                    .map(|e| prop("evidence", e))
                    .chain(plan_props.into_iter().flatten()),
            ),
            implementation_status: State {
                state: state(row.applicable, row.status, plan.open),
            },
        }],
        remarks: row
            .declared_justification
            .as_deref()
            .and_then(line)
            .map(|j| format!("Declared justification: {j}")),
    }
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
fn information_types(doc: &Doc) -> Vec<InformationType> {
    let counts = tally(
        doc.ws
            .assets
            .iter()
            .filter_map(|a| a.classification.map(|c| c.to_string())),
    );
    if counts.is_empty() {
        return vec![InformationType {
            uuid: doc.subject("information-type", "unclassified"),
            title: "Unclassified information".into(),
            description: "The inventory classifies no asset.".into(),
            props: Vec::new(),
        }];
    }
    counts
        .into_iter()
        .map(|(class, n)| InformationType {
            uuid: doc.subject("information-type", &class),
            title: format!("{class} information"),
            description: format!(
                "{} of the inventory classified {class}.",
                count(n, "asset", "assets")
            ),
            props: props([prop("classification", &class)]),
        })
        .collect()
}

/// One user per role the people register names; a single generic user without one.
fn users(doc: &Doc) -> Vec<User> {
    let roles = tally(
        doc.ws
            .cycle
            .people
            .iter()
            .filter_map(|p| p.role.as_deref().and_then(line)),
    );
    if roles.is_empty() {
        return vec![User {
            uuid: doc.subject("user", "personnel"),
            title: "Personnel".into(),
            description: "The people register names no roles.".into(),
        }];
    }
    roles
        .into_iter()
        .map(|(role, n)| User {
            uuid: doc.subject("user", &role),
            description: format!(
                "Held by {} in the people register.",
                count(n, "person", "people")
            ),
            title: role,
        })
        .collect()
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How often each key occurs, in key order.
fn tally(keys: impl Iterator<Item = String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    counts
}
