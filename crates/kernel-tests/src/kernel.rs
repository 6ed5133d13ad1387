//! Kernels on `R^d` (samples are the rows of a matrix) and kernels on
//! feature maps.
//!
//! The Gaussian kernel exponentiates with the vectorised `exp` of
//! [`infoflow_numerics::special::exp_in_place`] (within 2 ulp of `f64::exp`,
//! an order of magnitude faster here). Distance kernels go through squared
//! distances from one faer GEMM
//! (`‖x‖² + ‖y‖² − 2XYᵀ`, [`infoflow_numerics::linalg::pairwise_sq_distances`]),
//! never an `n²d` loop. [`Kernel::gram`] returns a full block; the
//! estimators of [`crate::mmd`] and the tests work on blocks so that large
//! samples never materialise an `n × m` matrix.
//!
//! | kernel | `k(x, y)` |
//! |---|---|
//! | [`Gaussian`] | `exp(−‖x − y‖²/(2ℓ²))` |
//! | [`Laplace`] | `exp(−‖x − y‖/ℓ)` |
//! | [`InverseMultiquadric`] | `(c² + ‖x − y‖²)^{−1/2}` |
//! | [`Linear`] | `⟨x, y⟩` |
//! | [`Polynomial`] | `(⟨x, y⟩ + c)^p` |
//! | [`OnFeatures`] | `κ(φ(x), φ(y))` for a [`FeatureMap`] `φ` |
//! | [`Mixture`] | MMD-M: `[(1 − ε) exp(−‖φx − φy‖²/σ₀²) + ε] · exp(−‖ψx − ψy‖²/σ²)` |

use crate::error::{Error, Result};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use infoflow_numerics::linalg::{ensure_finite_mat, pairwise_sq_distances, pairwise_sq_distances_into};
use infoflow_numerics::special::{exp_in_place, exp_scaled_in_place};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal, Uniform};

/// A positive-definite kernel on rows of matrices.
///
/// A kernel computes its blocks on *embedded* rows: [`Kernel::embed`] maps
/// each sample once (a kernel on learned or random features returns the
/// features; the plain kernels return the rows themselves, without a copy),
/// and [`Kernel::block_into`] evaluates `k` on blocks of embedded rows. The
/// estimators, tests and calibrations of this crate embed every sample once
/// and then loop over blocks, so a feature map costs `O(n)` evaluations,
/// not one per block or per pair. [`Kernel::gram`] does both for one pair
/// of samples.
pub trait Kernel: Send + Sync {
    /// A short name.
    fn name(&self) -> String;
    /// The rows [`Kernel::block_into`] works on, for the rows of `x`
    /// (`n × d`); by default `x` itself.
    fn embed<'a>(&self, x: MatRef<'a, f64>) -> Result<Embedded<'a>> {
        Ok(Embedded::Rows(x))
    }
    /// The block `K_ij = k(x_i, y_j)` of *embedded* rows `a = embed(x)`,
    /// `b = embed(y)` (or row ranges of them) into `out`, reusing its
    /// allocation where the kernel can.
    fn block_into(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()>;
    /// The block `K_ij = k(x_i, y_j)` (`x`: `n × d`, `y`: `m × d`).
    fn gram(&self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par) -> Result<Mat<f64>> {
        check_pair(x, y)?;
        let (a, b) = (self.embed(x)?, self.embed(y)?);
        let mut out = Mat::new();
        self.block_into(a.as_ref(), b.as_ref(), par, &mut out)?;
        Ok(out)
    }
}

/// A sample as a kernel sees it (see [`Kernel::embed`]): the rows
/// themselves, or their features.
#[derive(Debug)]
pub enum Embedded<'a> {
    /// The rows, borrowed.
    Rows(MatRef<'a, f64>),
    /// Features, one row per sample row.
    Features(Mat<f64>),
}

impl Embedded<'_> {
    /// The embedded rows.
    pub fn as_ref(&self) -> MatRef<'_, f64> {
        match self {
            Embedded::Rows(r) => *r,
            Embedded::Features(m) => m.as_ref(),
        }
    }
}

