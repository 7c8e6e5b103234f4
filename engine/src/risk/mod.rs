//! Risk assessment: scope, scenarios, inherent and residual levels, acceptance.
//!
//! Scenarios are the register's rows plus, for every in-scope asset, one per applicable
//! threat of the catalog (unless a register row already covers that asset and threat). The
//! work is done per asset in parallel (rayon): the asset is converted for the rule evaluator
//! once, rules that read only `asset` and `org` are evaluated once for all its scenarios, and
//! results are collected in asset order, so the output is identical for any thread count.
//!
//! Only numbers are kept per scenario. [`explain`] re-runs the same scoring code for one
//! scenario with a trace, which is how every level carries its derivation without storing a
//! million explanations.

mod inherit;
pub mod plugins;

use std::collections::HashSet;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use inherit::{Effective, effective_cia};
// The risk model is configuration, one layer down; its types are used here throughout.
pub use crate::riskmodel::{
    Acceptability, Formula, Level, Method, Quantitative, RiskMatrix, RiskModel, Score, matrix,
    method,
};

use crate::model::*;
use crate::rules::bindings::Bindings;
use crate::rules::expr::{EvalError, Evaluator, Interpreter};
use crate::rules::plan::{AssetVerdicts, ScenarioRules};
use crate::rules::records::{AssetRecord, OrgRecord, RiskFields, RiskId, RiskRecord, ThreatRecord};
use crate::rules::ruleset::{Change, Factor, RiskRule, RuleOrigin};
use crate::workspace::Workspace;

/// Where a scenario comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "risk")]
pub enum RiskSource {
    Register(RiskIdx),
    Generated,
}

/// Where a risk stands against the risk appetite.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AppetiteStatus {
    /// Residual level at or below the appetite.
    WithinAppetite,
    /// Above the appetite, tolerated with a valid acceptance.
    Accepted,
    /// Above the appetite, tolerated, but the acceptance has lapsed.
    AcceptanceExpired,
    /// Above the appetite with no valid acceptance.
    AboveAppetite,
}

impl AppetiteStatus {
    /// The spelling of reports and comparisons (`above_appetite`).
    pub fn code(self) -> &'static str {
        match self {
            AppetiteStatus::WithinAppetite => "within_appetite",
            AppetiteStatus::Accepted => "accepted",
            AppetiteStatus::AcceptanceExpired => "acceptance_expired",
            AppetiteStatus::AboveAppetite => "above_appetite",
        }
    }

    /// The status in words, for people (`above appetite`).
    pub fn as_str(self) -> &'static str {
        match self {
            AppetiteStatus::WithinAppetite => "within appetite",
            AppetiteStatus::Accepted => "accepted",
            AppetiteStatus::AcceptanceExpired => "acceptance expired",
            AppetiteStatus::AboveAppetite => "above appetite",
        }
    }
}

/// One scored scenario: numbers only; [`explain`] gives its derivation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoredRisk {
    pub source: RiskSource,
    /// The asset the scenario is about (for a register row, its most valuable asset).
    pub asset: AssetIdx,
    pub threat: Option<ThreatIdx>,
    pub inherent: Score,
    pub residual: Score,
    pub status: AppetiteStatus,
}

impl ScoredRisk {
    /// The risk's id: the register id, or `<asset id>:<threat id>` for a generated scenario.
    pub fn id(&self, ws: &Workspace) -> String {
        match self.source {
            RiskSource::Register(r) => ws.risks[r.index()].id.clone(),
            RiskSource::Generated => generated_id(ws, self.asset, self.threat),
        }
    }

    /// The register row the scenario comes from, if any.
    pub fn register<'w>(&self, ws: &'w Workspace) -> Option<&'w Risk> {
        match self.source {
            RiskSource::Register(i) => Some(&ws.risks[i.index()]),
            RiskSource::Generated => None,
        }
    }

    /// The risk's id without formatting it.
    pub fn key<'w>(&self, ws: &'w Workspace) -> RiskId<'w> {
        match (self.source, self.threat) {
            (RiskSource::Register(r), _) => RiskId::Register(&ws.risks[r.index()].id),
            (RiskSource::Generated, Some(t)) => generated_key(ws, self.asset, t),
            (RiskSource::Generated, None) => RiskId::Register(&ws.asset(self.asset).id),
        }
    }
}

fn generated_id(ws: &Workspace, asset: AssetIdx, threat: Option<ThreatIdx>) -> String {
    match threat {
        Some(t) => generated_key(ws, asset, t).to_string(),
        None => ws.asset(asset).id.clone(),
    }
}

/// A generated scenario's id, formatted only when needed.
fn generated_key(ws: &Workspace, asset: AssetIdx, threat: ThreatIdx) -> RiskId<'_> {
    RiskId::Generated {
        asset: &ws.asset(asset).id,
        threat: &ws.threats[threat.index()].id,
    }
}

/// Run-time failures of one rule: how many records, and the first few.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleFailures {
    pub rule: String,
    pub count: usize,
    /// (record id, message), in record order.
    pub examples: Vec<(String, String)>,
}

/// How many failing records are kept per rule as examples.
const FAILURE_EXAMPLES: usize = 5;

