//! Laws to sample from and to compare: discrete laws on `{0, …, k − 1}`
//! and one-dimensional laws with densities, and density ratios `r = dν/dμ`.

use crate::error::{Error, Result};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, StandardNormal};

/// A probability vector on `{0, …, k − 1}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Discrete {
    p: Vec<f64>,
    cumulative: Vec<f64>,
}

impl Discrete {
    /// The law with weights `w` (finite, non-negative, positive sum),
    /// normalised to sum to 1.
    pub fn from_weights(w: &[f64]) -> Result<Self> {
        if w.is_empty() {
            return Err(Error::invalid("weights", 0, "a discrete law has at least one atom"));
        }
        if let Some(bad) = w.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(Error::invalid("weight", bad, "weights are finite and non-negative"));
        }
        let total: f64 = w.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return Err(Error::invalid("weights", total, "the weights have a finite, positive sum"));
        }
        let p: Vec<f64> = w.iter().map(|v| v / total).collect();
        let mut acc = 0.0;
        let cumulative = p.iter().map(|v| {
            acc += v;
            acc
        });
        let cumulative = cumulative.collect();
        Ok(Self { p, cumulative })
    }

    /// The uniform law on `k ≥ 1` atoms.
    pub fn uniform(k: usize) -> Result<Self> {
        Self::from_weights(&vec![1.0; k])
    }

    /// Zipf's law `∝ (i + 1)^{−s}` on `k` atoms.
    pub fn zipf(k: usize, s: f64) -> Result<Self> {
        if !s.is_finite() {
            return Err(Error::invalid("s", s, "the Zipf exponent is finite"));
        }
        Self::from_weights(&(0..k).map(|i| ((i + 1) as f64).powf(-s)).collect::<Vec<_>>())
    }

    /// `(1 − q, q)` on `{0, 1}`, `q ∈ [0, 1]`.
    pub fn two_point(q: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::invalid("q", q, "a probability lies in [0, 1]"));
        }
        Self::from_weights(&[1.0 - q, q])
    }

    /// The probabilities.
    pub fn probs(&self) -> &[f64] {
        &self.p
    }

    /// Number of atoms.
    pub fn len(&self) -> usize {
        self.p.len()
    }

    /// Whether there are no atoms (never: constructors require one).
    pub fn is_empty(&self) -> bool {
        self.p.is_empty()
    }

    /// One draw (inverse CDF by binary search).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let u: f64 = rng.random::<f64>() * self.cumulative[self.p.len() - 1];
        self.cumulative.partition_point(|&c| c <= u).min(self.p.len() - 1)
    }
}

/// `r_i = ν_i/μ_i` on the atoms of `μ` (0 where both vanish). Different
/// supports, or `ν_i > 0` where `μ_i = 0`, are errors.
pub fn density_ratio(nu: &Discrete, mu: &Discrete) -> Result<Vec<f64>> {
    if nu.len() != mu.len() {
        return Err(Error::Support(format!("ν has {} atoms, μ has {}", nu.len(), mu.len())));
    }
    nu.p.iter()
        .zip(&mu.p)
        .enumerate()
        .map(|(i, (&n, &m))| match (n > 0.0, m > 0.0) {
            (_, true) => Ok(n / m),
            (false, false) => Ok(0.0),
            (true, false) => Err(Error::NotAbsolutelyContinuous(format!("atom {i} has ν = {n} and μ = 0"))),
        })
        .collect()
}

/// A one-dimensional law with a density; users implement it for their own laws.
pub trait Law1d: Send + Sync {
    /// The density at `x` (0 outside the support).
    fn density(&self, x: f64) -> f64;
    /// The CDF at `x`.
    fn cdf(&self, x: f64) -> f64;
    /// The support `[lo, hi]` (either end may be infinite).
    fn support(&self) -> (f64, f64);
    /// One draw.
    fn sample(&self, rng: &mut dyn Rng) -> f64;
}

