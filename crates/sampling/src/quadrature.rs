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

/// One 15-point Kronrod estimate on `[a, b]` and its difference from the
/// embedded 7-point Gauss rule.
fn kronrod(f: &mut impl FnMut(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let (c, h) = (0.5 * (a + b), 0.5 * (b - a));
    let fc = f(c);
    let (mut k, mut g) = (fc * WGK[7], fc * WG[3]);
    for j in 0..7 {
        let x = h * XGK[j];
        let s = f(c - x) + f(c + x);
        k += WGK[j] * s;
        if j % 2 == 1 {
            g += WG[j / 2] * s;
        }
    }
    (k * h, ((k - g) * h).abs())
}

/// `∫_a^b f` to absolute tolerance `tol` (plus `1e-12` relative), by
/// adaptive bisection of the interval with the largest error. `a` and `b`
/// may be infinite: the integral is mapped to a finite one by `x = t/(1 − t²)`.
/// A non-finite integrand value or no convergence in 20,000 subdivisions is
/// an error.
pub fn integrate(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol: f64) -> Result<f64> {
    if a.is_nan() || b.is_nan() || a >= b {
        return if a == b {
            Ok(0.0)
        } else {
            Err(Error::invalid("interval", format!("[{a}, {b}]"), "a quadrature interval has a < b"))
        };
    }
    let map = |t: f64| t / (1.0 - t * t);
    let (ta, tb) = (inverse(a), inverse(b));
    let mut g = |t: f64| {
        if a.is_finite() && b.is_finite() {
            f(t)
        } else {
            let x = map(t);
            let jac = (1.0 + t * t) / ((1.0 - t * t) * (1.0 - t * t));
            if !x.is_finite() { 0.0 } else { f(x) * jac }
        }
    };
    let (lo, hi) = if a.is_finite() && b.is_finite() { (a, b) } else { (ta, tb) };
    let mut parts = vec![(lo, hi, kronrod(&mut g, lo, hi))];
    for _ in 0..20_000 {
        let total: f64 = parts.iter().map(|p| p.2.0).sum();
        let err: f64 = parts.iter().map(|p| p.2.1).sum();
        if !total.is_finite() || !err.is_finite() {
            return Err(Error::NoConvergence("quadrature (the integrand is not finite)"));
        }
        if err <= tol.max(1e-12 * total.abs()) {
            return Ok(total);
        }
        let worst = (0..parts.len()).max_by(|&i, &j| parts[i].2.1.total_cmp(&parts[j].2.1)).expect("parts");
        let (l, h, _) = parts.swap_remove(worst);
        let m = 0.5 * (l + h);
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
    }
}
