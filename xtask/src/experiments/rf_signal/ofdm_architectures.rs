//! `rf-signal.ofdm-architectures`: the co-channel OFDM architecture study
//! (arXiv 2303.06438): why the first layer's kernel must span the FFT.
//!
//! Every profile evaluates the nets in `models/` (`cargo xtask train
//! <name>`, see `xtask::models`: per case a Wave-U-Net with the plain first
//! kernel 15 and the long one 101 and a Conv-TasNet; on case 4 the kernel
//! sweep 15 … 101) on test windows of the prototype problem at each net's
//! training window length, next to the oracle (rf-signal's
//! `Prototype::oracle`, exact up to rounding). The profiles differ in test
//! windows (smoke 4, quick 200, paper 1,000 as the paper's test set).
//!
//! Claims (the issue's, fixed before any model was trained; the margins
//! came later, see below):
//! * case 4: the long first kernel improves the MSE over kernel 15 by at
//!   least 20 dB (the paper: about 35 dB);
//! * case 4: the improvement appears once the kernel nears the FFT size:
//!   from kernel 51 to the better of 63 and 65 the MSE improves by at
//!   least 10 dB and by more than at any other step of the sweep;
//! * cases 3 and 4: the long-kernel Wave-U-Net beats Conv-TasNet by at
//!   least 10 dB.
//! * the long first layer's filters put most of their response on one
//!   carrier: the median carrier selectivity (the share of a filter's
//!   64-point DFT energy on its strongest carrier and that carrier's
//!   mirror) is at least 0.5, and above kernel 15's.
//!
//! The margins (10 dB) were added after a first evaluation of the shipped
//! models passed the plain comparisons on differences of a few tenths of a
//! dB between nets that all sit at the linear estimator's floor: noise,
//! not the paper's effect (its margins are 25–46 dB).

use crate::experiments::rf_signal::learned::models_root;
use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use crate::models::{self, PROTOTYPE_SWEEP_KERNELS, PROTOTYPE_TABLE_KERNELS, Scale, Trains};
use anyhow::{Context, Result, anyhow, bail};
use infoflow_nn::Architecture;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::{C64, fft_plans, power_to_db};
use infoflow_numerics::stats::Welford;
use infoflow_rf_signal::prototype::Case;
use infoflow_rf_signal::prototype::learned::PrototypeNet;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct OfdmArchitectures;

/// One case and the nets trained on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The case, 1 … 4.
    pub case: usize,
    /// The nets' directories under `models/`.
    pub models: Vec<String>,
    /// Test windows.
    pub windows: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("case{}", self.case)
    }
}

/// One net on one case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetResult {
    /// Its name.
    pub name: String,
    /// `waveunet` or `convtasnet`.
    pub kind: String,
    /// A Wave-U-Net's first-layer kernel.
    pub first_kernel: Option<usize>,
    /// Parameters.
    pub parameters: usize,
    /// Training steps.
    pub steps: usize,
    /// Training window, samples.
    pub window: usize,
    /// Validation MSE of the kept net.
    pub validation_loss: f64,
    /// The weights' checksum.
    pub weights_xxh3: String,
    /// Per test window, the MSE of the SOI estimate (linear).
    pub mse: Vec<f64>,
    /// A Wave-U-Net's first-layer filters: their carrier selectivity.
    pub selectivity: Vec<f64>,
    /// The 64-point DFT energy (bins 0 … 32) of the three most selective
    /// first-layer filters, each normalised to its total.
    pub spectra: Vec<Vec<f64>>,
}

/// Every net of one case, and the oracle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Per net.
    pub nets: Vec<NetResult>,
    /// Per test window, the oracle's MSE (linear).
    pub oracle_mse: Vec<f64>,
}

