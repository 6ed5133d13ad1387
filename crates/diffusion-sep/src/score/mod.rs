//! Score models: `∇ log p_t` of a source smoothed to a noise level.
//!
//! A [`Score`] gives, for a frame `x̃` and a [`Level`] `(√ᾱ_t, σ_t)`, the
//! gradient `(∂/∂Re + i ∂/∂Im) log p_t(x̃)` of the density of `√ᾱ_t x + σ_t
//! w` (`x` the source, `w` white, unit variance per real dimension). By
//! Tweedie's formula it is `−(x̃ − √ᾱ_t E[x | x̃])/σ_t²`, and a denoiser
//! predicting the noise `ε̂` has score `−ε̂/σ_t`.
//!
//! | model | source | how |
//! |---|---|---|
//! | [`PulseScore`] | BPSK or QPSK with any pulse of rf-signal's single-carrier modem (RRC, any samples per symbol, roll-off, span) | exact: forward–backward over the pulse's inter-symbol interference |
//! | [`OfdmScore`] | OFDM with BPSK or QPSK carriers, known timing and phase, or a mixture over timing offsets and phases | exact per carrier on the FFT bodies; cyclic prefix and cut symbols approximated (see its docs) |
//! | [`StationaryGaussian`] | a circular stationary Gaussian known by its power spectral density | exact (circulant covariance, FFT-diagonal) |
//! | `LearnedScore` (feature `learned`) | any source rf-signal generates | a DiffWave denoiser trained on its frames, `−ε̂/σ_t` |
//!
//! Models with a density ([`Score::log_density`]) let the separators report
//! their objective; the analytic ones all have one, learned ones none.

mod gaussian;
#[cfg(feature = "learned")]
pub mod learned;
mod ofdm;
mod pulse;

pub use gaussian::StationaryGaussian;
#[cfg(feature = "learned")]
pub use learned::{LearnedScore, PriorSource};
pub use ofdm::{OfdmScore, Timing};
pub use pulse::PulseScore;

use crate::error::{Error, Result, check_finite, check_len};
use crate::schedule::Level;
use infoflow_numerics::signal::C64;
use rand::Rng;
use rayon::prelude::*;

/// The score of a source's Gaussian-smoothed density; see the module docs.
pub trait Score: Send + Sync {
    /// A short description, e.g. `"QPSK RRC score"`.
    fn name(&self) -> String;

    /// Samples per frame.
    fn frame_len(&self) -> usize;

    /// Writes `∇ log p_t(x)` into `out` (both `frame_len` samples; `x`
    /// finite).
    fn score(&self, x: &[C64], level: Level, out: &mut [C64]) -> Result<()>;

    /// `log p_t(x)` (with respect to Lebesgue measure on `ℝ^{2n}`) when the
    /// model has a density; `None` for models that only give scores.
    fn log_density(&self, x: &[C64], level: Level) -> Result<Option<f64>> {
        let _ = (x, level);
        Ok(None)
    }

    /// [`Score::score`] of a batch of frames, each at its own level, in
    /// parallel (frames are independent, so the result does not depend on
    /// the thread count). Learned models override it with one network call.
    fn score_batch(&self, x: &[&[C64]], levels: &[Level], out: &mut [Vec<C64>]) -> Result<()> {
        check_batch(x.len(), levels.len(), None, out.len())?;
        let one = |((x, &level), out): ((&&[C64], &Level), &mut Vec<C64>)| {
            out.resize(x.len(), C64::new(0.0, 0.0));
            self.score(x, level, out)
        };
        if x.len() == 1 {
            x.iter().zip(levels).zip(out.iter_mut()).try_for_each(one)
        } else {
            x.par_iter().zip(levels.par_iter()).zip(out.par_iter_mut()).try_for_each(one)
        }
    }

    /// The score-distillation direction at a clean estimate `x`,
    ///
    /// ```text
    /// √ᾱ (∇log p_t(√ᾱ x + σ z) + z/σ),   z white, drawn from rng,
    /// ```
    ///
    /// what α-RGS descends: the same mean as `√ᾱ ∇log p_t(x̃)`, with the
    /// injected noise's own score subtracted as a control variate. Models
    /// whose score depends on `x̃` only through a few statistics override it
    /// to draw only those (the same law, fewer random numbers).
    fn distilled(&self, x: &[C64], level: Level, rng: &mut dyn Rng, out: &mut [C64]) -> Result<()> {
        let mut z = vec![C64::new(0.0, 0.0); x.len()];
        crate::separation::white_noise(rng, &mut z);
        distilled_with(self, x, level, &z, out)
    }

    /// [`Score::distilled`] of a batch, frame `i` drawing from `rngs[i]`,
    /// in parallel (independent of the thread count).
    fn distilled_batch(
        &self,
        x: &[&[C64]],
        levels: &[Level],
        rngs: &mut [&mut (dyn Rng + Send)],
        out: &mut [Vec<C64>],
    ) -> Result<()> {
        check_batch(x.len(), levels.len(), Some(rngs.len()), out.len())?;
        if let ([x], [level], [rng], [out]) = (x, levels, &mut *rngs, &mut *out) {
            out.resize(x.len(), C64::new(0.0, 0.0));
            return self.distilled(x, *level, &mut **rng, out);
        }
        x.par_iter().zip(levels.par_iter()).zip(rngs.par_iter_mut()).zip(out.par_iter_mut()).try_for_each(
            |(((x, &level), rng), out)| {
                out.resize(x.len(), C64::new(0.0, 0.0));
                self.distilled(x, level, &mut **rng, out)
            },
        )
    }
}

