//! Lattices with fast closest-point algorithms (Conway and Sloane, *Fast
//! quantizing and decoding algorithms for lattice quantizers and codes*,
//! IEEE T-IT 28(2), 1982).
//!
//! | lattice | definition | closest point | volume |
//! |---|---|---|---|
//! | [`Integer`] `Zⁿ` | integer vectors | round each coordinate | 1 |
//! | [`Checkerboard`] `Dₙ` | `{x ∈ Zⁿ : Σ xᵢ even}` | round; if the sum is odd, re-round the worst coordinate the other way | 2 |
//! | [`Gosset`] `E₈` | `D₈ ∪ (D₈ + ½·1)` | the closer of `Q_{D₈}(x)` and `Q_{D₈}(x − ½·1) + ½·1` | 1 |
//!
//! Generator matrices hold the basis vectors as **columns** (`t = G u` for
//! integer coordinates `u`) and are upper triangular, so `u = G⁻¹ t` is a
//! back-substitution in exact arithmetic (every coordinate is a multiple of
//! ½). `Dₙ` uses `b₀ = 2e₀`, `b_j = e_j − e_{j−1}`; `E₈` the same for
//! `j ≤ 6` and `b₇ = ½·1` (the basis of NestQuant's `e8.py`), so `det G = 1`.
//!
//! Rounding is round-half-to-even: ties are resolved deterministically;
//! Voronoi codes add a generic offset so that no codeword lies on a tie
//! (see [`crate::voronoi`]).

use crate::error::{Error, Result};
use faer::Mat;
use rand::{Rng, RngExt};

/// A lattice in `R^n` with a fast closest-point map.
pub trait Lattice: Clone + Send + Sync + core::fmt::Debug + 'static {
    /// Dimension `n`.
    fn dim(&self) -> usize;
    /// Short name, e.g. `"E8"`.
    fn name(&self) -> String;
    /// Writes the lattice point closest to `x` into `out` (ties broken by
    /// round-half-to-even). Both slices have length [`Lattice::dim`].
    fn closest_point(&self, x: &[f64], out: &mut [f64]);
    /// [`Lattice::closest_point`] for many blocks stored back to back
    /// (`x.len()` a multiple of the dimension). Lattices with a vectorised
    /// kernel override it; results equal the block-by-block map exactly.
    fn closest_points(&self, x: &[f64], out: &mut [f64]) {
        let n = self.dim();
        for (xb, ob) in x.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
            self.closest_point(xb, ob);
        }
    }
    /// The generator matrix (basis vectors as columns; upper triangular).
    fn generator(&self) -> Mat<f64>;
    /// Volume of a fundamental cell, `|det G|`.
    fn volume(&self) -> f64;
    /// Integer coordinates `u = G⁻¹ t` of a lattice point `t`.
    fn coordinates(&self, t: &[f64], u: &mut [i64]);
    /// The lattice point `t = G u`.
    fn point(&self, u: &[i64], t: &mut [f64]);
}

/// Round half to even (IEEE default rounding). Adding and subtracting
/// `1.5·2⁵²` rounds in the FPU's default mode without a libm call (the
/// x86-64 baseline has no rounding instruction); beyond `2⁵¹` the slow path
/// keeps it exact.
#[inline(always)]
pub(crate) fn round(x: f64) -> f64 {
    const MAGIC: f64 = 6755399441055744.0; // 1.5 · 2⁵²
    if x.abs() < 2251799813685248.0 { (x + MAGIC) - MAGIC } else { x.round_ties_even() }
}

/// The integer lattice `Zⁿ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Integer {
    n: usize,
}

impl Integer {
    /// `Zⁿ`, `n ≥ 1`.
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 {
            return Err(Error::invalid("dimension", n, "a lattice needs n >= 1"));
        }
        Ok(Self { n })
    }
}

impl Lattice for Integer {
    fn dim(&self) -> usize {
        self.n
    }
    fn name(&self) -> String {
        format!("Z{}", self.n)
    }
    fn closest_point(&self, x: &[f64], out: &mut [f64]) {
        out.iter_mut().zip(x).for_each(|(o, &v)| *o = round(v));
    }
    fn generator(&self) -> Mat<f64> {
        Mat::identity(self.n, self.n)
    }
    fn volume(&self) -> f64 {
        1.0
    }
    fn coordinates(&self, t: &[f64], u: &mut [i64]) {
        u.iter_mut().zip(t).for_each(|(o, &v)| *o = v as i64);
    }
    fn point(&self, u: &[i64], t: &mut [f64]) {
        t.iter_mut().zip(u).for_each(|(o, &v)| *o = v as f64);
    }
}

