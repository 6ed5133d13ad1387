//! Code-domain products with lookup tables, for the memory-bound case
//! where the weights stay compressed (arXiv 2505.13164, Kaplan and
//! Ordentlich; the C library `NestedLatticeLut`).
//!
//! # The code
//!
//! Vectors of length `n` (a weight row, or a column of an operand) are
//! centred, normalised and rotated as in [`crate::matrix`], then cut into
//! 4-dimensional blocks quantized with the **two-layer** hierarchical
//! Voronoi code of `D₄` with `q = 4` ([`HierarchicalCode`]): a block is
//! `β (P[c₀] + 4 P[c₁])` with `P` the 256 codewords of one layer, so each
//! layer index is one byte. Pairs of blocks (8 entries) share one of four
//! scales `β₀ / q` (first fit, 2 bits). Rate: `(2·8 bits per 4 entries +
//! 2 bits per 8) = 4.25` bits per entry of the padded vector, plus 64 bits
//! of side information (mean, norm) per vector, padding paid for.
//!
//! # The products
//!
//! * [`LutQuantizer::gemv`]: `y = W x` with `W` compressed. `x` is rotated
//!   once (`O(n log n)`); for each tile of 32 blocks the 32 tables
//!   `T_b[c] = ⟨P[c], x_b⟩` (32 KiB, in L1) are built once and every row's
//!   block contributes `T_b[c₀] + 4 T_b[c₁]` by lookup, 16 rows at a time
//!   (AVX-512 gathers where available; the `kernel` module has a portable twin
//!   with identical results). `W` is read once, at 4.25 bits per entry
//!   instead of 32: the f32 GEMV streams 7.5 times more bytes.
//! * [`LutQuantizer::code_inner_product`]: both operands compressed; the
//!   inner product of two blocks is `Σ_{l,m} 4^{l+m} T[c_l, c'_m]` with
//!   `T` the 256 × 256 table of codeword inner products (exact small
//!   integers), so no block is ever decoded. [`ProductQuantizer::estimate`]
//!   uses it.
//!
//! Arithmetic is in `f32` with plain multiply and add (no fused
//! multiply-add), in a fixed order per row, so results are identical for
//! every thread count and instruction set.

use crate::error::{Error, Result};
use crate::lattice::Checkerboard;
use crate::preprocess::{ColumnStats, Rotation, SharedRotation};
use crate::product::{ProductQuantizer, check_operands};
use crate::voronoi::{HierarchicalCode, VoronoiCode};
use faer::{Mat, MatRef};
use kernel::{LANES, TABLE};
use rayon::prelude::*;

mod kernel;

/// Block length (`D₄`).
const BLOCK: usize = 4;
/// Entries sharing one scale index.
const GROUP: usize = 8;
/// Nesting ratio of one layer.
const Q: u32 = 4;
/// Codewords per layer, `q⁴`.
const CODEWORDS: usize = TABLE;
/// Blocks per column tile of the GEMV (32 tables of 1 KiB).
const TILE_BLOCKS: usize = 32;
/// Rows per row chunk of the parallel GEMV (each chunk rebuilds the tables).
const CHUNK_ROWS: usize = 2048;

/// Settings of a [`LutQuantizer`].
#[derive(Clone, Debug, PartialEq)]
pub struct LutConfig {
    /// The four coarse scales `β₀` (in units of unit-variance entries),
    /// increasing; the fine scale is `β₀ / q` with `q = 4`, and the
    /// two-layer code covers about `16 β₀/4 · V(D₄)`.
    pub scales: [f64; 4],
    /// Shared rotation.
    pub rotation: Rotation,
    /// Seed of the shared rotation.
    pub seed: u64,
}

impl Default for LutConfig {
    /// Scales from a coordinate search minimising the MSE of 160 000 iid
    /// `N(0, 1)` entries (operand MSE 7.18e-3, about 4.1 dB above `Γ(4.25)`
    /// for the product), with the top scale held at 4: the smallest
    /// overload radius of the two-layer code is 7.79 fine-lattice units
    /// (measured over 20 000 directions), so at `β = 1` a block overloads
    /// only beyond 7.8 standard deviations (`P(χ²₄ > 60.7) ≈ 2·10⁻¹²`);
    /// Hadamard rotation, seed 0.
    fn default() -> Self {
        Self { scales: [0.8, 1.12, 1.63, 4.0], rotation: Rotation::Hadamard, seed: 0 }
    }
}

