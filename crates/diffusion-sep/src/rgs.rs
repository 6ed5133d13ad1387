//! α-RGS: the α-posterior under randomised Gaussian smoothing.

use crate::error::{Error, Result};
use crate::schedule::{Level, Schedule, cosine_step};
use crate::score::Score;
use crate::separation::{Problem, Separation, check_inputs, check_iterate, finish, matched_filter_init, white_noise};
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::modem::Modem;
use rand::{Rng, RngExt};
use rayon::prelude::*;

/// The weight `ω` of the interference term.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Weight {
    /// `ω = κ²`, the paper's choice (`--scaling=kappa`).
    KappaSquared,
    /// `ω = 1`: the plain MAP objective (`--scaling=invkappa`).
    Map,
    /// `ω = f κ²`, for sweeps.
    Relative(f64),
}

impl Weight {
    /// `ω` at gain `κ`.
    pub fn omega(self, kappa: f64) -> f64 {
        match self {
            Weight::KappaSquared => kappa * kappa,
            Weight::Map => 1.0,
            Weight::Relative(f) => f * kappa * kappa,
        }
    }
}

/// α-RGS (Jayashankar et al., arXiv 2306.14411): for `y = s + κ b`, minimise
///
/// ```text
/// E_{t,u,z,z'} [ −log p_{s,t}(√ᾱ_t s + σ_t z) − ω log p_{b,u}(√ᾱ_u (y − s)/κ + σ_u z') ]
/// ```
///
/// by stochastic gradient descent from the matched-filter solution, with
/// levels `t, u` drawn independently and uniformly from `levels` every
/// iteration and the injected noise subtracted from the scores (score
/// distillation: `√ᾱ (∇log p(x̃) + z/σ)`, which has the same mean and a far
/// smaller variance):
///
/// ```text
/// g = (ω/κ) √ᾱ_u (∇log p_b(b̃) + z'/σ_u) − √ᾱ_t (∇log p_s(s̃) + z/σ_t),   s ← s − η_i g,
/// ```
///
/// `η_i` cosine-annealed from `step_max` to `step_min`. Mixtures run as one
/// batch (one score call per model and iteration, frames in parallel), each
/// with its own random stream, so results do not depend on the thread
/// count or on which mixtures share a batch.
#[derive(Clone, Debug)]
pub struct AlphaRgs {
    /// Iterations `N` (the paper: 20,000).
    pub iterations: usize,
    /// Initial step size (the paper: 5·10⁻³ for OFDM interference).
    pub step_max: f64,
    /// Final step size (the paper: 10⁻⁶).
    pub step_min: f64,
    /// `ω`.
    pub weight: Weight,
    /// The schedule the levels come from.
    pub schedule: Schedule,
    /// The levels drawn, `lo ..= hi` (the paper: 1 ..= 49).
    pub levels: (usize, usize),
    /// Monte-Carlo draws for the final objective (0: none).
    pub objective_draws: usize,
}

impl Default for AlphaRgs {
    fn default() -> Self {
        Self {
            iterations: 20_000,
            step_max: 5e-3,
            step_min: 1e-6,
            weight: Weight::KappaSquared,
            schedule: Schedule::diffwave(),
            levels: (1, 49),
            objective_draws: 32,
        }
    }
}

/// One mixture's state.
struct Chain<R> {
    s: Vec<C64>,
    rng: R,
    /// The interference estimate `(y − s)/κ`.
    b: Vec<C64>,
    t: Level,
    u: Level,
}

/// Runs `f` on every item, in parallel when there are several (a single
/// mixture runs on the calling thread: no hand-off per iteration).
fn each<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) -> Result<()> + Sync) -> Result<()> {
    if items.len() == 1 { f(0, &mut items[0]) } else { items.par_iter_mut().enumerate().try_for_each(|(i, t)| f(i, t)) }
}

impl AlphaRgs {
    /// Checks the configuration.
    fn check(&self) -> Result<()> {
        let ok_steps = self.step_max.is_finite()
            && self.step_min.is_finite()
            && self.step_min > 0.0
            && self.step_max >= self.step_min;
        if !ok_steps {
            return Err(Error::invalid(
                "step sizes",
                format!("{} … {}", self.step_max, self.step_min),
                "step sizes are finite, step_max ≥ step_min > 0",
            ));
        }
        if self.iterations == 0 {
            return Err(Error::invalid("iterations", 0, "α-RGS runs at least one iteration"));
        }
        if self.levels.0 > self.levels.1 || self.levels.1 >= self.schedule.len() {
            return Err(Error::invalid(
                "levels",
                format!("{} ..= {}", self.levels.0, self.levels.1),
                "the levels form a non-empty range inside the schedule",
            ));
        }
        if let Weight::Relative(f) = self.weight
            && !(f > 0.0 && f.is_finite())
        {
            return Err(Error::invalid("omega/kappa^2", f, "the weight is positive and finite"));
        }
        Ok(())
    }