/// The checkerboard lattice `Dₙ = {x ∈ Zⁿ : Σ xᵢ even}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkerboard {
    n: usize,
}

impl Checkerboard {
    /// `Dₙ`, `n ≥ 2`.
    pub fn new(n: usize) -> Result<Self> {
        if n < 2 {
            return Err(Error::invalid("dimension", n, "D_n needs n >= 2"));
        }
        Ok(Self { n })
    }
}

/// Closest point of `Dₙ` (Conway–Sloane): round, and if the coordinate sum
/// is odd re-round the coordinate with the largest rounding error (the
/// first, on ties) the other way.
#[inline(always)]
pub(crate) fn closest_dn(x: &[f64], out: &mut [f64]) {
    let mut sum = 0.0;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = round(v);
        sum += *o;
    }
    let mut worst = -1.0;
    let mut k = 0;
    for (i, (&o, &v)) in out.iter().zip(x).enumerate() {
        let e = (v - o).abs();
        if e > worst {
            worst = e;
            k = i;
        }
    }
    // The sum of rounded coordinates is an exact integer: test its parity.
    if (sum as i64) & 1 != 0 {
        out[k] += if x[k] >= out[k] { 1.0 } else { -1.0 };
    }
}

/// `if mask { b } else { a }` on the bits, so it never becomes a branch.
#[inline(always)]
fn select(mask: bool, b: f64, a: f64) -> f64 {
    let m = (mask as u64).wrapping_neg();
    f64::from_bits((b.to_bits() & m) | (a.to_bits() & !m))
}

/// [`closest_dn`] for `n = 8` on arrays: the same rule (the first
/// coordinate of largest error is re-rounded), written without branches,
/// whose outcome is data dependent and would mispredict half the time.
#[inline(always)]
fn closest_d8(x: &[f64; 8]) -> [f64; 8] {
    let mut f = [0.0; 8];
    let mut e = [0.0; 8];
    for i in 0..8 {
        f[i] = round(x[i]);
        e[i] = (x[i] - f[i]).abs();
    }
    let sum = ((f[0] + f[1]) + (f[2] + f[3])) + ((f[4] + f[5]) + (f[6] + f[7]));
    let m = ((e[0].max(e[1])).max(e[2].max(e[3]))).max((e[4].max(e[5])).max(e[6].max(e[7])));
    let mut pending = (sum as i64) & 1 != 0;
    for i in 0..8 {
        let hit = pending & (e[i] == m);
        let step = select(x[i] >= f[i], 1.0, -1.0);
        f[i] = select(hit, f[i] + step, f[i]);
        pending &= !hit;
    }
    f
}

/// `u = G⁻¹ t` for the upper bidiagonal `Dₙ` basis.
fn dn_coordinates(t: &[f64], u: &mut [i64]) {
    let n = t.len();
    // Rows n−1 … 1: u_{n−1} = t_{n−1}; u_k − u_{k+1} = t_k.
    let mut next = 0.0;
    for k in (1..n).rev() {
        let v = t[k] + if k + 1 < n { next } else { 0.0 };
        u[k] = v as i64;
        next = v;
    }
    // Row 0: 2u₀ − u₁ = t₀.
    u[0] = ((t[0] + next) / 2.0) as i64;
}

fn dn_point(u: &[i64], t: &mut [f64]) {
    let n = u.len();
    for k in 0..n {
        let own = if k == 0 { 2.0 * u[0] as f64 } else { u[k] as f64 };
        let right = if k + 1 < n { u[k + 1] as f64 } else { 0.0 };
        t[k] = own - right;
    }
}

impl Lattice for Checkerboard {
    fn dim(&self) -> usize {
        self.n
    }
    fn name(&self) -> String {
        format!("D{}", self.n)
    }
    fn closest_point(&self, x: &[f64], out: &mut [f64]) {
        closest_dn(x, out);
    }
    fn generator(&self) -> Mat<f64> {
        Mat::from_fn(self.n, self.n, |i, j| match (i, j) {
            (0, 0) => 2.0,
            _ if i == j => 1.0,
            _ if j == i + 1 => -1.0,
            _ => 0.0,
        })
    }
    fn volume(&self) -> f64 {
        2.0
    }
    fn coordinates(&self, t: &[f64], u: &mut [i64]) {
        dn_coordinates(t, u);
    }
    fn point(&self, u: &[i64], t: &mut [f64]) {
        dn_point(u, t);
    }
}

/// The Gosset lattice `E₈ = D₈ ∪ (D₈ + ½·1)`: the densest packing in eight
/// dimensions, normalised second moment `929/12960 ≈ 0.0716821`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gosset;

