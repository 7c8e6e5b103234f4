//! Gap detection over 100,000 assets: the 24 gap checks and the copy-paste detection on an
//! evaluated `isms generate` workspace (assessment, SoA and custom checks done once, outside
//! the timed loop).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isms_engine::{gaps, risk, soa};

fn detection(c: &mut Criterion) {
    let assets = 100_000;
    let (_dir, ws) = isms_benches::loaded(assets);
    let options = risk::Options::new(ws.as_of().expect("generated workspaces pin as_of"));
    let assessment = risk::assess(&ws, options);
    let (soa, _) = soa::build(&ws, &assessment);
    let checks = isms_engine::checks::run(&ws, &assessment);
    let context = gaps::Context::new(&ws, &assessment, &soa);
    let mut group = c.benchmark_group("gaps");
    group.sample_size(10);
    group.throughput(Throughput::Elements(assets as u64));
    group.bench_function("detect_100000_assets", |b| {
        b.iter(|| gaps::detect(&context, &checks).len())
    });
    group.bench_function("custom_checks_100000_assets", |b| {
        b.iter(|| isms_engine::checks::run(&ws, &assessment).findings.len())
    });
    group.finish();
}

criterion_group!(benches, detection);
criterion_main!(benches);
