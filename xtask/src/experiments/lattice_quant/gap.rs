//! `lattice-quant.gap`: how close the practical E8 scheme gets to `Γ(R)`
//! near 4 bits per entry, and what closes the gap.
//!
//! Work is on blocks of 8 iid `N(0, 1)` entries (what rotated, normalised
//! columns look like); the product distortion of independent blocks is the
//! per-entry distortion `D` of `AᵀB` (arXiv 2410.13780), computed from the
//! error moments by [`infoflow_lattice_quant::scales::BlockStats`]
//! (`D = 2d + d² + 2γ² + 4γd`; the scale sets, Huffman index codes and the
//! tuning are that module's too). The decoder's MMSE factor
//! `α = E[x x̂]/E[x̂²]` is fixed on the training blocks and applied to both
//! operands (`ε → (α − 1)x + αε`). Rates are bits per entry of a column of `n = 4096` entries: the lattice indices,
//! the scale indices, and 64 bits of column side information.
//!
//! Variants, each tuned on training blocks and measured on fresh ones:
//!
//! * `fixed-k4-table`: `q = 16`, the four scales of §6, 2-bit index (the
//!   reference; without MMSE it reproduces §6's 2.33 dB at the nominal rate);
//! * `fixed-k4-tuned`: the three lower scales re-tuned by coordinate search;
//! * `huffman-k4`, `huffman-k8`: scale indices Huffman-coded with lengths
//!   from the training usage (a real prefix code, its mean length on the
//!   test blocks counted), scales tuned for the gap at the resulting rate;
//! * `huffman-k8-best`: as `huffman-k8`, choosing per block the scale with
//!   the smallest error instead of the first that fits;
//! * `eclq`: the unshaped E8 lattice with its points range-coded under a
//!   Gaussian model ([`infoflow_lattice_quant::entropy`]): real Gaussian
//!   matrices `A`, `B` (`n = 4096`) are encoded, the rate is the measured
//!   size of the encodings (streams, coder state, mean, norm and stream
//!   length per column) and the distortion that of the product estimate.
//!   High-resolution theory puts it `10 log₁₀(2πe G(E8)) = 0.88 dB` above
//!   `Γ` at its nominal rate `h(N(0,1)) − log₂ β`, plus `6.02 dB` per bit of
//!   overhead.
//!
//! Target (issue): at most 1.5 dB above `Γ(R)` with an implemented scheme.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::{Result, bail};
use infoflow_lattice_quant::bounds::{db_above, gamma};
use infoflow_lattice_quant::entropy::EntropyCodedE8;
use infoflow_lattice_quant::lattice::Gosset;
use infoflow_lattice_quant::preprocess::Rotation;
use infoflow_lattice_quant::product::distortion;
use infoflow_lattice_quant::scales::{self, BlockStats, Objective, ScaleCode, Selection};
use infoflow_lattice_quant::voronoi::VoronoiCode;
use infoflow_numerics::linalg::gaussian_matrix;
use infoflow_numerics::rng::Streams;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::f64::consts::{E, PI};

/// The experiment.
pub struct Gap;

/// Column length the side information is spread over.
const COLUMN: f64 = 4096.0;
/// Nesting ratio of the Voronoi variants.
const Q: u32 = 16;
/// Rates counted as "near 4 bits per entry".
const NEAR_4: std::ops::RangeInclusive<f64> = 3.5..=4.6;
/// `G(E8) = 929/12960`.
const G_E8: f64 = 929.0 / 12960.0;

crate::names! {
    /// The variants: fixed-rate E8 Voronoi codes (the table's scales, tuned
    /// scales, Huffman-coded scale indices with 4 or 8 scales, best-scale
    /// choice) and the entropy-coded E8 lattice.
    pub enum Variant {
        FixedK4Table = "fixed-k4-table",
        FixedK4Tuned = "fixed-k4-tuned",
        HuffmanK4 = "huffman-k4",
        HuffmanK8 = "huffman-k8",
        HuffmanK8Best = "huffman-k8-best",
        Eclq = "eclq",
    }
}

/// One variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The variant (see the module docs).
    pub variant: Variant,
    /// Nominal rate in bits per entry (`eclq` only).
    pub nominal_rate: f64,
    /// Columns of each operand (`eclq` only).
    pub columns: usize,
    /// Training blocks.
    pub train: usize,
    /// Test blocks.
    pub test: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        if self.variant == Variant::Eclq {
            format!("eclq,rate={}", self.nominal_rate)
        } else {
            self.variant.to_string()
        }
    }
}

