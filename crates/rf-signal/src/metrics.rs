//! The challenge's metrics: MSE of the SOI estimate (in dB after averaging
//! in linear scale), bit error rate with a confidence interval, and the
//! challenge score.
//!
//! * `MSE` per frame: `mean_n |ŝ[n] − s[n]|²`; per SINR level the mean over
//!   frames, then `10 log₁₀`.
//! * `BER` per level: errors over all bits of the level (equal frame sizes,
//!   so the mean of per-frame BERs), with a Wilson interval.
//! * Score over an SINR grid (lower is better): `MSE score = mean over
//!   levels of max(MSE_dB, −50)`; `BER score` = the lowest SINR from which
//!   the BER stays below 10⁻², computed as the participants' scripts do:
//!   `top − step·(count − 1)` with `count` the number of levels below 10⁻²
//!   (`top + step` when none); equal to the lowest passing level when the
//!   BER falls monotonically.

use crate::error::{Error, Result, check_finite, check_len};
use infoflow_numerics::signal::{C64, power_to_db};
use infoflow_numerics::stats::{Interval, wilson_interval};

/// `mean_n |ŝ[n] − s[n]|²`. Errors on different lengths, an empty frame,
/// a non-finite sample in either input, and an MSE that overflows `f64`.
pub fn mse(estimate: &[C64], truth: &[C64]) -> Result<f64> {
    check_len("SOI estimate", estimate.len(), truth.len())?;
    check_finite("SOI estimate", estimate)?;
    check_finite("true SOI", truth)?;
    if truth.is_empty() {
        return Err(Error::invalid("frame", 0, "an MSE needs at least one sample"));
    }
    let v = estimate.iter().zip(truth).map(|(a, b)| (a - b).norm_sqr()).sum::<f64>() / truth.len() as f64;
    if v.is_finite() { Ok(v) } else { Err(Error::NonFinite { context: "MSE (overflows f64)" }) }
}

/// The number of positions where `estimate` and `truth` differ.
pub fn bit_errors(estimate: &[u8], truth: &[u8]) -> Result<u64> {
    check_len("estimated bits", estimate.len(), truth.len())?;
    Ok(estimate.iter().zip(truth).filter(|(a, b)| a != b).count() as u64)
}

/// A bit error count with its rate and interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ber {
    /// Bit errors.
    pub errors: u64,
    /// Bits.
    pub bits: u64,
}

impl Ber {
    /// The rate `errors/bits`.
    pub fn rate(&self) -> f64 {
        self.errors as f64 / self.bits.max(1) as f64
    }

    /// The Wilson interval at `confidence`.
    pub fn interval(&self, confidence: f64) -> Result<Interval> {
        Ok(wilson_interval(self.errors, self.bits, confidence)?)
    }
}

/// The results of one method at one SINR level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Level {
    /// Target SINR, dB.
    pub sinr_db: f64,
    /// Mean MSE over the level's frames (linear).
    pub mse: f64,
    /// Bit errors over the level's frames.
    pub ber: Ber,
}

/// The challenge score of one method on one mixture type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Mean over levels of `max(MSE_dB, −50)`.
    pub mse: f64,
    /// The lowest SINR (dB) with BER below 10⁻² (see the module docs).
    pub ber: f64,
}

/// The challenge score over `levels` (an evenly spaced SINR grid, any order).
pub fn challenge_score(levels: &[Level]) -> Result<Score> {
    if levels.len() < 2 {
        return Err(Error::invalid("levels", levels.len(), "a score needs an SINR grid of at least two levels"));
    }
    if let Some(l) = levels.iter().find(|l| !l.sinr_db.is_finite()) {
        return Err(Error::invalid("sinr_db", l.sinr_db, "every level has a finite SINR"));
    }
    if let Some(l) = levels.iter().find(|l| l.ber.bits == 0 || l.ber.errors > l.ber.bits) {
        return Err(Error::invalid(
            "ber",
            format!("{} errors in {} bits", l.ber.errors, l.ber.bits),
            "every level has bits, and no more errors than bits",
        ));
    }
    let mut sinrs: Vec<f64> = levels.iter().map(|l| l.sinr_db).collect();
    sinrs.sort_by(f64::total_cmp);
    let step = sinrs[1] - sinrs[0];
    if step.is_nan() || step <= 0.0 || sinrs.windows(2).any(|w| ((w[1] - w[0]) - step).abs() > 1e-9) {
        return Err(Error::invalid("levels", format!("{sinrs:?}"), "the SINR grid is evenly spaced without repeats"));
    }
    if levels.iter().any(|l| !l.mse.is_finite() || l.mse < 0.0) {
        return Err(Error::invalid("mse", "non-finite", "every level has a finite, non-negative MSE"));
    }
    let mse = levels.iter().map(|l| power_to_db(l.mse).max(-50.0)).sum::<f64>() / levels.len() as f64;
    let count = levels.iter().filter(|l| l.ber.rate() < 1e-2).count();
    let top = *sinrs.last().expect("two levels");
    let ber = if count == 0 { top + step } else { top - step * (count - 1) as f64 };
    Ok(Score { mse, ber })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_follows_the_challenge_rules() {
        let grid: Vec<f64> = (0..=10).map(|i| -30.0 + 3.0 * i as f64).collect();
        // BER falls by a decade every 6 dB from 0.3 at −30 dB; MSE from +10 to −60 dB.
        let levels: Vec<Level> = grid
            .iter()
            .map(|&s| Level {
                sinr_db: s,
                mse: 10f64.powf((10.0 - 7.0 * (s + 30.0) / 3.0) / 10.0),
                ber: Ber { errors: (0.3 * 10f64.powf(-(s + 30.0) / 6.0) * 1e6) as u64, bits: 1_000_000 },
            })
            .collect();
        let score = challenge_score(&levels).unwrap();
        // BER < 1e-2 from −21 dB on (0.3·10^{−1.5} = 9.5e-3).
        assert_eq!(score.ber, -21.0);
        let expect: f64 = grid.iter().map(|&s| (10.0 - 7.0 * (s + 30.0) / 3.0).max(-50.0)).sum::<f64>() / 11.0;
        assert!((score.mse - expect).abs() < 1e-9);
        let none: Vec<Level> = levels.iter().map(|l| Level { ber: Ber { errors: 500, bits: 1000 }, ..*l }).collect();
        assert_eq!(challenge_score(&none).unwrap().ber, 3.0);
        assert!(challenge_score(&levels[..1]).is_err());
        let mut uneven = levels.clone();
        uneven[3].sinr_db = -20.0;
        assert!(challenge_score(&uneven).is_err());
        let s = [C64::new(1.0, 0.0), C64::new(0.0, 1.0)];
        assert_eq!(mse(&s, &s).unwrap(), 0.0);
        assert!(mse(&s[..1], &s).is_err());
        assert!(mse(&[C64::new(f64::NAN, 0.0), s[1]], &s).is_err());
        assert_eq!(bit_errors(&[0, 1, 1], &[0, 0, 1]).unwrap(), 1);
        assert!(bit_errors(&[0], &[0, 1]).is_err());
    }
}