    /// Separates every problem; `rngs[i]` is mixture `i`'s random stream.
    /// `observe(i, iterates)` runs after each iteration `i` with the
    /// current estimates (a progress bar, or snapshots).
    pub fn separate<R: Rng + Send>(
        &self,
        soi: &dyn Score,
        interference: &dyn Score,
        modem: &dyn Modem,
        problems: &[Problem<'_>],
        rngs: Vec<R>,
        observe: &(dyn Fn(usize, &[&[C64]]) + Sync),
    ) -> Result<Vec<Separation>> {
        self.check()?;
        let n = check_inputs(&[soi, interference], modem, problems, rngs.len())?;
        let mut chains = problems
            .iter()
            .zip(rngs)
            .map(|(p, rng)| {
                Ok(Chain {
                    s: matched_filter_init(modem, p.mixture)?,
                    rng,
                    b: vec![C64::new(0.0, 0.0); n],
                    t: self.schedule.level(1)?,
                    u: self.schedule.level(1)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // The whole loop runs on a worker of the current pool, so the
        // parallel steps inside do not hand work across threads each time.
        rayon::scope(|_| self.iterate(soi, interference, problems, &mut chains, observe))?;
        chains
            .into_par_iter()
            .zip(problems.par_iter())
            .map(|(mut c, p)| {
                let objective = self.objective(soi, interference, p, &c.s, &mut c.rng)?;
                finish(modem, c.s, objective)
            })
            .collect()
    }

    /// The iterations.
    fn iterate<R: Rng + Send>(
        &self,
        soi: &dyn Score,
        interference: &dyn Score,
        problems: &[Problem<'_>],
        chains: &mut [Chain<R>],
        observe: &(dyn Fn(usize, &[&[C64]]) + Sync),
    ) -> Result<()> {
        let bounds: Vec<f64> =
            problems.iter().map(|p| 1e3 * p.mixture.iter().map(|z| z.norm()).fold(1.0, f64::max)).collect();
        let levels = self.schedule.levels();
        let (mut d_s, mut d_b) = (vec![Vec::new(); problems.len()], vec![Vec::new(); problems.len()]);
        for i in 0..self.iterations {
            let eta = cosine_step(i, self.iterations, self.step_max, self.step_min);
            each(chains, |m, c| {
                c.t = levels[c.rng.random_range(self.levels.0..=self.levels.1)];
                c.u = levels[c.rng.random_range(self.levels.0..=self.levels.1)];
                let (y, inv_k) = (problems[m].mixture, 1.0 / problems[m].kappa);
                c.b.iter_mut().zip(y.iter().zip(&c.s)).for_each(|(b, (y, s))| *b = (y - s) * inv_k);
                Ok(())
            })?;
            {
                let ts: Vec<Level> = chains.iter().map(|c| c.t).collect();
                let us: Vec<Level> = chains.iter().map(|c| c.u).collect();
                let (xs, mut rs): (Vec<&[C64]>, Vec<&mut (dyn Rng + Send)>) =
                    chains.iter_mut().map(|c| (c.s.as_slice(), &mut c.rng as &mut (dyn Rng + Send))).unzip();
                soi.distilled_batch(&xs, &ts, &mut rs, &mut d_s)?;
                let (xb, mut rs): (Vec<&[C64]>, Vec<&mut (dyn Rng + Send)>) =
                    chains.iter_mut().map(|c| (c.b.as_slice(), &mut c.rng as &mut (dyn Rng + Send))).unzip();
                interference.distilled_batch(&xb, &us, &mut rs, &mut d_b)?;
            }
            each(chains, |m, c| {
                let w = self.weight.omega(problems[m].kappa) / problems[m].kappa;
                for ((s, gs), gb) in c.s.iter_mut().zip(&d_s[m]).zip(&d_b[m]) {
                    *s -= (gb * w - gs) * eta;
                }
                check_iterate("alpha-RGS", m, i, &c.s, bounds[m])
            })?;
            let iterates: Vec<&[C64]> = chains.iter().map(|c| c.s.as_slice()).collect();
            observe(i, &iterates);
        }
        Ok(())
    }

    /// The Monte-Carlo estimate of the objective at `s`, when both models
    /// have densities.
    fn objective<R: Rng>(
        &self,
        soi: &dyn Score,
        interference: &dyn Score,
        p: &Problem<'_>,
        s: &[C64],
        rng: &mut R,
    ) -> Result<Option<f64>> {
        if self.objective_draws == 0 {
            return Ok(None);
        }
        let levels = self.schedule.levels();
        let omega = self.weight.omega(p.kappa);
        let mut z = vec![C64::new(0.0, 0.0); s.len()];
        let mut x = z.clone();
        let mut total = 0.0;
        for _ in 0..self.objective_draws {
            let t = levels[rng.random_range(self.levels.0..=self.levels.1)];
            white_noise(rng, &mut z);
            x.iter_mut().zip(s.iter().zip(&z)).for_each(|(x, (s, z))| *x = s * t.scale + z * t.sigma);
            let Some(ls) = soi.log_density(&x, t)? else { return Ok(None) };
            let u = levels[rng.random_range(self.levels.0..=self.levels.1)];
            white_noise(rng, &mut z);
            for j in 0..s.len() {
                x[j] = (p.mixture[j] - s[j]) * (u.scale / p.kappa) + z[j] * u.sigma;
            }
            let Some(lb) = interference.log_density(&x, u)? else { return Ok(None) };
            total += -ls - omega * lb;
        }
        Ok(Some(total / self.objective_draws as f64))
    }
}
