//! Each operating-cycle check: quiet on a consistent workspace, firing on one change.

use std::collections::BTreeMap;

use crate::cycle::mandatory_documents;
use crate::model::ReviewInput;
use crate::report::evaluate;
use crate::risk::Options;

const ALL_INPUTS: &str = "previous_actions;issues_changes;interested_party_changes;nonconformities;monitoring_results;audit_results;objectives;interested_party_feedback;risk_assessment;improvement";

type Files = BTreeMap<&'static str, String>;

/// A small workspace whose operating cycle is in order as of 2026-11-01.
fn clean() -> Files {
    let mandatory: Vec<&str> = mandatory_documents()
        .iter()
        .filter(|d| !d.is_conditional())
        .map(|d| d.id.as_str())
        .collect();
    let mut f = Files::new();
    f.insert("isms.toml", "[workspace]\nprofile = \"profile.toml\"\nas_of = \"2026-11-01\"\n\n[risk]\nbuiltin_threats = false\ngenerate_scenarios = false\n\n[inputs]\nassets = \"assets.csv\"\nrisks = \"risks.csv\"\nsoa = \"soa.csv\"\naudits = \"audits.csv\"\nfindings = \"findings.csv\"\ncorrective_actions = \"ca.csv\"\nmanagement_reviews = \"reviews.csv\"\ndocuments = \"documents.csv\"\npeople = \"people.csv\"\naccounts = \"accounts.csv\"\n".into());
    f.insert(
        "profile.toml",
        "name = \"Cycle Ltd\"\ncertification_date = 2025-01-10\n".into(),
    );
    f.insert(
        "assets.csv",
        "id,name,type,owner,classification\nDB,Database,software,CTO,internal\n".into(),
    );
    f.insert("risks.csv", "id,title,assets,likelihood,impact,treatment,assessed_on\nR-1,Outage,DB,1,1,tolerate,2026-05-01\n".into());
    f.insert("soa.csv", "control,applicable,justification,status,evidence\nA.5.15,yes,Access control,implemented,POL-1\n".into());
    f.insert("audits.csv", "id,title,scope,auditor,auditor_unit,audited_units,planned,performed,status\nIA-1,Management system,4;5;6;7;8;9;10;A.5.15,Ext Auditor,External,ISMS Office,2026-03-01,2026-03-02,done\n".into());
    f.insert("findings.csv", "id,audit,type,reference,description,raised_on\nF-1,IA-1,minor,9.1,KPIs not reviewed,2026-03-02\nF-2,IA-1,observation,A.5.15,Idea,2026-03-02\n".into());
    f.insert("ca.csv", "id,title,findings,root_cause,owner,due,status,completed_on,verified_on,effective\nCA-1,KPI review,F-1,Not on the agenda,ISMS Manager,2026-05-01,done,2026-04-20,2026-07-20,yes\n".into());
    f.insert(
        "reviews.csv",
        format!("id,date,inputs\nMR-1,2026-02-01,{ALL_INPUTS}\n"),
    );
    f.insert("documents.csv", format!("id,title,covers,owner,version,last_review,next_review,status\nDOC-1,ISMS manual,{};A.5.15,CISO,1.0,2026-01-01,2027-01-01,approved\n", mandatory.join(";")));
    f.insert(
        "people.csv",
        "id,name,left_on\nP-1,Ann,\nP-2,Bob,2026-06-30\n".into(),
    );
    f.insert("accounts.csv", "id,person,system,status,privileged\nA-1,P-1,Entra ID,active,no\nA-2,P-2,Entra ID,disabled,yes\n".into());
    f
}

fn evaluation(f: &Files) -> (crate::Workspace, crate::report::Evaluation) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in f {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let ws = crate::load(dir.path())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .workspace;
    let as_of = ws.as_of.unwrap();
    let e = evaluate(&ws, Options::new(as_of));
    (ws, e)
}

