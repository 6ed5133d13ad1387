//! Scalar baselines a practitioner would use, with their rates accounted
//! the same way as the lattice schemes (side information and padding
//! included):
//!
//! * [`Absmax`]: symmetric round-to-nearest `int-b` per group of `g`
//!   consecutive entries of a column, scale `max|x| / (2^{b−1} − 1)` stored
//!   as an IEEE half (16 bits per group), levels `−L..=L` with
//!   `L = 2^{b−1} − 1`. Optionally after the randomized Hadamard rotation
//!   (the "rotated RTN" of QuaRot/QuIP#-style pipelines). Rate
//!   `(b N + 16 ⌈N/g⌉)/n`.
//! * [`LloydMax`]: the MSE-optimal fixed-rate scalar quantizer for
//!   `N(0, 1)`, computed by Lloyd's iteration with exact Gaussian integrals
//!   (Max 1960: MSE 0.36338, 0.11748, 0.034548, 0.0095010 at 1–4 bits).
//! * [`LloydMaxScheme`]: columns centred, normalised to unit-variance
//!   entries and rotated exactly as in [`crate::matrix`] (64 bits of column
//!   side information), then Lloyd-Max per entry. Rate `(b N + 64)/n`.

use crate::error::{Error, Result};
use crate::preprocess::{ColumnStats, Rotation, SharedRotation};
use crate::product::{ProductQuantizer, check_operands, rotated_product};
use faer::{Mat, MatRef};
use half::f16;
use infoflow_numerics::special::{q_function, q_function_inv};

/// Symmetric absmax round-to-nearest per group; see the module docs.
#[derive(Debug)]
pub struct Absmax {
    bits: u32,
    group: usize,
    rows: usize,
    rotation: Option<SharedRotation>,
}

impl Absmax {
    /// `int-bits` (2 to 16 bits) with groups of `group ≥ 1` entries along
    /// columns of `rows` entries, without rotation.
    pub fn new(bits: u32, group: usize, rows: usize) -> Result<Self> {
        Self::build(bits, group, rows, None)
    }

    /// The same after the randomized Hadamard rotation drawn from `seed`
    /// (columns zero-padded to a power of two, the padding paid for).
    pub fn rotated(bits: u32, group: usize, rows: usize, seed: u64) -> Result<Self> {
        let rotation = SharedRotation::new(Rotation::Hadamard, rows.max(1), 1, seed)?;
        Self::build(bits, group, rows, Some(rotation))
    }

    fn build(bits: u32, group: usize, rows: usize, rotation: Option<SharedRotation>) -> Result<Self> {
        if !(2..=16).contains(&bits) {
            return Err(Error::invalid("bits", bits, "absmax needs 2 to 16 bits"));
        }
        if group == 0 {
            return Err(Error::invalid("group", group, "a group holds at least one entry"));
        }
        if rows == 0 {
            return Err(Error::invalid("rows", rows, "a matrix needs at least one row"));
        }
        Ok(Self { bits, group, rows, rotation })
    }

    fn len(&self) -> usize {
        self.rotation.as_ref().map_or(self.rows, SharedRotation::padded)
    }

    /// Largest level `L = 2^{b−1} − 1`.
    fn max_level(&self) -> f64 {
        ((1u32 << (self.bits - 1)) - 1) as f64
    }

    /// Quantizes one (rotated) column in place, group by group.
    fn quantize(&self, column: usize, x: &mut [f64]) -> Result<()> {
        let levels = self.max_level();
        for group in x.chunks_mut(self.group) {
            let peak = group.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let scale = f16::from_f64(peak / levels).to_f64();
            if !scale.is_finite() {
                return Err(Error::invalid("column", column, "a group's absmax scale overflows the fp16 range"));
            }
            if scale == 0.0 {
                group.fill(0.0);
                continue;
            }
            for v in group.iter_mut() {
                *v = (*v / scale).round_ties_even().clamp(-levels, levels) * scale;
            }
        }
        Ok(())
    }