/// The share of a filter's 64-point DFT energy (the filter folded onto one
/// period: what acts on 64-periodic windows) on its strongest carrier and
/// that carrier's mirror, and the energy per bin `0 ..= 32` (normalised).
pub fn carrier_selectivity(filter: &[f64], fft_size: usize) -> (f64, Vec<f64>) {
    let mut folded = vec![C64::new(0.0, 0.0); fft_size];
    for (i, &v) in filter.iter().enumerate() {
        folded[i % fft_size].re += v;
    }
    fft_plans().forward(fft_size).process(&mut folded);
    let energy: Vec<f64> = folded.iter().map(|z| z.norm_sqr()).collect();
    let total: f64 = energy.iter().sum();
    if total <= 0.0 {
        return (0.0, vec![0.0; fft_size / 2 + 1]);
    }
    let pair = |k: usize| if k == 0 || 2 * k == fft_size { energy[k] } else { energy[k] + energy[fft_size - k] };
    let best = (0..=fft_size / 2).map(pair).fold(0.0, f64::max);
    (best / total, (0..=fft_size / 2).map(|k| pair(k) / total).collect())
}

/// The mean of linear MSEs.
fn mean_of(mse: &[f64]) -> f64 {
    mse.iter().sum::<f64>() / mse.len().max(1) as f64
}

/// `10 log10` of the mean of linear MSEs.
fn mean_db(mse: &[f64]) -> f64 {
    power_to_db(mean_of(mse))
}

/// The median of a non-empty slice.
fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() { f64::NAN } else { s[s.len() / 2] }
}

