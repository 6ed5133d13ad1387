//! A non-causal WaveNet for 1-D signals (the RF Challenge's separator,
//! arXiv 2409.08839; DiffWave's residual stack without the diffusion
//! embedding).
//!
//! ```text
//! x [b, in, n] → 1×1 conv (in → C) → ReLU
//!   → L residual layers, layer i with dilation d_i = cycle[i mod len]:
//!        h₁, h₂ = two dilated convs (C → C, kernel k, "same" padding d_i(k − 1)/2)
//!        g = tanh(h₁) · σ(h₂)            (the gate)
//!        r, s = two 1×1 convs (C → C)(g) (residual and skip)
//!        x ← (x + r)/√2,  skip += s
//!   → skip/√L → 1×1 conv (C → C) → ReLU → 1×1 conv (C → out), zero-initialised
//! ```
//!
//! Non-causal: every output sample sees `(k − 1)/2 · Σ d_i` samples on
//! each side ([`WaveNet::receptive_field`]); the output has the input's
//! length for any length. The challenge's preset ([`WaveNetConfig::challenge`])
//! is 30 layers of 128 channels, kernel 3, dilations `2^(i mod 10)`:
//! receptive field 6,139 samples.

use crate::error::{Error, Result};
use crate::kernels::{self, NnBackend};
use burn::module::Module;
use burn::nn::PaddingConfig1d;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Initializer, Relu};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// The architecture's hyper-parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaveNetConfig {
    /// Residual layers `L ≥ 1`.
    pub layers: usize,
    /// Residual channels `C ≥ 1`.
    pub channels: usize,
    /// Kernel of the dilated convolutions (odd, `≥ 1`).
    pub kernel: usize,
    /// Dilations, cycled over the layers (each `≥ 1`).
    pub dilation_cycle: Vec<usize>,
    /// Input channels (2 for I/Q).
    pub in_channels: usize,
    /// Output channels (2 for I/Q).
    pub out_channels: usize,
    /// Whether the last projection starts at zero (the challenge's choice:
    /// an untrained net outputs 0).
    pub zero_output: bool,
}

impl WaveNetConfig {
    /// `layers` layers of `channels` channels, kernel 3, dilations
    /// `1, 2, 4, …, 512` cycled, I/Q in and out.
    pub fn new(layers: usize, channels: usize) -> Self {
        Self {
            layers,
            channels,
            kernel: 3,
            dilation_cycle: (0..10).map(|i| 1 << i).collect(),
            in_channels: 2,
            out_channels: 2,
            zero_output: true,
        }
    }

    /// The RF Challenge's WaveNet: 30 layers × 128 channels, kernel 3,
    /// dilations `2^(i mod 10)`.
    pub fn challenge() -> Self {
        Self::new(30, 128)
    }

    /// The shipped models' WaveNet (a 2-core CPU's scale): 12 layers of 16
    /// channels, dilations `1, 2, …, 32` twice; receptive field 253 samples.
    pub fn small() -> Self {
        Self::new(12, 16).with_dilation_cycle(vec![1, 2, 4, 8, 16, 32])
    }

    /// With another dilation cycle.
    pub fn with_dilation_cycle(mut self, cycle: Vec<usize>) -> Self {
        self.dilation_cycle = cycle;
        self
    }

    /// With another kernel (odd).
    pub fn with_kernel(mut self, kernel: usize) -> Self {
        self.kernel = kernel;
        self
    }

    /// With the last projection initialised like the others (`false`) or
    /// at zero (`true`, the default).
    pub fn with_zero_output(mut self, zero: bool) -> Self {
        self.zero_output = zero;
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.layers == 0 || self.channels == 0 || self.in_channels == 0 || self.out_channels == 0 {
            return Err(Error::invalid(
                "layers, channels, in, out",
                format!("{}, {}, {}, {}", self.layers, self.channels, self.in_channels, self.out_channels),
                "all at least 1",
            ));
        }
        if self.kernel.is_multiple_of(2) {
            return Err(Error::invalid("kernel", self.kernel, "odd, so that the padding is symmetric"));
        }
        if self.dilation_cycle.is_empty() || self.dilation_cycle.contains(&0) {
            return Err(Error::invalid(
                "dilation cycle",
                format!("{:?}", self.dilation_cycle),
                "non-empty, each at least 1",
            ));
        }
        Ok(())
    }

