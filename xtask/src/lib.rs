//! # The infoflow lab
//!
//! `cargo xtask experiments` reproduces the figures of the papers behind the
//! infoflow crates, checks every numerical claim against an independent
//! computation, and writes a report. See `docs/experiments.md` for the
//! catalogue and `docs/adding-an-experiment.md` for how to add one.
//!
//! * [`lab`]: the framework (experiment trait, runner, store, plots, report).
//! * [`experiments`]: one folder per crate, one file per experiment.
//! * [`models`]: the recipes of the shipped trained models (`cargo xtask train`).

#![warn(missing_docs)]

pub mod experiments;
pub mod lab;
pub mod models;
