//! The trainable part of a deep kernel: the feature maps and the three
//! scalars of the learned kernels of `kernel-tests` (Liu et al. 2020,
//! "Learning deep kernels for non-parametric two-sample tests", and the
//! MMD-M of arXiv 2308.09043):
//!
//! `k(x, y) = [(1 − ε) exp(−‖φx − φy‖²/σ₀²) + ε] · exp(−‖ψx − ψy‖²/σ²)`
//!
//! with `φ` an MLP (or none: the learned-bandwidth Gaussian), `ψ` the
//! identity (Liu et al.'s deep kernel) or a residual MLP `x + MLP(x)`
//! (MMD-M), `σ₀ = r₀²`, `σ = r₁²`, `ε = sigmoid(r₂)` from the raw scalars
//! `r`. The kernel's arithmetic (Gram blocks, the power proxy) lives in
//! `kernel-tests`; this module holds what trains and what a model file
//! stores.

use crate::error::{Error, Result};
use crate::mlp::{Activation, Mlp, MlpConfig};
use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// The maps' configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelMapsConfig {
    /// Input dimension `d`.
    pub input: usize,
    /// `φ`'s widths after the input (hidden layers, then the feature
    /// dimension); empty: no `φ` (the kernel is the Gaussian on `ψ`).
    pub phi: Vec<usize>,
    /// The residual `ψ`'s hidden widths (its output is `d`); empty: `ψ` is
    /// the identity.
    pub psi: Vec<usize>,
    /// GELU between the MLPs' layers (else ReLU).
    pub gelu: bool,
}

impl KernelMapsConfig {
    /// Checks the widths.
    pub fn check(&self) -> Result<()> {
        if self.input == 0 || self.phi.contains(&0) || self.psi.contains(&0) {
            return Err(Error::invalid(
                "kernel maps",
                format!("input {}, φ {:?}, ψ {:?}", self.input, self.phi, self.psi),
                "an input dimension and widths of at least 1",
            ));
        }
        Ok(())
    }

    /// `φ`'s output dimension (0 without `φ`).
    pub fn features(&self) -> usize {
        self.phi.last().copied().unwrap_or(0)
    }

    /// Floating-point operations of the maps for one sample (`2 ×`
    /// multiply-adds of the linear layers).
    pub fn forward_flops(&self) -> f64 {
        let layers = |widths: &[usize]| widths.windows(2).map(|w| 2.0 * (w[0] * w[1]) as f64).sum::<f64>();
        let mut phi = vec![self.input];
        phi.extend(&self.phi);
        let mut psi = vec![self.input];
        if !self.psi.is_empty() {
            psi.extend(&self.psi);
            psi.push(self.input);
        }
        layers(&phi) + layers(&psi)
    }

    /// Builds the maps (burn's initialisation from its seeded generator;
    /// the raw scalars start at `r = (1, 1, 0)`).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<KernelMaps<B>> {
        self.check()?;
        let mlp = |widths: Vec<usize>| -> Result<Mlp<B>> {
            let activation = if self.gelu { Activation::Gelu } else { Activation::Relu };
            MlpConfig::new(widths).with_activation(activation).init(device)
        };
        let phi = if self.phi.is_empty() {
            None
        } else {
            Some(mlp(std::iter::once(self.input).chain(self.phi.iter().copied()).collect())?)
        };
        let psi = if self.psi.is_empty() {
            None
        } else {
            let mut w = vec![self.input];
            w.extend(&self.psi);
            w.push(self.input);
            Some(mlp(w)?)
        };
        // burn initialises parameters lazily, on first access, and a clone
        // taken before that initialises on its own, to other values: touch
        // every weight now, so that clones (the kept best, the kernel built
        // from the maps) are the same maps.
        let probe = Tensor::<B, 2>::zeros([1, self.input], device);
        for mlp in phi.iter().chain(psi.iter()) {
            mlp.forward(probe.clone())?;
        }
        Ok(KernelMaps {
            phi,
            psi,
            raw: Param::from_tensor(Tensor::from_data(TensorData::new(vec![1.0f32, 1.0, 0.0], [3]), device)),
            input: self.input,
        })
    }
}

/// The maps and the raw scalars (see the module docs).
#[derive(Module, Debug)]
pub struct KernelMaps<B: Backend> {
    phi: Option<Mlp<B>>,
    psi: Option<Mlp<B>>,
    raw: Param<Tensor<B, 1>>,
    input: usize,
}

