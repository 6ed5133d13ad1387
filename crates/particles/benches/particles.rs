//! Throughput of the particle simulator, each next to its limit in the same
//! run.
//!
//! * `velocity/*`: one SA velocity evaluation with full `Q`, `K`, `V` at
//!   `(n, d)`, elements = flops (`4n²d + 4nd²`), so the reading is GFLOP/s;
//!   `gemm/*` is faer's GEMM of the dominant shape (`n × d` by `d × n`,
//!   elements = `2n²d`) on the same thread: the rate the velocity should
//!   approach (target: at least half of it for `n ≥ 1024`).
//! * `ensemble/*`: the phase-diagram workload (2048 systems of `n = 32` in
//!   `d = 8`, Euler + renormalise, `h = 0.1`), elements = system-steps;
//!   `benches/reference/phase_diagram.py` times numpy on the same workload.
//!
//! Run with `cargo bench -p infoflow-particles`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faer::{Accum, Mat, Par};
use infoflow_numerics::linalg::gaussian_matrix;
use infoflow_numerics::rng::Streams;
use infoflow_particles::ensemble::{Ensemble, EnsembleStep};
use infoflow_particles::{Attention, Head, Normalization, Particles, SphereDynamics, VelocityWorkspace};
use std::hint::black_box;
use std::time::Duration;

fn gaussian(d: usize, rng: &mut impl rand::Rng) -> Mat<f64> {
    gaussian_matrix(d, d, rng) * faer::Scale((d as f64).sqrt().recip())
}

fn velocity(c: &mut Criterion) {
    let mut g = c.benchmark_group("velocity");
    for (n, d) in [(32usize, 8usize), (256, 64), (1024, 128), (4096, 64)] {
        let mut rng = Streams::for_point(0, "bench", &format!("{n}x{d}")).stream(0);
        let p = Particles::uniform(n, d, &mut rng).unwrap();
        let head = Head {
            query: Some(gaussian(d, &mut rng)),
            key: Some(gaussian(d, &mut rng)),
            value: Some(gaussian(d, &mut rng)),
        };
        let dynamics = SphereDynamics::new(&Attention::softmax(4.0).with_heads(vec![head]), d).unwrap();
        let xt = p.positions().transpose().to_owned();
        let mut out = Mat::zeros(d, n);
        let mut ws = VelocityWorkspace::new(n, d);
        let id = format!("{n}x{d}");
        g.throughput(Throughput::Elements(dynamics.flops(n) as u64));
        g.bench_function(BenchmarkId::new("sa_qkv", &id), |b| {
            b.iter(|| dynamics.velocity_columns(black_box(xt.as_ref()), p.masses(), out.as_mut(), &mut ws).unwrap())
        });
        // The limit: faer's GEMM of the score shape, one thread.
        let x = p.positions().clone();
        let mut s = Mat::<f64>::zeros(n, n);
        g.throughput(Throughput::Elements((2 * n * n * d) as u64));
        g.bench_function(BenchmarkId::new("gemm_limit", &id), |b| {
            b.iter(|| {
                faer::linalg::matmul::matmul(
                    s.as_mut(),
                    Accum::Replace,
                    black_box(x.as_ref()),
                    xt.as_ref(),
                    1.0,
                    Par::Seq,
                )
            })
        });
    }
    g.finish();
}

fn ensemble(c: &mut Criterion) {
    let mut g = c.benchmark_group("ensemble");
    let (systems, n, d, steps) = (2048usize, 32usize, 8usize, 10usize);
    let streams = Streams::for_point(0, "bench", "ensemble");
    let start: Vec<Particles> =
        (0..systems).map(|s| Particles::uniform(n, d, &mut streams.stream(s as u64)).unwrap()).collect();
    let step = EnsembleStep { beta: 4.0, normalization: Normalization::Softmax, step: 0.1, threshold: Some(0.999) };
    g.throughput(Throughput::Elements((systems * steps) as u64));
    g.bench_function("phase_workload_2048x32x8_10_steps", |b| {
        b.iter_batched(
            || Ensemble::new(&start).unwrap(),
            |mut ens| {
                for _ in 0..steps {
                    black_box(ens.euler_step(&step).unwrap());
                }
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = velocity, ensemble
}
criterion_main!(benches);
