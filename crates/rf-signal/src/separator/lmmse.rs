//! Block LMMSE with stationary covariances.

use super::covariance::{autocorrelation, mean_power, product, toeplitz};
use super::{Estimate, Separator, check_examples, interference_power, known_interference_power};
use crate::error::{Error, Result};
use crate::mixture::Mixture;
use crate::modem::Modem;
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::{Mat, Par};
use infoflow_numerics::signal::{C64, power};
use std::sync::Arc;

/// `ŝ = C_s (C_s + κ² C_b)⁻¹ y` on consecutive blocks of `block` samples
/// from the frame start (the last block zero-padded), with Toeplitz
/// covariances from the stationary autocorrelations of the training SOIs and
/// of the training interference `y − s` (each scaled to unit power).
///
/// Training also diagonalises the pencil once: with `C_b = V D Vᴴ`,
/// `T = V D^{−1/2} Vᴴ` and `T C_s T = U Λ Uᴴ`, `A = T U`, the filter for any
/// `κ²` is `C_s A (Λ + κ²)⁻¹ Aᴴ`, so a new SINR (known or blind, per
/// mixture) costs no factorisation: two GEMMs per frame.
#[derive(Debug)]
pub struct BlockLmmse {
    modem: Arc<dyn Modem>,
    block: usize,
    trained: Option<Trained>,
}

#[derive(Debug)]
struct Trained {
    /// `Aᴴ`.
    a_h: Mat<C64>,
    cs_a: Mat<C64>,
    lambda: Vec<f64>,
    soi_power: f64,
    /// `tr C_s`.
    cs_trace: f64,
}

impl BlockLmmse {
    /// An untrained block LMMSE for `modem` with blocks of `block ∈ [2, 8192]` samples.
    pub fn new(modem: Arc<dyn Modem>, block: usize) -> Result<Self> {
        if !(2..=8192).contains(&block) {
            return Err(Error::invalid("block", block, "the LMMSE block length lies in [2, 8192]"));
        }
        Ok(Self { modem, block, trained: None })
    }

    /// The block length.
    pub fn block(&self) -> usize {
        self.block
    }

    /// The MSE per sample the trained filter achieves at SINR `sinr_db`
    /// (interference power `10^{−sinr/10}` against the unit-power covariance
    /// of training) if the signals had exactly the trained stationary
    /// covariances: `(tr C_s − tr C_s (C_s + γ C_b)⁻¹ C_s) / block`, from the
    /// pencil already diagonalised, `Σ_i ‖C_s a_i‖² / (λ_i + γ)` for the
    /// second trace. A closed form to compare a measured MSE with; an error
    /// before [`Separator::fit`].
    pub fn predicted_mse(&self, sinr_db: f64) -> Result<f64> {
        let t = self
            .trained
            .as_ref()
            .ok_or_else(|| Error::Training { separator: "LMMSE", reason: "predicted_mse called before fit".into() })?;
        let gamma = known_interference_power(sinr_db)?;
        let explained: f64 = t
            .lambda
            .iter()
            .enumerate()
            .map(|(i, &l)| t.cs_a.col(i).iter().map(|z| z.norm_sqr()).sum::<f64>() / (l + gamma))
            .sum();
        Ok(((t.cs_trace - explained) / self.block as f64).max(0.0))
    }
}

/// Interference components `y − s` of the examples and the gains that bring
/// each to unit power.
pub(super) fn interference_parts(separator: &'static str, examples: &[Mixture]) -> Result<(Vec<Vec<C64>>, Vec<f64>)> {
    let parts: Vec<Vec<C64>> =
        examples.iter().map(|e| e.mixture.iter().zip(&e.soi).map(|(y, s)| y - s).collect()).collect();
    let mut gains = Vec::with_capacity(parts.len());
    for (i, v) in parts.iter().enumerate() {
        let p = power(v)?;
        if p.is_nan() || p <= 0.0 {
            return Err(Error::Training { separator, reason: format!("example {i} has no interference (y = s)") });
        }
        gains.push(1.0 / p.sqrt());
    }
    Ok((parts, gains))
}

