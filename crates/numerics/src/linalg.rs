//! Dense linear algebra over [faer]: Gram matrices, pairwise distances,
//! Haar-random rotations and (randomized) Walsh–Hadamard transforms.
//!
//! # Conventions
//!
//! * Point sets are the **rows** of a matrix: `X` is `n × d` for `n` points
//!   in `R^d`. The Gram matrix is `G = X Xᵀ` (`n × n`).
//! * Products go through faer's GEMM; every routine that multiplies takes a
//!   [`Par`]. The lab runs independent points in parallel and passes
//!   [`Par::Seq`] inside them (never nest rayon and faer parallelism).
//! * The Walsh–Hadamard matrix is Sylvester's, in natural order:
//!   `H_1 = [1]`, `H_{2m} = [[H_m, H_m], [H_m, −H_m]]`. [`fwht`] applies it
//!   **unnormalised** (`H_n H_n = n I`); the rotation
//!   [`RandomizedHadamard`] is orthonormal (`H D / √N`).
//!
//! ```
//! use faer::{Mat, Par};
//! use infoflow_numerics::linalg;
//!
//! let x = Mat::from_fn(3, 2, |i, j| (i + 2 * j) as f64);
//! let g = linalg::gram(x.as_ref(), Par::Seq)?;
//! let d2 = linalg::pairwise_sq_distances(x.as_ref(), x.as_ref(), Par::Seq)?;
//! // ‖x_i − x_j‖² = G_ii + G_jj − 2 G_ij
//! assert!((d2[(0, 2)] - (g[(0, 0)] + g[(2, 2)] - 2.0 * g[(0, 2)])).abs() < 1e-12);
//! # Ok::<(), infoflow_numerics::Error>(())
//! ```

use crate::error::{Error, Result, ensure_len};
use faer::linalg::matmul::{self, triangular::BlockStructure};
use faer::reborrow::ReborrowMut;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use multiversion::multiversion;
use num_traits::Float;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// `⟨a, b⟩` for equal-length slices (crate-internal: callers check lengths).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Euclidean norm of a slice.
#[inline]
pub(crate) fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// Checks that every entry of `x` is finite ([`Error::NonFinite`] naming
/// `context` otherwise).
pub fn ensure_finite_mat(context: &'static str, x: MatRef<'_, f64>) -> Result<()> {
    for j in 0..x.ncols() {
        let col = x.col(j);
        let finite = match col.try_as_col_major() {
            Some(contiguous) => crate::all_finite(contiguous.as_slice()),
            None => col.iter().all(|v| v.is_finite()),
        };
        if !finite {
            return Err(Error::NonFinite { context });
        }
    }
    Ok(())
}

/// Writes the Gram matrix `G = X Xᵀ` of the rows of `x` into `dst` (`n × n`).
///
/// Errors on non-finite entries and on rows whose squared norm overflows
/// `f64` (then some entry of `G` could too).
///
/// The lower triangle is one faer triangular product (half the flops of the
/// full GEMM), the upper triangle a mirror of it, so `dst` is exactly
/// symmetric. `Xᵀ` is first copied to column-major storage: faer's kernels
/// run about twice as fast on it as on a transposed view when `d` is large
/// (measured by the `gram` bench: `1024 × 512` in 8 ms against 23 ms for
/// the full GEMM on the view).
pub fn gram_into(dst: MatMut<'_, f64>, x: MatRef<'_, f64>, par: Par) -> Result<()> {
    let n = x.nrows();
    ensure_len("gram_into: dst rows", n, dst.nrows())?;
    ensure_len("gram_into: dst cols", n, dst.ncols())?;
    ensure_finite_mat("gram_into: x", x)?;
    if row_sq_norms(x).iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite { context: "gram: a squared row norm overflows f64" });
    }
    let mut dst = dst;
    let xt = x.transpose().to_owned();
    matmul::triangular::matmul(
        dst.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        x,
        BlockStructure::Rectangular,
        xt.as_ref(),
        BlockStructure::Rectangular,
        1.0,
        par,
    );
    mirror_lower_to_upper(dst);
    Ok(())
}