/// (code, severity, object ids) of the operating-cycle gaps.
fn gaps(f: &Files) -> Vec<(String, String, Vec<String>)> {
    let cycle: Vec<&str> = super::super::CHECKS
        .iter()
        .map(|c| c.code)
        .skip_while(|c| *c != "GAP-AUDIT-OVERDUE")
        .take_while(|c| *c != "GAP-PLUGIN-FAILURE")
        .collect();
    evaluation(f)
        .1
        .gaps
        .into_iter()
        .filter(|g| cycle.contains(&g.code.as_str()))
        .map(|g| {
            (
                g.code,
                g.severity.to_string(),
                g.objects.into_iter().map(|o| o.id).collect(),
            )
        })
        .collect()
}

fn one(code: &str, severity: &str, objects: &[&str]) -> Vec<(String, String, Vec<String>)> {
    vec![(
        code.to_owned(),
        severity.to_owned(),
        objects.iter().map(|s| (*s).to_owned()).collect(),
    )]
}

fn set(f: &mut Files, name: &'static str, from: &str, to: &str) {
    let text = f.get_mut(name).unwrap();
    assert!(text.contains(from), "{name} lacks {from}");
    *text = text.replacen(from, to, 1);
}

#[test]
fn a_clean_cycle_raises_nothing_and_is_ready() {
    let f = clean();
    assert_eq!(gaps(&f), vec![]);
    let (_, e) = evaluation(&f);
    let stage2 = &e.readiness.stages[1];
    for item in &stage2.items {
        if item.id != "S2-TREATMENT" {
            assert!(item.passed, "{item:?}");
        }
    }
}

#[test]
fn without_cycle_inputs_the_checks_stay_quiet_and_readiness_names_what_is_missing() {
    let mut f = clean();
    set(
        &mut f,
        "isms.toml",
        "audits = \"audits.csv\"\nfindings = \"findings.csv\"\ncorrective_actions = \"ca.csv\"\nmanagement_reviews = \"reviews.csv\"\ndocuments = \"documents.csv\"\npeople = \"people.csv\"\naccounts = \"accounts.csv\"\n",
        "",
    );
    assert_eq!(gaps(&f), vec![]);
    let (_, e) = evaluation(&f);
    assert!(!e.readiness.ready);
    let item = |id: &str| {
        e.readiness
            .stages
            .iter()
            .flat_map(|s| &s.items)
            .find(|i| i.id == id)
            .unwrap()
            .clone()
    };
    for id in [
        "S1-DOC-4.3",
        "S2-AUDITS",
        "S2-NC-ROOT-CAUSE",
        "S2-CA-ON-TIME",
        "S2-REVIEW",
        "S2-LEAVERS",
    ] {
        let i = item(id);
        assert!(!i.passed && i.missing.is_some(), "{i:?}");
    }
    assert_eq!(
        item("S2-AUDITS").missing.as_deref(),
        Some("no audits in the workspace (inputs.audits in isms.toml)")
    );
}

#[test]
fn audits_overdue() {
    let mut f = clean();
    set(&mut f, "audits.csv", "2026-03-02,done", "2025-09-01,done");
    set(&mut f, "findings.csv", "2026-03-02\nF-2", "2025-09-01\nF-2");
    assert_eq!(gaps(&f), one("GAP-AUDIT-OVERDUE", "high", &["IA-1"]));
    let mut f = clean();
    f.get_mut("audits.csv")
        .unwrap()
        .push_str("IA-2,Follow-up,A.5.15,Ext Auditor,External,IT,2026-10-01,,planned\n");
    assert_eq!(gaps(&f), one("GAP-AUDIT-OVERDUE", "medium", &["IA-2"]));
    // Planned for later: quiet.
    set(
        &mut f,
        "audits.csv",
        "2026-10-01,,planned",
        "2026-12-01,,planned",
    );
    assert_eq!(gaps(&f), vec![]);
}

#[test]
fn auditor_not_independent() {
    let mut f = clean();
    set(
        &mut f,
        "audits.csv",
        "External,ISMS Office",
        "ISMS office,ISMS Office",
    );
    assert_eq!(
        gaps(&f),
        one("GAP-AUDITOR-NOT-INDEPENDENT", "medium", &["IA-1"])
    );
    let mut f = clean();
    set(
        &mut f,
        "audits.csv",
        "auditor_unit,audited_units,",
        "auditor_unit,audited_units,independent,",
    );
    set(
        &mut f,
        "audits.csv",
        "External,ISMS Office,",
        "External,ISMS Office,no,",
    );
    assert_eq!(
        gaps(&f),
        one("GAP-AUDITOR-NOT-INDEPENDENT", "medium", &["IA-1"])
    );
}

