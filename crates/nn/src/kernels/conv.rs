//! 1-D convolution by im2col and faer's matrix product, forward and
//! backward, for burn's CPU backend.
//!
//! Every convolution of the WaveNet and the UNet has stride 1, one group
//! and "same" padding. burn's `Flex` backend computes them by a general 3-D
//! path, and its backward pass by generic compositions (dimension swaps and
//! reshapes that copy through a strided iterator): measured on the shipped
//! WaveNet, 40 % of a training step went to layout copies and 6 % to matrix
//! products (`perf` on `benches/nn.rs`). This module replaces them, for `f32`
//! tensors of that form, with one kernel:
//!
//! * forward, per batch element and tile of `TILE` output positions:
//!   `cols[(ci·K + k), j] = x[ci, t₀ + j + k·d − left]` (zero outside), then
//!   `out = W · cols` with `W` the weight as a `C_out × C_in·K` matrix;
//! * `∂x` is the same kernel on the output gradient with the weight
//!   transposed and flipped (`left' = (K − 1)·d − left`);
//! * `∂W = Σ_tiles ∂out · colsᵀ`, `∂b = Σ ∂out`, the tiles' parts summed in
//!   their fixed order.
//!
//! Input views are read through their strides (no copy for a narrowed
//! tensor). Work is split over (batch element, tile) with rayon, each unit
//! with a sequential product, and partial sums are reduced in unit order, so
//! results do not depend on the thread count.

use super::{Grads, Needs, View, default_conv_backward as default_backward, f32s, tensor};
use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::tensor::DType;
use burn::tensor::ops::{ConvOptions, ModuleOps};
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Output positions per work unit.
const TILE: usize = 1024;

/// [`NnBackend::nn_conv1d`] on `Flex`.
pub(super) fn forward(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: ConvOptions<1>,
) -> FlexTensor {
    let Some(geometry) = Geometry::of(&x, &weight, bias.as_ref(), &options) else {
        return Flex::conv1d(x, weight, bias, options);
    };
    let w = weight.to_contiguous();
    let b = bias.map(|b| b.to_contiguous());
    let [batch, _, _] = geometry.shape(&x);
    let out = convolve(View::of(&x), f32s(&w), b.as_ref().map(f32s), geometry);
    tensor(out, [batch, geometry.cout, geometry.out_len])
}

/// [`NnBackend::nn_conv1d_backward`] on `Flex`.
pub(super) fn backward(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    grad: FlexTensor,
    options: ConvOptions<1>,
    needs: Needs,
) -> Grads<Flex> {
    let Some(geometry) = Geometry::of(&x, &weight, bias.as_ref(), &options) else {
        return default_backward::<Flex>(x, weight, bias, grad, options, needs);
    };
    let [batch, cin, len] = geometry.shape(&x);
    let (cout, k) = (geometry.cout, geometry.kernel);
    let dy = View::of(&grad);
    let dx = needs[0].then(|| {
        // ∂x: the same convolution of ∂out, with W transposed (C_in ×
        // C_out) and flipped in time.
        let w = weight.to_contiguous();
        let w = f32s(&w);
        let mut flipped = vec![0.0f32; w.len()];
        for co in 0..cout {
            for ci in 0..cin {
                for j in 0..k {
                    flipped[(ci * cout + co) * k + (k - 1 - j)] = w[(co * cin + ci) * k + j];
                }
            }
        }
        let back = Geometry {
            cin: cout,
            cout: cin,
            kernel: k,
            dilation: geometry.dilation,
            left: (k as isize - 1) * geometry.dilation as isize - geometry.left,
            out_len: len,
        };
        tensor(convolve(dy, &flipped, None, back), [batch, cin, len])
    });
    let (dw, db) = if needs[1] || (needs[2] && bias.is_some()) {
        let (dw, db) = parameter_grads(View::of(&x), dy, geometry);
        (needs[1].then(|| tensor(dw, [cout, cin, k])), (needs[2] && bias.is_some()).then(|| tensor(db, [cout])))
    } else {
        (None, None)
    };
    (dx, dw, db)
}

