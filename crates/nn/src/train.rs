//! Training a [`Net`] on examples generated on the fly, resumably.
//!
//! * **Data**: a [`DataSource`] draws one example from a ChaCha8 stream.
//!   Example `i` of step `s` comes from stream `i` of the key
//!   `(seed, "nn.train", "step/s")`, the validation examples from the key
//!   `(seed, "nn.train", "validation")` (stream ids disjoint from training by
//!   key, so for generated data the validation set is held out by
//!   construction; [`ExampleSet`] holds out its own examples). Examples of a
//!   batch are drawn in parallel; the result does not depend on the thread
//!   count.
//! * **Optimiser**: AdamW (`weight_decay = 0` is Adam), with optional
//!   gradient clipping by norm (burn's, applied to each parameter tensor).
//! * **Learning rate**: constant, cosine with linear warm-up, or reduced on a
//!   validation plateau ([`Schedule`]).
//! * **Validation and early stopping**: every `validate_every` steps the
//!   mean-squared error on `validation_batches` fixed batches, on the
//!   inference copy of the net (no dropout, batch norm on its running
//!   statistics); training stops after `patience` validations without a
//!   relative improvement of `1e-4`, and the best net is returned.
//! * **Checkpoints**: every `checkpoint_every` steps (a multiple of
//!   `validate_every`, so a checkpoint is only written for a net whose
//!   validation loss is finite) the net, the optimiser's moments, the best
//!   net so far and the log go to one file, written atomically and
//!   checksummed. A run killed at any point and started again with the same
//!   recipe resumes from it, losing only the steps since, and ends at the
//!   same weights as an uninterrupted run: batches and dropout masks are
//!   functions of `(seed, step)`, not of the session.
//! * **Divergence**: a non-finite training or validation loss stops the run
//!   with [`Error::Diverged`]; the checkpoint on disk is the last good state.
//!
//! Dropout draws from burn's generator, which is global to the process: the
//! trainer reseeds it at every step from `(seed, step)`, so two trainings
//! running at once in one process would disturb each other's masks (and the
//! initial weights). Train one net per process when bit-exact repeats
//! matter (the lab does).

use crate::architecture::{Architecture, Net};
use crate::error::{Error, Result};
use crate::kernels::NnBackend;
use burn::module::{AutodiffModule, Module};
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Record, Recorder};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor, TensorData};
use infoflow_numerics::rng::{ChaCha8Rng, Streams, stable_hash};
use rand::{Rng, RngExt};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One training example: input and target, each channel-major
/// (`channels × samples` values, channel 0 first), and for a DiffWave the
/// diffusion step the input was noised to.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// `in_channels × samples` values.
    pub input: Vec<f32>,
    /// `out_channels × samples` values.
    pub target: Vec<f32>,
    /// The diffusion step (a DiffWave's examples), or none (a separator's).
    pub step: Option<f64>,
}

impl Example {
    /// A separator's example (no diffusion step).
    pub fn new(input: Vec<f32>, target: Vec<f32>) -> Self {
        Self { input, target, step: None }
    }
}

/// Where training examples come from.
pub trait DataSource: Sync {
    /// `[in_channels, out_channels, samples]` of every example.
    fn shape(&self) -> [usize; 3];
    /// One training example drawn from `rng`.
    fn example(&self, rng: &mut ChaCha8Rng) -> Result<Example>;
    /// One validation example drawn from `rng`; by default a training
    /// example (held out by the trainer's stream keys).
    fn validation_example(&self, rng: &mut ChaCha8Rng) -> Result<Example> {
        self.example(rng)
    }
}

/// A finite set of examples with a held-out validation part: training
/// examples are drawn uniformly from `train`, validation ones from
/// `validation`.
#[derive(Clone, Debug)]
pub struct ExampleSet {
    shape: [usize; 3],
    train: Vec<Example>,
    validation: Vec<Example>,
}

impl ExampleSet {
    /// An error if either part is empty or an example has the wrong size.
    pub fn new(shape: [usize; 3], train: Vec<Example>, validation: Vec<Example>) -> Result<Self> {
        if train.is_empty() || validation.is_empty() {
            return Err(Error::Data(format!(
                "an example set needs training and validation examples ({} and {} given)",
                train.len(),
                validation.len()
            )));
        }
        let [cin, cout, n] = shape;
        for e in train.iter().chain(&validation) {
            if e.input.len() != cin * n || e.target.len() != cout * n || n == 0 {
                return Err(Error::Data(format!(
                    "an example of {} input and {} target values in a set of shape {shape:?}",
                    e.input.len(),
                    e.target.len()
                )));
            }
        }
        Ok(Self { shape, train, validation })
    }
}

