//! Learned kernels, one thread: what a trained kernel costs next to the
//! fixed Gaussian on the same samples (HIGGS-like `d = 28`,
//! `n = m = 10⁴`), and what training costs.
//!
//! * `learned/unbiased_gaussian`: `MMD²_u` with the Gaussian (the
//!   reference);
//! * `learned/unbiased_deep`, `learned/unbiased_mmd_m`: the same with a
//!   deep kernel and MMD-M (MLP `28 → 50 → 50 → 50`; MMD-M adds the
//!   residual `ψ`), each sample embedded once;
//! * `learned/embed_deep`: the embedding alone (both samples), the share
//!   the feature map takes;
//! * `learned/train_step`: one training step on minibatches of 128 points
//!   per law (elements = steps), the deep kernel.
//!
//! Run with `cargo bench -p infoflow-kernel-tests --features learned --bench learned`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faer::Par;
use infoflow_kernel_tests::data::gaussian_shift;
use infoflow_kernel_tests::kernel::{Gaussian, Kernel};
use infoflow_kernel_tests::learned::{Form, LearnedKernel};
use infoflow_kernel_tests::mmd;
use infoflow_nn::train::TrainConfig;
use infoflow_numerics::rng::Streams;
use std::hint::black_box;
use std::time::Duration;

const N: usize = 10_000;
const D: usize = 28;

fn bench(c: &mut Criterion) {
    let mut rng = Streams::for_point(0, "bench", "learned").stream(0);
    let (x, y) = (gaussian_shift(N, D, 0.0, &mut rng), gaussian_shift(N, D, 0.1, &mut rng));
    let (tx, ty) = (x.as_ref().subrows(0, 400), y.as_ref().subrows(0, 400));
    let train = |form: Form, steps: usize| {
        let mut recipe = TrainConfig::new(steps, 128, 5e-3, 1);
        (recipe.validate_every, recipe.checkpoint_every) = (steps, steps);
        LearnedKernel::train("bench", &form.maps(D, 2, 50, 50), tx, ty, &recipe).expect("training")
    };
    let (deep, _) = train(Form::Deep, 2);
    let (mix, _) = train(Form::Mixture, 2);
    let gaussian = Gaussian::new((D as f64).sqrt()).expect("bandwidth");
    let mut g = c.benchmark_group("learned");
    g.sample_size(10);
    g.throughput(Throughput::Elements((3 * N * N) as u64));
    let kernels: [(&str, &dyn Kernel); 3] =
        [("unbiased_gaussian", &gaussian), ("unbiased_deep", &deep), ("unbiased_mmd_m", &mix)];
    for (name, k) in kernels {
        g.bench_function(name, |b| b.iter(|| mmd::unbiased(k, black_box(x.as_ref()), y.as_ref(), Par::Seq).unwrap()));
    }
    g.throughput(Throughput::Elements((2 * N) as u64));
    g.bench_function("embed_deep", |b| {
        b.iter(|| {
            (
                deep.embed(black_box(x.as_ref())).unwrap().as_ref().nrows(),
                deep.embed(y.as_ref()).unwrap().as_ref().nrows(),
            )
        })
    });
    g.throughput(Throughput::Elements(50));
    g.bench_function("train_step", |b| b.iter(|| train(Form::Deep, 50)));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
