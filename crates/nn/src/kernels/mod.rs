//! nn's own CPU kernels, and how they enter burn.
//!
//! A training step of the shipped WaveNet on burn's CPU backend (`Flex`)
//! spent, by `perf` (`benches/nn.rs`, 2 cores): 40 % copying tensors
//! between layouts (its 1-D convolution goes through a general 3-D path,
//! and the convolution's backward pass through dimension swaps and
//! reshapes that copy element by element), 6 % in matrix products; with
//! that fixed, 40 % in `tanh` and `σ` of the gate. Two kernels replace
//! those paths for `f32` data:
//!
//! * [`conv1d`]: stride-1, one-group 1-D convolution by im2col and faer's
//!   product, with its own backward pass (`conv`);
//! * [`gate`]: WaveNet's `tanh(a) · σ(b)` fused, forward and backward
//!   (`gate`).
//!
//! They enter burn through [`NnBackend`], a backend trait whose default
//! methods are burn's own operations: `Flex` overrides them with the kernels,
//! `Autodiff<B>` records them as graph operations whose backward pass is the
//! inner backend's, and any other backend (CUDA with the `gpu` feature)
//! keeps burn's. Both kernels split their work in fixed units and reduce in
//! unit order, so results do not depend on the thread count.

mod conv;
mod gate;

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::flex::FlexTensor;
use burn::nn::PaddingConfig1d;
use burn::nn::conv::Conv1d;
use burn::tensor::activation::sigmoid;
use burn::tensor::backend::Backend;
use burn::tensor::ops::{ConvOptions, FloatTensor};
use burn::tensor::{DType, Tensor, TensorData, TensorPrimitive};

/// Which gradients a convolution's backward pass computes: input, weight,
/// bias.
pub type Needs = [bool; 3];

/// The gradients of a convolution's backward pass (input, weight, bias),
/// each present when asked for.
pub type Grads<B> = (Option<FloatTensor<B>>, Option<FloatTensor<B>>, Option<FloatTensor<B>>);

/// A burn backend with nn's kernels. The default methods are burn's own
/// operations; `Flex` overrides them with this module's kernels, the
/// autodiff backend differentiates through them.
pub trait NnBackend: Backend {
    /// `conv1d(x, weight, bias)`, as burn's `ModuleOps::conv1d`.
    fn nn_conv1d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvOptions<1>,
    ) -> FloatTensor<Self> {
        Self::conv1d(x, weight, bias, options)
    }

    /// The gradients of [`NnBackend::nn_conv1d`] with respect to the
    /// input, the weight and the bias, given the output's gradient; only
    /// those `needs` asks for (the bias's only when there is one).
    fn nn_conv1d_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        grad: FloatTensor<Self>,
        options: ConvOptions<1>,
        needs: Needs,
    ) -> Grads<Self> {
        default_conv_backward::<Self>(x, weight, bias, grad, options, needs)
    }

    /// `tanh(a) · σ(b)` of two `[b, c, n]` tensors of one shape.
    fn nn_gate(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        default_gate::<Self>(a, b)
    }

    /// The gradients of [`NnBackend::nn_gate`] with respect to `a` and `b`.
    fn nn_gate_backward(
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        default_gate_backward::<Self>(a, b, grad)
    }
}

fn float<B: Backend>(t: FloatTensor<B>) -> Tensor<B, 3> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

/// The gate by burn's operations.
fn default_gate<B: Backend>(a: FloatTensor<B>, b: FloatTensor<B>) -> FloatTensor<B> {
    (float::<B>(a).tanh() * sigmoid(float::<B>(b))).into_primitive().tensor()
}

/// The gate's gradients by burn's operations.
fn default_gate_backward<B: Backend>(
    a: FloatTensor<B>,
    b: FloatTensor<B>,
    grad: FloatTensor<B>,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let (t, s, g) = (float::<B>(a).tanh(), sigmoid(float::<B>(b)), float::<B>(grad));
    let da = g.clone() * s.clone() * (t.clone() * t.clone()).neg().add_scalar(1.0);
    let db = g * t * s.clone() * s.neg().add_scalar(1.0);
    (da.into_primitive().tensor(), db.into_primitive().tensor())
}

fn default_conv_backward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: Option<FloatTensor<B>>,
    grad: FloatTensor<B>,
    options: ConvOptions<1>,
    needs: Needs,
) -> Grads<B> {
    let dx = needs[0].then(|| B::conv1d_x_backward(x.clone(), weight.clone(), grad.clone(), options.clone()));
    let db = match bias {
        Some(bias) if needs[2] => Some(B::conv1d_bias_backward(x.clone(), bias, grad.clone())),
        _ => None,
    };
    let dw = needs[1].then(|| B::conv1d_weight_backward(x, weight, grad, options));
    (dx, dw, db)
}

