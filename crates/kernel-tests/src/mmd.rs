//! MMD² estimators and their variances, computed block by block so that no
//! `n × m` kernel matrix is ever stored (`n = m = 10⁵` needs `O(B²)` memory
//! for blocks of `B` rows, [`BLOCK`] by default).
//!
//! * [`unbiased`]: `MMD²_u = S_XX/(n(n−1)) + S_YY/(m(m−1)) − 2 S_XY/(nm)`
//!   with the diagonals left out of `S_XX`, `S_YY`;
//! * [`biased`]: the V-statistic, diagonals included;
//! * [`linear`]: the linear-time statistic on `⌊min(n, m)/2⌋` disjoint pairs.
//!
//! Variances (of the estimator): for `n = m` the `H1` variance of Liu et al.
//! (2020), `σ̂²_H1/n` with `σ̂²_H1 = 4[(1/n³) Σ_i (Σ_j H_ij)² − ((1/n²) Σ_ij H_ij)²]`,
//! `H_ij = k(x_i, x_j) + k(y_i, y_j) − k(x_i, y_j) − k(x_j, y_i)` (their
//! power proxy `MMD²/σ̂_H1` is [`Estimate::power_proxy`] up to the factor
//! `√n`, which does not change which kernel maximises it); for `n ≠ m` the first-order
//! (Hoeffding) variance `4 Var(g_X)/n + 4 Var(g_Y)/m`; for the linear
//! statistic the sample variance of its terms over the number of pairs.

use crate::error::{Error, Result};
use crate::kernel::{Kernel, check_pair};
use faer::{Mat, MatRef, Par};
use infoflow_numerics::linalg::ensure_finite_mat;
use infoflow_numerics::stats::Welford;
use multiversion::multiversion;

/// Rows per block of kernel evaluations.
pub const BLOCK: usize = 512;

/// An MMD² estimate with the variance of the estimator.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The estimate of `MMD²`.
    pub mmd2: f64,
    /// The estimated variance of the estimator.
    pub variance: f64,
}

impl Estimate {
    /// The power proxy `MMD²/√(Var + 10⁻⁸)` (Liu et al.'s, up to `√n`).
    pub fn power_proxy(&self) -> f64 {
        self.mmd2 / (self.variance.max(0.0) + 1e-8).sqrt()
    }
}

/// Row sums, column sums, total and (for `k(A, A)` only) the diagonal of
/// `k(A, B)`, by blocks.
pub(crate) struct Sums {
    pub rows: Vec<f64>,
    pub cols: Vec<f64>,
    pub diag: Vec<f64>,
    pub total: f64,
}

/// Checks that every entry of a sample is finite.
pub(crate) fn check_finite(name: &'static str, m: MatRef<'_, f64>) -> Result<()> {
    Ok(ensure_finite_mat(name, m)?)
}

/// Visits every block `k(A_I, B_J)` of embedded rows (see
/// [`Kernel::embed`]) with its row and column offsets.
pub(crate) fn for_blocks(
    kernel: &dyn Kernel,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    par: Par,
    mut f: impl FnMut(usize, usize, &Mat<f64>),
) -> Result<()> {
    let mut k = Mat::new();
    for i0 in (0..a.nrows()).step_by(BLOCK) {
        let ai = a.subrows(i0, BLOCK.min(a.nrows() - i0));
        for j0 in (0..b.nrows()).step_by(BLOCK) {
            let bj = b.subrows(j0, BLOCK.min(b.nrows() - j0));
            kernel.block_into(ai, bj, par, &mut k)?;
            f(i0, j0, &k);
        }
    }
    Ok(())
}

/// [`Sums`] of `k(A, B)` for embedded rows `a`, `b` (`same`: `b` is `a`).
pub(crate) fn sums(kernel: &dyn Kernel, a: MatRef<'_, f64>, b: MatRef<'_, f64>, same: bool, par: Par) -> Result<Sums> {
    if same {
        return symmetric_sums(kernel, a, par);
    }
    let mut s = Sums { rows: vec![0.0; a.nrows()], cols: vec![0.0; b.nrows()], diag: Vec::new(), total: 0.0 };
    for_blocks(kernel, a, b, par, |i0, j0, k| {
        for j in 0..k.ncols() {
            let col = k.col_as_slice(j);
            s.cols[j0 + j] += add_and_sum(&mut s.rows[i0..i0 + col.len()], col);
        }
    })?;
    s.total = s.rows.iter().sum();
    Ok(s)
}

