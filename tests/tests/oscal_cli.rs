//! `isms report --format oscal-*`: the SoA, the gaps and the treatment plan as OSCAL 1.1
//! documents, validated against NIST's official schemas (`tests/data/oscal`).

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
        .find(|r| r["control-id"] == excluded["control"])
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
    // Input hashes travel in the back matter, as in the report: on the link to a file, or as
    // a property of a built-in input.
    let resources = poam["back-matter"]["resources"].as_array().unwrap();
    let linked = resources
        .iter()
        .filter_map(|r| r["rlinks"][0]["hashes"][0]["value"].as_str());
    let builtin = resources
        .iter()
        .flat_map(|r| r["props"].as_array().unwrap())
        .filter(|p| p["name"] == "sha256")
        .filter_map(|p| p["value"].as_str());
    let hashes: Vec<&str> = linked.chain(builtin).collect();
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
