//! The WaveNet gate `tanh(a) · σ(b)` as one elementwise pass, forward and
//! backward.
//!
//! burn's CPU backend computes `tanh`, `σ` and the product as three passes
//! (and three more for their gradients), with libm's scalar `tanhf` and
//! `expm1f`, on one thread: 40 % of a training step of the shipped WaveNet
//! once the convolutions were fast. Here each element costs two `exp`:
//! `σ(b) = 1/(1 + e^(−b))` and `tanh(a) = 1 − 2/(e^(2a) + 1)` (exact at
//! the limits, `a → ±∞` gives `±1`; absolute error a few ulps of 1 near 0),
//! rows in parallel. The backward pass recomputes both from the saved inputs:
//! `∂a = ∂y · σ(b) · (1 − tanh²(a))`, `∂b = ∂y · tanh(a) · σ(b) · (1 − σ(b))`.

use rayon::prelude::*;

/// Elements per parallel chunk.
const CHUNK: usize = 4096;

fn tanh_sigmoid(a: f32, b: f32) -> (f32, f32) {
    (1.0 - 2.0 / ((2.0 * a).exp() + 1.0), 1.0 / (1.0 + (-b).exp()))
}

/// `tanh(a) · σ(b)`, elementwise.
pub(super) fn forward(a: &[f32], b: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0f32; a.len()];
    out.par_chunks_mut(CHUNK).zip(a.par_chunks(CHUNK)).zip(b.par_chunks(CHUNK)).for_each(|((o, a), b)| {
        for ((o, &a), &b) in o.iter_mut().zip(a).zip(b) {
            let (t, s) = tanh_sigmoid(a, b);
            *o = t * s;
        }
    });
    out
}

/// The gradients with respect to `a` and `b` given the output's `dy`.
pub(super) fn backward(a: &[f32], b: &[f32], dy: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut da = vec![0.0f32; a.len()];
    let mut db = vec![0.0f32; a.len()];
    da.par_chunks_mut(CHUNK)
        .zip(db.par_chunks_mut(CHUNK))
        .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)).zip(dy.par_chunks(CHUNK)))
        .for_each(|((da, db), ((a, b), dy))| {
            for ((da, db), ((&a, &b), &g)) in da.iter_mut().zip(db.iter_mut()).zip(a.iter().zip(b).zip(dy)) {
                let (t, s) = tanh_sigmoid(a, b);
                *da = g * s * (1.0 - t * t);
                *db = g * t * s * (1.0 - s);
            }
        });
    (da, db)
}

#[cfg(test)]
mod tests {
    use crate::kernels;
    use crate::{Cpu, CpuTrain};
    use burn::tensor::activation::sigmoid;
    use burn::tensor::{Distribution, Tensor};

    fn max_abs_diff<const D: usize>(a: Tensor<Cpu, D>, b: Tensor<Cpu, D>) -> f32 {
        (a - b).abs().max().into_scalar()
    }

    /// Forward and both gradients against burn's `tanh`, `sigmoid` and
    /// product, on values that reach the saturated ends; the limits and
    /// a NaN.
    #[test]
    fn agrees_with_burns_composition() {
        let device = Default::default();
        let a = Tensor::<Cpu, 3>::random([3, 5, 9000], Distribution::Normal(0.0, 4.0), &device);
        let b = Tensor::<Cpu, 3>::random([3, 5, 9000], Distribution::Normal(0.0, 4.0), &device);
        let dy = Tensor::<Cpu, 3>::random([3, 5, 9000], Distribution::Normal(0.0, 1.0), &device);
        let ours = kernels::gate(a.clone(), b.clone());
        let burns = a.clone().tanh() * sigmoid(b.clone());
        assert!(max_abs_diff(ours, burns) < 1e-6);

        let grads = |fused: bool| {
            let at = Tensor::<CpuTrain, 3>::from_inner(a.clone()).require_grad();
            let bt = Tensor::<CpuTrain, 3>::from_inner(b.clone()).require_grad();
            let y = if fused { kernels::gate(at.clone(), bt.clone()) } else { at.clone().tanh() * sigmoid(bt.clone()) };
            let g = (y * Tensor::from_inner(dy.clone())).sum().backward();
            (at.grad(&g).unwrap(), bt.grad(&g).unwrap())
        };
        let (fa, fb) = grads(true);
        let (ba, bb) = grads(false);
        let (ea, eb) = (max_abs_diff(fa, ba), max_abs_diff(fb, bb));
        assert!(ea < 1e-5 && eb < 1e-5, "{ea} {eb}");
        eprintln!("gate gradients: max |Δ| {ea:.2e} {eb:.2e}");

        let edge = Tensor::<Cpu, 3>::from_floats([[[f32::INFINITY, f32::NEG_INFINITY, 0.0, 100.0, f32::NAN]]], &device);
        let one = Tensor::<Cpu, 3>::from_floats([[[f32::INFINITY, f32::INFINITY, 1.0, -100.0, 0.0]]], &device);
        let y: Vec<f32> = kernels::gate(edge, one).into_data().into_vec().unwrap();
        assert_eq!(&y[..4], &[1.0, -1.0, 0.0, 0.0]);
        assert!(y[4].is_nan());
    }
}
