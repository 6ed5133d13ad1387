//! The trained models that ship in `models/`, and how to reproduce them:
//! `cargo xtask train <name>` trains a model from its recipe here and writes
//! `models/<name>/` (weights and card): learned separators of rf-signal and
//! learned priors (DiffWave denoisers) of diffusion-sep. Two scales:
//!
//! * `shipped` (the default): small nets on short crops that a 2-core CPU
//!   trains in minutes to an hour; these are the models in the repository,
//!   evaluated by the quick profile of `rf-signal.learned`.
//! * `paper`: the RF Challenge's sizes (WaveNet 30 × 128, UNet of 256
//!   filters with kernel 101, batches of whole frames); meant for a GPU or a
//!   cluster node, days on a CPU.
//!
//! A run checkpoints to `<out>/<name>.checkpoint` and, killed, resumes from
//! it when started again with the same recipe.

use crate::experiments::diffusion_sep::{Carriers, FRAME, interference_modem};
use anyhow::{Context, Result, bail};
use infoflow_diffusion_sep::score::LearnedScore;
use infoflow_diffusion_sep::score::learned::{PriorSource, Source};
use infoflow_nn::Architecture;
use infoflow_nn::convtasnet::ConvTasNetConfig;
use infoflow_nn::diffwave::DiffWaveConfig;
use infoflow_nn::train::{Schedule, TrainConfig};
use infoflow_nn::unet::UNetConfig;
use infoflow_nn::wavenet::WaveNetConfig;
use infoflow_nn::waveunet::WaveUNetConfig;
use infoflow_rf_signal::mixture::MixtureType;
use infoflow_rf_signal::prototype::learned::PrototypeNet;
use infoflow_rf_signal::prototype::{Case, Prototype};
use infoflow_rf_signal::separator::LearnedSeparator;
use std::path::{Path, PathBuf};

/// The scale of a recipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// The models in the repository (a 2-core CPU, minutes to an hour).
    Shipped,
    /// The challenge's sizes (a GPU).
    Paper,
}

/// What a model learns.
#[derive(Clone, Debug)]
pub enum Trains {
    /// A separator of this mixture type (rf-signal's `LearnedSeparator`).
    Separator(MixtureType),
    /// A prior of diffusion-sep's OFDM interference with these carriers
    /// (a DiffWave denoiser, diffusion-sep's `LearnedScore`).
    Prior(Carriers),
    /// A separator of a case of the co-channel OFDM study's prototype
    /// problem (rf-signal's `PrototypeNet`), on windows of `crop` samples.
    Prototype(Case),
}

impl Trains {
    /// The mixture type or source, for listings.
    pub fn name(&self) -> String {
        match self {
            Trains::Separator(k) => k.name().to_string(),
            Trains::Prior(c) => format!("{} prior", c.name()),
            Trains::Prototype(c) => format!("prototype {}", c.name()),
        }
    }
}

/// A model's recipe.
#[derive(Clone, Debug)]
pub struct Recipe {
    /// The model's name (its directory under `models/`).
    pub name: String,
    /// What it learns.
    pub trains: Trains,
    /// The network.
    pub architecture: Architecture,
    /// The training recipe.
    pub config: TrainConfig,
    /// Training crop length, samples.
    pub crop: usize,
}

/// The seed of every shipped model's training.
pub const TRAIN_SEED: u64 = 2409_08839;

/// `models/` under the current directory (the workspace root for `cargo
/// xtask`).
pub fn models_dir() -> PathBuf {
    PathBuf::from("models")
}

fn kind(name: &str) -> MixtureType {
    MixtureType::challenge_stand_ins()
        .into_iter()
        .find(|k| k.name() == name)
        .unwrap_or_else(|| panic!("{name} is one of the challenge's mixture types"))
}

