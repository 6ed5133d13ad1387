//! The trainer: same seed same weights, a killed run resumes to the same
//! weights, divergence keeps the last good checkpoint, corrupted or foreign
//! checkpoints are refused, early stopping, bad recipes and data. One test
//! function: the trainer reseeds burn's process-global generator.

use burn::tensor::{Tensor, TensorData};
use infoflow_nn::train::{DataSource, Example, ExampleSet, Schedule, TrainConfig, Trainer};
use infoflow_nn::wavenet::WaveNetConfig;
use infoflow_nn::{Architecture, Cpu, CpuTrain, Error, Net};
use infoflow_numerics::rng::ChaCha8Rng;
use rand::RngExt;
use std::sync::atomic::{AtomicBool, Ordering};

/// Input uniform on [−1, 1]; target its 3-tap smoothing (learnable exactly
/// by a WaveNet whose field covers 3 samples), or 10^30 when `poisoned`.
struct Smoothing {
    n: usize,
    poisoned: AtomicBool,
}

impl DataSource for Smoothing {
    fn shape(&self) -> [usize; 3] {
        [2, 2, self.n]
    }
    fn example(&self, rng: &mut ChaCha8Rng) -> infoflow_nn::Result<Example> {
        let n = self.n;
        let input: Vec<f32> = (0..2 * n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let target = (0..2)
            .flat_map(|c| {
                let x = &input[c * n..(c + 1) * n];
                (0..n).map(move |k| {
                    let at = |j: isize| if (0..n as isize).contains(&j) { x[j as usize] } else { 0.0 };
                    0.25 * at(k as isize - 1) + 0.5 * at(k as isize) + 0.25 * at(k as isize + 1)
                })
            })
            .map(|v| if self.poisoned.load(Ordering::Relaxed) { 1e30 } else { v })
            .collect();
        Ok(Example::new(input, target))
    }
}

fn outputs(net: Net<CpuTrain>) -> Vec<f32> {
    use burn::module::AutodiffModule;
    let device = Default::default();
    let values: Vec<f32> = (0..2 * 2 * 48).map(|k| ((k * 37 % 101) as f32 / 50.0) - 1.0).collect();
    let x = Tensor::<Cpu, 3>::from_data(TensorData::new(values, [2, 2, 48]), &device);
    net.valid().forward(x).unwrap().into_data().into_vec().unwrap()
}

#[test]
fn training_is_deterministic_resumable_and_guarded() {
    let device = Default::default();
    let dir = tempfile::tempdir().unwrap();
    let arch = Architecture::WaveNet(WaveNetConfig::new(3, 8).with_dilation_cycle(vec![1, 2, 4]));
    let data = Smoothing { n: 64, poisoned: AtomicBool::new(false) };
    let mut config = TrainConfig::new(80, 4, 1e-2, 5);
    config.schedule = Schedule::Cosine { warmup: 5, min_lr: 1e-4 };
    config.clip_norm = Some(10.0);
    (config.validate_every, config.checkpoint_every) = (10, 10);

    // Uninterrupted, with checkpoints.
    let a = Trainer::new(&arch, &config, &data).with_checkpoint(dir.path().join("a.ckpt")).fit::<CpuTrain>(&device);
    let a = a.unwrap();
    assert_eq!(a.log.steps, 80);
    assert_eq!(a.log.validations.len(), 8);
    let (first, last) = (a.log.validations[0].2, a.log.best_validation);
    // It learns (the fit-one-batch test in training.rs checks a 10x fall).
    assert!(last < first / 2.0, "validation loss {first} → {last}");

    // Same seed, no checkpoint: the same losses and weights.
    let c = Trainer::new(&arch, &config, &data).fit::<CpuTrain>(&device).unwrap();
    assert_eq!(a.log.losses, c.log.losses);
    let out_a = outputs(a.net);
    assert_eq!(out_a, outputs(c.net), "same seed, same weights");

    // Killed at step 45 (checkpoint at 40), resumed: the same end.
    let path = dir.path().join("b.ckpt");
    let killed =
        Trainer::new(&arch, &config, &data).with_checkpoint(&path).with_halt_after(45).fit::<CpuTrain>(&device);
    assert_eq!(killed.unwrap_err(), Error::Interrupted { step: 45 });
    let good = std::fs::read(&path).unwrap();

    // A corrupted copy and a checkpoint of another recipe are refused.
    let bad_path = dir.path().join("bad.ckpt");
    let mut bad = good.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 1;
    std::fs::write(&bad_path, &bad).unwrap();
    let refused = Trainer::new(&arch, &config, &data).with_checkpoint(&bad_path).fit::<CpuTrain>(&device);
    assert!(matches!(refused, Err(Error::ModelFile { .. })), "{refused:?}");
    std::fs::write(&bad_path, &good[..good.len() - 100]).unwrap();
    let refused = Trainer::new(&arch, &config, &data).with_checkpoint(&bad_path).fit::<CpuTrain>(&device);
    assert!(matches!(refused, Err(Error::ModelFile { .. })), "truncated: {refused:?}");
    let mut other = config.clone();
    other.lr = 1e-3;
    let refused = Trainer::new(&arch, &other, &data).with_checkpoint(&path).fit::<CpuTrain>(&device);
    assert!(matches!(refused, Err(Error::ModelFile { .. })), "another recipe: {refused:?}");

    // The resumed session diverges (poisoned targets): an error, and the
    // checkpoint on disk is still the good one.
    data.poisoned.store(true, Ordering::Relaxed);
    let diverged = Trainer::new(&arch, &config, &data).with_checkpoint(&path).fit::<CpuTrain>(&device);
    assert!(matches!(diverged, Err(Error::Diverged { step: 40, .. })), "{diverged:?}");
    assert_eq!(std::fs::read(&path).unwrap(), good, "the last good checkpoint is kept");
    data.poisoned.store(false, Ordering::Relaxed);
    let b = Trainer::new(&arch, &config, &data).with_checkpoint(&path).fit::<CpuTrain>(&device).unwrap();
    assert_eq!(b.log.losses, c.log.losses, "the resumed run's losses");
    assert_eq!(outputs(b.net), out_a, "killed and resumed: the same weights");

    // Early stopping: a rate too small to improve stops after `patience`
    // validations without improvement.
    let mut still = TrainConfig::new(100, 2, 1e-12, 3);
    (still.validate_every, still.checkpoint_every, still.patience) = (5, 5, Some(2));
    let s = Trainer::new(&arch, &still, &data).fit::<CpuTrain>(&device).unwrap();
    assert!(s.log.stopped_early);
    assert_eq!(s.log.steps, 15, "best at the first validation, then two without improvement");
    assert_eq!(s.log.best_step, 5);

    // Bad recipes and data.
    let mut nan_lr = config.clone();
    nan_lr.lr = f64::NAN;
    assert!(Trainer::new(&arch, &nan_lr, &data).fit::<CpuTrain>(&device).is_err());
    let mut uneven = config.clone();
    uneven.checkpoint_every = 15;
    assert!(Trainer::new(&arch, &uneven, &data).fit::<CpuTrain>(&device).is_err());
    assert!(matches!(ExampleSet::new([2, 2, 8], vec![], vec![]), Err(Error::Data(_))));
    let e = Example::new(vec![0.0; 16], vec![0.0; 16]);
    assert!(ExampleSet::new([2, 2, 9], vec![e.clone()], vec![e.clone()]).is_err());
    let nan = Example::new(vec![f32::NAN; 16], vec![0.0; 16]);
    let set = ExampleSet::new([2, 2, 8], vec![nan], vec![e]).unwrap();
    assert!(matches!(Trainer::new(&arch, &config, &set).fit::<CpuTrain>(&device), Err(Error::NonFinite { .. })));
}
