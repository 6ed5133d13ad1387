//! `particles.renyi`: Rényi centres and the meta-stable clusters of causal
//! attention (arXiv 2411.04990 §5).
//!
//! **Sequences.** For iid uniform tokens with separation `δ = 4β^{−1/2}`
//! (`β = 64`, `δ = 0.5`), the number of strong Rényi centres among `n` has
//! the exact mean `(1 − (1 − p)^n)/p` (`p` the normalised cap measure of
//! radius `δ`; conditioning on the new token makes the `k` earlier ones
//! independent misses). On the circle the ordinary Rényi centres are
//! Rényi's random sequential adsorption on a ring of `2π/δ` car lengths:
//! mean `L·θ(τ)` with `L = 2π/δ` car lengths and `τ = n/L`, `θ` the parking
//! coverage (the continuum value, exact on a ring at saturation), plus the
//! first-order correction `(1 − e^{−τ})θ′(τ)` for a fixed number `n` of
//! arrivals ([`expected_renyi_centres_circle`]); claimed within 3.29 s.e.
//!
//! **Dynamics.** `n = 200` tokens uniform on the circle, causal SA with
//! `β = 64`, `Q = K = V = I`, adaptive Dormand–Prince to `t = 100`. The
//! number of meta-stable clusters of a run is the largest number of clusters
//! (connected components at angular resolution `δ/2`) it reaches — the
//! first meta-stable state, once every cluster has formed and before any two
//! merge — and it is compared run by run with the number of Rényi centres
//! of the run's own start (mean paired difference 0 within 3.29 s.e.; the
//! count at `t = 20` is reported too).
//! Lemma 5.1 is checked on the same runs: a strong centre `s_j` separated by
//! `c(1 + 2ε)β^{−1/2}` from every earlier token moves less than `εcβ^{−1/2}`
//! up to `T_j = ε e^{c²/2 − c⁴/(24β)}/s_j` (`ε = 0.1`). The share of
//! tokens within 10⁻² of the current position of a Rényi (or strong Rényi)
//! centre is recorded over time (mean, 10th and 90th percentiles over runs).

/// Why the paired meta-stable claim may not hold at this scale.
const METASTABLE_DISCREPANCY: &str = "arXiv 2411.04990 identifies the meta-stable clusters with the Rényi centres in the limit β → ∞ (δ = 4β^{−1/2} → 0); at β = 64 the paired difference is what this run measured, not yet explained";

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::stats::{Welford, quantile};
use infoflow_particles::observables::clusters;
use infoflow_particles::renyi::{
    expected_renyi_centres_circle, expected_strong_centres, renyi_centres, strong_renyi_centres,
};
use infoflow_particles::{
    Attention, Mask, Particles, Scheme, SolveOptions, SphereDynamics, Tolerances, log_times, solve_with,
};
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Renyi;

const BETA: f64 = 64.0;
const CAPTURE_RADIUS: f64 = 1e-2;
const PLATEAU_TIME: f64 = 20.0;

fn delta() -> f64 {
    4.0 / BETA.sqrt()
}

crate::names! {
    /// Rényi centres of iid sequences, or the causal dynamics started from them.
    pub enum Kind { Sequence = "sequence", Dynamics = "dynamics" }
}

/// A batch of sequences or of causal runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Sequences of iid tokens, or causal dynamics.
    pub kind: Kind,
    /// Dimension.
    pub d: usize,
    /// Tokens.
    pub n: usize,
    /// Sequences or runs in the batch.
    pub runs: usize,
    /// Batch index.
    pub batch: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},d={},n={},batch={}", self.kind, self.d, self.n, self.batch)
    }
}

/// Per-run outcomes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Rényi centres per run.
    pub renyi: Vec<usize>,
    /// Strong Rényi centres per run.
    pub strong: Vec<usize>,
    /// Output times (dynamics).
    pub times: Vec<f64>,
    /// Clusters at resolution δ/2, per run and output time.
    pub clusters: Vec<Vec<usize>>,
    /// Share captured by Rényi centres, per run and output time.
    pub captured_renyi: Vec<Vec<f64>>,
    /// Share captured by strong Rényi centres, per run and output time.
    pub captured_strong: Vec<Vec<f64>>,
    /// Lemma 5.1, per run: the largest displacement of a strong centre `s_j`
    /// (separated by `c(1 + 2ε)β^{−1/2}` from every earlier token at the
    /// start) at the output times up to `T_j`, over the lemma's bound
    /// `εcβ^{−1/2}`; and how many centres were checked.
    pub lemma_worst: Vec<f64>,
    /// See `lemma_worst`.
    pub lemma_checked: Vec<usize>,
}

/// Lemma 5.1's `ε`.
const LEMMA_EPS: f64 = 0.1;

