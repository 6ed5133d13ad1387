//! Special functions: the Gaussian tail `Q`, log-sum-exp and the vectorised
//! exponentials (and `tanh`) of the particle, kernel and score hot loops.
//!
//! # Conventions
//!
//! * `Q(x) = P(Z > x) = erfc(x/√2)/2` for `Z ~ N(0, 1)`; `Q⁻¹` is its inverse
//!   on `(0, 1)`.
//! * `log_sum_exp(x) = m + ln Σ e^{x_i − m}` with `m = max x_i`: no overflow
//!   for any finite input. (Softmax lives with its only user, the particle
//!   crate's attention kernels.)
//!
//! ```
//! use infoflow_numerics::special;
//!
//! assert!((special::q_function(0.0) - 0.5).abs() < 1e-16);
//! // ln(e^{1000} + e^{1000}) without overflow.
//! assert!((special::log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
//! ```

use crate::error::{Error, Result};
use statrs::function::erf::erfc_inv;

mod exp;

pub use exp::*;

/// The Gaussian tail probability `Q(x) = P(N(0,1) > x)`.
///
/// Uses `libm::erfc` (the FreeBSD msun algorithm, accurate to about one ulp),
/// so it keeps full relative accuracy far into the upper tail
/// (`Q(10) ≈ 7.6e-24`). statrs' `erfc` was measured at a relative error near
/// 1e-10 and is not used here.
pub fn q_function(x: f64) -> f64 {
    0.5 * libm::erfc(x / std::f64::consts::SQRT_2)
}

/// The inverse of [`q_function`]: the `x` with `Q(x) = p`, for `p ∈ (0, 1)`.
pub fn q_function_inv(p: f64) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(Error::invalid("p", p, "Q^-1 is defined on (0, 1)"));
    }
    Ok(std::f64::consts::SQRT_2 * erfc_inv(2.0 * p))
}

/// `ln Σ_i e^{x_i}` without overflow: `m + ln Σ_i e^{x_i − m}`, `m = max x_i`.
///
/// A mathematical function like `f64::ln`: the empty sum gives `−∞`, entries
/// equal to `−∞` contribute nothing, `+∞` gives `+∞`, and `NaN` propagates.
pub fn log_sum_exp(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m.is_infinite() || m.is_nan() {
        // Empty or all −∞: −∞. Any +∞: +∞. (`max` skips NaN; recheck.)
        return if x.iter().any(|v| v.is_nan()) { f64::NAN } else { m };
    }
    m + x.iter().map(|&v| (v - m).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn q_function_known_values() {
        // mpmath: 0.5*erfc(x/sqrt(2)) at 50 digits.
        let cases = [
            (1.0, 0.158_655_253_931_457_05),
            (3.0, 1.349_898_031_630_094_6e-3),
            (6.0, 9.865_876_450_376_98e-10),
            (10.0, 7.619_853_024_160_527e-24),
            (-2.0, 0.977_249_868_051_820_8),
        ];
        for (x, q) in cases {
            assert!(((q_function(x) - q) / q).abs() < 1e-12, "Q({x}) = {:e}", q_function(x));
        }
        for (x, q) in cases.into_iter().filter(|&(x, _)| x < 9.0) {
            assert_abs_diff_eq!(q_function_inv(q).unwrap(), x, epsilon = 1e-9 * x.abs().max(1.0));
        }
        assert!(q_function_inv(0.0).is_err());
        assert!(q_function_inv(1.0).is_err());
        assert!(q_function_inv(f64::NAN).is_err());
    }

    #[test]
    fn log_sum_exp_edge_cases() {
        assert_abs_diff_eq!(log_sum_exp(&[0.0, 0.0]), std::f64::consts::LN_2, epsilon = 1e-15);
        assert_abs_diff_eq!(log_sum_exp(&[1000.0, 1000.0]), 1000.0 + std::f64::consts::LN_2, epsilon = 1e-12);
        assert_abs_diff_eq!(log_sum_exp(&[-1000.0, f64::NEG_INFINITY]), -1000.0, epsilon = 1e-12);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[1.0, f64::INFINITY]), f64::INFINITY);
        assert!(log_sum_exp(&[1.0, f64::NAN]).is_nan());
    }
}
