//! Separators: a mixture in, an estimate of the signal of interest and its
//! bits out, behind one trait that classical and learned methods share.
//!
//! | separator | what | trained on |
//! |---|---|---|
//! | [`MatchedFilter`] | no separation: `ŝ = y`, bits from the SOI demodulator | nothing |
//! | [`BlockLmmse`] | `ŝ = C_s (C_s + κ² C_b)⁻¹ y` on consecutive blocks, stationary (Toeplitz) covariances | mixtures with their SOI |
//! | [`CyclicLmmse`] | a periodically time-varying Wiener filter: one FIR filter per phase of the SOI's period (equivalently a FRESH filter on the cyclic frequencies `k/P`) | mixtures with their SOI |
//! | `LearnedSeparator` (feature `learned`) | a WaveNet or UNet mapping the mixture's I/Q to the SOI's (the RF Challenge's learned baselines) | mixtures drawn on the fly, or given ones |
//!
//! Trainable separators learn from [`Mixture`]s (mixture, SOI, SINR), the
//! same examples a learned model trains on. The interference statistics
//! come from `y − s`, normalised per example to unit power, so examples at
//! any SINR mix. At separation time `κ²` is the known SINR when the caller
//! passes it, otherwise the blind estimate `P(y) − P_s` (`P_s` the SOI
//! power seen in training), floored at `10⁻⁶ P_s`.
//!
//! Both LMMSE separators treat the interference as stationary (its timing is
//! random relative to the SOI's). [`BlockLmmse`] treats the SOI as
//! stationary too; [`CyclicLmmse`] uses the SOI's known timing. (The
//! organisers' LMMSE cut 4000-sample blocks from the frame start, which
//! happen to be symbol-aligned for QPSK, so theirs sits between the two.)

mod covariance;
mod cyclic;
#[cfg(feature = "learned")]
mod learned;
mod lmmse;

pub use cyclic::CyclicLmmse;
#[cfg(feature = "learned")]
pub use learned::{LearnedSeparator, MixtureSource};
pub use lmmse::BlockLmmse;

use crate::error::{Error, Result, check_finite, check_len};
use crate::mixture::Mixture;
use crate::modem::Modem;
use infoflow_numerics::signal::{C64, power};
use std::sync::Arc;

/// What a separator returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The estimate of the signal of interest.
    pub soi: Vec<C64>,
    /// The demodulated bits of the estimate.
    pub bits: Vec<u8>,
}

/// A source separator; see the module docs.
pub trait Separator: Send + Sync {
    /// A short name, e.g. `"LMMSE"`.
    fn name(&self) -> String;
    /// Learns from example mixtures with their ground truth. Separators
    /// without parameters accept any examples of the right length.
    fn fit(&mut self, examples: &[Mixture]) -> Result<()>;
    /// Separates one frame; `sinr_db` is the known SINR if the caller has it.
    fn separate(&self, mixture: &[C64], sinr_db: Option<f64>) -> Result<Estimate>;
}

/// Checks training examples against the modem's frame length.
fn check_examples(separator: &'static str, modem: &dyn Modem, examples: &[Mixture]) -> Result<()> {
    if examples.is_empty() {
        return Err(Error::Training { separator, reason: "no training examples".into() });
    }
    for (i, e) in examples.iter().enumerate() {
        if e.mixture.len() != modem.frame_len() || e.soi.len() != modem.frame_len() {
            return Err(Error::Training {
                separator,
                reason: format!(
                    "example {i} has {} mixture and {} SOI samples; the SOI modem's frames have {}",
                    e.mixture.len(),
                    e.soi.len(),
                    modem.frame_len()
                ),
            });
        }
        check_finite("training mixture", &e.mixture)?;
        check_finite("training SOI", &e.soi)?;
    }
    Ok(())
}

/// Checks a mixture to separate and returns `κ²` (known or blind).
fn interference_power(modem: &dyn Modem, mixture: &[C64], sinr_db: Option<f64>, soi_power: f64) -> Result<f64> {
    check_len("mixture to separate", mixture.len(), modem.frame_len())?;
    check_finite("mixture to separate", mixture)?;
    match sinr_db {
        Some(s) => known_interference_power(s),
        None => Ok((power(mixture)? - soi_power).max(1e-6 * soi_power)),
    }
}

/// The interference power `10^{−sinr/10}` against a unit-power SOI, for a
/// known SINR in the supported range.
fn known_interference_power(sinr_db: f64) -> Result<f64> {
    if (crate::mixture::SINR_RANGE_DB.0..=crate::mixture::SINR_RANGE_DB.1).contains(&sinr_db) {
        Ok(10f64.powf(-sinr_db / 10.0))
    } else {
        Err(Error::invalid("sinr_db", sinr_db, "the SINR lies in [−60, 60] dB"))
    }
}

/// No separation: the mixture is the estimate; bits from the SOI demodulator.
#[derive(Clone, Debug)]
pub struct MatchedFilter {
    modem: Arc<dyn Modem>,
}

impl MatchedFilter {
    /// The matched filter of `modem`.
    pub fn new(modem: Arc<dyn Modem>) -> Self {
        Self { modem }
    }
}