impl<B: Backend> KernelMaps<B> {
    /// Input dimension.
    pub fn input(&self) -> usize {
        self.input
    }

    /// `φ(x)` (`[b, features]`), or none without `φ`; an error for another
    /// input width or an empty batch.
    pub fn phi(&self, x: Tensor<B, 2>) -> Result<Option<Tensor<B, 2>>> {
        self.phi.as_ref().map(|m| m.forward(x)).transpose()
    }

    /// `ψ(x) = x + MLP(x)`, or `x` when `ψ` is the identity.
    pub fn psi(&self, x: Tensor<B, 2>) -> Result<Tensor<B, 2>> {
        match &self.psi {
            Some(m) => Ok(x.clone() + m.forward(x)?),
            None => Ok(x),
        }
    }

    /// The raw scalars `r` as a `[3]` tensor (trainable).
    pub fn raw(&self) -> Tensor<B, 1> {
        self.raw.val()
    }

    /// `(σ₀, σ, ε)` from the raw scalars (`σ₀ = r₀²`, `σ = r₁²`,
    /// `ε = sigmoid(r₂)`).
    pub fn scalars(&self) -> Result<[f64; 3]> {
        let r: Vec<f32> = self
            .raw
            .val()
            .into_data()
            .into_vec()
            .map_err(|e| Error::invalid("kernel scalars", format!("{e:?}"), "f32 values"))?;
        let [r0, r1, r2] = [r[0] as f64, r[1] as f64, r[2] as f64];
        Ok([r0 * r0, r1 * r1, 1.0 / (1.0 + (-r2).exp())])
    }

    /// With the scalars set to `(σ₀, σ, ε)`, `σ₀, σ > 0`, `ε ∈ (0, 1)`
    /// (the start of a training: the median heuristic's widths).
    pub fn with_scalars(mut self, [sigma0, sigma, eps]: [f64; 3]) -> Result<Self> {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !(positive(sigma0) && positive(sigma) && eps > 0.0 && eps < 1.0) {
            return Err(Error::invalid(
                "σ₀, σ, ε",
                format!("{sigma0}, {sigma}, {eps}"),
                "positive finite widths and ε in (0, 1)",
            ));
        }
        let raw = [sigma0.sqrt(), sigma.sqrt(), (eps / (1.0 - eps)).ln()].map(|v| v as f32);
        let device = self.raw.val().device();
        self.raw = Param::from_tensor(Tensor::from_data(TensorData::new(raw.to_vec(), [3]), &device));
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cpu;

    #[test]
    fn maps_scalars_and_bad_widths() {
        let device = Default::default();
        let c = KernelMapsConfig { input: 3, phi: vec![8, 5], psi: vec![6], gelu: true };
        let m = c.init::<Cpu>(&device).unwrap();
        let x = Tensor::<Cpu, 2>::ones([4, 3], &device);
        assert_eq!(m.phi(x.clone()).unwrap().unwrap().dims(), [4, 5]);
        assert_eq!(m.psi(x.clone()).unwrap().dims(), [4, 3]);
        assert!(m.phi(Tensor::ones([4, 2], &device)).is_err());
        // A clone is the same maps (burn's lazy initialisation is forced).
        let copy = m.clone();
        let (a, b) = (m.psi(x.clone()).unwrap(), copy.psi(x.clone()).unwrap());
        assert_eq!(a.into_data(), b.into_data());
        let s = m.with_scalars([0.5, 2.0, 0.1]).unwrap().scalars().unwrap();
        assert!((s[0] - 0.5).abs() < 1e-6 && (s[1] - 2.0).abs() < 1e-6 && (s[2] - 0.1).abs() < 1e-6, "{s:?}");
        let plain = KernelMapsConfig { input: 2, phi: vec![], psi: vec![], gelu: false }.init::<Cpu>(&device).unwrap();
        assert!(plain.phi(Tensor::ones([1, 2], &device)).unwrap().is_none());
        assert!(plain.with_scalars([1.0, 1.0, 1.0]).is_err());
        assert!(KernelMapsConfig { input: 0, ..c.clone() }.check().is_err());
        assert!(KernelMapsConfig { phi: vec![4, 0], ..c.clone() }.check().is_err());
        // 3→8→5: 2(24 + 40); ψ 3→6→3: 2(18 + 18).
        assert_eq!(c.forward_flops(), 128.0 + 72.0);
    }
}
