//! Training-step throughput of the shipped WaveNet, UNet, DiffWave,
//! Wave-U-Net and Conv-TasNet sizes, next to
//! faer's f32 matrix product (the limit for convolution by im2col) measured
//! in the same run.
//!
//! * `train_step/<net>`: one AdamW step (forward, backward, update) on a
//!   batch of 16 crops of 1,024 I/Q samples, as `cargo xtask train` runs
//!   them; elements = samples (samples/s). The FLOPs of a step
//!   (`3 × Architecture::forward_flops`) are printed once, so GFLOP/s =
//!   FLOPs ÷ time.
//! * `train_step_real/<net>`: the same for the co-channel OFDM study's
//!   nets (Wave-U-Net `small` with first kernels 15, 65 and 101, Conv-TasNet
//!   `small`) on batches of 16 real windows of 256 samples.
//! * `gemm_f32/<m>x<k>x<n>`: faer's product of an `m × k` and a `k × n`
//!   f32 matrix; elements = `2mkn` FLOPs (elements/s = FLOP/s). The first
//!   shape is the WaveNet's dilated convolution as im2col (`2C × 3C` times
//!   `3C × batch·crop`), the second a large square product (the machine's
//!   peak).
//!
//! Run with `cargo bench -p infoflow-nn` (threads: rayon's default, one per
//! core, for both).

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::{Distribution, Tensor};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faer::{Accum, Mat, Par};
use infoflow_nn::convtasnet::ConvTasNetConfig;
use infoflow_nn::diffwave::DiffWaveConfig;
use infoflow_nn::unet::UNetConfig;
use infoflow_nn::wavenet::WaveNetConfig;
use infoflow_nn::waveunet::WaveUNetConfig;
use infoflow_nn::{Architecture, CpuTrain};
use std::hint::black_box;
use std::time::Duration;

const BATCH: usize = 16;
const CROP: usize = 1024;
const WINDOW: usize = 256;

fn train_step(c: &mut Criterion) {
    let nets = [
        ("wavenet-small", Architecture::WaveNet(WaveNetConfig::small())),
        ("unet-small-k101", Architecture::UNet(UNetConfig::small())),
        ("unet-small-k3", Architecture::UNet(UNetConfig::small().with_first_kernel(3))),
        ("diffwave-small", Architecture::DiffWave(DiffWaveConfig::small())),
    ];
    steps_of(c, "train_step", &nets, 2, CROP);
    let real = [
        ("waveunet-small-k15", Architecture::WaveUNet(WaveUNetConfig::small(15))),
        ("waveunet-small-k65", Architecture::WaveUNet(WaveUNetConfig::small(65))),
        ("waveunet-small-k101", Architecture::WaveUNet(WaveUNetConfig::small(101))),
        ("convtasnet-small", Architecture::ConvTasNet(ConvTasNetConfig::small())),
    ];
    steps_of(c, "train_step_real", &real, 1, WINDOW);
}

/// One benchmark per net: AdamW steps on batches of `BATCH` examples of
/// `channels × n` values.
fn steps_of(c: &mut Criterion, group: &str, nets: &[(&str, Architecture)], channels: usize, n: usize) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements((BATCH * n) as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let device = Default::default();
    for (name, arch) in nets {
        let flops = 3.0 * arch.forward_flops(n) * BATCH as f64;
        eprintln!("{group}/{name}: {:.3} GFLOP per step (3 × forward)", flops / 1e9);
        let mut net = arch.init::<CpuTrain>(&device).expect("net");
        let mut opt = AdamWConfig::new().init::<CpuTrain, _>();
        let x = Tensor::<CpuTrain, 3>::random([BATCH, channels, n], Distribution::Normal(0.0, 1.0), &device);
        let y = Tensor::<CpuTrain, 3>::random([BATCH, channels, n], Distribution::Normal(0.0, 1.0), &device);
        let steps: Vec<f64> = (0..BATCH).map(|i| (3 * i % 50) as f64).collect();
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let steps = matches!(arch, Architecture::DiffWave(_)).then_some(&steps[..]);
                let loss = (net.forward_steps(x.clone(), steps).expect("forward") - y.clone()).powf_scalar(2.0).mean();
                let grads = GradientsParams::from_grads(loss.backward(), &net);
                net = opt.step(1e-4, net.clone(), grads);
            })
        });
        black_box(net.num_params());
    }
    g.finish();
}

fn gemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm_f32");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let ch = 16;
    for (m, k, n) in [(2 * ch, 3 * ch, BATCH * CROP), (1024, 1024, 1024)] {
        g.throughput(Throughput::Elements((2 * m * k * n) as u64));
        let a = Mat::<f32>::from_fn(m, k, |i, j| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Mat::<f32>::from_fn(k, n, |i, j| ((i * 5 + j * 2) % 13) as f32 - 6.0);
        let mut out = Mat::<f32>::zeros(m, n);
        g.bench_function(BenchmarkId::from_parameter(format!("{m}x{k}x{n}")), |bench| {
            bench.iter(|| {
                faer::linalg::matmul::matmul(
                    out.as_mut(),
                    Accum::Replace,
                    a.as_ref(),
                    b.as_ref(),
                    1.0f32,
                    Par::rayon(0),
                )
            })
        });
        black_box(out[(0, 0)]);
    }
    g.finish();
}

criterion_group!(benches, train_step, gemm);
criterion_main!(benches);
