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

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = scores, separation
}
criterion_main!(benches);
