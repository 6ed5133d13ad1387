//! The attention model and the particle configuration.
//!
//! One description, [`Attention`], serves every dynamics of the crate: the
//! sphere dynamics ([`crate::SphereDynamics`]) and the unnormalised dynamics
//! on R^d ([`crate::euclidean`]). A head is a triple `(Q, K, V)` of `d × d`
//! matrices, each the identity when absent; several heads are summed. Only
//! the bilinear form `QᵀK` enters the scores `s_ij = ⟨Q x_i, K x_j⟩`.

use crate::error::{Error, Result};
use faer::Mat;
use infoflow_numerics::sphere;
use rand::Rng;

/// How the attention weights `e^{β s_ij}` of a query are normalised.
///
/// With token masses `m_j` (total `N = Σ m_j`, equal to `n` for unit masses):
///
/// | variant | weight `a_ij` |
/// |---|---|
/// | `Softmax` (SA) | `m_j e^{β s_ij} / Σ_k m_k e^{β s_ik}` |
/// | `Unnormalized` (USA) | `m_j e^{β s_ij} / N` |
/// | `UnnormalizedShifted` | `m_j e^{β (s_ij − 1)} / N`: USA with time rescaled by `e^{−β}`, the normalisation of arXiv 2410.06833, which keeps weights ≤ 1 on the sphere for any β |
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Normalization {
    /// Softmax self-attention (SA).
    #[default]
    Softmax,
    /// Unnormalised self-attention (USA), `1/n` in front.
    Unnormalized,
    /// USA with the `e^{−β}` shift of arXiv 2410.06833.
    UnnormalizedShifted,
}

/// Which keys a query sees.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mask {
    /// Every token attends to every token.
    #[default]
    Full,
    /// Token `i` attends to tokens `j ≤ i` (arXiv 2411.04990).
    Causal,
}

/// One attention head: query, key and value matrices (`d × d`), the
/// identity when `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Head {
    /// `Q`.
    pub query: Option<Mat<f64>>,
    /// `K`.
    pub key: Option<Mat<f64>>,
    /// `V`.
    pub value: Option<Mat<f64>>,
}

impl Head {
    /// `Q = K = V = I`.
    pub fn identity() -> Self {
        Self::default()
    }

    /// `Q = K = I` and the given value matrix.
    pub fn with_value(value: Mat<f64>) -> Self {
        Self { value: Some(value), ..Self::default() }
    }
}

/// The attention description: inverse temperature, normalisation, mask and
/// heads (their outputs are summed).
#[derive(Clone, Debug, PartialEq)]
pub struct Attention {
    /// Inverse temperature `β` (any finite value; negative is repulsive).
    pub beta: f64,
    /// How weights are normalised.
    pub normalization: Normalization,
    /// Which keys each query sees.
    pub mask: Mask,
    /// The heads; at least one.
    pub heads: Vec<Head>,
}

impl Attention {
    /// Softmax self-attention (SA) with one identity head and no mask.
    pub fn softmax(beta: f64) -> Self {
        Self { beta, normalization: Normalization::Softmax, mask: Mask::Full, heads: vec![Head::identity()] }
    }

    /// Unnormalised self-attention (USA) with one identity head and no mask.
    pub fn unnormalized(beta: f64) -> Self {
        Self { normalization: Normalization::Unnormalized, ..Self::softmax(beta) }
    }

    /// The same model with another normalisation.
    pub fn with_normalization(mut self, normalization: Normalization) -> Self {
        self.normalization = normalization;
        self
    }

    /// The same model with another mask.
    pub fn with_mask(mut self, mask: Mask) -> Self {
        self.mask = mask;
        self
    }

    /// The same model with these heads.
    pub fn with_heads(mut self, heads: Vec<Head>) -> Self {
        self.heads = heads;
        self
    }

