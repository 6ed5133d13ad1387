//! The rate-distortion bound for matrix multiplication (arXiv 2410.13780).
//!
//! For `A ∈ R^{n×a}`, `B ∈ R^{n×b}` with iid `N(0, 1)` entries, any scheme
//! that describes each matrix with `R` bits per entry has
//! `E‖AᵀB − Ĉ‖²_F ≥ a·b·n·Γ(R)`, where
//!
//! ```text
//! φ(R) = 2·2^{−2R} − 2^{−4R}
//! Γ(R) = φ(R)                          for R ≥ R*
//! Γ(R) = 1 − (1 − φ(R*)) · R/R*        for 0 ≤ R < R*   (time-sharing line)
//! ```
//!
//! and `R* ≈ 0.906324` solves `2^{2R} − 1 = 4 ln 2 · R` (the line from
//! `(0, 1)` tangent to `φ`). [`gaussian_distortion`] is the scalar
//! rate-distortion function `2^{−2R}` of one unit Gaussian operand.

use crate::error::{Error, Result};

fn check_rate(rate: f64) -> Result<()> {
    if rate.is_finite() && rate >= 0.0 { Ok(()) } else { Err(Error::invalid("rate", rate, "must be finite and >= 0")) }
}

/// `φ(R) = 2·2^{−2R} − 2^{−4R}`.
pub fn phi(rate: f64) -> Result<f64> {
    check_rate(rate)?;
    let x = (-2.0 * rate).exp2();
    Ok(2.0 * x - x * x)
}

/// `R*`, the root of `2^{2R} − 1 = 4 ln 2 · R` in `(0, ∞)`, by bisection.
pub fn critical_rate() -> f64 {
    let f = |r: f64| (2.0 * r).exp2() - 1.0 - 4.0 * std::f64::consts::LN_2 * r;
    // f < 0 just above 0 (slope 2 ln 2 − 4 ln 2 < 0), f(2) > 0.
    let (mut lo, mut hi) = (0.1, 2.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// `Γ(R)`, the per-entry distortion bound (see the module docs).
pub fn gamma(rate: f64) -> Result<f64> {
    check_rate(rate)?;
    let rs = critical_rate();
    if rate >= rs { phi(rate) } else { Ok(1.0 - (1.0 - phi(rs)?) * rate / rs) }
}

/// The Gaussian distortion-rate function `D(R) = 2^{−2R}` of one operand.
pub fn gaussian_distortion(rate: f64) -> Result<f64> {
    check_rate(rate)?;
    Ok((-2.0 * rate).exp2())
}

/// A distortion ratio in decibels, `10 log₁₀(d / reference)`.
pub fn db_above(distortion: f64, reference: f64) -> f64 {
    10.0 * (distortion / reference).log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn reference_values() {
        // lattice_quant.md §2.1 (computed there by bisection).
        let rs = critical_rate();
        assert_abs_diff_eq!(rs, 0.906324, epsilon = 5e-7);
        assert_abs_diff_eq!(gamma(rs).unwrap(), 0.488300, epsilon = 5e-7);
        assert_abs_diff_eq!((1.0 - phi(rs).unwrap()) / rs, 0.564588, epsilon = 5e-7);
        for (r, g) in [(0.25, 0.8589), (0.5, 0.7177), (1.0, 0.4375), (2.0, 0.1211), (4.0, 0.007797), (8.0, 3.052e-5)] {
            let v = gamma(r).unwrap();
            assert!((v - g).abs() < 5e-4 * g.max(0.01), "Gamma({r}) = {v}, table {g}");
        }
        // Tangency: the line meets φ with equal slope at R*.
        let h = 1e-6;
        let slope = (phi(rs + h).unwrap() - phi(rs - h).unwrap()) / (2.0 * h);
        assert_abs_diff_eq!(slope, -(1.0 - phi(rs).unwrap()) / rs, epsilon = 1e-6);
        assert!(gamma(-1.0).is_err() && phi(f64::NAN).is_err());
    }
}
