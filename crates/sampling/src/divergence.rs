//! f-divergences `D_f(ν‖μ) = E_μ f(dν/dμ)` (convex `f`, `f(1) = 0`) and
//! Rényi divergences: exact for discrete laws, by adaptive quadrature for
//! one-dimensional densities, by Monte Carlo from density ratios otherwise.
//!
//! | divergence | `f(x)` | `f′(∞)` |
//! |---|---|---|
//! | [`Kl`] | `x ln x` | ∞ |
//! | [`ChiSquared`] | `(x − 1)²` | ∞ |
//! | [`Power`] (order `λ > 1`) | `x^λ − 1`, so `D = E_μ r^λ − 1 = e^{(λ−1)D_λ} − 1` | ∞ |
//! | [`SquaredHellinger`] | `(√x − 1)²` | 1 |
//! | [`TotalVariation`] | `|x − 1|/2` | 1/2 |
//!
//! Mass of `ν` where `μ` vanishes contributes `f′(∞)·ν(μ = 0)` (the
//! convention `0·f(a/0) = a f′(∞)`), so KL, χ² and the power divergences
//! are then `+∞` — reported as `f64::INFINITY`, never NaN. Divergences that
//! are infinite because of a tail (χ² of `Exp(1/2)` against `Exp(1)`) are
//! `+∞` too.

use crate::distribution::{Discrete, Law1d};
use crate::error::{Error, Result};
use crate::quadrature::integrate;

/// An f-divergence; implement it for your own `f`.
pub trait FDivergence: Send + Sync {
    /// A short name, e.g. `"KL"`.
    fn name(&self) -> String;
    /// The convex generator, `f(1) = 0`, on `[0, ∞)`.
    fn f(&self, x: f64) -> f64;
    /// Its derivative, non-decreasing.
    fn f_prime(&self, x: f64) -> f64;
    /// `f′(∞) = lim f(x)/x`: finite for TV and Hellinger, where approximate
    /// rejection sampling cannot drive the error to 0.
    fn slope_at_infinity(&self) -> f64;

    /// `f(1 + δ)`, accurate for small `δ` (the built-in divergences use
    /// `ln_1p`/`expm1`; the default evaluates `f` directly).
    fn f_offset(&self, delta: f64) -> f64 {
        self.f(1.0 + delta)
    }

    /// `(f′)^{−1}(y)`: the smallest `x ≥ 1` with `f′(x) ≥ y`, by bisection;
    /// `None` when `f′` never reaches `y`.
    fn f_prime_inverse(&self, y: f64) -> Option<f64> {
        if !y.is_finite() || self.slope_at_infinity() <= y && self.f_prime(1e300) < y {
            return None;
        }
        let (mut lo, mut hi) = (1.0f64, 2.0f64);
        while self.f_prime(hi) < y {
            hi *= 2.0;
            if hi > 1e300 {
                return None;
            }
        }
        if self.f_prime(lo) >= y {
            return Some(lo);
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.f_prime(mid) >= y { hi = mid } else { lo = mid }
        }
        Some(hi)
    }
}

/// Kullback–Leibler, `f(x) = x ln x`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Kl;
/// Pearson χ², `f(x) = (x − 1)²`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChiSquared;
/// Squared Hellinger, `f(x) = (√x − 1)²`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SquaredHellinger;
/// Total variation, `f(x) = |x − 1|/2`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TotalVariation;
/// The power divergence of order `λ > 1`, `f(x) = x^λ − 1`:
/// `E_μ r^λ − 1`, a monotone function of the Rényi divergence `D_λ`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Power {
    lambda: f64,
}

impl Power {
    /// Order `λ ∈ (1, 64]`.
    pub fn new(lambda: f64) -> Result<Self> {
        if !(lambda > 1.0 && lambda <= 64.0) {
            return Err(Error::invalid("lambda", lambda, "the order lies in (1, 64]"));
        }
        Ok(Self { lambda })
    }

    /// The order `λ`.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// `D_λ = ln(1 + D)/(λ − 1)` from the power divergence `D`.
    pub fn renyi(&self, power_divergence: f64) -> f64 {
        (1.0 + power_divergence).ln() / (self.lambda - 1.0)
    }
}