/// Compresses vectors of length `n` with the two-layer `D₄` code; see the
/// module docs.
pub struct LutQuantizer {
    code: HierarchicalCode<Checkerboard>,
    config: LutConfig,
    rotation: SharedRotation,
    /// The 256 codewords of one layer, `P[c]` with `c = c₀ + 4c₁ + 16c₂ + 64c₃`.
    points: Box<[[f32; BLOCK]; CODEWORDS]>,
    /// The same by coordinate (`coords[k][c] = P[c][k]`), for vectorised table builds.
    coords: Box<[[f32; CODEWORDS]; BLOCK]>,
    /// `T[c][c'] = ⟨P[c], P[c']⟩`.
    inner: Vec<f32>,
    fingerprint: u64,
}

impl core::fmt::Debug for LutQuantizer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LutQuantizer").field("config", &self.config).field("rows", &self.rotation.rows()).finish()
    }
}

/// Vectors compressed by a [`LutQuantizer`], one per row (a weight matrix
/// `W` of `rows × n` for [`LutQuantizer::gemv`]).
///
/// In memory the codes are tiled for the GEMV: column tiles of 32 blocks,
/// inside them row tiles of 16 rows, inside those for each block and layer
/// the 16 rows' code bytes; scale indices are one `u32` per group of 8
/// entries and row tile (2 bits per row). Rows are padded to a multiple of
/// 16 with zero codes (codeword 0 is the origin).
#[derive(Clone, Debug, PartialEq)]
pub struct LutMatrix {
    /// Number of compressed vectors.
    rows: usize,
    /// Padded length `N` of each.
    len: usize,
    /// Code bytes in the tiled order.
    codes: Vec<u8>,
    /// Scale indices in the tiled order.
    scales: Vec<u32>,
    /// Per vector: mean and norm as stored.
    stats: Vec<ColumnStats>,
    fingerprint: u64,
}

/// Where things live in the tiled layout of a matrix with `rows` rows and
/// vectors of padded length `len`: row chunks of 2048 rows (each chunk's
/// bytes contiguous, so a GEMV thread streams one region), inside a chunk
/// column tiles of 32 blocks, inside those row tiles of 16 rows.
#[derive(Clone, Copy, Debug)]
struct Layout {
    rows: usize,
    blocks: usize,
}

/// Row tiles in a full chunk.
const CHUNK_TILES: usize = CHUNK_ROWS / LANES;

impl Layout {
    fn new(rows: usize, len: usize) -> Self {
        Self { rows, blocks: len / BLOCK }
    }
    fn col_tiles(self) -> usize {
        self.blocks.div_ceil(TILE_BLOCKS)
    }
    /// Blocks in column tile `t`.
    fn tile_blocks(self, t: usize) -> usize {
        TILE_BLOCKS.min(self.blocks - t * TILE_BLOCKS)
    }
    /// Row tiles in row chunk `chunk`.
    fn chunk_tiles(self, chunk: usize) -> usize {
        (self.rows - chunk * CHUNK_ROWS).min(CHUNK_ROWS).div_ceil(LANES)
    }
    /// First code byte of (row chunk, column tile `t`, row tile `r` within the chunk).
    fn code_start(self, chunk: usize, t: usize, r: usize) -> usize {
        (chunk * CHUNK_TILES * self.blocks + t * TILE_BLOCKS * self.chunk_tiles(chunk) + r * self.tile_blocks(t))
            * 2
            * LANES
    }
    /// First scale word of (row chunk, column tile `t`, row tile `r` within the chunk).
    fn scale_start(self, chunk: usize, t: usize, r: usize) -> usize {
        (chunk * CHUNK_TILES * self.blocks + t * TILE_BLOCKS * self.chunk_tiles(chunk) + r * self.tile_blocks(t)) / 2
    }
    fn code_at(self, row: usize, block: usize, layer: usize) -> usize {
        let (chunk, r) = (row / CHUNK_ROWS, (row % CHUNK_ROWS) / LANES);
        let (t, b) = (block / TILE_BLOCKS, block % TILE_BLOCKS);
        self.code_start(chunk, t, r) + (2 * b + layer) * LANES + row % LANES
    }
    fn scale_at(self, row: usize, group: usize) -> (usize, u32) {
        let (chunk, r) = (row / CHUNK_ROWS, (row % CHUNK_ROWS) / LANES);
        let (t, g) = (group / (TILE_BLOCKS / 2), group % (TILE_BLOCKS / 2));
        (self.scale_start(chunk, t, r) + g, 2 * (row % LANES) as u32)
    }
    fn row_tiles(self) -> usize {
        self.rows.div_ceil(LANES)
    }
    fn code_len(self) -> usize {
        self.row_tiles() * LANES * self.blocks * 2
    }
    fn scale_len(self) -> usize {
        self.row_tiles() * self.blocks / 2
    }
}

