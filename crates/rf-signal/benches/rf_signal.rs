//! Throughput of the RF Challenge signal models and the classical
//! separators (one thread unless the group says otherwise).
//!
//! * `frames/*`: modulating (`modulate_into`, bits to a reused frame) and
//!   demodulating (`demodulate_into`, hard bits) one 40,960-sample frame
//!   of QPSK and OFDM-QPSK; elements = samples (frames/s = elements/s ÷
//!   40,960). `copy` copies one frame: the memory-bandwidth floor.
//!   `benches/reference/frames.py` compares the same workload with numpy.
//! * `separators/*`: training the block LMMSE (640-sample blocks) and the
//!   cyclostationary LMMSE (129 taps) on 16 QPSK + SC-like mixtures
//!   (elements = training samples), and separating one mixture with a blind
//!   SINR estimate (elements = samples).
//! * `prototype/*`: the co-channel OFDM study's oracle separating one
//!   4,096-sample window of each case (elements = samples), next to drawing
//!   one window.
//!
//! Run with `cargo bench -p infoflow-rf-signal`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::mixture::{Dataset, Mixture, MixtureType};
use infoflow_rf_signal::modem::{Modem, SoiKind, random_bits};
use infoflow_rf_signal::prototype::{Case, Prototype};
use infoflow_rf_signal::separator::{BlockLmmse, CyclicLmmse, Separator};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

fn frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("frames");
    g.throughput(Throughput::Elements(40_960));
    let mut rng = Streams::for_point(0, "bench", "frames").stream(0);
    for kind in SoiKind::ALL {
        let modem = kind.modem();
        let bits = random_bits(modem.bits_per_frame(), &mut rng);
        let mut frame = vec![C64::new(0.0, 0.0); modem.frame_len()];
        modem.modulate_into(&bits, &mut frame).expect("modulate");
        let mut decided = Vec::with_capacity(bits.len());
        g.bench_function(BenchmarkId::new("generate", kind.name()), |b| {
            b.iter(|| modem.modulate_into(black_box(&bits), &mut frame).unwrap())
        });
        g.bench_function(BenchmarkId::new("demodulate", kind.name()), |b| {
            b.iter(|| modem.demodulate_into(black_box(&frame), &mut decided).unwrap())
        });
    }
    let src = vec![C64::new(1.0, 0.0); 40_960];
    let mut dst = vec![C64::new(0.0, 0.0); 40_960];
    g.bench_function("copy", |b| b.iter(|| dst.copy_from_slice(black_box(&src))));
    g.finish();
}

fn separators(c: &mut Criterion) {
    let kind = MixtureType::challenge_stand_ins().into_iter().find(|k| k.name() == "QPSK_SC-like").expect("type");
    let data = Dataset::new(kind.clone(), 0);
    let modem: Arc<dyn Modem> = Arc::from(kind.soi.modem());
    let train: Vec<Mixture> = (0..16).map(|i| data.train(i).expect("mixture")).collect();
    let test = data.test(0, -10.0).expect("mixture");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let mut g = c.benchmark_group("separators");
    g.sample_size(10);
    g.throughput(Throughput::Elements((16 * 40_960) as u64));
    g.bench_function("fit_lmmse_640", |b| {
        b.iter(|| pool.install(|| BlockLmmse::new(modem.clone(), 640).unwrap().fit(black_box(&train)).unwrap()))
    });
    g.bench_function("fit_cyclic_129", |b| {
        b.iter(|| pool.install(|| CyclicLmmse::new(modem.clone(), 64).unwrap().fit(black_box(&train)).unwrap()))
    });
    let mut lmmse = BlockLmmse::new(modem.clone(), 640).expect("lmmse");
    lmmse.fit(&train).expect("fit");
    let mut cyclic = CyclicLmmse::new(modem.clone(), 64).expect("cyclic");
    cyclic.fit(&train).expect("fit");
    g.throughput(Throughput::Elements(40_960));
    g.bench_function("apply_lmmse_640", |b| {
        b.iter(|| pool.install(|| lmmse.separate(black_box(&test.mixture), None).unwrap()))
    });
    g.bench_function("apply_cyclic_129", |b| {
        b.iter(|| pool.install(|| cyclic.separate(black_box(&test.mixture), None).unwrap()))
    });
    g.finish();
}

fn prototype(c: &mut Criterion) {
    let mut g = c.benchmark_group("prototype");
    g.throughput(Throughput::Elements(4096));
    let mut rng = Streams::for_point(0, "bench", "prototype").stream(0);
    for case in Case::ALL {
        let p = Prototype::paper(case);
        let w = p.draw(&mut rng);
        g.bench_function(BenchmarkId::new("oracle", case.number()), |b| {
            b.iter(|| p.oracle().separate(black_box(&w.mixture)).unwrap())
        });
    }
    let p = Prototype::paper(Case::Pam4Pam4);
    g.bench_function("draw", |b| b.iter(|| p.draw(&mut rng)));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = frames, separators, prototype
}
criterion_main!(benches);