/// Every recipe at `scale`.
pub fn recipes(scale: Scale) -> Vec<Recipe> {
    let shipped = scale == Scale::Shipped;
    // The shipped sizes are nn's `small` presets.
    let wavenet = if shipped { WaveNetConfig::small() } else { WaveNetConfig::challenge() };
    let unet = |first_kernel: usize| {
        if shipped { UNetConfig::small() } else { UNetConfig::challenge() }.with_first_kernel(first_kernel)
    };
    let config = |steps: usize| {
        let (steps, batch) = if shipped { (steps, 16) } else { (200_000, 32) };
        let mut c = TrainConfig::new(steps, batch, if shipped { 3e-3 } else { 5e-4 }, TRAIN_SEED);
        c.schedule = Schedule::Cosine { warmup: steps / 50, min_lr: c.lr / 30.0 };
        c.clip_norm = Some(1.0);
        (c.validate_every, c.checkpoint_every, c.validation_batches) = (steps / 20, steps / 20, 4);
        c
    };
    let crop = if shipped { 1024 } else { 40_960 };
    let mut all = vec![
        Recipe {
            name: "wavenet-qpsk-sc".into(),
            trains: Trains::Separator(kind("QPSK_SC-like")),
            architecture: Architecture::WaveNet(wavenet.clone()),
            config: config(3000),
            crop,
        },
        Recipe {
            name: "wavenet-qpsk-ofdm".into(),
            trains: Trains::Separator(kind("QPSK_OFDM-like")),
            architecture: Architecture::WaveNet(wavenet),
            config: config(3000),
            crop,
        },
        Recipe {
            name: "unet-ofdm-sc-k101".into(),
            trains: Trains::Separator(kind("OFDMQPSK_SC-like")),
            architecture: Architecture::UNet(unet(101)),
            config: config(3000),
            crop,
        },
        Recipe {
            name: "unet-ofdm-sc-k3".into(),
            trains: Trains::Separator(kind("OFDMQPSK_SC-like")),
            architecture: Architecture::UNet(unet(3)),
            config: config(3000),
            crop,
        },
        Recipe {
            name: "diffwave-ofdm-qpsk".into(),
            trains: Trains::Prior(Carriers::Qpsk),
            architecture: Architecture::DiffWave(if shipped {
                DiffWaveConfig::small()
            } else {
                DiffWaveConfig::paper(256)
            }),
            config: if shipped { prior_config(3000, 16, 2e-3) } else { prior_config(1_000_000, 64, 5e-4) },
            crop: if shipped { 1024 } else { FRAME },
        },
        // The paper's OFDM-BPSK prior: 128 channels, batch 128.
        Recipe {
            name: "diffwave-ofdm-bpsk".into(),
            trains: Trains::Prior(Carriers::Bpsk),
            architecture: Architecture::DiffWave(if shipped {
                DiffWaveConfig::small()
            } else {
                DiffWaveConfig::paper(128)
            }),
            config: if shipped { prior_config(3000, 16, 2e-3) } else { prior_config(1_000_000, 128, 5e-4) },
            crop: if shipped { 1024 } else { FRAME },
        },
    ];
    all.extend(prototype_recipes(scale));
    all
}

/// The co-channel OFDM study's first-layer kernels: the table's plain (15)
/// and long (101) ones, and the sweep's others on case 4.
pub const PROTOTYPE_TABLE_KERNELS: [usize; 2] = [15, 101];
/// See [`PROTOTYPE_TABLE_KERNELS`].
pub const PROTOTYPE_SWEEP_KERNELS: [usize; 6] = [15, 31, 51, 63, 65, 101];

/// The prototype problem of `case` at the paper's FFT size, occupancy and
/// amplitude, with windows of `window` samples.
pub fn prototype_problem(case: Case, window: usize) -> Result<Prototype> {
    Ok(Prototype::paper(case).with_window(window)?)
}