impl DataSource for ExampleSet {
    fn shape(&self) -> [usize; 3] {
        self.shape
    }
    fn example(&self, rng: &mut ChaCha8Rng) -> Result<Example> {
        Ok(self.train[rng.random_range(0..self.train.len())].clone())
    }
    fn validation_example(&self, rng: &mut ChaCha8Rng) -> Result<Example> {
        Ok(self.validation[rng.random_range(0..self.validation.len())].clone())
    }
}

/// The learning-rate schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Schedule {
    /// The base rate throughout.
    Constant,
    /// Linear warm-up over `warmup` steps, then a half cosine from the base
    /// rate down to `min_lr` at the last step.
    Cosine {
        /// Warm-up steps.
        warmup: usize,
        /// The rate at the end.
        min_lr: f64,
    },
    /// The rate times `factor` after `patience` validations without
    /// improvement, never below `min_lr`.
    Plateau {
        /// Multiplier in `(0, 1)`.
        factor: f64,
        /// Validations without improvement before a reduction.
        patience: usize,
        /// The floor.
        min_lr: f64,
    },
}

/// A training recipe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Steps (one batch each).
    pub steps: usize,
    /// Examples per batch.
    pub batch: usize,
    /// Base learning rate.
    pub lr: f64,
    /// AdamW's decoupled weight decay (0: Adam).
    pub weight_decay: f64,
    /// The schedule.
    pub schedule: Schedule,
    /// Clip each parameter's gradient to this norm.
    pub clip_norm: Option<f64>,
    /// Steps between validations.
    pub validate_every: usize,
    /// Validation batches (fixed for the run).
    pub validation_batches: usize,
    /// Validations without improvement before stopping early (none: never).
    pub patience: Option<usize>,
    /// Steps between checkpoints (a multiple of `validate_every`).
    pub checkpoint_every: usize,
    /// The master seed: initial weights, batches, dropout.
    pub seed: u64,
}

impl TrainConfig {
    /// `steps` steps of batches of `batch`, Adam at `lr`, constant rate,
    /// validation on 4 batches every `max(steps/20, 1)` steps, checkpoints
    /// at every validation, no early stopping.
    pub fn new(steps: usize, batch: usize, lr: f64, seed: u64) -> Self {
        let every = (steps / 20).max(1);
        Self {
            steps,
            batch,
            lr,
            weight_decay: 0.0,
            schedule: Schedule::Constant,
            clip_norm: None,
            validate_every: every,
            validation_batches: 4,
            patience: None,
            checkpoint_every: every,
            seed,
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if self.steps == 0 || self.batch == 0 || self.validate_every == 0 || self.validation_batches == 0 {
            return Err(Error::invalid(
                "steps, batch, validate_every, validation_batches",
                format!("{}, {}, {}, {}", self.steps, self.batch, self.validate_every, self.validation_batches),
                "all at least 1",
            ));
        }
        if !positive(self.lr) {
            return Err(Error::invalid("lr", self.lr, "finite and positive"));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::invalid("weight_decay", self.weight_decay, "finite and non-negative"));
        }
        if let Some(c) = self.clip_norm
            && !positive(c)
        {
            return Err(Error::invalid("clip_norm", c, "finite and positive"));
        }
        if self.checkpoint_every == 0 || !self.checkpoint_every.is_multiple_of(self.validate_every) {
            return Err(Error::invalid(
                "checkpoint_every",
                self.checkpoint_every,
                "a positive multiple of validate_every (checkpoints follow a validation)",
            ));
        }
        match self.schedule {
            Schedule::Constant => {}
            Schedule::Cosine { min_lr, .. } => {
                if !(min_lr.is_finite() && (0.0..=self.lr).contains(&min_lr)) {
                    return Err(Error::invalid("min_lr", min_lr, "in [0, lr]"));
                }
            }
            Schedule::Plateau { factor, patience, min_lr } => {
                if !(factor > 0.0 && factor < 1.0) || patience == 0 {
                    return Err(Error::invalid(
                        "plateau factor, patience",
                        format!("{factor}, {patience}"),
                        "factor in (0, 1), patience at least 1",
                    ));
                }
                if !(min_lr.is_finite() && (0.0..=self.lr).contains(&min_lr)) {
                    return Err(Error::invalid("min_lr", min_lr, "in [0, lr]"));
                }
            }
        }
        Ok(())
    }

