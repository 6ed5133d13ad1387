//! Learned kernels (feature `learned`): the deep kernel of Liu et al.
//! (2020), the learned-bandwidth Gaussian and the MMD-M of arXiv
//! 2308.09043, trained to maximise the test-power proxy and plugged into
//! every test of the crate as a [`Kernel`].
//!
//! # The kernels
//!
//! `k(x, y) = [(1 − ε) exp(−‖φx − φy‖²/σ₀²) + ε] · exp(−‖ψx − ψy‖²/σ²)`
//! with the maps of [`KernelMapsConfig`] (infoflow-nn):
//!
//! | [`Form`] | `φ` | `ψ` | the paper's name |
//! |---|---|---|---|
//! | [`Form::Bandwidth`] | none | identity | MMD-O (only `σ` trains; `k = exp(−‖x − y‖²/σ²)`) |
//! | [`Form::Deep`] | MLP | identity | Liu et al.'s deep kernel (MMD-D) |
//! | [`Form::Mixture`] | MLP | `x + MLP(x)` | MMD-M |
//!
//! # Training
//!
//! [`LearnedKernel::train`] splits the training samples into a training
//! and a validation part (the last fifth of each, at least 8 points), and
//! runs infoflow-nn's [`minimize`] on minibatches of `batch` points of each
//! sample, drawn per step from `(seed, step)`, with the loss
//! `−MMD²_u / √(σ̂²_H1 + 10⁻⁸)` (Liu et al.'s power proxy, in `f32` on
//! burn's autodiff backend; `k(x, x) = 1` for every form, so the diagonals
//! are removed exactly). Every `validate_every` steps the proxy on the
//! validation part is computed in `f64` by [`crate::mmd::unbiased`] with
//! the kernel as it stands, and the kernel of the best one is kept. The
//! widths start at the median heuristic of the initial features (as the
//! MMD-M code does), `ε` at `0.5` (MMD-M) or `10⁻³` (the deep kernel).
//!
//! A kernel trained on a split is independent of a disjoint test split, so
//! the permutation test on that split keeps its level exactly; training
//! and testing on the same points does not (the crate cannot check which
//! points a caller passes: keep them disjoint).
//!
//! # Evaluation
//!
//! [`Kernel::embed`] maps every row once, in `f32` through the network,
//! and returns `[φ(x) | ψ(x)]` in `f64`; the Gram blocks are then the
//! crate's `f64` GEMM blocks on the features. The cost of the maps is
//! `O(n)` per sample, not per pair.

use crate::error::{Error, Result};
use crate::kernel::{Embedded, Gaussian, Kernel, check_pair, median_bandwidth, mixture_block};
use crate::mmd::{self, check_finite};
use faer::{Mat, MatRef, Par};
use infoflow_nn::burn::module::AutodiffModule;
use infoflow_nn::burn::tensor::activation::sigmoid;
use infoflow_nn::burn::tensor::backend::Backend;
use infoflow_nn::burn::tensor::{Tensor, TensorData};
use infoflow_nn::kernel_maps::{KernelMaps, KernelMapsConfig};
use infoflow_nn::model_file::{self, ModelCard};
use infoflow_nn::objective::minimize;
use infoflow_nn::train::{TrainConfig, TrainLog};
use infoflow_nn::{Architecture, Cpu, CpuTrain, Net};
use rand::seq::index::sample;
use std::path::Path;

/// Which learned kernel (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// The Gaussian with a trained width (MMD-O).
    Bandwidth,
    /// Liu et al.'s deep kernel: an MLP `φ`, `q` on the raw input.
    Deep,
    /// MMD-M: an MLP `φ`, `q` on a residual MLP `ψ`.
    Mixture,
}