impl FDivergence for Kl {
    fn name(&self) -> String {
        "KL".into()
    }
    fn f(&self, x: f64) -> f64 {
        if x > 0.0 { x * x.ln() } else { 0.0 }
    }
    fn f_prime(&self, x: f64) -> f64 {
        1.0 + x.ln()
    }
    fn slope_at_infinity(&self) -> f64 {
        f64::INFINITY
    }
    fn f_offset(&self, delta: f64) -> f64 {
        if delta <= -1.0 { 0.0 } else { (1.0 + delta) * delta.ln_1p() }
    }
    fn f_prime_inverse(&self, y: f64) -> Option<f64> {
        y.is_finite().then(|| (y - 1.0).exp().max(1.0))
    }
}

impl FDivergence for ChiSquared {
    fn name(&self) -> String {
        "chi2".into()
    }
    fn f(&self, x: f64) -> f64 {
        (x - 1.0) * (x - 1.0)
    }
    fn f_prime(&self, x: f64) -> f64 {
        2.0 * (x - 1.0)
    }
    fn slope_at_infinity(&self) -> f64 {
        f64::INFINITY
    }
    fn f_offset(&self, delta: f64) -> f64 {
        delta * delta
    }
    fn f_prime_inverse(&self, y: f64) -> Option<f64> {
        y.is_finite().then(|| (1.0 + y / 2.0).max(1.0))
    }
}

impl FDivergence for SquaredHellinger {
    fn name(&self) -> String {
        "Hellinger2".into()
    }
    fn f(&self, x: f64) -> f64 {
        (x.max(0.0).sqrt() - 1.0).powi(2)
    }
    fn f_prime(&self, x: f64) -> f64 {
        1.0 - 1.0 / x.sqrt()
    }
    fn slope_at_infinity(&self) -> f64 {
        1.0
    }
    fn f_offset(&self, delta: f64) -> f64 {
        let d = delta.max(-1.0);
        (d / ((1.0 + d).sqrt() + 1.0)).powi(2)
    }
}

impl FDivergence for TotalVariation {
    fn name(&self) -> String {
        "TV".into()
    }
    fn f(&self, x: f64) -> f64 {
        0.5 * (x - 1.0).abs()
    }
    fn f_prime(&self, x: f64) -> f64 {
        if x >= 1.0 { 0.5 } else { -0.5 }
    }
    fn slope_at_infinity(&self) -> f64 {
        0.5
    }
    fn f_offset(&self, delta: f64) -> f64 {
        0.5 * delta.abs()
    }
}

impl FDivergence for Power {
    fn name(&self) -> String {
        format!("power{}", self.lambda)
    }
    fn f(&self, x: f64) -> f64 {
        x.max(0.0).powf(self.lambda) - 1.0
    }
    fn f_prime(&self, x: f64) -> f64 {
        self.lambda * x.max(0.0).powf(self.lambda - 1.0)
    }
    fn slope_at_infinity(&self) -> f64 {
        f64::INFINITY
    }
    fn f_offset(&self, delta: f64) -> f64 {
        if delta <= -1.0 { -1.0 } else { (self.lambda * delta.ln_1p()).exp_m1() }
    }
    fn f_prime_inverse(&self, y: f64) -> Option<f64> {
        y.is_finite().then(|| (y / self.lambda).max(0.0).powf(1.0 / (self.lambda - 1.0)).max(1.0))
    }
}

/// `D_f(ν‖μ)` for discrete laws on the same atoms, exactly: `+∞` (the
/// divergence's value, not an overflow) when `ν` puts mass where `μ` has
/// none and `f` grows superlinearly (KL, χ², Rényi); finite for TV and
/// Hellinger.
pub fn discrete(div: &dyn FDivergence, nu: &Discrete, mu: &Discrete) -> Result<f64> {
    if nu.len() != mu.len() {
        return Err(Error::Support(format!("ν has {} atoms, μ has {}", nu.len(), mu.len())));
    }
    let mut d = 0.0;
    for (&n, &m) in nu.probs().iter().zip(mu.probs()) {
        if m > 0.0 {
            d += m * div.f_offset((n - m) / m);
        } else if n > 0.0 {
            let s = div.slope_at_infinity();
            if s.is_infinite() {
                return Ok(f64::INFINITY);
            }
            d += n * s;
        }
    }
    Ok(d.max(0.0))
}

