//! Gray-mapped constellations (BPSK, QPSK, 16-QAM) with the conventions of
//! the RF Challenge (sionna's `qam`/`pam` constellations): unit average
//! energy, hard decisions and exact log-likelihood ratios.
//!
//! A bit group `b₀ b₁ …` of a QAM symbol splits into the real part (bits
//! `b₀, b₂, …`) and the imaginary part (`b₁, b₃, …`), each Gray-mapped to a
//! PAM level by `pam(b) = (1 − 2b₀)(2^{m−1} − pam(b₁…))`, `pam(b) = 1 − 2b`
//! for one bit. QPSK: `00 → (1 + j)/√2`, `01 → (1 − j)/√2`,
//! `10 → (−1 + j)/√2`, `11 → (−1 − j)/√2`. BPSK is `1 − 2b` on the real axis.
//!
//! LLRs follow sionna's sign: `LLR = ln P(b = 1 | y) / P(b = 0 | y)`, so a
//! positive LLR means bit 1.

use crate::error::{Error, Result, check_finite};
use infoflow_numerics::signal::C64;
use infoflow_numerics::special::log_sum_exp;
use multiversion::multiversion;

/// A constellation.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Constellation {
    /// Binary phase-shift keying, 1 bit per symbol.
    Bpsk,
    /// Quadrature phase-shift keying, 2 bits per symbol.
    Qpsk,
    /// 16-point quadrature amplitude modulation, 4 bits per symbol.
    Qam16,
}

/// Gray PAM level of the bits `b` (most significant first).
fn pam(b: &[u8]) -> f64 {
    match b {
        [] => 0.0,
        [b0] => 1.0 - 2.0 * *b0 as f64,
        [b0, rest @ ..] => (1.0 - 2.0 * *b0 as f64) * ((1u32 << rest.len()) as f64 - pam(rest)),
    }
}

impl Constellation {
    /// Bits per symbol.
    pub fn bits_per_symbol(self) -> usize {
        match self {
            Constellation::Bpsk => 1,
            Constellation::Qpsk => 2,
            Constellation::Qam16 => 4,
        }
    }

    /// Short name, e.g. `"QPSK"`.
    pub fn name(self) -> &'static str {
        match self {
            Constellation::Bpsk => "BPSK",
            Constellation::Qpsk => "QPSK",
            Constellation::Qam16 => "16QAM",
        }
    }

    /// The symbol of the bit group `bits` (`bits_per_symbol` values in {0, 1}).
    fn point(self, bits: &[u8]) -> C64 {
        match self {
            Constellation::Bpsk => C64::new(pam(bits), 0.0),
            _ => {
                let (mut re, mut im) = ([0u8; 2], [0u8; 2]);
                let half = bits.len() / 2;
                for i in 0..half {
                    re[i] = bits[2 * i];
                    im[i] = bits[2 * i + 1];
                }
                let norm = if self == Constellation::Qpsk { 2f64.sqrt() } else { 10f64.sqrt() };
                C64::new(pam(&re[..half]), pam(&im[..half])) / norm
            }
        }
    }

    /// Every point, indexed by its bits read as a binary number (first bit most significant).
    pub fn points(self) -> Vec<C64> {
        let m = self.bits_per_symbol();
        (0..1usize << m)
            .map(|v| {
                let bits: Vec<u8> = (0..m).map(|i| ((v >> (m - 1 - i)) & 1) as u8).collect();
                self.point(&bits)
            })
            .collect()
    }

    /// Maps `bits` (values 0 or 1, a whole number of symbols) to `out`.
    pub fn map(self, bits: &[u8], out: &mut [C64]) -> Result<()> {
        let m = self.bits_per_symbol();
        if bits.len() != m * out.len() {
            return Err(Error::Shape {
                context: "bits to map",
                expected: format!("{} ({} symbols × {m} bits)", m * out.len(), out.len()),
                found: bits.len().to_string(),
            });
        }
        if bits.iter().any(|&b| b > 1) {
            return Err(Error::invalid("bit", bits.iter().find(|&&b| b > 1).unwrap_or(&0), "bits are 0 or 1"));
        }
        ScaledMap::new(self, 1.0).map(bits, out);
        Ok(())
    }

    /// Hard decisions: the bits of the nearest point of every symbol
    /// (`bits` is cleared first).
    pub fn hard_bits(self, symbols: &[C64], bits: &mut Vec<u8>) -> Result<()> {
        check_finite("symbols to decide", symbols)?;
        bits.clear();
        bits.resize(self.bits_per_symbol() * symbols.len(), 0);
        self.hard_bits_into(symbols, bits);
        Ok(())
    }

    /// Writes the hard decisions of `symbols` (finite) to `out`, `m` bits
    /// per symbol.
    pub(crate) fn hard_bits_into(self, symbols: &[C64], out: &mut [u8]) {
        hard_bits_kernel(self, symbols, out);
    }

    /// Exact LLRs `ln P(b = 1 | y)/P(b = 0 | y)` for equiprobable symbols in
    /// circular complex Gaussian noise of variance `noise_var` per symbol.
    ///
    /// Each log-sum is taken relative to its nearest point, so the result is
    /// finite whenever it is representable; an LLR beyond the `f64` range (a
    /// noise variance so small that the decision is certain to within
    /// `e^{−10³⁰⁸}`) is an error, not `±∞` or `NaN`: use hard decisions.
    pub fn llrs(self, symbols: &[C64], noise_var: f64, llrs: &mut Vec<f64>) -> Result<()> {
        check_finite("symbols for LLRs", symbols)?;
        if !(noise_var.is_finite() && noise_var > 0.0) {
            return Err(Error::invalid("noise_var", noise_var, "the noise variance is finite and positive"));
        }
        let m = self.bits_per_symbol();
        let points = self.points();
        let half = points.len() / 2;
        let (mut one, mut zero) = (Vec::with_capacity(half), Vec::with_capacity(half));
        llrs.clear();
        // ln Σ_k e^{−d_k/σ²} = −d_min/σ² + ln Σ_k e^{−(d_k − d_min)/σ²}: the
        // second term lies in [0, ln K], so only the first can overflow.
        let group = |d: &mut Vec<f64>| -> (f64, f64) {
            let min = d.iter().copied().fold(f64::INFINITY, f64::min);
            d.iter_mut().for_each(|v| *v = -(*v - min) / noise_var);
            (min, log_sum_exp(d))
        };
        for y in symbols {
            let dist: Vec<f64> = points.iter().map(|c| (y - c).norm_sqr()).collect();
            for i in 0..m {
                one.clear();
                zero.clear();
                for (v, &d) in dist.iter().enumerate() {
                    if (v >> (m - 1 - i)) & 1 == 1 { one.push(d) } else { zero.push(d) }
                }
                let ((min_one, lse_one), (min_zero, lse_zero)) = (group(&mut one), group(&mut zero));
                let llr = (min_zero - min_one) / noise_var + (lse_one - lse_zero);
                if !llr.is_finite() {
                    return Err(Error::invalid(
                        "noise_var",
                        noise_var,
                        "so small that an LLR overflows f64: use hard decisions",
                    ));
                }
                llrs.push(llr);
            }
        }
        Ok(())
    }
}

