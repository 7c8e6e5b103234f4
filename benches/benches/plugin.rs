//! Plugin cost per record: one `evaluate` call (fresh store and instance, marshalling both
//! ways, validation) on batches of 1,000 and 10,000 scenarios, for the example plugins built
//! from source. Needs the wasm32-unknown-unknown target.

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isms_engine::plugin::{load_dir, run_evaluate, wit};

/// Builds an example plugin into a component in `out` and returns the plugin directory.
fn build(name: &str, out: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let src = root.join("plugins/examples").join(name);
    let target = root.join("target/plugins");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--manifest-path",
        ])
        .arg(src.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "building {name} (is the wasm32-unknown-unknown target installed?)"
    );
    let core = std::fs::read(target.join(format!("wasm32-unknown-unknown/release/{name}.wasm")))
        .expect("core module");
    let component = wit_component::ComponentEncoder::default()
        .module(&core)
        .and_then(|e| e.validate(true).encode())
        .expect("component");
    let dir = out.join(name);
    std::fs::create_dir_all(&dir).expect("plugin dir");
    std::fs::copy(src.join("plugin.toml"), dir.join("plugin.toml")).expect("manifest");
    std::fs::write(dir.join(format!("{name}.wasm")), component).expect("component file");
    dir
}

/// A batch like the engine sends: one asset per five scenarios, realistic attributes.
fn batch(scenarios: usize) -> wit::Batch {
    let entry = |n: &str, v: &str| wit::Entry {
        name: n.into(),
        value: v.into(),
    };
    let assets = (0..scenarios.div_ceil(5))
        .map(|i| wit::Asset {
            id: format!("A{i:06}"),
            name: format!("asset {i}"),
            kind: ["information", "software", "hardware"][i % 3].into(),
            subtype: Some("database".into()),
            classification: Some(["internal", "confidential", "restricted"][i % 3].into()),
            location: Some("aws-eu-central-1".into()),
            owner: (i % 7 != 0).then(|| "Head of IT".into()),
            confidentiality: 4,
            integrity: 3,
            availability: 3,
            tags: if i % 4 == 0 {
                vec!["phi".into(), "cde".into()]
            } else {
                vec!["prod".into()]
            },
            attributes: vec![
                entry("personal_data", "true"),
                entry("internet_facing", if i % 2 == 0 { "true" } else { "false" }),
            ],
        })
        .collect();
    let scenarios = (0..scenarios)
        .map(|i| wit::Scenario {
            asset: (i / 5) as u32,
            threat: Some(format!("TH-{:02}", i % 32 + 1)),
            threat_category: Some(
                ["technical attack", "malware", "human", "environmental"][i % 4].into(),
            ),
            likelihood: 3,
            impact: 3,
        })
        .collect();
    wit::Batch {
        facts: vec![
            entry("sector", "healthcare"),
            entry("processes_payment_cards", "true"),
        ],
        assets,
        scenarios,
    }
}

fn plugins(c: &mut Criterion) {
    let out = tempfile::tempdir().expect("temporary directory");
    let mut group = c.benchmark_group("plugin");
    group.sample_size(20);
    for name in ["healthcare", "payments"] {
        let (plugin, _) = load_dir(&build(name, out.path())).expect("plugin loads");
        for size in [1_000usize, 10_000] {
            let b = batch(size);
            group.throughput(Throughput::Elements(size as u64));
            group.bench_function(format!("{name}_evaluate_batch_{size}"), |bench| {
                bench.iter(|| run_evaluate(&plugin, &b, "bench", 4).expect("evaluate succeeds"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, plugins);
criterion_main!(benches);
