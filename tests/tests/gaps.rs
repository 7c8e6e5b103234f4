//! Gap checks through the public API: a clean workspace raises none, and one change at a time
//! makes each check fire.

mod common;

use isms_engine::catalog::{Catalog, CatalogId};
use isms_engine::report::evaluate;
use isms_engine::risk::Options;

/// A small, consistent workspace: every check stays quiet on it.
struct Files {
    manifest: String,
    profile: String,
    assets: String,
    risks: String,
    plan: String,
    soa: String,
    rules: String,
}

fn all_controls() -> Vec<String> {
    Catalog::builtin(CatalogId::Iso27001_2022)
        .controls
        .iter()
        .map(|c| c.id.clone())
        .collect()
}

fn clean() -> Files {
    let controls = all_controls();
    let quoted: Vec<String> = controls.iter().map(|c| format!("\"{c}\"")).collect();
    let mut soa = String::from("control,applicable,justification,status,evidence\n");
    for c in &controls {
        soa.push_str(&format!(
            "{c},yes,Needed for certification,implemented,DOC-{c}\n"
        ));
    }
    Files {
        manifest: "[workspace]\nprofile = \"profile.toml\"\nrulesets = [\"rules.toml\"]\nas_of = \"2026-11-01\"\n\n[scope]\nfilter = 'asset.location != \"Lab\"'\n\n[risk]\nbuiltin_threats = false\ngenerate_scenarios = false\n\n[inputs]\nassets = \"assets.csv\"\nrisks = \"risks.csv\"\ntreatment_plan = \"plan.csv\"\nsoa = \"soa.csv\"\n".into(),
        profile: format!(
            "name = \"Clean Ltd\"\nrisk_appetite = 2\n\n[[requirements]]\nid = \"CERT\"\nkind = \"business\"\ntitle = \"ISO 27001 certification\"\ncontrols = [{}]\n",
            quoted.join(", ")
        ),
        assets: "id,name,type,owner,location,classification,confidentiality,integrity,availability,status,depends_on\n\
                 DB,Customer database,software,CTO,HQ,restricted,5,4,4,active,\n\
                 WEB,Web shop,software,CTO,HQ,confidential,3,3,3,active,\n\
                 CRM,CRM,software,Sales,HQ,internal,2,2,2,active,\n\
                 OLD,Old server,hardware,IT,HQ,internal,2,2,2,retired,\n\
                 LABPC,Lab PC,hardware,IT,Lab,internal,2,2,2,active,\n"
            .into(),
        risks: "id,title,description,assets,likelihood,impact,treatment,transfer_reference,accepted_by,accepted_on,accepted_until\n\
                R1,Customer data theft,\"SQL injection through the web shop lets attackers read the customer tables of the database and sell them.\",DB,4,4,treat,,,,\n\
                R2,Shop outage,\"Peak-season load takes the shop down for hours while orders queue up and customers leave.\",WEB,2,2,tolerate,,,,\n\
                R3,Ransomware on the old server,\"The unpatched server could spread ransomware across the office network.\",OLD,3,3,terminate,,,,\n\
                R4,Fraudulent CRM exports,\"Sales staff export leads before joining a competitor; the loss is insured.\",CRM,2,2,transfer,POL-77,,,\n"
            .into(),
        plan: "id,title,risks,controls,owner,due,status,completed_on,likelihood_reduction,impact_reduction\n\
               P1,Web application firewall,R1,A.8.20;A.8.28,CTO,2026-06-30,done,2026-06-01,2,1\n"
            .into(),
        soa,
        rules: "[ruleset]\nid = \"t\"\nversion = \"1\"\n".into(),
    }
}

impl Files {
    /// The files in a temporary workspace directory.
    fn write(&self) -> tempfile::TempDir {
        common::workspace(&[
            ("isms.toml", &self.manifest),
            ("profile.toml", &self.profile),
            ("assets.csv", &self.assets),
            ("risks.csv", &self.risks),
            ("plan.csv", &self.plan),
            ("soa.csv", &self.soa),
            ("rules.toml", &self.rules),
        ])
    }
}