    /// The reconstruction of `a` in the working domain (rotated and padded
    /// when the scheme rotates): inner products of its columns estimate
    /// those of `a`.
    fn reconstruct(&self, a: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let mut out = Mat::zeros(self.len(), a.ncols());
        let mut col = vec![0.0; self.rows];
        for j in 0..a.ncols() {
            col.iter_mut().enumerate().for_each(|(i, c)| *c = a[(i, j)]);
            if !infoflow_numerics::all_finite(&col) {
                return Err(Error::NonFinite { context: "matrix to encode" });
            }
            let x = out.col_as_slice_mut(j);
            match &self.rotation {
                Some(r) => r.apply(&col, x)?,
                None => x.copy_from_slice(&col),
            }
            self.quantize(j, x)?;
        }
        Ok(out)
    }
}

impl ProductQuantizer for Absmax {
    fn label(&self) -> String {
        format!("{}int{} absmax g={}", if self.rotation.is_some() { "rotated " } else { "" }, self.bits, self.group)
    }
    fn rows(&self) -> usize {
        self.rows
    }
    fn rate(&self) -> f64 {
        let n = self.len();
        (self.bits as f64 * n as f64 + 16.0 * n.div_ceil(self.group) as f64) / self.rows as f64
    }
    fn estimate(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
        check_operands(self.rows, a, b)?;
        Ok(self.reconstruct(a)?.transpose() * self.reconstruct(b)?)
    }
}

/// The Lloyd-Max quantizer for `N(0, 1)`: `2^b` levels at the centroids of
/// their cells, thresholds at the midpoints.
#[derive(Clone, Debug, PartialEq)]
pub struct LloydMax {
    levels: Vec<f64>,
    thresholds: Vec<f64>,
    mse: f64,
}

/// `P(a < X < b)` for `X ~ N(0, 1)`, accurate in both tails.
fn gaussian_mass(a: f64, b: f64) -> f64 {
    if a >= 0.0 {
        q_function(a) - q_function(b)
    } else if b <= 0.0 {
        q_function(-b) - q_function(-a)
    } else {
        1.0 - q_function(b) - q_function(-a)
    }
}

fn gaussian_density(x: f64) -> f64 {
    if x.is_infinite() { 0.0 } else { (-0.5 * x * x).exp() / (2.0 * core::f64::consts::PI).sqrt() }
}

impl LloydMax {
    /// The `bits`-bit (1 to 12) Lloyd-Max quantizer for the standard normal.
    /// Starts from the high-resolution companding solution (levels at the
    /// quantiles of `N(0, 3)`) and iterates Lloyd's two conditions until the
    /// levels move less than `1e-13`.
    pub fn gaussian(bits: u32) -> Result<Self> {
        if !(1..=12).contains(&bits) {
            return Err(Error::invalid("bits", bits, "Lloyd-Max tables are built for 1 to 12 bits"));
        }
        let m = 1usize << bits;
        let mut levels: Vec<f64> = (0..m)
            .map(|i| -3f64.sqrt() * q_function_inv((i as f64 + 0.5) / m as f64).expect("p lies in (0, 1)"))
            .collect();
        let mut thresholds = vec![0.0; m - 1];
        for _ in 0..200_000 {
            for (t, w) in thresholds.iter_mut().zip(levels.windows(2)) {
                *t = 0.5 * (w[0] + w[1]);
            }
            let mut moved = 0.0f64;
            for (i, y) in levels.iter_mut().enumerate() {
                let lo = if i == 0 { f64::NEG_INFINITY } else { thresholds[i - 1] };
                let hi = if i == m - 1 { f64::INFINITY } else { thresholds[i] };
                let centroid = (gaussian_density(lo) - gaussian_density(hi)) / gaussian_mass(lo, hi);
                moved = moved.max((centroid - *y).abs());
                *y = centroid;
            }
            if moved < 1e-13 {
                break;
            }
        }
        for (t, w) in thresholds.iter_mut().zip(levels.windows(2)) {
            *t = 0.5 * (w[0] + w[1]);
        }
        // With centroid levels, MSE = E X² − Σ P_i y_i².
        let mse = 1.0
            - levels
                .iter()
                .enumerate()
                .map(|(i, y)| {
                    let lo = if i == 0 { f64::NEG_INFINITY } else { thresholds[i - 1] };
                    let hi = if i == m - 1 { f64::INFINITY } else { thresholds[i] };
                    gaussian_mass(lo, hi) * y * y
                })
                .sum::<f64>();
        Ok(Self { levels, thresholds, mse })
    }

