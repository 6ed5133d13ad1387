//! `lattice-quant.rate-distortion`: the distortion of `AᵀB` against the rate
//! for iid Gaussian matrices, every scheme of the crate next to the bound
//! `Γ(R)` of arXiv 2410.13780.
//!
//! `A` and `B` are `n × a` with iid `N(0, 1)` entries (independent trials),
//! each compressed on its own; `D = ‖AᵀB − Ĉ‖²_F / (a b n)` and `R` is the
//! stored bits per entry with side information and padding. Claims:
//!
//! * no scheme falls below `Γ(R)` (the lower bound holds for every scheme);
//! * the E8 quantizer with `k = 4` scales and no MMSE factor reproduces the
//!   reference gaps of the Monte-Carlo table of the project's notes on
//!   arXiv 2410.13780 §6 / 2502.09720 (2.62, 2.52, 2.40, 2.34, 2.33 and
//!   2.31 dB above `Γ` at the nominal rate `log₂ q + 1/4`, for q = 6, 8,
//!   11, 14, 16, 32, same scale sets; and 2.85 dB for NestQuant's default
//!   configuration, q = 14 with `β₀ ∈ {4, 5.5, 7, 18}`), moved to the rate
//!   actually stored:
//!   the block code of `k q⁸` values is packed into `⌈log₂(k q⁸)⌉` whole bits
//!   (0.04 and 0.07 extra bits per entry at q = 11 and 14, none at powers of
//!   two) and 64 bits of side information per column are added. Packing
//!   does not change `D`, so the predicted gap is
//!   `g_ref + 10 log₁₀(Γ(R_nominal)/Γ(R))`; the tolerance is 3.29 standard
//!   errors of the two distortion estimates (a mean of squared, nearly
//!   Gaussian errors has relative standard error `√(2/N)`: `N` = 60,000
//!   block pairs for the reference, `cols² · trials` entries here) plus the
//!   table's 0.005 dB rounding;
//! * with the fixed Gaussian MMSE factor the gap stays within the bounds
//!   the crate documents: 2.6 dB at q = 8, 16, 32 and 2.9 dB at q = 11, 14
//!   (where packing costs 0.24 and 0.40 dB);
//! * below `R* = 0.906` time-sharing beats spreading: an 8-dimensional Lloyd
//!   VQ at one bit per entry (256 codewords) on a fraction `κ = R` of the
//!   rotated coordinates against the same family spending `R` bits on every
//!   coordinate (`2^{8R}` codewords), at `R = 0.25, 0.5, 0.75`; 1-bit
//!   Lloyd-Max time-sharing is drawn too;
//! * int4 absmax with groups of 64 (4.25 bits) sits at least 5.5 dB above
//!   `Γ(R)`.

use super::schemes::Spec;
use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use infoflow_lattice_quant::bounds::{critical_rate, db_above, gamma, phi};
use infoflow_lattice_quant::product::distortion;
use infoflow_lattice_quant::scales::tuned as tuned_scales;
use infoflow_numerics::linalg::gaussian_matrix;
use infoflow_numerics::rng::Streams;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The experiment.
pub struct RateDistortion;

/// One scheme at one size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The scheme.
    pub scheme: Spec,
    /// Summation length `n`.
    pub n: usize,
    /// Columns of each operand.
    pub cols: usize,
    /// Independent trials (fresh matrices and shared randomness).
    pub trials: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},n={},cols={}", self.scheme.key(), self.n, self.cols)
    }
}

/// What one scheme achieved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Scheme label.
    pub label: String,
    /// Stored bits per entry (side information included).
    pub rate: f64,
    /// Distortion per trial.
    pub distortion: Vec<f64>,
}

impl Measured {
    fn mean(&self) -> f64 {
        self.distortion.iter().sum::<f64>() / self.distortion.len() as f64
    }
}

/// The reference gaps (dB above `Γ` at the nominal rate `log₂ q + 1/4`,
/// no MMSE, no side information, no packing) of the Monte-Carlo table in
/// the project's notes on arXiv 2410.13780 §6, for the `q` whose scale sets
/// the crate's [`tuned_scales`] shares (at q = 3 and 4 the crate raises the
/// top scale to avoid overload, so the table's rows do not apply).
const REFERENCE_GAPS: [(u32, f64); 6] = [(6, 2.62), (8, 2.52), (11, 2.40), (14, 2.34), (16, 2.33), (32, 2.31)];
/// NestQuant's default configuration (arXiv 2502.09720's code: q = 14,
/// `β₀ ∈ {4, 5.5, 7, 18}`) and its reference gap in the same table.
const NESTQUANT_DEFAULT: (u32, [f64; 4], f64) = (14, [4.0, 5.5, 7.0, 18.0], 2.85);