impl Form {
    /// The maps of this form for inputs of dimension `d`: `φ` with
    /// `hidden` layers of `width` and `features` outputs, `ψ` (MMD-M) with
    /// `hidden` layers of `width`; GELU activations (Liu et al. use
    /// softplus, a smooth ReLU like GELU).
    pub fn maps(self, d: usize, hidden: usize, width: usize, features: usize) -> KernelMapsConfig {
        let phi = match self {
            Form::Bandwidth => vec![],
            _ => std::iter::repeat_n(width, hidden).chain([features]).collect(),
        };
        let psi = if self == Form::Mixture { vec![width; hidden] } else { vec![] };
        KernelMapsConfig { input: d, phi, psi, gelu: true }
    }

    /// The form of these maps.
    pub fn of(config: &KernelMapsConfig) -> Self {
        match (config.phi.is_empty(), config.psi.is_empty()) {
            (true, _) => Form::Bandwidth,
            (false, true) => Form::Deep,
            (false, false) => Form::Mixture,
        }
    }

    /// `"MMD-O"`, `"deep"` or `"MMD-M"`.
    pub fn name(self) -> &'static str {
        match self {
            Form::Bandwidth => "MMD-O",
            Form::Deep => "deep",
            Form::Mixture => "MMD-M",
        }
    }
}

/// A trained kernel: its maps on burn's CPU backend and its scalars.
#[derive(Debug)]
pub struct LearnedKernel {
    maps: KernelMaps<Cpu>,
    config: KernelMapsConfig,
    scalars: [f64; 3],
    card: Option<ModelCard>,
}

/// The smallest sample a kernel trains on: 8 validation points and 8
/// training points per sample.
pub const MIN_TRAINING_POINTS: usize = 16;

impl LearnedKernel {
    /// The kernel of trained (or initial) maps.
    pub fn new(maps: KernelMaps<Cpu>, config: KernelMapsConfig) -> Result<Self> {
        config.check()?;
        if maps.input() != config.input {
            return Err(Error::invalid("kernel maps", maps.input(), "maps of the configuration's input dimension"));
        }
        let scalars = maps.scalars()?;
        check_scalars(scalars)?;
        Ok(Self { maps, config, scalars, card: None })
    }

    /// `(σ₀, σ, ε)`.
    pub fn scalars(&self) -> [f64; 3] {
        self.scalars
    }

    /// The maps' configuration.
    pub fn config(&self) -> &KernelMapsConfig {
        &self.config
    }

    /// The model card (a trained or loaded kernel).
    pub fn card(&self) -> Option<&ModelCard> {
        self.card.as_ref()
    }

    /// The form.
    pub fn form(&self) -> Form {
        Form::of(&self.config)
    }