/// Copies the strict lower triangle of a square column-major matrix onto
/// the upper one, in 32 × 32 tiles so that both the reads (along rows) and
/// the writes (down columns) stay in cache.
fn mirror_lower_to_upper(mut m: MatMut<'_, f64>) {
    const T: usize = 32;
    let n = m.nrows();
    let mut j0 = 0;
    while j0 < n {
        let tw = T.min(n - j0);
        let (left, mut right) = m.rb_mut().split_at_col_mut(j0);
        // The diagonal tile.
        for j in 1..tw {
            for i in 0..j {
                let v = right[(j0 + j, i)];
                right[(j0 + i, j)] = v;
            }
        }
        // Tiles above it: rows i0..i0+th of columns j0..j0+tw.
        let mut i0 = 0;
        while i0 < j0 {
            let th = T.min(j0 - i0);
            for j in 0..tw {
                let mut dst = right.rb_mut().col_mut(j);
                for i in 0..th {
                    dst[i0 + i] = left[(j0 + j, i0 + i)];
                }
            }
            i0 += th;
        }
        j0 += tw;
    }
}

/// The Gram matrix `G = X Xᵀ` of the rows of `x`. See [`gram_into`].
pub fn gram(x: MatRef<'_, f64>, par: Par) -> Result<Mat<f64>> {
    let mut g = Mat::zeros(x.nrows(), x.nrows());
    gram_into(g.as_mut(), x, par)?;
    Ok(g)
}

/// Squared row norms `‖x_i‖²`, accumulated column by column.
fn row_sq_norms(m: MatRef<'_, f64>) -> Vec<f64> {
    let mut s = vec![0.0; m.nrows()];
    for j in 0..m.ncols() {
        for (i, acc) in s.iter_mut().enumerate() {
            *acc += m[(i, j)] * m[(i, j)];
        }
    }
    s
}

/// Squared Euclidean distances `D_ij = ‖x_i − y_j‖²` between the rows of `x`
/// (`n × d`) and of `y` (`m × d`), through one GEMM:
/// `D = ‖x‖² 1ᵀ + 1 ‖y‖²ᵀ − 2 X Yᵀ`, clamped at 0 against cancellation.
/// Errors on non-finite entries and on data so large that a distance could
/// overflow `f64` (`2 (max ‖x_i‖² + max ‖y_j‖²)` beyond `f64::MAX`).
///
/// The cancellation error of an entry is about `ε (‖x_i‖² + ‖y_j‖²)`; centre
/// the data first when distances are small relative to norms.
pub fn pairwise_sq_distances(x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par) -> Result<Mat<f64>> {
    let mut d = Mat::new();
    pairwise_sq_distances_into(x, y, par, &mut d)?;
    Ok(d)
}

/// [`pairwise_sq_distances`] into `out`, reshaped to `n × m` (an
/// allocation of that size is reused, so loops over blocks allocate once).
pub fn pairwise_sq_distances_into(x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
    ensure_len("pairwise_sq_distances: y columns vs x columns", x.ncols(), y.ncols())?;
    ensure_finite_mat("pairwise_sq_distances: x", x)?;
    ensure_finite_mat("pairwise_sq_distances: y", y)?;
    let (nx, ny) = (row_sq_norms(x), row_sq_norms(y));
    let largest = |v: &[f64]| v.iter().fold(0.0f64, |m, &a| m.max(a));
    if !(2.0 * (largest(&nx) + largest(&ny))).is_finite() {
        return Err(Error::NonFinite { context: "pairwise_sq_distances: the distances overflow f64" });
    }
    out.resize_with(x.nrows(), y.nrows(), |_, _| 0.0);
    // Column-major Yᵀ: faer's GEMM is up to 2x faster on it than on a view.
    let yt = y.transpose().to_owned();
    matmul::matmul(out.as_mut(), Accum::Replace, x, yt.as_ref(), -2.0, par);
    for (j, &b) in ny.iter().enumerate() {
        add_norms_clamped(out.col_as_slice_mut(j), &nx, b);
    }
    Ok(())
}

/// `v_i ← max(v_i + a_i + b, 0)`, compiled for AVX-512, AVX2 and SSE4.1
/// (the same operations in every version).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "x86_64+sse4.1"))]
fn add_norms_clamped(col: &mut [f64], a: &[f64], b: f64) {
    for (v, &a) in col.iter_mut().zip(a) {
        *v = (*v + a + b).max(0.0);
    }
}

