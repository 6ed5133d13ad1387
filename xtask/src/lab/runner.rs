//! Running experiments: selection, sharding, resuming, parallel points,
//! progress, and summaries.

use super::experiment::{DynExperiment, ErasedPoint, Profile};
use super::output::Output;
use super::store::{
    ExperimentDir, Manifest, Records, StoredRecord, Summary, read_json, records_digest, write_atomic, write_json,
};
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use infoflow_numerics::rng::{Streams, stable_hash_str};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The master seed when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 1;

/// An error in what the user asked for (unknown id, malformed shard,
/// unwritable folder): reported in one line, exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Shard `index` of `count`: the points whose stable key hash is
/// `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 0-based shard index.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Everything in one shard.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` with `0 ≤ I < N`.
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let (i, n) = s.split_once('/').ok_or_else(|| format!("expected I/N (e.g. 0/4), got {s:?}"))?;
        let index: u64 = i.trim().parse().map_err(|_| format!("shard index {i:?} is not a non-negative integer"))?;
        let count: u64 = n.trim().parse().map_err(|_| format!("shard count {n:?} is not a positive integer"))?;
        if count == 0 {
            return Err("the shard count must be at least 1".into());
        }
        if index >= count {
            return Err(format!("shard index {index} must be below the shard count {count} (indices are 0-based)"));
        }
        Ok(Shard { index, count })
    }

    /// The shard of a Slurm job array task, from `SLURM_ARRAY_TASK_ID`,
    /// `SLURM_ARRAY_TASK_COUNT` and `SLURM_ARRAY_TASK_MIN` (task ids may start
    /// at any `MIN`; the shard index is `ID − MIN`). `None` outside an array.
    pub fn from_slurm(var: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>> {
        let (Some(id), Some(count)) = (var("SLURM_ARRAY_TASK_ID"), var("SLURM_ARRAY_TASK_COUNT")) else {
            return Ok(None);
        };
        let num = |name: &str, v: &str| -> Result<u64> {
            v.trim().parse().map_err(|_| usage(format!("{name}={v:?} is not a non-negative integer")))
        };
        let id = num("SLURM_ARRAY_TASK_ID", &id)?;
        let count = num("SLURM_ARRAY_TASK_COUNT", &count)?;
        let min = match var("SLURM_ARRAY_TASK_MIN") {
            Some(m) => num("SLURM_ARRAY_TASK_MIN", &m)?,
            None => 0,
        };
        let index = id.checked_sub(min).ok_or_else(|| usage("SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN"))?;
        Shard::parse(&format!("{index}/{count}")).map(Some).map_err(|e| usage(format!("from Slurm: {e}")))
    }

    /// Whether this shard owns the point `key` of experiment `id`.
    pub fn owns(&self, id: &str, key: &str) -> bool {
        stable_hash_str(&format!("{id}/{key}")) % self.count == self.index
    }

    /// Whether this is the whole grid.
    pub fn is_all(&self) -> bool {
        self.count == 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What `run` was asked to do.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Profile.
    pub profile: Profile,
    /// Output folder.
    pub out: PathBuf,
    /// Master seed.
    pub seed: u64,
    /// Shard.
    pub shard: Shard,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Recompute points whose records exist.
    pub fresh: bool,
}

/// What happened to one experiment.
#[derive(Debug)]
pub struct Outcome {
    /// Experiment id.
    pub id: String,
    /// Points of the profile.
    pub points: usize,
    /// Points in this shard.
    pub in_shard: usize,
    /// Points computed now.
    pub ran: usize,
    /// Points resumed from stored records.
    pub resumed: usize,
    /// Points that failed, with the reason.
    pub failures: Vec<String>,
    /// The summary, when every point of the grid has a record.
    pub summary: Option<Summary>,
    /// Why there is no summary, when the grid is incomplete.
    pub incomplete: Option<String>,
}

impl Outcome {
    /// Whether the experiment is complete and every claim passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.summary.as_ref().is_some_and(|s| s.passed)
    }
}