#[test]
fn audit_scope_uncovered() {
    let mut f = clean();
    set(
        &mut f,
        "audits.csv",
        "4;5;6;7;8;9;10;A.5.15",
        "4;5;6;7;8;9.2",
    );
    assert_eq!(
        gaps(&f),
        one("GAP-AUDIT-SCOPE-UNCOVERED", "medium", &["10", "A.5.15"])
    );
    // A theme covers its controls; an audit outside the cycle counts for nothing.
    let mut f = clean();
    set(
        &mut f,
        "audits.csv",
        "4;5;6;7;8;9;10;A.5.15",
        "4;5;6;7;8;9;10;A.5",
    );
    assert_eq!(gaps(&f), vec![]);
    set(
        &mut f,
        "audits.csv",
        "2026-03-01,2026-03-02",
        "2024-03-01,2024-03-02",
    );
    set(&mut f, "findings.csv", "2026-03-02\nF-2", "2024-03-02\nF-2");
    let found: Vec<String> = gaps(&f).into_iter().map(|g| g.0).collect();
    assert_eq!(found, ["GAP-AUDIT-OVERDUE", "GAP-AUDIT-SCOPE-UNCOVERED"]);
}

#[test]
fn nonconformity_without_root_cause() {
    let mut f = clean();
    set(&mut f, "ca.csv", "F-1,Not on the agenda,", "F-1,,");
    assert_eq!(
        gaps(&f),
        one("GAP-NC-NO-ROOT-CAUSE", "medium", &["F-1", "CA-1"])
    );
    // No corrective action at all, on a major nonconformity.
    let mut f = clean();
    set(&mut f, "findings.csv", "F-1,IA-1,minor", "F-1,IA-1,major");
    set(
        &mut f,
        "ca.csv",
        "CA-1,KPI review,F-1",
        "CA-1,KPI review,F-2",
    );
    assert_eq!(gaps(&f), one("GAP-NC-NO-ROOT-CAUSE", "high", &["F-1"]));
    // Raised within the allowed 30 days: quiet.
    let mut f = clean();
    set(&mut f, "ca.csv", "F-1,Not on the agenda,", "F-1,,");
    set(
        &mut f,
        "findings.csv",
        "9.1,KPIs not reviewed,2026-03-02",
        "9.1,KPIs not reviewed,2026-10-20",
    );
    assert_eq!(gaps(&f), vec![]);
}

#[test]
fn corrective_action_overdue() {
    let mut f = clean();
    set(
        &mut f,
        "ca.csv",
        "2026-05-01,done,2026-04-20,2026-07-20,yes",
        "2026-05-01,in_progress,,,",
    );
    assert_eq!(gaps(&f), one("GAP-CA-OVERDUE", "medium", &["CA-1", "F-1"]));
    set(
        &mut f,
        "ca.csv",
        "2026-05-01,in_progress",
        "2026-12-01,in_progress",
    );
    assert_eq!(gaps(&f), vec![], "due later");
}

#[test]
fn corrective_action_not_verified() {
    let mut f = clean();
    set(
        &mut f,
        "ca.csv",
        "2026-04-20,2026-07-20,yes",
        "2026-04-20,,",
    );
    assert_eq!(
        gaps(&f),
        one("GAP-CA-NOT-VERIFIED", "medium", &["CA-1", "F-1"])
    );
    set(&mut f, "ca.csv", "done,2026-04-20,,", "done,2026-10-01,,");
    assert_eq!(
        gaps(&f),
        vec![],
        "still within the 90 days for verification"
    );
}

#[test]
fn recurring_nonconformity() {
    let mut f = clean();
    f.get_mut("audits.csv")
        .unwrap()
        .push_str("IA-2,Follow-up,9,Ext Auditor,External,ISMS Office,2026-06-01,2026-06-02,done\n");
    f.get_mut("findings.csv")
        .unwrap()
        .push_str("F-3,IA-2,minor,9.1,KPIs still not reviewed,2026-06-02\n");
    f.get_mut("ca.csv")
        .unwrap()
        .push_str("CA-2,KPI review again,F-3,Owner left,ISMS Manager,2026-12-01,in_progress,,,\n");
    assert_eq!(
        gaps(&f),
        one("GAP-NC-RECURRING", "high", &["F-1", "F-3", "9.1"])
    );
    // Two nonconformities on the same clause in one audit are one occurrence.
    set(&mut f, "findings.csv", "F-3,IA-2", "F-3,IA-1");
    assert_eq!(gaps(&f), vec![]);
}

