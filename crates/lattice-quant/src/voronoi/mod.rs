//! Voronoi (nested-lattice) codes: the codebook `Λ ∩ (q·V(Λ) + a)` with
//! `qⁿ` points (Conway and Sloane, *A fast encoding method for lattice
//! codes and quantizers*, IEEE T-IT 29(6), 1983).
//!
//! * **Index** of a codeword `t`: `c = (G⁻¹ t) mod q ∈ (Z/q)ⁿ`.
//! * **Codeword** of an index: `y = G c`, then `t = y − q·Q((y − a)/q)`.
//! * **Overload test** of a lattice point `t`: it is a codeword iff
//!   `Q((t − a)/q) = 0`.
//!
//! # The tie-break offset
//!
//! `E₈` is even unimodular, so for every `q` some lattice points `t` have
//! `t/q` exactly on the boundary of `V(E₈)`. A closest-point map breaks
//! such ties deterministically but not translation-equivariantly: if the
//! encoder tested `Q(t/q) = 0` and the decoder reduced `y − q·Q(y/q)`, some
//! non-overloaded blocks would decode to `t − qλ ≠ t`, a catastrophic error
//! (lattice_quant.md §5.3 measured 56 of 3676 blocks at `q = 14`). A small
//! generic translate `a` (`a_k = 10⁻⁷ (k + 1) √(k + 2)`) used by **both**
//! the overload test and the decoder moves every codeword off the boundary;
//! then every codeword decodes to itself (tested exhaustively for `q = 2, 3`
//! and on random indices up to `q = 64`).

use crate::error::{Error, Result};
use crate::lattice::Gosset;
use crate::lattice::{Lattice, round};

mod first_fit;

/// A Voronoi code of a lattice with nesting ratio `q` (self-similar pair
/// `Λ ⊃ qΛ`): `log₂ q` bits per dimension.
#[derive(Clone, Debug)]
pub struct VoronoiCode<L: Lattice> {
    lattice: L,
    q: u32,
    offset: [f64; MAX_DIM],
    /// The generator matrix, row-major (upper triangular).
    generator: Vec<f64>,
}

/// Largest supported nesting ratio (indices are stored in 16 bits).
pub const MAX_Q: u32 = 1 << 16;

/// Largest supported block dimension: blocks live in stack buffers, so
/// encoding and decoding never allocate.
pub const MAX_DIM: usize = 32;

impl<L: Lattice> VoronoiCode<L> {
    /// The Voronoi code of `lattice` (dimension at most [`MAX_DIM`]) with
    /// nesting ratio `2 ≤ q ≤ 65536`.
    pub fn new(lattice: L, q: u32) -> Result<Self> {
        if !(2..=MAX_Q).contains(&q) {
            return Err(Error::invalid("q", q, "the nesting ratio must lie in 2..=65536"));
        }
        if lattice.dim() > MAX_DIM {
            return Err(Error::invalid(
                "dimension",
                lattice.dim(),
                "Voronoi codes support blocks of at most 32 dimensions",
            ));
        }
        let mut offset = [0.0; MAX_DIM];
        for (k, a) in offset.iter_mut().enumerate().take(lattice.dim()) {
            *a = 1e-7 * (k as f64 + 1.0) * (k as f64 + 2.0).sqrt();
        }
        let g = lattice.generator();
        let n = lattice.dim();
        let generator = (0..n * n).map(|k| g[(k / n, k % n)]).collect();
        Ok(Self { lattice, q, offset, generator })
    }

    /// The lattice.
    pub fn lattice(&self) -> &L {
        &self.lattice
    }

    /// Nesting ratio `q`.
    pub fn q(&self) -> u32 {
        self.q
    }

    /// Dimension of a block.
    pub fn dim(&self) -> usize {
        self.lattice.dim()
    }

    /// Bits per dimension, `log₂ q`.
    pub fn bits_per_dim(&self) -> f64 {
        (self.q as f64).log2()
    }