/// The name of the prototype Wave-U-Net of `case` with first kernel `k`.
pub fn waveunet_name(case: Case, k: usize) -> String {
    format!("waveunet-k{k}-case{}", case.number())
}

/// The name of the prototype Conv-TasNet of `case`.
pub fn convtasnet_name(case: Case) -> String {
    format!("convtasnet-case{}", case.number())
}

/// The co-channel OFDM study's nets: per case a Wave-U-Net with the plain
/// and the long first kernel and a Conv-TasNet; on case 4 the kernel sweep.
/// Shipped: windows of 256 samples (four FFT periods), the Wave-U-Net of
/// depth 5 with 8 filters per level step and 128 first-layer filters;
/// paper: 4,096-sample windows and the paper's nets, Adam 10⁻⁴.
fn prototype_recipes(scale: Scale) -> Vec<Recipe> {
    let shipped = scale == Scale::Shipped;
    let window = if shipped { 256 } else { 4096 };
    let waveunet = |k: usize| {
        if shipped {
            WaveUNetConfig { depth: 5, channels: 8, first_channels: 128, ..WaveUNetConfig::small(k) }
        } else {
            WaveUNetConfig::paper(5, k)
        }
    };
    let convtasnet = if shipped { ConvTasNetConfig::small() } else { ConvTasNetConfig::original() };
    let config = || {
        let (steps, lr) = if shipped { (PROTOTYPE_STEPS, 1e-3) } else { (1_000_000, 1e-4) };
        let mut c = TrainConfig::new(steps, 16, lr, TRAIN_SEED);
        c.schedule = Schedule::Cosine { warmup: steps / 50, min_lr: lr / 30.0 };
        (c.validate_every, c.checkpoint_every, c.validation_batches) = (steps / 20, steps / 20, 8);
        c
    };
    let mut kernels: Vec<(Case, usize)> =
        Case::ALL.iter().flat_map(|&c| PROTOTYPE_TABLE_KERNELS.iter().map(move |&k| (c, k))).collect();
    kernels.extend(
        PROTOTYPE_SWEEP_KERNELS
            .iter()
            .map(|&k| (Case::Pam4Pam4, k))
            .filter(|x| !kernels.contains(x))
            .collect::<Vec<_>>(),
    );
    let mut all: Vec<Recipe> = kernels
        .into_iter()
        .map(|(case, k)| Recipe {
            name: waveunet_name(case, k),
            trains: Trains::Prototype(case),
            architecture: Architecture::WaveUNet(waveunet(k)),
            config: config(),
            crop: window,
        })
        .collect();
    all.extend(Case::ALL.iter().map(|&case| Recipe {
        name: convtasnet_name(case),
        trains: Trains::Prototype(case),
        architecture: Architecture::ConvTasNet(convtasnet.clone()),
        config: config(),
        crop: window,
    }));
    all
}

/// Training steps of the shipped prototype nets.
const PROTOTYPE_STEPS: usize = 6000;

/// A prior's recipe: Adam at `lr` (shipped 2·10⁻³; the paper's 5·10⁻⁴),
/// cosine schedule, gradients clipped to norm 1.
fn prior_config(steps: usize, batch: usize, lr: f64) -> TrainConfig {
    let mut c = TrainConfig::new(steps, batch, lr, TRAIN_SEED);
    c.schedule = Schedule::Cosine { warmup: steps / 50, min_lr: lr / 30.0 };
    c.clip_norm = Some(1.0);
    (c.validate_every, c.checkpoint_every, c.validation_batches) = (steps / 20, steps / 20, 8);
    c
}