    /// Trains a kernel with maps `config` on the samples `x`, `y` (each at
    /// least [`MIN_TRAINING_POINTS`] rows; the last fifth of each
    /// validates) with minibatches of `recipe.batch` points of each sample;
    /// `name` goes into the model card. See the module docs.
    pub fn train(
        name: &str,
        config: &KernelMapsConfig,
        x: MatRef<'_, f64>,
        y: MatRef<'_, f64>,
        recipe: &TrainConfig,
    ) -> Result<(Self, TrainLog)> {
        config.check()?;
        check_pair(x, y)?;
        check_finite("training sample x", x)?;
        check_finite("training sample y", y)?;
        if x.ncols() != config.input {
            return Err(Error::Shape {
                context: "training samples",
                expected: format!("dimension {} (the maps' input)", config.input),
                found: format!("{}", x.ncols()),
            });
        }
        if x.nrows() < MIN_TRAINING_POINTS || y.nrows() < MIN_TRAINING_POINTS {
            return Err(Error::Shape {
                context: "training samples",
                expected: format!(
                    "at least {MIN_TRAINING_POINTS} points each (8 to train, 8 to validate: the variance σ̂²_H1 needs several)"
                ),
                found: format!("{} and {}", x.nrows(), y.nrows()),
            });
        }
        if recipe.batch < 4 {
            return Err(Error::invalid("batch", recipe.batch, "at least 4 points per sample to estimate σ̂²_H1"));
        }
        let ((xt, xv), (yt, yv)) = (validation_split(x), validation_split(y));
        let device = Default::default();
        let maps = {
            // burn's generator is global to the process: seed and draw the
            // initial weights under a lock, so kernels trained at once on
            // other threads do not disturb each other's weights.
            let _guard = INIT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            CpuTrain::seed(&device, derived(recipe.seed));
            config.init::<CpuTrain>(&device)?
        };
        // The widths start at the median heuristic of the initial features.
        let start = LearnedKernel::new(maps.valid(), config.clone())?;
        let (ex, ey) = (start.embed(xt)?, start.embed(yt)?);
        let features = config.features();
        let (ex, ey) = (ex.as_ref(), ey.as_ref());
        let width = |lo: usize, hi: usize| median_bandwidth(ex.subcols(lo, hi - lo), ey.subcols(lo, hi - lo));
        let sigma0 = if features > 0 { width(0, features)? } else { 1.0 };
        let sigma = width(features, ex.ncols())?;
        let eps = match Form::of(config) {
            Form::Deep => 1e-3,
            _ => 0.5,
        };
        let maps = maps.with_scalars([sigma0, sigma, eps])?;
        let batch = recipe.batch;
        let to_tensor = |m: MatRef<'_, f64>, rows: &[usize]| -> Tensor<CpuTrain, 2> {
            let data: Vec<f32> = rows.iter().flat_map(|&i| (0..m.ncols()).map(move |j| m[(i, j)] as f32)).collect();
            Tensor::from_data(TensorData::new(data, [rows.len(), m.ncols()]), &device)
        };
        let (trained, log) = minimize::<_, _, Error>(
            maps,
            recipe,
            |m: &KernelMaps<CpuTrain>, _, rng| {
                let bx: Vec<usize> = sample(rng, xt.nrows(), batch.min(xt.nrows())).into_vec();
                let by: Vec<usize> = sample(rng, yt.nrows(), batch.min(yt.nrows())).into_vec();
                let n = bx.len().min(by.len());
                Ok(-power_proxy(m, to_tensor(xt, &bx[..n]), to_tensor(yt, &by[..n]))?)
            },
            |m: &KernelMaps<Cpu>| {
                let k = LearnedKernel::new(m.clone(), config.clone())?;
                Ok(-mmd::unbiased(&k, xv, yv, Par::Seq)?.power_proxy())
            },
        )?;
        let mut kernel = LearnedKernel::new(trained, config.clone())?;
        let net = Net::KernelMaps(kernel.maps.clone());
        let data = serde_json::json!({
            "training points": [xt.nrows(), yt.nrows()],
            "validation points": [xv.nrows(), yv.nrows()],
            "dimension": x.ncols(),
            "form": kernel.form().name(),
        });
        let architecture = Architecture::KernelMaps(config.clone());
        kernel.card = Some(ModelCard::new(name, &architecture, &net, recipe, data, &log, "", ""));
        Ok((kernel, log))
    }

    /// Writes the kernel (weights and card, atomically) into `dir`, with
    /// the code version and the command that reproduces it; an error for a
    /// kernel that was not trained (no card).
    pub fn save(&mut self, dir: &Path, code_version: &str, command: &str) -> Result<()> {
        let card = self.card.as_mut().ok_or(Error::invalid(
            "kernel",
            "untrained",
            "a trained or loaded kernel (with a card) to save",
        ))?;
        model_file::save_stamped(dir, &Net::KernelMaps(self.maps.clone()), card, code_version, command)?;
        Ok(())
    }

    /// Loads the kernel in `dir` for inputs of dimension `d`; an error for
    /// a model of another kind or input dimension, or a damaged file.
    pub fn load(dir: &Path, d: usize) -> Result<Self> {
        let (net, card) = model_file::load::<Cpu>(dir, &Default::default())?;
        let (Net::KernelMaps(maps), Architecture::KernelMaps(config)) = (net, card.architecture.clone()) else {
            return Err(Error::File {
                path: dir.display().to_string(),
                reason: format!("a {} model, not a learned kernel's maps", card.architecture.kind()),
            });
        };
        if config.input != d {
            return Err(Error::File {
                path: dir.display().to_string(),
                reason: format!("a kernel for inputs of dimension {}, not {d}", config.input),
            });
        }
        let mut kernel = LearnedKernel::new(maps, config)?;
        kernel.card = Some(card);
        Ok(kernel)
    }
}

