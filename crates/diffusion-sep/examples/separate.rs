//! α-RGS on the paper's problem: an RRC-QPSK frame (2,560 samples, span 4)
//! under OFDM interference with a random timing and phase, both scores
//! analytic (the interference synchronised by maximum likelihood first).
//!
//! `cargo run --release -p infoflow-diffusion-sep --example separate -- [SIR dB] [iterations] [mixtures] [qpsk|bpsk]`

use infoflow_diffusion_sep::rgs::AlphaRgs;
use infoflow_diffusion_sep::schedule::Level;
use infoflow_diffusion_sep::score::{OfdmScore, PulseScore, Timing};
use infoflow_diffusion_sep::separation::{Problem, matched_filter_init};
use infoflow_numerics::rng::Streams;
use infoflow_rf_signal::constellation::Constellation;
use infoflow_rf_signal::modem::{Modem, Ofdm, SingleCarrier, random_frame};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let sir: f64 = args.get(1).map_or(Ok(-24.0), |s| s.parse())?;
    let iterations: usize = args.get(2).map_or(Ok(2000), |s| s.parse())?;
    let count: usize = args.get(3).map_or(Ok(4), |s| s.parse())?;
    let carriers = match args.get(4).map(String::as_str) {
        Some("bpsk") => Constellation::Bpsk,
        _ => Constellation::Qpsk,
    };
    let n = 2560;
    let soi_modem = SingleCarrier::new(Constellation::Qpsk, 16, 0.5, 4, 160)?;
    let ofdm = Ofdm::new(carriers, 64, 16, (4, 3), true, 32)?;
    let soi = PulseScore::new(soi_modem.clone())?;
    let kappa = (10f64.powf(-sir / 10.0) * 64.0 / 56.0).sqrt();
    let streams = Streams::for_point(7, "example", "separate");
    let (mut mf_err, mut rgs_err, mut bits_total) = (0usize, 0usize, 0usize);
    let start = Instant::now();
    for i in 0..count as u64 {
        let mut rng = streams.stream(2 * i);
        let (bits, s) = random_frame(&soi_modem, &mut rng)?;
        let mut model = OfdmScore::new(&ofdm, n, Timing::Unknown { phases: 1 })?;
        let (offset, phase) = model.random_sync(&mut rng);
        let b = OfdmScore::draw(&ofdm, n, offset, phase, &mut rng)?;
        let y: Vec<_> = s.iter().zip(&b).map(|(s, b)| s + b * kappa).collect();
        let s0 = matched_filter_init(&soi_modem, &y)?;
        let b0: Vec<_> = y.iter().zip(&s0).map(|(y, s)| (y - s) / kappa).collect();
        let (o, p) = model.synchronise(&b0, Level::custom(1.0, 0.3)?)?;
        model.set_sync(Timing::Known { offset: o, phase: p })?;
        let rgs = AlphaRgs { iterations, ..AlphaRgs::default() };
        let out = rgs.separate(
            &soi,
            &model,
            &soi_modem,
            &[Problem { mixture: &y, kappa }],
            vec![streams.stream(2 * i + 1)],
            &|_, _| {},
        )?;
        let mf = soi_modem.demodulate(&y)?;
        mf_err += mf.iter().zip(&bits).filter(|(a, b)| a != b).count();
        rgs_err += out[0].bits.iter().zip(&bits).filter(|(a, b)| a != b).count();
        bits_total += bits.len();
        println!("mixture {i}: sync ({offset}, {phase:.4}) -> ({o}, {p:.4}); objective {:?}", out[0].objective);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "SIR {sir} dB, {iterations} iterations: MF BER {:.4}, alpha-RGS BER {:.2e}; {:.1} ms per 1000 iterations per mixture",
        mf_err as f64 / bits_total as f64,
        rgs_err as f64 / bits_total as f64,
        1e3 * secs / count as f64 / iterations as f64 * 1000.0
    );
    Ok(())
}