/// The recipe called `name` at `scale`.
pub fn recipe(name: &str, scale: Scale) -> Result<Recipe> {
    let all = recipes(scale);
    match all.iter().find(|r| r.name == name) {
        Some(r) => Ok(r.clone()),
        None => bail!(
            "no model called {name:?}; the models are {}",
            all.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// The code version recorded in cards: the crate version and, when run in
/// a git checkout, the commit.
pub fn code_version() -> String {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match commit {
        Some(c) => format!("infoflow {} ({c})", env!("CARGO_PKG_VERSION")),
        None => format!("infoflow {}", env!("CARGO_PKG_VERSION")),
    }
}

/// Trains `recipe` into `out/<name>/` (checkpointing beside it), optionally
/// with fewer steps (a smoke run; the card records the recipe it ran).
pub fn train(recipe: &Recipe, scale: Scale, out: &Path, steps: Option<usize>) -> Result<PathBuf> {
    let mut config = recipe.config.clone();
    if let Some(s) = steps {
        let every = (s / 4).max(1);
        (config.steps, config.validate_every, config.checkpoint_every) = (s, every, every);
        if let Schedule::Cosine { warmup, .. } = &mut config.schedule {
            *warmup = (*warmup).min(s / 10);
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let checkpoint = out.join(format!("{}.checkpoint", recipe.name));
    let context = || format!("training {}", recipe.name);
    let scale_flag = match scale {
        Scale::Shipped => "",
        Scale::Paper => " --scale paper",
    };
    let steps_flag = steps.map(|s| format!(" --steps {s}")).unwrap_or_default();
    // The `gpu` feature (training on burn's CUDA backend) needs its own
    // invocation; the card records which one trained the model.
    let lab = if cfg!(feature = "gpu") { "cargo run -p xtask --release --features gpu --" } else { "cargo xtask" };
    let command = format!("{lab} train {}{scale_flag}{steps_flag}", recipe.name);
    let dir = out.join(&recipe.name);
    let log = match (&recipe.trains, &recipe.architecture) {
        (Trains::Separator(kind), architecture) => {
            let (mut separator, log) =
                LearnedSeparator::train(&recipe.name, kind, architecture, &config, recipe.crop, Some(&checkpoint))
                    .with_context(context)?;
            separator.save(&dir, &code_version(), &command)?;
            log
        }
        (Trains::Prior(carriers), Architecture::DiffWave(architecture)) => {
            let modem = interference_modem(*carriers)?;
            let source = PriorSource::new(carriers.name(), Source::Modem(std::sync::Arc::new(modem)), recipe.crop)?;
            let (mut prior, log) =
                LearnedScore::train(&recipe.name, &source, architecture, &config, Some(&checkpoint), FRAME)
                    .with_context(context)?;
            prior.save(&dir, &code_version(), &command)?;
            log
        }
        (Trains::Prior(_), other) => bail!("{}: a prior is a DiffWave, not a {}", recipe.name, other.kind()),
        (Trains::Prototype(case), architecture) => {
            let problem = prototype_problem(*case, recipe.crop)?;
            let (mut net, log) = PrototypeNet::train(&recipe.name, &problem, architecture, &config, Some(&checkpoint))
                .with_context(context)?;
            net.save(&dir, &code_version(), &command)?;
            log
        }
    };
    let _ = std::fs::remove_file(&checkpoint);
    eprintln!(
        "{}: {} steps in {:.0} s ({:.0} % generating data), best validation MSE {:.4} at step {}",
        recipe.name,
        log.steps,
        log.wall_s,
        100.0 * log.data_s / log.wall_s.max(1e-9),
        log.best_validation,
        log.best_step
    );
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_model_is_its_recipe() {
        // The models in models/ are what the recipes train: the same
        // architecture and training recipe on every card, and a file for
        // every recipe (a recipe edited without retraining fails here).
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
        for r in recipes(Scale::Shipped) {
            let card =
                infoflow_nn::model_file::read_card(&root.join(&r.name)).unwrap_or_else(|e| panic!("{}: {e}", r.name));
            assert_eq!(card.name, r.name);
            assert_eq!(card.architecture, r.architecture, "{}", r.name);
            assert_eq!(card.recipe, r.config, "{}", r.name);
        }
    }
}
