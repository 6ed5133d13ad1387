//! Learned separators of the prototype problem (feature `learned`): a
//! Wave-U-Net or Conv-TasNet of `infoflow-nn` maps a mixture window to the
//! SOI's.
//!
//! Training ([`PrototypeNet::train`]) draws a fresh window for every
//! example ([`WindowSource`]; the paper's 100,000 fixed windows become an
//! unbounded stream, so there is no overfitting to watch) and minimises the
//! MSE of the SOI estimate. The input is the mixture divided by
//! `√(1 + A²)`, unit power when both sources fill their carriers; the card
//! records the scale and the problem, and [`PrototypeNet::load`] refuses a
//! model of another case, FFT size, occupancy or amplitude.

use super::Prototype;
use crate::error::{Error, Result, check_len};
use infoflow_nn::model_file::{self, ModelCard};
use infoflow_nn::train::{DataSource, Example, TrainConfig, TrainLog, Trainer};
use infoflow_nn::{Architecture, Cpu, Net, iq};
use infoflow_numerics::rng::ChaCha8Rng;
use std::path::Path;

fn learned(e: infoflow_nn::Error) -> Error {
    Error::Learned(e.to_string())
}

/// Training windows drawn on the fly: input the scaled mixture, target the
/// SOI.
#[derive(Clone, Debug)]
pub struct WindowSource {
    problem: Prototype,
}

impl WindowSource {
    /// Windows of `problem`.
    pub fn new(problem: Prototype) -> Self {
        Self { problem }
    }

    /// What the source draws, for model cards.
    pub fn describe(&self) -> serde_json::Value {
        let p = &self.problem;
        serde_json::json!({
            "problem": "prototype",
            "case": p.case().number(),
            "fft_size": p.fft_size(),
            "active": p.active(),
            "amplitude": p.amplitude(),
            "window": p.window(),
            "input_scale": input_scale(p),
            "data": "a fresh window per example (no fixed training set)",
        })
    }
}

/// The factor the mixture is multiplied by on the way in, `1/√(1 + A²)`.
fn input_scale(p: &Prototype) -> f64 {
    1.0 / (1.0 + p.amplitude() * p.amplitude()).sqrt()
}

impl DataSource for WindowSource {
    fn shape(&self) -> [usize; 3] {
        [1, 1, self.problem.window()]
    }
    fn example(&self, rng: &mut ChaCha8Rng) -> infoflow_nn::Result<Example> {
        let w = self.problem.draw(rng);
        let scale = input_scale(&self.problem);
        Ok(Example::new(
            w.mixture.iter().map(|v| (v * scale) as f32).collect(),
            w.soi.iter().map(|&v| v as f32).collect(),
        ))
    }
}

/// A trained separator of one prototype set-up; see the module docs.
#[derive(Debug)]
pub struct PrototypeNet {
    net: Net<Cpu>,
    card: ModelCard,
    problem: Prototype,
}

impl PrototypeNet {
    /// Trains `architecture` (one channel in, one out) with `recipe` on
    /// windows of `problem`, checkpointing to `checkpoint` if given (and
    /// resuming from it if it exists).
    pub fn train(
        name: &str,
        problem: &Prototype,
        architecture: &Architecture,
        recipe: &TrainConfig,
        checkpoint: Option<&Path>,
    ) -> Result<(Self, TrainLog)> {
        let source = WindowSource::new(problem.clone());
        let (net, card, log) = Trainer::new(architecture, recipe, &source)
            .fit_carded(name, source.describe(), concat!("infoflow-rf-signal ", env!("CARGO_PKG_VERSION")), checkpoint)
            .map_err(learned)?;
        Ok((Self { net, card, problem: problem.clone() }, log))
    }

