//! The risk engine through the public API: rule kinds, scoring methods, inheritance, run-time
//! rule errors and hand-checked levels.

mod common;

use chrono::NaiveDate;
use isms_engine::Workspace;
use isms_engine::checks;
use isms_engine::risk::{
    AppetiteStatus, Assessment, BaseSource, Options, RiskSource, assess, explain,
};

const PROFILE: &str = "name = \"Test Ltd\"\nrisk_appetite = 2\n[facts]\nremote_work = true\n";

const ASSETS: &str = "\
id,name,type,subtype,owner,classification,confidentiality,integrity,availability,status,depends_on,internet_facing,patch_level
SITE,Office,site,,CFO,internal,1,1,2,active,,,
SRV,Server,hardware,server,IT,internal,2,2,3,active,SITE,no,current
APP,Shop,software,application,CTO,restricted,5,4,3,active,SRV,yes,outdated
OLD,Old laptop,hardware,laptop,IT,internal,2,2,2,retired,SITE,no,current
LAB,Lab box,hardware,server,IT,internal,2,2,2,active,SITE,no,current
";

const RULES: &str = r#"
[ruleset]
id = "test"
version = "1"

[[scope_filter]]
id = "SF-LAB"
exclude = 'asset.id == "LAB"'
reason = "The lab is outside the ISMS."

[[risk_rule]]
id = "RR-EXPOSED"
when = 'asset.attributes.internet_facing == true'
adjust = "likelihood"
by = 1
reason = "Reachable from the internet."

[[risk_rule]]
id = "RR-WEB-SET"
when = 'threat.id == "T-WEB"'
adjust = "impact"
set = 5
reason = "Web attacks on the shop are catastrophic."

[[risk_rule]]
id = "RR-BROKEN"
when = 'asset.attributes.vendor == "x"'
adjust = "likelihood"
by = 1
reason = "Reads an attribute no asset has, without has()."

[[check]]
id = "CHK-OUTDATED"
on = "asset"
when = 'has(asset.attributes.patch_level) && asset.attributes.patch_level == "outdated"'
severity = "high"
message = "Patch it."

[[check]]
id = "CHK-HIGH-RISK"
on = "risk"
when = 'risk.source == "register" && risk.likelihood >= 3'
severity = "medium"
message = "Likely risk."
"#;

const THREATS: &str = "\
id,name,category,applies_to,likelihood,affects
T-WEB,Web attack,technical attack,\"asset.type == \"\"software\"\"\",3,c;i
T-FIRE,Fire,environmental,\"asset.type in [\"\"site\"\", \"\"hardware\"\"]\",1,a
";

const RISKS: &str = "\
id,title,assets,threat,likelihood,impact,treatment,accepted_by,accepted_on,accepted_until
R1,Shop breach,APP,,4,4,treat,,,
R2,Server outage,SRV,,3,,tolerate,CEO,2026-01-01,2026-06-30
R3,Unassessed,APP;SRV,T-FIRE,,,tolerate,CEO,2026-01-01,
";

const PLAN: &str = "\
id,title,risks,controls,status,likelihood_reduction,impact_reduction
P1,WAF,R1,A.8.20,done,2,0
P2,Pentest,R1,A.8.29,planned,1,0
P3,Backups,R1,A.8.13,done,0,1
";

fn manifest(risk: &str) -> String {
    format!(
        "[workspace]\nprofile = \"profile.toml\"\nrulesets = [\"rules.toml\"]\nas_of = \"2026-11-01\"\n\n[risk]\nbuiltin_threats = false\n{risk}\n[inputs]\nassets = \"assets.csv\"\nthreats = \"threats.csv\"\nrisks = \"risks.csv\"\ntreatment_plan = \"plan.csv\"\n"
    )
}

fn setup(risk: &str) -> (tempfile::TempDir, Workspace, Assessment) {
    let m = manifest(risk);
    let dir = common::workspace(&[
        ("isms.toml", &m),
        ("profile.toml", PROFILE),
        ("assets.csv", ASSETS),
        ("rules.toml", RULES),
        ("threats.csv", THREATS),
        ("risks.csv", RISKS),
        ("plan.csv", PLAN),
    ]);
    let ws = isms_engine::load(dir.path())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .workspace;
    let a = assess(&ws, options());
    (dir, ws, a)
}

fn options() -> Options {
    Options::new(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap())
}

fn find<'a>(ws: &Workspace, a: &'a Assessment, id: &str) -> &'a isms_engine::risk::ScoredRisk {
    a.risks
        .iter()
        .find(|r| r.id(ws) == id)
        .unwrap_or_else(|| panic!("no risk {id}"))
}

#[test]
fn scope_filters_and_threat_filters_decide_the_scenarios() {
    let (_d, ws, a) = setup("");
    let ids: Vec<String> = a.risks.iter().map(|r| r.id(&ws)).collect();
    // Register rows first, then generated: APP gets T-WEB; SITE and SRV get T-FIRE; OLD is
    // retired but this rule set has no retirement filter, so it gets T-FIRE too; LAB is out
    // of scope; R3 covers (APP, T-FIRE) and (SRV, T-FIRE), so SRV:T-FIRE is not generated.
    assert_eq!(
        ids,
        ["R1", "R2", "R3", "SITE:T-FIRE", "APP:T-WEB", "OLD:T-FIRE"]
    );
    let lab = ws.asset_by_id("LAB").unwrap();
    assert!(!a.in_scope[lab.index()]);
}

