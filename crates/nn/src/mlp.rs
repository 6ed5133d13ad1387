//! A multilayer perceptron: `Linear → activation → … → Linear` over the
//! last axis of `[b, features]` inputs (the kernel networks of
//! `kernel-tests`, the embeddings of the diffusion priors).

use crate::error::{Error, Result};
use burn::module::Module;
use burn::nn::{Gelu, Linear, LinearConfig, Relu};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// The hidden layers' activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `max(0, x)`.
    Relu,
    /// `x Φ(x)`.
    Gelu,
}

/// Layer widths `[in, hidden…, out]` (at least two) and the activation.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpConfig {
    /// Widths, input first.
    pub widths: Vec<usize>,
    /// Activation between layers.
    pub activation: Activation,
}

impl MlpConfig {
    /// ReLU network with these widths.
    pub fn new(widths: Vec<usize>) -> Self {
        Self { widths, activation: Activation::Relu }
    }

    /// With another activation.
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Builds it; an error for fewer than two widths or a zero width.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<Mlp<B>> {
        if self.widths.len() < 2 || self.widths.contains(&0) {
            return Err(Error::invalid("widths", format!("{:?}", self.widths), "at least two, each at least 1"));
        }
        Ok(Mlp {
            layers: self.widths.windows(2).map(|w| LinearConfig::new(w[0], w[1]).init(device)).collect(),
            relu: Relu::new(),
            gelu: Gelu::new(),
            gelu_active: self.activation == Activation::Gelu,
            input: self.widths[0],
        })
    }
}

/// The network.
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    layers: Vec<Linear<B>>,
    relu: Relu,
    gelu: Gelu,
    gelu_active: bool,
    input: usize,
}

impl<B: Backend> Mlp<B> {
    /// `[b, in] → [b, out]`; an error for another input width or an empty
    /// batch.
    pub fn forward(&self, x: Tensor<B, 2>) -> Result<Tensor<B, 2>> {
        let [b, f] = x.dims();
        if f != self.input || b == 0 {
            return Err(Error::Shape {
                context: "Mlp::forward",
                expected: format!("[b ≥ 1, {}]", self.input),
                found: format!("[{b}, {f}]"),
            });
        }
        let last = self.layers.len() - 1;
        let mut h = x;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i < last {
                h = if self.gelu_active { self.gelu.forward(h) } else { self.relu.forward(h) };
            }
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cpu, CpuTrain};
    use burn::tensor::{Distribution, TensorData};

    #[test]
    fn gradient_matches_finite_differences() {
        // d(sum of outputs)/d(input) by autodiff against central differences
        // on the same network (f32: steps of 1e-2, agreement to 2e-2
        // relative, GELU so the function is smooth).
        let device = Default::default();
        let net = MlpConfig::new(vec![3, 5, 2]).with_activation(Activation::Gelu).init::<CpuTrain>(&device).unwrap();
        let point = [0.3f32, -0.7, 1.1];
        let x = Tensor::<CpuTrain, 2>::from_data(TensorData::new(point.to_vec(), [1, 3]), &device).require_grad();
        let grads = net.forward(x.clone()).unwrap().sum().backward();
        let auto: Vec<f32> = x.grad(&grads).unwrap().into_data().into_vec().unwrap();
        let f = |p: [f32; 3]| -> f32 {
            let t = Tensor::<CpuTrain, 2>::from_data(TensorData::new(p.to_vec(), [1, 3]), &device);
            net.forward(t).unwrap().sum().into_scalar()
        };
        for k in 0..3 {
            let (mut up, mut down) = (point, point);
            up[k] += 1e-2;
            down[k] -= 1e-2;
            let numeric = (f(up) - f(down)) / 2e-2;
            assert!((auto[k] - numeric).abs() <= 2e-2 * numeric.abs().max(0.1), "{k}: {} vs {numeric}", auto[k]);
        }
    }

    #[test]
    fn shapes_and_bad_input() {
        let device = Default::default();
        let net = MlpConfig::new(vec![4, 16, 16, 3]).init::<Cpu>(&device).unwrap();
        let y = net.forward(Tensor::random([7, 4], Distribution::Normal(0.0, 1.0), &device)).unwrap();
        assert_eq!(y.dims(), [7, 3]);
        assert!(net.forward(Tensor::zeros([7, 5], &device)).is_err());
        assert!(net.forward(Tensor::zeros([0, 4], &device)).is_err());
        assert!(MlpConfig::new(vec![4]).init::<Cpu>(&device).is_err());
        assert!(MlpConfig::new(vec![4, 0, 2]).init::<Cpu>(&device).is_err());
    }
}
