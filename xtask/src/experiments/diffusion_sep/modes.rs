//! `diffusion-sep.modes`: α-RGS approaches the modes of the discrete SOI
//! law. The SOI estimate's symbols (its matched-filter outputs) are tracked
//! over the iterations of α-RGS (OFDM-QPSK interference at −12 dB, a few
//! mixtures): their mean distance to the nearest
//! QPSK point, and the symbol cloud of one mixture at a few iterations.
//!
//! The matched-filter initialisation puts every symbol on a constellation
//! point (up to the span-4 pulse's inter-symbol interference), wrong ones
//! included; the first large steps pull the estimate off the
//! constellation, after which the distance shrinks as the step size
//! anneals. The modes themselves (the constellation frames) do not sit
//! exactly on the points: the span-4 pulse's inter-symbol interference
//! puts the true SOI's own symbol estimates at a mean distance `d_true`
//! (about 0.011). Claims: over the last decade of iterations (checkpoints
//! from `N/10` on) the mean distance shrinks (the least-squares slope of
//! log distance against log iterations is negative: a trend, since single
//! checkpoints near the floor rise and fall with the sampler's noise), and
//! the final mean distance is at most `2 d_true`. The smoke profile runs
//! 2 mixtures for 5,000 iterations: fewer do not converge (1 × 1,500, the
//! first smoke profile, met the claims for 1 of 6 seeds).

use super::{Carriers, Setting, mode_distance};
use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use infoflow_diffusion_sep::rgs::AlphaRgs;
use infoflow_diffusion_sep::separation::{Problem, matched_filter_init};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::metrics::bit_errors;
use infoflow_rf_signal::modem::Modem;
use serde::{Deserialize, Serialize};
use std::f64::consts::FRAC_1_SQRT_2 as R;
use std::sync::Mutex;

/// The experiment.
pub struct Modes;

/// The single point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// SIR, dB.
    pub sir_db: f64,
    /// Mixtures (one batch).
    pub mixtures: usize,
    /// Iterations.
    pub iterations: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("sir={},n={}", self.sir_db, self.iterations)
    }
}

/// The trajectory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// `(iterations done, mean distance to the nearest QPSK point over symbols and mixtures)`, from 0.
    pub distance: Vec<(usize, f64)>,
    /// `(iterations done, symbol estimates of mixture 0 as (re, im))`.
    pub clouds: Vec<(usize, Vec<(f64, f64)>)>,
    /// The mean distance of the true SOIs' own symbol estimates (the modes').
    pub truth: f64,
    /// Bit errors at the end.
    pub errors: u64,
    /// Bits.
    pub bits: u64,
}

/// Log-spaced checkpoints up to `n`, with `n`.
fn checkpoints(n: usize) -> Vec<usize> {
    let mut c: Vec<usize> =
        (0..).map(|k| [1, 2, 5][k % 3] * 10usize.pow(k as u32 / 3)).take_while(|&v| v < n).collect();
    c.push(n);
    c
}

