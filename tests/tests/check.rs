//! `isms check`: the example validates; broken workspaces report every problem with its place.

mod common;

use common::{headlines, isms};

#[test]
fn acme_example_is_valid_and_summarised() {
    let run = isms(&["check", "examples/acme"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("is valid"), "{}", run.stdout);
    assert!(run.stdout.contains("iso27001-2022 (93 controls)"));
    assert!(
        run.stdout.contains("93 of 93 controls declared"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "nis2-2024-2690 (declared): 349 requirements, 730 control and 195 clause links, 24 unmapped"
        ),
        "{}",
        run.stdout
    );

    let run = isms(&["check", "examples/acme", "--format", "json"]);
    assert_eq!(run.code, 0);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(summary["assets"].as_u64().unwrap() >= 200);
    assert_eq!(summary["soa_entries"], 93);
    assert!(summary["files"].as_array().unwrap().len() >= 7);
}

#[test]
fn broken_workspace_reports_every_problem_with_its_location() {
    let run = isms(&["check", "tests/fixtures/broken"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    // An asset file could not be read and a row was lost, so no reference to an asset can be
    // judged: `A9` and `A404` may be among the lost ones, and are not reported (they would be
    // noise if they are; the next run reports them once the assets are read).
    assert_eq!(
        headlines(&run.stderr),
        [
            "isms.toml:11:7: cannot read no-such-file.csv: No such file or directory (os error 2)",
            "assets.csv:3:32: `confidentiality`: expected a whole number, found `high`",
            "assets.csv:4:1: `id`: duplicate asset id `A1` (first defined at assets.csv:2)",
            "assets.csv:5:1: row on line 5 has 3 fields but the header has 9",
            "assets.csv:7:12: `type`: unknown value `gadget`: expected one of information, software, hardware, service, network, people, site, supplier",
            "risks.json:3:80: `likelihood`: 7 is out of range: expected 1 to 5",
            "risks.json:4:118: `accepted_on`: expected a date as YYYY-MM-DD, found `14/03/2026`",
            "plan.ndjson:2:43: `controls`: `A.9.2.1` is ISO/IEC 27001:2013; in 2022 it is A.5.16",
            "plan.ndjson:3:52: malformed JSON: EOF while parsing a value",
            "plan.ndjson:4:23: `risks`: unknown risk `R9`",
            "plan.ndjson:4:64: `status`: unknown value `someday`: expected one of planned, in_progress, done, cancelled",
            "soa.csv:3:1: `control`: unknown control `A.5.99` in iso27001-2022",
            "soa.csv:4:7: `applicable`: expected yes or no, found `maybe`",
            "soa.csv:5:1: `control`: control `A.5.1` appears twice in the SoA (first at soa.csv:2)",
        ]
    );
    // The 2013 id gets advice, and the source line is shown under the headline.
    assert!(
        run.stderr
            .contains("write A.5.16 instead, or run `isms migrate`")
    );
    assert!(
        run.stderr
            .contains("3 │ A2,Laptop,hardware,IT,internal,high,2,2,A1")
    );
    assert!(run.stderr.contains("the workspace has 14 error(s)"));
}

#[test]
fn dependency_cycle_is_named() {
    let run = isms(&["check", "tests/fixtures/cycle"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        headlines(&run.stderr),
        ["assets.csv:2:1: `depends_on`: dependency cycle: APP -> VM -> HOST -> APP"]
    );
}

#[test]
fn missing_workspace_and_bad_manifest_exit_2() {
    let run = isms(&["check", "tests/fixtures/does-not-exist"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no workspace at tests/fixtures/does-not-exist"),
        "{}",
        run.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("isms.toml"),
        "[workspace]\nprofile = \"p.toml\"\ncolour = 3\n[inputs]\nassets = \"a.csv\"\n",
    )
    .unwrap();
    let run = isms(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let h = headlines(&run.stderr);
    assert_eq!(h.len(), 1, "{}", run.stderr);
    assert!(
        h[0].starts_with("isms.toml:3:1: unknown field `colour`"),
        "{}",
        h[0]
    );
}

#[test]
fn non_utf8_file_is_reported_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("isms.toml"),
        "[workspace]\nprofile = \"p.toml\"\n[inputs]\nassets = \"a.csv\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("p.toml"), "name = \"X\"\n").unwrap();
    std::fs::write(dir.path().join("a.csv"), b"id,name,type\nA1,Caf\xE9,site\n").unwrap();
    let run = isms(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("a.csv:2:7: the file is not valid UTF-8"),
        "{}",
        run.stderr
    );
}

#[test]
fn generated_workspace_is_valid_and_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [&a, &b] {
        let run = isms(&[
            "generate",
            "--assets",
            "2000",
            "--seed",
            "42",
            "--out",
            dir.path().to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    for name in [
        "assets.csv",
        "risks.csv",
        "treatment_plan.csv",
        "soa.csv",
        "isms.toml",
    ] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name} differs between runs with the same seed"
        );
    }
    let run = isms(&["check", a.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["assets"], 2000);
    assert_eq!(summary["risks"], 200);

    // A non-empty directory is refused without --force.
    let run = isms(&[
        "generate",
        "--assets",
        "10",
        "--out",
        a.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
}
