//! Velocity of the self-attention dynamics on the sphere, through GEMMs.
//!
//! For tokens `x_1..x_n ∈ S^{d−1}` with masses `m_j` and heads `(Q_h, K_h, V_h)`:
//!
//! ```text
//! s_ij = ⟨Q_h x_i, K_h x_j⟩ = x_iᵀ B_h x_j,     B_h = Q_hᵀ K_h
//! a_ij = normalised m_j e^{β s_ij}               (see Normalization; zero for j > i under a causal mask)
//! u_i  = Σ_h Σ_j a_ij V_h x_j
//! ẋ_i  = u_i − ⟨x_i, u_i⟩ x_i                    (projection on the tangent space at x_i)
//! ```
//!
//! Evaluation works on positions stored as **columns** (`d × n`, one token
//! per contiguous column), which is the layout the integrators keep:
//!
//! 1. `Sᵀ = (X B_hᵀ) Xᵀ` by one GEMM (two when `B_h ≠ I`), so that column
//!    `i` of `Sᵀ` holds the scores of query `i`;
//! 2. per column, the stable softmax: multiply by β, subtract the column
//!    maximum, exponentiate (the vectorised `exp_in_place` of
//!    infoflow-numerics), weight by the masses, normalise (or divide by `N`
//!    for USA) — contiguous, vectorised sweeps;
//! 3. `Uᵀ += (V_h Xᵀ) Aᵀ` by one GEMM (two when `V_h ≠ I`);
//! 4. the tangent projection, column by column.
//!
//! All buffers live in a [`VelocityWorkspace`], so the stepping loop does not
//! allocate.

use crate::error::{Error, Result};
use crate::model::{Attention, Mask, Normalization, Particles};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use infoflow_numerics::special::exp_in_place;

/// A validated attention model acting on tokens on S^{d−1}.
#[derive(Clone, Debug)]
pub struct SphereDynamics {
    beta: f64,
    normalization: Normalization,
    mask: Mask,
    dim: usize,
    heads: Vec<CompiledHead>,
}

/// A head reduced to what the velocity needs.
#[derive(Clone, Debug)]
struct CompiledHead {
    /// `Bᵀ = KᵀQ` when `QᵀK ≠ I` (stored transposed: `X Bᵀ` is the GEMM).
    bilinear_t: Option<Mat<f64>>,
    /// `V` when not the identity.
    value: Option<Mat<f64>>,
}

/// Scratch buffers for one system of `n` tokens in dimension `d`.
#[derive(Clone, Debug)]
pub struct VelocityWorkspace {
    n: usize,
    d: usize,
    /// Positions as rows (`n × d`).
    x: Mat<f64>,
    /// `X Bᵀ` (`n × d`).
    xb: Mat<f64>,
    /// Scores, then weights: column `i` belongs to query `i` (`n × n`).
    st: Mat<f64>,
    /// `V Xᵀ` (`d × n`).
    vx: Mat<f64>,
    /// `Uᵀ` (`d × n`).
    u: Mat<f64>,
}

impl VelocityWorkspace {
    /// Buffers for `n` tokens in dimension `d`.
    pub fn new(n: usize, d: usize) -> Self {
        Self {
            n,
            d,
            x: Mat::zeros(n, d),
            xb: Mat::zeros(n, d),
            st: Mat::zeros(n, n),
            vx: Mat::zeros(d, n),
            u: Mat::zeros(d, n),
        }
    }

    /// Resizes for `n` tokens in dimension `d` (reallocates only on change).
    pub fn resize(&mut self, n: usize, d: usize) {
        if (n, d) != (self.n, self.d) {
            *self = Self::new(n, d);
        }
    }
}

