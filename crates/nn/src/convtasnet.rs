//! A small Conv-TasNet (Luo & Mesgarani 2019), the general-purpose audio
//! separator the co-channel OFDM study contrasts with its Wave-U-Net.
//!
//! ```text
//! x [b, in, n] → encoder: conv (in → N, kernel L, stride L/2) + ReLU → w [b, N, T]
//!   → global layer norm → 1×1 conv N → B
//!   → R repeats of X blocks x = 0 … X−1, each residual:
//!       1×1 conv B → H, PReLU, global norm,
//!       depthwise conv (kernel P, dilation 2^x, "same"), PReLU, global norm,
//!       1×1 conv H → B
//!   → 1×1 conv B → out·N, sigmoid: one mask per output source
//!   → decoder: transposed conv (N → in, kernel L, stride L/2) of w · mask
//! ```
//!
//! Simplifications against the original: residual paths only (no separate
//! skip-connection sum), sigmoid masks. The input is zero-padded at the end
//! to a length the encoder's frames tile, and the output cropped back, so
//! any length `n ≥ 1` is accepted.

use crate::error::{Error, Result};
use crate::kernels::{self, NnBackend};
use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig};
use burn::nn::{PRelu, PReluConfig, PaddingConfig1d};
use burn::tensor::Tensor;
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::backend::Backend;

/// The architecture's hyper-parameters (the original's names).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvTasNetConfig {
    /// Encoder filters `N` (the original: 512).
    pub filters: usize,
    /// Encoder kernel `L` (even; stride `L/2`; the original: 16).
    pub window: usize,
    /// Bottleneck channels `B` (128).
    pub bottleneck: usize,
    /// Channels inside a block `H` (512).
    pub hidden: usize,
    /// Depthwise kernel `P` (odd; 3).
    pub kernel: usize,
    /// Blocks per repeat `X` (dilations 1 … 2^{X−1}; 8).
    pub blocks: usize,
    /// Repeats `R` (3).
    pub repeats: usize,
    /// Input channels (1: real signals).
    pub in_channels: usize,
    /// Output sources, each with `in_channels` channels (1: the SOI).
    pub sources: usize,
}

impl ConvTasNetConfig {
    /// The original's configuration (N 512, L 16, B 128, H 512, P 3, X 8,
    /// R 3), one real channel in, one source out.
    pub fn original() -> Self {
        Self {
            filters: 512,
            window: 16,
            bottleneck: 128,
            hidden: 512,
            kernel: 3,
            blocks: 8,
            repeats: 3,
            in_channels: 1,
            sources: 1,
        }
    }

    /// The shipped models' scale (a 2-core CPU): N 64, L 16, B 32, H 64,
    /// X 6 (a receptive field of 64 frames), R 1.
    pub fn small() -> Self {
        Self { filters: 64, bottleneck: 32, hidden: 64, blocks: 6, repeats: 1, ..Self::original() }
    }

    pub(crate) fn check(&self) -> Result<()> {
        let counts = [self.filters, self.bottleneck, self.hidden, self.blocks, self.repeats];
        if counts.contains(&0) || self.in_channels == 0 || self.sources == 0 {
            return Err(Error::invalid("filters, channels and blocks", "a zero", "every count at least 1"));
        }
        if self.window < 2 || !self.window.is_multiple_of(2) {
            return Err(Error::invalid("window", self.window, "the encoder's kernel is even (stride L/2), at least 2"));
        }
        if self.kernel.is_multiple_of(2) || self.blocks > 16 {
            return Err(Error::invalid(
                "kernel and blocks",
                format!("{}, {}", self.kernel, self.blocks),
                "an odd depthwise kernel and at most 16 blocks per repeat",
            ));
        }
        Ok(())
    }

    /// Encoder frames of `n` samples (after padding).
    fn frames(&self, n: usize) -> usize {
        let hop = self.window / 2;
        n.saturating_sub(self.window).div_ceil(hop) + 1
    }