    /// The learning rate at `step` given the plateau multiplier `scale`.
    pub(crate) fn lr_at(&self, step: usize, scale: f64) -> f64 {
        match self.schedule {
            Schedule::Constant => self.lr,
            Schedule::Cosine { warmup, min_lr } => {
                if step < warmup {
                    self.lr * (step + 1) as f64 / warmup as f64
                } else {
                    let span = (self.steps - warmup).max(1) as f64;
                    let t = (step - warmup) as f64 / span;
                    min_lr + 0.5 * (self.lr - min_lr) * (1.0 + (std::f64::consts::PI * t).cos())
                }
            }
            Schedule::Plateau { min_lr, .. } => (self.lr * scale).max(min_lr),
        }
    }
}

/// What a training run recorded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainLog {
    /// The training loss of every step done.
    pub losses: Vec<f32>,
    /// `(step, mean training loss since the previous validation, validation
    /// loss, learning rate)` at each validation (`step` counts steps done).
    pub validations: Vec<(usize, f64, f64, f64)>,
    /// Steps done.
    pub steps: usize,
    /// The step of the best validation loss (the returned net).
    pub best_step: usize,
    /// The best validation loss.
    pub best_validation: f64,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Seconds of training over all sessions.
    pub wall_s: f64,
    /// Of which generating data.
    pub data_s: f64,
}

/// A trained net and its log.
#[derive(Debug)]
pub struct Trained<B: Backend> {
    /// The net of the best validation loss.
    pub net: Net<B>,
    /// The log.
    pub log: TrainLog,
}

/// The trainer: an architecture, a recipe and a data source; see the module
/// docs.
pub struct Trainer<'a, D: DataSource + ?Sized> {
    architecture: &'a Architecture,
    config: &'a TrainConfig,
    data: &'a D,
    checkpoint: Option<PathBuf>,
    halt_after: Option<usize>,
}

/// What a checkpoint holds besides the weights.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct State {
    architecture: Architecture,
    config: TrainConfig,
    log: TrainLog,
    lr_scale: f64,
    plateau_bad: usize,
    stop_bad: usize,
    finished: bool,
}

const CHECKPOINT_MAGIC: &[u8; 8] = b"IFNNCKP1";

impl<'a, D: DataSource + ?Sized> Trainer<'a, D> {
    /// A trainer; nothing runs until [`Trainer::fit`].
    pub fn new(architecture: &'a Architecture, config: &'a TrainConfig, data: &'a D) -> Self {
        Self { architecture, config, data, checkpoint: None, halt_after: None }
    }