/// [`sums`] of `k(A, A)`: only blocks on and above the diagonal are
/// evaluated (`K_JI = K_IJᵀ`), half the kernel evaluations.
fn symmetric_sums(kernel: &dyn Kernel, a: MatRef<'_, f64>, par: Par) -> Result<Sums> {
    let n = a.nrows();
    let (mut rows, mut diag) = (vec![0.0; n], vec![0.0; n]);
    let mut k = Mat::new();
    for i0 in (0..n).step_by(BLOCK) {
        let li = BLOCK.min(n - i0);
        for j0 in (i0..n).step_by(BLOCK) {
            let lj = BLOCK.min(n - j0);
            kernel.block_into(a.subrows(i0, li), a.subrows(j0, lj), par, &mut k)?;
            for j in 0..lj {
                let col = k.col_as_slice(j);
                let sum = add_and_sum(&mut rows[i0..i0 + li], col);
                if j0 > i0 {
                    rows[j0 + j] += sum;
                } else {
                    diag[j0 + j] = col[j];
                }
            }
        }
    }
    let total = rows.iter().sum();
    Ok(Sums { cols: rows.clone(), rows, diag, total })
}

/// `rows += col` and the sum of `col`, the latter in a fixed order that
/// vectorises (eight interleaved partial sums, then `((s0 + s4) + (s2 + s6))
/// + ((s1 + s5) + (s3 + s7))`, then the remainder in order); compiled for
/// AVX-512, AVX2 and SSE4.1 with the same operations in every version.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "x86_64+sse4.1"))]
fn add_and_sum(rows: &mut [f64], col: &[f64]) -> f64 {
    for (r, v) in rows.iter_mut().zip(col) {
        *r += v;
    }
    let mut lanes = [0.0; 8];
    let chunks = col.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, v) in lanes.iter_mut().zip(c) {
            *l += v;
        }
    }
    let half = [lanes[0] + lanes[4], lanes[1] + lanes[5], lanes[2] + lanes[6], lanes[3] + lanes[7]];
    rest.iter().fold((half[0] + half[2]) + (half[1] + half[3]), |acc, v| acc + v)
}

/// The [`Sums`] of `k(X, X)`, `k(Y, Y)` and `k(X, Y)`, each sample
/// embedded once.
pub(crate) fn all_sums(kernel: &dyn Kernel, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par) -> Result<[Sums; 3]> {
    let (ex, ey) = (kernel.embed(x)?, kernel.embed(y)?);
    embedded_sums(kernel, ex.as_ref(), ey.as_ref(), par)
}

/// [`all_sums`] of embedded rows.
pub(crate) fn embedded_sums(
    kernel: &dyn Kernel,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    par: Par,
) -> Result<[Sums; 3]> {
    Ok([sums(kernel, a, a, true, par)?, sums(kernel, b, b, true, par)?, sums(kernel, a, b, false, par)?])
}

fn check(x: MatRef<'_, f64>, y: MatRef<'_, f64>, min: usize) -> Result<()> {
    check_pair(x, y)?;
    check_finite("sample x", x)?;
    check_finite("sample y", y)?;
    if x.nrows() < min || y.nrows() < min {
        return Err(Error::Shape {
            context: "sample sizes",
            expected: format!("at least {min} points in each sample"),
            found: format!("{} and {}", x.nrows(), y.nrows()),
        });
    }
    Ok(())
}

fn variance(sx: &Sums, sy: &Sums, sxy: &Sums, n: f64, m: f64, unbiased: bool) -> f64 {
    if n == m && sx.rows.len() == sy.rows.len() {
        // Liu et al.: row sums of H, diagonals included.
        let r: Vec<f64> = (0..sx.rows.len()).map(|i| sx.rows[i] + sy.rows[i] - sxy.rows[i] - sxy.cols[i]).collect();
        let v1 = r.iter().map(|v| (v / n) * (v / n)).sum::<f64>() / n;
        let v2 = r.iter().sum::<f64>() / (n * n);
        // Liu et al.'s σ̂²_H1 is the variance of √n·MMD²_u.
        return 4.0 * (v1 - v2 * v2) / n;
    }
    // First-order projections g_X(x_i), g_Y(y_j).
    let (dx, dy) = if unbiased { (1.0, 1.0) } else { (0.0, 0.0) };
    let gx: Vec<f64> =
        (0..sx.rows.len()).map(|i| (sx.rows[i] - dx * sx.diag[i]) / (n - dx) - sxy.rows[i] / m).collect();
    let gy: Vec<f64> =
        (0..sy.rows.len()).map(|j| (sy.rows[j] - dy * sy.diag[j]) / (m - dy) - sxy.cols[j] / n).collect();
    let var = |g: &[f64]| {
        let mut w = Welford::new();
        w.extend(g.iter().copied());
        w.variance().unwrap_or(0.0)
    };
    4.0 * var(&gx) / n + 4.0 * var(&gy) / m
}

