//! The unnormalised self-attention dynamics in R^d (arXiv 2305.05465).
//!
//! ```text
//! ẋ_i = Σ_j P_ij V x_j,    P_ij = e^{β⟨Q x_i, K x_j⟩} / Σ_k e^{β⟨Q x_i, K x_k⟩}
//! ```
//!
//! with no sphere (β may be absorbed into `Q, K`). The paper states its
//! results for the rescaled tokens `z_i(t) = e^{−tV} x_i(t)`, which obey
//! `ż_i = Σ_j P_ij(e^{tV} z) V (z_j − z_i)` with the same attention
//! coefficients; [`rescale`] maps a state to them. Geometry of the limits
//! (Table 1 of the paper): `V = I` sends every `z_i` to a vertex of a convex
//! polytope or to 0; a simple positive top eigenvalue of `V` gives at most
//! three parallel hyperplanes; `V = −I` a single cluster.
//!
//! Integration is classical RK4 in R^d ([`solve`]); the attention output is
//! the same GEMM pipeline as on the sphere, without the projection.

use crate::error::{Error, Result};
use crate::model::{Attention, Particles};
use crate::velocity::{SphereDynamics, VelocityWorkspace};
use faer::Mat;

/// A validated attention model acting on tokens in `R^d` (softmax
/// normalisation and any mask or heads of the [`Attention`]).
#[derive(Clone, Debug)]
pub struct EuclideanDynamics {
    inner: SphereDynamics,
}

impl EuclideanDynamics {
    /// Validates `attention` for tokens in `R^dim`.
    pub fn new(attention: &Attention, dim: usize) -> Result<Self> {
        Ok(Self { inner: SphereDynamics::new(attention, dim)? })
    }

    /// Ambient dimension.
    pub fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// `ẋ_i = Σ_h Σ_j P^h_ij V_h x_j` for every token (rows).
    pub fn velocity(&self, p: &Particles) -> Result<Mat<f64>> {
        let xt = p.positions().transpose().to_owned();
        let mut out = Mat::zeros(p.dim(), p.len());
        let mut ws = VelocityWorkspace::new(p.len(), p.dim());
        self.inner.attention_output_columns(xt.as_ref(), p.masses(), out.as_mut(), &mut ws)?;
        Ok(out.transpose().to_owned())
    }

    /// The attention matrix `P` of head `head`.
    pub fn attention_matrix(&self, p: &Particles, head: usize) -> Result<Mat<f64>> {
        self.inner.attention_matrix(p, head)
    }
}

/// RK4 with fixed `step` from `initial` through the non-decreasing output
/// `times` (≥ 0), calling `observe(t, state)` at each.
pub fn solve<F>(
    dynamics: &EuclideanDynamics,
    initial: &Particles,
    times: &[f64],
    step: f64,
    mut observe: F,
) -> Result<Particles>
where
    F: FnMut(f64, &Particles) -> Result<()>,
{
    if !(step > 0.0 && step.is_finite()) {
        return Err(Error::invalid("step", step, "must be positive and finite"));
    }
    if times.iter().any(|t| !t.is_finite() || *t < 0.0) || times.windows(2).any(|w| w[1] < w[0]) {
        return Err(Error::invalid("output times", "given", "must be finite, >= 0 and non-decreasing"));
    }
    if initial.dim() != dynamics.dim() {
        return Err(Error::shape("particles", (initial.len(), dynamics.dim()), (initial.len(), initial.dim())));
    }
    let (n, d) = (initial.len(), initial.dim());
    let mass = initial.masses().to_vec();
    let mut x = initial.positions().transpose().to_owned();
    let mut ws = VelocityWorkspace::new(n, d);
    let mut k: Vec<Mat<f64>> = (0..4).map(|_| Mat::zeros(d, n)).collect();
    let mut y = Mat::zeros(d, n);
    let state = |x: &Mat<f64>| Particles::from_parts(x.transpose().to_owned(), mass.clone());
    let mut t = 0.0;
    for &target in times {
        while t < target {
            let h = step.min(target - t);
            for s in 0..4 {
                let c = [0.0, 0.5, 0.5, 1.0][s];
                if s == 0 {
                    y.copy_from(&x);
                } else {
                    for j in 0..n {
                        for i in 0..d {
                            y[(i, j)] = x[(i, j)] + c * h * k[s - 1][(i, j)];
                        }
                    }
                }
                dynamics.inner.attention_output_columns(y.as_ref(), &mass, k[s].as_mut(), &mut ws)?;
            }
            for j in 0..n {
                for i in 0..d {
                    x[(i, j)] += h / 6.0 * (k[0][(i, j)] + 2.0 * k[1][(i, j)] + 2.0 * k[2][(i, j)] + k[3][(i, j)]);
                }
            }
            if !crate::model::all_finite(&x) {
                return Err(Error::NonFinite { context: "tokens diverged (non-finite positions)" });
            }
            t = if h == target - t { target } else { t + h };
        }
        observe(t, &state(&x))?;
    }
    Ok(state(&x))
}