impl SphereDynamics {
    /// Validates `attention` for tokens in `R^dim` and precomputes `B = QᵀK`.
    pub fn new(attention: &Attention, dim: usize) -> Result<Self> {
        attention.validate(dim)?;
        let heads = attention
            .heads
            .iter()
            .map(|h| {
                let bilinear_t = match (&h.query, &h.key) {
                    (None, None) => None,
                    (Some(q), None) => Some(q.clone()),
                    (None, Some(k)) => Some(k.transpose().to_owned()),
                    (Some(q), Some(k)) => Some(k.transpose() * q),
                };
                CompiledHead { bilinear_t, value: h.value.clone() }
            })
            .collect();
        Ok(Self { beta: attention.beta, normalization: attention.normalization, mask: attention.mask, dim, heads })
    }

    /// Ambient dimension `d`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Inverse temperature.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The normalisation.
    pub fn normalization(&self) -> Normalization {
        self.normalization
    }

    /// The mask.
    pub fn mask(&self) -> Mask {
        self.mask
    }

    /// Whether every head has `Q = K = V = I` (the case with an energy).
    pub fn is_identity(&self) -> bool {
        self.heads.len() == 1 && self.heads[0].bilinear_t.is_none() && self.heads[0].value.is_none()
    }

    /// Flops of one velocity evaluation for `n` tokens (multiply-adds × 2;
    /// exponentials not counted).
    pub fn flops(&self, n: usize) -> f64 {
        let (n, d) = (n as f64, self.dim as f64);
        self.heads
            .iter()
            .map(|h| {
                4.0 * n * n * d
                    + if h.bilinear_t.is_some() { 2.0 * n * d * d } else { 0.0 }
                    + if h.value.is_some() { 2.0 * n * d * d } else { 0.0 }
            })
            .sum()
    }

    /// The velocity of every token (rows of the result).
    pub fn velocity(&self, p: &Particles) -> Result<Mat<f64>> {
        self.check_particles(p)?;
        let (n, d) = (p.len(), p.dim());
        let xt = p.positions().transpose().to_owned();
        let mut out = Mat::zeros(d, n);
        let mut ws = VelocityWorkspace::new(n, d);
        self.velocity_columns(xt.as_ref(), p.masses(), out.as_mut(), &mut ws)?;
        Ok(out.transpose().to_owned())
    }

    fn check_particles(&self, p: &Particles) -> Result<()> {
        if p.dim() != self.dim {
            return Err(Error::shape("particles", (p.len(), self.dim), (p.len(), p.dim())));
        }
        Ok(())
    }

    /// The attention matrix `A` of head `head` (`a_ij` at row `i`, column `j`).
    pub fn attention_matrix(&self, p: &Particles, head: usize) -> Result<Mat<f64>> {
        self.check_particles(p)?;
        if head >= self.heads.len() {
            return Err(Error::invalid("head", head, "no such head"));
        }
        let (n, d) = (p.len(), p.dim());
        let mut ws = VelocityWorkspace::new(n, d);
        ws.x.copy_from(p.positions());
        let xt = p.positions().transpose().to_owned();
        self.weights(&self.heads[head], xt.as_ref(), p.masses(), &mut ws)?;
        Ok(ws.st.transpose().to_owned())
    }

    /// The velocity with positions as columns: `xt` and `out` are `d × n`
    /// (column `i` is token `i`). Allocation-free given a workspace of the
    /// right size (resized otherwise).
    pub fn velocity_columns(
        &self,
        xt: MatRef<'_, f64>,
        mass: &[f64],
        out: MatMut<'_, f64>,
        ws: &mut VelocityWorkspace,
    ) -> Result<()> {
        self.evaluate_columns(xt, mass, out, ws, true)
    }

    /// The attention output `u_i = Σ_h Σ_j a_ij V_h x_j` before the tangent
    /// projection, with positions as columns (what the authors' Euler +
    /// renormalise scheme steps along).
    pub fn attention_output_columns(
        &self,
        xt: MatRef<'_, f64>,
        mass: &[f64],
        out: MatMut<'_, f64>,
        ws: &mut VelocityWorkspace,
    ) -> Result<()> {
        self.evaluate_columns(xt, mass, out, ws, false)
    }

