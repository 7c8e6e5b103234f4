//! Running the workspace's plugins over the scored scenarios: batches out, checked risk
//! adjustments and findings back, on a rayon pool of their own.

use std::collections::BTreeMap;
#[cfg(feature = "plugins")]
use std::collections::{HashMap, HashSet};

#[cfg(feature = "plugins")]
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{ScoredRisk, Scorer};
use crate::model::{AssetIdx, Severity};
#[cfg(feature = "plugins")]
use crate::model::{AttrValue, FactValue};
#[cfg(feature = "plugins")]
use crate::plugin::breaker::{self, BatchResult, Breaker};
#[cfg(feature = "plugins")]
use crate::plugin::wit;
use crate::plugin::{self, PluginFailure};
use crate::rules::ruleset::Factor;
#[cfg(feature = "plugins")]
use crate::workspace::Workspace;

/// A finding a plugin reported about an asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PluginFinding {
    pub plugin: String,
    pub asset: AssetIdx,
    pub code: String,
    pub severity: Severity,
    pub message: String,
}

/// A plugin's adjustment of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginAdjustment {
    /// Index into the assessment's risks.
    pub risk: usize,
    pub plugin: usize,
    pub factor: Factor,
    pub delta: i8,
    pub reason: String,
}

/// Everything the plugins returned for an assessment. A plugin that failed contributes only
/// its one failure: none of its results.
#[derive(Debug, Default)]
pub struct PluginResults {
    pub adjustments: Vec<PluginAdjustment>,
    pub findings: Vec<PluginFinding>,
    /// Applicability reasons, with the index of the plugin that gave each.
    pub reasons: Vec<(usize, plugin::PluginReason)>,
    pub failures: Vec<PluginFailure>,
    /// What each plugin that did not fail spent, in plugin order.
    pub costs: Vec<PluginCost>,
}

/// The fuel a plugin spent on its `evaluate` batches in one run, to compare with its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginCost {
    pub plugin: String,
    pub batches: usize,
    /// The most fuel one batch spent (`fuel` is the limit per call).
    pub max_batch_fuel: u64,
    /// All batches together (`run_fuel` is the limit).
    pub total_fuel: u64,
}

#[cfg(feature = "plugins")]
/// The organisation's facts as plugin entries.
pub fn facts(ws: &Workspace) -> Vec<wit::Entry> {
    let mut out: Vec<wit::Entry> = ws
        .profile
        .facts
        .iter()
        .map(|(k, v)| wit::Entry {
            name: k.clone(),
            value: match v {
                FactValue::Bool(b) => b.to_string(),
                FactValue::Int(i) => i.to_string(),
                FactValue::Text(t) => t.clone(),
            },
        })
        .collect();
    if let Some(sector) = &ws.profile.sector {
        out.push(wit::Entry {
            name: "sector".into(),
            value: sector.clone(),
        });
    }
    out
}

#[cfg(feature = "plugins")]
fn attr_text(v: &AttrValue) -> String {
    match v {
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Float(f) => f.to_string(),
        AttrValue::Text(t) => t.clone(),
    }
}

#[cfg(feature = "plugins")]
fn asset(scorer: &Scorer<'_>, a: AssetIdx) -> wit::Asset {
    let x = scorer.ws.asset(a);
    let e = scorer.effective[a.index()].cia;
    wit::Asset {
        id: x.id.clone(),
        name: x.name.clone(),
        kind: x.kind.as_str().to_owned(),
        subtype: x.subtype.clone(),
        classification: x.classification.map(|c| c.as_str().to_owned()),
        location: x.location.clone(),
        owner: x.owner.clone(),
        confidentiality: e.confidentiality,
        integrity: e.integrity,
        availability: e.availability,
        tags: x.tags.clone(),
        attributes: x
            .attributes
            .iter()
            .map(|(k, v)| wit::Entry {
                name: k.to_owned(),
                value: attr_text(v),
            })
            .collect(),
    }
}

