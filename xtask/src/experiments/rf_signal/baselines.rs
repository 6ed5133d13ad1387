//! `rf-signal.baselines`: the classical separators on the eight mixture
//! types (two signals of interest × four synthetic interference families,
//! [`infoflow_rf_signal::interference`]) over the challenge's SINR grid.
//!
//! Per mixture type the separators train on mixtures drawn as the
//! organisers' training sets are (SINR uniform on `[−33, 3]` dB), then
//! separate test mixtures with the SINR estimated blindly (`P(y) − P_s`).
//! Per SINR level: the MSE of the SOI estimate (mean over frames, then dB)
//! and the BER with a Wilson interval; per method the challenge score.
//!
//! Claims: the block LMMSE's MSE is at or below the matched filter's (no
//! separation) at every SINR; the cyclostationary LMMSE improves on the
//! block LMMSE (mean MSE over the grid, dB) for the cyclostationary
//! interference families; every method's BER is monotone in SINR within its
//! 99 % intervals (no level's interval lies entirely above a lower level's);
//! the matched filter, whose SOI estimate is the mixture itself, has the
//! challenge MSE score `mean(max(−SINR, −50))` exactly (15 dB on the
//! challenge grid) on every mixture type.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::{Result, anyhow};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::power_to_db;
use infoflow_numerics::special::q_function_inv;
use infoflow_numerics::stats::Welford;
use infoflow_rf_signal::interference::Interference;
use infoflow_rf_signal::metrics::{Ber, Level, bit_errors, challenge_score, mse};
use infoflow_rf_signal::mixture::{Dataset, Mixture, MixtureType};
use infoflow_rf_signal::modem::Modem;
use infoflow_rf_signal::modem::SoiKind;
use infoflow_rf_signal::separator::{BlockLmmse, CyclicLmmse, MatchedFilter, Separator};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The experiment.
pub struct Baselines;

/// One mixture type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The mixture type (its name, e.g. `"QPSK_SC-like"`, is the point's key).
    pub mixture: MixtureType,
    /// Test SINR levels, dB.
    pub sinrs: Vec<f64>,
    /// Test frames per level.
    pub frames: usize,
    /// Training mixtures.
    pub train: usize,
    /// Block length of the block LMMSE.
    pub block: usize,
    /// Half-width of the cyclic LMMSE's filters.
    pub half: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        self.mixture.name()
    }
}

/// One method at one level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelResult {
    /// SINR, dB.
    pub sinr_db: f64,
    /// Mean MSE over frames (linear).
    pub mse: f64,
    /// Standard deviation of the per-frame MSE.
    #[serde(default)]
    pub mse_sd: f64,
    /// Bit errors.
    pub errors: u64,
    /// Bits.
    pub bits: u64,
}

/// One method on one mixture type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    /// Method name.
    pub method: String,
    /// Per level, in increasing SINR.
    pub levels: Vec<LevelResult>,
}

/// Every method on one mixture type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Per method: MF, LMMSE, cyclic LMMSE.
    pub methods: Vec<MethodResult>,
    /// The block LMMSE's closed-form MSE at each level from its trained
    /// covariances ([`BlockLmmse::predicted_mse`]).
    #[serde(default)]
    pub lmmse_predicted: Vec<f64>,
}

const METHODS: [&str; 3] = ["MF", "LMMSE", "cyclic LMMSE"];

/// A separator with the name the experiments show.
pub(crate) type Named = (String, Box<dyn Separator>);

/// The classical separators ([`METHODS`]: MF, block LMMSE, cyclostationary
/// LMMSE) trained on the first `train` training mixtures of `data`, and the
/// block LMMSE's closed-form MSE at each of `sinrs`.
pub(crate) fn classical(
    data: &Dataset,
    train: usize,
    block: usize,
    half: usize,
    sinrs: &[f64],
) -> Result<(Vec<Named>, Vec<f64>)> {
    let modem: Arc<dyn Modem> = Arc::from(data.kind().soi.modem());
    let train = (0..train as u64).map(|i| data.train(i)).collect::<Result<Vec<Mixture>, _>>()?;
    let mut lmmse = BlockLmmse::new(modem.clone(), block)?;
    lmmse.fit(&train)?;
    let mut mf = MatchedFilter::new(modem.clone());
    mf.fit(&train)?;
    let mut cyclic = CyclicLmmse::new(modem, half)?;
    cyclic.fit(&train)?;
    let predicted = sinrs.iter().map(|&s| lmmse.predicted_mse(s)).collect::<Result<Vec<f64>, _>>()?;
    let separators: Vec<Box<dyn Separator>> = vec![Box::new(mf), Box::new(lmmse), Box::new(cyclic)];
    Ok((METHODS.iter().map(|m| m.to_string()).zip(separators).collect(), predicted))
}