/// Evaluation options: `Options::new(as_of)`, then `with_…` for the rest (fields may be added).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Options {
    /// The date acceptances and deadlines are judged at.
    pub as_of: NaiveDate,
    /// Compiled rules (the default) or the `cel` interpreter for every rule.
    pub evaluator: Evaluator,
}

impl Options {
    /// Judges acceptances and deadlines at `as_of`, with the compiled rules.
    pub fn new(as_of: NaiveDate) -> Self {
        Options {
            as_of,
            evaluator: Evaluator::default(),
        }
    }

    /// The same options with another rule evaluator.
    pub fn with_evaluator(self, evaluator: Evaluator) -> Self {
        Options { evaluator, ..self }
    }
}

/// The result of a risk assessment.
#[derive(Debug)]
pub struct Assessment {
    pub risks: Vec<ScoredRisk>,
    /// Per asset: whether it is in scope.
    pub in_scope: Vec<bool>,
    /// Per asset: effective protection needs after inheritance.
    pub effective: Vec<Effective>,
    /// Rules (and threat filters) that failed on some records.
    pub rule_failures: Vec<RuleFailures>,
    /// Findings the plugins reported about assets.
    pub plugin_findings: Vec<plugins::PluginFinding>,
    /// Plugins that failed, one failure each; none of their results were used.
    pub plugin_failures: Vec<crate::plugin::PluginFailure>,
    /// Applicability reasons from the plugins that did not fail, with the plugin's index.
    pub plugin_reasons: Vec<(usize, crate::plugin::PluginReason)>,
    /// Fuel spent by each plugin that did not fail.
    pub plugin_costs: Vec<plugins::PluginCost>,
    /// What each plugin that did not fail changed in the levels.
    pub plugin_influence: Vec<plugins::PluginInfluence>,
    /// Per control (catalog order): the treatment plan's progress on it, as scoring used it.
    pub plan: Vec<crate::controls::PlanProgress>,
    pub as_of: NaiveDate,
    pub evaluator: Evaluator,
}

/// A failure while evaluating: the rule (or filter) and the record.
struct Failure {
    rule: String,
    record: String,
    message: String,
}

/// Where a base value came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from")]
pub enum BaseSource {
    /// Assessed in the register, at this record.
    Assessed { at: crate::diag::RecordLocation },
    /// The threat's base likelihood.
    Threat { threat: String },
    /// The highest effective value among the properties the threat harms.
    ProtectionNeed { asset: String, property: String },
    /// Neither assessed nor derivable: the middle of the scale.
    MidScale,
}

/// Where a base value came from, borrowed: turned into a [`BaseSource`] only for a trace.
#[derive(Debug, Clone, Copy)]
enum Base<'a> {
    Assessed(&'a Risk),
    Threat(&'a Threat),
    Need(AssetIdx, &'static str),
    MidScale,
}

impl Base<'_> {
    fn source(self, ws: &Workspace) -> BaseSource {
        match self {
            Base::Assessed(r) => BaseSource::Assessed {
                at: ws.cite(r.origin),
            },
            Base::Threat(t) => BaseSource::Threat {
                threat: t.id.clone(),
            },
            Base::Need(a, property) => BaseSource::ProtectionNeed {
                asset: ws.asset(a).id.clone(),
                property: property.to_owned(),
            },
            Base::MidScale => BaseSource::MidScale,
        }
    }
}

/// One rule that changed a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    pub rule: String,
    pub factor: String,
    pub change: String,
    pub reason: String,
    pub defined_at: String,
    /// False when the register assessed this factor: the analyst's value stands, since it
    /// already weighs what the rule would add.
    pub applied: bool,
}

/// A property inherited from a dependent asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inheritance {
    pub property: String,
    pub declared: u8,
    pub effective: u8,
    /// The chain of dependents the value came through, nearest first.
    pub via: Vec<String>,
}

/// The effect of one treatment action on the residual risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionEffect {
    pub action: String,
    pub status: String,
    pub likelihood_reduction: u8,
    pub impact_reduction: u8,
    /// Only done actions reduce the residual risk.
    pub counted: bool,
}

/// What one existing control did to a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlEffect {
    pub control: String,
    /// `likelihood` or `impact`.
    pub factor: String,
    /// The status that counted (`excluded` when the SoA excludes the control).
    pub status: String,
    /// Whether the SoA names evidence for it.
    pub evidence: bool,
    /// Why its evidence is stale, when it names a document past its review or not approved.
    pub stale_evidence: Option<String>,
    /// Its effectiveness, 0 to 1 (status, halved without evidence by default).
    pub effectiveness: f64,
    /// Its share of the factor's reduction, in steps, before rounding.
    pub steps: f64,
}

/// The derivation of one risk's levels, step by step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Derivation {
    pub id: String,
    pub title: String,
    pub asset: String,
    pub threat: Option<String>,
    pub in_scope: bool,
    pub base_likelihood: u8,
    pub likelihood_from: BaseSource,
    pub base_impact: u8,
    pub impact_from: BaseSource,
    pub inherited: Vec<Inheritance>,
    pub adjustments: Vec<Adjustment>,
    /// Adjustments by plugins, applied after the rules.
    pub plugin_adjustments: Vec<Adjustment>,
    pub rule_errors: Vec<(String, String)>,
    pub method: String,
    pub inherent: Score,
    pub inherent_level: String,
    /// The threat's mitigating controls, each with its share of the reduction.
    pub controls: Vec<ControlEffect>,
    /// Steps the existing controls removed from likelihood and impact (after rounding).
    pub control_reduction: (u8, u8),
    /// Why the controls did not count, when they did not (the register's assessed values
    /// already weigh the controls in place).
    pub controls_note: Option<String>,
    pub actions: Vec<ActionEffect>,
    pub residual: Score,
    pub residual_level: String,
    pub appetite: u8,
    pub status: AppetiteStatus,
    pub acceptance: Option<Acceptance>,
}

