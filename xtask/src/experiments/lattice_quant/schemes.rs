//! The quantization schemes the lattice-quant experiments compare, built
//! from a serialisable description.

use anyhow::Result;
use infoflow_lattice_quant::lattice::Gosset;
use infoflow_lattice_quant::lut::{LutConfig, LutQuantizer};
use infoflow_lattice_quant::matrix::{MatrixQuantizer, Mmse, QuantizerConfig, Rotation};
use infoflow_lattice_quant::product::ProductQuantizer;
use infoflow_lattice_quant::scalar::{Absmax, LloydMaxScheme};
use infoflow_lattice_quant::vq::{GaussianCodebook, VqScheme};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// One scheme and its settings: a tagged enum, so every scheme carries
/// exactly the fields it uses (serialised with a `"kind"` tag).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Spec {
    /// E8 Voronoi code, first fit over `scales`.
    E8 {
        /// Nesting ratio.
        q: u32,
        /// Coarse scales `β₀`.
        scales: Vec<f64>,
        /// Time-sharing fraction (1 = none).
        fraction: f64,
        /// Randomized Hadamard rotation (false: none).
        rotated: bool,
        /// The fixed Gaussian MMSE factor.
        mmse: bool,
    },
    /// The two-layer D4 code of the code-domain GEMV.
    D4Lut {
        /// Randomized Hadamard rotation.
        rotated: bool,
    },
    /// Symmetric absmax int-`bits` with groups of `group`.
    Absmax {
        /// Bits per entry.
        bits: u32,
        /// Group length.
        group: usize,
        /// Randomized Hadamard rotation.
        rotated: bool,
    },
    /// Lloyd-Max on normalised columns.
    LloydMax {
        /// Bits per entry.
        bits: u32,
        /// Time-sharing fraction (1 = none).
        fraction: f64,
        /// Randomized Hadamard rotation.
        rotated: bool,
    },
    /// An 8-dimensional Lloyd VQ with `size` codewords.
    Vq {
        /// Codebook size.
        size: usize,
        /// Time-sharing fraction (1 = none).
        fraction: f64,
        /// Randomized Hadamard rotation.
        rotated: bool,
    },
}

impl Spec {
    /// E8 Voronoi code, first fit over `scales`, with the fixed Gaussian
    /// MMSE factor.
    pub fn e8(q: u32, scales: &[f64]) -> Self {
        Spec::E8 { q, scales: scales.to_vec(), fraction: 1.0, rotated: true, mmse: true }
    }

    /// The same scheme without MMSE scaling (E8 only).
    pub fn without_mmse(mut self) -> Self {
        if let Spec::E8 { mmse, .. } = &mut self {
            *mmse = false;
        }
        self
    }

    /// The two-layer D4 code of the code-domain GEMV.
    pub fn d4_lut() -> Self {
        Spec::D4Lut { rotated: true }
    }

    /// Symmetric absmax int-`bits` with groups of `group`.
    pub fn absmax(bits: u32, group: usize, rotated: bool) -> Self {
        Spec::Absmax { bits, group, rotated }
    }

    /// Lloyd-Max on normalised rotated columns.
    pub fn lloyd_max(bits: u32) -> Self {
        Spec::LloydMax { bits, fraction: 1.0, rotated: true }
    }

    /// An 8-dimensional Lloyd VQ with `size` codewords.
    pub fn vq(size: usize) -> Self {
        Spec::Vq { size, fraction: 1.0, rotated: true }
    }

    /// The same scheme with time-sharing fraction `kappa` (schemes without
    /// time-sharing are returned unchanged).
    pub fn with_fraction(mut self, kappa: f64) -> Self {
        if let Spec::E8 { fraction, .. } | Spec::LloydMax { fraction, .. } | Spec::Vq { fraction, .. } = &mut self {
            *fraction = kappa;
        }
        self
    }

    /// The same scheme without rotation.
    pub fn unrotated(mut self) -> Self {
        match &mut self {
            Spec::E8 { rotated, .. }
            | Spec::D4Lut { rotated }
            | Spec::Absmax { rotated, .. }
            | Spec::LloydMax { rotated, .. }
            | Spec::Vq { rotated, .. } => *rotated = false,
        }
        self
    }

