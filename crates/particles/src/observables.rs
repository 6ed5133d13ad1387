//! Observables of a configuration: energy and its dissipation, Gram
//! statistics, clusters, effective dimension, attention-matrix diagnostics,
//! convex hulls and spectral coordinates.
//!
//! # Energy
//!
//! For `Q = K = V = I` (arXiv 2312.10794 §3.2), with masses `m_i` and total
//! mass `N`:
//!
//! ```text
//! standard:  E_β = (1/(2β N²)) Σ_ij m_i m_j e^{β⟨x_i, x_j⟩}
//! shifted:   Ê_β = (1/N²) Σ_ij m_i m_j e^{β(⟨x_i, x_j⟩ − 1)} = 2β e^{−β} E_β ∈ (0, 1]
//! ```
//!
//! The shifted form is the normalised energy of arXiv 2410.06833 (1 for a
//! single cluster, `Σ_c (m_c/N)²` for well-separated clusters). Along the
//! dynamics both increase, with the exact dissipation identities
//!
//! ```text
//! SA:   dE_β/dt = (1/N²) Σ_i m_i Z_i ‖ẋ_i‖²,   Z_i = Σ_j m_j e^{β⟨x_i, x_j⟩}
//! USA:  dE_β/dt = (1/N)  Σ_i m_i ‖ẋ_i‖²       (times e^{β} for the shifted clock)
//! ```

use crate::error::{Error, Result};
use crate::integrate::components;
use crate::model::{Mask, Normalization, Particles};
use crate::velocity::SphereDynamics;
use faer::{Mat, Par, Side};
use infoflow_numerics::linalg;
use infoflow_numerics::stats::Histogram;

/// Which normalisation of the energy (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnergyNormalization {
    /// `E_β = (1/(2βN²)) Σ m_i m_j e^{β⟨x_i, x_j⟩}` (arXiv 2312.10794).
    Standard,
    /// `Ê_β = (1/N²) Σ m_i m_j e^{β(⟨x_i, x_j⟩ − 1)}` ∈ (0, 1] (arXiv 2410.06833).
    Shifted,
}

/// The Gram matrix `⟨x_i, x_j⟩` of the particles.
pub fn gram(p: &Particles) -> Result<Mat<f64>> {
    Ok(linalg::gram(p.positions().as_ref(), Par::Seq)?)
}

/// `Σ_ij m_i m_j e^{β(⟨x_i, x_j⟩ − 1)} / N²` from a Gram matrix.
fn shifted_energy(g: &Mat<f64>, mass: &[f64], beta: f64) -> f64 {
    let n = mass.len();
    let total: f64 = mass.iter().sum();
    let mut s = 0.0;
    for j in 0..n {
        for i in 0..n {
            s += mass[i] * mass[j] * (beta * (g[(i, j)] - 1.0)).exp();
        }
    }
    s / (total * total)
}

/// The energy of the configuration at inverse temperature `beta`.
pub fn energy(p: &Particles, beta: f64, normalization: EnergyNormalization) -> Result<f64> {
    if !beta.is_finite() {
        return Err(Error::invalid("beta", beta, "must be finite"));
    }
    let g = gram(p)?;
    let shifted = shifted_energy(&g, p.masses(), beta);
    match normalization {
        EnergyNormalization::Shifted => Ok(shifted),
        EnergyNormalization::Standard => {
            if beta == 0.0 {
                return Err(Error::invalid("beta", beta, "the standard energy has 1/(2 beta) in front"));
            }
            let e = shifted * beta.exp() / (2.0 * beta);
            if e.is_finite() { Ok(e) } else { Err(Error::Overflow { beta, hint: "use EnergyNormalization::Shifted" }) }
        }
    }
}

