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
use crate::cycle::readiness;
use crate::gaps::{self, Context};
use crate::risk::{self, Assessment, RiskSource};
use crate::soa::{self, Soa};
use crate::workspace::Workspace;

// Every type a report holds, documented here whichever stage computes it.
pub use crate::cycle::calendar::{Calendar, DueItem, ExternalAudit};
pub use crate::cycle::readiness::{GapRef, Readiness, ReadinessItem, Stage};
pub use crate::diag::RecordLocation;
pub use crate::framework::Relationship;
pub use crate::framework::coverage::{
    ClauseLink, ControlLink, FrameworkCoverage, GapBrief, GroupCoverage, LinkState,
    RequirementCoverage, Verdict, VerdictCounts,
};
pub use crate::gaps::gap::{Gap, ObjectKind, ObjectRef};
pub use crate::model::{ImplementationStatus, Severity, TreatmentOption};
pub use crate::risk::AppetiteStatus;
pub use crate::riskmodel::Acceptability;
pub use crate::rules::expr::Evaluator;
pub use crate::rules::ruleset::ReasonCategory;
pub use crate::soa::{Basis, PlanProgress, Reason};

/// The schema identifier every report carries; bumped on incompatible changes.
pub const SCHEMA: &str = "isms/report/v1";

/// A file the evaluation read, with the sha256 of its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InputHash {
    /// The path as reports show it (relative to the workspace), or `builtin:<name>` for data
    /// compiled into the engine.
    pub path: String,
    /// Lowercase hex sha256 of the bytes read.
    pub sha256: String,
}

/// A rule set used, with its version and hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuleSetRef {
    /// The id the rule set declares.
    pub id: String,
    /// The version the rule set declares.
    pub version: String,
    /// `builtin:<id>`, or the path as `isms.toml` names it.
    pub name: String,
    /// Lowercase hex sha256 of the rule file.
    pub sha256: String,
}

/// A plugin that took part, with the sha256 of its component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PluginRef {
    /// The id of the plugin's manifest (`plugin.toml`).
    pub id: String,
    /// The plugin's own version.
    pub version: String,
    /// The plugin interface version it was built for.
    pub interface: String,
    /// Lowercase hex sha256 of the component file.
    pub sha256: String,
}

/// A risk level with its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LevelRef {
    /// The level, 1 (lowest) to the matrix's highest.
    pub value: u8,
    /// Its name in the matrix, e.g. `medium`.
    pub name: String,
    /// What the acceptance criteria say of it: `acceptable`, `tolerable` or `unacceptable`.
    pub acceptability: Acceptability,
}

/// Counts for the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Summary {
    /// Assets in the inventory.
    pub assets: usize,
    /// Assets the scope filter selects.
    pub assets_in_scope: usize,
    /// Rows of the risk register.
    pub register_risks: usize,
    /// Register rows plus generated scenarios.
    pub scenarios: usize,
    /// Scenarios whose residual level is above the appetite and not accepted.
    pub scenarios_above_appetite: usize,
    /// Register risks whose residual level is above the appetite and not accepted.
    pub register_above_appetite: usize,
    /// Scenarios whose inherent level (before existing controls and done actions) is above
    /// the appetite: with `scenarios_above_appetite`, what the controls in place achieve.
    #[serde(default)]
    pub scenarios_above_appetite_inherent: usize,
    /// Controls of the catalog, one SoA row each.
    pub controls: usize,
    /// Controls the generated SoA finds applicable.
    pub applicable: usize,
    /// Applicable controls whose status is implemented.
    pub implemented: usize,
    /// All gaps found.
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
    /// Every level of the matrix, lowest first.
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
    /// Likelihood, 1 to the matrix's highest.
    pub likelihood: u8,
    /// Impact, 1 to the matrix's highest.
    pub impact: u8,
    /// The risk level they give.
    pub level: u8,
    /// The level's name in the matrix.
    pub level_name: String,
    /// The number the level comes from: the score (classic method), the annualised loss
    /// (quantitative) or the level itself (matrix).
    pub value: f64,
}

/// A register risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RiskRow {
    /// The register id.
    pub id: String,
    /// The risk's title.
    pub title: String,
    /// Ids of the assets at risk, in register order.
    pub assets: Vec<String>,
    /// Id of the threat, when the register names one.
    pub threat: Option<String>,
    /// The risk owner.
    pub owner: Option<String>,
    /// The treatment option (`treat`, `terminate`, `transfer`, `tolerate`); `None` when
    /// undecided.
    pub treatment: Option<TreatmentOption>,
    /// Likelihood, impact and level before treatment.
    pub inherent: ScoreView,
    /// The same after the done actions of the treatment plan.
    pub residual: ScoreView,
    /// The residual level against the appetite, with any acceptance.
    pub status: AppetiteStatus,
}