/// Closest point of `E₈`: the closer of the two `D₈` cosets (the first on
/// ties).
#[inline(always)]
pub(crate) fn closest_e8_array(x: &[f64; 8]) -> [f64; 8] {
    let shifted = x.map(|v| v - 0.5);
    let a = closest_d8(x);
    let mut b = closest_d8(&shifted);
    let (mut da, mut db) = (0.0, 0.0);
    for i in 0..8 {
        b[i] += 0.5;
        da += (x[i] - a[i]) * (x[i] - a[i]);
        db += (x[i] - b[i]) * (x[i] - b[i]);
    }
    let closer = db < da;
    core::array::from_fn(|i| select(closer, b[i], a[i]))
}

/// [`closest_e8_array`] on slices of length 8.
#[inline(always)]
pub(crate) fn closest_e8(x: &[f64], out: &mut [f64]) {
    let x: &[f64; 8] = x[..8].try_into().expect("an E8 block has 8 entries");
    out[..8].copy_from_slice(&closest_e8_array(x));
}

/// Blocks per batch of the vectorised `E₈` kernel (one AVX-512 register of
/// `f64` per coordinate).
const LANES: usize = 16;

/// [`closest_e8_array`] for `LANES` blocks at once, coordinate-major
/// (`x[i][l]` is coordinate `i` of block `l`): every step is a vertical
/// operation across blocks, so it compiles to straight vector code. Selects
/// are multiplications by exact 0/1 factors, so the results are the scalar
/// ones bit for bit (all values are small multiples of ½).
#[inline(always)]
fn closest_e8_lanes(x: &[[f64; LANES]; 8]) -> [[f64; LANES]; 8] {
    #[inline(always)]
    fn d8(x: &[[f64; LANES]; 8], shift: f64) -> ([[f64; LANES]; 8], [f64; LANES]) {
        let mut f = [[0.0; LANES]; 8];
        let mut e = [[0.0; LANES]; 8];
        let mut sum = [0.0; LANES];
        let mut m = [0.0; LANES];
        for i in 0..8 {
            for l in 0..LANES {
                let v = x[i][l] - shift;
                f[i][l] = round(v);
                e[i][l] = (v - f[i][l]).abs();
                sum[l] += f[i][l];
                m[l] = if e[i][l] > m[l] { e[i][l] } else { m[l] };
            }
        }
        // 1 where the coordinate sum is odd (exact: sums of small integers).
        let mut pending = [0.0; LANES];
        for l in 0..LANES {
            pending[l] = (sum[l] - 2.0 * round(0.5 * sum[l])).abs();
        }
        let mut dist = [0.0; LANES];
        for i in 0..8 {
            for l in 0..LANES {
                let v = x[i][l] - shift;
                let hit = if e[i][l] == m[l] { pending[l] } else { 0.0 };
                let step = if v >= f[i][l] { 1.0 } else { -1.0 };
                f[i][l] += hit * step;
                pending[l] -= hit;
                let r = v - f[i][l];
                dist[l] += r * r;
            }
        }
        (f, dist)
    }
    let (a, da) = d8(x, 0.0);
    let (b, db) = d8(x, 0.5);
    let mut out = [[0.0; LANES]; 8];
    for i in 0..8 {
        for l in 0..LANES {
            let bi = b[i][l] + 0.5;
            out[i][l] = if db[l] < da[l] { bi } else { a[i][l] };
        }
    }
    out
}

/// [`closest_e8`] for blocks stored back to back, `LANES` blocks per step
/// (the tail padded with zeros).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma"))]
fn closest_e8_many(x: &[f64], out: &mut [f64]) {
    for (xs, os) in x.chunks(8 * LANES).zip(out.chunks_mut(8 * LANES)) {
        let mut t = [[0.0; LANES]; 8];
        for (l, block) in xs.chunks_exact(8).enumerate() {
            for i in 0..8 {
                t[i][l] = block[i];
            }
        }
        let q = closest_e8_lanes(&t);
        for (l, block) in os.chunks_exact_mut(8).enumerate() {
            for i in 0..8 {
                block[i] = q[i][l];
            }
        }
    }
}

