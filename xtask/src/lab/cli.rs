//! The command line: `cargo xtask experiments [list|run|report]`.

use super::experiment::{DynExperiment, Profile};
use super::report;
use super::runner::{self, DEFAULT_SEED, Outcome, RunOptions, Shard, UsageError};
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The infoflow lab.
#[derive(Debug, Parser)]
#[command(name = "xtask", version, about = "The infoflow lab: reproduce the papers' figures and check their claims")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the experiment suite. Without a subcommand: every experiment at
    /// the quick profile into results/, then the report.
    Experiments(ExperimentsArgs),
    /// Train a shipped model from its recipe into models/<name>/ (weights
    /// and card); resumes from its checkpoint when restarted.
    Train(TrainArgs),
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// The model's name; none lists the models.
    name: Option<String>,
    /// Recipe scale: shipped (the models in the repository) or paper (the challenge's sizes).
    #[arg(long, value_enum, default_value_t = crate::models::Scale::Shipped)]
    scale: crate::models::Scale,
    /// Models folder.
    #[arg(long, default_value_os_t = crate::models::models_dir())]
    out: PathBuf,
    /// Fewer steps than the recipe (a smoke run).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    steps: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
}

#[derive(Debug, Args)]
struct ExperimentsArgs {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// List the experiments (id, title, paper, figure, points per profile).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run experiments (all when no id is given), summarise them and write the report.
    Run(RunArgs),
    /// Rebuild every summary and the report from the stored records (merges shards).
    Report {
        /// Results folder.
        #[arg(long, default_value_os_t = default_out())]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Experiment ids or id prefixes, e.g. `particles` or `numerics.sphere-inner-products`.
    ids: Vec<String>,
    /// Grid size: smoke (seconds), quick (the default), paper (the papers' scale).
    #[arg(long, value_enum, default_value_t = Profile::Quick)]
    profile: Profile,
    /// Results folder.
    #[arg(long, default_value_os_t = default_out())]
    out: PathBuf,
    /// Master seed: every point's random streams derive from it and the point's key.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Run only shard I of N (0-based), e.g. 0/4. Defaults from SLURM_ARRAY_TASK_ID/COUNT.
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// Worker threads, 1 to 1024 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    threads: Option<u64>,
    /// Recompute points even when their records exist.
    #[arg(long)]
    fresh: bool,
}

/// The most worker threads `--threads` accepts: more than any machine this
/// runs on has cores, few enough that a typo cannot spawn a runaway pool.
pub const MAX_THREADS: u64 = 1024;

/// `results/` under the current directory: the default results folder
/// (`cargo xtask` runs from the workspace root, so there it is
/// `<workspace>/results`, which git ignores). Never a path fixed at build
/// time: an installed or copied binary writes where it is started.
pub fn default_out() -> PathBuf {
    PathBuf::from("results")
}

/// Exit status: everything ran and every claim passed.
pub const EXIT_OK: u8 = 0;
/// Exit status: a claim failed, a point failed, or results are incomplete.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: bad command-line input (unknown id, malformed shard,
/// unwritable output folder...).
pub const EXIT_USAGE: u8 = 2;

/// Parses a command line (`args[0]` is the program name). On a usage error
/// prints one line to stderr and returns the exit status to use; `--help`
/// and `--version` print and return [`EXIT_OK`].
pub fn parse_from<I, T>(args: I) -> std::result::Result<Cli, u8>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(args).map_err(|e| {
        use clap::error::ErrorKind::*;
        match e.kind() {
            DisplayHelp | DisplayVersion => {
                let _ = e.print();
                EXIT_OK
            }
            DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                EXIT_USAGE
            }
            _ => {
                let text = e.render().to_string();
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("error: invalid arguments");
                eprintln!("{first} (see --help)");
                EXIT_USAGE
            }
        }
    })
}

/// The whole command-line program: parse, run against `registry`, and
/// return the exit status.
pub fn main_with(args: impl IntoIterator<Item = std::ffi::OsString>, registry: &[Box<dyn DynExperiment>]) -> ExitCode {
    ExitCode::from(match parse_from(args) {
        Ok(cli) => execute(cli, registry),
        Err(code) => code,
    })
}

/// Runs a parsed command against a registry; returns the exit status.
pub fn execute(cli: Cli, registry: &[Box<dyn DynExperiment>]) -> u8 {
    let args = match cli.command {
        Command::Experiments(args) => args,
        Command::Train(args) => return report_exit(train_cmd(args).map(|()| true)),
    };
    let result = match args.action {
        None => run_cmd(
            registry,
            RunArgs {
                ids: Vec::new(),
                profile: Profile::Quick,
                out: default_out(),
                seed: DEFAULT_SEED,
                shard: None,
                threads: None,
                fresh: false,
            },
        ),
        Some(Action::List { json }) => list(registry, json).map(|()| true),
        Some(Action::Run(run)) => run_cmd(registry, run),
        Some(Action::Report { out }) => report_cmd(registry, &out),
    };
    report_exit(result)
}

/// The exit status of a command's result, printing an error.
fn report_exit(result: Result<bool>) -> u8 {
    match result {
        Ok(true) => EXIT_OK,
        Ok(false) => EXIT_FAILED,
        Err(e) => {
            let usage = e.downcast_ref::<UsageError>().is_some();
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            if usage { EXIT_USAGE } else { EXIT_FAILED }
        }
    }
}

