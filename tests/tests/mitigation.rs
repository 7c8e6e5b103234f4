//! Risk levels an auditor can reconcile: existing controls lower generated scenarios for the
//! reasons `explain` gives, the SoA cites the risks each control treats or mitigates by their
//! true kind, gap checks see through placeholders, and records dated after the evaluation
//! date count as not yet happened.

mod common;

use common::{copy_dir, isms, root, workspace};
use serde_json::Value;

fn report(dir: &str, extra: &[&str]) -> Value {
    let mut args = vec!["report", dir, "--format", "json"];
    args.extend_from_slice(extra);
    let run = isms(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn above(heat: &Value, cells: &Value, appetite: u64) -> u64 {
    let mut n = 0;
    for (l, row) in heat.as_array().unwrap().iter().enumerate() {
        for (i, count) in row.as_array().unwrap().iter().enumerate() {
            if cells[l][i].as_u64().unwrap() > appetite {
                n += count.as_u64().unwrap();
            }
        }
    }
    n
}

/// Acme's 70-odd implemented controls now show in its residual levels: of 2,647 scenarios
/// 1,805 are above the appetite (level 2) before controls and 280 after them. The
/// difference is the controls alone: with their effect set to zero the residual heat map is
/// the inherent one again, except for the register rows whose done actions lower them.
#[test]
fn acme_residual_levels_follow_the_controls_in_place() {
    let r = report("examples/acme", &[]);
    let s = &r["summary"];
    assert_eq!(s["scenarios"], 2647);
    assert_eq!(s["scenarios_above_appetite_inherent"], 1805);
    assert_eq!(s["scenarios_above_appetite"], 280);
    let h = &r["heatmap"];
    assert_ne!(h["inherent"], h["residual"]);
    assert_eq!(above(&h["inherent"], &h["cells"], 2), 1805);

    // Without the controls' effect, the residual levels are the inherent ones (register
    // rows aside: their done actions still count).
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/acme"), dir.path());
    let manifest = std::fs::read_to_string(dir.path().join("isms.toml")).unwrap();
    std::fs::write(
        dir.path().join("isms.toml"),
        manifest.replace(
            "[cycle]",
            "[risk.controls]\nlikelihood_steps = 0\nimpact_steps = 0\n\n[cycle]",
        ),
    )
    .unwrap();
    let off = report(dir.path().to_str().unwrap(), &[]);
    let register_lowered = r["risks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| {
            x["inherent"]["level"].as_u64() > Some(2) && x["residual"]["level"].as_u64() <= Some(2)
        })
        .count() as u64;
    assert_eq!(
        off["summary"]["scenarios_above_appetite_inherent"]
            .as_u64()
            .unwrap()
            - register_lowered,
        above(&off["heatmap"]["residual"], &off["heatmap"]["cells"], 2),
    );
}

/// One scenario, by hand: TH-25 lists A.8.24 (excluded), A.8.20 (partial), A.8.21
/// (implemented) and A.7.12 (excluded) for likelihood: 2 steps x (0 + 0.5 + 1 + 0) / 4 =
/// 0.75, rounded to 1; and A.8.16 (partial) for impact: 1 x 0.5 = 0.5, rounded up to 1.
#[test]
fn explain_gives_each_controls_share() {
    let run = isms(&[
        "explain",
        "examples/acme",
        "AST-0043:TH-25",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let d: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(d["inherent"]["likelihood"], 3);
    assert_eq!(d["inherent"]["impact"], 5);
    assert_eq!(d["control_reduction"], serde_json::json!([1, 1]));
    assert_eq!(d["residual"]["likelihood"], 2);
    assert_eq!(d["residual"]["impact"], 4);
    let shares: Vec<(String, String, f64)> = d["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["control"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
                c["steps"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        [
            ("A.8.24".into(), "excluded".into(), 0.0),
            ("A.8.20".into(), "partial".into(), 0.25),
            ("A.8.21".into(), "implemented".into(), 0.5),
            ("A.7.12".into(), "excluded".into(), 0.0),
            ("A.8.16".into(), "partial".into(), 0.5),
        ]
    );

    // A register risk's assessed values already weigh the controls in place.
    let run = isms(&["explain", "examples/acme", "RSK-002"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("not counted: the register assessed the likelihood and impact"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_a_control_lists_the_risks_it_mitigates() {
    let run = isms(&["explain", "examples/acme", "A.7.12"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let o = &run.stdout;
    assert!(o.contains("Risks it mitigates (threats TH-19, TH-25): 0 register risks, 150 generated scenarios, 12 above the appetite"), "{o}");
    assert!(o.contains("by residual level: 12 at level 3 medium"), "{o}");
    assert!(o.contains("GAP-EXCLUDED-MITIGATES-RISK: the SoA excludes A.7.12, which mitigates 12 risks above the appetite"), "{o}");
}

#[test]
fn acme_soa_labels_each_reason_by_its_kind() {
    let r = report("examples/acme", &[]);
    let row = |id: &str| {
        r["soa"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["control"] == id)
            .unwrap()
            .clone()
    };
    let j = row("A.7.11")["justification"].as_str().unwrap().to_owned();
    assert!(
        j.starts_with("Applicable. Risk treated (action done): RSK-006 by action ACT-011"),
        "{j}"
    );
    assert!(
        j.contains("Risk mitigated: 117 generated scenarios with threats TH-16"),
        "{j}"
    );
    assert!(j.contains("Declared: UPS, cooling"), "{j}");
    let j = row("A.7.1")["justification"].as_str().unwrap().to_owned();
    assert!(
        j.contains("Business rule: rule AP-PREMISES (org.has_premises = true)"),
        "{j}"
    );
    let j = row("A.5.31")["justification"].as_str().unwrap().to_owned();
    assert!(j.contains("Legal requirement: REQ-GDPR: EU GDPR"), "{j}");
    // The engine overrides Acme's exclusion of A.8.24 and says so.
    let j = row("A.8.24")["justification"].as_str().unwrap().to_owned();
    assert!(
        j.contains("The SoA declares it not applicable; the reasons above override that."),
        "{j}"
    );
}

const MANIFEST: &str = "[workspace]\nprofile = \"profile.toml\"\nrulesets = [\"builtin:iso27001-2022\"]\n[inputs]\nassets = \"assets.csv\"\nrisks = \"risks.csv\"\ntreatment_plan = \"plan.csv\"\nsoa = \"soa.csv\"\n";
const PROFILE: &str = "name = \"Test Ltd\"\nrisk_appetite = 2\n[facts]\nhas_premises = true\n";
const ASSETS: &str = "id,name,type,owner,classification,confidentiality,integrity,availability\nSITE,Office,site,CFO,internal,2,2,5\nSRV,Server,hardware,IT,internal,3,3,4\n";
const RISKS: &str = "\
id,title,assets,threat,likelihood,impact,treatment,transfer_reference,accepted_by,accepted_on,accepted_until
R-POWER,Power cut,SITE,TH-16,3,4,tolerate,,CEO,2026-01-10,2027-01-10
R-INS,Fire,SITE,TH-13,2,5,transfer,TBC,,,
R-OLD,Old server room,SRV,TH-12,3,3,terminate,,,,
R-THEFT,Server theft,SRV,TH-11,3,4,treat,,,,
";
const PLAN: &str = "\
id,title,risks,controls,status,due,completed_on,likelihood_reduction
ACT-1,Move out,R-OLD,A.7.14,done,2026-03-01,2026-02-01,1
ACT-2,Cage,R-THEFT,A.7.8,in_progress,2026-12-31,,1
ACT-3,Locks,R-THEFT,A.7.2;A.7.3,done,2026-05-01,2026-09-20,1
";

fn soa(rows: &str) -> String {
    format!("control,applicable,justification,status,evidence\n{rows}")
}

/// The small workspace of these tests, with its treatment plan and SoA rows.
fn small(plan: &str, soa_rows: &str) -> tempfile::TempDir {
    workspace(&[
        ("isms.toml", MANIFEST),
        ("profile.toml", PROFILE),
        ("assets.csv", ASSETS),
        ("risks.csv", RISKS),
        ("plan.csv", plan),
        ("soa.csv", &soa(soa_rows)),
    ])
}

fn gaps(dir: &std::path::Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "gaps",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--as-of",
        "2026-11-01",
    ];
    args.extend_from_slice(extra);
    let run = isms(&args);
    let v: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}", run.stderr));
    v.as_array()
        .cloned()
        .unwrap_or_else(|| v["gaps"].as_array().unwrap().clone())
}

fn find<'a>(gaps: &'a [Value], code: &str, object: &str) -> Option<&'a Value> {
    gaps.iter().find(|g| {
        g["code"] == code
            && g["objects"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["id"] == object)
    })
}

#[test]
fn placeholders_are_no_justification_and_no_reference() {
    let dir = small(
        PLAN,
        "A.7.11,yes,Generator and UPS,implemented,MAINT-LOG\nA.5.7,no,N/A,,\nA.5.8,no,\" tbd. \",,\nA.5.9,no,We hold no such assets.,,\nA.7.8,yes,see above,implemented,-\n",
    );
    let g = gaps(dir.path(), &[]);
    for id in ["A.5.7", "A.5.8"] {
        let gap =
            find(&g, "GAP-EXCLUSION-UNJUSTIFIED", id).unwrap_or_else(|| panic!("{id}: {g:?}"));
        assert!(
            gap["message"]
                .as_str()
                .unwrap()
                .contains("with only the placeholder"),
            "{gap}"
        );
    }
    assert!(find(&g, "GAP-EXCLUSION-UNJUSTIFIED", "A.5.9").is_none());
    assert!(
        find(&g, "GAP-INCLUSION-UNJUSTIFIED", "A.7.8").is_some(),
        "see above is no justification"
    );
    assert!(
        find(&g, "GAP-IMPLEMENTED-NO-EVIDENCE", "A.7.8").is_some(),
        "- is no evidence"
    );
    let t = find(&g, "GAP-TRANSFER-NO-REFERENCE", "R-INS").expect("TBC is no contract");
    assert!(
        t["message"]
            .as_str()
            .unwrap()
            .contains("\"TBC\" is a placeholder"),
        "{t}"
    );

    // The list is the organisation's to set.
    let manifest = format!("{MANIFEST}[gaps]\nplaceholders = [\"see above\"]\n");
    std::fs::write(dir.path().join("isms.toml"), manifest).unwrap();
    let g = gaps(dir.path(), &[]);
    assert!(
        find(&g, "GAP-EXCLUSION-UNJUSTIFIED", "A.5.7").is_none(),
        "N/A is accepted now"
    );
    assert!(find(&g, "GAP-INCLUSION-UNJUSTIFIED", "A.7.8").is_some());
}

#[test]
fn status_checks_run_both_ways_on_applicable_controls_only() {
    let plan = "id,title,risks,controls,status,due,completed_on\nA1,x,R-THEFT,A.7.2,done,2026-05-01,2026-05-01\nA2,y,R-THEFT,A.7.3,done,2026-05-01,2026-05-01\nA3,z,R-THEFT,A.7.4,done,2026-05-01,2026-05-01\nA4,w,R-THEFT,A.7.4,planned,2026-12-01,\nA5,v,R-THEFT,A.5.7,done,2026-05-01,2026-05-01\n";
    let dir = small(
        plan,
        "A.7.2,yes,Locks,partial,K\nA.7.3,yes,Rooms,implemented,K\nA.7.4,yes,Cameras,not_implemented,\nA.5.7,no,Not needed here at all,,\n",
    );
    let g = gaps(dir.path(), &[]);
    let behind =
        find(&g, "GAP-STATUS-BEHIND-PLAN", "A.7.2").expect("partial while every action is done");
    assert!(
        behind["message"]
            .as_str()
            .unwrap()
            .contains("but the SoA says partial"),
        "{behind}"
    );
    assert!(find(&g, "GAP-STATUS-BEHIND-PLAN", "A.7.3").is_none());
    let some =
        find(&g, "GAP-STATUS-BEHIND-PLAN", "A.7.4").expect("some done while not implemented");
    assert!(
        some["message"]
            .as_str()
            .unwrap()
            .contains("1 of the 2 actions"),
        "{some}"
    );
    assert!(
        find(&g, "GAP-STATUS-BEHIND-PLAN", "A.5.7").is_none(),
        "no status check on an excluded control"
    );
}

#[test]
fn the_soa_cites_tolerated_terminated_and_pending_risks_for_what_they_are() {
    let dir = small(PLAN, "A.7.11,yes,Generator and UPS,implemented,MAINT-LOG\n");
    let r = report(dir.path().to_str().unwrap(), &["--as-of", "2026-11-01"]);
    let justification = |id: &str| {
        r["soa"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["control"] == id)
            .unwrap()["justification"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let j = justification("A.7.11");
    assert!(
        j.contains("Risk mitigated: R-POWER (tolerate, residual level"),
        "{j}"
    );
    assert!(
        justification("A.7.14")
            .contains("Risk avoided (terminated): R-OLD by action ACT-1 (done 2026-02-01)")
    );
    assert!(
        justification("A.7.8").contains(
            "Risk treatment pending: R-THEFT by action ACT-2 (in_progress, due 2026-12-31)"
        )
    );
    assert!(
        justification("A.7.2")
            .contains("Risk treated (action done): R-THEFT by action ACT-3 (done 2026-09-20)")
    );
}

/// `--as-of 2026-09-01`: ACT-3 was completed on 2026-09-20, so it is not done yet; the
/// acceptance of R-POWER (2026-01-10) stands.
#[test]
fn records_dated_after_the_evaluation_date_have_not_happened() {
    let dir = small(PLAN, "");
    let path = dir.path().to_str().unwrap();
    let theft = |as_of: &str| {
        let r = report(path, &["--as-of", as_of]);
        let risk = r["risks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == "R-THEFT")
            .unwrap()
            .clone();
        let row = r["soa"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["control"] == "A.7.2")
            .unwrap()
            .clone();
        (
            risk["residual"]["likelihood"].as_u64().unwrap(),
            row["plan"]["done"].as_u64().unwrap(),
        )
    };
    assert_eq!(
        theft("2026-11-01"),
        (2, 1),
        "after completion: ACT-3 lowers the likelihood"
    );
    assert_eq!(
        theft("2026-09-01"),
        (3, 0),
        "before completion: ACT-3 is still in progress"
    );
    let run = isms(&["gaps", path, "--as-of", "2026-09-01"]);
    assert!(
        run.stderr
            .contains("ACT-3 (treatment action completed 2026-09-20)"),
        "{}",
        run.stderr
    );
}
