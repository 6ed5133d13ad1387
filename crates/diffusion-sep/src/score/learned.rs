//! Learned scores (feature `learned`): a DiffWave denoiser `ε̂(x̃, t)` of
//! infoflow-nn trained with the ε-prediction loss on generated frames of a
//! source, whose score is `−ε̂/σ_t` (the module docs of [`crate::score`]).
//!
//! * [`PriorSource`] draws the training examples: a clean window of the
//!   source with a **random time shift and phase** (the paper's
//!   augmentation), a level `t` uniform on DiffWave's 50, white noise `ε`;
//!   input `√ᾱ_t x + σ_t ε`, target `ε`, step `t`.
//! * [`LearnedScore`] loads a trained prior (a model directory of
//!   infoflow-nn: weights and card), refusing a file of another
//!   architecture, and evaluates a batch of frames in one network call; it
//!   takes the levels of the schedule it was trained on only. The net is
//!   convolutional, so a prior trained on crops scores frames of any
//!   length.

use super::{Score, check_batch, check_frame};
use crate::error::{Error, Result};
use crate::schedule::{Level, Schedule};
use crate::separation::white_noise;
use infoflow_nn::diffwave::DiffWaveConfig;
use infoflow_nn::model_file::{self, ModelCard};
use infoflow_nn::train::{DataSource, Example, TrainConfig, TrainLog, Trainer};
use infoflow_nn::{Architecture, Cpu, Net, iq};
use infoflow_numerics::rng::ChaCha8Rng;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::interference::Interference;
use infoflow_rf_signal::modem::{Modem, random_frame};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use std::path::Path;
use std::sync::Arc;

fn learned(e: infoflow_nn::Error) -> Error {
    Error::Learned(e.to_string())
}

/// What a prior learns.
#[derive(Clone, Debug)]
pub enum Source {
    /// Frames of a modem's signal with uniform random bits (rf-signal's
    /// `random_frame`): the QPSK SOI, OFDM-QPSK or OFDM-BPSK interference.
    Modem(Arc<dyn Modem>),
    /// One of rf-signal's synthetic interference families (unit power per
    /// frame).
    Interference(Interference),
}

/// Training examples for a prior; see the module docs.
#[derive(Debug)]
pub struct PriorSource {
    name: String,
    source: Source,
    crop: usize,
    schedule: Schedule,
}

impl PriorSource {
    /// Windows of `crop` samples of `source` (called `name` in model
    /// cards), noised to DiffWave's levels; an error for a crop of 0 or
    /// longer than the modem's frame.
    pub fn new(name: &str, source: Source, crop: usize) -> Result<Self> {
        let longest = match &source {
            Source::Modem(m) => m.frame_len(),
            Source::Interference(_) => usize::MAX,
        };
        if crop == 0 || crop > longest {
            return Err(Error::invalid("crop", crop, "between 1 and the source's frame length"));
        }
        Ok(Self { name: name.into(), source, crop, schedule: Schedule::diffwave() })
    }

    /// What the source draws, for model cards.
    pub fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "source": self.name,
            "crop": self.crop,
            "augmentation": "random time shift (window start uniform in the frame) and phase (uniform)",
            "schedule": "DiffWave: beta = linspace(1e-4, 0.05, 50), t uniform on 0..49",
            "loss": "epsilon prediction, MSE",
        })
    }

    /// A clean window with a random time shift and phase.
    fn clean(&self, rng: &mut ChaCha8Rng) -> Result<Vec<C64>> {
        let x = match &self.source {
            Source::Modem(m) => {
                let (_, frame) = random_frame(m.as_ref(), rng)?;
                let start = rng.random_range(0..=frame.len() - self.crop);
                frame[start..start + self.crop].to_vec()
            }
            Source::Interference(i) => i.generate(self.crop, rng)?,
        };
        let rot = C64::from_polar(1.0, rng.random::<f64>() * std::f64::consts::TAU);
        Ok(x.into_iter().map(|z| z * rot).collect())
    }
}

impl DataSource for PriorSource {
    fn shape(&self) -> [usize; 3] {
        [2, 2, self.crop]
    }

