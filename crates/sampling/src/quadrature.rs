//! Adaptive Gauss–Kronrod (7–15) quadrature on finite and infinite intervals.

use crate::error::{Error, Result};

const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
const WG: [f64; 4] =
    [0.129_484_966_168_869_7, 0.279_705_391_489_276_7, 0.381_830_050_505_118_9, 0.417_959_183_673_469_4];

/// One 15-point Kronrod estimate on `[a, b]`, with QUADPACK's (pessimistic)
/// error estimate from the embedded 7-point Gauss rule, and the same for
/// `|f|` (the estimate of `∫|f|` and its error), from the same evaluations.
fn kronrod(f: &mut impl FnMut(f64) -> f64, a: f64, b: f64) -> Piece {
    let (c, h) = (0.5 * (a + b), 0.5 * (b - a));
    let mut fv = [0.0; 15];
    fv[7] = f(c);
    for j in 0..7 {
        let x = h * XGK[j];
        fv[j] = f(c - x);
        fv[14 - j] = f(c + x);
    }
    let weight_k = |i: usize| WGK[if i < 7 { i } else { 14 - i }];
    let weight_g = |i: usize| {
        let j = if i < 7 { i } else { 14 - i };
        if j % 2 == 1 {
            WG[j / 2]
        } else if j == 7 {
            WG[3]
        } else {
            0.0
        }
    };
    let k: f64 = (0..15).map(|i| weight_k(i) * fv[i]).sum();
    let g: f64 = (0..15).map(|i| weight_g(i) * fv[i]).sum();
    let k_abs: f64 = (0..15).map(|i| weight_k(i) * fv[i].abs()).sum();
    let g_abs: f64 = (0..15).map(|i| weight_g(i) * fv[i].abs()).sum();
    let mean = 0.5 * k;
    let asc: f64 = (0..15).map(|i| weight_k(i) * (fv[i] - mean).abs()).sum();
    let quadpack = |diff: f64, asc: f64| {
        // QUADPACK's qk15 error: |K − G| inflated where the rules disagree
        // relative to the integrand's variation.
        let e = diff.abs() * h.abs();
        let asc = asc * h.abs();
        if asc != 0.0 && e != 0.0 { asc * (200.0 * e / asc).powf(1.5).min(1.0) } else { e }
    };
    Piece { value: k * h, error: quadpack(k - g, asc), abs_value: k_abs * h, abs_error: quadpack(k_abs - g_abs, asc) }
}

#[derive(Clone, Copy)]
struct Piece {
    value: f64,
    error: f64,
    abs_value: f64,
    abs_error: f64,
}

/// `∫_a^b f` to absolute tolerance `tol` (plus `1e-12` relative), by
/// adaptive bisection of the interval with the largest error. `a` and `b`
/// may be infinite: the integral is mapped to a finite one by `x = t/(1 − t²)`.
///
/// The integral must exist as a Lebesgue integral: `∫|f|` is estimated from
/// the same evaluations and must converge too, so a conditionally
/// convergent or divergent integral (`∫_0^∞ sin`, `∫_ℝ x`, `∫_0^∞ 1`) is an
/// error, not the number the rule happens to produce. A non-finite integrand
/// value, an interval that must be split below the resolution of `f64` (a
/// non-integrable singularity or tail), or no convergence in 20,000
/// subdivisions is an error.
pub fn integrate(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol: f64) -> Result<f64> {
    if a.is_nan() || b.is_nan() || a >= b {
        return if a == b {
            Ok(0.0)
        } else {
            Err(Error::invalid("interval", format!("[{a}, {b}]"), "a quadrature interval has a < b"))
        };
    }
    if tol.is_nan() || tol <= 0.0 {
        return Err(Error::invalid("tol", tol, "the tolerance must be positive"));
    }
    let map = |t: f64| t / (1.0 - t * t);
    let (ta, tb) = (inverse(a), inverse(b));
    let mut g = |t: f64| {
        if a.is_finite() && b.is_finite() {
            f(t)
        } else {
            let x = map(t);
            let jac = (1.0 + t * t) / ((1.0 - t * t) * (1.0 - t * t));
            if !x.is_finite() { f64::NAN } else { f(x) * jac }
        }
    };
    let (lo, hi) = if a.is_finite() && b.is_finite() { (a, b) } else { (ta, tb) };
    let mut parts = vec![(lo, hi, kronrod(&mut g, lo, hi))];
    for _ in 0..20_000 {
        let total: f64 = parts.iter().map(|p| p.2.value).sum();
        let err: f64 = parts.iter().map(|p| p.2.error).sum();
        let total_abs: f64 = parts.iter().map(|p| p.2.abs_value).sum();
        let err_abs: f64 = parts.iter().map(|p| p.2.abs_error).sum();
        if ![total, err, total_abs, err_abs].iter().all(|v| v.is_finite()) {
            return Err(Error::NoConvergence("quadrature (the integrand is not finite)"));
        }
        if err <= tol.max(1e-12 * total.abs()) && err_abs <= tol.max(1e-12 * total_abs) {
            return Ok(total);
        }
        let worst = (0..parts.len())
            .max_by(|&i, &j| {
                let e = |k: usize| parts[k].2.error.max(parts[k].2.abs_error);
                e(i).total_cmp(&e(j))
            })
            .expect("parts");
        let (l, h, _) = parts.swap_remove(worst);
        let m = 0.5 * (l + h);
        if !(l < m && m < h) || (h - l) <= 64.0 * f64::EPSILON * m.abs().max(f64::MIN_POSITIVE) {
            return Err(Error::NoConvergence(
                "quadrature (an interval cannot be split further: the integral diverges or has a non-integrable singularity)",
            ));
        }
        parts.push((l, m, kronrod(&mut g, l, m)));
        parts.push((m, h, kronrod(&mut g, m, h)));
    }
    Err(Error::NoConvergence("quadrature"))
}

