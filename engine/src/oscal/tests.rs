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
    for model in Model::ALL {
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
    }
}

#[test]
fn export_is_a_pure_function_of_the_evaluation() {
    let (ws, report) = acme();
    let again = report_of(&ws);
    for model in Model::ALL {
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
        assert_eq!(req["control-id"], row.control.to_lowercase());
        assert_eq!(req["props"][0]["name"], "label");
        assert_eq!(req["props"][0]["value"], row.control.as_str());
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
    assert_eq!(control_id("A.8.24"), "a.8.24");
    assert_eq!(check_id("GAP-RISK-UNTREATED"), "check-gap-risk-untreated");
    assert_eq!(check_id("A.5.1"), "check-a.5.1");
    assert_eq!(check_id("1 bad/code"), "check-1-bad-code");
    assert_eq!(objective_id("a.8.24"), "a.8.24_obj");
    assert_eq!(token("GAP CODE/1"), "GAP-CODE-1");
    assert_eq!(token("1st"), "_1st");
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

/// Every string member named `key` anywhere in a document.
fn members<'a>(value: &'a Value, key: &str, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if let Some(s) = v.as_str().filter(|_| k == key) {
                    out.push(s);
                }
                members(v, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| members(v, key, out)),
        _ => {}
    }
}

#[test]
fn the_namespace_is_a_url_with_a_scheme_and_a_host() {
    // compliance-trestle (pydantic's AnyUrl) refused `urn:isms:ns:oscal` on every property.
    let (scheme, rest) = NS.split_once("://").expect("scheme://");
    assert_eq!(scheme, "https");
    let host = rest.split('/').next().unwrap_or_default();
    assert!(host.contains('.') && !host.is_empty(), "{NS}");
    let (ws, report) = acme();
    for model in Model::ALL {
        let doc = value(model, &ws, &report);
        let mut ns = Vec::new();
        members(&doc, "ns", &mut ns);
        assert!(!ns.is_empty(), "{model:?}");
        assert!(ns.iter().all(|n| *n == NS), "{model:?}: {ns:?}");
    }
}

#[test]
fn every_import_names_a_document_of_the_set() {
    let (ws, report) = acme();
    let imports = |links: Links| -> Vec<(Model, String)> {
        let at = |model, pointer: &str| {
            let doc = serde_json::to_value(export_linked(model, &ws, &report, links).unwrap())
                .expect("serialises");
            let href = doc.pointer(pointer).and_then(Value::as_str);
            (model, href.expect("an import").to_owned())
        };
        vec![
            at(Model::Profile, "/profile/imports/0/href"),
            at(Model::Ssp, "/system-security-plan/import-profile/href"),
            at(Model::AssessmentPlan, "/assessment-plan/import-ssp/href"),
            at(
                Model::AssessmentResults,
                "/assessment-results/import-ap/href",
            ),
            at(
                Model::Poam,
                "/plan-of-action-and-milestones/import-ssp/href",
            ),
        ]
    };
    let expected = [
        Model::Catalog,
        Model::Profile,
        Model::Ssp,
        Model::AssessmentPlan,
        Model::Ssp,
    ];
    // The SSP's import pointed at a back-matter resource with neither link nor content, and
    // the POA&M imported nothing.
    for ((_, href), target) in imports(Links::Relative).iter().zip(expected) {
        assert_eq!(href, &target.file_name());
    }
    for ((_, href), target) in imports(Links::Trestle).iter().zip(expected) {
        let folder = target.trestle_folder();
        assert_eq!(
            href,
            &format!("trestle://{folder}/isms/{}", target.file_name())
        );
    }
}

#[test]
fn the_catalog_holds_every_control_and_the_profile_selects_them() {
    for dir in ["acme", "legacy-2013"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples")
            .join(dir);
        let ws = crate::load(&dir).expect("example loads").workspace;
        let report = report_of(&ws);
        let catalog = value(Model::Catalog, &ws, &report);
        let mut ids = Vec::new();
        members(&catalog, "id", &mut ids);
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "{dir:?}: an id is defined twice");
        let profile = value(Model::Profile, &ws, &report);
        let selected = profile["profile"]["imports"][0]["include-controls"][0]["with-ids"]
            .as_array()
            .expect("with-ids");
        assert_eq!(selected.len(), ws.catalog().controls.len());
        for (id, control) in selected.iter().zip(&ws.catalog().controls) {
            let id = id.as_str().expect("id");
            assert_eq!(id, control.id.to_lowercase());
            assert!(unique.contains(id), "{id}");
            assert!(unique.contains(objective_id(id).as_str()), "{id}");
        }
        let mut labels = Vec::new();
        members(&catalog, "value", &mut labels);
        assert!(labels.contains(&ws.catalog().controls[0].id.as_str()));
    }
}

#[test]
fn every_finding_targets_an_objective_of_the_catalog() {
    let (ws, report) = acme();
    let catalog = value(Model::Catalog, &ws, &report);
    let mut ids = Vec::new();
    members(&catalog, "id", &mut ids);
    let ids: HashSet<&str> = ids.into_iter().collect();
    let results = value(Model::AssessmentResults, &ws, &report);
    let findings = results["assessment-results"]["results"][0]["findings"]
        .as_array()
        .expect("findings");
    assert!(!findings.is_empty());
    let (mut on_controls, mut on_checks) = (0, 0);
    for finding in findings {
        let target = finding["target"]["target-id"].as_str().expect("target");
        assert!(ids.contains(target), "{target} is in no catalog");
        assert!(target.ends_with("_obj"), "{target}");
        if target.starts_with("a.") {
            on_controls += 1;
        } else {
            on_checks += 1;
        }
    }
    // acme has gaps of both kinds, so both paths are exercised.
    assert!(
        on_controls > 0 && on_checks > 0,
        "{on_controls} {on_checks}"
    );
}

#[test]
fn the_back_matter_links_to_nothing_outside_the_document() {
    // Input files were linked by bare names, which resolve against the folder the document
    // is written to, where the inputs are not. They are named by a `path` property now.
    let (ws, report) = acme();
    for model in Model::ALL {
        let doc = value(model, &ws, &report);
        let mut hrefs = Vec::new();
        members(&doc, "href", &mut hrefs);
        let set: Vec<String> = Model::ALL.iter().map(|m| m.file_name()).collect();
        for href in hrefs {
            assert!(set.iter().any(|f| f == href), "{model:?}: {href}");
        }
        let resources = doc[model.root()]["back-matter"]["resources"]
            .as_array()
            .expect("resources");
        assert!(
            resources.iter().any(|r| r["props"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["name"] == "path"))),
            "{model:?}"
        );
    }
}