    fn example(&self, rng: &mut ChaCha8Rng) -> infoflow_nn::Result<Example> {
        let x = self.clean(rng).map_err(|e| infoflow_nn::Error::Data(e.to_string()))?;
        let level = self.schedule.levels()[rng.random_range(0..self.schedule.len())];
        let eps: Vec<C64> = (0..x.len())
            .map(|_| C64::new(StandardNormal.sample(&mut *rng), StandardNormal.sample(&mut *rng)))
            .collect();
        let noisy: Vec<C64> = x.iter().zip(&eps).map(|(x, e)| x * level.scale + e * level.sigma).collect();
        Ok(Example { input: iq::channels(&noisy), target: iq::channels(&eps), step: Some(level.step as f64) })
    }
}

/// A learned prior's score; see the module docs.
#[derive(Debug)]
pub struct LearnedScore {
    net: Net<Cpu>,
    card: ModelCard,
    frame_len: usize,
    schedule: Schedule,
}

impl LearnedScore {
    /// Loads the prior in `dir` to score frames of `frame_len` samples; an
    /// error for a missing or corrupted file, or a model of another
    /// architecture than a DiffWave of I/Q in and out.
    pub fn load(dir: &Path, frame_len: usize) -> Result<Self> {
        let card = model_file::read_card(dir).map_err(learned)?;
        check_architecture(&card.architecture).map_err(|why| {
            Error::Learned(format!(
                "{}: a {} model, not a learned prior ({why})",
                dir.display(),
                card.architecture.kind()
            ))
        })?;
        let (net, card) = model_file::load::<Cpu>(dir, &Default::default()).map_err(learned)?;
        Self::new(net, card, frame_len)
    }

    fn new(net: Net<Cpu>, card: ModelCard, frame_len: usize) -> Result<Self> {
        if frame_len == 0 {
            return Err(Error::invalid("frame length", 0, "at least one sample"));
        }
        Ok(Self { net, card, frame_len, schedule: Schedule::diffwave() })
    }

    /// Trains a DiffWave `architecture` with `recipe` on `source`
    /// (checkpointing to `checkpoint` if given, resuming from it if it
    /// exists; on burn's CUDA backend with nn's `gpu` feature) and returns
    /// the prior for frames of `frame_len` samples and the training log.
    pub fn train(
        name: &str,
        source: &PriorSource,
        architecture: &DiffWaveConfig,
        recipe: &TrainConfig,
        checkpoint: Option<&Path>,
        frame_len: usize,
    ) -> Result<(Self, TrainLog)> {
        let architecture = Architecture::DiffWave(architecture.clone());
        let (net, card, log) = Trainer::new(&architecture, recipe, source)
            .fit_carded(
                name,
                source.describe(),
                concat!("infoflow-diffusion-sep ", env!("CARGO_PKG_VERSION")),
                checkpoint,
            )
            .map_err(learned)?;
        Ok((Self::new(net, card, frame_len)?, log))
    }

    /// Writes the prior (weights and card) into `dir`, with `code_version`
    /// and the reproducing `command` recorded in the card.
    pub fn save(&mut self, dir: &Path, code_version: &str, command: &str) -> Result<()> {
        model_file::save_stamped(dir, &self.net, &mut self.card, code_version, command).map_err(learned)
    }

    /// The model card.
    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    /// Floating-point operations of one network evaluation on one frame.
    pub fn forward_flops(&self) -> f64 {
        self.card.architecture.forward_flops(self.frame_len)
    }

    /// An error unless `level` is a level of the schedule the prior was
    /// trained on.
    fn check_level(&self, level: Level) -> Result<()> {
        let on = self
            .schedule
            .level(level.step)
            .is_ok_and(|l| (l.scale - level.scale).abs() < 1e-12 && (l.sigma - level.sigma).abs() < 1e-12);
        if on {
            Ok(())
        } else {
            Err(Error::invalid(
                "level",
                format!("step {}, scale {}, sigma {}", level.step, level.scale, level.sigma),
                "a learned prior takes the levels of the DiffWave schedule it was trained on",
            ))
        }
    }

    /// The predicted noise of each frame at its level (one network call).
    fn predict(&self, frames: &[Vec<C64>], levels: &[Level]) -> Result<Vec<Vec<C64>>> {
        let device = Default::default();
        let x = iq::to_tensor::<Cpu>(frames, &device).map_err(learned)?;
        let steps: Vec<f64> = levels.iter().map(|l| l.step as f64).collect();
        iq::from_tensor(self.net.forward_steps(x, Some(&steps)).map_err(learned)?).map_err(learned)
    }
}

