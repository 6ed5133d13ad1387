//! The neural-network layer of infoflow, on [burn] 0.21.
//!
//! This is the only crate of the workspace that depends on a deep-learning
//! framework; the domain crates use it behind an optional `learned` feature
//! (`docs/architecture.md`), so a user who needs no learned model never
//! compiles burn.
//!
//! * [`iq`]: 1-D complex signals as two real channels (I/Q), both ways.
//! * [`wavenet`]: a non-causal WaveNet (dilated gated residual layers with
//!   skip connections), the RF Challenge's 30 × 128 as a preset.
//! * [`unet`]: the challenge's 1-D UNet (batch-normalised input, five
//!   encoder levels with a long first kernel, transposed-convolution
//!   decoder with skips), any input length.
//! * [`waveunet`]: the co-channel OFDM study's Wave-U-Net (decimation,
//!   nearest upsampling, the input concatenated before the output) with a
//!   configurable first-layer kernel.
//! * [`convtasnet`]: a small Conv-TasNet (learned encoder and decoder, a
//!   temporal convolutional mask network).
//! * [`mlp`]: a multilayer perceptron.
//! * [`kernel_maps`]: a learned kernel's maps and scalars (kernel-tests'
//!   deep kernel and MMD-M), an [`Architecture`] so that model files store
//!   it.
//! * [`embedding`]: DiffWave's diffusion-step embedding.
//! * [`diffwave`]: DiffWave, the WaveNet conditioned on that embedding (a
//!   denoiser for score-based separation).
//! * [`kernels`]: the 1-D convolution (im2col and faer's product) and
//!   WaveNet's gate, forward and backward, on the CPU backend, through
//!   [`NnBackend`].
//! * [`architecture`]: the separator architectures behind one type
//!   ([`Architecture`] configures, [`Net`] runs).
//! * [`train`]: a resumable trainer over on-the-fly data (AdamW, cosine or
//!   plateau schedules, clipping, validation, early stopping, checkpoints,
//!   deterministic ChaCha8 batches).
//! * [`objective`]: the same recipe on any scalar objective of any module
//!   (the learned kernels' power proxy).
//! * [`model_file`]: weights in safetensors plus a JSON card, checked on
//!   load.
//!
//! Backends: [`Cpu`] (burn's pure-Rust `Flex`) and [`CpuTrain`] (the same
//! with automatic differentiation) by default; the `gpu` feature adds burn's
//! CUDA backend. Every layer is generic over `B: Backend`; the nets run on a
//! [`NnBackend`] (all three).
//!
//! Bad input gets an [`Error`], never a panic: shapes are checked before
//! they reach burn, which panics on a mismatch.
//!
//! ```
//! use infoflow_nn::{Cpu, iq, wavenet::WaveNetConfig};
//! use num_complex::Complex64 as C64;
//!
//! let device = Default::default();
//! let net = WaveNetConfig::new(2, 8).init::<Cpu>(&device).unwrap();
//! let x: Vec<C64> = (0..64).map(|k| C64::new((k as f64).sin(), 0.0)).collect();
//! let y = net.forward(iq::to_tensor::<Cpu>(&[x], &device).unwrap()).unwrap();
//! assert_eq!(iq::from_tensor(y).unwrap()[0].len(), 64);
//! ```

pub mod architecture;
pub mod convtasnet;
pub mod diffwave;
pub mod embedding;
pub mod error;
pub mod iq;
pub mod kernel_maps;
pub mod kernels;
pub mod mlp;
pub mod model_file;
pub mod objective;
pub mod train;
pub mod unet;
pub mod wavenet;
pub mod waveunet;

pub use architecture::{Architecture, Net};
/// burn, re-exported so that the domain crates use nn's version.
pub use burn;
pub use error::{Error, Result};
pub use kernels::NnBackend;

/// burn's pure-Rust CPU backend.
pub type Cpu = burn::backend::Flex;

/// [`Cpu`] with automatic differentiation, for training.
pub type CpuTrain = burn::backend::Autodiff<Cpu>;

/// burn's CUDA backend (feature `gpu`; loads libcuda and NVRTC at run time).
#[cfg(feature = "gpu")]
pub type Gpu = burn::backend::Cuda;

/// [`Gpu`] with automatic differentiation, for training.
#[cfg(feature = "gpu")]
pub type GpuTrain = burn::backend::Autodiff<Gpu>;
