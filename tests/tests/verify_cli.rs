//! `isms verify REPORT DIR`: reports as audit evidence, traced to their inputs.

mod common;

use common::{copy_dir, isms, root};

fn report(dir: &str, out: &std::path::Path, extra: &[&str]) {
    let out = out.to_str().unwrap();
    let mut args = vec!["report", dir, "--format", "json", "--output", out];
    args.extend_from_slice(extra);
    let run = isms(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_fresh_report_verifies_with_the_options_it_records() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("r.json");
    // A date other than the manifest's: verification must re-evaluate as of the recorded one.
    report("examples/acme", &file, &["--as-of", "2027-03-01"]);
    let recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let options = &recorded["options"];
    assert_eq!(options["as_of"], "2027-03-01");
    assert_eq!(options["evaluator"], "compiled");
    assert_eq!(options["iteration_budget"], 100_000);
    let run = isms(&["verify", file.to_str().unwrap(), "examples/acme"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("VERIFIED"), "{}", run.stdout);
    // JSON output for pipelines.
    let run = isms(&[
        "verify",
        file.to_str().unwrap(),
        "examples/acme",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["differing_sections"], serde_json::json!([]));
    assert!(v["files"].as_array().unwrap().len() > 10);
}

#[test]
fn a_changed_input_is_named_and_fails_verification() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    std::fs::create_dir(&ws).unwrap();
    copy_dir(&root().join("examples/acme"), &ws);
    let file = tmp.path().join("r.json");
    report(ws.to_str().unwrap(), &file, &[]);
    // Raise one asset's availability: the hash and the evaluation change.
    let assets = std::fs::read_to_string(ws.join("assets.csv")).unwrap();
    let mut lines: Vec<String> = assets.lines().map(str::to_owned).collect();
    lines.push(lines[1].replacen(&lines[1][..lines[1].find(',').unwrap()], "AST-NEW", 1));
    std::fs::write(ws.join("assets.csv"), lines.join("\n") + "\n").unwrap();
    let run = isms(&["verify", file.to_str().unwrap(), ws.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("NOT VERIFIED"), "{}", run.stdout);
    assert!(
        run.stdout.contains("input assets.csv: changed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("re-evaluation differs in:"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_reports_are_usage_errors_with_a_location() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("r.json");
    std::fs::write(&file, "{\n  \"schema\": \"isms/report/v1\",\n  oops\n}\n").unwrap();
    let run = isms(&["verify", file.to_str().unwrap(), "examples/acme"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("r.json:3:"), "{}", run.stderr);
    std::fs::write(&file, "{\"schema\": \"something/else\"}").unwrap();
    let run = isms(&["verify", file.to_str().unwrap(), "examples/acme"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not an isms report"), "{}", run.stderr);
}
