//! The custom-checks stage: the rule sets' conditions over assets or risks that produce
//! findings, evaluated after the risk assessment.

use rayon::prelude::*;
use serde::Serialize;

use crate::model::{AssetIdx, Severity};
use crate::risk::Assessment;
use crate::rules::bindings::Bindings;
use crate::rules::expr::Interpreter;
use crate::rules::records::{AssetRecord, OrgRecord, RiskFields, RiskRecord, ThreatRecord};
use crate::rules::ruleset::{Check, Subject};
use crate::workspace::Workspace;

/// A finding of a custom check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckFinding {
    pub check: String,
    pub severity: Severity,
    pub message: String,
    /// The asset or risk id the finding concerns.
    pub subject: String,
}

/// The outcome of running the custom checks.
#[derive(Debug, Default)]
pub struct CheckRun {
    pub findings: Vec<CheckFinding>,
    /// (check id, record id, message) of evaluations that failed.
    pub failures: Vec<(String, String, String)>,
}

/// Runs every custom check of the workspace's rule sets: asset checks over in-scope assets,
/// risk checks over every assessed risk. Results are in check order, then record order; a
/// record's id is formatted only when a check fires or fails on it.
pub fn run(ws: &Workspace, assessment: &Assessment) -> CheckRun {
    let interp = Interpreter::new(assessment.evaluator);
    let org = OrgRecord::new(&ws.profile);
    let no_threat = ThreatRecord::new(None);
    let threats: Vec<_> = ThreatRecord::all(&ws.threats);
    let asset = |a: AssetIdx| {
        AssetRecord::new(
            &ws.assets,
            a,
            assessment.effective[a.index()].cia,
            assessment.in_scope[a.index()],
        )
    };
    let checks: Vec<&Check> = ws.rulesets.iter().flat_map(|s| &s.checks).collect();
    let mut out = CheckRun::default();
    for check in checks {
        let uses = check.when.uses();
        let per: Vec<Outcome> = match check.subject {
            Subject::Asset => (0..ws.assets.len())
                .into_par_iter()
                .filter(|i| assessment.in_scope[*i])
                .filter_map(|i| {
                    let a = AssetIdx(i as u32);
                    let value = asset(a);
                    let b = Bindings {
                        asset: Some(&value),
                        org: Some(&org),
                        ..Default::default()
                    };
                    outcome(
                        check,
                        || ws.asset(a).id.clone(),
                        check.when.eval_bool(&interp, &b),
                    )
                })
                .collect(),
            Subject::Risk => assessment
                .risks
                .par_iter()
                .with_min_len(1024)
                .filter_map(|r| {
                    let register = r.register(ws);
                    let asset = uses.asset.then(|| asset(r.asset));
                    let risk = RiskRecord::new(RiskFields::of(
                        r.key(ws),
                        register,
                        r.inherent.likelihood,
                        r.inherent.impact,
                    ));
                    let threat = r.threat.map_or(&no_threat, |t| &threats[t.index()]);
                    let b = Bindings {
                        asset: asset.as_ref().map(|a| a as _),
                        threat: Some(threat),
                        risk: Some(&risk),
                        org: Some(&org),
                        inventory: None,
                    };
                    outcome(check, || r.id(ws), check.when.eval_bool(&interp, &b))
                })
                .collect(),
        };
        for (finding, failure) in per {
            out.findings.extend(finding);
            out.failures.extend(failure);
        }
    }
    out
}

type Outcome = (Option<CheckFinding>, Option<(String, String, String)>);

/// A finding or a failure; `None` when the check holds quietly (the common case).
fn outcome(
    check: &Check,
    subject: impl FnOnce() -> String,
    result: Result<bool, crate::rules::expr::EvalError>,
) -> Option<Outcome> {
    match result {
        Ok(true) => Some((
            Some(CheckFinding {
                check: check.id.clone(),
                severity: check.severity,
                message: check.message.clone(),
                subject: subject(),
            }),
            None,
        )),
        Ok(false) => None,
        Err(e) => Some((None, Some((check.id.clone(), subject(), e.0)))),
    }
}
