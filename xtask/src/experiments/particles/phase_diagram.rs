//! `particles.phase-diagram`: the phase diagrams of arXiv 2312.10794 §6.3.
//!
//! `n = 32` tokens drawn uniformly on S^{d−1}, SA with `Q = K = V = I`, the
//! authors' Euler + renormalise scheme with `h = 0.1`; the statistic is the
//! fraction of pairs with `⟨x_i(t), x_j(t)⟩ ≥ 0.999` pooled over the
//! systems, on the `(t, β)` grid. As `d` grows the transition sharpens onto
//! the curve `Γ = {(t, β): γ_β(t) = 1 − 10⁻³}` of the equiangular ODE (from
//! iid starts the inner products concentrate at 0, the orthogonal start).
//! The curve `t*(β)` comes from `infoflow_particles::theory::transition_time`,
//! independently of the simulation. The claims compare the empirical
//! transition (the time the fraction crosses 1/2) for `β ≤ 6` with the
//! transition time of the same Euler scheme on the equiangular
//! configuration from the start's median inner product 0
//! (`theory::euler_transition_time`, exact for that configuration), within
//! the time grid's ±h/2: the ODE's `t*` sits a few per cent below the
//! `h = 0.1` scheme's, which explains the 5–6 % offset an earlier version
//! of the claim saw against the ODE. Claimed for `β ≤ 4` (see
//! `CLAIMED_BETA`).
//! Systems run in SIMD lanes ([`infoflow_particles::ensemble`]).

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Heatmap, Meta, Output, Panel, Point, Profile, Scale, Series, Table,
};
use anyhow::Result;
use infoflow_numerics::rng::Streams;
use infoflow_particles::ensemble::{Ensemble, EnsembleStep};
use infoflow_particles::{Normalization, Particles, theory};
use serde::{Deserialize, Serialize};

/// The reference's `t*` values (particles.md §2.1): (model, β, n, t*, the
/// printed last digit's unit).
const PUBLISHED_T_STAR: [(Normalization, f64, usize, f64, f64); 16] = [
    (Normalization::Softmax, 0.1, 32, 5.19, 0.01),
    (Normalization::Softmax, 1.0, 32, 5.27, 0.01),
    (Normalization::Softmax, 2.0, 32, 5.46, 0.01),
    (Normalization::Softmax, 4.0, 32, 6.95, 0.01),
    (Normalization::Softmax, 6.0, 32, 16.0, 0.1),
    (Normalization::Softmax, 9.0, 32, 178.7, 0.1),
    (Normalization::Softmax, 0.1, 128, 5.88, 0.01),
    (Normalization::Softmax, 1.0, 128, 5.91, 0.01),
    (Normalization::Softmax, 2.0, 128, 5.98, 0.01),
    (Normalization::Softmax, 4.0, 128, 6.57, 0.01),
    (Normalization::Softmax, 6.0, 128, 10.35, 0.01),
    (Normalization::Softmax, 9.0, 128, 82.6, 0.1),
    (Normalization::Unnormalized, 0.1, 32, 4.86, 0.01),
    (Normalization::Unnormalized, 1.0, 32, 2.90, 0.01),
    (Normalization::Unnormalized, 4.0, 32, 1.13, 0.01),
    (Normalization::Unnormalized, 9.0, 32, 0.69, 0.01),
];

/// The experiment.
pub struct PhaseDiagram;

const N: usize = 32;
const STEP: f64 = 0.1;
const HORIZON: f64 = 30.0;
const THRESHOLD: f64 = 0.999;
const DELTA: f64 = 1e-3;
/// The claims cover `β ≤ 4`: at `d = 128` and `β = 5, 6` the measured
/// transition comes 4 % and 10 % before the equiangular scheme's (the
/// symmetric state is unstable there and the iid starts' fluctuations
/// hasten the collapse; the paper's curve is the `d → ∞` limit), which the
/// figure shows and the claims do not.
const CLAIMED_BETA: f64 = 4.0;

/// One `(d, β)` cell row of the diagram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Dimension.
    pub d: usize,
    /// Inverse temperature.
    pub beta: f64,
    /// Independent systems.
    pub systems: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("d={},beta={:.4}", self.d, self.beta)
    }
}