    /// The tie-break offset `a` (both sides must use the same one).
    pub fn offset(&self) -> &[f64] {
        &self.offset[..self.dim()]
    }

    /// `q·Q((y − a)/q)`, the point of `qΛ` whose shifted Voronoi cell holds `y`.
    #[inline]
    fn coarse_point(&self, y: &[f64], out: &mut [f64]) {
        let n = self.dim();
        let (qf, inv_q) = (self.q as f64, 1.0 / self.q as f64);
        let mut scaled = [0.0; MAX_DIM];
        for ((s, &v), &a) in scaled.iter_mut().zip(y).zip(&self.offset[..n]) {
            *s = (v - a) * inv_q;
        }
        self.lattice.closest_point(&scaled[..n], out);
        out.iter_mut().for_each(|v| *v *= qf);
    }

    /// Whether the lattice point `t` lies in the shaping region
    /// `q·V(Λ) + a`, i.e. is a codeword.
    pub fn contains(&self, t: &[f64]) -> bool {
        let mut z = [0.0; MAX_DIM];
        let z = &mut z[..self.dim()];
        self.coarse_point(t, z);
        z.iter().all(|&v| v == 0.0)
    }

    /// The index `c = (G⁻¹ t) mod q` of a codeword `t`.
    pub fn index(&self, t: &[f64], c: &mut [u32]) {
        let mut u = [0i64; MAX_DIM];
        let u = &mut u[..self.dim()];
        self.lattice.coordinates(t, u);
        // u mod q through a floating division: an integer division per
        // coordinate would cost more than the whole closest-point search.
        // Exact while |u| < 2⁵²/q, far beyond any codeword.
        let qf = self.q as f64;
        for (ci, &ui) in c.iter_mut().zip(u.iter()) {
            let v = ui as f64;
            let quotient = round(v / qf);
            let quotient = quotient - if quotient * qf > v { 1.0 } else { 0.0 };
            *ci = (v - quotient * qf) as u32;
        }
    }

    /// The codeword `t = y − q·Q((y − a)/q)`, `y = G c`, of an index
    /// (entries of `c` below `q`).
    pub fn codeword(&self, c: &[u32], t: &mut [f64]) {
        let n = self.dim();
        let mut u = [0i64; MAX_DIM];
        for (ui, &ci) in u.iter_mut().zip(c) {
            *ui = ci as i64;
        }
        let mut y = [0.0; MAX_DIM];
        self.lattice.point(&u[..n], &mut y[..n]);
        self.reduce(&y[..n], t);
    }

    /// Reduces a lattice point modulo `qΛ` into the shaping region:
    /// `t = y − q·Q((y − a)/q)`.
    pub fn reduce(&self, y: &[f64], t: &mut [f64]) {
        let mut z = [0.0; MAX_DIM];
        let z = &mut z[..self.dim()];
        self.coarse_point(y, z);
        for ((ti, &yi), &zi) in t.iter_mut().zip(y).zip(z.iter()) {
            *ti = yi - zi;
        }
    }

    /// Quantizes `x` with the fine lattice `βΛ`: `t = Q(x·(1/β) + dither)`
    /// (scaling by reciprocals here and in the overload test
    /// `Q((t − a)·(1/q)) = 0`).
    /// Returns `false` (overload) when `t` is not a codeword; otherwise
    /// writes its index to `c`.
    pub fn encode(&self, x: &[f64], beta: f64, dither: Option<&[f64]>, c: &mut [u32]) -> bool {
        let n = self.dim();
        let mut scaled = [0.0; MAX_DIM];
        let inv = 1.0 / beta;
        match dither {
            Some(z) => scaled.iter_mut().zip(x).zip(z).for_each(|((s, &v), &d)| *s = v * inv + d),
            None => scaled.iter_mut().zip(x).for_each(|(s, &v)| *s = v * inv),
        }
        let mut t = [0.0; MAX_DIM];
        self.lattice.closest_point(&scaled[..n], &mut t[..n]);
        if !self.contains(&t[..n]) {
            return false;
        }
        self.index(&t[..n], c);
        true
    }

