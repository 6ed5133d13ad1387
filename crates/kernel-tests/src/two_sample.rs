//! The MMD two-sample permutation test.
//!
//! The pooled sample `Z = [X; Y]` (`N = n + m` rows) is relabelled `P` times;
//! every relabelling's `MMD²_u` follows from three quantities of the pooled
//! kernel matrix `K`: with `a ∈ {0, 1}^N` marking the `n` points called `X`,
//! `q = aᵀKa`, `l = aᵀK1`, and the diagonal, since
//! `S_XX = q − a·diag`, `S_XY = l − q`, `S_YY = 1ᵀK1 − 2l + q − (1 − a)·diag`.
//! `KA` for all relabellings at once is one blocked GEMM per block of `K`,
//! so `K` is evaluated once and never stored whole.

use crate::error::{Error, Result};
use crate::kernel::{Kernel, check_pair};
use crate::mmd::{BLOCK, check_finite};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rand::Rng;
use rand::seq::SliceRandom;

/// The outcome of a test at level `α`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TestResult {
    /// The observed statistic.
    pub statistic: f64,
    /// The permutation p-value `(1 + #{T_p ≥ T})/(1 + P)`.
    pub p_value: f64,
    /// The `(1 − α)` quantile of the permutation statistics.
    pub threshold: f64,
    /// Whether `p ≤ α`.
    pub reject: bool,
}

/// The two-sample permutation test of `P(X) = P(Y)` with `MMD²_u`,
/// `permutations ≥ 1` relabellings, level `α ∈ (0, 1)`.
pub fn permutation_test<R: Rng + ?Sized>(
    kernel: &dyn Kernel,
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    permutations: usize,
    alpha: f64,
    par: Par,
    rng: &mut R,
) -> Result<TestResult> {
    if permutations == 0 || !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid(
            "permutations, alpha",
            format!("{permutations}, {alpha}"),
            "at least one permutation and α in (0, 1)",
        ));
    }
    let (n, total) = (x.nrows(), x.nrows() + y.nrows());
    let mut labels: Vec<usize> = (0..total).collect();
    let mut sets = vec![(0..n).collect::<Vec<usize>>()];
    for _ in 0..permutations {
        labels.shuffle(rng);
        sets.push(labels[..n].to_vec());
    }
    let stats = permutation_statistics(kernel, x, y, &sets, par)?;
    let observed = stats[0];
    let mut null = stats[1..].to_vec();
    let exceed = null.iter().filter(|&&t| t >= observed).count();
    null.sort_by(f64::total_cmp);
    let idx = (((1.0 - alpha) * permutations as f64).ceil() as usize).clamp(1, permutations) - 1;
    let p_value = (1 + exceed) as f64 / (1 + permutations) as f64;
    Ok(TestResult { statistic: observed, p_value, threshold: null[idx], reject: p_value <= alpha })
}

