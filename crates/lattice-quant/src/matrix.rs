//! The matrix quantizer of arXiv 2410.13780 in its practical form (E8
//! Voronoi codes with several scales, as in NestQuant arXiv 2502.09720).
//!
//! `A ∈ R^{n×a}` is encoded column by column, independently of `B`:
//!
//! 1. **Centre and normalise.** `μ = mean(a)`, `ā = a − μ`, `s = ‖ā‖`; `μ`
//!    and `s` are side information (32-bit floats, or bfloat16 with
//!    [`SideInfo::Bf16`]; the encoder uses the rounded values too). A column with `s = 0` is an error.
//! 2. **Rotate** with a rotation shared through a seed (randomized
//!    Hadamard, padding to a power of two; or Haar, padding to a multiple of
//!    the block length; or none): `x = √N · S ā / s` has unit-variance
//!    entries, `N` the padded length.
//! 3. **Time-sharing** (`fraction κ < 1`, for rates below `R*`): only the
//!    first `⌈κ N / d⌉` blocks are quantized; the rest are dropped.
//! 4. **Quantize each block** of `d` entries (8 for E8) with the Voronoi code
//!    `Λ ∩ (qV(Λ) + a)` at fine scale `β = β₀/q`, trying the coarse scales
//!    `β₀` in increasing order (first fit, overload avoidance); the chosen
//!    scale's index is side information.
//! 5. **MMSE scaling** (optional): the encoder sends
//!    `α = ⟨x, x̂⟩/‖x̂‖²` per column (32 bits) and the decoder multiplies by it.
//!
//! The product estimate is `Ĉ = (S Â)ᵀ (S B̂) + n μ_a μ_bᵀ`, computed in the
//! rotated domain with one faer GEMM (rotations preserve inner products, so
//! no inverse rotation is needed).
//!
//! # Rate accounting
//!
//! Rates are **stored bits per entry of the original matrix**: each block's
//! `d` indices and its scale index are packed as one mixed-radix integer of
//! `⌈log₂(k q^d)⌉` bits (exactly `d log₂ q + log₂ k` when `q` and `k` are
//! powers of two), plus 64 bits of column side information (96 with MMSE;
//! half that with [`SideInfo::Bf16`]), divided by `n` (so padding is paid
//! for). [`Rate`] itemises it.

use crate::error::{Error, Result};
use crate::lattice::{Gosset, Lattice};
use crate::preprocess::{ColumnStats, SharedRotation};
pub use crate::preprocess::{Rotation, SideInfo};
use crate::product::{ProductQuantizer, check_operands, rotated_product};
use crate::voronoi::VoronoiCode;
use faer::{Mat, MatRef};
use infoflow_numerics::rng::Streams;
use rayon::prelude::*;

/// MMSE scaling of the reconstructions (the `α` of arXiv 2410.13780, which
/// multiplies each decoded vector so that the product `α_a α_b ⟨â, b̂⟩`
/// has the least mean squared error).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mmse {
    /// No scaling (`α = 1`).
    #[default]
    Off,
    /// One fixed `α = E[x x̂] / E[x̂²]` for unit Gaussian entries, measured
    /// once per configuration on 2¹⁶ seeded Gaussian blocks: free (no side
    /// information), and near-optimal for any data because the rotation
    /// makes normalised columns near-Gaussian. The theory's
    /// `α = 1 − 2^{−2R}` plays this role.
    Gaussian,
    /// `α = ⟨x, x̂⟩ / ‖x̂‖²` per column, sent as 32 bits of side information.
    PerColumn,
}

impl Mmse {
    /// A stable numeric tag (fingerprints and the storage format).
    pub fn tag(self) -> u8 {
        match self {
            Mmse::Off => 0,
            Mmse::Gaussian => 1,
            Mmse::PerColumn => 2,
        }
    }
}

/// Settings of a [`MatrixQuantizer`].
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizerConfig {
    /// Nesting ratio `q` (`log₂ q` bits per entry before side information).
    pub q: u32,
    /// Coarse-cell scales `β₀` in units of the unit-variance entries,
    /// increasing; each block uses the first that does not overload.
    pub scales: Vec<f64>,
    /// Shared rotation.
    pub rotation: Rotation,
    /// Seed of the shared randomness (rotation and dither).
    pub seed: u64,
    /// Subtractive dither, exactly uniform on the fine Voronoi cell
    /// ([`VoronoiCode::draw_dither`]): an independent draw for every block
    /// of every column, from the stream `(seed, dither salt, column)`, so
    /// encoder and decoder share it and the quantization errors of
    /// different columns (and, with different salts, of the two operands)
    /// are independent, as the theory requires.
    pub dither: bool,
    /// MMSE scaling of the reconstructions.
    pub mmse: Mmse,
    /// Time-sharing: the fraction `κ ∈ (0, 1]` of rotated coordinates quantized.
    pub fraction: f64,
    /// With time-sharing, rescale the kept coordinates by `1/√κ'` (`κ'` the
    /// kept share) so the product is unbiased for arbitrary data; without it
    /// (the default) the estimate is MSE-better for iid Gaussian data.
    pub unbiased: bool,
    /// Precision of the column side information ([`SideInfo::F32`] by
    /// default; [`SideInfo::Bf16`] halves its rate).
    pub side: SideInfo,
}