/// The shape of one convolution the kernel computes.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Geometry {
    cin: usize,
    cout: usize,
    kernel: usize,
    dilation: usize,
    /// Zero padding on the left (negative: samples dropped).
    left: isize,
    out_len: usize,
}

impl Geometry {
    /// The geometry of an `f32`, stride-1, one-group convolution with a
    /// non-empty output; `None` for anything else.
    fn of(x: &FlexTensor, w: &FlexTensor, bias: Option<&FlexTensor>, options: &ConvOptions<1>) -> Option<Self> {
        let f32_only = [Some(x), Some(w), bias].iter().flatten().all(|t| t.dtype() == DType::F32);
        let (xs, ws) = (x.layout().shape(), w.layout().shape());
        if !f32_only || options.stride[0] != 1 || options.groups != 1 || xs.num_dims() != 3 || ws.num_dims() != 3 {
            return None;
        }
        let (cin, len) = (xs[1], xs[2]);
        let (cout, kernel, dilation, pad) = (ws[0], ws[2], options.dilation[0], options.padding[0]);
        let span = dilation * (kernel.checked_sub(1)?);
        let out_len = (len + 2 * pad).checked_sub(span)?;
        (ws[1] == cin && kernel > 0 && out_len > 0 && xs[0] > 0 && cin > 0 && cout > 0).then_some(Self {
            cin,
            cout,
            kernel,
            dilation,
            left: pad as isize,
            out_len,
        })
    }

    fn shape(&self, x: &FlexTensor) -> [usize; 3] {
        let s = x.layout().shape();
        [s[0], s[1], s[2]]
    }

    /// Work units: (batch element, first output position, width).
    fn units(&self, batch: usize) -> Vec<(usize, usize, usize)> {
        let out_len = self.out_len;
        (0..batch).flat_map(|b| (0..out_len).step_by(TILE).map(move |t| (b, t, TILE.min(out_len - t)))).collect()
    }

    /// The columns of a unit: `cols[(ci·K + k)·width + j] =
    /// x[b, ci, t₀ + j + k·d − left]`, zero outside the input.
    fn im2col(&self, x: View<'_>, b: usize, t0: usize, width: usize) -> Vec<f32> {
        let mut cols = vec![0.0f32; self.cin * self.kernel * width];
        let len = x.shape[2] as isize;
        for ci in 0..self.cin {
            for k in 0..self.kernel {
                let row = &mut cols[(ci * self.kernel + k) * width..][..width];
                let shift = t0 as isize + (k * self.dilation) as isize - self.left;
                // Positions j with 0 ≤ j + shift < len (the rest stays zero).
                let lo = (-shift).clamp(0, width as isize) as usize;
                let hi = (len - shift).clamp(0, width as isize) as usize;
                if hi > lo {
                    x.read_row(b, ci, (lo as isize + shift) as usize, &mut row[lo..hi]);
                }
            }
        }
        cols
    }
}

/// `out[b, co, t] = bias[co] + Σ_{ci,k} w[co, ci, k] · x[b, ci, t + k·d − left]`.
fn convolve(x: View<'_>, w: &[f32], bias: Option<&[f32]>, g: Geometry) -> Vec<f32> {
    let batch = x.shape[0];
    let depth = g.cin * g.kernel;
    let weight = MatRef::from_row_major_slice(w, g.cout, depth);
    let tiles: Vec<Vec<f32>> = g
        .units(batch)
        .into_par_iter()
        .map(|(b, t0, width)| {
            let cols = g.im2col(x, b, t0, width);
            let mut out = vec![0.0f32; g.cout * width];
            if let Some(bias) = bias {
                for (row, &v) in out.chunks_exact_mut(width).zip(bias) {
                    row.fill(v);
                }
            }
            faer::linalg::matmul::matmul(
                MatMut::from_row_major_slice_mut(&mut out, g.cout, width),
                if bias.is_some() { Accum::Add } else { Accum::Replace },
                weight,
                MatRef::from_row_major_slice(&cols, depth, width),
                1.0f32,
                Par::Seq,
            );
            out
        })
        .collect();
    let mut out = vec![0.0f32; batch * g.cout * g.out_len];
    for ((b, t0, width), tile) in g.units(batch).into_iter().zip(tiles) {
        for (co, row) in tile.chunks_exact(width).enumerate() {
            out[(b * g.cout + co) * g.out_len + t0..][..width].copy_from_slice(row);
        }
    }
    out
}