/// `D_f(ν‖μ)` for one-dimensional densities by adaptive quadrature over the
/// union of the supports, to absolute tolerance `1e-10`. A divergent
/// integral (a heavy tail) is `+∞`.
pub fn continuous(div: &dyn FDivergence, nu: &dyn Law1d, mu: &dyn Law1d) -> Result<f64> {
    let (a, b) = (nu.support().0.min(mu.support().0), nu.support().1.max(mu.support().1));
    let s = div.slope_at_infinity();
    let (mu_lo, mu_hi) = mu.support();
    let bad = std::cell::Cell::new(false);
    let integrand = |x: f64| {
        let (n, mut m) = (nu.density(x), mu.density(x));
        if !(n.is_finite() && m.is_finite() && n >= 0.0 && m >= 0.0) {
            bad.set(true);
            return 0.0;
        }
        if m == 0.0 && n > 0.0 && (mu_lo..=mu_hi).contains(&x) {
            // μ's density underflowed inside its support: floor it.
            m = f64::MIN_POSITIVE;
        }
        let v = if m > 0.0 {
            m * div.f(n / m)
        } else if n > 0.0 {
            n * s
        } else {
            0.0
        };
        // Far in a tail both densities underflow and their ratio overflows:
        // where ν has no mass to speak of, the contribution is negligible.
        if !v.is_finite() && n < 1e-250 { 0.0 } else { v }
    };
    // Divergence test: the integral over growing windows of a tail.
    let total = integrate(integrand, a, b, 1e-10);
    if bad.get() {
        return Err(Error::invalid("density", "negative or non-finite", "densities are finite and non-negative"));
    }
    match total {
        Ok(v) if v.is_finite() => {
            if tail_diverges(&integrand, a, b) {
                Ok(f64::INFINITY)
            } else {
                Ok(v.max(0.0))
            }
        }
        Ok(_) | Err(Error::NoConvergence(_)) => Ok(f64::INFINITY),
        Err(e) => Err(e),
    }
}

/// Whether `∫ g` over an infinite tail does not settle: the mass on
/// `[L, 2L]` fails to shrink as `L` grows from 2⁵ to 2⁹.
fn tail_diverges(g: &impl Fn(f64) -> f64, a: f64, b: f64) -> bool {
    let piece = |lo: f64, hi: f64| integrate(g, lo, hi, 1e-14).map(|v| v.abs()).unwrap_or(f64::INFINITY);
    let grows = |near: f64, far: f64| far.is_infinite() || (far > 1e-12 && far >= 0.5 * near);
    (b.is_infinite() && grows(piece(32.0, 64.0), piece(512.0, 1024.0)))
        || (a.is_infinite() && grows(piece(-64.0, -32.0), piece(-1024.0, -512.0)))
}

/// The Rényi divergence `D_λ(ν‖μ)` of discrete laws, `λ > 1`.
pub fn renyi_discrete(lambda: f64, nu: &Discrete, mu: &Discrete) -> Result<f64> {
    let p = Power::new(lambda)?;
    Ok(p.renyi(discrete(&p, nu, mu)?))
}

/// `TV(p, q) = ½ Σ |p_i − q_i|` of two probability vectors on the same
/// atoms. Errors on different lengths, no atoms, entries that are negative
/// or not finite, and vectors that do not sum to 1 (within `1e-9`).
pub fn tv(p: &[f64], q: &[f64]) -> Result<f64> {
    if p.len() != q.len() {
        return Err(Error::Support(format!("{} vs {} atoms", p.len(), q.len())));
    }
    for v in [p, q] {
        if v.is_empty() {
            return Err(Error::invalid("probabilities", 0, "a law has at least one atom"));
        }
        if let Some(bad) = v.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
            return Err(Error::invalid("probability", bad, "probabilities are finite and non-negative"));
        }
        let total: f64 = v.iter().sum();
        if (total - 1.0).abs() > 1e-9 {
            return Err(Error::invalid("probabilities", total, "a probability vector sums to 1"));
        }
    }
    Ok(0.5 * p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>())
}

