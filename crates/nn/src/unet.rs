//! The RF Challenge's 1-D UNet (arXiv 2409.08839, the organisers'
//! `get_unet_model`).
//!
//! ```text
//! x [b, in, n] → BatchNorm
//!   → L encoder levels: 2 × (conv "same" + ReLU), the first conv of level 1
//!     with a long kernel (101 in the challenge: the domain-informed change);
//!     keep the output as the level's skip; MaxPool 2; Dropout
//!   → bottleneck: 2 × (conv + ReLU)
//!   → L decoder levels: ConvTranspose (stride 2, kernel 3, linear), concatenate
//!     the skip, Dropout, 2 × (conv + ReLU)
//!   → 1×1 conv to `out` channels (linear)
//! ```
//!
//! Any length is accepted: the input is zero-padded at the end to a
//! multiple of `2^L` and the output cropped back. Dropout and batch
//! statistics act only on an autodiff (training) backend.

use crate::error::{Error, Result};
use crate::kernels::{self, NnBackend};
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, PaddingConfig1d, Relu};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// The architecture's hyper-parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UNetConfig {
    /// Filters of each encoder level (its length is the depth `L ≥ 1`).
    pub encoder_filters: Vec<usize>,
    /// Filters of the bottleneck.
    pub bottleneck: usize,
    /// Filters of each decoder level, deepest first (length `L`).
    pub decoder_filters: Vec<usize>,
    /// Kernel of level 1's first convolution (odd).
    pub first_kernel: usize,
    /// Kernel of every other convolution (odd).
    pub kernel: usize,
    /// Dropout after level 1.
    pub dropout_first: f64,
    /// Dropout everywhere else.
    pub dropout: f64,
    /// Input channels (2 for I/Q).
    pub in_channels: usize,
    /// Output channels (2 for I/Q).
    pub out_channels: usize,
}

impl UNetConfig {
    /// `depth` levels of `filters` filters everywhere, kernels 3, no long
    /// first kernel, dropout 0.25 then 0.5, I/Q in and out.
    pub fn new(depth: usize, filters: usize) -> Self {
        Self {
            encoder_filters: vec![filters; depth],
            bottleneck: filters,
            decoder_filters: vec![filters; depth],
            first_kernel: 3,
            kernel: 3,
            dropout_first: 0.25,
            dropout: 0.5,
            in_channels: 2,
            out_channels: 2,
        }
    }

    /// The challenge's UNet: five levels of 256 filters, bottleneck 256,
    /// decoder 256, 256, 128, 64, 32, first kernel 101.
    pub fn challenge() -> Self {
        Self { decoder_filters: vec![256, 256, 128, 64, 32], first_kernel: 101, ..Self::new(5, 256) }
    }

    /// The shipped models' UNet (a 2-core CPU's scale): four levels of 16,
    /// 24, 32, 48 filters, bottleneck 64, dropout 0.1, the challenge's long
    /// first kernel of 101 (see [`UNetConfig::with_first_kernel`]).
    pub fn small() -> Self {
        Self {
            encoder_filters: vec![16, 24, 32, 48],
            bottleneck: 64,
            decoder_filters: vec![48, 32, 24, 16],
            first_kernel: 101,
            kernel: 3,
            dropout_first: 0.1,
            dropout: 0.1,
            in_channels: 2,
            out_channels: 2,
        }
    }

    /// With another first-layer kernel (odd).
    pub fn with_first_kernel(mut self, kernel: usize) -> Self {
        self.first_kernel = kernel;
        self
    }

    /// With other dropout probabilities (level 1, elsewhere).
    pub fn with_dropout(mut self, first: f64, rest: f64) -> Self {
        (self.dropout_first, self.dropout) = (first, rest);
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        let depth = self.encoder_filters.len();
        if depth == 0 || self.decoder_filters.len() != depth {
            return Err(Error::invalid(
                "encoder and decoder filters",
                format!("{:?} / {:?}", self.encoder_filters, self.decoder_filters),
                "the same number of levels, at least one",
            ));
        }
        let all = self.encoder_filters.iter().chain(&self.decoder_filters).chain([&self.bottleneck]);
        if all.clone().any(|&f| f == 0) || self.in_channels == 0 || self.out_channels == 0 {
            return Err(Error::invalid("filters and channels", "a zero", "every count at least 1"));
        }
        if self.first_kernel.is_multiple_of(2) || self.kernel.is_multiple_of(2) {
            return Err(Error::invalid(
                "kernels",
                format!("{}, {}", self.first_kernel, self.kernel),
                "odd, so that \"same\" padding is symmetric",
            ));
        }
        for p in [self.dropout_first, self.dropout] {
            if !(0.0..1.0).contains(&p) {
                return Err(Error::invalid("dropout", p, "in [0, 1)"));
            }
        }
        Ok(())
    }

