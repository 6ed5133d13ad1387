//! The root-raised-cosine pulse with the RF Challenge's conventions
//! (sionna's `RootRaisedCosineFilter`).
//!
//! `2⌊span·sps/2⌋ + 1` taps at times `t_m = (m − ⌊span·sps/2⌋)/sps` symbol
//! periods, the textbook RRC
//!
//! ```text
//! h(t) = [sin(πt(1 − β)) + 4βt cos(πt(1 + β))] / [πt (1 − (4βt)²)]
//! ```
//!
//! with its limits `1 + β(4/π − 1)` at `t = 0` and
//! `β/√2 [(1 + 2/π) sin(π/4β) + (1 − 2/π) cos(π/4β)]` at `|t| = 1/(4β)`,
//! normalised to unit energy `Σ h_m² = 1`. For 16 samples per symbol,
//! roll-off 0.5 and a span of 8 symbols: 129 taps, centre tap 0.284173.

use crate::error::{Error, Result};
use std::f64::consts::PI;

/// Unit-energy RRC taps; see the module docs. `sps ≥ 1`, `rolloff ∈ (0, 1]`,
/// `span ≥ 1` symbols.
pub fn root_raised_cosine(sps: usize, rolloff: f64, span: usize) -> Result<Vec<f64>> {
    if sps == 0 || span == 0 || sps * span > 1 << 16 {
        return Err(Error::invalid(
            "sps·span",
            sps * span,
            "samples per symbol and span are at least 1 (at most 65536 taps)",
        ));
    }
    if !(rolloff > 0.0 && rolloff <= 1.0) {
        return Err(Error::invalid("rolloff", rolloff, "the roll-off lies in (0, 1]"));
    }
    let half = (span * sps) / 2;
    let b = rolloff;
    let mut h: Vec<f64> = (0..=2 * half)
        .map(|m| {
            let t = (m as f64 - half as f64) / sps as f64;
            if t == 0.0 {
                1.0 + b * (4.0 / PI - 1.0)
            } else if ((4.0 * b * t).abs() - 1.0).abs() < 1e-12 {
                b / 2f64.sqrt()
                    * ((1.0 + 2.0 / PI) * (PI / (4.0 * b)).sin() + (1.0 - 2.0 / PI) * (PI / (4.0 * b)).cos())
            } else {
                ((PI * t * (1.0 - b)).sin() + 4.0 * b * t * (PI * t * (1.0 + b)).cos())
                    / (PI * t * (1.0 - (4.0 * b * t).powi(2)))
            }
        })
        .collect();
    let norm = h.iter().map(|v| v * v).sum::<f64>().sqrt();
    h.iter_mut().for_each(|v| *v /= norm);
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_pulse() {
        let h = root_raised_cosine(16, 0.5, 8).unwrap();
        assert_eq!(h.len(), 129);
        assert!((h[64] - 0.284173).abs() < 1e-6, "{}", h[64]);
        assert!((h.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(h.iter().zip(h.iter().rev()).all(|(a, b)| (a - b).abs() < 1e-15));
        // |t| = 1/(4β) = 0.5 symbol = 8 samples: the special case is the limit of its neighbours.
        let g = root_raised_cosine(1600, 0.5, 8).unwrap();
        let c = 6400 + 800;
        assert!((g[c] - 0.5 * (g[c - 1] + g[c + 1])).abs() < 1e-6);
        // Nyquist: the raised cosine h ∗ h vanishes at multiples of the symbol period (up to truncation).
        for k in 1..4 {
            let r: f64 = (0..129 - 16 * k).map(|m| h[m] * h[m + 16 * k]).sum();
            assert!(r.abs() < 1e-3, "lag {k}: {r}");
        }
        assert!(root_raised_cosine(0, 0.5, 8).is_err());
        assert!(root_raised_cosine(16, 0.0, 8).is_err());
        assert!(root_raised_cosine(16, f64::NAN, 8).is_err());
    }
}
