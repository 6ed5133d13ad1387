//! `particles.staircase`: the energy staircase of arXiv 2410.06833 §6.
//!
//! `n = 5` tokens on the circle at angles `θ₀ = ½·[0, ½, 2, 4, 7]·log β₀/√β₀`
//! (`β₀ = 2000`, the paper's fixed start), the shifted USA
//! `ẋ_i = P⊥(Σ_j e^{β(⟨x_i,x_j⟩−1)} x_j / n)`, for
//! `β ∈ {500, 1000, 1500, 2000, 3000, 4000}`. Tokens closer than
//! `1/√(β log β)` are merged (the paper's "modified USA enforcing
//! collisions"); adaptive Dormand–Prince steps cross plateaus that last up
//! to `e^{0.075β}` (10^130 at β = 4000) in a few thousand steps.
//!
//! The normalised energy `Ê = (1/n²) Σ_ij m_i m_j e^{β(⟨x_i,x_j⟩−1)}` plotted
//! against the rescaled clock `ln(t)/β` is a staircase; in the limit
//! `β → ∞` the energy on a plateau is `Σ_c (m_c/n)²` for the clusters `c`
//! present. Claim: at the log-time midpoint of every plateau (between two
//! merges, and after the last one) the measured energy is within 10⁻² of
//! `Σ_c (m_c/n)²` computed from the cluster masses at that time. The start,
//! before the first merge, is not a plateau: the closest pair (gap 0.04)
//! collapses at once (`ln(t)/β → 0`), and at β = 500 it still adds a cross
//! term of about 0.05 to the energy; the note reports it.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use infoflow_numerics::rng::Streams;
use infoflow_particles::observables::{EnergyNormalization, energy};
use infoflow_particles::{
    Attention, Event, Normalization, Particles, Scheme, SolveOptions, SphereDynamics, Tolerances, log_times, solve_with,
};
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Staircase;

/// One inverse temperature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Inverse temperature.
    pub beta: f64,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("beta={}", self.beta)
    }
}

/// The energy along the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Output times (log-spaced, with 0).
    pub times: Vec<f64>,
    /// Normalised energy at those times.
    pub energy: Vec<f64>,
    /// `Σ_c (m_c/n)²` of the particles present at those times.
    pub cluster_energy: Vec<f64>,
    /// Particles present at those times.
    pub particles: Vec<usize>,
    /// Merge times (cluster-count changes).
    pub merges: Vec<f64>,
    /// Accepted steps.
    pub steps: u64,
}

const N: usize = 5;

