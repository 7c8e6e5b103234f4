//! `isms gaps`, `isms soa`, `isms explain <control>` and `isms schema` end to end on the
//! bundled example.

mod common;

use common::{isms, root};

/// The deliberate mistakes of examples/acme (see its README), as (code, objects): the gap
/// report must hold exactly these, in this order.
const ACME_GAPS: &[(&str, &[&str])] = &[
    ("GAP-RISK-UNTREATED", &["RSK-021"]),
    ("GAP-PLAN-CONTROL-EXCLUDED", &["ACT-021", "A.8.12"]),
    (
        "GAP-EXCLUDED-BUT-REQUIRED",
        &["A.8.24", "REQ-GDPR", "AP-CRYPTO"],
    ),
    // Excluded without a word although cabling protects the network links that 12
    // eavesdropping scenarios above the appetite depend on.
    ("GAP-EXCLUDED-MITIGATES-RISK", &["A.7.12"]),
    ("GAP-IMPLEMENTED-ACTIONS-OPEN", &["A.8.8"]),
    ("GAP-TOLERATED-NO-ACCEPTANCE", &["RSK-017"]),
    ("GAP-LEAVER-ACCOUNT-ACTIVE", &["P-0113", "ACC-0029"]),
    ("GAP-EXCLUSION-UNJUSTIFIED", &["A.7.12"]),
    ("GAP-IMPLEMENTED-NO-EVIDENCE", &["A.5.15"]),
    ("GAP-TRANSFER-NO-REFERENCE", &["RSK-018"]),
    ("GAP-TERMINATE-ASSET-ACTIVE", &["RSK-019", "AWS-040"]),
    ("GAP-ACTION-OVERDUE", &["ACT-047", "RSK-039"]),
    ("GAP-ASSET-NO-OWNER", &["AST-0162"]),
    ("GAP-AUDITOR-NOT-INDEPENDENT", &["IA-2026-02"]),
    ("GAP-NC-NO-ROOT-CAUSE", &["F-2026-02", "CA-2026-02"]),
    ("GAP-CA-OVERDUE", &["CA-2026-01", "F-2026-01"]),
    ("GAP-CA-NOT-VERIFIED", &["CA-2025-02", "F-2025-02"]),
    ("GAP-REVIEW-INPUTS-MISSING", &["MR-2026-01"]),
    ("GAP-DOC-REVIEW-OVERDUE", &["DOC-021"]),
    ("GAP-LEAVER-ACCESS-LAPSE", &["P-0111", "ACC-0025"]),
    ("GAP-ASSET-UNCLASSIFIED", &["AST-0160"]),
    (
        "GAP-COPY-PASTE-ASSESSMENT",
        &["RSK-022", "RSK-023", "AST-0199", "AST-0209"],
    ),
];