impl QuantizerConfig {
    /// `q` with the four scales tuned for E8 in lattice_quant.md §6
    /// (`β₀ ∈ {3.33, 4.35, 5.64, 10}`, about 2.3 dB above `Γ(R)` at `q = 16`),
    /// Hadamard rotation, seed 0, no dither, no MMSE, no time-sharing.
    pub fn e8(q: u32) -> Self {
        Self {
            q,
            scales: vec![3.33, 4.35, 5.64, 10.0],
            rotation: Rotation::Hadamard,
            seed: 0,
            dither: false,
            mmse: Mmse::Off,
            fraction: 1.0,
            unbiased: false,
            side: SideInfo::F32,
        }
    }

    /// [`Self::e8`] with the scale set tuned for this `q`
    /// ([`crate::scales::tuned`]; `q` = 3, 4, 6, 8, 11, 14, 16 or 32).
    pub fn e8_tuned(q: u32) -> Result<Self> {
        Ok(Self { scales: crate::scales::tuned(q)?.to_vec(), ..Self::e8(q) })
    }
}

/// Where the bits of an encoding go, per entry of the original matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Packed block codes (indices and scale index).
    pub blocks: f64,
    /// Column side information (mean, norm, MMSE factor).
    pub side: f64,
    /// Total bits per entry.
    pub total: f64,
    /// The nominal rate `κ (log₂ q + log₂ k / d)` without packing or side information.
    pub nominal: f64,
}

/// One encoded column.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedColumn {
    /// Mean `μ` (as stored).
    pub mean: f32,
    /// Norm `s` of the centred column (as stored).
    pub norm: f32,
    /// MMSE factor (1 when not used).
    pub alpha: f32,
    /// Per quantized block: the scale index and the `d` Voronoi indices,
    /// packed as `scale + k · Σ c_i q^i`.
    pub codes: Vec<u128>,
}

/// An encoded matrix: what the encoder transmits.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedMatrix {
    /// Rows of the original matrix.
    pub rows: usize,
    /// Columns.
    pub columns: Vec<EncodedColumn>,
    /// Fingerprint of the quantizer that made it (shape, lattice, q,
    /// scales, rotation, seed): products need matching fingerprints.
    pub fingerprint: u64,
    /// The dither stream the columns were encoded with (see
    /// [`MatrixQuantizer::encode_salted`]).
    pub dither_salt: u64,
}

/// Encodes matrices with `rows` rows; see the module docs.
pub struct MatrixQuantizer<L: Lattice = Gosset> {
    code: VoronoiCode<L>,
    config: QuantizerConfig,
    rows: usize,
    padded: usize,
    blocks: usize,
    kept: usize,
    rotation: SharedRotation,
    /// The fixed MMSE factor (1 unless [`Mmse::Gaussian`]).
    gaussian_alpha: f64,
    fingerprint: u64,
}

impl<L: Lattice> core::fmt::Debug for MatrixQuantizer<L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MatrixQuantizer")
            .field("lattice", &self.code.lattice().name())
            .field("config", &self.config)
            .field("rows", &self.rows)
            .field("padded", &self.padded)
            .finish()
    }
}

fn bits_for(k: usize, q: u32, d: usize) -> u32 {
    // ⌈log₂(k q^d)⌉ for the mixed-radix block code.
    let exact = (k as f64).log2() + d as f64 * (q as f64).log2();
    let mut bits = exact.ceil() as u32;
    // Guard against log rounding: make sure 2^bits ≥ k q^d exactly.
    let total = (k as u128) * (q as u128).pow(d as u32);
    while bits < 128 && (1u128 << bits) < total {
        bits += 1;
    }
    while bits > 0 && (1u128 << (bits - 1)) >= total {
        bits -= 1;
    }
    bits
}