/// Everything shared by the per-asset workers.
struct Scorer<'a> {
    ws: &'a Workspace,
    interp: Interpreter,
    org: OrgRecord<'a>,
    no_threat: ThreatRecord<'a>,
    threats: Vec<ThreatRecord<'a>>,
    effective: Vec<Effective>,
    plan: ScenarioRules<'a>,
    /// Per threat: the first threat with the same filter, when the filter does not read
    /// `threat` (so its verdict for an asset is shared), else the threat itself.
    filter_leader: Vec<usize>,
    /// Per register risk: indices of the treatment actions naming it.
    actions_by_risk: Vec<Vec<usize>>,
    /// (asset, threat) pairs the register covers: no generated scenario for them.
    covered: HashSet<(AssetIdx, ThreatIdx)>,
    /// Per control: what the treatment plan has done for it (also the SoA's).
    plan_progress: Vec<crate::controls::PlanProgress>,
    /// Every control's status and effectiveness, from the declared SoA and the plan.
    control_states: Vec<crate::controls::ControlState>,
    /// Per threat: the steps its mitigating controls remove.
    threat_effects: Vec<crate::controls::ThreatEffect>,
    as_of: NaiveDate,
}

/// The inputs of one scenario's scoring.
struct Input<'a> {
    source: RiskSource,
    id: RiskId<'a>,
    asset: AssetIdx,
    threat: Option<ThreatIdx>,
    register: Option<&'a Risk>,
}

fn clamp(base: u8, steps: i32, set: Option<u8>, max: u8) -> u8 {
    let start = i32::from(set.unwrap_or(base));
    (start + steps).clamp(1, i32::from(max)) as u8
}

fn describe_change(c: Change) -> String {
    match c {
        Change::By(n) if n > 0 => format!("+{n}"),
        Change::By(n) => n.to_string(),
        Change::Set(v) => format!("set to {v}"),
    }
}

fn cite(o: &RuleOrigin) -> String {
    o.to_string()
}

impl<'a> Scorer<'a> {
    fn new(ws: &'a Workspace, options: Options) -> Self {
        let effective = effective_cia(&ws.assets);
        let mut actions_by_risk = vec![Vec::new(); ws.risks.len()];
        for (i, a) in ws.actions.iter().enumerate() {
            for r in &a.risks {
                actions_by_risk[r.index()].push(i);
            }
        }
        let covered = ws
            .risks
            .iter()
            .flat_map(|r| {
                r.threat
                    .into_iter()
                    .flat_map(move |t| r.assets.iter().map(move |a| (*a, t)))
            })
            .collect();
        let filter_leader = ws
            .threat_filters
            .iter()
            .enumerate()
            .map(|(t, f)| {
                if f.uses().threat {
                    return t;
                }
                ws.threat_filters
                    .iter()
                    .position(|g| g.source() == f.source())
                    .unwrap_or(t)
            })
            .collect();
        let org = OrgRecord::new(&ws.profile);
        let threats: Vec<ThreatRecord> = ThreatRecord::all(&ws.threats);
        let plan_progress = crate::controls::plan_progress(ws, options.as_of);
        let control_states = crate::controls::states(ws, &plan_progress, options.as_of);
        let threat_effects = crate::controls::threat_effects(ws, &control_states);
        let plan = ScenarioRules::new(
            ws.rulesets.iter().flat_map(|s| &s.risk_rules).collect(),
            &threats,
            &org,
            options.evaluator,
        );
        Scorer {
            ws,
            interp: Interpreter::new(options.evaluator),
            org,
            no_threat: ThreatRecord::new(None),
            threats,
            effective,
            plan,
            filter_leader,
            actions_by_risk,
            covered,
            plan_progress,
            control_states,
            threat_effects,
            as_of: options.as_of,
        }
    }