/// `dE/dt` predicted by the dissipation identity (see the module docs), in
/// the given energy normalisation, for the identity-head SA or USA model.
pub fn dissipation_rate(dynamics: &SphereDynamics, p: &Particles, normalization: EnergyNormalization) -> Result<f64> {
    if !dynamics.is_identity() || dynamics.mask() != Mask::Full {
        return Err(Error::Unsupported("the energy identities hold for Q = K = V = I without a mask"));
    }
    let beta = dynamics.beta();
    if beta == 0.0 && normalization == EnergyNormalization::Standard {
        return Err(Error::invalid("beta", beta, "the standard energy has 1/(2 beta) in front"));
    }
    let v = dynamics.velocity(p)?;
    let g = gram(p)?;
    let mass = p.masses();
    let (n, total) = (p.len(), p.total_mass());
    let speed2 = |i: usize| (0..p.dim()).map(|k| v[(i, k)] * v[(i, k)]).sum::<f64>();
    // Work with the shifted energy Ê = 2β e^{−β} E, then convert.
    let shifted_rate = match dynamics.normalization() {
        Normalization::Softmax => {
            // dE/dt = (1/N²) Σ m_i Z_i ‖ẋ_i‖², Z_i = e^β Ẑ_i.
            let mut s = 0.0;
            for i in 0..n {
                let z_hat: f64 = (0..n).map(|j| mass[j] * (beta * (g[(i, j)] - 1.0)).exp()).sum();
                s += mass[i] * z_hat * speed2(i);
            }
            2.0 * beta * s / (total * total)
        }
        Normalization::Unnormalized => {
            let s: f64 = (0..n).map(|i| mass[i] * speed2(i)).sum();
            2.0 * beta * (-beta).exp() * s / total
        }
        Normalization::UnnormalizedShifted => {
            let s: f64 = (0..n).map(|i| mass[i] * speed2(i)).sum();
            2.0 * beta * s / total
        }
    };
    match normalization {
        EnergyNormalization::Shifted => Ok(shifted_rate),
        EnergyNormalization::Standard => {
            let r = shifted_rate * beta.exp() / (2.0 * beta);
            if r.is_finite() { Ok(r) } else { Err(Error::Overflow { beta, hint: "use EnergyNormalization::Shifted" }) }
        }
    }
}

fn pair_weight(mass: &[f64]) -> f64 {
    let total: f64 = mass.iter().sum();
    // Ordered pairs of distinct tokens when a particle of mass m is m tokens.
    total * (total - 1.0)
}

/// Fraction of pairs of distinct tokens with `⟨x_i, x_j⟩ ≥ threshold` (the
/// phase-diagram statistic of arXiv 2312.10794). A particle of mass `m`
/// counts as `m` coincident tokens. Needs two tokens.
pub fn fraction_of_pairs_above(p: &Particles, threshold: f64) -> Result<f64> {
    check_threshold(threshold)?;
    let mass = p.masses();
    if p.total_mass() < 2.0 {
        return Err(Error::TooFewParticles { context: "fraction of pairs", required: 2, found: p.len() });
    }
    let g = gram(p)?;
    let n = p.len();
    let mut hits: f64 = mass.iter().map(|m| m * (m - 1.0)).sum::<f64>() * if 1.0 >= threshold { 1.0 } else { 0.0 };
    for j in 0..n {
        for i in 0..n {
            if i != j && g[(i, j)] >= threshold {
                hits += mass[i] * mass[j];
            }
        }
    }
    Ok(hits / pair_weight(mass))
}

/// An inner-product threshold must be a number (any value compares).
pub(crate) fn check_threshold(threshold: f64) -> Result<()> {
    if threshold.is_nan() { Err(Error::invalid("threshold", threshold, "must be a number")) } else { Ok(()) }
}

