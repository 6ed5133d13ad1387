//! The lab framework with toy experiments: failing claims and failing points
//! make the command fail and say why; records that cannot round-trip are
//! rejected; resumed points are not recomputed.

use anyhow::{Result, bail};
use infoflow_numerics::rng::Streams;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use xtask::lab::cli::{EXIT_FAILED, EXIT_OK, execute, parse_from};
use xtask::lab::{Claim, DynExperiment, Experiment, Meta, Output, Point, Profile};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct P {
    i: u32,
}

impl Point for P {
    fn key(&self) -> String {
        format!("i={}", self.i)
    }
}

/// Draws one uniform number per point; claims that the mean is `claimed_mean`;
/// point `fail_at` errors; `nan` makes every record NaN.
struct Toy {
    id: &'static str,
    claimed_mean: f64,
    fail_at: Option<u32>,
    nan: bool,
    runs: &'static AtomicUsize,
}

impl Experiment for Toy {
    type Point = P;
    type Record = f64;

    fn meta(&self) -> Meta {
        Meta { id: self.id, title: "toy", paper: "0000.00000", figure: "none" }
    }

    fn points(&self, profile: Profile) -> Vec<P> {
        let n = if profile == Profile::Smoke { 64 } else { 128 };
        (0..n).map(|i| P { i }).collect()
    }

    fn run(&self, p: &P, streams: &Streams) -> Result<f64> {
        self.runs.fetch_add(1, Ordering::Relaxed);
        if Some(p.i) == self.fail_at {
            bail!("deliberate failure");
        }
        Ok(if self.nan { f64::NAN } else { streams.stream(0).random::<f64>() })
    }

    fn summarize(&self, records: &[(P, f64)], _out: &mut Output) -> Result<Vec<Claim>> {
        let mean = records.iter().map(|(_, r)| r).sum::<f64>() / records.len() as f64;
        Ok(vec![Claim::close("mean", "the mean of uniforms", self.claimed_mean, mean, 0.15)])
    }
}

fn toy(
    id: &'static str,
    claimed_mean: f64,
    fail_at: Option<u32>,
    nan: bool,
    runs: &'static AtomicUsize,
) -> Vec<Box<dyn DynExperiment>> {
    vec![Box::new(Toy { id, claimed_mean, fail_at, nan, runs })]
}

fn run(registry: &[Box<dyn DynExperiment>], out: &std::path::Path, extra: &[&str]) -> u8 {
    let mut args = vec!["xtask", "experiments", "run", "--profile", "smoke", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    execute(parse_from(args).unwrap(), registry)
}

#[test]
fn a_passing_claim_exits_zero_and_a_failing_one_exits_one() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(&toy("toy.pass", 0.5, None, false, &RUNS), dir.path(), &[]), EXIT_OK);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(&toy("toy.fail", 0.9, None, false, &RUNS), dir.path(), &[]), EXIT_FAILED);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("toy.fail/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["passed"], false);
    assert_eq!(summary["claims"][0]["pass"], false);
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("FAIL"));
}

#[test]
fn a_failing_point_fails_the_run_but_keeps_the_others() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = tempfile::tempdir().unwrap();
    let reg = toy("toy.point-error", 0.5, Some(7), false, &RUNS);
    assert_eq!(run(&reg, dir.path(), &[]), EXIT_FAILED);
    let points = dir.path().join("toy.point-error/points");
    assert_eq!(std::fs::read_dir(&points).unwrap().count(), 63);
    assert!(!dir.path().join("toy.point-error/summary.json").exists());
    // Resuming reruns only the failed point.
    let before = RUNS.load(Ordering::Relaxed);
    assert_eq!(run(&reg, dir.path(), &[]), EXIT_FAILED);
    assert_eq!(RUNS.load(Ordering::Relaxed) - before, 1);
}

#[test]
fn records_that_do_not_round_trip_are_rejected() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run(&toy("toy.nan", 0.5, None, true, &RUNS), dir.path(), &[]), EXIT_FAILED);
    assert_eq!(std::fs::read_dir(dir.path().join("toy.nan/points")).unwrap().count(), 0);
}

#[test]
fn resumed_points_are_not_recomputed_and_fresh_recomputes() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = tempfile::tempdir().unwrap();
    let reg = toy("toy.resume", 0.5, None, false, &RUNS);
    assert_eq!(run(&reg, dir.path(), &[]), EXIT_OK);
    assert_eq!(RUNS.load(Ordering::Relaxed), 64);
    assert_eq!(run(&reg, dir.path(), &[]), EXIT_OK);
    assert_eq!(RUNS.load(Ordering::Relaxed), 64);
    // Another seed is another experiment: every point reruns.
    assert_eq!(run(&reg, dir.path(), &["--seed", "9"]), EXIT_OK);
    assert_eq!(RUNS.load(Ordering::Relaxed), 128);
    assert_eq!(run(&reg, dir.path(), &["--seed", "9", "--fresh"]), EXIT_OK);
    assert_eq!(RUNS.load(Ordering::Relaxed), 192);
}

#[test]
fn report_marks_incomplete_experiments() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let dir = tempfile::tempdir().unwrap();
    let reg = toy("toy.incomplete", 0.5, None, false, &RUNS);
    assert_eq!(run(&reg, dir.path(), &["--shard", "0/3"]), EXIT_OK);
    let args = ["xtask", "experiments", "report", "--out", dir.path().to_str().unwrap()];
    assert_eq!(execute(parse_from(args).unwrap(), &reg), EXIT_FAILED);
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("INCOMPLETE"));
    assert_eq!(run(&reg, dir.path(), &["--shard", "1/3"]), EXIT_OK);
    assert_eq!(run(&reg, dir.path(), &["--shard", "2/3"]), EXIT_OK);
    assert_eq!(execute(parse_from(args).unwrap(), &reg), EXIT_OK);
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(!report.contains("INCOMPLETE") && report.contains("PASS"));
}