#[cfg(feature = "plugins")]
/// The batch of a run of scenarios, with each asset sent once; returns the batch and the
/// asset index of each batch asset.
fn batch(
    scorer: &Scorer<'_>,
    facts: &[wit::Entry],
    risks: &[ScoredRisk],
) -> (wit::Batch, Vec<AssetIdx>) {
    let mut position: HashMap<AssetIdx, u32> = HashMap::new();
    let mut order = Vec::new();
    let scenarios = risks
        .iter()
        .map(|r| {
            let at = *position.entry(r.asset).or_insert_with(|| {
                order.push(r.asset);
                (order.len() - 1) as u32
            });
            let threat = r.threat.map(|t| &scorer.ws.threats[t.index()]);
            wit::Scenario {
                asset: at,
                threat: threat.map(|t| t.id.clone()),
                threat_category: threat.and_then(|t| t.category.clone()),
                likelihood: r.inherent.likelihood,
                impact: r.inherent.impact,
            }
        })
        .collect();
    let assets = order.iter().map(|a| asset(scorer, *a)).collect();
    (
        wit::Batch {
            facts: facts.to_vec(),
            assets,
            scenarios,
        },
        order,
    )
}

#[cfg(feature = "plugins")]
/// The in-scope inventory as plugins see it: counts by type, classification, tag and flag.
fn inventory(ws: &Workspace, in_scope: &[bool], facts: &[wit::Entry]) -> wit::Inventory {
    let mut kinds: BTreeMap<String, u32> = BTreeMap::new();
    let mut classes: BTreeMap<String, u32> = BTreeMap::new();
    let mut tags: BTreeMap<String, u32> = BTreeMap::new();
    let mut flagged: BTreeMap<String, u32> = BTreeMap::new();
    let mut total = 0u32;
    let assets = ws.assets.iter().zip(in_scope).filter(|(_, s)| **s);
    for (asset, _) in assets {
        total += 1;
        *kinds.entry(asset.kind.as_str().to_owned()).or_default() += 1;
        let class = asset.classification.map_or("unclassified", |c| c.as_str());
        *classes.entry(class.to_owned()).or_default() += 1;
        for t in &asset.tags {
            *tags.entry(t.clone()).or_default() += 1;
        }
        for (k, v) in &asset.attributes {
            let on = match v {
                AttrValue::Bool(b) => *b,
                AttrValue::Text(t) => crate::input::parse_bool(t) == Some(true),
                _ => false,
            };
            if on {
                *flagged.entry(k.to_owned()).or_default() += 1;
            }
        }
    }
    wit::Inventory {
        facts: facts.to_vec(),
        assets: total,
        kinds: kinds.into_iter().collect(),
        classifications: classes.into_iter().collect(),
        tags: tags.into_iter().collect(),
        flagged: flagged.into_iter().collect(),
    }
}