/// Selects experiments by exact id or id prefix, in registry order.
pub fn select<'a>(registry: &'a [Box<dyn DynExperiment>], patterns: &[String]) -> Result<Vec<&'a dyn DynExperiment>> {
    if patterns.is_empty() {
        return Ok(registry.iter().map(|e| e.as_ref()).collect());
    }
    for pat in patterns {
        if !registry.iter().any(|e| e.meta().id.starts_with(pat.as_str())) {
            bail!(usage(format!("unknown experiment id or prefix {pat:?} (see `cargo xtask experiments list`)")));
        }
    }
    Ok(registry
        .iter()
        .filter(|e| patterns.iter().any(|p| e.meta().id.starts_with(p.as_str())))
        .map(|e| e.as_ref())
        .collect())
}

/// Creates `out` and checks that files can be written there.
pub fn prepare_out(out: &Path) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| usage(format!("cannot write to output folder {}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(|e| fail(&e))?;
    // Unique per process: shards of a job array start together in one folder.
    let probe = out.join(format!(".write-probe.{}", std::process::id()));
    write_atomic(&probe, b"ok").map_err(|e| fail(&e.root_cause()))?;
    std::fs::remove_file(&probe).map_err(|e| fail(&e))?;
    Ok(())
}

/// Runs the selected experiments and summarises the complete ones.
pub fn run(experiments: &[&dyn DynExperiment], opts: &RunOptions) -> Result<Vec<Outcome>> {
    prepare_out(&opts.out)?;
    let pool = match opts.threads {
        Some(0) => bail!(usage("--threads must be at least 1")),
        Some(n) => Some(rayon::ThreadPoolBuilder::new().num_threads(n).build()?),
        None => None,
    };
    let go = || experiments.iter().map(|e| run_one(*e, opts)).collect();
    match pool {
        Some(pool) => pool.install(go),
        None => go(),
    }
}

fn run_one(exp: &dyn DynExperiment, opts: &RunOptions) -> Result<Outcome> {
    let start = Instant::now();
    let meta = exp.meta();
    let dir = ExperimentDir::new(&opts.out, &meta);
    dir.create().map_err(|e| usage(format!("{e:#}")))?;
    let points = exp.points(opts.profile).with_context(|| format!("{}: building the grid", meta.id))?;
    write_json(
        &dir.manifest_path(),
        &Manifest { experiment: meta.id.to_owned(), profile: opts.profile, seed: opts.seed },
    )?;
    let mine: Vec<&ErasedPoint> = points.iter().filter(|p| opts.shard.owns(meta.id, &p.key)).collect();
    let todo: Vec<&ErasedPoint> = mine
        .iter()
        .copied()
        .filter(|p| {
            // A record of another version's type is recomputed like a missing one.
            opts.fresh || dir.matching_record(&p.key, &p.value, opts.seed).is_none_or(|r| !exp.decodes(&r.record))
        })
        .collect();
    let progress = Progress::new(meta.id, todo.len());
    let failures: Vec<String> = todo
        .par_iter()
        .filter_map(|p| {
            let t0 = Instant::now();
            let result = run_point(exp, &dir, p, opts.seed);
            progress.point_done(&p.key, t0.elapsed().as_secs_f64(), result.is_ok());
            result.err().map(|e| format!("point {}: {e:#}", p.key))
        })
        .collect();
    progress.finish();
    // A point that failed now leaves no summary, even if an older record of
    // it exists: the verdict would not be this code's.
    let (summary, incomplete) = if failures.is_empty() {
        match summarize(exp, &dir, opts.profile, opts.seed, &points, start)? {
            Summarised::Done(s) => (Some(*s), None),
            Summarised::Incomplete(why) => (None, Some(why)),
        }
    } else {
        dir.remove_summary()?;
        (None, Some(format!("{} point(s) failed", failures.len())))
    };
    Ok(Outcome {
        id: meta.id.to_owned(),
        points: points.len(),
        in_shard: mine.len(),
        ran: todo.len(),
        resumed: mine.len() - todo.len(),
        failures,
        summary,
        incomplete,
    })
}

fn run_point(exp: &dyn DynExperiment, dir: &ExperimentDir, point: &ErasedPoint, seed: u64) -> Result<()> {
    let meta = exp.meta();
    let streams = Streams::for_point(seed, meta.id, &point.key);
    let t0 = Instant::now();
    let record = exp.run(&point.value, &streams)?;
    let stored = StoredRecord {
        experiment: meta.id.to_owned(),
        key: point.key.clone(),
        seed,
        point: point.value.clone(),
        record,
        wall_seconds: t0.elapsed().as_secs_f64(),
    };
    write_json(&dir.record_path(&point.key), &stored)
}

/// What [`summarize`] made of an experiment's records.
#[derive(Debug)]
pub enum Summarised {
    /// Every point had its record: the summary written.
    Done(Box<Summary>),
    /// Not every point has a usable record: why (and any earlier summary
    /// was removed, so that no stale verdict survives).
    Incomplete(String),
}

/// Summarises an experiment from its stored records if every point of the
/// grid has one. Otherwise, and when summarising fails, removes any earlier
/// `summary.json`: a summary exists only for the records it was computed
/// from.
pub fn summarize(
    exp: &dyn DynExperiment,
    dir: &ExperimentDir,
    profile: Profile,
    seed: u64,
    points: &[ErasedPoint],
    start: Instant,
) -> Result<Summarised> {
    let records = match dir.records(points.iter().map(|p| (p.key.as_str(), &p.value)), seed) {
        Records::Complete(r) => r,
        Records::Incomplete { reason, .. } => {
            dir.remove_summary()?;
            return Ok(Summarised::Incomplete(reason));
        }
    };
    let meta = exp.meta();
    let digest = records_digest(&records);
    let point_seconds = records.iter().map(|r| r.wall_seconds).sum();
    let pairs: Vec<_> = records.into_iter().map(|r| (r.point, r.record)).collect();
    let mut out = Output::new(dir.root().to_owned(), profile, seed);
    let claims = match exp.summarize(&pairs, &mut out) {
        Ok(c) => c,
        Err(e) => {
            dir.remove_summary()?;
            return Err(e.context(format!("{}: summarising", meta.id)));
        }
    };
    let mut names = std::collections::HashSet::new();
    for c in &claims {
        if !names.insert(c.name.as_str()) {
            bail!("{}: two claims are named {:?}", meta.id, c.name);
        }
    }
    let files = out.into_files();
    let summary = Summary {
        id: meta.id.to_owned(),
        title: meta.title.to_owned(),
        paper: meta.paper.to_owned(),
        figure: meta.figure.to_owned(),
        profile,
        seed,
        points: points.len(),
        wall_seconds: start.elapsed().as_secs_f64(),
        point_seconds,
        passed: !claims.is_empty() && claims.iter().all(|c| c.acceptable()),
        claims,
        figures: files.figures,
        captions: files.captions,
        tables: files.tables,
        records_digest: digest,
    };
    write_json(&dir.summary_path(), &summary)?;
    Ok(Summarised::Done(Box::new(summary)))
}

/// Rebuilds the summaries of every experiment that has a `run.json` in `out`,
/// from whatever records exist (merging shards). Returns one outcome per
/// such experiment; an experiment whose summary fails is reported as a
/// failure of that experiment, not of the whole report. A folder without
/// any experiment's results is a usage error.
pub fn rebuild(registry: &[Box<dyn DynExperiment>], out: &Path) -> Result<Vec<Outcome>> {
    if !out.is_dir() {
        bail!(usage(format!("no results folder at {}", out.display())));
    }
    let mut outcomes = Vec::new();
    for exp in registry {
        let meta = exp.meta();
        let dir = ExperimentDir::new(out, &meta);
        if !dir.manifest_path().exists() {
            continue;
        }
        let start = Instant::now();
        let mut outcome = Outcome {
            id: meta.id.to_owned(),
            points: 0,
            in_shard: 0,
            ran: 0,
            resumed: 0,
            failures: Vec::new(),
            summary: None,
            incomplete: None,
        };
        let summarised = read_json::<Manifest>(&dir.manifest_path()).and_then(|manifest| {
            let points = exp.points(manifest.profile)?;
            outcome.points = points.len();
            outcome.in_shard = points.len();
            summarize(exp.as_ref(), &dir, manifest.profile, manifest.seed, &points, start)
        });
        match summarised {
            Ok(Summarised::Done(s)) => {
                outcome.resumed = s.points;
                outcome.summary = Some(*s);
            }
            Ok(Summarised::Incomplete(why)) => outcome.incomplete = Some(why),
            Err(e) => outcome.failures.push(format!("{e:#}")),
        }
        outcomes.push(outcome);
    }
    if outcomes.is_empty() {
        bail!(usage(format!(
            "no experiment results in {} (no <id>/run.json): run `cargo xtask experiments run` first",
            out.display()
        )));
    }
    Ok(outcomes)
}

/// One progress bar per experiment on a terminal; plain lines otherwise.
enum Progress {
    Bar(ProgressBar),
    Lines { id: String, total: usize, every: usize, done: AtomicUsize },
}

impl Progress {
    fn new(id: &str, total: usize) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{prefix:40} [{bar:30}] {pos}/{len} points, {elapsed} (eta {eta})")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(id.to_owned());
            Progress::Bar(bar)
        } else {
            eprintln!("{id}: {total} point(s) to run");
            Progress::Lines { id: id.to_owned(), total, every: total.div_ceil(20).max(1), done: AtomicUsize::new(0) }
        }
    }

    fn point_done(&self, key: &str, seconds: f64, ok: bool) {
        match self {
            Progress::Bar(bar) => bar.inc(1),
            Progress::Lines { id, total, every, done } => {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if !ok || n % every == 0 || n == *total {
                    let status = if ok { "done" } else { "FAILED" };
                    eprintln!("{id}: [{n}/{total}] {key} {status} in {seconds:.2} s");
                }
            }
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_parsing() {
        assert_eq!(Shard::parse("0/2"), Ok(Shard { index: 0, count: 2 }));
        assert_eq!(Shard::parse(" 3 / 4 "), Ok(Shard { index: 3, count: 4 }));
        for bad in ["", "1", "2/2", "1/0", "a/2", "-1/2", "1/b", "1/2/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn shards_partition_the_keys() {
        let keys: Vec<String> = (0..500).map(|i| format!("k={i}")).collect();
        let n = 3;
        let mut sizes = [0usize; 3];
        for key in &keys {
            let owners: Vec<u64> = (0..n).filter(|&i| Shard { index: i, count: n }.owns("e.x", key)).collect();
            assert_eq!(owners.len(), 1);
            sizes[owners[0] as usize] += 1;
        }
        assert!(sizes.iter().all(|&s| s > 120), "{sizes:?}");
        assert!(keys.iter().all(|k| Shard::ALL.owns("e.x", k)));
    }

    #[test]
    fn slurm_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(Shard::from_slurm(env(&[])).unwrap(), None);
        assert_eq!(
            Shard::from_slurm(env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")])).unwrap(),
            Some(Shard { index: 2, count: 4 })
        );
        assert_eq!(
            Shard::from_slurm(env(&[
                ("SLURM_ARRAY_TASK_ID", "4"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
                ("SLURM_ARRAY_TASK_MIN", "1")
            ]))
            .unwrap(),
            Some(Shard { index: 3, count: 4 })
        );
        assert!(Shard::from_slurm(env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")])).is_err());
        assert!(Shard::from_slurm(env(&[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")])).is_err());
    }
}
