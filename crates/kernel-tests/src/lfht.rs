//! The kernel likelihood-free hypothesis test of arXiv 2308.09043, with the
//! mixture setting.
//!
//! From simulated samples `X ~ P_X`, `Y ~ P_Y` (`n` each) and an unlabelled
//! sample `Z` (`m` points), test `H0: P_Z = P_X` against
//! `H1: P_Z = (1 − δ)P_X + δP_Y`:
//!
//! * witness `f̂(z) = (1/n) Σ_i k(Y_i, z) − (1/n) Σ_i k(X_i, z)`;
//! * statistic `T = (1/m) Σ_j f̂(Z_j)`;
//! * threshold `γ(δ) = (δ/2 − 1) K_XX^U + (1 − δ) K_XY + (δ/2) K_YY^U`, the
//!   midpoint of `E[T | H0]` and `E[T | H1]` (`δ = 1`: "Z is closer to Y
//!   than to X in MMD");
//! * reject `H0` iff `T ≥ γ`.
//!
//! Calibration: the Gaussian approximation of the paper's Higgs code
//! ([`gaussian_errors`]) and resampling `Z`-sets from a held-out pool of
//! `P_X` ([`resampled_threshold`]); `T` of a `Z`-set is the mean of its
//! points' witness scores, so calibration costs no kernel evaluations.

use crate::error::{Error, Result};
use crate::kernel::{Kernel, check_pair};
use crate::mmd::{check_finite, embedded_sums, for_blocks};
use faer::{MatRef, Par};
use infoflow_numerics::special::q_function;
use infoflow_numerics::stats::{Interval, Welford, wilson_interval};
use rand::Rng;
use rand::seq::SliceRandom;

fn check_delta(delta: f64) -> Result<()> {
    if delta > 0.0 && delta <= 1.0 {
        Ok(())
    } else {
        Err(Error::invalid("delta", delta, "the mixture proportion lies in (0, 1]"))
    }
}