/// What a variant reached on the test blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Coarse scales used (Voronoi variants).
    pub scales: Vec<f64>,
    /// Bits per entry for lattice indices.
    pub index_bits: f64,
    /// Bits per entry for scale indices.
    pub scale_bits: f64,
    /// Bits per entry of column side information (and coder overhead).
    pub side_bits: f64,
    /// Product distortion with the MMSE factor.
    pub distortion: f64,
    /// Product distortion without it.
    pub distortion_plain: f64,
    /// The ECLQ distortion's standard error over its product entries (rows
    /// and columns of the product share their operands' errors, so it adds
    /// the row-mean, column-mean and residual variances); 0 for the others.
    pub distortion_std_error: f64,
    /// Share of test blocks per scale.
    pub usage: Vec<f64>,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.index_bits + self.scale_bits + self.side_bits
    }
}

fn gaussian_blocks(blocks: usize, streams: &Streams, index: u64) -> Vec<f64> {
    let mut rng = streams.stream(index);
    (0..8 * blocks).map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal)).collect()
}

fn run_voronoi(p: &Params, streams: &Streams) -> Result<Measured> {
    let code = VoronoiCode::new(Gosset, Q)?;
    let train = gaussian_blocks(p.train, streams, 0);
    let test = gaussian_blocks(p.test, streams, 1);
    let table = scales::tuned(Q)?.to_vec();
    let geometric: Vec<f64> = (0..8).map(|i| if i == 7 { 10.0 } else { 2.9 * 1.16f64.powi(i) }).collect();
    let objective = |selection: Selection, huffman: bool| Objective { selection, huffman, side_bits: 64.0 / COLUMN };
    let (start, objective, tuned) = match p.variant {
        Variant::FixedK4Table => (table, objective(Selection::FirstFit, false), false),
        Variant::FixedK4Tuned => (table, objective(Selection::FirstFit, false), true),
        Variant::HuffmanK4 => (table, objective(Selection::FirstFit, true), true),
        Variant::HuffmanK8 => (geometric, objective(Selection::FirstFit, true), true),
        Variant::HuffmanK8Best => (geometric, objective(Selection::Best, true), true),
        Variant::Eclq => bail!("the entropy-coded lattice is not a Voronoi variant"),
    };
    let scales = if tuned { scales::tune(&code, &start, &train, &objective)? } else { start };
    // The index code and the MMSE factor are fixed on the training blocks.
    let trained = BlockStats::measure(&code, &scales, &train, objective.selection)?;
    let index_code =
        if objective.huffman { ScaleCode::huffman(&trained.counts)? } else { ScaleCode::fixed(scales.len())? };
    let m = BlockStats::measure(&code, &scales, &test, objective.selection)?;
    let total = m.blocks();
    Ok(Measured {
        index_bits: (Q as f64).log2(),
        scale_bits: index_code.mean_bits(&m.counts)? / 8.0,
        side_bits: 64.0 / COLUMN,
        distortion: m.product_distortion(trained.mmse_alpha()),
        distortion_plain: m.product_distortion(1.0),
        distortion_std_error: 0.0,
        usage: m.counts.iter().map(|&c| c as f64 / total as f64).collect(),
        scales,
    })
}

fn run_eclq(p: &Params, streams: &Streams) -> Result<Measured> {
    let n = COLUMN as usize;
    let a = gaussian_matrix(n, p.columns, &mut streams.stream(0));
    let b = gaussian_matrix(n, p.columns, &mut streams.stream(1));
    let q = EntropyCodedE8::for_rate(p.nominal_rate, n, Rotation::Hadamard, 1)?;
    let (ea, eb) = (q.encode(a.as_ref())?, q.encode(b.as_ref())?);
    let entries = (n * 2 * p.columns) as f64;
    let stream_bits: usize = ea.columns.iter().chain(&eb.columns).map(|c| 8 * c.bytes.len()).sum();
    let total = (ea.bits() + eb.bits()) as f64;
    let estimate = q.product(&ea, &eb)?;
    let with_mmse = distortion(a.as_ref(), b.as_ref(), estimate.as_ref())?;
    let distortion_std_error = two_way_std_error(&(a.transpose() * &b - &estimate), n as f64)?;
    let plain = q.with_mmse(false);
    let without = distortion(a.as_ref(), b.as_ref(), plain.product(&ea, &eb)?.as_ref())?;
    Ok(Measured {
        scales: vec![plain.beta()],
        index_bits: stream_bits as f64 / entries,
        scale_bits: 0.0,
        side_bits: (total - stream_bits as f64) / entries,
        distortion: with_mmse,
        distortion_plain: without,
        distortion_std_error,
        usage: vec![],
    })
}