/// Why `architecture` cannot be a prior, if it cannot.
fn check_architecture(architecture: &Architecture) -> std::result::Result<(), String> {
    match architecture {
        Architecture::DiffWave(c) if c.wavenet.in_channels == 2 && c.wavenet.out_channels == 2 => Ok(()),
        Architecture::DiffWave(c) => Err(format!(
            "{} input and {} output channels; a prior maps I/Q to I/Q",
            c.wavenet.in_channels, c.wavenet.out_channels
        )),
        _ => Err("a learned prior is a DiffWave, conditioned on the diffusion step".into()),
    }
}

impl Score for LearnedScore {
    fn name(&self) -> String {
        format!("{} (learned DiffWave prior)", self.card.name)
    }

    fn frame_len(&self) -> usize {
        self.frame_len
    }

    fn score(&self, x: &[C64], level: Level, out: &mut [C64]) -> Result<()> {
        let mut outs = vec![Vec::new()];
        self.score_batch(&[x], &[level], &mut outs)?;
        out.copy_from_slice(&outs[0]);
        Ok(())
    }

    /// One network call for the batch.
    fn score_batch(&self, x: &[&[C64]], levels: &[Level], out: &mut [Vec<C64>]) -> Result<()> {
        check_batch(x.len(), levels.len(), None, out.len())?;
        for (x, &level) in x.iter().zip(levels) {
            check_frame(self.frame_len, x, x.len())?;
            self.check_level(level)?;
        }
        if x.is_empty() {
            return Ok(());
        }
        let frames: Vec<Vec<C64>> = x.iter().map(|x| x.to_vec()).collect();
        for ((o, eps), level) in out.iter_mut().zip(self.predict(&frames, levels)?).zip(levels) {
            let inv = -1.0 / level.sigma;
            *o = eps.into_iter().map(|e| e * inv).collect();
        }
        Ok(())
    }

    fn distilled(&self, x: &[C64], level: Level, rng: &mut dyn Rng, out: &mut [C64]) -> Result<()> {
        check_frame(self.frame_len, x, out.len())?;
        let mut outs = vec![Vec::new()];
        let mut rngs: [&mut dyn Rng; 1] = [rng];
        self.distilled_with(&[x], &[level], &mut rngs, &mut outs)?;
        out.copy_from_slice(&outs[0]);
        Ok(())
    }

    /// One network call for the batch: `√ᾱ (z − ε̂(√ᾱ x + σ z))/σ`.
    fn distilled_batch(
        &self,
        x: &[&[C64]],
        levels: &[Level],
        rngs: &mut [&mut (dyn Rng + Send)],
        out: &mut [Vec<C64>],
    ) -> Result<()> {
        let mut rngs: Vec<&mut dyn Rng> = rngs.iter_mut().map(|r| &mut **r as &mut dyn Rng).collect();
        self.distilled_with(x, levels, &mut rngs, out)
    }
}

impl LearnedScore {
    fn distilled_with(
        &self,
        x: &[&[C64]],
        levels: &[Level],
        rngs: &mut [&mut dyn Rng],
        out: &mut [Vec<C64>],
    ) -> Result<()> {
        check_batch(x.len(), levels.len(), Some(rngs.len()), out.len())?;
        let mut noises = Vec::with_capacity(x.len());
        let mut noisy = Vec::with_capacity(x.len());
        for ((x, &level), rng) in x.iter().zip(levels).zip(rngs.iter_mut()) {
            check_frame(self.frame_len, x, x.len())?;
            self.check_level(level)?;
            let mut z = vec![C64::new(0.0, 0.0); x.len()];
            white_noise(&mut **rng, &mut z);
            noisy.push(x.iter().zip(&z).map(|(x, z)| x * level.scale + z * level.sigma).collect());
            noises.push(z);
        }
        if x.is_empty() {
            return Ok(());
        }
        let eps = self.predict(&noisy, levels)?;
        for (((o, e), z), level) in out.iter_mut().zip(eps).zip(noises).zip(levels) {
            let k = level.scale / level.sigma;
            *o = e.iter().zip(&z).map(|(e, z)| (z - e) * k).collect();
        }
        Ok(())
    }
}
