//! The hourly matching core: one strategy over three years of hourly usage for 3 types in 2
//! zones. Throughput is in (type, zone)-hours matched per second.

use capsim::engine::Engine;
use capsim::matching::NoHours;
use capsim::scenario::Scenario;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn matching(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/data/matching.toml");
    let s = Scenario::load(path).expect("the benchmark scenario is valid");
    let engine = Engine::new(&s).expect("engine");
    let mut ws = engine.workspace();
    engine.fill(s.seed, 0, &mut ws).unwrap();
    let cell_hours = (engine.layout.hours * engine.layout.cells.len()) as u64;
    assert_eq!(engine.layout.hours, 26_280);
    assert_eq!(engine.layout.cells.len(), 6);

    let mut group = c.benchmark_group("matching");
    group.throughput(Throughput::Elements(cell_hours));
    for p in 0..engine.plans.len() {
        let name = engine.plans[p].name.clone();
        group.bench_function(format!("match/{name}"), |b| {
            b.iter(|| engine.match_plan(black_box(p), &mut ws, &mut NoHours))
        });
        group.bench_function(format!("match+bill/{name}"), |b| {
            b.iter(|| black_box(engine.bill(black_box(p), &mut ws)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Figures only: criterion's charts would need system fonts.
    config = Criterion::default().without_plots();
    targets = matching
}
criterion_main!(benches);
