//! Throughput of the score models and of whole separations, on one thread
//! (`cargo bench -p infoflow-diffusion-sep`).
//!
//! * `scores/*`: one score evaluation of a 2,560-sample frame (the α-RGS
//!   paper's frame: RRC-QPSK at 16 samples per symbol, span 4; OFDM-QPSK
//!   64/16 with 56 carriers); elements = samples. `noise` draws the two
//!   white frames one α-RGS iteration needs (elements = samples);
//!   `fft_pair` one forward and one inverse FFT of a frame, the floor the
//!   scores' times are quoted against.
//! * `separation/*`: whole separations of one mixture at −12 dB with both
//!   scores analytic (the interference at known timing): α-RGS at the
//!   paper's 20,000 iterations and modified BASIS (49 levels × 100 steps);
//!   elements = iterations, so elements/s is iterations per second.
//! * `learned/*` (feature `learned`, with the shipped prior in `models/`):
//!   the learned interference prior's cost and the network's share of an
//!   α-RGS iteration (see [`learned`]).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infoflow_diffusion_sep::basis::{Basis, Constraint};
use infoflow_diffusion_sep::rgs::AlphaRgs;
use infoflow_diffusion_sep::schedule::Schedule;
use infoflow_diffusion_sep::score::{OfdmScore, PulseScore, Score, StationaryGaussian, Timing};
use infoflow_diffusion_sep::separation::Problem;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::{C64, fft_plans};
use infoflow_rf_signal::constellation::Constellation;
use infoflow_rf_signal::modem::{Ofdm, SingleCarrier, random_frame};
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;
use std::time::Duration;

const N: usize = 2560;

fn models() -> (SingleCarrier, Ofdm, PulseScore, OfdmScore) {
    let sc = SingleCarrier::new(Constellation::Qpsk, 16, 0.5, 4, 160).expect("modem");
    let ofdm = Ofdm::new(Constellation::Qpsk, 64, 16, (4, 3), true, 32).expect("modem");
    let pulse = PulseScore::new(sc.clone()).expect("score");
    let known = OfdmScore::new(&ofdm, N, Timing::Known { offset: 17, phase: 0.4 }).expect("score");
    (sc, ofdm, pulse, known)
}

fn scores(c: &mut Criterion) {
    let (sc, ofdm, pulse, known) = models();
    let mixture = OfdmScore::new(&ofdm, N, Timing::Unknown { phases: 1 }).expect("score");
    let gaussian = StationaryGaussian::from_autocorrelation(&known.stationary_autocorrelation(200), N).expect("psd");
    let mut rng = Streams::for_point(0, "bench", "scores").stream(0);
    let (_, s) = random_frame(&sc, &mut rng).expect("frame");
    let b = OfdmScore::draw(&ofdm, N, 17, 0.4, &mut rng).expect("frame");
    let level = Schedule::diffwave().level(25).expect("level");
    let noisy = |x: &[C64], rng: &mut rand_chacha::ChaCha8Rng| -> Vec<C64> {
        x.iter()
            .map(|z| z * level.scale + C64::new(StandardNormal.sample(rng), StandardNormal.sample(rng)) * level.sigma)
            .collect()
    };
    let (xs, xb) = (noisy(&s, &mut rng), noisy(&b, &mut rng));
    let mut out = vec![C64::new(0.0, 0.0); N];
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let mut g = c.benchmark_group("scores");
    g.throughput(Throughput::Elements(N as u64));
    let cases: [(&str, &dyn Score, &[C64]); 4] = [
        ("pulse_qpsk", &pulse, &xs),
        ("ofdm_known", &known, &xb),
        ("ofdm_mixture", &mixture, &xb),
        ("gaussian", &gaussian, &xb),
    ];
    for (name, model, x) in cases {
        if name == "ofdm_mixture" {
            g.sample_size(10);
        }
        g.bench_function(name, |bch| bch.iter(|| model.score(black_box(x), level, &mut out).unwrap()));
        let _ = &pool;
    }
    // The floor a score of a whole frame compares with: one forward and one
    // inverse FFT of the frame (what the stationary Gaussian score does).
    let (fwd, inv) = (fft_plans().forward(N), fft_plans().inverse(N));
    let mut buf = xb.clone();
    g.bench_function("fft_pair", |bch| {
        bch.iter(|| {
            fwd.process(&mut buf);
            inv.process(&mut buf);
        })
    });
    let mut other = out.clone();
    g.bench_function("noise", |bch| {
        bch.iter(|| {
            for z in out.iter_mut().chain(other.iter_mut()) {
                *z = C64::new(StandardNormal.sample(&mut rng), StandardNormal.sample(&mut rng));
            }
        })
    });
    g.finish();
}

