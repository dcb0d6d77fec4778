//! One trial of the benchmark scenario (`scenarios/bench.toml`): building its fleet, and the
//! whole trial (fleet, usage, every strategy matched and billed, cash views).

use capsim::engine::Engine;
use capsim::montecarlo::Runner;
use capsim::scenario::Scenario;
use capsim::usage::VmSink;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// A sink that only counts VMs: the cost of the draws alone.
struct Count(u64);

impl VmSink for Count {
    fn add(&mut self, _: usize, start: i64, end: i64, count: u32, _: bool) {
        self.0 += u64::from(count) + (end - start) as u64 % 2;
    }
}

fn trial(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/bench.toml");
    let s = Scenario::load(path).expect("the benchmark scenario is valid");
    let engine = Engine::new(&s).expect("engine");
    let runner = Runner::new(&engine);
    let mut ws = engine.workspace();

    // VM lifecycles of a trial, for the throughput figure.
    let mut groups = Vec::new();
    engine
        .generator
        .generate(&s, &engine.layout, s.seed, 0, &mut groups);
    let vms: u64 = groups.iter().map(|g| u64::from(g.count)).sum();

    let mut group = c.benchmark_group("trial");
    group.throughput(Throughput::Elements(vms));
    let mut k = 0u64;
    group.bench_function("fleet", |b| {
        b.iter(|| {
            k += 1;
            engine.fill(s.seed, black_box(k), &mut ws).unwrap()
        })
    });
    group.bench_function("fleet-draws-only", |b| {
        b.iter(|| {
            k += 1;
            let mut sink = Count(0);
            engine
                .generator
                .generate(&s, &engine.layout, s.seed, black_box(k), &mut sink);
            black_box(sink.0)
        })
    });
    group.bench_function("whole", |b| {
        b.iter(|| {
            k += 1;
            black_box(runner.trial(s.seed, black_box(k), &mut ws).unwrap())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Figures only: criterion's charts would need system fonts.
    config = Criterion::default().without_plots();
    targets = trial
}
criterion_main!(benches);