/// The reference gap of an E8 scheme and the claim's name suffix, when the
/// table has its `(q, scales)`.
fn reference_gap(q: u32, scales: &[f64]) -> Option<(f64, String)> {
    if (q, scales) == (NESTQUANT_DEFAULT.0, &NESTQUANT_DEFAULT.1[..]) {
        return Some((NESTQUANT_DEFAULT.2, format!("q{q}-nestquant-default")));
    }
    let tuned = tuned_scales(q).ok()?;
    REFERENCE_GAPS.iter().find(|&&(r, _)| r == q && tuned[..] == scales[..]).map(|&(_, g)| (g, format!("q{q}")))
}

/// Block pairs behind each reference gap.
const REFERENCE_BLOCKS: f64 = 60_000.0;

/// A family's rates, distortions (dB) and gaps to Γ (dB).
type Curve = (Vec<f64>, Vec<f64>, Vec<f64>);

fn schemes(profile: Profile) -> Result<Vec<Spec>> {
    let mut s = Vec::new();
    let qs: &[u32] = match profile {
        Profile::Smoke => &[8, 16, 32],
        _ => &[3, 4, 6, 8, 11, 14, 16, 32],
    };
    for &q in qs {
        s.push(Spec::e8(q, &tuned_scales(q)?));
        if REFERENCE_GAPS.iter().any(|&(r, _)| r == q) {
            s.push(Spec::e8(q, &tuned_scales(q)?).without_mmse());
        }
    }
    for (kappa, size) in [(0.25, 4), (0.5, 16), (0.75, 64)] {
        s.push(Spec::vq(256).with_fraction(kappa));
        s.push(Spec::vq(size));
    }
    s.push(Spec::absmax(4, 64, false));
    if profile != Profile::Smoke {
        s.push(Spec::e8(4, &tuned_scales(4)?).with_fraction(0.5));
        for kappa in [0.25, 0.5, 0.75] {
            s.push(Spec::lloyd_max(1).with_fraction(kappa));
        }
        s.push(Spec::e8(NESTQUANT_DEFAULT.0, &NESTQUANT_DEFAULT.1));
        s.push(Spec::e8(NESTQUANT_DEFAULT.0, &NESTQUANT_DEFAULT.1).without_mmse());
        s.push(Spec::d4_lut());
        for bits in [2, 3, 4, 8] {
            for group in [32, 64, 128] {
                if (bits, group) != (4, 64) {
                    s.push(Spec::absmax(bits, group, false));
                }
            }
            s.push(Spec::absmax(bits, 64, true));
        }
        for bits in [1, 2, 3, 4, 8] {
            s.push(Spec::lloyd_max(bits));
        }
    }
    Ok(s)
}

