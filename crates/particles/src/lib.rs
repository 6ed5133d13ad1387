//! # infoflow-particles
//!
//! Transformers as interacting particle systems: tokens `x_1, …, x_n` on the
//! unit sphere S^{d−1} move under self-attention,
//!
//! ```text
//! SA:   ẋ_i = P⊥_{x_i} ( Σ_j e^{β⟨Q x_i, K x_j⟩} V x_j / Σ_k e^{β⟨Q x_i, K x_k⟩} )
//! USA:  ẋ_i = P⊥_{x_i} ( (1/n) Σ_j e^{β⟨Q x_i, K x_j⟩} V x_j )
//! ```
//!
//! with `P⊥_x y = y − ⟨x, y⟩ x`, optional causal masking (`j ≤ i`), several
//! heads, and the unnormalised dynamics on R^d. As time (depth) grows the
//! tokens cluster; for large β they linger near metastable multi-cluster
//! states for exponentially long times.
//!
//! ## Papers
//!
//! * arXiv 2312.10794, Geshkovski, Letrouit, Polyanskiy, Rigollet,
//!   *A mathematical perspective on Transformers*.
//! * arXiv 2305.05465, same authors, *The emergence of clusters in
//!   self-attention dynamics*.
//! * arXiv 2410.06833, Geshkovski, Koubbi, Polyanskiy, Rigollet,
//!   *Dynamic metastability in the self-attention model*.
//! * arXiv 2411.04990, Karagodin, Polyanskiy, Rigollet, *Clustering in
//!   causal attention masking* (Rényi parking).
//!
//! ## Status
//!
//! This crate is being built (issue 3). Planned modules: `model` (the
//! attention description: β, Q/K/V, normalisation, mask, heads, masses),
//! `velocity` (batched GEMM-based evaluation), `integrator` (Euler +
//! renormalise, RK4 with exponential-map retraction, adaptive embedded RK,
//! merging of coincident tokens, events), `observables` (energy, clusters,
//! effective dimension, attention matrix diagnostics), `theory`
//! (equiangular ODE, phase-transition curve, Rényi parking constant).
//! Shared numerics come from `infoflow-numerics` (sphere geometry, Gram
//! matrices, stable softmax, RNG streams).

#![warn(missing_docs)]

pub mod ensemble;
pub mod error;
pub mod euclidean;
pub mod integrate;
pub mod model;
pub mod observables;
pub mod renyi;
pub mod theory;
pub mod velocity;

pub use error::{Error, Result};
pub use integrate::{Event, EventHit, Outcome, Scheme, SolveOptions, Stats, Tolerances, log_times, solve, solve_with};
pub use model::{Attention, Head, Mask, Normalization, Particles};
pub use velocity::{SphereDynamics, VelocityWorkspace};