    /// Builds the network with burn's default initialisation (the last
    /// projection zero-initialised, so an untrained net outputs 0).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<WaveNet<B>> {
        self.check()?;
        let c = self.channels;
        let pointwise = |cin: usize, cout: usize| Conv1dConfig::new(cin, cout, 1).init(device);
        let layers = (0..self.layers)
            .map(|i| {
                let d = self.dilation_cycle[i % self.dilation_cycle.len()];
                let pad = d * (self.kernel - 1) / 2;
                let dilated = || {
                    Conv1dConfig::new(c, c, self.kernel)
                        .with_dilation(d)
                        .with_padding(PaddingConfig1d::Explicit(pad, pad))
                        .init(device)
                };
                Residual { filter: dilated(), gate: dilated(), residual: pointwise(c, c), skip: pointwise(c, c) }
            })
            .collect();
        Ok(WaveNet {
            input: pointwise(self.in_channels, c),
            layers,
            skip: pointwise(c, c),
            output: if self.zero_output {
                Conv1dConfig::new(c, self.out_channels, 1).with_initializer(Initializer::Zeros).init(device)
            } else {
                pointwise(c, self.out_channels)
            },
            relu: Relu::new(),
            channels: c,
            in_channels: self.in_channels,
            half_width: (0..self.layers)
                .map(|i| self.dilation_cycle[i % self.dilation_cycle.len()] * (self.kernel - 1) / 2)
                .sum(),
        })
    }
}

/// One gated residual layer. The two halves of the dilated convolution
/// (filter and gate) and of the 1×1 projection (residual and skip) are
/// separate convolutions: the same parameters as one convolution to `2C`
/// channels split in two, without the strided halves (a narrowed tensor
/// costs a copy in every elementwise operation of burn's CPU backend).
#[derive(Module, Debug)]
pub struct Residual<B: Backend> {
    filter: Conv1d<B>,
    gate: Conv1d<B>,
    residual: Conv1d<B>,
    skip: Conv1d<B>,
}

/// The network; see the module docs.
#[derive(Module, Debug)]
pub struct WaveNet<B: Backend> {
    input: Conv1d<B>,
    layers: Vec<Residual<B>>,
    skip: Conv1d<B>,
    output: Conv1d<B>,
    relu: Relu,
    channels: usize,
    in_channels: usize,
    half_width: usize,
}

impl<B: NnBackend> WaveNet<B> {
    /// Samples each output sees on each side: `(k − 1)/2 · Σ_i d_i`; the
    /// receptive field is `2 ×` this `+ 1`.
    pub fn half_width(&self) -> usize {
        self.half_width
    }