    /// Loads the model in `dir`, which must have been trained on `problem`'s
    /// case, FFT size, occupancy and amplitude (any window length the net
    /// takes).
    pub fn load(dir: &Path, problem: &Prototype) -> Result<Self> {
        let (net, card) = model_file::load::<Cpu>(dir, &Default::default()).map_err(learned)?;
        let d = &card.data;
        let number = |key: &str| d.get(key).and_then(|v| v.as_f64());
        let fits = d.get("problem").and_then(|v| v.as_str()) == Some("prototype")
            && number("case") == Some(problem.case().number() as f64)
            && number("fft_size") == Some(problem.fft_size() as f64)
            && number("active") == Some(problem.active() as f64)
            && number("amplitude") == Some(problem.amplitude())
            && number("input_scale") == Some(input_scale(problem));
        if !fits {
            return Err(Error::File {
                path: dir.display().to_string(),
                reason: format!(
                    "a model trained on {}, not on the prototype {} (FFT {}, {} carriers, amplitude {})",
                    serde_json::to_string(d).unwrap_or_default(),
                    problem.case().name(),
                    problem.fft_size(),
                    problem.active(),
                    problem.amplitude()
                ),
            });
        }
        Ok(Self { net, card, problem: problem.clone() })
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

    /// The SOI estimates of a batch of mixture windows (one network call),
    /// each of the problem's window length with finite samples.
    pub fn separate(&self, mixtures: &[&[f64]]) -> Result<Vec<Vec<f64>>> {
        let scale = input_scale(&self.problem);
        let mut scaled = Vec::with_capacity(mixtures.len());
        for m in mixtures {
            check_len("mixture window", m.len(), self.problem.window())?;
            if m.iter().any(|v| !v.is_finite()) {
                return Err(Error::NonFinite { context: "mixture window" });
            }
            scaled.push(m.iter().map(|v| v * scale).collect::<Vec<f64>>());
        }
        let views: Vec<&[f64]> = scaled.iter().map(Vec::as_slice).collect();
        let x = iq::real_to_tensor::<Cpu>(&views, &Default::default()).map_err(learned)?;
        iq::real_from_tensor(self.net.forward(x).map_err(learned)?).map_err(learned)
    }

    /// A Wave-U-Net's first-layer filters (one per output channel, `kernel`
    /// taps each); `None` for another architecture.
    pub fn first_layer(&self) -> Option<Vec<Vec<f64>>> {
        let Net::WaveUNet(n) = &self.net else { return None };
        let w = n.first_layer_weights();
        let [filters, _, k] = w.dims();
        let values: Vec<f32> = w.into_data().convert::<f32>().into_vec().ok()?;
        Some((0..filters).map(|f| values[f * k..(f + 1) * k].iter().map(|&v| v as f64).collect()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prototype::Case;
    use infoflow_nn::train::Schedule;
    use infoflow_nn::waveunet::WaveUNetConfig;

    #[test]
    fn case_one_is_learned_saved_and_loaded() {
        // Case 1 is linear (a comb filter over the carriers): a tiny
        // Wave-U-Net with a first kernel spanning the 16-point FFT learns
        // it well below the mixture's own error in a few hundred steps.
        let problem = Prototype::new(Case::DifferentCarriers, 16, 6, 64, 4.0).unwrap();
        let arch = Architecture::WaveUNet(WaveUNetConfig {
            depth: 2,
            channels: 4,
            first_channels: 16,
            kernel: 5,
            merge_kernel: 3,
            ..WaveUNetConfig::small(17)
        });
        let mut recipe = TrainConfig::new(400, 16, 3e-3, 11);
        recipe.schedule = Schedule::Cosine { warmup: 10, min_lr: 1e-4 };
        let (mut net, log) = PrototypeNet::train("test", &problem, &arch, &recipe, None).unwrap();
        let test: Vec<_> = (0..16).map(|i| problem.window_of(5, false, i)).collect();
        let mixtures: Vec<&[f64]> = test.iter().map(|w| w.mixture.as_slice()).collect();
        let est = net.separate(&mixtures).unwrap();
        let mse = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64;
        let learned: f64 = est.iter().zip(&test).map(|(e, w)| mse(e, &w.soi)).sum::<f64>() / 16.0;
        // The SOI's power is 0.5: a net that learned nothing sits near it.
        assert!(learned < 0.05, "MSE {learned} (validation {})", log.best_validation);
        let dir = tempfile::tempdir().unwrap();
        net.save(dir.path(), "test", "none").unwrap();
        let back = PrototypeNet::load(dir.path(), &problem).unwrap();
        assert_eq!(back.separate(&mixtures).unwrap(), est);
        assert_eq!(back.first_layer().unwrap().len(), 16);
        assert_eq!(back.first_layer().unwrap()[0].len(), 17);
        // Another case, bad windows.
        let other = Prototype::new(Case::BpskBpsk, 16, 6, 64, 4.0).unwrap();
        assert!(PrototypeNet::load(dir.path(), &other).is_err());
        assert!(back.separate(&[&[0.0; 63]]).is_err());
        assert!(back.separate(&[&[f64::NAN; 64]]).is_err());
    }
}