/// A `rows × cols` matrix of iid standard normal entries, drawn in
/// column-major order.
pub fn gaussian_matrix<R: Rng + ?Sized>(rows: usize, cols: usize, rng: &mut R) -> Mat<f64> {
    let mut g = Mat::<f64>::zeros(rows, cols);
    for j in 0..cols {
        for v in g.col_as_slice_mut(j) {
            *v = rng.sample(StandardNormal);
        }
    }
    g
}

/// A Haar-distributed (uniformly random) orthogonal `dim × dim` matrix.
///
/// Draws a Gaussian matrix `G` (entries in column-major order), factors
/// `G = QR` and returns `Q diag(sign R_ii)`; without the sign fix `Q` would
/// not be Haar distributed (Mezzadri, *How to generate random matrices from
/// the classical compact groups*, 2007).
pub fn haar_orthogonal<R: Rng + ?Sized>(dim: usize, rng: &mut R) -> Result<Mat<f64>> {
    if dim == 0 {
        return Err(Error::invalid("dim", dim, "an orthogonal matrix needs dim >= 1"));
    }
    let qr = gaussian_matrix(dim, dim, rng).qr();
    let r = qr.R();
    let mut q = qr.compute_Q();
    for j in 0..dim {
        if r[(j, j)] < 0.0 {
            q.col_as_slice_mut(j).iter_mut().for_each(|v| *v = -*v);
        }
    }
    Ok(q)
}

/// In-place, unnormalised fast Walsh–Hadamard transform: `x ← H_n x`.
///
/// `n = x.len()` must be a power of two (1 included); `n log₂ n` additions.
/// Applying it twice multiplies by `n`. Long inputs are transformed
/// depth-first (both halves, then one butterfly pass across them), so all
/// stages within blocks of 4096 elements (32 KiB of `f64`) run in cache.
pub fn fwht<T: Float>(x: &mut [T]) -> Result<()> {
    let n = x.len();
    if !n.is_power_of_two() {
        return Err(Error::invalid("length", n, "the Walsh-Hadamard transform needs a power of two"));
    }
    fwht_recursive(x);
    Ok(())
}

/// Elements transformed breadth-first in cache by [`fwht`] (32 KiB of f64).
const FWHT_BLOCK: usize = 4096;

fn fwht_recursive<T: Float>(x: &mut [T]) {
    let n = x.len();
    if n <= FWHT_BLOCK {
        fwht_in_cache(x);
        return;
    }
    let (a, b) = x.split_at_mut(n / 2);
    fwht_recursive(a);
    fwht_recursive(b);
    butterfly(a, b);
}

#[inline]
fn butterfly<T: Float>(a: &mut [T], b: &mut [T]) {
    for (u, v) in a.iter_mut().zip(b.iter_mut()) {
        let (s, d) = (*u + *v, *u - *v);
        *u = s;
        *v = d;
    }
}

/// Breadth-first FWHT: the first two stages fused in a 4-point kernel, then
/// one pass per stage.
fn fwht_in_cache<T: Float>(x: &mut [T]) {
    let n = x.len();
    if n < 4 {
        if n == 2 {
            let (a, b) = x.split_at_mut(1);
            butterfly(a, b);
        }
        return;
    }
    for q in x.chunks_exact_mut(4) {
        let (a, b, c, d) = (q[0], q[1], q[2], q[3]);
        let (s0, d0, s1, d1) = (a + b, a - b, c + d, c - d);
        q[0] = s0 + s1;
        q[1] = d0 + d1;
        q[2] = s0 - s1;
        q[3] = d0 - d1;
    }
    let mut h = 4;
    while h < n {
        for block in x.chunks_exact_mut(2 * h) {
            let (a, b) = block.split_at_mut(h);
            butterfly(a, b);
        }
        h *= 2;
    }
}

/// The randomized Hadamard rotation `x ↦ H_N D [x; 0] / √N` of `R^len`
/// into `R^N`, `N = len.next_power_of_two()`, with `D = diag(±1)` random
/// signs.
///
/// For `len = N` it is an orthogonal matrix; for other lengths the input is
/// zero-padded, the map is an isometry (norms and inner products are kept
/// exactly, up to rounding), and [`RandomizedHadamard::apply_inverse`]
/// (`x = first len entries of D H_N y / √N`) undoes it. It spreads mass
/// evenly over coordinates in `O(N log N)`: the rotation of quantization
/// schemes (arXiv 2410.13780, NestQuant arXiv 2502.09720).
#[derive(Clone, Debug, PartialEq)]
pub struct RandomizedHadamard {
    len: usize,
    negate: Vec<bool>,
}