    /// The reconstruction levels, increasing.
    pub fn levels(&self) -> &[f64] {
        &self.levels
    }

    /// The decision thresholds (midpoints of adjacent levels).
    pub fn thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    /// The mean squared error on `N(0, 1)` (exact integrals).
    pub fn mse(&self) -> f64 {
        self.mse
    }

    /// The index of the cell holding `x`.
    pub fn index(&self, x: f64) -> usize {
        self.thresholds.partition_point(|&t| t < x)
    }

    /// `levels[index(x)]`.
    pub fn quantize(&self, x: f64) -> f64 {
        self.levels[self.index(x)]
    }
}

/// Lloyd-Max on centred, normalised, rotated columns; see the module docs.
/// With [`LloydMaxScheme::with_fraction`] only the first `⌈κN⌉` rotated
/// coordinates are quantized and the rest dropped (time-sharing below `R*`).
#[derive(Debug)]
pub struct LloydMaxScheme {
    quantizer: LloydMax,
    bits: u32,
    rotation: SharedRotation,
    kept: usize,
}

impl LloydMaxScheme {
    /// `bits`-bit Lloyd-Max after centring, normalisation and `rotation`
    /// (drawn from `seed`) of columns of `rows` entries.
    pub fn new(bits: u32, rows: usize, rotation: Rotation, seed: u64) -> Result<Self> {
        let rotation = SharedRotation::new(rotation, rows, 1, seed)?;
        Ok(Self { quantizer: LloydMax::gaussian(bits)?, bits, kept: rotation.padded(), rotation })
    }

    /// Keeps only a fraction `κ ∈ (0, 1]` of the rotated coordinates.
    pub fn with_fraction(mut self, fraction: f64) -> Result<Self> {
        if !(fraction > 0.0 && fraction <= 1.0) {
            return Err(Error::invalid("fraction", fraction, "the time-sharing fraction lies in (0, 1]"));
        }
        self.kept = ((fraction * self.rotation.padded() as f64).ceil() as usize).clamp(1, self.rotation.padded());
        Ok(self)
    }

    /// The scalar quantizer.
    pub fn quantizer(&self) -> &LloydMax {
        &self.quantizer
    }

    fn reconstruct(&self, a: MatRef<'_, f64>) -> Result<(Mat<f64>, Vec<f64>)> {
        let (n, big_n) = (self.rotation.rows(), self.rotation.padded());
        let mut out = Mat::zeros(big_n, a.ncols());
        let mut means = Vec::with_capacity(a.ncols());
        let (mut col, mut centred) = (vec![0.0; n], vec![0.0; n]);
        for j in 0..a.ncols() {
            col.iter_mut().enumerate().for_each(|(i, c)| *c = a[(i, j)]);
            let stats = ColumnStats::centre(j, &col, &mut centred)?;
            let x = out.col_as_slice_mut(j);
            self.rotation.apply(&centred, x)?;
            let to_unit = (big_n as f64).sqrt() / stats.norm as f64;
            let (kept, dropped) = x.split_at_mut(self.kept);
            for v in kept.iter_mut() {
                *v = self.quantizer.quantize(*v * to_unit) / to_unit;
            }
            dropped.fill(0.0);
            means.push(stats.mean as f64);
        }
        Ok((out, means))
    }
}

