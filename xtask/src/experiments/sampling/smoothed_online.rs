//! `sampling.smoothed-online`: regret against the horizon `T` for online
//! prediction of thresholds on `[0, 1]` ([`infoflow_sampling::online`]),
//! with 10 % label noise, against a σ-smooth adversary (σ = 0.1) and
//! adversaries bounded only in KL or χ² (`D = 0.5`, mass pushed onto an
//! interval of length 0.01 around the true threshold, realised by the
//! truncated rejection sampler from 50 proposals), for Hedge and for the
//! oracle-efficient follow-the-perturbed-leader learner (√T hallucinated
//! points), both over 256 grid thresholds. Regret is against the best
//! threshold in hindsight, averaged over repetitions.
//!
//! Claims: regret is sublinear for every adversary and learner (log-log
//! slope ≤ 0.75, theory: 1/2 smooth, at most 2/3 under KL); near 1/2 for
//! the σ-smooth adversary (±0.15); the oracle-efficient learner's regret is
//! within a factor 3 of Hedge's at every `T`.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::stats::{Welford, fit_line};
use infoflow_sampling::divergence::{ChiSquared, FDivergence, Kl};
use infoflow_sampling::online::{Adversary, Learner, play};
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct SmoothedOnline;

/// One (adversary, learner, T) point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The adversary.
    pub adversary: AdversaryKind,
    /// The learner.
    pub learner: LearnerKind,
    /// Horizon.
    pub horizon: usize,
    /// Repetitions.
    pub reps: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},{},T={}", self.adversary, self.learner, self.horizon)
    }
}

/// Mean regret over repetitions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Mean regret.
    pub regret: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Mean loss of the best threshold.
    pub best_loss: f64,
}

crate::names! {
    /// The adversaries: σ-smooth, and KL- or χ²-bounded.
    pub enum AdversaryKind { Smooth = "smooth", Kl = "kl", Chi2 = "chi2" }
}

crate::names! {
    /// The learners.
    pub enum LearnerKind { Hedge = "hedge", Ftpl = "ftpl" }
}
const GRID: usize = 256;

