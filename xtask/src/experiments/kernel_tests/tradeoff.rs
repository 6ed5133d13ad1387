//! `kernel-tests.tradeoff`: the asymmetric trade-off between the simulation
//! budget `n` and the experimental sample `m` (arXiv 2211.01126,
//! 2308.09043), on the paper's discrete problem: 100 atoms,
//! `p₀ = (1 ± 0.3)/100` alternating, `p₁` the opposite (TV = 0.3).
//!
//! `X ~ p₀`, `Y ~ p₁` (`n` each), `Z` (`m`) from `p₀` (type I) or `p₁`
//! (type II); the plug-in statistic `‖x̂ − ẑ‖² − ‖ŷ − ẑ‖²` of the paper's
//! `Synthetic.py`, deciding `Y` when positive. Errors over an `(n, m)` grid.
//!
//! Claims: the type I error matches the reference computation of
//! the authors' synthetic study (rerun in Python) at its nine cells (binomial tolerance, 3.29
//! standard errors of both estimates); the asymmetry: total error at
//! `(n, m) = (1000, 30)` below that at `(30, 1000)` by 3.29 standard errors
//! (the theory's sign: only the first is inside the asymptotes); the iso-error
//! curve (total error 0.1) has log-log slope −1 between the asymptotes
//! (`n m` constant), checked in the theory's window `m ∈ [1/ε², √k/ε²]`
//! fixed before looking, with 3.29 standard errors of the fitted slope
//! from the binomial errors of the crossings (quick and paper profiles,
//! whose grid gives at least three crossings there). It does not hold at
//! this size (slope about −2.7): a documented discrepancy, see the claim;
//! at `m = 10 < 1/ε²` no `n` drives the total error below the Bayes error
//! of the `m`-sample problem with `p₀, p₁` known (the simulations are
//! ancillary), computed exactly.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Heatmap, Meta, Output, Panel, Point, Profile, Scale, Series, Table,
};
use anyhow::Result;
use infoflow_kernel_tests::data::PerturbedUniform;
use infoflow_kernel_tests::lfht::discrete_statistic;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::stats::fit_line;
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Tradeoff;

/// One `(n, m)` cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Simulated points per class.
    pub n: usize,
    /// Experimental points.
    pub m: usize,
    /// Repetitions per hypothesis.
    pub reps: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("n={},m={}", self.n, self.m)
    }
}

/// Error counts at one cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// `T > 0` with `Z ~ p₀`.
    pub type_i: u64,
    /// `T ≤ 0` with `Z ~ p₁`.
    pub type_ii: u64,
    /// Repetitions per hypothesis.
    pub reps: u64,
}

const GRID: [usize; 13] = [10, 18, 30, 56, 100, 178, 300, 562, 1000, 1778, 3000, 5623, 10_000];
/// The authors' synthetic study rerun in Python, 600 repeats per cell: P(T > 0 | Z ~ p₀).
const REFERENCE: [(usize, usize, f64); 9] = [
    (30, 30, 0.403),
    (30, 1000, 0.333),
    (30, 10_000, 0.295),
    (100, 100, 0.165),
    (100, 3000, 0.058),
    (300, 300, 0.008),
    (1000, 30, 0.100),
    (3000, 100, 0.003),
    (10_000, 30, 0.065),
];

/// The smallest total error of any test between `Bin(m, q)` and
/// `Bin(m, 1 − q)` counts (equal priors): `Σ_k min(P₀(k), P₁(k))`.
fn bayes_total_error(m: usize, q: f64) -> f64 {
    let mut ln_choose = 0.0;
    let mut total = 0.0;
    for k in 0..=m {
        if k > 0 {
            ln_choose += ((m - k + 1) as f64).ln() - (k as f64).ln();
        }
        let (kf, rest) = (k as f64, (m - k) as f64);
        let p0 = (ln_choose + kf * q.ln() + rest * (1.0 - q).ln()).exp();
        let p1 = (ln_choose + kf * (1.0 - q).ln() + rest * q.ln()).exp();
        total += p0.min(p1);
    }
    total
}