/// The matrix exponential `e^{A}` of a square matrix, by scaling and
/// squaring with a degree-18 Taylor polynomial (relative error near machine
/// precision for the moderate norms used here).
pub fn expm(a: &Mat<f64>) -> Result<Mat<f64>> {
    let n = a.nrows();
    if a.ncols() != n {
        return Err(Error::shape("expm", (n, n), (a.nrows(), a.ncols())));
    }
    if !crate::model::all_finite(a) {
        return Err(Error::NonFinite { context: "expm" });
    }
    let norm1 = (0..n).map(|j| a.col_as_slice(j).iter().map(|v| v.abs()).sum::<f64>()).fold(0.0, f64::max);
    let s = if norm1 > 0.5 { (norm1 / 0.5).log2().ceil() as i32 } else { 0 };
    if s > 1000 {
        return Err(Error::invalid("matrix norm", norm1, "too large for expm"));
    }
    let scaled = a * faer::Scale(0.5f64.powi(s));
    let mut result = Mat::<f64>::identity(n, n);
    let mut term = Mat::<f64>::identity(n, n);
    for k in 1..=18 {
        term = &term * &scaled * faer::Scale(1.0 / k as f64);
        result += &term;
    }
    for _ in 0..s {
        result = &result * &result;
    }
    if !crate::model::all_finite(&result) {
        return Err(Error::NonFinite { context: "expm: e^A overflows f64" });
    }
    Ok(result)
}

/// The rescaled tokens `z_i = e^{−tV} x_i` (rows).
pub fn rescale(p: &Particles, value: &Mat<f64>, t: f64) -> Result<Mat<f64>> {
    if value.nrows() != p.dim() || value.ncols() != p.dim() {
        return Err(Error::shape("value matrix", (p.dim(), p.dim()), (value.nrows(), value.ncols())));
    }
    let e = expm(&(value * faer::Scale(-t)))?;
    Ok(p.positions() * e.transpose())
}