    /// Checkpoints to (and resumes from) this file.
    pub fn with_checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.checkpoint = Some(path.into());
        self
    }

    /// Stops this session after `steps` steps as if the process were killed
    /// there (nothing is saved after the last checkpoint) and returns
    /// [`Error::Interrupted`]: to test resumption, or to slice a long run
    /// into jobs under a time limit.
    pub fn with_halt_after(mut self, steps: usize) -> Self {
        self.halt_after = Some(steps);
        self
    }

    /// Trains (or resumes) and returns the net of the best validation loss.
    pub fn fit<B>(&self, device: &B::Device) -> Result<Trained<B>>
    where
        B: AutodiffBackend + NnBackend,
        B::InnerBackend: NnBackend,
    {
        self.config.check()?;
        self.architecture.check()?;
        let [cin, cout, n] = self.data.shape();
        if cin == 0 || cout == 0 || n == 0 {
            return Err(Error::Data(format!("examples of shape {:?}: every size at least 1", [cin, cout, n])));
        }
        let c = self.config;
        let mut optimizer = AdamWConfig::new()
            .with_epsilon(1e-8)
            .with_weight_decay(c.weight_decay as f32)
            .with_grad_clipping(c.clip_norm.map(|v| burn::optim::grad_clipping::GradientClippingConfig::Norm(v as f32)))
            .init::<B, Net<B>>();
        B::seed(device, derived_seed(c.seed, "init", 0));
        let mut net = self.architecture.init::<B>(device)?;
        let mut best = net.clone();
        let mut state = State {
            architecture: self.architecture.clone(),
            config: c.clone(),
            log: TrainLog { best_validation: f64::INFINITY, ..TrainLog::default() },
            lr_scale: 1.0,
            plateau_bad: 0,
            stop_bad: 0,
            finished: false,
        };
        if let Some(path) = &self.checkpoint
            && path.exists()
        {
            let (s, [net_bytes, optimizer_bytes, best_bytes]) = read_checkpoint(path)?;
            if s.architecture != *self.architecture || s.config != *c {
                return Err(Error::model_file(path, "a checkpoint of another architecture or recipe"));
            }
            let recorder = BinBytesRecorder::<FullPrecisionSettings>::default();
            let load = |bytes: Vec<u8>| {
                Recorder::<B>::load(&recorder, bytes, device)
                    .map_err(|e| Error::model_file(path, format!("weights do not decode: {e}")))
            };
            net = net.load_record(load(net_bytes)?);
            best = best.load_record(load(best_bytes)?);
            optimizer = optimizer.load_record(
                Recorder::<B>::load(&recorder, optimizer_bytes, device)
                    .map_err(|e| Error::model_file(path, format!("optimiser state does not decode: {e}")))?,
            );
            state = s;
        }
        let validation = self.validation_set()?;
        let session_start = state.log.steps;
        let mut clock = Instant::now();
        let mut since_validation = Vec::new();
        while !state.finished && state.log.steps < c.steps {
            let step = state.log.steps;
            if let Some(limit) = self.halt_after
                && step - session_start >= limit
            {
                return Err(Error::Interrupted { step });
            }
            let data_clock = Instant::now();
            let (x, y, steps) = self.batch::<B>(step, device)?;
            state.log.data_s += data_clock.elapsed().as_secs_f64();
            B::seed(device, derived_seed(c.seed, "dropout", step as u64));
            let loss = mse(net.forward_steps(x, steps.as_deref())?, y);
            let value = loss.clone().into_scalar().elem::<f64>();
            if !value.is_finite() {
                return Err(Error::Diverged { step, loss: value.to_string() });
            }
            let lr = c.lr_at(step, state.lr_scale);
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optimizer.step(lr, net, grads);
            state.log.losses.push(value as f32);
            since_validation.push(value);
            state.log.steps = step + 1;
            let done = state.log.steps;
            if done.is_multiple_of(c.validate_every) || done == c.steps {
                let v = validate(&net.valid(), &validation, self.data.shape(), device)?;
                if !v.is_finite() {
                    return Err(Error::Diverged { step, loss: format!("validation {v}") });
                }
                let train_mean = since_validation.iter().sum::<f64>() / since_validation.len().max(1) as f64;
                since_validation.clear();
                state.log.validations.push((done, train_mean, v, lr));
                if v < state.log.best_validation * (1.0 - 1e-4) {
                    state.log.best_validation = v;
                    state.log.best_step = done;
                    best = net.clone();
                    (state.plateau_bad, state.stop_bad) = (0, 0);
                } else {
                    state.plateau_bad += 1;
                    state.stop_bad += 1;
                    if let Schedule::Plateau { factor, patience, .. } = c.schedule
                        && state.plateau_bad >= patience
                    {
                        state.lr_scale *= factor;
                        state.plateau_bad = 0;
                    }
                    if c.patience.is_some_and(|p| state.stop_bad >= p) {
                        state.log.stopped_early = true;
                        state.finished = true;
                    }
                }
                if done == c.steps {
                    state.finished = true;
                }
                if done.is_multiple_of(c.checkpoint_every) || state.finished {
                    state.log.wall_s += clock.elapsed().as_secs_f64();
                    clock = Instant::now();
                    if let Some(path) = &self.checkpoint {
                        write_checkpoint::<B>(path, &state, &net, optimizer.to_record(), &best)?;
                    }
                }
            }
        }
        state.log.wall_s += clock.elapsed().as_secs_f64();
        Ok(Trained { net: best, log: state.log })
    }

    /// [`Trainer::fit_for_cpu`], checkpointing to `checkpoint` when given
    /// (and resuming from it), and the trained net's model card: `name`,
    /// the `data` description and the `producer` (crate and version); the
    /// code version and command are stamped when the model is saved.
    pub fn fit_carded(
        mut self,
        name: &str,
        data: serde_json::Value,
        producer: &str,
        checkpoint: Option<&Path>,
    ) -> Result<(Net<crate::Cpu>, crate::model_file::ModelCard, TrainLog)> {
        if let Some(path) = checkpoint {
            self = self.with_checkpoint(path);
        }
        let (net, log) = self.fit_for_cpu()?;
        let card =
            crate::model_file::ModelCard::new(name, self.architecture, &net, self.config, data, &log, producer, "");
        Ok((net, card, log))
    }

    /// Trains on burn's CPU backend, or with the `gpu` feature on its CUDA
    /// backend (device 0), and returns the inference net on the CPU
    /// backend (what the domain crates evaluate with) and the log.
    pub fn fit_for_cpu(&self) -> Result<(Net<crate::Cpu>, TrainLog)> {
        #[cfg(feature = "gpu")]
        {
            let trained = self.fit::<crate::GpuTrain>(&Default::default())?;
            let net = crate::model_file::transfer::<crate::Gpu, crate::Cpu>(
                &trained.net.valid(),
                self.architecture,
                &Default::default(),
            )?;
            Ok((net, trained.log))
        }
        #[cfg(not(feature = "gpu"))]
        {
            let trained = self.fit::<crate::CpuTrain>(&Default::default())?;
            Ok((trained.net.valid(), trained.log))
        }
    }

    /// The fixed validation examples.
    fn validation_set(&self) -> Result<Vec<Example>> {
        let streams = Streams::for_point(self.config.seed, "nn.train", "validation");
        let total = self.config.validation_batches * self.config.batch;
        let examples: Vec<Example> = (0..total as u64)
            .into_par_iter()
            .map(|i| self.data.validation_example(&mut streams.stream(i)))
            .collect::<Result<_>>()?;
        examples.iter().try_for_each(|e| self.check_example(e))?;
        Ok(examples)
    }

    fn check_example(&self, e: &Example) -> Result<()> {
        let [cin, cout, n] = self.data.shape();
        if e.input.len() != cin * n || e.target.len() != cout * n {
            return Err(Error::Data(format!(
                "an example of {} input and {} target values from a source of shape {:?}",
                e.input.len(),
                e.target.len(),
                [cin, cout, n]
            )));
        }
        if !e.input.iter().chain(&e.target).all(|v| v.is_finite()) || e.step.is_some_and(|t| !t.is_finite()) {
            return Err(Error::NonFinite { context: "training example" });
        }
        Ok(())
    }

    /// The batch of `step`: inputs `[b, in, n]`, targets `[b, out, n]`,
    /// the diffusion steps.
    fn batch<B: Backend>(&self, step: usize, device: &B::Device) -> Result<Batch<B>> {
        let streams = Streams::for_point(self.config.seed, "nn.train", &format!("step/{step}"));
        let examples: Vec<Example> = (0..self.config.batch as u64)
            .into_par_iter()
            .map(|i| self.data.example(&mut streams.stream(i)))
            .collect::<Result<_>>()?;
        examples.iter().try_for_each(|e| self.check_example(e))?;
        stack::<B>(&examples, self.data.shape(), device)
    }
}

