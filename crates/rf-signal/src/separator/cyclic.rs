//! The periodically time-varying (cyclostationary) LMMSE filter.

use super::covariance::{autocorrelation, cyclic_autocorrelation, mean_power, product, strided_windows};
use super::lmmse::interference_parts;
use super::{Estimate, Separator, check_examples, interference_power};
use crate::error::{Error, Result};
use crate::mixture::Mixture;
use crate::modem::Modem;
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use infoflow_numerics::signal::C64;
use rayon::prelude::*;
use std::sync::Arc;

/// `ŝ(n) = Σ_{|m| ≤ L} conj(w_{n mod P}[m]) y(n + m)`: for each phase `p`
/// of the SOI's period `P` (samples per symbol, or FFT size plus CP) its
/// own Wiener filter, solving
///
/// ```text
/// Σ_{m₂} (c_s(p + m₂, m₁ − m₂) + κ² r_b(m₁ − m₂)) w_p[m₂] = c_s(p, m₁)
/// ```
///
/// with `c_s(φ, τ) = E[s(t + τ) s*(t)]` over `t ≡ φ (mod P)` (the SOI's
/// cyclic autocorrelation, estimated from the training SOIs with their
/// known timing) and `r_b` the interference's stationary autocorrelation.
/// This is the FRESH filter on the cyclic frequencies `k/P`: it uses the
/// spectral redundancy of the SOI that a time-invariant filter cannot. A
/// new `κ²` costs `P` Cholesky solves of size `2L + 1`.
#[derive(Debug)]
pub struct CyclicLmmse {
    modem: Arc<dyn Modem>,
    half: usize,
    trained: Option<Trained>,
}

#[derive(Debug)]
struct Trained {
    cs: Vec<Vec<C64>>,
    rb: Vec<C64>,
    soi_power: f64,
}

impl CyclicLmmse {
    /// An untrained filter for `modem` with `2·half + 1` taps per phase
    /// (`half ∈ [1, 512]`).
    pub fn new(modem: Arc<dyn Modem>, half: usize) -> Result<Self> {
        if !(1..=512).contains(&half) {
            return Err(Error::invalid("half", half, "the filter half-width lies in [1, 512]"));
        }
        Ok(Self { modem, half, trained: None })
    }

    /// The filters `w_p` (one column per phase) for interference power `gamma`.
    fn filters(&self, t: &Trained, gamma: f64) -> Result<Vec<Vec<C64>>> {
        let (p_len, l) = (self.modem.period(), self.half as isize);
        let taps = 2 * self.half + 1;
        let cs = |phase: isize, tau: isize| -> C64 {
            let p = p_len as isize;
            if tau >= 0 {
                t.cs[phase.rem_euclid(p) as usize][tau as usize]
            } else {
                t.cs[(phase + tau).rem_euclid(p) as usize][(-tau) as usize].conj()
            }
        };
        let rb = |tau: isize| if tau >= 0 { t.rb[tau as usize] } else { t.rb[(-tau) as usize].conj() };
        (0..p_len)
            .into_par_iter()
            .map(|p| {
                let p = p as isize;
                let mut r = Mat::from_fn(taps, taps, |i, j| {
                    let (m1, m2) = (i as isize - l, j as isize - l);
                    cs(p + m2, m1 - m2) + rb(m1 - m2) * gamma
                });
                let rhs = Mat::from_fn(taps, 1, |i, _| cs(p, i as isize - l));
                let load = 1e-9 * r[(0, 0)].re.max(f64::MIN_POSITIVE);
                (0..taps).for_each(|i| r[(i, i)] += load);
                let llt = r.llt(Side::Lower).map_err(|_| Error::Training {
                    separator: "cyclic LMMSE",
                    reason: "the mixture covariance is not positive definite".into(),
                })?;
                let w = llt.solve(&rhs);
                Ok((0..taps).map(|i| w[(i, 0)]).collect())
            })
            .collect()
    }
}

impl Separator for CyclicLmmse {
    fn name(&self) -> String {
        format!("cyclic LMMSE ({} taps)", 2 * self.half + 1)
    }

    fn fit(&mut self, examples: &[Mixture]) -> Result<()> {
        check_examples("cyclic LMMSE", self.modem.as_ref(), examples)?;
        let sois: Vec<&[C64]> = examples.iter().map(|e| e.soi.as_slice()).collect();
        let (parts, gains) = interference_parts("cyclic LMMSE", examples)?;
        let parts: Vec<&[C64]> = parts.iter().map(|v| v.as_slice()).collect();
        let lag = 2 * self.half;
        self.trained = Some(Trained {
            cs: cyclic_autocorrelation(&sois, self.modem.period(), lag),
            rb: autocorrelation(&parts, &gains, lag)?,
            soi_power: mean_power(&sois)?,
        });
        Ok(())
    }

    fn separate(&self, mixture: &[C64], sinr_db: Option<f64>) -> Result<Estimate> {
        let t = self.trained.as_ref().ok_or_else(|| Error::Training {
            separator: "cyclic LMMSE",
            reason: "separate called before fit".into(),
        })?;
        let gamma = interference_power(self.modem.as_ref(), mixture, sinr_db, t.soi_power)?;
        let w = self.filters(t, gamma)?;
        let (n, p, l) = (mixture.len(), self.modem.period(), self.half);
        let taps = 2 * l + 1;
        let mut padded = vec![C64::new(0.0, 0.0); n + 2 * l + p];
        padded[l..l + n].copy_from_slice(mixture);
        let mut soi = vec![C64::new(0.0, 0.0); n];
        for (phase, w) in w.iter().enumerate().take(n) {
            // ŝ(phase + kp) = Σ_m conj(w[m]) y(phase + kp + m − L): one GEMV per phase.
            let rows = (n - phase).div_ceil(p);
            let windows = strided_windows(&padded, phase, rows, taps, p);
            let wc = Mat::<C64>::from_fn(taps, 1, |m, _| w[m].conj());
            let out = product(windows, wc.as_ref());
            (0..rows).for_each(|k| soi[phase + k * p] = out[(k, 0)]);
        }
        let bits = self.modem.demodulate(&soi)?;
        Ok(Estimate { soi, bits })
    }
}
