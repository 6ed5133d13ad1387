//! The Wave-U-Net of the co-channel OFDM architecture study (arXiv
//! 2303.06438, after Stoller et al.'s Wave-U-Net), with its domain-informed
//! change: a first layer whose kernel can span the OFDM symbol.
//!
//! ```text
//! x [b, in, n] → first layer: conv (first_kernel, first_channels) + LeakyReLU
//!   → D levels i = 1 … D: conv (kernel, i·channels) + LeakyReLU, kept as the
//!     level's skip, then decimation by 2 (every other sample)
//!   → bottleneck: conv (kernel, (D+1)·channels) + LeakyReLU
//!   → D levels i = D … 1: nearest upsampling ×2, concatenate skip i,
//!     conv (merge_kernel, i·channels) + LeakyReLU
//!   → concatenate the input x → 1×1 conv to `out` channels (linear)
//! ```
//!
//! Every convolution is "same" (odd kernels); the length must be a multiple
//! of `2^D` (the decimations), anything else is an error. With
//! `first_kernel` at least the FFT size the first layer can learn the
//! carriers' sinusoids (the paper's point); with 15 (the plain Wave-U-Net)
//! it cannot.

use crate::error::{Error, Result};
use crate::kernels::{self, NnBackend};
use burn::module::Module;
use burn::nn::PaddingConfig1d;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::tensor::Tensor;
use burn::tensor::activation::leaky_relu;
use burn::tensor::backend::Backend;

/// The architecture's hyper-parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaveUNetConfig {
    /// Levels `D ≥ 1` (the paper: 5 or 12).
    pub depth: usize,
    /// Filters per level step: level `i` has `i · channels` (the paper: 24).
    pub channels: usize,
    /// The first layer's kernel (odd; the paper: 15 plain, 101 long).
    pub first_kernel: usize,
    /// The first layer's filters (the paper: 480).
    pub first_channels: usize,
    /// Kernel of the encoder and bottleneck convolutions (odd; 15).
    pub kernel: usize,
    /// Kernel of the decoder's merge convolutions (odd; 5).
    pub merge_kernel: usize,
    /// LeakyReLU's negative slope (0.3).
    pub slope: f64,
    /// Input channels (1: real signals).
    pub in_channels: usize,
    /// Output channels (1: the SOI estimate).
    pub out_channels: usize,
}

impl WaveUNetConfig {
    /// The paper's modified Wave-U-Net at `depth` (5 or 12): 24 filters per
    /// level step, first layer of 480 filters with `first_kernel`, kernels
    /// 15 and 5, slope 0.3, one channel in and out.
    pub fn paper(depth: usize, first_kernel: usize) -> Self {
        Self {
            depth,
            channels: 24,
            first_kernel,
            first_channels: 480,
            kernel: 15,
            merge_kernel: 5,
            slope: 0.3,
            in_channels: 1,
            out_channels: 1,
        }
    }

    /// The shipped models' scale (a 2-core CPU): depth 3, 8 filters per
    /// level step, a first layer of 32 filters with `first_kernel`.
    pub fn small(first_kernel: usize) -> Self {
        Self { depth: 3, channels: 8, first_channels: 32, ..Self::paper(3, first_kernel) }
    }

    /// The lengths the network takes are the multiples of this, `2^D`.
    pub fn length_unit(&self) -> usize {
        1 << self.depth.min(usize::BITS as usize - 1)
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.depth == 0 || self.depth > 16 {
            return Err(Error::invalid("depth", self.depth, "1 to 16 levels"));
        }
        if [self.channels, self.first_channels, self.in_channels, self.out_channels].contains(&0) {
            return Err(Error::invalid("filters and channels", "a zero", "every count at least 1"));
        }
        if [self.first_kernel, self.kernel, self.merge_kernel].iter().any(|k| k.is_multiple_of(2)) {
            return Err(Error::invalid(
                "kernels",
                format!("{}, {}, {}", self.first_kernel, self.kernel, self.merge_kernel),
                "odd, so that \"same\" padding is symmetric",
            ));
        }
        if !(self.slope.is_finite() && (0.0..1.0).contains(&self.slope)) {
            return Err(Error::invalid("slope", self.slope, "LeakyReLU's slope lies in [0, 1)"));
        }
        Ok(())
    }