impl Separator for MatchedFilter {
    fn name(&self) -> String {
        "MF".into()
    }
    fn fit(&mut self, examples: &[Mixture]) -> Result<()> {
        check_examples("MF", self.modem.as_ref(), examples)
    }
    fn separate(&self, mixture: &[C64], sinr_db: Option<f64>) -> Result<Estimate> {
        interference_power(self.modem.as_ref(), mixture, sinr_db, 1.0)?;
        Ok(Estimate { soi: mixture.to_vec(), bits: self.modem.demodulate(mixture)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::mse;
    use crate::mixture::{Dataset, MixtureType};

    fn separators(modem: &Arc<dyn Modem>) -> Vec<Box<dyn Separator>> {
        vec![
            Box::new(MatchedFilter::new(modem.clone())),
            Box::new(BlockLmmse::new(modem.clone(), 320).unwrap()),
            Box::new(CyclicLmmse::new(modem.clone(), 64).unwrap()),
        ]
    }

    #[test]
    fn lmmse_beats_doing_nothing_and_the_cyclic_filter_uses_the_symbol_rate() {
        let kinds = MixtureType::challenge_stand_ins();
        for name in ["QPSK_SC-like", "OFDMQPSK_EMI-like"] {
            let kind = kinds.iter().find(|k| k.name() == name).unwrap().clone();
            let data = Dataset::new(kind.clone(), 11);
            let modem: Arc<dyn Modem> = Arc::from(kind.soi.modem());
            let train: Vec<Mixture> = (0..6).map(|i| data.train(i).unwrap()).collect();
            let mut seps = separators(&modem);
            seps.iter_mut().for_each(|s| s.fit(&train).unwrap());
            let m = data.test(0, -10.0).unwrap();
            let db: Vec<f64> = seps
                .iter()
                .map(|s| {
                    let known = 10.0 * mse(&s.separate(&m.mixture, Some(-10.0)).unwrap().soi, &m.soi).unwrap().log10();
                    let blind = 10.0 * mse(&s.separate(&m.mixture, None).unwrap().soi, &m.soi).unwrap().log10();
                    assert!((known - blind).abs() < 0.5, "{name} {}: {known} vs {blind}", s.name());
                    known
                })
                .collect();
            // MF: the mixture itself, 10 dB; the LMMSE filters stay below 0 dB.
            assert!((db[0] - 10.0).abs() < 0.2, "{name}: {db:?}");
            assert!(db[1] < -0.5 && db[2] < -0.5, "{name}: {db:?}");
            if name == "QPSK_SC-like" {
                // The interference covers the SOI band: no time-invariant
                // filter helps much; the SOI's cyclostationarity does.
                assert!(db[2] < db[1] - 0.5, "{name}: {db:?}");
            }
        }
    }

    #[test]
    fn the_lmmse_closed_form_spans_no_gain_to_full_recovery() {
        let kind = MixtureType::challenge_stand_ins().into_iter().find(|k| k.name() == "QPSK_Noise-like").unwrap();
        let data = Dataset::new(kind.clone(), 5);
        let modem: Arc<dyn Modem> = Arc::from(kind.soi.modem());
        let train: Vec<Mixture> = (0..4).map(|i| data.train(i).unwrap()).collect();
        let mut lmmse = BlockLmmse::new(modem, 128).unwrap();
        lmmse.fit(&train).unwrap();
        let soi_power =
            crate::separator::covariance::mean_power(&train.iter().map(|m| m.soi.as_slice()).collect::<Vec<_>>())
                .unwrap();
        // Interference 10⁶ times stronger: the filter passes nothing and
        // the error is the SOI itself; 10⁶ times weaker: almost no error.
        let drowned = lmmse.predicted_mse(-60.0).unwrap();
        assert!((drowned / soi_power - 1.0).abs() < 0.01, "{drowned} vs {soi_power}");
        assert!(lmmse.predicted_mse(60.0).unwrap() < 1e-3 * soi_power);
        let grid: Vec<f64> = (-30..=0).step_by(5).map(|s| lmmse.predicted_mse(s as f64).unwrap()).collect();
        assert!(grid.windows(2).all(|w| w[1] < w[0]), "{grid:?}");
    }

    #[test]
    fn bad_input_is_an_error() {
        let kind = MixtureType::challenge_stand_ins().remove(0);
        let data = Dataset::new(kind.clone(), 11);
        let modem: Arc<dyn Modem> = Arc::from(kind.soi.modem());
        let good = data.train(0).unwrap();
        for mut s in separators(&modem) {
            if s.name() != "MF" {
                assert!(matches!(s.separate(&good.mixture, None), Err(Error::Training { .. })), "{}", s.name());
            }
            assert!(s.fit(&[]).is_err());
            let mut short = good.clone();
            short.soi.pop();
            assert!(s.fit(std::slice::from_ref(&short)).is_err());
            let mut nan = good.clone();
            nan.mixture[5].re = f64::NAN;
            assert!(s.fit(std::slice::from_ref(&nan)).is_err());
            s.fit(std::slice::from_ref(&good)).unwrap();
            assert!(s.separate(&good.mixture[1..], None).is_err());
            assert!(s.separate(&nan.mixture, None).is_err());
            assert!(s.separate(&good.mixture, Some(f64::NAN)).is_err());
            assert!(s.separate(&good.mixture, Some(200.0)).is_err());
        }
        let mut clean = good.clone();
        clean.mixture = clean.soi.clone();
        assert!(BlockLmmse::new(modem.clone(), 64).unwrap().fit(&[clean]).is_err());
        assert!(BlockLmmse::new(modem.clone(), 1).is_err());
        assert!(CyclicLmmse::new(modem, 0).is_err());
    }
}
