//! The catalog and profile the SSP imports: OSCAL tools resolve an SSP's controls through
//! them, and ISO/IEC 27001 publishes no OSCAL catalog. Only what the engine's catalog holds
//! goes in (ids, short titles, the ISO/IEC 27002 attributes), never the standard's text.

use std::collections::BTreeSet;

use super::model::{Catalog, Control, Group, Merge, Part, Profile, ProfileImport, Prop, WithIds};
use super::{Doc, Model, check_id, control_id, objective_id, prop, props};
use crate::catalog::{self as annex, CatalogId};
use crate::gaps::gap::ObjectKind;

pub(super) fn catalog(doc: &Doc) -> Catalog {
    let annex = doc.ws.catalog();
    let mut groups: Vec<Group> = annex
        .groups
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let controls = annex.controls_in_group(index).map(|(_, c)| c);
            match annex.id {
                CatalogId::Iso27001_2022 => {
                    annex_group(group, "theme", Vec::new(), controls.map(control).collect())
                }
                // 2013 domains hold control objectives, which hold the controls.
                CatalogId::Iso27001_2013 => {
                    let mut objectives: Vec<Group> = Vec::new();
                    for c in controls {
                        let objective = c.objective.as_ref().unwrap_or(group);
                        match objectives.last_mut() {
                            Some(last) if last.id == control_id(&objective.id) => {
                                last.controls.push(control(c))
                            }
                            _ => objectives.push(annex_group(
                                objective,
                                "objective",
                                Vec::new(),
                                vec![control(c)],
                            )),
                        }
                    }
                    annex_group(group, "domain", objectives, Vec::new())
                }
            }
        })
        .collect();
    let checks = checks(doc);
    if !checks.is_empty() {
        groups.push(Group {
            id: "isms-checks".into(),
            class: "isms-checks",
            title: "Checks of the management system by isms".into(),
            props: Vec::new(),
            groups: Vec::new(),
            controls: checks
                .into_iter()
                .map(|code| {
                    let id = check_id(code);
                    Control {
                        parts: vec![objective(
                            &id,
                            format!("The workspace raises no gap {code}."),
                        )],
                        id,
                        class: "isms-check",
                        title: code.to_owned(),
                        props: vec![label(code)],
                    }
                })
                .collect(),
        });
    }
    Catalog {
        uuid: doc.uuid.clone(),
        metadata: doc.metadata(format!("{} (ids and short titles)", annex.title)),
        groups,
        back_matter: doc.back_matter(),
    }
}

pub(super) fn profile(doc: &Doc) -> Profile {
    let annex = doc.ws.catalog();
    Profile {
        uuid: doc.uuid.clone(),
        metadata: doc.metadata(format!("{} baseline", annex.title)),
        imports: vec![ProfileImport {
            href: doc.links.href(Model::Catalog),
            include_controls: vec![WithIds {
                with_ids: annex.controls.iter().map(|c| control_id(&c.id)).collect(),
            }],
        }],
        merge: Merge { as_is: true },
        back_matter: doc.back_matter(),
    }
}

/// The codes of the gaps that concern no control, in order: each is a check of the catalog,
/// so that its findings have an objective to target.
pub(super) fn checks<'a>(doc: &Doc<'a>) -> BTreeSet<&'a str> {
    doc.report
        .gaps
        .iter()
        .filter(|g| !g.objects.iter().any(|o| o.kind == ObjectKind::Control))
        .map(|g| g.code.as_str())
        .collect()
}

fn annex_group(
    group: &annex::Group,
    class: &'static str,
    groups: Vec<Group>,
    controls: Vec<Control>,
) -> Group {
    Group {
        id: control_id(&group.id),
        class,
        title: group.title.clone(),
        props: vec![label(&group.id)],
        groups,
        controls,
    }
}

fn control(c: &annex::Control) -> Control {
    let id = control_id(&c.id);
    let a = &c.attributes;
    let attributes = [
        ("control-type", &a.control_types),
        ("security-property", &a.properties),
        ("cybersecurity-concept", &a.concepts),
        ("operational-capability", &a.capabilities),
        ("security-domain", &a.domains),
    ]
    .into_iter()
    .flat_map(|(name, values)| values.iter().map(move |v| prop(name, v)));
    Control {
        parts: vec![objective(
            &id,
            format!(
                "{} {} is applicable or justifiably excluded, and implemented as the Statement \
                 of Applicability declares.",
                c.id, c.title
            ),
        )],
        id,
        class: "annex-a-control",
        title: c.title.clone(),
        props: std::iter::once(label(&c.id))
            .chain(props(attributes))
            .collect(),
    }
}

fn objective(control_id: &str, prose: String) -> Part {
    Part {
        id: objective_id(control_id),
        name: "assessment-objective",
        prose,
    }
}

/// OSCAL's own `label` property (no namespace): the id as people write it.
fn label(text: &str) -> Prop {
    Prop {
        name: "label".into(),
        ns: None,
        value: text.to_owned(),
    }
}
