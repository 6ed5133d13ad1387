//! # infoflow-kernel-tests
//!
//! MMD two-sample tests and kernel likelihood-free hypothesis tests.

#![warn(missing_docs)]

pub mod data;
pub mod error;
pub mod kernel;
pub mod lfht;
pub mod mmd;
pub mod two_sample;

pub use error::{Error, Result};
