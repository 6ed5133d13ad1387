//! Learned separators (feature `learned`): a WaveNet or UNet from
//! `infoflow-nn` maps the mixture's I/Q to the SOI's, as in the RF
//! Challenge (arXiv 2409.08839): one model per mixture type, the raw
//! mixture in (no normalisation, as the organisers), the SOI estimate out,
//! bits from the SOI demodulator.
//!
//! Training ([`LearnedSeparator::train`]) draws mixtures on the fly
//! ([`MixtureSource`]: SINR uniform on `[−33, 3]` dB, a random phase, a
//! random window of `crop` samples of a fresh frame); the nets are
//! convolutional, so a model trained on crops separates whole 40,960-sample
//! frames (the UNet pads a length its pooling cannot divide). Models ship
//! as directories of weights and a card (`infoflow_nn::model_file`);
//! [`LearnedSeparator::load`] refuses a model trained on another mixture
//! type.

use super::{Estimate, Separator, check_examples};
use crate::error::{Error, Result, check_finite, check_len};
use crate::mixture::{Mixture, MixtureType};
use crate::modem::Modem;
use infoflow_nn::model_file::{self, ModelCard};
use infoflow_nn::train::{DataSource, Example, ExampleSet, TrainConfig, TrainLog, Trainer};
use infoflow_nn::{Architecture, Cpu, Net, iq};
use infoflow_numerics::rng::ChaCha8Rng;
use infoflow_numerics::signal::C64;
use rand::RngExt;
use std::path::Path;
use std::sync::Arc;

fn learned(e: infoflow_nn::Error) -> Error {
    Error::Learned(e.to_string())
}

/// Training examples drawn on the fly from a mixture type: SINR uniform on
/// `[−33, 3]` dB, a random phase, a random `crop`-sample window of a fresh
/// frame (input: the mixture's I/Q, target: the SOI's).
#[derive(Debug)]
pub struct MixtureSource {
    kind: MixtureType,
    modem: Box<dyn Modem>,
    crop: usize,
}

impl MixtureSource {
    /// Windows of `crop` samples of `kind`'s mixtures; an error for a crop
    /// of 0 or longer than a frame.
    pub fn new(kind: MixtureType, crop: usize) -> Result<Self> {
        let modem = kind.soi.modem();
        if crop == 0 || crop > modem.frame_len() {
            return Err(Error::invalid("crop", crop, "between 1 and the frame length"));
        }
        Ok(Self { kind, modem, crop })
    }

    /// What the source draws, for model cards.
    pub fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "mixture_type": self.kind.name(),
            "sinr_db": [-33.0, 3.0],
            "crop": self.crop,
            "frame_len": self.modem.frame_len(),
        })
    }
}

impl DataSource for MixtureSource {
    fn shape(&self) -> [usize; 3] {
        [2, 2, self.crop]
    }
    fn example(&self, rng: &mut ChaCha8Rng) -> infoflow_nn::Result<Example> {
        let sinr = -33.0 + 36.0 * rng.random::<f64>();
        let m = self.kind.draw(self.modem.as_ref(), sinr, rng).map_err(|e| infoflow_nn::Error::Data(e.to_string()))?;
        let start = rng.random_range(0..=m.mixture.len() - self.crop);
        let window = start..start + self.crop;
        Ok(Example::new(iq::channels(&m.mixture[window.clone()]), iq::channels(&m.soi[window])))
    }
}

/// A learned separator; see the module docs.
#[derive(Debug)]
pub struct LearnedSeparator {
    net: Net<Cpu>,
    card: ModelCard,
    modem: Arc<dyn Modem>,
}

