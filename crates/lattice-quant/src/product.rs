//! Approximate matrix products from independently compressed operands: the
//! interface every scheme of the crate implements, and the distortion
//! measure of arXiv 2410.13780.
//!
//! A scheme compresses `A ∈ R^{n×a}` and `B ∈ R^{n×b}` **independently**
//! (neither encoder sees the other operand) at [`ProductQuantizer::rate`]
//! bits per entry, side information included, and estimates `C = AᵀB`.
//! The distortion is normalised per product entry and per summation length,
//! `D = ‖AᵀB − Ĉ‖²_F / (a b n)`, so that `Ĉ = 0` gives `D = 1` for iid
//! `N(0, 1)` entries and [`crate::bounds::gamma`] bounds `D` from below for
//! every scheme at that rate.

use crate::error::{Error, Result};
use faer::{Mat, MatRef};

/// A scheme that compresses the two operands of `AᵀB` independently and
/// estimates the product.
pub trait ProductQuantizer: Send + Sync {
    /// A short human-readable name, e.g. `"E8 q=16 k=4"`.
    fn label(&self) -> String;
    /// The summation length `n` (rows of both operands) the scheme was built for.
    fn rows(&self) -> usize;
    /// Bits per entry of one operand, side information and padding included.
    fn rate(&self) -> f64;
    /// The estimate `Ĉ ≈ AᵀB`, each operand compressed on its own.
    fn estimate(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>>;
}

/// `‖AᵀB − Ĉ‖²_F / (a b n)`: the per-entry, per-summation-length distortion
/// of a product estimate.
pub fn distortion(a: MatRef<'_, f64>, b: MatRef<'_, f64>, estimate: MatRef<'_, f64>) -> Result<f64> {
    if a.nrows() != b.nrows() || estimate.nrows() != a.ncols() || estimate.ncols() != b.ncols() {
        return Err(Error::Shape {
            context: "distortion",
            expected: format!("A n×a, B n×b and Ĉ a×b with n = {}, a = {}, b = {}", a.nrows(), a.ncols(), b.ncols()),
            found: format!("B {}×{}, Ĉ {}×{}", b.nrows(), b.ncols(), estimate.nrows(), estimate.ncols()),
        });
    }
    let exact = a.transpose() * b;
    let err = (&exact - estimate).squared_norm_l2();
    Ok(err / (a.ncols() * b.ncols() * a.nrows()) as f64)
}

/// `ÂᵀB̂` from reconstructions in the rotated domain (`N × a`, `N × b`; the
/// shared orthogonal rotation cancels) plus `n μ_i ν_j` for the stored column
/// means of the two operands: the product of centred, normalised, rotated
/// encodings that every scheme of the crate estimates. Single-threaded, so
/// the result does not depend on the thread pool.
pub(crate) fn rotated_product(
    ya: MatRef<'_, f64>,
    yb: MatRef<'_, f64>,
    means_a: &[f64],
    means_b: &[f64],
    n: usize,
) -> Mat<f64> {
    let mut c = Mat::zeros(ya.ncols(), yb.ncols());
    faer::linalg::matmul::matmul(c.as_mut(), faer::Accum::Replace, ya.transpose(), yb, 1.0, faer::Par::Seq);
    for (i, &mi) in means_a.iter().enumerate() {
        for (j, &mj) in means_b.iter().enumerate() {
            c[(i, j)] += n as f64 * mi * mj;
        }
    }
    c
}

/// Checks that both operands of a product have `rows` rows (finiteness is
/// checked by the encoders).
pub(crate) fn check_operands(rows: usize, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<()> {
    for (name, m) in [("A", a), ("B", b)] {
        if m.nrows() != rows {
            return Err(Error::Shape {
                context: if name == "A" { "operand A" } else { "operand B" },
                expected: format!("{rows} rows"),
                found: format!("{} rows", m.nrows()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distortion_of_the_zero_estimate_is_the_mean_square_inner_product() {
        let a = Mat::from_fn(4, 2, |i, j| (i + j) as f64);
        let b = Mat::from_fn(4, 3, |i, j| (i as f64) - (j as f64));
        let exact = a.transpose() * &b;
        let d = distortion(a.as_ref(), b.as_ref(), Mat::<f64>::zeros(2, 3).as_ref()).unwrap();
        assert!((d - exact.squared_norm_l2() / 24.0).abs() < 1e-12);
        assert_eq!(distortion(a.as_ref(), b.as_ref(), exact.as_ref()).unwrap(), 0.0);
        assert!(distortion(a.as_ref(), b.as_ref(), Mat::<f64>::zeros(3, 3).as_ref()).is_err());
    }
}