impl Experiment for OfdmArchitectures {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "rf-signal.ofdm-architectures",
            title: "Co-channel OFDM separation: a first layer whose kernel spans the FFT",
            paper: "2303.06438",
            figure: "the MSE table of cases 1–4 (Wave-U-Net with kernel 15 and with a long first kernel, Conv-TasNet) and the kernel sweep on case 4 (shipped small nets)",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let windows = match profile {
            Profile::Smoke => 4,
            Profile::Quick => 200,
            Profile::Paper => 1000,
        };
        let recipes = models::recipes(Scale::Shipped);
        Case::ALL
            .iter()
            .map(|&case| Params {
                case: case.number(),
                models: recipes
                    .iter()
                    .filter(|r| matches!(r.trains, Trains::Prototype(c) if c == case))
                    .map(|r| r.name.clone())
                    .collect(),
                windows,
            })
            .collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let case = Case::new(p.case)?;
        let seed = streams.stream(0).random::<u64>();
        let root = models_root()?;
        let mse = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64;
        let mut nets = Vec::new();
        let mut oracle_mse = Vec::new();
        for name in &p.models {
            let window = models::recipe(name, Scale::Shipped)?.crop;
            let problem = models::prototype_problem(case, window)?;
            let net = PrototypeNet::load(&root.join(name), &problem)
                .with_context(|| format!("loading model {name} (train it with `cargo xtask train {name}`)"))?;
            let test: Vec<_> = (0..p.windows as u64).map(|i| problem.window_of(seed, false, i)).collect();
            let mut errors = Vec::with_capacity(test.len());
            for chunk in test.chunks(32) {
                let mixtures: Vec<&[f64]> = chunk.iter().map(|w| w.mixture.as_slice()).collect();
                for (est, w) in net.separate(&mixtures)?.iter().zip(chunk) {
                    errors.push(mse(est, &w.soi));
                }
            }
            if oracle_mse.is_empty() {
                for w in &test {
                    oracle_mse.push(mse(&problem.oracle().separate(&w.mixture)?, &w.soi));
                }
            }
            let (mut selectivity, mut spectra) = (Vec::new(), Vec::new());
            if let Some(filters) = net.first_layer() {
                let mut scored: Vec<(f64, Vec<f64>)> =
                    filters.iter().map(|f| carrier_selectivity(f, problem.fft_size())).collect();
                selectivity = scored.iter().map(|s| s.0).collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                spectra = scored.into_iter().take(3).map(|s| s.1).collect();
            }
            let card = net.card();
            nets.push(NetResult {
                name: name.clone(),
                kind: card.architecture.kind().into(),
                first_kernel: match &card.architecture {
                    Architecture::WaveUNet(c) => Some(c.first_kernel),
                    _ => None,
                },
                parameters: card.parameters,
                steps: card.steps,
                window,
                validation_loss: card.validation_loss,
                weights_xxh3: card.weights_xxh3.clone(),
                mse: errors,
                selectivity,
                spectra,
            });
        }
        Ok(Measured { nets, oracle_mse })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        if records.is_empty() {
            bail!("no records");
        }
        let paper = |case: usize, what: &str| -> Option<f64> {
            // The paper's Table (depth 5; Conv-TasNet) and sweep, dB.
            let table = [
                ("long", [-65.5, -47.6, -47.4, -41.2]),
                ("k15", [-57.2, -46.8, -4.7, -4.7]),
                ("convtasnet", [-40.8, -12.2, -1.0, -0.9]),
            ];
            table.iter().find(|(w, _)| *w == what).map(|(_, v)| v[case - 1])
        };
        let mut table = Table::new(&["case", "net", "first_kernel", "mse_db", "mse_db_se", "paper_db", "windows"]);
        let mut cards =
            Table::new(&["net", "architecture", "parameters", "steps", "window", "validation_mse", "weights_xxh3"]);
        let mut claims = Vec::new();
        let find = |m: &Measured, name: &str| -> Result<NetResult> {
            m.nets.iter().find(|n| n.name == name).cloned().ok_or_else(|| anyhow!("{name} missing"))
        };
        let [short_k, long_k] = PROTOTYPE_TABLE_KERNELS;
        let db_se = |mse: &[f64]| -> Result<(f64, f64)> {
            // The mean's standard error through the delta method in dB.
            let mut w = Welford::new();
            mse.iter().for_each(|&v| w.push(v));
            let mean = w.mean()?;
            let se = if mse.len() > 1 { w.std_dev()? / (mse.len() as f64).sqrt() } else { f64::NAN };
            Ok((power_to_db(mean), 10.0 / std::f64::consts::LN_10 * se / mean))
        };
        let mut by_case = Vec::new();
        for (p, m) in records {
            let case = Case::new(p.case)?;
            for n in &m.nets {
                let (db, se) = db_se(&n.mse)?;
                let label = match n.first_kernel {
                    Some(k) if k == long_k => Some("long"),
                    Some(k) if k == short_k => Some("k15"),
                    None => Some("convtasnet"),
                    _ => None,
                };
                table.push(vec![
                    Cell::from(p.case),
                    Cell::from(n.name.as_str()),
                    Cell::from(n.first_kernel.map_or(String::new(), |k| k.to_string())),
                    Cell::from(db),
                    Cell::from(se),
                    Cell::from(label.and_then(|l| paper(p.case, l)).map_or(String::new(), |v| format!("{v}"))),
                    Cell::from(n.mse.len()),
                ])?;
                cards.push(vec![
                    Cell::from(n.name.as_str()),
                    Cell::from(n.kind.as_str()),
                    Cell::from(n.parameters),
                    Cell::from(n.steps),
                    Cell::from(n.window),
                    Cell::from(n.validation_loss),
                    Cell::from(n.weights_xxh3.as_str()),
                ])?;
            }
            // Often exactly 0: shown floored at −300 dB.
            let oracle_db = power_to_db(mean_of(&m.oracle_mse).max(1e-30));
            let worst = m.oracle_mse.iter().copied().fold(0.0, f64::max);
            table.push(vec![
                Cell::from(p.case),
                Cell::from("oracle"),
                Cell::from(""),
                Cell::from(oracle_db),
                Cell::from(f64::NAN),
                Cell::from(""),
                Cell::from(m.oracle_mse.len()),
            ])?;
            claims.push(
                Claim::at_most(
                    &format!("oracle-exact-case{}", p.case),
                    &format!(
                        "{}: the oracle separates exactly: its largest per-window MSE is at rounding level",
                        case.name()
                    ),
                    1e-20,
                    worst,
                )
                .with_basis(
                    "perfect separation is possible in every case (the paper's point); f64 rounding leaves below 1e-30",
                )
                .with_note(format!("mean {oracle_db:.0} dB (floored at −300 dB) over {} windows", m.oracle_mse.len())),
            );
            by_case.push((p, m, case));
        }
        let scale_note = |m: &Measured| {
            // The nets' scale in one line: parameters, steps and windows.
            let range = |f: &dyn Fn(&NetResult) -> usize| {
                let v: Vec<usize> = m.nets.iter().map(f).collect();
                let (lo, hi) = (v.iter().min().copied().unwrap_or(0), v.iter().max().copied().unwrap_or(0));
                if lo == hi { format!("{lo}") } else { format!("{lo}–{hi}") }
            };
            format!(
                "{} nets of {} parameters, {} training steps on windows of {} samples; the paper's (480 first-layer filters, depth 5 or 12) train for up to 2,000 epochs of 90,000 windows of 4,096",
                m.nets.len(),
                range(&|n| n.parameters),
                range(&|n| n.steps),
                range(&|n| n.window)
            )
        };
        // Case 4: long against short, the sweep, the filters.
        let (_, m4, _) =
            by_case.iter().find(|(_, _, c)| *c == Case::Pam4Pam4).ok_or_else(|| anyhow!("case 4 missing"))?;
        let short = find(m4, &models::waveunet_name(Case::Pam4Pam4, short_k))?;
        let long = find(m4, &models::waveunet_name(Case::Pam4Pam4, long_k))?;
        let gain = mean_db(&short.mse) - mean_db(&long.mse);
        claims.push(
            Claim::at_least(
                "long-kernel-gain-case4",
                &format!("case 4 (4-PAM + 4-PAM): the first kernel {long_k} improves the Wave-U-Net's MSE over kernel {short_k} by at least 20 dB"),
                20.0,
                gain,
            )
            .with_basis("the issue's bound; the paper reports about 35 dB (−4.7 → −41.2 dB at depth 5)")
            .with_note(format!("kernel {short_k}: {:.1} dB, kernel {long_k}: {:.1} dB", mean_db(&short.mse), mean_db(&long.mse)))
            .as_discrepancy(format!("not reached at the shipped scale ({})", scale_note(m4))),
        );
        let mut sweep: Vec<(usize, f64)> = PROTOTYPE_SWEEP_KERNELS
            .iter()
            .map(|&k| Ok((k, mean_db(&find(m4, &models::waveunet_name(Case::Pam4Pam4, k))?.mse))))
            .collect::<Result<_>>()?;
        sweep.sort_by_key(|s| s.0);
        // The step onto the FFT size: from the largest sweep kernel below 63
        // to the better of 63 and 65; it must be large (10 dB: the paper's
        // is 25 dB) and the largest of the sweep's steps (a tenth of a dB
        // at the linear estimator's floor is noise, not a step).
        let db_at = |k: usize| sweep.iter().find(|s| s.0 == k).map(|s| s.1);
        let below =
            sweep.iter().filter(|s| s.0 < 63).map(|s| s.0).max().ok_or_else(|| anyhow!("no kernel below 63"))?;
        let at_fft = db_at(63).into_iter().chain(db_at(65)).fold(f64::INFINITY, f64::min);
        let fft_step = db_at(below).ok_or_else(|| anyhow!("kernel {below} missing"))? - at_fft;
        let other_steps = sweep
            .windows(2)
            .filter(|w| !(w[0].0 == below || w[1].0 == 63 || w[1].0 == 65 || w[0].0 == 63))
            .map(|w| w[0].1 - w[1].1)
            .fold(f64::NEG_INFINITY, f64::max);
        claims.push(
            Claim::at_least(
                "sweep-step-near-fft-size",
                &format!(
                    "case 4: the MSE drops once the kernel nears the FFT size (64): from kernel {below} to the better of 63 and 65 it improves by at least 10 dB and by more than any other step of the sweep (largest other step {other_steps:.1} dB)"
                ),
                10.0_f64.max(other_steps),
                fft_step,
            )
            .with_basis("the paper's sweep: 51 → −16.3 dB, 63 → −41.4 dB (25 dB), every other step at most 10 dB")
            .with_note(sweep.iter().map(|(k, d)| format!("{k}: {d:.1} dB")).collect::<Vec<_>>().join(", "))
            .as_discrepancy(format!("no step at the FFT size at the shipped scale ({})", scale_note(m4))),
        );
        for &(p, m, case) in &by_case {
            if matches!(case, Case::BpskPam4 | Case::Pam4Pam4) {
                let long = find(m, &models::waveunet_name(case, long_k))?;
                let ctn = find(m, &models::convtasnet_name(case))?;
                claims.push(
                    Claim::at_least(
                        &format!("long-beats-convtasnet-case{}", p.case),
                        &format!(
                            "{}: the long-kernel Wave-U-Net's MSE is at least 10 dB below Conv-TasNet's (difference, dB)",
                            case.name()
                        ),
                        // A margin: both nets at the linear estimator's floor
                        // differ by tenths of a dB, which is not "beats".
                        10.0,
                        mean_db(&ctn.mse) - mean_db(&long.mse),
                    )
                    .with_basis("the paper's table: −47.4 / −41.2 dB against −1.0 / −0.9 dB (46 and 40 dB); 10 dB separates a learned structure from the floor")
                    .with_note(format!(
                        "Wave-U-Net {:.1} dB, Conv-TasNet {:.1} dB",
                        mean_db(&long.mse),
                        mean_db(&ctn.mse)
                    ))
                    .as_discrepancy(format!("not reached at the shipped scale ({})", scale_note(m))),
                );
            }
        }
        let (ms, ml) = (median(&short.selectivity), median(&long.selectivity));
        claims.push(
            Claim::at_least(
                "long-filters-select-carriers",
                &format!("case 4: the median carrier selectivity of the first layer's filters is at least 0.5 with kernel {long_k} (kernel {short_k}: {ms:.2})"),
                0.5_f64.max(ms),
                ml,
            )
            .with_basis("a filter tuned to one carrier puts all its 64-point DFT energy on that carrier and its mirror (selectivity 1); 0.5 = half; it must also exceed the short kernel's median")
            .as_discrepancy(format!("the long filters did not specialise at the shipped scale ({})", scale_note(m4))),
        );
        out.table("table", &table)?;
        out.table("models", &cards)?;
        // The sweep.
        let sweep_panel = Panel::Xy(XyPanel {
            title: "case 4 (4-PAM + 4-PAM): MSE against the first kernel".into(),
            x: Axis::linear("first-layer kernel (samples; FFT size 64)"),
            y: Axis::linear("MSE of the SOI estimate (dB)"),
            series: vec![
                Series::line_markers(
                    "Wave-U-Net (ours)",
                    sweep.iter().map(|s| s.0 as f64).collect(),
                    sweep.iter().map(|s| s.1).collect(),
                )
                .with_color(0),
                Series::markers(
                    "the paper (depth 5)",
                    vec![15.0, 21.0, 31.0, 51.0, 63.0, 65.0, 71.0, 81.0, 91.0, 101.0],
                    vec![-6.0, -5.6, -6.2, -16.3, -41.4, -42.8, -42.1, -42.7, -44.7, -41.2],
                )
                .with_color(1),
            ],
            legend: Legend::UpperRight,
        });
        out.figure("sweep", &Figure::single("The kernel sweep on case 4", sweep_panel).with_caption(
            "Reproduces the kernel sweep of arXiv 2303.06438 (case 4, depth 5) at a 2-core CPU's scale: the test MSE of the shipped Wave-U-Nets against their first-layer kernel, next to the paper's values. Expect a drop once the kernel reaches the FFT size (64); the oracle separates exactly (about −300 dB, off the chart).",
        ))?;
        // The table as a figure: per case, ours and the paper's.
        let cases: Vec<String> = by_case.iter().map(|(p, _, _)| format!("case {}", p.case)).collect();
        let mut series = Vec::new();
        for (i, (label, what, name)) in [
            (format!("Wave-U-Net, kernel {short_k}"), "k15", None),
            (format!("Wave-U-Net, kernel {long_k}"), "long", None),
            ("Conv-TasNet".to_string(), "convtasnet", Some(())),
        ]
        .into_iter()
        .enumerate()
        {
            let ours: Vec<f64> = by_case
                .iter()
                .map(|(_, m, case)| {
                    let net = match (what, name) {
                        ("k15", _) => models::waveunet_name(*case, short_k),
                        ("long", _) => models::waveunet_name(*case, long_k),
                        _ => models::convtasnet_name(*case),
                    };
                    find(m, &net).map(|n| mean_db(&n.mse))
                })
                .collect::<Result<_>>()?;
            let x: Vec<f64> = (0..ours.len()).map(|c| c as f64).collect();
            let theirs: Vec<f64> = by_case.iter().map(|(p, _, _)| paper(p.case, what).unwrap_or(f64::NAN)).collect();
            series.push(Series::line_markers(format!("{label} (ours)"), x.clone(), ours).with_color(i));
            series.push(Series::markers(format!("{label} (paper)"), x, theirs).with_color(i));
        }
        out.figure("table", &Figure::single("Test MSE by case", Panel::Xy(XyPanel {
            title: "MSE of the SOI estimate, cases 1–4".into(),
            x: Axis::categories("case", cases),
            y: Axis::linear("MSE (dB)"),
            series,
            legend: Legend::UpperRight,
        })).with_caption(
            "Reproduces the MSE table of arXiv 2303.06438 at a 2-core CPU's scale: test MSE of the shipped nets per case (lines) next to the paper's (markers; Wave-U-Net at depth 5 with the long kernel 101). The oracle separates every case exactly (about −300 dB, off the chart). Expect the long kernel far below kernel 15 and Conv-TasNet on cases 3 and 4.",
        ))?;
        // The filters.
        let mut panels = Vec::new();
        for (net, title) in [(&short, format!("kernel {short_k}")), (&long, format!("kernel {long_k}"))] {
            let series = net
                .spectra
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    Series::line_markers(
                        format!("filter {}", i + 1),
                        (0..s.len()).map(|k| k as f64).collect(),
                        s.clone(),
                    )
                    .with_color(i)
                })
                .collect();
            panels.push(Panel::Xy(XyPanel {
                title: format!("{title}: its 3 most selective filters"),
                x: Axis::linear("carrier (64-point DFT bin)"),
                y: Axis::linear("share of the filter's energy"),
                series,
                legend: Legend::UpperRight,
            }));
        }
        let sorted = |v: &[f64]| {
            let mut s = v.to_vec();
            s.sort_by(|a, b| b.total_cmp(a));
            s
        };
        panels.push(Panel::Xy(XyPanel {
            title: "carrier selectivity of every first-layer filter".into(),
            x: Axis::linear("filter (most selective first)"),
            y: Axis::linear("selectivity").with_range(0.0, 1.0),
            series: vec![
                Series::line(
                    format!("kernel {short_k}"),
                    (0..short.selectivity.len()).map(|i| i as f64).collect(),
                    sorted(&short.selectivity),
                )
                .with_color(0),
                Series::line(
                    format!("kernel {long_k}"),
                    (0..long.selectivity.len()).map(|i| i as f64).collect(),
                    sorted(&long.selectivity),
                )
                .with_color(1),
                Series::dashed("0.5", vec![0.0, long.selectivity.len().max(1) as f64], vec![0.5, 0.5]).with_color(2),
            ],
            legend: Legend::UpperRight,
        }));
        out.figure("filters", &Figure::grid("What the first layer learned (case 4)", 3, panels).with_caption(
            "Reproduces the first-layer analysis of arXiv 2303.06438: the 64-point DFT energy (filter folded onto one period, bins 0 … 32 with their mirrors) of the three most carrier-selective first-layer filters of the case-4 Wave-U-Nets with kernel 15 and 101, and every filter's selectivity (the share on its strongest carrier). Expect sinusoids at subcarrier frequencies (one dominant bin) for the long kernel, broad responses for kernel 15.",
        ))?;
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carrier_sinusoid_is_fully_selective() {
        let sine = |k: usize| -> Vec<f64> {
            (0..k).map(|n| (2.0 * std::f64::consts::PI * 5.0 * n as f64 / 64.0 + 0.3).cos()).collect()
        };
        // Two whole periods fold onto one carrier: all on bin 5 (and 59).
        let (s, spectrum) = carrier_selectivity(&sine(128), 64);
        assert!(s > 0.999 && spectrum[5] > 0.999, "{s}");
        // 101 taps: the extra 37 leak, most stays.
        let (s, spectrum) = carrier_selectivity(&sine(101), 64);
        assert!(s > 0.7 && spectrum[5] == s, "{s}");
        let impulse = [1.0];
        assert!((carrier_selectivity(&impulse, 64).0 - 2.0 / 64.0).abs() < 1e-12, "a flat response");
    }
}