impl Experiment for Staircase {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "particles.staircase",
            title: "The energy staircase: plateaus at sum_c (m_c/n)^2 between merges, on exponentially long times",
            paper: "2410.06833",
            figure: "Section 6 staircase (n = 5, beta in {500, 1000, 1500, 2000, 3000, 4000})",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let betas: &[f64] = match profile {
            Profile::Smoke => &[500.0, 1000.0],
            _ => &[500.0, 1000.0, 1500.0, 2000.0, 3000.0, 4000.0],
        };
        betas.iter().map(|&beta| Params { beta }).collect()
    }

    fn run(&self, p: &Params, _streams: &Streams) -> Result<Measured> {
        let scale = 0.5 * 2000f64.ln() / 2000f64.sqrt();
        let angles: Vec<f64> = [0.0, 0.5, 2.0, 4.0, 7.0].iter().map(|a| a * scale).collect();
        let att = Attention::unnormalized(p.beta).with_normalization(Normalization::UnnormalizedShifted);
        let dynamics = SphereDynamics::new(&att, 2)?;
        let merge = 1.0 / (p.beta * p.beta.ln()).sqrt();
        let opts = SolveOptions::new(Scheme::Adaptive(Tolerances::default()))
            .with_merging(merge)
            .with_event(Event::ClusterCount { threshold: (2.0 * merge).cos() });
        let times = log_times(1e-3, 1e200, 600)?;
        let mut out = Measured {
            times: Vec::new(),
            energy: Vec::new(),
            cluster_energy: Vec::new(),
            particles: Vec::new(),
            merges: Vec::new(),
            steps: 0,
        };
        let done = solve_with(&dynamics, &Particles::on_circle(&angles)?, &times, &opts, |t, q| {
            out.times.push(t);
            out.energy.push(energy(q, p.beta, EnergyNormalization::Shifted)?);
            out.cluster_energy.push(q.masses().iter().map(|m| (m / N as f64).powi(2)).sum());
            out.particles.push(q.len());
            Ok(())
        })?;
        out.merges = done.events.iter().map(|e| e.t).collect();
        out.steps = done.stats.steps;
        Ok(out)
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut table = Table::new(&["beta", "t", "rescaled_time", "energy", "sum_mc_over_n_squared", "particles"]);
        let mut series = Vec::new();
        let mut claims = Vec::new();
        for (k, (p, m)) in records.iter().enumerate() {
            for i in 1..m.times.len() {
                table.push(vec![
                    Cell::from(p.beta),
                    Cell::from(m.times[i]),
                    Cell::from(m.times[i].ln() / p.beta),
                    Cell::from(m.energy[i]),
                    Cell::from(m.cluster_energy[i]),
                    Cell::from(m.particles[i]),
                ])?;
            }
            // Plateaus: between consecutive merges, and after the last one.
            let mut bounds: Vec<f64> = m.merges.clone();
            if let Some(&end) = m.times.last()
                && bounds.last().is_some_and(|&b| b < end)
            {
                bounds.push(end);
            }
            let mut worst: f64 = 0.0;
            let mut checked = 0;
            for w in bounds.windows(2) {
                let mid = (w[0].ln() + w[1].ln()) / 2.0;
                if let Some(i) = (1..m.times.len())
                    .min_by(|&a, &b| (m.times[a].ln() - mid).abs().total_cmp(&(m.times[b].ln() - mid).abs()))
                {
                    worst = worst.max((m.energy[i] - m.cluster_energy[i]).abs());
                    checked += 1;
                }
            }
            claims.push(
                Claim::at_most(
                    &format!("plateaus-beta{}", p.beta),
                    &format!(
                        "beta = {}: on every plateau the normalised energy equals sum over clusters of (m_c/n)^2 within 1e-2",
                        p.beta
                    ),
                    1e-2,
                    worst,
                )
                .with_note(format!(
                    "{checked} plateaus checked at their log-time midpoints; merges at ln(t)/beta = {:?}; start energy {:.4} vs 1/n = 0.2 (before the first merge); {} adaptive steps",
                    m.merges.iter().map(|t| (t.ln() / p.beta * 1e4).round() / 1e4).collect::<Vec<_>>(),
                    m.energy[0],
                    m.steps
                )),
            );
            series.push(
                Series::line(
                    format!("beta = {}", p.beta),
                    m.times[1..].iter().map(|t| t.ln() / p.beta).collect(),
                    m.energy[1..].to_vec(),
                )
                .with_color(k),
            );
        }
        out.table("table", &table)?;
        out.figure(
            "staircase",
            &Figure::single(
                "Energy staircase of the shifted USA on the circle (n = 5)",
                Panel::Xy(XyPanel {
                    title: String::new(),
                    x: Axis::linear("rescaled time ln(t) / beta").with_range(-0.01, 0.1),
                    y: Axis::linear("normalised energy (1/n^2) sum exp(beta(<x_i,x_j> - 1))"),
                    series,
                    legend: Legend::LowerRight,
                }),
            )
            .with_caption("Reproduces the energy staircase of arXiv 2410.06833 (Geshkovski, Koubbi, Polyanskiy, Rigollet, dynamic metastability): the normalised energy of n = 5 tokens on the circle under the shifted USA, against ln(t)/beta. Expect flat plateaus at the levels sum_c (m_c/n)^2 of the current clusters, separated by fast jumps when two clusters merge; larger beta gives longer plateaus."),
        )?;
        Ok(claims)
    }
}