impl LutMatrix {
    /// Number of compressed vectors (rows of `W`).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes of compressed payload (codes, scale indices, side information;
    /// rows padded to a multiple of 16).
    pub fn payload_bytes(&self) -> usize {
        self.codes.len() + 4 * self.scales.len() + 8 * self.stats.len()
    }

    fn layout(&self) -> Layout {
        Layout::new(self.rows, self.len)
    }

    fn code(&self, row: usize, block: usize, layer: usize) -> u8 {
        self.codes[self.layout().code_at(row, block, layer)]
    }

    fn scale(&self, row: usize, group: usize) -> usize {
        let (at, shift) = self.layout().scale_at(row, group);
        ((self.scales[at] >> shift) & 3) as usize
    }
}

fn index_of(c: &[u32]) -> u8 {
    (c[0] + 4 * c[1] + 16 * c[2] + 64 * c[3]) as u8
}

impl LutQuantizer {
    /// A quantizer for vectors of length `n ≥ 1`.
    pub fn new(config: LutConfig, n: usize) -> Result<Self> {
        crate::scales::check_scales(&config.scales)?;
        let lattice = Checkerboard::new(BLOCK)?;
        let code = HierarchicalCode::new(VoronoiCode::new(lattice, Q)?, 2)?;
        let rotation = SharedRotation::new(config.rotation, n, GROUP, config.seed)?;
        let mut points = Box::new([[0.0f32; BLOCK]; CODEWORDS]);
        let mut t = [0.0; BLOCK];
        for (c, p) in points.iter_mut().enumerate() {
            let digits = [c as u32 % 4, (c as u32 / 4) % 4, (c as u32 / 16) % 4, c as u32 / 64];
            code.code().codeword(&digits, &mut t);
            p.iter_mut().zip(&t).for_each(|(o, &v)| *o = v as f32);
        }
        let inner = (0..CODEWORDS * CODEWORDS)
            .map(|k| {
                let (a, b) = (&points[k / CODEWORDS], &points[k % CODEWORDS]);
                a.iter().zip(b).map(|(x, y)| x * y).sum()
            })
            .collect();
        let fp = format!("lut:D4:q4:M2:{:?}:{:?}:{}:{}", config.scales, config.rotation, config.seed, n);
        let fingerprint = infoflow_numerics::rng::stable_hash_str(&fp);
        let mut coords = Box::new([[0.0f32; CODEWORDS]; BLOCK]);
        for (c, p) in points.iter().enumerate() {
            for k in 0..BLOCK {
                coords[k][c] = p[k];
            }
        }
        Ok(Self { code, config, rotation, points, coords, inner, fingerprint })
    }

    /// The configuration.
    pub fn config(&self) -> &LutConfig {
        &self.config
    }

    /// Vector length `n`.
    pub fn len(&self) -> usize {
        self.rotation.rows()
    }

    /// Always `false`: vectors have at least one entry.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Bits per entry, side information and padding included.
    pub fn bits_per_entry(&self) -> f64 {
        let big_n = self.rotation.padded() as f64;
        (big_n * 4.25 + 64.0) / self.len() as f64
    }

    /// Compresses the rows of `w` (`rows × n`).
    pub fn encode_rows(&self, w: MatRef<'_, f64>) -> Result<LutMatrix> {
        self.encode_vectors(w.nrows(), |i, j| w[(i, j)], w.ncols())
    }