#[test]
fn management_review_overdue_or_incomplete() {
    let mut f = clean();
    set(&mut f, "reviews.csv", "MR-1,2026-02-01", "MR-1,2025-09-01");
    assert_eq!(gaps(&f), one("GAP-REVIEW-OVERDUE", "high", &["MR-1"]));
    let mut f = clean();
    set(&mut f, "reviews.csv", ";improvement", "");
    assert_eq!(
        gaps(&f),
        one("GAP-REVIEW-INPUTS-MISSING", "medium", &["MR-1"])
    );
    // An earlier incomplete review does not count against a complete later one.
    f.get_mut("reviews.csv")
        .unwrap()
        .push_str(&format!("MR-2,2026-06-01,{ALL_INPUTS}\n"));
    assert_eq!(gaps(&f), vec![]);
    assert_eq!(ReviewInput::ALL.len(), ALL_INPUTS.split(';').count());
}

#[test]
fn mandatory_and_control_documents() {
    let mut f = clean();
    set(&mut f, "documents.csv", ";6.2;", ";");
    assert_eq!(gaps(&f), one("GAP-DOC-MISSING", "high", &["6.2"]));
    let mut f = clean();
    set(&mut f, "documents.csv", ";A.5.15,", ",");
    assert_eq!(
        gaps(&f),
        one("GAP-DOC-CONTROL-MISSING", "medium", &["A.5.15"])
    );
    // Not needed when the control does not apply.
    set(
        &mut f,
        "soa.csv",
        "A.5.15,yes,Access control,implemented,POL-1",
        "A.5.15,no,No systems,not_implemented,",
    );
    set(&mut f, "audits.csv", ";A.5.15,", ",");
    assert_eq!(gaps(&f), vec![]);
    // A draft provides nothing.
    let mut f = clean();
    set(&mut f, "documents.csv", ",approved", ",draft");
    assert_eq!(gaps(&f).len(), 20);
}

#[test]
fn documents_unowned_or_past_review() {
    let mut f = clean();
    set(&mut f, "documents.csv", ",CISO,", ",,");
    assert_eq!(gaps(&f), one("GAP-DOC-UNOWNED", "low", &["DOC-1"]));
    let mut f = clean();
    set(
        &mut f,
        "documents.csv",
        "2026-01-01,2027-01-01",
        "2025-01-01,2026-10-01",
    );
    assert_eq!(
        gaps(&f),
        one("GAP-DOC-REVIEW-OVERDUE", "medium", &["DOC-1"])
    );
    set(&mut f, "documents.csv", "2025-01-01,2026-10-01", ",");
    assert_eq!(
        gaps(&f),
        one("GAP-DOC-REVIEW-OVERDUE", "medium", &["DOC-1"])
    );
    // The last review plus the interval (12 months) when no next review is set.
    set(&mut f, "documents.csv", "1.0,,", "1.0,2026-01-01,");
    assert_eq!(gaps(&f), vec![]);
}

#[test]
fn leaver_account_still_active() {
    let mut f = clean();
    set(
        &mut f,
        "accounts.csv",
        "A-2,P-2,Entra ID,disabled,yes",
        "A-2,P-2,Entra ID,active,no",
    );
    assert_eq!(
        gaps(&f),
        one("GAP-LEAVER-ACCOUNT-ACTIVE", "high", &["P-2", "A-2"])
    );
    set(
        &mut f,
        "accounts.csv",
        "A-2,P-2,Entra ID,active,no",
        "A-2,P-2,Entra ID,active,yes",
    );
    assert_eq!(
        gaps(&f),
        one("GAP-LEAVER-ACCOUNT-ACTIVE", "critical", &["P-2", "A-2"])
    );
    // Leaving in the future: quiet.
    set(
        &mut f,
        "people.csv",
        "P-2,Bob,2026-06-30",
        "P-2,Bob,2026-12-31",
    );
    assert_eq!(gaps(&f), vec![]);
}