/// A feature map `φ: R^d → R^D` applied to every row.
pub trait FeatureMap: Send + Sync {
    /// The features of every row of `x`.
    fn map(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>>;
}

pub(crate) fn check_pair(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Result<()> {
    if x.ncols() != y.ncols() {
        return Err(Error::Shape {
            context: "samples",
            expected: format!("the same dimension ({})", x.ncols()),
            found: format!("{}", y.ncols()),
        });
    }
    Ok(())
}

fn check_width(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 { Ok(()) } else { Err(Error::invalid(name, v, "a bandwidth is finite and positive")) }
}

fn map_distances(x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par, f: impl Fn(f64) -> f64) -> Result<Mat<f64>> {
    check_pair(x, y)?;
    let mut d = pairwise_sq_distances(x, y, par)?;
    for j in 0..d.ncols() {
        d.col_as_slice_mut(j).iter_mut().for_each(|v| *v = f(*v));
    }
    Ok(d)
}

/// The Gaussian kernel with bandwidth `ℓ`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gaussian {
    bandwidth: f64,
}

impl Gaussian {
    /// Bandwidth `ℓ > 0`.
    pub fn new(bandwidth: f64) -> Result<Self> {
        check_width("bandwidth", bandwidth)?;
        Ok(Self { bandwidth })
    }
    /// `ℓ`.
    pub fn bandwidth(&self) -> f64 {
        self.bandwidth
    }
}

impl Kernel for Gaussian {
    fn name(&self) -> String {
        format!("Gaussian(ℓ = {:.4})", self.bandwidth)
    }
    fn block_into(&self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
        check_pair(x, y)?;
        pairwise_sq_distances_into(x, y, par, out)?;
        // One pass: e^{s·d} with the vectorised exponential of the shared
        // numerics (within 2 ulp).
        let s = -0.5 / (self.bandwidth * self.bandwidth);
        for j in 0..out.ncols() {
            exp_scaled_in_place(out.col_as_slice_mut(j), s);
        }
        Ok(())
    }
}

/// The Laplace kernel `exp(−‖x − y‖/ℓ)`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Laplace {
    bandwidth: f64,
}

impl Laplace {
    /// Bandwidth `ℓ > 0`.
    pub fn new(bandwidth: f64) -> Result<Self> {
        check_width("bandwidth", bandwidth)?;
        Ok(Self { bandwidth })
    }
}

impl Kernel for Laplace {
    fn name(&self) -> String {
        format!("Laplace(ℓ = {:.4})", self.bandwidth)
    }
    fn block_into(&self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
        let s = 1.0 / self.bandwidth;
        *out = map_distances(x, y, par, |d| -s * d.sqrt())?;
        for j in 0..out.ncols() {
            exp_in_place(out.col_as_slice_mut(j));
        }
        Ok(())
    }
}

/// The inverse multiquadric `(c² + ‖x − y‖²)^{−1/2}`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InverseMultiquadric {
    c: f64,
}

impl InverseMultiquadric {
    /// `c > 0`.
    pub fn new(c: f64) -> Result<Self> {
        check_width("c", c)?;
        Ok(Self { c })
    }
}

impl Kernel for InverseMultiquadric {
    fn name(&self) -> String {
        format!("IMQ(c = {:.4})", self.c)
    }
    fn block_into(&self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
        let c2 = self.c * self.c;
        *out = map_distances(x, y, par, |d| 1.0 / (c2 + d).sqrt())?;
        Ok(())
    }
}

fn inner(x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par) -> Result<Mat<f64>> {
    check_pair(x, y)?;
    ensure_finite_mat("kernel input x", x)?;
    ensure_finite_mat("kernel input y", y)?;
    let mut g = Mat::zeros(x.nrows(), y.nrows());
    matmul(g.as_mut(), Accum::Replace, x, y.transpose(), 1.0, par);
    ensure_finite_mat("kernel: inner products overflow f64", g.as_ref())?;
    Ok(g)
}

/// The linear kernel `⟨x, y⟩`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Linear;

impl Kernel for Linear {
    fn name(&self) -> String {
        "linear".into()
    }
    fn block_into(&self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
        *out = inner(x, y, par)?;
        Ok(())
    }
}

/// The polynomial kernel `(⟨x, y⟩ + c)^p`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Polynomial {
    degree: u32,
    c: f64,
}

impl Polynomial {
    /// Degree `p ≥ 1`, offset `c ≥ 0`.
    pub fn new(degree: u32, c: f64) -> Result<Self> {
        if degree == 0 || !(c.is_finite() && c >= 0.0) {
            return Err(Error::invalid("degree, c", format!("{degree}, {c}"), "degree ≥ 1 and a finite offset c ≥ 0"));
        }
        Ok(Self { degree, c })
    }
}

impl Kernel for Polynomial {
    fn name(&self) -> String {
        format!("poly(p = {}, c = {})", self.degree, self.c)
    }
    fn block_into(&self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
        let mut g = inner(x, y, par)?;
        for j in 0..g.ncols() {
            g.col_as_slice_mut(j).iter_mut().for_each(|v| *v = (*v + self.c).powi(self.degree as i32));
        }
        ensure_finite_mat("polynomial kernel: (<x, y> + c)^p overflows f64", g.as_ref())?;
        *out = g;
        Ok(())
    }
}