    /// Compresses the columns of `a` (`n × cols`).
    pub fn encode_columns(&self, a: MatRef<'_, f64>) -> Result<LutMatrix> {
        self.encode_vectors(a.ncols(), |i, j| a[(j, i)], a.nrows())
    }

    fn encode_vectors(&self, count: usize, entry: impl Fn(usize, usize) -> f64 + Sync, n: usize) -> Result<LutMatrix> {
        if n != self.len() {
            return Err(Error::Shape {
                context: "vectors to compress",
                expected: format!("length {}", self.len()),
                found: format!("length {n}"),
            });
        }
        let big_n = self.rotation.padded();
        let encoded: Vec<(Vec<u8>, Vec<u8>, ColumnStats)> = (0..count)
            .into_par_iter()
            .map(|i| {
                let v: Vec<f64> = (0..n).map(|j| entry(i, j)).collect();
                self.encode_one(i, &v)
            })
            .collect::<Result<_>>()?;
        let layout = Layout::new(count, big_n);
        let mut m = LutMatrix {
            rows: count,
            len: big_n,
            codes: vec![0; layout.code_len()],
            scales: vec![0; layout.scale_len()],
            stats: Vec::with_capacity(count),
            fingerprint: self.fingerprint,
        };
        for (row, (codes, scales, stats)) in encoded.into_iter().enumerate() {
            for (block, pair) in codes.chunks_exact(2).enumerate() {
                m.codes[layout.code_at(row, block, 0)] = pair[0];
                m.codes[layout.code_at(row, block, 1)] = pair[1];
            }
            for (group, &s) in scales.iter().enumerate() {
                let (at, shift) = layout.scale_at(row, group);
                m.scales[at] |= (s as u32) << shift;
            }
            m.stats.push(stats);
        }
        Ok(m)
    }

    /// One vector's codes (per block: layer 0, layer 1) and scale indices
    /// (per group).
    fn encode_one(&self, which: usize, v: &[f64]) -> Result<(Vec<u8>, Vec<u8>, ColumnStats)> {
        let big_n = self.rotation.padded();
        let mut centred = vec![0.0; v.len()];
        let stats = ColumnStats::centre(which, v, &mut centred)?;
        let mut x = vec![0.0; big_n];
        self.rotation.apply(&centred, &mut x)?;
        let unit = (big_n as f64).sqrt() / stats.norm as f64;
        x.iter_mut().for_each(|e| *e *= unit);
        let (mut codes, mut scales) = (vec![0u8; big_n / BLOCK * 2], vec![0u8; big_n / GROUP]);
        let mut c = [0u32; 2 * BLOCK];
        for (g, group) in x.chunks_exact(GROUP).enumerate() {
            let chosen = self
                .config
                .scales
                .iter()
                .position(|&beta0| {
                    let beta = beta0 / Q as f64;
                    group.chunks_exact(BLOCK).all(|block| self.code.encode(block, beta, &mut c))
                })
                .ok_or(Error::Overload { column: which, block: g })?;
            let beta = self.config.scales[chosen] / Q as f64;
            for (b, block) in group.chunks_exact(BLOCK).enumerate() {
                self.code.encode(block, beta, &mut c);
                let at = 2 * (g * 2 + b);
                codes[at] = index_of(&c[..BLOCK]);
                codes[at + 1] = index_of(&c[BLOCK..]);
            }
            scales[g] = chosen as u8;
        }
        Ok((codes, scales, stats))
    }

    fn check(&self, m: &LutMatrix) -> Result<()> {
        if m.fingerprint != self.fingerprint {
            return Err(Error::Shape {
                context: "compressed matrix",
                expected: "a matrix compressed by this quantizer".into(),
                found: format!("fingerprint {:016x}", m.fingerprint),
            });
        }
        Ok(())
    }

    /// The scale (fine `β`, `f32`) of each 2-bit index, premultiplied by
    /// nothing else: per-row factors are applied after the sum.
    fn betas(&self) -> [f32; 4] {
        self.config.scales.map(|b| (b / Q as f64) as f32)
    }