impl Experiment for SmoothedOnline {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "sampling.smoothed-online",
            title: "Smoothed online learning of thresholds: regret against T for σ-smooth, KL- and χ²-bounded adversaries",
            paper: "2302.04658",
            figure: "arXiv 2302.04658, the smoothed online learning application: regret of Hedge and oracle-efficient FTPL against f-smoothed adversaries",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (ts, reps): (Vec<usize>, usize) = match profile {
            Profile::Smoke => (vec![100, 316, 1000, 3162], 20),
            Profile::Quick => (vec![100, 316, 1000, 3162, 10_000], 40),
            Profile::Paper => (vec![100, 316, 1000, 3162, 10_000, 31_623, 100_000], 200),
        };
        let mut pts = Vec::new();
        for a in AdversaryKind::ALL {
            for l in LearnerKind::ALL {
                for &t in &ts {
                    pts.push(Params { adversary: a, learner: l, horizon: t, reps });
                }
            }
        }
        pts
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let (adversary, div): (Adversary, Box<dyn FDivergence>) = match p.adversary {
            AdversaryKind::Smooth => (Adversary::Smooth { sigma: 0.1 }, Box::new(Kl)),
            AdversaryKind::Kl => (Adversary::Divergence { budget: 0.5, width: 0.01, hints: 50 }, Box::new(Kl)),
            AdversaryKind::Chi2 => {
                (Adversary::Divergence { budget: 0.5, width: 0.01, hints: 50 }, Box::new(ChiSquared))
            }
        };
        let learner = match p.learner {
            LearnerKind::Hedge => Learner::Hedge { grid: GRID },
            LearnerKind::Ftpl => Learner::Ftpl { grid: GRID, hallucinated: (p.horizon as f64).sqrt().ceil() as usize },
        };
        let (mut regret, mut best) = (Welford::new(), Welford::new());
        for rep in 0..p.reps as u64 {
            let o = play(adversary, div.as_ref(), learner, p.horizon, 0.1, &mut streams.stream(rep))?;
            regret.push(o.regret());
            best.push(o.best);
        }
        Ok(Measured { regret: regret.mean()?, std_error: regret.std_error().unwrap_or(0.0), best_loss: best.mean()? })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&["adversary", "learner", "T", "regret", "std_error", "best_loss"]);
        let mut panels = Vec::new();
        for a in AdversaryKind::ALL {
            let mut series = Vec::new();
            let mut curves = Vec::new();
            for (li, l) in LearnerKind::ALL.iter().enumerate() {
                let mut rows: Vec<&(Params, Measured)> =
                    records.iter().filter(|(p, _)| p.adversary == a && p.learner == *l).collect();
                rows.sort_by_key(|(p, _)| p.horizon);
                for (p, m) in &rows {
                    table.push(vec![
                        Cell::from(a.name()),
                        Cell::from(l.name()),
                        Cell::from(p.horizon),
                        Cell::from(m.regret),
                        Cell::from(m.std_error),
                        Cell::from(m.best_loss),
                    ])?;
                }
                let (x, y): (Vec<f64>, Vec<f64>) =
                    rows.iter().map(|(p, m)| ((p.horizon as f64).ln(), m.regret.max(1e-9).ln())).unzip();
                let slope = fit_line(&x, &y)?.slope;
                claims.push(
                    Claim::at_most(
                        &format!("sublinear-{a}-{l}"),
                        &format!("{a} adversary, {l}: regret is sublinear in T (log-log slope ≤ 0.75)"),
                        0.75,
                        slope,
                    )
                    .with_basis("not derived: slope ≤ 0.75 (sublinear)")
                    .with_note(format!(
                        "regret {:.1} at T = {}",
                        rows.last().map(|r| r.1.regret).unwrap_or(0.0),
                        rows.last().map(|r| r.0.horizon).unwrap_or(0)
                    )),
                );
                if a == AdversaryKind::Smooth {
                    claims.push(
                        Claim::close(
                            &format!("half-slope-smooth-{l}"),
                            &format!("σ-smooth adversary, {l}: regret grows like √T"),
                            0.5,
                            slope,
                            0.15,
                        )
                        .with_basis("not derived: ±0.15 around the √T rate"),
                    );
                }
                let pts: Vec<(f64, f64)> = rows.iter().map(|(p, m)| (p.horizon as f64, m.regret)).collect();
                series.push(
                    Series::line_markers(
                        l.name(),
                        pts.iter().map(|p| p.0).collect(),
                        pts.iter().map(|p| p.1.max(1e-3)).collect(),
                    )
                    .with_errors(
                        rows.iter()
                            .map(|(_, m)| ((m.regret - 2.0 * m.std_error).max(1e-3), m.regret + 2.0 * m.std_error))
                            .collect(),
                    )
                    .with_color(li),
                );
                curves.push(pts);
            }
            let ratio = curves[1]
                .iter()
                .zip(&curves[0])
                .map(|(f, h)| f.1.max(1e-9) / h.1.max(1e-9))
                .fold(0.0f64, |r, v| r.max(v.max(1.0 / v)));
            claims.push(
                Claim::at_most(
                    &format!("ftpl-matches-hedge-{a}"),
                    &format!("{a} adversary: FTPL's regret is within a factor 3 of Hedge's at every T"),
                    3.0,
                    ratio,
                )
                .with_basis("not derived: factor 3")
                .with_note("largest of FTPL/Hedge and Hedge/FTPL over the horizons"),
            );
            let ts: Vec<f64> = curves[0].iter().map(|p| p.0).collect();
            let scale = curves[0].first().map(|p| p.1 / p.0.sqrt()).unwrap_or(1.0);
            series
                .push(Series::dashed("∝ √T", ts.clone(), ts.iter().map(|t| scale * t.sqrt()).collect()).with_color(3));
            panels.push(Panel::Xy(XyPanel {
                title: format!("{a} adversary"),
                x: Axis::log("T"),
                y: Axis::log("regret"),
                series,
                legend: Legend::UpperLeft,
            }));
        }
        out.table("table", &table)?;
        out.figure("regret", &Figure::grid("Regret against the horizon", 3, panels)
            .with_caption("Reproduces the smoothed online learning application of arXiv 2302.04658 (Block, Polyanskiy): regret of Hedge and oracle-efficient FTPL against the horizon T for sigma-smooth, KL-bounded and chi^2-bounded adversaries; the dashed line is proportional to sqrt(T) for reference; the claims compare the fitted slopes with the predicted exponents."))?;
        Ok(claims)
    }
}