    /// Builds the network.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<UNet<B>> {
        self.check()?;
        let same = |cin: usize, cout: usize, k: usize| {
            Conv1dConfig::new(cin, cout, k).with_padding(PaddingConfig1d::Explicit(k / 2, k / 2)).init(device)
        };
        let depth = self.encoder_filters.len();
        let mut encoder = Vec::with_capacity(depth);
        let mut cin = self.in_channels;
        for (i, &f) in self.encoder_filters.iter().enumerate() {
            let k = if i == 0 { self.first_kernel } else { self.kernel };
            let p = if i == 0 { self.dropout_first } else { self.dropout };
            encoder.push(Level {
                first: same(cin, f, k),
                second: same(f, f, self.kernel),
                dropout: DropoutConfig::new(p).init(),
            });
            cin = f;
        }
        let bottleneck = (same(cin, self.bottleneck, self.kernel), same(self.bottleneck, self.bottleneck, self.kernel));
        let mut decoder = Vec::with_capacity(depth);
        let mut cin = self.bottleneck;
        for (j, &f) in self.decoder_filters.iter().enumerate() {
            let skip = self.encoder_filters[depth - 1 - j];
            decoder.push(UpLevel {
                up: ConvTranspose1dConfig::new([cin, f], 3)
                    .with_stride(2)
                    .with_padding(1)
                    .with_padding_out(1)
                    .init(device),
                first: same(f + skip, f, self.kernel),
                second: same(f, f, self.kernel),
                dropout: DropoutConfig::new(self.dropout).init(),
            });
            cin = f;
        }
        Ok(UNet {
            norm: BatchNormConfig::new(self.in_channels).init(device),
            encoder,
            bottleneck_first: bottleneck.0,
            bottleneck_second: bottleneck.1,
            decoder,
            output: Conv1dConfig::new(cin, self.out_channels, 1).init(device),
            pool: MaxPool1dConfig::new(2).init(),
            relu: Relu::new(),
            in_channels: self.in_channels,
        })
    }
}

/// An encoder level.
#[derive(Module, Debug)]
pub struct Level<B: Backend> {
    first: Conv1d<B>,
    second: Conv1d<B>,
    dropout: Dropout,
}

/// A decoder level.
#[derive(Module, Debug)]
pub struct UpLevel<B: Backend> {
    up: ConvTranspose1d<B>,
    first: Conv1d<B>,
    second: Conv1d<B>,
    dropout: Dropout,
}

/// The network; see the module docs.
#[derive(Module, Debug)]
pub struct UNet<B: Backend> {
    norm: BatchNorm<B>,
    encoder: Vec<Level<B>>,
    bottleneck_first: Conv1d<B>,
    bottleneck_second: Conv1d<B>,
    decoder: Vec<UpLevel<B>>,
    output: Conv1d<B>,
    pool: MaxPool1d,
    relu: Relu,
    in_channels: usize,
}

impl<B: NnBackend> UNet<B> {
    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// `[b, in, n] → [b, out, n]` for any `n ≥ 1`; an error for another
    /// channel count or an empty input.
    pub fn forward(&self, x: Tensor<B, 3>) -> Result<Tensor<B, 3>> {
        let [b, c, n] = x.dims();
        if c != self.in_channels || b == 0 || n == 0 {
            return Err(Error::Shape {
                context: "UNet::forward",
                expected: format!("[b ≥ 1, {}, n ≥ 1]", self.in_channels),
                found: format!("[{b}, {c}, {n}]"),
            });
        }
        let device = x.device();
        let unit = 1usize << self.encoder.len();
        let padded = n.div_ceil(unit) * unit;
        let x = if padded > n { Tensor::cat(vec![x, Tensor::zeros([b, c, padded - n], &device)], 2) } else { x };
        let mut h = self.norm.forward(x);
        let mut skips = Vec::with_capacity(self.encoder.len());
        for level in &self.encoder {
            h = self.relu.forward(kernels::conv1d(&level.first, h));
            h = self.relu.forward(kernels::conv1d(&level.second, h));
            skips.push(h.clone());
            h = level.dropout.forward(self.pool.forward(h));
        }
        h = self.relu.forward(kernels::conv1d(&self.bottleneck_first, h));
        h = self.relu.forward(kernels::conv1d(&self.bottleneck_second, h));
        for level in &self.decoder {
            let skip = skips.pop().ok_or(Error::invalid("decoder", "deeper than the encoder", "same depth"))?;
            // Linear, as the organisers' Conv1DTranspose (no activation).
            h = level.up.forward(h);
            h = level.dropout.forward(Tensor::cat(vec![h, skip], 1));
            h = self.relu.forward(kernels::conv1d(&level.first, h));
            h = self.relu.forward(kernels::conv1d(&level.second, h));
        }
        Ok(kernels::conv1d(&self.output, h).narrow(2, 0, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cpu;
    use burn::tensor::Distribution;

    #[test]
    fn any_length_goes_through_and_comes_back() {
        let device = Default::default();
        let net = UNetConfig::new(3, 4).with_first_kernel(9).init::<Cpu>(&device).unwrap();
        for n in [1, 7, 8, 33, 64, 101] {
            let x = Tensor::<Cpu, 3>::random([2, 2, n], Distribution::Normal(0.0, 1.0), &device);
            let y = net.forward(x).unwrap();
            assert_eq!(y.dims(), [2, 2, n], "length {n}");
        }
        // The challenge's configuration builds (about 2.4 M parameters).
        let big = UNetConfig::challenge().init::<Cpu>(&device).unwrap();
        assert!(big.num_params() > 1_000_000, "{}", big.num_params());
    }

    #[test]
    fn bad_config_and_input() {
        let device = Default::default();
        assert!(UNetConfig::new(0, 4).init::<Cpu>(&device).is_err());
        assert!(UNetConfig::new(2, 4).with_first_kernel(100).init::<Cpu>(&device).is_err());
        assert!(UNetConfig::new(2, 4).with_dropout(0.2, 1.0).init::<Cpu>(&device).is_err());
        let mut uneven = UNetConfig::new(2, 4);
        uneven.decoder_filters.pop();
        assert!(uneven.init::<Cpu>(&device).is_err());
        let net = UNetConfig::new(2, 4).init::<Cpu>(&device).unwrap();
        assert!(net.forward(Tensor::zeros([1, 3, 16], &device)).is_err());
        assert!(net.forward(Tensor::zeros([0, 2, 16], &device)).is_err());
    }
}
