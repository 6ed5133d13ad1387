//! `diffusion-sep.alpha-rgs`: α-RGS against the matched filter, LMMSE and
//! BASIS over the paper's SIR grid, for OFDM-QPSK and OFDM-BPSK
//! interference with random timing and phase (see [`super`]).
//!
//! Methods per mixture: the matched filter (no separation); rf-signal's
//! cyclostationary LMMSE with the known SIR (trained on mixtures of the
//! same set-up); BASIS and modified BASIS (annealed Langevin, 49 levels);
//! reverse diffusion on the interference model alone (the SOI as noise);
//! α-RGS with both scores analytic (the exact RRC-QPSK score, the OFDM
//! score at the synchronised timing); and α-RGS with the interference
//! known only by its spectrum (stationary Gaussian score), which shows what
//! the discrete interference prior adds.
//!
//! Claims: α-RGS cuts the BER by at least 90 % against both MF and LMMSE at
//! every SIR ≤ −12 dB (the paper: 95 %); α-RGS's BER is at most BASIS's
//! (the better of the two) at every SIR; at −24 dB α-RGS's BER lies within
//! a factor 3 of the paper's α-RGS (analytic SOI score) value, 3.7·10⁻³
//! (OFDM-QPSK) and 2·10⁻³ (OFDM-BPSK). Where we differ from the paper: the
//! paper's interference score is a learned DiffWave, ours analytic (exact
//! per carrier on the OFDM bodies, synchronised by maximum likelihood); the
//! quick profile runs 5,000 α-RGS iterations instead of 20,000.

use super::{Carriers, FRAME, Setting, paper_sirs};
use crate::experiments::rf_signal::learned::models_root;
use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::{Context, Result};
use infoflow_diffusion_sep::Error as SepError;
use infoflow_diffusion_sep::basis::{Basis, Constraint};
use infoflow_diffusion_sep::reverse::ReverseDiffusion;
use infoflow_diffusion_sep::rgs::AlphaRgs;
use infoflow_diffusion_sep::schedule::Schedule;
use infoflow_diffusion_sep::score::{LearnedScore, StationaryGaussian};
use infoflow_diffusion_sep::separation::{Problem, Separation};
use infoflow_nn::Architecture;
use infoflow_nn::model_file::ModelCard;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::power_to_db;
use infoflow_numerics::stats::wilson_interval;
use infoflow_rf_signal::metrics::{bit_errors, mse};
use infoflow_rf_signal::mixture::Mixture;
use infoflow_rf_signal::modem::Modem;
use infoflow_rf_signal::separator::{CyclicLmmse, Separator};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

crate::names! {
    /// The separation methods.
    pub enum Method {
        Mf = "MF",
        Lmmse = "LMMSE",
        Basis = "BASIS",
        ModifiedBasis = "modified BASIS",
        Reverse = "reverse diffusion",
        Rgs = "alpha-RGS",
        RgsGaussian = "alpha-RGS, Gaussian interference",
        RgsLearned = "alpha-RGS, learned interference",
    }
}

/// The shipped interference prior of `carriers`.
pub fn prior_model(carriers: Carriers) -> &'static str {
    match carriers {
        Carriers::Qpsk => "diffwave-ofdm-qpsk",
        Carriers::Bpsk => "diffwave-ofdm-bpsk",
    }
}

/// The α-RGS run with a learned interference prior at one point: the first
/// `mixtures` mixtures, separated together (one network call per iteration
/// for the batch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearnedRun {
    /// The model's directory under `models/`.
    pub model: String,
    /// Mixtures (the point's first).
    pub mixtures: usize,
    /// α-RGS iterations.
    pub iterations: usize,
}

/// The experiment.
pub struct AlphaRgsExperiment;

/// One (interference, SIR) point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The interference's carriers.
    pub carriers: Carriers,
    /// SIR, dB.
    pub sir_db: f64,
    /// Mixtures.
    pub mixtures: usize,
    /// α-RGS iterations.
    pub iterations: usize,
    /// BASIS steps per level.
    pub basis_inner: usize,
    /// LMMSE training mixtures.
    pub train: usize,
    /// α-RGS with the learned interference prior, where a prior ships and
    /// the profile runs it.
    pub learned: Option<LearnedRun>,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},sir={}", self.carriers, self.sir_db)
    }
}