/// [`Score::distilled`] with the white noise `z` given: the generic route,
/// through the model's score at `√ᾱ x + σ z`.
pub(crate) fn distilled_with<S: Score + ?Sized>(
    model: &S,
    x: &[C64],
    level: Level,
    z: &[C64],
    out: &mut [C64],
) -> Result<()> {
    check_frame(model.frame_len(), x, out.len())?;
    let noisy: Vec<C64> = x.iter().zip(z).map(|(x, z)| x * level.scale + z * level.sigma).collect();
    model.score(&noisy, level, out)?;
    let inv = 1.0 / level.sigma;
    out.iter_mut().zip(z).for_each(|(o, z)| *o = (*o + z * inv) * level.scale);
    Ok(())
}

/// Checks that a batch of `frames` frames has as many levels, random
/// streams (where given) and outputs.
pub(crate) fn check_batch(frames: usize, levels: usize, rngs: Option<usize>, outputs: usize) -> Result<()> {
    check_len("levels of the batch", levels, frames)?;
    if let Some(r) = rngs {
        check_len("random streams of the batch", r, frames)?;
    }
    check_len("outputs of the batch", outputs, frames)
}

/// Checks a frame handed to a score model: its length, finiteness and the
/// output's length.
pub(crate) fn check_frame(frame_len: usize, x: &[C64], out_len: usize) -> Result<()> {
    check_len("frame to score", x.len(), frame_len)?;
    check_len("score output", out_len, frame_len)?;
    check_finite("frame to score", x)
}

/// The posterior mean and the log-partition of one binary axis, `a ∈ {±A}`
/// with prior ½ each, given the log-likelihood ratio exponent `v`:
/// `log E exp(v a) = log cosh(A v)`, `E[a] = A tanh(A v)`.
pub(crate) fn binary_axis(v: f64, amplitude: f64) -> (f64, f64) {
    let z = amplitude * v;
    let az = z.abs();
    (amplitude * z.tanh(), az + (-2.0 * az).exp().ln_1p() - std::f64::consts::LN_2)
}

/// `−|x|²/(2σ²) − n ln(2πσ²)`: the log-density of white noise of variance
/// `σ²` per real dimension at the `n` complex samples `x`.
pub(crate) fn white_log_density(x: &[C64], sigma: f64) -> f64 {
    let s2 = sigma * sigma;
    -x.iter().map(|z| z.norm_sqr()).sum::<f64>() / (2.0 * s2) - x.len() as f64 * (2.0 * std::f64::consts::PI * s2).ln()
}

/// Tweedie: `out ← −(x − scale · mean)/σ²`, `mean` given in `out`.
pub(crate) fn tweedie(x: &[C64], level: Level, out: &mut [C64]) {
    let inv = 1.0 / (level.sigma * level.sigma);
    for (o, &z) in out.iter_mut().zip(x) {
        *o = (*o * level.scale - z) * inv;
    }
}

/// A constellation the analytic scores support: BPSK (real axis ±1) or
/// QPSK (both axes ±1/√2).
pub(crate) fn binary_axes(c: infoflow_rf_signal::constellation::Constellation) -> Result<(usize, f64)> {
    use infoflow_rf_signal::constellation::Constellation;
    match c {
        Constellation::Bpsk => Ok((1, 1.0)),
        Constellation::Qpsk => Ok((2, std::f64::consts::FRAC_1_SQRT_2)),
        _ => Err(Error::invalid(
            "constellation",
            c.name(),
            "the analytic scores take BPSK or QPSK symbols (binary per axis)",
        )),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Brute-force references for the analytic scores' tests.
    use super::*;

    /// Central finite differences of `f` at `x`, per real and imaginary part.
    pub fn finite_difference_gradient(x: &[C64], f: impl Fn(&[C64]) -> f64) -> Vec<C64> {
        let h = 1e-5;
        let mut y = x.to_vec();
        (0..x.len())
            .map(|i| {
                let mut part = |d: C64| {
                    y[i] = x[i] + d;
                    let up = f(&y);
                    y[i] = x[i] - d;
                    let down = f(&y);
                    y[i] = x[i];
                    (up - down) / (2.0 * h)
                };
                C64::new(part(C64::new(h, 0.0)), part(C64::new(0.0, h)))
            })
            .collect()
    }

    /// `max |a − b| / max |b|`.
    pub fn relative_error(a: &[C64], b: &[C64]) -> f64 {
        let scale = b.iter().map(|z| z.norm()).fold(0.0, f64::max);
        a.iter().zip(b).map(|(u, v)| (u - v).norm()).fold(0.0, f64::max) / scale
    }

    /// `log Σ_i exp(v_i)`.
    pub fn lse(v: &[f64]) -> f64 {
        infoflow_numerics::special::log_sum_exp(v)
    }
}