/// Evaluates the files and returns (code, object ids) of every gap.
fn gaps(f: &Files) -> Vec<(String, Vec<String>)> {
    let dir = f.write();
    let ws = isms_engine::load(dir.path())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .workspace;
    let e = evaluate(&ws, Options::new(ws.as_of().unwrap()));
    e.gaps
        .iter()
        .map(|g| {
            (
                g.code.clone(),
                g.objects.iter().map(|o| o.id.clone()).collect(),
            )
        })
        .collect()
}

fn codes(f: &Files) -> Vec<String> {
    gaps(f).into_iter().map(|g| g.0).collect()
}

fn set_soa(f: &mut Files, control: &str, row: &str) {
    f.soa = f
        .soa
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{control},")) {
                row.to_owned()
            } else {
                l.to_owned()
            }
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
}

fn drop_requirement(f: &mut Files, control: &str) {
    f.profile = f
        .profile
        .replace(&format!("\"{control}\", "), "")
        .replace(&format!(", \"{control}\""), "");
}

#[test]
fn clean_workspace_has_no_gaps() {
    assert_eq!(gaps(&clean()), Vec::<(String, Vec<String>)>::new());
}

#[test]
fn plan_control_excluded_and_omitted() {
    let mut f = clean();
    set_soa(&mut f, "A.8.20", "A.8.20,no,Not needed,not_implemented,");
    let g = gaps(&f);
    assert!(
        g.contains(&(
            "GAP-PLAN-CONTROL-EXCLUDED".into(),
            vec!["P1".into(), "A.8.20".into()]
        )),
        "{g:?}"
    );
    let mut f = clean();
    set_soa(&mut f, "A.8.28", "");
    let c = codes(&f);
    assert!(
        c.contains(&"GAP-PLAN-CONTROL-OMITTED".into())
            && c.contains(&"GAP-SOA-MISSING-CONTROL".into()),
        "{c:?}"
    );
}

#[test]
fn excluded_but_required_by_a_requirement_or_rule() {
    let mut f = clean();
    set_soa(
        &mut f,
        "A.5.34",
        "A.5.34,no,We think privacy is optional,not_implemented,",
    );
    assert_eq!(codes(&f), ["GAP-EXCLUDED-BUT-REQUIRED"]);
    let mut f = clean();
    drop_requirement(&mut f, "A.6.7");
    set_soa(
        &mut f,
        "A.6.7",
        "A.6.7,no,Nobody works remotely,not_implemented,",
    );
    f.profile.push_str("\n[facts]\nremote_work = true\n");
    f.rules.push_str("[[applicability]]\nid = \"AP-REMOTE\"\ncontrols = [\"A.6.7\"]\nwhen = 'org.remote_work == true'\ncategory = \"business\"\njustification = \"Staff work remotely.\"\n");
    let g = gaps(&f);
    assert_eq!(
        g,
        [(
            "GAP-EXCLUDED-BUT-REQUIRED".into(),
            vec!["A.6.7".into(), "AP-REMOTE".into()]
        )]
    );
}

#[test]
fn soa_rows_missing_or_unjustified() {
    let mut f = clean();
    set_soa(&mut f, "A.7.4", "");
    assert_eq!(codes(&f), ["GAP-SOA-MISSING-CONTROL"]);
    let mut f = clean();
    drop_requirement(&mut f, "A.7.12");
    set_soa(&mut f, "A.7.12", "A.7.12,no,,not_implemented,");
    assert_eq!(codes(&f), ["GAP-EXCLUSION-UNJUSTIFIED"]);
    let mut f = clean();
    set_soa(&mut f, "A.5.3", "A.5.3,yes,,implemented,DOC");
    assert_eq!(codes(&f), ["GAP-INCLUSION-UNJUSTIFIED"]);
}