/// The population `MMD²` of `N(0, I_d)` and `N(θ, I_d)` under the Gaussian
/// kernel `exp(−‖x − y‖²/(2ℓ²))`, in closed form:
/// `2 (ℓ²/(ℓ² + 2))^{d/2} (1 − exp(−‖θ‖²/(2(ℓ² + 2))))` (each expectation
/// `E k(X, Y)` is a Gaussian integral). `theta2` is `‖θ‖²`. An error for a
/// non-positive or non-finite `ℓ` or a negative or non-finite `‖θ‖²`.
pub fn gaussian_shift_mmd2(d: usize, ell: f64, theta2: f64) -> Result<f64> {
    if !(ell > 0.0 && ell.is_finite()) {
        return Err(Error::invalid("bandwidth", ell, "positive and finite"));
    }
    if !(theta2 >= 0.0 && theta2.is_finite()) {
        return Err(Error::invalid("|theta|^2", theta2, "non-negative and finite"));
    }
    let r = ell * ell / (ell * ell + 2.0);
    Ok(2.0 * r.powf(d as f64 / 2.0) * (1.0 - (-theta2 / (2.0 * (ell * ell + 2.0))).exp()))
}

/// The unbiased `MMD²_u` of samples `x` (`n × d`) and `y` (`m × d`),
/// `n, m ≥ 2`, with its variance (see the module docs).
pub fn unbiased(kernel: &dyn Kernel, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par) -> Result<Estimate> {
    check(x, y, 2)?;
    let (n, m) = (x.nrows() as f64, y.nrows() as f64);
    let [sx, sy, sxy] = all_sums(kernel, x, y, par)?;
    let (trx, try_) = (sx.diag.iter().sum::<f64>(), sy.diag.iter().sum::<f64>());
    let mmd2 = (sx.total - trx) / (n * (n - 1.0)) + (sy.total - try_) / (m * (m - 1.0)) - 2.0 * sxy.total / (n * m);
    Ok(Estimate { mmd2, variance: variance(&sx, &sy, &sxy, n, m, true) })
}

/// The biased (V-statistic) `MMD²_b`, diagonals included, with its variance.
pub fn biased(kernel: &dyn Kernel, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par) -> Result<Estimate> {
    check(x, y, 1)?;
    let (n, m) = (x.nrows() as f64, y.nrows() as f64);
    let [sx, sy, sxy] = all_sums(kernel, x, y, par)?;
    let mmd2 = sx.total / (n * n) + sy.total / (m * m) - 2.0 * sxy.total / (n * m);
    Ok(Estimate { mmd2, variance: variance(&sx, &sy, &sxy, n, m, false) })
}

