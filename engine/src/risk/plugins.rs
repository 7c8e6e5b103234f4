//! Running the workspace's plugins over the scored scenarios: batches out, checked risk
//! adjustments and findings back, on a rayon pool of their own.

use std::collections::HashMap;

use serde::Serialize;

use super::{ScoredRisk, Scorer};
use crate::model::{AssetIdx, AttrValue, FactValue, Severity};
use crate::plugin::{self, PluginFailure, wit};
use crate::rules::ruleset::Factor;
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

/// Everything the plugins returned for an assessment.
#[derive(Debug, Default)]
pub struct PluginResults {
    pub adjustments: Vec<PluginAdjustment>,
    pub findings: Vec<PluginFinding>,
    pub failures: Vec<PluginFailure>,
}

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

fn attr_text(v: &AttrValue) -> String {
    match v {
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Float(f) => f.to_string(),
        AttrValue::Text(t) => t.clone(),
    }
}

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
                name: k.clone(),
                value: attr_text(v),
            })
            .collect(),
    }
}

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

/// Runs every plugin over `risks` in batches and collects their checked results, in plugin
/// order then batch order, whatever the threads.
pub(super) fn run(scorer: &Scorer<'_>, risks: &[ScoredRisk]) -> PluginResults {
    let ws = scorer.ws;
    if ws.plugins.is_empty() || risks.is_empty() {
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
    let work = |&(n, chunk): &(usize, &[ScoredRisk])| {
        let (b, assets) = batch(scorer, &facts, chunk);
        let start = n * size;
        ws.plugins
            .iter()
            .enumerate()
            .map(|(p, plugin)| {
                let call = format!(
                    "evaluate batch {} (scenarios {}-{})",
                    n + 1,
                    start,
                    start + chunk.len() - 1
                );
                (
                    p,
                    plugin::run_evaluate(plugin, &b, &call, max_step),
                    start,
                    assets.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    // Plugins run on a pool of their own, so a slow plugin does not hold the pool the rest
    // of the engine uses.
    let per_chunk: Vec<_> = match rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .thread_name(|i| format!("isms-plugin-{i}"))
        .build()
    {
        Ok(pool) => pool.install(|| {
            use rayon::prelude::*;
            chunks.par_iter().map(work).collect()
        }),
        Err(_) => chunks.iter().map(work).collect(),
    };
    let mut by_plugin: Vec<Vec<_>> = vec![Vec::new(); ws.plugins.len()];
    for results in per_chunk {
        for (p, result, start, assets) in results {
            by_plugin[p].push((result, start, assets));
        }
    }
    let mut out = PluginResults::default();
    let mut seen = std::collections::HashSet::new();
    for (p, results) in by_plugin.into_iter().enumerate() {
        let id = &ws.plugins[p].manifest.id;
        for (result, start, assets) in results {
            match result {
                Ok(o) => {
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
                        let asset = assets[f.asset];
                        if seen.insert((p, asset, f.code.clone())) {
                            out.findings.push(PluginFinding {
                                plugin: id.clone(),
                                asset,
                                code: f.code,
                                severity: f.severity,
                                message: f.message,
                            });
                        }
                    }
                }
                Err(failure) => out.failures.push(failure),
            }
        }
    }
    out
}

/// Applies the adjustments to the risks they name.
pub(super) fn apply(
    scorer: &Scorer<'_>,
    risks: &mut [ScoredRisk],
    adjustments: &[PluginAdjustment],
) {
    let mut steps: HashMap<usize, (i32, i32)> = HashMap::new();
    for a in adjustments {
        let e = steps.entry(a.risk).or_default();
        match a.factor {
            Factor::Likelihood => e.0 += i32::from(a.delta),
            Factor::Impact => e.1 += i32::from(a.delta),
        }
    }
    for (i, (dl, di)) in steps {
        risks[i] = scorer.rescore(&risks[i], dl, di, None);
    }
}
