//! End-to-end tests of `isms migrate`, `isms diff`, `isms completions`, `isms man` and `--timings`.

mod common;

use std::path::Path;

use common::{copy_dir, isms, root};

const NEW_2022: [&str; 11] = [
    "A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11", "A.8.12", "A.8.16",
    "A.8.23", "A.8.28",
];

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn migrate_converts_the_legacy_example_and_the_result_checks_clean() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("ws");
    let run = isms(&[
        "migrate",
        "examples/legacy-2013",
        "--output-dir",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run.stdout);
    let c = &v["counts"];
    let counts: Vec<u64> = [
        "soa_rows_in",
        "soa_rows_out",
        "carried",
        "merged",
        "merged_with_conflicts",
        "split",
        "new_controls",
        "not_in_soa",
        "actions_changed",
    ]
    .iter()
    .map(|k| c[k].as_u64().unwrap())
    .collect();
    assert_eq!(counts, [16, 22, 5, 6, 4, 1, 11, 71, 3]);
    assert_eq!(v["loads"], true);
    // Every control new in 2022 is flagged and written as an undecided row.
    let new: Vec<&str> = v["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "new")
        .map(|c| c["control"].as_str().unwrap())
        .collect();
    assert_eq!(new, NEW_2022);
    let soa = std::fs::read_to_string(dir.join("soa.csv")).unwrap();
    for id in NEW_2022 {
        let row = soa
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("{id} missing"));
        assert!(
            row.contains(",yes,\"UNDECIDED: new in ISO/IEC 27001:2022"),
            "{row}"
        );
        assert!(row.ends_with(",not_implemented,"), "{row}");
    }
    // A merged control whose 2013 rows disagree: both rows shown, the disagreement named.
    let a517 = v["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == "A.5.17")
        .unwrap();
    assert_eq!(a517["kind"], "merged");
    assert_eq!(a517["sources"].as_array().unwrap().len(), 2);
    assert_eq!(
        a517["conflicts"],
        serde_json::json!([
            "applicability differs: A.9.2.4 yes, A.9.3.1 no",
            "status differs: A.9.2.4 implemented, A.9.3.1 not_implemented"
        ])
    );
    assert!(
        soa.contains("A.5.17,yes,\"RECONCILE (merged from A.9.2.4, A.9.3.1; applicability differs")
    );
    assert_eq!(v["splits"][0]["control"], "A.18.2.3");
    let plan = std::fs::read_to_string(dir.join("treatment_plan.csv")).unwrap();
    assert!(plan.contains(",RSK-02,A.5.17;A.8.5,CISO,"), "{plan}");
    // The migrated workspace loads as a 2022 workspace.
    let check = isms(&["check", dir.to_str().unwrap()]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check.stdout.contains("iso27001-2022 (93 controls)"),
        "{}",
        check.stdout
    );
    // The table names the conflict with both source rows.
    let table = isms(&[
        "migrate",
        "examples/legacy-2013",
        "--output-dir",
        out.path().join("t").to_str().unwrap(),
    ]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table
            .stdout
            .contains("A.5.17 Authentication information - RECONCILE: applicability differs")
    );
    assert!(
        table
            .stdout
            .contains("A.9.3.1 (soa.csv:8): applicable no, not_implemented")
    );
}

#[test]
fn migrate_writes_beside_the_inputs_and_never_overwrites_them() {
    let ws = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/legacy-2013"), ws.path());
    let before = std::fs::read(ws.path().join("soa.csv")).unwrap();
    let dir = ws.path().to_str().unwrap();
    let run = isms(&["migrate", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read(ws.path().join("soa.csv")).unwrap(), before);
    let manifest = std::fs::read_to_string(ws.path().join("isms.2022.toml")).unwrap();
    assert!(manifest.contains("catalog = \"iso27001-2022\""));
    assert!(manifest.contains("soa = \"soa.2022.csv\""));
    assert!(manifest.contains("profile = \"profile.2022.toml\""));
    assert!(manifest.contains("assets = \"assets.csv\""));
    let m = ws.path().join("isms.2022.toml");
    assert_eq!(isms(&["check", m.to_str().unwrap()]).code, 0);
    // A second run refuses to replace its outputs; a 2022 workspace has nothing to migrate.
    let again = isms(&["migrate", dir]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    let acme = isms(&["migrate", "examples/acme"]);
    assert_eq!(acme.code, 2);
    assert!(
        acme.stderr.contains("nothing to migrate"),
        "{}",
        acme.stderr
    );
}

#[test]
fn migrate_converts_2013_ids_left_in_a_2022_workspace() {
    let ws = tempfile::tempdir().unwrap();
    let bad = root().join("tests/bad-inputs");
    copy_dir(&bad.join("base"), ws.path());
    for case in ["control-2013-in-2022", "control-2013-in-plan"] {
        copy_dir(&bad.join("cases").join(case), ws.path());
    }
    let dir = ws.path().to_str().unwrap();
    // The diagnostic names the 2022 successor; the help points at isms migrate.
    let check = isms(&["check", dir]);
    assert_eq!(check.code, 2);
    assert!(
        check.stderr.contains(
            "soa.csv:3:1: `control`: `A.9.2.1` is ISO/IEC 27001:2013; in 2022 it is A.5.16"
        ),
        "{}",
        check.stderr
    );
    assert!(check.stderr.contains("run `isms migrate` on the workspace"));
    // isms migrate converts them, keeps the 2022 ids, and the result loads.
    let run = isms(&["migrate", dir]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("1 kept with 2022 ids"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("A.12.3.1 (soa.csv:4) -> A.8.13 Information backup"),
        "{}",
        run.stdout
    );
    let soa = std::fs::read_to_string(ws.path().join("soa.2022.csv")).unwrap();
    assert_eq!(
        soa,
        "control,applicable,justification,status,evidence\nA.5.17,yes,Admin access to customer data,partial,POL-1\nA.5.16,yes,Admin access to customer data,partial,POL-1\nA.8.13,yes,Customer data is encrypted,implemented,KMS export\n"
    );
    let plan = std::fs::read_to_string(ws.path().join("treatment_plan.2022.csv")).unwrap();
    assert!(
        plan.contains("TP1,Enforce MFA for admins,R1,A.5.17;A.8.5,"),
        "{plan}"
    );
    let manifest = ws.path().join("isms.2022.toml");
    assert_eq!(isms(&["check", manifest.to_str().unwrap()]).code, 0);
    // A 2022 workspace that fails to load for another reason is not "migrated".
    let other = tempfile::tempdir().unwrap();
    copy_dir(&bad.join("base"), other.path());
    copy_dir(&bad.join("cases/bool-maybe"), other.path());
    std::fs::remove_file(other.path().join("expect.toml")).unwrap();
    let run = isms(&["migrate", other.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("the workspace has"), "{}", run.stderr);
    assert!(!other.path().join("isms.2022.toml").exists());
}

fn report(dir: &Path, as_of: &str, out: &Path) {
    let run = isms(&[
        "report",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--as-of",
        as_of,
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn diff_reports_level_control_and_gap_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("acme");
    std::fs::create_dir(&ws).unwrap();
    copy_dir(&root().join("examples/acme"), &ws);
    let old = tmp.path().join("old.json");
    report(&ws, "2026-11-01", &old);
    // ACT-004 (RSK-002, likelihood -2 once done) reopened; the SoA downgrades A.5.1.
    let edit = |file: &str, from: &str, to: &str| {
        let path = ws.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "treatment_plan.csv",
        ",A.5.17,Head of Engineering,2026-08-31,done,2026-08-14,",
        ",A.5.17,Head of Engineering,2026-08-31,in_progress,,",
    );
    edit(
        "soa.csv",
        "published to all staff.,implemented,",
        "published to all staff.,partial,",
    );
    let new = tmp.path().join("new.json");
    report(&ws, "2026-11-01", &new);
    let run = isms(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run.stdout);
    let rsk = v["risks_changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "RSK-002")
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(rsk["why"].as_str().unwrap().contains("likelihood"), "{rsk}");
    assert!(
        rsk["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "residual.likelihood")
    );
    let a51 = v["controls_changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == "A.5.1")
        .unwrap();
    assert_eq!(
        a51["changes"][0],
        serde_json::json!({"field": "status", "from": "implemented", "to": "partial"})
    );
    // ACT-004 is open past its due date now: a gap opened, none closed.
    let opened: Vec<&str> = v["gaps_opened"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert!(opened.contains(&"GAP-ACTION-OVERDUE"), "{opened:?}");
    assert_eq!(v["counts"]["gaps_closed"], 0);
    // The same two evaluations compare equal to themselves.
    let same = isms(&[
        "diff",
        old.to_str().unwrap(),
        old.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let s = json(&same.stdout);
    assert_eq!(
        s["counts"],
        serde_json::json!({"risks_changed": 0, "risks_added": 0, "risks_removed": 0, "controls_changed": 0, "gaps_opened": 0, "gaps_closed": 0, "coverage_changed": 0})
    );
}

#[test]
fn diff_of_two_dates_fails_on_opened_gaps_and_locates_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let acme = root().join("examples/acme");
    let (old, new) = (tmp.path().join("old.json"), tmp.path().join("new.json"));
    report(&acme, "2026-06-01", &old);
    report(&acme, "2026-11-01", &new);
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let run = isms(&["diff", o, n]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Gaps opened (5)"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("[high] GAP-LEAVER-ACCOUNT-ACTIVE (P-0113, ACC-0029)")
    );
    assert!(
        run.stdout
            .contains("[medium] GAP-LEAVER-ACCESS-LAPSE (P-0111, ACC-0025)"),
        "{}",
        run.stdout
    );
    assert_eq!(isms(&["diff", o, n, "--fail-on", "high"]).code, 1);
    assert_eq!(isms(&["diff", o, n, "--fail-on", "critical"]).code, 0);
    // Closing is the reverse direction.
    let back = isms(&["diff", n, o, "--format", "md"]);
    assert!(
        back.stdout.contains("## Gaps closed (5)"),
        "{}",
        back.stdout
    );
    // Bad JSON and a wrong schema: file, line and column, exit 2.
    let bad = tmp.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"schema\": \"isms/report/v1\",\n  \"risks\": [,]\n}",
    )
    .unwrap();
    let run = isms(&["diff", bad.to_str().unwrap(), n]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("bad.json:3:13: not JSON"),
        "{}",
        run.stderr
    );
    std::fs::write(&bad, "{\"schema\": \"isms/report/v9\"}").unwrap();
    let run = isms(&["diff", o, bad.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("bad.json:1:2: schema `isms/report/v9`"),
        "{}",
        run.stderr
    );
}

const SUBCOMMANDS: [&str; 16] = [
    "check",
    "risks",
    "explain",
    "soa",
    "gaps",
    "report",
    "readiness",
    "schema",
    "plugin",
    "catalog",
    "generate",
    "migrate",
    "diff",
    "completions",
    "man",
    "help",
];

#[test]
fn completions_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = isms(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for sub in &SUBCOMMANDS[..15] {
            assert!(run.stdout.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    assert_eq!(isms(&["completions", "tcsh"]).code, 2);
}

#[test]
fn man_page_has_name_synopsis_and_every_subcommand() {
    let run = isms(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = &run.stdout;
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{}", &page[..80]);
    assert!(page.contains(".SH NAME\nisms"));
    assert!(page.contains(".SH SYNOPSIS"));
    for sub in &SUBCOMMANDS[..15] {
        assert!(
            page.contains(&format!("\\fBisms {sub}\\fR")),
            "man page lacks {sub}"
        );
    }
    assert!(page.contains("\\fBisms plugin new\\fR"));
    // Every command's options, and the exit status, are in the overview page too.
    assert!(
        page.contains("\\-\\-min\\-level <MIN_LEVEL>"),
        "risks options"
    );
    assert!(page.contains("\\-\\-fail\\-on"), "gaps options");
    assert!(page.contains(".SH \"EXIT STATUS\""));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("isms.1");
    assert_eq!(isms(&["man", "--output", file.to_str().unwrap()]).code, 0);
    assert_eq!(std::fs::read_to_string(file).unwrap(), *page);
}

/// Runs `isms` with both output streams closed before it writes, as `isms … 2>&1 | head -0`
/// leaves them, and returns its exit code.
fn exit_code_with_closed_pipes(args: &[&str]) -> i32 {
    let mut child = std::process::Command::new(common::isms_bin())
        .args(args)
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    child.wait().unwrap().code().unwrap_or(-1)
}

#[test]
fn closed_pipes_end_quietly_with_the_usual_exit_code() {
    // A clean report (stdout only), then a bad workspace (diagnostics on stderr): a closed
    // reader is not an error, and never a panic (exit 101).
    assert_eq!(exit_code_with_closed_pipes(&["gaps", "examples/acme"]), 0);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("isms.toml"), "[workspace]\nprofile = 3\n").unwrap();
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(exit_code_with_closed_pipes(&["check", dir]), 2);
    assert_eq!(exit_code_with_closed_pipes(&["gaps", dir]), 2);
}

#[test]
fn man_pages_per_command_and_exit_codes_in_help() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let run = isms(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in [
        "isms",
        "isms-gaps",
        "isms-risks",
        "isms-plugin-new",
        "isms-catalog-show",
    ] {
        let text = std::fs::read_to_string(dir.join(format!("{page}.1"))).unwrap();
        assert!(text.contains(".SH OPTIONS"), "{page}");
        assert!(text.contains(".SH \"EXIT STATUS\""), "{page}");
    }
    let gaps = std::fs::read_to_string(dir.join("isms-gaps.1")).unwrap();
    assert!(gaps.contains("\\fB\\-\\-fail\\-on\\fR"), "{gaps}");
    for args in [
        &["--help"][..],
        &["gaps", "--help"],
        &["plugin", "new", "--help"],
    ] {
        let help = isms(args);
        assert_eq!(help.code, 0);
        assert!(
            help.stdout.contains("Exit status: 0"),
            "{args:?}: {}",
            help.stdout
        );
    }
}

#[test]
fn long_runs_show_their_stage_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("gaps.json");
    let file = file.to_str().unwrap();
    // A pseudo-terminal through util-linux `script`: there stderr is a terminal.
    let command = format!(
        "{} gaps examples/acme --format json --output {file}",
        common::isms_bin().display()
    );
    let run = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(root())
        .env_remove("NO_PROGRESS")
        .output()
        .expect("util-linux `script` runs a command on a pseudo-terminal");
    assert!(run.status.success(), "{run:?}");
    let terminal = String::from_utf8_lossy(&run.stdout);
    assert!(terminal.contains("loading examples/acme"), "{terminal:?}");
    // Through pipes (logs, CI) nothing is drawn: stderr stays empty.
    let piped = isms(&[
        "gaps",
        "examples/acme",
        "--format",
        "json",
        "--output",
        file,
    ]);
    assert_eq!(piped.code, 0);
    assert!(piped.stderr.is_empty(), "{}", piped.stderr);
}

/// `--timings` names every stage on stderr and changes nothing on stdout.
#[test]
fn timings_name_each_stage_and_leave_the_output_alone() {
    let plain = isms(&["gaps", "examples/acme", "--format", "json"]);
    let timed = isms(&["--timings", "gaps", "examples/acme", "--format", "json"]);
    assert_eq!(timed.code, 0, "{}", timed.stderr);
    assert_eq!(plain.stdout, timed.stdout);
    assert!(!plain.stderr.contains("timings:"));
    let stages = [
        "load",
        "risk assessment",
        "SoA and custom checks",
        "gap checks",
        "readiness",
        "framework coverage",
        "report building",
        "rendering and writing",
        "total",
    ];
    let table: Vec<&str> = timed
        .stderr
        .lines()
        .skip_while(|l| *l != "timings:")
        .skip(2)
        .map(|l| l.trim_start().split("  ").next().unwrap_or(""))
        .collect();
    assert_eq!(table, stages, "{}", timed.stderr);
}