    fn evaluate_columns(
        &self,
        xt: MatRef<'_, f64>,
        mass: &[f64],
        out: MatMut<'_, f64>,
        ws: &mut VelocityWorkspace,
        project: bool,
    ) -> Result<()> {
        let (d, n) = (xt.nrows(), xt.ncols());
        if d != self.dim {
            return Err(Error::shape("positions (columns)", (self.dim, n), (d, n)));
        }
        if mass.len() != n {
            return Err(Error::shape("masses", (n, 1), (mass.len(), 1)));
        }
        if out.nrows() != d || out.ncols() != n {
            return Err(Error::shape("velocity output", (d, n), (out.nrows(), out.ncols())));
        }
        for j in 0..n {
            if !(0..d).all(|k| xt[(k, j)].is_finite()) {
                return Err(Error::NonFinite { context: "token positions" });
            }
        }
        ws.resize(n, d);
        ws.x.copy_from(xt.transpose());
        for (h, head) in self.heads.iter().enumerate() {
            self.weights(head, xt, mass, ws)?;
            if project && head.value.is_none() {
                // P⊥_{x_i} x_i = 0: drop the self-attention term exactly.
                // Left in, its radial part (weight a_ii, up to 1) cancels in
                // the projection and leaves rounding noise of size ε·a_ii,
                // which swamps exponentially small velocities on plateaus.
                for i in 0..n {
                    ws.st[(i, i)] = 0.0;
                }
            }
            let accum = if h == 0 { Accum::Replace } else { Accum::Add };
            // Uᵀ (+)= (V Xᵀ) Aᵀ; column i of Aᵀ (= ws.st) holds query i's weights.
            match &head.value {
                None => matmul(ws.u.as_mut(), accum, xt, ws.st.as_ref(), 1.0, Par::Seq),
                Some(v) => {
                    matmul(ws.vx.as_mut(), Accum::Replace, v.as_ref(), xt, 1.0, Par::Seq);
                    matmul(ws.u.as_mut(), accum, ws.vx.as_ref(), ws.st.as_ref(), 1.0, Par::Seq);
                }
            }
        }
        let mut out = out;
        for i in 0..n {
            let u = ws.u.col_as_slice(i);
            let mut o = out.as_mut().col_mut(i);
            let c: f64 = if project { (0..d).map(|k| xt[(k, i)] * u[k]).sum() } else { 0.0 };
            for k in 0..d {
                o[k] = u[k] - c * xt[(k, i)];
            }
        }
        Ok(())
    }

