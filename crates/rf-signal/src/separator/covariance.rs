//! Second-order statistics estimated from training frames.

use crate::error::Result;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use infoflow_numerics::signal::{C64, correlate, power};

/// The stationary autocorrelation `r(τ) = E[x(n + τ) x*(n)]`, `τ = 0 … max_lag`,
/// averaged over `frames` (the biased estimator `Σ_n x(n+τ)x*(n)/N` per frame,
/// so Toeplitz matrices built from it are positive semi-definite), by FFT.
/// Each frame is scaled by `scales[i]` first.
pub(crate) fn autocorrelation(frames: &[&[C64]], scales: &[f64], max_lag: usize) -> Result<Vec<C64>> {
    let mut r = vec![C64::new(0.0, 0.0); max_lag + 1];
    for (x, &g) in frames.iter().zip(scales) {
        let c = correlate(x, x)?;
        // Lags −(N − 1) … N − 1: lag 0 at index N − 1.
        let zero = x.len() - 1;
        for (t, v) in r.iter_mut().enumerate() {
            if let Some(&c) = c.get(zero + t) {
                *v += c * (g * g / x.len() as f64);
            }
        }
    }
    r.iter_mut().for_each(|v| *v /= frames.len() as f64);
    Ok(r)
}

/// The Hermitian Toeplitz matrix `T[i, j] = r(i − j)` (`r(−τ) = r(τ)*`).
pub(crate) fn toeplitz(r: &[C64]) -> Mat<C64> {
    Mat::from_fn(r.len(), r.len(), |i, j| if i >= j { r[i - j] } else { r[j - i].conj() })
}

/// The cyclic autocorrelation of frames whose statistics have period `p`
/// aligned to the frame start: `c[φ][τ] = E[x(n + τ) x*(n)]` over `n ≡ φ
/// (mod p)`, `τ = 0 … max_lag`. Samples beyond the frame count as zero and
/// every sum is divided by the same count (frames × periods per frame), the
/// cyclic analogue of the biased estimator: the per-phase covariance
/// matrices built from it are sample Gram matrices, hence positive
/// semi-definite.
pub(crate) fn cyclic_autocorrelation(frames: &[&[C64]], p: usize, max_lag: usize) -> Vec<Vec<C64>> {
    let mut c = Mat::<C64>::zeros(max_lag + 1, p);
    let mut periods = 0.0;
    for x in frames {
        periods += x.len() as f64 / p as f64;
        let mut padded = x.to_vec();
        padded.resize(x.len() + max_lag + 1, C64::new(0.0, 0.0));
        for phase in 0..p.min(x.len()) {
            let rows = (x.len() - phase).div_ceil(p);
            // windows[k][τ] = x(phase + kp + τ): overlapping rows of the padded frame.
            let windows = strided_windows(&padded, phase, rows, max_lag + 1, p);
            let heads = Mat::<C64>::from_fn(rows, 1, |k, _| padded[phase + k * p].conj());
            matmul(
                c.col_mut(phase).as_mat_mut(),
                Accum::Add,
                windows.transpose(),
                heads.as_ref(),
                C64::new(1.0, 0.0),
                Par::Seq,
            );
        }
    }
    (0..p).map(|phase| (0..=max_lag).map(|t| c[(t, phase)] / periods).collect()).collect()
}

/// The `rows × cols` view `v[k][m] = x[start + k·stride + m]` (rows overlap
/// when `stride < cols`): the sliding windows of a frame as a matrix, for
/// faer's kernels. Panics if the last window runs past `x`.
pub(crate) fn strided_windows(x: &[C64], start: usize, rows: usize, cols: usize, stride: usize) -> MatRef<'_, C64> {
    assert!(rows == 0 || start + (rows - 1) * stride + cols <= x.len(), "windows run past the frame");
    // SAFETY: every element (k, m) addresses x[start + k·stride + m], inside
    // `x` by the assertion; the view is shared, so overlapping rows are fine.
    unsafe { MatRef::from_raw_parts(x.as_ptr().add(start), rows, cols, stride as isize, 1) }
}

/// `a · b`, single-threaded: the separators' results do not depend on the
/// thread pool.
pub(crate) fn product(a: MatRef<'_, C64>, b: MatRef<'_, C64>) -> Mat<C64> {
    let mut c = Mat::<C64>::zeros(a.nrows(), b.ncols());
    matmul(c.as_mut(), Accum::Replace, a, b, C64::new(1.0, 0.0), Par::Seq);
    c
}

/// Mean power over frames.
pub(crate) fn mean_power(frames: &[&[C64]]) -> Result<f64> {
    let mut p = 0.0;
    for x in frames {
        p += power(x)?;
    }
    Ok(p / frames.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimators_match_direct_sums() {
        let x: Vec<C64> = (0..50).map(|n| C64::new((n as f64 * 0.37).sin(), (n as f64 * 0.11).cos())).collect();
        let r = autocorrelation(&[&x], &[2.0], 5).unwrap();
        for (t, v) in r.iter().enumerate() {
            let direct: C64 = (0..50 - t).map(|n| x[n + t] * x[n].conj()).sum::<C64>() * (4.0 / 50.0);
            assert!((v - direct).norm() < 1e-12, "{t}");
        }
        let c = cyclic_autocorrelation(&[&x], 4, 3);
        let direct: C64 =
            (0..50).filter(|n| n % 4 == 1 && n + 2 < 50).map(|n| x[n + 2] * x[n].conj()).sum::<C64>() / 12.5;
        assert!((c[1][2] - direct).norm() < 1e-12);
        let t = toeplitz(&r);
        assert_eq!(t[(3, 1)], r[2]);
        assert_eq!(t[(1, 3)], r[2].conj());
    }
}