#[test]
fn an_undecided_soa_row_is_a_missing_decision_at_its_row() {
    let mut f = clean();
    set_soa(&mut f, "A.7.4", "A.7.4,,,,");
    assert_eq!(codes(&f), ["GAP-SOA-MISSING-CONTROL"]);
    let dir = f.write();
    let ws = isms_engine::load(dir.path()).unwrap().workspace;
    let e = evaluate(&ws, Options::new(ws.as_of().unwrap()));
    let gap = &e.gaps[0];
    assert!(
        gap.message.contains("A.7.4") && gap.message.contains("undecided"),
        "{}",
        gap.message
    );
    let line = f.soa.lines().position(|l| l.starts_with("A.7.4,")).unwrap() + 1;
    assert_eq!(
        gap.at.as_ref().unwrap().to_string(),
        format!("soa.csv:{line}")
    );
    // Undecided twice is still a duplicate.
    f.soa.push_str("A.7.4,,,,\n");
    let dir = f.write();
    let e = isms_engine::load(dir.path()).err().unwrap();
    assert!(
        e.diagnostics
            .iter()
            .any(|d| d.message.contains("appears twice"))
    );
}

#[test]
fn inclusion_that_nothing_supports() {
    let mut f = clean();
    drop_requirement(&mut f, "A.7.5");
    assert_eq!(
        gaps(&f),
        [("GAP-INCLUSION-UNSUPPORTED".into(), vec!["A.7.5".into()])]
    );
}

#[test]
fn status_against_the_plan_and_evidence() {
    let mut f = clean();
    f.plan = f.plan.replace(",done,2026-06-01,", ",in_progress,,");
    let g = gaps(&f);
    // Both controls of P1 are implemented in the SoA but P1 is open and overdue.
    let open: Vec<_> = g
        .iter()
        .filter(|x| x.0 == "GAP-IMPLEMENTED-ACTIONS-OPEN")
        .collect();
    assert_eq!(open.len(), 2, "{g:?}");
    assert!(g.iter().any(|x| x.0 == "GAP-ACTION-OVERDUE"), "{g:?}");
    let mut f = clean();
    f.plan = f
        .plan
        .replace(",2026-06-30,done,2026-06-01,", ",2027-06-30,in_progress,,");
    assert!(
        !codes(&f).contains(&"GAP-ACTION-OVERDUE".into()),
        "not overdue before its due date"
    );

    let mut f = clean();
    set_soa(&mut f, "A.8.20", "A.8.20,yes,Network security,planned,");
    assert_eq!(codes(&f), ["GAP-STATUS-BEHIND-PLAN"]);
    let mut f = clean();
    set_soa(&mut f, "A.8.1", "A.8.1,yes,Endpoints,implemented,");
    assert_eq!(codes(&f), ["GAP-IMPLEMENTED-NO-EVIDENCE"]);
}

#[test]
fn risk_decisions() {
    let with_risk = |row: &str| {
        let mut f = clean();
        f.risks.push_str(row);
        f.risks.push('\n');
        gaps(&f)
    };
    assert_eq!(
        with_risk("R9,Untreated,,DB,5,5,,,,,"),
        [("GAP-RISK-UNTREATED".into(), vec!["R9".into()])]
    );
    assert_eq!(
        with_risk("R9,Tolerated,,DB,4,4,tolerate,,,,"),
        [("GAP-TOLERATED-NO-ACCEPTANCE".into(), vec!["R9".into()])]
    );
    assert_eq!(
        with_risk("R9,Lapsed,,DB,4,4,tolerate,,CEO,2025-01-01,2026-01-01"),
        [("GAP-ACCEPTANCE-EXPIRED".into(), vec!["R9".into()])]
    );
    assert_eq!(
        with_risk("R9,Accepted,,DB,4,4,tolerate,,CEO,2026-01-01,2027-01-01"),
        []
    );
    assert_eq!(
        with_risk("R9,No actions,,DB,4,4,treat,,,,"),
        [("GAP-TREAT-NO-ACTIONS".into(), vec!["R9".into()])]
    );
    assert_eq!(
        with_risk("R9,Transfer,,DB,3,3,transfer,,,,"),
        [("GAP-TRANSFER-NO-REFERENCE".into(), vec!["R9".into()])]
    );
    assert_eq!(
        with_risk("R9,Terminate,,DB,3,3,terminate,,,,"),
        [(
            "GAP-TERMINATE-ASSET-ACTIVE".into(),
            vec!["R9".into(), "DB".into()]
        )]
    );
    assert_eq!(
        with_risk("R9,Lab risk,,LABPC,1,1,treat,,,,")
            .iter()
            .filter(|g| g.0 == "GAP-RISK-OUT-OF-SCOPE")
            .count(),
        1
    );

    let mut f = clean();
    f.risks.push_str("R9,Huge,,DB,5,5,treat,,,,\n");
    f.plan
        .push_str("P9,Small step,R9,A.8.7,IT,2027-01-01,planned,,1,0\n");
    set_soa(&mut f, "A.8.7", "A.8.7,yes,Malware protection,partial,DOC");
    assert_eq!(
        gaps(&f),
        [("GAP-TREATMENT-INSUFFICIENT".into(), vec!["R9".into()])]
    );
}

