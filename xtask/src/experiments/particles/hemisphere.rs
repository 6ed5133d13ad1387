//! `particles.hemisphere`: tokens that start in an open hemisphere collapse
//! to a single point exponentially fast (arXiv 2312.10794, Lemma 6.4), for
//! `Q = K = V = I` and for random constant `Q, K` with `V = I`; and in
//! `d = 3` tokens that start anywhere end in a single cluster too (§6.1:
//! `d ≥ 3`, any β, almost every start), after which the same exponential
//! collapse follows.
//!
//! The diameter `max_ij ‖x_i − x_j‖` is recorded along an RK4 trajectory;
//! exponential collapse means `ln diameter` is linear in `t` once the tokens
//! are close: a least-squares line over the window `1e-10 ≤ diameter ≤
//! 1e-2` must have the slope the linearisation predicts and an `R²` within
//! what the same error allows (`1 − R² ≤ 12ε²/ln(10⁸)²`), in every trial. Near consensus the softmax weights are uniform to first
//! order (for any `β` and constant `Q, K`), so the tangent deviations obey
//! `δ_i' = δ̄ − δ_i` and every difference, hence the diameter, decays as
//! `e^{−t}`: slope −1, up to `O(β · diameter²)` and the RK4 error.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use faer::Mat;
use infoflow_numerics::linalg::gaussian_matrix;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::stats::fit_line;
use infoflow_particles::{Attention, Head, Particles, Scheme, SolveOptions, SphereDynamics, solve_with};
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Hemisphere;

crate::names! {
    /// The heads: identity, or constant random `Q, K` with `V = I`.
    pub enum Model { Identity = "identity", RandomQk = "random-qk", Uniform = "uniform-start" }
}

/// One model and trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// `Q = K = I` from a hemisphere, constant random `Q, K` from a
    /// hemisphere, or `Q = K = I` from anywhere on the sphere.
    pub model: Model,
    /// Trial index (its own random start and matrices).
    pub trial: usize,
    /// Tokens.
    pub n: usize,
    /// Dimension.
    pub d: usize,
    /// Inverse temperature.
    pub beta: f64,
    /// Horizon.
    pub horizon: f64,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},trial={}", self.model, self.trial)
    }
}

/// The diameter over time and its fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Output times.
    pub times: Vec<f64>,
    /// Diameter at those times.
    pub diameter: Vec<f64>,
    /// Fitted slope of ln diameter over the collapse window.
    pub slope: f64,
    /// R² of that fit.
    pub r_squared: f64,
    /// Points in the window.
    pub window: usize,
}

const WINDOW: (f64, f64) = (1e-10, 1e-2);