    /// Floating-point operations of one forward pass over `n` samples
    /// (`2 ×` the convolutions' multiply-adds).
    pub fn forward_flops(&self, n: usize) -> f64 {
        let n = n as f64;
        let conv = |len: f64, cin: usize, cout: usize, k: usize| 2.0 * len * (cin * cout * k) as f64;
        let c = self.channels;
        let mut flops = conv(n, self.in_channels, self.first_channels, self.first_kernel);
        let mut cin = self.first_channels;
        for i in 1..=self.depth {
            flops += conv(n / (1u64 << (i - 1)) as f64, cin, i * c, self.kernel);
            cin = i * c;
        }
        let bottom = n / (1u64 << self.depth) as f64;
        flops += conv(bottom, cin, (self.depth + 1) * c, self.kernel);
        cin = (self.depth + 1) * c;
        for i in (1..=self.depth).rev() {
            flops += conv(n / (1u64 << (i - 1)) as f64, cin + i * c, i * c, self.merge_kernel);
            cin = i * c;
        }
        flops + conv(n, cin + self.in_channels, self.out_channels, 1)
    }

    /// Builds the network.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<WaveUNet<B>> {
        self.check()?;
        let same = |cin: usize, cout: usize, k: usize| {
            Conv1dConfig::new(cin, cout, k).with_padding(PaddingConfig1d::Explicit(k / 2, k / 2)).init(device)
        };
        let c = self.channels;
        let first = same(self.in_channels, self.first_channels, self.first_kernel);
        let mut encoder = Vec::with_capacity(self.depth);
        let mut cin = self.first_channels;
        for i in 1..=self.depth {
            encoder.push(same(cin, i * c, self.kernel));
            cin = i * c;
        }
        let bottleneck = same(cin, (self.depth + 1) * c, self.kernel);
        cin = (self.depth + 1) * c;
        let mut decoder = Vec::with_capacity(self.depth);
        for i in (1..=self.depth).rev() {
            decoder.push(same(cin + i * c, i * c, self.merge_kernel));
            cin = i * c;
        }
        Ok(WaveUNet {
            first,
            encoder,
            bottleneck,
            decoder,
            output: same(cin + self.in_channels, self.out_channels, 1),
            slope: self.slope,
            in_channels: self.in_channels,
        })
    }
}

/// The network; see the module docs.
#[derive(Module, Debug)]
pub struct WaveUNet<B: Backend> {
    first: Conv1d<B>,
    encoder: Vec<Conv1d<B>>,
    bottleneck: Conv1d<B>,
    decoder: Vec<Conv1d<B>>,
    output: Conv1d<B>,
    slope: f64,
    in_channels: usize,
}

impl<B: NnBackend> WaveUNet<B> {
    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// The first layer's weights `[first_channels, in, first_kernel]`
    /// (what the long kernel learned).
    pub fn first_layer_weights(&self) -> Tensor<B, 3> {
        self.first.weight.val()
    }