    /// `y = W x` for `W` compressed by this quantizer (`rows × n`), `x` of
    /// length `n`; parallel over chunks of 2048 rows with rayon (results do
    /// not depend on the thread count).
    pub fn gemv(&self, w: &LutMatrix, x: &[f32], y: &mut [f32]) -> Result<()> {
        self.check(w)?;
        if x.len() != self.len() || y.len() != w.rows {
            return Err(Error::Shape {
                context: "gemv",
                expected: format!("x of length {} and y of length {}", self.len(), w.rows),
                found: format!("x of length {} and y of length {}", x.len(), y.len()),
            });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite { context: "gemv input" });
        }
        let xd: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let mut rotated = vec![0.0; w.len];
        self.rotation.apply(&xd, &mut rotated)?;
        let xr: Vec<f32> = rotated.iter().map(|&v| v as f32).collect();
        let sum_x = xd.iter().sum::<f64>() as f32;
        let betas = self.betas();
        let inv_sqrt_n = 1.0 / (w.len as f32).sqrt();
        let layout = w.layout();
        y.par_chunks_mut(CHUNK_ROWS).enumerate().for_each(|(chunk, ys)| {
            let tiles = layout.chunk_tiles(chunk);
            let mut acc = vec![[0.0f32; LANES]; tiles];
            let mut tables = vec![0.0f32; TILE_BLOCKS * TABLE];
            for t in 0..layout.col_tiles() {
                let nb = layout.tile_blocks(t);
                let tables = &mut tables[..nb * TABLE];
                self.build_tables(&xr[t * TILE_BLOCKS * BLOCK..(t * TILE_BLOCKS + nb) * BLOCK], tables);
                for (k, a) in acc.iter_mut().enumerate() {
                    let (c, s) = (layout.code_start(chunk, t, k), layout.scale_start(chunk, t, k));
                    kernel::tile(tables, &w.codes[c..c + nb * 2 * LANES], &w.scales[s..s + nb / 2], &betas, a);
                }
            }
            for (i, yi) in ys.iter_mut().enumerate() {
                let st = w.stats[chunk * CHUNK_ROWS + i];
                *yi = st.norm * inv_sqrt_n * acc[i / LANES][i % LANES] + st.mean * sum_x;
            }
        });
        Ok(())
    }

    /// `T_b[c] = ⟨P[c], x_b⟩` for the blocks of `x` (4 entries each).
    fn build_tables(&self, x: &[f32], tables: &mut [f32]) {
        for (xb, t) in x.chunks_exact(BLOCK).zip(tables.chunks_exact_mut(TABLE)) {
            let [p0, p1, p2, p3] = &*self.coords;
            for c in 0..CODEWORDS {
                t[c] = ((p0[c] * xb[0] + p1[c] * xb[1]) + p2[c] * xb[2]) + p3[c] * xb[3];
            }
        }
    }

    /// Decodes the compressed vectors back to a `rows × n` matrix.
    pub fn decode_rows(&self, w: &LutMatrix) -> Result<Mat<f64>> {
        self.check(w)?;
        let n = self.len();
        let betas = self.betas();
        let mut out = Mat::zeros(w.rows, n);
        let (mut y, mut back) = (vec![0.0; w.len], vec![0.0; n]);
        for i in 0..w.rows {
            self.rotated_row(w, i, &betas, &mut y);
            let st = w.stats[i];
            let factor = st.norm as f64 / (w.len as f64).sqrt();
            y.iter_mut().for_each(|v| *v *= factor);
            self.rotation.invert(&y, &mut back)?;
            for (j, v) in back.iter().enumerate() {
                out[(i, j)] = v + st.mean as f64;
            }
        }
        Ok(out)
    }

    fn rotated_row(&self, w: &LutMatrix, row: usize, betas: &[f32; 4], out: &mut [f64]) {
        for (b, block) in out.chunks_exact_mut(BLOCK).enumerate() {
            let beta = betas[w.scale(row, b / 2)] as f64;
            let (p0, p1) = (&self.points[w.code(row, b, 0) as usize], &self.points[w.code(row, b, 1) as usize]);
            for k in 0..BLOCK {
                block[k] = beta * (p0[k] as f64 + Q as f64 * p1[k] as f64);
            }
        }
    }

    /// The inner product of vector `i` of `a` with vector `j` of `b`
    /// computed in the code domain from the codeword inner-product table.
    pub fn code_inner_product(&self, a: &LutMatrix, i: usize, b: &LutMatrix, j: usize) -> Result<f64> {
        self.check(a)?;
        self.check(b)?;
        if i >= a.rows || j >= b.rows {
            return Err(Error::Shape {
                context: "code_inner_product",
                expected: format!("i < {}, j < {}", a.rows, b.rows),
                found: format!("i = {i}, j = {j}"),
            });
        }
        Ok(self.inner_unchecked(a, i, b, j))
    }

    fn inner_unchecked(&self, a: &LutMatrix, i: usize, b: &LutMatrix, j: usize) -> f64 {
        let big_n = a.len;
        let betas = self.betas();
        let t = |x: u8, y: u8| self.inner[x as usize * CODEWORDS + y as usize];
        let mut total = 0.0f64;
        for g in 0..big_n / GROUP {
            let (ba, bb) = (betas[a.scale(i, g)], betas[b.scale(j, g)]);
            let mut acc = 0.0f32;
            for blk in 2 * g..2 * g + 2 {
                let (a0, a1, b0, b1) = (a.code(i, blk, 0), a.code(i, blk, 1), b.code(j, blk, 0), b.code(j, blk, 1));
                acc += t(a0, b0) + 4.0 * (t(a0, b1) + t(a1, b0)) + 16.0 * t(a1, b1);
            }
            total += (ba * bb * acc) as f64;
        }
        let (st_a, st_b) = (a.stats[i], b.stats[j]);
        st_a.norm as f64 * st_b.norm as f64 / big_n as f64 * total
            + self.len() as f64 * st_a.mean as f64 * st_b.mean as f64
    }
}