impl Experiment for Hemisphere {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "particles.hemisphere",
            title: "Tokens starting in an open hemisphere collapse exponentially, also for random Q, K with V = I",
            paper: "2312.10794",
            figure: "Lemma 6.4 (hemisphere clustering) for Q = K = V = I and for constant random Q, K",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (trials, n) = match profile {
            Profile::Smoke => (2, 16),
            Profile::Quick => (6, 32),
            Profile::Paper => (32, 64),
        };
        let mut pts = Vec::new();
        for model in Model::ALL {
            for trial in 0..trials {
                pts.push(Params { model, trial, n, d: 3, beta: 1.0, horizon: 60.0 });
            }
        }
        pts
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let mut rng = streams.stream(0);
        let start = Particles::uniform(p.n, p.d, &mut rng)?;
        // Reflect into the open hemisphere {x_1 > 0} (not the uniform starts).
        let start = if p.model == Model::Uniform {
            start
        } else {
            let x = Mat::from_fn(p.n, p.d, |i, k| start.positions()[(i, k)] * start.positions()[(i, 0)].signum());
            Particles::on_sphere(x)?
        };
        let head = if p.model == Model::RandomQk {
            let scale = faer::Scale((p.d as f64).sqrt().recip());
            let query = gaussian_matrix(p.d, p.d, &mut rng) * scale;
            let key = gaussian_matrix(p.d, p.d, &mut rng) * scale;
            Head { query: Some(query), key: Some(key), value: None }
        } else {
            Head::identity()
        };
        let dynamics = SphereDynamics::new(&Attention::softmax(p.beta).with_heads(vec![head]), p.d)?;
        let times: Vec<f64> = (0..=300).map(|k| p.horizon * k as f64 / 300.0).collect();
        let mut diameter = Vec::new();
        solve_with(&dynamics, &start, &times, &SolveOptions::new(Scheme::Rk4 { step: 0.02 }), |_, q| {
            let x = q.positions();
            let mut dmax: f64 = 0.0;
            for i in 0..q.len() {
                for j in 0..i {
                    let d2: f64 = (0..q.dim()).map(|k| (x[(i, k)] - x[(j, k)]).powi(2)).sum();
                    dmax = dmax.max(d2.sqrt());
                }
            }
            diameter.push(dmax);
            Ok(())
        })?;
        let (ts, ls): (Vec<f64>, Vec<f64>) = times
            .iter()
            .zip(&diameter)
            .filter(|&(_, &v)| (WINDOW.0..=WINDOW.1).contains(&v))
            .map(|(t, v)| (*t, v.ln()))
            .unzip();
        let (slope, r_squared) = if ts.len() >= 3 {
            let f = fit_line(&ts, &ls)?;
            (f.slope, f.r_squared)
        } else {
            (0.0, 0.0)
        };
        Ok(Measured {
            times,
            diameter: diameter.iter().map(|v| v.max(1e-300)).collect(),
            slope,
            r_squared,
            window: ts.len(),
        })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut table = Table::new(&["model", "trial", "t", "diameter"]);
        let mut panels = Vec::new();
        let mut claims = Vec::new();
        for model in Model::ALL {
            let rows: Vec<&(Params, Measured)> = records.iter().filter(|(p, _)| p.model == model).collect();
            let mut series = Vec::new();
            for (k, (p, m)) in rows.iter().enumerate() {
                for (t, v) in m.times.iter().zip(&m.diameter) {
                    table.push(vec![Cell::from(model.name()), Cell::from(p.trial), Cell::from(*t), Cell::from(*v)])?;
                }
                series.push(
                    Series::line(format!("trial {}", p.trial), m.times.clone(), m.diameter.clone()).with_color(k),
                );
            }
            // The slope farthest from the theory's −1.
            let worst_slope = rows
                .iter()
                .map(|(_, m)| m.slope)
                .max_by(|a, b| (a + 1.0).abs().total_cmp(&(b + 1.0).abs()))
                .unwrap_or(f64::NAN);
            let beta = rows.first().map_or(1.0, |(p, _)| p.beta);
            // Second-order terms of the linearisation are relatively
            // O(β · diameter²) at the window's top; RK4 with step h = 0.02
            // follows e^{−t} with relative error h⁴/120 per unit time.
            let tolerance = beta * WINDOW.1 * WINDOW.1 + 0.02f64.powi(4) / 120.0;
            let worst_r2 = rows.iter().map(|(_, m)| m.r_squared).fold(f64::INFINITY, f64::min);
            let label = match model {
                Model::Identity => "Q = K = V = I",
                Model::RandomQk => "random Q, K (entries N(0, 1/d)), V = I",
                Model::Uniform => "Q = K = V = I, uniform starts on S^2",
            };
            if model == Model::Uniform {
                // d ≥ 3: almost every start ends in a single cluster, for
                // every β (2312.10794 §6.1, after Markdahl et al.).
                let collapsed = rows.iter().filter(|(_, m)| m.diameter.last().is_some_and(|&d| d <= WINDOW.0)).count();
                claims.push(
                    Claim::at_least(
                        "single-cluster-d3",
                        "d = 3, uniform starts anywhere on the sphere: every trial ends in a single cluster (diameter below 1e-10 by the horizon)",
                        rows.len() as f64,
                        collapsed as f64,
                    )
                    .with_basis("the theorem holds for almost every start: every trial, no tolerance (the horizon only caps the run)")
                    .with_note(format!("{collapsed} of {} trials; n = {}, beta = {beta}", rows.len(), rows.first().map_or(0, |r| r.0.n))),
                );
            }
            claims.push(
                Claim::close(
                    &format!("collapse-rate-{model}"),
                    &format!("{label}: near consensus ln(diameter) falls with slope −1 in every trial (the linearisation δ_i' = δ̄ − δ_i: every difference decays as e^(−t), whatever β and Q, K)"),
                    -1.0,
                    worst_slope,
                    tolerance,
                )
                .with_basis("linearisation: O(β diam²) at diam ≤ 1e-2, plus RK4 h⁴/120")
                .with_note(format!(
                    "slopes of least-squares lines over {:e} <= diameter <= {:e}; {} trials",
                    WINDOW.0,
                    WINDOW.1,
                    rows.len()
                )),
            );
            // Residuals of ln(diameter) from a line are at most the same
            // relative error ε = tolerance, while ln(diameter) spans
            // L = ln(window top/bottom) at a uniform pace in t: RSS ≤ Nε²
            // and S_yy = N L²/12, so 1 − R² ≤ 12 ε²/L².
            let span = (WINDOW.1 / WINDOW.0).ln();
            let r2_bound = 1.0 - 12.0 * tolerance * tolerance / (span * span);
            claims.push(
                Claim::at_least(
                    &format!("exponential-{model}"),
                    &format!("{label}: the collapse is exponential (smallest R^2 of the log-linear fit)"),
                    r2_bound,
                    worst_r2,
                )
                .with_basis("derived: 1 − R² ≤ 12ε²/ln(window)² with ε the slope claim's linearisation + RK4 error")
                .with_note("R^2 of ln(diameter) against t over the collapse window"),
            );
            panels.push(Panel::Xy(XyPanel {
                title: label.into(),
                x: Axis::linear("t"),
                y: Axis::log("diameter max ||x_i - x_j||"),
                series,
                legend: Legend::UpperRight,
            }));
        }
        out.table("table", &table)?;
        out.figure(
            "diameter",
            &Figure::grid("Collapse to a single cluster (n tokens in S^2, beta = 1): from a hemisphere, and from anywhere", 2, panels)
            .with_caption("Reproduces Lemma 6.4 and the d >= 3 single-cluster theorem of arXiv 2312.10794 (A mathematical perspective on Transformers): tokens starting in an open hemisphere of S^2 collapse to one point exponentially fast, and so do tokens starting anywhere once they have gathered. The diameter on a log scale against t ends in a straight line of slope -1 (exponential decay), with Q = K = I, with random Q, K, and from uniform starts."),
        )?;
        Ok(claims)
    }
}