/// Inputs `[b, in, n]`, targets `[b, out, n]` and diffusion steps of a batch.
type Batch<B> = (Tensor<B, 3>, Tensor<B, 3>, Option<Vec<f64>>);

/// Inputs and targets of `examples` as `[b, in, n]` and `[b, out, n]`, and
/// their steps; an error when only some examples have a step.
fn stack<B: Backend>(examples: &[Example], shape: [usize; 3], device: &B::Device) -> Result<Batch<B>> {
    let [cin, cout, n] = shape;
    let b = examples.len();
    let x: Vec<f32> = examples.iter().flat_map(|e| e.input.iter().copied()).collect();
    let y: Vec<f32> = examples.iter().flat_map(|e| e.target.iter().copied()).collect();
    let steps: Option<Vec<f64>> = examples.iter().map(|e| e.step).collect();
    if steps.is_none() && examples.iter().any(|e| e.step.is_some()) {
        return Err(Error::Data("a batch mixes examples with and without a diffusion step".into()));
    }
    Ok((
        Tensor::from_data(TensorData::new(x, [b, cin, n]), device),
        Tensor::from_data(TensorData::new(y, [b, cout, n]), device),
        steps,
    ))
}

/// Mean-squared error over all elements.
fn mse<B: Backend>(output: Tensor<B, 3>, target: Tensor<B, 3>) -> Tensor<B, 1> {
    (output - target).powf_scalar(2.0).mean()
}