/// [`Constellation::hard_bits_into`], compiled for AVX-512, AVX2 and SSE4.1
/// and chosen at run time (comparisons are exact: every version gives the
/// same bits).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512bw+avx2", "x86_64+avx2", "x86_64+sse4.1"))]
fn hard_bits_kernel(constellation: Constellation, symbols: &[C64], out: &mut [u8]) {
    match constellation {
        Constellation::Bpsk => out.iter_mut().zip(symbols).for_each(|(b, s)| *b = (s.re < 0.0) as u8),
        Constellation::Qpsk => {
            for (b, s) in out.chunks_exact_mut(2).zip(symbols) {
                b[0] = (s.re < 0.0) as u8;
                b[1] = (s.im < 0.0) as u8;
            }
        }
        Constellation::Qam16 => {
            // Per axis: sign bit, then |x| above the 2/√10 threshold → 0 (outer level 3 is bit 1).
            let t = 2.0 / 10f64.sqrt();
            for (b, s) in out.chunks_exact_mut(4).zip(symbols) {
                b[0] = (s.re < 0.0) as u8;
                b[1] = (s.im < 0.0) as u8;
                b[2] = (s.re.abs() > t) as u8;
                b[3] = (s.im.abs() > t) as u8;
            }
        }
    }
}

/// A constellation's points times a scale, for mapping many bit groups:
/// the same values as scaling [`Constellation::points`] and looking them
/// up; for BPSK and QPSK the bits flip the signs of the scaled point
/// `(+, +)` directly (negation is exact), which vectorises.
#[derive(Clone, Debug)]
pub(crate) struct ScaledMap {
    constellation: Constellation,
    table: Vec<C64>,
}

impl ScaledMap {
    /// The points of `constellation` times `scale`.
    pub(crate) fn new(constellation: Constellation, scale: f64) -> Self {
        Self { constellation, table: constellation.points().into_iter().map(|p| p * scale).collect() }
    }

    /// `out[i]` = the scaled point of symbol `i`'s bits (already checked to
    /// be 0 or 1, `bits.len() = m · out.len()`).
    pub(crate) fn map(&self, bits: &[u8], out: &mut [C64]) {
        map_kernel(self.constellation, &self.table, bits, out);
    }
}