impl Lattice for Gosset {
    fn dim(&self) -> usize {
        8
    }
    fn name(&self) -> String {
        "E8".into()
    }
    fn closest_point(&self, x: &[f64], out: &mut [f64]) {
        closest_e8(x, out);
    }
    fn closest_points(&self, x: &[f64], out: &mut [f64]) {
        closest_e8_many(x, out);
    }
    fn generator(&self) -> Mat<f64> {
        Mat::from_fn(8, 8, |i, j| match (i, j) {
            (_, 7) => 0.5,
            (0, 0) => 2.0,
            _ if i == j => 1.0,
            _ if j == i + 1 => -1.0,
            _ => 0.0,
        })
    }
    fn volume(&self) -> f64 {
        1.0
    }
    fn coordinates(&self, t: &[f64], u: &mut [i64]) {
        // Last column ½·1: u₇ = 2t₇; the rest is D₈'s bidiagonal system on
        // t − ½u₇·1 restricted to the first seven basis vectors.
        let u7 = 2.0 * t[7];
        let mut r = [0.0; 8];
        for i in 0..7 {
            r[i] = t[i] - 0.5 * u7;
        }
        // Rows 6 … 1: u_k − u_{k+1} = r_k with u₇'s column already removed
        // (row 6 has no b₇ coupling beyond ½, handled above).
        let mut next = 0.0;
        for k in (1..7).rev() {
            let v = r[k] + next;
            u[k] = v as i64;
            next = v;
        }
        u[0] = ((r[0] + next) / 2.0) as i64;
        u[7] = u7 as i64;
    }
    fn point(&self, u: &[i64], t: &mut [f64]) {
        let half = 0.5 * u[7] as f64;
        for k in 0..7 {
            let own = if k == 0 { 2.0 * u[0] as f64 } else { u[k] as f64 };
            let right = if k + 1 < 7 { u[k + 1] as f64 } else { 0.0 };
            t[k] = own - right + half;
        }
        t[7] = half;
    }
}

/// The closest lattice point by exhaustive enumeration (Fincke–Pohst
/// sphere decoding with Schnorr–Euchner radius shrinking on the upper
/// triangular generator): every `u` with `‖x − G u‖² ≤` the best distance
/// found so far is visited, starting from the Babai round-off point. Exact
/// and independent of the fast algorithms, so it is their reference; cost
/// grows exponentially with the dimension. Returns the point and its
/// squared distance.
pub fn closest_point_by_enumeration<L: Lattice>(lattice: &L, x: &[f64]) -> (Vec<f64>, f64) {
    let n = lattice.dim();
    let g = lattice.generator();
    // Babai round-off: back-substitution in real arithmetic, rounding as we go.
    let mut u = vec![0i64; n];
    for i in (0..n).rev() {
        let s: f64 = x[i] - (i + 1..n).map(|j| g[(i, j)] * u[j] as f64).sum::<f64>();
        u[i] = (s / g[(i, i)]).round() as i64;
    }
    let point = |u: &[i64]| -> Vec<f64> { (0..n).map(|i| (i..n).map(|j| g[(i, j)] * u[j] as f64).sum()).collect() };
    let dist = |t: &[f64]| -> f64 { t.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum() };
    let mut best_u = u.clone();
    let mut best = dist(&point(&u)) * (1.0 + 1e-12) + 1e-12;
    fn search(i: usize, partial: f64, u: &mut [i64], best: &mut f64, best_u: &mut Vec<i64>, g: &Mat<f64>, x: &[f64]) {
        let n = u.len();
        let s: f64 = x[i] - (i + 1..n).map(|j| g[(i, j)] * u[j] as f64).sum::<f64>();
        let gii = g[(i, i)];
        let centre = s / gii;
        let radius = ((*best - partial).max(0.0)).sqrt() / gii.abs();
        let (lo, hi) = ((centre - radius).ceil() as i64, (centre + radius).floor() as i64);
        for v in lo..=hi {
            u[i] = v;
            let r = s - gii * v as f64;
            let d = partial + r * r;
            if d > *best {
                continue;
            }
            if i == 0 {
                *best = d;
                best_u.copy_from_slice(u);
            } else {
                search(i - 1, d, u, best, best_u, g, x);
            }
        }
    }
    let mut work = vec![0i64; n];
    search(n - 1, 0.0, &mut work, &mut best, &mut best_u, &g, x);
    let t = point(&best_u);
    let d = dist(&t);
    (t, d)
}