    /// `[b, in, n] → [b, out, n]`; an error for another channel count, an
    /// empty input or a length that is not a multiple of `2^D`.
    pub fn forward(&self, x: Tensor<B, 3>) -> Result<Tensor<B, 3>> {
        let [b, c, n] = x.dims();
        let unit = 1usize << self.encoder.len();
        if c != self.in_channels || b == 0 || n == 0 || !n.is_multiple_of(unit) {
            return Err(Error::Shape {
                context: "WaveUNet::forward",
                expected: format!("[b ≥ 1, {}, n a positive multiple of 2^depth = {unit}]", self.in_channels),
                found: format!("[{b}, {c}, {n}]"),
            });
        }
        let act = |h: Tensor<B, 3>| leaky_relu(h, self.slope);
        let mut h = act(kernels::conv1d(&self.first, x.clone()));
        let mut skips = Vec::with_capacity(self.encoder.len());
        for conv in &self.encoder {
            h = act(kernels::conv1d(conv, h));
            skips.push(h.clone());
            let [b, c, m] = h.dims();
            h = h.reshape([b, c, m / 2, 2]).narrow(3, 0, 1).reshape([b, c, m / 2]);
        }
        h = act(kernels::conv1d(&self.bottleneck, h));
        for conv in &self.decoder {
            let skip = skips.pop().ok_or(Error::invalid("decoder", "deeper than the encoder", "same depth"))?;
            let [b, c, m] = h.dims();
            h = h.reshape([b, c, m, 1]).repeat_dim(3, 2).reshape([b, c, 2 * m]);
            h = act(kernels::conv1d(conv, Tensor::cat(vec![h, skip], 1)));
        }
        Ok(kernels::conv1d(&self.output, Tensor::cat(vec![h, x], 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cpu;
    use burn::tensor::Distribution;

    #[test]
    fn lengths_and_shapes() {
        let device = Default::default();
        let config = WaveUNetConfig { depth: 2, channels: 3, first_channels: 5, ..WaveUNetConfig::small(9) };
        let net = config.init::<Cpu>(&device).unwrap();
        for n in [4, 8, 64] {
            let x = Tensor::<Cpu, 3>::random([2, 1, n], Distribution::Normal(0.0, 1.0), &device);
            assert_eq!(net.forward(x).unwrap().dims(), [2, 1, n], "length {n}");
        }
        for n in [0, 2, 6, 65] {
            assert!(net.forward(Tensor::zeros([1, 1, n], &device)).is_err(), "length {n}");
        }
        assert!(net.forward(Tensor::zeros([1, 2, 8], &device)).is_err());
        assert_eq!(net.first_layer_weights().dims(), [5, 1, 9]);
        // The paper's depth-5 long-kernel network builds (about 1.4 M parameters at 480 first filters).
        let paper = WaveUNetConfig::paper(5, 101).init::<Cpu>(&device).unwrap();
        assert!(paper.num_params() > 500_000, "{}", paper.num_params());
    }

    #[test]
    fn flops_by_hand() {
        // Depth 1, 2 filters per step, first layer 3 filters of kernel 5,
        // kernels 3 and 1 (merge), 8 samples:
        // first 2·8·1·3·5 = 240; level 1: 2·8·3·2·3 = 288; bottleneck
        // 2·4·2·4·3 = 192; merge 2·8·(4 + 2)·2·1 = 192; output 2·8·3·1 = 48.
        let c = WaveUNetConfig {
            depth: 1,
            channels: 2,
            first_kernel: 5,
            first_channels: 3,
            kernel: 3,
            merge_kernel: 1,
            slope: 0.3,
            in_channels: 1,
            out_channels: 1,
        };
        assert_eq!(c.forward_flops(8), 240.0 + 288.0 + 192.0 + 192.0 + 48.0);
    }

    #[test]
    fn bad_configs() {
        let device = Default::default();
        assert!(WaveUNetConfig::small(64).init::<Cpu>(&device).is_err(), "even kernel");
        assert!(WaveUNetConfig { depth: 0, ..WaveUNetConfig::small(15) }.init::<Cpu>(&device).is_err());
        assert!(WaveUNetConfig { channels: 0, ..WaveUNetConfig::small(15) }.init::<Cpu>(&device).is_err());
        assert!(WaveUNetConfig { slope: f64::NAN, ..WaveUNetConfig::small(15) }.init::<Cpu>(&device).is_err());
    }
}
