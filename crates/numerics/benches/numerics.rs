//! Throughput of the shared hot paths, each next to its limit measured in
//! the same run:
//!
//! * `fwht` and the randomized Hadamard rotation against a plain `copy` of
//!   the same buffer (memory bandwidth);
//! * `gram` (transpose copy, lower-triangle GEMM, mirror) against faer's
//!   full GEMM of the same shape on its fastest layout (elements = flops of
//!   the full product, so both read GFLOP/s on one scale);
//! * `softmax_rows` against a copy of the matrix;
//! * FFT convolution against direct convolution.
//!
//! Run with `cargo bench -p infoflow-numerics`; quote medians and ratios.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faer::{Mat, Par};
use infoflow_numerics::linalg::{self, RandomizedHadamard};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::{self, C64};
use infoflow_numerics::special;
use rand::RngExt;
use std::hint::black_box;
use std::time::Duration;

fn rng() -> infoflow_numerics::rng::ChaCha8Rng {
    Streams::for_point(0, "bench", "numerics").stream(0)
}

fn hadamard(c: &mut Criterion) {
    let mut g = c.benchmark_group("hadamard");
    for log_n in [10u32, 16, 20] {
        let n = 1usize << log_n;
        let mut r = rng();
        let x: Vec<f64> = (0..n).map(|_| r.random::<f64>()).collect();
        g.throughput(Throughput::Elements(n as u64));
        let mut buf = x.clone();
        g.bench_with_input(BenchmarkId::new("copy", n), &n, |b, _| {
            b.iter(|| buf.copy_from_slice(black_box(&x)));
        });
        g.bench_with_input(BenchmarkId::new("fwht", n), &n, |b, _| {
            b.iter(|| {
                buf.copy_from_slice(&x);
                linalg::fwht(black_box(&mut buf)).unwrap();
            });
        });
        let rot = RandomizedHadamard::new(n - 3, &mut r).unwrap();
        let input = &x[..n - 3];
        g.bench_with_input(BenchmarkId::new("randomized_hadamard_padded", n), &n, |b, _| {
            b.iter(|| rot.apply_into(black_box(input), &mut buf).unwrap());
        });
    }
    g.finish();
}

fn gram(c: &mut Criterion) {
    let mut g = c.benchmark_group("gram");
    for (n, d) in [(256usize, 64usize), (1024, 64), (1024, 512)] {
        let mut r = rng();
        let x = Mat::from_fn(n, d, |_, _| r.random::<f64>() - 0.5);
        let mut dst = Mat::<f64>::zeros(n, n);
        g.throughput(Throughput::Elements((2 * n * n * d) as u64));
        let id = format!("{n}x{d}");
        g.bench_function(BenchmarkId::new("faer_full_gemm", &id), |b| {
            b.iter(|| {
                faer::linalg::matmul::matmul(
                    dst.as_mut(),
                    faer::Accum::Replace,
                    x.as_ref(),
                    x.transpose(),
                    1.0,
                    Par::Seq,
                )
            });
        });
        g.bench_function(BenchmarkId::new("gram", &id), |b| {
            b.iter(|| linalg::gram_into(dst.as_mut(), black_box(x.as_ref()), Par::Seq).unwrap());
        });
    }
    g.finish();
}

/// The shared vectorised exponential (particles' attention, kernel-tests'
/// Gaussian blocks) next to a copy of the same buffer and `f64::exp`.
fn exponential(c: &mut Criterion) {
    let mut g = c.benchmark_group("exp");
    let n = 1 << 18;
    let mut r = rng();
    let x: Vec<f64> = (0..n).map(|_| r.random::<f64>() * 20.0 - 20.0).collect();
    let mut work = x.clone();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("copy_256k", |b| b.iter(|| work.copy_from_slice(black_box(&x))));
    g.bench_function("exp_in_place_256k", |b| {
        b.iter(|| {
            work.copy_from_slice(&x);
            special::exp_in_place(black_box(&mut work));
        })
    });
    g.bench_function("f64_exp_256k", |b| {
        b.iter(|| {
            work.copy_from_slice(&x);
            work.iter_mut().for_each(|v| *v = v.exp());
            black_box(&work);
        })
    });
    g.finish();
}

fn convolution(c: &mut Criterion) {
    let mut g = c.benchmark_group("convolve");
    let mut r = rng();
    for (la, lb) in [(4096usize, 33usize), (4096, 129), (40960, 129)] {
        let a = signal::complex_gaussian(la, 1.0, &mut r).unwrap();
        let b: Vec<C64> = signal::complex_gaussian(lb, 1.0, &mut r).unwrap();
        g.throughput(Throughput::Elements((la + lb - 1) as u64));
        let id = format!("{la}x{lb}");
        g.bench_function(BenchmarkId::new("direct", &id), |bch| {
            bch.iter(|| signal::convolve_direct(black_box(&a), &b).unwrap())
        });
        g.bench_function(BenchmarkId::new("fft", &id), |bch| {
            bch.iter(|| signal::convolve_fft(black_box(&a), &b).unwrap())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = hadamard, gram, exponential, convolution
}
criterion_main!(benches);
