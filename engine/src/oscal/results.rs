//! The gaps as OSCAL Assessment Results: one result for the evaluation, and for every gap an
//! observation (what was seen, where) and a finding (the target not satisfied, what to do).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Doc, line, object, prop, props, token};
use crate::gaps::{Gap, ObjectKind};

pub(super) fn build(doc: &Doc) -> Value {
    let r = doc.report;
    let (plan_href, plan) = doc.reference(
        "assessment-plan",
        "isms automated evaluation",
        format!(
            "There is no OSCAL assessment plan: the plan is the evaluation itself, of every \
             Annex A control ({}), with the rule sets and plugins listed in this back matter, \
             the {} risk method, on the {} evaluator, as of {}.",
            r.catalog,
            r.options.method,
            super::enum_text(&r.options.evaluator),
            r.options.as_of
        ),
    );
    let mut seen: HashMap<String, usize> = HashMap::new();
    let (observations, findings): (Vec<Value>, Vec<Value>) = r
        .gaps
        .iter()
        .map(|gap| {
            // A gap is the same subject from run to run when its code and objects are; the
            // occurrence number tells apart the rare gaps that share both.
            let key = gap_key(gap);
            let n = seen.entry(key.clone()).or_default();
            *n += 1;
            let key = format!("{key}#{n}");
            gap_entries(doc, gap, &key)
        })
        .unzip();
    let by_severity: Vec<String> = r
        .summary
        .gaps_by_severity
        .iter()
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    json!({
        "uuid": doc.uuid,
        "metadata": doc.metadata(format!("Gap analysis of {}", doc.organisation())),
        "import-ap": { "href": plan_href },
        "results": [object([
            ("uuid", doc.local("result").into()),
            ("title", format!("isms evaluation as of {}", r.options.as_of).into()),
            (
                "description",
                format!(
                    "Every gap between the risk register, the treatment plan, the Statement of \
                     Applicability, the inventory and the ISMS cycle of {}: {} gaps ({}).",
                    doc.organisation(),
                    r.summary.gaps,
                    by_severity.join(", ")
                )
                .into(),
            ),
            ("start", doc.timestamp.clone().into()),
            ("end", doc.timestamp.clone().into()),
            (
                "props",
                props(
                    r.summary
                        .gaps_by_severity
                        .iter()
                        .map(|(severity, n)| prop(&format!("gaps-{severity}"), n.to_string())),
                ),
            ),
            ("reviewed-controls", json!({ "control-selections": [{ "include-all": {} }] })),
            ("observations", observations.into()),
            ("findings", findings.into()),
        ])],
        "back-matter": doc.back_matter(vec![plan]),
    })
}

fn gap_key(gap: &Gap) -> String {
    let objects: Vec<&str> = gap.objects.iter().map(|o| o.id.as_str()).collect();
    format!("{}:{}", gap.code, objects.join(","))
}

/// The observation and the finding of one gap.
fn gap_entries(doc: &Doc, gap: &Gap, key: &str) -> (Value, Value) {
    let observation_uuid = doc.subject("observation", key);
    let objects: Vec<String> = gap
        .objects
        .iter()
        .map(|o| format!("{} {}", super::enum_text(&o.kind), o.id))
        .collect();
    let observation = object([
        ("uuid", observation_uuid.clone().into()),
        ("title", gap.code.clone().into()),
        ("description", gap.message.clone().into()),
        ("methods", json!(["EXAMINE"])),
        ("types", json!(["finding"])),
        (
            "props",
            props(
                gap.objects
                    .iter()
                    .map(|o| prop(&super::enum_text(&o.kind), &o.id)),
            ),
        ),
        (
            "relevant-evidence",
            gap.at.as_deref().and_then(line).map_or(
                Value::Null,
                |at| json!([{ "description": format!("The record at {at}.") }]),
            ),
        ),
        ("collected", doc.timestamp.clone().into()),
    ]);
    // The target is the control a gap is about; gaps about other objects (a risk, a document,
    // the cycle) target their check, named by its code.
    let target = gap
        .objects
        .iter()
        .find(|o| o.kind == ObjectKind::Control)
        .map_or_else(|| gap.code.clone(), |o| o.id.clone());
    let finding = object([
        ("uuid", doc.subject("finding", key).into()),
        (
            "title",
            if objects.is_empty() {
                gap.code.clone()
            } else {
                format!("{}: {}", gap.code, objects.join(", "))
            }
            .into(),
        ),
        ("description", gap.message.clone().into()),
        (
            "props",
            props([
                prop("severity", gap.severity.as_str()),
                prop("gap-code", &gap.code),
            ]),
        ),
        (
            "target",
            json!({
                "type": "objective-id",
                "target-id": token(&target),
                "status": { "state": "not-satisfied" },
            }),
        ),
        (
            "related-observations",
            json!([{ "observation-uuid": observation_uuid }]),
        ),
        ("remarks", gap.action.clone().into()),
    ]);
    (observation, finding)
}
