//! The score of a stationary circular Gaussian known by its spectrum.

use super::{Score, check_frame};
use crate::error::{Error, Result};
use crate::schedule::Level;
use infoflow_numerics::signal::{C64, fft_plans};

/// A circular Gaussian frame `b` with circulant covariance `C = Fᴴ diag(S) F`
/// (`F` the unitary DFT, `S` the power spectral density on the frame's FFT
/// bins, mean power `Σ S_k / n`): the model of an interference known only by
/// its spectrum. Smoothed, `x̃ = √ᾱ b + σ w` is Gaussian with covariance
/// `ᾱ C + 2σ² I` (complex), so
///
/// ```text
/// ∇ log p_t(x̃) = −2 (ᾱ C + 2σ² I)⁻¹ x̃ = Fᴴ [ −2 X_k / (ᾱ S_k + 2σ²) ],
/// ```
///
/// two FFTs per frame, exact for the circulant covariance (a stationary
/// covariance is circulant up to its wrap-around at the frame's ends).
#[derive(Clone, Debug)]
pub struct StationaryGaussian {
    psd: Vec<f64>,
}

impl StationaryGaussian {
    /// From the PSD on the `n` FFT bins (bin 0 = DC), each finite and ≥ 0.
    pub fn from_psd(psd: Vec<f64>) -> Result<Self> {
        if psd.len() < 2 || psd.iter().any(|s| !(s.is_finite() && *s >= 0.0)) {
            return Err(Error::invalid(
                "psd",
                psd.len(),
                "a power spectral density has at least two bins, each finite and non-negative",
            ));
        }
        Ok(Self { psd })
    }

    /// From the autocorrelation `r(τ) = E[b(n + τ) b*(n)]`, `τ = 0 … L`
    /// (`L < n/2`), on frames of `n` samples: `S_k = Σ_{|τ| ≤ L} r(τ) e^{−2πikτ/n}`,
    /// negative values (from a truncated or estimated `r`) clipped to 0.
    pub fn from_autocorrelation(r: &[C64], n: usize) -> Result<Self> {
        if r.is_empty()
            || 2 * r.len() > n
            || !infoflow_numerics::all_finite(infoflow_numerics::signal::as_interleaved(r))
        {
            return Err(Error::invalid(
                "autocorrelation",
                r.len(),
                "the autocorrelation has 1 … n/2 finite lags for frames of n samples",
            ));
        }
        let mut buf = vec![C64::new(0.0, 0.0); n];
        buf[0] = r[0];
        for (t, &v) in r.iter().enumerate().skip(1) {
            buf[t] = v;
            buf[n - t] = v.conj();
        }
        fft_plans().forward(n).process(&mut buf);
        Self::from_psd(buf.iter().map(|z| z.re.max(0.0)).collect())
    }

    /// The PSD.
    pub fn psd(&self) -> &[f64] {
        &self.psd
    }
}

impl Score for StationaryGaussian {
    fn name(&self) -> String {
        "stationary Gaussian score".into()
    }

    fn frame_len(&self) -> usize {
        self.psd.len()
    }

    fn score(&self, x: &[C64], level: Level, out: &mut [C64]) -> Result<()> {
        check_frame(self.psd.len(), x, out.len())?;
        let n = self.psd.len();
        out.copy_from_slice(x);
        fft_plans().forward(n).process(out);
        let s2 = 2.0 * level.sigma * level.sigma;
        let a = level.scale * level.scale;
        // Unnormalised forward and inverse FFTs: divide by n once.
        for (z, &s) in out.iter_mut().zip(&self.psd) {
            *z *= -2.0 / ((a * s + s2) * n as f64);
        }
        fft_plans().inverse(n).process(out);
        Ok(())
    }

    fn log_density(&self, x: &[C64], level: Level) -> Result<Option<f64>> {
        check_frame(self.psd.len(), x, x.len())?;
        let n = self.psd.len();
        let mut spec = x.to_vec();
        fft_plans().forward(n).process(&mut spec);
        let (s2, a) = (2.0 * level.sigma * level.sigma, level.scale * level.scale);
        Ok(Some(
            spec.iter()
                .zip(&self.psd)
                .map(|(z, &s)| {
                    let l = a * s + s2;
                    -z.norm_sqr() / (n as f64 * l) - (std::f64::consts::PI * l).ln()
                })
                .sum(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;
    use faer::linalg::solvers::Solve;

    #[test]
    fn equals_the_dense_covariance_formula() {
        let n = 24;
        let psd: Vec<f64> = (0..n).map(|k| 0.2 + ((k * 7) % 5) as f64 * 0.3).collect();
        let model = StationaryGaussian::from_psd(psd.clone()).unwrap();
        // C_ij = (1/n) Σ_k S_k e^{2πik(i−j)/n}.
        let c = Mat::<C64>::from_fn(n, n, |i, j| {
            (0..n)
                .map(|k| C64::from_polar(psd[k], 2.0 * std::f64::consts::PI * (k * (i + n - j)) as f64 / n as f64))
                .sum::<C64>()
                / n as f64
        });
        let level = Level::custom(0.8, 0.6).unwrap();
        let k = Mat::<C64>::from_fn(n, n, |i, j| {
            c[(i, j)] * 0.64 + if i == j { C64::new(2.0 * 0.36, 0.0) } else { C64::new(0.0, 0.0) }
        });
        let x: Vec<C64> = (0..n).map(|i| C64::new((i as f64 * 0.37).sin(), (i as f64 * 0.91).cos())).collect();
        let xm = Mat::<C64>::from_fn(n, 1, |i, _| x[i]);
        let lu = k.partial_piv_lu();
        let sol = lu.solve(&xm);
        let mut score = vec![C64::new(0.0, 0.0); n];
        model.score(&x, level, &mut score).unwrap();
        for i in 0..n {
            assert!((score[i] + sol[(i, 0)] * 2.0).norm() < 1e-12, "{i}");
        }
        // log p = −xᴴK⁻¹x − log det(πK); det from the eigenvalues ᾱS + 2σ².
        let quad: f64 = (0..n).map(|i| (x[i].conj() * sol[(i, 0)]).re).sum();
        let logdet: f64 = psd.iter().map(|s| (std::f64::consts::PI * (0.64 * s + 0.72)).ln()).sum();
        let lp = model.log_density(&x, level).unwrap().unwrap();
        assert!((lp - (-quad - logdet)).abs() < 1e-10, "{lp} vs {}", -quad - logdet);
        assert!(StationaryGaussian::from_psd(vec![1.0, -0.1]).is_err());
        assert!(StationaryGaussian::from_psd(vec![1.0, f64::NAN]).is_err());
        assert!(model.score(&x[1..], level, &mut score[1..]).is_err());
    }

    #[test]
    fn from_autocorrelation_of_white_noise_is_flat() {
        let g = StationaryGaussian::from_autocorrelation(&[C64::new(2.0, 0.0)], 16).unwrap();
        assert!(g.psd().iter().all(|&s| (s - 2.0).abs() < 1e-12));
        assert!(StationaryGaussian::from_autocorrelation(&[C64::new(1.0, 0.0); 9], 16).is_err());
    }
}