/// Histogram of `⟨x_i, x_j⟩` over unordered pairs of distinct particles
/// (unit masses assumed), on `[-1, 1]` with `bins` bins.
pub fn inner_product_histogram(p: &Particles, bins: usize) -> Result<Histogram> {
    if p.len() < 2 {
        return Err(Error::TooFewParticles { context: "inner-product histogram", required: 2, found: p.len() });
    }
    let g = gram(p)?;
    let mut h = Histogram::new(-1.0, 1.0, bins)?;
    for j in 0..p.len() {
        for i in 0..j {
            h.add(g[(i, j)].clamp(-1.0, 1.0));
        }
    }
    Ok(h)
}

/// A cluster: particles connected by `⟨x_i, x_j⟩ ≥ threshold` (single linkage).
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Indices of its particles.
    pub members: Vec<usize>,
    /// Total mass.
    pub mass: f64,
    /// Normalised mass-weighted mean position.
    pub centre: Vec<f64>,
}

/// Clusters as connected components of the graph `⟨x_i, x_j⟩ ≥ threshold`,
/// largest mass first.
pub fn clusters(p: &Particles, threshold: f64) -> Result<Vec<Cluster>> {
    if !threshold.is_finite() {
        return Err(Error::invalid("threshold", threshold, "must be finite"));
    }
    let xt = p.positions().transpose().to_owned();
    let labels = components(xt.as_ref(), threshold);
    let d = p.dim();
    let mut out: Vec<Cluster> = Vec::new();
    for (root, _) in labels.iter().enumerate().filter(|&(i, &l)| i == l) {
        let members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == root).collect();
        let mass: f64 = members.iter().map(|&i| p.masses()[i]).sum();
        let mut centre = vec![0.0; d];
        for &i in &members {
            for (k, c) in centre.iter_mut().enumerate() {
                *c += p.masses()[i] * p.positions()[(i, k)];
            }
        }
        let r = centre.iter().map(|c| c * c).sum::<f64>().sqrt();
        if r > 0.0 {
            centre.iter_mut().for_each(|c| *c /= r);
        }
        out.push(Cluster { members, mass, centre });
    }
    out.sort_by(|a, b| b.mass.total_cmp(&a.mass));
    Ok(out)
}

/// Whether the tokens lie in some open hemisphere `{x : ⟨w, x⟩ > 0}` (the
/// event of Wendel's theorem; [`crate::theory::wendel_probability`]), for
/// `d = 2` and `d = 3` and points in general position.
///
/// On the circle: some angular gap between consecutive tokens exceeds π.
/// On S²: the feasible normals form an open cone whose closure has an
/// extreme ray on two active constraints, so the tokens lie in an open
/// hemisphere iff for some pair `i, j` (not antipodal) every other token
/// lies strictly on one side of the great circle through `x_i, x_j` (then
/// tilting the normal towards `x_i + x_j` admits `i` and `j` too):
/// `O(n³)`. An error for other dimensions (an LP would be needed).
pub fn in_open_hemisphere(p: &Particles) -> Result<bool> {
    let x = p.positions();
    let n = p.len();
    if n <= 1 {
        return Ok(true);
    }
    match p.dim() {
        2 => {
            let mut angles: Vec<f64> = (0..n).map(|i| x[(i, 1)].atan2(x[(i, 0)])).collect();
            angles.sort_by(f64::total_cmp);
            let wrap = angles[0] + 2.0 * std::f64::consts::PI - angles[n - 1];
            Ok(angles.windows(2).map(|w| w[1] - w[0]).fold(wrap, f64::max) > std::f64::consts::PI)
        }
        3 => {
            let row = |i: usize| [x[(i, 0)], x[(i, 1)], x[(i, 2)]];
            for i in 0..n {
                for j in i + 1..n {
                    let (a, b) = (row(i), row(j));
                    let w = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
                    if w.iter().all(|v| *v == 0.0) {
                        continue;
                    }
                    let side = |k: usize| {
                        let c = row(k);
                        w[0] * c[0] + w[1] * c[1] + w[2] * c[2]
                    };
                    let others = (0..n).filter(|&k| k != i && k != j);
                    if others.clone().all(|k| side(k) > 0.0) || others.clone().all(|k| side(k) < 0.0) {
                        return Ok(true);
                    }
                }
            }
            Ok(false)
        }
        d => Err(Error::invalid("dimension", d, "the hemisphere test is implemented for d = 2 and d = 3")),
    }
}