/// The standard continuous laws and their mixtures.
#[derive(Clone, Debug, PartialEq)]
pub enum Continuous {
    /// `N(mean, sd²)`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// Exponential with rate `rate > 0` (mean `1/rate`).
    Exponential {
        /// Rate.
        rate: f64,
    },
    /// Uniform on `[lo, hi]`.
    Uniform {
        /// Lower end.
        lo: f64,
        /// Upper end (> lo).
        hi: f64,
    },
    /// `Σ w_i law_i` with weights summing to 1.
    Mixture(Vec<(f64, Continuous)>),
}

impl Continuous {
    /// `N(mean, sd²)`, `sd > 0`.
    pub fn normal(mean: f64, sd: f64) -> Result<Self> {
        if !(mean.is_finite() && sd.is_finite() && sd > 0.0) {
            return Err(Error::invalid("normal", format!("mean {mean}, sd {sd}"), "a finite mean and a positive sd"));
        }
        Ok(Continuous::Normal { mean, sd })
    }

    /// Exponential with rate `rate > 0`.
    pub fn exponential(rate: f64) -> Result<Self> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(Error::invalid("rate", rate, "the rate is finite and positive"));
        }
        Ok(Continuous::Exponential { rate })
    }

    /// Uniform on `[lo, hi]`, `lo < hi` finite.
    pub fn uniform(lo: f64, hi: f64) -> Result<Self> {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::invalid("uniform", format!("[{lo}, {hi}]"), "finite ends with lo < hi"));
        }
        Ok(Continuous::Uniform { lo, hi })
    }

    /// The mixture `Σ w_i law_i` (weights finite, non-negative, normalised here).
    pub fn mixture(parts: Vec<(f64, Continuous)>) -> Result<Self> {
        let total: f64 = parts.iter().map(|p| p.0).sum();
        if parts.is_empty() || parts.iter().any(|p| !(p.0.is_finite() && p.0 >= 0.0)) || total.is_nan() || total <= 0.0
        {
            return Err(Error::invalid(
                "mixture",
                parts.len(),
                "weights are finite, non-negative, with a positive sum",
            ));
        }
        Ok(Continuous::Mixture(parts.into_iter().map(|(w, l)| (w / total, l)).collect()))
    }
}

impl Law1d for Continuous {
    fn density(&self, x: f64) -> f64 {
        match self {
            Continuous::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                (-0.5 * z * z).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt())
            }
            Continuous::Exponential { rate } => {
                if x < 0.0 {
                    0.0
                } else {
                    rate * (-rate * x).exp()
                }
            }
            Continuous::Uniform { lo, hi } => {
                if (*lo..=*hi).contains(&x) {
                    1.0 / (hi - lo)
                } else {
                    0.0
                }
            }
            Continuous::Mixture(parts) => parts.iter().map(|(w, l)| w * l.density(x)).sum(),
        }
    }

    fn cdf(&self, x: f64) -> f64 {
        match self {
            Continuous::Normal { mean, sd } => 1.0 - infoflow_numerics::special::q_function((x - mean) / sd),
            Continuous::Exponential { rate } => {
                if x <= 0.0 {
                    0.0
                } else {
                    -(-rate * x).exp_m1()
                }
            }
            Continuous::Uniform { lo, hi } => ((x - lo) / (hi - lo)).clamp(0.0, 1.0),
            Continuous::Mixture(parts) => parts.iter().map(|(w, l)| w * l.cdf(x)).sum(),
        }
    }

    fn support(&self) -> (f64, f64) {
        match self {
            Continuous::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Continuous::Exponential { .. } => (0.0, f64::INFINITY),
            Continuous::Uniform { lo, hi } => (*lo, *hi),
            Continuous::Mixture(parts) => parts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, l)| {
                let (lo, hi) = l.support();
                (a.min(lo), b.max(hi))
            }),
        }
    }

    fn sample(&self, rng: &mut dyn Rng) -> f64 {
        match self {
            Continuous::Normal { mean, sd } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + sd * z
            }
            Continuous::Exponential { rate } => Exp::new(*rate).expect("validated rate").sample(rng),
            Continuous::Uniform { lo, hi } => lo + (hi - lo) * rng.random::<f64>(),
            Continuous::Mixture(parts) => {
                let mut u: f64 = rng.random();
                for (w, l) in parts {
                    if u < *w {
                        return l.sample(rng);
                    }
                    u -= w;
                }
                parts[parts.len() - 1].1.sample(rng)
            }
        }
    }
}