/// Per method, level and frame: the MSE (linear).
pub(crate) type FrameMse = Vec<Vec<Vec<f64>>>;

/// Every separator on `frames` test mixtures of `data` at each SINR (blind
/// SINR): per method the levels, and per method, level and frame the MSE.
pub(crate) fn evaluate(
    separators: &[Named],
    data: &Dataset,
    sinrs: &[f64],
    frames: usize,
) -> Result<(Vec<MethodResult>, FrameMse)> {
    let mut methods: Vec<MethodResult> =
        separators.iter().map(|(name, _)| MethodResult { method: name.clone(), levels: Vec::new() }).collect();
    let mut frame_mse = vec![Vec::with_capacity(sinrs.len()); separators.len()];
    for (li, &sinr) in sinrs.iter().enumerate() {
        let mut acc = vec![(Welford::new(), 0u64, 0u64, Vec::with_capacity(frames)); separators.len()];
        for f in 0..frames {
            let m = data.test((li * frames + f) as u64, sinr)?;
            for ((_, s), a) in separators.iter().zip(&mut acc) {
                let e = s.separate(&m.mixture, None)?;
                let err = mse(&e.soi, &m.soi)?;
                a.0.push(err);
                a.1 += bit_errors(&e.bits, &m.bits)?;
                a.2 += m.bits.len() as u64;
                a.3.push(err);
            }
        }
        for ((method, a), per_frame) in methods.iter_mut().zip(acc).zip(&mut frame_mse) {
            let sd = if a.0.count() > 1 { a.0.std_dev()? } else { 0.0 };
            method.levels.push(LevelResult { sinr_db: sinr, mse: a.0.mean()?, mse_sd: sd, errors: a.1, bits: a.2 });
            per_frame.push(a.3);
        }
    }
    Ok((methods, frame_mse))
}

