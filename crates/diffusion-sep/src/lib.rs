//! # infoflow-diffusion-sep
//!
//! Score-based separation of a signal of interest from structured
//! interference: given `y = s + κ b`, run the α-posterior annealed sampler
//! (α-RGS) that combines learned score models of `s` and `b`, then
//! demodulate the estimate of `s`.
//!
//! ## Papers
//!
//! * arXiv 2306.14411, Jayashankar, Lee, Lancho, Weiss, Polyanskiy, Wornell,
//!   *Score-based source separation with applications to digital
//!   communication signals*.
//!
//! ## Status
//!
//! This crate is planned: it depends on the RF signal models and metrics of
//! `infoflow-rf-signal` and on learned score networks, which come in later
//! issues. Planned modules: `score` (score-model interface and a closed-form
//! Gaussian score for testing), `sampler` (α-RGS), `evaluation`.

#![warn(missing_docs)]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