impl ProductQuantizer for LloydMaxScheme {
    fn label(&self) -> String {
        if self.kept < self.rotation.padded() {
            format!("Lloyd-Max {}b κ={:.3}", self.bits, self.kept as f64 / self.rotation.padded() as f64)
        } else {
            format!("Lloyd-Max {}b", self.bits)
        }
    }
    fn rows(&self) -> usize {
        self.rotation.rows()
    }
    fn rate(&self) -> f64 {
        (self.bits as f64 * self.kept as f64 + 64.0) / self.rotation.rows() as f64
    }
    fn estimate(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
        check_operands(self.rows(), a, b)?;
        let ((ya, ma), (yb, mb)) = (self.reconstruct(a)?, self.reconstruct(b)?);
        Ok(rotated_product(ya.as_ref(), yb.as_ref(), &ma, &mb, self.rows()))
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
        gaussian_matrix(n, m, &mut Streams::for_point(3, "lattice-quant.scalar", tag).stream(0))
    }

    #[test]
    fn lloyd_max_matches_max_1960() {
        // Max (1960) / lattice_quant.md §9 for 1–4 bits. At 8 bits the notes
        // give 4.1199e-5; Lloyd's iteration run to a fixed point (here and in
        // an independent scipy run) gives 4.11851e-5, 0.03 % lower, so the
        // notes' value is taken as not fully converged (Lloyd's MSE only
        // decreases).
        for (bits, mse) in [(1, 0.36338), (2, 0.11748), (3, 0.034548), (4, 0.0095010), (8, 4.11851e-5)] {
            let q = LloydMax::gaussian(bits).unwrap();
            assert!((q.mse() / mse - 1.0).abs() < 2e-4, "{bits} bits: {} vs {mse}", q.mse());
            // Symmetric levels.
            let l = q.levels();
            assert!(l.iter().zip(l.iter().rev()).all(|(a, b)| (a + b).abs() < 1e-9));
        }
        let q1 = LloydMax::gaussian(1).unwrap();
        assert!((q1.levels()[1] - (2.0 / core::f64::consts::PI).sqrt()).abs() < 1e-12);
        assert_eq!(q1.index(-0.1), 0);
        assert_eq!(q1.index(0.1), 1);
        assert!(LloydMax::gaussian(0).is_err() && LloydMax::gaussian(13).is_err());
    }

    #[test]
    fn absmax_matches_the_monte_carlo_table() {
        // lattice_quant.md §9: int4 symmetric, g = 64 → operand MSE 0.0115;
        // the product distortion of an unbiased-error scheme is ≈ 2 D_op.
        let (a, b) = (gaussian(1024, 48, "a"), gaussian(1024, 48, "b"));
        let s = Absmax::new(4, 64, 1024).unwrap();
        assert!((s.rate() - 4.25).abs() < 1e-12);
        let rec = s.reconstruct(a.as_ref()).unwrap();
        let op = (&rec - &a).squared_norm_l2() / (1024.0 * 48.0);
        assert!((op / 0.0115 - 1.0).abs() < 0.05, "operand MSE {op}");
        let d = distortion(a.as_ref(), b.as_ref(), s.estimate(a.as_ref(), b.as_ref()).unwrap().as_ref()).unwrap();
        let db = 10.0 * (d / gamma(s.rate()).unwrap()).log10();
        assert!((5.5..7.0).contains(&db), "int4 g64 at {db:.2} dB over Γ");
        // 2-bit symmetric absmax has levels {−1, 0, 1}.
        let two = Absmax::new(2, 32, 1024).unwrap();
        let r2 = two.reconstruct(a.as_ref()).unwrap();
        let op2 = (&r2 - &a).squared_norm_l2() / (1024.0 * 48.0);
        assert!((op2 / 0.433 - 1.0).abs() < 0.05, "int2 g32 operand MSE {op2}");
    }

