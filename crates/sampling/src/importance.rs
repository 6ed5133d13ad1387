//! Importance-sampling estimators of `E_ν g` from draws `X_i ~ μ` and their
//! ratios `r_i`, and the weighted empirical CDFs that estimate `F_ν`
//! uniformly over thresholds (the class `{1{x ≤ t}}`).
//!
//! * plain: `(1/n) Σ r_i g(X_i)`, unbiased, variance `≤ ‖g‖²_∞ (1 + χ²)/n`;
//! * self-normalised: `Σ r_i g(X_i) / Σ r_i`;
//! * truncated at `M`: `(1/n) Σ min(r_i, M) g(X_i)`, biased by at most
//!   `‖g‖_∞ E_μ (r − M)_+`, variance `≤ ‖g‖²_∞ M/n`: usable when χ² is
//!   infinite.
//!
//! Rejection sampling uses the same draws differently: keep `X_i` with
//! probability `min(r_i, M)/M` and average over the kept ones
//! ([`rejection_cdf`]).

use crate::error::{Error, Result};
use rand::{Rng, RngExt};

/// An importance-sampling estimator.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Estimator {
    /// `(1/n) Σ r_i g_i`.
    Plain,
    /// `Σ r_i g_i / Σ r_i`.
    SelfNormalised,
    /// `(1/n) Σ min(r_i, M) g_i`.
    Truncated {
        /// The truncation level `M > 0`.
        m: f64,
    },
}

fn check(values: &[f64], ratios: &[f64]) -> Result<()> {
    if values.len() != ratios.len() || values.is_empty() {
        return Err(Error::invalid(
            "draws",
            format!("{} values, {} ratios", values.len(), ratios.len()),
            "one value per ratio, at least one",
        ));
    }
    if let Some(r) = ratios.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
        return Err(Error::invalid("ratio", r, "density ratios are finite and non-negative"));
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(Error::invalid("value", v, "function values are finite"));
    }
    Ok(())
}

impl Estimator {
    /// The weight of a draw with ratio `r` (before normalisation).
    fn weight(&self, r: f64) -> f64 {
        match *self {
            Estimator::Truncated { m } => r.min(m),
            _ => r,
        }
    }

    fn check_level(&self) -> Result<()> {
        match *self {
            Estimator::Truncated { m } if !(m.is_finite() && m > 0.0) => {
                Err(Error::invalid("M", m, "the truncation level is finite and positive"))
            }
            _ => Ok(()),
        }
    }

    /// The estimate of `E_ν g` from `values = g(X_i)` and `ratios = r(X_i)`.
    /// Self-normalised with every ratio 0 is an error (no information).
    pub fn estimate(&self, values: &[f64], ratios: &[f64]) -> Result<f64> {
        check(values, ratios)?;
        self.check_level()?;
        let s: f64 = values.iter().zip(ratios).map(|(g, &r)| g * self.weight(r)).sum();
        match self {
            Estimator::SelfNormalised => {
                let total: f64 = ratios.iter().sum();
                if total == 0.0 {
                    return Err(Error::invalid("ratios", 0, "self-normalisation needs a positive ratio"));
                }
                Ok(s / total)
            }
            _ => Ok(s / values.len() as f64),
        }
    }

    /// The weighted empirical CDF `t ↦ Σ_i w_i 1{X_i ≤ t}` of the draws
    /// `xs` (weights as in [`Estimator::estimate`] with `g = 1{x ≤ t}`).
    pub fn cdf(&self, xs: &[f64], ratios: &[f64]) -> Result<StepCdf> {
        check(xs, ratios)?;
        self.check_level()?;
        let norm = match self {
            Estimator::SelfNormalised => {
                let total: f64 = ratios.iter().sum();
                if total == 0.0 {
                    return Err(Error::invalid("ratios", 0, "self-normalisation needs a positive ratio"));
                }
                total
            }
            _ => xs.len() as f64,
        };
        Ok(StepCdf::new(xs.iter().copied().zip(ratios.iter().map(|&r| self.weight(r) / norm)).collect()))
    }
}

/// A right-continuous step function `t ↦ Σ_{x_i ≤ t} w_i`.
#[derive(Clone, Debug, PartialEq)]
pub struct StepCdf {
    /// Jump points, increasing, and the function's value at each.
    steps: Vec<(f64, f64)>,
}

