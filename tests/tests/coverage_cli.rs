//! `isms coverage`, `isms explain <framework>:<requirement>` and the framework gaps end to
//! end: NIS2 on the bundled example, a custom framework, bad framework files, and the
//! attribution of the data in every output format.

mod common;

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use common::{copy_dir, headlines, isms, root};

const NIS2: &str = "nis2-2024-2690";

fn json(args: &[&str]) -> serde_json::Value {
    let run = isms(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn acme_coverage() -> serde_json::Value {
    json(&[
        "coverage",
        "examples/acme",
        "--framework",
        NIS2,
        "--format",
        "json",
    ])
}

fn requirement<'a>(c: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    c["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no requirement {id}"))
}

/// A copy of examples/acme to alter, with the example custom framework beside it as
/// `frameworks/customer-schedule/`.
fn acme_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/acme"), dir.path());
    let fw = dir.path().join("frameworks/customer-schedule");
    std::fs::create_dir_all(&fw).unwrap();
    copy_dir(&root().join("examples/frameworks/customer-schedule"), &fw);
    dir
}

const CUSTOM_ENTRY: &str = r#"
[[frameworks]]
id = "customer-schedule"
title = "Enterprise customer security schedule (example)"
requirements = "frameworks/customer-schedule/requirements.csv"
controls = "frameworks/customer-schedule/controls.csv"
clauses = "frameworks/customer-schedule/clauses.csv"
groups = "frameworks/customer-schedule/groups.csv"
attribution = "Example framework written for the isms project; Apache-2.0."
"#;

fn append(path: &Path, text: &str) {
    let mut s = std::fs::read_to_string(path).unwrap();
    s.push_str(text);
    std::fs::write(path, s).unwrap();
}

fn replace(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "{from}");
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