/// The standard error of the mean of `E_ij²/n` over an `a × b` array whose
/// rows and columns share effects: `var(row means)/a + var(column
/// means)/b + var(residual)/(ab)`.
fn two_way_std_error(err: &faer::Mat<f64>, n: f64) -> Result<f64> {
    let (ra, cb) = (err.nrows(), err.ncols());
    let sq = |i: usize, j: usize| err[(i, j)] * err[(i, j)] / n;
    let mean =
        (0..ra).flat_map(|i| (0..cb).map(move |j| (i, j))).map(|(i, j)| sq(i, j)).sum::<f64>() / (ra * cb) as f64;
    let rows: Vec<f64> = (0..ra).map(|i| (0..cb).map(|j| sq(i, j)).sum::<f64>() / cb as f64).collect();
    let cols: Vec<f64> = (0..cb).map(|j| (0..ra).map(|i| sq(i, j)).sum::<f64>() / ra as f64).collect();
    let var = |v: &[f64]| v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0);
    let mut resid = 0.0;
    for (i, row) in rows.iter().enumerate() {
        for (j, col) in cols.iter().enumerate() {
            resid += (sq(i, j) - row - col + mean).powi(2);
        }
    }
    let resid = resid / ((ra - 1) * (cb - 1)) as f64;
    let se = (var(&rows) / ra as f64 + var(&cols) / cb as f64 + resid / (ra * cb) as f64).sqrt();
    if !se.is_finite() {
        bail!("the distortion's standard error is not finite ({ra} × {cb} entries)");
    }
    Ok(se)
}

