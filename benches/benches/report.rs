//! The stages after gap detection over 100,000 assets, each alone: the Statement of
//! Applicability, certification readiness, building the report model, and rendering the
//! JSON report (to a sink, so no disk is timed). The evaluation is done once, outside the
//! timed loops.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isms_engine::{cycle, report, risk, soa};

fn stages(c: &mut Criterion) {
    let assets = 100_000;
    let (_dir, ws) = isms_benches::loaded(assets);
    let as_of = ws.as_of().expect("generated workspaces pin as_of");
    let evaluation = report::evaluate(&ws, risk::Options::new(as_of));
    let built = report::build(&ws, &evaluation);
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.throughput(Throughput::Elements(assets as u64));
    group.bench_function("soa_100000_assets", |b| {
        b.iter(|| soa::build(&ws, &evaluation.assessment).0.rows.len())
    });
    group.bench_function("readiness_100000_assets", |b| {
        b.iter(|| {
            cycle::readiness::assess(&ws, &evaluation.soa, &evaluation.gaps, as_of)
                .stages
                .len()
        })
    });
    group.bench_function("build_100000_assets", |b| {
        b.iter(|| report::build(&ws, &evaluation).gaps.len())
    });
    group.bench_function("json_100000_assets", |b| {
        b.iter(|| {
            let mut sink = std::io::sink();
            isms_render::json::report(&mut sink, &built).expect("rendered");
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