impl RandomizedHadamard {
    /// Draws the `N` random signs (one `bool` each, in order) for inputs of
    /// length `len ≥ 1`.
    pub fn new<R: Rng + ?Sized>(len: usize, rng: &mut R) -> Result<Self> {
        if len == 0 {
            return Err(Error::invalid("len", len, "a rotation needs len >= 1"));
        }
        let negate = (0..len.next_power_of_two()).map(|_| rng.random::<bool>()).collect();
        Ok(Self { len, negate })
    }

    /// Input length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: the input length is at least 1.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Output length `N`, the power of two at or above [`Self::len`].
    pub fn padded_len(&self) -> usize {
        self.negate.len()
    }

    /// `out ← H D [x; 0] / √N` with `x.len() = len` and `out.len() = N`.
    pub fn apply_into<T: Float>(&self, x: &[T], out: &mut [T]) -> Result<()> {
        ensure_len("RandomizedHadamard::apply: input", self.len, x.len())?;
        ensure_len("RandomizedHadamard::apply: output", self.padded_len(), out.len())?;
        let (head, tail) = out.split_at_mut(self.len);
        for ((o, &v), &neg) in head.iter_mut().zip(x).zip(&self.negate) {
            *o = if neg { -v } else { v };
        }
        tail.iter_mut().for_each(|o| *o = T::zero());
        fwht(out)?;
        self.scale(out);
        Ok(())
    }

    /// `H D [x; 0] / √N`, allocating the output.
    pub fn apply<T: Float>(&self, x: &[T]) -> Result<Vec<T>> {
        let mut out = vec![T::zero(); self.padded_len()];
        self.apply_into(x, &mut out)?;
        Ok(out)
    }

    /// The inverse on the range: `x ← first len entries of D H y / √N`,
    /// overwriting `y` (length `N`) as scratch space.
    pub fn apply_inverse_in_place<T: Float>(&self, y: &mut [T], x: &mut [T]) -> Result<()> {
        ensure_len("RandomizedHadamard::apply_inverse: input", self.padded_len(), y.len())?;
        ensure_len("RandomizedHadamard::apply_inverse: output", self.len, x.len())?;
        fwht(y)?;
        self.scale(y);
        for ((o, &v), &neg) in x.iter_mut().zip(y.iter()).zip(&self.negate) {
            *o = if neg { -v } else { v };
        }
        Ok(())
    }

    /// The inverse on the range, allocating: `D H y / √N` truncated to `len`.
    pub fn apply_inverse<T: Float>(&self, y: &[T]) -> Result<Vec<T>> {
        let mut scratch = y.to_vec();
        let mut x = vec![T::zero(); self.len];
        self.apply_inverse_in_place(&mut scratch, &mut x)?;
        Ok(x)
    }

    /// Rotates every column of `a` (`len × k`), giving an `N × k` matrix.
    pub fn apply_columns(&self, a: MatRef<'_, f64>) -> Result<Mat<f64>> {
        ensure_len("RandomizedHadamard::apply_columns: rows", self.len, a.nrows())?;
        let mut out = Mat::zeros(self.padded_len(), a.ncols());
        let mut col = vec![0.0; self.len];
        for j in 0..a.ncols() {
            for (i, c) in col.iter_mut().enumerate() {
                *c = a[(i, j)];
            }
            self.apply_into(&col, out.col_as_slice_mut(j))?;
        }
        Ok(out)
    }

