//! Throughput of the selection rules and of exact TV computation over a
//! support of 10⁶ atoms (`ν = Zipf(1.1)`, `μ` uniform), one thread.
//!
//! * `select/*`: one selection from 10⁶ proposals' ratios (elements =
//!   proposals); `sum` adds the ratios once: the memory-bandwidth floor of
//!   touching them.
//! * `exact_tv/*`: the exact output law of the rule with `n = 1000`
//!   proposals and its TV to `ν` (elements = atoms).
//!
//! Run with `cargo bench -p infoflow-sampling`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infoflow_numerics::rng::Streams;
use infoflow_sampling::distribution::{Discrete, density_ratio};
use infoflow_sampling::sampler::Rule;
use std::hint::black_box;
use std::time::Duration;

const ATOMS: usize = 1_000_000;

fn select(c: &mut Criterion) {
    let (nu, mu) = (Discrete::zipf(ATOMS, 1.1).expect("zipf"), Discrete::uniform(ATOMS).expect("uniform"));
    let ratios = density_ratio(&nu, &mu).expect("ratios");
    let mut rng = Streams::for_point(0, "bench", "select").stream(0);
    let mut g = c.benchmark_group("select");
    g.throughput(Throughput::Elements(ATOMS as u64));
    for rule in [Rule::truncated(1e6).expect("rule"), Rule::Sir, Rule::Greedy] {
        let name = rule.name().split(' ').next().unwrap_or("rule").to_string();
        g.bench_function(BenchmarkId::new("rule", name), |b| {
            b.iter(|| rule.select(black_box(&ratios), &mut rng).unwrap())
        });
    }
    g.bench_function("sum", |b| b.iter(|| black_box(&ratios).iter().sum::<f64>()));
    g.finish();
}

fn exact_tv(c: &mut Criterion) {
    let (nu, mu) = (Discrete::zipf(ATOMS, 1.1).expect("zipf"), Discrete::uniform(ATOMS).expect("uniform"));
    let mut g = c.benchmark_group("exact_tv");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ATOMS as u64));
    for rule in [Rule::truncated(1e3).expect("rule"), Rule::Greedy, Rule::First] {
        let name = rule.name().split(' ').next().unwrap_or("rule").to_string();
        g.bench_function(BenchmarkId::new("rule", name), |b| {
            b.iter(|| rule.tv_discrete(black_box(&nu), &mu, 1000).unwrap())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = select, exact_tv
}
criterion_main!(benches);
