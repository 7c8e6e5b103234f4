//! `isms readiness` end to end: the exact checklist of examples/acme, formats, exit codes,
//! workspaces without operating-cycle inputs, a ready workspace and bad input.

mod common;

use common::{headlines, isms, root, workspace};

/// The requirements examples/acme fails, with the gaps behind each (code, objects). The
/// operating-cycle lapses are those its README lists; the others come from its planted
/// register, plan and SoA mistakes.
/// (gap code, object ids).
type Gaps<'a> = &'a [(&'a str, &'a [&'a str])];
/// Per failed item: (item id, its gaps).
type Failures = Vec<(String, Vec<(String, Vec<String>)>)>;

const ACME_FAILURES: &[(&str, Gaps)] = &[
    ("S1-DOC-A.5.19", &[("GAP-DOC-REVIEW-OVERDUE", &["DOC-021"])]),
    (
        "S1-SOA",
        &[
            ("GAP-PLAN-CONTROL-EXCLUDED", &["ACT-021", "A.8.12"]),
            (
                "GAP-EXCLUDED-BUT-REQUIRED",
                &["A.8.24", "REQ-GDPR", "AP-CRYPTO"],
            ),
            ("GAP-EXCLUDED-MITIGATES-RISK", &["A.7.12"]),
            ("GAP-EXCLUSION-UNJUSTIFIED", &["A.7.12"]),
        ],
    ),
    (
        "S1-RISK-ASSESSMENT",
        &[
            ("GAP-RISK-UNTREATED", &["RSK-021"]),
            ("GAP-ASSET-NO-OWNER", &["AST-0162"]),
            ("GAP-ASSET-UNCLASSIFIED", &["AST-0160"]),
            (
                "GAP-COPY-PASTE-ASSESSMENT",
                &["RSK-022", "RSK-023", "AST-0199", "AST-0209"],
            ),
        ],
    ),
    (
        "S1-RISK-TREATMENT",
        &[
            ("GAP-TOLERATED-NO-ACCEPTANCE", &["RSK-017"]),
            ("GAP-TRANSFER-NO-REFERENCE", &["RSK-018"]),
            ("GAP-TERMINATE-ASSET-ACTIVE", &["RSK-019", "AWS-040"]),
        ],
    ),
    (
        "S2-AUDITOR-INDEPENDENCE",
        &[("GAP-AUDITOR-NOT-INDEPENDENT", &["IA-2026-02"])],
    ),
    (
        "S2-NC-ROOT-CAUSE",
        &[("GAP-NC-NO-ROOT-CAUSE", &["F-2026-02", "CA-2026-02"])],
    ),
    (
        "S2-CA-ON-TIME",
        &[("GAP-CA-OVERDUE", &["CA-2026-01", "F-2026-01"])],
    ),
    (
        "S2-CA-EFFECTIVE",
        &[("GAP-CA-NOT-VERIFIED", &["CA-2025-02", "F-2025-02"])],
    ),
    (
        "S2-REVIEW-INPUTS",
        &[("GAP-REVIEW-INPUTS-MISSING", &["MR-2026-01"])],
    ),
    (
        "S2-TREATMENT",
        &[
            ("GAP-IMPLEMENTED-ACTIONS-OPEN", &["A.8.8"]),
            ("GAP-ACTION-OVERDUE", &["ACT-047", "RSK-039"]),
        ],
    ),
    (
        "S2-CONTROL-EVIDENCE",
        &[("GAP-IMPLEMENTED-NO-EVIDENCE", &["A.5.15"])],
    ),
    (
        "S2-LEAVERS",
        &[
            ("GAP-LEAVER-ACCOUNT-ACTIVE", &["P-0113", "ACC-0029"]),
            ("GAP-LEAVER-ACCESS-LAPSE", &["P-0111", "ACC-0025"]),
        ],
    ),
];

fn json(dir: &str) -> (i32, serde_json::Value) {
    let run = isms(&["readiness", dir, "--format", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    (run.code, serde_json::from_str(&run.stdout).unwrap())
}

fn items(r: &serde_json::Value) -> Vec<serde_json::Value> {
    r["readiness"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap().clone())
        .collect()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn acme_fails_exactly_its_deliberate_lapses() {
    let (code, r) = json("examples/acme");
    assert_eq!(code, 1, "not ready");
    assert_eq!(r["readiness"]["ready"], false);
    let found: Failures = items(&r)
        .iter()
        .filter(|i| i["passed"] == false)
        .map(|i| {
            assert!(i["missing"].is_null(), "acme has every input: {i}");
            let gaps = i["gaps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    (
                        g["code"].as_str().unwrap().to_owned(),
                        strings(&g["objects"]),
                    )
                })
                .collect();
            (i["id"].as_str().unwrap().to_owned(), gaps)
        })
        .collect();
    let expected: Failures = ACME_FAILURES
        .iter()
        .map(|(id, gaps)| {
            (
                (*id).to_owned(),
                gaps.iter()
                    .map(|(c, o)| ((*c).to_owned(), o.iter().map(|s| (*s).to_owned()).collect()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(found, expected);
    let stages = r["readiness"]["stages"].as_array().unwrap();
    assert_eq!(
        (
            stages[0]["passed"].as_u64(),
            stages[0]["items"].as_array().unwrap().len()
        ),
        (Some(31), 35)
    );
    assert_eq!(
        (
            stages[1]["passed"].as_u64(),
            stages[1]["items"].as_array().unwrap().len()
        ),
        (Some(4), 12)
    );
    // Every gap of the report that a requirement rests on is named by one.
    let named: usize = items(&r)
        .iter()
        .map(|i| i["gaps"].as_array().unwrap().len())
        .sum();
    assert_eq!(named, r["gaps"].as_array().unwrap().len());
}

#[test]
fn acme_calendar_runs_from_the_certification_date() {
    let (_, r) = json("examples/acme");
    let c = &r["readiness"]["calendar"];
    assert_eq!(c["certification_date"], "2024-06-14");
    assert_eq!(
        (c["cycle_start"].as_str(), c["cycle_end"].as_str()),
        (Some("2024-06-14"), Some("2027-06-14"))
    );
    let audits: Vec<(String, String, String)> = c["external_audits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["audit"].as_str().unwrap().to_owned(),
                a["due"].as_str().unwrap().to_owned(),
                a["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("surveillance 1", "2025-06-14", "past"),
        ("surveillance 2", "2026-06-14", "past"),
        ("recertification", "2027-06-14", "next"),
    ];
    assert_eq!(
        audits,
        expected.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    let due: Vec<(String, String, bool)> = c["next_due"]
        .as_array()
        .unwrap()
        .iter()
        .take(5)
        .map(|d| {
            (
                d["due"].as_str().unwrap().to_owned(),
                d["id"].as_str().unwrap().to_owned(),
                d["overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("2026-03-01", "CA-2025-02", true),
        ("2026-08-31", "CA-2026-01", true),
        ("2026-09-30", "DOC-021", true),
        ("2026-11-03", "RSK-008", false),
        ("2026-11-25", "DOC-007", false),
    ];
    assert_eq!(
        due,
        expected.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c))
    );
    // A later date moves the cycle on: the recertification starts the next one.
    let run = isms(&[
        "readiness",
        "examples/acme",
        "--as-of",
        "2027-07-01",
        "--format",
        "json",
    ]);
    let later: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(later["readiness"]["calendar"]["cycle_start"], "2027-06-14");
}

#[test]
fn acme_table_and_markdown() {
    let run = isms(&["readiness", "examples/acme"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "Certification readiness of Acme Analytics GmbH as of 2026-11-01: NOT READY"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Stage 1: documentation review: 31 of 35 requirements met")
    );
    assert!(
        run.stdout
            .contains("Stage 2: evidence of operation: 4 of 12 requirements met")
    );
    let fails = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("FAIL "))
        .count();
    assert_eq!(fails, ACME_FAILURES.len());
    assert!(
        run.stdout.contains("recertification   2027-06-14   next"),
        "{}",
        run.stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("readiness.md");
    let run = isms(&[
        "readiness",
        "examples/acme",
        "--format",
        "md",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    let md = std::fs::read_to_string(out).unwrap();
    for h in [
        "# Certification readiness: Acme Analytics GmbH",
        "## Certification readiness",
        "### Stage 1: documentation review",
        "### Certification calendar",
        "### Falling due",
    ] {
        assert!(md.contains(h), "{h} missing");
    }
    assert!(md.contains("| FAIL | S2-LEAVERS | A.5.18, A.6.5 |"), "{md}");
    let run = isms(&["report", "examples/acme", "--format", "md"]);
    assert!(run.stdout.contains("## Certification readiness"));
}

/// A small, consistent workspace that passes both stages.
fn ready() -> Vec<(&'static str, String)> {
    let controls: Vec<String> =
        isms_engine::catalog::Catalog::builtin(isms_engine::catalog::CatalogId::Iso27001_2022)
            .controls
            .iter()
            .map(|c| c.id.clone())
            .collect();
    let quoted: Vec<String> = controls.iter().map(|c| format!("\"{c}\"")).collect();
    let mut soa = String::from("control,applicable,justification,status,evidence\n");
    for c in &controls {
        soa.push_str(&format!(
            "{c},yes,Needed for certification,implemented,DOC-{c}\n"
        ));
    }
    let covers: Vec<&str> = isms_engine::cycle::mandatory_documents()
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    vec![
        ("isms.toml", "[workspace]\nprofile = \"profile.toml\"\nas_of = \"2026-11-01\"\n\n[risk]\nbuiltin_threats = false\ngenerate_scenarios = false\n\n[inputs]\nassets = \"assets.csv\"\nrisks = \"risks.csv\"\ntreatment_plan = \"plan.csv\"\nsoa = \"soa.csv\"\naudits = \"audits.csv\"\nfindings = \"findings.csv\"\ncorrective_actions = \"ca.csv\"\nmanagement_reviews = \"reviews.csv\"\ndocuments = \"documents.csv\"\npeople = \"people.csv\"\naccounts = \"accounts.csv\"\n".into()),
        ("profile.toml", format!("name = \"Ready Ltd\"\nrisk_appetite = 2\ncertification_date = 2025-03-01\n\n[[requirements]]\nid = \"CERT\"\nkind = \"business\"\ntitle = \"ISO 27001 certification\"\ncontrols = [{}]\n", quoted.join(", "))),
        ("assets.csv", "id,name,type,owner,classification,confidentiality,integrity,availability\nDB,Customer database,software,CTO,internal,2,2,2\n".into()),
        ("risks.csv", "id,title,description,assets,owner,likelihood,impact,treatment,assessed_on\nR1,Data theft,SQL injection exposes the customer tables,DB,CTO,2,2,treat,2026-04-01\n".into()),
        ("plan.csv", "id,title,risks,controls,owner,due,status,completed_on,likelihood_reduction,impact_reduction\nP1,Web application firewall,R1,A.8.20,CTO,2026-06-30,done,2026-06-01,1,0\n".into()),
        ("soa.csv", soa),
        ("audits.csv", "id,title,scope,auditor,auditor_unit,audited_units,planned,performed,status\nIA-1,Whole ISMS,4;5;6;7;8;9;10;A.5;A.6;A.7;A.8,Ext Auditor,External,IT,2026-05-01,2026-05-02,done\n".into()),
        ("findings.csv", "id,audit,type,reference,raised_on\nF-1,IA-1,minor,A.8.20,2026-05-02\n".into()),
        ("ca.csv", "id,title,findings,root_cause,owner,due,status,completed_on,verified_on,effective\nCA-1,Fix WAF rules,F-1,Rules not reviewed,CTO,2026-06-01,done,2026-05-20,2026-08-20,yes\n".into()),
        ("reviews.csv", "id,date,inputs\nMR-1,2026-06-10,previous_actions;issues_changes;interested_party_changes;nonconformities;monitoring_results;audit_results;objectives;interested_party_feedback;risk_assessment;improvement\n".into()),
        ("documents.csv", format!("id,title,covers,owner,version,last_review,next_review\nDOC-1,ISMS manual,{},CISO,1.0,2026-01-10,2027-01-10\n", covers.join(";"))),
        ("people.csv", "id,name,left_on\nP-1,Ann,\nP-2,Bob,2026-06-30\n".into()),
        ("accounts.csv", "id,person,system,status\nA-1,P-1,Entra ID,active\nA-2,P-2,Entra ID,disabled\n".into()),
    ]
}

fn write(files: &[(&'static str, String)]) -> tempfile::TempDir {
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    workspace(&refs)
}

#[test]
fn a_ready_workspace_exits_zero_unless_fail_on_finds_a_gap() {
    let mut files = ready();
    let dir = write(&files);
    let path = dir.path().to_str().unwrap();
    let run = isms(&["readiness", path, "--fail-on", "info"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(": READY"), "{}", run.stdout);
    // A gap no requirement rests on (an unowned document that provides nothing) leaves the
    // checklist ready, but --fail-on still sees it.
    files[10]
        .1
        .push_str("DOC-2,Travel guideline,,,1.0,2026-01-10,2027-01-10\n");
    let dir = write(&files);
    let path = dir.path().to_str().unwrap();
    assert_eq!(isms(&["readiness", path]).code, 0);
    assert_eq!(isms(&["readiness", path, "--fail-on", "medium"]).code, 0);
    let run = isms(&["readiness", path, "--fail-on", "low"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
}

#[test]
fn without_cycle_inputs_the_evidence_is_missing() {
    let mut files = ready();
    let manifest = files[0].1.split("audits =").next().unwrap().to_owned();
    files[0].1 = manifest;
    let dir = write(&files);
    let (code, r) = json(dir.path().to_str().unwrap());
    assert_eq!(code, 1);
    let missing: Vec<String> = items(&r)
        .iter()
        .filter(|i| !i["missing"].is_null())
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(missing.len(), 19 + 13 + 9, "{missing:?}");
    assert!(missing.contains(&"S2-LEAVERS".to_owned()));
    assert!(!missing.contains(&"S2-RISK-REASSESSMENT".to_owned()));
    assert!(
        r["gaps"].as_array().unwrap().is_empty(),
        "no cycle gaps without cycle inputs"
    );
}

#[test]
fn bad_cycle_input_is_located_and_exits_two() {
    let mut files = ready();
    files[7].1.push_str("F-2,IA-9,critical,B.1,2026-05-02\n");
    files[10]
        .1
        .push_str("DOC-2,Travel,9.9.9,CISO,1.0,2026-01-10,2027-01-10\n");
    files[12].1.push_str("A-3,P-404,Slack,active\n");
    let dir = write(&files);
    let run = isms(&["readiness", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let h = headlines(&run.stderr);
    assert_eq!(
        h,
        [
            "findings.csv:3:5: `audit`: unknown audit `IA-9`",
            "findings.csv:3:10: `type`: unknown value `critical`: expected one of major, minor, observation, opportunity",
            "findings.csv:3:19: `reference`: unknown control `B.1` in iso27001-2022",
            "documents.csv:3:14: `covers`: unknown mandatory document `9.9.9`",
            "accounts.csv:4:5: `person`: unknown person `P-404`",
        ],
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn readme_lists_the_lapses_the_checklist_finds() {
    let readme = std::fs::read_to_string(root().join("examples/acme/README.md")).unwrap();
    for (_, gaps) in ACME_FAILURES {
        for (code, objects) in *gaps {
            if code.starts_with("GAP-DOC")
                || [
                    "GAP-AUDITOR-NOT-INDEPENDENT",
                    "GAP-NC-NO-ROOT-CAUSE",
                    "GAP-CA-OVERDUE",
                    "GAP-CA-NOT-VERIFIED",
                    "GAP-REVIEW-INPUTS-MISSING",
                    "GAP-LEAVER-ACCOUNT-ACTIVE",
                    "GAP-LEAVER-ACCESS-LAPSE",
                ]
                .contains(code)
            {
                for o in *objects {
                    assert!(readme.contains(o), "{o} of {code} is not in the README");
                }
            }
        }
    }
}