#[test]
fn asset_hygiene_and_coverage() {
    let mut f = clean();
    f.assets = f.assets.replace(
        "CRM,CRM,software,Sales,HQ,internal",
        "CRM,CRM,software,,HQ,",
    );
    let mut c = codes(&f);
    c.sort();
    assert_eq!(c, ["GAP-ASSET-NO-OWNER", "GAP-ASSET-UNCLASSIFIED"]);
    let mut f = clean();
    f.assets
        .push_str("VAULT,Key vault,software,CTO,HQ,restricted,5,5,5,active,\n");
    assert_eq!(
        gaps(&f),
        [("GAP-ASSET-NOT-ASSESSED".into(), vec!["VAULT".into()])]
    );
    // Out-of-scope and retired assets are not held to this.
    let mut f = clean();
    f.assets
        .push_str("VAULT,Key vault,software,,Lab,,5,5,5,active,\n");
    assert_eq!(gaps(&f), []);
}

#[test]
fn copy_pasted_assessments_on_unrelated_assets() {
    let text = "Unauthorised access to NAME due to weak or shared administrator credentials could allow an attacker to alter the configuration, exfiltrate data and disrupt operations.";
    let mut f = clean();
    f.risks.push_str(&format!(
        "R7,Weak admin,\"{}\",WEB,2,2,tolerate,,,,\n",
        text.replace("NAME", "Web shop")
    ));
    f.risks.push_str(&format!(
        "R8,Weak admin,\"{}\",CRM,2,2,tolerate,,,,\n",
        text.replace("NAME", "CRM")
    ));
    let g = gaps(&f);
    assert_eq!(g.len(), 1, "{g:?}");
    assert_eq!(g[0].0, "GAP-COPY-PASTE-ASSESSMENT");
    assert_eq!(g[0].1[..2], ["R7".to_owned(), "R8".to_owned()]);
    // The same texts on related assets (one depends on the other) are a consistent assessment.
    f.assets = f.assets.replace(
        "CRM,CRM,software,Sales,HQ,internal,2,2,2,active,",
        "CRM,CRM,software,Sales,HQ,internal,2,2,2,active,WEB",
    );
    assert_eq!(gaps(&f), []);
}

#[test]
fn one_template_pasted_onto_many_assets_is_one_finding() {
    let text = "Unauthorised access to NAME due to weak or shared administrator credentials could allow an attacker to alter the configuration, exfiltrate data and disrupt operations.";
    let mut f = clean();
    for (id, asset, name) in [
        ("R7", "WEB", "Web shop"),
        ("R8", "CRM", "CRM"),
        ("R9", "DB", "Customer database"),
    ] {
        f.risks.push_str(&format!(
            "{id},Weak admin,\"{}\",{asset},2,2,tolerate,,,,\n",
            text.replace("NAME", name)
        ));
    }
    let g = gaps(&f);
    assert_eq!(g.len(), 1, "{g:?}");
    assert_eq!(g[0].0, "GAP-COPY-PASTE-ASSESSMENT");
    assert_eq!(g[0].1, ["R7", "R8", "R9", "WEB", "CRM", "DB"]);
}

#[test]
fn custom_checks_become_gaps() {
    let mut f = clean();
    f.rules.push_str("[[check]]\nid = \"CHK-RESTRICTED\"\non = \"asset\"\nwhen = 'asset.classification == \"restricted\"'\nseverity = \"info\"\nmessage = \"Restricted asset.\"\n");
    assert_eq!(gaps(&f), [("CHK-RESTRICTED".into(), vec!["DB".into()])]);
}