    /// First-fit encoding of many blocks stored back to back: block `b`
    /// (`x[b n..(b + 1) n]`) is quantized at the first fine scale of `betas`
    /// that does not overload; `chosen[b]` receives that scale's position
    /// (`u8::MAX` when every scale overloads) and `c[b n..(b + 1) n]` its
    /// index. The result equals calling [`VoronoiCode::encode`] scale by
    /// scale for each block; the work is batched so that lattices with a
    /// vectorised [`Lattice::closest_points`] (E₈) use it.
    pub fn encode_first_fit(&self, x: &[f64], betas: &[f64], dither: Option<&[f64]>, chosen: &mut [u8], c: &mut [u32]) {
        let n = self.dim();
        let blocks = x.len() / n;
        assert!(
            chosen.len() == blocks && c.len() == blocks * n && betas.len() < u8::MAX as usize,
            "encode_first_fit: mismatched lengths"
        );
        assert!(dither.is_none_or(|d| d.len() == x.len()), "encode_first_fit: dither length");
        #[cfg(target_arch = "x86_64")]
        if (&self.lattice as &dyn core::any::Any).is::<Gosset>() && std::arch::is_x86_feature_detected!("avx512f") {
            let inv: Vec<f64> = betas.iter().map(|b| 1.0 / b).collect();
            for (k, (cs, xs)) in chosen.chunks_mut(8).zip(x.chunks(64)).enumerate() {
                let z = dither.map(|d| &d[k * 64..k * 64 + xs.len()]);
                // SAFETY: AVX-512F is available (checked above); lengths are
                // checked inside.
                unsafe {
                    first_fit::avx512::first_fit(
                        xs,
                        z,
                        &inv,
                        self.q,
                        &self.offset[..8],
                        cs,
                        &mut c[k * 64..k * 64 + xs.len()],
                    )
                };
            }
            return;
        }
        first_fit::portable(self, x, betas, dither, chosen, c);
    }

    /// The reconstruction `β·(codeword(c) − dither)`.
    pub fn decode(&self, c: &[u32], beta: f64, dither: Option<&[f64]>, out: &mut [f64]) {
        self.codeword(c, out);
        match dither {
            Some(z) => out.iter_mut().zip(z).for_each(|(o, &d)| *o = beta * (*o - d)),
            None => out.iter_mut().for_each(|o| *o *= beta),
        }
    }

    /// A subtractive dither for one block, uniform on the Voronoi cell of
    /// `Λ` (in units of the fine lattice): `p − Q(p)` with `p = G v`,
    /// `v` uniform on `[0, 1)ⁿ`, is uniform on `V(Λ)` because the
    /// parallelepiped `G[0, 1)ⁿ` is a fundamental domain.
    pub fn draw_dither<R: rand::Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        use rand::RngExt;
        let n = self.dim();
        let mut v = [0.0; MAX_DIM];
        v[..n].iter_mut().for_each(|x| *x = rng.random::<f64>());
        let mut p = [0.0; MAX_DIM];
        for (i, pi) in p[..n].iter_mut().enumerate() {
            *pi = (i..n).map(|j| self.generator[i * n + j] * v[j]).sum();
        }
        let mut nearest = [0.0; MAX_DIM];
        self.lattice.closest_point(&p[..n], &mut nearest[..n]);
        for ((o, a), b) in out.iter_mut().zip(&p[..n]).zip(&nearest[..n]) {
            *o = a - b;
        }
    }
}