/// A row of the generated SoA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SoaRowView {
    /// The control id (`A.8.24`).
    pub control: String,
    /// The control's short title.
    pub title: String,
    /// The title of its theme (2022) or domain (2013), e.g. `Technological`.
    pub group: String,
    /// Whether the engine finds the control applicable.
    pub applicable: bool,
    /// What that decision rests on.
    pub basis: Basis,
    /// The justification for an auditor, written from the reasons or the declaration.
    pub justification: String,
    /// What makes the control applicable: risks treated, requirements, rules.
    pub reasons: Vec<Reason>,
    /// Exclusion rules that fired on the organisation's facts.
    pub exclusions: Vec<Reason>,
    /// What the declared SoA says; `None` when it omits the control.
    pub declared_applicable: Option<bool>,
    /// The declared SoA's justification, when it gives one.
    pub declared_justification: Option<String>,
    /// The declared status, else the one the plan implies, else not implemented.
    pub status: ImplementationStatus,
    /// Evidence references from the declared SoA, in its order.
    pub evidence: Vec<String>,
    /// The treatment plan's actions on this control.
    pub plan: PlanProgress,
    /// The risks the control mitigates through the threats linked to it.
    #[serde(default)]
    pub mitigates: Option<crate::soa::Mitigates>,
}

/// A rule that failed on some records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuleFailure {
    /// Id of the rule, check or threat filter that failed.
    pub rule: String,
    /// On how many records it failed.
    pub count: usize,
    /// (record id, message) of the first failures.
    pub examples: Vec<(String, String)>,
}

/// Options that shaped the evaluation (recorded as audit evidence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct EvaluationOptions {
    /// The evaluation date, `YYYY-MM-DD`: due dates and expiries are judged against it.
    pub as_of: String,
    /// The rule path: `compiled`, or `interpreter` when it was forced.
    pub evaluator: Evaluator,
    /// The risk method: `matrix`, `classic` or `quantitative`.
    pub method: String,
    /// Whether the built-in threat catalog was part of the threats.
    pub builtin_threats: bool,
    /// Whether asset x threat scenarios were generated besides the register.
    pub generate_scenarios: bool,
    /// Comprehension iterations one evaluation of a rule may run, on either path, before it
    /// fails on that record (reported under `rule_failures`).
    pub iteration_budget: u32,
}

/// A whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Version of the engine that wrote the report.
    pub engine_version: String,
    /// The workspace name (`isms.toml`; the organisation's name when it gives none).
    pub workspace: String,
    /// The organisation's name from the profile.
    pub organisation: String,
    /// The Annex A edition: `iso27001-2022` or `iso27001-2013`.
    pub catalog: String,
    /// The options the evaluation ran with.
    pub options: EvaluationOptions,
    /// The risk appetite: the highest level accepted untreated.
    pub appetite: LevelRef,
    /// Every input read, with its hash, in the order read.
    pub inputs: Vec<InputHash>,
    /// The rule sets used, in the order `isms.toml` names them.
    pub rulesets: Vec<RuleSetRef>,
    /// The plugins that took part.
    pub plugins: Vec<PluginRef>,
    /// Headline counts.
    pub summary: Summary,
    /// Scenarios per matrix cell.
    pub heatmap: HeatMap,
    /// The register's risks, in register order (generated scenarios are only counted).
    pub risks: Vec<RiskRow>,
    /// The generated SoA, one row per control in catalog order.
    pub soa: Vec<SoaRowView>,
    /// Every gap: the built-in checks' in check order, then plugin and custom-check findings.
    pub gaps: Vec<Gap>,
    /// Rules, checks and threat filters that failed on some records, with examples.
    pub rule_failures: Vec<RuleFailure>,
    /// What each plugin that did not fail changed in the risk levels.
    #[serde(default)]
    pub plugin_influence: Vec<crate::risk::plugins::PluginInfluence>,
    /// Certification readiness (Stage 1 and Stage 2 checklists) and the certification calendar.
    pub readiness: Readiness,
    /// The coverage of each framework the profile declares (`frameworks = [...]`), each with
    /// the attribution of its data; empty when none is declared.
    #[serde(default)]
    pub coverage: Vec<FrameworkCoverage>,
}

/// Everything computed for a report, kept for callers that want more than the report.
#[non_exhaustive]
pub struct Evaluation {
    /// The risk assessment: every scenario scored, scope, rule failures, plugin results.
    pub assessment: Assessment,
    /// The generated Statement of Applicability.
    pub soa: Soa,
    /// Findings and failures of the rule sets' custom checks.
    pub checks: CheckRun,
    /// Every gap, in the report's order.
    pub gaps: Vec<Gap>,
    /// Applicability and exclusion rules that failed: (rule id, message).
    pub soa_rule_errors: soa::RuleErrors,
    /// Certification readiness and calendar.
    pub readiness: Readiness,
    /// The coverage of each framework the profile declares.
    pub coverage: Vec<FrameworkCoverage>,
}

