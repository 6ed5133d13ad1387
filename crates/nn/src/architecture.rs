//! The networks behind one type, the separators (WaveNet, UNet,
//! Wave-U-Net, Conv-TasNet), the denoiser (DiffWave) and a learned
//! kernel's maps: [`Architecture`] (the configuration, stored in model
//! cards) builds a [`Net`] (the module).

use crate::convtasnet::{ConvTasNet, ConvTasNetConfig};
use crate::diffwave::{DiffWave, DiffWaveConfig};
use crate::error::{Error, Result};
use crate::kernel_maps::{KernelMaps, KernelMapsConfig};
use crate::kernels::NnBackend;
use crate::unet::{UNet, UNetConfig};
use crate::wavenet::{WaveNet, WaveNetConfig};
use crate::waveunet::{WaveUNet, WaveUNetConfig};
use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// A network's configuration.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Architecture {
    /// A [`WaveNet`].
    WaveNet(WaveNetConfig),
    /// A [`UNet`].
    UNet(UNetConfig),
    /// A [`DiffWave`] (a WaveNet conditioned on the diffusion step).
    DiffWave(DiffWaveConfig),
    /// A [`WaveUNet`].
    WaveUNet(WaveUNetConfig),
    /// A [`ConvTasNet`].
    ConvTasNet(ConvTasNetConfig),
    /// A learned kernel's [`KernelMaps`] (not a separator: no
    /// [`Net::forward`]).
    KernelMaps(KernelMapsConfig),
}

impl Architecture {
    /// `"wavenet"`, `"unet"`, `"diffwave"`, `"waveunet"`, `"convtasnet"` or
    /// `"kernelmaps"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Architecture::WaveNet(_) => "wavenet",
            Architecture::UNet(_) => "unet",
            Architecture::DiffWave(_) => "diffwave",
            Architecture::WaveUNet(_) => "waveunet",
            Architecture::ConvTasNet(_) => "convtasnet",
            Architecture::KernelMaps(_) => "kernelmaps",
        }
    }

    /// Checks the configuration without building the network.
    pub fn check(&self) -> Result<()> {
        match self {
            Architecture::WaveNet(c) => c.check(),
            Architecture::UNet(c) => c.check(),
            Architecture::DiffWave(c) => c.check(),
            Architecture::WaveUNet(c) => c.check(),
            Architecture::ConvTasNet(c) => c.check(),
            Architecture::KernelMaps(c) => c.check(),
        }
    }

    /// Floating-point operations of one forward pass over one example of
    /// `n` samples: `2 × multiply-adds` of the convolutions (elementwise
    /// operations, normalisation and pooling not counted; for kernel maps
    /// `n` samples). A training step
    /// costs about three forward passes (the backward pass needs the
    /// gradients of both inputs and weights). A DiffWave counts as its
    /// WaveNet (the step embedding costs the same for any `n`).
    pub fn forward_flops(&self, n: usize) -> f64 {
        let wavenet = |c: &WaveNetConfig, n: f64| {
            let ch = c.channels as f64;
            let per_layer = 2.0 * ch * 2.0 * ch * c.kernel as f64 + 2.0 * ch * 2.0 * ch;
            let ends = 2.0 * c.in_channels as f64 * ch + 2.0 * ch * ch + 2.0 * ch * c.out_channels as f64;
            n * (c.layers as f64 * per_layer + ends)
        };
        let n = n as f64;
        match self {
            Architecture::WaveNet(c) => wavenet(c, n),
            Architecture::DiffWave(c) => wavenet(&c.wavenet, n),
            Architecture::WaveUNet(c) => c.forward_flops(n as usize),
            Architecture::ConvTasNet(c) => c.forward_flops(n as usize),
            Architecture::KernelMaps(c) => n * c.forward_flops(),
            Architecture::UNet(c) => {
                let depth = c.encoder_filters.len();
                let k = c.kernel as f64;
                let mut flops = 0.0;
                let mut cin = c.in_channels as f64;
                for (i, &f) in c.encoder_filters.iter().enumerate() {
                    let len = n / (1u64 << i) as f64;
                    let k1 = if i == 0 { c.first_kernel as f64 } else { k };
                    let f = f as f64;
                    flops += len * (2.0 * cin * f * k1 + 2.0 * f * f * k);
                    cin = f;
                }
                let b = c.bottleneck as f64;
                flops += n / (1u64 << depth) as f64 * (2.0 * cin * b * k + 2.0 * b * b * k);
                cin = b;
                for (j, &f) in c.decoder_filters.iter().enumerate() {
                    let len = n / (1u64 << (depth - 1 - j)) as f64;
                    let (f, skip) = (f as f64, c.encoder_filters[depth - 1 - j] as f64);
                    // The transposed convolution: each input sample feeds 3 outputs.
                    flops += len / 2.0 * 2.0 * cin * f * 3.0;
                    flops += len * (2.0 * (f + skip) * f * k + 2.0 * f * f * k);
                    cin = f;
                }
                flops + n * 2.0 * cin * c.out_channels as f64
            }
        }
    }

    /// Builds the network (burn's initialisation, from its seeded generator).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<Net<B>> {
        Ok(match self {
            Architecture::WaveNet(c) => Net::WaveNet(c.init(device)?),
            Architecture::UNet(c) => Net::UNet(c.init(device)?),
            Architecture::DiffWave(c) => Net::DiffWave(c.init(device)?),
            Architecture::WaveUNet(c) => Net::WaveUNet(c.init(device)?),
            Architecture::ConvTasNet(c) => Net::ConvTasNet(c.init(device)?),
            Architecture::KernelMaps(c) => Net::KernelMaps(c.init(device)?),
        })
    }
}

