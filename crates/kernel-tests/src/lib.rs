//! # infoflow-kernel-tests
//!
//! Kernel two-sample tests and kernel likelihood-free hypothesis tests:
//! Gerber, Jiang, Polyanskiy and Sun, *Kernel-based tests for
//! likelihood-free hypothesis testing* (arXiv 2308.09043), with the
//! `m`-versus-`n` trade-off of Gerber and Polyanskiy (arXiv 2211.01126)
//! and the deep-kernel statistics of Liu et al. (2020).
//!
//! ```
//! use faer::Par;
//! use infoflow_kernel_tests::data::gaussian_shift;
//! use infoflow_kernel_tests::kernel::{Gaussian, median_bandwidth};
//! use infoflow_kernel_tests::{lfht, mmd, two_sample};
//! use infoflow_numerics::rng::Streams;
//!
//! let mut rng = Streams::for_point(1, "doc", "kernel-tests").stream(0);
//! let (x, y) = (gaussian_shift(200, 3, 0.0, &mut rng), gaussian_shift(200, 3, 1.0, &mut rng));
//! let k = Gaussian::new(median_bandwidth(x.as_ref(), y.as_ref())?)?;
//! let est = mmd::unbiased(&k, x.as_ref(), y.as_ref(), Par::Seq)?;      // MMD²_u and its variance
//! let t = two_sample::permutation_test(&k, x.as_ref(), y.as_ref(), 200, 0.05, Par::Seq, &mut rng)?;
//! assert!(t.reject && est.mmd2 > 0.0);
//! // Likelihood-free: is Z from X's law or Y's?
//! let z = gaussian_shift(50, 3, 1.0, &mut rng);
//! assert!(lfht::test(&k, x.as_ref(), y.as_ref(), z.as_ref(), 1.0, Par::Seq)?.reject);
//! # Ok::<(), infoflow_kernel_tests::Error>(())
//! ```
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`kernel`] | the [`kernel::Kernel`] trait (each sample embedded once, then blocks); Gaussian, Laplace, inverse multiquadric, linear, polynomial; the median heuristic; [`kernel::FeatureMap`] (identity, random Fourier features) and the MMD-M mixture kernel |
//! | `learned` (feature `learned`) | learned kernels: the learned-bandwidth Gaussian (MMD-O), Liu et al.'s deep kernel, MMD-M; trained on the power proxy with infoflow-nn, saved and loaded as model files |
//! | [`mmd`] | unbiased, biased and linear-time MMD² with their variances and the power proxy, computed block by block |
//! | [`two_sample`] | the permutation test (one blocked GEMM for all relabellings) |
//! | [`lfht`] | the likelihood-free test: witness scores, `T`, the mixture threshold `γ(δ)`, Gaussian and resampling calibration, error rates with intervals, the discrete plug-in statistic |
//! | [`data`] | Gaussian shift, Blob, HDGM, the perturbed-uniform discrete problem; HIGGS CSV (plain or gzip) and CIFAR-10 binary loaders |
//!
//! # Conventions
//!
//! * Samples are the rows of `faer` matrices (`n × d`); every kernel block
//!   goes through one GEMM. Large samples are processed in blocks of
//!   [`mmd::BLOCK`] rows, so `n = m = 10⁵` never stores an `n × m` matrix.
//! * The `Par` argument sets faer's parallelism; the lab passes
//!   `Par::Seq` so that results do not depend on the thread count.
//! * Bad input (different dimensions, too few points, non-finite values, a
//!   zero bandwidth, `δ ∉ (0, 1]`, malformed files) is an [`Error`].

#![warn(missing_docs)]

pub mod data;
pub mod error;
pub mod kernel;
#[cfg(feature = "learned")]
pub mod learned;
pub mod lfht;
pub mod mmd;
pub mod two_sample;

pub use error::{Error, Result};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