impl Experiment for Tradeoff {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "kernel-tests.tradeoff",
            title: "The n-m trade-off of likelihood-free testing on the perturbed-uniform problem",
            paper: "2211.01126",
            figure: "the asymmetric (n, m) trade-off heat map of arXiv 2308.09043 (Synthetic.py) with the iso-error curve",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (grid, reps): (Vec<usize>, usize) = match profile {
            Profile::Smoke => (vec![10, 30, 100, 300, 1000, 3000, 10_000], 600),
            Profile::Quick => (GRID.to_vec(), 2000),
            Profile::Paper => (GRID.to_vec(), 20_000),
        };
        grid.iter().flat_map(|&n| grid.iter().map(move |&m| Params { n, m, reps })).collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let pu = PerturbedUniform::new(100, 0.3)?;
        let mut rng = streams.stream(0);
        let (mut t1, mut t2) = (0, 0);
        for _ in 0..p.reps {
            let (cx, cy) =
                (PerturbedUniform::counts(&pu.p0, p.n, &mut rng)?, PerturbedUniform::counts(&pu.p1, p.n, &mut rng)?);
            let z0 = PerturbedUniform::counts(&pu.p0, p.m, &mut rng)?;
            let z1 = PerturbedUniform::counts(&pu.p1, p.m, &mut rng)?;
            t1 += (discrete_statistic(&cx, &cy, &z0)? > 0.0) as u64;
            t2 += (discrete_statistic(&cx, &cy, &z1)? <= 0.0) as u64;
        }
        Ok(Measured { type_i: t1, type_ii: t2, reps: p.reps as u64 })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&["n", "m", "type_i", "type_ii", "total"]);
        let find = |n: usize, m: usize| records.iter().find(|(p, _)| p.n == n && p.m == m).map(|(_, r)| r);
        let rate = |c: u64, r: &Measured| c as f64 / r.reps as f64;
        let total = |r: &Measured| rate(r.type_i, r) + rate(r.type_ii, r);
        for (p, r) in records {
            table.push(vec![
                Cell::from(p.n),
                Cell::from(p.m),
                Cell::from(rate(r.type_i, r)),
                Cell::from(rate(r.type_ii, r)),
                Cell::from(total(r)),
            ])?;
        }
        for &(n, m, reference) in &REFERENCE {
            if let Some(r) = find(n, m) {
                let measured = rate(r.type_i, r);
                let se = (reference * (1.0 - reference) / 600.0 + measured * (1.0 - measured) / r.reps as f64)
                    .sqrt()
                    .max(1.0 / r.reps as f64);
                claims.push(
                    Claim::close(&format!("reference-n{n}-m{m}"), &format!("P(T > 0 | Z ~ p0) at n = {n}, m = {m} matches the reference computation"), reference, measured, 3.29 * se).with_basis("3.29 s.e. of both estimates")
                        .with_note("reference: the authors' synthetic study of arXiv 2308.09043 rerun in pure Python with 600 repeats per cell; tolerance 3.29 standard errors of the two estimates"),
                );
            }
        }
        if let (Some(a), Some(b)) = (find(1000, 30), find(30, 1000)) {
            // The theory gives a sign here: (1000, 30) is inside the region
            // m ≥ 1/ε², n ≥ √k/ε², m n ≥ k/ε⁴ (11, 111, 1.2e4), while n = 30
            // is below the n ≍ √k/ε² asymptote.
            let se = |r: &Measured| {
                let (x, y) = (rate(r.type_i, r), rate(r.type_ii, r));
                (x * (1.0 - x) + y * (1.0 - y)) / r.reps as f64
            };
            let z = (total(b) - total(a)) / (se(a) + se(b)).sqrt().max(1e-12);
            claims.push(
                Claim::at_least(
                    "asymmetry",
                    "total error at (n, m) = (1000, 30) is below that at (30, 1000) (difference in standard errors)",
                    3.29,
                    z,
                )
                .with_basis("the theory's sign (which side of the asymptotes), at 3.29 s.e. of the difference")
                .with_note(format!("{:.4} vs {:.4}", total(a), total(b))),
            );
        }
        // Iso-error curve at total error 0.1: for each m, the n where the error crosses 0.1.
        let mut grid: Vec<usize> = records.iter().map(|(p, _)| p.n).collect();
        grid.sort_unstable();
        grid.dedup();
        let level: f64 = 0.1;
        let mut iso = Vec::new();
        // Per crossing, the binomial standard error of ln n* (the two totals'
        // errors propagated through the interpolation).
        let mut iso_se = Vec::new();
        let crossing = |n0: f64, n1: f64, e0: f64, e1: f64| {
            let (l0, l1) = (e0.ln(), e1.max(1e-6).ln());
            let f = (level.ln() - l0) / (l1 - l0);
            n0.ln() + f * (n1.ln() - n0.ln())
        };
        let total_se = |r: &Measured| {
            let (a, b) = (rate(r.type_i, r), rate(r.type_ii, r));
            ((a * (1.0 - a) + b * (1.0 - b)) / r.reps as f64).sqrt().max(1.0 / r.reps as f64)
        };
        for &m in &grid {
            let col: Vec<(f64, &Measured)> = grid.iter().filter_map(|&n| find(n, m).map(|r| (n as f64, r))).collect();
            if let Some(w) = col.windows(2).find(|w| total(w[0].1) > level && total(w[1].1) <= level) {
                let (n0, n1, e0, e1) = (w[0].0, w[1].0, total(w[0].1), total(w[1].1));
                let x = crossing(n0, n1, e0, e1);
                let (s0, s1) = (total_se(w[0].1), total_se(w[1].1));
                let d0 = (crossing(n0, n1, e0 + 0.5 * s0, e1) - crossing(n0, n1, e0 - 0.5 * s0, e1)).abs();
                let d1 = (crossing(n0, n1, e0, e1 + 0.5 * s1) - crossing(n0, n1, e0, (e1 - 0.5 * s1).max(1e-6))).abs();
                iso.push((m as f64, x.exp()));
                iso_se.push((m as f64, d0.hypot(d1)));
            }
        }
        // The window is the theory's region, fixed before looking at the
        // data: the hyperbola m n ≍ k/ε⁴ binds between the asymptotes
        // m ≍ 1/ε² (below it no n helps) and m ≍ √k/ε² (where the hyperbola
        // meets n ≍ n_TS = √k/ε²), taken with constant 1: m ∈ [1/ε², √k/ε²]
        // = [11.1, 111] for k = 100, ε = 0.3. (An earlier version chose the
        // window after seeing the curve; the theory has no constants, so
        // none is used.)
        let (lo, hi) = (1.0 / 0.09, 10.0 / 0.09);
        let middle: Vec<(f64, f64)> = iso.iter().copied().filter(|(m, _)| (lo..=hi).contains(m)).collect();
        if middle.len() >= 3 {
            let (x, y): (Vec<f64>, Vec<f64>) = middle.iter().map(|(m, n)| (m.ln(), n.ln())).unzip();
            let mn: Vec<String> = middle.iter().map(|(m, n)| format!("{:.0}", m * n)).collect();
            // Standard error of the least-squares slope from the crossings'
            // own errors: Σ (x_i − x̄)² σ_i² / Sxx².
            let xbar = x.iter().sum::<f64>() / x.len() as f64;
            let sxx: f64 = x.iter().map(|v| (v - xbar).powi(2)).sum();
            let sigma: Vec<f64> =
                middle.iter().map(|(m, _)| iso_se.iter().find(|(mm, _)| mm == m).map_or(0.0, |s| s.1)).collect();
            let slope_se = x.iter().zip(&sigma).map(|(v, s)| (v - xbar).powi(2) * s * s).sum::<f64>().sqrt() / sxx;
            let tolerance = 3.29 * slope_se;
            claims.push(
                Claim::close(
                    "iso-error-slope",
                    "the iso-error curve (total error 0.1) has log-log slope −1 (n·m constant) between the asymptotes, m in [1/ε², √k/ε²]",
                    -1.0,
                    fit_line(&x, &y)?.slope,
                    tolerance,
                )
                .with_basis(format!("3.29 s.e. of the slope ({slope_se:.3}) from the binomial errors of the crossings"))
                .with_note(format!(
                    "{} crossing points, n·m = {} (theory k/ε⁴ = 1.2e4 up to constants); the window is the theory's region without constants, fixed before looking",
                    middle.len(),
                    mn.join(", ")
                ))
                .as_discrepancy(
                    "at the paper's own size (k = 100, ε = 0.3) the theory's two asymptotes are only one decade apart, and without the theory's constants the window m ∈ [1/ε², √k/ε²] takes in the bend toward the vertical asymptote (the curve turns vertical near m ≈ 30, not 11): the fitted slope there is about −2.7, not −1. Windows chosen after looking (m ∈ [33, 333]) give −1; the asymptotic statement needs a larger k to be checked without fitted constants",
                ),
            );
        }
        // X and Y are ancillary (their law does not depend on the
        // hypothesis), so no test of any n beats the Bayes error of the
        // m-sample problem with p₀, p₁ known: Σ_k min(P₀(c = k), P₁(c = k)),
        // c ~ Bin(m, 0.35) or Bin(m, 0.65) the draws on p₁'s heavy atoms.
        let small_m = grid.first().copied().unwrap_or(10);
        let bayes = bayes_total_error(small_m, 0.35);
        let (floor, floor_se) = grid
            .iter()
            .filter_map(|&n| find(n, small_m).map(|r| (total(r), total_se(r))))
            .fold((f64::INFINITY, 0.0), |a, b| if b.0 < a.0 { b } else { a });
        claims.push(
            Claim::at_least(
                "no-n-helps-below-1-over-eps2",
                &format!("at m = {small_m} ≤ 1/ε² ≈ 11 no n brings the total error below the Bayes error {bayes:.4} of the m-sample problem with p₀ and p₁ known"),
                bayes - 3.29 * floor_se,
                floor,
            )
            .with_basis("closed form (the Bayes error: the simulations are ancillary), less 3.29 s.e. of the smallest measured total")
            .with_note(format!("smallest total over n: {floor:.4} (s.e. {floor_se:.4})")),
        );
        out.table("table", &table)?;
        let edges = |g: &[usize]| -> Vec<f64> {
            let l: Vec<f64> = g.iter().map(|&v| (v as f64).log10()).collect();
            let mut e = vec![l[0] - 0.5 * (l[1] - l[0])];
            e.extend(l.windows(2).map(|w| 0.5 * (w[0] + w[1])));
            e.push(l[l.len() - 1] + 0.5 * (l[l.len() - 1] - l[l.len() - 2]));
            e
        };
        let values: Vec<Vec<f64>> = grid
            .iter()
            .map(|&n| grid.iter().map(|&m| find(n, m).map(total).unwrap_or(f64::NAN).max(1e-4)).collect())
            .collect();
        out.figure(
            "tradeoff",
            &Figure::single(
                "Total error of the likelihood-free test (perturbed uniform, k = 100, ε = 0.3)",
                Panel::Heatmap(Heatmap {
                    title: "type I + type II over (log10 m, log10 n)".into(),
                    x: Axis::linear("log10 m"),
                    y: Axis::linear("log10 n"),
                    x_edges: edges(&grid),
                    y_edges: edges(&grid),
                    values,
                    color_label: "total error".into(),
                    color_scale: Scale::Log10,
                    overlay: vec![
                        Series::line(
                            "total error 0.1",
                            iso.iter().map(|p| p.0.log10()).collect(),
                            iso.iter().map(|p| p.1.log10()).collect(),
                        )
                        .with_color(7),
                    ],
                }),
            )
            .with_caption("Reproduces the n-m trade-off heat map (Fig. 1) of arXiv 2308.09043, the trade-off of arXiv 2211.01126 (Gerber and Polyanskiy): total error (type I + type II) of the test on the perturbed-uniform problem over (log10 m, log10 n), with the iso-error curve. Expect the error to fall along both axes and the iso-error curve to trade n against m."),
        )?;
        Ok(claims)
    }
}
