//! Reverse diffusion on the interference prior alone: the SOI treated as
//! Gaussian noise, the interference estimate denoised by the interference
//! model's reverse process.

use crate::error::Result;
use crate::schedule::Schedule;
use crate::score::Score;
use crate::separation::{Problem, Separation, check_inputs, finish, white_noise};
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::modem::Modem;
use rand::Rng;
use rayon::prelude::*;

/// The α-RGS paper's "reverse diffusion" baseline: `y/κ = b + s/κ` is read
/// as the interference seen at the level `t*` whose noise-to-signal ratio
/// `σ²/ᾱ` is closest to the SOI's, `1/(2κ²)` per real dimension (unit-power
/// SOI), so `x_{t*} = √ᾱ_{t*} y/κ`; DDPM's ancestral steps
///
/// ```text
/// x_{t−1} = (x_t + β_t ∇log p_t(x_t)) / √(1 − β_t) + √β̃_t z,   β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t),
/// ```
///
/// run down to level 0, and `ŝ = y − κ x_0/√ᾱ_0`. It uses no model of the
/// SOI, so it separates only when the SOI looks like the Gaussian noise the
/// interference model was smoothed with.
#[derive(Clone, Debug)]
pub struct ReverseDiffusion {
    /// The schedule of the interference model.
    pub schedule: Schedule,
}

impl Default for ReverseDiffusion {
    fn default() -> Self {
        Self { schedule: Schedule::diffwave() }
    }
}

impl ReverseDiffusion {
    /// The starting level for gain `κ` (at least 1: one denoising step).
    pub fn start_level(&self, kappa: f64) -> usize {
        let target = 0.5 / (kappa * kappa);
        let ratio = |t: usize| {
            let l = self.schedule.levels()[t];
            (l.sigma * l.sigma / (l.scale * l.scale) / target).ln().abs()
        };
        (1..self.schedule.len()).min_by(|&a, &b| ratio(a).total_cmp(&ratio(b))).unwrap_or(1)
    }

    /// Separates every problem; `rngs[i]` is mixture `i`'s stream.
    pub fn separate<R: Rng + Send>(
        &self,
        interference: &dyn Score,
        modem: &dyn Modem,
        problems: &[Problem<'_>],
        rngs: Vec<R>,
    ) -> Result<Vec<Separation>> {
        let n = check_inputs(&[interference], modem, problems, rngs.len())?;
        let levels = self.schedule.levels();
        problems
            .par_iter()
            .zip(rngs.into_par_iter())
            .map(|(p, mut rng)| {
                let start = self.start_level(p.kappa);
                let mut x: Vec<C64> = p.mixture.iter().map(|y| y * (levels[start].scale / p.kappa)).collect();
                let (mut score, mut z) = (vec![C64::new(0.0, 0.0); n], vec![C64::new(0.0, 0.0); n]);
                for t in (1..=start).rev() {
                    let (beta, l) = (self.schedule.beta(t), levels[t]);
                    interference.score(&x, l, &mut score)?;
                    let below = levels[t - 1];
                    let tilde = beta * below.sigma * below.sigma / (l.sigma * l.sigma);
                    white_noise(&mut rng, &mut z);
                    let (a, s) = (1.0 / (1.0 - beta).sqrt(), tilde.sqrt());
                    for j in 0..n {
                        x[j] = (x[j] + score[j] * beta) * a + z[j] * s;
                    }
                }
                let g = p.kappa / levels[0].scale;
                let soi = p.mixture.iter().zip(&x).map(|(y, b)| y - b * g).collect();
                finish(modem, soi, None)
            })
            .collect()
    }
}