impl<L: Lattice> MatrixQuantizer<L> {
    /// A quantizer for matrices with `rows` rows.
    pub fn new(lattice: L, config: QuantizerConfig, rows: usize) -> Result<Self> {
        let code = VoronoiCode::new(lattice, config.q)?;
        let d = code.dim();
        if rows == 0 {
            return Err(Error::invalid("rows", rows, "a matrix needs at least one row"));
        }
        crate::scales::check_scales(&config.scales)?;
        if !(config.fraction > 0.0 && config.fraction <= 1.0) {
            return Err(Error::invalid("fraction", config.fraction, "the time-sharing fraction lies in (0, 1]"));
        }
        let total =
            (config.scales.len() as u128).checked_mul((config.q as u128).checked_pow(d as u32).unwrap_or(u128::MAX));
        if total.is_none_or(|t| t >= 1u128 << 127) {
            return Err(Error::invalid("q", config.q, "k q^d must stay below 2^127 for the block code"));
        }
        let rotation = SharedRotation::new(config.rotation, rows, d, config.seed)?;
        let padded = rotation.padded();
        let blocks = padded / d;
        let kept = ((config.fraction * blocks as f64).ceil() as usize).clamp(1, blocks);
        let mut fp = format!(
            "{}:{}:{}:{:?}:{:?}:{}:{}:{}",
            code.lattice().name(),
            rows,
            config.q,
            config.scales,
            config.rotation,
            config.seed,
            config.dither,
            config.fraction
        );
        fp.push_str(&format!(":{}:{}", config.mmse.tag(), config.unbiased));
        if config.side != SideInfo::F32 {
            fp.push_str(&format!(":side={:?}", config.side));
        }
        let fingerprint = infoflow_numerics::rng::stable_hash_str(&fp);
        let mut quantizer =
            Self { code, config, rows, padded, blocks, kept, rotation, gaussian_alpha: 1.0, fingerprint };
        if quantizer.config.mmse == Mmse::Gaussian {
            quantizer.gaussian_alpha = quantizer.measure_gaussian_alpha()?;
        }
        Ok(quantizer)
    }