/// Runs the whole pipeline after loading: risks, SoA, custom checks, gaps, readiness and
/// the coverage of declared frameworks. Rewind the workspace to `options.as_of` first
/// ([`Workspace::rewind`]) so that records dated later count as not yet happened, as the
/// CLI does.
pub fn evaluate(ws: &Workspace, options: risk::Options) -> Evaluation {
    evaluate_with(ws, options, &mut |_| {})
}

/// [`evaluate`], calling `stage_done` with each stage's name as it ends (`risk assessment`,
/// `statement of applicability`, `custom checks`, `gap checks`, `readiness`, `framework
/// coverage`): how the CLI's `--timings` sees where the time goes, without the engine
/// measuring anything itself.
pub fn evaluate_with(
    ws: &Workspace,
    options: risk::Options,
    stage_done: &mut dyn FnMut(&'static str),
) -> Evaluation {
    let assessment = risk::assess(ws, options);
    stage_done("risk assessment");
    // Neither needs the other: the SoA (one pass per control) beside the custom checks.
    let ((soa, soa_rule_errors), checks) = rayon::join(
        || soa::build(ws, &assessment),
        || checks::run(ws, &assessment),
    );
    stage_done("SoA and custom checks");
    let gaps = gaps::detect(&Context::new(ws, &assessment, &soa), &checks);
    stage_done("gap checks");
    let readiness = readiness::assess(ws, &soa, &gaps, options.as_of);
    stage_done("readiness");
    let coverage = ws
        .declared_frameworks()
        .into_iter()
        .map(|f| coverage(ws, f, &soa, &gaps, &readiness))
        .collect();
    stage_done("framework coverage");
    Evaluation {
        assessment,
        soa,
        checks,
        gaps,
        soa_rule_errors,
        readiness,
        coverage,
    }
}

fn coverage(
    ws: &Workspace,
    f: &crate::framework::Framework,
    soa: &Soa,
    gaps: &[Gap],
    readiness: &Readiness,
) -> FrameworkCoverage {
    let declared = ws.profile.frameworks.contains(&f.id);
    crate::framework::coverage::compute(f, declared, ws.catalog, soa, gaps, readiness)
}

impl Evaluation {
    /// The coverage of any framework the workspace knows (declared or not), by id; `None`
    /// when it knows none with that id.
    pub fn coverage_of(&self, ws: &Workspace, id: &str) -> Option<FrameworkCoverage> {
        let f = ws.framework(id)?;
        if let Some(c) = self.coverage.iter().find(|c| c.framework == f.id) {
            return Some(c.clone());
        }
        Some(coverage(ws, f, &self.soa, &self.gaps, &self.readiness))
    }
}

fn level_ref(ws: &Workspace, v: u8) -> LevelRef {
    let l = ws.risk_model.matrix.level_info(v);
    LevelRef {
        value: l.value,
        name: l.name.clone(),
        acceptability: l.acceptability,
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
    assemble(
        ws,
        e,
        e.gaps.clone(),
        e.readiness.clone(),
        e.coverage.clone(),
    )
}

/// [`build`], consuming the evaluation: its gaps, readiness and coverage (most of a large
/// report) move into the report instead of being copied.
pub fn build_owned(ws: &Workspace, mut e: Evaluation) -> Report {
    let gaps = std::mem::take(&mut e.gaps);
    let readiness = std::mem::take(&mut e.readiness);
    let coverage = std::mem::take(&mut e.coverage);
    assemble(ws, &e, gaps, readiness, coverage)
}

/// The report of `e`, whose gaps, readiness and coverage are given apart.
fn assemble(
    ws: &Workspace,
    e: &Evaluation,
    gaps: Vec<Gap>,
    readiness: Readiness,
    coverage: Vec<FrameworkCoverage>,
) -> Report {
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
                treatment: risk.treatment.as_ref().map(|t| t.option),
                inherent: score_view(ws, &r.inherent),
                residual: score_view(ws, &r.residual),
                status: r.status,
            }
        })
        .collect();
    let mut gaps_by_severity: BTreeMap<Severity, usize> =
        Severity::ALL.iter().map(|s| (*s, 0)).collect();
    for g in &gaps {
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
            scenarios_above_appetite_inherent: a
                .risks
                .iter()
                .filter(|r| r.inherent.level > ws.profile.risk_appetite)
                .count(),
            controls: e.soa.rows.len(),
            applicable: e.soa.rows.iter().filter(|r| r.applicable).count(),
            implemented: e
                .soa
                .rows
                .iter()
                .filter(|r| r.applicable && r.status == ImplementationStatus::Implemented)
                .count(),
            gaps: gaps.len(),
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
                mitigates: r.mitigates.clone(),
            })
            .collect(),
        gaps,
        rule_failures,
        plugin_influence: a.plugin_influence.clone(),
        readiness,
        coverage,
    }
}

/// The JSON Schema of [`Report`], as published in `schemas/report.v1.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
