//! Minimising any scalar objective of any burn module with the trainer's
//! recipe: the learned kernels of `kernel-tests` (an objective over a pair
//! of samples, not an input → target loss) train here.
//!
//! [`minimize`] runs `config.steps` steps of AdamW on `loss(module, step,
//! rng)` at the recipe's learning-rate schedule and gradient clipping, with
//! `rng` the ChaCha8 stream of `(seed, "nn.objective", "step/s")` (so the
//! minibatches are functions of `(seed, step)`, whatever the thread
//! count); every `validate_every` steps it evaluates `validate` on the
//! inference copy and keeps the best module, stopping early after
//! `patience` validations without a relative improvement of `10⁻⁴`. The
//! initial module is the caller's (seed burn's generator first if it draws
//! its weights). A non-finite loss or validation value stops the run with
//! [`Error::Diverged`]. There are no checkpoints (`checkpoint_every` is
//! ignored): these objectives train in seconds to minutes.

use crate::error::Error;
use crate::train::{Schedule, TrainConfig, TrainLog};
use burn::module::AutodiffModule;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor};
use infoflow_numerics::rng::{ChaCha8Rng, Streams};
use std::time::Instant;

/// Minimises `loss` over the parameters of `module`; returns the inference
/// copy of the module with the lowest validation value, and the log (its
/// losses are the objective's values). The closures' error type is the
/// caller's (anything an [`Error`] converts into). See the module docs.
pub fn minimize<B, M, E>(
    module: M,
    config: &TrainConfig,
    mut loss: impl FnMut(&M, usize, &mut ChaCha8Rng) -> std::result::Result<Tensor<B, 1>, E>,
    mut validate: impl FnMut(&M::InnerModule) -> std::result::Result<f64, E>,
) -> std::result::Result<(M::InnerModule, TrainLog), E>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    E: From<Error>,
{
    config.check()?;
    let clock = Instant::now();
    let mut optimizer = AdamWConfig::new()
        .with_epsilon(1e-8)
        .with_weight_decay(config.weight_decay as f32)
        .with_grad_clipping(
            config.clip_norm.map(|v| burn::optim::grad_clipping::GradientClippingConfig::Norm(v as f32)),
        )
        .init::<B, M>();
    let mut module = module;
    let mut log = TrainLog { best_validation: f64::INFINITY, ..TrainLog::default() };
    let mut best = module.valid();
    let (mut lr_scale, mut plateau_bad, mut stop_bad) = (1.0, 0, 0);
    let mut since_validation = Vec::new();
    for step in 0..config.steps {
        let mut rng = Streams::for_point(config.seed, "nn.objective", &format!("step/{step}")).stream(0);
        let objective = loss(&module, step, &mut rng)?;
        let value = objective.clone().into_scalar().elem::<f64>();
        if !value.is_finite() {
            return Err(Error::Diverged { step, loss: value.to_string() }.into());
        }
        let lr = config.lr_at(step, lr_scale);
        let grads = GradientsParams::from_grads(objective.backward(), &module);
        module = optimizer.step(lr, module, grads);
        log.losses.push(value as f32);
        since_validation.push(value);
        log.steps = step + 1;
        let done = log.steps;
        if done.is_multiple_of(config.validate_every) || done == config.steps {
            let inference = module.valid();
            let v = validate(&inference)?;
            if !v.is_finite() {
                return Err(Error::Diverged { step, loss: format!("validation {v}") }.into());
            }
            let train_mean = since_validation.iter().sum::<f64>() / since_validation.len().max(1) as f64;
            since_validation.clear();
            log.validations.push((done, train_mean, v, lr));
            // A relative improvement for positive values, an absolute
            // margin's worth for negative ones (objectives such as −power).
            if v < log.best_validation - 1e-4 * log.best_validation.abs().max(1e-12) || log.best_step == 0 {
                (log.best_validation, log.best_step) = (v, done);
                best = inference;
                (plateau_bad, stop_bad) = (0, 0);
            } else {
                plateau_bad += 1;
                stop_bad += 1;
                if let Schedule::Plateau { factor, patience, .. } = config.schedule
                    && plateau_bad >= patience
                {
                    lr_scale *= factor;
                    plateau_bad = 0;
                }
                if config.patience.is_some_and(|p| stop_bad >= p) {
                    log.stopped_early = true;
                    break;
                }
            }
        }
    }
    log.wall_s = clock.elapsed().as_secs_f64();
    Ok((best, log))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuTrain;
    use crate::mlp::MlpConfig;
    use burn::tensor::{Distribution, TensorData};
    use rand::RngExt;

    #[test]
    fn fits_a_line_and_keeps_the_best_validation() {
        // y = 2x − 1 from minibatches drawn per step: the objective (MSE of
        // a one-layer MLP) goes to ~0 and the kept module is the best one.
        let device = Default::default();
        let net = MlpConfig::new(vec![1, 1]).init::<CpuTrain>(&device).unwrap();
        let mut config = TrainConfig::new(400, 32, 0.05, 3);
        (config.validate_every, config.checkpoint_every) = (50, 50);
        let batch = |rng: &mut ChaCha8Rng, n: usize| -> (Vec<f32>, Vec<f32>) {
            let x: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let y = x.iter().map(|v| 2.0 * v - 1.0).collect();
            (x, y)
        };
        let (fitted, log) = minimize::<_, _, Error>(
            net,
            &config,
            |m, _, rng| {
                let (x, y) = batch(rng, 32);
                let x = Tensor::<CpuTrain, 2>::from_data(TensorData::new(x, [32, 1]), &device);
                let y = Tensor::<CpuTrain, 2>::from_data(TensorData::new(y, [32, 1]), &device);
                Ok((m.forward(x)? - y).powi_scalar(2).mean())
            },
            |m| {
                let x = Tensor::<crate::Cpu, 2>::from_data(TensorData::new(vec![0.0f32, 0.5], [2, 1]), &device);
                let out: Vec<f32> = m.forward(x)?.into_data().into_vec().unwrap();
                Ok(((out[0] + 1.0).powi(2) + (out[1] - 0.0).powi(2)) as f64)
            },
        )
        .unwrap();
        assert_eq!(log.steps, 400);
        assert!(log.best_validation < 1e-4, "{log:?}");
        let best = log.validations.iter().map(|v| v.2).fold(f64::INFINITY, f64::min);
        assert_eq!(best, log.best_validation);
        let probe = Tensor::<crate::Cpu, 2>::random([1, 1], Distribution::Uniform(-1.0, 1.0), &device);
        let v: f32 = probe.clone().into_scalar();
        let out: f32 = fitted.forward(probe).unwrap().into_scalar();
        assert!((out - (2.0 * v - 1.0)).abs() < 0.02, "{out} at {v}");
        // A loss that turns non-finite is an error, not a NaN module.
        let net = MlpConfig::new(vec![1, 1]).init::<CpuTrain>(&device).unwrap();
        let diverged: Result<_, Error> =
            minimize(net, &config, |_, _, _| Ok(Tensor::<CpuTrain, 1>::from_floats([f32::NAN], &device)), |_| Ok(0.0));
        assert!(matches!(diverged, Err(Error::Diverged { step: 0, .. })));
    }
}
