//! Risk scoring cost: the whole assessment (scope, threat filters, rules, matrix, residual)
//! of a generated workspace, reported per scenario, and the matrix lookup alone.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isms_engine::generate::{Options, workspace};
use isms_engine::risk::{Options as RiskOptions, RiskMatrix, assess};

fn scoring(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    for f in workspace(&Options {
        assets: 5_000,
        seed: 1,
    }) {
        std::fs::write(dir.path().join(f.path), f.contents).expect("write workspace");
    }
    let ws = isms_engine::load(dir.path())
        .expect("generated workspace loads")
        .workspace;
    let options = RiskOptions {
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
        evaluator: Default::default(),
    };
    let scenarios = assess(&ws, options).risks.len() as u64;
    let mut group = c.benchmark_group("risk");
    group.sample_size(10);
    group.throughput(Throughput::Elements(scenarios));
    group.bench_function(
        format!("assess_5000_assets_{scenarios}_scenarios_interpreter"),
        |b| b.iter(|| assess(&ws, options)),
    );
    group.finish();

    let matrix = RiskMatrix::builtin();
    c.bench_function("risk/matrix_lookup", |b| {
        b.iter(|| {
            let mut sum = 0u32;
            for l in 1..=5u8 {
                for i in 1..=5u8 {
                    sum +=
                        u32::from(matrix.level(std::hint::black_box(l), std::hint::black_box(i)));
                }
            }
            sum
        })
    });
}

criterion_group!(benches, scoring);
criterion_main!(benches);