fn check_samples(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Result<()> {
    check_pair(x, y)?;
    check_finite("sample x", x)?;
    check_finite("sample y", y)?;
    if x.nrows() < 2 || y.nrows() < 2 {
        return Err(Error::Shape {
            context: "simulated samples",
            expected: "at least 2 points each".into(),
            found: format!("{} and {}", x.nrows(), y.nrows()),
        });
    }
    Ok(())
}

/// The witness scores `f̂(z_j)` of the rows of `z`.
pub fn witness_scores(
    kernel: &dyn Kernel,
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    z: MatRef<'_, f64>,
    par: Par,
) -> Result<Vec<f64>> {
    check_samples(x, y)?;
    check_pair(x, z)?;
    check_finite("sample z", z)?;
    let (ex, ey, ez) = (kernel.embed(x)?, kernel.embed(y)?, kernel.embed(z)?);
    embedded_witness(kernel, [ex.as_ref(), ey.as_ref()], ez.as_ref(), par)
}

/// [`witness_scores`] of embedded samples.
fn embedded_witness(
    kernel: &dyn Kernel,
    [x, y]: [MatRef<'_, f64>; 2],
    z: MatRef<'_, f64>,
    par: Par,
) -> Result<Vec<f64>> {
    let mut f = vec![0.0; z.nrows()];
    for (sample, sign) in [(y, 1.0), (x, -1.0)] {
        let w = sign / sample.nrows() as f64;
        for_blocks(kernel, sample, z, par, |_, j0, k| {
            for j in 0..k.ncols() {
                f[j0 + j] += w * k.col_as_slice(j).iter().sum::<f64>();
            }
        })?;
    }
    Ok(f)
}

/// The threshold `γ(δ)` (see the module docs), `δ ∈ (0, 1]`.
pub fn gamma(kernel: &dyn Kernel, x: MatRef<'_, f64>, y: MatRef<'_, f64>, delta: f64, par: Par) -> Result<f64> {
    check_delta(delta)?;
    check_samples(x, y)?;
    let (ex, ey) = (kernel.embed(x)?, kernel.embed(y)?);
    embedded_gamma(kernel, [ex.as_ref(), ey.as_ref()], delta, par)
}

/// [`gamma`] of embedded samples.
fn embedded_gamma(kernel: &dyn Kernel, [x, y]: [MatRef<'_, f64>; 2], delta: f64, par: Par) -> Result<f64> {
    let [sx, sy, sxy] = embedded_sums(kernel, x, y, par)?;
    let (n, m) = (x.nrows() as f64, y.nrows() as f64);
    let kxx = (sx.total - sx.diag.iter().sum::<f64>()) / (n * (n - 1.0));
    let kyy = (sy.total - sy.diag.iter().sum::<f64>()) / (m * (m - 1.0));
    let kxy = sxy.total / (n * m);
    Ok((delta / 2.0 - 1.0) * kxx + (1.0 - delta) * kxy + delta / 2.0 * kyy)
}

/// A decision of the likelihood-free test.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// `T`.
    pub statistic: f64,
    /// `γ(δ)`.
    pub threshold: f64,
    /// `T ≥ γ`: `H1` (signal present).
    pub reject: bool,
}

/// The test of `Z` against simulated `X`, `Y` at mixture proportion `δ`.
pub fn test(
    kernel: &dyn Kernel,
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    z: MatRef<'_, f64>,
    delta: f64,
    par: Par,
) -> Result<Decision> {
    if z.nrows() == 0 {
        return Err(Error::Shape {
            context: "unlabelled sample",
            expected: "at least one point".into(),
            found: "0".into(),
        });
    }
    check_delta(delta)?;
    check_samples(x, y)?;
    check_pair(x, z)?;
    check_finite("sample z", z)?;
    // Each sample embedded once for both the threshold and the scores.
    let (ex, ey, ez) = (kernel.embed(x)?, kernel.embed(y)?, kernel.embed(z)?);
    let simulated = [ex.as_ref(), ey.as_ref()];
    let threshold = embedded_gamma(kernel, simulated, delta, par)?;
    let f = embedded_witness(kernel, simulated, ez.as_ref(), par)?;
    let statistic = f.iter().sum::<f64>() / f.len() as f64;
    Ok(Decision { statistic, threshold, reject: statistic >= threshold })
}

fn mean_sd(v: &[f64]) -> Result<(f64, f64)> {
    if v.len() < 2 {
        return Err(Error::Shape {
            context: "calibration scores",
            expected: "at least 2".into(),
            found: format!("{}", v.len()),
        });
    }
    let mut w = Welford::new();
    w.extend(v.iter().copied());
    let (mean, sd) = (w.mean()?, w.std_dev()?);
    if sd == 0.0 {
        return Err(Error::invalid(
            "calibration scores",
            "constant",
            "the scores have no spread: no Gaussian calibration",
        ));
    }
    Ok((mean, sd))
}

/// The Gaussian approximation (CLT over `m`) of the errors at threshold
/// `γ`, from witness scores of calibration draws of `P_X` and `P_Y`:
/// type I `= Φ(−√m (γ − E_X f̂)/sd_X f̂)`, type II
/// `= Φ(−√m (E_mix f̂ − γ)/sd_Y f̂)` with `E_mix = (1 − δ)E_X f̂ + δ E_Y f̂`.
pub fn gaussian_errors(scores_x: &[f64], scores_y: &[f64], gamma: f64, delta: f64, m: usize) -> Result<(f64, f64)> {
    check_delta(delta)?;
    if m == 0 || !gamma.is_finite() {
        return Err(Error::invalid("m, gamma", format!("{m}, {gamma}"), "m ≥ 1 and a finite threshold"));
    }
    let ((ex, sx), (ey, sy)) = (mean_sd(scores_x)?, mean_sd(scores_y)?);
    let mix = (1.0 - delta) * ex + delta * ey;
    let rm = (m as f64).sqrt();
    Ok((q_function(rm * (gamma - ex) / sx), q_function(rm * (mix - gamma) / sy)))
}

/// The `(1 − α)` quantile of `T` over `draws` sets of `m` points drawn
/// without replacement from a held-out `P_X` pool with witness scores
/// `pool` (at least `m` of them).
pub fn resampled_threshold<R: Rng + ?Sized>(
    pool: &[f64],
    m: usize,
    draws: usize,
    alpha: f64,
    rng: &mut R,
) -> Result<f64> {
    if m == 0 || m > pool.len() || draws == 0 || !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid(
            "m, draws, alpha",
            format!("{m}, {draws}, {alpha}"),
            "1 ≤ m ≤ pool size, draws ≥ 1, α in (0, 1)",
        ));
    }
    if !infoflow_numerics::all_finite(pool) {
        return Err(Error::invalid("pool", "non-finite", "calibration scores must be finite"));
    }
    let mut idx: Vec<usize> = (0..pool.len()).collect();
    let mut stats: Vec<f64> = (0..draws)
        .map(|_| {
            let (picked, _) = idx.partial_shuffle(rng, m);
            picked.iter().map(|&i| pool[i]).sum::<f64>() / m as f64
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    let k = (((1.0 - alpha) * draws as f64).ceil() as usize).clamp(1, draws) - 1;
    Ok(stats[k])
}

/// The plug-in statistic of the discrete problem (Synthetic.py of the
/// paper's code): `‖x̂ − ẑ‖² − ‖ŷ − ẑ‖²` from the counts of the three
/// samples on the same atoms (empirical frequencies); positive values point
/// to `Y`. The likelihood-free test with the kernel `1{x = y}` and `δ = 1`.
pub fn discrete_statistic(cx: &[u32], cy: &[u32], cz: &[u32]) -> Result<f64> {
    if cx.len() != cy.len() || cx.len() != cz.len() || cx.is_empty() {
        return Err(Error::Shape {
            context: "counts",
            expected: "three count vectors on the same atoms".into(),
            found: format!("{}, {}, {}", cx.len(), cy.len(), cz.len()),
        });
    }
    let total = |c: &[u32]| c.iter().map(|&v| v as f64).sum::<f64>();
    let (n, m, k) = (total(cx), total(cy), total(cz));
    if n == 0.0 || m == 0.0 || k == 0.0 {
        return Err(Error::invalid("counts", 0, "every sample has at least one point"));
    }
    Ok((0..cx.len())
        .map(|i| {
            let z = cz[i] as f64 / k;
            (cx[i] as f64 / n - z).powi(2) - (cy[i] as f64 / m - z).powi(2)
        })
        .sum())
}

/// An error count over repeated tests, with its Wilson interval.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErrorRate {
    /// Wrong decisions.
    pub errors: u64,
    /// Tests.
    pub trials: u64,
}

impl ErrorRate {
    /// `errors/trials`.
    pub fn rate(&self) -> f64 {
        self.errors as f64 / self.trials.max(1) as f64
    }
    /// The Wilson interval at `confidence`.
    pub fn interval(&self, confidence: f64) -> Result<Interval> {
        Ok(wilson_interval(self.errors, self.trials, confidence)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Gaussian;
    use crate::mmd::unbiased;
    use faer::Mat;
    use infoflow_numerics::linalg::gaussian_matrix;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn delta_one_is_the_mmd_comparison_and_the_test_works() {
        let mut rng = Streams::for_point(1, "kernel-tests.lfht", "basic").stream(0);
        let shift =
            |m: Mat<f64>, s: f64| Mat::from_fn(m.nrows(), m.ncols(), |i, j| m[(i, j)] + if j == 0 { s } else { 0.0 });
        let x = gaussian_matrix(200, 2, &mut rng);
        let y = shift(gaussian_matrix(200, 2, &mut rng), 1.0);
        let z = shift(gaussian_matrix(150, 2, &mut rng), 1.0);
        let k = Gaussian::new(1.0).unwrap();
        // T − γ(1) = (MMD²_u(X, Z) − MMD²_u(Y, Z))/2.
        let d = test(&k, x.as_ref(), y.as_ref(), z.as_ref(), 1.0, Par::Seq).unwrap();
        let lhs = d.statistic - d.threshold;
        let rhs = 0.5
            * (unbiased(&k, x.as_ref(), z.as_ref(), Par::Seq).unwrap().mmd2
                - unbiased(&k, y.as_ref(), z.as_ref(), Par::Seq).unwrap().mmd2);
        assert!((lhs - rhs).abs() < 1e-12, "{lhs} vs {rhs}");
        assert!(d.reject);
        let z0 = gaussian_matrix(150, 2, &mut rng);
        assert!(!test(&k, x.as_ref(), y.as_ref(), z0.as_ref(), 1.0, Par::Seq).unwrap().reject);
        // Mixture δ = 0.5: γ moves halfway towards E[T | H0].
        let g1 = gamma(&k, x.as_ref(), y.as_ref(), 1.0, Par::Seq).unwrap();
        let g5 = gamma(&k, x.as_ref(), y.as_ref(), 0.5, Par::Seq).unwrap();
        assert!(g5 < g1);
        assert!(gamma(&k, x.as_ref(), y.as_ref(), 0.0, Par::Seq).is_err());
        assert!(gamma(&k, x.as_ref(), y.as_ref(), 1.5, Par::Seq).is_err());
        assert!(test(&k, x.as_ref(), y.as_ref(), Mat::<f64>::zeros(0, 2).as_ref(), 1.0, Par::Seq).is_err());
        // Calibration from witness scores.
        let pool =
            witness_scores(&k, x.as_ref(), y.as_ref(), gaussian_matrix(2000, 2, &mut rng).as_ref(), Par::Seq).unwrap();
        let ys = witness_scores(
            &k,
            x.as_ref(),
            y.as_ref(),
            shift(gaussian_matrix(2000, 2, &mut rng), 1.0).as_ref(),
            Par::Seq,
        )
        .unwrap();
        let t = resampled_threshold(&pool, 50, 400, 0.05, &mut rng).unwrap();
        let (e1, e2) = gaussian_errors(&pool, &ys, t, 1.0, 50).unwrap();
        assert!((e1 - 0.05).abs() < 0.03, "{e1}");
        assert!(e2 < 0.05, "{e2}");
        assert!(resampled_threshold(&pool, 5000, 10, 0.05, &mut rng).is_err());
        assert!(gaussian_errors(&pool[..1], &ys, t, 1.0, 50).is_err());
        assert_eq!(discrete_statistic(&[2, 0], &[0, 2], &[1, 0]).unwrap(), -2.0);
        assert!(discrete_statistic(&[1], &[1, 2], &[1]).is_err());
        let r = ErrorRate { errors: 3, trials: 100 };
        assert!(r.interval(0.99).unwrap().contains(0.03));
    }
}