impl NnBackend for Flex {
    fn nn_conv1d(x: FlexTensor, weight: FlexTensor, bias: Option<FlexTensor>, options: ConvOptions<1>) -> FlexTensor {
        conv::forward(x, weight, bias, options)
    }

    fn nn_conv1d_backward(
        x: FlexTensor,
        weight: FlexTensor,
        bias: Option<FlexTensor>,
        grad: FlexTensor,
        options: ConvOptions<1>,
        needs: Needs,
    ) -> Grads<Self> {
        conv::backward(x, weight, bias, grad, options, needs)
    }

    fn nn_gate(a: FlexTensor, b: FlexTensor) -> FlexTensor {
        if !same_f32(&[&a, &b]) {
            return default_gate::<Self>(a, b);
        }
        let (a, b) = (a.to_contiguous(), b.to_contiguous());
        let shape = a.layout().shape().clone();
        FlexTensor::from_data(TensorData::new(gate::forward(f32s(&a), f32s(&b)), shape))
    }

    fn nn_gate_backward(a: FlexTensor, b: FlexTensor, grad: FlexTensor) -> (FlexTensor, FlexTensor) {
        if !same_f32(&[&a, &b, &grad]) {
            return default_gate_backward::<Self>(a, b, grad);
        }
        let (a, b, grad) = (a.to_contiguous(), b.to_contiguous(), grad.to_contiguous());
        let shape = a.layout().shape().clone();
        let (da, db) = gate::backward(f32s(&a), f32s(&b), f32s(&grad));
        (FlexTensor::from_data(TensorData::new(da, shape.clone())), FlexTensor::from_data(TensorData::new(db, shape)))
    }
}

/// All `f32` and of one shape.
fn same_f32(ts: &[&FlexTensor]) -> bool {
    ts.iter().all(|t| t.dtype() == DType::F32 && t.layout().shape() == ts[0].layout().shape())
}

#[cfg(feature = "gpu")]
impl NnBackend for crate::Gpu {}

/// The convolution as an operation of the autodiff graph, with a bias
/// (`N = 3`: input, weight, bias) or without (`N = 2`).
#[derive(Debug)]
struct Conv1dOp;

/// Checkpointed input, weight, bias (if any) and the options.
type ConvState = (NodeId, NodeId, Option<NodeId>, ConvOptions<1>);