impl ProductQuantizer for LutQuantizer {
    fn label(&self) -> String {
        "D4 q=4 M=2 k=4 (LUT)".into()
    }
    fn rows(&self) -> usize {
        self.len()
    }
    fn rate(&self) -> f64 {
        self.bits_per_entry()
    }
    fn estimate(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
        check_operands(self.len(), a, b)?;
        let (ea, eb) = (self.encode_columns(a)?, self.encode_columns(b)?);
        let rows: Vec<Vec<f64>> = (0..ea.rows)
            .into_par_iter()
            .map(|i| (0..eb.rows).map(|j| self.inner_unchecked(&ea, i, &eb, j)).collect())
            .collect();
        Ok(Mat::from_fn(ea.rows, eb.rows, |i, j| rows[i][j]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::gamma;
    use crate::product::distortion;
    use infoflow_numerics::linalg::gaussian_matrix;
    use infoflow_numerics::rng::Streams;

    fn gaussian(n: usize, m: usize, tag: &str) -> Mat<f64> {
        gaussian_matrix(n, m, &mut Streams::for_point(5, "lattice-quant.lut", tag).stream(0))
    }

    #[test]
    fn gemv_matches_the_decoded_matrix() {
        // 2061 rows: two row chunks, the last row tile partial.
        let (rows, n) = (2061, 200);
        let q = LutQuantizer::new(LutConfig::default(), n).unwrap();
        let g = gaussian(rows, n, "w");
        let w = Mat::from_fn(rows, n, |i, j| g[(i, j)] + 0.3);
        let x: Vec<f32> = gaussian(n, 1, "x").col_as_slice(0).iter().map(|&v| v as f32).collect();
        let c = q.encode_rows(w.as_ref()).unwrap();
        assert_eq!(c.payload_bytes(), 2064 * (256 / 2 + 256 / 32) + 2061 * 8);
        let mut y = vec![0.0f32; rows];
        q.gemv(&c, &x, &mut y).unwrap();
        let decoded = q.decode_rows(&c).unwrap();
        let mut rel = 0.0f64;
        for i in 0..rows {
            let exact: f64 = (0..n).map(|j| decoded[(i, j)] * x[j] as f64).sum();
            rel = rel.max((y[i] as f64 - exact).abs() / (1.0 + exact.abs()));
        }
        assert!(rel < 1e-4, "gemv vs decoded: {rel}");
        let err = (&decoded - &w).squared_norm_l2() / w.squared_norm_l2();
        assert!(err < 0.01, "relative reconstruction error {err}");
    }

    #[test]
    fn gemv_is_independent_of_the_thread_count() {
        // 2100 rows: two row chunks, the second with a partial row tile.
        let n = 256;
        let q = LutQuantizer::new(LutConfig::default(), n).unwrap();
        let w = gaussian(2100, n, "tw");
        let c = q.encode_rows(w.as_ref()).unwrap();
        let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut y = vec![0.0f32; 2100];
            pool.install(|| q.gemv(&c, &x, &mut y)).unwrap();
            y
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn code_domain_inner_products_match_decoded_ones() {
        let n = 512;
        let q = LutQuantizer::new(LutConfig::default(), n).unwrap();
        let (a, b) = (gaussian(n, 6, "a"), gaussian(n, 5, "b"));
        let c = q.estimate(a.as_ref(), b.as_ref()).unwrap();
        let (da, db) = (
            q.decode_rows(&q.encode_columns(a.as_ref()).unwrap()).unwrap(),
            q.decode_rows(&q.encode_columns(b.as_ref()).unwrap()).unwrap(),
        );
        // Without padding the rotation is orthogonal: the code-domain product
        // equals the product of the decoded centred vectors plus n μ μ.
        let ea = q.encode_columns(a.as_ref()).unwrap();
        let eb = q.encode_columns(b.as_ref()).unwrap();
        for i in 0..6 {
            for j in 0..5 {
                let (ma, mb) = (ea.stats[i].mean as f64, eb.stats[j].mean as f64);
                let centred: f64 = (0..n).map(|k| (da[(i, k)] - ma) * (db[(j, k)] - mb)).sum();
                let via = centred + n as f64 * ma * mb;
                assert!((c[(i, j)] - via).abs() < 1e-3 * (1.0 + via.abs()), "{i},{j}: {} vs {via}", c[(i, j)]);
            }
        }
        assert!((q.code_inner_product(&ea, 1, &eb, 2).unwrap() - c[(1, 2)]).abs() < 1e-12);
        assert!(q.code_inner_product(&ea, 6, &eb, 0).is_err());
    }

    #[test]
    fn rate_and_distortion_on_gaussian_data() {
        let n = 1024;
        let q = LutQuantizer::new(LutConfig::default(), n).unwrap();
        assert!((q.bits_per_entry() - (4.25 + 64.0 / 1024.0)).abs() < 1e-12);
        let (a, b) = (gaussian(n, 32, "ga"), gaussian(n, 32, "gb"));
        let d = distortion(a.as_ref(), b.as_ref(), q.estimate(a.as_ref(), b.as_ref()).unwrap().as_ref()).unwrap();
        let db = 10.0 * (d / gamma(q.rate()).unwrap()).log10();
        // About 4.1 dB (the tuning of LutConfig::default); lattice_quant.md
        // §5.5 reports about 3 dB for the C library's 4.5-bit variant.
        assert!(db > 3.0 && db < 4.6, "{db:.2} dB over Γ");
    }

    #[test]
    fn bad_input() {
        assert!(LutQuantizer::new(LutConfig { scales: [1.0, 1.0, 2.0, 3.0], ..LutConfig::default() }, 64).is_err());
        assert!(LutQuantizer::new(LutConfig::default(), 0).is_err());
        let q = LutQuantizer::new(LutConfig::default(), 64).unwrap();
        let other = LutQuantizer::new(LutConfig { seed: 1, ..LutConfig::default() }, 64).unwrap();
        let w = gaussian(3, 64, "bw");
        assert!(q.encode_rows(gaussian(3, 65, "x").as_ref()).is_err());
        let c = other.encode_rows(w.as_ref()).unwrap();
        let mut y = vec![0.0f32; 3];
        assert!(q.gemv(&c, &[0.0; 64], &mut y).is_err());
        let c = q.encode_rows(w.as_ref()).unwrap();
        assert!(q.gemv(&c, &[0.0; 63], &mut y).is_err());
        let mut x = [0.0f32; 64];
        x[5] = f32::NAN;
        assert!(matches!(q.gemv(&c, &x, &mut y), Err(Error::NonFinite { .. })));
        let tiny =
            LutQuantizer::new(LutConfig { scales: [0.01, 0.02, 0.03, 0.04], ..LutConfig::default() }, 64).unwrap();
        assert!(matches!(tiny.encode_rows(w.as_ref()), Err(Error::Overload { .. })));
    }
}