/// `dν/dμ(x)`: `+∞` where `μ` vanishes and `ν` does not, 0 where both do.
pub fn ratio_at(nu: &dyn Law1d, mu: &dyn Law1d, x: f64) -> f64 {
    let (n, m) = (nu.density(x), mu.density(x));
    if m > 0.0 {
        n / m
    } else if n > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quadrature::integrate;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn discrete_laws_and_ratios() {
        let z = Discrete::zipf(5, 1.0).unwrap();
        assert!((z.probs().iter().sum::<f64>() - 1.0).abs() < 1e-15);
        let u = Discrete::uniform(5).unwrap();
        let r = density_ratio(&z, &u).unwrap();
        assert!((r[0] - 5.0 * z.probs()[0]).abs() < 1e-12);
        assert!(density_ratio(&u, &Discrete::two_point(0.5).unwrap()).is_err());
        assert!(density_ratio(&Discrete::two_point(0.5).unwrap(), &Discrete::two_point(0.0).unwrap()).is_err());
        assert!(Discrete::from_weights(&[1.0, -1.0]).is_err());
        assert!(Discrete::from_weights(&[f64::NAN]).is_err());
        assert!(Discrete::from_weights(&[0.0, 0.0]).is_err());
        assert!(Discrete::from_weights(&[]).is_err());
        let mut rng = Streams::for_point(1, "sampling.distribution", "discrete").stream(0);
        let mut counts = [0usize; 5];
        (0..50_000).for_each(|_| counts[z.sample(&mut rng)] += 1);
        for (c, p) in counts.iter().zip(z.probs()) {
            assert!((*c as f64 / 50_000.0 - p).abs() < 0.01);
        }
    }

    #[test]
    fn continuous_laws_integrate_to_one_and_sample_their_cdf() {
        let laws = [
            Continuous::normal(1.0, 2.0).unwrap(),
            Continuous::exponential(0.5).unwrap(),
            Continuous::uniform(-1.0, 3.0).unwrap(),
            Continuous::mixture(vec![
                (1.0, Continuous::normal(-2.0, 0.5).unwrap()),
                (3.0, Continuous::exponential(1.0).unwrap()),
            ])
            .unwrap(),
        ];
        let mut rng = Streams::for_point(1, "sampling.distribution", "continuous").stream(0);
        for law in &laws {
            let (lo, hi) = law.support();
            let mass = integrate(|x| law.density(x), lo, hi, 1e-10).unwrap();
            assert!((mass - 1.0).abs() < 1e-8, "{law:?}: {mass}");
            let below = (0..20_000).filter(|_| law.sample(&mut rng) <= 0.7).count() as f64 / 20_000.0;
            assert!((below - law.cdf(0.7)).abs() < 0.015, "{law:?}");
        }
        assert!(Continuous::normal(0.0, 0.0).is_err());
        assert!(Continuous::exponential(-1.0).is_err());
        assert!(Continuous::uniform(1.0, 1.0).is_err());
        assert!(Continuous::mixture(vec![]).is_err());
        let (nu, mu) = (Continuous::exponential(0.5).unwrap(), Continuous::exponential(1.0).unwrap());
        assert!((ratio_at(&nu, &mu, 2.0) - 0.5 * 1f64.exp()).abs() < 1e-12);
        assert_eq!(ratio_at(&mu, &Continuous::uniform(0.0, 1.0).unwrap(), 2.0), f64::INFINITY);
    }
}
