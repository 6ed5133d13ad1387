//! Geometry of the unit sphere S^{d-1} ⊂ R^d.
//!
//! Points are unit vectors stored as `&[f64]` of length `d`; sets of `n`
//! points are the **rows** of an `n × d` [`faer::Mat`] (tokens as rows, as in
//! a Transformer's `X`). Tangent vectors at `x` are vectors `v` with
//! `⟨x, v⟩ = 0`.
//!
//! | operation | formula |
//! |---|---|
//! | uniform sample | `g / ‖g‖`, `g ~ N(0, I_d)` (rejecting the probability-zero `g = 0`) |
//! | tangent projection | `P_x v = v − ⟨x, v⟩ x` |
//! | geodesic distance | `d(x, y) = 2 atan2(‖x − y‖, ‖x + y‖)` (accurate for nearby and antipodal points, unlike `acos⟨x, y⟩`) |
//! | exponential map | `Exp_x(v) = cos(‖v‖) x + sin(‖v‖) v/‖v‖`, then renormalised |
//! | law of `t = ⟨x, e⟩`, `x` uniform, `e` fixed | density `(1 − t²)^{(d−3)/2} / B(1/2, (d−1)/2)` on `(−1, 1)`; `(1 + t)/2 ~ Beta((d−1)/2, (d−1)/2)` |
//! | cap measure | `σ({x : ⟨x, e⟩ ≥ h}) = 1 − F_d(h)`, normalised so `σ(S^{d−1}) = 1` |
//!
//! ```
//! use infoflow_numerics::{rng::Streams, sphere};
//!
//! let mut rng = Streams::for_point(1, "doc", "sphere").stream(0);
//! let mut x = sphere::sample_uniform(3, &mut rng)?;
//! let mut v = vec![0.3, -0.1, 0.2];
//! sphere::project_tangent(&x, &mut v)?;
//! let start = x.clone();
//! sphere::exp_map(&mut x, &v)?;
//! // A geodesic step of length ‖v‖ < π moves x by exactly ‖v‖.
//! let step = v.iter().map(|a| a * a).sum::<f64>().sqrt();
//! assert!((sphere::geodesic_distance(&start, &x)? - step).abs() < 1e-12);
//! # Ok::<(), infoflow_numerics::Error>(())
//! ```

use crate::error::{Error, Result, ensure_finite, ensure_len};
use crate::linalg::{dot, norm};
use faer::Mat;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

/// Fills `out` with a point drawn uniformly from S^{d-1}, `d = out.len()`.
///
/// Draws `d` standard normals (in order) and normalises them.
pub fn fill_uniform<R: Rng + ?Sized>(out: &mut [f64], rng: &mut R) -> Result<()> {
    if out.is_empty() {
        return Err(Error::invalid("dimension", 0, "the sphere S^{d-1} needs d >= 1"));
    }
    loop {
        for v in out.iter_mut() {
            *v = rng.sample(StandardNormal);
        }
        let r = norm(out);
        // A zero (or subnormal) Gaussian vector has probability zero; redraw.
        if r > f64::MIN_POSITIVE {
            out.iter_mut().for_each(|v| *v /= r);
            return Ok(());
        }
    }
}

/// A point drawn uniformly from S^{d-1}.
pub fn sample_uniform<R: Rng + ?Sized>(dim: usize, rng: &mut R) -> Result<Vec<f64>> {
    let mut out = vec![0.0; dim];
    fill_uniform(&mut out, rng)?;
    Ok(out)
}

/// `n` independent uniform points on S^{d-1}, as the rows of an `n × d` matrix.
///
/// Rows are drawn in order, each as in [`fill_uniform`].
pub fn uniform_points<R: Rng + ?Sized>(n: usize, dim: usize, rng: &mut R) -> Result<Mat<f64>> {
    let mut buf = vec![0.0; dim];
    let mut x = Mat::zeros(n, dim);
    for i in 0..n {
        fill_uniform(&mut buf, rng)?;
        for (j, &v) in buf.iter().enumerate() {
            x[(i, j)] = v;
        }
    }
    Ok(x)
}

/// Scales `v` to unit Euclidean norm in place and returns its former norm.
///
/// Errors on an empty, zero or non-finite vector. Vectors whose norm
/// overflows or underflows `f64` (entries near `f64::MAX`, or subnormal) are
/// rescaled by their largest entry first, so their direction is exact; the
/// norm returned is then `+∞` when it exceeds `f64::MAX` (and may round to a
/// subnormal or 0 for a subnormal vector).
pub fn normalize(v: &mut [f64]) -> Result<f64> {
    if v.is_empty() {
        return Err(Error::TooFew { context: "normalize", required: 1, found: 0 });
    }
    ensure_finite("normalize", v)?;
    let r = norm(v);
    if r.is_normal() {
        v.iter_mut().for_each(|a| *a /= r);
        return Ok(r);
    }
    let m = v.iter().fold(0.0f64, |m, a| m.max(a.abs()));
    if m == 0.0 {
        return Err(Error::ZeroNorm { context: "normalize" });
    }
    v.iter_mut().for_each(|a| *a /= m);
    let s = norm(v);
    v.iter_mut().for_each(|a| *a /= s);
    Ok(m * s)
}

