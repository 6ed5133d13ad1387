//! BASIS (Jayaram & Thickstun 2020): annealed Langevin separation, and its
//! modified form with the hard constraint `b = (y − s)/κ`.

use crate::error::{Error, Result};
use crate::schedule::{Level, Schedule};
use crate::score::Score;
use crate::separation::{Problem, Separation, check_inputs, check_iterate, finish, matched_filter_init, white_noise};
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::modem::Modem;
use rand::Rng;
use rayon::prelude::*;

/// Which BASIS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// Both sources sampled, tied to the mixture by a Gaussian likelihood
    /// whose variance follows the level (`γ = σ`), as in BASIS.
    Soft,
    /// Only `s` sampled, `b = (y − s)/κ` exactly (the α-RGS paper's
    /// "modified BASIS").
    Hard,
}

/// Annealed Langevin dynamics over the schedule's levels from `levels.1`
/// down to `levels.0`, `inner` steps per level, step `η_t = ε σ̄_t²/σ̄_lo²`
/// with `σ̄_t = σ_t/√ᾱ_t` the level's noise in the variance-exploding
/// parametrisation, whose score is `√ᾱ_t ∇log p_t(√ᾱ_t x)`:
///
/// ```text
/// Hard: s ← s + η [S_s(s) − S_b((y − s)/κ)/κ] + √(2η) ξ
/// Soft: s ← s + η [S_s(s) + (y − s − κb)/σ̄²] + √(2η) ξ,
///       b ← b + η [S_b(b) + κ(y − s − κb)/σ̄²] + √(2η) ξ'
/// ```
///
/// from the matched-filter solution (and `b = (y − s)/κ`). The estimate is
/// the last iterate.
#[derive(Clone, Debug)]
pub struct Basis {
    /// Soft or hard constraint.
    pub constraint: Constraint,
    /// `ε` (the paper's 2·10⁻⁶).
    pub epsilon: f64,
    /// Langevin steps per level (the paper's 100).
    pub inner: usize,
    /// The schedule.
    pub schedule: Schedule,
    /// The levels, `lo ..= hi`, walked from `hi` down.
    pub levels: (usize, usize),
}

impl Basis {
    /// The paper's settings with the given constraint.
    pub fn new(constraint: Constraint) -> Self {
        Self { constraint, epsilon: 2e-6, inner: 100, schedule: Schedule::diffwave(), levels: (1, 49) }
    }

    /// Separates every problem; `rngs[i]` is mixture `i`'s stream;
    /// `observe(i, iterates)` runs after every step.
    pub fn separate<R: Rng + Send>(
        &self,
        soi: &dyn Score,
        interference: &dyn Score,
        modem: &dyn Modem,
        problems: &[Problem<'_>],
        rngs: Vec<R>,
        observe: &(dyn Fn(usize, &[&[C64]]) + Sync),
    ) -> Result<Vec<Separation>> {
        if !(self.epsilon > 0.0 && self.epsilon.is_finite())
            || self.inner == 0
            || self.levels.0 > self.levels.1
            || self.levels.1 >= self.schedule.len()
        {
            return Err(Error::invalid(
                "BASIS settings",
                format!("epsilon {}, inner {}, levels {:?}", self.epsilon, self.inner, self.levels),
                "epsilon is positive, at least one step per level, the levels a range inside the schedule",
            ));
        }
        let n = check_inputs(&[soi, interference], modem, problems, rngs.len())?;
        let method = match self.constraint {
            Constraint::Hard => "modified BASIS",
            Constraint::Soft => "BASIS",
        };
        let mut s: Vec<Vec<C64>> =
            problems.iter().map(|p| matched_filter_init(modem, p.mixture)).collect::<Result<_>>()?;
        let mut b: Vec<Vec<C64>> = problems
            .iter()
            .zip(&s)
            .map(|(p, s)| p.mixture.iter().zip(s).map(|(y, s)| (y - s) / p.kappa).collect())
            .collect();
        let mut rngs = rngs;
        let bounds: Vec<f64> =
            problems.iter().map(|p| 1e3 * p.mixture.iter().map(|z| z.norm()).fold(1.0, f64::max)).collect();
        let lo = self.schedule.level(self.levels.0)?;
        let ve = |l: Level| l.sigma / l.scale;
        let zero = vec![C64::new(0.0, 0.0); n];
        let (mut xs, mut xb) = (vec![zero.clone(); s.len()], vec![zero.clone(); s.len()]);
        let (mut gs, mut gb) = (vec![zero.clone(); s.len()], vec![zero; s.len()]);
        let mut step = 0;
        for t in (self.levels.0..=self.levels.1).rev() {
            let level = self.schedule.level(t)?;
            let eta = self.epsilon * (ve(level) / ve(lo)).powi(2);
            let levels = vec![level; s.len()];
            for _ in 0..self.inner {
                for (m, p) in problems.iter().enumerate() {
                    for j in 0..n {
                        xs[m][j] = s[m][j] * level.scale;
                        xb[m][j] = match self.constraint {
                            Constraint::Hard => (p.mixture[j] - s[m][j]) * (level.scale / p.kappa),
                            Constraint::Soft => b[m][j] * level.scale,
                        };
                    }
                }
                {
                    let refs: Vec<&[C64]> = xs.iter().map(|v| v.as_slice()).collect();
                    soi.score_batch(&refs, &levels, &mut gs)?;
                    let refs: Vec<&[C64]> = xb.iter().map(|v| v.as_slice()).collect();
                    interference.score_batch(&refs, &levels, &mut gb)?;
                }
                let noise = (2.0 * eta).sqrt();
                let inv_var = 1.0 / (ve(level) * ve(level));
                s.par_iter_mut()
                    .zip(b.par_iter_mut())
                    .zip(rngs.par_iter_mut())
                    .zip(problems.par_iter())
                    .zip(gs.par_iter().zip(gb.par_iter()))
                    // The scored frames are spent: their buffers take the Langevin noise.
                    .zip(xs.par_iter_mut().zip(xb.par_iter_mut()))
                    .enumerate()
                    .try_for_each(|(m, (((((s, b), rng), p), (gs, gb)), (xi, xi_b)))| {
                        white_noise(rng, xi);
                        match self.constraint {
                            Constraint::Hard => {
                                for j in 0..n {
                                    let g = (gs[j] - gb[j] / p.kappa) * level.scale;
                                    s[j] += g * eta + xi[j] * noise;
                                }
                            }
                            Constraint::Soft => {
                                white_noise(rng, xi_b);
                                for j in 0..n {
                                    let r = (p.mixture[j] - s[j] - b[j] * p.kappa) * inv_var;
                                    let ds = gs[j] * level.scale + r;
                                    let db = gb[j] * level.scale + r * p.kappa;
                                    s[j] += ds * eta + xi[j] * noise;
                                    b[j] += db * eta + xi_b[j] * noise;
                                }
                            }
                        }
                        check_iterate(method, m, step, s, bounds[m])
                    })?;
                let iterates: Vec<&[C64]> = s.iter().map(|v| v.as_slice()).collect();
                observe(step, &iterates);
                step += 1;
            }
        }
        s.into_iter().map(|s| finish(modem, s, None)).collect()
    }
}