/// The median heuristic: the median distance between rows of `x` and `y`
/// pooled (on at most 1000 rows of each, taken evenly), which many papers
/// use as the Gaussian bandwidth. An error when all points coincide.
pub fn median_bandwidth(x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> Result<f64> {
    check_pair(x, y)?;
    let pick = |m: MatRef<'_, f64>| {
        let step = m.nrows().div_ceil(1000).max(1);
        let rows: Vec<usize> = (0..m.nrows()).step_by(step).collect();
        Mat::from_fn(rows.len(), m.ncols(), |i, j| m[(rows[i], j)])
    };
    let (a, b) = (pick(x), pick(y));
    let pooled =
        Mat::from_fn(
            a.nrows() + b.nrows(),
            a.ncols(),
            |i, j| if i < a.nrows() { a[(i, j)] } else { b[(i - a.nrows(), j)] },
        );
    let d = pairwise_sq_distances(pooled.as_ref(), pooled.as_ref(), Par::Seq)?;
    let mut v: Vec<f64> = (0..d.nrows())
        .flat_map(|i| ((i + 1)..d.ncols()).map(move |j| (i, j)))
        .map(|(i, j)| d[(i, j)])
        .filter(|v| *v > 0.0)
        .collect();
    if v.is_empty() {
        return Err(Error::invalid("samples", "all points equal", "the median heuristic needs two distinct points"));
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    Ok(m.sqrt())
}

/// The identity feature map.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Identity;

impl FeatureMap for Identity {
    fn map(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        Ok(x.to_owned())
    }
}

/// Random Fourier features of the Gaussian kernel with bandwidth `ℓ`:
/// `φ(x) = √(2/D) cos(Wx + b)`, `W ~ N(0, ℓ^{−2} I)`, `b ~ U[0, 2π)`, so
/// `⟨φ(x), φ(y)⟩ → exp(−‖x − y‖²/(2ℓ²))` as `D` grows.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFourier {
    w: Mat<f64>,
    b: Vec<f64>,
}

impl RandomFourier {
    /// `features` features for inputs of dimension `dim`.
    pub fn new<R: Rng + ?Sized>(dim: usize, features: usize, bandwidth: f64, rng: &mut R) -> Result<Self> {
        check_width("bandwidth", bandwidth)?;
        if dim == 0 || features == 0 {
            return Err(Error::invalid("dim, features", format!("{dim}, {features}"), "both at least 1"));
        }
        let w = Mat::from_fn(dim, features, |_, _| {
            let z: f64 = StandardNormal.sample(rng);
            z / bandwidth
        });
        let u = Uniform::new(0.0, 2.0 * std::f64::consts::PI).expect("valid range");
        Ok(Self { w, b: (0..features).map(|_| u.sample(rng)).collect() })
    }
}

impl FeatureMap for RandomFourier {
    fn map(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        if x.ncols() != self.w.nrows() {
            return Err(Error::Shape {
                context: "random features",
                expected: format!("dimension {}", self.w.nrows()),
                found: format!("{}", x.ncols()),
            });
        }
        let mut z = Mat::zeros(x.nrows(), self.w.ncols());
        matmul(z.as_mut(), Accum::Replace, x, self.w.as_ref(), 1.0, Par::Seq);
        let s = (2.0 / self.w.ncols() as f64).sqrt();
        for (j, &b) in self.b.iter().enumerate() {
            z.col_as_slice_mut(j).iter_mut().for_each(|v| *v = s * (*v + b).cos());
        }
        Ok(z)
    }
}

/// A kernel `κ` evaluated on the features `φ(x)`.
pub struct OnFeatures<K, F> {
    /// The kernel on features.
    pub kernel: K,
    /// The feature map.
    pub features: F,
}

impl<K: Kernel, F: FeatureMap> Kernel for OnFeatures<K, F> {
    fn name(&self) -> String {
        format!("{} on features", self.kernel.name())
    }
    fn embed<'a>(&self, x: MatRef<'a, f64>) -> Result<Embedded<'a>> {
        let features = self.features.map(x)?;
        // The inner kernel's own embedding of the features, owned.
        let inner = match self.kernel.embed(features.as_ref())? {
            Embedded::Rows(_) => None,
            Embedded::Features(m) => Some(m),
        };
        Ok(Embedded::Features(inner.unwrap_or(features)))
    }
    fn block_into(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
        self.kernel.block_into(a, b, par, out)
    }
}