/// Monte-Carlo estimate of the normalised second moment
/// `G(Λ) = E‖x − Q(x)‖² / (n · V^{2/n})` with its standard error, from
/// `samples` points uniform in the box `[0, 8)ⁿ` (a fundamental domain of
/// `8Zⁿ`, a sublattice of every lattice here, so the error is uniform on
/// the Voronoi cell).
pub fn second_moment<L: Lattice, R: Rng + ?Sized>(lattice: &L, samples: usize, rng: &mut R) -> Result<(f64, f64)> {
    if samples < 2 {
        return Err(Error::invalid("samples", samples, "needs at least two samples"));
    }
    let n = lattice.dim();
    let (mut x, mut q) = (vec![0.0; n], vec![0.0; n]);
    let mut w = infoflow_numerics::stats::Welford::new();
    let scale = n as f64 * lattice.volume().powf(2.0 / n as f64);
    for _ in 0..samples {
        x.iter_mut().for_each(|v| *v = rng.random_range(0.0..8.0));
        lattice.closest_point(&x, &mut q);
        w.push(x.iter().zip(&q).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / scale);
    }
    Ok((w.mean()?, w.std_error()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::rng::Streams;

    fn dist2(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
    }

    #[test]
    fn e8_test_vectors() {
        let mut out = [0.0; 8];
        closest_e8(&[0.6, 0.6, 0.1, -0.2, 0.0, 0.3, 0.2, -0.1], &mut out);
        assert_eq!(out, [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let x = [0.3, -1.2, 0.8, 0.1, 2.6, -0.4, 0.45, -0.9];
        closest_e8(&x, &mut out);
        assert_eq!(out, [0.5, -1.5, 0.5, 0.5, 2.5, -0.5, 0.5, -0.5]);
        assert!((dist2(&x, &out) - 0.5625).abs() < 1e-12);
        // Coordinates of the worked example (lattice_quant.md §5.3).
        let mut u = [0i64; 8];
        Gosset.coordinates(&out, &mut u);
        assert_eq!(u, [3, 5, 6, 5, 4, 1, 1, -1]);
    }

    #[test]
    fn generators_and_coordinates_round_trip() {
        let mut rng = Streams::for_point(1, "lattice", "coords").stream(0);
        fn check<L: Lattice>(l: &L, rng: &mut impl Rng) {
            let n = l.dim();
            let g = l.generator();
            let det: f64 = (0..n).map(|i| g[(i, i)]).product();
            assert!((det.abs() - l.volume()).abs() < 1e-12, "{}", l.name());
            for _ in 0..200 {
                let u: Vec<i64> = (0..n).map(|_| rng.random_range(-20..20)).collect();
                let mut t = vec![0.0; n];
                l.point(&u, &mut t);
                let dense: Vec<f64> = (0..n).map(|i| (0..n).map(|j| g[(i, j)] * u[j] as f64).sum()).collect();
                assert_eq!(t, dense, "{}", l.name());
                let mut back = vec![0i64; n];
                l.coordinates(&t, &mut back);
                assert_eq!(back, u, "{}", l.name());
                // Lattice points are their own closest points.
                let mut q = vec![0.0; n];
                l.closest_point(&t, &mut q);
                assert_eq!(q, t);
            }
        }
        check(&Integer::new(5).unwrap(), &mut rng);
        check(&Checkerboard::new(4).unwrap(), &mut rng);
        check(&Checkerboard::new(8).unwrap(), &mut rng);
        check(&Gosset, &mut rng);
    }

    #[test]
    fn fast_closest_point_matches_brute_force() {
        let mut rng = Streams::for_point(1, "lattice", "brute").stream(0);
        fn check<L: Lattice>(l: &L, rng: &mut impl Rng, trials: usize) {
            let n = l.dim();
            for _ in 0..trials {
                let x: Vec<f64> = (0..n).map(|_| rng.random_range(-3.0..3.0)).collect();
                let mut fast = vec![0.0; n];
                l.closest_point(&x, &mut fast);
                let (_, slow) = closest_point_by_enumeration(l, &x);
                assert!((dist2(&x, &fast) - slow).abs() < 1e-12, "{} at {x:?}", l.name());
            }
        }
        check(&Integer::new(3).unwrap(), &mut rng, 200);
        check(&Checkerboard::new(4).unwrap(), &mut rng, 200);
        check(&Checkerboard::new(8).unwrap(), &mut rng, 200);
        check(&Gosset, &mut rng, 500);
    }

    #[test]
    fn second_moments() {
        let mut rng = Streams::for_point(1, "lattice", "g").stream(0);
        let (g, se) = second_moment(&Integer::new(1).unwrap(), 200_000, &mut rng).unwrap();
        assert!((g - 1.0 / 12.0).abs() < 4.0 * se);
        let (g, se) = second_moment(&Gosset, 200_000, &mut rng).unwrap();
        assert!((g - 929.0 / 12960.0).abs() < 4.0 * se, "{g} ± {se}");
    }

    #[test]
    fn bad_input() {
        assert!(Integer::new(0).is_err());
        assert!(Checkerboard::new(1).is_err());
        let mut rng = Streams::for_point(1, "lattice", "bad").stream(0);
        assert!(second_moment(&Gosset, 1, &mut rng).is_err());
    }
}