    /// `E[x x̂] / E[x̂²]` over 2¹⁶ unit Gaussian blocks (a fixed seed, so
    /// every party computes the same value), with this quantizer's code,
    /// scales and dither.
    fn measure_gaussian_alpha(&self) -> Result<f64> {
        use rand::RngExt;
        const BLOCKS: usize = 1 << 16;
        let d = self.code.dim();
        let mut rng = Streams::for_point(0, "infoflow-lattice-quant", "gaussian-mmse").stream(0);
        let x: Vec<f64> = (0..BLOCKS * d).map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal)).collect();
        let q = self.config.q as f64;
        let betas: Vec<f64> = self.config.scales.iter().map(|b0| b0 / q).collect();
        let dither: Option<Vec<f64>> = self.config.dither.then(|| {
            let mut z = vec![0.0; BLOCKS * d];
            z.chunks_exact_mut(d).for_each(|block| self.code.draw_dither(&mut rng, block));
            z
        });
        let (mut chosen, mut c) = (vec![0u8; BLOCKS], vec![0u32; BLOCKS * d]);
        self.code.encode_first_fit(&x, &betas, dither.as_deref(), &mut chosen, &mut c);
        let (mut dot, mut energy) = (0.0, 0.0);
        let mut rec = vec![0.0; d];
        for (b, &k) in chosen.iter().enumerate() {
            if k == u8::MAX {
                continue;
            }
            let z = dither.as_ref().map(|z| &z[b * d..(b + 1) * d]);
            self.code.decode(&c[b * d..(b + 1) * d], betas[k as usize], z, &mut rec);
            dot += x[b * d..(b + 1) * d].iter().zip(&rec).map(|(u, v)| u * v).sum::<f64>();
            energy += rec.iter().map(|v| v * v).sum::<f64>();
        }
        if energy == 0.0 {
            return Err(Error::invalid(
                "scales",
                format!("{:?}", self.config.scales),
                "every Gaussian block overloads",
            ));
        }
        Ok(dot / energy)
    }

    /// The fixed MMSE factor applied to every reconstruction (1 unless
    /// [`Mmse::Gaussian`]).
    pub fn gaussian_alpha(&self) -> f64 {
        self.gaussian_alpha
    }

    /// The configuration.
    pub fn config(&self) -> &QuantizerConfig {
        &self.config
    }

    /// The lattice of the blocks.
    pub fn lattice(&self) -> &L {
        self.code.lattice()
    }

    /// Rows of the matrices it encodes (`n`).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The fingerprint stamped on its encodings.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// Rows after padding (`N`).
    pub fn padded_rows(&self) -> usize {
        self.padded
    }

    /// Quantized blocks per column.
    pub fn kept_blocks(&self) -> usize {
        self.kept
    }

    /// Bits per packed block code.
    pub fn block_bits(&self) -> u32 {
        bits_for(self.config.scales.len(), self.config.q, self.code.dim())
    }

    /// The rate in bits per entry (see the module docs).
    pub fn rate(&self) -> Rate {
        let n = self.rows as f64;
        let blocks = self.kept as f64 * self.block_bits() as f64 / n;
        let values = if self.config.mmse == Mmse::PerColumn { 3.0 } else { 2.0 };
        let side = values * self.config.side.bits() as f64 / n;
        let d = self.code.dim() as f64;
        let nominal =
            self.kept as f64 * d / n * ((self.config.q as f64).log2() + (self.config.scales.len() as f64).log2() / d);
        Rate { blocks, side, total: blocks + side, nominal }
    }

    fn pack(&self, scale: usize, c: &[u32]) -> u128 {
        let q = self.config.q as u128;
        let mut v: u128 = 0;
        for &ci in c.iter().rev() {
            v = v * q + ci as u128;
        }
        scale as u128 + self.config.scales.len() as u128 * v
    }

    pub(crate) fn unpack(&self, code: u128, c: &mut [u32]) -> Result<usize> {
        let k = self.config.scales.len() as u128;
        let q = self.config.q as u128;
        let scale = (code % k) as usize;
        let mut v = code / k;
        for ci in c.iter_mut() {
            *ci = (v % q) as u32;
            v /= q;
        }
        if v != 0 {
            return Err(Error::Corrupted(format!("block code {code} exceeds k q^d")));
        }
        Ok(scale)
    }

    /// The dither of column `column` under salt `salt` (`kept` blocks), or
    /// `None` without dither.
    fn column_dither(&self, salt: u64, column: usize) -> Option<Vec<f64>> {
        self.config.dither.then(|| {
            let key = format!("salt={salt},column={column}");
            let mut rng = Streams::for_point(self.config.seed, "infoflow-lattice-quant.dither", &key).stream(0);
            let d = self.code.dim();
            let mut z = vec![0.0; self.kept * d];
            z.chunks_exact_mut(d).for_each(|block| self.code.draw_dither(&mut rng, block));
            z
        })
    }

    /// Encodes every column of `a` (`rows × cols`) with dither salt 0.
    pub fn encode(&self, a: MatRef<'_, f64>) -> Result<EncodedMatrix> {
        self.encode_salted(a, 0)
    }

    /// Encodes every column of `a` with the dither stream `salt` (only
    /// relevant with dither: the two operands of a product must use
    /// different salts, or their quantization errors would be correlated).
    pub fn encode_salted(&self, a: MatRef<'_, f64>, salt: u64) -> Result<EncodedMatrix> {
        if a.nrows() != self.rows {
            return Err(Error::Shape {
                context: "matrix to encode",
                expected: format!("{} rows", self.rows),
                found: format!("{} rows", a.nrows()),
            });
        }
        let columns = (0..a.ncols())
            .into_par_iter()
            .map(|j| {
                let col: Vec<f64> = (0..self.rows).map(|i| a[(i, j)]).collect();
                self.encode_column(j, &col, self.column_dither(salt, j).as_deref())
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(EncodedMatrix { rows: self.rows, columns, fingerprint: self.fingerprint, dither_salt: salt })
    }

    fn encode_column(&self, column: usize, a: &[f64], dither: Option<&[f64]>) -> Result<EncodedColumn> {
        let mut centred = vec![0.0; self.rows];
        let ColumnStats { mean, norm } = ColumnStats::centre_as(self.config.side, column, a, &mut centred)?;
        let mut x = vec![0.0; self.padded];
        self.rotation.apply(&centred, &mut x)?;
        let scale = (self.padded as f64).sqrt() / norm as f64;
        x.iter_mut().for_each(|v| *v *= scale);
        let d = self.code.dim();
        let q = self.config.q as f64;
        let betas: Vec<f64> = self.config.scales.iter().map(|b0| b0 / q).collect();
        let quantized = &x[..self.kept * d];
        let (mut chosen, mut indices) = (vec![0u8; self.kept], vec![0u32; self.kept * d]);
        self.code.encode_first_fit(quantized, &betas, dither, &mut chosen, &mut indices);
        if let Some(block) = chosen.iter().position(|&k| k == u8::MAX) {
            return Err(Error::Overload { column, block });
        }
        let codes: Vec<u128> =
            chosen.iter().zip(indices.chunks_exact(d)).map(|(&k, c)| self.pack(k as usize, c)).collect();
        let (mut dot, mut energy) = (0.0, 0.0);
        if self.config.mmse == Mmse::PerColumn {
            let mut rec = vec![0.0; d];
            for (b, (&k, c)) in chosen.iter().zip(indices.chunks_exact(d)).enumerate() {
                let z = dither.map(|z| &z[b * d..(b + 1) * d]);
                self.code.decode(c, betas[k as usize], z, &mut rec);
                dot += quantized[b * d..(b + 1) * d].iter().zip(&rec).map(|(u, v)| u * v).sum::<f64>();
                energy += rec.iter().map(|v| v * v).sum::<f64>();
            }
        }
        let alpha = match self.config.mmse {
            Mmse::PerColumn if energy > 0.0 => self.config.side.round((dot / energy) as f32),
            _ => 1.0,
        };
        Ok(EncodedColumn { mean, norm, alpha, codes })
    }

    /// Checks that `e` was made by this quantizer and is well formed.
    pub(crate) fn check_encoding(&self, e: &EncodedMatrix) -> Result<()> {
        if e.fingerprint != self.fingerprint || e.rows != self.rows {
            return Err(Error::Shape {
                context: "encoded matrix",
                expected: "an encoding made by this quantizer (same rows, lattice, q, scales, rotation and seed)"
                    .into(),
                found: format!("rows {}, fingerprint {:016x}", e.rows, e.fingerprint),
            });
        }
        if let Some(bad) = e.columns.iter().find(|c| c.codes.len() != self.kept) {
            return Err(Error::Corrupted(format!(
                "{} block codes in a column, expected {}",
                bad.codes.len(),
                self.kept
            )));
        }
        Ok(())
    }

    /// [`Self::check_encoding`] plus what the storage format needs before
    /// packing: finite statistics, a non-negative norm, every code in range
    /// (a code of k·q^d or more would be truncated when packed). Only
    /// writing pays for the pass over the codes; decoding checks each code
    /// as it unpacks it.
    pub(crate) fn check_storable(&self, e: &EncodedMatrix) -> Result<()> {
        self.check_encoding(e)?;
        let mut scratch = vec![0u32; self.code.dim()];
        for (j, col) in e.columns.iter().enumerate() {
            let side = self.config.side;
            if !(side.holds(col.mean) && side.holds(col.norm) && side.holds(col.alpha)) {
                return Err(Error::Corrupted(format!(
                    "column {j}: side information is not representable as {side:?} (mean {}, norm {}, alpha {})",
                    col.mean, col.norm, col.alpha
                )));
            }
            if !(col.mean.is_finite() && col.norm.is_finite() && col.alpha.is_finite() && col.norm >= 0.0) {
                return Err(Error::Corrupted(format!(
                    "column {j}: side information must be finite with a non-negative norm (mean {}, norm {}, alpha {})",
                    col.mean, col.norm, col.alpha
                )));
            }
            for &code in &col.codes {
                self.unpack(code, &mut scratch).map_err(|e| Error::Corrupted(format!("column {j}: {e}")))?;
            }
        }
        Ok(())
    }

    /// The reconstruction of column `j` in the rotated domain, scaled so that
    /// inner products estimate those of the centred columns (length `N`).
    fn rotated_column(&self, col: &EncodedColumn, dither: Option<&[f64]>, out: &mut [f64]) -> Result<()> {
        let d = self.code.dim();
        let q = self.config.q as f64;
        let mut c = vec![0u32; d];
        out.fill(0.0);
        if col.codes.len() != self.kept {
            return Err(Error::Corrupted(format!("{} block codes, expected {}", col.codes.len(), self.kept)));
        }
        for (b, &code) in col.codes.iter().enumerate() {
            let scale = self.unpack(code, &mut c)?;
            let z = dither.map(|z| &z[b * d..(b + 1) * d]);
            self.code.decode(&c, self.config.scales[scale] / q, z, &mut out[b * d..(b + 1) * d]);
        }
        let mut factor = self.gaussian_alpha * col.alpha as f64 * col.norm as f64 / (self.padded as f64).sqrt();
        if self.config.unbiased && self.kept < self.blocks {
            factor /= (self.kept as f64 / self.blocks as f64).sqrt();
        }
        if !factor.is_finite() || !col.mean.is_finite() {
            return Err(Error::Corrupted("non-finite side information".into()));
        }
        out.iter_mut().for_each(|v| *v *= factor);
        Ok(())
    }

    /// The rotated-domain reconstructions as the columns of an `N × cols` matrix.
    fn rotated(&self, e: &EncodedMatrix) -> Result<Mat<f64>> {
        self.check_encoding(e)?;
        let cols: Vec<Vec<f64>> = e
            .columns
            .par_iter()
            .enumerate()
            .map(|(j, col)| {
                let mut out = vec![0.0; self.padded];
                self.rotated_column(col, self.column_dither(e.dither_salt, j).as_deref(), &mut out)?;
                Ok(out)
            })
            .collect::<Result<_>>()?;
        Ok(Mat::from_fn(self.padded, cols.len(), |i, j| cols[j][i]))
    }

    /// Decodes back to the original domain (`rows × cols`).
    pub fn decode(&self, e: &EncodedMatrix) -> Result<Mat<f64>> {
        let y = self.rotated(e)?;
        let mut out = Mat::zeros(self.rows, e.columns.len());
        let mut col = vec![0.0; self.rows];
        for (j, c) in e.columns.iter().enumerate() {
            self.rotation.invert(y.col_as_slice(j), &mut col)?;
            for (i, v) in col.iter().enumerate() {
                out[(i, j)] = v + c.mean as f64;
            }
        }
        Ok(out)
    }

    /// The estimate `Ĉ ≈ AᵀB` from two encodings made by this quantizer:
    /// `Ĉ = ŶₐᵀŶ_b + n μ_a μ_bᵀ` with `Ŷ` the rotated-domain reconstructions
    /// of the centred columns. It is not `decode(a)ᵀ decode(b)`: that product
    /// would add the first-order cross terms `μ_a 1ᵀ(b̂ − b̄)`, which are pure
    /// error because the true centred columns sum to zero.
    /// With dither the operands must carry different dither salts.
    pub fn product(&self, a: &EncodedMatrix, b: &EncodedMatrix) -> Result<Mat<f64>> {
        if self.config.dither && a.dither_salt == b.dither_salt {
            return Err(Error::invalid(
                "dither_salt",
                a.dither_salt,
                "both operands were dithered with the same salt: their errors would be correlated; encode one with encode_salted",
            ));
        }
        let (ya, yb) = (self.rotated(a)?, self.rotated(b)?);
        let means = |e: &EncodedMatrix| e.columns.iter().map(|c| c.mean as f64).collect::<Vec<_>>();
        Ok(rotated_product(ya.as_ref(), yb.as_ref(), &means(a), &means(b), self.rows))
    }
}

impl<L: Lattice> ProductQuantizer for MatrixQuantizer<L> {
    fn label(&self) -> String {
        let c = &self.config;
        let mut label = format!("{} q={} k={}", self.code.lattice().name(), c.q, c.scales.len());
        if c.fraction < 1.0 {
            label.push_str(&format!(" κ={:.3}", self.kept as f64 / self.blocks as f64));
        }
        if c.rotation != Rotation::Hadamard {
            label.push_str(&format!(" rot={:?}", c.rotation));
        }
        label
    }
    fn rows(&self) -> usize {
        self.rows
    }
    fn rate(&self) -> f64 {
        MatrixQuantizer::rate(self).total
    }
    fn estimate(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
        check_operands(self.rows, a, b)?;
        self.product(&self.encode_salted(a, 0)?, &self.encode_salted(b, 1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::gamma;
    use crate::lattice::Checkerboard;
    use infoflow_numerics::linalg::gaussian_matrix;

    fn gaussian(n: usize, m: usize, tag: &str) -> Mat<f64> {
        gaussian_matrix(n, m, &mut Streams::for_point(2, "lattice-quant.matrix", tag).stream(0))
    }

    fn product_distortion<L: Lattice>(q: &MatrixQuantizer<L>, a: &Mat<f64>, b: &Mat<f64>) -> f64 {
        let c = q.estimate(a.as_ref(), b.as_ref()).unwrap();
        crate::product::distortion(a.as_ref(), b.as_ref(), c.as_ref()).unwrap()
    }

    #[test]
    fn rates_are_accounted_exactly() {
        let q = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 4096).unwrap();
        let r = q.rate();
        assert_eq!(q.block_bits(), 34);
        assert!((r.blocks - 4.25).abs() < 1e-12);
        assert!((r.side - 64.0 / 4096.0).abs() < 1e-12);
        assert!((r.nominal - 4.25).abs() < 1e-12);
        // q = 14: 8 log2 14 + 2 = 32.46 → 33 bits per block.
        let q14 = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(14), 4096).unwrap();
        assert_eq!(q14.block_bits(), 33);
        assert!((q14.rate().nominal - (14f64.log2() + 0.25)).abs() < 1e-12);
        // Padding is paid for: 100 rows use 128 padded rows.
        let p = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 100).unwrap();
        assert!((p.rate().blocks - 16.0 * 34.0 / 100.0).abs() < 1e-12);
    }

    #[test]
    fn bf16_side_information_halves_its_rate_at_no_measurable_cost() {
        let (a, b) = (gaussian(256, 64, "sa"), gaussian(256, 64, "sb"));
        let f32_side = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 256).unwrap();
        let config = QuantizerConfig { side: SideInfo::Bf16, ..QuantizerConfig::e8(16) };
        let bf16 = MatrixQuantizer::new(Gosset, config, 256).unwrap();
        assert_eq!(f32_side.rate().side, 64.0 / 256.0);
        assert_eq!(bf16.rate().side, 32.0 / 256.0);
        assert_eq!(f32_side.rate().total - bf16.rate().total, 0.125);
        let e = bf16.encode(a.as_ref()).unwrap();
        assert!(e.columns.iter().all(|c| c.mean.to_bits() & 0xffff == 0 && c.norm.to_bits() & 0xffff == 0));
        // The norm's relative rounding (≤ 2⁻⁹) changes the distortion by
        // far less than its sampling noise.
        let (d32, d16) = (product_distortion(&f32_side, &a, &b), product_distortion(&bf16, &a, &b));
        assert!((d16 / d32 - 1.0).abs() < 0.01, "{d16} vs {d32}");
        // Rounding: ties to even, the f32 range kept, NaN kept.
        assert_eq!(SideInfo::Bf16.round(1.0 + 2f32.powi(-8)), 1.0);
        assert_eq!(SideInfo::Bf16.round(1.0 + 3.0 * 2f32.powi(-8)), 1.0 + 2f32.powi(-6));
        let top = SideInfo::Bf16.round(3.0e38);
        assert!(SideInfo::Bf16.holds(top) && (top / 3.0e38 - 1.0).abs() <= 2f32.powi(-9));
        assert!(SideInfo::Bf16.round(f32::MAX).is_infinite());
        assert!(SideInfo::Bf16.round(f32::NAN).is_nan());
        assert_eq!(QuantizerConfig::e8_tuned(14).unwrap().scales, crate::scales::tuned(14).unwrap().to_vec());
    }

    #[test]
    fn e8_q16_is_close_to_the_bound_on_gaussian_data() {
        let (a, b) = (gaussian(1024, 32, "a"), gaussian(1024, 32, "b"));
        let q = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 1024).unwrap();
        let d = product_distortion(&q, &a, &b);
        let bound = gamma(q.rate().total).unwrap();
        let db = 10.0 * (d / bound).log10();
        // lattice_quant.md §6: about 2.3 dB above Γ at q = 16, k = 4.
        assert!(d > bound && db < 2.8, "distortion {d:.3e}, bound {bound:.3e}, {db:.2} dB");
    }

    #[test]
    fn decode_reconstructs_and_product_matches_decoded_matrices() {
        for rotation in [Rotation::None, Rotation::Hadamard, Rotation::Haar] {
            let config = QuantizerConfig { rotation, mmse: Mmse::PerColumn, ..QuantizerConfig::e8(32) };
            // 200 rows: padded to 200 (None, Haar) or 256 (Hadamard).
            let a = gaussian(200, 5, "a2");
            let q = MatrixQuantizer::new(Gosset, config.clone(), 200).unwrap();
            let da = q.decode(&q.encode(a.as_ref()).unwrap()).unwrap();
            let rel = (&da - &a).squared_norm_l2() / a.squared_norm_l2();
            assert!(rel < 5e-3, "{rotation:?}: relative error {rel}");
            // Without padding the rotation is orthogonal on the data, so the
            // rotated-domain product equals the product of the decoded centred
            // columns plus n μ_a μ_b.
            let (a, b) = (gaussian(256, 5, "a4"), gaussian(256, 4, "b4"));
            let q = MatrixQuantizer::new(Gosset, config, 256).unwrap();
            let (ea, eb) = (q.encode(a.as_ref()).unwrap(), q.encode(b.as_ref()).unwrap());
            let centred = |e: &EncodedMatrix| {
                let d = q.decode(e).unwrap();
                Mat::from_fn(256, e.columns.len(), |i, j| d[(i, j)] - e.columns[j].mean as f64)
            };
            let mut via_decoded = centred(&ea).transpose() * centred(&eb);
            for (i, ca) in ea.columns.iter().enumerate() {
                for (j, cb) in eb.columns.iter().enumerate() {
                    via_decoded[(i, j)] += 256.0 * ca.mean as f64 * cb.mean as f64;
                }
            }
            let direct = q.product(&ea, &eb).unwrap();
            assert!((&via_decoded - &direct).norm_max() < 1e-9, "{rotation:?}");
        }
    }

    #[test]
    fn subtractive_dither_makes_the_error_uniform_on_the_cell() {
        // One scale, no overload: the error is uniform on βV(E8), per-entry
        // variance β² G(E8) in unit-variance units, whatever the data.
        let config = QuantizerConfig { scales: vec![10.0], dither: true, ..QuantizerConfig::e8(16) };
        let q = MatrixQuantizer::new(Gosset, config, 1024).unwrap();
        let spiky = Mat::from_fn(1024, 32, |i, j| if i == j { 30.0 } else { ((i * 7 + j * 3) % 11) as f64 * 0.1 });
        for a in [gaussian(1024, 32, "da"), spiky] {
            let e = q.encode(a.as_ref()).unwrap();
            let decoded = q.decode(&e).unwrap();
            let mut ratio = 0.0;
            for j in 0..32 {
                let norm2: f64 = e.columns[j].norm as f64 * e.columns[j].norm as f64;
                let err: f64 = (0..1024).map(|i| (decoded[(i, j)] - a[(i, j)]).powi(2)).sum();
                ratio += err / norm2 / 32.0;
            }
            let expected = (10.0f64 / 16.0).powi(2) * 929.0 / 12960.0;
            assert!((ratio / expected - 1.0).abs() < 0.05, "{ratio} vs {expected}");
        }
        // The two operands of a product need different dither salts.
        let a = gaussian(1024, 2, "db");
        let (ea, eb) = (q.encode(a.as_ref()).unwrap(), q.encode(a.as_ref()).unwrap());
        assert!(q.product(&ea, &eb).is_err());
        assert!(q.product(&ea, &q.encode_salted(a.as_ref(), 7).unwrap()).is_ok());
    }

    #[test]
    fn gaussian_mmse_is_free_and_lowers_the_distortion() {
        let (a, b) = (gaussian(4096, 64, "ma"), gaussian(4096, 64, "mb"));
        let plain = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(8), 4096).unwrap();
        let scaled =
            MatrixQuantizer::new(Gosset, QuantizerConfig { mmse: Mmse::Gaussian, ..QuantizerConfig::e8(8) }, 4096)
                .unwrap();
        assert_eq!(plain.rate(), scaled.rate());
        // Operand MSE about 0.02 at q = 8: α ≈ 1 − 0.02.
        let alpha = scaled.gaussian_alpha();
        assert!(alpha > 0.97 && alpha < 0.995, "{alpha}");
        assert!(product_distortion(&scaled, &a, &b) < product_distortion(&plain, &a, &b));
    }

    #[test]
    fn other_lattices_and_time_sharing() {
        let (a, b) = (gaussian(512, 16, "a3"), gaussian(512, 16, "b3"));
        let d4 = MatrixQuantizer::new(Checkerboard::new(4).unwrap(), QuantizerConfig::e8(16), 512).unwrap();
        let e8 = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 512).unwrap();
        // E8 is a better quantizer than D4 at the same q (granular gain 0.65 vs 0.37 dB).
        assert!(product_distortion(&e8, &a, &b) < product_distortion(&d4, &a, &b));
        let half = QuantizerConfig { fraction: 0.5, ..QuantizerConfig::e8(4) };
        let ts = MatrixQuantizer::new(Gosset, half, 512).unwrap();
        assert_eq!(ts.kept_blocks(), 32);
        let dist = product_distortion(&ts, &a, &b);
        assert!(dist.is_finite() && dist < 1.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let q = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 64).unwrap();
        let mut a = gaussian(64, 3, "bad");
        assert!(matches!(q.encode(gaussian(63, 3, "x").as_ref()), Err(Error::Shape { .. })));
        a[(3, 1)] = f64::NAN;
        assert!(matches!(q.encode(a.as_ref()), Err(Error::NonFinite { .. })));
        let z = Mat::from_fn(64, 2, |i, j| if j == 1 { 2.5 } else { i as f64 });
        assert!(matches!(q.encode(z.as_ref()), Err(Error::ZeroColumn { column: 1 })));
        let other = MatrixQuantizer::new(Gosset, QuantizerConfig { seed: 9, ..QuantizerConfig::e8(16) }, 64).unwrap();
        let (ea, eb) =
            (q.encode(gaussian(64, 2, "p").as_ref()).unwrap(), other.encode(gaussian(64, 2, "r").as_ref()).unwrap());
        assert!(matches!(q.product(&ea, &eb), Err(Error::Shape { .. })));
        for bad in [
            QuantizerConfig { q: 1, ..QuantizerConfig::e8(16) },
            QuantizerConfig { scales: vec![], ..QuantizerConfig::e8(16) },
            QuantizerConfig { scales: vec![2.0, 1.0], ..QuantizerConfig::e8(16) },
            QuantizerConfig { fraction: 0.0, ..QuantizerConfig::e8(16) },
            QuantizerConfig { q: 1 << 16, ..QuantizerConfig::e8(16) },
        ] {
            assert!(MatrixQuantizer::new(Gosset, bad, 64).is_err());
        }
        assert!(MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 0).is_err());
        // A single tiny scale overloads on large entries: an error, not a wrap-around.
        let tiny =
            MatrixQuantizer::new(Gosset, QuantizerConfig { scales: vec![0.5], ..QuantizerConfig::e8(4) }, 64).unwrap();
        assert!(matches!(tiny.encode(gaussian(64, 2, "o").as_ref()), Err(Error::Overload { .. })));
    }
}
