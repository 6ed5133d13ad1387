//! `particles.value-spectrum`: Table 1 of arXiv 2305.05465 — the limit
//! geometry of the rescaled tokens `z_i = e^{−tV} x_i` of the unnormalised
//! dynamics `ẋ_i = Σ_j P_ij V x_j` in R^d is set by the spectrum of `V`.
//!
//! | row | V | Q, K | prediction (checked) |
//! |---|---|---|---|
//! | polytope | `I` | `I` | hull of `z` non-increasing; every `z_i` approaches a hull vertex or 0 (the distance shrinks from `T/2` to `T`) |
//! | hyperplanes | simple positive top eigenvalue | `I` | `φ₁*(z_i)` takes at most 3 values |
//! | paranormal | `diag(1, 1, −1/2)` | `I` | the `F = span(e₁, e₂)` part behaves as the polytope row |
//! | contraction | `−I` | `I` | a single cluster at the origin: `max_i ‖x_i‖ → 0` |
//!
//! Starts are uniform in `[−5, 5]^d` (the authors' script), `n = 20`, RK4 on
//! `x` with `h = 10⁻³`, horizon `T = 5` (`T = 40` for the contraction row,
//! whose collapse is algebraic: `max_i ‖x_i‖` falls like `t^{−1/2}` here, not
//! exponentially); `z` is formed with the matrix exponential at each output
//! time.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use faer::Mat;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::stats::fit_loglog;
use infoflow_particles::euclidean::{self, EuclideanDynamics, dominant_dual_functional, rescale};
use infoflow_particles::observables::{convex_hull_2d, polygon_area};
use infoflow_particles::{Attention, Head, Particles};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct ValueSpectrum;

/// One row of Table 1 and one start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The row of Table 1.
    pub row: Row,
    /// Trial (random start).
    pub trial: usize,
    /// Tokens.
    pub n: usize,
    /// Horizon.
    pub horizon: f64,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},trial={}", self.row, self.trial)
    }
}

/// What one run measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Initial rescaled tokens (rows, `d` columns flattened row-major).
    pub z0: Vec<f64>,
    /// Final rescaled tokens.
    pub z_end: Vec<f64>,
    /// Dimension.
    pub d: usize,
    /// Area of the hull of the first two coordinates of `z` over time.
    pub hull_area: Vec<f64>,
    /// The row's statistic: distance to vertices-or-0 (polytope rows),
    /// number of distinct `φ₁*` levels (hyperplanes), fitted power-law
    /// exponent of `max_i ‖x_i(t)‖` over `t ∈ [10, 40]` (contraction).
    pub statistic: f64,
    /// Output times.
    pub times: Vec<f64>,
    /// `max_i ‖x_i(t)‖` at those times.
    pub max_norm: Vec<f64>,
    /// Polytope rows: the distance to vertices-or-0 at those times (empty
    /// for the other rows).
    pub vertex_distance: Vec<f64>,
}

crate::names! {
    /// The rows of Table 1 (by the spectrum of V) and the V = -I case.
    pub enum Row { Polytope = "polytope", Hyperplanes = "hyperplanes", Paranormal = "paranormal", Contraction = "contraction" }
}

fn value_matrix(row: Row) -> Mat<f64> {
    match row {
        Row::Polytope => Mat::identity(2, 2),
        Row::Hyperplanes => Mat::from_fn(2, 2, |i, j| [[0.647, 0.819], [0.612, 0.633]][i][j]),
        Row::Paranormal => Mat::from_fn(3, 3, |i, j| if i == j { [1.0, 1.0, -0.5][i] } else { 0.0 }),
        Row::Contraction => Mat::from_fn(2, 2, |i, j| if i == j { -1.0 } else { 0.0 }),
    }
}

/// Largest distance from a point (first two coordinates) to the nearest of
/// the hull vertices and the origin, relative to the hull's extent.
fn vertex_or_zero_distance(points: &[(f64, f64)]) -> infoflow_particles::Result<f64> {
    let hull = convex_hull_2d(points)?;
    let extent = points.iter().map(|(x, y)| (x * x + y * y).sqrt()).fold(0.0, f64::max).max(1e-300);
    let mut worst: f64 = 0.0;
    for &(x, y) in points {
        let mut best = (x * x + y * y).sqrt();
        for &v in &hull {
            let (a, b) = points[v];
            best = best.min(((x - a).powi(2) + (y - b).powi(2)).sqrt());
        }
        worst = worst.max(best / extent);
    }
    Ok(worst)
}

/// Number of groups of 1-D values separated by more than `tol · range`.
fn levels(values: &[f64], tol: f64) -> usize {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let range = (v[v.len() - 1] - v[0]).abs().max(1e-300);
    1 + v.windows(2).filter(|w| w[1] - w[0] > tol * range).count()
}

