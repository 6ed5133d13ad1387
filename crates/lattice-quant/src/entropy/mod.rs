//! Entropy-coded E8 lattice quantization (ECLQ): the unshaped lattice
//! `β E8` with its points range-coded under a Gaussian model.
//!
//! The Voronoi codes of [`crate::voronoi`] spend a fixed `log₂ q` bits per
//! entry on a bounded codebook, and the scale index spends more to avoid
//! overload. Here the codebook is the whole lattice: each centred,
//! normalised, rotated column `x` (unit variance per entry) is quantized to
//! `β λ` with `λ = Q_{E8}(x/β)`, and `λ` is coded with `−log₂ p(λ)` bits
//! (up to the coder's thousandths) under `p(λ) ∝ φ(βλ)`, the Gaussian the
//! rotation makes every column look like. Nothing can overload: a point far
//! in the tail costs more bits (values too rare for a frequency of their
//! own go out as an escape and raw bytes), so the rate varies with the data and is
//! reported per encoding ([`EntropyCodedMatrix::rate`]).
//!
//! For Gaussian columns the rate is `h(N(0,1)) − log₂ β ≈ 2.047 − log₂ β`
//! bits per entry and the error `G(E8) β²` per entry, a distortion
//! `G(E8)·2πe ≈ 1.22` times `2^{−2R}`: 0.88 dB, the E8 granular loss, above
//! the Gaussian `D(R)` of each operand (`lattice-quant.gap` measures it
//! on the product against `Γ(R)`).
//!
//! # The code of a block
//!
//! `λ ∈ E8 = D8 ∪ (D8 + ½)`. The coset goes first (two symbols, with their
//! exact Gaussian masses), then `λ₁ … λ₇` under the discrete Gaussian on
//! the coset's grid, then `λ₈` on the half-density grid its parity allows
//! (the sum of the coordinates of a point of E8 is even). The product of
//! these conditionals is `φ(βλ)` normalised over E8, so no bits are spent
//! on the parity.
//!
//! # Stored size
//!
//! Per column: the mean and norm (two `f32`), a 32-bit length of the coded
//! stream, and the stream (its 4-byte final state included). [`EntropyCodedMatrix::bits`]
//! counts all of it.

mod rans;

use crate::error::{Error, Result};
use crate::lattice::{Gosset, Lattice};
use crate::preprocess::{ColumnStats, Rotation, SharedRotation};
use crate::product::{check_operands, rotated_product};
use faer::{Mat, MatRef};
use rans::{Decoder, Encoder, Model};
use rayon::prelude::*;

/// `G(E8) = 929/12960`, the normalised second moment of E8.
const G_E8: f64 = 929.0 / 12960.0;
/// Gaussian mass beyond `TAIL` standard deviations is ignored (below 10⁻²⁸).
const TAIL: f64 = 11.0;
/// Side information per column: mean, norm, stream length.
const SIDE_BITS: usize = 32 + 32 + 32;
/// Smallest and largest lattice scale.
const BETA_RANGE: (f64, f64) = (1.0 / 256.0, 2.0);

/// Values `λ = offset + step·m` for `m ∈ [lo, lo + count)`, and one escape
/// symbol (`count`) followed by the zigzag varint of `m` in raw bytes.
#[derive(Clone, Debug)]
struct GridModel {
    lo: i64,
    count: usize,
    model: Model,
}

impl GridModel {
    /// The discrete Gaussian `φ(β(offset + step m))`, over the values whose
    /// probability is worth at least half a frequency count; the escape
    /// carries the mass of the rest.
    fn gaussian(beta: f64, offset: f64, step: f64) -> Result<Self> {
        let weight = |m: i64| {
            let l = beta * (offset + step * m as f64);
            (-0.5 * l * l).exp()
        };
        // Probability of the central value times the frequency scale.
        let peak = beta * step / (2.0 * std::f64::consts::PI).sqrt() * rans::PROB_SCALE as f64;
        let cut = (2.0 * (2.0 * peak).max(1.0).ln()).sqrt();
        let reach = (cut / (beta * step)).ceil() as i64 + 2;
        let (lo, hi) = (-reach, reach);
        let mut weights: Vec<f64> = (lo..=hi).map(weight).collect();
        let count = weights.len();
        let far = (TAIL / (beta * step)).ceil() as i64 + 2;
        let tail: f64 = (hi + 1..=far).chain(-far..lo).map(weight).sum();
        weights.push(tail);
        Ok(Self { lo, count, model: Model::from_weights(&weights)? })
    }

