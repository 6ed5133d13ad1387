//! What a separation takes and returns, shared by every method.

use crate::error::{Error, Result, check_finite, check_len};
use crate::score::Score;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::modem::Modem;

/// One mixture `y = s + κ b` to separate.
#[derive(Clone, Copy, Debug)]
pub struct Problem<'a> {
    /// The received frame `y`.
    pub mixture: &'a [C64],
    /// The interference gain `κ > 0` (known).
    pub kappa: f64,
}

/// What a separation returns for one mixture.
#[derive(Clone, Debug, PartialEq)]
pub struct Separation {
    /// The estimate of the signal of interest.
    pub soi: Vec<C64>,
    /// Its demodulated bits.
    pub bits: Vec<u8>,
    /// The method's objective at the estimate, when it has one and the
    /// score models give densities (α-RGS: a Monte-Carlo estimate of the
    /// α-posterior objective).
    pub objective: Option<f64>,
}

/// Checks a separation's inputs: the score models (at least one) and the
/// modem agree on the frame length, every mixture has it and finite
/// samples, `κ > 0` finite, one random stream per mixture. Returns the
/// frame length.
pub(crate) fn check_inputs(
    models: &[&dyn Score],
    modem: &dyn Modem,
    problems: &[Problem<'_>],
    streams: usize,
) -> Result<usize> {
    let n = modem.frame_len();
    for m in models {
        check_len("score model frame", m.frame_len(), n)?;
    }
    for p in problems {
        check_len("mixture", p.mixture.len(), n)?;
        check_finite("mixture", p.mixture)?;
        if !(p.kappa > 0.0 && p.kappa.is_finite()) {
            return Err(Error::invalid("kappa", p.kappa, "the interference gain is positive and finite"));
        }
    }
    if streams != problems.len() {
        return Err(Error::invalid("rngs", streams, "one random stream per mixture"));
    }
    Ok(n)
}

/// The matched-filter solution: the mixture's hard bits, re-modulated.
pub fn matched_filter_init(modem: &dyn Modem, mixture: &[C64]) -> Result<Vec<C64>> {
    Ok(modem.modulate(&modem.demodulate(mixture)?)?)
}

/// Finishes a separation: demodulates the estimate.
pub(crate) fn finish(modem: &dyn Modem, soi: Vec<C64>, objective: Option<f64>) -> Result<Separation> {
    let bits = modem.demodulate(&soi)?;
    Ok(Separation { soi, bits, objective })
}

/// Checks an iterate: finite, and no sample above `bound` in magnitude.
pub(crate) fn check_iterate(
    method: &'static str,
    mixture: usize,
    iteration: usize,
    s: &[C64],
    bound: f64,
) -> Result<()> {
    // The common case in one branch-free (vectorised) pass: no sample
    // above the bound, none NaN.
    let bound2 = bound * bound;
    let over: usize = s
        .iter()
        .map(|z| {
            let v = z.norm_sqr();
            usize::from(v > bound2 || v.is_nan())
        })
        .sum();
    if over == 0 {
        Ok(())
    } else {
        let worst = s
            .iter()
            .map(|z| z.norm_sqr())
            .fold(0.0f64, |a, b| if b.is_nan() || a.is_nan() { f64::NAN } else { a.max(b) });
        Err(Error::Diverged {
            method,
            mixture,
            iteration,
            reason: if worst.is_finite() {
                format!(
                    "a sample of magnitude {:.3e} exceeds the bound {bound:.3e} (step size too large?)",
                    worst.sqrt()
                )
            } else {
                "a sample is not finite (step size too large?)".into()
            },
        })
    }
}

/// White Gaussian noise, unit variance per real dimension, into `out`:
/// 32 bytes from `rng` seed a xoshiro256++ generator that draws the
/// normals (one call through `rng`, which may be a trait object, instead
/// of one per sample; the draws stay a function of `rng`'s stream).
pub(crate) fn white_noise<R: rand::Rng + ?Sized>(rng: &mut R, out: &mut [C64]) {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut fast = rand::rngs::Xoshiro256PlusPlus::from_rng(rng);
    for z in out {
        *z = C64::new(StandardNormal.sample(&mut fast), StandardNormal.sample(&mut fast));
    }
}