#[test]
fn levels_match_hand_computation_with_the_5x5_matrix() {
    let (_d, ws, a) = setup("");
    // R1: assessed 4 x 4 -> level 4 (high); RR-EXPOSED would add likelihood but the assessed
    // value stands. Done actions P1 (-2 L) and P3 (-1 I): 2 x 3 -> level 2 (low); P2 is
    // planned and does not count.
    let r1 = find(&ws, &a, "R1");
    assert_eq!(
        (
            r1.inherent.likelihood,
            r1.inherent.impact,
            r1.inherent.level
        ),
        (4, 4, 4)
    );
    assert_eq!(
        (
            r1.residual.likelihood,
            r1.residual.impact,
            r1.residual.level
        ),
        (2, 3, 2)
    );
    assert_eq!(r1.status, AppetiteStatus::WithinAppetite);
    // R2: likelihood 3 assessed; impact from SRV's availability need 3, inherited from APP?
    // APP (3) depends on SRV, so SRV's availability stays 3; C and I rise to 5 and 4.
    // Threat-less: all of C, I, A count -> impact 5; 3 x 5 -> level 4. Tolerated, but the
    // acceptance ran out on 2026-06-30.
    let r2 = find(&ws, &a, "R2");
    assert_eq!(
        (
            r2.inherent.likelihood,
            r2.inherent.impact,
            r2.inherent.level
        ),
        (3, 5, 4)
    );
    assert_eq!(r2.status, AppetiteStatus::AcceptanceExpired);
    // R3: no assessed values; threat T-FIRE gives likelihood 1, raised by RR-EXPOSED to 2
    // since the rules read the row's most valuable asset, APP, which is internet-facing.
    // T-FIRE affects availability: highest need among APP (3) and SRV (3) -> 3.
    // 2 x 3 -> level 2.
    let r3 = find(&ws, &a, "R3");
    assert_eq!(
        (
            r3.inherent.likelihood,
            r3.inherent.impact,
            r3.inherent.level
        ),
        (2, 3, 2)
    );
    assert_eq!(r3.status, AppetiteStatus::WithinAppetite);
    // APP:T-WEB: likelihood 3 + 1 (RR-EXPOSED) = 4; impact set to 5 by RR-WEB-SET.
    // 4 x 5 -> level 5; no treatment -> above appetite.
    let web = find(&ws, &a, "APP:T-WEB");
    assert_eq!(
        (
            web.inherent.likelihood,
            web.inherent.impact,
            web.inherent.level
        ),
        (4, 5, 5)
    );
    assert_eq!(web.status, AppetiteStatus::AboveAppetite);
    assert_eq!(web.source, RiskSource::Generated);
    // SITE:T-FIRE: availability need inherited: SRV 3 -> SITE 3 (own 2). 1 x 3 -> level 2.
    let fire = find(&ws, &a, "SITE:T-FIRE");
    assert_eq!(
        (
            fire.inherent.likelihood,
            fire.inherent.impact,
            fire.inherent.level
        ),
        (1, 3, 2)
    );
}

#[test]
fn inheritance_is_explained_with_its_chain() {
    let (_d, ws, _a) = setup("");
    let d = explain(&ws, "SITE:T-FIRE", options()).unwrap();
    let avail = d
        .inherited
        .iter()
        .find(|i| i.property == "availability")
        .unwrap();
    assert_eq!((avail.declared, avail.effective), (2, 3));
    assert_eq!(avail.via, ["SRV"]);
    let conf = d
        .inherited
        .iter()
        .find(|i| i.property == "confidentiality")
        .unwrap();
    assert_eq!(conf.via, ["SRV", "APP"], "C came from APP through SRV");
    assert_eq!(
        d.impact_from,
        BaseSource::ProtectionNeed {
            asset: "SITE".into(),
            property: "availability".into()
        }
    );
}

#[test]
fn explain_lists_every_step() {
    let (_d, ws, _a) = setup("");
    let d = explain(&ws, "APP:T-WEB", options()).unwrap();
    assert_eq!(
        d.likelihood_from,
        BaseSource::Threat {
            threat: "T-WEB".into()
        }
    );
    let rules: Vec<(&str, &str, bool)> = d
        .adjustments
        .iter()
        .map(|a| (a.rule.as_str(), a.change.as_str(), a.applied))
        .collect();
    assert_eq!(
        rules,
        [("RR-EXPOSED", "+1", true), ("RR-WEB-SET", "set to 5", true)]
    );
    assert_eq!(d.inherent_level, "very high");

    let d = explain(&ws, "R1", options()).unwrap();
    assert!(
        matches!(d.likelihood_from, BaseSource::Assessed { ref at } if at.to_string() == "risks.csv:2")
    );
    assert_eq!(d.adjustments.len(), 1);
    assert!(
        !d.adjustments[0].applied,
        "assessed values are not adjusted"
    );
    let counted: Vec<(&str, bool)> = d
        .actions
        .iter()
        .map(|a| (a.action.as_str(), a.counted))
        .collect();
    assert_eq!(counted, [("P1", true), ("P2", false), ("P3", true)]);

    assert!(explain(&ws, "NOPE", options()).is_err());
    let e = explain(&ws, "LAB:T-FIRE", options())
        .unwrap_err()
        .to_string();
    assert!(e.contains("out of scope"), "{e}");
    let e = explain(&ws, "SRV:T-FIRE", options())
        .unwrap_err()
        .to_string();
    assert!(e.contains("register row covers"), "{e}");
}