/// Projects `v` on the tangent space at `x` in place: `v ← v − ⟨x, v⟩ x`.
///
/// `x` must be a unit vector (not checked beyond finiteness: the formula is
/// the orthogonal projection only for `‖x‖ = 1`).
pub fn project_tangent(x: &[f64], v: &mut [f64]) -> Result<()> {
    ensure_len("project_tangent: v vs x", x.len(), v.len())?;
    ensure_finite("project_tangent: x", x)?;
    ensure_finite("project_tangent: v", v)?;
    let c = dot(x, v);
    v.iter_mut().zip(x).for_each(|(a, &b)| *a -= c * b);
    Ok(())
}

/// Great-circle distance between two unit vectors, in `[0, π]`.
///
/// Computed as `2 atan2(‖x − y‖, ‖x + y‖)`, which keeps full relative
/// accuracy for nearly equal and nearly antipodal points.
pub fn geodesic_distance(x: &[f64], y: &[f64]) -> Result<f64> {
    ensure_len("geodesic_distance: y vs x", x.len(), y.len())?;
    ensure_finite("geodesic_distance: x", x)?;
    ensure_finite("geodesic_distance: y", y)?;
    let (mut diff, mut sum) = (0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        diff += (a - b) * (a - b);
        sum += (a + b) * (a + b);
    }
    Ok(2.0 * diff.sqrt().atan2(sum.sqrt()))
}

/// Moves `x` along the great circle with initial velocity `v`:
/// `x ← cos(‖v‖) x + sin(‖v‖) v / ‖v‖`.
///
/// `x` must be a unit vector and `v` tangent at `x`. The result is
/// renormalised, so rounding never drifts it off the sphere. For small `‖v‖`
/// the factor `sin(‖v‖)/‖v‖` is evaluated by its Taylor series, so `v = 0` is
/// exact.
pub fn exp_map(x: &mut [f64], v: &[f64]) -> Result<()> {
    ensure_len("exp_map: v vs x", x.len(), v.len())?;
    ensure_finite("exp_map: x", x)?;
    ensure_finite("exp_map: v", v)?;
    let theta = norm(v);
    let (cos, sinc) = cos_sinc(theta);
    for (a, &b) in x.iter_mut().zip(v) {
        *a = cos * *a + sinc * b;
    }
    let r = norm(x);
    if r == 0.0 {
        return Err(Error::ZeroNorm { context: "exp_map: x" });
    }
    x.iter_mut().for_each(|a| *a /= r);
    Ok(())
}

fn check_law_args(dim: usize, t: f64) -> Result<()> {
    if dim < 2 {
        return Err(Error::invalid("dimension", dim, "the inner-product law needs d >= 2"));
    }
    if t.is_nan() {
        return Err(Error::NonFinite { context: "inner-product law: t" });
    }
    Ok(())
}

/// Density at `t` of the inner product `⟨x, e⟩` of a uniform point `x` on
/// S^{d−1} with a fixed unit vector `e` (equivalently, of two independent
/// uniform points): `f_d(t) = (1 − t²)^{(d−3)/2} / B(1/2, (d−1)/2)` for
/// `|t| < 1`, and 0 outside. For `d = 2` it is the arcsine density, infinite
/// at `t = ±1`; for `d = 3` it is uniform (Archimedes).
pub fn inner_product_density(dim: usize, t: f64) -> Result<f64> {
    check_law_args(dim, t)?;
    if t.abs() > 1.0 {
        return Ok(0.0);
    }
    let a = (dim as f64 - 1.0) / 2.0;
    let log_norm = statrs::function::beta::ln_beta(0.5, a);
    let exponent = (dim as f64 - 3.0) / 2.0;
    if exponent == 0.0 {
        return Ok((-log_norm).exp());
    }
    let base = (1.0 - t) * (1.0 + t);
    if base == 0.0 {
        return Ok(if exponent < 0.0 { f64::INFINITY } else { 0.0 });
    }
    Ok((exponent * base.ln() - log_norm).exp())
}

