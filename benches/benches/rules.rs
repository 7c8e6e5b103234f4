//! One scenario through the default rule set's risk rules, in the same run: the compiled
//! path as the engine runs it (asset-level rules and gates once per asset, then each
//! scenario), the compiled path evaluating every rule for every scenario, the `cel`
//! interpreter path, and the same rules written by hand in Rust.
//!
//! The scenarios are those the engine forms for the first assets of a generated workspace
//! (about ten per asset). Records are bound outside the timed loop, so the figures compare
//! rule evaluation. Before timing, all four are checked to agree on every scenario.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::collections::BTreeMap;

use isms_engine::model::{
    Asset, AssetIdx, AssetKind, AttrValue, Classification, FactValue, Threat, ThreatIdx,
};
use isms_engine::rules::bindings::Bindings;
use isms_engine::rules::expr::{Evaluator, Interpreter};
use isms_engine::rules::plan::ScenarioRules;
use isms_engine::rules::records::{AssetRecord, OrgRecord, ThreatRecord};
use isms_engine::rules::ruleset::{Change, Factor, RiskRule};

/// The summed adjustments of the rules that hold: likelihood steps, impact steps, impact set.
type Effect = (i32, i32, Option<u8>);

fn apply(effect: &mut Effect, rule: &RiskRule) {
    match (rule.factor, rule.change) {
        (Factor::Likelihood, Change::By(n)) => effect.0 += i32::from(n),
        (Factor::Impact, Change::By(n)) => effect.1 += i32::from(n),
        (Factor::Impact, Change::Set(v)) => effect.2 = Some(effect.2.map_or(v, |s| s.max(v))),
        (Factor::Likelihood, Change::Set(_)) => unreachable!("no such rule in the default set"),
    }
}

fn through_rules(rules: &[RiskRule], interp: &Interpreter, b: &Bindings<'_>) -> Effect {
    let mut effect = (0, 0, None);
    for r in rules {
        if r.when.eval_bool(interp, b) == Ok(true) {
            apply(&mut effect, r);
        }
    }
    effect
}

/// What a hand-written rule reads of a scenario.
struct Scene<'a> {
    asset: &'a Asset,
    threat: &'a Threat,
    facts: &'a BTreeMap<String, FactValue>,
    availability: u8,
}

impl Scene<'_> {
    fn yes(&self, k: &str) -> bool {
        self.asset.attributes.get(k) == Some(&AttrValue::Bool(true))
    }
    fn text(&self, k: &str, v: &str) -> bool {
        matches!(self.asset.attributes.get(k), Some(AttrValue::Text(t)) if t == v)
    }
    fn fact(&self, k: &str) -> bool {
        self.facts.get(k) == Some(&FactValue::Bool(true))
    }
    fn category_in(&self, of: &[&str]) -> bool {
        of.contains(&self.threat.category.as_deref().unwrap_or(""))
    }
    fn technical(&self) -> bool {
        self.category_in(&["technical attack", "malware"])
    }
}

/// A rule written by hand: whether it holds for a scenario.
type Hand = fn(&Scene) -> bool;