/// The Monte-Carlo estimate `(1/n) Σ f(r_i)` from density ratios at draws
/// `X_i ~ μ` (finite, non-negative).
pub fn monte_carlo(div: &dyn FDivergence, ratios: &[f64]) -> Result<f64> {
    if ratios.is_empty() {
        return Err(Error::invalid("ratios", 0, "a Monte-Carlo estimate needs at least one draw"));
    }
    if let Some(r) = ratios.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
        return Err(Error::invalid("ratio", r, "density ratios are finite and non-negative"));
    }
    Ok(ratios.iter().map(|&r| div.f(r)).sum::<f64>() / ratios.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::Continuous;

    #[test]
    fn closed_forms_of_gaussian_and_exponential_pairs() {
        let theta: f64 = 0.7;
        let (nu, mu) = (Continuous::normal(theta, 1.0).unwrap(), Continuous::normal(0.0, 1.0).unwrap());
        assert!((continuous(&Kl, &nu, &mu).unwrap() - theta * theta / 2.0).abs() < 1e-8);
        assert!((continuous(&ChiSquared, &nu, &mu).unwrap() - ((theta * theta).exp() - 1.0)).abs() < 1e-8);
        let p = Power::new(3.0).unwrap();
        assert!((p.renyi(continuous(&p, &nu, &mu).unwrap()) - 3.0 * theta * theta / 2.0).abs() < 1e-8);
        assert!(
            (continuous(&SquaredHellinger, &nu, &mu).unwrap() - 2.0 * (1.0 - (-theta * theta / 8.0).exp())).abs()
                < 1e-8
        );
        let tv_exact = 2.0 * (1.0 - infoflow_numerics::special::q_function(theta / 2.0)) - 1.0;
        assert!((continuous(&TotalVariation, &nu, &mu).unwrap() - tv_exact).abs() < 1e-8);
        // Exp(1/2) against Exp(1): KL = ln β + 1/β − 1, χ² infinite.
        let (nu, mu) = (Continuous::exponential(0.5).unwrap(), Continuous::exponential(1.0).unwrap());
        let kl = continuous(&Kl, &nu, &mu).unwrap();
        assert!((kl - (0.5f64.ln() + 1.0)).abs() < 1e-8, "{kl}");
        assert_eq!(continuous(&ChiSquared, &nu, &mu).unwrap(), f64::INFINITY);
        let b = 0.7;
        let nu = Continuous::exponential(b).unwrap();
        assert!((continuous(&ChiSquared, &nu, &mu).unwrap() - (b * b / (2.0 * b - 1.0) - 1.0)).abs() < 1e-7);
    }

    #[test]
    fn discrete_divergences_and_conventions() {
        let (nu, mu) = (Discrete::two_point(0.3).unwrap(), Discrete::two_point(0.1).unwrap());
        let kl = 0.7 * (0.7f64 / 0.9).ln() + 0.3 * 3f64.ln();
        assert!((discrete(&Kl, &nu, &mu).unwrap() - kl).abs() < 1e-14);
        assert!((discrete(&ChiSquared, &nu, &mu).unwrap() - (0.04 / 0.9 + 0.04 / 0.1)).abs() < 1e-14);
        assert!((discrete(&TotalVariation, &nu, &mu).unwrap() - 0.2).abs() < 1e-14);
        assert!((tv(nu.probs(), mu.probs()).unwrap() - 0.2).abs() < 1e-15);
        let point = Discrete::two_point(0.0).unwrap();
        assert_eq!(discrete(&Kl, &nu, &point).unwrap(), f64::INFINITY);
        assert!((discrete(&TotalVariation, &nu, &point).unwrap() - 0.3).abs() < 1e-15);
        assert!(
            (discrete(&SquaredHellinger, &nu, &point).unwrap() - (0.3 + (0.7f64.sqrt() - 1.0).powi(2))).abs() < 1e-14
        );
        assert!(
            (renyi_discrete(2.0, &nu, &mu).unwrap() - (1.0 + discrete(&ChiSquared, &nu, &mu).unwrap()).ln()).abs()
                < 1e-12
        );
        assert!(discrete(&Kl, &nu, &Discrete::uniform(3).unwrap()).is_err());
        assert!(Power::new(1.0).is_err());
        assert!(monte_carlo(&Kl, &[]).is_err());
        assert!(monte_carlo(&Kl, &[f64::NAN]).is_err());
        for d in [&Kl as &dyn FDivergence, &ChiSquared, &Power::new(2.5).unwrap()] {
            let x = d.f_prime_inverse(7.0).unwrap();
            assert!((d.f_prime(x) - 7.0).abs() < 1e-9, "{}", d.name());
        }
        assert!(TotalVariation.f_prime_inverse(1.0).is_none());
        struct Broken;
        impl Law1d for Broken {
            fn density(&self, x: f64) -> f64 {
                if x > 0.5 { -1.0 } else { 1.0 }
            }
            fn cdf(&self, x: f64) -> f64 {
                x
            }
            fn support(&self) -> (f64, f64) {
                (0.0, 1.0)
            }
            fn sample(&self, _: &mut dyn rand::Rng) -> f64 {
                0.0
            }
        }
        let u = crate::distribution::Continuous::uniform(0.0, 1.0).unwrap();
        assert!(continuous(&Kl, &Broken, &u).is_err());
        assert!(SquaredHellinger.f_prime_inverse(2.0).is_none());
    }
}