    #[test]
    fn rotation_is_paid_for_and_helps_on_outliers() {
        let rows = 100;
        let rot = Absmax::rotated(4, 32, rows, 1).unwrap();
        // 128 padded entries: (4·128 + 16·4)/100.
        assert!((rot.rate() - (4.0 * 128.0 + 64.0) / 100.0).abs() < 1e-12);
        // One huge entry per column ruins its group's scale without rotation.
        let mut a = gaussian(128, 16, "out");
        let b = gaussian(128, 16, "outb");
        for j in 0..16 {
            a[(j, j)] = 200.0;
        }
        let plain = Absmax::new(4, 32, 128).unwrap();
        let rotated = Absmax::rotated(4, 32, 128, 1).unwrap();
        let dp = distortion(a.as_ref(), b.as_ref(), plain.estimate(a.as_ref(), b.as_ref()).unwrap().as_ref()).unwrap();
        let dr =
            distortion(a.as_ref(), b.as_ref(), rotated.estimate(a.as_ref(), b.as_ref()).unwrap().as_ref()).unwrap();
        assert!(dr < dp, "rotated {dr} vs plain {dp}");
    }

    #[test]
    fn lloyd_max_scheme_product_distortion() {
        let (a, b) = (gaussian(1024, 32, "la"), gaussian(1024, 32, "lb"));
        let s = LloydMaxScheme::new(4, 1024, Rotation::Hadamard, 0).unwrap();
        let d = distortion(a.as_ref(), b.as_ref(), s.estimate(a.as_ref(), b.as_ref()).unwrap().as_ref()).unwrap();
        // Centroid reconstructions: D = 1 − (1 − D_A)(1 − D_B) ≈ 0.01891 (§9).
        assert!((d / 0.01891 - 1.0).abs() < 0.1, "{d}");
        assert!(d > gamma(s.rate()).unwrap());
    }

    #[test]
    fn time_sharing_keeps_a_fraction() {
        // 256 × 256 product entries: a 32 × 32 product fluctuates by ±10 %.
        let (a, b) = (gaussian(1024, 256, "ta"), gaussian(1024, 256, "tb"));
        let s = LloydMaxScheme::new(1, 1024, Rotation::Hadamard, 0).unwrap().with_fraction(0.5).unwrap();
        assert!((s.rate() - (512.0 + 64.0) / 1024.0).abs() < 1e-12);
        let d = distortion(a.as_ref(), b.as_ref(), s.estimate(a.as_ref(), b.as_ref()).unwrap().as_ref()).unwrap();
        // D = 1 − κ (1 − D_op)² = 1 − 0.5 · 0.63662² = 0.7974.
        assert!((d - 0.7974).abs() < 0.03, "{d}");
        assert!(LloydMaxScheme::new(1, 64, Rotation::None, 0).unwrap().with_fraction(0.0).is_err());
    }

    #[test]
    fn bad_input() {
        assert!(Absmax::new(1, 32, 64).is_err());
        assert!(Absmax::new(4, 0, 64).is_err());
        assert!(Absmax::new(4, 32, 0).is_err());
        let s = Absmax::new(4, 32, 64).unwrap();
        let mut a = gaussian(64, 2, "bad");
        assert!(s.estimate(a.as_ref(), gaussian(63, 2, "x").as_ref()).is_err());
        a[(1, 1)] = f64::INFINITY;
        assert!(matches!(s.estimate(a.as_ref(), a.as_ref()), Err(Error::NonFinite { .. })));
        let huge = Mat::from_fn(64, 1, |i, _| if i == 0 { 1e9 } else { 0.0 });
        assert!(s.estimate(huge.as_ref(), huge.as_ref()).is_err());
        let zero = Mat::<f64>::zeros(64, 1);
        assert!(s.estimate(zero.as_ref(), zero.as_ref()).is_ok());
        let lm = LloydMaxScheme::new(3, 64, Rotation::None, 0).unwrap();
        assert!(matches!(lm.estimate(zero.as_ref(), zero.as_ref()), Err(Error::ZeroColumn { column: 0 })));
    }
}