    fn asset_value(&self, a: AssetIdx, in_scope: bool) -> AssetRecord<'a> {
        AssetRecord::new(&self.ws.assets, a, self.effective[a.index()].cia, in_scope)
    }

    /// Whether an asset is in scope: the manifest filter holds and no scope filter of the rule
    /// sets excludes it. A filter that fails on the asset leaves it in scope (so its risks are
    /// not silently dropped) and is reported.
    fn in_scope(&self, a: AssetIdx, value: &AssetRecord<'_>, failures: &mut Vec<Failure>) -> bool {
        let b = Bindings {
            asset: Some(value),
            org: Some(&self.org),
            ..Default::default()
        };
        let id = &self.ws.asset(a).id;
        if let Some(filter) = &self.ws.scope_filter {
            match filter.eval_bool(&self.interp, &b) {
                Ok(false) => return false,
                Ok(true) => {}
                Err(e) => failures.push(Failure {
                    rule: "scope.filter".into(),
                    record: id.clone(),
                    message: e.0,
                }),
            }
        }
        for set in &self.ws.rulesets {
            for f in &set.scope_filters {
                match f.exclude.eval_bool(&self.interp, &b) {
                    Ok(true) => return false,
                    Ok(false) => {}
                    Err(e) => failures.push(Failure {
                        rule: f.id.clone(),
                        record: id.clone(),
                        message: e.0,
                    }),
                }
            }
        }
        true
    }

    /// Evaluates the asset-level rules and gates once for an asset.
    fn asset_hits(
        &self,
        a: AssetIdx,
        value: &AssetRecord<'_>,
        failures: &mut Vec<Failure>,
    ) -> AssetVerdicts {
        let b = Bindings {
            asset: Some(value),
            org: Some(&self.org),
            ..Default::default()
        };
        self.plan.for_asset(&self.interp, &b, |rule, e| {
            failures.push(Failure {
                rule: rule.id.clone(),
                record: self.ws.asset(a).id.clone(),
                message: e.0,
            })
        })
    }

    /// The highest effective value among the properties the threat harms, over `assets`.
    fn impact_from_need(&self, assets: &[AssetIdx], affects: Affects) -> (u8, Base<'a>) {
        let mut best = (0u8, Base::MidScale);
        for a in assets {
            let e = self.effective[a.index()].cia;
            for (on, value, name) in [
                (
                    affects.confidentiality,
                    e.confidentiality,
                    "confidentiality",
                ),
                (affects.integrity, e.integrity, "integrity"),
                (affects.availability, e.availability, "availability"),
            ] {
                if on && value > best.0 {
                    best = (value, Base::Need(*a, name));
                }
            }
        }
        if best.0 == 0 {
            (
                self.ws.risk_model.matrix.max_impact().div_ceil(2),
                Base::MidScale,
            )
        } else {
            best
        }
    }

    /// Scores one scenario; with `trace`, records every step. Nothing is allocated unless a
    /// rule fails or a trace is asked for.
    fn score(
        &self,
        input: &Input<'a>,
        asset_value: &AssetRecord<'_>,
        asset_rules: &AssetVerdicts,
        failures: &mut Vec<Failure>,
        mut trace: Option<&mut Derivation>,
    ) -> ScoredRisk {
        let ws = self.ws;
        let model = &ws.risk_model;
        let (max_l, max_i) = (model.matrix.max_likelihood(), model.matrix.max_impact());
        let threat = input.threat.map(|t| &ws.threats[t.index()]);
        let (base_l, l_from) = match (input.register, threat) {
            (Some(r), _) if r.likelihood.is_some() => {
                (r.likelihood.unwrap_or(1), Base::Assessed(r))
            }
            (_, Some(t)) => (t.likelihood.min(max_l), Base::Threat(t)),
            _ => (max_l.div_ceil(2), Base::MidScale),
        };
        let affects = threat.map_or(Affects::ALL, |t| t.affects);
        let (base_i, i_from) = match input.register {
            Some(r) if r.impact.is_some() => (r.impact.unwrap_or(1), Base::Assessed(r)),
            Some(r) => self.impact_from_need(&r.assets, affects),
            None => self.impact_from_need(&[input.asset], affects),
        };
        let base_i = base_i.min(max_i);
        let assessed_l = matches!(l_from, Base::Assessed(_));
        let assessed_i = matches!(i_from, Base::Assessed(_));
        let applies = |r: &RiskRule| match r.factor {
            Factor::Likelihood => !assessed_l,
            Factor::Impact => !assessed_i,
        };

        // Rules: asset-level hits were found once for the asset; the others run here.
        let threat_value = input
            .threat
            .map_or(&self.no_threat, |t| &self.threats[t.index()]);
        let risk_value = self
            .plan
            .reads_risk
            .then(|| RiskRecord::new(RiskFields::of(input.id, input.register, base_l, base_i)));
        let bindings = Bindings {
            asset: Some(asset_value),
            threat: Some(threat_value),
            risk: risk_value.as_ref().map(|r| r as _),
            org: Some(&self.org),
            inventory: None,
        };
        let (mut l_steps, mut i_steps, mut l_set, mut i_set) = (0i32, 0i32, None::<u8>, None::<u8>);
        let mut adjust = |rule: &RiskRule| {
            if !applies(rule) {
                return;
            }
            let (steps, set) = match rule.factor {
                Factor::Likelihood => (&mut l_steps, &mut l_set),
                Factor::Impact => (&mut i_steps, &mut i_set),
            };
            match rule.change {
                Change::By(n) => *steps += i32::from(n),
                Change::Set(v) => *set = Some(set.map_or(v, |s: u8| s.max(v))),
            }
        };
        let rules = &self.plan.rules;
        let mut traced_hits = Vec::new();
        let tracing = trace.is_some();
        let mut rule_errors = Vec::new();
        self.plan.for_scenario(
            &self.interp,
            asset_rules,
            input.threat,
            &bindings,
            |i| {
                adjust(rules[i]);
                traced_hits.extend(tracing.then_some(i));
            },
            |i, e| {
                if tracing {
                    rule_errors.push((rules[i].id.clone(), e.0.clone()));
                }
                failures.push(Failure {
                    rule: rules[i].id.clone(),
                    record: input.id.to_string(),
                    message: e.0,
                });
            },
        );
        if let Some(t) = trace.as_deref_mut() {
            t.rule_errors.extend(rule_errors);
        }
        let likelihood = clamp(base_l, l_steps, l_set, max_l);
        let impact = clamp(base_i, i_steps, i_set, max_i);
        let (inherent, residual, status) = self.finish(
            input.source,
            input.register,
            input.asset,
            input.threat,
            input.id,
            likelihood,
            impact,
            trace.as_deref_mut(),
        );

        if let Some(t) = trace {
            traced_hits.sort_unstable();
            t.base_likelihood = base_l;
            t.likelihood_from = l_from.source(ws);
            t.base_impact = base_i;
            t.impact_from = i_from.source(ws);
            t.adjustments = traced_hits
                .iter()
                .map(|&i| {
                    let r = rules[i];
                    Adjustment {
                        rule: r.id.clone(),
                        factor: r.factor.to_string(),
                        change: describe_change(r.change),
                        reason: r.reason.clone(),
                        defined_at: cite(&r.origin),
                        applied: applies(r),
                    }
                })
                .collect();
            let decision = input.register.and_then(|r| r.treatment.as_ref());
            t.method = model.method.name().to_owned();
            t.inherent = inherent;
            t.inherent_level = model.matrix.level_info(inherent.level).name.clone();
            t.residual = residual;
            t.residual_level = model.matrix.level_info(residual.level).name.clone();
            t.appetite = ws.profile.risk_appetite;
            t.status = status;
            t.acceptance = decision.and_then(|d| d.acceptance.clone());
        }
        ScoredRisk {
            source: input.source,
            asset: input.asset,
            threat: input.threat,
            inherent,
            residual,
            status,
        }
    }

    /// From the final likelihood and impact: the inherent level, the residual after the
    /// plan's done actions, and the verdict against the appetite.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        source: RiskSource,
        register: Option<&Risk>,
        asset: AssetIdx,
        threat: Option<ThreatIdx>,
        id: RiskId<'_>,
        likelihood: u8,
        impact: u8,
        mut trace: Option<&mut Derivation>,
    ) -> (Score, Score, AppetiteStatus) {
        let ws = self.ws;
        let model = &ws.risk_model;
        let (max_l, max_i) = (model.matrix.max_likelihood(), model.matrix.max_impact());
        let asset_value_need = self.effective[asset.index()].cia.max();
        // Only the quantitative method reads the id (it seeds the simulation).
        let key = match model.method {
            Method::Quantitative(_) => id.to_string(),
            _ => String::new(),
        };
        let inherent =
            model
                .method
                .score(&model.matrix, likelihood, impact, asset_value_need, &key);

        // Residual: existing controls, then done actions of the treatment plan, lower
        // likelihood and impact.
        let (c_l, c_i) = self.control_steps(threat, register, trace.as_deref_mut());
        let (mut l_red, mut i_red) = (i32::from(c_l), i32::from(c_i));
        if let RiskSource::Register(r) = source {
            for &a in &self.actions_by_risk[r.index()] {
                let action = &ws.actions[a];
                let counted = action.status == ActionStatus::Done;
                if counted {
                    l_red += i32::from(action.likelihood_reduction);
                    i_red += i32::from(action.impact_reduction);
                }
                if let Some(t) = trace.as_deref_mut() {
                    t.actions.push(ActionEffect {
                        action: action.id.clone(),
                        status: action.status.to_string(),
                        likelihood_reduction: action.likelihood_reduction,
                        impact_reduction: action.impact_reduction,
                        counted,
                    });
                }
            }
        }
        let residual = if l_red == 0 && i_red == 0 {
            inherent
        } else {
            let (rl, ri) = (
                clamp(likelihood, -l_red, None, max_l),
                clamp(impact, -i_red, None, max_i),
            );
            model
                .method
                .score(&model.matrix, rl, ri, asset_value_need, &key)
        };

        let appetite = ws.profile.risk_appetite;
        let decision = register.and_then(|r| r.treatment.as_ref());
        let status = if residual.level <= appetite {
            AppetiteStatus::WithinAppetite
        } else {
            match decision {
                Some(TreatmentDecision {
                    option: TreatmentOption::Tolerate,
                    acceptance: Some(acc),
                    ..
                }) => {
                    if acc.until.is_none_or(|u| u >= self.as_of) {
                        AppetiteStatus::Accepted
                    } else {
                        AppetiteStatus::AcceptanceExpired
                    }
                }
                _ => AppetiteStatus::AboveAppetite,
            }
        };

        (inherent, residual, status)
    }

    /// Re-scores a scenario after plugin adjustments (steps on likelihood and impact).
    fn rescore(
        &self,
        r: &ScoredRisk,
        dl: i32,
        di: i32,
        trace: Option<&mut Derivation>,
    ) -> ScoredRisk {
        let ws = self.ws;
        let m = &ws.risk_model.matrix;
        let register = r.register(ws);
        // As with rules, a value the register assessed stands.
        let dl = if register.is_some_and(|x| x.likelihood.is_some()) {
            0
        } else {
            dl
        };
        let di = if register.is_some_and(|x| x.impact.is_some()) {
            0
        } else {
            di
        };
        let l = clamp(r.inherent.likelihood, dl, None, m.max_likelihood());
        let i = clamp(r.inherent.impact, di, None, m.max_impact());
        let (inherent, residual, status) = self.finish(
            r.source,
            register,
            r.asset,
            r.threat,
            r.key(ws),
            l,
            i,
            trace,
        );
        ScoredRisk {
            inherent,
            residual,
            status,
            ..*r
        }
    }

    /// Steps the existing controls remove from a scenario's likelihood and impact. A factor
    /// the register assessed is left alone unless the manifest says assessed values are
    /// inherent (`[risk.controls] register = "inherent"`).
    fn control_steps(
        &self,
        threat: Option<ThreatIdx>,
        register: Option<&Risk>,
        trace: Option<&mut Derivation>,
    ) -> (u8, u8) {
        let Some(t) = threat else { return (0, 0) };
        let ws = self.ws;
        let settings = &ws.risk_model.controls;
        let effect = self
            .threat_effects
            .get(t.index())
            .copied()
            .unwrap_or_default();
        let current = settings.register == crate::riskmodel::RegisterValues::Current;
        let counts_l = !(current && register.is_some_and(|r| r.likelihood.is_some()));
        let counts_i = !(current && register.is_some_and(|r| r.impact.is_some()));
        let steps = (
            if counts_l { effect.likelihood } else { 0 },
            if counts_i { effect.impact } else { 0 },
        );
        if let (Some(trace), Some(m)) = (trace, ws.mitigations.get(t.index())) {
            for (factor, list, max) in [
                ("likelihood", &m.likelihood, settings.likelihood_steps),
                ("impact", &m.impact, settings.impact_steps),
            ] {
                for c in list {
                    let state = &self.control_states[c.index()];
                    trace.controls.push(ControlEffect {
                        control: ws.catalog.control(*c).id.clone(),
                        factor: factor.to_owned(),
                        status: state.status_name().to_owned(),
                        evidence: state.evidence,
                        stale_evidence: state.stale.clone(),
                        effectiveness: state.effectiveness,
                        steps: f64::from(max) * state.effectiveness / list.len() as f64,
                    });
                }
            }
            trace.control_reduction = steps;
            if !trace.controls.is_empty() && (!counts_l || !counts_i) {
                let which = match (counts_l, counts_i) {
                    (false, false) => "likelihood and impact",
                    (false, true) => "likelihood",
                    _ => "impact",
                };
                trace.controls_note = Some(format!(
                    "the register assessed the {which} with the controls in place (register = \"current\"), so the controls do not lower it again"
                ));
            }
        }
        steps
    }

    /// The register row's asset with the highest protection need (ties: the first listed).
    fn primary_asset(&self, r: &Risk) -> AssetIdx {
        let mut best = r.assets[0];
        for a in &r.assets[1..] {
            if self.effective[a.index()].cia.max() > self.effective[best.index()].cia.max() {
                best = *a;
            }
        }
        best
    }
}

