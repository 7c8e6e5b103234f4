//! The report model: everything an evaluation found, in the versioned shape that the JSON
//! output documents (`schemas/report.v1.json`, generated from these types) and that every
//! renderer (table, Markdown, HTML, CSV, XLSX) reads.
//!
//! Only register risks are listed one by one; generated scenarios are counted in the heat map
//! (a million rows belong in `isms risks`, not in a report for people).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::checks::{self, CheckRun};
use crate::cycle::readiness::{self, Readiness};
use crate::gaps::{self, Context, Gap};
use crate::model::{ImplementationStatus, Severity};
use crate::risk::{self, AppetiteStatus, Assessment, RiskSource};
use crate::soa::{self, Basis, PlanProgress, Reason, Soa};
use crate::workspace::Workspace;

/// The schema identifier every report carries; bumped on incompatible changes.
pub const SCHEMA: &str = "isms/report/v1";

/// A file the evaluation read, with the sha256 of its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InputHash {
    pub path: String,
    pub sha256: String,
}

/// A rule set used, with its version and hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuleSetRef {
    pub id: String,
    pub version: String,
    pub name: String,
    pub sha256: String,
}

/// A plugin that took part, with the sha256 of its component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PluginRef {
    pub id: String,
    pub version: String,
    pub interface: String,
    pub sha256: String,
}

/// A risk level with its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LevelRef {
    pub value: u8,
    pub name: String,
    pub acceptability: String,
}

/// Counts for the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub assets: usize,
    pub assets_in_scope: usize,
    pub register_risks: usize,
    /// Register rows plus generated scenarios.
    pub scenarios: usize,
    /// Scenarios whose residual level is above the appetite and not accepted.
    pub scenarios_above_appetite: usize,
    pub register_above_appetite: usize,
    pub controls: usize,
    pub applicable: usize,
    pub implemented: usize,
    pub gaps: usize,
    /// Gaps per severity, every severity present, most serious first.
    pub gaps_by_severity: BTreeMap<Severity, usize>,
}

/// Scenario counts per matrix cell, inherent and residual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HeatMap {
    /// Likelihood names, value 1 first.
    pub likelihoods: Vec<String>,
    /// Impact names, value 1 first.
    pub impacts: Vec<String>,
    pub levels: Vec<LevelRef>,
    /// Level of each cell: `cells[likelihood - 1][impact - 1]`.
    pub cells: Vec<Vec<u8>>,
    /// Number of scenarios per cell before treatment.
    pub inherent: Vec<Vec<usize>>,
    /// Number of scenarios per cell after treatment.
    pub residual: Vec<Vec<usize>>,
}

/// A level computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScoreView {
    pub likelihood: u8,
    pub impact: u8,
    pub level: u8,
    pub level_name: String,
    pub value: f64,
}

/// A register risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RiskRow {
    pub id: String,
    pub title: String,
    pub assets: Vec<String>,
    pub threat: Option<String>,
    pub owner: Option<String>,
    pub treatment: Option<String>,
    pub inherent: ScoreView,
    pub residual: ScoreView,
    pub status: AppetiteStatus,
}

/// A row of the generated SoA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SoaRowView {
    pub control: String,
    pub title: String,
    pub group: String,
    pub applicable: bool,
    pub basis: Basis,
    pub justification: String,
    pub reasons: Vec<Reason>,
    pub exclusions: Vec<Reason>,
    pub declared_applicable: Option<bool>,
    pub declared_justification: Option<String>,
    pub status: ImplementationStatus,
    pub evidence: Vec<String>,
    pub plan: PlanProgress,
}

/// A rule that failed on some records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuleFailure {
    pub rule: String,
    pub count: usize,
    /// (record id, message) of the first failures.
    pub examples: Vec<(String, String)>,
}

/// Options that shaped the evaluation (recorded as audit evidence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvaluationOptions {
    pub as_of: String,
    /// The rule path: `compiled`, or `interpreter` when it was forced.
    pub evaluator: crate::rules::expr::Evaluator,
    pub method: String,
    pub builtin_threats: bool,
    pub generate_scenarios: bool,
    /// Comprehension iterations one evaluation of a rule may run, on either path, before it
    /// fails on that record (reported under `rule_failures`).
    pub iteration_budget: u32,
}

