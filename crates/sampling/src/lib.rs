//! # infoflow-sampling
//!
//! Approximate rejection sampling (Block and Polyanskiy, arXiv 2302.04658).

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
