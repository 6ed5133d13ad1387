//! The diffusion schedule: noise levels `(√ᾱ_t, σ_t)` and the step sizes of
//! the separation.
//!
//! A level `t` smooths a source `x` into `x̃ = √ᾱ_t x + σ_t w`, `σ_t² = 1 −
//! ᾱ_t`, `w` white with **unit variance per real dimension** (the I and Q
//! channels each `N(0, 1)`, DiffWave's convention: a unit-power complex
//! signal has variance ½ per channel). DiffWave's schedule is `β_i =
//! linspace(10⁻⁴, 0.05, 50)`, `ᾱ_t = Π_{i ≤ t} (1 − β_i)` (`t` from 0), so
//! the levels `t = 1 … 49` that α-RGS draws span `σ ∈ [0.035, 0.849]`.

use crate::error::{Error, Result};

/// One noise level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Level {
    /// The step index `t` in its schedule (what a learned model embeds).
    pub step: usize,
    /// `√ᾱ_t`.
    pub scale: f64,
    /// `σ_t = √(1 − ᾱ_t)`.
    pub sigma: f64,
}

impl Level {
    /// A level off any schedule (`step` 0), with `scale ∈ (0, 1]` and
    /// `sigma > 0` finite; analytic models accept it, learned ones do not.
    pub fn custom(scale: f64, sigma: f64) -> Result<Self> {
        if !(scale > 0.0 && scale <= 1.0 && sigma > 0.0 && sigma.is_finite()) {
            return Err(Error::invalid(
                "level",
                format!("scale {scale}, sigma {sigma}"),
                "a level has scale in (0, 1] and a finite sigma > 0",
            ));
        }
        Ok(Self { step: 0, scale, sigma })
    }
}

/// A variance-preserving schedule of noise levels.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    betas: Vec<f64>,
    levels: Vec<Level>,
}

impl Schedule {
    /// DiffWave's 50 levels, `β = linspace(10⁻⁴, 0.05, 50)`.
    pub fn diffwave() -> Self {
        Self::new((0..50).map(|i| 1e-4 + (0.05 - 1e-4) * i as f64 / 49.0).collect()).expect("valid schedule")
    }

    /// The schedule of the given `β_i ∈ (0, 1)` (at least two).
    pub fn new(betas: Vec<f64>) -> Result<Self> {
        if betas.len() < 2 || betas.iter().any(|b| !(*b > 0.0 && *b < 1.0)) {
            return Err(Error::invalid(
                "betas",
                betas.len(),
                "a schedule has at least two levels, each beta in (0, 1)",
            ));
        }
        let mut alpha_bar = 1.0;
        let levels = betas
            .iter()
            .enumerate()
            .map(|(step, b)| {
                alpha_bar *= 1.0 - b;
                Level { step, scale: alpha_bar.sqrt(), sigma: (1.0 - alpha_bar).sqrt() }
            })
            .collect();
        Ok(Self { betas, levels })
    }

    /// Number of levels.
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    /// Always false: a schedule has at least two levels.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// `β_t`.
    pub fn beta(&self, t: usize) -> f64 {
        self.betas[t]
    }

    /// Level `t < len`.
    pub fn level(&self, t: usize) -> Result<Level> {
        self.levels
            .get(t)
            .copied()
            .ok_or_else(|| Error::invalid("level", t, "the level index lies below the schedule's length"))
    }

    /// Every level, `t = 0 … len − 1`.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }
}

/// The cosine-annealed step size of iteration `i` of `n`:
/// `η_min + ½ (η_max − η_min)(1 + cos(π i / n))`.
pub fn cosine_step(i: usize, n: usize, eta_max: f64, eta_min: f64) -> f64 {
    eta_min + 0.5 * (eta_max - eta_min) * (1.0 + (std::f64::consts::PI * i as f64 / n.max(1) as f64).cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffwave_levels_span_the_papers_range() {
        let s = Schedule::diffwave();
        assert_eq!(s.len(), 50);
        let (lo, hi) = (s.level(1).unwrap(), s.level(49).unwrap());
        assert!((lo.sigma - 0.035).abs() < 5e-4, "{}", lo.sigma);
        assert!((hi.sigma - 0.849).abs() < 5e-4, "{}", hi.sigma);
        assert!((hi.scale - 0.529).abs() < 5e-4, "{}", hi.scale);
        assert!(s.levels().iter().all(|l| (l.scale * l.scale + l.sigma * l.sigma - 1.0).abs() < 1e-12));
        assert!(s.level(50).is_err());
        assert!(Schedule::new(vec![0.1]).is_err());
        assert!(Schedule::new(vec![0.1, 1.0]).is_err());
        assert!(Level::custom(0.0, 1.0).is_err());
        assert!(Level::custom(0.5, f64::NAN).is_err());
        assert_eq!(cosine_step(0, 10, 5e-3, 1e-6), 5e-3);
        assert!((cosine_step(10, 10, 5e-3, 1e-6) - 1e-6).abs() < 1e-18);
    }
}