#[cfg(feature = "plugins")]
/// Runs every plugin: `applicability` once (when `in_scope` is given: a full run, not the
/// explanation of one scenario), then `evaluate` over `risks` in batches, on a pool of its
/// own. The outcome is the same for any number of threads: results in plugin order then
/// batch order, and each plugin either contributes all of its results or, having failed, one
/// failure (see [`plugin::breaker`]).
pub(super) fn run(
    scorer: &Scorer<'_>,
    risks: &[ScoredRisk],
    in_scope: Option<&[bool]>,
) -> PluginResults {
    let ws = scorer.ws;
    if ws.plugins.is_empty() {
        return PluginResults::default();
    }
    let facts = facts(ws);
    let size = ws
        .plugins
        .iter()
        .map(|p| p.limits.batch_size)
        .min()
        .unwrap_or(2000)
        .max(1);
    let max_step = ws
        .risk_model
        .matrix
        .max_likelihood()
        .max(ws.risk_model.matrix.max_impact())
        - 1;
    let chunks: Vec<(usize, &[ScoredRisk])> = risks.chunks(size).enumerate().collect();
    // Plugins run on a pool of their own, so a slow plugin does not hold the pool the rest
    // of the engine uses.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .thread_name(|i| format!("isms-plugin-{i}"))
        .build()
        .ok();
    let inventory = in_scope.map(|s| inventory(ws, s, &facts));
    let applicability: Vec<Option<Result<Vec<plugin::PluginReason>, PluginFailure>>> =
        on_pool(pool.as_ref(), || {
            ws.plugins
                .par_iter()
                .map(|p| {
                    let inventory = inventory.as_ref()?;
                    Some(plugin::run_applicability(p, inventory, ws.catalog))
                })
                .collect()
        });
    let breakers: Vec<Breaker> = ws
        .plugins
        .iter()
        .zip(&applicability)
        .map(|(p, a)| Breaker::new(chunks.len(), p.limits.run_fuel, matches!(a, Some(Err(_)))))
        .collect();
    let work = |&(n, chunk): &(usize, &[ScoredRisk])| {
        if breakers.iter().all(|b| b.skip(n)) {
            return (vec![None; ws.plugins.len()], Vec::new());
        }
        let (b, assets) = batch(scorer, &facts, chunk);
        let start = n * size;
        let call = format!(
            "evaluate batch {} (scenarios {}-{})",
            n + 1,
            start,
            start + chunk.len() - 1
        );
        let results = ws
            .plugins
            .iter()
            .zip(&breakers)
            .map(|(plugin, breaker)| {
                if breaker.skip(n) {
                    return None;
                }
                let result = plugin::run_evaluate(plugin, &b, &call, max_step);
                breaker.record(n, &result);
                Some(result)
            })
            .collect();
        (results, assets)
    };
    let per_chunk: Vec<(Vec<BatchResult>, Vec<AssetIdx>)> =
        on_pool(pool.as_ref(), || chunks.par_iter().map(work).collect());
    let mut by_plugin: Vec<Vec<BatchResult>> = vec![Vec::new(); ws.plugins.len()];
    let mut batch_assets = Vec::with_capacity(per_chunk.len());
    for (results, assets) in per_chunk {
        for (p, result) in results.into_iter().enumerate() {
            by_plugin[p].push(result);
        }
        batch_assets.push(assets);
    }
    let mut out = PluginResults::default();
    let mut seen = HashSet::new();
    for (p, (results, reasons)) in by_plugin.into_iter().zip(applicability).enumerate() {
        let plugin = &ws.plugins[p];
        let id = &plugin.manifest.id;
        // A failed `applicability` decides; otherwise the batches do.
        let verdict = match reasons.transpose() {
            Err(f) => Err(f),
            Ok(reasons) => breaker::verdict(id, plugin.limits.run_fuel, results)
                .map(|outputs| (outputs, reasons.unwrap_or_default())),
        };
        let (outputs, reasons) = match verdict {
            Ok(v) => v,
            Err(failure) => {
                out.failures.push(failure);
                continue;
            }
        };
        out.reasons.extend(reasons.into_iter().map(|r| (p, r)));
        out.costs.push(PluginCost {
            plugin: id.clone(),
            batches: outputs.len(),
            max_batch_fuel: outputs.iter().map(|(_, o)| o.fuel).max().unwrap_or(0),
            total_fuel: outputs.iter().map(|(_, o)| o.fuel).sum(),
        });
        for (n, o) in outputs {
            let start = n * size;
            out.adjustments
                .extend(o.adjustments.into_iter().map(|a| PluginAdjustment {
                    risk: start + a.scenario,
                    plugin: p,
                    factor: a.factor,
                    delta: a.delta,
                    reason: a.reason,
                }));
            for f in o.findings {
                // An asset in several batches may be reported more than once.
                let asset = batch_assets[n][f.asset];
                if seen.insert((p, asset, f.code.clone())) {
                    out.findings.push(PluginFinding {
                        plugin: id.clone(),
                        asset,
                        // The plugin's own namespace: it cannot pass for an engine check.
                        code: format!("{id}:{}", f.code),
                        severity: f.severity,
                        message: f.message,
                    });
                }
            }
        }
    }
    out
}