/// A hierarchical (multi-layer) Voronoi code (Kaplan and Ordentlich,
/// arXiv 2505.13164): a lattice point is written `λ = Σ_{m<M} q^m x_m`
/// with every `x_m` a codeword of the `q`-ary Voronoi code, so `M` small
/// codebooks of `qⁿ` points replace one of `q^{Mn}`. Lookup tables over one
/// layer's codewords then serve every layer (inner products combine layers
/// with weights `q^{l+m}`). The covered region is `Σ q^m (q V + a)`, a
/// slightly different shape from `q^M V`; a point outside it overloads.
#[derive(Clone, Debug)]
pub struct HierarchicalCode<L: Lattice> {
    code: VoronoiCode<L>,
    layers: usize,
}

impl<L: Lattice> HierarchicalCode<L> {
    /// `layers ≥ 1` layers of the Voronoi code `code`.
    pub fn new(code: VoronoiCode<L>, layers: usize) -> Result<Self> {
        if layers == 0 || layers > 8 {
            return Err(Error::invalid("layers", layers, "a hierarchical code has 1 to 8 layers"));
        }
        Ok(Self { code, layers })
    }

    /// The one-layer code.
    pub fn code(&self) -> &VoronoiCode<L> {
        &self.code
    }

    /// Number of layers `M`.
    pub fn layers(&self) -> usize {
        self.layers
    }

    /// Quantizes `x` with `βΛ` and splits the lattice point into layers:
    /// `c[m·n..(m+1)·n]` is the index of layer `m`. Returns `false` when the
    /// point is not covered (overload).
    pub fn encode(&self, x: &[f64], beta: f64, c: &mut [u32]) -> bool {
        let n = self.code.dim();
        let mut lambda = [0.0; MAX_DIM];
        let mut scaled = [0.0; MAX_DIM];
        scaled.iter_mut().zip(x).for_each(|(s, &v)| *s = v / beta);
        self.code.lattice.closest_point(&scaled[..n], &mut lambda[..n]);
        let qf = self.code.q as f64;
        let mut layer = [0.0; MAX_DIM];
        for m in 0..self.layers {
            self.code.reduce(&lambda[..n], &mut layer[..n]);
            self.code.index(&layer[..n], &mut c[m * n..(m + 1) * n]);
            for (l, &v) in lambda[..n].iter_mut().zip(&layer[..n]) {
                *l = (*l - v) / qf;
            }
        }
        lambda[..n].iter().all(|&v| v == 0.0)
    }