/// A whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    pub engine_version: String,
    pub workspace: String,
    pub organisation: String,
    pub catalog: String,
    pub options: EvaluationOptions,
    pub appetite: LevelRef,
    pub inputs: Vec<InputHash>,
    pub rulesets: Vec<RuleSetRef>,
    pub plugins: Vec<PluginRef>,
    pub summary: Summary,
    pub heatmap: HeatMap,
    pub risks: Vec<RiskRow>,
    pub soa: Vec<SoaRowView>,
    pub gaps: Vec<Gap>,
    pub rule_failures: Vec<RuleFailure>,
    /// Certification readiness (Stage 1 and Stage 2 checklists) and the certification calendar.
    pub readiness: Readiness,
}

/// Everything computed for a report, kept for callers that want more than the report.
pub struct Evaluation {
    pub assessment: Assessment,
    pub soa: Soa,
    pub checks: CheckRun,
    pub gaps: Vec<Gap>,
    pub soa_rule_errors: soa::RuleErrors,
    pub readiness: Readiness,
}

/// Runs the whole pipeline after loading: risks, SoA, custom checks, gaps.
pub fn evaluate(ws: &Workspace, options: risk::Options) -> Evaluation {
    let assessment = risk::assess(ws, options);
    let (soa, soa_rule_errors) = soa::build(ws, &assessment, options.as_of);
    let checks = checks::run(ws, &assessment);
    let gaps = gaps::detect(&Context::new(ws, &assessment, &soa), &checks);
    let readiness = readiness::assess(ws, &soa, &gaps, options.as_of);
    Evaluation {
        assessment,
        soa,
        checks,
        gaps,
        soa_rule_errors,
        readiness,
    }
}

fn level_ref(ws: &Workspace, v: u8) -> LevelRef {
    let l = ws.risk_model.matrix.level_info(v);
    LevelRef {
        value: l.value,
        name: l.name.clone(),
        acceptability: l.acceptability.to_string(),
    }
}

fn score_view(ws: &Workspace, s: &risk::Score) -> ScoreView {
    ScoreView {
        likelihood: s.likelihood,
        impact: s.impact,
        level: s.level,
        level_name: ws.risk_model.matrix.level_info(s.level).name.clone(),
        value: s.value,
    }
}