    /// Checks β, the number of heads and every matrix against dimension `dim`.
    pub fn validate(&self, dim: usize) -> Result<()> {
        if !self.beta.is_finite() {
            return Err(Error::invalid("beta", self.beta, "the inverse temperature must be finite"));
        }
        if dim == 0 {
            return Err(Error::invalid("dimension", dim, "tokens need d >= 1"));
        }
        if self.heads.is_empty() {
            return Err(Error::invalid("heads", 0, "attention needs at least one head"));
        }
        for head in &self.heads {
            for (m, context) in
                [(&head.query, "query matrix Q"), (&head.key, "key matrix K"), (&head.value, "value matrix V")]
            {
                if let Some(m) = m {
                    if m.nrows() != dim || m.ncols() != dim {
                        return Err(Error::shape(context, (dim, dim), (m.nrows(), m.ncols())));
                    }
                    if !all_finite(m) {
                        return Err(Error::NonFinite { context });
                    }
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn all_finite(m: &Mat<f64>) -> bool {
    (0..m.ncols()).all(|j| infoflow_numerics::all_finite(m.col_as_slice(j)))
}

/// Tokens with masses: `n` points in `R^d` (the rows of `x`) and positive
/// weights. A particle of mass `m` is exactly `m` coincident tokens for SA
/// and USA.
#[derive(Clone, Debug, PartialEq)]
pub struct Particles {
    x: Mat<f64>,
    mass: Vec<f64>,
}

fn check_finite_rows(x: &Mat<f64>) -> Result<()> {
    if all_finite(x) { Ok(()) } else { Err(Error::NonFinite { context: "token positions" }) }
}

impl Particles {
    /// Unit-mass tokens at the rows of `x`, normalised onto the sphere.
    /// Errors on a zero or non-finite row.
    pub fn on_sphere(x: Mat<f64>) -> Result<Self> {
        let n = x.nrows();
        Self::on_sphere_with_masses(x, vec![1.0; n])
    }

    /// Weighted tokens at the rows of `x`, normalised onto the sphere.
    pub fn on_sphere_with_masses(mut x: Mat<f64>, mass: Vec<f64>) -> Result<Self> {
        Self::check(&x, &mass)?;
        let mut row = vec![0.0; x.ncols()];
        for i in 0..x.nrows() {
            for (j, r) in row.iter_mut().enumerate() {
                *r = x[(i, j)];
            }
            sphere::normalize(&mut row).map_err(|_| Error::ZeroToken { index: i })?;
            for (j, r) in row.iter().enumerate() {
                x[(i, j)] = *r;
            }
        }
        Ok(Self { x, mass })
    }

    /// Unit-mass tokens in `R^d`, as given (for the Euclidean dynamics).
    pub fn in_space(x: Mat<f64>) -> Result<Self> {
        let n = x.nrows();
        let mass = vec![1.0; n];
        Self::check(&x, &mass)?;
        Ok(Self { x, mass })
    }

    fn check(x: &Mat<f64>, mass: &[f64]) -> Result<()> {
        if x.ncols() == 0 {
            return Err(Error::invalid("dimension", 0, "tokens need d >= 1"));
        }
        if mass.len() != x.nrows() {
            return Err(Error::shape("masses", (x.nrows(), 1), (mass.len(), 1)));
        }
        if let Some(m) = mass.iter().find(|m| !(m.is_finite() && **m > 0.0)) {
            return Err(Error::invalid("mass", m, "masses must be positive and finite"));
        }
        check_finite_rows(x)
    }

    /// `n` iid uniform tokens on S^{d−1} (rows drawn in order).
    pub fn uniform<R: Rng + ?Sized>(n: usize, dim: usize, rng: &mut R) -> Result<Self> {
        Self::on_sphere(sphere::uniform_points(n, dim, rng)?)
    }

    /// The first `n` standard basis vectors of R^d (needs `d ≥ n`): an
    /// equiangular start with all inner products 0.
    pub fn orthonormal(n: usize, dim: usize) -> Result<Self> {
        if dim < n {
            return Err(Error::invalid("dimension", dim, "an orthonormal start needs d >= n"));
        }
        Self::on_sphere(Mat::from_fn(n, dim, |i, j| if i == j { 1.0 } else { 0.0 }))
    }

    /// Tokens on the circle S¹ at angles `θ_i`: `x_i = (cos θ_i, sin θ_i)`.
    pub fn on_circle(angles: &[f64]) -> Result<Self> {
        if angles.iter().any(|a| !a.is_finite()) {
            return Err(Error::NonFinite { context: "angles" });
        }
        Self::on_sphere(Mat::from_fn(angles.len(), 2, |i, j| if j == 0 { angles[i].cos() } else { angles[i].sin() }))
    }

    /// Number of particles.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// Whether there are no particles.
    pub fn is_empty(&self) -> bool {
        self.x.nrows() == 0
    }

    /// Ambient dimension `d`.
    pub fn dim(&self) -> usize {
        self.x.ncols()
    }

    /// Positions, one particle per row.
    pub fn positions(&self) -> &Mat<f64> {
        &self.x
    }

    /// Masses.
    pub fn masses(&self) -> &[f64] {
        &self.mass
    }

    /// Total mass `N = Σ m_i`.
    pub fn total_mass(&self) -> f64 {
        self.mass.iter().sum()
    }

    /// Position of particle `i` as a vector.
    pub fn position(&self, i: usize) -> Vec<f64> {
        (0..self.dim()).map(|j| self.x[(i, j)]).collect()
    }

    /// Builds from parts already validated by the crate.
    pub(crate) fn from_parts(x: Mat<f64>, mass: Vec<f64>) -> Self {
        debug_assert_eq!(x.nrows(), mass.len());
        Self { x, mass }
    }

    /// Splits into positions and masses.
    pub fn into_parts(self) -> (Mat<f64>, Vec<f64>) {
        (self.x, self.mass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_catches_bad_models() {
        assert!(Attention::softmax(f64::NAN).validate(3).is_err());
        assert!(Attention::softmax(1.0).with_heads(vec![]).validate(3).is_err());
        let bad = Head::with_value(Mat::zeros(2, 3));
        assert!(matches!(Attention::softmax(1.0).with_heads(vec![bad]).validate(3), Err(Error::Shape { .. })));
        let nan = Head::with_value(Mat::from_fn(3, 3, |_, _| f64::NAN));
        assert!(matches!(Attention::softmax(1.0).with_heads(vec![nan]).validate(3), Err(Error::NonFinite { .. })));
        Attention::unnormalized(-2.0).with_mask(Mask::Causal).validate(3).unwrap();
    }

    #[test]
    fn particles_are_validated_and_normalised() {
        let p = Particles::on_sphere(Mat::from_fn(2, 2, |i, j| if i == j { 3.0 } else { 0.0 })).unwrap();
        assert_eq!(p.position(0), vec![1.0, 0.0]);
        assert!(matches!(Particles::on_sphere(Mat::zeros(2, 2)), Err(Error::ZeroToken { index: 0 })));
        assert!(Particles::on_sphere(Mat::from_fn(1, 2, |_, _| f64::INFINITY)).is_err());
        assert!(Particles::on_sphere_with_masses(Mat::from_fn(2, 2, |_, _| 1.0), vec![1.0, 0.0]).is_err());
        assert!(Particles::on_sphere_with_masses(Mat::from_fn(2, 2, |_, _| 1.0), vec![1.0]).is_err());
        assert!(Particles::orthonormal(4, 3).is_err());
        assert!(Particles::on_circle(&[0.0, f64::NAN]).is_err());
        assert!(Particles::on_sphere(Mat::zeros(3, 0)).is_err());
    }
}