    /// `β Σ q^m codeword(c_m)`.
    pub fn decode(&self, c: &[u32], beta: f64, out: &mut [f64]) {
        let n = self.code.dim();
        let mut layer = [0.0; MAX_DIM];
        out.fill(0.0);
        let mut weight = beta;
        for m in 0..self.layers {
            self.code.codeword(&c[m * n..(m + 1) * n], &mut layer[..n]);
            out.iter_mut().zip(&layer[..n]).for_each(|(o, &v)| *o += weight * v);
            weight *= self.code.q as f64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::{Checkerboard, Gosset, Integer};
    use infoflow_numerics::rng::Streams;
    use rand::RngExt;
    use std::collections::HashSet;

    fn enumerate_all<L: Lattice>(code: &VoronoiCode<L>) {
        let n = code.dim();
        let q = code.q();
        let total = (q as usize).pow(n as u32);
        let mut seen = HashSet::new();
        let mut c = vec![0u32; n];
        let mut t = vec![0.0; n];
        let mut back = vec![0u32; n];
        for code_number in 0..total {
            let mut k = code_number;
            for ci in c.iter_mut() {
                *ci = (k % q as usize) as u32;
                k /= q as usize;
            }
            code.codeword(&c, &mut t);
            assert!(code.contains(&t), "codeword of {c:?} outside the region");
            code.index(&t, &mut back);
            assert_eq!(back, c);
            assert!(seen.insert(t.iter().map(|v| (2.0 * v) as i64).collect::<Vec<_>>()));
        }
        assert_eq!(seen.len(), total);
    }

    #[test]
    fn e8_codes_have_exactly_q8_distinct_codewords() {
        enumerate_all(&VoronoiCode::new(Gosset, 2).unwrap());
        enumerate_all(&VoronoiCode::new(Gosset, 3).unwrap());
        enumerate_all(&VoronoiCode::new(Checkerboard::new(4).unwrap(), 4).unwrap());
        enumerate_all(&VoronoiCode::new(Integer::new(2).unwrap(), 5).unwrap());
    }

    #[test]
    fn every_codeword_decodes_to_itself() {
        let mut rng = Streams::for_point(1, "voronoi", "self").stream(0);
        for q in [2u32, 3, 4, 5, 8, 11, 14, 16, 32, 64] {
            let code = VoronoiCode::new(Gosset, q).unwrap();
            let mut t = [0.0; 8];
            let mut back = [0u32; 8];
            for _ in 0..2000 {
                let c: Vec<u32> = (0..8).map(|_| rng.random_range(0..q)).collect();
                code.codeword(&c, &mut t);
                code.index(&t, &mut back);
                assert_eq!(&back[..], &c[..], "q = {q}");
            }
        }
    }

    #[test]
    fn worked_example_q4() {
        // lattice_quant.md §5.3: q = 4, β = 4.1875/4, no dither.
        let code = VoronoiCode::new(Gosset, 4).unwrap();
        let beta = 4.1875 / 4.0;
        let x = [0.3, -1.2, 0.8, 0.1, 2.6, -0.4, 0.45, -0.9];
        let mut c = [0u32; 8];
        assert!(code.encode(&x, beta, None, &mut c));
        assert_eq!(c, [3, 1, 2, 1, 0, 1, 1, 3]);
        let mut out = [0.0; 8];
        code.decode(&c, beta, None, &mut out);
        assert!((out[0] - 0.5234375).abs() < 1e-15 && (out[1] + 1.5703125).abs() < 1e-15);
    }

    #[test]
    fn no_catastrophic_decodes_near_the_boundary() {
        // Inputs scaled to hit the shaping boundary often (the pitfall).
        let mut rng = Streams::for_point(1, "voronoi", "boundary").stream(0);
        for q in [2u32, 3, 4, 14] {
            let code = VoronoiCode::new(Gosset, q).unwrap();
            let (mut ok, mut c, mut out, mut t) = (0, [0u32; 8], [0.0; 8], [0.0; 8]);
            for _ in 0..4000 {
                let x: Vec<f64> =
                    (0..8).map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal) * 0.35 * q as f64).collect();
                if code.encode(&x, 1.0, None, &mut c) {
                    ok += 1;
                    code.decode(&c, 1.0, None, &mut out);
                    Gosset.closest_point(&x, &mut t);
                    assert_eq!(out, t, "q = {q}: a non-overloaded block decoded elsewhere");
                }
            }
            assert!(ok > 400, "q = {q}: only {ok} blocks encoded");
        }
    }

    #[test]
    fn dither_is_uniform_on_the_voronoi_cell() {
        let mut rng = Streams::for_point(1, "voronoi", "dither").stream(0);
        let code = VoronoiCode::new(Gosset, 4).unwrap();
        let (mut z, mut q) = ([0.0; 8], [0.0; 8]);
        let mut w = infoflow_numerics::stats::Welford::new();
        for _ in 0..50_000 {
            code.draw_dither(&mut rng, &mut z);
            Gosset.closest_point(&z, &mut q);
            assert_eq!(q, [0.0; 8], "a dither outside V(E8): {z:?}");
            w.push(z.iter().map(|v| v * v).sum::<f64>() / 8.0);
        }
        // Per-dimension second moment of the uniform law on V(E8) is G(E8).
        let (m, se) = (w.mean().unwrap(), w.std_error().unwrap());
        assert!((m - 929.0 / 12960.0).abs() < 4.0 * se, "{m} ± {se}");
    }