/// Distribution function of the same law: `F_d(t) = I_{(1+t)/2}((d−1)/2, (d−1)/2)`
/// (regularised incomplete beta function).
pub fn inner_product_cdf(dim: usize, t: f64) -> Result<f64> {
    check_law_args(dim, t)?;
    if t <= -1.0 {
        return Ok(0.0);
    }
    if t >= 1.0 {
        return Ok(1.0);
    }
    let a = (dim as f64 - 1.0) / 2.0;
    Ok(statrs::function::beta::beta_reg(a, a, (1.0 + t) / 2.0))
}

/// Normalised surface measure of the spherical cap `{x ∈ S^{d−1} : ⟨x, e⟩ ≥ h}`
/// (1 for `h ≤ −1`, 0 for `h ≥ 1`).
pub fn cap_measure(dim: usize, h: f64) -> Result<f64> {
    if h >= 1.0 {
        check_law_args(dim, h)?;
        return Ok(0.0);
    }
    // 1 − F(h) = F(−h) by symmetry, which keeps relative accuracy for small caps.
    inner_product_cdf(dim, -h)
}

/// `(cos θ, sin θ / θ)` with the removable singularity at 0 handled.
#[inline]
pub(crate) fn cos_sinc(theta: f64) -> (f64, f64) {
    if theta < 1e-4 {
        let t2 = theta * theta;
        (1.0 - 0.5 * t2 + t2 * t2 / 24.0, 1.0 - t2 / 6.0 + t2 * t2 / 120.0)
    } else {
        (theta.cos(), theta.sin() / theta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;
    use approx::assert_abs_diff_eq;
    use proptest::prelude::*;

    fn rng() -> crate::rng::ChaCha8Rng {
        Streams::for_point(11, "numerics", "sphere-tests").stream(0)
    }

    #[test]
    fn uniform_points_are_unit_and_centred() {
        let mut rng = rng();
        let n = 20_000;
        let x = uniform_points(n, 5, &mut rng).unwrap();
        let mut mean = [0.0; 5];
        let mut second = 0.0;
        for i in 0..n {
            let row: Vec<f64> = (0..5).map(|j| x[(i, j)]).collect();
            assert_abs_diff_eq!(norm(&row), 1.0, epsilon = 1e-14);
            for j in 0..5 {
                mean[j] += row[j] / n as f64;
            }
            second += row[0] * row[0] / n as f64;
        }
        // E[x] = 0, E[x_1^2] = 1/d; standard errors ~ 1/sqrt(5n) ≈ 3e-3.
        for m in mean {
            assert!(m.abs() < 0.02, "mean {m}");
        }
        assert!((second - 0.2).abs() < 0.01, "second moment {second}");
    }

    #[test]
    fn dimension_one_is_plus_minus_one() {
        let mut rng = rng();
        let mut seen = [false; 2];
        for _ in 0..64 {
            let x = sample_uniform(1, &mut rng).unwrap();
            assert!(x[0] == 1.0 || x[0] == -1.0);
            seen[usize::from(x[0] > 0.0)] = true;
        }
        assert_eq!(seen, [true, true]);
    }

    #[test]
    fn value_stability() {
        let mut rng = Streams::for_point(5, "numerics.sphere", "pinned").stream(0);
        let x = sample_uniform(4, &mut rng).unwrap();
        assert_eq!(x, PINNED);
    }
    const PINNED: [f64; 4] = [-0.00711842369329064, 0.1546379158224215, -0.646613015476262, -0.7469458154718559];

    #[test]
    fn bad_input_is_an_error() {
        let mut rng = rng();
        assert!(matches!(sample_uniform(0, &mut rng), Err(Error::InvalidParameter { .. })));
        assert!(matches!(normalize(&mut [0.0, 0.0]), Err(Error::ZeroNorm { .. })));
        assert!(matches!(normalize(&mut []), Err(Error::TooFew { .. })));
        assert!(matches!(normalize(&mut [f64::NAN, 1.0]), Err(Error::NonFinite { .. })));
        assert!(matches!(project_tangent(&[1.0, 0.0], &mut [1.0]), Err(Error::Shape { .. })));
        assert!(matches!(geodesic_distance(&[1.0, 0.0], &[f64::INFINITY, 0.0]), Err(Error::NonFinite { .. })));
        assert!(matches!(exp_map(&mut [1.0, 0.0], &[0.0]), Err(Error::Shape { .. })));
    }

    #[test]
    fn inner_product_law_closed_forms() {
        use std::f64::consts::PI;
        for t in [-0.99, -0.5, 0.0, 0.3, 0.9] {
            // d = 3: uniform on [-1, 1] (Archimedes).
            assert_abs_diff_eq!(inner_product_density(3, t).unwrap(), 0.5, epsilon = 1e-14);
            assert_abs_diff_eq!(inner_product_cdf(3, t).unwrap(), (1.0 + t) / 2.0, epsilon = 1e-13);
            // d = 2: arcsine law.
            assert_abs_diff_eq!(
                inner_product_density(2, t).unwrap(),
                1.0 / (PI * (1.0 - t * t).sqrt()),
                epsilon = 1e-12
            );
            assert_abs_diff_eq!(inner_product_cdf(2, t).unwrap(), 0.5 + t.asin() / PI, epsilon = 1e-12);
            // d = 4: f = (2/π) sqrt(1 − t²).
            assert_abs_diff_eq!(inner_product_density(4, t).unwrap(), 2.0 / PI * (1.0 - t * t).sqrt(), epsilon = 1e-12);
        }
        assert_eq!(inner_product_density(2, 1.0).unwrap(), f64::INFINITY);
        assert_eq!(inner_product_density(5, 1.0).unwrap(), 0.0);
        assert_eq!(inner_product_density(5, 1.5).unwrap(), 0.0);
        assert_eq!(inner_product_cdf(5, -2.0).unwrap(), 0.0);
        assert_eq!(cap_measure(5, 1.0).unwrap(), 0.0);
        assert_eq!(cap_measure(5, -1.0).unwrap(), 1.0);
        // Hemisphere.
        assert_abs_diff_eq!(cap_measure(17, 0.0).unwrap(), 0.5, epsilon = 1e-12);
    }

    #[test]
    fn inner_product_density_integrates_to_the_cdf() {
        // Composite Simpson on [a, b] against F(b) − F(a).
        for d in [5, 8, 64] {
            let (a, b) = (-0.8, 0.4);
            let m = 2000;
            let h = (b - a) / m as f64;
            let f = |t: f64| inner_product_density(d, t).unwrap();
            let mut s = f(a) + f(b);
            for k in 1..m {
                s += f(a + k as f64 * h) * if k % 2 == 1 { 4.0 } else { 2.0 };
            }
            let integral = s * h / 3.0;
            let exact = inner_product_cdf(d, b).unwrap() - inner_product_cdf(d, a).unwrap();
            assert_abs_diff_eq!(integral, exact, epsilon = 1e-10);
        }
        assert!(inner_product_cdf(1, 0.0).is_err());
        assert!(inner_product_density(3, f64::NAN).is_err());
    }

    #[test]
    fn geodesic_distance_known_values() {
        let e1 = [1.0, 0.0, 0.0];
        let e2 = [0.0, 1.0, 0.0];
        assert_abs_diff_eq!(geodesic_distance(&e1, &e2).unwrap(), std::f64::consts::FRAC_PI_2, epsilon = 1e-15);
        assert_abs_diff_eq!(geodesic_distance(&e1, &[-1.0, 0.0, 0.0]).unwrap(), std::f64::consts::PI, epsilon = 1e-15);
        assert_eq!(geodesic_distance(&e1, &e1).unwrap(), 0.0);
        // Nearby points: acos would lose half the digits here.
        let eps: f64 = 1e-9;
        let y = [eps.cos(), eps.sin(), 0.0];
        assert_abs_diff_eq!(geodesic_distance(&e1, &y).unwrap(), eps, epsilon = 1e-22);
    }

    fn unit_vector(d: usize) -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec(-1.0f64..1.0, d).prop_filter("non-zero", |v| norm(v) > 1e-3).prop_map(|mut v| {
            normalize(&mut v).unwrap();
            v
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn tangent_projection_is_orthogonal_and_idempotent(
            (x, v) in (2usize..9).prop_flat_map(|d| (unit_vector(d), prop::collection::vec(-5.0f64..5.0, d)))
        ) {
            let mut p = v.clone();
            project_tangent(&x, &mut p).unwrap();
            prop_assert!(dot(&x, &p).abs() < 1e-12 * (1.0 + norm(&v)));
            let mut q = p.clone();
            project_tangent(&x, &mut q).unwrap();
            for (a, b) in p.iter().zip(&q) {
                prop_assert!((a - b).abs() < 1e-12 * (1.0 + norm(&v)));
            }
        }

        #[test]
        fn exp_map_moves_by_the_step_length(
            (x, v) in (2usize..9).prop_flat_map(|d| (unit_vector(d), prop::collection::vec(-1.0f64..1.0, d)))
        ) {
            let mut v = v;
            project_tangent(&x, &mut v).unwrap();
            let step = norm(&v);
            let mut y = x.clone();
            exp_map(&mut y, &v).unwrap();
            prop_assert!((norm(&y) - 1.0).abs() < 1e-14);
            // ‖v‖ ≤ sqrt(8) < π: the geodesic is minimising.
            prop_assert!((geodesic_distance(&x, &y).unwrap() - step).abs() < 1e-10);
        }
    }
}