    fn put(&self, enc: &mut Encoder, m: i64) {
        let s = m.wrapping_sub(self.lo);
        if (0..self.count as i64).contains(&s) {
            enc.put(&self.model, s as usize);
        } else {
            enc.put(&self.model, self.count);
            let mut z = ((m << 1) ^ (m >> 63)) as u64;
            loop {
                let more = z >= 0x80;
                enc.put_byte((z as u8 & 0x7f) | ((more as u8) << 7));
                z >>= 7;
                if !more {
                    break;
                }
            }
        }
    }

    fn get(&self, dec: &mut Decoder<'_>) -> Result<i64> {
        let s = dec.get(&self.model)?;
        if s < self.count {
            return Ok(self.lo + s as i64);
        }
        let mut z = 0u64;
        for i in 0..8 {
            let b = dec.get_byte()?;
            z |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                return Ok((z >> 1) as i64 ^ -((z & 1) as i64));
            }
        }
        Err(Error::Corrupted("an escaped lattice coordinate is longer than 8 bytes".into()))
    }
}

/// The models of one lattice scale.
#[derive(Clone, Debug)]
struct BlockModels {
    coset: Model,
    /// First seven coordinates, by coset (`λ = c/2 + m`).
    coords: [GridModel; 2],
    /// Last coordinate, by coset and parity (`λ = c/2 + r + 2k`).
    last: [[GridModel; 2]; 2],
}

impl BlockModels {
    fn new(beta: f64) -> Result<Self> {
        // Gaussian masses of D8 and D8 + ½ from one-dimensional theta sums:
        // Σ_{m ∈ Zⁿ, Σm even} = (θⁿ + θ̃ⁿ)/2 with θ̃ the alternating sum.
        let reach = (TAIL / beta).ceil() as i64 + 2;
        let (mut theta, mut alt, mut half) = (0.0, 0.0, 0.0);
        for m in -reach..=reach {
            let g = (-0.5 * (beta * m as f64).powi(2)).exp();
            theta += g;
            alt += if m % 2 == 0 { g } else { -g };
            half += (-0.5 * (beta * (m as f64 + 0.5)).powi(2)).exp();
        }
        // (The alternating sum over the half-integers vanishes by symmetry.)
        let coset = Model::from_weights(&[(theta.powi(8) + alt.powi(8)) / 2.0, half.powi(8) / 2.0])?;
        let grid = |c: usize| GridModel::gaussian(beta, 0.5 * c as f64, 1.0);
        let last = |c: usize, r: usize| GridModel::gaussian(beta, 0.5 * c as f64 + r as f64, 2.0);
        Ok(Self { coset, coords: [grid(0)?, grid(1)?], last: [[last(0, 0)?, last(0, 1)?], [last(1, 0)?, last(1, 1)?]] })
    }

    /// Codes the E8 point `t` (coordinates exact integers or half-integers).
    fn put(&self, enc: &mut Encoder, t: &[f64]) {
        let c = (t[0].fract() != 0.0) as usize;
        let m = |v: f64| (v - 0.5 * c as f64).round() as i64;
        enc.put(&self.coset, c);
        let mut parity = 0i64;
        for &v in &t[..7] {
            let mi = m(v);
            parity += mi;
            self.coords[c].put(enc, mi);
        }
        // The coordinate sum is even: m₈ ≡ m₁ + … + m₇ (mod 2) on both cosets.
        let r = parity.rem_euclid(2);
        self.last[c][r as usize].put(enc, (m(t[7]) - r).div_euclid(2));
    }