#[cfg(feature = "plugins")]
/// Runs `f` on `pool`, or on the current pool when none could be built.
fn on_pool<R: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// Without plugin support there are no plugins to run.
#[cfg(not(feature = "plugins"))]
pub(super) fn run(
    _scorer: &Scorer<'_>,
    _risks: &[ScoredRisk],
    _in_scope: Option<&[bool]>,
) -> PluginResults {
    PluginResults::default()
}

/// What one plugin's adjustments did, each plugin judged alone against the rule-based
/// levels: how many scenarios it moved, which way, and how many crossed the appetite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PluginInfluence {
    pub plugin: String,
    /// The scenarios the plugin saw.
    pub scenarios: usize,
    /// Scenarios it adjusted at all.
    pub adjusted: usize,
    /// Scenarios whose residual level it raised.
    pub raised: usize,
    /// Scenarios whose residual level it lowered.
    pub lowered: usize,
    /// Scenarios it moved from within the appetite to above it.
    pub crossed_above: usize,
    /// Scenarios it moved from above the appetite to within it.
    pub crossed_below: usize,
}

impl PluginInfluence {
    /// The share of the scenarios it saw that it moved across the appetite line.
    pub fn crossing_share(&self) -> f64 {
        if self.scenarios == 0 {
            return 0.0;
        }
        (self.crossed_above + self.crossed_below) as f64 / self.scenarios as f64
    }
}

/// Per risk: the summed (likelihood, impact) steps of the adjustments.
fn steps_of<'a>(
    adjustments: impl Iterator<Item = &'a PluginAdjustment>,
) -> BTreeMap<usize, (i32, i32)> {
    let mut steps: BTreeMap<usize, (i32, i32)> = BTreeMap::new();
    for a in adjustments {
        let e = steps.entry(a.risk).or_default();
        match a.factor {
            Factor::Likelihood => e.0 += i32::from(a.delta),
            Factor::Impact => e.1 += i32::from(a.delta),
        }
    }
    steps
}

/// Applies the adjustments to the risks they name and says what each plugin that did not
/// fail changed.
pub(super) fn apply(
    scorer: &Scorer<'_>,
    risks: &mut [ScoredRisk],
    adjustments: &[PluginAdjustment],
    failures: &[PluginFailure],
) -> Vec<PluginInfluence> {
    let ws = scorer.ws;
    let appetite = ws.profile.risk_appetite;
    let mut influence = Vec::new();
    for (p, plugin) in ws.plugins.iter().enumerate() {
        let id = &plugin.manifest.id;
        if failures.iter().any(|f| &f.plugin == id) {
            continue;
        }
        let mut it = PluginInfluence {
            plugin: id.clone(),
            scenarios: risks.len(),
            adjusted: 0,
            raised: 0,
            lowered: 0,
            crossed_above: 0,
            crossed_below: 0,
        };
        for (i, (dl, di)) in steps_of(adjustments.iter().filter(|a| a.plugin == p)) {
            let (before, after) = (
                risks[i].residual.level,
                scorer.rescore(&risks[i], dl, di, None).residual.level,
            );
            it.adjusted += 1;
            it.raised += usize::from(after > before);
            it.lowered += usize::from(after < before);
            it.crossed_above += usize::from(before <= appetite && after > appetite);
            it.crossed_below += usize::from(before > appetite && after <= appetite);
        }
        influence.push(it);
    }
    for (i, (dl, di)) in steps_of(adjustments.iter()) {
        risks[i] = scorer.rescore(&risks[i], dl, di, None);
    }
    influence
}
