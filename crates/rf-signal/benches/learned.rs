//! Separation throughput of the shipped learned separators next to the
//! block LMMSE on the same frames (feature `learned`; the models are read
//! from the workspace's `models/`, or `$INFOFLOW_MODELS`).
//!
//! * `separate/<method>`: one 40,960-sample mixture of the model's type to
//!   an SOI estimate and its bits; elements = samples (samples/s).
//!
//! Run with `cargo bench -p infoflow-rf-signal --features learned --bench learned`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infoflow_rf_signal::mixture::{Dataset, Mixture, MixtureType};
use infoflow_rf_signal::modem::Modem;
use infoflow_rf_signal::separator::{BlockLmmse, LearnedSeparator, Separator};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn models_root() -> PathBuf {
    std::env::var_os("INFOFLOW_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

fn separate(c: &mut Criterion) {
    let mut g = c.benchmark_group("separate");
    g.throughput(Throughput::Elements(40_960));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let kinds = MixtureType::challenge_stand_ins();
    for (model, kind_name) in [("wavenet-qpsk-sc", "QPSK_SC-like"), ("unet-ofdm-sc-k101", "OFDMQPSK_SC-like")] {
        let kind = kinds.iter().find(|k| k.name() == kind_name).expect("mixture type");
        let data = Dataset::new(kind.clone(), 1);
        let train: Vec<Mixture> = (0..16).map(|i| data.train(i).expect("mixture")).collect();
        let modem: Arc<dyn Modem> = Arc::from(kind.soi.modem());
        let mut lmmse = BlockLmmse::new(modem, 640).expect("lmmse");
        lmmse.fit(&train).expect("fit");
        let learned = match LearnedSeparator::load(&models_root().join(model), kind) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("skipping {model}: {e}");
                continue;
            }
        };
        let m = data.test(0, -15.0).expect("mixture");
        g.bench_function(BenchmarkId::new("LMMSE", kind_name), |b| {
            b.iter(|| lmmse.separate(black_box(&m.mixture), None).unwrap())
        });
        g.bench_function(BenchmarkId::new(model, kind_name), |b| {
            b.iter(|| learned.separate(black_box(&m.mixture), None).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, separate);
criterion_main!(benches);
