//! Custom checks of the rule sets: conditions over assets or risks that produce findings.

use rayon::prelude::*;
use serde::Serialize;

use super::expr::{Bindings, Interpreter};
use super::records::{self, RiskFields};
use super::ruleset::{Check, Subject};
use crate::model::{AssetIdx, Severity};
use crate::risk::{Assessment, RiskSource};
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
/// risk checks over every assessed risk. Results are in check order, then record order.
pub fn run(ws: &Workspace, assessment: &Assessment) -> CheckRun {
    let interp = Interpreter::default();
    let org = records::org(&ws.profile);
    let no_threat = records::no_threat();
    let threats: Vec<_> = ws.threats.iter().map(records::threat).collect();
    let checks: Vec<&Check> = ws.rulesets.iter().flat_map(|s| &s.checks).collect();
    let mut out = CheckRun::default();
    for check in checks {
        let uses = check.when.uses();
        let per: Vec<Outcome> = match check.subject {
            Subject::Asset => (0..ws.assets.len())
                .into_par_iter()
                .filter(|i| assessment.in_scope[*i])
                .map(|i| {
                    let a = AssetIdx(i as u32);
                    let value = records::asset(ws, ws.asset(a), assessment.effective[i].cia, true);
                    let b = Bindings {
                        asset: Some(&value),
                        org: Some(&org),
                        ..Default::default()
                    };
                    outcome(check, &ws.asset(a).id, check.when.eval_bool(&interp, &b))
                })
                .collect(),
            Subject::Risk => assessment
                .risks
                .par_iter()
                .map(|r| {
                    let id = r.id(ws);
                    let register = match r.source {
                        RiskSource::Register(i) => Some(&ws.risks[i.index()]),
                        RiskSource::Generated => None,
                    };
                    // Converting the asset is the costly part: only when the check reads it.
                    let asset = uses.asset.then(|| {
                        records::asset(
                            ws,
                            ws.asset(r.asset),
                            assessment.effective[r.asset.index()].cia,
                            assessment.in_scope[r.asset.index()],
                        )
                    });
                    let risk = records::risk(&RiskFields {
                        id: &id,
                        source: if register.is_some() {
                            "register"
                        } else {
                            "generated"
                        },
                        likelihood: r.inherent.likelihood,
                        impact: r.inherent.impact,
                        treatment: register
                            .and_then(|x| x.treatment.as_ref())
                            .map(|t| t.option.as_str()),
                        owner: register.and_then(|x| x.owner.as_deref()),
                        asset_count: register.map_or(1, |x| x.assets.len()),
                    });
                    let threat = r.threat.map_or(&no_threat, |t| &threats[t.index()]);
                    let b = Bindings {
                        asset: asset.as_ref(),
                        threat: Some(threat),
                        risk: Some(&risk),
                        org: Some(&org),
                        inventory: None,
                    };
                    outcome(check, &id, check.when.eval_bool(&interp, &b))
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

fn outcome(check: &Check, subject: &str, result: Result<bool, super::expr::EvalError>) -> Outcome {
    match result {
        Ok(true) => (
            Some(CheckFinding {
                check: check.id.clone(),
                severity: check.severity,
                message: check.message.clone(),
                subject: subject.to_owned(),
            }),
            None,
        ),
        Ok(false) => (None, None),
        Err(e) => (None, Some((check.id.clone(), subject.to_owned(), e.0))),
    }
}
