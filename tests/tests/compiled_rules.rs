//! The compiled rule path against the `cel` interpreter on real workspaces: every rule and
//! threat filter of the built-in rule sets on every record of a generated workspace, and whole
//! evaluations (bundled example and generated workspace) giving identical reports.

mod common;

use isms_engine::Workspace;
use isms_engine::model::{AssetIdx, ThreatIdx};
use isms_engine::report;
use isms_engine::risk::{self, Options};
use isms_engine::rules::bindings::Bindings;
use isms_engine::rules::expr::{Evaluator, Expr, Interpreter, Path};
use isms_engine::rules::records::{AssetRecord, OrgRecord, ThreatRecord};

fn generated(assets: usize) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    isms_engine::generate::write_to(
        dir.path(),
        &isms_engine::generate::Options { assets, seed: 7 },
    )
    .unwrap();
    let ws = isms_engine::load(dir.path()).unwrap().workspace;
    (dir, ws)
}

#[test]
fn every_builtin_rule_agrees_on_every_record() {
    let (_dir, ws) = generated(400);
    let effective = risk::effective_cia(ws.assets());
    let org = OrgRecord::new(ws.profile());
    let threats: Vec<ThreatRecord> = ThreatRecord::all(ws.threats());
    let compiled = Interpreter::new(Evaluator::Compiled);
    let interpreted = Interpreter::new(Evaluator::Interpreter);
    let mut exprs: Vec<(&str, &Expr)> = Vec::new();
    for set in ws.rulesets() {
        exprs.extend(set.risk_rules.iter().map(|r| (r.id.as_str(), &r.when)));
        exprs.extend(
            set.scope_filters
                .iter()
                .map(|r| (r.id.as_str(), &r.exclude)),
        );
        exprs.extend(
            set.checks
                .iter()
                .filter(|c| !c.when.uses().risk)
                .map(|r| (r.id.as_str(), &r.when)),
        );
    }
    exprs.extend(
        ws.threats()
            .iter()
            .zip(ws.threat_filters())
            .map(|(t, f)| (t.id.as_str(), f)),
    );
    assert!(
        exprs.len() > 40,
        "the built-in rule set and threat catalog are loaded"
    );
    let mut evaluations = 0;
    for (id, e) in &exprs {
        assert_eq!(e.path(), Path::Compiled, "{id} runs on the compiled path");
        for a in (0..ws.assets().len()).map(|a| AssetIdx(a as u32)) {
            let asset = AssetRecord::new(ws.assets(), a, effective[a.index()].cia, true);
            for t in (0..ws.threats().len()).map(|t| ThreatIdx(t as u32)) {
                let b = Bindings {
                    asset: Some(&asset),
                    threat: Some(&threats[t.index()]),
                    org: Some(&org),
                    ..Default::default()
                };
                let (c, i) = (e.eval_bool(&compiled, &b), e.eval_bool(&interpreted, &b));
                assert_eq!(c.is_ok(), i.is_ok(), "{id} on {a:?} {t:?}: {c:?} vs {i:?}");
                assert_eq!(c.ok(), i.ok(), "{id} on {a:?} {t:?}");
                evaluations += 1;
            }
        }
    }
    assert!(evaluations > 400_000, "{evaluations}");
}

fn report_json(ws: &Workspace, evaluator: Evaluator) -> String {
    let options = Options::new(
        ws.as_of()
            .unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()),
    )
    .with_evaluator(evaluator);
    let evaluation = report::evaluate(ws, options);
    let mut report = serde_json::to_value(report::build(ws, &evaluation)).unwrap();
    // The one field allowed to differ: which path made the report.
    assert_eq!(report["options"]["evaluator"], serde_json::json!(evaluator));
    report["options"]["evaluator"] = serde_json::Value::Null;
    report.to_string()
}

#[test]
fn whole_evaluations_are_identical_on_both_paths() {
    let acme = isms_engine::load(&common::root().join("examples/acme"))
        .unwrap()
        .workspace;
    let (_dir, generated) = generated(1500);
    for ws in [&acme, &generated] {
        assert_eq!(
            report_json(ws, Evaluator::Compiled),
            report_json(ws, Evaluator::Interpreter),
            "{}",
            ws.name()
        );
    }
}

#[test]
fn check_verbose_lists_the_path_of_every_rule() {
    let run = common::isms(&["check", "--verbose", "examples/acme"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("expressions:"), "{}", run.stdout);
    assert!(run.stdout.contains("RR-INTERNET-EXPOSED"), "{}", run.stdout);
    let listed = run
        .stdout
        .lines()
        .filter(|l| l.trim_end().ends_with("compiled"))
        .count();
    assert!(listed > 40, "{}", run.stdout);
}

#[test]
fn a_rule_outside_the_subset_runs_on_the_interpreter_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::root().join("examples/acme");
    for entry in std::fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        dir.path().join("extra.toml"),
        "[ruleset]\nid = \"extra\"\nversion = \"1\"\n\n[[risk_rule]]\nid = \"RR-NAME-PATTERN\"\nwhen = 'asset.name.matches(\"^Payroll\") && \"c\" in threat.affects'\nadjust = \"impact\"\nby = 1\nreason = \"Payroll data.\"\n",
    )
    .unwrap();
    let manifest = std::fs::read_to_string(dir.path().join("isms.toml")).unwrap();
    let manifest = manifest.replacen("rulesets = [", "rulesets = [\"extra.toml\", ", 1);
    std::fs::write(dir.path().join("isms.toml"), manifest).unwrap();
    let run = common::isms(&["check", "-v", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("RR-NAME-PATTERN"))
        .unwrap_or_default();
    assert!(
        line.contains("interpreter (function `matches`)"),
        "{}",
        run.stdout
    );
    // Both paths give the same risks for it.
    let a = common::isms(&["risks", "--format", "json", dir.path().to_str().unwrap()]);
    let b = common::isms(&[
        "risks",
        "--interpreter",
        "--format",
        "json",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}