/// A training sample's training and validation parts: the last fifth
/// (at least 8 points) validates.
fn validation_split<'a>(m: MatRef<'a, f64>) -> (MatRef<'a, f64>, MatRef<'a, f64>) {
    let validation = (m.nrows() / 5).max(8);
    (m.subrows(0, m.nrows() - validation), m.subrows(m.nrows() - validation, validation))
}

fn check_scalars([sigma0, sigma, eps]: [f64; 3]) -> Result<()> {
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if positive(sigma0) && positive(sigma) && (0.0..=1.0).contains(&eps) {
        Ok(())
    } else {
        Err(Error::invalid(
            "σ₀, σ, ε",
            format!("{sigma0}, {sigma}, {eps}"),
            "positive finite widths and ε in [0, 1] (a diverged kernel?)",
        ))
    }
}

/// Held while burn's global generator is seeded and the weights drawn.
static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The seed of burn's generator for the initial weights.
fn derived(seed: u64) -> u64 {
    use rand::Rng;
    infoflow_numerics::rng::Streams::for_point(seed, "kernel-tests.learned", "init").stream(0).next_u64()
}

impl Kernel for LearnedKernel {
    fn name(&self) -> String {
        let [s0, s, e] = self.scalars;
        match self.form() {
            Form::Bandwidth => format!("MMD-O(σ = {s:.3})"),
            form => format!("{}(σ₀ = {s0:.3}, σ = {s:.3}, ε = {e:.3})", form.name()),
        }
    }

    fn embed<'a>(&self, x: MatRef<'a, f64>) -> Result<Embedded<'a>> {
        if x.ncols() != self.config.input {
            return Err(Error::Shape {
                context: "learned kernel input",
                expected: format!("dimension {}", self.config.input),
                found: format!("{}", x.ncols()),
            });
        }
        check_finite("learned kernel input", x)?;
        if self.form() == Form::Bandwidth {
            return Ok(Embedded::Rows(x));
        }
        let (features, d) = (self.config.features(), self.config.input);
        let mut out = Mat::<f64>::zeros(x.nrows(), features + d);
        let device = Default::default();
        // Chunks bound the network's activations' memory.
        for r0 in (0..x.nrows()).step_by(EMBED_CHUNK) {
            let len = EMBED_CHUNK.min(x.nrows() - r0);
            let rows = x.subrows(r0, len);
            let data: Vec<f32> = (0..len).flat_map(|i| (0..d).map(move |j| rows[(i, j)] as f32)).collect();
            let t = Tensor::<Cpu, 2>::from_data(TensorData::new(data, [len, d]), &device);
            let phi = self.maps.phi(t.clone())?.ok_or(Error::invalid("maps", "no φ", "a φ for this form"))?;
            for (tensor, offset, width) in [(phi, 0, features), (self.maps.psi(t)?, features, d)] {
                let v: Vec<f32> = tensor
                    .into_data()
                    .into_vec()
                    .map_err(|e| Error::invalid("features", format!("{e:?}"), "f32 values"))?;
                for i in 0..len {
                    for j in 0..width {
                        out[(r0 + i, offset + j)] = v[i * width + j] as f64;
                    }
                }
            }
        }
        check_finite("learned kernel features (the network overflowed)", out.as_ref())?;
        Ok(Embedded::Features(out))
    }

    fn block_into(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>, par: Par, out: &mut Mat<f64>) -> Result<()> {
        let [sigma0, sigma, eps] = self.scalars;
        let features = self.config.features();
        if features == 0 {
            // exp(−‖x − y‖²/σ²) is the Gaussian of width σ/√2.
            return Gaussian::new(sigma / std::f64::consts::SQRT_2)?.block_into(a, b, par, out);
        }
        check_pair(a, b)?;
        if a.ncols() != features + self.config.input {
            return Err(Error::Shape {
                context: "learned kernel block",
                expected: format!("embedded rows of width {}", features + self.config.input),
                found: format!("{}", a.ncols()),
            });
        }
        let rest = a.ncols() - features;
        *out = mixture_block(
            [a.subcols(0, features), b.subcols(0, features)],
            [a.subcols(features, rest), b.subcols(features, rest)],
            [sigma0, sigma, eps],
            par,
        )?;
        Ok(())
    }
}