/// Builds the report of an evaluation.
pub fn build(ws: &Workspace, e: &Evaluation) -> Report {
    let m = &ws.risk_model.matrix;
    let (nl, ni) = (usize::from(m.max_likelihood()), usize::from(m.max_impact()));
    let mut inherent = vec![vec![0usize; ni]; nl];
    let mut residual = vec![vec![0usize; ni]; nl];
    let a = &e.assessment;
    for r in &a.risks {
        inherent[usize::from(r.inherent.likelihood) - 1][usize::from(r.inherent.impact) - 1] += 1;
        residual[usize::from(r.residual.likelihood) - 1][usize::from(r.residual.impact) - 1] += 1;
    }
    let cells = (1..=m.max_likelihood())
        .map(|l| (1..=m.max_impact()).map(|i| m.level(l, i)).collect())
        .collect();
    let risks: Vec<RiskRow> = a
        .risks
        .iter()
        .filter_map(|r| match r.source {
            RiskSource::Register(i) => Some((i, r)),
            RiskSource::Generated => None,
        })
        .map(|(i, r)| {
            let risk = &ws.risks[i.index()];
            RiskRow {
                id: risk.id.clone(),
                title: risk.title.clone(),
                assets: risk
                    .assets
                    .iter()
                    .map(|x| ws.asset(*x).id.clone())
                    .collect(),
                threat: risk.threat.map(|t| ws.threats[t.index()].id.clone()),
                owner: risk.owner.clone(),
                treatment: risk.treatment.as_ref().map(|t| t.option.to_string()),
                inherent: score_view(ws, &r.inherent),
                residual: score_view(ws, &r.residual),
                status: r.status,
            }
        })
        .collect();
    let mut gaps_by_severity: BTreeMap<Severity, usize> =
        Severity::ALL.iter().map(|s| (*s, 0)).collect();
    for g in &e.gaps {
        *gaps_by_severity.entry(g.severity).or_default() += 1;
    }
    let above = |r: &&risk::ScoredRisk| {
        matches!(
            r.status,
            AppetiteStatus::AboveAppetite | AppetiteStatus::AcceptanceExpired
        )
    };
    let mut rule_failures: Vec<RuleFailure> = a
        .rule_failures
        .iter()
        .map(|f| RuleFailure {
            rule: f.rule.clone(),
            count: f.count,
            examples: f.examples.clone(),
        })
        .collect();
    for (rule, message) in &e.soa_rule_errors {
        rule_failures.push(RuleFailure {
            rule: rule.clone(),
            count: 1,
            examples: vec![("inventory".into(), message.clone())],
        });
    }
    for (rule, record, message) in &e.checks.failures {
        match rule_failures.iter_mut().find(|f| &f.rule == rule) {
            Some(f) => {
                f.count += 1;
                if f.examples.len() < 5 {
                    f.examples.push((record.clone(), message.clone()));
                }
            }
            None => rule_failures.push(RuleFailure {
                rule: rule.clone(),
                count: 1,
                examples: vec![(record.clone(), message.clone())],
            }),
        }
    }
    Report {
        schema: SCHEMA.to_owned(),
        engine_version: crate::VERSION.to_owned(),
        workspace: ws.name.clone(),
        organisation: ws.profile.name.clone(),
        catalog: ws.catalog.id.to_string(),
        options: EvaluationOptions {
            as_of: a.as_of.to_string(),
            evaluator: a.evaluator,
            method: ws.risk_model.method.name().to_owned(),
            builtin_threats: ws.risk_model.builtin_threats,
            generate_scenarios: ws.risk_model.generate_scenarios,
            iteration_budget: crate::rules::compiled::ITERATION_BUDGET,
        },
        appetite: level_ref(ws, ws.profile.risk_appetite),
        inputs: ws
            .sources
            .iter()
            .map(|s| InputHash {
                path: s.display.clone(),
                sha256: s.sha256.clone(),
            })
            .collect(),
        rulesets: ws
            .rulesets
            .iter()
            .map(|r| RuleSetRef {
                id: r.id.clone(),
                version: r.version.clone(),
                name: r.name.clone(),
                sha256: r.sha256.clone(),
            })
            .collect(),
        plugins: ws
            .plugins
            .iter()
            .map(|p| PluginRef {
                id: p.manifest.id.clone(),
                version: p.manifest.version.clone(),
                interface: p.manifest.interface.clone(),
                sha256: p.sha256.clone(),
            })
            .collect(),
        summary: Summary {
            assets: ws.assets.len(),
            assets_in_scope: a.in_scope.iter().filter(|x| **x).count(),
            register_risks: ws.risks.len(),
            scenarios: a.risks.len(),
            scenarios_above_appetite: a.risks.iter().filter(above).count(),
            register_above_appetite: risks
                .iter()
                .filter(|r| {
                    matches!(
                        r.status,
                        AppetiteStatus::AboveAppetite | AppetiteStatus::AcceptanceExpired
                    )
                })
                .count(),
            controls: e.soa.rows.len(),
            applicable: e.soa.rows.iter().filter(|r| r.applicable).count(),
            implemented: e
                .soa
                .rows
                .iter()
                .filter(|r| r.applicable && r.status == ImplementationStatus::Implemented)
                .count(),
            gaps: e.gaps.len(),
            gaps_by_severity,
        },
        heatmap: HeatMap {
            likelihoods: m.likelihoods.clone(),
            impacts: m.impacts.clone(),
            levels: m.levels.iter().map(|l| level_ref(ws, l.value)).collect(),
            cells,
            inherent,
            residual,
        },
        risks,
        soa: e
            .soa
            .rows
            .iter()
            .map(|r| SoaRowView {
                control: r.id.clone(),
                title: r.title.clone(),
                group: r.group.clone(),
                applicable: r.applicable,
                basis: r.basis,
                justification: r.justification.clone(),
                reasons: r.reasons.clone(),
                exclusions: r.exclusions.clone(),
                declared_applicable: r.declared_applicable,
                declared_justification: r.declared_justification.clone(),
                status: r.status,
                evidence: r.evidence.clone(),
                plan: r.plan,
            })
            .collect(),
        gaps: e.gaps.clone(),
        rule_failures,
        readiness: e.readiness.clone(),
    }
}

/// The JSON Schema of [`Report`], as published in `schemas/report.v1.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
