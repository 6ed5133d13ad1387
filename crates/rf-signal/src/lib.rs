//! # infoflow-rf-signal
//!
//! Signal models of the MIT RF Challenge (arXiv 2409.08839): a signal of
//! interest `s` (QPSK with a root-raised-cosine pulse, or OFDM-QPSK)
//! received in a mixture
//!
//! ```text
//! y = s + κ e^{jφ} b,   SINR = P(s) / P(κ b)  (dB, powers as mean |·|²)
//! ```
//!
//! with an interference `b`, plus demodulation (matched filter, cyclic-prefix
//! removal and FFT, hard bits and LLRs), the challenge's metrics and classical
//! separators behind one separator trait that learned models also implement.

#![warn(missing_docs)]

pub mod constellation;
pub mod error;
pub mod interference;
pub mod io;
pub mod metrics;
pub mod mixture;
pub mod modem;
pub mod pulse;
pub mod separator;

pub use error::{Error, Result};
