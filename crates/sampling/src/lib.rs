//! # infoflow-sampling
//!
//! Approximate rejection sampling: given `n` proposals from `μ` and the
//! density ratio `r = dν/dμ`, select one so that its law is close to `ν` in
//! total variation. How fast the error can vanish with `n` depends on the
//! f-divergence budget `D_f(ν‖μ)`: `1/n` under χ², `1/log n` under KL,
//! `n^{−(λ−1)}` under Rényi-λ, and not at all under TV or Hellinger
//! constraints. The same sampler gives oracle-efficient learners for
//! smoothed online learning.
//!
//! ## Papers
//!
//! * arXiv 2302.04658, Block and Polyanskiy, *The sample complexity of
//!   approximate rejection sampling with applications to smoothed online
//!   learning*.
//!
//! ## Status
//!
//! This crate is being built (issue 6). Planned modules: `distribution`
//! (discrete and 1-D continuous laws, density ratios), `divergence` (KL, χ²,
//! Hellinger, TV, Rényi, general f), `sampler` (exact and approximate
//! rejection, SIR, exact output laws), `importance` (plain, self-normalised,
//! truncated estimators) and `online` (smoothed online prediction with Hedge
//! and follow-the-perturbed-leader).

#![warn(missing_docs)]
