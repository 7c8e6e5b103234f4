//! `isms risks` and `isms explain` end to end, and identical output for any thread count.

mod common;

use common::isms;

#[test]
fn acme_register_is_printed_with_levels() {
    let run = isms(&[
        "risks",
        "examples/acme",
        "--source",
        "register",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut rows = csv_rows(&run.stdout);
    let header = rows.remove(0);
    assert_eq!(header[0], "id");
    assert!(rows.len() >= 30);
    // Every register row has its inherent level from the 5x5 matrix cell of its values.
    let level = |l: &str, i: &str| -> &'static str {
        const GRID: [[&str; 5]; 5] = [
            ["very low", "very low", "low", "low", "low"],
            ["very low", "low", "low", "medium", "medium"],
            ["low", "low", "medium", "high", "high"],
            ["low", "medium", "high", "high", "very high"],
            ["medium", "high", "high", "very high", "very high"],
        ];
        GRID[l.parse::<usize>().unwrap() - 1][i.parse::<usize>().unwrap() - 1]
    };
    for r in &rows {
        assert_eq!(r[8], level(&r[6], &r[7]), "inherent of {}", r[0]);
        assert_eq!(r[11], level(&r[9], &r[10]), "residual of {}", r[0]);
    }
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| {
            let mut out = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            let mut chars = l.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' if quoted && chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    '"' => quoted = !quoted,
                    ',' if !quoted => out.push(std::mem::take(&mut cur)),
                    c => cur.push(c),
                }
            }
            out.push(cur);
            out
        })
        .collect()
}

#[test]
fn explain_shows_each_step() {
    let run = isms(&["explain", "examples/acme", "RSK-007"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for step in [
        "1. Base values",
        "4. Inherent risk, before existing controls (matrix)",
        "5. No control of the SoA is linked to this threat",
        "6. Treatment plan",
        "7. Acceptance",
    ] {
        assert!(run.stdout.contains(step), "{step} missing:\n{}", run.stdout);
    }
    let run = isms(&["explain", "examples/acme", "RSK-007", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["id"], "RSK-007");
    let run = isms(&["explain", "examples/acme", "NO-SUCH-RISK"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no risk `NO-SUCH-RISK`"));
}

#[test]
fn output_is_identical_for_1_2_and_8_threads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = isms(&[
        "generate", "--assets", "3000", "--seed", "5", "--out", out, "--force",
    ]);
    assert_eq!(run.code, 0);
    for ws in [out, "examples/acme"] {
        let outputs: Vec<String> = ["1", "2", "8"]
            .iter()
            .map(|t| {
                let run = isms(&[
                    "--threads",
                    t,
                    "risks",
                    ws,
                    "--format",
                    "json",
                    "--sort",
                    "none",
                    "--source",
                    "all",
                ]);
                assert_eq!(run.code, 0, "{}", run.stderr);
                run.stdout
            })
            .collect();
        assert!(outputs[0].len() > 1000);
        assert_eq!(outputs[0], outputs[1], "1 vs 2 threads on {ws}");
        assert_eq!(outputs[0], outputs[2], "1 vs 8 threads on {ws}");
    }
}

#[test]
fn risks_json_document_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("risks.json");
    let run = isms(&[
        "risks",
        "examples/acme",
        "--format",
        "json",
        "--source",
        "all",
        "--min-level",
        "4",
        "--limit",
        "5",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(v["schema"], "isms/risks/v1");
    let risks = v["risks"].as_array().unwrap();
    assert_eq!(risks.len(), 5);
    assert!(
        risks
            .iter()
            .all(|r| r["residual"]["level"].as_u64().unwrap() >= 4)
    );
    assert!(
        v["total"].as_u64().unwrap() > 1000,
        "generated scenarios are counted"
    );
}

#[test]
fn min_level_takes_a_value_or_a_level_name() {
    let by = |level: &str| {
        let run = isms(&[
            "risks",
            "examples/acme",
            "--format",
            "csv",
            "--min-level",
            level,
        ]);
        assert_eq!(run.code, 0, "{level}: {}", run.stderr);
        run.stdout
    };
    // The acme matrix names level 4 `high`; names fold case and separators.
    assert_eq!(by("4"), by("high"));
    assert_eq!(by("5"), by("Very-High"));
    let bad = isms(&["risks", "examples/acme", "--min-level", "severe"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("4 (high)"), "{}", bad.stderr);
}

#[test]
fn the_register_is_the_default_and_generated_scenarios_come_on_request() {
    let csv = |extra: &[&str]| {
        let mut args = vec!["risks", "examples/acme", "--format", "csv"];
        args.extend_from_slice(extra);
        let run = isms(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
    };
    let default = csv(&[]);
    assert_eq!(default, csv(&["--source", "register"]));
    let register_rows = default.lines().count() - 1;
    assert!((30..100).contains(&register_rows), "{register_rows}");
    assert!(csv(&["--source", "all"]).lines().count() > 1000);
}
