//! The separator architectures behind one type: [`Architecture`] (the
//! configuration, stored in model cards) builds a [`Net`] (the module).

use crate::error::Result;
use crate::unet::{UNet, UNetConfig};
use crate::wavenet::{WaveNet, WaveNetConfig};
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
}

impl Architecture {
    /// `"wavenet"` or `"unet"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Architecture::WaveNet(_) => "wavenet",
            Architecture::UNet(_) => "unet",
        }
    }

    /// Checks the configuration without building the network.
    pub fn check(&self) -> Result<()> {
        match self {
            Architecture::WaveNet(c) => c.check(),
            Architecture::UNet(c) => c.check(),
        }
    }

    /// Builds the network (burn's initialisation, from its seeded generator).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<Net<B>> {
        Ok(match self {
            Architecture::WaveNet(c) => Net::WaveNet(c.init(device)?),
            Architecture::UNet(c) => Net::UNet(c.init(device)?),
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
}

impl<B: Backend> Net<B> {
    /// The network's output; see [`WaveNet::forward`] and [`UNet::forward`].
    pub fn forward(&self, x: Tensor<B, 3>) -> Result<Tensor<B, 3>> {
        match self {
            Net::WaveNet(n) => n.forward(x),
            Net::UNet(n) => n.forward(x),
        }
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        match self {
            Net::WaveNet(n) => n.in_channels(),
            Net::UNet(n) => n.in_channels(),
        }
    }
}