/// The MMD-M kernel of arXiv 2308.09043 (Liu et al.'s deep kernel with the
/// input-space factor on a second map `ψ`):
/// `k(x, y) = [(1 − ε) exp(−‖φx − φy‖²/σ₀²) + ε] · exp(−‖ψx − ψy‖²/σ²)`.
/// With [`Identity`] maps it is a mixture of two Gaussians. The maps are
/// applied per block (the kernel does not know their output widths, so it
/// cannot split an embedding); the learned MMD-M of the `learned` feature
/// embeds every sample once.
pub struct Mixture<P, Q> {
    /// `φ`.
    pub phi: P,
    /// `ψ`.
    pub psi: Q,
    /// `σ₀` (feature-space width).
    pub sigma0: f64,
    /// `σ` (input-space width).
    pub sigma: f64,
    /// `ε ∈ [0, 1]`.
    pub eps: f64,
}

/// The MMD-M block `[(1 − ε) exp(−‖φa − φb‖²/σ₀²) + ε] · exp(−‖ψa − ψb‖²/σ²)`
/// from the features `phi = [φa, φb]`, `psi = [ψa, ψb]` and
/// `[σ₀, σ, ε]` (checked by the caller).
pub(crate) fn mixture_block(
    phi: [MatRef<'_, f64>; 2],
    psi: [MatRef<'_, f64>; 2],
    [sigma0, sigma, eps]: [f64; 3],
    par: Par,
) -> Result<Mat<f64>> {
    let mut a = pairwise_sq_distances(phi[0], phi[1], par)?;
    let mut b = pairwise_sq_distances(psi[0], psi[1], par)?;
    let (s0, s) = (1.0 / (sigma0 * sigma0), 1.0 / (sigma * sigma));
    for j in 0..b.ncols() {
        let (ca, cb) = (a.col_as_slice_mut(j), b.col_as_slice_mut(j));
        ca.iter_mut().for_each(|v| *v *= -s0);
        cb.iter_mut().for_each(|v| *v *= -s);
        exp_in_place(ca);
        exp_in_place(cb);
        for (v, &e0) in cb.iter_mut().zip(ca.iter()) {
            *v *= (1.0 - eps) * e0 + eps;
        }
    }
    Ok(b)
}

impl<P: FeatureMap, Q: FeatureMap> Kernel for Mixture<P, Q> {
    fn name(&self) -> String {
        format!("MMD-M(σ₀ = {:.3}, σ = {:.3}, ε = {:.3})", self.sigma0, self.sigma, self.eps)
    }
    fn block_into(&self, x: MatRef<'_, f64>, y: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
        check_width("sigma0", self.sigma0)?;
        check_width("sigma", self.sigma)?;
        if !(0.0..=1.0).contains(&self.eps) {
            return Err(Error::invalid("eps", self.eps, "the mixing weight lies in [0, 1]"));
        }
        check_pair(x, y)?;
        *out = mixture_block(
            [self.phi.map(x)?.as_ref(), self.phi.map(y)?.as_ref()],
            [self.psi.map(x)?.as_ref(), self.psi.map(y)?.as_ref()],
            [self.sigma0, self.sigma, self.eps],
            par,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn kernels_match_their_formulas_entrywise() {
        let x = Mat::from_fn(4, 3, |i, j| (i as f64 * 0.7 + j as f64 * 0.3).sin());
        let y = Mat::from_fn(5, 3, |i, j| (i as f64 * 0.2 - j as f64).cos());
        let dist2 = |i: usize, j: usize| (0..3).map(|k| (x[(i, k)] - y[(j, k)]).powi(2)).sum::<f64>();
        let dot = |i: usize, j: usize| (0..3).map(|k| x[(i, k)] * y[(j, k)]).sum::<f64>();
        type Entry<'a> = Box<dyn Fn(usize, usize) -> f64 + 'a>;
        let kernels: Vec<(Box<dyn Kernel>, Entry<'_>)> = vec![
            (Box::new(Gaussian::new(0.8).unwrap()), Box::new(move |i, j| (-dist2(i, j) / (2.0 * 0.64)).exp())),
            (Box::new(Laplace::new(0.5).unwrap()), Box::new(move |i, j| (-dist2(i, j).sqrt() / 0.5).exp())),
            (Box::new(InverseMultiquadric::new(1.5).unwrap()), Box::new(move |i, j| 1.0 / (2.25 + dist2(i, j)).sqrt())),
            (Box::new(Linear), Box::new(dot)),
            (Box::new(Polynomial::new(3, 1.0).unwrap()), Box::new(move |i, j| (dot(i, j) + 1.0).powi(3))),
            (
                Box::new(Mixture { phi: Identity, psi: Identity, sigma0: 0.5, sigma: 2.0, eps: 0.25 }),
                Box::new(move |i, j| (0.75 * (-dist2(i, j) / 0.25).exp() + 0.25) * (-dist2(i, j) / 4.0).exp()),
            ),
        ];
        for (k, f) in &kernels {
            let g = k.gram(x.as_ref(), y.as_ref(), Par::Seq).unwrap();
            for i in 0..4 {
                for j in 0..5 {
                    assert!((g[(i, j)] - f(i, j)).abs() < 1e-12, "{}", k.name());
                }
            }
            assert!(k.gram(x.as_ref(), Mat::<f64>::zeros(2, 2).as_ref(), Par::Seq).is_err(), "{}", k.name());
        }
        let mut bad = x.clone();
        bad[(1, 1)] = f64::NAN;
        assert!(Gaussian::new(1.0).unwrap().gram(bad.as_ref(), y.as_ref(), Par::Seq).is_err());
        assert!(Linear.gram(bad.as_ref(), y.as_ref(), Par::Seq).is_err());
        assert!(Gaussian::new(0.0).is_err());
        assert!(Polynomial::new(0, 1.0).is_err());
    }

    #[test]
    fn a_feature_map_runs_once_per_sample_in_every_test() {
        // A map that counts its calls: the estimators, the permutation test
        // and the likelihood-free test embed each sample once, however many
        // blocks (n > BLOCK) they evaluate.
        struct Counted(std::sync::atomic::AtomicUsize);
        impl FeatureMap for Counted {
            fn map(&self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
                self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(Mat::from_fn(x.nrows(), x.ncols(), |i, j| 2.0 * x[(i, j)]))
            }
        }
        let mut rng = Streams::for_point(1, "kernel-tests.kernel", "once").stream(0);
        let n = crate::mmd::BLOCK + 40;
        let (x, y) = (
            infoflow_numerics::linalg::gaussian_matrix(n, 2, &mut rng),
            infoflow_numerics::linalg::gaussian_matrix(n, 2, &mut rng),
        );
        let k = OnFeatures { kernel: Gaussian::new(1.0).unwrap(), features: Counted(0.into()) };
        let calls = || k.features.0.swap(0, std::sync::atomic::Ordering::Relaxed);
        let plain = crate::mmd::unbiased(&Gaussian::new(0.5).unwrap(), x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        let mapped = crate::mmd::unbiased(&k, x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        // Doubling the rows under width 1 is width 1/2 on the rows.
        assert!((plain.mmd2 - mapped.mmd2).abs() < 1e-12);
        assert_eq!(calls(), 2);
        crate::two_sample::permutation_test(&k, x.as_ref(), y.as_ref(), 5, 0.05, Par::Seq, &mut rng).unwrap();
        assert_eq!(calls(), 2);
        crate::lfht::test(&k, x.as_ref(), y.as_ref(), x.as_ref().subrows(0, 10), 1.0, Par::Seq).unwrap();
        assert_eq!(calls(), 3);
        crate::mmd::linear(&k, x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        assert_eq!(calls(), 2);
    }

    #[test]
    fn random_features_approximate_the_gaussian_and_the_median_heuristic() {
        let mut rng = Streams::for_point(1, "kernel-tests.kernel", "rff").stream(0);
        let x = Mat::from_fn(20, 2, |i, j| ((i * 3 + j) as f64 * 0.37).sin());
        let rff = OnFeatures { kernel: Linear, features: RandomFourier::new(2, 20_000, 0.7, &mut rng).unwrap() };
        let approx = rff.gram(x.as_ref(), x.as_ref(), Par::Seq).unwrap();
        let exact = Gaussian::new(0.7).unwrap().gram(x.as_ref(), x.as_ref(), Par::Seq).unwrap();
        let err = (&approx - &exact).norm_max();
        assert!(err < 0.05, "{err}");
        // Points on a line 0, 1, 2, 3: pairwise distances 1,1,1,2,2,3 → median 2.
        let line = Mat::from_fn(2, 1, |i, _| i as f64);
        let more = Mat::from_fn(2, 1, |i, _| 2.0 + i as f64);
        assert!((median_bandwidth(line.as_ref(), more.as_ref()).unwrap() - 2.0).abs() < 1e-12);
        assert!(median_bandwidth(Mat::<f64>::zeros(3, 2).as_ref(), Mat::<f64>::zeros(3, 2).as_ref()).is_err());
    }
}
