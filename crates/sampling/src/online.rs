//! Smoothed online learning of thresholds on `[0, 1]`.
//!
//! Each round the adversary draws `x_t ~ p_t` and the label
//! `y_t = 1{x_t ≥ θ*}`, flipped with probability `noise`; the learner
//! predicts `ŷ_t ∈ [0, 1]` and loses `|ŷ_t − y_t|` (the expected 0-1 loss of
//! a randomised prediction). Regret is the learner's loss minus that of the
//! best threshold in hindsight (computed exactly over all `θ ∈ [0, 1]`).
//!
//! Adversaries (base measure `μ = Unif[0, 1]`):
//! * [`Adversary::Smooth`]: `p_t` uniform on an interval of length `σ`
//!   around `θ*` (density `1/σ`: σ-smooth);
//! * [`Adversary::Divergence`]: `p_t = (1 − q)μ + q·Unif(A)` with `A` an
//!   interval of length `a` around `θ*` and `q` saturating `D_f(p_t‖μ) ≤ D`
//!   (KL or χ²): no density bound at all. The adversary realises `x_t` with
//!   the truncated rejection sampler from `hints` proposals of `μ` — the
//!   coupling behind the analysis (Block and Polyanskiy §4.5).
//!
//! Learners, both over a grid of `G` thresholds `{0, 1/G, …, 1}`:
//! * [`Learner::Hedge`]: exponential weights with the horizon's learning
//!   rate `√(8 ln(G + 1)/T)`;
//! * [`Learner::Ftpl`]: oracle-efficient follow-the-perturbed-leader: the
//!   empirical-risk minimiser over the history plus `hallucinated` points
//!   drawn once from `μ` with uniform random labels; predicts its threshold.

use crate::divergence::FDivergence;
use crate::error::{Error, Result};
use crate::sampler::Rule;
use rand::{Rng, RngExt};

/// The adversary's family; see the module docs.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Adversary {
    /// Uniform on an interval of length `sigma ∈ (0, 1]` around `θ*`.
    Smooth {
        /// Smoothness.
        sigma: f64,
    },
    /// `(1 − q)μ + q·Unif(A)` with `|A| = a` at the budget `D_f ≤ budget`.
    Divergence {
        /// The f-divergence's budget `D`.
        budget: f64,
        /// The length `a` of the interval `A`.
        width: f64,
        /// Proposals the adversary's rejection sampler draws per round.
        hints: usize,
    },
}

/// A learner; see the module docs.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Learner {
    /// Exponential weights over `grid + 1` thresholds.
    Hedge {
        /// `G`.
        grid: usize,
    },
    /// Follow-the-perturbed-leader with hallucinated data.
    Ftpl {
        /// `G`.
        grid: usize,
        /// Hallucinated points.
        hallucinated: usize,
    },
}

/// The result of one game.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// The learner's total loss.
    pub loss: f64,
    /// The best threshold's total loss (over all `θ ∈ ℝ`).
    pub best: f64,
    /// The best grid threshold's total loss over the played rounds (the
    /// learner's own comparator class; hallucinated points not counted).
    pub best_grid: f64,
}

impl Outcome {
    /// `loss − best`: regret against the class of all thresholds.
    pub fn regret(&self) -> f64 {
        self.loss - self.best
    }

    /// `loss − best_grid`: regret against the learner's grid. For Hedge this
    /// is at most [`hedge_bound`] on every sequence.
    pub fn grid_regret(&self) -> f64 {
        self.loss - self.best_grid
    }
}

/// Hedge's worst-case regret against its `grid + 1` experts at the learning
/// rate `η = √(8 ln(G + 1)/T)`: `ln(G + 1)/η + ηT/8 = √(T ln(G + 1)/2)`
/// (Cesa-Bianchi and Lugosi, Theorem 2.2), for losses in `[0, 1]` and any
/// sequence of outcomes.
pub fn hedge_bound(grid: usize, horizon: usize) -> f64 {
    (horizon as f64 * ((grid + 1) as f64).ln() / 2.0).sqrt()
}

