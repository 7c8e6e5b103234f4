//! Risk scoring cost: the whole assessment (scope, threat filters, rules, matrix, residual)
//! of a generated workspace on the compiled and the interpreter paths, reported per
//! scenario; the matrix lookup; the residual score (a scenario's level after its treatment).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isms_engine::risk::{Formula, Method, Options as RiskOptions, RiskMatrix, assess};
use isms_engine::rules::expr::Evaluator;

fn scoring(c: &mut Criterion) {
    let (_dir, ws) = isms_benches::loaded(5_000);
    let compiled = RiskOptions::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"));
    let interpreted = compiled.with_evaluator(Evaluator::Interpreter);
    let scenarios = assess(&ws, compiled).risks.len() as u64;
    let mut group = c.benchmark_group("risk");
    group.sample_size(10);
    group.throughput(Throughput::Elements(scenarios));
    for (path, options) in [("compiled", compiled), ("interpreter", interpreted)] {
        group.bench_function(
            format!("assess_5000_assets_{scenarios}_scenarios_{path}"),
            |b| b.iter(|| assess(&ws, options)),
        );
    }
    group.finish();

    // Residual: the treated likelihood and impact of every cell, scored as the engine does.
    let classic = Method::Classic {
        formula: Formula::Product,
        thresholds: Formula::Product.default_thresholds(),
    };
    for (name, method) in [("matrix", Method::Matrix), ("classic_product", classic)] {
        let matrix = RiskMatrix::builtin();
        c.bench_function(&format!("risk/residual_score_{name}"), |b| {
            b.iter(|| {
                let mut sum = 0u32;
                for l in 1..=5u8 {
                    for i in 1..=5u8 {
                        let (rl, ri) = (l.saturating_sub(1).max(1), i.saturating_sub(1).max(1));
                        let s = method.score(&matrix, std::hint::black_box(rl), ri, 3, "");
                        sum += u32::from(s.level);
                    }
                }
                sum
            })
        });
    }

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