#[test]
fn leaver_access_revoked_late() {
    let mut f = clean();
    // P-2 left on 2026-06-30; revoked within the default 3 days: quiet.
    set(
        &mut f,
        "accounts.csv",
        "status,privileged\nA-1,P-1,Entra ID,active,no\n",
        "status,privileged,revoked\nA-1,P-1,Entra ID,active,no,\n",
    );
    set(
        &mut f,
        "accounts.csv",
        "A-2,P-2,Entra ID,disabled,yes",
        "A-2,P-2,Entra ID,disabled,yes,2026-07-03",
    );
    assert_eq!(gaps(&f), vec![]);
    set(&mut f, "accounts.csv", "2026-07-03", "2026-07-24");
    let lapse = "GAP-LEAVER-ACCESS-LAPSE";
    assert_eq!(gaps(&f), one(lapse, "high", &["P-2", "A-2"]));
    let (_, e) = evaluation(&f);
    assert!(
        e.gaps[0]
            .message
            .contains("revoked only on 2026-07-24, 24 days later (allowed: 3)"),
        "{}",
        e.gaps[0].message
    );
    let leavers = e.readiness.stages[1]
        .items
        .iter()
        .find(|i| i.id == "S2-LEAVERS")
        .unwrap();
    assert!(!leavers.passed);
    assert_eq!(leavers.gaps[0].code, lapse);
    // Not privileged, and no status: a recorded revocation means disabled.
    set(&mut f, "accounts.csv", "disabled,yes,", ",no,");
    assert_eq!(gaps(&f), one(lapse, "medium", &["P-2", "A-2"]));
    f.get_mut("isms.toml")
        .unwrap()
        .push_str("\n[cycle]\nrevocation_days = 30\n");
    assert_eq!(gaps(&f), vec![]);
    // A revocation after the evaluation date has not happened yet: still active.
    set(&mut f, "accounts.csv", "2026-07-24", "2026-11-15");
    assert_eq!(
        gaps(&f),
        one("GAP-LEAVER-ACCOUNT-ACTIVE", "high", &["P-2", "A-2"])
    );
}

#[test]
fn revocation_days_out_of_range_is_a_located_error() {
    let mut f = clean();
    f.get_mut("isms.toml")
        .unwrap()
        .push_str("\n[cycle]\nrevocation_days = -1\n");
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in &f {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let e = crate::load(dir.path()).err().unwrap();
    let d = e.diagnostics.iter().next().unwrap().to_string();
    assert!(
        d.contains("isms.toml:") && d.contains("cycle.revocation_days -1 is out of range"),
        "{d}"
    );
}

#[test]
fn risk_assessment_stale() {
    let mut f = clean();
    set(
        &mut f,
        "risks.csv",
        "tolerate,2026-05-01",
        "tolerate,2025-09-01",
    );
    assert_eq!(
        gaps(&f),
        one("GAP-RISK-ASSESSMENT-STALE", "medium", &["R-1"])
    );
    f.get_mut("isms.toml")
        .unwrap()
        .push_str("\n[cycle]\nrisk_assessment_interval_months = 24\n");
    assert_eq!(gaps(&f), vec![]);
}

#[test]
fn readiness_names_the_gaps_behind_a_failure() {
    let mut f = clean();
    set(
        &mut f,
        "documents.csv",
        "2026-01-01,2027-01-01",
        "2025-01-01,2026-10-01",
    );
    let (_, e) = evaluation(&f);
    let item = e.readiness.stages[0]
        .items
        .iter()
        .find(|i| i.id == "S1-DOC-5.2")
        .unwrap();
    assert!(!item.passed);
    assert_eq!(item.gaps[0].code, "GAP-DOC-REVIEW-OVERDUE");
    assert_eq!(item.gaps[0].objects, ["DOC-1"]);
    let codes: Vec<&str> = super::super::CHECKS.iter().map(|c| c.code).collect();
    for s in &e.readiness.stages {
        for i in &s.items {
            for g in &i.gaps {
                assert!(codes.contains(&g.code.as_str()), "{}", g.code);
            }
        }
    }
}
