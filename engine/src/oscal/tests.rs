use std::collections::HashSet;

use serde_json::Value;

use super::*;
use crate::model::ImplementationStatus;

fn acme() -> (Workspace, Report) {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme"));
    let ws = crate::load(dir).expect("acme loads").workspace;
    let report = report_of(&ws);
    (ws, report)
}

/// A document as JSON, as the CLI writes it.
fn value(model: Model, ws: &Workspace, report: &Report) -> Value {
    serde_json::to_value(export(model, ws, report).expect("exports")).expect("serialises")
}

fn report_of(ws: &Workspace) -> Report {
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    crate::build_report(ws, &crate::evaluate(ws, crate::Options::new(as_of)))
}

/// Every `uuid` member (and `*-uuid` reference) anywhere in a document.
fn uuids<'a>(value: &'a Value, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if let Some(s) = v.as_str().filter(|_| k == "uuid" || k.ends_with("-uuid")) {
                    out.push((k.clone(), s));
                }
                uuids(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| uuids(v, out)),
        _ => {}
    }
}

#[test]
fn documents_have_unique_name_based_uuids_and_resolve_their_references() {
    let (ws, report) = acme();
    for model in [Model::Ssp, Model::AssessmentResults, Model::Poam] {
        let doc = value(model, &ws, &report);
        let mut found = Vec::new();
        uuids(&doc, &mut found);
        let defined: Vec<&str> = found
            .iter()
            .filter(|(k, _)| k == "uuid")
            .map(|(_, u)| *u)
            .collect();
        let unique: HashSet<&str> = defined.iter().copied().collect();
        assert_eq!(
            unique.len(),
            defined.len(),
            "{model:?}: a uuid is defined twice"
        );
        for (_, u) in &found {
            let parsed = Uuid::parse_str(u).expect("a uuid");
            assert_eq!(parsed.get_version_num(), 5, "{u}");
        }
        for (k, u) in found.iter().filter(|(k, _)| k != "uuid") {
            assert!(unique.contains(u), "{model:?}: {k} {u} points at nothing");
        }
        let href = doc[model.root()]
            .get("import-profile")
            .or_else(|| doc[model.root()].get("import-ap"))
            .and_then(|i| i["href"].as_str())
            .map(|h| h.trim_start_matches('#'));
        if let Some(href) = href {
            assert!(unique.contains(href), "{model:?}: import points at nothing");
        }
    }
}

#[test]
fn export_is_a_pure_function_of_the_evaluation() {
    let (ws, report) = acme();
    let again = report_of(&ws);
    for model in [Model::Ssp, Model::AssessmentResults, Model::Poam] {
        assert_eq!(value(model, &ws, &report), value(model, &ws, &again));
    }
}

#[test]
fn subjects_keep_their_uuid_when_the_date_changes_but_documents_do_not() {
    let (ws, report) = acme();
    let mut later = report.clone();
    later.options.as_of = "2027-01-01".into();
    let a = value(Model::Ssp, &ws, &report);
    let b = value(Model::Ssp, &ws, &later);
    let ssp = |d: &Value| d["system-security-plan"].clone();
    assert_ne!(ssp(&a)["uuid"], ssp(&b)["uuid"]);
    let first =
        |d: &Value| ssp(d)["control-implementation"]["implemented-requirements"][0]["uuid"].clone();
    assert_eq!(first(&a), first(&b));
}

#[test]
fn the_ssp_lists_every_control_with_its_applicability_and_state() {
    let (ws, report) = acme();
    let doc = value(Model::Ssp, &ws, &report);
    let requirements =
        doc["system-security-plan"]["control-implementation"]["implemented-requirements"]
            .as_array()
            .expect("requirements");
    assert_eq!(requirements.len(), report.soa.len());
    for (req, row) in requirements.iter().zip(&report.soa) {
        assert_eq!(req["control-id"], row.control.as_str());
        let state = req["by-components"][0]["implementation-status"]["state"]
            .as_str()
            .expect("state");
        assert_eq!(
            state == "not-applicable",
            !row.applicable,
            "{}",
            row.control
        );
    }
}

#[test]
fn assessment_results_hold_one_finding_and_observation_per_gap() {
    let (ws, report) = acme();
    let doc = value(Model::AssessmentResults, &ws, &report);
    let result = &doc["assessment-results"]["results"][0];
    let findings = result["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), report.gaps.len());
    assert_eq!(
        result["observations"].as_array().map(Vec::len),
        Some(report.gaps.len())
    );
    for (finding, gap) in findings.iter().zip(&report.gaps) {
        assert_eq!(finding["description"], gap.message.as_str());
        assert_eq!(finding["target"]["status"]["state"], "not-satisfied");
    }
}

#[test]
fn the_poam_has_an_item_per_action_and_refuses_an_empty_plan() {
    let (mut ws, report) = acme();
    let doc = value(Model::Poam, &ws, &report);
    let items = doc["plan-of-action-and-milestones"]["poam-items"]
        .as_array()
        .expect("items");
    assert_eq!(items.len(), ws.actions.len());
    ws.actions.clear();
    let report = report_of(&ws);
    assert!(matches!(
        export(Model::Poam, &ws, &report),
        Err(ExportError::EmptyPlan)
    ));
}

#[test]
fn text_is_fitted_to_the_oscal_datatypes() {
    assert_eq!(line("  two\n lines\t"), Some("two lines".into()));
    assert_eq!(line(" \n "), None);
    assert_eq!(token("A.8.24"), "A.8.24");
    assert_eq!(token("GAP CODE/1"), "GAP-CODE-1");
    assert_eq!(token("1st"), "_1st");
    assert_eq!(uri_path("data/my soa:v2.csv"), "data/my%20soa%3Av2.csv");
    assert_eq!(uri_path(r"data\assets.csv"), "data/assets.csv");
    assert!(prop("owner", "  ").is_none());
}

#[test]
fn an_applicable_control_with_nothing_done_or_planned_says_so() {
    use ssp::state;
    assert_eq!(
        state(false, ImplementationStatus::Implemented, 0),
        "not-applicable"
    );
    assert_eq!(
        state(true, ImplementationStatus::NotImplemented, 2),
        "planned"
    );
    assert_eq!(
        state(true, ImplementationStatus::NotImplemented, 0),
        "not-implemented"
    );
    assert_eq!(state(true, ImplementationStatus::Partial, 0), "partial");
}