/// Assets a worker takes at a time.
const ASSETS_PER_CHUNK: usize = 256;

/// The results for a run of consecutive assets.
#[derive(Default)]
struct Chunk {
    in_scope: Vec<bool>,
    risks: Vec<ScoredRisk>,
    failures: Vec<Failure>,
    /// Scratch: per threat, the verdict of its filter for the current asset.
    verdicts: Vec<Option<Result<bool, EvalError>>>,
}

impl Scorer<'_> {
    /// Scope, then the generated scenarios of one asset, scored into `out`.
    fn asset_scenarios(&self, a: AssetIdx, out: &mut Chunk) {
        let ws = self.ws;
        let probe = self.asset_value(a, true);
        let in_scope = self.in_scope(a, &probe, &mut out.failures);
        out.in_scope.push(in_scope);
        if !in_scope || !ws.risk_model.generate_scenarios {
            return;
        }
        let hits = self.asset_hits(a, &probe, &mut out.failures);
        let b = Bindings {
            asset: Some(&probe),
            org: Some(&self.org),
            ..Default::default()
        };
        // Threats sharing a filter that does not read `threat` share its verdict.
        out.verdicts.clear();
        out.verdicts.resize(ws.threats.len(), None);
        for (t, filter) in ws.threat_filters.iter().enumerate() {
            let leader = self.filter_leader[t];
            let t = ThreatIdx(t as u32);
            if self.covered.contains(&(a, t)) {
                continue;
            }
            let bt = Bindings {
                threat: Some(&self.threats[t.index()]),
                ..b
            };
            let verdict = match &out.verdicts[leader] {
                Some(v) => v.clone(),
                None => {
                    let v = filter.eval_bool(&self.interp, &bt);
                    out.verdicts[leader] = Some(v.clone());
                    v
                }
            };
            match verdict {
                Ok(true) => {
                    let input = Input {
                        source: RiskSource::Generated,
                        id: generated_key(ws, a, t),
                        asset: a,
                        threat: Some(t),
                        register: None,
                    };
                    let scored = self.score(&input, &probe, &hits, &mut out.failures, None);
                    out.risks.push(scored);
                }
                Ok(false) => {}
                Err(e) => out.failures.push(Failure {
                    rule: format!("{}.applies_to", ws.threats[t.index()].id),
                    record: ws.asset(a).id.clone(),
                    message: e.0,
                }),
            }
        }
    }
}

