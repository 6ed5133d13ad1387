//! # infoflow-sampling
//!
//! Approximate rejection sampling (Block and Polyanskiy, *The sample
//! complexity of approximate rejection sampling with applications to
//! smoothed online learning*, arXiv 2302.04658): given `n` proposals from
//! `μ` and the density ratio `r = dν/dμ` at them, select one whose law is
//! close to `ν` in total variation. Over all pairs with `D_f(ν‖μ) ≤ D` the
//! best achievable error is `Θ̃(D/f′(n))`: `1/n` under χ², `1/log n` under
//! KL, `n^{−(λ−1)}` under Rényi-λ, and no decay at all under TV or
//! Hellinger budgets (bounded `f′`).
//!
//! ```
//! use infoflow_sampling::distribution::Discrete;
//! use infoflow_sampling::divergence::{self, ChiSquared};
//! use infoflow_sampling::sampler::Rule;
//!
//! let (nu, mu) = (Discrete::zipf(100, 1.1)?, Discrete::uniform(100)?);
//! let d = divergence::discrete(&ChiSquared, &nu, &mu)?;      // χ²(ν‖μ)
//! let rule = Rule::for_budget(&ChiSquared, d, 0.05)?;         // M = (f′)⁻¹(4D/ε)
//! let tv = rule.tv_discrete(&nu, &mu, 10_000)?;               // exact, not simulated
//! assert!(tv < 0.05);
//! # Ok::<(), infoflow_sampling::Error>(())
//! ```
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`distribution`] | discrete laws, 1-D laws with densities (normal, exponential, uniform, mixtures; the [`distribution::Law1d`] trait for your own), density ratios |
//! | [`divergence`] | KL, χ², squared Hellinger, TV, power/Rényi-λ and any `f` through [`divergence::FDivergence`]: exact (discrete), adaptive quadrature (1-D), Monte Carlo |
//! | [`sampler`] | selection rules (truncated rejection with the theorem's `M`, SIR, greedy, none) with their exact output laws; exact rejection sampling; the theorem's sufficient `n` |
//! | [`worst_case`] | the two-point lower-bound construction, the optimal rule's TV, the best truncation level |
//! | [`importance`] | importance-sampling estimators (plain, self-normalised, truncated), weighted step CDFs with exact Kolmogorov distance, rejection-sampling CDFs |
//! | [`online`] | smoothed online learning of thresholds: σ-smooth and f-divergence-bounded adversaries, Hedge and oracle-efficient FTPL |
//! | [`quadrature`] | adaptive Gauss–Kronrod (7–15) on finite and infinite intervals |
//!
//! # Conventions
//!
//! * Infinite divergences (mass of `ν` where `μ` has none under an
//!   unbounded `f`, or a divergent tail) are `f64::INFINITY`, never NaN.
//! * Exact means exact up to floating point (and the quadrature's tolerance,
//!   `≈ 1e-12`, for 1-D laws and the SIR law); nothing is simulated.
//! * Bad input (negative or non-finite densities or weights, mismatched
//!   supports, `n = 0`, `M ≤ 0`) is an [`Error`].

#![warn(missing_docs)]

pub mod distribution;
pub mod divergence;
pub mod error;
pub mod importance;
pub mod online;
pub mod quadrature;
pub mod sampler;
pub mod worst_case;

pub use error::{Error, Result};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