    /// Decodes one point into `t`.
    fn get(&self, dec: &mut Decoder<'_>, t: &mut [f64]) -> Result<()> {
        let c = dec.get(&self.coset)?;
        let offset = 0.5 * c as f64;
        let mut parity = 0i64;
        for v in &mut t[..7] {
            let mi = self.coords[c].get(dec)?;
            parity = parity.wrapping_add(mi);
            *v = offset + mi as f64;
        }
        let r = parity.rem_euclid(2);
        let k = self.last[c][r as usize].get(dec)?;
        t[7] = offset + r as f64 + 2.0 * k as f64;
        Ok(())
    }
}

/// The entropy-coded E8 quantizer for columns of a fixed length; see the
/// module docs.
#[derive(Debug)]
pub struct EntropyCodedE8 {
    beta: f64,
    rotation: SharedRotation,
    models: BlockModels,
    mmse: bool,
    fingerprint: u64,
}

/// One encoded column.
#[derive(Clone, Debug, PartialEq)]
pub struct EntropyCodedColumn {
    /// Mean and norm of the column.
    pub stats: ColumnStats,
    /// The coded lattice points (rANS stream).
    pub bytes: Vec<u8>,
}

/// An encoded matrix: one coded stream per column.
#[derive(Clone, Debug, PartialEq)]
pub struct EntropyCodedMatrix {
    /// Rows `n` of the original matrix.
    pub rows: usize,
    /// The columns.
    pub columns: Vec<EntropyCodedColumn>,
    /// The quantizer that produced it (scale, rotation, seed, rows).
    pub fingerprint: u64,
}

impl EntropyCodedMatrix {
    /// Stored size in bits: per column the mean, the norm, the stream
    /// length (32 bits each) and the stream.
    pub fn bits(&self) -> usize {
        self.columns.iter().map(|c| SIDE_BITS + 8 * c.bytes.len()).sum()
    }

    /// Bits per entry of the original `n × m` matrix, everything included.
    pub fn rate(&self) -> f64 {
        self.bits() as f64 / (self.rows * self.columns.len().max(1)) as f64
    }
}

impl EntropyCodedE8 {
    /// The quantizer with lattice scale `β ∈ [1/256, 2]` for columns of
    /// `rows` entries, rotated by `rotation` drawn from `seed` (columns are
    /// zero-padded to a multiple of 8, or the Hadamard length), with the
    /// Gaussian MMSE factor `1/(1 + G(E8)β²)` applied when decoding.
    pub fn new(beta: f64, rows: usize, rotation: Rotation, seed: u64) -> Result<Self> {
        if !(BETA_RANGE.0..=BETA_RANGE.1).contains(&beta) {
            return Err(Error::invalid(
                "beta",
                beta,
                "the lattice scale lies in [1/256, 2] (about 1 to 10 bits per entry)",
            ));
        }
        let rotation = SharedRotation::new(rotation, rows, 8, seed)?;
        let fp = format!("eclq-e8:{}:{rows}:{:?}:{seed}", beta.to_bits(), rotation.kind());
        Ok(Self {
            beta,
            models: BlockModels::new(beta)?,
            rotation,
            mmse: true,
            fingerprint: infoflow_numerics::rng::stable_hash_str(&fp),
        })
    }