/// Assesses every risk of the workspace. Run it inside a rayon pool to choose the threads.
pub fn assess(ws: &Workspace, options: Options) -> Assessment {
    let scorer = Scorer::new(ws, options);
    // Per asset: scope, generated scenarios, failures; in asset order whatever the threads.
    // Assets in chunks: each chunk's scenarios land in one growing vector, so allocations
    // are per chunk, not per asset or scenario; chunks come back in order.
    let chunks: Vec<Chunk> = (0..ws.assets.len())
        .into_par_iter()
        .fold_chunks(ASSETS_PER_CHUNK, Chunk::default, |mut chunk, i| {
            scorer.asset_scenarios(AssetIdx(i as u32), &mut chunk);
            chunk
        })
        .collect();
    let in_scope: Vec<bool> = chunks
        .iter()
        .flat_map(|c| c.in_scope.iter().copied())
        .collect();
    // Register rows, in register order, before the generated scenarios.
    let register: Vec<(ScoredRisk, Vec<Failure>)> = ws
        .risks
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let mut f = Vec::new();
            let a = scorer.primary_asset(r);
            let value = scorer.asset_value(a, in_scope[a.index()]);
            let hits = scorer.asset_hits(a, &value, &mut f);
            let input = Input {
                source: RiskSource::Register(RiskIdx(i as u32)),
                id: RiskId::Register(&r.id),
                asset: a,
                threat: r.threat,
                register: Some(r),
            };
            (scorer.score(&input, &value, &hits, &mut f, None), f)
        })
        .collect();
    // One contiguous vector, sized once: register rows, then each asset's scenarios.
    let generated: usize = chunks.iter().map(|c| c.risks.len()).sum();
    let mut risks = Vec::with_capacity(register.len() + generated);
    let mut register_failures = Vec::new();
    for (s, f) in register {
        risks.push(s);
        register_failures.extend(f);
    }
    for chunk in chunks {
        risks.extend(chunk.risks);
        register_failures.extend(chunk.failures);
    }
    let from_plugins = plugins::run(&scorer, &risks, Some(&in_scope));
    let plugin_influence = plugins::apply(
        &scorer,
        &mut risks,
        &from_plugins.adjustments,
        &from_plugins.failures,
    );
    Assessment {
        risks,
        in_scope,
        effective: scorer.effective,
        rule_failures: summarise(register_failures),
        plugin_findings: from_plugins.findings,
        plugin_failures: from_plugins.failures,
        plugin_reasons: from_plugins.reasons,
        plugin_costs: from_plugins.costs,
        plugin_influence,
        plan: scorer.plan_progress,
        as_of: options.as_of,
        evaluator: options.evaluator,
    }
}