/// One method at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    /// The method.
    pub method: Method,
    /// Bit errors (a diverged run counts half its bits).
    pub errors: u64,
    /// Bits.
    pub bits: u64,
    /// Per mixture, the MSE of the SOI estimate (linear; NaN when diverged).
    pub mse: Vec<f64>,
    /// Runs that diverged.
    pub diverged: usize,
}

/// Every method at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Per method.
    pub methods: Vec<MethodResult>,
    /// Mixtures whose interference timing and phase the synchronisation found.
    pub synchronised: usize,
    /// The learned prior's validation loss (ε-prediction MSE, from its
    /// card) and that of the best Gaussian denoiser of the interference's
    /// spectrum, where the prior ran.
    pub prior_loss: Option<(f64, f64)>,
    /// The prior's size and training, from its card (e.g. "12 × 24,
    /// 3,000 steps"), where it ran.
    pub prior_size: Option<String>,
}

/// `"layers × channels trained for steps steps"` of a prior's card.
fn prior_size(card: &ModelCard) -> String {
    match &card.architecture {
        Architecture::DiffWave(c) => {
            format!("{} × {} trained for {} steps", c.wavenet.layers, c.wavenet.channels, card.steps)
        }
        other => format!("a {} trained for {} steps", other.kind(), card.steps),
    }
}

/// The ε-prediction MSE of the best denoiser of a stationary Gaussian
/// source of PSD `psd` (per complex sample; `psd/2` per real dimension),
/// averaged over DiffWave's 50 levels: what a prior that learned only the
/// interference's spectrum reaches.
fn gaussian_eps_mse(psd: &[f64]) -> f64 {
    let levels = Schedule::diffwave();
    let levels = levels.levels();
    levels
        .iter()
        .map(|l| {
            let a2 = l.scale * l.scale;
            psd.iter().map(|s| a2 * s / 2.0 / (a2 * s / 2.0 + l.sigma * l.sigma)).sum::<f64>() / psd.len() as f64
        })
        .sum::<f64>()
        / levels.len() as f64
}

/// The paper's α-RGS (analytic SOI score) BER at −24 dB.
fn paper_ber_24(c: Carriers) -> f64 {
    match c {
        Carriers::Qpsk => 3.7e-3,
        Carriers::Bpsk => 2e-3,
    }
}