/// The mixture weight `q` with `D_f((1 − q)μ + q·Unif(A)‖μ) = d` for
/// `|A| = a` (bisection; the largest `q ≤ 1` within budget).
pub fn saturating_weight(div: &dyn FDivergence, d: f64, a: f64) -> f64 {
    let value = |q: f64| a * div.f_offset(q * (1.0 / a - 1.0)) + (1.0 - a) * div.f_offset(-q);
    let (mut lo, mut hi) = (0.0, 1.0);
    if value(hi) <= d {
        return 1.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if value(mid) <= d { lo = mid } else { hi = mid }
    }
    lo
}

/// Plays `horizon ≥ 1` rounds; `div` is the adversary's divergence (used by
/// [`Adversary::Divergence`]).
pub fn play<R: Rng + ?Sized>(
    adversary: Adversary,
    div: &dyn FDivergence,
    learner: Learner,
    horizon: usize,
    noise: f64,
    rng: &mut R,
) -> Result<Outcome> {
    if horizon == 0 || !(0.0..0.5).contains(&noise) {
        return Err(Error::invalid("horizon, noise", format!("{horizon}, {noise}"), "T ≥ 1 and noise in [0, 1/2)"));
    }
    let grid = match learner {
        Learner::Hedge { grid } | Learner::Ftpl { grid, .. } => grid,
    };
    if grid == 0 {
        return Err(Error::invalid("grid", 0, "the threshold grid has at least one step"));
    }
    // The adversary's set-up.
    let (centre_room, sampler) = match adversary {
        Adversary::Smooth { sigma } if sigma > 0.0 && sigma <= 1.0 => (sigma / 2.0, None),
        Adversary::Divergence { budget, width, hints } if budget > 0.0 && width > 0.0 && width < 1.0 && hints > 0 => {
            let q = saturating_weight(div, budget, width);
            let m = 1.0 - q + q / width; // the largest ratio: plain rejection would be exact
            let rule = Rule::for_budget(div, budget, 0.05).map(|r| match r {
                Rule::Truncated { m: level } => Rule::Truncated { m: level.min(m) },
                other => other,
            })?;
            (width / 2.0, Some((q, rule, hints)))
        }
        _ => {
            return Err(Error::invalid(
                "adversary",
                format!("{adversary:?}"),
                "σ in (0, 1]; D > 0, 0 < a < 1, hints ≥ 1",
            ));
        }
    };
    let theta = centre_room + (1.0 - 2.0 * centre_room) * rng.random::<f64>();
    let thresholds: Vec<f64> = (0..=grid).map(|k| k as f64 / grid as f64).collect();
    // Learner state.
    let eta = (8.0 * ((grid + 1) as f64).ln() / horizon as f64).sqrt();
    let mut log_w = vec![0.0f64; grid + 1];
    // Losses of each grid threshold so far (FTPL's oracle), seeded with the hallucinations.
    let mut grid_loss = vec![0.0f64; grid + 1];
    let mut played_loss = vec![0.0f64; grid + 1];
    if let Learner::Ftpl { hallucinated, .. } = learner {
        for _ in 0..hallucinated {
            let (z, y) = (rng.random::<f64>(), rng.random::<bool>() as u8 as f64);
            grid_loss.iter_mut().zip(&thresholds).for_each(|(l, &th)| *l += ((z >= th) as u8 as f64 - y).abs());
        }
    }
    let mut history = Vec::with_capacity(horizon);
    let mut loss = 0.0;
    let (mut proposals, mut ratios) = (Vec::new(), Vec::new());
    for _ in 0..horizon {
        let x = match (adversary, sampler) {
            (Adversary::Smooth { sigma }, _) => theta - sigma / 2.0 + sigma * rng.random::<f64>(),
            (Adversary::Divergence { width, .. }, Some((q, rule, hints))) => {
                proposals.clear();
                proposals.extend((0..hints).map(|_| rng.random::<f64>()));
                let inside = |z: f64| (z - theta).abs() <= width / 2.0;
                ratios.clear();
                ratios.extend(proposals.iter().map(|&z| 1.0 - q + if inside(z) { q / width } else { 0.0 }));
                proposals[rule.select(&ratios, rng)?]
            }
            _ => unreachable!("validated above"),
        };
        let clean = (x >= theta) as u8 as f64;
        let y = if rng.random::<f64>() < noise { 1.0 - clean } else { clean };
        let predict = match learner {
            Learner::Hedge { .. } => {
                let top = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let (mut num, mut den) = (0.0, 0.0);
                for (lw, &th) in log_w.iter().zip(&thresholds) {
                    let w = (lw - top).exp();
                    num += w * (x >= th) as u8 as f64;
                    den += w;
                }
                num / den
            }
            Learner::Ftpl { .. } => {
                let best = (0..=grid).fold(0, |b, k| if grid_loss[k] < grid_loss[b] { k } else { b });
                (x >= thresholds[best]) as u8 as f64
            }
        };
        loss += (predict - y).abs();
        for k in 0..=grid {
            let l = ((x >= thresholds[k]) as u8 as f64 - y).abs();
            log_w[k] -= eta * l;
            grid_loss[k] += l;
            played_loss[k] += l;
        }
        history.push((x, y));
    }
    let best_grid = played_loss.iter().cloned().fold(f64::INFINITY, f64::min);
    Ok(Outcome { loss, best: best_threshold_loss(&mut history), best_grid })
}