impl LearnedSeparator {
    /// Loads the model in `dir`, which must have been trained on `kind`.
    pub fn load(dir: &Path, kind: &MixtureType) -> Result<Self> {
        let (net, card) = model_file::load::<Cpu>(dir, &Default::default()).map_err(learned)?;
        if let Architecture::DiffWave(_) = card.architecture {
            return Err(Error::File {
                path: dir.display().to_string(),
                reason: "a DiffWave prior (a denoiser for score-based separation), not a separator".into(),
            });
        }
        let trained_on = card.data.get("mixture_type").and_then(|v| v.as_str()).unwrap_or("nothing recorded");
        if trained_on != kind.name() {
            return Err(Error::File {
                path: dir.display().to_string(),
                reason: format!("a model trained on {trained_on}, not {}", kind.name()),
            });
        }
        Ok(Self { net, card, modem: Arc::from(kind.soi.modem()) })
    }

    /// Trains `architecture` with `recipe` on mixtures of `kind` cropped to
    /// `crop` samples (checkpointing to `checkpoint` if given, resuming from
    /// it if it exists) and returns the separator, its training log and the
    /// data description for its card.
    pub fn train(
        name: &str,
        kind: &MixtureType,
        architecture: &Architecture,
        recipe: &TrainConfig,
        crop: usize,
        checkpoint: Option<&Path>,
    ) -> Result<(Self, TrainLog)> {
        let source = MixtureSource::new(kind.clone(), crop)?;
        let (net, card, log) = Trainer::new(architecture, recipe, &source)
            .fit_carded(name, source.describe(), concat!("infoflow-rf-signal ", env!("CARGO_PKG_VERSION")), checkpoint)
            .map_err(learned)?;
        Ok((Self { net, card, modem: Arc::from(kind.soi.modem()) }, log))
    }

    /// Writes the model (weights and card) into `dir`, with `code_version`
    /// and the reproducing `command` recorded in the card.
    pub fn save(&mut self, dir: &Path, code_version: &str, command: &str) -> Result<()> {
        model_file::save_stamped(dir, &self.net, &mut self.card, code_version, command).map_err(learned)
    }

    /// The model card.
    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    /// The SOI estimates of several frames at once (one batch through the
    /// net); each frame must have the modem's length and finite samples.
    pub fn estimate(&self, frames: &[&[C64]]) -> Result<Vec<Vec<C64>>> {
        let mut owned = Vec::with_capacity(frames.len());
        for f in frames {
            check_len("mixture to separate", f.len(), self.modem.frame_len())?;
            check_finite("mixture to separate", f)?;
            owned.push(f.to_vec());
        }
        let device = Default::default();
        let x = iq::to_tensor::<Cpu>(&owned, &device).map_err(learned)?;
        iq::from_tensor(self.net.forward(x).map_err(learned)?).map_err(learned)
    }
}

impl Separator for LearnedSeparator {
    fn name(&self) -> String {
        self.card.name.clone()
    }

    /// Retrains the model's architecture with its card's recipe on whole
    /// frames of `examples` (every tenth held out for validation; at least
    /// two examples).
    fn fit(&mut self, examples: &[Mixture]) -> Result<()> {
        check_examples("learned", self.modem.as_ref(), examples)?;
        if examples.len() < 2 {
            return Err(Error::Training {
                separator: "learned",
                reason: "at least two examples (one held out)".into(),
            });
        }
        let to_example = |m: &Mixture| Example::new(iq::channels(&m.mixture), iq::channels(&m.soi));
        let (mut train, mut validation) = (Vec::new(), Vec::new());
        for (i, m) in examples.iter().enumerate() {
            if i % 10 == 9 || i == examples.len() - 1 && validation.is_empty() {
                validation.push(to_example(m));
            } else {
                train.push(to_example(m));
            }
        }
        let set = ExampleSet::new([2, 2, self.modem.frame_len()], train, validation).map_err(learned)?;
        self.net = Trainer::new(&self.card.architecture, &self.card.recipe, &set).fit_for_cpu().map_err(learned)?.0;
        Ok(())
    }

    fn separate(&self, mixture: &[C64], _sinr_db: Option<f64>) -> Result<Estimate> {
        let soi = self.estimate(&[mixture])?.pop().unwrap_or_default();
        let bits = self.modem.demodulate(&soi)?;
        Ok(Estimate { soi, bits })
    }
}