    /// Whether the scheme rotates its columns.
    pub fn rotated(&self) -> bool {
        match *self {
            Spec::E8 { rotated, .. }
            | Spec::D4Lut { rotated }
            | Spec::Absmax { rotated, .. }
            | Spec::LloydMax { rotated, .. }
            | Spec::Vq { rotated, .. } => rotated,
        }
    }

    /// The time-sharing fraction (1 for schemes without time-sharing).
    pub fn fraction(&self) -> f64 {
        match *self {
            Spec::E8 { fraction, .. } | Spec::LloydMax { fraction, .. } | Spec::Vq { fraction, .. } => fraction,
            Spec::D4Lut { .. } | Spec::Absmax { .. } => 1.0,
        }
    }

    /// A short stable key fragment.
    pub fn key(&self) -> String {
        let rot = if self.rotated() { "" } else { ",norot" };
        let ts = if self.fraction() < 1.0 { format!(",kappa={}", self.fraction()) } else { String::new() };
        match self {
            Spec::E8 { q, scales, mmse, .. } => format!(
                "e8,q={q},scales={}{ts}{rot}{}",
                scales.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("+"),
                if *mmse { ",mmse" } else { "" }
            ),
            Spec::Absmax { bits, group, .. } => format!("absmax,int{bits},g={group}{rot}"),
            Spec::LloydMax { bits, .. } => format!("lloyd-max,{bits}b{ts}{rot}"),
            Spec::Vq { size, .. } => format!("vq,K={size}{ts}{rot}"),
            Spec::D4Lut { .. } => format!("d4-lut{rot}"),
        }
    }

    /// The family a plot groups it in.
    pub fn family(&self) -> String {
        let shared = self.fraction() < 1.0;
        match self {
            Spec::E8 { .. } if shared => "E8 k=4, time-sharing".into(),
            Spec::E8 { scales, mmse: true, .. } if scales.first() == Some(&4.0) => "E8 q=14, NestQuant scales".into(),
            Spec::E8 { scales, mmse: false, .. } if scales.first() == Some(&4.0) => {
                "E8 q=14, NestQuant scales, no MMSE".into()
            }
            Spec::E8 { scales, mmse: false, .. } => format!("E8 k={}, no MMSE", scales.len()),
            Spec::E8 { scales, .. } => format!("E8 k={}", scales.len()),
            Spec::Absmax { group, rotated, .. } => {
                format!("{}absmax g={group}", if *rotated { "rotated " } else { "" })
            }
            Spec::LloydMax { .. } if shared => "Lloyd-Max 1b, time-sharing".into(),
            Spec::LloydMax { .. } => "Lloyd-Max".into(),
            Spec::Vq { .. } if shared => "8-dim VQ K=256, time-sharing".into(),
            Spec::Vq { .. } => "8-dim VQ (spread)".into(),
            Spec::D4Lut { .. } => "D4 two-layer (LUT GEMV)".into(),
        }
    }

    /// Builds the scheme for columns of `rows` entries.
    pub fn build(&self, rows: usize, seed: u64) -> Result<Box<dyn ProductQuantizer>> {
        let rotation = if self.rotated() { Rotation::Hadamard } else { Rotation::None };
        Ok(match self {
            Spec::E8 { q, scales, fraction, mmse, .. } => {
                let config = QuantizerConfig {
                    scales: scales.clone(),
                    rotation,
                    seed,
                    fraction: *fraction,
                    mmse: if *mmse { Mmse::Gaussian } else { Mmse::Off },
                    ..QuantizerConfig::e8(*q)
                };
                Box::new(MatrixQuantizer::new(Gosset, config, rows)?)
            }
            Spec::D4Lut { .. } => {
                Box::new(LutQuantizer::new(LutConfig { rotation, seed, ..LutConfig::default() }, rows)?)
            }
            Spec::Absmax { bits, group, rotated: true } => Box::new(Absmax::rotated(*bits, *group, rows, seed)?),
            Spec::Absmax { bits, group, rotated: false } => Box::new(Absmax::new(*bits, *group, rows)?),
            Spec::LloydMax { bits, fraction, .. } => {
                Box::new(LloydMaxScheme::new(*bits, rows, rotation, seed)?.with_fraction(*fraction)?)
            }
            Spec::Vq { size, fraction, .. } => {
                Box::new(VqScheme::new(codebook(*size)?, rows, rotation, seed)?.with_fraction(*fraction)?)
            }
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