#[test]
fn run_time_rule_errors_are_reported_per_rule_and_record_and_do_not_stop_the_run() {
    let (_d, _ws, a) = setup("");
    let broken = a
        .rule_failures
        .iter()
        .find(|f| f.rule == "RR-BROKEN")
        .expect("RR-BROKEN fails");
    // It reads asset.attributes.vendor, which no asset has: once per in-scope asset (asset-level
    // rule, evaluated once per asset) plus the register rows' assets.
    assert!(broken.count >= 4, "{broken:?}");
    assert!(
        broken.examples[0].1.contains("no field `vendor`"),
        "{:?}",
        broken.examples
    );
    assert_eq!(a.risks.len(), 6, "every scenario was still scored");
}

#[test]
fn custom_checks_produce_findings() {
    let (_d, ws, a) = setup("");
    let run = checks::run(&ws, &a);
    let found: Vec<(&str, &str)> = run
        .findings
        .iter()
        .map(|f| (f.check.as_str(), f.subject.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("CHK-OUTDATED", "APP"),
            ("CHK-HIGH-RISK", "R1"),
            ("CHK-HIGH-RISK", "R2")
        ]
    );
    assert!(run.failures.is_empty());
}

#[test]
fn classic_method_against_hand_computation() {
    let (_d, ws, a) = setup(
        "method = \"classic\"\n[risk.classic]\nformula = \"product\"\nthresholds = [4, 8, 12, 16]\n",
    );
    // R1: 4 x 4 = 16 -> exceeds 4, 8, 12 -> level 4; residual 2 x 3 = 6 -> level 2.
    let r1 = find(&ws, &a, "R1");
    assert_eq!((r1.inherent.value, r1.inherent.level), (16.0, 4));
    assert_eq!((r1.residual.value, r1.residual.level), (6.0, 2));
    // APP:T-WEB: 4 x 5 = 20 -> level 5.
    assert_eq!(find(&ws, &a, "APP:T-WEB").inherent.level, 5);
}

#[test]
fn quantitative_method_is_seeded_and_ordered() {
    let q = "method = \"quantitative\"\n[risk.quantitative]\niterations = 4000\nseed = 7\n";
    let (_d, ws, a) = setup(q);
    let (_d2, _ws2, b) = setup(q);
    let values: Vec<f64> = a.risks.iter().map(|r| r.inherent.value).collect();
    assert_eq!(
        values,
        b.risks.iter().map(|r| r.inherent.value).collect::<Vec<_>>(),
        "same seed, same losses"
    );
    // Higher likelihood and impact mean a higher expected loss.
    let web = find(&ws, &a, "APP:T-WEB").inherent.value; // 4 x 5
    let fire = find(&ws, &a, "SITE:T-FIRE").inherent.value; // 1 x 3
    assert!(web > 100.0 * fire, "web {web} fire {fire}");
    // 4 x 5: median rate ~3.5/yr x median loss ~3.2e6 -> far above 1e7 -> level 5.
    assert_eq!(find(&ws, &a, "APP:T-WEB").inherent.level, 5);
}

#[test]
fn bad_risk_configuration_is_a_located_load_error() {
    let m =
        manifest("method = \"classic\"\n[risk.classic]\nformula = \"cube\"\nthresholds = [4, 2]\n");
    let dir = common::workspace(&[
        ("isms.toml", &m),
        ("profile.toml", PROFILE),
        ("assets.csv", ASSETS),
        ("rules.toml", RULES),
        (
            "threats.csv",
            "id,name,applies_to,likelihood\nT1,Bad,\"asset.type == \"\"x\"\" &&\",3\n",
        ),
        ("risks.csv", RISKS),
        ("plan.csv", PLAN),
    ]);
    let e = isms_engine::load(dir.path()).unwrap_err();
    let msgs: Vec<String> = e.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("isms.toml:10:11: unknown formula `cube`")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("isms.toml:11:14: thresholds must be 4 ascending")),
        "{msgs:?}"
    );
    // The span inside the CSV-quoted CEL expression is mapped past the doubled quotes.
    assert!(
        msgs.iter().any(|m| m.starts_with(
            "threats.csv:2:31: `applies_to`: threat applicability filter: Syntax error"
        )),
        "{msgs:?}"
    );
}
