//! # infoflow-numerics
//!
//! The numerics shared by the infoflow crates, and only those: every module
//! here is used by at least two of them. Each module states its conventions
//! (normalisations, orientations, dB definitions) up front, RustFFT-style,
//! and is tested against a slow reference or published values.
//!
//! | module | what | used by |
//! |---|---|---|
//! | [`rng`] | reproducible ChaCha8 streams keyed by (seed, experiment, point, trial); stable hashing | every stochastic crate, the lab |
//! | [`sphere`] | uniform sampling on S^{d−1}, tangent projection, geodesic distance, exponential map | particles, the lab |
//! | [`linalg`] | Gram matrices and pairwise distances through faer GEMM, Haar rotations, (randomized) Walsh–Hadamard | particles, lattice-quant, kernel-tests |
//! | [`signal`] | complex signals, power and dB, cached FFT plans, FFT convolution and correlation, upsampling | rf-signal, the lab (diffusion-sep next) |
//! | [`stats`] | Welford moments, binomial intervals, histograms, quantiles, line fits, Kolmogorov–Smirnov | every experiment |
//! | [`fs`] | atomic file writes (temporary file, fsync, rename) | rf-signal, nn, the lab |
//! | [`fuzz`] | seeded byte mutations for the no-panic tests of every parser and decoder | rf-signal, lattice-quant, kernel-tests |
//! | [`special`] | Gaussian tail `Q` and its inverse, log-sum-exp, vectorised exponentials (portable and AVX-512, bit-identical) | particles, rf-signal, kernel-tests, lattice-quant, sampling |
//!
//! ## Features
//!
//! A crate that needs no dense algebra or FFT compiles neither faer nor
//! RustFFT: `dense` (faer: [`linalg`], [`sphere`])
//! and `fft` (RustFFT: [`signal`]) are default features; depend with
//! `default-features = false` and pick what you use (`infoflow-sampling`
//! uses neither).
//!
//! ## Example: a reproducible Monte-Carlo estimate
//!
//! The inner product `t = ⟨x, y⟩` of two independent uniform points on
//! S^{d−1} has mean 0 and variance `1/d`. Each trial gets its own stream, so
//! the estimate is the same whatever order (or thread) the trials run in:
//!
//! ```
//! use infoflow_numerics::{rng::Streams, sphere, stats::Welford};
//!
//! let d = 8;
//! let streams = Streams::for_point(42, "doc.example", "d=8");
//! let mut moments = Welford::new();
//! for trial in 0..2000 {
//!     let mut rng = streams.stream(trial);
//!     let x = sphere::sample_uniform(d, &mut rng)?;
//!     let y = sphere::sample_uniform(d, &mut rng)?;
//!     let t: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
//!     moments.push(t * t);
//! }
//! // E[t²] = 1/d, within four standard errors.
//! let (mean, se) = (moments.mean()?, moments.std_error()?);
//! assert!((mean - 1.0 / d as f64).abs() < 4.0 * se);
//! # Ok::<(), infoflow_numerics::Error>(())
//! ```
//!
//! ## Errors
//!
//! Functions that take user data validate it (sizes, finiteness, parameter
//! ranges) and return [`Error`]; nothing here panics or returns `NaN` on bad
//! input. Low-level mathematical functions (`log_sum_exp`, dB conversions)
//! follow `f64`'s own rules and say so.
//!
//! ## Randomness
//!
//! Stochastic routines take `&mut R` with `R: rand::Rng + ?Sized` (rand 0.10's
//! core trait). Use [`rng::Streams`] to obtain generators; never
//! `thread_rng` or `StdRng` (not reproducible across versions).

#![warn(missing_docs)]

pub mod error;
pub mod fs;
pub mod fuzz;
#[cfg(feature = "dense")]
pub mod linalg;
pub mod rng;
#[cfg(feature = "fft")]
pub mod signal;
pub mod special;
#[cfg(feature = "dense")]
pub mod sphere;
pub mod stats;

pub use error::{Error, Result, all_finite};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