    fn scale<T: Float>(&self, y: &mut [T]) {
        let s = T::from(self.padded_len()).expect("length fits a float").sqrt().recip();
        y.iter_mut().for_each(|v| *v = *v * s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;
    use approx::assert_abs_diff_eq;
    use proptest::prelude::*;

    fn rng(tag: &str) -> crate::rng::ChaCha8Rng {
        Streams::for_point(3, "numerics.linalg", tag).stream(0)
    }

    fn random_mat(n: usize, d: usize, tag: &str) -> Mat<f64> {
        let mut rng = rng(tag);
        Mat::from_fn(n, d, |_, _| rng.sample(StandardNormal))
    }

    /// Sylvester's Hadamard matrix, built entry by entry: H_ij = (-1)^{popcount(i & j)}.
    fn sylvester(n: usize) -> Mat<f64> {
        Mat::from_fn(n, n, |i, j| if (i & j).count_ones() % 2 == 0 { 1.0 } else { -1.0 })
    }

    #[test]
    fn gram_matches_naive_triple_loop() {
        for (n, d) in [(1, 1), (7, 3), (40, 17), (129, 8), (300, 5), (257, 3), (700, 20)] {
            let x = random_mat(n, d, "gram");
            let g = gram(x.as_ref(), Par::Seq).unwrap();
            for i in 0..n {
                for j in 0..n {
                    let naive: f64 = (0..d).map(|k| x[(i, k)] * x[(j, k)]).sum();
                    assert_abs_diff_eq!(g[(i, j)], naive, epsilon = 1e-12 * (d as f64));
                    assert_eq!(g[(i, j)], g[(j, i)]);
                }
            }
        }
    }

    #[test]
    fn pairwise_distances_match_naive() {
        let x = random_mat(23, 5, "dx");
        let y = random_mat(11, 5, "dy");
        let d = pairwise_sq_distances(x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        for i in 0..23 {
            for j in 0..11 {
                let naive: f64 = (0..5).map(|k| (x[(i, k)] - y[(j, k)]).powi(2)).sum();
                assert_abs_diff_eq!(d[(i, j)], naive, epsilon = 1e-12);
            }
        }
        let self_d = pairwise_sq_distances(x.as_ref(), x.as_ref(), Par::Seq).unwrap();
        for i in 0..23 {
            assert!(self_d[(i, i)] >= 0.0 && self_d[(i, i)] < 1e-12);
        }
        // A reused buffer, shrinking and growing, gives the same bits as a fresh result.
        let mut out = Mat::new();
        for (a, b) in [(&x, &y), (&y, &x), (&x, &x), (&x, &y)] {
            pairwise_sq_distances_into(a.as_ref(), b.as_ref(), Par::Seq, &mut out).unwrap();
            assert_eq!(out, pairwise_sq_distances(a.as_ref(), b.as_ref(), Par::Seq).unwrap());
        }
    }

    #[test]
    fn haar_orthogonal_is_orthogonal_and_unbiased() {
        let mut rng = rng("haar");
        let q = haar_orthogonal(12, &mut rng).unwrap();
        let qtq = q.transpose() * &q;
        for i in 0..12 {
            for j in 0..12 {
                assert_abs_diff_eq!(qtq[(i, j)], if i == j { 1.0 } else { 0.0 }, epsilon = 1e-13);
            }
        }
        // Haar: E[Q_11] = 0 and E[Q_11^2] = 1/d. Without the sign fix Q_11 is
        // biased towards positive values (sign of the first column's R_11).
        let (mut mean, mut sq) = (0.0, 0.0);
        let reps = 4000;
        for _ in 0..reps {
            let q = haar_orthogonal(4, &mut rng).unwrap();
            mean += q[(0, 0)] / reps as f64;
            sq += q[(0, 0)].powi(2) / reps as f64;
        }
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((sq - 0.25).abs() < 0.02, "second moment {sq}");
    }

    #[test]
    fn fwht_matches_sylvester_matrix() {
        // Blocked sizes: check 64 output entries against their definition
        // y_i = Σ_j (−1)^{popcount(i & j)} x_j (a dense H would not fit).
        for n in [2 * FWHT_BLOCK, 8 * FWHT_BLOCK] {
            let x = random_mat(n, 1, "fwht-big");
            let mut fast: Vec<f64> = (0..n).map(|i| x[(i, 0)]).collect();
            fwht(&mut fast).unwrap();
            for i in (0..n).step_by(n / 64).chain([1, n - 1]) {
                let slow: f64 =
                    (0..n).map(|j| if (i & j).count_ones() % 2 == 0 { x[(j, 0)] } else { -x[(j, 0)] }).sum();
                assert_abs_diff_eq!(fast[i], slow, epsilon = 1e-12 * n as f64);
            }
        }
        for n in [1, 2, 4, 8, 64, 256] {
            let x = random_mat(n, 1, "fwht");
            let mut fast: Vec<f64> = (0..n).map(|i| x[(i, 0)]).collect();
            fwht(&mut fast).unwrap();
            let slow = sylvester(n) * &x;
            for i in 0..n {
                assert_abs_diff_eq!(fast[i], slow[(i, 0)], epsilon = 1e-12 * n as f64);
            }
        }
        let mut f32s = [1.0f32, 2.0, 3.0, 4.0];
        fwht(&mut f32s).unwrap();
        assert_eq!(f32s, [10.0, -2.0, -4.0, 0.0]);
    }

    #[test]
    fn randomized_hadamard_matches_dense_matrix() {
        for len in [1, 5, 8, 100] {
            let mut rng = rng("rht");
            let rot = RandomizedHadamard::new(len, &mut rng).unwrap();
            let n = rot.padded_len();
            assert_eq!(n, len.next_power_of_two());
            // Dense reference: (H D / sqrt N) restricted to the first len columns.
            let h = sylvester(n);
            let dense = Mat::from_fn(n, len, |i, j| {
                let s = if rot.negate[j] { -1.0 } else { 1.0 };
                h[(i, j)] * s / (n as f64).sqrt()
            });
            let x = random_mat(len, 3, "rht-x");
            let fast = rot.apply_columns(x.as_ref()).unwrap();
            let slow = &dense * &x;
            for j in 0..3 {
                for i in 0..n {
                    assert_abs_diff_eq!(fast[(i, j)], slow[(i, j)], epsilon = 1e-12);
                }
                let back = rot.apply_inverse(fast.col_as_slice(j)).unwrap();
                for i in 0..len {
                    assert_abs_diff_eq!(back[i], x[(i, j)], epsilon = 1e-12);
                }
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut rng = rng("bad");
        assert!(fwht(&mut [1.0, 2.0, 3.0]).is_err());
        assert!(fwht::<f64>(&mut []).is_err());
        assert!(haar_orthogonal(0, &mut rng).is_err());
        assert!(RandomizedHadamard::new(0, &mut rng).is_err());
        let rot = RandomizedHadamard::new(5, &mut rng).unwrap();
        assert!(matches!(rot.apply(&[1.0; 4]), Err(Error::Shape { .. })));
        assert!(matches!(rot.apply_inverse(&[1.0; 5]), Err(Error::Shape { .. })));
        let x = Mat::from_fn(2, 2, |i, _| if i == 0 { f64::NAN } else { 1.0 });
        assert!(matches!(gram(x.as_ref(), Par::Seq), Err(Error::NonFinite { .. })));
        let y = Mat::<f64>::zeros(2, 3);
        assert!(matches!(
            pairwise_sq_distances(y.as_ref(), Mat::<f64>::zeros(2, 2).as_ref(), Par::Seq),
            Err(Error::Shape { .. })
        ));
        assert!(gram_into(Mat::zeros(2, 3).as_mut(), y.as_ref(), Par::Seq).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn fwht_twice_is_n_times_identity(x in (0u32..8).prop_flat_map(|k| prop::collection::vec(-10.0f64..10.0, 1usize << k))) {
            let mut y = x.clone();
            fwht(&mut y).unwrap();
            fwht(&mut y).unwrap();
            let n = x.len() as f64;
            for (a, b) in x.iter().zip(&y) {
                prop_assert!((a * n - b).abs() < 1e-10 * n);
            }
        }

        #[test]
        fn randomized_hadamard_is_an_isometry(x in prop::collection::vec(-10.0f64..10.0, 1..300), seed in 0u64..1000) {
            let mut rng = Streams::for_point(seed, "prop", "rht").stream(0);
            let rot = RandomizedHadamard::new(x.len(), &mut rng).unwrap();
            let y = rot.apply(&x).unwrap();
            prop_assert!((norm(&y) - norm(&x)).abs() < 1e-10 * (1.0 + norm(&x)));
            let back = rot.apply_inverse(&y).unwrap();
            for (a, b) in x.iter().zip(&back) {
                prop_assert!((a - b).abs() < 1e-10);
            }
        }
    }
}
