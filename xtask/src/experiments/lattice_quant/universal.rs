//! `lattice-quant.universal`: matrices that are not Gaussian.
//!
//! The universal guarantee of arXiv 2410.13780 bounds the error of the
//! nested-lattice scheme by the Frobenius norms `‖Ā‖_F`, `‖B̄‖_F`,
//! `‖ĀᵀB̄‖_F` of the centred matrices, whatever their distribution. With
//! subtractive dither and no overload the quantization error of every
//! block is uniform on the fine cell `βV(E₈)` and independent of the data
//! (per-entry variance `δ = β² G(E₈)` in unit-variance units), so with the
//! decoder's MMSE factor `α` on both operands (here [`Mmse::Gaussian`],
//! whose value the quantizer reports)
//!
//! ```text
//! E‖ĀᵀB̄ − Ĉ‖²_F = (1 − α²)² ‖ĀᵀB̄‖²_F + α⁴ (2δ + δ²) ‖Ā‖²_F ‖B̄‖²_F / N
//! ```
//!
//! (`N` the padded length): exact in expectation, the paper's bound with
//! the practical code's `δ` (for an ideal code `δ/(1+δ) = 2^{−2R}` and
//! `α = 1 − 2^{−2R}` give `φ²‖ĀᵀB̄‖² + φ(1 − φ)‖Ā‖²‖B̄‖²/n`). The "theory"
//! scheme is E8 with `q = 16`, one scale `β₀ = 10` and dither. Claims, for
//! every family: the mean error over the trials stays under that bound
//! (three standard errors of the trial mean allowed) and matches it.
//!
//! The families: Student-t entries (`ν = 3`), rank-4 matrices sharing their
//! column space, strongly correlated columns (`z + 0.1 ε`, `z` shared by A
//! and B), Gaussian columns with a few outlier columns (×100) and one
//! 40-sigma spike per column, and entries with mean 3.
//!
//! The practical schemes (E8 `q = 16`, `k = 4`, and int4 absmax `g = 64`)
//! run with and without the rotation: on heavy tails the rotation is what
//! keeps them working (claims on the outlier and Student-t families).

use super::schemes::Spec;
use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use faer::Mat;
use infoflow_lattice_quant::Error as QuantError;
use infoflow_lattice_quant::lattice::Gosset;
use infoflow_lattice_quant::matrix::{MatrixQuantizer, Mmse, QuantizerConfig};
use infoflow_lattice_quant::product::ProductQuantizer;
use infoflow_lattice_quant::scales::tuned as tuned_scales;
use infoflow_numerics::linalg::gaussian_matrix;
use infoflow_numerics::rng::Streams;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StudentT};
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Universal;

crate::names! {
    /// The data families (see the module docs).
    pub enum Family {
        Gaussian = "gaussian",
        StudentT = "student-t",
        LowRank = "low-rank",
        Correlated = "correlated",
        Outliers = "outliers",
        Shifted = "shifted",
    }
}

crate::names! {
    /// The schemes: the dithered single-scale E8 of the bound (`theory`),
    /// and the practical E8 and int4 schemes with and without rotation.
    pub enum SchemeName {
        Theory = "theory",
        E8K4 = "e8-k4",
        E8K4Unrotated = "e8-k4-unrotated",
        Int4G64 = "int4-g64",
        Int4G64Unrotated = "int4-g64-unrotated",
    }
}

/// One family and scheme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Data family.
    pub family: Family,
    /// `theory` (dithered single-scale E8 with the bound) or a practical scheme.
    pub scheme: SchemeName,
    /// Practical scheme description (unused for `theory`).
    pub spec: Option<Spec>,
    /// Summation length.
    pub n: usize,
    /// Columns per operand.
    pub cols: usize,
    /// Independent trials.
    pub trials: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},{},n={},cols={}", self.family, self.scheme, self.n, self.cols)
    }
}

/// Per trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// `‖AᵀB − Ĉ‖²_F` per trial (0 when the encoder refused the data).
    pub error: Vec<f64>,
    /// The bound per trial (`theory` only).
    pub bound: Vec<f64>,
    /// `‖AᵀB‖²_F` per trial (for relative errors).
    pub signal: Vec<f64>,
    /// Trials on which the encoder reported an overload.
    pub overloads: usize,
    /// Rate in bits per entry.
    pub rate: f64,
}