/// `MMD²_u` of every relabelling of the pooled sample `[X; Y]`: each entry
/// of `x_sets` lists the `n` pooled indices called `X` (indices `< n` are
/// rows of `x`, the rest rows of `y`). One pass over the pooled kernel
/// matrix serves all of them (see the module docs).
pub fn permutation_statistics(
    kernel: &dyn Kernel,
    x: MatRef<'_, f64>,
    y: MatRef<'_, f64>,
    x_sets: &[Vec<usize>],
    par: Par,
) -> Result<Vec<f64>> {
    check_pair(x, y)?;
    check_finite("sample x", x)?;
    check_finite("sample y", y)?;
    let (n, m) = (x.nrows(), y.nrows());
    if n < 2 || m < 2 {
        return Err(Error::Shape {
            context: "sample sizes",
            expected: "at least 2 points in each sample".into(),
            found: format!("{n} and {m}"),
        });
    }
    let total_n = n + m;
    for set in x_sets {
        let mut seen = vec![false; total_n];
        if set.len() != n || set.iter().any(|&i| i >= total_n || std::mem::replace(&mut seen[i], true)) {
            return Err(Error::invalid("relabelling", set.len(), "each relabelling lists n distinct pooled indices"));
        }
    }
    // Each sample embedded once (features of a learned kernel), then pooled.
    let (ex, ey) = (kernel.embed(x)?, kernel.embed(y)?);
    let (ex, ey) = (ex.as_ref(), ey.as_ref());
    check_pair(ex, ey)?;
    let z = Mat::from_fn(total_n, ex.ncols(), |i, j| if i < n { ex[(i, j)] } else { ey[(i - n, j)] });
    // One column per relabelling, and a last column of ones.
    let cols = x_sets.len() + 1;
    let mut a = Mat::<f64>::zeros(total_n, cols);
    for (c, set) in x_sets.iter().enumerate() {
        set.iter().for_each(|&i| a[(i, c)] = 1.0);
    }
    (0..total_n).for_each(|i| a[(i, cols - 1)] = 1.0);
    let mut ka = Mat::<f64>::zeros(total_n, cols);
    let mut diag = vec![0.0; total_n];
    // Blocks on and above the diagonal only: K_JI = K_IJᵀ serves the other half.
    let mut k = Mat::new();
    for i0 in (0..total_n).step_by(BLOCK) {
        let li = BLOCK.min(total_n - i0);
        for j0 in (i0..total_n).step_by(BLOCK) {
            let lj = BLOCK.min(total_n - j0);
            kernel.block_into(z.as_ref().subrows(i0, li), z.as_ref().subrows(j0, lj), par, &mut k)?;
            matmul(ka.as_mut().subrows_mut(i0, li), Accum::Add, k.as_ref(), a.as_ref().subrows(j0, lj), 1.0, par);
            if i0 == j0 {
                (0..li).for_each(|i| diag[i0 + i] = k[(i, i)]);
            } else {
                matmul(
                    ka.as_mut().subrows_mut(j0, lj),
                    Accum::Add,
                    k.transpose(),
                    a.as_ref().subrows(i0, li),
                    1.0,
                    par,
                );
            }
        }
    }
    let dot =
        |c1: usize, c2: usize| a.col_as_slice(c1).iter().zip(ka.col_as_slice(c2)).map(|(p, q)| p * q).sum::<f64>();
    let (ones, total_diag) = (cols - 1, diag.iter().sum::<f64>());
    let total = dot(ones, ones);
    let (nf, mf) = (n as f64, m as f64);
    Ok((0..x_sets.len())
        .map(|c| {
            let (q, l) = (dot(c, c), dot(c, ones));
            let dx: f64 = a.col_as_slice(c).iter().zip(&diag).map(|(p, d)| p * d).sum();
            let sxx = q - dx;
            let sxy = l - q;
            let syy = total - 2.0 * l + q - (total_diag - dx);
            sxx / (nf * (nf - 1.0)) + syy / (mf * (mf - 1.0)) - 2.0 * sxy / (nf * mf)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Gaussian;
    use crate::mmd::unbiased;
    use infoflow_numerics::linalg::gaussian_matrix;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn observed_statistic_is_mmd_u_and_the_test_separates() {
        let mut rng = Streams::for_point(1, "kernel-tests.two-sample", "shift").stream(0);
        let x = gaussian_matrix(60, 2, &mut rng);
        let mut y = gaussian_matrix(45, 2, &mut rng);
        (0..45).for_each(|i| y[(i, 0)] += 1.5);
        let k = Gaussian::new(1.0).unwrap();
        let t = permutation_test(&k, x.as_ref(), y.as_ref(), 200, 0.05, Par::Seq, &mut rng).unwrap();
        let u = unbiased(&k, x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        assert!((t.statistic - u.mmd2).abs() < 1e-12);
        assert!(t.reject && t.p_value < 0.01, "{t:?}");
        let same = gaussian_matrix(45, 2, &mut rng);
        let t0 = permutation_test(&k, x.as_ref(), same.as_ref(), 200, 0.05, Par::Seq, &mut rng).unwrap();
        assert!(t0.p_value > 0.01, "{t0:?}");
        assert!(permutation_test(&k, x.as_ref(), same.as_ref(), 0, 0.05, Par::Seq, &mut rng).is_err());
        assert!(permutation_test(&k, x.as_ref(), same.as_ref(), 10, 1.5, Par::Seq, &mut rng).is_err());
        assert!(permutation_test(&k, x.as_ref().subrows(0, 1), same.as_ref(), 10, 0.05, Par::Seq, &mut rng).is_err());
        // Given relabellings: the identity is the observed statistic; repeated indices are an error.
        let identity: Vec<usize> = (0..60).collect();
        let s = permutation_statistics(&k, x.as_ref(), y.as_ref(), &[identity], Par::Seq).unwrap();
        assert!((s[0] - u.mmd2).abs() < 1e-12);
        let bad = vec![vec![0; 60]];
        assert!(permutation_statistics(&k, x.as_ref(), y.as_ref(), &bad, Par::Seq).is_err());
    }
}