/// Each risk rule of the default set, by hand, under its id.
const BY_HAND: [(&str, Hand); 11] = [
    ("RR-INTERNET-EXPOSED", |s| {
        s.yes("internet_facing") && s.technical()
    }),
    ("RR-PATCH-OUTDATED", |s| {
        s.text("patch_level", "outdated") && s.technical()
    }),
    ("RR-PATCH-UNSUPPORTED", |s| {
        s.text("patch_level", "unsupported") && s.technical()
    }),
    ("RR-SUPPLIER-ACCESS", |s| {
        s.asset.kind == AssetKind::Supplier
            && s.yes("has_access")
            && s.category_in(&["supplier", "technical attack"])
    }),
    ("RR-REMOTE-WORK-THEFT", |s| {
        s.fact("remote_work")
            && s.threat.id == "TH-11"
            && matches!(
                s.asset.subtype.as_deref(),
                Some("laptop" | "phone" | "tablet")
            )
    }),
    ("RR-MFA", |s| {
        s.yes("mfa") && matches!(s.threat.id.as_str(), "TH-02" | "TH-08" | "TH-28")
    }),
    ("RR-CLOUD-MISCONFIG", |s| {
        s.fact("uses_cloud")
            && s.threat.id == "TH-22"
            && matches!(
                s.asset.classification,
                Some(Classification::Confidential | Classification::Restricted)
            )
    }),
    ("RR-RESTRICTED-DATA", |s| {
        s.asset.classification == Some(Classification::Restricted)
            && s.threat.affects.confidentiality
    }),
    ("RR-PERSONAL-DATA", |s| {
        s.yes("personal_data") && s.threat.affects.confidentiality
    }),
    ("RR-PUBLIC-INFO", |s| {
        let a = s.threat.affects;
        s.asset.classification == Some(Classification::Public)
            && a.confidentiality
            && !a.integrity
            && !a.availability
    }),
    ("RR-CRITICAL-AVAILABILITY", |s| {
        s.availability >= 5 && s.threat.affects.availability
    }),
];

/// The hand-written version of `rule`.
fn hand(rule: &RiskRule) -> Hand {
    BY_HAND
        .iter()
        .find(|(id, _)| *id == rule.id)
        .unwrap_or_else(|| panic!("no hand-written version of {}", rule.id))
        .1
}

/// The default rule set's risk rules, by hand.
fn by_hand(rules: &[RiskRule], hands: &[Hand], scene: &Scene) -> Effect {
    let mut effect = (0, 0, None);
    for (rule, holds) in rules.iter().zip(hands) {
        if holds(scene) {
            apply(&mut effect, rule);
        }
    }
    effect
}

