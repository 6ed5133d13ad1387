//! Mixtures at a target SINR and a reproducible dataset generator.
//!
//! `y = s + κ e^{jφ} b` with `κ = 10^{−SINR/20}` (interference frames are
//! unit power), `φ` uniform on `[0, 2π)`. The *target* SINR assumes a
//! unit-power SOI; the *actual* SINR `10 log₁₀ P(s)/P(κb)` is reported too
//! (about 0.58 dB below target for OFDM-QPSK, whose power is 56/64). There
//! is no noise unless [`add_awgn`] adds it.
//!
//! [`Dataset`] draws mixture `i` of a split from its own random stream,
//! keyed by (seed, mixture type, split, index): any subset of a dataset is
//! reproduced identically on any number of threads or machines.

use crate::error::{Error, Result, check_finite, check_len};
use crate::interference::Interference;
use crate::modem::{Modem, SoiKind, random_frame};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::{C64, complex_gaussian, power, power_to_db};
use rand::{Rng, RngExt};
use std::f64::consts::PI;

/// SINRs (dB) accepted by the mixer.
pub const SINR_RANGE_DB: (f64, f64) = (-60.0, 60.0);

/// One mixture with its ground truth.
#[derive(Clone, Debug, PartialEq)]
pub struct Mixture {
    /// The received frame `y`.
    pub mixture: Vec<C64>,
    /// The signal of interest `s`.
    pub soi: Vec<C64>,
    /// The bits `s` carries.
    pub bits: Vec<u8>,
    /// The interference gain `κ`.
    pub kappa: f64,
    /// The interference phase `φ`.
    pub phase: f64,
    /// The target SINR, dB.
    pub target_sinr_db: f64,
    /// The actual SINR `10 log₁₀ P(s)/P(κ b)`, dB.
    pub actual_sinr_db: f64,
}

/// `s + κ e^{jφ} b` for unit-power `b` at `target_sinr_db`. Errors on
/// different lengths, non-finite samples, a target outside `[−60, 60]` dB, a
/// non-finite phase, and a frame without power.
pub fn mix(soi: &[C64], interference: &[C64], target_sinr_db: f64, phase: f64) -> Result<(Vec<C64>, f64, f64)> {
    check_len("interference frame", interference.len(), soi.len())?;
    check_finite("signal of interest", soi)?;
    check_finite("interference frame", interference)?;
    if !(SINR_RANGE_DB.0..=SINR_RANGE_DB.1).contains(&target_sinr_db) {
        return Err(Error::invalid("sinr_db", target_sinr_db, "the target SINR lies in [−60, 60] dB"));
    }
    if !phase.is_finite() {
        return Err(Error::invalid("phase", phase, "the phase is finite"));
    }
    let (soi_power, interference_power) = (power(soi)?, power(interference)?);
    if soi_power == 0.0 || interference_power == 0.0 {
        return Err(Error::invalid(
            "frames",
            format!("powers {soi_power} and {interference_power}"),
            "the signal of interest and the interference both need power (the SINR is undefined otherwise)",
        ));
    }
    let kappa = 10f64.powf(-target_sinr_db / 20.0);
    let g = C64::from_polar(kappa, phase);
    let y: Vec<C64> = soi.iter().zip(interference).map(|(s, b)| s + g * b).collect();
    let actual = power_to_db(soi_power / (kappa * kappa * interference_power));
    if !actual.is_finite() || !infoflow_numerics::all_finite(infoflow_numerics::signal::as_interleaved(&y)) {
        return Err(Error::NonFinite { context: "mixture (the scaled interference overflows f64)" });
    }
    Ok((y, kappa, actual))
}

/// A window of `len` samples cut from a longer recorded interference frame
/// at a start uniform on `[0, frame.len() − len]`, scaled to unit power: how
/// the challenge draws interference from its recorded frames (which are
/// longer than 40,960 samples). A frame shorter than `len`, with non-finite
/// samples or a window without power is an error.
pub fn random_window<R: Rng + ?Sized>(frame: &[C64], len: usize, rng: &mut R) -> Result<Vec<C64>> {
    if len == 0 || frame.len() < len {
        return Err(Error::Shape {
            context: "recorded interference frame",
            expected: format!("at least {len} samples (and a window of at least one)"),
            found: frame.len().to_string(),
        });
    }
    check_finite("recorded interference frame", frame)?;
    let start = rng.random_range(0..=frame.len() - len);
    let mut w = frame[start..start + len].to_vec();
    let p = power(&w)?;
    if p <= 0.0 {
        return Err(Error::invalid("interference window", start, "the window has no power"));
    }
    let g = 1.0 / p.sqrt();
    w.iter_mut().for_each(|z| *z *= g);
    Ok(w)
}

/// Adds circular white Gaussian noise of variance `noise_var` per sample.
pub fn add_awgn<R: Rng + ?Sized>(x: &mut [C64], noise_var: f64, rng: &mut R) -> Result<()> {
    if !(noise_var.is_finite() && noise_var >= 0.0) {
        return Err(Error::invalid("noise_var", noise_var, "the noise variance is finite and non-negative"));
    }
    let noise = complex_gaussian(x.len(), noise_var, rng)?;
    x.iter_mut().zip(noise).for_each(|(z, w)| *z += w);
    Ok(())
}

/// A signal of interest paired with an interference family.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq)]
pub struct MixtureType {
    /// The signal of interest.
    pub soi: SoiKind,
    /// The interference family's name.
    pub interference_name: String,
    /// The interference family.
    pub interference: Interference,
}

