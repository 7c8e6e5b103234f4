//! The gaps as OSCAL Assessment Results: one result for the evaluation, and for every gap an
//! observation (what was seen, where) and a finding (the target not satisfied, what to do).

use std::collections::HashMap;

use super::model::{
    AssessmentResult, AssessmentResults, Described, Finding, FindingTarget, Observation,
    RelatedObservation, State,
};
use super::plan::every_control;
use super::{Doc, Model, check_id, control_id, enum_text, line, objective_id, prop, props};
use crate::gaps::gap::{Gap, ObjectKind};

pub(super) fn build(doc: &Doc) -> AssessmentResults {
    let r = doc.report;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let (observations, findings): (Vec<Observation>, Vec<Finding>) = r
        .gaps
        .iter()
        .map(|gap| {
            // A gap is the same subject from run to run when its code and objects are; the
            // occurrence number tells apart the rare gaps that share both.
            let key = gap_key(gap);
            let n = seen.entry(key.clone()).or_default();
            *n += 1;
            gap_entries(doc, gap, &format!("{key}#{n}"))
        })
        .unzip();
    let by_severity: Vec<String> = r
        .summary
        .gaps_by_severity
        .iter()
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    AssessmentResults {
        uuid: doc.uuid.clone(),
        metadata: doc.metadata(format!("Gap analysis of {}", doc.organisation())),
        import_ap: doc.import(Model::AssessmentPlan),
        results: vec![AssessmentResult {
            uuid: doc.local("result"),
            title: format!("isms evaluation as of {}", r.options.as_of),
            description: format!(
                "Every gap between the risk register, the treatment plan, the Statement of \
                 Applicability, the inventory and the ISMS cycle of {}: {} gaps ({}).",
                doc.organisation(),
                r.summary.gaps,
                by_severity.join(", ")
            ),
            start: doc.timestamp.clone(),
            end: doc.timestamp.clone(),
            props: props(
                r.summary
                    .gaps_by_severity
                    .iter()
                    .map(|(severity, n)| prop(&format!("gaps-{severity}"), n.to_string())),
            ),
            reviewed_controls: every_control(),
            observations,
            findings,
        }],
        back_matter: doc.back_matter(),
    }
}

fn gap_key(gap: &Gap) -> String {
    let objects: Vec<&str> = gap.objects.iter().map(|o| o.id.as_str()).collect();
    format!("{}:{}", gap.code, objects.join(","))
}

/// The observation and the finding of one gap.
fn gap_entries(doc: &Doc, gap: &Gap, key: &str) -> (Observation, Finding) {
    let observation_uuid = doc.subject("observation", key);
    let objects: Vec<String> = gap
        .objects
        .iter()
        .map(|o| format!("{} {}", enum_text(&o.kind), o.id))
        .collect();
    let observation = Observation {
        uuid: observation_uuid.clone(),
        title: gap.code.clone(),
        description: gap.message.clone(),
        props: props(gap.objects.iter().map(|o| prop(&enum_text(&o.kind), &o.id))),
        methods: ["EXAMINE"],
        types: ["finding"],
        relevant_evidence: gap
            .at
            .as_ref()
            .and_then(|at| line(&at.to_string()))
            .map(|at| Described {
                description: format!("The record at {at}."),
            })
            .into_iter()
            .collect(),
        collected: doc.timestamp.clone(),
    };
    // The target is the objective of the control a gap is about; gaps about other objects (a
    // risk, a document, the cycle) target the objective of their check, which the catalog
    // holds for this reason.
    let target = gap
        .objects
        .iter()
        .find(|o| o.kind == ObjectKind::Control)
        .map_or_else(|| check_id(&gap.code), |o| control_id(&o.id));
    let finding = Finding {
        uuid: doc.subject("finding", key),
        title: if objects.is_empty() {
            gap.code.clone()
        } else {
            format!("{}: {}", gap.code, objects.join(", "))
        },
        description: gap.message.clone(),
        props: props([
            prop("severity", gap.severity.as_str()),
            prop("gap-code", &gap.code),
        ]),
        target: FindingTarget {
            kind: "objective-id",
            target_id: objective_id(&target),
            status: State {
                state: "not-satisfied",
            },
        },
        related_observations: vec![RelatedObservation { observation_uuid }],
        remarks: gap.action.clone(),
    };
    (observation, finding)
}