/// The dual eigenfunctional `φ*` of the top eigenvalue of `V` when that
/// eigenvalue is real, positive and simple: returns `(λ₁, w)` with
/// `wᵀV = λ₁ wᵀ` and `⟨w, φ₁⟩ = 1` for the right eigenvector `φ₁`.
pub fn dominant_dual_functional(value: &Mat<f64>) -> Result<(f64, Vec<f64>)> {
    let d = value.nrows();
    if value.ncols() != d || d == 0 {
        return Err(Error::shape("value matrix", (d, d), (value.nrows(), value.ncols())));
    }
    let right = value.eigen().map_err(|_| Error::Unsupported("eigendecomposition did not converge"))?;
    let left =
        value.transpose().to_owned().eigen().map_err(|_| Error::Unsupported("eigendecomposition did not converge"))?;
    let pick = |e: &faer::linalg::solvers::Eigen<f64>| -> Result<(f64, Vec<f64>)> {
        let s = e.S();
        let (mut best, mut idx) = (f64::NEG_INFINITY, 0);
        for k in 0..d {
            if s[k].re > best {
                best = s[k].re;
                idx = k;
            }
        }
        if s[idx].im.abs() > 1e-12 * best.abs().max(1.0) || best <= 0.0 {
            return Err(Error::Unsupported("the top eigenvalue of V is not real and positive"));
        }
        let simple = (0..d).filter(|&k| (s[k].re - best).abs() < 1e-9 * best.abs().max(1.0)).count() == 1;
        if !simple {
            return Err(Error::Unsupported("the top eigenvalue of V is not simple"));
        }
        let u = e.U();
        Ok((best, (0..d).map(|i| u[(i, idx)].re).collect()))
    };
    let (lambda, phi) = pick(&right)?;
    let (_, mut w) = pick(&left)?;
    let c: f64 = w.iter().zip(&phi).map(|(a, b)| a * b).sum();
    w.iter_mut().for_each(|v| *v /= c);
    Ok((lambda, w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Head;
    use approx::assert_abs_diff_eq;

    #[test]
    fn expm_known_values() {
        let th: f64 = 0.7;
        let rot = Mat::from_fn(2, 2, |i, j| match (i, j) {
            (0, 1) => -th,
            (1, 0) => th,
            _ => 0.0,
        });
        let e = expm(&rot).unwrap();
        assert_abs_diff_eq!(e[(0, 0)], th.cos(), epsilon = 1e-14);
        assert_abs_diff_eq!(e[(1, 0)], th.sin(), epsilon = 1e-14);
        let diag = Mat::from_fn(3, 3, |i, j| if i == j { [3.0, -2.0, 0.5][i] } else { 0.0 });
        let e = expm(&diag).unwrap();
        for (i, v) in [3.0f64, -2.0, 0.5].iter().enumerate() {
            assert_abs_diff_eq!(e[(i, i)], v.exp(), epsilon = 1e-13 * v.exp());
        }
        let a = Mat::from_fn(3, 3, |i, j| ((i * 3 + j) as f64 * 0.37).sin());
        let prod = expm(&a).unwrap() * expm(&(&a * faer::Scale(-1.0))).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                assert_abs_diff_eq!(prod[(i, j)], if i == j { 1.0 } else { 0.0 }, epsilon = 1e-13);
            }
        }
        assert!(expm(&Mat::zeros(2, 3)).is_err());
    }

    #[test]
    fn single_token_grows_like_exp_tv() {
        // One token: P = 1, ẋ = V x, so x(t) = e^{tV} x(0) and z is constant.
        let v = Mat::from_fn(2, 2, |i, j| [[0.647, 0.819], [0.612, 0.633]][i][j]);
        let att = Attention::softmax(1.0).with_heads(vec![Head::with_value(v.clone())]);
        let dynamics = EuclideanDynamics::new(&att, 2).unwrap();
        let p = Particles::in_space(Mat::from_fn(1, 2, |_, j| [0.3, -0.2][j])).unwrap();
        let end = solve(&dynamics, &p, &[2.0], 1e-3, |_, _| Ok(())).unwrap();
        let z = rescale(&end, &v, 2.0).unwrap();
        assert_abs_diff_eq!(z[(0, 0)], 0.3, epsilon = 1e-10);
        assert_abs_diff_eq!(z[(0, 1)], -0.2, epsilon = 1e-10);
    }

    #[test]
    fn dual_functional_of_a_perron_matrix() {
        let v = Mat::from_fn(2, 2, |i, j| [[0.647, 0.819], [0.612, 0.633]][i][j]);
        let (lambda, w) = dominant_dual_functional(&v).unwrap();
        // wᵀV = λ wᵀ
        for j in 0..2 {
            let lhs: f64 = (0..2).map(|i| w[i] * v[(i, j)]).sum();
            assert_abs_diff_eq!(lhs, lambda * w[j], epsilon = 1e-12);
        }
        let tr: f64 = v[(0, 0)] + v[(1, 1)];
        let det = v[(0, 0)] * v[(1, 1)] - v[(0, 1)] * v[(1, 0)];
        assert_abs_diff_eq!(lambda, 0.5 * (tr + (tr * tr - 4.0 * det).sqrt()), epsilon = 1e-12);
        assert!(dominant_dual_functional(&Mat::<f64>::identity(2, 2)).is_err());
    }
}