/// Number of Gram eigenvalues above `tolerance`: the dimension of the span
/// the tokens effectively occupy.
pub fn effective_dimension(p: &Particles, tolerance: f64) -> Result<usize> {
    if !(tolerance > 0.0 && tolerance.is_finite()) {
        return Err(Error::invalid("tolerance", tolerance, "must be positive"));
    }
    let g = gram(p)?;
    let ev = g.self_adjoint_eigenvalues(Side::Lower).map_err(|_| Error::Unsupported("eigenvalues did not converge"))?;
    Ok(ev.iter().filter(|&&l| l > tolerance).count())
}

/// Numerical rank: singular values above `rel_tol · σ_max`.
pub fn numerical_rank(a: &Mat<f64>, rel_tol: f64) -> Result<usize> {
    if a.nrows() == 0 || a.ncols() == 0 {
        return Ok(0);
    }
    if !crate::model::all_finite(a) {
        return Err(Error::NonFinite { context: "matrix" });
    }
    let s = a.singular_values().map_err(|_| Error::Unsupported("the SVD did not converge"))?;
    let top = s.iter().copied().fold(0.0, f64::max);
    Ok(s.iter().filter(|&&v| v > rel_tol * top).count())
}

/// Distance of a matrix from a Boolean one: `max_ij min(a_ij, 1 − a_ij)`.
pub fn booleanness_gap(a: &Mat<f64>) -> f64 {
    let mut gap: f64 = 0.0;
    for j in 0..a.ncols() {
        for &v in a.col_as_slice(j) {
            gap = gap.max(v.min(1.0 - v));
        }
    }
    gap
}

/// Columns of an attention matrix carrying at least `threshold` of total
/// attention (column sum ≥ threshold): the leaders the other tokens follow.
pub fn leader_columns(a: &Mat<f64>, threshold: f64) -> Vec<usize> {
    (0..a.ncols()).filter(|&j| a.col_as_slice(j).iter().sum::<f64>() >= threshold).collect()
}

/// Indices of the vertices of the convex hull of 2-D points, in
/// counter-clockwise order (Andrew's monotone chain; collinear points on an
/// edge are not vertices).
pub fn convex_hull_2d(points: &[(f64, f64)]) -> Result<Vec<usize>> {
    if points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return Err(Error::NonFinite { context: "hull points" });
    }
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0).then(points[a].1.total_cmp(&points[b].1)));
    idx.dedup_by(|a, b| points[*a] == points[*b]);
    if idx.len() < 3 {
        return Ok(idx);
    }
    let cross = |o: usize, a: usize, b: usize| {
        (points[a].0 - points[o].0) * (points[b].1 - points[o].1)
            - (points[a].1 - points[o].1) * (points[b].0 - points[o].0)
    };
    let mut hull: Vec<usize> = Vec::with_capacity(2 * idx.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &usize>> =
            if pass == 0 { Box::new(idx.iter()) } else { Box::new(idx.iter().rev()) };
        for &i in iter {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], i) <= 0.0 {
                hull.pop();
            }
            hull.push(i);
        }
        hull.pop();
    }
    Ok(hull)
}