impl Experiment for RateDistortion {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "lattice-quant.rate-distortion",
            title: "Distortion of A^T B vs rate for iid Gaussian matrices: nested-lattice, scalar and VQ schemes against Gamma(R)",
            paper: "2410.13780",
            figure: "arXiv 2410.13780: distortion of A^T B against rate for iid Gaussian matrices next to Gamma(R), with the practical E8 scheme of NestQuant (arXiv 2502.09720) and scalar and VQ baselines",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (n, cols, trials) = match profile {
            Profile::Smoke => (4096, 128, 2),
            Profile::Quick => (4096, 256, 2),
            Profile::Paper => (4096, 512, 8),
        };
        schemes(profile)
            .expect("tuned scale sets exist")
            .into_iter()
            .map(|scheme| Params { scheme, n, cols, trials })
            .collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let mut out = Measured { label: String::new(), rate: 0.0, distortion: Vec::new() };
        for trial in 0..p.trials as u64 {
            // Shared randomness from the trial's seed; data from its streams.
            let scheme = p.scheme.build(p.n, streams.stream(1000 + trial).random::<u64>())?;
            let mut rng = streams.stream(trial);
            let (a, b) = (gaussian_matrix(p.n, p.cols, &mut rng), gaussian_matrix(p.n, p.cols, &mut rng));
            let c = scheme.estimate(a.as_ref(), b.as_ref())?;
            out.distortion.push(distortion(a.as_ref(), b.as_ref(), c.as_ref())?);
            out.label = scheme.label();
            out.rate = scheme.rate();
        }
        Ok(out)
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table =
            Table::new(&["scheme", "family", "rate", "distortion", "distortion_db", "gamma_db", "db_above_gamma"]);
        let mut families: BTreeMap<String, Curve> = BTreeMap::new();
        let mut lowest = f64::INFINITY;
        let mut lowest_label = String::new();
        for (p, m) in records {
            let d = m.mean();
            let g = gamma(m.rate)?;
            let above = db_above(d, g);
            table.push(vec![
                Cell::from(m.label.as_str()),
                Cell::from(p.scheme.family().as_str()),
                Cell::from(m.rate),
                Cell::from(d),
                Cell::from(10.0 * d.log10()),
                Cell::from(10.0 * g.log10()),
                Cell::from(above),
            ])?;
            let f = families.entry(p.scheme.family()).or_default();
            f.0.push(m.rate);
            f.1.push(10.0 * d.log10());
            f.2.push(above);
            if above < lowest {
                lowest = above;
                lowest_label = m.label.clone();
            }
            if let Spec::E8 { q, mmse, fraction, scales, .. } = &p.scheme
                && *fraction == 1.0
                && let Some((g_ref, suffix)) = reference_gap(*q, scales)
            {
                let q = *q;
                let nominal = (q as f64).log2() + 0.25;
                let tuned = !suffix.contains("nestquant");
                match mmse {
                    false => {
                        let predicted = g_ref + db_above(gamma(nominal)?, gamma(m.rate)?);
                        let entries = (p.cols * p.cols * m.distortion.len()) as f64;
                        let se_db = 10.0 / std::f64::consts::LN_10 * (2.0 / REFERENCE_BLOCKS + 2.0 / entries).sqrt();
                        let tolerance = 3.29 * se_db + 0.005;
                        claims.push(
                            Claim::close(
                                &format!("e8-gap-{suffix}"),
                                &format!("E8 with k = 4 scales {scales:?} at q = {q}, no MMSE: the reference gap {g_ref:.2} dB at the nominal {nominal:.3} bits, moved to the stored rate {:.4} bits (whole-bit packing and side information)", m.rate),
                                predicted,
                                above,
                                tolerance,
                            )
                            .with_basis(format!("3.29 s.e. ({se_db:.3} dB) + 0.005 dB rounding"))
                            .with_note(format!(
                                "D = {d:.4e} over {} trials of {}x{} products (n = {}); packing and side information move Gamma by {:.3} dB",
                                m.distortion.len(),
                                p.cols,
                                p.cols,
                                p.n,
                                predicted - g_ref
                            )),
                        );
                    }
                    true if tuned && [8, 11, 14, 16, 32].contains(&q) => {
                        let bound = if q == 11 || q == 14 { 2.9 } else { 2.6 };
                        claims.push(
                            Claim::at_most(
                                &format!("e8-mmse-within-{bound}db-q{q}"),
                                &format!("E8 with k = 4 scales and the Gaussian MMSE factor at q = {q} ({nominal:.3} bits nominal, {:.4} stored) stays within {bound} dB of Gamma(R)", m.rate),
                                bound,
                                above,
                            )
                            .with_basis("the bound the crate documents")
                            .with_note(format!("D = {d:.4e}; the no-MMSE claim of the same q checks the gap against its reference value")),
                        );
                    }
                    true => {}
                }
            }
            if matches!(p.scheme, Spec::Absmax { bits: 4, group: 64, rotated: false }) {
                claims.push(
                    Claim::at_least(
                        "int4-g64-above-5.5db",
                        "int4 absmax with groups of 64 sits at least 5.5 dB above Gamma(R)",
                        5.5,
                        above,
                    )
                    .with_basis("reference ≈ 6.2 dB (given to 0.1 dB, no spread): bound 0.7 dB below")
                    .with_note(format!(
                        "R = {:.4} (16-bit scale per 64 entries); a reference computation of this project gives 6.2 dB",
                        m.rate
                    )),
                );
            }
        }
        claims.insert(
            0,
            Claim::at_least(
                "no-scheme-below-gamma",
                "no scheme falls below Gamma(R), the lower bound for every scheme at rate R",
                0.0,
                lowest,
            )
            .with_basis("theorem: Gamma(R) bounds every scheme")
            .with_note(format!("smallest dB above Gamma over {} schemes: {lowest_label}", records.len())),
        );
        // Time-sharing against spreading, at equal rate, with the same
        // quantizer family: 8-dimensional Lloyd VQs.
        for (kappa, size) in [(0.25, 4usize), (0.5, 16), (0.75, 64)] {
            let ts = records.iter().find(|(p, _)| matches!(p.scheme, Spec::Vq { fraction, .. } if fraction == kappa));
            let spread = records
                .iter()
                .find(|(p, _)| matches!(p.scheme, Spec::Vq { size: s, fraction, .. } if s == size && fraction == 1.0));
            if let (Some((_, t)), Some((_, s))) = (ts, spread) {
                let margin = 10.0 * (s.mean() / t.mean()).log10();
                claims.push(
                    Claim::at_least(
                        &format!("time-sharing-beats-spreading-r{kappa}"),
                        &format!("below R* = {:.3}, at R = {kappa} bits, time-sharing has lower distortion than spreading the rate over all coordinates", critical_rate()),
                        0.0,
                        margin,
                    )
                    .with_basis("theory gives a sign: phi(R) > Gamma(R) below R*")
                    .with_note(format!(
                        "dB by which the spread scheme ({}, D = {:.4}, R = {:.4}) is worse than time-sharing ({}, D = {:.4}, R = {:.4}); theory: phi({kappa}) = {:.4} vs Gamma({kappa}) = {:.4}",
                        s.label,
                        s.mean(),
                        s.rate,
                        t.label,
                        t.mean(),
                        t.rate,
                        phi(kappa)?,
                        gamma(kappa)?
                    )),
                );
            }
        }
        out.table("table", &table)?;
        let rates: Vec<f64> = (0..=90).map(|i| 0.1 * i as f64 / 1.5).chain([6.0, 6.5, 7.0, 8.0, 8.5]).collect();
        let gamma_db: Vec<f64> = rates.iter().map(|&r| 10.0 * gamma(r).map(f64::log10).unwrap_or(f64::NAN)).collect();
        let phi_db: Vec<f64> = rates.iter().map(|&r| 10.0 * phi(r).map(f64::log10).unwrap_or(f64::NAN)).collect();
        let mut series = vec![
            Series::line("Gamma(R)", rates.clone(), gamma_db),
            Series::dashed("phi(R) (spread)", rates, phi_db).with_color(1),
        ];
        let mut gaps = Vec::new();
        for (k, (family, (r, d, above))) in families.into_iter().enumerate() {
            let mut order: Vec<usize> = (0..r.len()).collect();
            order.sort_by(|&i, &j| r[i].total_cmp(&r[j]));
            let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            let (r, d, above) = (pick(&r), pick(&d), pick(&above));
            series.push(Series::line_markers(family.clone(), r.clone(), d).with_color(k + 2));
            gaps.push(Series::line_markers(family, r, above).with_color(k + 2));
        }
        out.figure(
            "rate_distortion",
            &Figure::grid(
                "Distortion of A^T B for iid Gaussian matrices",
                2,
                vec![
                    Panel::Xy(XyPanel {
                        title: "per-entry distortion (dB) vs bits per entry, side information included".into(),
                        x: Axis::linear("R (bits per entry)"),
                        y: Axis::linear("10 log10 D"),
                        series,
                        legend: Legend::LowerLeft,
                    }),
                    Panel::Xy(XyPanel {
                        title: "gap to the bound".into(),
                        x: Axis::linear("R (bits per entry)"),
                        y: Axis::linear("dB above Gamma(R)"),
                        series: gaps,
                        legend: Legend::UpperRight,
                    }),
                ],
            )
            .with_caption("Reproduces the rate-distortion comparison of arXiv 2410.13780 for iid Gaussian matrices, with the practical E8 scheme of NestQuant (arXiv 2502.09720): per-entry distortion against bits per entry, side information included, for nested-lattice (E8 Voronoi), scalar and vector-quantizer schemes next to the bound Gamma(R). Right: the gap to Gamma(R) in dB for every scheme (the claims state the numbers per q)."),
        )?;
        Ok(claims)
    }
}
