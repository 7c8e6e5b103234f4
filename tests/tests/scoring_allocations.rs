//! The scoring hot path allocates nothing per scenario: a counting allocator watches the
//! compiled path evaluate every scenario of a generated workspace through the default rule
//! set (asset-level work, done once per asset, is outside the watched region).

// Unsafe only for a counting global allocator; each block says why it is sound.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use isms_engine::model::{AssetIdx, ThreatIdx};
use isms_engine::rules::bindings::Bindings;
use isms_engine::rules::expr::{Evaluator, Interpreter};
use isms_engine::rules::plan::ScenarioRules;
use isms_engine::rules::records::{AssetRecord, OrgRecord, ThreatRecord};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn scenarios_are_scored_without_allocating() {
    let dir = tempfile::tempdir().unwrap();
    isms_engine::generate::write_to(
        dir.path(),
        &isms_engine::generate::Options {
            assets: 300,
            seed: 3,
        },
    )
    .unwrap();
    let ws = isms_engine::load(dir.path()).unwrap().workspace;
    let effective = isms_engine::risk::effective_cia(ws.assets());
    let org = OrgRecord::new(ws.profile());
    let threats: Vec<ThreatRecord> = ThreatRecord::all(ws.threats());
    let interp = Interpreter::new(Evaluator::Compiled);
    let plan = ScenarioRules::new(
        ws.rulesets().iter().flat_map(|s| &s.risk_rules).collect(),
        &threats,
        &org,
        Evaluator::Compiled,
    );
    let (mut scenarios, mut hits, mut during) = (0usize, 0usize, 0usize);
    for a in (0..ws.assets().len()).map(|a| AssetIdx(a as u32)) {
        let asset = AssetRecord::new(ws.assets(), a, effective[a.index()].cia, true);
        let asset_only = Bindings {
            asset: Some(&asset),
            org: Some(&org),
            ..Default::default()
        };
        let verdicts = plan.for_asset(&interp, &asset_only, |_, _| {});
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for t in (0..ws.threats().len()).map(|t| ThreatIdx(t as u32)) {
            let b = Bindings {
                asset: Some(&asset),
                threat: Some(&threats[t.index()]),
                org: Some(&org),
                ..Default::default()
            };
            // Threat filters run per scenario too.
            let applies = ws.threat_filters()[t.index()].eval_bool(&interp, &b) == Ok(true);
            plan.for_scenario(&interp, &verdicts, Some(t), &b, |_| hits += 1, |_, _| {});
            scenarios += usize::from(applies);
        }
        during += ALLOCATIONS.load(Ordering::Relaxed) - before;
    }
    assert!(
        scenarios > 1000 && hits > 100,
        "{scenarios} scenarios, {hits} hits"
    );
    assert_eq!(during, 0, "allocations while scoring {scenarios} scenarios");
}