impl Experiment for Gap {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "lattice-quant.gap",
            title: "Closing the gap to Gamma(R) near 4 bits: tuned scales, entropy-coded scale indices, best-scale choice, the entropy-coded E8 lattice",
            paper: "2410.13780",
            figure: "arXiv 2410.13780 and 2502.09720: how close the practical E8 scheme gets to Gamma(R) near 4 bits per entry",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (train, test) = match profile {
            Profile::Smoke => (1 << 11, 1 << 13),
            Profile::Quick => (1 << 14, 1 << 17),
            Profile::Paper => (1 << 16, 1 << 20),
        };
        let mut pts: Vec<Params> = Variant::ALL
            .into_iter()
            .filter(|&v| v != Variant::Eclq)
            .map(|variant| Params { variant, nominal_rate: 0.0, columns: 0, train, test })
            .collect();
        let columns = match profile {
            Profile::Smoke => 64,
            Profile::Quick => 256,
            Profile::Paper => 1024,
        };
        for nominal_rate in [3.5, 3.75, 4.0, 4.25, 4.5] {
            pts.push(Params { variant: Variant::Eclq, nominal_rate, columns, train: 0, test: 0 });
        }
        pts
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        if p.variant == Variant::Eclq { run_eclq(p, streams) } else { run_voronoi(p, streams) }
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&[
            "variant",
            "nominal_rate",
            "scales",
            "index_bits",
            "scale_bits",
            "side_bits",
            "rate",
            "distortion",
            "db_above_gamma",
            "db_above_gamma_no_mmse",
            "usage",
        ]);
        let (mut impl_r, mut impl_g, mut eclq_r, mut eclq_g) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut voronoi_best = (f64::INFINITY, String::new(), 0.0);
        let mut eclq_best = (f64::INFINITY, 0.0);
        for (p, m) in records {
            let g = gamma(m.rate())?;
            let gap = db_above(m.distortion, g);
            let gap_plain = db_above(m.distortion_plain, g);
            let fmt = |v: &[f64]| v.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(" ");
            table.push(vec![
                Cell::from(p.variant.name()),
                Cell::from(p.nominal_rate),
                Cell::from(fmt(&m.scales).as_str()),
                Cell::from(m.index_bits),
                Cell::from(m.scale_bits),
                Cell::from(m.side_bits),
                Cell::from(m.rate()),
                Cell::from(m.distortion),
                Cell::from(gap),
                Cell::from(gap_plain),
                Cell::from(fmt(&m.usage).as_str()),
            ])?;
            if p.variant == Variant::Eclq {
                eclq_r.push(m.rate());
                eclq_g.push(gap);
                if NEAR_4.contains(&m.rate()) && gap < eclq_best.0 {
                    eclq_best = (gap, m.rate());
                }
                if p.nominal_rate == 4.0 {
                    let predicted = 10.0 * (2.0 * PI * E * G_E8).log10() + 20.0 * 2f64.log10() * (m.rate() - 4.0);
                    // Sampling: 3.29 s.e. of D in dB. Higher order: the
                    // product distortion is 2d + d² + … in the per-entry
                    // error d ≈ 2πeG·2^{−2R}, so the leading term misses a
                    // relative d/2.
                    let db = 10.0 / std::f64::consts::LN_10;
                    let sampling = db * 3.29 * m.distortion_std_error / m.distortion;
                    let higher = db * 0.5 * 2.0 * PI * E * G_E8 * 2f64.powf(-2.0 * p.nominal_rate);
                    claims.push(
                        Claim::close(
                            "eclq-meets-high-resolution-theory",
                            "entropy-coded E8 at nominal 4 bits: gap = 10 log10(2 pi e G(E8)) + 6.02 dB per bit of measured overhead",
                            predicted,
                            gap,
                            sampling + higher,
                        ).with_basis(format!("3.29 s.e. of D over its product entries ({sampling:.3} dB) + the d/2 high-resolution term ({higher:.3} dB)"))
                        .with_note(format!(
                            "measured rate {:.4} bits per entry (stream {:.4}, side information {:.4}); {} product entries, relative s.e. of D {:.4}",
                            m.rate(),
                            m.index_bits,
                            m.side_bits,
                            p.columns * p.columns,
                            m.distortion_std_error / m.distortion
                        )),
                    );
                }
            } else {
                impl_r.push(m.rate());
                impl_g.push(gap);
                if gap < voronoi_best.0 {
                    voronoi_best = (gap, p.variant.to_string(), m.rate());
                }
            }
            if p.variant == Variant::FixedK4Table {
                let nominal = db_above(m.distortion_plain, gamma(m.index_bits + m.scale_bits)?);
                claims.push(
                    Claim::close(
                        "reproduces-section-6",
                        "E8, q = 16, the four default scales, no MMSE, nominal rate 4.25: 2.33 dB above Gamma in a reference computation of this project",
                        2.33,
                        nominal,
                        0.1,
                    ).with_basis("about 3.29 s.e. of both estimates")
                    .with_note("§6 is an independent pure-Python reproduction (60k blocks); tolerance 0.1 dB for both Monte-Carlo errors"),
                );
            }
        }
        let find = |v: Variant| records.iter().find(|(p, _)| p.variant == v).map(|(_, m)| m);
        if let (Some(fixed), Some(coded)) = (find(Variant::FixedK4Tuned), find(Variant::HuffmanK4)) {
            let saved =
                db_above(fixed.distortion, gamma(fixed.rate())?) - db_above(coded.distortion, gamma(coded.rate())?);
            claims.push(
                Claim::at_least(
                    "entropy-coded-index-helps",
                    "Huffman-coding the scale index (k = 4) moves the scheme closer to Gamma than the fixed 2-bit index",
                    0.0,
                    saved,
                ).with_basis("theory gives a sign")
                .with_note(format!(
                    "dB saved; index {:.3} vs {:.3} bits per entry; a reference computation of this project expects ~0.3-0.4 dB from H = 1.3-1.6 bits per block",
                    coded.scale_bits, fixed.scale_bits
                )),
            );
        }
        claims.push(
            Claim::at_most(
                "gap-target-1.5db",
                "an implemented scheme at 3.5 to 4.6 bits per entry (all side information counted) comes within 1.5 dB of Gamma(R)",
                1.5,
                eclq_best.0.min(voronoi_best.0),
            ).with_basis("engineering target (issue)")
            .with_note(format!(
                "entropy-coded E8 (measured bitstreams): {:.2} dB at R = {:.3}; best fixed-rate Voronoi variant: {} at R = {:.4} ({:.2} dB)",
                eclq_best.0, eclq_best.1, voronoi_best.1, voronoi_best.2, voronoi_best.0
            ))
            .as_target(),
        );
        out.table("table", &table)?;
        let rates: Vec<f64> = (0..=60).map(|i| 3.0 + 0.04 * i as f64).collect();
        out.figure(
            "gap",
            &Figure::single(
                "Gap to Gamma(R) near 4 bits per entry (n = 4096 side information included)",
                Panel::Xy(XyPanel {
                    title: "E8 Voronoi variants (q = 16) and the entropy-coded E8 lattice".into(),
                    x: Axis::linear("R (bits per entry)"),
                    y: Axis::linear("dB above Gamma(R)"),
                    series: vec![
                        Series::markers("Voronoi variants", impl_r, impl_g),
                        Series::line_markers("entropy-coded E8 (measured bitstreams)", eclq_r, eclq_g).with_color(1),
                        Series::dashed("target 1.5 dB", rates.clone(), vec![1.5; rates.len()]).with_color(2),
                        Series::dashed(
                            "E8 granular limit 0.65 dB below 1.53",
                            rates.clone(),
                            vec![1.533 - 0.654; rates.len()],
                        )
                        .with_color(3),
                    ],
                    legend: Legend::UpperRight,
                }),
            )
            .with_caption("Closing the gap to Gamma(R) near 4 bits per entry (arXiv 2410.13780 with the practical E8 scheme of arXiv 2502.09720): each E8 Voronoi variant (tuned scales, entropy-coded scale indices, best-scale choice) and the entropy-coded E8 lattice, in dB above Gamma(R), against the 1.5 dB engineering target (dashed)."),
        )?;
        Ok(claims)
    }
}
