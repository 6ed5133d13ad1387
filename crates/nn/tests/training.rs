//! Training tiny models: a WaveNet and a UNet each fit one batch, and two
//! WaveNet runs from the same seed end at the same weights. One test function, so that no other test
//! of this binary touches burn's seeded generator in between.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::backend::Backend;
use burn::tensor::{Device, Tensor, TensorData};
use infoflow_nn::CpuTrain;
use infoflow_nn::unet::UNetConfig;
use infoflow_nn::wavenet::{WaveNet, WaveNetConfig};
use infoflow_numerics::rng::Streams;
use rand::RngExt;

/// A fixed batch: the target is a smoothed copy of the input (a task a
/// WaveNet with a receptive field of 15 can learn exactly).
fn batch(device: &Device<CpuTrain>) -> (Tensor<CpuTrain, 3>, Tensor<CpuTrain, 3>) {
    let mut rng = Streams::for_point(1, "nn.training", "batch").stream(0);
    let (b, n) = (4, 128);
    let x: Vec<f32> = (0..b * 2 * n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let y: Vec<f32> = (0..b * 2)
        .flat_map(|row| {
            let x = &x;
            (0..n).map(move |k| {
                let at = |j: isize| if (0..n as isize).contains(&j) { x[row * n + j as usize] } else { 0.0 };
                0.25 * at(k as isize - 1) + 0.5 * at(k as isize) + 0.25 * at(k as isize + 1)
            })
        })
        .collect();
    (Tensor::from_data(TensorData::new(x, [b, 2, n]), device), Tensor::from_data(TensorData::new(y, [b, 2, n]), device))
}

fn train(seed: u64, steps: usize) -> (Vec<f32>, WaveNet<CpuTrain>) {
    let device = Default::default();
    CpuTrain::seed(&device, seed);
    let mut net = WaveNetConfig::new(3, 8).with_dilation_cycle(vec![1, 2, 4]).init::<CpuTrain>(&device).unwrap();
    let mut opt = AdamConfig::new().init();
    let (x, y) = batch(&device);
    let mut losses = Vec::new();
    for _ in 0..steps {
        let loss = (net.forward(x.clone()).unwrap() - y.clone()).powf_scalar(2.0).mean();
        losses.push(loss.clone().into_scalar());
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = opt.step(3e-3, net, grads);
    }
    (losses, net)
}

#[test]
fn tiny_models_fit_one_batch_and_training_is_deterministic() {
    let (losses, net) = train(7, 300);
    let (first, last) = (losses[0], *losses.last().unwrap());
    assert!(last < first / 10.0, "loss {first} → {last}");
    let (again, twin) = train(7, 300);
    assert_eq!(losses, again, "same seed, same loss curve");
    let device = Default::default();
    let (x, _) = batch(&device);
    let a: Vec<f32> = net.forward(x.clone()).unwrap().into_data().into_vec().unwrap();
    let b: Vec<f32> = twin.forward(x).unwrap().into_data().into_vec().unwrap();
    assert_eq!(a, b, "same seed, same weights");
    assert_eq!(net.num_params(), twin.num_params());

    // The UNet (no dropout, two levels) fits the same batch.
    CpuTrain::seed(&device, 11);
    let mut unet = UNetConfig::new(2, 8).with_dropout(0.0, 0.0).init::<CpuTrain>(&device).unwrap();
    let mut opt = AdamConfig::new().init();
    let (x, y) = batch(&device);
    let mut losses = Vec::new();
    for _ in 0..300 {
        let loss = (unet.forward(x.clone()).unwrap() - y.clone()).powf_scalar(2.0).mean();
        losses.push(loss.clone().into_scalar());
        let grads = GradientsParams::from_grads(loss.backward(), &unet);
        unet = opt.step(3e-3, unet, grads);
    }
    assert!(losses[299] < losses[0] / 10.0, "UNet loss {} → {}", losses[0], losses[299]);
}