    /// The receptive field in samples.
    pub fn receptive_field(&self) -> usize {
        2 * self.half_width + 1
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// `[b, in, n] → [b, out, n]`; an error for another channel count or an
    /// empty input.
    pub fn forward(&self, x: Tensor<B, 3>) -> Result<Tensor<B, 3>> {
        self.forward_conditioned(x, &[])
    }

    /// Residual layers, for DiffWave's conditioning.
    pub(crate) fn layers(&self) -> usize {
        self.layers.len()
    }

    /// [`WaveNet::forward`] with `conditions[i]` (`[b, C, 1]`, broadcast
    /// over time) added to layer `i`'s input before its dilated
    /// convolutions, the residual still added to the unconditioned input
    /// (DiffWave's step conditioning); no conditions: the plain forward.
    pub(crate) fn forward_conditioned(&self, x: Tensor<B, 3>, conditions: &[Tensor<B, 3>]) -> Result<Tensor<B, 3>> {
        let [b, c, n] = x.dims();
        if c != self.in_channels || b == 0 || n == 0 {
            return Err(Error::Shape {
                context: "WaveNet::forward",
                expected: format!("[b ≥ 1, {}, n ≥ 1]", self.in_channels),
                found: format!("[{b}, {c}, {n}]"),
            });
        }
        let ch = self.channels;
        let mut h = self.relu.forward(kernels::conv1d(&self.input, x));
        let mut skip = Tensor::<B, 3>::zeros([b, ch, n], &h.device());
        let scale = std::f32::consts::FRAC_1_SQRT_2;
        for (i, layer) in self.layers.iter().enumerate() {
            let input = match conditions.get(i) {
                Some(c) => h.clone() + c.clone(),
                None => h.clone(),
            };
            let gate =
                kernels::gate(kernels::conv1d(&layer.filter, input.clone()), kernels::conv1d(&layer.gate, input));
            h = (h + kernels::conv1d(&layer.residual, gate.clone())) * scale;
            skip = skip + kernels::conv1d(&layer.skip, gate);
        }
        let skip = skip / (self.layers.len() as f32).sqrt();
        Ok(kernels::conv1d(&self.output, self.relu.forward(kernels::conv1d(&self.skip, skip))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cpu, CpuTrain};
    use burn::tensor::Distribution;

    #[test]
    fn shapes_receptive_field_and_zero_start() {
        let device = Default::default();
        let net = WaveNetConfig::new(4, 8).with_dilation_cycle(vec![1, 2]).init::<Cpu>(&device).unwrap();
        // (3 − 1)/2 · (1 + 2 + 1 + 2) = 6 on each side.
        assert_eq!((net.half_width(), net.receptive_field()), (6, 13));
        let x = Tensor::<Cpu, 3>::random([3, 2, 50], Distribution::Normal(0.0, 1.0), &device);
        let y = net.forward(x).unwrap();
        assert_eq!(y.dims(), [3, 2, 50]);
        // The zero-initialised output projection: an untrained net outputs 0.
        assert_eq!(y.abs().max().into_scalar(), 0.0);
        assert_eq!(WaveNetConfig::challenge().init::<Cpu>(&device).unwrap().receptive_field(), 6139);
    }

    #[test]
    fn the_receptive_field_is_exact() {
        // The gradient of one output sample with respect to the input is
        // zero beyond the half width and reaches its edge.
        let device = Default::default();
        // 16 channels: the input ReLU silences a position only when all of
        // them are negative there (probability 2^-16).
        let net = WaveNetConfig::new(3, 16)
            .with_dilation_cycle(vec![1, 2, 4])
            .with_zero_output(false)
            .init::<CpuTrain>(&device)
            .unwrap();
        let half = net.half_width();
        assert_eq!(half, 7);
        let x = Tensor::<CpuTrain, 3>::random([1, 2, 64], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let loss = net.forward(x.clone()).unwrap().narrow(2, 32, 1).sum();
        let grads = loss.backward();
        let values: Vec<f32> = x.grad(&grads).unwrap().into_data().into_vec().unwrap();
        let at = |k: usize| values[k].abs().max(values[64 + k].abs());
        for k in 0..64usize {
            if k.abs_diff(32) > half {
                assert_eq!(at(k), 0.0, "sample {k}");
            }
        }
        assert!(at(32 - half) > 0.0 && at(32 + half) > 0.0, "the edges of the field are seen");
    }

    #[test]
    fn bad_config_and_input() {
        let device = Default::default();
        assert!(WaveNetConfig::new(0, 8).init::<Cpu>(&device).is_err());
        assert!(WaveNetConfig::new(2, 8).with_kernel(4).init::<Cpu>(&device).is_err());
        assert!(WaveNetConfig::new(2, 8).with_dilation_cycle(vec![1, 0]).init::<Cpu>(&device).is_err());
        let net = WaveNetConfig::new(2, 8).init::<Cpu>(&device).unwrap();
        assert!(net.forward(Tensor::zeros([1, 3, 16], &device)).is_err());
        assert!(net.forward(Tensor::zeros([1, 2, 0], &device)).is_err());
    }
}