    /// The scale whose nominal rate for Gaussian columns,
    /// `½ log₂(2πe) − log₂ β`, is `bits` per entry (side information not
    /// included; `bits` in about `[1, 10]`).
    pub fn for_rate(bits: f64, rows: usize, rotation: Rotation, seed: u64) -> Result<Self> {
        let h = 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E).log2();
        if !bits.is_finite() {
            return Err(Error::invalid("rate", bits, "the rate must be finite"));
        }
        Self::new(2f64.powf(h - bits), rows, rotation, seed)
    }

    /// Turns the MMSE factor off (reconstruction `βλ`) or on.
    pub fn with_mmse(mut self, on: bool) -> Self {
        self.mmse = on;
        self
    }

    /// The lattice scale `β`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The length `n` of the columns.
    pub fn rows(&self) -> usize {
        self.rotation.rows()
    }

    /// The factor the decoder applies: `1/(1 + G(E8)β²)`, the LMMSE factor
    /// for Gaussian data at high resolution, or 1 without MMSE.
    pub fn alpha(&self) -> f64 {
        if self.mmse { 1.0 / (1.0 + G_E8 * self.beta * self.beta) } else { 1.0 }
    }

    /// Encodes every column of `a` (`n × m`): centring, normalisation,
    /// rotation, the closest point of `βE8`, range coding. Non-finite
    /// entries, zero columns and a wrong row count are errors.
    pub fn encode(&self, a: MatRef<'_, f64>) -> Result<EntropyCodedMatrix> {
        let (n, big_n) = (self.rotation.rows(), self.rotation.padded());
        if a.nrows() != n {
            return Err(Error::Shape {
                context: "matrix to encode",
                expected: format!("{n} rows"),
                found: format!("{} rows", a.nrows()),
            });
        }
        let columns = (0..a.ncols())
            .into_par_iter()
            .map(|j| {
                let col: Vec<f64> = (0..n).map(|i| a[(i, j)]).collect();
                let mut centred = vec![0.0; n];
                let stats = ColumnStats::centre(j, &col, &mut centred)?;
                let mut x = vec![0.0; big_n];
                self.rotation.apply(&centred, &mut x)?;
                let to_lattice = (big_n as f64).sqrt() / stats.norm as f64 / self.beta;
                x.iter_mut().for_each(|v| *v *= to_lattice);
                let mut t = vec![0.0; big_n];
                Gosset.closest_points(&x, &mut t);
                let mut enc = Encoder::default();
                t.chunks_exact(8).for_each(|b| self.models.put(&mut enc, b));
                Ok(EntropyCodedColumn { stats, bytes: enc.finish() })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(EntropyCodedMatrix { rows: n, columns, fingerprint: self.fingerprint })
    }

    /// The reconstructed columns in the rotated domain (`N × m`), scaled
    /// back by the stored norms, and the stored means.
    fn rotated(&self, e: &EntropyCodedMatrix) -> Result<(Mat<f64>, Vec<f64>)> {
        if e.fingerprint != self.fingerprint || e.rows != self.rows() {
            return Err(Error::Corrupted(format!(
                "the encoding was made by another quantizer (fingerprint {:#x}, {} rows; expected {:#x}, {} rows)",
                e.fingerprint,
                e.rows,
                self.fingerprint,
                self.rows()
            )));
        }
        let big_n = self.rotation.padded();
        let cols = e
            .columns
            .par_iter()
            .map(|c| {
                let (mean, norm) = (c.stats.mean as f64, c.stats.norm as f64);
                if !(mean.is_finite() && norm.is_finite() && norm > 0.0) {
                    return Err(Error::Corrupted("a column's mean or norm is not a finite positive value".into()));
                }
                let mut dec = Decoder::new(&c.bytes)?;
                let mut y = vec![0.0; big_n];
                for b in y.chunks_exact_mut(8) {
                    self.models.get(&mut dec, b)?;
                }
                dec.finish()?;
                let back = self.alpha() * self.beta * norm / (big_n as f64).sqrt();
                y.iter_mut().for_each(|v| *v *= back);
                Ok(y)
            })
            .collect::<Result<Vec<_>>>()?;
        let out = Mat::from_fn(big_n, cols.len(), |i, j| cols[j][i]);
        Ok((out, e.columns.iter().map(|c| c.stats.mean as f64).collect()))
    }

    /// Decodes to an `n × m` matrix. A stream from another quantizer, a
    /// truncated or corrupted stream, or trailing bytes are errors.
    pub fn decode(&self, e: &EntropyCodedMatrix) -> Result<Mat<f64>> {
        let (y, means) = self.rotated(e)?;
        let n = self.rows();
        let mut out = Mat::zeros(n, y.ncols());
        let mut col = vec![0.0; n];
        for (j, mean) in means.iter().enumerate() {
            self.rotation.invert(y.col_as_slice(j), &mut col)?;
            col.iter().enumerate().for_each(|(i, v)| out[(i, j)] = v + mean);
        }
        Ok(out)
    }

    /// `Ĉ ≈ AᵀB` from two encodings (the rotation cancels: one GEMM in the
    /// rotated domain, plus `n μ_A μ_B` for the means).
    pub fn product(&self, a: &EntropyCodedMatrix, b: &EntropyCodedMatrix) -> Result<Mat<f64>> {
        let ((ya, ma), (yb, mb)) = (self.rotated(a)?, self.rotated(b)?);
        Ok(rotated_product(ya.as_ref(), yb.as_ref(), &ma, &mb, self.rows()))
    }

    /// Encodes both operands and estimates `AᵀB`, returning the estimate
    /// and the measured rate (bits per entry, both operands together).
    pub fn estimate(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<(Mat<f64>, f64)> {
        check_operands(self.rows(), a, b)?;
        let (ea, eb) = (self.encode(a)?, self.encode(b)?);
        let rate = (ea.bits() + eb.bits()) as f64 / (self.rows() * (a.ncols() + b.ncols())) as f64;
        Ok((self.product(&ea, &eb)?, rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::{db_above, gamma};
    use crate::product::distortion;
    use infoflow_numerics::linalg::gaussian_matrix;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn models_are_exact_on_e8_and_points_round_trip() {
        let models = BlockModels::new(0.3).unwrap();
        let points: [[f64; 8]; 4] = [
            [0.0; 8],
            [1.0, -1.0, 2.0, 0.0, 0.0, 3.0, -5.0, 0.0],
            [0.5, -0.5, 1.5, 0.5, -2.5, 0.5, 0.5, 3.5],
            // Far beyond the model range: escaped.
            [1000.0, -2000.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1000.0],
        ];
        let mut enc = Encoder::default();
        points.iter().for_each(|p| models.put(&mut enc, p));
        let bytes = enc.finish();
        let mut dec = Decoder::new(&bytes).unwrap();
        for p in &points {
            let mut t = [0.0; 8];
            models.get(&mut dec, &mut t).unwrap();
            assert_eq!(&t, p);
        }
        dec.finish().unwrap();
        // The conditionals multiply to φ(βλ)β⁸ (E8 is unimodular): the cost
        // of a point is −log₂ of its Gaussian mass, up to the coder's
        // frequency rounding.
        let beta: f64 = 0.3;
        for p in &points[..3] {
            let c = (p[0].fract() != 0.0) as usize;
            let m = |v: f64| (v - 0.5 * c as f64).round() as i64;
            let mut cost = models.coset.cost(c);
            let mut parity = 0;
            for &v in &p[..7] {
                parity += m(v);
                cost += models.coords[c].model.cost((m(v) - models.coords[c].lo) as usize);
            }
            let r = parity.rem_euclid(2);
            let last = &models.last[c][r as usize];
            cost += last.model.cost(((m(p[7]) - r).div_euclid(2) - last.lo) as usize);
            let norm2: f64 = p.iter().map(|v| v * v).sum();
            let ideal = 4.0 * (2.0 * std::f64::consts::PI).log2()
                + beta * beta * norm2 / (2.0 * std::f64::consts::LN_2)
                - 8.0 * beta.log2();
            assert!((cost - ideal).abs() < 0.01, "{p:?}: {cost} vs {ideal}");
        }
    }

    #[test]
    fn gaussian_columns_meet_the_high_resolution_predictions() {
        let (n, m) = (4096, 48);
        let mut rng = Streams::for_point(5, "lattice-quant.entropy", "gaussian").stream(0);
        let (a, b) = (gaussian_matrix(n, m, &mut rng), gaussian_matrix(n, m, &mut rng));
        let q = EntropyCodedE8::for_rate(4.0, n, Rotation::Hadamard, 1).unwrap();
        // Rate: the nominal 4 bits, 96 bits of side information and the
        // 32-bit coder state per column, and a few thousandths of coding loss.
        let e = q.encode(a.as_ref()).unwrap();
        let overhead = 128.0 / n as f64;
        assert!((e.rate() - 4.0 - overhead).abs() < 0.01, "{}", e.rate());
        // Error per entry G(E8)β² (columns have unit variance per entry).
        let plain = EntropyCodedE8::for_rate(4.0, n, Rotation::Hadamard, 1).unwrap().with_mmse(false);
        let d = (&plain.decode(&e).unwrap() - &a).squared_norm_l2() / a.squared_norm_l2();
        let predicted = G_E8 * q.beta() * q.beta();
        assert!((d / predicted - 1.0).abs() < 0.02, "{d} vs {predicted}");
        // The product: 0.88 dB of E8 granular loss plus 0.19 dB for the
        // overhead; 2304 product entries give about ±0.15 dB.
        let (c, rate) = q.estimate(a.as_ref(), b.as_ref()).unwrap();
        let gap = db_above(distortion(a.as_ref(), b.as_ref(), c.as_ref()).unwrap(), gamma(rate).unwrap());
        assert!((0.75..1.45).contains(&gap), "{gap} dB at {rate} bits");
    }

    #[test]
    fn decode_reconstructs_and_bad_input_is_an_error() {
        let (n, m) = (100, 3); // padded to 128 by the Hadamard rotation
        let a = Mat::from_fn(n, m, |i, j| ((i * 7 + j * 3) as f64).sin() * 3.0 + j as f64);
        let q = EntropyCodedE8::new(0.01, n, Rotation::Hadamard, 9).unwrap().with_mmse(false);
        let e = q.encode(a.as_ref()).unwrap();
        let back = q.decode(&e).unwrap();
        let err = (&back - &a).norm_max();
        assert!(err < 0.05, "{err}");
        // Same seed, same bytes.
        assert_eq!(e, q.encode(a.as_ref()).unwrap());
        assert!(EntropyCodedE8::new(0.0, n, Rotation::Hadamard, 9).is_err());
        assert!(EntropyCodedE8::new(f64::NAN, n, Rotation::Hadamard, 9).is_err());
        assert!(EntropyCodedE8::for_rate(f64::INFINITY, n, Rotation::Hadamard, 9).is_err());
        assert!(EntropyCodedE8::new(0.1, 0, Rotation::Hadamard, 9).is_err());
        assert!(q.encode(Mat::<f64>::zeros(n + 1, 2).as_ref()).is_err());
        let mut zero = a.clone();
        (0..n).for_each(|i| zero[(i, 1)] = 2.0);
        assert!(matches!(q.encode(zero.as_ref()), Err(Error::ZeroColumn { column: 1 })));
        zero[(3, 0)] = f64::INFINITY;
        assert!(q.encode(zero.as_ref()).is_err());
        let other = EntropyCodedE8::new(0.01, n, Rotation::Hadamard, 10).unwrap();
        assert!(matches!(other.decode(&e), Err(Error::Corrupted(_))));
        let mut cut = e.clone();
        cut.columns[0].bytes.pop();
        assert!(q.decode(&cut).is_err());
        for i in [0, 5, e.columns[2].bytes.len() / 2] {
            let mut bad = e.clone();
            bad.columns[2].bytes[i] ^= 0xff;
            let _ = q.decode(&bad); // an error or a wrong matrix, never a panic
        }
        let mut nan = e.clone();
        nan.columns[1].stats.norm = f32::NAN;
        assert!(q.decode(&nan).is_err());
        assert!(q.estimate(a.as_ref(), Mat::<f64>::zeros(n - 1, 1).as_ref()).is_err());
    }
}