#[test]
fn acme_nis2_coverage_is_pinned_with_its_reasons() {
    let c = acme_coverage();
    assert_eq!(c["framework"], NIS2);
    assert_eq!(c["declared"], true);
    // ENISA's links are all `intersect`: nothing is covered on the mapping alone, and the 24
    // points without a link are "no mapping". Acme implements something linked to every
    // mapped point, so none is "not covered".
    assert_eq!(
        c["summary"],
        serde_json::json!({
            "total": 349, "covered": 0, "partly_covered": 325, "not_covered": 0,
            "not_applicable": 0, "no_mapping": 24
        })
    );
    let groups = c["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 13);
    assert_eq!(groups[6]["id"], "7");
    assert_eq!(groups[6]["counts"]["partly_covered"], 1);
    assert_eq!(groups[6]["counts"]["no_mapping"], 8);
    assert_eq!(groups[8]["title"], "Cryptography");
    assert_eq!(groups[8]["counts"]["no_mapping"], 16);

    let r = requirement(&c, "3.2.1");
    assert_eq!(r["verdict"], "partly_covered");
    assert_eq!(
        r["reason"],
        "A.5.28, A.8.15, A.8.17 met, but the links are intersect only: the mapping does not show they cover the whole requirement; still open: partly implemented: A.8.16"
    );
    let a816 = &r["controls"].as_array().unwrap()[2];
    assert_eq!(a816["control"], "A.8.16");
    assert_eq!(a816["status"], "partial");
    assert_eq!(a816["relationship"], "intersect");

    // Clause links are answered from the operating-cycle evidence (the readiness checks).
    let r = requirement(&c, "1.1.1.a");
    assert_eq!(
        r["reason"],
        "A.5.1, A.5.4, A.5.36, clause 5.2, clause 9.3.1, clause 9.3.3 met, but the links are intersect only: the mapping does not show they cover the whole requirement; still open: operating-cycle evidence failing: clause 9.3.2"
    );
    let clause = r["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["clause"] == "9.3.2")
        .unwrap();
    assert_eq!(clause["state"], "unmet");
    assert!(
        clause["gaps"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("GAP-REVIEW-INPUTS-MISSING")),
        "{clause}"
    );
}

#[test]
fn the_24_unmapped_nis2_points_are_no_mapping_never_covered() {
    let c = acme_coverage();
    let unmapped: Vec<&str> = c["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] == "no_mapping")
        .map(|r| {
            assert!(r["controls"].as_array().unwrap().is_empty());
            assert!(r["clauses"].as_array().unwrap().is_empty());
            r["id"].as_str().unwrap()
        })
        .collect();
    let mut expected = vec![
        "7.2", "7.2.a", "7.2.b", "7.2.c", "7.2.d", "7.2.e", "7.2.f", "7.3",
    ];
    expected.extend(["9.2.a", "9.2.b", "9.2.c"]);
    let roman = [
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii",
    ];
    let sub: Vec<String> = roman.iter().map(|r| format!("9.2.c.{r}")).collect();
    expected.extend(sub.iter().map(String::as_str));
    expected.push("9.3");
    let mut got = unmapped.clone();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected);
    // No requirement is covered through intersect links alone.
    assert!(
        c["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] != "covered")
    );
}

#[test]
fn the_table_ends_with_the_summary_and_the_attribution() {
    let run = isms(&["coverage", "examples/acme"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "nis2-2024-2690: 349 requirements: 0 covered, 325 partly covered, 0 not covered, 0 not applicable, 24 no mapping"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("3 Incident handling"));
    assert!(
        run.stdout
            .contains("Source of nis2-2024-2690: Requirement numbering")
    );
    assert!(run.stdout.contains("licensed under CC BY 4.0"));
    assert!(run.stdout.contains("Changes:"));
}

#[test]
fn verdict_selects_the_rows_of_table_csv_and_md() {
    let run = isms(&[
        "coverage",
        "examples/acme",
        "--verdict",
        "no-mapping",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1 + 24);
    let run = isms(&["coverage", "examples/acme", "--verdict", "no-mapping"]);
    assert!(
        run.stdout
            .contains("24 of 349 requirements shown (--verdict)"),
        "{}",
        run.stdout
    );
    // The summary still counts every requirement.
    assert!(
        run.stdout
            .contains("349 requirements: 0 covered, 325 partly covered")
    );
    let run = isms(&[
        "coverage",
        "examples/acme",
        "--verdict",
        "covered",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--verdict selects the rows"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_attribution_is_in_every_output_format() {
    let dir = tempfile::tempdir().unwrap();
    let notice =
        "© European Union Agency for Cybersecurity (ENISA), 2025, licensed under CC BY 4.0";
    for format in ["table", "json", "md", "csv"] {
        let run = isms(&[
            "coverage",
            "examples/acme",
            "--framework",
            NIS2,
            "--format",
            format,
        ]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert!(run.stdout.contains(notice), "{format}");
        assert!(run.stdout.contains("Changes:"), "{format}");
    }
    // CSV: a column, on every row, so that the file stays CSV.
    let run = isms(&["coverage", "examples/acme", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.get(headers.len() - 1), Some("attribution"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 349);
    assert!(rows.iter().all(|r| r.get(9).unwrap().contains("CC BY 4.0")));
    // The reports of a workspace that declares NIS2.
    for format in ["html", "md", "json"] {
        let run = isms(&["report", "examples/acme", "--format", format]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert!(run.stdout.contains(notice), "report {format}");
    }
    let html = isms(&["report", "examples/acme", "--format", "html"]).stdout;
    assert!(html.contains("<section id=\"coverage\">"));
    assert!(html.contains("class=\"cbar\""));
    // The workbook: the Coverage sheet, a column on every row.
    let path = dir.path().join("coverage.xlsx");
    let run = isms(&[
        "coverage",
        "examples/acme",
        "--format",
        "xlsx",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut wb = open_workbook_auto(&path).unwrap();
    let sheet = wb.worksheet_range("Coverage").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 350);
    assert_eq!(rows[0][7].to_string(), "Source and licence of the data");
    assert!(rows[1][7].to_string().contains(notice));
    let summary = wb.worksheet_range("Coverage summary").unwrap();
    assert_eq!(summary.rows().count(), 1 + 13 + 1);
}

#[test]
fn explain_shows_one_requirement() {
    let run = isms(&["explain", "examples/acme", "nis2:3.2.1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("nis2-2024-2690:3.2.1  Monitoring and logging\n")
    );
    assert!(run.stdout.contains("Verdict: partly covered"));
    assert!(run.stdout.contains("  A.8.16 Monitoring activities [intersect]\n    applicable, partial; evidence: STD-LOG-016 v1.2"));
    assert!(run.stdout.contains("licensed under CC BY 4.0"));
    let run = isms(&["explain", "examples/acme", "nis2-2024-2690:9.2.c.iv"]);
    assert!(run.stdout.contains("Verdict: no mapping"), "{}", run.stdout);
    // A control names the requirements of declared frameworks it is linked to.
    let run = isms(&["explain", "examples/acme", "A.5.24"]);
    assert!(
        run.stdout
            .contains("Linked to 7 requirements of declared frameworks: nis2-2024-2690:3.1.1, "),
        "{}",
        run.stdout
    );
    let run = isms(&["explain", "examples/acme", "nis2:99.1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("has no requirement `99.1`"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_framework_lists_the_available_ones() {
    let run = isms(&["coverage", "examples/acme", "--framework", "nist-csf"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unknown framework `nist-csf`: available: nis2-2024-2690 (declared)"),
        "{}",
        run.stderr
    );
    // No framework declared and none named.
    let dir = acme_copy();
    replace(
        &dir.path().join("profile.toml"),
        r#"frameworks = ["nis2-2024-2690"]"#,
        "",
    );
    let run = isms(&["coverage", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "name the framework with --framework (the profile declares none): available: nis2-2024-2690"
        ),
        "{}",
        run.stderr
    );
    // Unknown in the profile: a load error at its place.
    let dir = acme_copy();
    replace(
        &dir.path().join("profile.toml"),
        r#"frameworks = ["nis2-2024-2690"]"#,
        r#"frameworks = ["nis2-2024-2690", "dora"]"#,
    );
    let run = isms(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let lines = headlines(&run.stderr);
    assert!(
        lines.iter().any(|l| l.contains("unknown framework `dora`")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("profile.toml:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("available: nis2-2024-2690"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_custom_framework_gets_per_requirement_verdicts() {
    let dir = acme_copy();
    append(&dir.path().join("isms.toml"), CUSTOM_ENTRY);
    let ws = dir.path().to_str().unwrap();
    let c = json(&[
        "coverage",
        ws,
        "--framework",
        "customer-schedule",
        "--format",
        "json",
    ]);
    assert_eq!(c["declared"], false);
    let verdicts: Vec<(String, String)> = c["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("CS-1.1", "partly_covered"),
        ("CS-1.2", "not_covered"),
        ("CS-2.1", "not_covered"),
        ("CS-2.2", "covered"),
        ("CS-2.3", "partly_covered"),
        ("CS-2.4", "no_mapping"),
        ("CS-3.1", "partly_covered"),
        ("CS-3.2", "covered"),
        ("CS-3.3", "partly_covered"),
        ("CS-4.1", "partly_covered"),
        ("CS-4.2", "partly_covered"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(verdicts, expected);
    assert_eq!(
        requirement(&c, "CS-2.2")["reason"],
        "A.8.10 implemented with evidence, linked as equal: the mapping says that covers the whole requirement"
    );
    assert_eq!(
        requirement(&c, "CS-3.3")["reason"],
        "linked controls are only partly in place, but the links are superset only: the mapping does not show they cover the whole requirement; still open: partly implemented: A.8.5"
    );
    assert_eq!(requirement(&c, "CS-1.1")["controls"][0]["strength"], 5);
    let groups: Vec<&str> = c["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        [
            "Governance",
            "Customer data",
            "Operations",
            "Subprocessors and assurance"
        ]
    );
    assert_eq!(
        c["attribution"],
        "Example framework written for the isms project; Apache-2.0."
    );
    // The framework's files are inputs of the report, with their hashes.
    let report = json(&["report", ws, "--format", "json"]);
    let inputs: Vec<&str> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert!(
        inputs.contains(&"frameworks/customer-schedule/controls.csv"),
        "{inputs:?}"
    );
    // Undeclared: only NIS2 is in the report, and the gaps are acme's 22.
    assert_eq!(report["coverage"].as_array().unwrap().len(), 1);
    assert_eq!(report["summary"]["gaps"], 22);
}

#[test]
fn a_declared_framework_uncovered_requirement_is_a_gap() {
    let dir = acme_copy();
    append(&dir.path().join("isms.toml"), CUSTOM_ENTRY);
    replace(
        &dir.path().join("profile.toml"),
        r#"frameworks = ["nis2-2024-2690"]"#,
        r#"frameworks = ["nis2-2024-2690", "customer-schedule"]"#,
    );
    let ws = dir.path().to_str().unwrap();
    let r = json(&["gaps", ws, "--format", "json"]);
    let gaps = r["gaps"].as_array().unwrap();
    let uncovered: Vec<&serde_json::Value> = gaps
        .iter()
        .filter(|g| g["code"] == "GAP-FRAMEWORK-UNCOVERED")
        .collect();
    // CS-2.1 links only A.8.24, which the SoA excludes. CS-1.2 links only a clause: not a
    // control gap.
    assert_eq!(uncovered.len(), 1, "{uncovered:?}");
    assert_eq!(uncovered[0]["severity"], "medium");
    assert_eq!(
        uncovered[0]["message"],
        "customer-schedule:CS-2.1 (Customer data encrypted at rest and in transit): none of its linked Annex A controls is in place (A.8.24 excluded in the SoA)"
    );
    assert_eq!(
        uncovered[0]["action"],
        "Implement A.8.24 (include them in the SoA where excluded), or record how the organisation meets the requirement otherwise."
    );
    // The exclusion check names the requirement the exclusion leaves uncovered.
    let excluded = gaps
        .iter()
        .find(|g| g["code"] == "GAP-EXCLUDED-BUT-REQUIRED")
        .unwrap();
    let message = excluded["message"].as_str().unwrap();
    assert!(
        message.ends_with("; the exclusion leaves customer-schedule:CS-2.1 uncovered"),
        "{message}"
    );
    assert!(
        excluded["objects"].as_array().unwrap().contains(
            &serde_json::json!({"kind": "requirement", "id": "customer-schedule:CS-2.1"})
        )
    );
    assert_eq!(r["summary"]["gaps"], 23, "acme's 22 and CS-2.1");
    assert_eq!(r["coverage"].as_array().unwrap().len(), 2);
    // `isms gaps` shows it.
    let run = isms(&["gaps", ws]);
    assert!(
        run.stdout.contains("GAP-FRAMEWORK-UNCOVERED"),
        "{}",
        run.stdout
    );
    // Two declared frameworks: `isms coverage` needs --framework.
    let run = isms(&["coverage", ws]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the profile declares several"),
        "{}",
        run.stderr
    );
}

#[test]
fn nis2_points_whose_only_control_is_not_in_place_are_gaps() {
    let dir = acme_copy();
    // 3.1.1 to 3.1.3 (seven points) link A.5.24 only.
    replace(
        &dir.path().join("soa.csv"),
        "NIS2/GDPR reporting deadlines.\",implemented,PRC-INC-011 v2.3",
        "NIS2/GDPR reporting deadlines.\",planned,",
    );
    let ws = dir.path().to_str().unwrap();
    let r = json(&["gaps", ws, "--format", "json"]);
    let ids: Vec<&str> = r["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["code"] == "GAP-FRAMEWORK-UNCOVERED")
        .map(|g| g["objects"][0]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "nis2-2024-2690:3.1.1",
            "nis2-2024-2690:3.1.2",
            "nis2-2024-2690:3.1.2.a",
            "nis2-2024-2690:3.1.2.b",
            "nis2-2024-2690:3.1.2.c",
            "nis2-2024-2690:3.1.2.d",
            "nis2-2024-2690:3.1.3",
        ]
    );
    let c = json(&["coverage", ws, "--format", "json"]);
    let r = requirement(&c, "3.1.1");
    assert_eq!(r["verdict"], "not_covered");
    assert_eq!(r["reason"], "nothing linked is in place: planned: A.5.24");
    assert_eq!(c["summary"]["not_covered"], 7);
    // `isms diff` names the requirements whose verdict moved.
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    for (workspace, path) in [("examples/acme", &old), (ws, &new)] {
        let run = isms(&[
            "report",
            workspace,
            "--format",
            "json",
            "--output",
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let d = json(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(d["counts"]["coverage_changed"], 7);
    assert_eq!(d["coverage_changed"][0]["requirement"], "3.1.1");
    assert_eq!(d["coverage_changed"][0]["from"], "partly_covered");
    assert_eq!(d["coverage_changed"][0]["to"], "not_covered");
    let run = isms(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert!(
        run.stdout.contains("nis2-2024-2690:3.1.1 partly covered -> not covered: nothing linked is in place: planned: A.5.24"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_bad_framework_file_is_located() {
    let dir = acme_copy();
    append(&dir.path().join("isms.toml"), CUSTOM_ENTRY);
    let controls = dir.path().join("frameworks/customer-schedule/controls.csv");
    append(
        &controls,
        "CS-9.9,A.5.1,subset,\nCS-3.2,A.12.3.1,subset,\nCS-3.2,A.8.13,covers,11\n",
    );
    replace(
        &dir.path().join("frameworks/customer-schedule/clauses.csv"),
        "CS-1.2,9.3,",
        "CS-1.2,9.9,",
    );
    let run = isms(&[
        "coverage",
        dir.path().to_str().unwrap(),
        "--framework",
        "customer-schedule",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines = headlines(&run.stderr);
    let all = lines.join("\n");
    let file = "frameworks/customer-schedule/controls.csv";
    assert!(
        all.contains(&format!(
            "{file}:14:1: `requirement`: unknown requirement `CS-9.9`"
        )),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "{file}:15:8: `control`: `A.12.3.1` is ISO/IEC 27001:2013; in 2022 it is A.8.13"
        )),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "{file}:16:15: `relationship`: unknown relationship `covers`"
        )),
        "{all}"
    );
    assert!(
        all.contains(&format!("{file}:16:22:")),
        "strength 11: {all}"
    );
    assert!(
        all.contains(
            "frameworks/customer-schedule/clauses.csv:2:8: `clause`: unknown clause `9.9`"
        ),
        "{all}"
    );
    // A missing file is located at its entry in isms.toml; a duplicate id too.
    let dir = acme_copy();
    append(
        &dir.path().join("isms.toml"),
        &CUSTOM_ENTRY.replace("controls.csv", "missing.csv"),
    );
    append(
        &dir.path().join("isms.toml"),
        &CUSTOM_ENTRY.replace("customer-schedule\"\ntitle", "nis2\"\ntitle"),
    );
    let run = isms(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("isms.toml:"), "{}", run.stderr);
    assert!(run.stderr.contains("missing.csv"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("framework id `nis2` is the id of a built-in framework"),
        "{}",
        run.stderr
    );
}