impl StepCdf {
    fn new(mut points: Vec<(f64, f64)>) -> Self {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut steps: Vec<(f64, f64)> = Vec::with_capacity(points.len());
        let mut acc = 0.0;
        for (x, w) in points {
            acc += w;
            match steps.last_mut() {
                Some(s) if s.0 == x => s.1 = acc,
                _ => steps.push((x, acc)),
            }
        }
        Self { steps }
    }

    /// The value at `t`.
    pub fn at(&self, t: f64) -> f64 {
        let k = self.steps.partition_point(|s| s.0 <= t);
        if k == 0 { 0.0 } else { self.steps[k - 1].1 }
    }

    /// `sup_t |F̂(t) − F(t)|` against a continuous CDF `F` (exact: checked on
    /// both sides of every jump).
    pub fn sup_distance(&self, cdf: impl Fn(f64) -> f64) -> f64 {
        let mut before = 0.0;
        let mut worst = 0.0f64;
        for &(x, v) in &self.steps {
            let f = cdf(x);
            worst = worst.max((v - f).abs()).max((before - f).abs());
            before = v;
        }
        // Beyond the last jump F̂ stays at its total while F rises to 1.
        worst.max((before - 1.0).abs())
    }
}

/// Rejection sampling's CDF estimate: keep each draw with probability
/// `min(r_i, M)/M` and take the empirical CDF of the kept draws. `None`
/// when nothing is kept.
pub fn rejection_cdf<R: Rng + ?Sized>(xs: &[f64], ratios: &[f64], m: f64, rng: &mut R) -> Result<Option<StepCdf>> {
    check(xs, ratios)?;
    if !(m.is_finite() && m > 0.0) {
        return Err(Error::invalid("M", m, "the truncation level is finite and positive"));
    }
    let kept: Vec<f64> =
        xs.iter().zip(ratios).filter(|&(_, &r)| rng.random::<f64>() * m < r.min(m)).map(|(&x, _)| x).collect();
    if kept.is_empty() {
        return Ok(None);
    }
    let w = 1.0 / kept.len() as f64;
    Ok(Some(StepCdf::new(kept.into_iter().map(|x| (x, w)).collect())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::{Continuous, Law1d, ratio_at};
    use infoflow_numerics::rng::Streams;

    #[test]
    fn estimators_on_a_gaussian_shift() {
        let (nu, mu) = (Continuous::normal(1.0, 1.0).unwrap(), Continuous::normal(0.0, 1.0).unwrap());
        let mut rng = Streams::for_point(1, "sampling.importance", "gauss").stream(0);
        let xs: Vec<f64> = (0..200_000).map(|_| mu.sample(&mut rng)).collect();
        let r: Vec<f64> = xs.iter().map(|&x| ratio_at(&nu, &mu, x)).collect();
        let g: Vec<f64> = xs.iter().map(|&x| (x <= 0.5) as u8 as f64).collect();
        let truth = nu.cdf(0.5);
        // χ² = e − 1: standard error about sqrt(e/n) ≈ 0.004.
        for est in [Estimator::Plain, Estimator::SelfNormalised] {
            assert!((est.estimate(&g, &r).unwrap() - truth).abs() < 0.015, "{est:?}");
        }
        let f = Estimator::SelfNormalised.cdf(&xs, &r).unwrap();
        assert!(f.sup_distance(|t| nu.cdf(t)) < 0.02);
        assert!((f.at(0.5) - Estimator::SelfNormalised.estimate(&g, &r).unwrap()).abs() < 1e-12);
        let rs = rejection_cdf(&xs, &r, 20.0, &mut rng).unwrap().unwrap();
        assert!(rs.sup_distance(|t| nu.cdf(t)) < 0.02);
        assert!(Estimator::Truncated { m: 0.0 }.estimate(&g, &r).is_err());
        assert!(Estimator::Plain.estimate(&g[1..], &r).is_err());
        assert!(Estimator::Plain.estimate(&[1.0], &[f64::INFINITY]).is_err());
        assert!(Estimator::SelfNormalised.estimate(&[1.0], &[0.0]).is_err());
    }

    #[test]
    fn step_cdf_distance_is_exact() {
        let f = StepCdf::new(vec![(0.25, 0.5), (0.75, 0.5)]);
        assert_eq!(f.at(0.2), 0.0);
        assert_eq!(f.at(0.25), 0.5);
        // Against the uniform CDF on [0, 1]: 0.25 at t → 0.25⁻ and t = 0.25, 0.75.
        assert!((f.sup_distance(|t| t.clamp(0.0, 1.0)) - 0.25).abs() < 1e-15);
    }
}
