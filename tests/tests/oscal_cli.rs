//! `isms report --format oscal*`: the SoA, the gaps and the treatment plan as OSCAL 1.1
//! documents, with the catalog, profile and assessment plan they import, validated against
//! NIST's official schemas (`tests/data/oscal`).

mod common;

use common::{copy_dir, isms, root};
use serde_json::Value;

const MODELS: [(&str, &str, &str); 3] = [
    ("oscal-ssp", "oscal_ssp_schema.json", "system-security-plan"),
    (
        "oscal-assessment-results",
        "oscal_assessment-results_schema.json",
        "assessment-results",
    ),
    (
        "oscal-poam",
        "oscal_poam_schema.json",
        "plan-of-action-and-milestones",
    ),
];

fn validator(schema_file: &str) -> jsonschema::Validator {
    let path = root().join("tests/data/oscal").join(schema_file);
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn export(dir: &str, format: &str, extra: &[&str]) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("doc.json");
    let mut args = vec![
        "report",
        dir,
        "--format",
        format,
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = isms(&args);
    assert_eq!(run.code, 0, "{format} of {dir}: {}", run.stderr);
    std::fs::read(out).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid OSCAL:\n{}",
        errors.join("\n")
    );
}

fn generated_workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let run = isms(&[
        "generate",
        "--assets",
        "300",
        "--seed",
        "7",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    tmp
}

/// Every document of the set: its file, its schema and its root member.
const SET: [(&str, &str, &str); 6] = [
    ("catalog.json", "oscal_catalog_schema.json", "catalog"),
    ("profile.json", "oscal_profile_schema.json", "profile"),
    (
        "system-security-plan.json",
        "oscal_ssp_schema.json",
        "system-security-plan",
    ),
    (
        "assessment-plan.json",
        "oscal_assessment-plan_schema.json",
        "assessment-plan",
    ),
    (
        "assessment-results.json",
        "oscal_assessment-results_schema.json",
        "assessment-results",
    ),
    (
        "plan-of-action-and-milestones.json",
        "oscal_poam_schema.json",
        "plan-of-action-and-milestones",
    ),
];

/// `isms report DIR --format oscal` into a new folder, with `extra` arguments.
fn export_set(dir: &str, extra: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("set");
    let mut args = vec![
        "report",
        dir,
        "--format",
        "oscal",
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = isms(&args);
    assert_eq!(run.code, 0, "oscal set of {dir}: {}", run.stderr);
    tmp
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}")))
        .unwrap()
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
fn the_set_validates_and_every_import_resolves_from_the_documents_folder() {
    let generated = generated_workspace();
    let generated = generated.path().to_str().unwrap().to_owned();
    for dir in ["examples/acme", "examples/legacy-2013", &generated] {
        let tmp = export_set(dir, &[]);
        let set = tmp.path().join("set");
        let docs: Vec<Value> = SET
            .iter()
            .map(|(file, schema, root_member)| {
                let doc = read_json(&set.join(file));
                assert!(doc.get(root_member).is_some(), "{file} of {dir}");
                assert_valid(&validator(schema), &doc, &format!("{file} of {dir}"));
                doc
            })
            .collect();
        // Each import is a relative reference: resolved against the importing document's
        // folder it names the document of the model it needs.
        let imports = [
            (1, "/profile/imports/0/href", "catalog"),
            (2, "/system-security-plan/import-profile/href", "profile"),
            (
                3,
                "/assessment-plan/import-ssp/href",
                "system-security-plan",
            ),
            (4, "/assessment-results/import-ap/href", "assessment-plan"),
            (
                5,
                "/plan-of-action-and-milestones/import-ssp/href",
                "system-security-plan",
            ),
        ];
        for (index, pointer, model) in imports {
            let href = docs[index]
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap();
            let imported = read_json(&set.join(href));
            assert!(imported.get(model).is_some(), "{dir}: {pointer} = {href}");
        }
        // The SSP's controls are the profile's, which are in the catalog; every finding
        // targets an objective of the catalog.
        let mut catalog_ids = Vec::new();
        members(&docs[0], "id", &mut catalog_ids);
        let with_ids = &docs[1]["profile"]["imports"][0]["include-controls"][0]["with-ids"];
        let requirements =
            docs[2]["system-security-plan"]["control-implementation"]["implemented-requirements"]
                .as_array()
                .unwrap();
        for req in requirements {
            let id = req["control-id"].as_str().unwrap();
            assert_eq!(id, id.to_lowercase(), "{dir}");
            assert!(with_ids.as_array().unwrap().iter().any(|w| w == id), "{id}");
            assert!(catalog_ids.contains(&id), "{dir}: {id}");
        }
        let findings = docs[4]["assessment-results"]["results"][0]["findings"]
            .as_array()
            .unwrap();
        for finding in findings {
            let target = finding["target"]["target-id"].as_str().unwrap();
            assert!(catalog_ids.contains(&target), "{dir}: finding on {target}");
        }
    }
}

#[test]
fn the_set_needs_an_output_folder_and_skips_an_empty_plan() {
    let run = isms(&["report", "examples/acme", "--format", "oscal"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--output DIR"), "{}", run.stderr);

    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/acme"), tmp.path());
    let plan = tmp.path().join("treatment_plan.csv");
    let header = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, header.lines().next().unwrap().to_owned() + "\n").unwrap();
    let out = tmp.path().join("set");
    let run = isms(&[
        "report",
        tmp.path().to_str().unwrap(),
        "--format",
        "oscal",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("no plan-of-action-and-milestones.json"),
        "{}",
        run.stderr
    );
    assert!(out.join("system-security-plan.json").exists());
    assert!(!out.join("plan-of-action-and-milestones.json").exists());
}

#[test]
fn every_export_validates_against_the_official_schema() {
    let generated = generated_workspace();
    let generated = generated.path().to_str().unwrap().to_owned();
    for (format, schema, root_member) in MODELS {
        let validator = validator(schema);
        for dir in ["examples/acme", "examples/legacy-2013", &generated] {
            let bytes = export(dir, format, &[]);
            let doc: Value = serde_json::from_slice(&bytes).unwrap();
            assert!(doc.get(root_member).is_some(), "{format} of {dir}");
            assert_valid(&validator, &doc, &format!("{format} of {dir}"));
        }
    }
}

#[test]
fn the_schemas_do_reject_what_oscal_forbids() {
    // The validation above must be able to fail: a document missing a required member, an
    // id that is not a token, and a v1 UUID are each refused.
    let ssp: Value = serde_json::from_slice(&export("examples/acme", "oscal-ssp", &[])).unwrap();
    let validator = validator("oscal_ssp_schema.json");
    let mut missing = ssp.clone();
    missing["system-security-plan"]
        .as_object_mut()
        .unwrap()
        .remove("import-profile");
    assert!(!validator.is_valid(&missing));
    let mut bad_id = ssp.clone();
    bad_id["system-security-plan"]["control-implementation"]["implemented-requirements"][0]["control-id"] =
        "8 bad id".into();
    assert!(!validator.is_valid(&bad_id));
    let mut bad_uuid = ssp;
    bad_uuid["system-security-plan"]["uuid"] = "6ba7b810-9dad-11d1-80b4-00c04fd430c8".into();
    assert!(!validator.is_valid(&bad_uuid));
}

#[test]
fn exports_are_identical_for_any_thread_count() {
    for (format, _, _) in MODELS {
        let one = export("examples/acme", format, &["--threads", "1"]);
        assert_eq!(
            one,
            export("examples/acme", format, &["--threads", "2"]),
            "{format}"
        );
        assert_eq!(
            one,
            export("examples/acme", format, &["--threads", "8"]),
            "{format}"
        );
    }
}

#[test]
fn the_documents_carry_the_soa_the_gaps_and_the_plan() {
    let report: Value = serde_json::from_slice(&export("examples/acme", "json", &[])).unwrap();
    let ssp: Value = serde_json::from_slice(&export("examples/acme", "oscal-ssp", &[])).unwrap();
    let requirements =
        &ssp["system-security-plan"]["control-implementation"]["implemented-requirements"];
    assert_eq!(requirements.as_array().unwrap().len(), 93);
    // A control the acme SoA excludes is not applicable in the plan, with its justification.
    let excluded = report["soa"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["applicable"] == false)
        .expect("acme excludes a control");
    let req = requirements
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["props"][0]["value"] == excluded["control"])
        .unwrap();
    assert_eq!(
        req["by-components"][0]["implementation-status"]["state"],
        "not-applicable"
    );

    let results: Value =
        serde_json::from_slice(&export("examples/acme", "oscal-assessment-results", &[])).unwrap();
    let findings = results["assessment-results"]["results"][0]["findings"]
        .as_array()
        .unwrap();
    assert_eq!(findings.len(), report["gaps"].as_array().unwrap().len());
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["title"].as_str().unwrap().split(':').next().unwrap())
        .collect();
    assert!(codes.contains(&"GAP-PLAN-CONTROL-EXCLUDED"), "{codes:?}");

    let poam: Value = serde_json::from_slice(&export("examples/acme", "oscal-poam", &[])).unwrap();
    let poam = &poam["plan-of-action-and-milestones"];
    let plan = std::fs::read_to_string(root().join("examples/acme/treatment_plan.csv")).unwrap();
    assert_eq!(
        poam["poam-items"].as_array().unwrap().len(),
        plan.lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count()
    );
    // The SSP and the POA&M name the same system.
    assert_eq!(
        poam["system-id"]["id"],
        ssp["system-security-plan"]["system-characteristics"]["system-ids"][0]["id"]
    );
    // Input hashes travel in the back matter, as in the report, as properties.
    let resources = poam["back-matter"]["resources"].as_array().unwrap();
    let hashes: Vec<&str> = resources
        .iter()
        .flat_map(|r| r["props"].as_array().unwrap())
        .filter(|p| p["name"] == "sha256")
        .filter_map(|p| p["value"].as_str())
        .collect();
    for input in report["inputs"].as_array().unwrap() {
        assert!(hashes.contains(&input["sha256"].as_str().unwrap()));
    }
}

#[test]
fn an_empty_treatment_plan_is_refused_with_exit_2_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/acme"), tmp.path());
    let plan = tmp.path().join("treatment_plan.csv");
    let header = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, header.lines().next().unwrap().to_owned() + "\n").unwrap();
    let out = tmp.path().join("poam.json");
    let run = isms(&[
        "report",
        tmp.path().to_str().unwrap(),
        "--format",
        "oscal-poam",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("treatment plan has no actions"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}