impl Experiment for AlphaRgsExperiment {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "diffusion-sep.alpha-rgs",
            title: "alpha-RGS against MF, LMMSE and BASIS: RRC-QPSK under OFDM interference with random timing and phase",
            paper: "2306.14411",
            figure: "the BER and MSE curves over SIR −24…−3 dB (OFDM-QPSK and OFDM-BPSK interference)",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (sirs, mixtures, iterations, basis_inner, train) = match profile {
            Profile::Smoke => (vec![-24.0, -6.0], 1, 300, 3, 8),
            Profile::Quick => (paper_sirs(), 8, 5000, 100, 64),
            Profile::Paper => (paper_sirs(), 100, 20_000, 100, 400),
        };
        // The learned prior costs a network evaluation per iteration: the
        // quick profile runs it at the paper table's three SIRs only.
        let learned = |carriers: Carriers, sir_db: f64| {
            let (mixtures, iterations, sirs) = match profile {
                Profile::Smoke => (1, 20, vec![-24.0]),
                Profile::Quick => (4, 300, vec![-24.0, -12.0, -6.0]),
                Profile::Paper => (100, 20_000, paper_sirs()),
            };
            sirs.contains(&sir_db).then(|| LearnedRun { model: prior_model(carriers).into(), mixtures, iterations })
        };
        Carriers::ALL
            .iter()
            .flat_map(|&carriers| {
                sirs.iter().map(move |&sir_db| Params {
                    carriers,
                    sir_db,
                    mixtures,
                    iterations,
                    basis_inner,
                    train,
                    learned: learned(carriers, sir_db),
                })
            })
            .collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let setting = Setting::new(p.carriers)?;
        let modem = &setting.soi_modem;
        // The LMMSE learns from mixtures of the same set-up, SIR uniform on [−24, −3] dB.
        let train = (0..p.train as u64)
            .map(|j| {
                let mut rng = streams.stream(2_000_000 + j);
                let sir = rng.random_range(-24.0..=-3.0);
                let d = setting.draw(sir, &mut rng)?;
                Ok(Mixture {
                    mixture: d.mixture,
                    soi: d.soi,
                    bits: d.bits,
                    kappa: d.kappa,
                    phase: d.phase,
                    target_sinr_db: sir,
                    actual_sinr_db: sir,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut lmmse = CyclicLmmse::new(Arc::new(modem.clone()), 80)?;
        lmmse.fit(&train)?;
        let gaussian =
            StationaryGaussian::from_autocorrelation(&setting.interference.stationary_autocorrelation(80), FRAME)?;
        let prior = match &p.learned {
            Some(l) => {
                let dir = models_root()?.join(&l.model);
                let prior = LearnedScore::load(&dir, FRAME).with_context(|| {
                    format!("loading the prior {} (train it with `cargo xtask train {}`)", l.model, l.model)
                })?;
                let source = prior.card().data.get("source").and_then(|s| s.as_str()).unwrap_or("nothing recorded");
                anyhow::ensure!(
                    source == p.carriers.name(),
                    "the prior {} was trained on {source}, not {} interference",
                    l.model,
                    p.carriers
                );
                Some((l, prior))
            }
            None => None,
        };
        let mut results: Vec<MethodResult> = Method::ALL
            .iter()
            .filter(|&&m| m != Method::RgsLearned || prior.is_some())
            .map(|&method| MethodResult { method, errors: 0, bits: 0, mse: Vec::new(), diverged: 0 })
            .collect();
        let mut drawn = Vec::new();
        let mut synchronised = 0;
        let rgs = AlphaRgs { iterations: p.iterations, objective_draws: 0, ..AlphaRgs::default() };
        let basis = |c| Basis { inner: p.basis_inner, ..Basis::new(c) };
        for i in 0..p.mixtures as u64 {
            let d = setting.draw(p.sir_db, &mut streams.stream(i))?;
            let (interference, ok) = setting.synchronised(&d)?;
            synchronised += ok as usize;
            let problem = [Problem { mixture: &d.mixture, kappa: d.kappa }];
            for (m, r) in results.iter_mut().enumerate() {
                let rng = vec![streams.stream(1_000_000 + 16 * i + m as u64)];
                let out: Result<Separation, SepError> = match r.method {
                    // Separated below, the mixtures together.
                    Method::RgsLearned => continue,
                    Method::Mf => {
                        Ok(Separation { soi: d.mixture.clone(), bits: modem.demodulate(&d.mixture)?, objective: None })
                    }
                    Method::Lmmse => {
                        let e = lmmse.separate(&d.mixture, Some(p.sir_db))?;
                        Ok(Separation { soi: e.soi, bits: e.bits, objective: None })
                    }
                    Method::Basis => basis(Constraint::Soft)
                        .separate(&setting.soi, &interference, modem, &problem, rng, &|_, _| {})
                        .map(|mut v| v.remove(0)),
                    Method::ModifiedBasis => basis(Constraint::Hard)
                        .separate(&setting.soi, &interference, modem, &problem, rng, &|_, _| {})
                        .map(|mut v| v.remove(0)),
                    Method::Reverse => ReverseDiffusion::default()
                        .separate(&interference, modem, &problem, rng)
                        .map(|mut v| v.remove(0)),
                    Method::Rgs => rgs
                        .separate(&setting.soi, &interference, modem, &problem, rng, &|_, _| {})
                        .map(|mut v| v.remove(0)),
                    Method::RgsGaussian => {
                        rgs.separate(&setting.soi, &gaussian, modem, &problem, rng, &|_, _| {}).map(|mut v| v.remove(0))
                    }
                };
                r.bits += d.bits.len() as u64;
                match out {
                    Ok(e) => {
                        r.errors += bit_errors(&e.bits, &d.bits)?;
                        r.mse.push(mse(&e.soi, &d.soi)?);
                    }
                    Err(SepError::Diverged { .. }) => {
                        r.diverged += 1;
                        r.errors += d.bits.len() as u64 / 2;
                        r.mse.push(f64::NAN);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            drawn.push(d);
        }
        if let Some((l, prior)) = &prior {
            let drawn = &drawn[..l.mixtures.min(drawn.len())];
            let problems: Vec<Problem<'_>> =
                drawn.iter().map(|d| Problem { mixture: &d.mixture, kappa: d.kappa }).collect();
            let rngs = (0..drawn.len() as u64).map(|i| streams.stream(3_000_000 + i)).collect();
            let learned_rgs = AlphaRgs { iterations: l.iterations, ..rgs.clone() };
            let out = learned_rgs.separate(&setting.soi, prior, modem, &problems, rngs, &|_, _| {});
            let r = results.iter_mut().find(|r| r.method == Method::RgsLearned).expect("listed above");
            for (k, d) in drawn.iter().enumerate() {
                r.bits += d.bits.len() as u64;
                match &out {
                    Ok(e) => {
                        r.errors += bit_errors(&e[k].bits, &d.bits)?;
                        r.mse.push(mse(&e[k].soi, &d.soi)?);
                    }
                    Err(SepError::Diverged { .. }) => {
                        r.diverged += 1;
                        r.errors += d.bits.len() as u64 / 2;
                        r.mse.push(f64::NAN);
                    }
                    Err(e) => return Err(e.clone().into()),
                }
            }
        }
        let prior_loss = prior.as_ref().map(|(_, p)| (p.card().validation_loss, gaussian_eps_mse(gaussian.psd())));
        let prior_size = prior.as_ref().map(|(_, p)| prior_size(p.card()));
        Ok(Measured { methods: results, synchronised, prior_loss, prior_size })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&[
            "interference",
            "sir_db",
            "method",
            "ber",
            "ber_lo",
            "ber_hi",
            "errors",
            "bits",
            "mse_db",
            "diverged",
        ]);
        let ber = |r: &MethodResult| r.errors as f64 / r.bits.max(1) as f64;
        let find = |m: &Measured, method: Method| m.methods.iter().find(|r| r.method == method).cloned();
        let mut panels = Vec::new();
        let mut synchronised = (0, 0);
        for carriers in Carriers::ALL {
            let mut rows: Vec<&(Params, Measured)> = records.iter().filter(|(p, _)| p.carriers == carriers).collect();
            rows.sort_by(|a, b| a.0.sir_db.total_cmp(&b.0.sir_db));
            if rows.is_empty() {
                continue;
            }
            let (mut ber_series, mut mse_series) = (Vec::new(), Vec::new());
            for (k, method) in Method::ALL.into_iter().enumerate() {
                let (mut x, mut y, mut err, mut mx, mut my) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for (p, m) in &rows {
                    let Some(r) = find(m, method) else { continue };
                    let ci = wilson_interval(r.errors, r.bits, 0.95)?;
                    let ok: Vec<f64> = r.mse.iter().copied().filter(|v| v.is_finite()).collect();
                    let mse_db = power_to_db(ok.iter().sum::<f64>() / ok.len().max(1) as f64);
                    table.push(vec![
                        Cell::from(carriers.to_string()),
                        Cell::from(p.sir_db),
                        Cell::from(method.to_string()),
                        Cell::from(ber(&r)),
                        Cell::from(ci.lo),
                        Cell::from(ci.hi),
                        Cell::from(r.errors),
                        Cell::from(r.bits),
                        Cell::from(mse_db),
                        Cell::from(r.diverged as u64),
                    ])?;
                    // Zero errors sit at the plot's floor: half an error.
                    x.push(p.sir_db);
                    y.push(ber(&r).max(0.5 / r.bits as f64));
                    err.push((ci.lo.max(0.25 / r.bits as f64), ci.hi));
                    mx.push(p.sir_db);
                    my.push(mse_db);
                }
                // A method that did not run for this interference (a
                // missing prior's) gets no legend entry.
                if !x.is_empty() {
                    ber_series.push(Series::line_markers(method.to_string(), x, y).with_errors(err).with_color(k));
                    mse_series.push(Series::line_markers(method.to_string(), mx, my).with_color(k));
                }
            }
            ber_series.push(
                Series::markers(
                    "paper: alpha-RGS, analytic SOI score",
                    vec![-24.0, -12.0, -6.0],
                    match carriers {
                        Carriers::Qpsk => vec![3.7e-3, 4.3e-3, 6e-4],
                        Carriers::Bpsk => vec![2e-3, 1e-3, 2.8e-4],
                    },
                )
                .with_color(5),
            );
            ber_series.push(
                Series::markers(
                    "paper: alpha-RGS, trained",
                    vec![-24.0, -12.0, -6.0],
                    match carriers {
                        Carriers::Qpsk => vec![4.5e-3, 1.9e-2, 6e-4],
                        Carriers::Bpsk => vec![3e-3, 3e-3, 1e-3],
                    },
                )
                .with_color(7),
            );
            panels.push(Panel::Xy(XyPanel {
                title: format!("BER, {carriers} interference"),
                x: Axis::linear("SIR (dB)"),
                y: Axis::log("BER (95% Wilson interval; 0 errors drawn at half an error)"),
                series: ber_series,
                legend: Legend::LowerLeft,
            }));
            panels.push(Panel::Xy(XyPanel {
                title: format!("MSE of the SOI estimate, {carriers} interference"),
                x: Axis::linear("SIR (dB)"),
                y: Axis::linear("MSE (dB)"),
                series: mse_series,
                legend: Legend::LowerLeft,
            }));
            for (p, m) in &rows {
                synchronised.0 += m.synchronised;
                synchronised.1 += p.mixtures;
                let (Some(rgs), Some(mf), Some(lmmse)) =
                    (find(m, Method::Rgs), find(m, Method::Mf), find(m, Method::Lmmse))
                else {
                    continue;
                };
                let tag = format!("{}-sir-{}", carriers.to_string().to_lowercase(), p.sir_db);
                if p.sir_db <= -12.0 {
                    let best = ber(&mf).min(ber(&lmmse));
                    claims.push(
                        Claim::at_most(
                            &format!("rgs-cuts-ber-90pc-{tag}"),
                            &format!(
                                "{carriers}, SIR {} dB: alpha-RGS's BER is at most 10% of the better of MF and LMMSE",
                                p.sir_db
                            ),
                            0.1 * best,
                            ber(&rgs),
                        )
                        .with_basis("the paper's abstract: a 95% BER reduction over classical methods")
                        .with_note(format!(
                            "alpha-RGS {} errors, MF {}, LMMSE {} in {} bits",
                            rgs.errors, mf.errors, lmmse.errors, rgs.bits
                        )),
                    );
                }
                if let Some(learned) = find(m, Method::RgsLearned) {
                    let best = ber(&mf).min(ber(&lmmse));
                    let ci = wilson_interval(learned.errors, learned.bits, 0.95)?;
                    claims.push(
                        Claim::at_most(
                            &format!("rgs-learned-cuts-ber-50pc-{tag}"),
                            &format!(
                                "{carriers}, SIR {} dB: alpha-RGS with the learned interference prior has at most half the BER of the better of MF and LMMSE",
                                p.sir_db
                            ),
                            0.5 * best,
                            ber(&learned),
                        )
                        .with_interval((ci.lo, ci.hi))
                        .with_basis("the paper's trained alpha-RGS cuts the BER by 84–99% against MF and LMMSE at −24, −12 and −6 dB (4.5e-3 / 1.9e-2 / 6e-4 against LMMSE .36 / .12 / 1.1e-2); half is the bound for a prior trained on a 2-core CPU")
                        .as_discrepancy(match (m.prior_loss, find(m, Method::RgsGaussian)) {
                            (Some((learned_loss, gaussian_loss)), Some(g)) => format!(
                                "{}: its validation ε-MSE is {learned_loss:.3} against {gaussian_loss:.3} for the best Gaussian denoiser of the interference's spectrum; alpha-RGS with it has BER {:.2e}, with the Gaussian interference score {:.2e}; the paper's prior is a DiffWave of {} on GPUs, ours {} on a 2-core CPU",
                                if learned_loss > 0.9 * gaussian_loss {
                                    "the shipped prior learned little beyond the interference's spectrum"
                                } else {
                                    "the shipped prior learned more than the spectrum, not enough for alpha-RGS"
                                },
                                ber(&learned),
                                ber(&g),
                                match carriers {
                                    Carriers::Qpsk => "30 × 256 trained for 340k steps",
                                    Carriers::Bpsk => "30 × 128 trained for 220k steps",
                                },
                                m.prior_size.as_deref().unwrap_or("(size not recorded)")
                            ),
                            _ => "the prior's losses were not recorded".into(),
                        })
                        .with_note(format!(
                            "learned {} errors in {} bits ({} mixtures, {} iterations, {} diverged); MF {} and LMMSE {} errors in {} bits",
                            learned.errors,
                            learned.bits,
                            learned.mse.len(),
                            p.learned.as_ref().map_or(0, |l| l.iterations),
                            learned.diverged,
                            mf.errors,
                            lmmse.errors,
                            mf.bits
                        )),
                    );
                }
                let basis_best = [Method::Basis, Method::ModifiedBasis]
                    .into_iter()
                    .filter_map(|b| find(m, b))
                    .map(|r| ber(&r))
                    .fold(f64::INFINITY, f64::min);
                if basis_best.is_finite() {
                    claims.push(
                        Claim::at_most(
                            &format!("rgs-beats-basis-{tag}"),
                            &format!(
                                "{carriers}, SIR {} dB: alpha-RGS's BER is at most BASIS's (the better variant)",
                                p.sir_db
                            ),
                            basis_best,
                            ber(&rgs),
                        )
                        .with_basis("the paper's table: alpha-RGS below BASIS at every SIR")
                        .with_note(format!("{} alpha-RGS errors in {} bits", rgs.errors, rgs.bits)),
                    );
                }
                if p.sir_db == -24.0 && p.mixtures >= 4 {
                    let paper = paper_ber_24(carriers);
                    let ci = wilson_interval(rgs.errors, rgs.bits, 0.95)?;
                    let mut claim = Claim::inside(
                        &format!("rgs-ber-near-paper-{tag}"),
                        &format!(
                            "{carriers}, SIR −24 dB: alpha-RGS's BER lies within a factor 3 of the paper's {paper:.1e}"
                        ),
                        (paper / 3.0, paper * 3.0),
                        ber(&rgs),
                    )
                    .with_interval((ci.lo, ci.hi))
                    .with_basis("the authors' results figure (alpha-RGS, analytic SOI score, learned interference)")
                    .with_note(format!(
                        "{} errors in {} bits, {} iterations; our interference score is analytic, not learned",
                        rgs.errors, rgs.bits, p.iterations
                    ));
                    // Below the band is better than the paper, not a failure to
                    // reproduce it: documented, not passed.
                    if ber(&rgs) < paper / 3.0 {
                        claim = claim.as_discrepancy(format!(
                            "alpha-RGS does better than the paper's figure here (95% interval {:.1e} … {:.1e}): our interference score is exact on the OFDM bodies where the paper's is a learned DiffWave",
                            ci.lo, ci.hi
                        ));
                    }
                    claims.push(claim);
                }
            }
        }
        claims.push(
            Claim::at_least(
                "synchronisation-finds-timing",
                "the maximum-likelihood synchronisation finds the interference's timing and phase in every mixture",
                synchronised.1 as f64,
                synchronised.0 as f64,
            )
            .with_basis("exact")
            .with_note(format!(
                "{} of {} mixtures (phase within 0.05 rad modulo the constellation's symmetry)",
                synchronised.0, synchronised.1
            )),
        );
        out.table("table", &table)?;
        out.figure(
            "ber-mse",
            &Figure::grid("alpha-RGS against MF, LMMSE and BASIS", 2, panels).with_caption(
                "Reproduces the BER/MSE comparison of arXiv 2306.14411: RRC-QPSK (2,560 samples) under OFDM interference with random timing and phase. MF = no separation; LMMSE = rf-signal's cyclostationary LMMSE with the known SIR; BASIS/modified BASIS = annealed Langevin; alpha-RGS with both scores analytic (interference synchronised by maximum likelihood), with the interference known only by its spectrum, and with the analytic SOI score and the shipped learned interference prior of each type (fewer mixtures and iterations, see docs/experiments.md). Markers without lines: the paper's alpha-RGS values, analytic SOI score (colour of our analytic alpha-RGS) and trained (colour of our learned one).",
            ),
        )?;
        Ok(claims)
    }
}