impl Experiment for ValueSpectrum {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "particles.value-spectrum",
            title: "The spectrum of V sets the limit geometry of the rescaled tokens (polytope, hyperplanes, polytope x subspace, one cluster)",
            paper: "2305.05465",
            figure: "Table 1 (Theorems 3.1, 4.1, 5.1 and the V = -I case), one figure per row",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let trials = match profile {
            Profile::Smoke => 1,
            Profile::Quick => 4,
            Profile::Paper => 16,
        };
        Row::ALL
            .iter()
            .flat_map(|&row| {
                let horizon = if row == Row::Contraction { 40.0 } else { 5.0 };
                (0..trials).map(move |trial| Params { row, trial, n: 20, horizon })
            })
            .collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let v = value_matrix(p.row);
        let d = v.nrows();
        let mut rng = streams.stream(0);
        let x0 = Mat::from_fn(p.n, d, |_, _| rng.random_range(-5.0..5.0));
        let start = Particles::in_space(x0)?;
        let dynamics =
            EuclideanDynamics::new(&Attention::softmax(1.0).with_heads(vec![Head::with_value(v.clone())]), d)?;
        let times: Vec<f64> = (0..=50).map(|k| p.horizon * k as f64 / 50.0).collect();
        let mut hull_area = Vec::new();
        let mut max_norm = Vec::new();
        let mut z_end = Mat::zeros(p.n, d);
        let mut vertex_distance = Vec::new();
        let polytope = matches!(p.row, Row::Polytope | Row::Paranormal);
        euclidean::solve(&dynamics, &start, &times, 1e-3, |t, q| {
            let x = q.positions();
            max_norm.push((0..p.n).map(|i| (0..d).map(|k| x[(i, k)].powi(2)).sum::<f64>().sqrt()).fold(0.0, f64::max));
            let z = rescale(q, &v, t)?;
            let pts: Vec<(f64, f64)> = (0..p.n).map(|i| (z[(i, 0)], z[(i, 1)])).collect();
            hull_area.push(polygon_area(&pts, &convex_hull_2d(&pts)?)?);
            if polytope {
                vertex_distance.push(vertex_or_zero_distance(&pts)?);
            }
            z_end = z;
            Ok(())
        })?;
        let pts: Vec<(f64, f64)> = (0..p.n).map(|i| (z_end[(i, 0)], z_end[(i, 1)])).collect();
        let statistic = match p.row {
            Row::Polytope | Row::Paranormal => vertex_or_zero_distance(&pts)?,
            Row::Hyperplanes => {
                let (_, w) = dominant_dual_functional(&v)?;
                let phi: Vec<f64> = (0..p.n).map(|i| (0..d).map(|k| w[k] * z_end[(i, k)]).sum()).collect();
                levels(&phi, 1e-3) as f64
            }
            Row::Contraction => {
                let (ts, ns): (Vec<f64>, Vec<f64>) =
                    times.iter().zip(&max_norm).filter(|&(t, _)| *t >= 10.0).map(|(t, v)| (*t, *v)).unzip();
                fit_loglog(&ts, &ns)?.slope
            }
        };
        let flat = |m: &Mat<f64>| (0..p.n).flat_map(|i| (0..d).map(move |k| m[(i, k)])).collect::<Vec<f64>>();
        Ok(Measured {
            z0: flat(start.positions()),
            z_end: flat(&z_end),
            d,
            hull_area,
            statistic,
            times,
            max_norm,
            vertex_distance,
        })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut table = Table::new(&["row", "trial", "token", "z0_1", "z0_2", "zT_1", "zT_2"]);
        let mut claims = Vec::new();
        let mut panels = Vec::new();
        for row in Row::ALL {
            let rows: Vec<&(Params, Measured)> = records.iter().filter(|(p, _)| p.row == row).collect();
            for (p, m) in &rows {
                for i in 0..p.n {
                    table.push(vec![
                        Cell::from(row.name()),
                        Cell::from(p.trial),
                        Cell::from(i),
                        Cell::from(m.z0[i * m.d]),
                        Cell::from(m.z0[i * m.d + 1]),
                        Cell::from(m.z_end[i * m.d]),
                        Cell::from(m.z_end[i * m.d + 1]),
                    ])?;
                }
            }
            let worst = rows.iter().map(|(_, m)| m.statistic).fold(f64::NEG_INFINITY, f64::max);
            match row {
                Row::Polytope | Row::Paranormal => {
                    let what = if row == Row::Polytope { "V = I" } else { "V = diag(1, 1, -1/2), F-part" };
                    let growth = rows
                        .iter()
                        .map(|(_, m)| m.hull_area.windows(2).map(|w| (w[1] - w[0]) / w[0].max(1e-300)).fold(f64::NEG_INFINITY, f64::max))
                        .fold(f64::NEG_INFINITY, f64::max);
                    claims.push(
                        Claim::at_most(
                            &format!("hull-{row}"),
                            &format!("{what}: the convex hull of the rescaled tokens never grows"),
                            1e-9,
                            growth,
                        ).with_basis("theorem: the hull never grows; 1e-9 for rounding")
                        .with_note("largest relative increase of the hull area between outputs (first two coordinates)"),
                    );
                    // The theorem gives the limit, not a rate: the distance must
                    // shrink, from T/2 to T, in every trial.
                    let ratio = rows
                        .iter()
                        .map(|(_, m)| {
                            let v = &m.vertex_distance;
                            v.last().zip(v.get(v.len() / 2)).map_or(f64::NAN, |(end, half)| end / half)
                        })
                        .fold(0.0f64, |a, b| if a.is_nan() || b.is_nan() { f64::NAN } else { a.max(b) });
                    claims.push(
                        Claim::at_most(
                            &format!("vertices-{row}"),
                            &format!("{what}: every rescaled token approaches a hull vertex or 0: the largest distance shrinks from T/2 to T = 5 in every trial"),
                            1.0,
                            ratio,
                        ).with_basis("the theorem gives the limit without a rate: a decrease in every trial, no tolerance")
                        .with_note(format!("largest ratio distance(T)/distance(T/2) over trials (distance to the nearest of hull vertices and 0, relative to the largest |z_i|); worst distance at T: {worst:.2e}")),
                    );
                }
                Row::Hyperplanes => claims.push(
                    Claim::at_most(
                        "levels-hyperplanes",
                        "simple positive top eigenvalue: phi_1*(z_i) takes at most 3 values (at most three parallel hyperplanes)",
                        3.0,
                        worst,
                    ).with_basis("theorem: at most three hyperplanes (a count)")
                    .with_note("number of groups of phi_1*(z_i(5)) separated by more than 1e-3 of their range; worst trial"),
                ),
                Row::Contraction => {
                    let monotone = rows
                        .iter()
                        .map(|(_, m)| m.max_norm.windows(2).map(|w| w[1] - w[0]).fold(f64::NEG_INFINITY, f64::max))
                        .fold(f64::NEG_INFINITY, f64::max);
                    claims.push(
                        Claim::at_most(
                            "shrinks-contraction",
                            "V = -I: max_i |x_i(t)| decreases along the whole trajectory",
                            0.0,
                            monotone,
                        ).with_basis("theorem gives a sign: max_i |x_i| decreases")
                        .with_note("largest increase of max_i |x_i| between outputs, worst trial"),
                    );
                    claims.push(
                        Claim::at_most(
                            "single-cluster-contraction",
                            "V = -I: every token converges to the origin (max_i |x_i(t)| decays as a power of t over t in [10, 40])",
                            0.0,
                            worst,
                        ).with_basis("theorem gives a sign: the decay exponent is negative")
                        .with_note("least negative fitted log-log exponent over trials; the decay is algebraic (about t^-1/2), so the cluster forms slowly"),
                    );
                }
            }
            let (p, m) = rows[0];
            let split = |v: &[f64]| -> (Vec<f64>, Vec<f64>) { (0..p.n).map(|i| (v[i * m.d], v[i * m.d + 1])).unzip() };
            let (x0, y0) = split(&m.z0);
            let (x1, y1) = split(&m.z_end);
            let pts: Vec<(f64, f64)> = x1.iter().copied().zip(y1.iter().copied()).collect();
            let mut hull = convex_hull_2d(&pts)?;
            if let Some(&first) = hull.first() {
                hull.push(first);
            }
            let mut series = vec![
                Series::markers("z(0)", x0, y0).with_color(5),
                Series::markers("z(5)", x1.clone(), y1.clone()).with_color(1),
            ];
            if row != Row::Contraction {
                series.push(
                    Series::line(
                        "hull of z(5)",
                        hull.iter().map(|&i| x1[i]).collect(),
                        hull.iter().map(|&i| y1[i]).collect(),
                    )
                    .with_color(7),
                );
            }
            if row == Row::Contraction {
                series = rows
                    .iter()
                    .enumerate()
                    .map(|(k, (q, m))| {
                        Series::line(format!("trial {}", q.trial), m.times[1..].to_vec(), m.max_norm[1..].to_vec())
                            .with_color(k)
                    })
                    .collect();
                panels.push(Panel::Xy(XyPanel {
                    title: "contraction: max |x_i(t)| (V = -I)".into(),
                    x: Axis::log("t"),
                    y: Axis::log("max_i |x_i|"),
                    series,
                    legend: Legend::UpperRight,
                }));
                continue;
            }
            panels.push(Panel::Xy(XyPanel {
                title: format!("{row} (trial {})", p.trial),
                x: Axis::linear("z_1"),
                y: Axis::linear("z_2"),
                series,
                legend: Legend::UpperRight,
            }));
        }
        out.table("table", &table)?;
        out.figure("limits", &Figure::grid("Rescaled tokens z = exp(-tV) x at t = 0 and t = 5", 2, panels)
            .with_caption("Reproduces Table 1 of arXiv 2305.05465 (Theorems 3.1, 4.1, 5.1): the rescaled tokens z = e^{-tV} x in R^2 at t = 0 (light) and t = 5 (dark), one panel per spectrum of V. Expect a polytope, points on parallel hyperplanes, a polytope times a subspace, and a single cluster, as the table predicts; the last panel shows the contraction for V = -I."))?;
        Ok(claims)
    }
}