fn separation(c: &mut Criterion) {
    let (sc, ofdm, pulse, known) = models();
    let mut rng = Streams::for_point(0, "bench", "separation").stream(0);
    let (_, s) = random_frame(&sc, &mut rng).expect("frame");
    let b = OfdmScore::draw(&ofdm, N, 17, 0.4, &mut rng).expect("frame");
    let kappa = (10f64.powf(1.2) * 64.0 / 56.0).sqrt();
    let y: Vec<C64> = s.iter().zip(&b).map(|(s, b)| s + b * kappa).collect();
    let problem = [Problem { mixture: &y, kappa }];
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let mut g = c.benchmark_group("separation");
    g.sample_size(10);
    let rgs = AlphaRgs { objective_draws: 0, ..AlphaRgs::default() };
    g.throughput(Throughput::Elements(rgs.iterations as u64));
    g.bench_function(BenchmarkId::new("alpha_rgs_analytic", rgs.iterations), |bch| {
        bch.iter(|| {
            pool.install(|| rgs.separate(&pulse, &known, &sc, &problem, vec![rng.clone()], &|_, _| {}).unwrap())
        })
    });
    let basis = Basis::new(Constraint::Hard);
    g.throughput(Throughput::Elements((49 * basis.inner) as u64));
    g.bench_function(BenchmarkId::new("modified_basis_analytic", 49 * basis.inner), |bch| {
        bch.iter(|| {
            pool.install(|| basis.separate(&pulse, &known, &sc, &problem, vec![rng.clone()], &|_, _| {}).unwrap())
        })
    });
    g.finish();
}

/// The learned interference prior (feature `learned`, the shipped
/// `models/diffwave-ofdm-qpsk`), one thread: its distilled direction on 1
/// and 8 frames (elements = samples), and α-RGS with the analytic SOI score
/// and the prior (elements = iterations). The network's share of an α-RGS
/// iteration is the one-frame call's time over the iteration's.
#[cfg(feature = "learned")]
fn learned(c: &mut Criterion) {
    use infoflow_diffusion_sep::score::LearnedScore;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/diffwave-ofdm-qpsk");
    let prior = match LearnedScore::load(&dir, N) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("learned: skipped, no prior ({e}); train it with `cargo xtask train diffwave-ofdm-qpsk`");
            return;
        }
    };
    eprintln!("learned: {:.3} GFLOP per network evaluation of a frame", prior.forward_flops() / 1e9);
    let (sc, ofdm, pulse, _) = models();
    let mut rng = Streams::for_point(0, "bench", "learned").stream(0);
    let (_, s) = random_frame(&sc, &mut rng).expect("frame");
    let b = OfdmScore::draw(&ofdm, N, 17, 0.4, &mut rng).expect("frame");
    let kappa = (10f64.powf(1.2) * 64.0 / 56.0).sqrt();
    let y: Vec<C64> = s.iter().zip(&b).map(|(s, b)| s + b * kappa).collect();
    let problem = [Problem { mixture: &y, kappa }];
    let level = Schedule::diffwave().level(25).expect("level");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let mut g = c.benchmark_group("learned");
    g.sample_size(10);
    for frames in [1usize, 8] {
        g.throughput(Throughput::Elements((frames * N) as u64));
        let xs: Vec<&[C64]> = vec![&b[..]; frames];
        let levels = vec![level; frames];
        let mut out = vec![Vec::new(); frames];
        g.bench_function(BenchmarkId::new("distilled", frames), |bch| {
            bch.iter(|| {
                let mut rngs: Vec<_> = (0..frames).map(|_| rng.clone()).collect();
                let mut rngs: Vec<&mut (dyn rand::Rng + Send)> =
                    rngs.iter_mut().map(|r| r as &mut (dyn rand::Rng + Send)).collect();
                pool.install(|| prior.distilled_batch(&xs, &levels, &mut rngs, &mut out).unwrap())
            })
        });
    }
    let rgs = AlphaRgs { iterations: 100, objective_draws: 0, ..AlphaRgs::default() };
    g.throughput(Throughput::Elements(rgs.iterations as u64));
    g.bench_function(BenchmarkId::new("alpha_rgs_analytic_soi_learned_interference", rgs.iterations), |bch| {
        bch.iter(|| {
            pool.install(|| rgs.separate(&pulse, &prior, &sc, &problem, vec![rng.clone()], &|_, _| {}).unwrap())
        })
    });
    g.finish();
}

#[cfg(not(feature = "learned"))]
fn learned(_: &mut Criterion) {
    eprintln!("learned: skipped (run with --features learned)");
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = scores, separation, learned
}
criterion_main!(benches);
