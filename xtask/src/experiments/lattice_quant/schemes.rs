//! The quantization schemes the lattice-quant experiments compare, built
//! from a serialisable description.

use anyhow::{Result, bail};
use infoflow_lattice_quant::lattice::Gosset;
use infoflow_lattice_quant::lut::{LutConfig, LutQuantizer};
use infoflow_lattice_quant::matrix::{MatrixQuantizer, Mmse, QuantizerConfig, Rotation};
use infoflow_lattice_quant::product::ProductQuantizer;
use infoflow_lattice_quant::scalar::{Absmax, LloydMaxScheme};
use infoflow_lattice_quant::vq::{GaussianCodebook, VqScheme};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// One scheme and its settings (unused fields are zero).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// `"e8"`, `"d4-lut"`, `"absmax"`, `"lloyd-max"` or `"vq"`.
    pub kind: String,
    /// Nesting ratio (`e8`).
    pub q: u32,
    /// Coarse scales `β₀` (`e8`).
    pub scales: Vec<f64>,
    /// Bits per entry (`absmax`, `lloyd-max`).
    pub bits: u32,
    /// Group length (`absmax`).
    pub group: usize,
    /// Time-sharing fraction (`e8`, `lloyd-max`; 1 = none).
    pub fraction: f64,
    /// Randomized Hadamard rotation (false: none).
    pub rotated: bool,
    /// Codebook size (`vq`, 8-dimensional blocks).
    pub size: usize,
    /// Gaussian MMSE scaling (`e8`).
    pub mmse: bool,
}

impl Spec {
    fn base(kind: &str) -> Self {
        Self {
            kind: kind.into(),
            q: 0,
            scales: vec![],
            bits: 0,
            group: 0,
            fraction: 1.0,
            rotated: true,
            size: 0,
            mmse: false,
        }
    }

    /// E8 Voronoi code, first fit over `scales`, with the fixed Gaussian
    /// MMSE factor.
    pub fn e8(q: u32, scales: &[f64]) -> Self {
        Self { q, scales: scales.to_vec(), mmse: true, ..Self::base("e8") }
    }

    /// The same scheme without MMSE scaling.
    pub fn without_mmse(mut self) -> Self {
        self.mmse = false;
        self
    }

    /// The two-layer D4 code of the code-domain GEMV.
    pub fn d4_lut() -> Self {
        Self::base("d4-lut")
    }

    /// Symmetric absmax int-`bits` with groups of `group`.
    pub fn absmax(bits: u32, group: usize, rotated: bool) -> Self {
        Self { bits, group, rotated, ..Self::base("absmax") }
    }

    /// Lloyd-Max on normalised rotated columns.
    pub fn lloyd_max(bits: u32) -> Self {
        Self { bits, ..Self::base("lloyd-max") }
    }

    /// An 8-dimensional Lloyd VQ with `size` codewords.
    pub fn vq(size: usize) -> Self {
        Self { size, ..Self::base("vq") }
    }

    /// The same scheme with time-sharing fraction `fraction`.
    pub fn with_fraction(mut self, fraction: f64) -> Self {
        self.fraction = fraction;
        self
    }

    /// The same scheme without rotation.
    pub fn unrotated(mut self) -> Self {
        self.rotated = false;
        self
    }

    /// A short stable key fragment.
    pub fn key(&self) -> String {
        let rot = if self.rotated { "" } else { ",norot" };
        let ts = if self.fraction < 1.0 { format!(",kappa={}", self.fraction) } else { String::new() };
        let mmse = if self.mmse { ",mmse" } else { "" };
        match self.kind.as_str() {
            "e8" => format!(
                "e8,q={},scales={}{ts}{rot}{mmse}",
                self.q,
                self.scales.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("+")
            ),
            "absmax" => format!("absmax,int{},g={}{rot}", self.bits, self.group),
            "lloyd-max" => format!("lloyd-max,{}b{ts}{rot}", self.bits),
            "vq" => format!("vq,K={}{ts}{rot}", self.size),
            other => format!("{other}{rot}"),
        }
    }

