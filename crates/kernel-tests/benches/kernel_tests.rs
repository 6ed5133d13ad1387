//! Throughput of the MMD statistics, one thread (`Par::Seq`), next to the
//! floor of the same run: faer's GEMM of the same shapes.
//!
//! * `mmd/unbiased_gaussian`: `MMD²_u` with a Gaussian kernel, `n = m =
//!   10⁴`, `d = 28` (elements = kernel entries evaluated: the two symmetric
//!   blocks are evaluated once above their diagonals);
//! * `mmd/gemm_floor`: the three `10⁴ × 28 × 10⁴` products `XXᵀ, YYᵀ, XYᵀ`
//!   (elements = entries of the three products);
//! * `mmd/permutation_200`: the permutation test with 200 relabellings on
//!   the same samples (elements = pooled kernel entries).
//!
//! `benches/reference/mmd_test.py` times numpy on the same workload.
//! Run with `cargo bench -p infoflow-kernel-tests`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use infoflow_kernel_tests::data::gaussian_shift;
use infoflow_kernel_tests::kernel::Gaussian;
use infoflow_kernel_tests::{mmd, two_sample};
use infoflow_numerics::rng::Streams;
use std::hint::black_box;
use std::time::Duration;

const N: usize = 10_000;
const D: usize = 28;

fn bench(c: &mut Criterion) {
    let mut rng = Streams::for_point(0, "bench", "mmd").stream(0);
    let (x, y) = (gaussian_shift(N, D, 0.0, &mut rng), gaussian_shift(N, D, 0.1, &mut rng));
    let k = Gaussian::new((D as f64).sqrt()).expect("bandwidth");
    let mut g = c.benchmark_group("mmd");
    g.sample_size(10);
    g.throughput(Throughput::Elements((3 * N * N) as u64));
    g.bench_function("unbiased_gaussian", |b| {
        b.iter(|| mmd::unbiased(&k, black_box(x.as_ref()), y.as_ref(), Par::Seq).unwrap())
    });
    let mut out = Mat::<f64>::zeros(N, N);
    g.bench_function("gemm_floor", |b| {
        b.iter(|| {
            for (p, q) in [(&x, &x), (&y, &y), (&x, &y)] {
                matmul(out.as_mut(), Accum::Replace, black_box(p.as_ref()), q.as_ref().transpose(), 1.0, Par::Seq);
            }
        })
    });
    g.throughput(Throughput::Elements((4 * N * N) as u64));
    g.bench_function("permutation_200", |b| {
        b.iter(|| {
            two_sample::permutation_test(&k, black_box(x.as_ref()), y.as_ref(), 200, 0.05, Par::Seq, &mut rng).unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