/// Groups failures by rule, in first-seen order, keeping a few examples each.
fn summarise(failures: Vec<Failure>) -> Vec<RuleFailures> {
    let mut out: Vec<RuleFailures> = Vec::new();
    for f in failures {
        let entry = match out.iter_mut().position(|r| r.rule == f.rule) {
            Some(i) => &mut out[i],
            None => {
                out.push(RuleFailures {
                    rule: f.rule.clone(),
                    count: 0,
                    examples: Vec::new(),
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        entry.count += 1;
        if entry.examples.len() < FAILURE_EXAMPLES {
            entry.examples.push((f.record, f.message));
        }
    }
    out
}

/// Why a risk id could not be explained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error(
        "no risk `{0}`: give a register id, or `<asset id>:<threat id>` for a generated scenario"
    )]
    UnknownRisk(String),
    #[error("asset `{asset}` and threat `{threat}` form no scenario: {why}")]
    NoScenario {
        asset: String,
        threat: String,
        why: String,
    },
}

/// The derivation of one risk: base values, inheritance, each rule with its reason, the
/// method's result, the treatment plan's effect and the acceptance verdict.
pub fn explain(ws: &Workspace, id: &str, options: Options) -> Result<Derivation, ExplainError> {
    let scorer = Scorer::new(ws, options);
    let (source, asset, threat, register) = if let Some(r) = ws.risk_by_id(id) {
        let risk = &ws.risks[r.index()];
        (
            RiskSource::Register(r),
            scorer.primary_asset(risk),
            risk.threat,
            Some(risk),
        )
    } else {
        let (a, t) = id
            .rsplit_once(':')
            .ok_or_else(|| ExplainError::UnknownRisk(id.to_owned()))?;
        let (Some(a), Some(t)) = (ws.asset_by_id(a), ws.threat_by_id(t)) else {
            return Err(ExplainError::UnknownRisk(id.to_owned()));
        };
        (RiskSource::Generated, a, Some(t), None)
    };
    let mut failures = Vec::new();
    let probe = scorer.asset_value(asset, true);
    let in_scope = scorer.in_scope(asset, &probe, &mut failures);
    let value = scorer.asset_value(asset, in_scope);
    if let (RiskSource::Generated, Some(t)) = (source, threat) {
        let no = |why: &str| ExplainError::NoScenario {
            asset: ws.asset(asset).id.clone(),
            threat: ws.threats[t.index()].id.clone(),
            why: why.to_owned(),
        };
        if !in_scope {
            return Err(no("the asset is out of scope"));
        }
        if scorer.covered.contains(&(asset, t)) {
            return Err(no("a register row covers this asset and threat"));
        }
        let b = Bindings {
            asset: Some(&value),
            threat: Some(&scorer.threats[t.index()]),
            org: Some(&scorer.org),
            risk: None,
            inventory: None,
        };
        if !ws.threat_filters[t.index()]
            .eval_bool(&scorer.interp, &b)
            .unwrap_or(false)
        {
            return Err(no("the threat does not apply to the asset"));
        }
    }
    let hits = scorer.asset_hits(asset, &value, &mut failures);
    let mut trace = Derivation {
        id: id.to_owned(),
        title: register.map_or_else(
            || {
                format!(
                    "{} threatens {}",
                    ws.threats[threat.map_or(0, |t| t.index())].name,
                    ws.asset(asset).name
                )
            },
            |r| r.title.clone(),
        ),
        asset: ws.asset(asset).id.clone(),
        threat: threat.map(|t| ws.threats[t.index()].id.clone()),
        in_scope,
        base_likelihood: 0,
        likelihood_from: BaseSource::MidScale,
        base_impact: 0,
        impact_from: BaseSource::MidScale,
        inherited: inheritance_chain(ws, &scorer.effective, asset),
        adjustments: Vec::new(),
        plugin_adjustments: Vec::new(),
        rule_errors: failures
            .iter()
            .map(|f| (f.rule.clone(), f.message.clone()))
            .collect(),
        method: String::new(),
        inherent: Score {
            likelihood: 0,
            impact: 0,
            level: 0,
            value: 0.0,
        },
        inherent_level: String::new(),
        controls: Vec::new(),
        control_reduction: (0, 0),
        controls_note: None,
        actions: Vec::new(),
        residual: Score {
            likelihood: 0,
            impact: 0,
            level: 0,
            value: 0.0,
        },
        residual_level: String::new(),
        appetite: ws.profile.risk_appetite,
        status: AppetiteStatus::WithinAppetite,
        acceptance: None,
    };
    let input = Input {
        source,
        id: match (source, threat) {
            (RiskSource::Generated, Some(t)) => generated_key(ws, asset, t),
            _ => RiskId::Register(id),
        },
        asset,
        threat,
        register,
    };
    let mut ignored = Vec::new();
    let scored = scorer.score(&input, &value, &hits, &mut ignored, Some(&mut trace));
    // Plugins see the scenario as they see it in a full run: alone in its batch here.
    let from_plugins = plugins::run(&scorer, std::slice::from_ref(&scored), None);
    if !from_plugins.adjustments.is_empty() {
        let register = scored.source != RiskSource::Generated;
        trace.plugin_adjustments = from_plugins
            .adjustments
            .iter()
            .map(|a| {
                let assessed = register
                    && match a.factor {
                        Factor::Likelihood => {
                            matches!(trace.likelihood_from, BaseSource::Assessed { .. })
                        }
                        Factor::Impact => matches!(trace.impact_from, BaseSource::Assessed { .. }),
                    };
                Adjustment {
                    rule: format!("plugin:{}", ws.plugins[a.plugin].manifest.id),
                    factor: a.factor.to_string(),
                    change: describe_change(Change::By(a.delta)),
                    reason: a.reason.clone(),
                    defined_at: ws.plugins[a.plugin].dir.display().to_string(),
                    applied: !assessed,
                }
            })
            .collect();
        trace.actions.clear();
        trace.controls.clear();
        trace.controls_note = None;
        let (dl, di) = from_plugins
            .adjustments
            .iter()
            .fold((0, 0), |(l, i), a| match a.factor {
                Factor::Likelihood => (l + i32::from(a.delta), i),
                Factor::Impact => (l, i + i32::from(a.delta)),
            });
        let r = scorer.rescore(&scored, dl, di, Some(&mut trace));
        let m = &ws.risk_model.matrix;
        trace.inherent = r.inherent;
        trace.inherent_level = m.level_info(r.inherent.level).name.clone();
        trace.residual = r.residual;
        trace.residual_level = m.level_info(r.residual.level).name.clone();
        trace.status = r.status;
    }
    for f in from_plugins.failures {
        trace
            .rule_errors
            .push((format!("plugin:{}", f.plugin), f.to_string()));
    }
    Ok(trace)
}

/// Properties an asset inherited, each with the chain of dependents it came through.
fn inheritance_chain(ws: &Workspace, effective: &[Effective], asset: AssetIdx) -> Vec<Inheritance> {
    let declared = ws.asset(asset).cia;
    let names = ["confidentiality", "integrity", "availability"];
    let values = |c: Cia| [c.confidentiality, c.integrity, c.availability];
    let mut out = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let mut via = Vec::new();
        let mut at = effective[asset.index()].from[k];
        while let Some(a) = at {
            via.push(ws.asset(a).id.clone());
            at = effective[a.index()].from[k];
        }
        if !via.is_empty() {
            out.push(Inheritance {
                property: (*name).to_owned(),
                declared: values(declared)[k],
                effective: values(effective[asset.index()].cia)[k],
                via,
            });
        }
    }
    out
}