    #[test]
    fn hierarchical_codes_reproduce_the_lattice_point() {
        let mut rng = Streams::for_point(1, "voronoi", "layers").stream(0);
        let d4 = Checkerboard::new(4).unwrap();
        let code = HierarchicalCode::new(VoronoiCode::new(d4, 4).unwrap(), 2).unwrap();
        let (mut covered, mut c, mut out, mut t) = (0, [0u32; 8], [0.0; 4], [0.0; 4]);
        for _ in 0..20_000 {
            let x: Vec<f64> = (0..4).map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal) * 5.0).collect();
            if code.encode(&x, 1.0, &mut c) {
                covered += 1;
                assert!(c.iter().all(|&v| v < 4));
                code.decode(&c, 1.0, &mut out);
                d4.closest_point(&x, &mut t);
                assert_eq!(out, t);
            }
        }
        // A radius-5 Gaussian mostly fits in the 16-fold cell.
        assert!(covered > 15_000, "{covered}");
        assert!(HierarchicalCode::new(VoronoiCode::new(d4, 4).unwrap(), 0).is_err());
    }

    #[test]
    fn batched_first_fit_equals_block_by_block_encoding() {
        let mut rng = Streams::for_point(1, "voronoi", "batch").stream(0);
        fn check<L: Lattice>(code: &VoronoiCode<L>, x: &[f64], betas: &[f64], dither: Option<&[f64]>) {
            let n = code.dim();
            let blocks = x.len() / n;
            let (mut chosen, mut c) = (vec![0u8; blocks], vec![0u32; blocks * n]);
            code.encode_first_fit(x, betas, dither, &mut chosen, &mut c);
            let mut one = vec![0u32; n];
            for b in 0..blocks {
                let d = dither.map(|d| &d[b * n..(b + 1) * n]);
                let k = betas.iter().position(|&beta| code.encode(&x[b * n..(b + 1) * n], beta, d, &mut one));
                assert_eq!(chosen[b], k.map_or(u8::MAX, |k| k as u8), "block {b}");
                if k.is_some() {
                    assert_eq!(&c[b * n..(b + 1) * n], &one[..], "block {b}");
                }
            }
        }
        // Gaussian blocks, and quarter-integer blocks full of ties; 1000
        // blocks cross batch boundaries and leave a partial SIMD tail.
        let gauss: Vec<f64> = (0..8 * 1000).map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal)).collect();
        let ties: Vec<f64> = (0..8 * 1000).map(|_| rng.random_range(-12i32..12) as f64 * 0.25).collect();
        let dither: Vec<f64> = (0..8 * 1000).map(|_| rng.random_range(-0.5..0.5)).collect();
        let e8 = VoronoiCode::new(Gosset, 4).unwrap();
        for x in [&gauss, &ties] {
            check(&e8, x, &[0.3, 0.5, 0.8], None);
            check(&e8, x, &[0.3, 0.5], Some(&dither));
            check(&VoronoiCode::new(Checkerboard::new(4).unwrap(), 5).unwrap(), x, &[0.3, 0.6], None);
        }
        if !std::arch::is_x86_feature_detected!("avx512f") {
            infoflow_numerics::fuzz::report_skip(
                "batched_first_fit_equals_block_by_block_encoding",
                "no AVX-512F: the batched E8 path compared is the portable one",
            );
        }
        // The batched E8 closest points equal the scalar ones, ties included.
        let mut fast = vec![0.0; ties.len()];
        Gosset.closest_points(&ties, &mut fast);
        for (xb, fb) in ties.chunks_exact(8).zip(fast.chunks_exact(8)) {
            let mut slow = [0.0; 8];
            Gosset.closest_point(xb, &mut slow);
            assert_eq!(fb, &slow[..], "at {xb:?}");
        }
    }

    #[test]
    fn bad_q() {
        assert!(VoronoiCode::new(Gosset, 1).is_err());
        assert!(VoronoiCode::new(Gosset, MAX_Q + 1).is_err());
    }
}
