//! Bad input for the public API of `infoflow-diffusion-sep`: every probe
//! must return an error, never panic or return a value (see
//! `infoflow_numerics::fuzz::rejects`).

use infoflow_diffusion_sep::basis::{Basis, Constraint};
use infoflow_diffusion_sep::reverse::ReverseDiffusion;
use infoflow_diffusion_sep::rgs::{AlphaRgs, Weight};
use infoflow_diffusion_sep::schedule::{Level, Schedule};
use infoflow_diffusion_sep::score::{OfdmScore, PulseScore, Score, StationaryGaussian, Timing};
use infoflow_diffusion_sep::separation::Problem;
use infoflow_numerics::fuzz::rejects;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::constellation::Constellation;
use infoflow_rf_signal::modem::{Ofdm, SingleCarrier};

const NAN: f64 = f64::NAN;

#[test]
fn every_bad_input_is_an_error() {
    let modem = SingleCarrier::new(Constellation::Qpsk, 16, 0.5, 4, 20).unwrap();
    let ofdm = Ofdm::new(Constellation::Qpsk, 64, 16, (4, 3), true, 4).unwrap();
    let soi = PulseScore::new(modem.clone()).unwrap();
    let known = OfdmScore::new(&ofdm, 320, Timing::Known { offset: 0, phase: 0.0 }).unwrap();
    let gaussian = StationaryGaussian::from_psd(vec![1.0; 320]).unwrap();
    let short = StationaryGaussian::from_psd(vec![1.0; 160]).unwrap();
    let level = Schedule::diffwave().level(10).unwrap();
    let y = vec![C64::new(0.1, -0.2); 320];
    let mut nan = y.clone();
    nan[17].re = NAN;
    let mut out = vec![C64::new(0.0, 0.0); 320];
    let streams = Streams::for_point(1, "diffusion-sep.bad-input", "table");
    let rng = || vec![streams.stream(0)];
    let rgs = AlphaRgs { iterations: 3, ..AlphaRgs::default() };
    let run = |rgs: &AlphaRgs, p: Problem<'_>| rgs.separate(&soi, &known, &modem, &[p], rng(), &|_, _| {});
    let good = Problem { mixture: &y, kappa: 2.0 };
    let mut probes = vec![
        // Schedules and levels.
        rejects("schedule of one level", || Schedule::new(vec![0.1])),
        rejects("beta 1", || Schedule::new(vec![0.1, 1.0])),
        rejects("beta NaN", || Schedule::new(vec![0.1, NAN])),
        rejects("level beyond the schedule", || Schedule::diffwave().level(50)),
        rejects("level scale 0", || Level::custom(0.0, 0.5)),
        rejects("level scale > 1", || Level::custom(1.5, 0.5)),
        rejects("level sigma NaN", || Level::custom(0.5, NAN)),
        // Score models.
        rejects("pulse of 16-QAM", || {
            PulseScore::new(SingleCarrier::new(Constellation::Qam16, 16, 0.5, 4, 20).unwrap())
        }),
        rejects("pulse spanning 16 symbols", || {
            PulseScore::new(SingleCarrier::new(Constellation::Qpsk, 2, 0.5, 16, 20).unwrap())
        }),
        rejects("OFDM frame shorter than two symbols", || OfdmScore::new(&ofdm, 100, Timing::Unknown { phases: 1 })),
        rejects("OFDM of 16-QAM", || {
            OfdmScore::new(
                &Ofdm::new(Constellation::Qam16, 64, 16, (4, 3), true, 4).unwrap(),
                320,
                Timing::Unknown { phases: 1 },
            )
        }),
        rejects("OFDM offset beyond the period", || {
            OfdmScore::new(&ofdm, 320, Timing::Known { offset: 80, phase: 0.0 })
        }),
        rejects("OFDM phase NaN", || OfdmScore::new(&ofdm, 320, Timing::Known { offset: 0, phase: NAN })),
        rejects("OFDM no phases", || OfdmScore::new(&ofdm, 320, Timing::Unknown { phases: 0 })),
        rejects("OFDM draw offset", || OfdmScore::draw(&ofdm, 320, 80, 0.0, &mut streams.stream(1))),
        rejects("OFDM draw empty", || OfdmScore::draw(&ofdm, 0, 0, 0.0, &mut streams.stream(1))),
        rejects("synchronise wrong length", || known.synchronise(&y[1..], level)),
        rejects("synchronise NaN", || known.synchronise(&nan, level)),
        rejects("PSD negative", || StationaryGaussian::from_psd(vec![1.0, -0.5])),
        rejects("PSD NaN", || StationaryGaussian::from_psd(vec![1.0, NAN])),
        rejects("PSD of one bin", || StationaryGaussian::from_psd(vec![1.0])),
        rejects("autocorrelation too long", || StationaryGaussian::from_autocorrelation(&[C64::new(1.0, 0.0); 9], 16)),
        rejects("autocorrelation NaN", || StationaryGaussian::from_autocorrelation(&[C64::new(NAN, 0.0)], 16)),
        rejects("autocorrelation empty", || StationaryGaussian::from_autocorrelation(&[], 16)),
        rejects("batch lengths", || soi.score_batch(&[&y, &y], &[level], &mut [Vec::new(), Vec::new()])),
        // Separation.
        rejects("kappa 0", || run(&rgs, Problem { kappa: 0.0, ..good })),
        rejects("kappa negative", || run(&rgs, Problem { kappa: -1.0, ..good })),
        rejects("kappa NaN", || run(&rgs, Problem { kappa: NAN, ..good })),
        rejects("kappa infinite", || run(&rgs, Problem { kappa: f64::INFINITY, ..good })),
        rejects("mixture length", || run(&rgs, Problem { mixture: &y[1..], ..good })),
        rejects("mixture NaN", || run(&rgs, Problem { mixture: &nan, ..good })),
        rejects("model of another frame length", || rgs.separate(&soi, &short, &modem, &[good], rng(), &|_, _| {})),
        rejects("two streams for one mixture", || {
            rgs.separate(&soi, &known, &modem, &[good], vec![streams.stream(0), streams.stream(1)], &|_, _| {})
        }),
        rejects("zero iterations", || run(&AlphaRgs { iterations: 0, ..AlphaRgs::default() }, good)),
        rejects("step NaN", || run(&AlphaRgs { step_max: NAN, ..rgs.clone() }, good)),
        rejects("step 0", || run(&AlphaRgs { step_min: 0.0, ..rgs.clone() }, good)),
        rejects("steps reversed", || run(&AlphaRgs { step_max: 1e-7, step_min: 1e-6, ..rgs.clone() }, good)),
        rejects("levels beyond the schedule", || run(&AlphaRgs { levels: (3, 50), ..rgs.clone() }, good)),
        rejects("levels reversed", || run(&AlphaRgs { levels: (9, 3), ..rgs.clone() }, good)),
        rejects("weight negative", || run(&AlphaRgs { weight: Weight::Relative(-1.0), ..rgs.clone() }, good)),
        rejects("weight NaN", || run(&AlphaRgs { weight: Weight::Relative(NAN), ..rgs.clone() }, good)),
        rejects("BASIS epsilon 0", || {
            Basis { epsilon: 0.0, ..Basis::new(Constraint::Hard) }.separate(
                &soi,
                &known,
                &modem,
                &[good],
                rng(),
                &|_, _| {},
            )
        }),
        rejects("BASIS no steps", || {
            Basis { inner: 0, ..Basis::new(Constraint::Soft) }.separate(
                &soi,
                &known,
                &modem,
                &[good],
                rng(),
                &|_, _| {},
            )
        }),
        rejects("reverse diffusion kappa 0", || {
            ReverseDiffusion::default().separate(&known, &modem, &[Problem { kappa: 0.0, ..good }], rng())
        }),
        rejects("reverse diffusion mixture NaN", || {
            ReverseDiffusion::default().separate(&known, &modem, &[Problem { mixture: &nan, kappa: 1.0 }], rng())
        }),
        rejects("reverse diffusion model length", || {
            ReverseDiffusion::default().separate(&short, &modem, &[good], rng())
        }),
        rejects("reverse diffusion streams", || {
            ReverseDiffusion::default().separate(&known, &modem, &[good], Vec::<rand_chacha::ChaCha8Rng>::new())
        }),
        rejects("BASIS mixture NaN", || {
            Basis::new(Constraint::Soft).separate(
                &soi,
                &known,
                &modem,
                &[Problem { mixture: &nan, kappa: 1.0 }],
                rng(),
                &|_, _| {},
            )
        }),
    ];
    // Scores of frames of the wrong length or with NaN, for every model.
    let models: [(&str, &dyn Score); 3] = [("pulse", &soi), ("ofdm", &known), ("gaussian", &gaussian)];
    for (name, model) in models {
        probes.push(rejects(&format!("{name} score wrong length"), || model.score(&y[1..], level, &mut out[1..])));
        probes.push(rejects(&format!("{name} score output length"), || model.score(&y, level, &mut out[1..])));
        probes.push(rejects(&format!("{name} score NaN"), || model.score(&nan, level, &mut out)));
        probes.push(rejects(&format!("{name} log-density NaN"), || model.log_density(&nan, level)));
        probes.push(rejects(&format!("{name} distilled NaN"), || {
            model.distilled(&nan, level, &mut streams.stream(2), &mut out)
        }));
    }
    let defects: Vec<String> = probes.into_iter().flatten().collect();
    assert!(defects.is_empty(), "{defects:#?}");
}