fn rules(c: &mut Criterion) {
    let (_dir, ws) = isms_benches::loaded(2_000);
    let rules: &[RiskRule] = &ws.rulesets()[0].risk_rules;
    let effective = isms_engine::risk::effective_cia(ws.assets());
    let org = OrgRecord::new(ws.profile());
    let threat_records: Vec<ThreatRecord> = ThreatRecord::all(ws.threats());
    let compiled = Interpreter::new(Evaluator::Compiled);
    let interpreted = Interpreter::new(Evaluator::Interpreter);
    let asset_record =
        |a: AssetIdx| AssetRecord::new(ws.assets(), a, effective[a.index()].cia, true);
    let hands: Vec<Hand> = rules.iter().map(hand).collect();
    let scene = |a: AssetIdx, t: ThreatIdx| Scene {
        asset: ws.asset(a),
        threat: &ws.threats()[t.index()],
        facts: &ws.profile().facts,
        availability: effective[a.index()].cia.availability,
    };
    // The scenarios of the first assets, as the engine forms them (threats whose filter
    // applies), until there are 256: about ten per asset, as in a real inventory.
    let mut scenarios: Vec<(AssetIdx, Vec<ThreatIdx>)> = Vec::new();
    let mut count = 0;
    for a in (0..ws.assets().len()).map(|a| AssetIdx(a as u32)) {
        let record = asset_record(a);
        let threats: Vec<ThreatIdx> = (0..ws.threats().len())
            .filter(|&t| {
                let b = Bindings {
                    asset: Some(&record),
                    threat: Some(&threat_records[t]),
                    org: Some(&org),
                    ..Default::default()
                };
                ws.threat_filters()[t].eval_bool(&compiled, &b) == Ok(true)
            })
            .take(256 - count)
            .map(|t| ThreatIdx(t as u32))
            .collect();
        count += threats.len();
        scenarios.push((a, threats));
        if count == 256 {
            break;
        }
    }
    let assets: Vec<AssetRecord> = scenarios.iter().map(|(a, _)| asset_record(*a)).collect();
    let bind = |k: usize, t: ThreatIdx| Bindings {
        asset: Some(&assets[k]),
        threat: Some(&threat_records[t.index()]),
        org: Some(&org),
        ..Default::default()
    };
    let plan = ScenarioRules::new(
        rules.iter().collect(),
        &threat_records,
        &org,
        Evaluator::Compiled,
    );
    let through_plan = |k: usize, threats: &[ThreatIdx], out: &mut Vec<Effect>| {
        let asset_only = Bindings {
            asset: Some(&assets[k]),
            org: Some(&org),
            ..Default::default()
        };
        let verdicts = plan.for_asset(&compiled, &asset_only, |_, _| {});
        for &t in threats {
            let mut effect = (0, 0, None);
            plan.for_scenario(
                &compiled,
                &verdicts,
                Some(t),
                &bind(k, t),
                |i| apply(&mut effect, plan.rules[i]),
                |_, _| {},
            );
            out.push(effect);
        }
    };
    // The four agree on every scenario before anything is timed.
    let mut planned = Vec::new();
    for (k, (a, threats)) in scenarios.iter().enumerate() {
        through_plan(k, threats, &mut planned);
        for (n, &t) in threats.iter().enumerate() {
            let want = by_hand(rules, &hands, &scene(*a, t));
            let b = bind(k, t);
            assert_eq!(
                through_rules(rules, &compiled, &b),
                want,
                "compiled {a:?} {t:?}"
            );
            assert_eq!(
                through_rules(rules, &interpreted, &b),
                want,
                "interpreter {a:?} {t:?}"
            );
            assert_eq!(
                planned[planned.len() - threats.len() + n],
                want,
                "plan {a:?} {t:?}"
            );
        }
    }

    let mut group = c.benchmark_group("rules/default_ruleset_per_scenario");
    group.throughput(Throughput::Elements(count as u64));
    let each = |eval: &dyn Fn(&Bindings) -> Effect| {
        let mut sum = 0;
        for (k, (_, threats)) in scenarios.iter().enumerate() {
            for &t in threats {
                sum += eval(&bind(k, t)).0;
            }
        }
        sum
    };
    group.bench_function("compiled_engine_path", |bench| {
        let mut out = Vec::with_capacity(count);
        bench.iter(|| {
            out.clear();
            for (k, (_, threats)) in scenarios.iter().enumerate() {
                through_plan(k, threats, &mut out);
            }
            out.len()
        })
    });
    group.bench_function("compiled_every_rule", |bench| {
        bench.iter(|| each(&|b| through_rules(rules, &compiled, b)))
    });
    group.bench_function("interpreter", |bench| {
        bench.iter(|| each(&|b| through_rules(rules, &interpreted, b)))
    });
    group.bench_function("hand_written", |bench| {
        bench.iter(|| {
            let mut sum = 0;
            for (a, threats) in &scenarios {
                for &t in threats {
                    sum += by_hand(rules, &hands, &scene(*a, t)).0;
                }
            }
            sum
        })
    });
    group.finish();

    // Each rule alone over the same scenarios: the compiled path against its hand-written
    // version (issue: every built-in rule within 5x).
    let scenes: Vec<(Scene, Bindings)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(k, (a, threats))| threats.iter().map(move |&t| (k, *a, t)))
        .map(|(k, a, t)| (scene(a, t), bind(k, t)))
        .collect();
    let mut group = c.benchmark_group("rules/per_rule_per_scenario");
    group.throughput(Throughput::Elements(scenes.len() as u64));
    for (rule, holds) in rules.iter().zip(&hands) {
        for (scene, b) in &scenes {
            assert_eq!(
                rule.when.eval_bool(&compiled, b) == Ok(true),
                holds(scene),
                "{}",
                rule.id
            );
        }
        group.bench_function(format!("{}/compiled", rule.id), |bench| {
            bench.iter(|| {
                scenes
                    .iter()
                    .filter(|(_, b)| rule.when.eval_bool(&compiled, b) == Ok(true))
                    .count()
            })
        });
        group.bench_function(format!("{}/hand_written", rule.id), |bench| {
            bench.iter(|| {
                scenes
                    .iter()
                    .filter(|(s, _)| holds(std::hint::black_box(s)))
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