/// The mean validation loss of `net` (inference mode) over `examples`.
fn validate<B: NnBackend>(net: &Net<B>, examples: &[Example], shape: [usize; 3], device: &B::Device) -> Result<f64> {
    let mut total = 0.0;
    for chunk in examples.chunks(32) {
        let (x, y, steps) = stack::<B>(chunk, shape, device)?;
        total += mse(net.forward_steps(x, steps.as_deref())?, y).into_scalar().elem::<f64>() * chunk.len() as f64;
    }
    Ok(total / examples.len() as f64)
}

/// A 64-bit seed for burn's generator from `(seed, purpose, index)`.
pub(crate) fn derived_seed(seed: u64, purpose: &str, index: u64) -> u64 {
    Streams::for_point(seed, "nn.train", purpose).stream(index).next_u64()
}

/// Writes a checkpoint: magic, then four length-prefixed parts (state JSON,
/// net, optimiser, best net), then the XXH3-64 of everything before it.
fn write_checkpoint<B: AutodiffBackend>(
    path: &Path,
    state: &State,
    net: &Net<B>,
    optimizer: impl Record<B>,
    best: &Net<B>,
) -> Result<()> {
    let recorder = BinBytesRecorder::<FullPrecisionSettings>::default();
    let fail = |what: &str, e: burn::record::RecorderError| Error::model_file(path, format!("encoding {what}: {e}"));
    let net_bytes = Recorder::<B>::record(&recorder, net.clone().into_record(), ()).map_err(|e| fail("the net", e))?;
    let optim_bytes = Recorder::<B>::record(&recorder, optimizer, ()).map_err(|e| fail("the optimiser", e))?;
    let best_bytes =
        Recorder::<B>::record(&recorder, best.clone().into_record(), ()).map_err(|e| fail("the best net", e))?;
    let state_bytes = serde_json::to_vec(state).map_err(|e| Error::model_file(path, e))?;
    let mut out = CHECKPOINT_MAGIC.to_vec();
    for part in [&state_bytes, &net_bytes, &optim_bytes, &best_bytes] {
        out.extend_from_slice(&(part.len() as u64).to_le_bytes());
        out.extend_from_slice(part);
    }
    let hash = stable_hash(&out);
    out.extend_from_slice(&hash.to_le_bytes());
    infoflow_numerics::fs::write_bytes_atomic(path, &out).map_err(|e| Error::io(path, e))
}

/// Reads and verifies a checkpoint: the state and the three weight parts
/// (net, optimiser, best net).
fn read_checkpoint(path: &Path) -> Result<(State, [Vec<u8>; 3])> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |why: &str| Error::model_file(path, format!("not a valid checkpoint: {why}"));
    if bytes.len() < CHECKPOINT_MAGIC.len() + 8 || &bytes[..8] != CHECKPOINT_MAGIC {
        return Err(bad("no checkpoint header (another file or format version)"));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 8);
    if stable_hash(body).to_le_bytes() != tail {
        return Err(bad("checksum mismatch (truncated or corrupted)"));
    }
    let mut at = 8usize;
    let mut parts = Vec::with_capacity(4);
    for _ in 0..4 {
        let len_end = at.checked_add(8).filter(|&e| e <= body.len()).ok_or_else(|| bad("truncated"))?;
        let len = u64::from_le_bytes(body[at..len_end].try_into().map_err(|_| bad("truncated"))?);
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| len_end.checked_add(l))
            .filter(|&e| e <= body.len())
            .ok_or_else(|| bad("a part runs past the end"))?;
        parts.push(body[len_end..end].to_vec());
        at = end;
    }
    if at != body.len() {
        return Err(bad("trailing bytes"));
    }
    let state: State = serde_json::from_slice(&parts[0]).map_err(|e| bad(&format!("state: {e}")))?;
    let mut rest = parts.into_iter().skip(1);
    let mut next = || rest.next().unwrap_or_default();
    Ok((state, [next(), next(), next()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cpu;

    #[test]
    fn a_batch_takes_steps_for_all_examples_or_none() {
        let device = Default::default();
        let plain = Example::new(vec![0.0; 4], vec![0.0; 4]);
        let stepped = Example { step: Some(3.0), ..plain.clone() };
        let (_, _, steps) = stack::<Cpu>(&[stepped.clone(), stepped.clone()], [2, 2, 2], &device).unwrap();
        assert_eq!(steps, Some(vec![3.0, 3.0]));
        assert_eq!(stack::<Cpu>(&[plain.clone(), plain.clone()], [2, 2, 2], &device).unwrap().2, None);
        assert!(matches!(stack::<Cpu>(&[plain, stepped], [2, 2, 2], &device), Err(Error::Data(_))));
    }
}
