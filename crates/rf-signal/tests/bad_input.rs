//! Bad input for the public API of `infoflow-rf-signal`: every probe must
//! return an error, never panic or return a value (see
//! `infoflow_numerics::fuzz::rejects`). The `.npy` decoders are fuzzed in
//! `src/io/mod.rs`.

use infoflow_numerics::fuzz::rejects;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::constellation::Constellation;
use infoflow_rf_signal::interference::Interference;
use infoflow_rf_signal::metrics::{Ber, Level, challenge_score, mse};
use infoflow_rf_signal::mixture::{Dataset, MixtureType, add_awgn, mix, random_window};
use infoflow_rf_signal::modem::{Modem, Ofdm, SingleCarrier};
use infoflow_rf_signal::pulse::root_raised_cosine;
use infoflow_rf_signal::separator::{BlockLmmse, CyclicLmmse, MatchedFilter, Separator};
use std::sync::Arc;

const NAN: f64 = f64::NAN;

#[test]
fn every_bad_input_is_an_error() {
    let mut rng = Streams::for_point(1, "rf-signal.bad-input", "table").stream(0);
    let qpsk = SingleCarrier::challenge_qpsk();
    let ofdm = Ofdm::challenge_qpsk();
    let frame = qpsk.modulate(&vec![0u8; qpsk.bits_per_frame()]).unwrap();
    let mut nan_frame = frame.clone();
    nan_frame[7] = C64::new(NAN, 0.0);
    let modem: Arc<dyn Modem> = Arc::new(SingleCarrier::challenge_qpsk());
    let mf = MatchedFilter::new(modem.clone());
    let one = C64::new(1.0, 0.0);
    let level = |sinr_db: f64, mse: f64, errors: u64, bits: u64| Level { sinr_db, mse, ber: Ber { errors, bits } };
    let grid = [level(-3.0, 0.1, 1, 100), level(0.0, 0.01, 0, 100)];
    let kind = MixtureType::challenge_stand_ins().remove(0);
    let probes = [
        // Modems and pulses.
        rejects("rrc sps 0", || root_raised_cosine(0, 0.5, 8)),
        rejects("rrc rolloff NaN", || root_raised_cosine(8, NAN, 8)),
        rejects("rrc rolloff > 1", || root_raised_cosine(8, 1.5, 8)),
        rejects("single carrier symbols 0", || SingleCarrier::new(Constellation::Qpsk, 16, 0.5, 8, 0)),
        rejects("ofdm fft 1", || Ofdm::new(Constellation::Qpsk, 1, 0, (0, 0), false, 4)),
        rejects("ofdm cp > fft", || Ofdm::new(Constellation::Qpsk, 64, 65, (4, 3), true, 4)),
        rejects("ofdm guards fill the band", || Ofdm::new(Constellation::Qpsk, 8, 2, (4, 4), true, 4)),
        rejects("ofdm carrier outside", || Ofdm::with_carriers(Constellation::Qpsk, 8, 2, 4, &[9])),
        rejects("ofdm carrier repeated", || Ofdm::with_carriers(Constellation::Qpsk, 8, 2, 4, &[1, 1])),
        rejects("modulate bits length", || qpsk.modulate(&[0, 1])),
        rejects("modulate bit 2", || qpsk.modulate(&vec![2u8; qpsk.bits_per_frame()])),
        rejects("demodulate length", || qpsk.demodulate(&frame[..100])),
        rejects("demodulate NaN", || qpsk.demodulate(&nan_frame)),
        rejects("ofdm demodulate length", || ofdm.demodulate(&frame[..64])),
        rejects("llrs noise 0", || qpsk.llrs(&frame, 0.0)),
        rejects("llrs noise NaN", || qpsk.llrs(&frame, NAN)),
        rejects("llrs noise tiny", || qpsk.llrs(&frame, 1e-320)),
        rejects("llrs NaN frame", || qpsk.llrs(&nan_frame, 1.0)),
        rejects("constellation llrs tiny noise", || {
            let mut out = Vec::new();
            Constellation::Qam16.llrs(&[C64::new(5.0, 5.0)], 1e-310, &mut out)
        }),
        // Interference and mixtures.
        rejects("single-carrier interference sps 0", || {
            Interference::SingleCarrier { sps: 0, rolloff: 0.5, max_cfo: 0.0 }.generate(100, &mut rng)
        }),
        rejects("ofdm interference occupancy", || {
            Interference::Ofdm { fft_size: 64, cp: 16, occupancy: 1.5 }.generate(100, &mut rng)
        }),
        rejects("tones NaN", || {
            Interference::ToneBursts { tones: vec![NAN], jitter: 0.0, bursts: 1.0 }.generate(100, &mut rng)
        }),
        rejects("coloured bandwidth", || {
            Interference::ColouredNoise { bandwidth: 0.0, max_cfo: 0.0 }.generate(100, &mut rng)
        }),
        rejects("mix lengths", || mix(&frame, &frame[..10], 0.0, 0.0)),
        rejects("mix sinr NaN", || mix(&frame, &frame, NAN, 0.0)),
        rejects("mix phase NaN", || mix(&frame, &frame, 0.0, NAN)),
        rejects("mix zero interference", || mix(&frame, &vec![C64::new(0.0, 0.0); frame.len()], 0.0, 0.0)),
        rejects("mix NaN soi", || mix(&nan_frame, &frame, 0.0, 0.0)),
        rejects("mix sinr overflow", || mix(&frame, &frame, -4000.0, 0.0)),
        rejects("window too long", || random_window(&frame[..10], 11, &mut rng)),
        rejects("window 0", || random_window(&frame, 0, &mut rng)),
        rejects("awgn negative", || add_awgn(&mut [one], -1.0, &mut rng)),
        rejects("awgn NaN", || add_awgn(&mut [one], NAN, &mut rng)),
        rejects("draw sinr NaN", || kind.draw(&qpsk, NAN, &mut rng)),
        rejects("dataset test sinr", || Dataset::new(kind.clone(), 1).test(0, f64::INFINITY)),
        // Separators.
        rejects("block lmmse block 0", || BlockLmmse::new(modem.clone(), 0)),
        rejects("cyclic half 0", || CyclicLmmse::new(modem.clone(), 0)),
        rejects("lmmse before fit", || BlockLmmse::new(modem.clone(), 64).unwrap().separate(&frame, Some(0.0))),
        rejects("lmmse fit on nothing", || BlockLmmse::new(modem.clone(), 64).unwrap().fit(&[])),
        rejects("lmmse prediction before fit", || BlockLmmse::new(modem.clone(), 64).unwrap().predicted_mse(0.0)),
        rejects("mf length", || mf.separate(&frame[..100], None)),
        rejects("mf NaN", || mf.separate(&nan_frame, None)),
        rejects("mf sinr NaN", || mf.separate(&frame, Some(NAN))),
        // Metrics.
        rejects("mse NaN estimate", || mse(&[C64::new(NAN, 0.0)], &[one])),
        rejects("mse NaN truth", || mse(&[one], &[C64::new(NAN, 0.0)])),
        rejects("mse overflow", || mse(&[C64::new(1e300, 0.0)], &[C64::new(-1e300, 0.0)])),
        rejects("mse empty", || mse(&[], &[])),
        rejects("score one level", || challenge_score(&grid[..1])),
        rejects("score NaN sinr", || challenge_score(&[grid[0], level(NAN, 0.1, 0, 100), grid[1]])),
        rejects("score inf sinr", || challenge_score(&[grid[0], level(f64::INFINITY, 0.1, 0, 100)])),
        rejects("score NaN mse", || challenge_score(&[grid[0], level(0.0, NAN, 0, 100)])),
        rejects("score errors > bits", || challenge_score(&[grid[0], level(0.0, 0.1, 200, 100)])),
        rejects("score no bits", || challenge_score(&[grid[0], level(0.0, 0.1, 0, 0)])),
        rejects("ber interval no bits", || Ber { errors: 0, bits: 0 }.interval(0.99)),
    ];
    let defects: Vec<String> = probes.into_iter().flatten().collect();
    assert!(defects.is_empty(), "{} defect(s):\n{}", defects.len(), defects.join("\n"));
}