    /// Floating-point operations of one forward pass over `n` samples
    /// (`2 ×` the convolutions' multiply-adds).
    pub fn forward_flops(&self, n: usize) -> f64 {
        let t = self.frames(n) as f64;
        let (nf, b, h) = (self.filters as f64, self.bottleneck as f64, self.hidden as f64);
        let io = (self.in_channels * self.window) as f64;
        let encoder = 2.0 * t * nf * io;
        let block = 2.0 * t * (b * h + h * self.kernel as f64 + h * b);
        let blocks = (self.blocks * self.repeats) as f64 * block;
        let ends = 2.0 * t * (nf * b + b * nf * self.sources as f64);
        let decoder = 2.0 * t * nf * io * self.sources as f64;
        encoder + blocks + ends + decoder
    }

    /// Builds the network.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<ConvTasNet<B>> {
        self.check()?;
        let pointwise = |cin: usize, cout: usize| Conv1dConfig::new(cin, cout, 1).init(device);
        let mut blocks = Vec::with_capacity(self.blocks * self.repeats);
        for _ in 0..self.repeats {
            for x in 0..self.blocks {
                let d = 1usize << x;
                let pad = d * (self.kernel - 1) / 2;
                blocks.push(Block {
                    expand: pointwise(self.bottleneck, self.hidden),
                    act1: PReluConfig::new().init(device),
                    norm1: GlobalNorm::new(self.hidden, device),
                    depthwise: Conv1dConfig::new(self.hidden, self.hidden, self.kernel)
                        .with_groups(self.hidden)
                        .with_dilation(d)
                        .with_padding(PaddingConfig1d::Explicit(pad, pad))
                        .init(device),
                    act2: PReluConfig::new().init(device),
                    norm2: GlobalNorm::new(self.hidden, device),
                    project: pointwise(self.hidden, self.bottleneck),
                });
            }
        }
        let hop = self.window / 2;
        Ok(ConvTasNet {
            encoder: Conv1dConfig::new(self.in_channels, self.filters, self.window).with_stride(hop).init(device),
            norm: GlobalNorm::new(self.filters, device),
            bottleneck: pointwise(self.filters, self.bottleneck),
            blocks,
            mask: pointwise(self.bottleneck, self.filters * self.sources),
            decoder: ConvTranspose1dConfig::new([self.filters, self.in_channels], self.window)
                .with_stride(hop)
                .init(device),
            window: self.window,
            filters: self.filters,
            sources: self.sources,
            in_channels: self.in_channels,
        })
    }
}

/// Global layer norm over channels and time, with a per-channel gain and
/// bias.
#[derive(Module, Debug)]
pub struct GlobalNorm<B: Backend> {
    gain: Param<Tensor<B, 3>>,
    bias: Param<Tensor<B, 3>>,
}

impl<B: Backend> GlobalNorm<B> {
    fn new(channels: usize, device: &B::Device) -> Self {
        Self {
            gain: Param::from_tensor(Tensor::ones([1, channels, 1], device)),
            bias: Param::from_tensor(Tensor::zeros([1, channels, 1], device)),
        }
    }

    fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let [b, c, t] = x.dims();
        let flat = x.clone().reshape([b, c * t]);
        let mean = flat.clone().mean_dim(1);
        let var = (flat - mean.clone()).powi_scalar(2).mean_dim(1);
        let mean = mean.reshape([b, 1, 1]);
        let std = (var.reshape([b, 1, 1]) + 1e-8).sqrt();
        (x - mean) / std * self.gain.val() + self.bias.val()
    }
}

/// One residual block of the temporal convolutional network.
#[derive(Module, Debug)]
pub struct Block<B: Backend> {
    expand: Conv1d<B>,
    act1: PRelu<B>,
    norm1: GlobalNorm<B>,
    depthwise: Conv1d<B>,
    act2: PRelu<B>,
    norm2: GlobalNorm<B>,
    project: Conv1d<B>,
}

/// The network; see the module docs.
#[derive(Module, Debug)]
pub struct ConvTasNet<B: Backend> {
    encoder: Conv1d<B>,
    norm: GlobalNorm<B>,
    bottleneck: Conv1d<B>,
    blocks: Vec<Block<B>>,
    mask: Conv1d<B>,
    decoder: ConvTranspose1d<B>,
    window: usize,
    filters: usize,
    sources: usize,
    in_channels: usize,
}