/// Eigendecomposition of a Hermitian matrix, single-threaded so that the
/// result does not depend on the thread pool (eigenvalues ascending).
fn eig(m: &Mat<C64>, what: &'static str) -> Result<(Mat<C64>, Vec<f64>)> {
    let n = m.nrows();
    let mut s = Diag::<C64>::zeros(n);
    let mut u = Mat::<C64>::zeros(n, n);
    let mut mem =
        MemBuffer::new(self_adjoint_evd_scratch::<C64>(n, ComputeEigenvectors::Yes, Par::Seq, Default::default()));
    self_adjoint_evd(m.as_ref(), s.as_mut(), Some(u.as_mut()), Par::Seq, MemStack::new(&mut mem), Default::default())
        .map_err(|_| Error::Training {
        separator: "LMMSE",
        reason: format!("the eigendecomposition of {what} did not converge"),
    })?;
    Ok((u, (0..n).map(|i| s[i].re).collect()))
}

impl Separator for BlockLmmse {
    fn name(&self) -> String {
        format!("LMMSE (blocks of {})", self.block)
    }

    fn fit(&mut self, examples: &[Mixture]) -> Result<()> {
        check_examples("LMMSE", self.modem.as_ref(), examples)?;
        let sois: Vec<&[C64]> = examples.iter().map(|e| e.soi.as_slice()).collect();
        let (parts, gains) = interference_parts("LMMSE", examples)?;
        let parts: Vec<&[C64]> = parts.iter().map(|v| v.as_slice()).collect();
        let lag = self.block - 1;
        let cs = toeplitz(&autocorrelation(&sois, &vec![1.0; sois.len()], lag)?);
        let mut cb = toeplitz(&autocorrelation(&parts, &gains, lag)?);
        let load = 1e-6 * cb[(0, 0)].re;
        (0..self.block).for_each(|i| cb[(i, i)] += load);
        let (v, d) = eig(&cb, "the interference covariance")?;
        let floor = 1e-9 * d.iter().cloned().fold(0.0, f64::max);
        let inv_sqrt: Vec<f64> = d.iter().map(|&x| 1.0 / x.max(floor).sqrt()).collect();
        let vd = Mat::from_fn(self.block, self.block, |i, j| v[(i, j)] * inv_sqrt[j]);
        let t = product(vd.as_ref(), v.adjoint().to_owned().as_ref());
        let pencil = product(product(t.as_ref(), cs.as_ref()).as_ref(), t.as_ref());
        let (u, lambda) = eig(&pencil, "the whitened SOI covariance")?;
        let a = product(t.as_ref(), u.as_ref());
        let cs_a = product(cs.as_ref(), a.as_ref());
        self.trained = Some(Trained {
            a_h: a.adjoint().to_owned(),
            cs_a,
            lambda: lambda.into_iter().map(|l| l.max(0.0)).collect(),
            soi_power: mean_power(&sois)?,
            cs_trace: (0..self.block).map(|i| cs[(i, i)].re).sum(),
        });
        Ok(())
    }

    fn separate(&self, mixture: &[C64], sinr_db: Option<f64>) -> Result<Estimate> {
        let t = self
            .trained
            .as_ref()
            .ok_or_else(|| Error::Training { separator: "LMMSE", reason: "separate called before fit".into() })?;
        let gamma = interference_power(self.modem.as_ref(), mixture, sinr_db, t.soi_power)?;
        let (b, n) = (self.block, mixture.len());
        let blocks = n.div_ceil(b);
        let y = Mat::from_fn(b, blocks, |i, j| mixture.get(j * b + i).copied().unwrap_or_default());
        let mut z = product(t.a_h.as_ref(), y.as_ref());
        for (i, &l) in t.lambda.iter().enumerate() {
            let g = 1.0 / (l + gamma);
            (0..blocks).for_each(|j| z[(i, j)] *= g);
        }
        let s = product(t.cs_a.as_ref(), z.as_ref());
        let soi: Vec<C64> = (0..n).map(|k| s[(k % b, k / b)]).collect();
        let bits = self.modem.demodulate(&soi)?;
        Ok(Estimate { soi, bits })
    }
}
