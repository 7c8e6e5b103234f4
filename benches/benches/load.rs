//! Loading cost: a generated workspace read, validated and linked end to end.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for assets in [10_000usize, 100_000] {
        let dir = isms_benches::written(assets);
        group.throughput(Throughput::Elements(assets as u64));
        group.bench_function(format!("workspace_{assets}_assets"), |b| {
            b.iter(|| isms_engine::load(dir.path()).expect("generated workspace loads"))
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