impl MixtureType {
    /// The eight mixture types of the challenge with the synthetic stand-ins.
    pub fn challenge_stand_ins() -> Vec<MixtureType> {
        SoiKind::ALL
            .into_iter()
            .flat_map(|soi| {
                Interference::challenge_stand_ins().into_iter().map(move |(name, interference)| MixtureType {
                    soi,
                    interference_name: name.into(),
                    interference,
                })
            })
            .collect()
    }

    /// `"<SOI>_<interference>"`, e.g. `"QPSK_SC-like"`.
    pub fn name(&self) -> String {
        format!("{}_{}", self.soi.name(), self.interference_name)
    }

    /// One mixture at `target_sinr_db` from `rng`: random bits, a fresh
    /// interference frame, a random phase.
    pub fn draw<R: Rng + ?Sized>(&self, modem: &dyn Modem, target_sinr_db: f64, rng: &mut R) -> Result<Mixture> {
        let (bits, soi) = random_frame(modem, rng)?;
        let b = self.interference.generate(soi.len(), rng)?;
        let phase = rng.random_range(0.0..2.0 * PI);
        let (mixture, kappa, actual_sinr_db) = mix(&soi, &b, target_sinr_db, phase)?;
        Ok(Mixture { mixture, soi, bits, kappa, phase, target_sinr_db, actual_sinr_db })
    }
}

impl core::fmt::Display for MixtureType {
    /// The [`MixtureType::name`].
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.name())
    }
}

/// A dataset split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    /// Training mixtures: SINR uniform on `[−33, 3]` dB (the organisers' recipe).
    Train,
    /// Test mixtures: SINR given by the caller (the challenge grid).
    Test,
}

/// A reproducible dataset of one mixture type; see the module docs.
#[derive(Debug)]
pub struct Dataset {
    kind: MixtureType,
    modem: Box<dyn Modem>,
    seed: u64,
}

impl Dataset {
    /// The dataset of `kind` under master seed `seed`.
    pub fn new(kind: MixtureType, seed: u64) -> Self {
        Self { modem: kind.soi.modem(), kind, seed }
    }

    /// The mixture type.
    pub fn kind(&self) -> &MixtureType {
        &self.kind
    }

    /// The SOI modem.
    pub fn modem(&self) -> &dyn Modem {
        self.modem.as_ref()
    }

    fn streams(&self, split: Split, index: u64) -> Streams {
        let split = match split {
            Split::Train => "train",
            Split::Test => "test",
        };
        Streams::for_point(self.seed, &format!("rf-signal.dataset/{}", self.kind.name()), &format!("{split}/{index}"))
    }

    /// Training mixture `index` (SINR uniform on `[−33, 3]` dB).
    pub fn train(&self, index: u64) -> Result<Mixture> {
        let mut rng = self.streams(Split::Train, index).stream(0);
        let sinr = -33.0 + 36.0 * rng.random::<f64>();
        self.kind.draw(self.modem.as_ref(), sinr, &mut rng)
    }

    /// Test mixture `index` at `sinr_db`.
    pub fn test(&self, index: u64, sinr_db: f64) -> Result<Mixture> {
        self.kind.draw(self.modem.as_ref(), sinr_db, &mut self.streams(Split::Test, index).stream(0))
    }
}

/// The challenge's SINR grid: −30, −27, …, 0 dB.
pub fn challenge_sinr_grid() -> Vec<f64> {
    (0..=10).map(|i| -30.0 + 3.0 * i as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinr_is_met_and_datasets_are_reproducible() {
        let kinds = MixtureType::challenge_stand_ins();
        assert_eq!(kinds.len(), 8);
        for kind in &kinds {
            let d = Dataset::new(kind.clone(), 7);
            let m = d.test(3, -12.0).unwrap();
            let offset = if kind.soi == SoiKind::OfdmQpsk { 10.0 * (56.0f64 / 64.0).log10() } else { 0.0 };
            assert!((m.actual_sinr_db - (-12.0 + offset)).abs() < 0.1, "{}: {}", kind.name(), m.actual_sinr_db);
            assert_eq!(m, d.test(3, -12.0).unwrap());
            assert_ne!(m.mixture, d.test(4, -12.0).unwrap().mixture);
            let t = d.train(0).unwrap();
            assert!((-33.0..=3.0).contains(&t.target_sinr_db));
        }
        let s = vec![C64::new(1.0, 0.0); 8];
        assert!(mix(&s, &s[..7], 0.0, 0.0).is_err());
        assert!(mix(&s, &s, 100.0, 0.0).is_err());
        assert!(mix(&s, &s, f64::NAN, 0.0).is_err());
        let mut bad = s.clone();
        bad[2] = C64::new(f64::INFINITY, 0.0);
        assert!(mix(&s, &bad, 0.0, 0.0).is_err());
        assert_eq!(challenge_sinr_grid().len(), 11);
    }

    #[test]
    fn windows_of_recorded_frames() {
        let mut rng = Streams::for_point(1, "rf-signal.mixture", "window").stream(0);
        let frame: Vec<C64> = (0..100).map(|n| C64::new(n as f64, 1.0)).collect();
        let w = random_window(&frame, 40, &mut rng).unwrap();
        assert_eq!(w.len(), 40);
        assert!((power(&w).unwrap() - 1.0).abs() < 1e-12);
        // A contiguous piece of the frame (a ramp): consecutive ratios are constant.
        let step = w[1].re - w[0].re;
        assert!(w.windows(2).all(|p| ((p[1].re - p[0].re) - step).abs() < 1e-12));
        assert!(random_window(&frame, 101, &mut rng).is_err());
        assert!(random_window(&frame, 0, &mut rng).is_err());
        assert!(random_window(&vec![C64::new(0.0, 0.0); 50], 10, &mut rng).is_err());
    }
}