    /// Fills `ws.st` with the weights of `head`: column `i` holds `a_i·`.
    /// Expects `ws.x` to hold the positions as rows.
    fn weights(
        &self,
        head: &CompiledHead,
        xt: MatRef<'_, f64>,
        mass: &[f64],
        ws: &mut VelocityWorkspace,
    ) -> Result<()> {
        let n = xt.ncols();
        // Sᵀ[j, i] = s_ij = ⟨x_j, B x_i⟩... computed as (X Bᵀ)[j,:] · x_i.
        match &head.bilinear_t {
            None => matmul(ws.st.as_mut(), Accum::Replace, ws.x.as_ref(), xt, 1.0, Par::Seq),
            Some(bt) => {
                matmul(ws.xb.as_mut(), Accum::Replace, ws.x.as_ref(), bt.as_ref(), 1.0, Par::Seq);
                matmul(ws.st.as_mut(), Accum::Replace, ws.xb.as_ref(), xt, 1.0, Par::Seq);
            }
        }
        let beta = self.beta;
        let total: f64 = mass.iter().sum();
        for i in 0..n {
            let len = match self.mask {
                Mask::Full => n,
                Mask::Causal => i + 1,
            };
            let col = ws.st.col_as_slice_mut(i);
            let (active, masked) = col.split_at_mut(len);
            masked.fill(0.0);
            match self.normalization {
                Normalization::Softmax => {
                    active.iter_mut().for_each(|v| *v *= beta);
                    let top = lane_max(active);
                    active.iter_mut().for_each(|v| *v -= top);
                    exp_in_place(active);
                    active.iter_mut().zip(mass).for_each(|(v, &m)| *v *= m);
                    let inv = lane_sum(active).recip();
                    active.iter_mut().for_each(|v| *v *= inv);
                }
                Normalization::Unnormalized | Normalization::UnnormalizedShifted => {
                    let shift = if self.normalization == Normalization::UnnormalizedShifted { beta } else { 0.0 };
                    // exp_in_place clamps at 709: check for overflow first.
                    if active.iter().any(|&v| beta * v - shift > 709.0) {
                        return Err(Error::Overflow {
                            beta,
                            hint: "e^(beta s) exceeds the f64 range; use Normalization::UnnormalizedShifted or a smaller beta",
                        });
                    }
                    active.iter_mut().for_each(|v| *v = beta * *v - shift);
                    exp_in_place(active);
                    let inv = total.recip();
                    for (v, &m) in active.iter_mut().zip(mass) {
                        *v *= m * inv;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Width of the partial reductions below: independent accumulators so the
/// loops vectorise (a single running sum is a serial chain of additions).
const REDUCE: usize = 8;

/// Sum with `REDUCE` interleaved partial sums, combined in a fixed order
/// (deterministic; rounding differs from a left-to-right sum only in the
/// last bits).
fn lane_sum(x: &[f64]) -> f64 {
    let mut acc = [0.0; REDUCE];
    let chunks = x.chunks_exact(REDUCE);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    acc.iter().sum::<f64>() + rest
}

/// Maximum with `REDUCE` partial maxima.
fn lane_max(x: &[f64]) -> f64 {
    let mut acc = [f64::NEG_INFINITY; REDUCE];
    let chunks = x.chunks_exact(REDUCE);
    let rest = chunks.remainder().iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = if v > *a { v } else { *a };
        }
    }
    acc.iter().copied().fold(rest, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Head;
    use approx::assert_abs_diff_eq;
    use infoflow_numerics::rng::Streams;

    fn rng(tag: &str) -> infoflow_numerics::rng::ChaCha8Rng {
        Streams::for_point(5, "particles.velocity", tag).stream(0)
    }

    fn gaussian(d: usize, tag: &str) -> Mat<f64> {
        infoflow_numerics::linalg::gaussian_matrix(d, d, &mut rng(tag))
    }

    fn mat_vec(m: &Option<Mat<f64>>, x: &[f64]) -> Vec<f64> {
        match m {
            None => x.to_vec(),
            Some(m) => (0..m.nrows()).map(|i| (0..m.ncols()).map(|j| m[(i, j)] * x[j]).sum()).collect(),
        }
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// The velocity by its definition, token by token.
    fn naive_velocity(att: &Attention, p: &Particles) -> Vec<Vec<f64>> {
        let (n, d) = (p.len(), p.dim());
        let x: Vec<Vec<f64>> = (0..n).map(|i| p.position(i)).collect();
        let m = p.masses();
        let total: f64 = m.iter().sum();
        (0..n)
            .map(|i| {
                let mut u = vec![0.0; d];
                for h in &att.heads {
                    let keys = match att.mask {
                        Mask::Full => n,
                        Mask::Causal => i + 1,
                    };
                    let qx = mat_vec(&h.query, &x[i]);
                    let e: Vec<f64> =
                        (0..keys).map(|j| m[j] * (att.beta * dot(&qx, &mat_vec(&h.key, &x[j]))).exp()).collect();
                    let z: f64 = match att.normalization {
                        Normalization::Softmax => e.iter().sum(),
                        Normalization::Unnormalized => total,
                        Normalization::UnnormalizedShifted => total * att.beta.exp(),
                    };
                    for (j, w) in e.iter().enumerate() {
                        let vx = mat_vec(&h.value, &x[j]);
                        for k in 0..d {
                            u[k] += w / z * vx[k];
                        }
                    }
                }
                let c = dot(&u, &x[i]);
                (0..d).map(|k| u[k] - c * x[i][k]).collect()
            })
            .collect()
    }

    fn check_against_naive(att: &Attention, p: &Particles) {
        let dyn_ = SphereDynamics::new(att, p.dim()).unwrap();
        let fast = dyn_.velocity(p).unwrap();
        let slow = naive_velocity(att, p);
        for i in 0..p.len() {
            for k in 0..p.dim() {
                assert_abs_diff_eq!(fast[(i, k)], slow[i][k], epsilon = 1e-12 * slow[i][k].abs().max(1.0));
            }
        }
    }

    #[test]
    fn matches_the_definition_for_every_model() {
        let d = 5;
        let mut r = rng("points");
        let p = Particles::uniform(9, d, &mut r).unwrap();
        let weighted =
            Particles::on_sphere_with_masses(p.positions().clone(), (0..9).map(|i| 1.0 + i as f64 / 3.0).collect())
                .unwrap();
        let general =
            Head { query: Some(gaussian(d, "q")), key: Some(gaussian(d, "k")), value: Some(gaussian(d, "v")) };
        let key_only = Head { key: Some(gaussian(d, "k2")), ..Head::identity() };
        for norm in [Normalization::Softmax, Normalization::Unnormalized, Normalization::UnnormalizedShifted] {
            for mask in [Mask::Full, Mask::Causal] {
                for heads in [vec![Head::identity()], vec![general.clone()], vec![key_only.clone(), general.clone()]] {
                    for beta in [0.0, 1.5, -2.0] {
                        let att =
                            Attention::softmax(beta).with_normalization(norm).with_mask(mask).with_heads(heads.clone());
                        check_against_naive(&att, &p);
                        check_against_naive(&att, &weighted);
                    }
                }
            }
        }
    }

    #[test]
    fn a_heavy_particle_is_coincident_tokens() {
        let mut r = rng("mass");
        let p = Particles::uniform(4, 3, &mut r).unwrap();
        let x = p.positions();
        // Token 1 duplicated twice → mass 3 at token 1.
        let dup = Mat::from_fn(6, 3, |i, j| x[([0, 1, 1, 1, 2, 3][i], j)]);
        let dup = Particles::on_sphere(dup).unwrap();
        let heavy = Particles::on_sphere_with_masses(x.clone(), vec![1.0, 3.0, 1.0, 1.0]).unwrap();
        for att in [Attention::softmax(2.0), Attention::unnormalized(2.0)] {
            let dynamics = SphereDynamics::new(&att, 3).unwrap();
            let a = dynamics.velocity(&dup).unwrap();
            let b = dynamics.velocity(&heavy).unwrap();
            for (row_dup, row_heavy) in [(0, 0), (1, 1), (3, 1), (4, 2), (5, 3)] {
                for k in 0..3 {
                    assert_abs_diff_eq!(a[(row_dup, k)], b[(row_heavy, k)], epsilon = 1e-14);
                }
            }
        }
    }

    #[test]
    fn stationary_configurations() {
        let att = Attention::softmax(3.0);
        let dynamics = SphereDynamics::new(&att, 3).unwrap();
        let single = Particles::on_sphere(Mat::from_fn(1, 3, |_, j| j as f64 + 1.0)).unwrap();
        assert!(dynamics.velocity(&single).unwrap().norm_max() < 1e-15);
        let antipodal =
            Particles::on_sphere(Mat::from_fn(2, 3, |i, j| if j == 0 { 1.0 - 2.0 * i as f64 } else { 0.0 })).unwrap();
        for att in [Attention::softmax(3.0), Attention::unnormalized(3.0)] {
            let dynamics = SphereDynamics::new(&att, 3).unwrap();
            assert!(dynamics.velocity(&antipodal).unwrap().norm_max() < 1e-15);
        }
    }

    #[test]
    fn causal_first_token_is_autonomous() {
        let d = 4;
        let v = gaussian(d, "v-first");
        let mut r = rng("causal");
        let p = Particles::uniform(6, d, &mut r).unwrap();
        let att = Attention::softmax(4.0).with_mask(Mask::Causal).with_heads(vec![Head {
            query: Some(gaussian(d, "q1")),
            key: Some(gaussian(d, "k1")),
            value: Some(v.clone()),
        }]);
        let vel = SphereDynamics::new(&att, d).unwrap().velocity(&p).unwrap();
        let x0 = p.position(0);
        let vx = mat_vec(&Some(v), &x0);
        let c = dot(&vx, &x0);
        for k in 0..d {
            assert_abs_diff_eq!(vel[(0, k)], vx[k] - c * x0[k], epsilon = 1e-14);
        }
    }

    #[test]
    fn large_beta_softmax_is_finite_and_usa_overflow_is_an_error() {
        let mut r = rng("beta");
        let p = Particles::uniform(16, 3, &mut r).unwrap();
        let sa = SphereDynamics::new(&Attention::softmax(1e4), 3).unwrap().velocity(&p).unwrap();
        for i in 0..16 {
            let row: f64 = (0..3).map(|k| sa[(i, k)].powi(2)).sum::<f64>().sqrt();
            assert!(row.is_finite() && row <= 1.0 + 1e-12, "SA velocity norm {row} > 1");
        }
        let usa = SphereDynamics::new(&Attention::unnormalized(1e4), 3).unwrap().velocity(&p);
        assert!(matches!(usa, Err(Error::Overflow { .. })));
        let shifted = Attention::unnormalized(1e4).with_normalization(Normalization::UnnormalizedShifted);
        assert!(SphereDynamics::new(&shifted, 3).unwrap().velocity(&p).unwrap().norm_max().is_finite());
    }

    #[test]
    fn attention_matrix_rows_are_probabilities() {
        let mut r = rng("attn");
        let p = Particles::uniform(7, 3, &mut r).unwrap();
        let att = Attention::softmax(2.0).with_mask(Mask::Causal);
        let a = SphereDynamics::new(&att, 3).unwrap().attention_matrix(&p, 0).unwrap();
        for i in 0..7 {
            let s: f64 = (0..7).map(|j| a[(i, j)]).sum();
            assert_abs_diff_eq!(s, 1.0, epsilon = 1e-14);
            for j in i + 1..7 {
                assert_eq!(a[(i, j)], 0.0);
            }
        }
        assert!(SphereDynamics::new(&att, 3).unwrap().attention_matrix(&p, 1).is_err());
    }

    #[test]
    fn bad_input_is_an_error() {
        let dynamics = SphereDynamics::new(&Attention::softmax(1.0), 3).unwrap();
        let p2 = Particles::on_sphere(Mat::from_fn(2, 2, |i, j| (i + j) as f64 + 1.0)).unwrap();
        assert!(matches!(dynamics.velocity(&p2), Err(Error::Shape { .. })));
        let mut ws = VelocityWorkspace::new(2, 3);
        let xt = Mat::from_fn(3, 2, |_, _| f64::NAN);
        let mut out = Mat::zeros(3, 2);
        assert!(matches!(
            dynamics.velocity_columns(xt.as_ref(), &[1.0, 1.0], out.as_mut(), &mut ws),
            Err(Error::NonFinite { .. })
        ));
        let xt = Mat::from_fn(3, 2, |i, j| if i == j { 1.0 } else { 0.0 });
        assert!(dynamics.velocity_columns(xt.as_ref(), &[1.0], out.as_mut(), &mut ws).is_err());
        let mut small = Mat::zeros(3, 1);
        assert!(dynamics.velocity_columns(xt.as_ref(), &[1.0, 1.0], small.as_mut(), &mut ws).is_err());
    }
}