/// `∂W[co, ci·K + k] = Σ_{b,t} ∂out[b, co, t] · x[b, ci, t + k·d − left]`
/// and `∂b[co] = Σ_{b,t} ∂out[b, co, t]`, each unit's part summed in unit
/// order.
fn parameter_grads(x: View<'_>, dy: View<'_>, g: Geometry) -> (Vec<f32>, Vec<f32>) {
    let depth = g.cin * g.kernel;
    let parts: Vec<(Vec<f32>, Vec<f64>)> = g
        .units(x.shape[0])
        .into_par_iter()
        .map(|(b, t0, width)| {
            let cols = g.im2col(x, b, t0, width);
            let mut grad = vec![0.0f32; g.cout * width];
            for (co, row) in grad.chunks_exact_mut(width).enumerate() {
                dy.read_row(b, co, t0, row);
            }
            let mut dw = vec![0.0f32; g.cout * depth];
            faer::linalg::matmul::matmul(
                MatMut::from_row_major_slice_mut(&mut dw, g.cout, depth),
                Accum::Replace,
                MatRef::from_row_major_slice(&grad, g.cout, width),
                MatRef::from_row_major_slice(&cols, depth, width).transpose(),
                1.0f32,
                Par::Seq,
            );
            let db = grad.chunks_exact(width).map(|row| row.iter().map(|&v| f64::from(v)).sum()).collect();
            (dw, db)
        })
        .collect();
    let mut dw = vec![0.0f32; g.cout * depth];
    let mut db = vec![0.0f64; g.cout];
    for (pw, pb) in parts {
        dw.iter_mut().zip(&pw).for_each(|(a, b)| *a += b);
        db.iter_mut().zip(&pb).for_each(|(a, b)| *a += b);
    }
    (dw, db.into_iter().map(|v| v as f32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::NnBackend;
    use crate::{Cpu, CpuTrain};
    use burn::tensor::module::conv1d;
    use burn::tensor::{Distribution, Tensor, TensorData, TensorPrimitive};

    fn close(a: &Tensor<Cpu, 3>, b: &Tensor<Cpu, 3>) -> f32 {
        let d: Vec<f32> = (a.clone() - b.clone()).abs().into_data().into_vec().unwrap();
        let s: Vec<f32> = b.clone().abs().into_data().into_vec().unwrap();
        d.iter().copied().fold(0.0, f32::max) / s.iter().copied().fold(1e-6, f32::max)
    }

    /// The kernel against burn's convolution (forward and all three
    /// gradients), over kernels, dilations, paddings, lengths that are and
    /// are not multiples of the tile, and a narrowed (strided) input.
    #[test]
    fn agrees_with_burns_convolution() {
        let device = Default::default();
        for (cin, cout, k, d, p, len) in [
            (3, 5, 3, 1, 1, 17),
            (4, 6, 3, 4, 4, 40),
            (2, 3, 7, 1, 3, 5),
            (2, 4, 5, 2, 0, 30),
            (3, 2, 1, 1, 0, 2 * TILE + 7),
            (2, 3, 9, 3, 12, 1500),
            (1, 2, 3, 1, 5, 4),
        ] {
            let x = Tensor::<Cpu, 3>::random([3, 2 * cin, len], Distribution::Normal(0.0, 1.0), &device);
            let x = x.narrow(1, cin / 2, cin);
            let w = Tensor::<Cpu, 3>::random([cout, cin, k], Distribution::Normal(0.0, 1.0), &device);
            let b = Tensor::<Cpu, 1>::random([cout], Distribution::Normal(0.0, 1.0), &device);
            let options = ConvOptions::new([1], [p], [d], 1);
            let ours = Tensor::<Cpu, 3>::from_primitive(TensorPrimitive::Float(Cpu::nn_conv1d(
                x.clone().into_primitive().tensor(),
                w.clone().into_primitive().tensor(),
                Some(b.clone().into_primitive().tensor()),
                options.clone(),
            )));
            let burns = conv1d(x.clone(), w.clone(), Some(b.clone()), options.clone());
            assert_eq!(ours.dims(), burns.dims());
            let e = close(&ours, &burns);
            assert!(e < 1e-5, "forward {cin} {cout} {k} {d} {p} {len}: {e}");

            // Gradients through the autodiff backend against burn's.
            let grads_of = |fast: bool| {
                let xa = Tensor::<CpuTrain, 3>::from_inner(x.clone()).require_grad();
                let wa = Tensor::<CpuTrain, 3>::from_inner(w.clone()).require_grad();
                let ba = Tensor::<CpuTrain, 1>::from_inner(b.clone()).require_grad();
                let y = if fast {
                    Tensor::from_primitive(TensorPrimitive::Float(CpuTrain::nn_conv1d(
                        xa.clone().into_primitive().tensor(),
                        wa.clone().into_primitive().tensor(),
                        Some(ba.clone().into_primitive().tensor()),
                        options.clone(),
                    )))
                } else {
                    conv1d(xa.clone(), wa.clone(), Some(ba.clone()), options.clone())
                };
                let gs = (y * Tensor::from_inner(weights_for(&x, &w, p, d))).sum().backward();
                (xa.grad(&gs).unwrap(), wa.grad(&gs).unwrap(), ba.grad(&gs).unwrap())
            };
            let (fx, fw, fb) = grads_of(true);
            let (bx, bw, bb) = grads_of(false);
            assert!(close(&fx, &bx) < 1e-5, "dx {cin} {cout} {k} {d} {p} {len}");
            assert!(close(&fw, &bw) < 1e-5, "dw {cin} {cout} {k} {d} {p} {len}");
            assert!(close(&fb.reshape([1, 1, cout]), &bb.reshape([1, 1, cout])) < 1e-5, "db");
        }
    }

    /// Fixed output weights for the loss `Σ y · v` (a function of the
    /// shapes only, so the two passes see the same loss).
    fn weights_for(x: &Tensor<Cpu, 3>, w: &Tensor<Cpu, 3>, p: usize, d: usize) -> Tensor<Cpu, 3> {
        let [b, _, len] = x.dims();
        let [cout, _, k] = w.dims();
        let out = len + 2 * p - d * (k - 1);
        let n = b * cout * out;
        let values: Vec<f32> = (0..n).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect();
        Tensor::from_data(TensorData::new(values, [b, cout, out]), &Default::default())
    }

    /// Forward and backward give the same bits on one thread and on three.
    #[test]
    fn the_thread_count_does_not_change_the_bits() {
        let device = Default::default();
        let x = Tensor::<Cpu, 3>::random([5, 6, 2500], Distribution::Normal(0.0, 1.0), &device);
        let w = Tensor::<Cpu, 3>::random([4, 6, 3], Distribution::Normal(0.0, 1.0), &device);
        let b = Tensor::<Cpu, 1>::random([4], Distribution::Normal(0.0, 1.0), &device);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let xa = Tensor::<CpuTrain, 3>::from_inner(x.clone()).require_grad();
                let wa = Tensor::<CpuTrain, 3>::from_inner(w.clone()).require_grad();
                let ba = Tensor::<CpuTrain, 1>::from_inner(b.clone()).require_grad();
                let y = Tensor::<CpuTrain, 3>::from_primitive(TensorPrimitive::Float(CpuTrain::nn_conv1d(
                    xa.clone().into_primitive().tensor(),
                    wa.clone().into_primitive().tensor(),
                    Some(ba.clone().into_primitive().tensor()),
                    ConvOptions::new([1], [2], [2], 1),
                )));
                let g = (y.clone() * y.clone()).sum().backward();
                let bits = |t: Tensor<Cpu, 3>| -> Vec<u32> {
                    t.into_data().into_vec::<f32>().unwrap().iter().map(|v| v.to_bits()).collect()
                };
                (
                    bits(y.inner()),
                    bits(xa.grad(&g).unwrap()),
                    bits(wa.grad(&g).unwrap()),
                    bits(ba.grad(&g).unwrap().reshape([1, 1, 4])),
                )
            })
        };
        assert!(run(1) == run(3));
    }
}