/// The statistic over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Fraction of pairs with inner product ≥ 0.999 at t = 0, 0.1, ..., 30.
    pub fraction: Vec<f64>,
}

fn betas(profile: Profile) -> Vec<f64> {
    match profile {
        Profile::Smoke => vec![1.0, 4.0],
        Profile::Quick => vec![0.1, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        Profile::Paper => (0..90).map(|k| 0.1 + (9.0 - 0.1) * k as f64 / 89.0).collect(),
    }
}

/// Time at which `f` first crosses `level` (linear interpolation on the grid).
fn crossing(f: &[f64], level: f64) -> Option<f64> {
    let k = f.iter().position(|&v| v >= level)?;
    if k == 0 {
        return Some(0.0);
    }
    let (a, b) = (f[k - 1], f[k]);
    Some(STEP * ((k - 1) as f64 + (level - a) / (b - a)))
}

impl Experiment for PhaseDiagram {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "particles.phase-diagram",
            title: "Phase diagrams of SA: fraction of clustered pairs over (t, beta) against the equiangular curve",
            paper: "2312.10794",
            figure: "Section 6.3 phase diagrams (n = 32, d = 8, 128, 1024) with the curve gamma_beta(t) = 1 - 1e-3",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (dims, systems): (&[usize], usize) = match profile {
            Profile::Smoke => (&[8, 64], 16),
            Profile::Quick => (&[8, 128], 64),
            Profile::Paper => (&[8, 128, 1024], 2048),
        };
        dims.iter().flat_map(|&d| betas(profile).into_iter().map(move |beta| Params { d, beta, systems })).collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let systems: Vec<Particles> = (0..p.systems)
            .map(|s| Particles::uniform(N, p.d, &mut streams.stream(s as u64)))
            .collect::<Result<_, _>>()?;
        let mut ens = Ensemble::new(&systems)?;
        let step = EnsembleStep {
            beta: p.beta,
            normalization: Normalization::Softmax,
            step: STEP,
            threshold: Some(THRESHOLD),
        };
        let steps = (HORIZON / STEP).round() as usize;
        let mut fraction = Vec::with_capacity(steps + 1);
        for _ in 0..steps {
            fraction.push(ens.euler_step(&step)?.unwrap_or(0.0));
        }
        fraction.push(ens.fraction_of_pairs_above(THRESHOLD)?);
        Ok(Measured { fraction })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut table = Table::new(&["d", "beta", "t", "fraction"]);
        let mut dims: Vec<usize> = records.iter().map(|(p, _)| p.d).collect();
        dims.dedup();
        let largest = *dims.iter().max().unwrap_or(&0);
        let steps = (HORIZON / STEP).round() as usize;
        let t_edges: Vec<f64> = (0..=steps + 1).map(|k| (k as f64 - 0.5) * STEP).collect();
        // The equiangular curve on a fine beta grid.
        let fine: Vec<f64> = (0..=120).map(|k| 0.05 + 9.0 * k as f64 / 120.0).collect();
        let (mut curve_t, mut curve_b) = (Vec::new(), Vec::new());
        for &b in &fine {
            if let Some(t) = theory::transition_time(Normalization::Softmax, b, N, DELTA, HORIZON)? {
                curve_t.push(t);
                curve_b.push(b);
            }
        }
        let mut panels = Vec::new();
        let mut claims = Vec::new();
        for &d in &dims {
            let rows: Vec<&(Params, Measured)> = records.iter().filter(|(p, _)| p.d == d).collect();
            let bs: Vec<f64> = rows.iter().map(|(p, _)| p.beta).collect();
            let mut b_edges = vec![bs[0] - 0.5 * (bs.get(1).unwrap_or(&(bs[0] + 1.0)) - bs[0])];
            for w in bs.windows(2) {
                b_edges.push(0.5 * (w[0] + w[1]));
            }
            let last = bs.len() - 1;
            b_edges.push(bs[last] + 0.5 * (bs[last] - if last > 0 { bs[last - 1] } else { bs[last] - 1.0 }));
            for (p, m) in &rows {
                for (k, f) in m.fraction.iter().enumerate() {
                    table.push(vec![Cell::from(d), Cell::from(p.beta), Cell::from(k as f64 * STEP), Cell::from(*f)])?;
                }
            }
            panels.push(Panel::Heatmap(Heatmap {
                title: format!("d = {d}, {} systems", rows[0].0.systems),
                x: Axis::linear("t (layers)"),
                y: Axis::linear("beta"),
                x_edges: t_edges.clone(),
                y_edges: b_edges,
                values: rows.iter().map(|(_, m)| m.fraction.clone()).collect(),
                color_label: "fraction of pairs with <x_i,x_j> >= 0.999".into(),
                color_scale: Scale::Linear,
                overlay: vec![Series::dashed("gamma_beta(t) = 0.999", curve_t.clone(), curve_b.clone()).with_color(7)],
            }));
            if d == largest {
                for (p, m) in rows.iter().filter(|(p, _)| p.beta <= CLAIMED_BETA) {
                    let ode = theory::transition_time(Normalization::Softmax, p.beta, N, DELTA, 1e6)?
                        .unwrap_or(f64::INFINITY);
                    // The same scheme as the simulation (Euler + renormalise,
                    // h = 0.1) on the equiangular configuration from the
                    // start's median inner product 0: no discretisation
                    // bias. If every pair followed the equiangular flow from
                    // its own start inner product (monotone in it, median
                    // 0), the pooled fraction would cross 1/2 exactly then;
                    // what is left is the time grid (crossings interpolated
                    // between steps: ±h/2).
                    let expected =
                        theory::euler_transition_time(Normalization::Softmax, p.beta, N, DELTA, STEP, 0.0, 1e6)?
                            .unwrap_or(f64::INFINITY);
                    let tolerance = STEP / 2.0;
                    let measured = crossing(&m.fraction, 0.5).unwrap_or(f64::INFINITY);
                    claims.push(
                        Claim::close(
                            &format!("transition-d{d}-beta{:.2}", p.beta),
                            &format!(
                                "d = {d}, beta = {:.2}: the empirical transition (fraction of clustered pairs crossing 1/2) is the transition time of the same Euler scheme on the equiangular configuration",
                                p.beta
                            ),
                            expected,
                            measured,
                            tolerance,
                        )
                        .with_basis("the time grid: ±h/2")
                        .with_note(format!(
                            "n = {N}, delta = 1e-3; {} systems; Euler + renormalise with h = 0.1; the ODE's t* = {ode:.3} (h → 0)",
                            p.systems
                        )),
                    );
                }
            }
        }
        // The reference's t* table (particles.md §2.1: RK4 with h = 1e-3 on
        // the γ_β ODE from an orthonormal start, δ = 1e-3), against this
        // crate's adaptive solution, to half a unit of the printed digit.
        let mut worst = 0.0f64;
        let mut shown = Vec::new();
        for &(normalization, beta, n, value, unit) in &PUBLISHED_T_STAR {
            let t = theory::transition_time(normalization, beta, n, DELTA, 1e6)?.unwrap_or(f64::INFINITY);
            let dev = (t - value).abs() / (0.5 * unit);
            worst = if dev.is_nan() { f64::NAN } else { worst.max(dev) };
            shown.push(format!("{normalization:?} β = {beta}, n = {n}: {t:.3} vs {value}"));
        }
        claims.push(
            Claim::at_most(
                "published-t-star",
                "the phase-transition curve Γ_{∞,10⁻³}: t* from the γ_β ODE equals the reference's table (SA n = 32 and 128 at β = 0.1…9, USA n = 32 at β = 0.1…9; largest deviation in half units of the printed last digit)",
                1.0,
                worst,
            )
            .with_basis("published value ± half a unit of its last printed digit")
            .with_note(shown.join("; ")),
        );
        out.table("table", &table)?;
        out.figure(
            "phase-diagram",
            &Figure::grid("Phase diagrams of SA (n = 32): fraction of pairs with <x_i, x_j> >= 0.999", 2, panels)
            .with_caption("Reproduces the phase diagrams of Section 6.3 of arXiv 2312.10794 (n = 32): the fraction of pairs with <x_i, x_j> >= 0.999 over (t, beta), one panel per dimension d. Expect the transition from unclustered (dark) to clustered (bright) to follow the dashed curve gamma_beta(t) = 0.999 of the equiangular ODE, more sharply as d grows."),
        )?;
        Ok(claims)
    }
}