/// [`ScaledMap::map`], compiled for AVX-512, AVX2 and SSE4.1 and chosen at
/// run time (sign flips and lookups are exact: every version gives the same
/// values).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512bw+avx2", "x86_64+avx2", "x86_64+sse4.1"))]
fn map_kernel(constellation: Constellation, table: &[C64], bits: &[u8], out: &mut [C64]) {
    let sign = |b: u8| (b as u64) << 63;
    let (re, im) = (table[0].re.to_bits(), table[0].im.to_bits());
    match constellation {
        Constellation::Bpsk => {
            for (o, &b) in out.iter_mut().zip(bits) {
                *o = C64::new(f64::from_bits(re ^ sign(b)), 0.0);
            }
        }
        Constellation::Qpsk => {
            for (o, b) in out.iter_mut().zip(bits.chunks_exact(2)) {
                *o = C64::new(f64::from_bits(re ^ sign(b[0])), f64::from_bits(im ^ sign(b[1])));
            }
        }
        Constellation::Qam16 => {
            for (o, g) in out.iter_mut().zip(bits.chunks_exact(4)) {
                let v = (g[0] as usize) << 3 | (g[1] as usize) << 2 | (g[2] as usize) << 1 | g[3] as usize;
                *o = table[v];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_map_is_the_scaled_point_table() {
        for c in [Constellation::Bpsk, Constellation::Qpsk, Constellation::Qam16] {
            let m = c.bits_per_symbol();
            let points = c.points();
            let bits: Vec<u8> =
                (0..points.len()).flat_map(|v| (0..m).map(move |i| ((v >> (m - 1 - i)) & 1) as u8)).collect();
            for scale in [1.0, 0.125, 3.7] {
                let mut out = vec![C64::new(0.0, 0.0); points.len()];
                ScaledMap::new(c, scale).map(&bits, &mut out);
                for (o, p) in out.iter().zip(&points) {
                    let want = p * scale;
                    assert_eq!((o.re.to_bits(), o.im.to_bits()), (want.re.to_bits(), want.im.to_bits()), "{c:?}");
                }
            }
        }
    }

    #[test]
    fn gray_maps_match_the_challenge() {
        let s = 0.5f64.sqrt();
        let q = Constellation::Qpsk.points();
        let expect = [C64::new(s, s), C64::new(s, -s), C64::new(-s, s), C64::new(-s, -s)];
        for (a, b) in q.iter().zip(&expect) {
            assert!((a - b).norm() < 1e-15);
        }
        // 16-QAM: bits b0 b2 → real level, b1 b3 → imaginary; 00 → 1, 01 → 3, 10 → −1, 11 → −3.
        let p = Constellation::Qam16.points();
        let r = 10f64.sqrt();
        assert!((p[0b0000] - C64::new(1.0, 1.0) / r).norm() < 1e-15);
        assert!((p[0b0010] - C64::new(3.0, 1.0) / r).norm() < 1e-15);
        assert!((p[0b1011] - C64::new(-3.0, 3.0) / r).norm() < 1e-15);
        assert!((p[0b1111] - C64::new(-3.0, -3.0) / r).norm() < 1e-15);
        for c in [Constellation::Bpsk, Constellation::Qpsk, Constellation::Qam16] {
            let pts = c.points();
            let energy: f64 = pts.iter().map(|p| p.norm_sqr()).sum::<f64>() / pts.len() as f64;
            assert!((energy - 1.0).abs() < 1e-12, "{c:?}");
            // Gray: nearest neighbours differ in one bit.
            let dmin = pts
                .iter()
                .enumerate()
                .flat_map(|(i, a)| pts[i + 1..].iter().map(move |b| (a - b).norm()))
                .fold(f64::INFINITY, f64::min);
            for (i, a) in pts.iter().enumerate() {
                for (j, b) in pts.iter().enumerate() {
                    if i != j && (a - b).norm() < dmin * 1.01 {
                        assert_eq!((i ^ j).count_ones(), 1, "{c:?}: {i:b} and {j:b}");
                    }
                }
            }
        }
    }

    #[test]
    fn map_decide_and_llr_signs_round_trip() {
        for c in [Constellation::Bpsk, Constellation::Qpsk, Constellation::Qam16] {
            let m = c.bits_per_symbol();
            let bits: Vec<u8> = (0..m * 64).map(|i| ((i * 7 + i / 3) % 2) as u8).collect();
            let mut sym = vec![C64::new(0.0, 0.0); 64];
            c.map(&bits, &mut sym).unwrap();
            let mut back = Vec::new();
            c.hard_bits(&sym, &mut back).unwrap();
            assert_eq!(back, bits, "{c:?}");
            let mut l = Vec::new();
            c.llrs(&sym, 0.01, &mut l).unwrap();
            assert!(l.iter().zip(&bits).all(|(l, &b)| (*l > 0.0) == (b == 1)), "{c:?}");
            assert!(c.map(&bits[1..], &mut sym).is_err());
            assert!(c.llrs(&sym, 0.0, &mut l).is_err());
        }
        assert!(Constellation::Qpsk.map(&[0, 2], &mut [C64::new(0.0, 0.0)]).is_err());
        assert!(Constellation::Qpsk.hard_bits(&[C64::new(f64::NAN, 0.0)], &mut Vec::new()).is_err());
    }

    #[test]
    fn qpsk_llr_is_the_closed_form() {
        // For Gray QPSK the exact LLR of each bit is −2√2·Re(y)/σ² (resp. Im).
        let y = [C64::new(0.3, -0.8)];
        let mut l = Vec::new();
        Constellation::Qpsk.llrs(&y, 0.5, &mut l).unwrap();
        let k = 2.0 * 2f64.sqrt() / 0.5;
        assert!((l[0] + k * 0.3).abs() < 1e-12 && (l[1] - k * 0.8).abs() < 1e-12, "{l:?}");
    }
}