/// A network of one of the [`Architecture`]s: `[b, in, n] → [b, out, n]`.
// A model holds one net, so the variants' size difference costs nothing
// (and burn's derive does not see through a Box).
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Net<B: Backend> {
    /// A WaveNet.
    WaveNet(WaveNet<B>),
    /// A UNet.
    UNet(UNet<B>),
    /// A DiffWave.
    DiffWave(DiffWave<B>),
    /// A Wave-U-Net.
    WaveUNet(WaveUNet<B>),
    /// A Conv-TasNet.
    ConvTasNet(ConvTasNet<B>),
    /// A learned kernel's maps.
    KernelMaps(KernelMaps<B>),
}

impl<B: NnBackend> Net<B> {
    /// The network's output; see [`WaveNet::forward`] and [`UNet::forward`].
    /// An error for a DiffWave, which needs its diffusion steps
    /// ([`Net::forward_steps`]).
    pub fn forward(&self, x: Tensor<B, 3>) -> Result<Tensor<B, 3>> {
        self.forward_steps(x, None)
    }

    /// The output of a separator (`steps` none) or of a DiffWave at the
    /// diffusion `steps` of the frames ([`DiffWave::forward`]); an error
    /// when the steps do not fit the network.
    pub fn forward_steps(&self, x: Tensor<B, 3>, steps: Option<&[f64]>) -> Result<Tensor<B, 3>> {
        match (self, steps) {
            (Net::WaveNet(n), None) => n.forward(x),
            (Net::UNet(n), None) => n.forward(x),
            (Net::WaveUNet(n), None) => n.forward(x),
            (Net::ConvTasNet(n), None) => n.forward(x),
            (Net::DiffWave(n), Some(t)) => n.forward(x, t),
            (Net::KernelMaps(_), _) => Err(Error::invalid(
                "net",
                "kernel maps",
                "a separator or a DiffWave (a kernel's maps act on rows: KernelMaps::phi and ::psi)",
            )),
            (Net::DiffWave(_), None) => {
                Err(Error::invalid("diffusion steps", "none", "a DiffWave is evaluated at a diffusion step per frame"))
            }
            (_, Some(_)) => Err(Error::invalid("diffusion steps", "given", "only a DiffWave takes diffusion steps")),
        }
    }

    /// Input channels (for kernel maps, the input dimension).
    pub fn in_channels(&self) -> usize {
        match self {
            Net::WaveNet(n) => n.in_channels(),
            Net::UNet(n) => n.in_channels(),
            Net::DiffWave(n) => n.in_channels(),
            Net::WaveUNet(n) => n.in_channels(),
            Net::ConvTasNet(n) => n.in_channels(),
            Net::KernelMaps(n) => n.input(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flop_counts_by_hand() {
        // One layer of 2 channels, kernel 3, I/Q in and out, 10 samples:
        // per layer 2·2·4·3 + 2·2·4 = 64, the ends 3 × 2·2·2 = 24.
        let w = Architecture::WaveNet(WaveNetConfig::new(1, 2).with_dilation_cycle(vec![1]));
        assert_eq!(w.forward_flops(10), 10.0 * (64.0 + 24.0));
        // One level of 2 filters, bottleneck 2, kernels 3, 8 samples:
        // encoder 8·(2·2·2·3 + 2·2·2·3) = 384; bottleneck 4·48 = 192;
        // decoder: transposed 4·2·2·2·3 = 96, convs 8·(2·4·2·3 + 2·2·2·3) = 576;
        // output 8·2·2·2 = 64.
        let mut c = UNetConfig::new(1, 2);
        c.bottleneck = 2;
        assert_eq!(Architecture::UNet(c).forward_flops(8), 384.0 + 192.0 + 96.0 + 576.0 + 64.0);
    }
}