fn family_pair(family: Family, n: usize, cols: usize, rng: &mut impl Rng) -> Result<(Mat<f64>, Mat<f64>)> {
    Ok(match family {
        Family::Gaussian => (gaussian_matrix(n, cols, rng), gaussian_matrix(n, cols, rng)),
        Family::StudentT => {
            let t = StudentT::new(3.0)?;
            let mut draw = || Mat::from_fn(n, cols, |_, _| t.sample(rng));
            (draw(), draw())
        }
        Family::LowRank => {
            let u = gaussian_matrix(n, 4, rng);
            let (x, y) = (gaussian_matrix(4, cols, rng), gaussian_matrix(4, cols, rng));
            (&u * &x, &u * &y)
        }
        Family::Correlated => {
            let z = gaussian_matrix(n, 1, rng);
            let (ea, eb) = (gaussian_matrix(n, cols, rng), gaussian_matrix(n, cols, rng));
            (
                Mat::from_fn(n, cols, |i, j| z[(i, 0)] + 0.1 * ea[(i, j)]),
                Mat::from_fn(n, cols, |i, j| z[(i, 0)] + 0.1 * eb[(i, j)]),
            )
        }
        Family::Outliers => {
            let spike = |m: Mat<f64>, rng: &mut dyn rand::Rng| {
                let mut m = m;
                for j in 0..cols {
                    let i = rng.random_range(0..n);
                    m[(i, j)] = 40.0;
                    if j % 8 == 0 {
                        for r in 0..n {
                            m[(r, j)] *= 100.0;
                        }
                    }
                }
                m
            };
            let (a, b) = (gaussian_matrix(n, cols, rng), gaussian_matrix(n, cols, rng));
            (spike(a, rng), spike(b, rng))
        }
        Family::Shifted => {
            let (a, b) = (gaussian_matrix(n, cols, rng), gaussian_matrix(n, cols, rng));
            (Mat::from_fn(n, cols, |i, j| a[(i, j)] + 3.0), Mat::from_fn(n, cols, |i, j| b[(i, j)] + 3.0))
        }
    })
}

fn centred(a: &Mat<f64>) -> Mat<f64> {
    let n = a.nrows() as f64;
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)] - (0..a.nrows()).map(|r| a[(r, j)]).sum::<f64>() / n)
}

/// The theory scheme: E8, `q = 16`, one scale 10, dither, Gaussian MMSE.
fn theory_quantizer(n: usize, seed: u64) -> Result<MatrixQuantizer> {
    let config =
        QuantizerConfig { scales: vec![10.0], dither: true, mmse: Mmse::Gaussian, seed, ..QuantizerConfig::e8(16) };
    Ok(MatrixQuantizer::new(Gosset, config, n)?)
}

fn practical(family_spec: &Spec, n: usize, seed: u64) -> Result<Box<dyn ProductQuantizer>> {
    family_spec.build(n, seed)
}

