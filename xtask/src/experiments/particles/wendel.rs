//! `particles.wendel`: the probability that `n` iid uniform tokens on
//! `S^{d−1}` lie in an open hemisphere, against Wendel's formula
//! `2^{−(n−1)} Σ_{k<d} C(n − 1, k)` (arXiv 2312.10794 §6.1, Wendel 1962).
//!
//! The event matters for the dynamics: tokens in an open hemisphere
//! collapse exponentially (`particles.hemisphere`), and for `d ≥ n` every
//! uniform start is in one. The test is exact for points in general
//! position ([`infoflow_particles::observables::in_open_hemisphere`]: the
//! largest angular gap on the circle; on S² a great circle through two
//! tokens with all others on one side), so only `d = 2, 3` are sampled; the
//! probabilities at `n = 32` (1.5e-8 and 2.3e-7) are too small to sample,
//! so `n` runs from 3 to 12, where they range from 1 down to 0.01.
//!
//! Claim: at every `(d, n)` the sampled frequency's Wilson interval at a
//! family-wise 1 % over the grid contains Wendel's probability.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::stats::wilson_interval;
use infoflow_particles::Particles;
use infoflow_particles::observables::in_open_hemisphere;
use infoflow_particles::theory::wendel_probability;
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Wendel;

/// One `(d, n)` cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Dimension of the ambient space (`S^{d−1}`).
    pub d: usize,
    /// Tokens.
    pub n: usize,
    /// Random starts.
    pub trials: u64,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("d={},n={}", self.d, self.n)
    }
}

/// Starts found in an open hemisphere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Starts in an open hemisphere.
    pub inside: u64,
    /// Starts drawn.
    pub trials: u64,
}

impl Experiment for Wendel {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "particles.wendel",
            title: "Wendel's probability that uniform tokens lie in an open hemisphere",
            paper: "2312.10794",
            figure: "§6.1 (Wendel's theorem, the hemisphere condition of the clustering results)",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let trials = match profile {
            Profile::Smoke => 2_000,
            Profile::Quick => 100_000,
            Profile::Paper => 1_000_000,
        };
        [2, 3].iter().flat_map(|&d| (3..=12).map(move |n| Params { d, n, trials })).collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let mut rng = streams.stream(0);
        let mut inside = 0;
        for _ in 0..p.trials {
            inside += in_open_hemisphere(&Particles::uniform(p.n, p.d, &mut rng)?)? as u64;
        }
        Ok(Measured { inside, trials: p.trials })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut table = Table::new(&["d", "n", "frequency", "lo", "hi", "wendel"]);
        let confidence = 1.0 - 0.01 / records.len().max(1) as f64;
        let (mut missed, mut shown) = (0usize, Vec::new());
        let mut panels_series = Vec::new();
        for (k, d) in [2usize, 3].into_iter().enumerate() {
            let rows: Vec<&(Params, Measured)> = records.iter().filter(|(p, _)| p.d == d).collect();
            let (mut ns, mut freq, mut errs, mut theory) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (p, m) in rows {
                let ci = wilson_interval(m.inside, m.trials, confidence)?;
                let w = wendel_probability(p.n, p.d)?;
                let f = m.inside as f64 / m.trials as f64;
                missed += !ci.contains(w) as usize;
                if !ci.contains(w) {
                    shown.push(format!("d = {d}, n = {}: {f:.4} [{:.4}, {:.4}] vs {w:.4}", p.n, ci.lo, ci.hi));
                }
                table.push(vec![
                    Cell::from(p.d),
                    Cell::from(p.n),
                    Cell::from(f),
                    Cell::from(ci.lo),
                    Cell::from(ci.hi),
                    Cell::from(w),
                ])?;
                ns.push(p.n as f64);
                freq.push(f);
                errs.push((ci.lo, ci.hi));
                theory.push(w);
            }
            panels_series
                .push(Series::markers(format!("sampled, d = {d}"), ns.clone(), freq).with_errors(errs).with_color(k));
            panels_series.push(Series::dashed(format!("Wendel, d = {d}"), ns, theory).with_color(k));
        }
        out.table("table", &table)?;
        out.figure(
            "wendel",
            &Figure::grid(
                "Probability that n uniform tokens lie in an open hemisphere",
                1,
                vec![Panel::Xy(XyPanel {
                    title: "circle (d = 2) and sphere (d = 3)".into(),
                    x: Axis::linear("n"),
                    y: Axis::log("probability"),
                    series: panels_series,
                    legend: Legend::LowerLeft,
                })],
            )
            .with_caption("Reproduces Wendel's formula used in Section 6.1 of arXiv 2312.10794: the probability that n iid uniform points on the sphere S^(d-1) lie in some open hemisphere, 2^-(n-1) sum_{k<d} C(n-1, k). Markers: the sampled frequency with its family-wise interval; dashed: the formula."),
        )?;
        Ok(vec![
            Claim::at_most(
                "wendel",
                &format!(
                    "the frequency of starts in an open hemisphere matches Wendel's formula at every d in {{2, 3}} and n in 3..=12 (cells whose Wilson interval misses it; {} starts each)",
                    records.first().map_or(0, |r| r.0.trials)
                ),
                0.0,
                missed as f64,
            )
            .with_basis(format!("Wilson intervals at family-wise 1 % over {} cells", records.len()))
            .with_note(if shown.is_empty() { "every interval contains the formula".to_string() } else { shown.join("; ") }),
        ])
    }
}
