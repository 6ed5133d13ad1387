//! # infoflow-particles
//!
//! Transformers as interacting particle systems. Tokens `x_1, …, x_n` on the
//! unit sphere S^{d−1} move under self-attention; depth plays the role of
//! time:
//!
//! ```text
//! SA:   ẋ_i = P⊥_{x_i} ( Σ_j m_j e^{β⟨Q x_i, K x_j⟩} V x_j / Σ_k m_k e^{β⟨Q x_i, K x_k⟩} )
//! USA:  ẋ_i = P⊥_{x_i} ( (1/N) Σ_j m_j e^{β⟨Q x_i, K x_j⟩} V x_j )
//! ```
//!
//! with `P⊥_x y = y − ⟨x, y⟩ x`, masses `m_j` (total `N`; a particle of mass
//! `m` is `m` coincident tokens), optionally a causal mask (`j ≤ i`) and
//! several heads summed. As time grows the tokens cluster; for large `β`
//! they linger for exponentially long times near metastable multi-cluster
//! states. The unnormalised dynamics in R^d of arXiv 2305.05465 lives in
//! [`euclidean`].
//!
//! ## Example
//!
//! ```
//! use infoflow_numerics::rng::Streams;
//! use infoflow_particles::observables::{EnergyNormalization, clusters, energy};
//! use infoflow_particles::{Attention, Particles, Scheme, SolveOptions, SphereDynamics, Tolerances, solve};
//!
//! let mut rng = Streams::for_point(7, "doc", "particles").stream(0);
//! let start = Particles::uniform(32, 3, &mut rng)?;            // iid uniform on S²
//! let sa = SphereDynamics::new(&Attention::softmax(1.0), 3)?;  // SA, Q = K = V = I
//! let options = SolveOptions::new(Scheme::Adaptive(Tolerances::default()));
//! let (snapshots, outcome) = solve(&sa, &start, &[0.0, 5.0, 30.0], &options)?;
//! // SA is a gradient ascent of the energy, and in d = 3 every start
//! // clusters to a single point.
//! let e: Vec<f64> = snapshots.iter().map(|(_, p)| energy(p, 1.0, EnergyNormalization::Standard)).collect::<Result<_, _>>()?;
//! assert!(e[0] < e[1] && e[1] <= e[2]);
//! assert_eq!(clusters(&outcome.last, 0.999)?.len(), 1);
//! # Ok::<(), infoflow_particles::Error>(())
//! ```
//!
//! ## Modules
//!
//! | module | what |
//! |---|---|
//! | [`model`] | [`Attention`] (β, heads `(Q, K, V)`, [`Normalization`], [`Mask`]) and [`Particles`] (positions and masses) |
//! | [`velocity`] | [`SphereDynamics`]: the velocity through faer GEMMs, a stable column softmax and a vectorised exponential, allocation-free with a [`VelocityWorkspace`] |
//! | [`integrate`] | Euler + renormalise (the authors' scheme), RK4 and adaptive Dormand–Prince 5(4) in normal coordinates with the exponential map, merging of coincident tokens, events, log-spaced outputs |
//! | [`ensemble`] | thousands of small identity-head systems stepped together in SIMD lanes (the phase-diagram workload) |
//! | [`euclidean`] | the unnormalised dynamics in R^d, the rescaling `z = e^{−tV} x`, the matrix exponential, dual eigenfunctionals of `V` |
//! | [`observables`] | energy and dissipation identities, Gram statistics, clusters, effective dimension, attention diagnostics, convex hulls |
//! | [`renyi`] | Rényi and strong Rényi centres, Rényi's parking constant, `M(x)`, expected counts |
//! | [`theory`] | the equiangular ODE `γ_β(t)`, the transition time `t*(β, n, δ)`, the fastest circle mode `k* ≈ √(2β)` |
//!
//! ## Conventions
//!
//! * Positions are the rows of an `n × d` [`faer::Mat`]; internally the
//!   integrators keep them as columns (`d × n`) so each token is contiguous
//!   ([`SphereDynamics::velocity_columns`]).
//! * The softmax subtracts each query's maximum before exponentiating, so
//!   β up to 10⁴ (and any finite β for SA) never overflows; USA with
//!   `e^{β s}` beyond the f64 range is an [`Error::Overflow`] (use
//!   [`Normalization::UnnormalizedShifted`]).
//! * Time is depth, in the units of the equations above; for USA
//!   [`Normalization::UnnormalizedShifted`] rescales time by `e^{−β}` as in
//!   arXiv 2410.06833.
//! * Randomness: every stochastic constructor takes `&mut impl Rng`; use
//!   `infoflow_numerics::rng::Streams` for reproducible streams.
//! * Bad input (mismatched matrix shapes, non-finite values, zero tokens,
//!   statistics needing two particles, merging under a causal mask, negative
//!   or decreasing output times) is an [`Error`], never a panic or a `NaN`.
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
//!   causal attention masking*.
//!
//! The experiments `particles.*` of the lab (`cargo xtask experiments list`)
//! reproduce their figures and check their claims.

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

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