impl Experiment for Baselines {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "rf-signal.baselines",
            title: "Classical separators (matched filter, block LMMSE, cyclostationary LMMSE) on eight mixture types",
            paper: "2409.08839",
            figure: "the baseline MSE and BER curves over SINR −30…0 dB and the challenge score (synthetic interference stand-ins)",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (sinrs, frames, train, block): (Vec<f64>, usize, usize, usize) = match profile {
            Profile::Smoke => ((0..6).map(|i| -30.0 + 6.0 * i as f64).collect(), 1, 4, 320),
            Profile::Quick => ((0..11).map(|i| -30.0 + 3.0 * i as f64).collect(), 20, 40, 640),
            Profile::Paper => ((0..11).map(|i| -30.0 + 3.0 * i as f64).collect(), 100, 200, 640),
        };
        MixtureType::challenge_stand_ins()
            .into_iter()
            .map(|mixture| Params { mixture, sinrs: sinrs.clone(), frames, train, block, half: 64 })
            .collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let data = Dataset::new(p.mixture.clone(), streams.stream(0).random::<u64>());
        let (separators, lmmse_predicted) = classical(&data, p.train, p.block, p.half, &p.sinrs)?;
        let (methods, _) = evaluate(&separators, &data, &p.sinrs, p.frames)?;
        Ok(Measured { methods, lmmse_predicted })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table =
            Table::new(&["mixture", "method", "sinr_db", "mse_db", "ber", "ber_lo", "ber_hi", "errors", "bits"]);
        let mut scores = Table::new(&["mixture", "method", "mse_score_db", "ber_score_db"]);
        let mut totals = vec![(0.0, 0.0); METHODS.len()];
        let mut mf_deviation = 0.0f64;
        let (mut mse_panels, mut ber_panels) = (Vec::new(), Vec::new());
        let mut order: Vec<&(Params, Measured)> = records.iter().collect();
        let names: Vec<String> = MixtureType::challenge_stand_ins().iter().map(|k| k.name()).collect();
        order.sort_by_key(|(p, _)| names.iter().position(|n| *n == p.mixture.name()));
        for (p, m) in order {
            let (mut mse_series, mut ber_series) = (Vec::new(), Vec::new());
            let mut mean_db = Vec::new();
            for (mi, method) in m.methods.iter().enumerate() {
                let levels: Vec<Level> = method
                    .levels
                    .iter()
                    .map(|l| Level { sinr_db: l.sinr_db, mse: l.mse, ber: Ber { errors: l.errors, bits: l.bits } })
                    .collect();
                let score = challenge_score(&levels)?;
                if method.method == "MF" {
                    let expected = p.sinrs.iter().map(|s| (-s).max(-50.0)).sum::<f64>() / p.sinrs.len() as f64;
                    mf_deviation = mf_deviation.max((score.mse - expected).abs());
                }
                totals[mi].0 += score.mse;
                totals[mi].1 += score.ber;
                scores.push(vec![
                    Cell::from(p.mixture.name()),
                    Cell::from(method.method.as_str()),
                    Cell::from(score.mse),
                    Cell::from(score.ber),
                ])?;
                let mut intervals = Vec::new();
                for l in &levels {
                    let ci = l.ber.interval(0.99)?;
                    intervals.push(ci);
                    table.push(vec![
                        Cell::from(p.mixture.name()),
                        Cell::from(method.method.as_str()),
                        Cell::from(l.sinr_db),
                        Cell::from(power_to_db(l.mse)),
                        Cell::from(l.ber.rate()),
                        Cell::from(ci.lo),
                        Cell::from(ci.hi),
                        Cell::from(l.ber.errors),
                        Cell::from(l.ber.bits),
                    ])?;
                }
                let violations = (0..levels.len())
                    .flat_map(|i| (i + 1..levels.len()).map(move |j| (i, j)))
                    .filter(|&(i, j)| intervals[j].lo > intervals[i].hi)
                    .count();
                claims.push(
                    Claim::at_most(
                        &format!("ber-monotone-{}-{}", p.mixture.name().to_lowercase(), method.method.to_lowercase().replace(' ', "-")),
                        &format!("{} on {}: BER does not rise with SINR beyond its 99% intervals", method.method, p.mixture),
                        0.0,
                        violations as f64,
                    ).with_basis("99 % Wilson intervals (a sign)")
                    .with_note(format!(
                        "pairs of levels whose Wilson intervals show a rise; BER from {:.3e} at {} dB to {:.3e} at {} dB",
                        levels[0].ber.rate(),
                        levels[0].sinr_db,
                        levels[levels.len() - 1].ber.rate(),
                        levels[levels.len() - 1].sinr_db
                    )),
                );
                let x: Vec<f64> = levels.iter().map(|l| l.sinr_db).collect();
                let db: Vec<f64> = levels.iter().map(|l| power_to_db(l.mse)).collect();
                mean_db.push(db.iter().sum::<f64>() / db.len() as f64);
                mse_series.push(Series::line_markers(method.method.clone(), x.clone(), db).with_color(mi));
                let (bx, by): (Vec<f64>, Vec<f64>) =
                    levels.iter().filter(|l| l.ber.errors > 0).map(|l| (l.sinr_db, l.ber.rate())).unzip();
                ber_series.push(Series::line_markers(method.method.clone(), bx, by).with_color(mi));
            }
            let db = |name: &str| -> Result<Vec<f64>> {
                let method = m.methods.iter().find(|x| x.method == name).ok_or_else(|| anyhow!("{name} missing"))?;
                Ok(method.levels.iter().map(|l| power_to_db(l.mse)).collect())
            };
            let (mf, lmmse, cyclic) = (db("MF")?, db("LMMSE")?, db("cyclic LMMSE")?);
            let worst = lmmse.iter().zip(&mf).map(|(l, f)| l - f).fold(f64::NEG_INFINITY, f64::max);
            claims.push(
                Claim::at_most(
                    &format!("lmmse-below-mf-{}", p.mixture.name().to_lowercase()),
                    &format!("{}: the block LMMSE's MSE is at or below the matched filter's at every SINR", p.mixture),
                    0.0,
                    worst,
                )
                .with_basis("theory gives a sign: LMMSE is the best linear estimator")
                .with_note("largest MSE difference LMMSE − MF over the grid, dB"),
            );
            // The block LMMSE against its closed form from the trained
            // covariances, where the model's assumptions hold: a
            // single-carrier SOI and interference that is Gaussian-like and
            // stationary over frames (random timing and carrier offset). Not
            // claimed: the OFDM SOI, whose cyclic structure is aligned with
            // the blocks (the stationary prediction is pessimistic by up to
            // 0.5 dB at −30 dB), and the impulsive EMI-like bursts, whose
            // per-frame MSE is too heavy-tailed for a 20-frame standard error.
            let lmmse_method =
                m.methods.iter().find(|x| x.method == "LMMSE").ok_or_else(|| anyhow!("LMMSE missing"))?;
            let stationary_model =
                p.mixture.soi == SoiKind::Qpsk && !matches!(p.mixture.interference, Interference::ToneBursts { .. });
            if stationary_model && p.frames >= 10 && m.lmmse_predicted.len() == lmmse_method.levels.len() {
                // Family-wise 0.1 % over the SINR grid (Bonferroni).
                let levels = lmmse_method.levels.len() as f64;
                let z = q_function_inv(0.0005 / levels)?;
                let worst = lmmse_method
                    .levels
                    .iter()
                    .zip(&m.lmmse_predicted)
                    .map(|(l, &pred)| {
                        (l.mse - pred).abs() / (l.mse_sd / (p.frames as f64).sqrt()).max(f64::MIN_POSITIVE)
                    })
                    .fold(0.0, f64::max);
                let dev_db = lmmse_method
                    .levels
                    .iter()
                    .zip(&m.lmmse_predicted)
                    .map(|(l, &pred)| 10.0 * (l.mse / pred).log10())
                    .fold(0.0f64, |a, v| if v.abs() > a.abs() { v } else { a });
                claims.push(
                    Claim::at_most(
                        &format!("lmmse-closed-form-{}", p.mixture.name().to_lowercase()),
                        &format!("{}: the block LMMSE's MSE equals its closed form (tr C_s − tr C_s (C_s + γ C_b)⁻¹ C_s)/block from the trained covariances at every SINR (measured: the largest deviation in standard errors of the frame mean)", p.mixture),
                        z,
                        worst,
                    )
                    .with_basis(format!("{z:.2} s.e. of the frame mean: family-wise 0.1 % over the SINR grid"))
                    .with_note(format!("{} frames per level, blind SINR; largest deviation {dev_db:+.3} dB", p.frames)),
                );
            }
            let k = &p.mixture;
            if k.interference.is_cyclostationary() {
                let gain = lmmse.iter().zip(&cyclic).map(|(l, c)| l - c).sum::<f64>() / lmmse.len() as f64;
                claims.push(
                    Claim::at_least(
                        &format!("cyclic-beats-lmmse-{}", p.mixture.name().to_lowercase()),
                        &format!(
                            "{}: the cyclostationary LMMSE lowers the MSE of the block LMMSE (mean over the SINR grid)",
                            p.mixture
                        ),
                        0.0,
                        gain,
                    )
                    .with_basis("theory gives a sign")
                    .with_note(format!(
                        "dB gained on average; at {} dB: {:.2} vs {:.2} dB",
                        p.sinrs[p.sinrs.len() - 1],
                        cyclic[cyclic.len() - 1],
                        lmmse[lmmse.len() - 1]
                    )),
                );
            }
            mse_panels.push(Panel::Xy(XyPanel {
                title: p.mixture.name(),
                x: Axis::linear("SINR (dB)"),
                y: Axis::linear("MSE (dB)"),
                series: mse_series,
                legend: Legend::UpperRight,
            }));
            ber_panels.push(Panel::Xy(XyPanel {
                title: p.mixture.name(),
                x: Axis::linear("SINR (dB)"),
                y: Axis::log("BER"),
                series: ber_series,
                legend: Legend::LowerLeft,
            }));
        }
        // No separation (ŝ = y): the error is the interference, scaled to the
        // level's SINR exactly in every frame, so MSE_dB = −SINR and the MSE
        // score is the mean of max(−SINR, −50) over the levels.
        let sinrs: Vec<f64> = records.first().map(|(p, _)| p.sinrs.clone()).unwrap_or_default();
        let expected = sinrs.iter().map(|s| (-s).max(-50.0)).sum::<f64>() / sinrs.len().max(1) as f64;
        claims.push(
            Claim::at_most(
                "no-separation-mse-score",
                &format!(
                    "the matched filter's SOI estimate is the mixture itself, so its challenge MSE score is the mean of max(−SINR, −50) ({expected:.1} dB on the challenge grid) on every one of the {} mixture types (largest deviation, dB)",
                    records.len()
                ),
                1e-9,
                mf_deviation,
            )
            .with_basis("closed form (the mixtures are scaled to each level's SINR exactly); 1e-9 for rounding"),
        );
        for (name, (mse_total, ber_total)) in METHODS.iter().zip(&totals) {
            scores.push(vec![
                Cell::from("total"),
                Cell::from(*name),
                Cell::from(*mse_total),
                Cell::from(*ber_total),
            ])?;
        }
        out.table("table", &table)?;
        out.table("scores", &scores)?;
        out.figure("mse", &Figure::grid("MSE of the SOI estimate against SINR", 4, mse_panels)
            .with_caption("Reproduces the classical-baseline curves of the RF Challenge (arXiv 2409.08839) on synthetic interference stand-ins: MSE of the SOI estimate against SINR for the matched filter, block LMMSE and cyclostationary LMMSE, one panel per mixture type. Expect LMMSE below the matched filter everywhere, and the cyclostationary LMMSE lowest on cyclostationary interference."))?;
        out.figure("ber", &Figure::grid("BER against SINR", 4, ber_panels)
            .with_caption("Reproduces the classical-baseline BER curves of the RF Challenge (arXiv 2409.08839) on synthetic interference stand-ins: BER against SINR with 99% intervals, one panel per mixture type. Expect BER to fall with SINR, fastest for the LMMSE separators."))?;
        Ok(claims)
    }
}
