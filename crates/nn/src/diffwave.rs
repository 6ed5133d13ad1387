//! DiffWave (Kong et al. 2021): the non-causal [`WaveNet`] conditioned on
//! the diffusion step, a denoiser `ε̂(x_t, t)` trained with the
//! ε-prediction loss `E|ε̂(√ᾱ_t x + σ_t ε, t) − ε|²`.
//!
//! ```text
//! h(t) = StepEmbedding(t)                            [b, width]
//! layer i:  input_i = x_i + W_i h(t)  (a linear map to C channels, broadcast over time)
//!           the gated residual layer of the WaveNet on input_i, residual added to x_i
//! ```
//!
//! The unconditional model of arXiv 2306.14411 (§5.3 of the notes): 30
//! layers, dilation cycle 10, kernel 3, the 128 → 512 → 512 embedding, 64
//! to 256 channels ([`DiffWaveConfig::paper`]). The shipped priors use
//! [`DiffWaveConfig::small`].

use crate::embedding::{StepEmbedding, StepEmbeddingConfig};
use crate::error::{Error, Result};
use crate::kernels::NnBackend;
use crate::wavenet::{WaveNet, WaveNetConfig};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// The architecture: a WaveNet and a step embedding.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffWaveConfig {
    /// The residual stack.
    pub wavenet: WaveNetConfig,
    /// The diffusion-step embedding.
    pub embedding: StepEmbeddingConfig,
}

impl DiffWaveConfig {
    /// The separation paper's DiffWave of `channels` channels: 30 layers,
    /// dilations `2^(i mod 10)`, kernel 3, I/Q in and out, DiffWave's
    /// embedding (64 frequencies, width 512).
    pub fn paper(channels: usize) -> Self {
        Self { wavenet: WaveNetConfig::new(30, channels), embedding: StepEmbeddingConfig::default() }
    }

    /// The shipped priors' DiffWave (a 2-core CPU's scale): 12 layers of 24
    /// channels, dilations `1, 2, …, 32` twice (receptive field 253
    /// samples), an embedding of 16 frequencies and width 64.
    pub fn small() -> Self {
        Self {
            wavenet: WaveNetConfig::new(12, 24).with_dilation_cycle(vec![1, 2, 4, 8, 16, 32]),
            embedding: StepEmbeddingConfig { frequencies: 16, width: 64 },
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        self.wavenet.check()?;
        if self.embedding.frequencies < 2 || self.embedding.width == 0 {
            return Err(Error::invalid(
                "embedding frequencies, width",
                format!("{}, {}", self.embedding.frequencies, self.embedding.width),
                "at least 2 frequencies and width 1",
            ));
        }
        Ok(())
    }

    /// Builds the network (burn's default initialisation, the output
    /// projection as the WaveNet's configuration says).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<DiffWave<B>> {
        self.check()?;
        let stack = self.wavenet.init(device)?;
        let projections = (0..self.wavenet.layers)
            .map(|_| LinearConfig::new(self.embedding.width, self.wavenet.channels).init(device))
            .collect();
        Ok(DiffWave { stack, embedding: self.embedding.init(device)?, projections })
    }
}

/// The network; see the module docs.
#[derive(Module, Debug)]
pub struct DiffWave<B: Backend> {
    stack: WaveNet<B>,
    embedding: StepEmbedding<B>,
    projections: Vec<Linear<B>>,
}

impl<B: NnBackend> DiffWave<B> {
    /// The residual stack's receptive field in samples.
    pub fn receptive_field(&self) -> usize {
        self.stack.receptive_field()
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.stack.in_channels()
    }

    /// `[b, in, n]` noisy frames at diffusion `steps` (one per frame) →
    /// `[b, out, n]`, the predicted noise; an error for another channel
    /// count, an empty input, or a step count other than `b` or a
    /// non-finite step.
    pub fn forward(&self, x: Tensor<B, 3>, steps: &[f64]) -> Result<Tensor<B, 3>> {
        let [b, _, _] = x.dims();
        if steps.len() != b {
            return Err(Error::Shape {
                context: "DiffWave::forward",
                expected: format!("one diffusion step per frame ({b})"),
                found: format!("{} steps", steps.len()),
            });
        }
        let h = self.embedding.forward(steps, &x.device())?;
        debug_assert_eq!(self.projections.len(), self.stack.layers());
        let conditions: Vec<Tensor<B, 3>> =
            self.projections.iter().map(|p| p.forward(h.clone()).unsqueeze_dim(2)).collect();
        self.stack.forward_conditioned(x, &conditions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cpu;
    use burn::tensor::Distribution;

    #[test]
    fn shapes_step_dependence_and_bad_input() {
        let device = Default::default();
        let config = DiffWaveConfig {
            wavenet: WaveNetConfig::new(3, 8).with_dilation_cycle(vec![1, 2]).with_zero_output(false),
            embedding: StepEmbeddingConfig { frequencies: 4, width: 8 },
        };
        let net = config.init::<Cpu>(&device).unwrap();
        assert_eq!(net.receptive_field(), 2 * (1 + 2 + 1) + 1);
        let x = Tensor::<Cpu, 3>::random([2, 2, 40], Distribution::Normal(0.0, 1.0), &device);
        let y = net.forward(x.clone(), &[3.0, 3.0]).unwrap();
        assert_eq!(y.dims(), [2, 2, 40]);
        // The step conditions the output: the same frames at other steps differ.
        let z = net.forward(x.clone(), &[3.0, 40.0]).unwrap();
        let diff: Vec<f32> = (y.clone() - z).abs().sum_dim(2).sum_dim(1).into_data().into_vec().unwrap();
        assert_eq!(diff[0], 0.0);
        assert!(diff[1] > 0.0);
        assert!(net.forward(x.clone(), &[1.0]).is_err());
        assert!(net.forward(x, &[1.0, f64::NAN]).is_err());
        let mut bad = config.clone();
        bad.embedding.frequencies = 1;
        assert!(bad.init::<Cpu>(&device).is_err());
        // The shipped and paper presets build.
        assert!(DiffWaveConfig::small().init::<Cpu>(&device).is_ok());
        assert_eq!(DiffWaveConfig::paper(64).wavenet.layers, 30);
    }
}