/// The smallest number of mistakes of any threshold `1{x ≥ θ}`, `θ ∈ ℝ`.
fn best_threshold_loss(points: &mut [(f64, f64)]) -> f64 {
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    // θ below every point: mistakes = number of zeros.
    let mut mistakes: f64 = points.iter().filter(|p| p.1 == 0.0).count() as f64;
    let mut best = mistakes;
    for p in points.iter() {
        // Moving θ past this point labels it 0.
        mistakes += if p.1 == 0.0 { -1.0 } else { 1.0 };
        best = best.min(mistakes);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::divergence::{ChiSquared, Kl};
    use infoflow_numerics::rng::Streams;

    #[test]
    fn regret_is_small_and_nonnegative_on_average() {
        let mut rng = Streams::for_point(1, "sampling.online", "game").stream(0);
        for adversary in
            [Adversary::Smooth { sigma: 0.1 }, Adversary::Divergence { budget: 0.5, width: 0.01, hints: 50 }]
        {
            for learner in [Learner::Hedge { grid: 128 }, Learner::Ftpl { grid: 128, hallucinated: 40 }] {
                let mean: f64 =
                    (0..5).map(|_| play(adversary, &Kl, learner, 2000, 0.1, &mut rng).unwrap().regret()).sum::<f64>()
                        / 5.0;
                // O(√T log G) against T = 2000 rounds with 10 % noise.
                assert!(mean > -60.0 && mean < 400.0, "{adversary:?} {learner:?}: {mean}");
            }
        }
        // Hedge's bound holds on every sequence, and the grid is a subclass.
        for _ in 0..5 {
            let o =
                play(Adversary::Smooth { sigma: 0.1 }, &Kl, Learner::Hedge { grid: 64 }, 500, 0.1, &mut rng).unwrap();
            assert!(o.grid_regret() <= hedge_bound(64, 500) && o.best <= o.best_grid, "{o:?}");
        }
        let q = saturating_weight(&ChiSquared, 0.5, 0.01);
        let chi = 0.01 * (q * 99.0f64).powi(2) + 0.99 * q * q;
        assert!((chi - 0.5).abs() < 1e-9);
        assert!(play(Adversary::Smooth { sigma: 0.0 }, &Kl, Learner::Hedge { grid: 8 }, 10, 0.1, &mut rng).is_err());
        assert!(play(Adversary::Smooth { sigma: 0.5 }, &Kl, Learner::Hedge { grid: 8 }, 0, 0.1, &mut rng).is_err());
        assert!(play(Adversary::Smooth { sigma: 0.5 }, &Kl, Learner::Hedge { grid: 0 }, 10, 0.1, &mut rng).is_err());
        let mut pts = vec![(0.1, 0.0), (0.2, 1.0), (0.3, 0.0), (0.4, 1.0), (0.5, 1.0)];
        assert_eq!(best_threshold_loss(&mut pts), 1.0);
    }
}