/// The linear-time statistic on pairs `(x_{2i}, x_{2i+1}, y_{2i}, y_{2i+1})`,
/// `i < ⌊min(n, m)/2⌋` (at least one pair), with the variance of its mean.
pub fn linear(kernel: &dyn Kernel, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par) -> Result<Estimate> {
    check(x, y, 2)?;
    let pairs = x.nrows().min(y.nrows()) / 2;
    let take = |m: MatRef<'_, f64>, off: usize| Mat::from_fn(pairs, m.ncols(), |i, j| m[(2 * i + off, j)]);
    let (ex, ey) = (kernel.embed(x)?, kernel.embed(y)?);
    let (x0, x1, y0, y1) = (take(ex.as_ref(), 0), take(ex.as_ref(), 1), take(ey.as_ref(), 0), take(ey.as_ref(), 1));
    let mut k = Mat::new();
    let mut diag = |a: &Mat<f64>, b: &Mat<f64>| -> Result<Vec<f64>> {
        let mut d = vec![0.0; pairs];
        for i0 in (0..pairs).step_by(256) {
            let len = 256.min(pairs - i0);
            kernel.block_into(a.as_ref().subrows(i0, len), b.as_ref().subrows(i0, len), par, &mut k)?;
            (0..len).for_each(|i| d[i0 + i] = k[(i, i)]);
        }
        Ok(d)
    };
    let (kxx, kyy, kxy, kyx) = (diag(&x0, &x1)?, diag(&y0, &y1)?, diag(&x0, &y1)?, diag(&x1, &y0)?);
    let h: Vec<f64> = (0..pairs).map(|i| kxx[i] + kyy[i] - kxy[i] - kyx[i]).collect();
    let p = pairs as f64;
    let mut w = Welford::new();
    w.extend(h.iter().copied());
    Ok(Estimate { mmd2: w.mean()?, variance: w.variance().map_or(0.0, |v| v / p) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Gaussian;
    use infoflow_numerics::linalg::gaussian_matrix;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn lane_sums_add_rows_and_sum_columns() {
        for len in [0, 1, 7, 8, 9, 64, 515] {
            let col: Vec<f64> = (0..len).map(|i| 1.0 / (i as f64 + 1.0)).collect();
            let mut rows = vec![1.0; len];
            let sum = add_and_sum(&mut rows, &col);
            assert!((sum - col.iter().sum::<f64>()).abs() < 1e-13, "{len}");
            assert!(rows.iter().zip(&col).all(|(r, c)| *r == 1.0 + c));
        }
    }

    #[test]
    fn estimators_on_a_gaussian_shift_and_against_direct_sums() {
        assert!((gaussian_shift_mmd2(1, 1.0, 1.0).unwrap() - 0.17727).abs() < 1e-5);
        let mut rng = Streams::for_point(1, "kernel-tests.mmd", "shift").stream(0);
        let n = 3000;
        let x = gaussian_matrix(n, 2, &mut rng);
        let mut y = gaussian_matrix(n, 2, &mut rng);
        (0..n).for_each(|i| y[(i, 0)] += 1.0);
        let k = Gaussian::new(1.0).unwrap();
        let truth = gaussian_shift_mmd2(2, 1.0, 1.0).unwrap();
        assert!(gaussian_shift_mmd2(2, 0.0, 1.0).is_err() && gaussian_shift_mmd2(2, 1.0, f64::NAN).is_err());
        let u = unbiased(&k, x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        assert!((u.mmd2 - truth).abs() < 4.0 * u.variance.sqrt(), "{} vs {truth} ± {}", u.mmd2, u.variance.sqrt());
        let l = linear(&k, x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        assert!((l.mmd2 - truth).abs() < 4.0 * l.variance.sqrt());
        assert!(l.variance > u.variance);
        // Direct sums on a small sample with unequal sizes (Hoeffding variance path).
        let (a, b) = (x.as_ref().subrows(0, 7), y.as_ref().subrows(0, 5));
        let g = |p: MatRef<'_, f64>, q: MatRef<'_, f64>| k.gram(p, q, Par::Seq).unwrap();
        let (kaa, kbb, kab) = (g(a, a), g(b, b), g(a, b));
        let off = |m: &Mat<f64>| {
            (0..m.nrows())
                .flat_map(|i| (0..m.ncols()).map(move |j| (i, j)))
                .filter(|(i, j)| i != j)
                .map(|(i, j)| m[(i, j)])
                .sum::<f64>()
        };
        let all = |m: &Mat<f64>| {
            (0..m.nrows()).flat_map(|i| (0..m.ncols()).map(move |j| (i, j))).map(|(i, j)| m[(i, j)]).sum::<f64>()
        };
        let direct = off(&kaa) / 42.0 + off(&kbb) / 20.0 - 2.0 * all(&kab) / 35.0;
        assert!((unbiased(&k, a, b, Par::Seq).unwrap().mmd2 - direct).abs() < 1e-12);
        let direct_b = all(&kaa) / 49.0 + all(&kbb) / 25.0 - 2.0 * all(&kab) / 35.0;
        assert!((biased(&k, a, b, Par::Seq).unwrap().mmd2 - direct_b).abs() < 1e-12);
        assert!(unbiased(&k, a, b, Par::Seq).unwrap().variance > 0.0);
    }

    #[test]
    fn liu_variance_matches_their_formula_and_bad_input() {
        let mut rng = Streams::for_point(1, "kernel-tests.mmd", "liu").stream(0);
        let (x, y) = (gaussian_matrix(6, 2, &mut rng), gaussian_matrix(6, 2, &mut rng));
        let k = Gaussian::new(0.9).unwrap();
        let g = |p: &Mat<f64>, q: &Mat<f64>| k.gram(p.as_ref(), q.as_ref(), Par::Seq).unwrap();
        let (kx, ky, kxy) = (g(&x, &x), g(&y, &y), g(&x, &y));
        let h = Mat::from_fn(6, 6, |i, j| kx[(i, j)] + ky[(i, j)] - kxy[(i, j)] - kxy[(j, i)]);
        let rows: Vec<f64> = (0..6).map(|i| (0..6).map(|j| h[(i, j)]).sum()).collect();
        let v1 = rows.iter().map(|r| (r / 6.0).powi(2)).sum::<f64>() / 6.0;
        let v2 = rows.iter().sum::<f64>() / 36.0;
        let u = unbiased(&k, x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        assert!((u.variance - 4.0 * (v1 - v2 * v2) / 6.0).abs() < 1e-12);
        assert!(u.power_proxy().is_finite());
        assert!(unbiased(&k, x.as_ref().subrows(0, 1), y.as_ref(), Par::Seq).is_err());
        assert!(unbiased(&k, x.as_ref(), Mat::<f64>::zeros(4, 3).as_ref(), Par::Seq).is_err());
        let mut bad = x.clone();
        bad[(0, 0)] = f64::INFINITY;
        assert!(biased(&k, bad.as_ref(), y.as_ref(), Par::Seq).is_err());
    }
}