impl Conv1dOp {
    fn backward<B: NnBackend, const N: usize>(
        ops: Ops<ConvState, N>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let grad = grads.consume::<B>(&ops.node);
        let (x, w, b, options) = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x);
        let w = checkpointer.retrieve_node_output::<FloatTensor<B>>(w);
        let b = b.map(|b| checkpointer.retrieve_node_output::<FloatTensor<B>>(b));
        let parents: Vec<_> = ops.parents.into_iter().collect();
        let needs = [0, 1, 2].map(|i| parents.get(i).is_some_and(Option::is_some));
        let (dx, dw, db) = B::nn_conv1d_backward(x, w, b, grad, options, needs);
        for (node, g) in parents.into_iter().zip([dx, dw, db]) {
            if let (Some(node), Some(g)) = (node, g) {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

impl<B: NnBackend> Backward<B, 3> for Conv1dOp {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 3>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        Conv1dOp::backward::<B, 3>(ops, grads, checkpointer);
    }
}

impl<B: NnBackend> Backward<B, 2> for Conv1dOp {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 2>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        Conv1dOp::backward::<B, 2>(ops, grads, checkpointer);
    }
}

/// The gate as an operation of the autodiff graph.
#[derive(Debug)]
struct GateOp;

impl<B: NnBackend> Backward<B, 2> for GateOp {
    /// Checkpointed `a` and `b`.
    type State = (NodeId, NodeId);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let a = checkpointer.retrieve_node_output::<FloatTensor<B>>(ops.state.0);
        let b = checkpointer.retrieve_node_output::<FloatTensor<B>>(ops.state.1);
        let (da, db) = B::nn_gate_backward(a, b, grad);
        let [node_a, node_b] = ops.parents;
        for (node, g) in [(node_a, da), (node_b, db)] {
            if let Some(node) = node {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

impl<B: NnBackend, C: CheckpointStrategy> NnBackend for Autodiff<B, C> {
    fn nn_conv1d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: Option<FloatTensor<Self>>,
        options: ConvOptions<1>,
    ) -> FloatTensor<Self> {
        match bias {
            Some(bias) => {
                let nodes = [x.node.clone(), weight.node.clone(), bias.node.clone()];
                match Backward::<B, 3>::prepare::<C>(Conv1dOp, nodes).compute_bound().stateful() {
                    OpsKind::Tracked(mut prep) => {
                        let state = (
                            prep.checkpoint(&x),
                            prep.checkpoint(&weight),
                            Some(prep.checkpoint(&bias)),
                            options.clone(),
                        );
                        prep.finish(state, B::nn_conv1d(x.primitive, weight.primitive, Some(bias.primitive), options))
                    }
                    OpsKind::UnTracked(prep) => {
                        prep.finish(B::nn_conv1d(x.primitive, weight.primitive, Some(bias.primitive), options))
                    }
                }
            }
            None => {
                let nodes = [x.node.clone(), weight.node.clone()];
                match Backward::<B, 2>::prepare::<C>(Conv1dOp, nodes).compute_bound().stateful() {
                    OpsKind::Tracked(mut prep) => {
                        let state = (prep.checkpoint(&x), prep.checkpoint(&weight), None, options.clone());
                        prep.finish(state, B::nn_conv1d(x.primitive, weight.primitive, None, options))
                    }
                    OpsKind::UnTracked(prep) => prep.finish(B::nn_conv1d(x.primitive, weight.primitive, None, options)),
                }
            }
        }
    }

    fn nn_gate(a: FloatTensor<Self>, b: FloatTensor<Self>) -> FloatTensor<Self> {
        match GateOp.prepare::<C>([a.node.clone(), b.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&a), prep.checkpoint(&b));
                prep.finish(state, B::nn_gate(a.primitive, b.primitive))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::nn_gate(a.primitive, b.primitive)),
        }
    }
}

/// `conv.forward(x)` through [`NnBackend`]; burn's own forward for what
/// the kernel does not cover (a `Same` padding of an even kernel, say).
pub fn conv1d<B: NnBackend>(conv: &Conv1d<B>, x: Tensor<B, 3>) -> Tensor<B, 3> {
    let padding = match conv.padding {
        PaddingConfig1d::Explicit(l, r) if l == r => l,
        PaddingConfig1d::Valid => 0,
        PaddingConfig1d::Same if conv.kernel_size % 2 == 1 && conv.stride == 1 => {
            conv.dilation * (conv.kernel_size - 1) / 2
        }
        _ => return conv.forward(x),
    };
    let options = ConvOptions::new([conv.stride], [padding], [conv.dilation], conv.groups);
    let out = B::nn_conv1d(
        x.into_primitive().tensor(),
        conv.weight.val().into_primitive().tensor(),
        conv.bias.as_ref().map(|b| b.val().into_primitive().tensor()),
        options,
    );
    Tensor::from_primitive(TensorPrimitive::Float(out))
}

/// `tanh(a) · σ(b)` through [`NnBackend`] (WaveNet's gate).
pub fn gate<B: NnBackend>(a: Tensor<B, 3>, b: Tensor<B, 3>) -> Tensor<B, 3> {
    Tensor::from_primitive(TensorPrimitive::Float(B::nn_gate(a.into_primitive().tensor(), b.into_primitive().tensor())))
}

/// `[b, c, l]` `f32` data read through its strides.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [f32],
    offset: isize,
    strides: [isize; 3],
    shape: [usize; 3],
}

impl<'a> View<'a> {
    fn of(t: &'a FlexTensor) -> Self {
        let l = t.layout();
        let (s, st) = (l.shape(), l.strides());
        Self {
            data: t.storage::<f32>(),
            offset: l.start_offset() as isize,
            strides: [st[0], st[1], st[2]],
            shape: [s[0], s[1], s[2]],
        }
    }

    /// `out[j] = self[b, c, t + j]`.
    fn read_row(&self, b: usize, c: usize, t: usize, out: &mut [f32]) {
        let start = self.offset + b as isize * self.strides[0] + c as isize * self.strides[1];
        let step = self.strides[2];
        let first = start + t as isize * step;
        if step == 1 {
            out.copy_from_slice(&self.data[first as usize..][..out.len()]);
        } else {
            for (j, o) in out.iter_mut().enumerate() {
                *o = self.data[(first + j as isize * step) as usize];
            }
        }
    }
}

fn f32s(t: &FlexTensor) -> &[f32] {
    t.storage::<f32>()
}

fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}