impl Experiment for Universal {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "lattice-quant.universal",
            title: "Non-Gaussian matrices: the error stays under the universal bound in Frobenius norms; the rotation rescues heavy tails",
            paper: "2410.13780",
            figure: "arXiv 2410.13780: the universal upper bound for arbitrary matrices (nested-lattice scheme after a random rotation) and the rotation's role on heavy-tailed data",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (n, cols, trials) = match profile {
            Profile::Smoke => (1024, 16, 8),
            Profile::Quick => (2048, 32, 24),
            Profile::Paper => (4096, 64, 64),
        };
        let e8 = Spec::e8(16, &tuned_scales(16).expect("q = 16 has scales"));
        let int4 = Spec::absmax(4, 64, true);
        let mut pts = Vec::new();
        for family in Family::ALL {
            let mut push =
                |scheme: SchemeName, spec: Option<Spec>| pts.push(Params { family, scheme, spec, n, cols, trials });
            push(SchemeName::Theory, None);
            push(SchemeName::E8K4, Some(e8.clone()));
            push(SchemeName::E8K4Unrotated, Some(e8.clone().unrotated()));
            push(SchemeName::Int4G64, Some(int4.clone()));
            push(SchemeName::Int4G64Unrotated, Some(int4.clone().unrotated()));
        }
        pts
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let mut m = Measured { error: Vec::new(), bound: Vec::new(), signal: Vec::new(), overloads: 0, rate: 0.0 };
        for trial in 0..p.trials as u64 {
            let mut rng = streams.stream(trial);
            let (a, b) = family_pair(p.family, p.n, p.cols, &mut rng)?;
            let seed = streams.stream(1_000_000 + trial).random::<u64>();
            let exact = a.transpose() * &b;
            m.signal.push(exact.squared_norm_l2());
            let estimate = match &p.spec {
                None => {
                    let q = theory_quantizer(p.n, seed)?;
                    m.rate = q.rate().total;
                    let (ac, bc) = (centred(&a), centred(&b));
                    let (alpha, big_n) = (q.gaussian_alpha(), q.padded_rows() as f64);
                    let delta = (10.0f64 / 16.0).powi(2) * 929.0 / 12960.0;
                    let cross = (ac.transpose() * &bc).squared_norm_l2();
                    let bound = (1.0 - alpha * alpha).powi(2) * cross
                        + alpha.powi(4) * (2.0 * delta + delta * delta) * ac.squared_norm_l2() * bc.squared_norm_l2()
                            / big_n;
                    m.bound.push(bound);
                    q.estimate(a.as_ref(), b.as_ref())
                }
                Some(spec) => {
                    let q = practical(spec, p.n, seed)?;
                    m.rate = q.rate();
                    q.estimate(a.as_ref(), b.as_ref())
                }
            };
            match estimate {
                Ok(c) => m.error.push((&exact - &c).squared_norm_l2()),
                Err(QuantError::Overload { .. }) => {
                    m.overloads += 1;
                    m.error.push(0.0);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(m)
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&["family", "scheme", "rate", "relative_error", "bound_ratio", "overloaded_trials"]);
        let stats = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0).max(1.0);
            (mean, (var / v.len() as f64).sqrt())
        };
        let relative = |m: &Measured| {
            let ok: Vec<(f64, f64)> =
                m.error.iter().zip(&m.signal).filter(|(e, _)| **e > 0.0).map(|(&e, &s)| (e, s)).collect();
            if ok.is_empty() { f64::NAN } else { ok.iter().map(|(e, s)| e / s).sum::<f64>() / ok.len() as f64 }
        };
        let mut bars: Vec<(SchemeName, Vec<f64>, Vec<f64>)> =
            SchemeName::ALL.iter().map(|&s| (s, Vec::new(), Vec::new())).collect();
        for (p, m) in records {
            let rel = relative(m);
            let ratio = if m.bound.is_empty() { f64::NAN } else { stats(&m.error).0 / stats(&m.bound).0 };
            table.push(vec![
                Cell::from(p.family.name()),
                Cell::from(p.scheme.name()),
                Cell::from(m.rate),
                Cell::from(rel),
                Cell::from(ratio),
                Cell::from(m.overloads),
            ])?;
            let x = Family::ALL.iter().position(|f| *f == p.family).unwrap_or(0) as f64;
            if let Some(b) = bars.iter_mut().find(|b| b.0 == p.scheme) {
                b.1.push(x);
                b.2.push(if rel.is_finite() { 10.0 * rel.log10() } else { f64::NAN });
            }
            if p.scheme == SchemeName::Theory {
                let (e, se) = stats(&m.error);
                let (bound, _) = stats(&m.bound);
                claims.push(
                    Claim::at_most(
                        &format!("under-bound-{}", p.family),
                        &format!("{} matrices: the error stays under the universal bound in Frobenius norms", p.family),
                        bound + 3.0 * se,
                        e,
                    ).with_basis("3 s.e. of the trial mean (one-sided)")
                    .with_note(format!(
                        "mean over {} trials {e:.4e} (s.e. {se:.2e}) vs (1-a^2)^2 |AtB|^2 + a^4 (2d+d^2) |A|^2 |B|^2 / N = {bound:.4e}; allowance 3 s.e.; {} overloads",
                        m.error.len(),
                        m.overloads
                    )),
                );
                // Paired per trial: error and bound share the trial's
                // matrices, so the spread of their difference is the test's.
                let diffs: Vec<f64> = m.error.iter().zip(&m.bound).map(|(e, b)| e - b).collect();
                let (_, diff_se) = stats(&diffs);
                claims.push(
                    Claim::close(
                        &format!("bound-is-tight-{}", p.family),
                        &format!(
                            "{} matrices: with dither and no overload the bound is met with equality in expectation (mean error against mean bound, trials paired)",
                            p.family
                        ),
                        bound,
                        e,
                        3.29 * diff_se,
                    )
                    .with_basis("3.29 s.e. of the paired per-trial difference")
                    .with_note(format!("s.e. of the paired difference {diff_se:.3e} ({} trials)", diffs.len())),
                );
            }
        }
        for family in [Family::StudentT, Family::Outliers] {
            let find = |scheme: SchemeName| {
                records.iter().find(|(p, _)| p.family == family && p.scheme == scheme).map(|(_, m)| m)
            };
            if let (Some(rot), Some(plain)) = (find(SchemeName::Int4G64), find(SchemeName::Int4G64Unrotated)) {
                let gain = 10.0 * (relative(plain) / relative(rot)).log10();
                claims.push(
                    Claim::at_least(
                        &format!("rotation-helps-int4-{family}"),
                        &format!("{family} matrices: the Hadamard rotation lowers the error of int4 absmax (g = 64)"),
                        0.0,
                        gain,
                    )
                    .with_basis("theory gives a sign")
                    .with_note("dB of relative error saved by rotating"),
                );
            }
            if let (Some(rot), Some(plain)) = (find(SchemeName::E8K4), find(SchemeName::E8K4Unrotated)) {
                claims.push(
                    Claim::at_most(
                        &format!("rotated-e8-never-overloads-{family}"),
                        &format!(
                            "{family} matrices: with the Hadamard rotation the E8 quantizer (k = 4) never overloads"
                        ),
                        0.0,
                        rot.overloads as f64,
                    )
                    .with_basis("exact count")
                    .with_note(format!("trials that overloaded, of {}", rot.error.len())),
                );
                // Without the rotation the quantizer fails one of two ways:
                // the encoder refuses the heavy-tailed data (overload, an
                // error, never a silent wrap-around), or it encodes with a
                // larger error. Which one happened decides what is measured.
                let claim = if plain.overloads > 0 {
                    Claim::at_least(
                        &format!("unrotated-e8-fails-{family}"),
                        &format!("{family} matrices: without the rotation the E8 quantizer overloads (measured: trials that overloaded)"),
                        1.0,
                        plain.overloads as f64,
                    ).with_basis("exact count")
                    .with_note(format!("{} of {} trials overloaded", plain.overloads, plain.error.len()))
                } else {
                    Claim::at_least(
                        &format!("unrotated-e8-fails-{family}"),
                        &format!("{family} matrices: without the rotation the E8 quantizer is worse (measured: dB of relative error the rotation saves)"),
                        0.0,
                        10.0 * (relative(plain) / relative(rot)).log10(),
                    ).with_basis("theory gives a sign")
                    .with_note("no unrotated trial overloaded, so the error is compared")
                };
                claims.push(claim);
            }
        }
        out.table("table", &table)?;
        // Schemes side by side within each family (categories, no lines).
        let schemes = bars.len().max(1) as f64;
        let series: Vec<Series> = bars
            .into_iter()
            .enumerate()
            .map(|(k, (name, x, y))| {
                let dodge = (k as f64 - (schemes - 1.0) / 2.0) * 0.7 / schemes;
                Series::markers(name.name(), x.iter().map(|v| v + dodge).collect(), y).with_color(k)
            })
            .collect();
        out.figure(
            "universal",
            &Figure::single(
                "Relative error ||A^T B - C||^2 / ||A^T B||^2 by data family",
                Panel::Xy(XyPanel {
                    title: "missing points: the encoder refused the data (overload)".into(),
                    x: Axis::categories("data family", Family::ALL.iter().map(|f| f.to_string()).collect()),
                    y: Axis::linear("10 log10 relative error"),
                    series,
                    legend: Legend::UpperRight,
                }),
            )
            .with_caption("Reproduces the universal upper bound of arXiv 2410.13780 (nested-lattice quantization for matrix multiplication): for non-Gaussian matrix families the relative error of the estimate of A^T B stays below the bound stated in Frobenius norms, and the random rotation is what makes heavy-tailed families (Student-t, outliers) quantizable. Missing points mean the encoder refused the data (overload), never a silent wrap-around."),
        )?;
        Ok(claims)
    }
}