fn report() -> serde_json::Value {
    let run = isms(&["gaps", "examples/acme", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn acme_gaps_are_exactly_the_deliberate_mistakes() {
    let r = report();
    let found: Vec<(String, Vec<String>)> = r["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["code"].as_str().unwrap().to_owned(),
                g["objects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["id"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    let expected: Vec<(String, Vec<String>)> = ACME_GAPS
        .iter()
        .map(|(c, o)| ((*c).to_owned(), o.iter().map(|s| (*s).to_owned()).collect()))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(r["schema"], "isms/report/v1");
    assert_eq!(r["summary"]["gaps_by_severity"]["critical"], 1);
}

#[test]
fn fail_on_sets_the_exit_code() {
    let run = isms(&["gaps", "examples/acme", "--fail-on", "critical"]);
    assert_eq!(run.code, 1, "RSK-021 is critical");
    assert!(run.stdout.contains("GAP-RISK-UNTREATED"));
    let run = isms(&["gaps", "examples/acme"]);
    assert_eq!(run.code, 0, "no --fail-on, no failure");
    // A workspace whose only gaps are low severity passes --fail-on medium.
    let run = isms(&["gaps", "tests/fixtures/broken", "--fail-on", "low"]);
    assert_eq!(run.code, 2, "bad input beats gaps");
}

#[test]
fn gaps_in_every_text_format() {
    let run = isms(&["gaps", "examples/acme", "--format", "csv"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.lines().count(), ACME_GAPS.len() + 1);
    assert!(
        run.stdout
            .starts_with("severity,code,objects,message,action,at\n")
    );
    let run = isms(&["gaps", "examples/acme", "--format", "md"]);
    assert!(
        run.stdout
            .contains("| critical | GAP-RISK-UNTREATED | RSK-021 |"),
        "{}",
        run.stdout
    );
    let run = isms(&["gaps", "examples/acme"]);
    assert!(
        run.stdout
            .contains("22 gaps: 1 critical, 6 high, 13 medium, 2 low, 0 info"),
        "{}",
        run.stdout
    );
}

#[test]
fn soa_lists_every_control_with_its_justification() {
    let run = isms(&["soa", "examples/acme", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 94);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("A.8.24,"))
        .unwrap();
    assert!(
        line.contains(",yes,reasons,"),
        "A.8.24 applies by its reasons: {line}"
    );
    assert!(
        line.contains("Legal requirement: REQ-GDPR: EU GDPR"),
        "{line}"
    );
}

#[test]
fn explain_a_control() {
    let run = isms(&["explain", "examples/acme", "A.8.24"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("A.8.24  Use of cryptography"));
    assert!(
        run.stdout.contains("[Legal requirement] REQ-GDPR: EU GDPR"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("[Business rule] rule AP-CRYPTO (inventory.classifications.confidential = "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Declared SoA: excluded"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("GAP-EXCLUDED-BUT-REQUIRED"),
        "{}",
        run.stdout
    );
}

#[test]
fn published_schema_matches_the_report_types() {
    let run = isms(&["schema"]);
    assert_eq!(run.code, 0);
    let published = std::fs::read_to_string(root().join("schemas/report.v1.json")).unwrap();
    assert_eq!(
        run.stdout, published,
        "regenerate with `isms schema > schemas/report.v1.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&published).unwrap();
    let required = schema["required"].as_array().unwrap();
    for field in ["schema", "gaps", "soa", "heatmap", "inputs"] {
        assert!(required.iter().any(|f| f == field), "{field} is required");
    }
}

#[test]
fn report_markdown_has_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.md");
    let run = isms(&[
        "report",
        "examples/acme",
        "--format",
        "md",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = std::fs::read_to_string(out).unwrap();
    for h in [
        "## Summary",
        "### Inherent risk",
        "### Residual risk",
        "## Risk register",
        "## Statement of Applicability",
        "## Gaps",
        "### critical (1)",
        "## Inputs",
    ] {
        assert!(md.contains(h), "{h} missing");
    }
    assert!(md.contains("| isms.toml |"));
}

#[test]
fn the_terminal_table_starts_with_the_summary_and_filters_select_rows() {
    let run = isms(&["gaps", "examples/acme"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first = run.stdout.lines().next().unwrap();
    // The summary comes first: the count by severity, then by code.
    assert!(first.contains(" gaps: 1 critical, "), "{first}");
    assert!(
        run.stdout
            .contains("        1  critical  GAP-RISK-UNTREATED"),
        "{}",
        run.stdout
    );

    let csv = |extra: &[&str]| {
        let mut args = vec!["gaps", "examples/acme", "--format", "csv"];
        args.extend_from_slice(extra);
        let run = isms(&args);
        assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
        run.stdout
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let all = csv(&[]);
    let high = csv(&["--severity", "high"]);
    assert!(!high.is_empty() && high.len() < all.len());
    assert!(
        high.iter()
            .all(|l| l.starts_with("critical,") || l.starts_with("high,"))
    );
    let ca = csv(&["--code", "GAP-CA-*"]);
    assert_eq!(ca.len(), 2, "{ca:?}");
    assert!(ca.iter().all(|l| l.contains(",GAP-CA-")));
    let about = csv(&["--asset", "AST-0162"]);
    assert_eq!(about.len(), 1, "{about:?}");
    assert!(about[0].contains("GAP-ASSET-NO-OWNER"));
    assert_eq!(csv(&["--limit", "3"]), all[..3].to_vec());
    // json and xlsx hold every gap: a filter there is a usage error, not a silent no-op.
    let refused = isms(&["gaps", "examples/acme", "--format", "json", "--code", "X"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("json and xlsx always hold every gap")
    );
}
