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
use crate::lattice::Lattice;

/// A Voronoi code of a lattice with nesting ratio `q` (self-similar pair
/// `Λ ⊃ qΛ`): `log₂ q` bits per dimension.
#[derive(Clone, Debug)]
pub struct VoronoiCode<L: Lattice> {
    lattice: L,
    q: u32,
    offset: Vec<f64>,
}

/// Largest supported nesting ratio (indices are stored in 16 bits).
pub const MAX_Q: u32 = 1 << 16;

impl<L: Lattice> VoronoiCode<L> {
    /// The Voronoi code of `lattice` with nesting ratio `2 ≤ q ≤ 65536`.
    pub fn new(lattice: L, q: u32) -> Result<Self> {
        if !(2..=MAX_Q).contains(&q) {
            return Err(Error::invalid("q", q, "the nesting ratio must lie in 2..=65536"));
        }
        let offset = (0..lattice.dim()).map(|k| 1e-7 * (k as f64 + 1.0) * (k as f64 + 2.0).sqrt()).collect();
        Ok(Self { lattice, q, offset })
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
        &self.offset
    }

    /// Whether the lattice point `t` lies in the shaping region
    /// `q·V(Λ) + a`, i.e. is a codeword.
    pub fn contains(&self, t: &[f64]) -> bool {
        let n = self.dim();
        let mut y = [0.0; 64];
        let mut z = [0.0; 64];
        let (y, z) = if n <= 64 { (&mut y[..n], &mut z[..n]) } else { return self.contains_slow(t) };
        let qf = self.q as f64;
        for ((v, &ti), &a) in y.iter_mut().zip(t).zip(&self.offset) {
            *v = (ti - a) / qf;
        }
        self.lattice.closest_point(y, z);
        z.iter().all(|&v| v == 0.0)
    }

    fn contains_slow(&self, t: &[f64]) -> bool {
        let qf = self.q as f64;
        let y: Vec<f64> = t.iter().zip(&self.offset).map(|(&ti, &a)| (ti - a) / qf).collect();
        let mut z = vec![0.0; y.len()];
        self.lattice.closest_point(&y, &mut z);
        z.iter().all(|&v| v == 0.0)
    }

    /// The index `c = (G⁻¹ t) mod q` of a codeword `t`.
    pub fn index(&self, t: &[f64], c: &mut [u32]) {
        let n = self.dim();
        let mut u = vec![0i64; n];
        self.lattice.coordinates(t, &mut u);
        let q = self.q as i64;
        for (ci, ui) in c.iter_mut().zip(&u) {
            *ci = ui.rem_euclid(q) as u32;
        }
    }

    /// The codeword `t = y − q·Q((y − a)/q)`, `y = G c`, of an index
    /// (entries of `c` below `q`).
    pub fn codeword(&self, c: &[u32], t: &mut [f64]) {
        let n = self.dim();
        let u: Vec<i64> = c.iter().map(|&v| v as i64).collect();
        let mut y = vec![0.0; n];
        self.lattice.point(&u, &mut y);
        let qf = self.q as f64;
        let scaled: Vec<f64> = y.iter().zip(&self.offset).map(|(&v, &a)| (v - a) / qf).collect();
        let mut z = vec![0.0; n];
        self.lattice.closest_point(&scaled, &mut z);
        for ((ti, &yi), &zi) in t.iter_mut().zip(&y).zip(&z) {
            *ti = yi - qf * zi;
        }
    }

    /// Quantizes `x` with the fine lattice `βΛ`: `t = Q(x/β + dither)`.
    /// Returns `false` (overload) when `t` is not a codeword; otherwise
    /// writes its index to `c`.
    pub fn encode(&self, x: &[f64], beta: f64, dither: Option<&[f64]>, c: &mut [u32]) -> bool {
        let n = self.dim();
        let scaled: Vec<f64> = match dither {
            Some(z) => x.iter().zip(z).map(|(&v, &d)| v / beta + d).collect(),
            None => x.iter().map(|&v| v / beta).collect(),
        };
        let mut t = vec![0.0; n];
        self.lattice.closest_point(&scaled, &mut t);
        if !self.contains(&t) {
            return false;
        }
        self.index(&t, c);
        true
    }

    /// The reconstruction `β·(codeword(c) − dither)`.
    pub fn decode(&self, c: &[u32], beta: f64, dither: Option<&[f64]>, out: &mut [f64]) {
        self.codeword(c, out);
        match dither {
            Some(z) => out.iter_mut().zip(z).for_each(|(o, &d)| *o = beta * (*o - d)),
            None => out.iter_mut().for_each(|o| *o *= beta),
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
    fn bad_q() {
        assert!(VoronoiCode::new(Gosset, 1).is_err());
        assert!(VoronoiCode::new(Gosset, MAX_Q + 1).is_err());
    }
}
