//! The risk rules prepared for a batch of scenarios.
//!
//! A scenario is an asset and a threat, and an asset has a scenario per applicable threat.
//! Rules that read neither `threat` nor `risk` are evaluated once per asset. For the others,
//! the compiler's gates (the conjuncts that read only `asset`/`org`, or only `threat`/`org`)
//! are evaluated once per asset and once per threat: a rule a gate rules out is false for the
//! scenario without being evaluated, which leaves a bit test per rule for most scenarios.

use super::bindings::Bindings;
use super::expr::{EvalError, Evaluator, Gate, Interpreter};
use super::records::{OrgRecord, ThreatRecord};
use super::ruleset::RiskRule;
use crate::model::ThreatIdx;

/// Risk rules split by what they read, with their gates.
#[derive(Debug)]
pub struct ScenarioRules<'a> {
    pub rules: Vec<&'a RiskRule>,
    /// Indices into `rules` of rules that read only `asset` and `org`.
    asset_level: Vec<usize>,
    /// Indices into `rules` of rules that read `threat` or `risk`.
    scenario_level: Vec<usize>,
    /// Per scenario-level rule: its `asset`/`org` gate.
    asset_gates: Vec<Option<Gate>>,
    /// Per threat (the last entry: no threat), per scenario-level rule: whether its
    /// `threat`/`org` gate leaves it open.
    threat_open: Vec<Vec<bool>>,
    /// Whether any rule reads `risk` (the record is built only then).
    pub reads_risk: bool,
}

/// An asset's verdicts: the asset-level rules that hold, and per scenario-level rule whether
/// its asset gate leaves it open.
#[derive(Debug, Clone, Default)]
pub struct AssetVerdicts {
    pub hits: Vec<usize>,
    open: Vec<bool>,
}

impl<'a> ScenarioRules<'a> {
    /// Splits the rules and evaluates the threat gates for every threat of the catalog. Gates
    /// are used on the compiled path only: the interpreter path stays a plain baseline.
    pub fn new(
        rules: Vec<&'a RiskRule>,
        threats: &[ThreatRecord<'_>],
        org: &OrgRecord<'_>,
        evaluator: Evaluator,
    ) -> Self {
        let (scenario_level, asset_level): (Vec<usize>, Vec<usize>) =
            (0..rules.len()).partition(|i| {
                let u = rules[*i].when.uses();
                u.threat || u.risk
            });
        let gates = |allowed: &[&str]| -> Vec<Option<Gate>> {
            scenario_level
                .iter()
                .map(|&i| rules[i].when.gate(allowed))
                .map(|g| g.filter(|_| evaluator == Evaluator::Compiled))
                .collect()
        };
        let asset_gates = gates(&["asset", "org"]);
        let threat_gates = gates(&["threat", "org"]);
        let no_threat = ThreatRecord::new(None);
        let threat_open = threats
            .iter()
            .chain([&no_threat])
            .map(|t| {
                let b = Bindings {
                    threat: Some(t),
                    org: Some(org),
                    ..Default::default()
                };
                open(&threat_gates, &b)
            })
            .collect();
        let reads_risk = rules.iter().any(|r| r.when.uses().risk);
        ScenarioRules {
            rules,
            asset_level,
            scenario_level,
            asset_gates,
            threat_open,
            reads_risk,
        }
    }

    /// Evaluates the asset-level rules and the asset gates; `bindings` holds `asset` and
    /// `org`. `failed(rule, error)` hears of each rule that failed on the asset.
    pub fn for_asset(
        &self,
        interp: &Interpreter,
        bindings: &Bindings<'_>,
        mut failed: impl FnMut(&RiskRule, EvalError),
    ) -> AssetVerdicts {
        let mut hits = Vec::new();
        for &i in &self.asset_level {
            match self.rules[i].when.eval_bool(interp, bindings) {
                Ok(true) => hits.push(i),
                Ok(false) => {}
                Err(e) => failed(self.rules[i], e),
            }
        }
        AssetVerdicts {
            hits,
            open: open(&self.asset_gates, bindings),
        }
    }

    /// Calls `hit(i)` for every rule (index into `rules`) that holds for the scenario, the
    /// asset's own hits first, and `failed(i, error)` for each that failed on it.
    pub fn for_scenario(
        &self,
        interp: &Interpreter,
        asset: &AssetVerdicts,
        threat: Option<ThreatIdx>,
        bindings: &Bindings<'_>,
        mut hit: impl FnMut(usize),
        mut failed: impl FnMut(usize, EvalError),
    ) {
        asset.hits.iter().for_each(|&i| hit(i));
        let last = self.threat_open.len() - 1;
        let threat_open = &self.threat_open[threat.map_or(last, |t| t.index())];
        for (k, &i) in self.scenario_level.iter().enumerate() {
            // A closed gate means the rule is false for this scenario.
            if !asset.open[k] || !threat_open[k] {
                continue;
            }
            match self.rules[i].when.eval_bool(interp, bindings) {
                Ok(true) => hit(i),
                Ok(false) => {}
                Err(e) => failed(i, e),
            }
        }
    }
}

/// Per gate: whether it leaves its rule open for `bindings` (no gate: open).
fn open(gates: &[Option<Gate>], bindings: &Bindings<'_>) -> Vec<bool> {
    gates
        .iter()
        .map(|g| g.as_ref().is_none_or(|g| g.may_hold(bindings)))
        .collect()
}