/// The `t` with `t/(1 − t²) = x` in `[−1, 1]`.
fn inverse(x: f64) -> f64 {
    if x == f64::INFINITY {
        1.0
    } else if x == f64::NEG_INFINITY {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        (-1.0 + (1.0 + 4.0 * x * x).sqrt()) / (2.0 * x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_integrals() {
        let pi = std::f64::consts::PI;
        assert!((integrate(|x| x.sin(), 0.0, pi, 1e-12).unwrap() - 2.0).abs() < 1e-12);
        assert!(
            (integrate(|x| (-x * x).exp(), f64::NEG_INFINITY, f64::INFINITY, 1e-12).unwrap() - pi.sqrt()).abs() < 1e-10
        );
        assert!((integrate(|x| (-x).exp(), 0.0, f64::INFINITY, 1e-12).unwrap() - 1.0).abs() < 1e-10);
        assert!((integrate(|x| 1.0 / x.sqrt(), 0.0, 1.0, 1e-9).unwrap() - 2.0).abs() < 1e-6);
        assert_eq!(integrate(|x| x, 1.0, 1.0, 1e-9).unwrap(), 0.0);
        assert!(integrate(|x| x, 2.0, 1.0, 1e-9).is_err());
        assert!(integrate(|_| f64::NAN, 0.0, 1.0, 1e-9).is_err());
        // Slowly decaying tails: the right value, or an error.
        assert!((integrate(|x| x.powf(-2.0), 1.0, f64::INFINITY, 1e-10).unwrap() - 1.0).abs() < 1e-8);
        if let Ok(v) = integrate(|x| x.powf(-1.1), 1.0, f64::INFINITY, 1e-9) {
            assert!((v - 10.0).abs() < 1e-6, "{v}");
        }
    }

    #[test]
    fn divergent_integrals_are_errors() {
        let inf = f64::INFINITY;
        let cases: [(&str, Result<f64>); 6] = [
            ("1 on [0, inf)", integrate(|_| 1.0, 0.0, inf, 1e-9)),
            ("1/x on [1, inf)", integrate(|x| 1.0 / x, 1.0, inf, 1e-9)),
            ("x^-0.9 on [1, inf)", integrate(|x| x.powf(-0.9), 1.0, inf, 1e-9)),
            ("1/x on (0, 1]", integrate(|x| 1.0 / x, 0.0, 1.0, 1e-9)),
            ("x on R", integrate(|x| x, -inf, inf, 1e-9)),
            ("sin on [0, inf)", integrate(|x| x.sin(), 0.0, inf, 1e-9)),
        ];
        for (name, r) in cases {
            assert!(r.is_err(), "{name}: {r:?}");
        }
        assert!(integrate(|x| x, 0.0, 1.0, 0.0).is_err());
    }
}