#[derive(Serialize)]
struct Listing {
    id: &'static str,
    title: &'static str,
    paper: &'static str,
    figure: &'static str,
    points: std::collections::BTreeMap<&'static str, usize>,
}

fn train_cmd(args: TrainArgs) -> Result<()> {
    use crate::models;
    let Some(name) = args.name else {
        for r in models::recipes(args.scale) {
            println!(
                "{:<22} {:<18} {} on {}-sample crops, {} steps",
                r.name,
                r.trains.name(),
                r.architecture.kind(),
                r.crop,
                r.config.steps
            );
        }
        return Ok(());
    };
    let recipe = models::recipe(&name, args.scale).map_err(|e| UsageError(e.to_string()))?;
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t as usize)
            .build_global()
            .context("starting the worker threads")?;
    }
    let dir = models::train(&recipe, args.scale, &args.out, args.steps.map(|s| s as usize))?;
    println!("{}", dir.display());
    Ok(())
}

fn list(registry: &[Box<dyn DynExperiment>], json: bool) -> Result<()> {
    let mut rows = Vec::new();
    for e in registry {
        let m = e.meta();
        let mut points = std::collections::BTreeMap::new();
        for p in Profile::ALL {
            points.insert(p.name(), e.points(p)?.len());
        }
        rows.push(Listing { id: m.id, title: m.title, paper: m.paper, figure: m.figure, points });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!("{:<40} {:<12} {:>22}  title", "id", "paper", "points smoke/quick/paper");
        for r in rows {
            let pts = format!("{}/{}/{}", r.points["smoke"], r.points["quick"], r.points["paper"]);
            println!("{:<40} {:<12} {:>22}  {}", r.id, r.paper, pts, r.title);
        }
    }
    Ok(())
}

fn run_cmd(registry: &[Box<dyn DynExperiment>], args: RunArgs) -> Result<bool> {
    if let Some(bad) = args.ids.iter().find(|id| id.trim().is_empty()) {
        return Err(UsageError(format!(
            "empty experiment id {bad:?}: give ids or prefixes, or none at all to run every experiment"
        ))
        .into());
    }
    let selected = runner::select(registry, &args.ids)?;
    let shard = match args.shard {
        Some(s) => s,
        None => Shard::from_slurm(|k| std::env::var(k).ok())?.unwrap_or(Shard::ALL),
    };
    let opts = RunOptions {
        profile: args.profile,
        out: args.out,
        seed: args.seed,
        shard,
        threads: args.threads.map(|t| t as usize),
        fresh: args.fresh,
    };
    let outcomes = runner::run(&selected, &opts)?;
    let ok = print_outcomes(&outcomes, shard);
    if shard.is_all() {
        let totals = report::write(registry, &opts.out)?;
        eprintln!("report: {} ({})", opts.out.join("index.html").display(), summary_line(&totals));
    } else {
        eprintln!(
            "shard {shard} done; when every shard has finished, run `cargo xtask experiments report --out {}`",
            opts.out.display()
        );
    }
    Ok(ok)
}

fn report_cmd(registry: &[Box<dyn DynExperiment>], out: &Path) -> Result<bool> {
    let outcomes = runner::rebuild(registry, out)?;
    let ok = print_outcomes(&outcomes, Shard::ALL);
    let totals = report::write(registry, out)?;
    eprintln!("report: {} ({})", out.join("index.html").display(), summary_line(&totals));
    Ok(ok && totals.failed == 0 && totals.incomplete == 0)
}

fn summary_line(t: &report::Totals) -> String {
    format!("{} experiment(s), {}, {} incomplete", t.experiments, t.claims_line(), t.incomplete)
}

/// Prints one line per experiment (and one per failing claim or point);
/// returns whether everything passed.
fn print_outcomes(outcomes: &[Outcome], shard: Shard) -> bool {
    let mut ok = true;
    for o in outcomes {
        let detail = format!("{} point(s) in shard, {} run, {} resumed", o.in_shard, o.ran, o.resumed);
        match &o.summary {
            Some(s) => {
                let v = if s.passed { "PASS" } else { "FAIL" };
                let mut totals = report::Totals::default();
                totals.add_claims(&s.claims);
                eprintln!("{v} {}: {} ({detail})", o.id, totals.claims_line());
                for c in s.claims.iter().filter(|c| !c.pass) {
                    let what = match (c.target, &c.discrepancy) {
                        (true, _) => "missed target",
                        (false, Some(_)) => "documented discrepancy",
                        (false, None) => "failed claim",
                    };
                    eprintln!(
                        "  {what} {}: {} (measured {:?}, expected {:?})",
                        c.name, c.statement, c.measured, c.expected
                    );
                }
            }
            None if o.failures.is_empty() && !shard.is_all() => {
                eprintln!("ok   {}: shard {shard} complete ({detail})", o.id);
            }
            None => {
                let why = o.incomplete.as_deref().unwrap_or("not every point has a record");
                eprintln!("INCOMPLETE {}: {why}", o.id);
            }
        }
        for f in &o.failures {
            eprintln!("ERROR {}: {f}", o.id);
        }
        ok &= o.failures.is_empty()
            && (o.summary.is_some() || !shard.is_all())
            && o.summary.as_ref().is_none_or(|s| s.passed);
    }
    ok
}