/// Area of a polygon given by vertex indices (shoelace formula); 0 for
/// fewer than three vertices. Errors on an index out of range, non-finite
/// points, or an area that overflows `f64`.
pub fn polygon_area(points: &[(f64, f64)], vertices: &[usize]) -> Result<f64> {
    if let Some(&i) = vertices.iter().find(|&&i| i >= points.len()) {
        return Err(Error::invalid("vertex", i, "a vertex index must be below the number of points"));
    }
    if vertices.iter().any(|&i| !(points[i].0.is_finite() && points[i].1.is_finite())) {
        return Err(Error::NonFinite { context: "polygon points" });
    }
    let m = vertices.len();
    if m < 3 {
        return Ok(0.0);
    }
    let mut s = 0.0;
    for k in 0..m {
        let (a, b) = (points[vertices[k]], points[vertices[(k + 1) % m]]);
        s += a.0 * b.1 - b.0 * a.1;
    }
    let area = 0.5 * s.abs();
    if area.is_finite() { Ok(area) } else { Err(Error::NonFinite { context: "polygon area (overflow)" }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Attention;
    use approx::assert_abs_diff_eq;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn open_hemisphere_cases() {
        let third = 2.0 * std::f64::consts::PI / 3.0;
        assert!(!in_open_hemisphere(&Particles::on_circle(&[0.0, third, 2.0 * third]).unwrap()).unwrap());
        assert!(in_open_hemisphere(&Particles::on_circle(&[0.0, 0.1, 3.0]).unwrap()).unwrap());
        // The regular tetrahedron contains the origin; four points near a pole do not.
        let tetra = Mat::from_fn(4, 3, |i, k| {
            let v = [[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]];
            v[i][k] / 3f64.sqrt()
        });
        assert!(!in_open_hemisphere(&Particles::on_sphere(tetra.clone()).unwrap()).unwrap());
        let pole = Mat::from_fn(4, 3, |i, k| if k == 2 { 1.0 } else { 0.3 * tetra[(i, k)] });
        assert!(in_open_hemisphere(&Particles::on_sphere(pole).unwrap()).unwrap());
        let four = Mat::from_fn(3, 4, |i, k| if i == k { 1.0 } else { 0.0 });
        assert!(in_open_hemisphere(&Particles::on_sphere(four).unwrap()).is_err());
    }

    #[test]
    fn energy_normalisations_agree_and_single_cluster_is_one() {
        let mut rng = Streams::for_point(1, "particles.observables", "energy").stream(0);
        let p = Particles::uniform(7, 3, &mut rng).unwrap();
        let e = energy(&p, 2.5, EnergyNormalization::Standard).unwrap();
        let s = energy(&p, 2.5, EnergyNormalization::Shifted).unwrap();
        assert_abs_diff_eq!(s, 2.0 * 2.5 * (-2.5f64).exp() * e, epsilon = 1e-14);
        let one = Particles::on_sphere(Mat::from_fn(4, 3, |_, j| (j + 1) as f64)).unwrap();
        assert_abs_diff_eq!(energy(&one, 1e4, EnergyNormalization::Shifted).unwrap(), 1.0, epsilon = 1e-12);
        assert!(matches!(energy(&one, 1e4, EnergyNormalization::Standard), Err(Error::Overflow { .. })));
        // Two separated clusters of masses 3 and 1 at large β: Σ (m_c/N)² = 10/16.
        let two =
            Particles::on_sphere_with_masses(Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.0 }), vec![3.0, 1.0])
                .unwrap();
        assert_abs_diff_eq!(energy(&two, 200.0, EnergyNormalization::Shifted).unwrap(), 10.0 / 16.0, epsilon = 1e-12);
    }

    #[test]
    fn dissipation_rate_matches_a_finite_difference() {
        let mut rng = Streams::for_point(2, "particles.observables", "dissipation").stream(0);
        let p = Particles::uniform(6, 3, &mut rng).unwrap();
        let p = Particles::on_sphere_with_masses(p.positions().clone(), vec![1.0, 2.0, 1.0, 1.5, 1.0, 3.0]).unwrap();
        for att in [
            Attention::softmax(1.7),
            Attention::unnormalized(1.7),
            Attention::unnormalized(1.7).with_normalization(Normalization::UnnormalizedShifted),
        ] {
            let dynamics = SphereDynamics::new(&att, 3).unwrap();
            let v = dynamics.velocity(&p).unwrap();
            let h = 1e-6;
            let moved = |s: f64| {
                Particles::on_sphere_with_masses(
                    Mat::from_fn(6, 3, |i, k| p.positions()[(i, k)] + s * v[(i, k)]),
                    p.masses().to_vec(),
                )
                .unwrap()
            };
            for norm in [EnergyNormalization::Standard, EnergyNormalization::Shifted] {
                let fd = (energy(&moved(h), 1.7, norm).unwrap() - energy(&moved(-h), 1.7, norm).unwrap()) / (2.0 * h);
                let rate = dissipation_rate(&dynamics, &p, norm).unwrap();
                assert!(rate > 0.0);
                assert_abs_diff_eq!(fd, rate, epsilon = 1e-7 * rate.abs().max(1.0));
            }
        }
        let causal = SphereDynamics::new(&Attention::softmax(1.0).with_mask(Mask::Causal), 3).unwrap();
        assert!(dissipation_rate(&causal, &p, EnergyNormalization::Shifted).is_err());
    }

    #[test]
    fn pair_statistics() {
        let x = Mat::from_fn(3, 2, |i, j| if (i < 2 && j == 0) || (i == 2 && j == 1) { 1.0 } else { 0.0 });
        let p = Particles::on_sphere(x.clone()).unwrap();
        // Pairs (0,1) coincide; (0,2), (1,2) orthogonal: 2 of 6 ordered pairs.
        assert_abs_diff_eq!(fraction_of_pairs_above(&p, 0.999).unwrap(), 2.0 / 6.0, epsilon = 1e-15);
        let heavy =
            Particles::on_sphere_with_masses(Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.0 }), vec![2.0, 1.0])
                .unwrap();
        assert_abs_diff_eq!(fraction_of_pairs_above(&heavy, 0.999).unwrap(), 2.0 / 6.0, epsilon = 1e-15);
        let c = clusters(&p, 0.999).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].members, vec![0, 1]);
        assert_eq!(c[0].mass, 2.0);
        let h = inner_product_histogram(&p, 4).unwrap();
        assert_eq!(h.total(), 3);
        assert_eq!(effective_dimension(&p, 1e-3).unwrap(), 2);
        let single = Particles::on_sphere(Mat::from_fn(1, 2, |_, _| 1.0)).unwrap();
        assert!(fraction_of_pairs_above(&single, 0.9).is_err());
        assert!(inner_product_histogram(&single, 4).is_err());
    }

    #[test]
    fn attention_diagnostics() {
        let a = Mat::from_fn(4, 4, |_, j| if j == 0 { 1.0 } else { 0.0 });
        assert_eq!(numerical_rank(&a, 1e-10).unwrap(), 1);
        assert_eq!(booleanness_gap(&a), 0.0);
        assert_eq!(leader_columns(&a, 0.5), vec![0]);
        let b = Mat::from_fn(4, 4, |i, j| if (i < 2 && j == 0) || (i >= 2 && j == 3) { 1.0 } else { 0.0 });
        assert_eq!(numerical_rank(&b, 1e-10).unwrap(), 2);
        assert_eq!(leader_columns(&b, 0.5), vec![0, 3]);
        let soft = Mat::from_fn(2, 2, |_, _| 0.5);
        assert_eq!(booleanness_gap(&soft), 0.5);
    }

    #[test]
    fn hulls() {
        let pts = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.5), (0.5, 0.0)];
        let h = convex_hull_2d(&pts).unwrap();
        assert_eq!(h, vec![0, 1, 2, 3]);
        assert_abs_diff_eq!(polygon_area(&pts, &h).unwrap(), 1.0, epsilon = 1e-15);
        assert_eq!(convex_hull_2d(&[(1.0, 1.0), (1.0, 1.0)]).unwrap().len(), 1);
        assert!(convex_hull_2d(&[(f64::NAN, 0.0)]).is_err());
    }
}