impl Experiment for Modes {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "diffusion-sep.modes",
            title: "alpha-RGS approaches the modes of the discrete SOI law: symbol estimates over the iterations",
            paper: "2306.14411",
            figure: "the abstract's claim that the estimates approach the modes of the discrete distribution",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (mixtures, iterations) = match profile {
            Profile::Smoke => (2, 5000),
            Profile::Quick => (8, 5000),
            Profile::Paper => (16, 20_000),
        };
        vec![Params { sir_db: -12.0, mixtures, iterations }]
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let setting = Setting::new(Carriers::Qpsk)?;
        let modem = &setting.soi_modem;
        let drawn = (0..p.mixtures as u64)
            .map(|i| setting.draw(p.sir_db, &mut streams.stream(i)))
            .collect::<Result<Vec<_>>>()?;
        // Each mixture has its own synchronised interference model, so each
        // is its own batch; the checkpoints are the same for all.
        let marks = checkpoints(p.iterations);
        let mut sums = vec![0.0; marks.len() + 1];
        let mut clouds = Vec::new();
        let (mut errors, mut bits, mut truth) = (0, 0, 0.0);
        for (i, d) in drawn.iter().enumerate() {
            let (interference, _) = setting.synchronised(d)?;
            sums[0] += mode_distance(modem, &matched_filter_init(modem, &d.mixture)?)? / p.mixtures as f64;
            truth += mode_distance(modem, &d.soi)? / p.mixtures as f64;
            let seen: Mutex<Vec<(usize, f64, Vec<C64>)>> = Mutex::new(Vec::new());
            let observe = |it: usize, s: &[&[C64]]| {
                if marks.contains(&(it + 1)) {
                    let dist = mode_distance(modem, s[0]).unwrap_or(f64::NAN);
                    let cloud = if i == 0 { modem.symbols(s[0]).unwrap_or_default() } else { Vec::new() };
                    seen.lock().expect("lock").push((it + 1, dist, cloud));
                }
            };
            let rgs = AlphaRgs { iterations: p.iterations, objective_draws: 0, ..AlphaRgs::default() };
            let problem = [Problem { mixture: &d.mixture, kappa: d.kappa }];
            let out = rgs.separate(
                &setting.soi,
                &interference,
                modem,
                &problem,
                vec![streams.stream(1_000 + i as u64)],
                &observe,
            )?;
            errors += bit_errors(&out[0].bits, &d.bits)?;
            bits += d.bits.len() as u64;
            for (k, (_, dist, cloud)) in seen.into_inner().expect("lock").into_iter().enumerate() {
                sums[k + 1] += dist / p.mixtures as f64;
                if i == 0 && (k == 3 || k + 4 == marks.len() || k + 1 == marks.len()) {
                    clouds.push((marks[k], cloud.iter().map(|z| (z.re, z.im)).collect()));
                }
            }
        }
        let distance = std::iter::once(0).chain(marks.iter().copied()).zip(sums).collect();
        Ok(Measured { distance, clouds, truth, errors, bits })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&["iterations", "mean_distance"]);
        let mut panels = Vec::new();
        for (p, m) in records {
            for &(it, d) in &m.distance {
                table.push(vec![Cell::from(it as u64), Cell::from(d)])?;
            }
            let late: Vec<(usize, f64)> = m.distance.iter().copied().filter(|v| v.0 >= p.iterations / 10).collect();
            // The trend: the least-squares slope of log distance against
            // log iterations over the last decade (the sampler's noise
            // makes single checkpoints rise once the distance nears its floor).
            let pts: Vec<(f64, f64)> = late.iter().map(|&(i, d)| ((i as f64).ln(), d.ln())).collect();
            let n = pts.len() as f64;
            let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
            let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
            let slope = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx;
            claims.push(
                Claim::at_most(
                    "distance-decreases-late",
                    "over the last decade of iterations the symbols' mean distance to the constellation shrinks: the least-squares slope of log distance against log iterations is negative",
                    0.0,
                    slope,
                )
                .with_basis("the paper's abstract: solutions approach the modes of the discrete distribution")
                .with_note(format!(
                    "slope {slope:.2} over {} checkpoints; distances {}",
                    late.len(),
                    late.iter().map(|(i, d)| format!("{i}: {d:.4}")).collect::<Vec<_>>().join(", ")
                )),
            );
            let last = m.distance.last().map_or(f64::NAN, |v| v.1);
            claims.push(
                Claim::at_most(
                    "final-distance-at-the-modes",
                    "the final mean distance of the symbol estimates to the nearest QPSK point is at most twice the true SOI's own (the modes')",
                    2.0 * m.truth,
                    last,
                )
                .with_basis("the modes are the constellation frames, whose symbol estimates carry the pulse's inter-symbol interference")
                .with_note(format!(
                    "true SOI {:.4}; {} iterations, {} mixtures; final BER {} / {}",
                    m.truth, p.iterations, p.mixtures, m.errors, m.bits
                )),
            );
            let x: Vec<f64> = m.distance.iter().map(|v| v.0.max(1) as f64).collect();
            let y: Vec<f64> = m.distance.iter().map(|v| v.1).collect();
            panels.push(Panel::Xy(XyPanel {
                title: format!("mean distance to the nearest QPSK point (SIR {} dB)", p.sir_db),
                x: Axis::log("iterations (the initialisation drawn at 1)"),
                y: Axis::log("mean distance"),
                series: vec![Series::line_markers("alpha-RGS", x, y)],
                legend: Legend::Hidden,
            }));
            for (k, (it, cloud)) in m.clouds.iter().enumerate() {
                panels.push(Panel::Xy(XyPanel {
                    title: format!("symbol estimates after {it} iterations"),
                    x: Axis::linear("in-phase").with_range(-1.5, 1.5),
                    y: Axis::linear("quadrature").with_range(-1.5, 1.5),
                    series: vec![
                        Series::markers(
                            "symbols",
                            cloud.iter().map(|v| v.0).collect(),
                            cloud.iter().map(|v| v.1).collect(),
                        )
                        .with_color(k + 1),
                        Series::markers("QPSK points", vec![R, R, -R, -R], vec![R, -R, R, -R]).with_color(7),
                    ],
                    legend: Legend::Hidden,
                }));
            }
        }
        out.table("table", &table)?;
        out.figure(
            "modes",
            &Figure::grid("alpha-RGS approaches the discrete modes", 2, panels).with_caption(
                "Checks the abstract of arXiv 2306.14411: the symbol estimates of the SOI estimate (matched filter) over the alpha-RGS iterations, OFDM-QPSK interference at -12 dB. Top left: mean distance to the nearest QPSK point; the others: one mixture's 160 symbols at three iterations (black: the QPSK points).",
            ),
        )?;
        Ok(claims)
    }
}