    /// The family a plot groups it in.
    pub fn family(&self) -> String {
        match self.kind.as_str() {
            "e8" if self.fraction < 1.0 => "E8 k=4, time-sharing".into(),
            "e8" if self.scales.first() == Some(&4.0) => "E8 q=14, NestQuant scales".into(),
            "e8" if !self.mmse => format!("E8 k={}, no MMSE", self.scales.len()),
            "e8" => format!("E8 k={}", self.scales.len()),
            "absmax" => format!("{}absmax g={}", if self.rotated { "rotated " } else { "" }, self.group),
            "lloyd-max" if self.fraction < 1.0 => "Lloyd-Max 1b, time-sharing".into(),
            "lloyd-max" => "Lloyd-Max".into(),
            "vq" if self.fraction < 1.0 => "8-dim VQ K=256, time-sharing".into(),
            "vq" => "8-dim VQ (spread)".into(),
            "d4-lut" => "D4 two-layer (LUT GEMV)".into(),
            other => other.into(),
        }
    }

    /// Builds the scheme for columns of `rows` entries.
    pub fn build(&self, rows: usize, seed: u64) -> Result<Box<dyn ProductQuantizer>> {
        let rotation = if self.rotated { Rotation::Hadamard } else { Rotation::None };
        Ok(match self.kind.as_str() {
            "e8" => {
                let config = QuantizerConfig {
                    scales: self.scales.clone(),
                    rotation,
                    seed,
                    fraction: self.fraction,
                    mmse: if self.mmse { Mmse::Gaussian } else { Mmse::Off },
                    ..QuantizerConfig::e8(self.q)
                };
                Box::new(MatrixQuantizer::new(Gosset, config, rows)?)
            }
            "d4-lut" => Box::new(LutQuantizer::new(LutConfig { rotation, seed, ..LutConfig::default() }, rows)?),
            "absmax" if self.rotated => Box::new(Absmax::rotated(self.bits, self.group, rows, seed)?),
            "absmax" => Box::new(Absmax::new(self.bits, self.group, rows)?),
            "lloyd-max" => {
                Box::new(LloydMaxScheme::new(self.bits, rows, rotation, seed)?.with_fraction(self.fraction)?)
            }
            "vq" => Box::new(VqScheme::new(codebook(self.size)?, rows, rotation, seed)?.with_fraction(self.fraction)?),
            other => bail!("unknown scheme {other}"),
        })
    }
}

/// The 8-dimensional Lloyd codebook with `size` codewords: a fixed design
/// (seed 0), like a standard's table, built once per process.
fn codebook(size: usize) -> Result<GaussianCodebook> {
    static CACHE: OnceLock<Mutex<HashMap<usize, GaussianCodebook>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().expect("codebook cache").get(&size) {
        return Ok(c.clone());
    }
    let designed = GaussianCodebook::design(8, size, 0)?;
    cache.lock().expect("codebook cache").insert(size, designed.clone());
    Ok(designed)
}

/// The coarse scale sets of the reference tuning (coordinate descent with
/// the top scale fixed at 10), by `q`. At `q = 3` and `q = 4` a top scale
/// of 10 overloads (101 and 17 of 3.4·10⁷ Gaussian blocks, measured with
/// the top scale alone: the fine lattice is so coarse that `Q(x/β)` can
/// leave the shaping region for `‖x‖` near 6), so there the top scale is
/// raised to 14 and 12 (no overload in 3.4·10⁷ blocks); for `q ≥ 6` a top
/// scale of 10 showed none either.
pub fn tuned_scales(q: u32) -> Result<[f64; 4]> {
    Ok(match q {
        3 => [3.39, 4.60, 6.26, 14.0],
        4 => [3.45, 4.54, 6.01, 12.0],
        6 => [3.45, 4.54, 5.89, 10.0],
        8 => [3.26, 4.23, 5.58, 10.0],
        11 => [3.26, 4.35, 5.70, 10.0],
        14 => [3.26, 4.29, 5.76, 10.0],
        16 => [3.33, 4.35, 5.64, 10.0],
        32 => [3.33, 4.29, 5.70, 10.0],
        other => bail!("no tuned scale set for q = {other}"),
    })
}