impl<B: NnBackend> ConvTasNet<B> {
    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// `[b, in, n] → [b, sources · in, n]` for any `n ≥ 1`; an error for
    /// another channel count or an empty input.
    pub fn forward(&self, x: Tensor<B, 3>) -> Result<Tensor<B, 3>> {
        let [b, c, n] = x.dims();
        if c != self.in_channels || b == 0 || n == 0 {
            return Err(Error::Shape {
                context: "ConvTasNet::forward",
                expected: format!("[b ≥ 1, {}, n ≥ 1]", self.in_channels),
                found: format!("[{b}, {c}, {n}]"),
            });
        }
        let hop = self.window / 2;
        let padded = self.window + n.saturating_sub(self.window).div_ceil(hop) * hop;
        let x = if padded > n {
            Tensor::cat(vec![x.clone(), Tensor::zeros([b, c, padded - n], &x.device())], 2)
        } else {
            x
        };
        let w = relu(self.encoder.forward(x));
        let mut m = kernels::conv1d(&self.bottleneck, self.norm.forward(w.clone()));
        for block in &self.blocks {
            let mut y = block.norm1.forward(block.act1.forward(kernels::conv1d(&block.expand, m.clone())));
            y = block.norm2.forward(block.act2.forward(block.depthwise.forward(y)));
            m = m + kernels::conv1d(&block.project, y);
        }
        let t = w.dims()[2];
        let masks = sigmoid(kernels::conv1d(&self.mask, m)).reshape([b, self.sources, self.filters, t]);
        let masked = (masks * w.unsqueeze_dim::<4>(1)).reshape([b * self.sources, self.filters, t]);
        let out = self.decoder.forward(masked).narrow(2, 0, n);
        Ok(out.reshape([b, self.sources * c, n]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cpu;
    use burn::tensor::Distribution;

    fn tiny() -> ConvTasNetConfig {
        ConvTasNetConfig {
            filters: 6,
            window: 4,
            bottleneck: 3,
            hidden: 5,
            blocks: 2,
            repeats: 2,
            ..ConvTasNetConfig::small()
        }
    }

    #[test]
    fn any_length_goes_through_and_comes_back() {
        let device = Default::default();
        let net = tiny().init::<Cpu>(&device).unwrap();
        for n in [1, 3, 4, 7, 64, 101] {
            let x = Tensor::<Cpu, 3>::random([2, 1, n], Distribution::Normal(0.0, 1.0), &device);
            assert_eq!(net.forward(x).unwrap().dims(), [2, 1, n], "length {n}");
        }
        let two = ConvTasNetConfig { sources: 2, ..tiny() }.init::<Cpu>(&device).unwrap();
        let x = Tensor::<Cpu, 3>::random([3, 1, 40], Distribution::Normal(0.0, 1.0), &device);
        assert_eq!(two.forward(x).unwrap().dims(), [3, 2, 40]);
        assert!(net.forward(Tensor::zeros([1, 2, 8], &device)).is_err());
        assert!(net.forward(Tensor::zeros([0, 1, 8], &device)).is_err());
    }

    #[test]
    fn flops_by_hand() {
        // N 2, L 4 (hop 2), B 1, H 1, P 3, one block, 8 samples: 3 frames;
        // encoder 2·3·2·4 = 48; block 2·3·(1 + 3 + 1) = 30; ends
        // 2·3·(2 + 2) = 24; decoder 48.
        let c = ConvTasNetConfig {
            filters: 2,
            window: 4,
            bottleneck: 1,
            hidden: 1,
            kernel: 3,
            blocks: 1,
            repeats: 1,
            in_channels: 1,
            sources: 1,
        };
        assert_eq!(c.forward_flops(8), 48.0 + 30.0 + 24.0 + 48.0);
    }

    #[test]
    fn bad_configs() {
        let device = Default::default();
        assert!(ConvTasNetConfig { window: 5, ..tiny() }.init::<Cpu>(&device).is_err());
        assert!(ConvTasNetConfig { kernel: 4, ..tiny() }.init::<Cpu>(&device).is_err());
        assert!(ConvTasNetConfig { hidden: 0, ..tiny() }.init::<Cpu>(&device).is_err());
    }
}