/// Lemma 5.1's time for the strong centre with 1-based index `s`:
/// `T_j = ε e^{c²/2 − c⁴/(24β)}/s_j` (`c = 4`).
fn lemma_time(s: usize) -> f64 {
    let c: f64 = 4.0;
    LEMMA_EPS * (c * c / 2.0 - c.powi(4) / (24.0 * BETA)).exp() / s as f64
}

fn captured(q: &Particles, centres: &[usize]) -> f64 {
    let x = q.positions();
    let close = (0..q.len())
        .filter(|&k| {
            centres
                .iter()
                .any(|&c| (0..q.dim()).map(|a| (x[(k, a)] - x[(c, a)]).powi(2)).sum::<f64>().sqrt() < CAPTURE_RADIUS)
        })
        .count();
    close as f64 / q.len() as f64
}

impl Experiment for Renyi {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "particles.renyi",
            title: "Renyi and strong Renyi centres of uniform sequences vs parking theory, and the meta-stable clusters of causal attention",
            paper: "2411.04990",
            figure: "Section 5: Renyi parking (Lemma C.1, the parking constant) and the share of tokens captured by centres (n = 200, d = 2, beta = 64, delta = 4 beta^-1/2)",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (reps, batches, runs) = match profile {
            Profile::Smoke => (200, 1, 4),
            Profile::Quick => (2000, 4, 16),
            Profile::Paper => (20000, 250, 20),
        };
        let mut pts = Vec::new();
        for d in [2, 3] {
            for n in [50, 200, 1000] {
                pts.push(Params { kind: Kind::Sequence, d, n, runs: reps, batch: 0 });
            }
        }
        for batch in 0..batches {
            pts.push(Params { kind: Kind::Dynamics, d: 2, n: 200, runs, batch });
        }
        pts
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let mut out = Measured {
            renyi: Vec::new(),
            strong: Vec::new(),
            times: Vec::new(),
            clusters: Vec::new(),
            captured_renyi: Vec::new(),
            captured_strong: Vec::new(),
            lemma_worst: Vec::new(),
            lemma_checked: Vec::new(),
        };
        let dynamics = SphereDynamics::new(&Attention::softmax(BETA).with_mask(Mask::Causal), p.d)?;
        let mut times = log_times(0.1, 100.0, 31)?;
        times.push(PLATEAU_TIME);
        times.sort_by(f64::total_cmp);
        for r in 0..p.runs {
            let start = Particles::uniform(p.n, p.d, &mut streams.stream(r as u64))?;
            let rc = renyi_centres(&start, delta())?;
            let sc = strong_renyi_centres(&start, delta())?;
            out.renyi.push(rc.len());
            out.strong.push(sc.len());
            match p.kind {
                Kind::Sequence => {}
                Kind::Dynamics => {
                    let (mut cl, mut cr, mut cs) = (Vec::new(), Vec::new(), Vec::new());
                    // Lemma 5.1's centres: strong, and separated from every
                    // earlier token by c(1 + 2ε)β^{−1/2} at the start.
                    let x0 = start.positions();
                    let dist = |x: &faer::Mat<f64>, i: usize, y: &faer::Mat<f64>, j: usize| {
                        (0..p.d).map(|a| (x[(i, a)] - y[(j, a)]).powi(2)).sum::<f64>().sqrt()
                    };
                    let separation = 2.0 * (delta() * (1.0 + 2.0 * LEMMA_EPS) / 2.0).sin();
                    let lemma: Vec<usize> =
                        sc.iter().copied().filter(|&j| (0..j).all(|i| dist(x0, i, x0, j) >= separation)).collect();
                    let bound = LEMMA_EPS * delta();
                    let (mut worst, mut checked) = (0.0f64, std::collections::BTreeSet::new());
                    solve_with(
                        &dynamics,
                        &start,
                        &times,
                        &SolveOptions::new(Scheme::Adaptive(Tolerances::default())),
                        |t, q| {
                            for &j in &lemma {
                                if t > 0.0 && t <= lemma_time(j + 1) {
                                    worst = worst.max(dist(q.positions(), j, x0, j) / bound);
                                    checked.insert(j);
                                }
                            }
                            cl.push(clusters(q, (delta() / 2.0).cos())?.len());
                            cr.push(captured(q, &rc));
                            cs.push(captured(q, &sc));
                            Ok(())
                        },
                    )?;
                    out.clusters.push(cl);
                    out.captured_renyi.push(cr);
                    out.captured_strong.push(cs);
                    out.lemma_worst.push(worst);
                    out.lemma_checked.push(checked.len());
                }
            }
        }
        if p.kind == Kind::Dynamics {
            out.times = times;
        }
        Ok(out)
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&["kind", "d", "n", "statistic", "mean", "std_error", "theory"]);
        for (p, m) in records.iter().filter(|(p, _)| p.kind == Kind::Sequence) {
            let stats = |v: &[usize]| -> Result<(f64, f64)> {
                let mut w = Welford::new();
                w.extend(v.iter().map(|&c| c as f64));
                Ok((w.mean()?, w.std_error()?))
            };
            let (sm, sse) = stats(&m.strong)?;
            let strong_theory = expected_strong_centres(p.d, p.n, delta())?;
            table.push(vec![
                Cell::from("sequence"),
                Cell::from(p.d),
                Cell::from(p.n),
                Cell::from("strong"),
                Cell::from(sm),
                Cell::from(sse),
                Cell::from(strong_theory),
            ])?;
            claims.push(
                Claim::close(
                    &format!("strong-d{}-n{}", p.d, p.n),
                    &format!("d = {}, n = {}: mean number of strong Renyi centres = (1 - (1 - p)^n)/p", p.d, p.n),
                    strong_theory,
                    sm,
                    3.29 * sse,
                )
                .with_basis("3.29 s.e.")
                .with_note(format!(
                    "{} sequences; tolerance 3.29 standard errors (99.9%); delta = {}",
                    m.strong.len(),
                    delta()
                )),
            );
            if p.d == 2 {
                let (om, ose) = stats(&m.renyi)?;
                let theory = expected_renyi_centres_circle(p.n, delta())?;
                table.push(vec![
                    Cell::from("sequence"),
                    Cell::from(p.d),
                    Cell::from(p.n),
                    Cell::from("renyi"),
                    Cell::from(om),
                    Cell::from(ose),
                    Cell::from(theory),
                ])?;
                claims.push(
                    Claim::close(
                        &format!("renyi-circle-n{}", p.n),
                        &format!("circle, n = {}: mean number of Renyi centres = L theta(n/L) + (1 - e^-tau) theta'(tau), L = 2 pi / delta (Renyi parking with n fixed arrivals)", p.n),
                        theory,
                        om,
                        3.29 * ose,
                    ).with_basis("3.29 s.e.")
                    .with_note(format!(
                        "{} sequences, standard error {ose:.4}; the continuum value plus the fixed-n correction (parking constant {:.6} at saturation)",
                        m.renyi.len(),
                        infoflow_particles::renyi::renyi_constant()
                    )),
                );
            }
        }
        // Dynamics.
        let runs: Vec<&Measured> = records.iter().filter(|(p, _)| p.kind == Kind::Dynamics).map(|(_, m)| m).collect();
        if let Some(first) = runs.first() {
            let times = first.times.clone();
            let k_plateau = times.iter().position(|&t| t == PLATEAU_TIME).unwrap_or(0);
            let at_plateau: Vec<f64> =
                runs.iter().flat_map(|m| m.clusters.iter().map(|c| c[k_plateau] as f64)).collect();
            let peaks: Vec<f64> = runs
                .iter()
                .flat_map(|m| m.clusters.iter().map(|c| c.iter().copied().max().unwrap_or(0) as f64))
                .collect();
            let total_runs = peaks.len();
            let mean_clusters = peaks.iter().sum::<f64>() / total_runs as f64;
            let mean_at_plateau = at_plateau.iter().sum::<f64>() / total_runs as f64;
            let renyi_theory = expected_renyi_centres_circle(200, delta())?;
            let strong_theory = expected_strong_centres(2, 200, delta())?;
            let renyi_mean =
                runs.iter().flat_map(|m| m.renyi.iter()).map(|&c| c as f64).sum::<f64>() / total_runs as f64;
            // Paired per run: the run's meta-stable count against the Rényi
            // centres of its own start, so the claim's error is the spread of
            // the difference, not of either count.
            let mut diff = Welford::new();
            for m in &runs {
                for (c, r) in m.clusters.iter().zip(&m.renyi) {
                    diff.push(c.iter().copied().max().unwrap_or(0) as f64 - *r as f64);
                }
            }
            let (dm, dse) = (diff.mean()?, diff.std_error()?);
            let claim = Claim::close(
                "metastable-clusters",
                "causal SA (n = 200, d = 2, beta = 64): each run's number of meta-stable clusters equals the number of Renyi centres of its start (mean paired difference 0)",
                0.0,
                dm,
                3.29 * dse,
            )
            .with_basis("3.29 s.e. of the paired difference")
            .with_note(format!(
                "{total_runs} runs; mean difference {dm:.3} ± {dse:.3}; per run the largest cluster count over t (components at resolution delta/2), mean {mean_clusters:.2}; mean count at t = 20: {mean_at_plateau:.2}; mean Renyi centres of the starts {renyi_mean:.2} (theory {renyi_theory:.2}); strong-centre prediction {strong_theory:.2}"
            ));
            claims.push(claim.as_discrepancy(METASTABLE_DISCREPANCY));
            let lemma_worst = runs.iter().flat_map(|m| m.lemma_worst.iter().copied()).fold(0.0f64, f64::max);
            let lemma_checked: usize = runs.iter().flat_map(|m| m.lemma_checked.iter()).sum();
            claims.push(
                Claim::at_most(
                    "lemma-5.1",
                    &format!("Lemma 5.1 (quasi-stationarity): a strong centre s_j separated by c(1 + 2ε)β^(-1/2) from the earlier tokens moves less than εcβ^(-1/2) up to T_j = ε e^(c²/2 − c⁴/(24β))/s_j (c = 4, ε = {LEMMA_EPS}, β = 64; largest displacement over the bound)"),
                    1.0,
                    lemma_worst,
                )
                .with_basis("the lemma's inequality: no tolerance (displacements sampled at the output times up to T_j)")
                .with_note(format!("{lemma_checked} centres checked over {total_runs} runs")),
            );
            let mut panel_series = Vec::new();
            for (k, (label, get)) in [
                ("Renyi centres", (|m: &Measured| m.captured_renyi.clone()) as fn(&Measured) -> Vec<Vec<f64>>),
                ("strong Renyi centres", |m: &Measured| m.captured_strong.clone()),
            ]
            .into_iter()
            .enumerate()
            {
                let all: Vec<Vec<f64>> = runs.iter().flat_map(|m| get(m)).collect();
                let (mut mean, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
                for i in 0..times.len() {
                    let col: Vec<f64> = all.iter().map(|r| r[i]).collect();
                    mean.push(col.iter().sum::<f64>() / col.len() as f64);
                    lo.push(quantile(&col, 0.1)?);
                    hi.push(quantile(&col, 0.9)?);
                    table.push(vec![
                        Cell::from("captured"),
                        Cell::from(2usize),
                        Cell::from(200usize),
                        Cell::from(format!("{label} t={}", times[i])),
                        Cell::from(mean[i]),
                        Cell::from(f64::NAN),
                        Cell::from(f64::NAN),
                    ])?;
                }
                let ts = times[1..].to_vec();
                panel_series.push(Series::line(format!("{label}: mean"), ts.clone(), mean[1..].to_vec()).with_color(k));
                panel_series.push(Series::dashed("", ts.clone(), lo[1..].to_vec()).with_color(k));
                panel_series.push(Series::dashed("", ts, hi[1..].to_vec()).with_color(k));
            }
            let cluster_mean: Vec<f64> = (0..times.len())
                .map(|i| {
                    runs.iter().flat_map(|m| m.clusters.iter().map(move |c| c[i] as f64)).sum::<f64>()
                        / total_runs as f64
                })
                .collect();
            out.figure(
                "renyi",
                &Figure::grid(
                    "Causal attention on the circle (n = 200, beta = 64, delta = 0.5)",
                    2,
                    vec![
                        Panel::Xy(XyPanel {
                            title: "share of tokens captured (mean; dashed: 10th and 90th percentiles)".into(),
                            x: Axis::log("t"),
                            y: Axis::linear("share within 1e-2 of a centre").with_range(0.0, 1.0),
                            series: panel_series,
                            legend: Legend::UpperLeft,
                        }),
                        Panel::Xy(XyPanel {
                            title: "clusters at resolution delta/2".into(),
                            x: Axis::log("t"),
                            y: Axis::linear("clusters (mean over runs)"),
                            series: vec![
                                Series::line("simulated", times[1..].to_vec(), cluster_mean[1..].to_vec()),
                                Series::dashed(
                                    "E[Renyi centres]",
                                    vec![times[1], times[times.len() - 1]],
                                    vec![renyi_theory; 2],
                                )
                                .with_color(1),
                                Series::dashed(
                                    "E[strong centres]",
                                    vec![times[1], times[times.len() - 1]],
                                    vec![strong_theory; 2],
                                )
                                .with_color(2),
                            ],
                            legend: Legend::UpperRight,
                        }),
                    ],
                )
            .with_caption("Reproduces Fig. 2 (Section 5) and the 'consumed tokens' figure of arXiv 2411.04990 (Karagodin, Polyanskiy, Rigollet): meta-stable clustering of causal attention on the circle: left, the share of tokens within 1e-2 of a strong Renyi centre over time (mean and 10th/90th percentiles); right, the number of clusters at resolution delta/2 against the Renyi-parking prediction. Expect the cluster count to settle on a long plateau near the prediction before slowly merging."),
            )?;
        }
        out.table("table", &table)?;
        Ok(claims)
    }
}
