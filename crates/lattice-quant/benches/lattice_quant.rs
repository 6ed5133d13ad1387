//! Throughput of the lattice quantizers, each next to its limit or peer in
//! the same run.
//!
//! * `encode/*`, `decode/*`: the E8 matrix quantizer (`q = 16`, `k = 4`,
//!   Hadamard rotation) on a `4096 × 256` Gaussian matrix, elements =
//!   matrix entries, on 1 and 2 threads; `memcpy` copies the same `f64`
//!   matrix (the bandwidth limit of touching the data once).
//!   `encode_eclq_4bit`, `decode_eclq_4bit`: the entropy-coded E8 lattice
//!   at a nominal 4 bits per entry, same matrix.
//! * `e8_blocks/*`: the E8 Voronoi encoder alone (first fit over four
//!   scales, one thread) on the blocks `benches/reference/e8_encoder.py`
//!   feeds numpy; the script reports the ratio.
//! * `gemv/*`: `y = W x` for a `8192 × 8192` matrix: the code-domain GEMV
//!   on `W` compressed at 4.25 bits per entry ([`LutQuantizer::gemv`])
//!   against faer's `f32` GEMV on the uncompressed matrix, elements =
//!   matrix entries, 1 and 2 threads.
//!
//! Run with `cargo bench -p infoflow-lattice-quant`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faer::{Accum, Mat, Par};
use infoflow_lattice_quant::entropy::EntropyCodedE8;
use infoflow_lattice_quant::lattice::Gosset;
use infoflow_lattice_quant::lut::{LutConfig, LutQuantizer};
use infoflow_lattice_quant::matrix::{MatrixQuantizer, QuantizerConfig};
use infoflow_lattice_quant::preprocess::Rotation;
use infoflow_lattice_quant::voronoi::VoronoiCode;
use infoflow_numerics::linalg::gaussian_matrix;
use infoflow_numerics::rng::Streams;
use rand::RngExt;
use std::hint::black_box;
use std::time::Duration;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool")
}

fn encode_decode(c: &mut Criterion) {
    let (n, cols) = (4096usize, 256usize);
    let a = gaussian_matrix(n, cols, &mut Streams::for_point(0, "bench", "encode").stream(0));
    let q = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), n).expect("quantizer");
    let encoded = q.encode(a.as_ref()).expect("encode");
    let eclq = EntropyCodedE8::for_rate(4.0, n, Rotation::Hadamard, 1).expect("quantizer");
    let coded = eclq.encode(a.as_ref()).expect("encode");
    let mut g = c.benchmark_group("encode_decode");
    g.throughput(Throughput::Elements((n * cols) as u64));
    for threads in [1usize, 2] {
        let p = pool(threads);
        g.bench_function(BenchmarkId::new("encode_e8_q16", threads), |b| {
            b.iter(|| p.install(|| q.encode(black_box(a.as_ref())).unwrap()))
        });
        g.bench_function(BenchmarkId::new("decode_e8_q16", threads), |b| {
            b.iter(|| p.install(|| q.decode(black_box(&encoded)).unwrap()))
        });
        g.bench_function(BenchmarkId::new("encode_eclq_4bit", threads), |b| {
            b.iter(|| p.install(|| eclq.encode(black_box(a.as_ref())).unwrap()))
        });
        g.bench_function(BenchmarkId::new("decode_eclq_4bit", threads), |b| {
            b.iter(|| p.install(|| eclq.decode(black_box(&coded)).unwrap()))
        });
    }
    let mut dst = Mat::<f64>::zeros(n, cols);
    g.bench_function(BenchmarkId::new("memcpy_f64", 1), |b| b.iter(|| dst.copy_from(black_box(&a))));
    g.finish();
}

fn e8_blocks(c: &mut Criterion) {
    let blocks = 1usize << 16;
    let mut rng = Streams::for_point(0, "bench", "e8-blocks").stream(0);
    let x: Vec<f64> = (0..8 * blocks).map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal)).collect();
    let code = VoronoiCode::new(Gosset, 16).expect("code");
    let betas = [3.33, 4.35, 5.64, 10.0].map(|b| b / 16.0);
    let (mut chosen, mut idx) = (vec![0u8; blocks], vec![0u32; 8 * blocks]);
    let mut g = c.benchmark_group("e8_blocks");
    g.throughput(Throughput::Elements((8 * blocks) as u64));
    g.bench_function("voronoi_encode_first_fit_q16_k4", |b| {
        b.iter(|| code.encode_first_fit(black_box(&x), &betas, None, &mut chosen, &mut idx))
    });
    g.finish();
}

fn gemv(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemv");
    for n in [8192usize, 16384] {
        let mut rng = Streams::for_point(0, "bench", &format!("gemv-{n}")).stream(0);
        let q = LutQuantizer::new(LutConfig::default(), n).expect("quantizer");
        let w = gaussian_matrix(n, n, &mut rng);
        let compressed = q.encode_rows(w.as_ref()).expect("encode");
        let w32 = Mat::<f32>::from_fn(n, n, |i, j| w[(i, j)] as f32);
        drop(w);
        let x: Vec<f32> = (0..n).map(|_| rng.sample::<f32, _>(rand_distr::StandardNormal)).collect();
        let x32 = Mat::<f32>::from_fn(n, 1, |i, _| x[i]);
        let mut y = vec![0.0f32; n];
        let mut y32 = Mat::<f32>::zeros(n, 1);
        g.throughput(Throughput::Elements((n * n) as u64));
        for threads in [1usize, 2] {
            let p = pool(threads);
            g.bench_function(BenchmarkId::new(format!("lut_4.25bit_{n}"), threads), |b| {
                b.iter(|| p.install(|| q.gemv(&compressed, black_box(&x), &mut y).unwrap()))
            });
            let par = if threads == 1 { Par::Seq } else { Par::rayon(threads) };
            g.bench_function(BenchmarkId::new(format!("faer_f32_{n}"), threads), |b| {
                b.iter(|| {
                    faer::linalg::matmul::matmul(
                        y32.as_mut(),
                        Accum::Replace,
                        w32.as_ref(),
                        black_box(x32.as_ref()),
                        1.0f32,
                        par,
                    )
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = encode_decode, e8_blocks, gemv
}
criterion_main!(benches);