/// Rows per network call in [`Kernel::embed`].
const EMBED_CHUNK: usize = 4096;

/// Squared distances `‖a_i − b_j‖²` (clamped at 0) of two batches.
fn sq_distances<B: Backend>(a: Tensor<B, 2>, b: Tensor<B, 2>) -> Tensor<B, 2> {
    let an = a.clone().powi_scalar(2).sum_dim(1);
    let bn = b.clone().powi_scalar(2).sum_dim(1).transpose();
    (an + bn - a.matmul(b.transpose()).mul_scalar(2.0)).clamp_min(0.0)
}

/// Liu et al.'s power proxy `MMD²_u / √(σ̂²_H1 + 10⁻⁸)` of one minibatch
/// (`x`, `y`: `[n, d]`, the same `n`), differentiable in the maps.
pub(crate) fn power_proxy<B: Backend>(maps: &KernelMaps<B>, x: Tensor<B, 2>, y: Tensor<B, 2>) -> Result<Tensor<B, 1>> {
    let n = x.dims()[0] as f64;
    let raw = maps.raw();
    let r = |i: usize| raw.clone().narrow(0, i, 1).reshape([1, 1]);
    let (s0, s, eps) = (r(0).powi_scalar(4), r(1).powi_scalar(4), sigmoid(r(2)));
    let features =
        |t: Tensor<B, 2>| -> Result<(Option<Tensor<B, 2>>, Tensor<B, 2>)> { Ok((maps.phi(t.clone())?, maps.psi(t)?)) };
    let (fx, fy) = (features(x)?, features(y)?);
    let k = |a: &(Option<Tensor<B, 2>>, Tensor<B, 2>), b: &(Option<Tensor<B, 2>>, Tensor<B, 2>)| {
        let q = (sq_distances(a.1.clone(), b.1.clone()).neg() / s.clone()).exp();
        match (&a.0, &b.0) {
            (Some(pa), Some(pb)) => {
                let e0 = (sq_distances(pa.clone(), pb.clone()).neg() / s0.clone()).exp();
                (e0 * (eps.clone().neg() + 1.0) + eps.clone()) * q
            }
            _ => q,
        }
    };
    let (kxx, kyy, kxy) = (k(&fx, &fx), k(&fy, &fy), k(&fx, &fy));
    // k(x, x) = 1 for every form: the diagonals sum to n.
    let mmd2 = (kxx.clone().sum() - n) / (n * (n - 1.0)) + (kyy.clone().sum() - n) / (n * (n - 1.0))
        - kxy.clone().sum() * (2.0 / (n * n));
    let h = kxx + kyy - kxy.clone() - kxy.transpose();
    let rows = h.clone().sum_dim(1) / n;
    let v1 = rows.powi_scalar(2).sum() / n;
    let v2 = h.sum() / (n * n);
    let variance = (v1 - v2.powi_scalar(2)) * 4.0;
    Ok(mmd2 / (variance + 1e-8).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::blob;
    use crate::two_sample::permutation_test;
    use infoflow_numerics::linalg::gaussian_matrix;
    use infoflow_numerics::rng::Streams;
    use infoflow_numerics::stats::wilson_interval;

    fn recipe(steps: usize, batch: usize) -> TrainConfig {
        let mut r = TrainConfig::new(steps, batch, 5e-3, 11);
        (r.validate_every, r.checkpoint_every) = (steps / 4, steps / 4);
        r
    }

    #[test]
    fn the_training_objective_is_the_crates_power_proxy() {
        // The burn (f32, differentiable) proxy against the f64 estimator
        // of crate::mmd on the same points and kernel, for every form.
        let mut rng = Streams::for_point(1, "kernel-tests.learned", "proxy").stream(0);
        let x = gaussian_matrix(24, 3, &mut rng);
        let mut y = gaussian_matrix(24, 3, &mut rng);
        (0..24).for_each(|i| y[(i, 1)] += 2.0);
        let device = Default::default();
        for form in [Form::Bandwidth, Form::Deep, Form::Mixture] {
            let config = form.maps(3, 2, 16, 8);
            Cpu::seed(&device, 5);
            let maps = config.init::<Cpu>(&device).unwrap().with_scalars([1.3, 2.1, 0.3]).unwrap();
            let kernel = LearnedKernel::new(maps.clone(), config).unwrap();
            let est = mmd::unbiased(&kernel, x.as_ref(), y.as_ref(), Par::Seq).unwrap();
            // The crate's variance is σ̂²_H1/n.
            let expected = est.mmd2 / (24.0 * est.variance + 1e-8).sqrt();
            let t = |m: &Mat<f64>| {
                let v: Vec<f32> = (0..24).flat_map(|i| (0..3).map(move |j| m[(i, j)] as f32)).collect();
                Tensor::<Cpu, 2>::from_data(TensorData::new(v, [24, 3]), &device)
            };
            let got: f32 = power_proxy(&maps, t(&x), t(&y)).unwrap().into_scalar();
            // f32 against f64: 1e-4 relative (a formula error is of order 1).
            assert!((got as f64 - expected).abs() < 1e-4 * expected.abs(), "{form:?}: {got} vs {expected}");
            assert!(expected > 0.5, "{form:?}: a shifted sample gives a clear proxy, {expected}");
        }
    }

    #[test]
    fn the_kernel_is_its_formula_on_its_features() {
        let mut rng = Streams::for_point(1, "kernel-tests.learned", "formula").stream(0);
        let (x, y) = (gaussian_matrix(5, 2, &mut rng), gaussian_matrix(4, 2, &mut rng));
        let device = Default::default();
        Cpu::seed(&device, 9);
        let config = Form::Mixture.maps(2, 1, 8, 3);
        let maps = config.init::<Cpu>(&device).unwrap().with_scalars([0.8, 1.7, 0.2]).unwrap();
        let kernel = LearnedKernel::new(maps, config).unwrap();
        let g = kernel.gram(x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        let (ex, ey) = (kernel.embed(x.as_ref()).unwrap(), kernel.embed(y.as_ref()).unwrap());
        let (ex, ey) = (ex.as_ref(), ey.as_ref());
        assert_eq!(ex.ncols(), 3 + 2);
        let d2 =
            |lo: usize, hi: usize, i: usize, j: usize| (lo..hi).map(|c| (ex[(i, c)] - ey[(j, c)]).powi(2)).sum::<f64>();
        for i in 0..5 {
            for j in 0..4 {
                let want = (0.8 * (-d2(0, 3, i, j) / 0.64).exp() + 0.2) * (-d2(3, 5, i, j) / (1.7 * 1.7)).exp();
                assert!((g[(i, j)] - want).abs() < 1e-6, "{i} {j}: {} vs {want}", g[(i, j)]);
            }
        }
        // The plain form is the Gaussian of width σ/√2 on the rows.
        let config = Form::Bandwidth.maps(2, 0, 0, 0);
        let maps = config.init::<Cpu>(&device).unwrap().with_scalars([1.0, 1.5, 0.5]).unwrap();
        let plain = LearnedKernel::new(maps, config).unwrap();
        let want =
            Gaussian::new(1.5 / std::f64::consts::SQRT_2).unwrap().gram(x.as_ref(), y.as_ref(), Par::Seq).unwrap();
        assert!((plain.gram(x.as_ref(), y.as_ref(), Par::Seq).unwrap() - want).norm_max() < 1e-6);
        // Rows of another width are an error.
        assert!(kernel.gram(Mat::<f64>::zeros(2, 3).as_ref(), Mat::<f64>::zeros(2, 3).as_ref(), Par::Seq).is_err());
    }

    #[test]
    fn a_kernel_trained_on_blob_keeps_the_level_on_null_splits_and_round_trips() {
        // Train a deep kernel on Blob (P against Q) ...
        let mut rng = Streams::for_point(1, "kernel-tests.learned", "blob").stream(0);
        let (x, y) = (blob(400, false, &mut rng), blob(400, true, &mut rng));
        let config = Form::Deep.maps(2, 2, 20, 20);
        let (mut kernel, log) =
            LearnedKernel::train("blob-test", &config, x.as_ref(), y.as_ref(), &recipe(200, 64)).unwrap();
        let first = log.validations[0].2;
        assert!(log.best_validation <= first, "{log:?}");
        // ... then test fresh null splits (P against P, disjoint from the
        // training points): the rejection rate at α = 0.05 stays inside
        // the 99 % interval of 40 tests.
        let mut rejections = 0;
        let tests = 40;
        for r in 0..tests {
            let mut rng = Streams::for_point(2, "kernel-tests.learned", "null").stream(r);
            let (a, b) = (blob(100, false, &mut rng), blob(100, false, &mut rng));
            rejections += usize::from(
                permutation_test(&kernel, a.as_ref(), b.as_ref(), 100, 0.05, Par::Seq, &mut rng).unwrap().reject,
            );
        }
        let interval = wilson_interval(rejections as u64, tests, 0.99).unwrap();
        assert!(interval.lo <= 0.05 && 0.05 <= interval.hi, "{rejections}/{tests}: {interval:?}");
        // Saved and loaded: the same kernel; another dimension is refused.
        let dir = tempfile::tempdir().unwrap();
        kernel.save(dir.path(), "test", "cargo test").unwrap();
        let loaded = LearnedKernel::load(dir.path(), 2).unwrap();
        let probe = blob(7, true, &mut rng);
        let (g1, g2) = (
            kernel.gram(probe.as_ref(), x.as_ref(), Par::Seq).unwrap(),
            loaded.gram(probe.as_ref(), x.as_ref(), Par::Seq).unwrap(),
        );
        assert_eq!(g1, g2);
        assert!(LearnedKernel::load(dir.path(), 3).is_err());
    }

    #[test]
    fn bad_training_input_is_an_error() {
        let mut rng = Streams::for_point(1, "kernel-tests.learned", "bad").stream(0);
        let config = Form::Deep.maps(2, 1, 4, 4);
        let (x, y) = (gaussian_matrix(40, 2, &mut rng), gaussian_matrix(40, 2, &mut rng));
        let small = gaussian_matrix(10, 2, &mut rng);
        let r = recipe(4, 8);
        assert!(LearnedKernel::train("t", &config, small.as_ref(), y.as_ref(), &r).is_err());
        let mut nan = x.clone();
        nan[(3, 1)] = f64::NAN;
        assert!(LearnedKernel::train("t", &config, nan.as_ref(), y.as_ref(), &r).is_err());
        let wide = gaussian_matrix(40, 3, &mut rng);
        assert!(LearnedKernel::train("t", &config, wide.as_ref(), wide.as_ref(), &r).is_err());
        assert!(LearnedKernel::train("t", &config, x.as_ref(), y.as_ref(), &recipe(4, 2)).is_err());
        // An untrained kernel has no card to save.
        let device = Default::default();
        let mut fresh = LearnedKernel::new(config.init::<Cpu>(&device).unwrap(), config).unwrap();
        assert!(fresh.save(tempfile::tempdir().unwrap().path(), "", "").is_err());
    }
}
