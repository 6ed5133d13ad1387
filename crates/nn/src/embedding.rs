//! DiffWave's diffusion-step embedding (Kong et al. 2021, §3.1): the step
//! `t` as 128 sinusoids, then two linear layers with SiLU,
//!
//! ```text
//! e(t) = [sin(10^{0·4/63} t), …, sin(10^{63·4/63} t), cos(10^{0·4/63} t), …, cos(10^{63·4/63} t)]
//! h = SiLU(W₂ SiLU(W₁ e(t) + b₁) + b₂)          (128 → 512 → 512 by default)
//! ```
//!
//! Each residual layer of a DiffWave adds its own linear projection of `h`
//! to its input. Steps may be fractional (continuous-time schedules).

use crate::error::{Error, Result};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::silu;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};

/// The embedding's sizes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepEmbeddingConfig {
    /// Sinusoids per function (sine and cosine each): the encoding has
    /// `2 × frequencies` entries. DiffWave: 64.
    pub frequencies: usize,
    /// Width of both linear layers. DiffWave: 512.
    pub width: usize,
}

impl Default for StepEmbeddingConfig {
    /// DiffWave's 64 frequencies and width 512.
    fn default() -> Self {
        Self { frequencies: 64, width: 512 }
    }
}

impl StepEmbeddingConfig {
    /// Builds it; an error for a zero size.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<StepEmbedding<B>> {
        if self.frequencies < 2 || self.width == 0 {
            return Err(Error::invalid(
                "frequencies, width",
                format!("{}, {}", self.frequencies, self.width),
                "at least 2 frequencies and width 1",
            ));
        }
        Ok(StepEmbedding {
            first: LinearConfig::new(2 * self.frequencies, self.width).init(device),
            second: LinearConfig::new(self.width, self.width).init(device),
            frequencies: self.frequencies,
        })
    }
}

/// The module.
#[derive(Module, Debug)]
pub struct StepEmbedding<B: Backend> {
    first: Linear<B>,
    second: Linear<B>,
    frequencies: usize,
}

/// The sinusoidal encoding of `steps`: `[steps.len(), 2 × frequencies]`,
/// frequencies `10^{4j/(F−1)}`, `j = 0, …, F − 1`; an error for a
/// non-finite step.
pub fn encode_steps(steps: &[f64], frequencies: usize) -> Result<Vec<f32>> {
    if steps.iter().any(|t| !t.is_finite()) {
        return Err(Error::NonFinite { context: "diffusion steps" });
    }
    let last = (frequencies.max(2) - 1) as f64;
    let mut out = Vec::with_capacity(steps.len() * 2 * frequencies);
    for &t in steps {
        let angle = |j: usize| t * 10f64.powf(4.0 * j as f64 / last);
        out.extend((0..frequencies).map(|j| angle(j).sin() as f32));
        out.extend((0..frequencies).map(|j| angle(j).cos() as f32));
    }
    Ok(out)
}

impl<B: Backend> StepEmbedding<B> {
    /// The width of the output.
    pub fn width(&self) -> usize {
        self.second.weight.dims()[1]
    }

    /// `[b] steps → [b, width]`; an error for no steps or a non-finite one.
    pub fn forward(&self, steps: &[f64], device: &B::Device) -> Result<Tensor<B, 2>> {
        if steps.is_empty() {
            return Err(Error::Shape {
                context: "StepEmbedding::forward",
                expected: "a step".into(),
                found: "none".into(),
            });
        }
        let e = encode_steps(steps, self.frequencies)?;
        let x = Tensor::<B, 2>::from_data(TensorData::new(e, [steps.len(), 2 * self.frequencies]), device);
        Ok(silu(self.second.forward(silu(self.first.forward(x)))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cpu;

    #[test]
    fn encoding_values_and_shapes() {
        let e = encode_steps(&[0.0, 2.0], 4).unwrap();
        // t = 0: sines 0, cosines 1.
        assert_eq!(&e[..8], &[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
        // t = 2, frequency j = 1 of 4: 10^{4/3}.
        let f = 10f64.powf(4.0 / 3.0);
        assert!((e[8 + 1] as f64 - (2.0 * f).sin()).abs() < 1e-6);
        assert!((e[8 + 4 + 1] as f64 - (2.0 * f).cos()).abs() < 1e-6);
        let device = Default::default();
        let emb = StepEmbeddingConfig { frequencies: 8, width: 16 }.init::<Cpu>(&device).unwrap();
        assert_eq!(emb.forward(&[1.0, 5.0, 49.0], &device).unwrap().dims(), [3, 16]);
        assert_eq!(emb.width(), 16);
        assert!(emb.forward(&[], &device).is_err());
        assert!(emb.forward(&[f64::NAN], &device).is_err());
        assert!(StepEmbeddingConfig { frequencies: 1, width: 4 }.init::<Cpu>(&device).is_err());
    }
}
