//! `kernel-tests.calibration`: type I errors under the null.
//!
//! The two-sample permutation test (`MMD²_u`, Gaussian kernel at the median
//! bandwidth, 100 relabellings, `α = 0.05`) on `X, Y` from the same law,
//! and the likelihood-free test (`δ = 1`) with `X ~ P_X`, `Y ~ P_Y` and
//! `Z ~ P_X`, its threshold calibrated by resampling 400 `Z`-sets from a
//! held-out pool of 2000 draws of `P_X`, on three problems: Gaussian shift
//! (d = 5, shift 1), Blob, HDGM (d = 10).
//!
//! Claim for each (test, problem): the type I error is at most `α` within
//! the 99 % Wilson interval (its lower end is `≤ α`).

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use faer::{Mat, Par};
use infoflow_kernel_tests::data::{blob, gaussian_shift, hdgm};
use infoflow_kernel_tests::kernel::{Gaussian, median_bandwidth};
use infoflow_kernel_tests::lfht::{ErrorRate, resampled_threshold, witness_scores};
use infoflow_kernel_tests::two_sample::permutation_test;
use infoflow_numerics::rng::Streams;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Calibration;

/// One (test, problem) point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The test.
    pub test: Test,
    /// The null problem.
    pub problem: Problem,
    /// Points per simulated sample.
    pub n: usize,
    /// Points of `Z` (likelihood-free test).
    pub m: usize,
    /// Repetitions.
    pub reps: usize,
}

crate::names! {
    /// The tests: the MMD permutation test and the likelihood-free test.
    pub enum Test { Permutation = "permutation", Lfht = "lfht" }
}

crate::names! {
    /// The problems: Gaussian shift (d = 5), Blob, HDGM (d = 10).
    pub enum Problem { Gaussian = "gaussian", Blob = "blob", Hdgm = "hdgm" }
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},{}", self.test, self.problem)
    }
}

/// Rejections under the null.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Rejections.
    pub rejections: u64,
    /// Repetitions.
    pub trials: u64,
}

const ALPHA: f64 = 0.05;

/// `n` draws of the problem's `P` (`alternative = false`) or `Q`.
fn draw<R: Rng + ?Sized>(problem: Problem, n: usize, alternative: bool, rng: &mut R) -> Result<Mat<f64>> {
    Ok(match problem {
        Problem::Gaussian => gaussian_shift(n, 5, if alternative { 1.0 } else { 0.0 }, rng),
        Problem::Blob => blob(n, alternative, rng),
        Problem::Hdgm => hdgm(n, 10, alternative, rng)?,
    })
}

fn stack(a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(a.nrows() + b.nrows(), a.ncols(), |i, j| if i < a.nrows() { a[(i, j)] } else { b[(i - a.nrows(), j)] })
}

impl Experiment for Calibration {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "kernel-tests.calibration",
            title: "Type I errors of the MMD permutation test and the calibrated likelihood-free test under the null",
            paper: "2308.09043",
            figure: "calibration of the tests (the paper's Phase 2/3 calibration; Liu et al.'s permutation test)",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        // Enough repetitions that the claim can fail: at 3,000 the 99 %
        // Wilson interval around α = 0.05 is ±0.010, so a true type I error
        // of 0.065 (30 % above α) would leave α outside it; 400 (±0.028)
        // let a true 0.08 pass.
        let (n, m, reps) = match profile {
            Profile::Smoke => (60, 20, 100),
            Profile::Quick => (100, 30, 3000),
            Profile::Paper => (200, 50, 10_000),
        };
        Test::ALL
            .iter()
            .flat_map(|&test| Problem::ALL.iter().map(move |&problem| Params { test, problem, n, m, reps }))
            .collect()
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let mut rejections = 0;
        for rep in 0..p.reps as u64 {
            let mut rng = streams.stream(rep);
            let reject = if p.test == Test::Permutation {
                let (x, y) = (draw(p.problem, p.n, false, &mut rng)?, draw(p.problem, p.n, false, &mut rng)?);
                let k = Gaussian::new(median_bandwidth(x.as_ref(), y.as_ref())?)?;
                permutation_test(&k, x.as_ref(), y.as_ref(), 100, ALPHA, Par::Seq, &mut rng)?.reject
            } else {
                let (x, y) = (draw(p.problem, p.n, false, &mut rng)?, draw(p.problem, p.n, true, &mut rng)?);
                let k = Gaussian::new(median_bandwidth(x.as_ref(), y.as_ref())?)?;
                let z = draw(p.problem, p.m, false, &mut rng)?;
                let pool = draw(p.problem, 2000, false, &mut rng)?;
                // One kernel pass for the pool and Z together.
                let scores = witness_scores(&k, x.as_ref(), y.as_ref(), stack(&pool, &z).as_ref(), Par::Seq)?;
                let threshold = resampled_threshold(&scores[..2000], p.m, 400, ALPHA, &mut rng)?;
                scores[2000..].iter().sum::<f64>() / p.m as f64 > threshold
            };
            rejections += reject as u64;
        }
        Ok(Measured { rejections, trials: p.reps as u64 })
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&["test", "problem", "trials", "rejections", "type_i", "ci99_lo", "ci99_hi"]);
        let (mut xs, mut ys, mut errs, mut labels) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, (p, m)) in records.iter().enumerate() {
            let rate = ErrorRate { errors: m.rejections, trials: m.trials };
            let ci = rate.interval(0.99)?;
            table.push(vec![
                Cell::from(p.test.name()),
                Cell::from(p.problem.name()),
                Cell::from(m.trials),
                Cell::from(m.rejections),
                Cell::from(rate.rate()),
                Cell::from(ci.lo),
                Cell::from(ci.hi),
            ])?;
            claims.push(
                Claim::covers(
                    &format!("type-i-{}-{}", p.test, p.problem),
                    &format!(
                        "{} test on {}: the type I error is α = 0.05 (α inside the 99% interval of the rejection rate)",
                        p.test, p.problem
                    ),
                    ALPHA,
                    rate.rate(),
                    (ci.lo, ci.hi),
                )
                .with_basis("two-sided 99 % Wilson interval")
                .with_note(format!(
                    "{} rejections in {} null repetitions; interval: 99% Wilson",
                    m.rejections, m.trials
                )),
            );
            xs.push(i as f64);
            ys.push(rate.rate());
            errs.push((ci.lo, ci.hi));
            labels.push(format!("{}: {}", p.test, p.problem));
        }
        out.table("table", &table)?;
        out.figure(
            "type_i",
            &Figure::single(
                "Type I error under the null (99% Wilson intervals)",
                Panel::Xy(XyPanel {
                    title: format!("{} null repetitions per case", records.first().map_or(0, |(_, m)| m.trials)),
                    x: Axis::categories("test: problem", labels),
                    y: Axis::linear("type I error"),
                    series: vec![
                        Series::markers("measured", xs.clone(), ys).with_errors(errs),
                        Series::dashed("alpha = 0.05", xs.clone(), vec![ALPHA; xs.len()]).with_color(1),
                    ],
                    legend: Legend::UpperRight,
                }),
            )
            .with_caption("Checks the calibration of the tests of arXiv 2308.09043 (permutation MMD test after Liu et al. 2020; likelihood-free test with Gaussian calibration): the type I error under the null for each test and problem, with 99% Wilson intervals. Every interval must contain alpha = 0.05 (dashed)."),
        )?;
        Ok(claims)
    }
}
