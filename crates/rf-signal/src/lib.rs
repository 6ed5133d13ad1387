//! # infoflow-rf-signal
//!
//! Signal models of the MIT RF Challenge (Lancho, Weiss, Lee, Jayashankar,
//! Kurien, Polyanskiy, Wornell, arXiv 2409.08839), with the OFDM setting of
//! arXiv 2303.06438: a signal of interest `s` received in a mixture
//!
//! ```text
//! y = s + κ e^{jφ} b,   κ = 10^{−SINR/20},   SINR = P(s)/P(κb)   (powers as mean |·|²)
//! ```
//!
//! with an interference `b`; demodulation to hard bits and LLRs; the
//! challenge's metrics and score; classical separators behind one trait that
//! learned models implement too.
//!
//! The two signals of interest follow the challenge's code bit for bit in
//! their conventions (Gray map, 129-tap unit-energy RRC times 4 with symbol
//! `k` at sample `16k + 8`, the 56-carrier OFDM grid with DC and guard
//! nulls, unitary FFT, CP 16), so real challenge frames demodulate with this
//! crate; [`io`] reads the challenge's `.npy` files and writes submissions.
//!
//! ```
//! use infoflow_numerics::rng::Streams;
//! use infoflow_rf_signal::metrics::{bit_errors, mse};
//! use infoflow_rf_signal::mixture::{Dataset, MixtureType};
//! use infoflow_rf_signal::modem::Modem;
//! use infoflow_rf_signal::separator::{CyclicLmmse, Separator};
//! use std::sync::Arc;
//!
//! // QPSK under a single-carrier interferer at −10 dB SINR.
//! let kind = MixtureType::challenge_stand_ins().remove(1);
//! let data = Dataset::new(kind.clone(), 7);
//! let train: Vec<_> = (0..4).map(|i| data.train(i)).collect::<Result<_, _>>()?;
//! let mut sep = CyclicLmmse::new(Arc::from(kind.soi.modem()), 64)?;
//! sep.fit(&train)?;
//! let m = data.test(0, -10.0)?;
//! let est = sep.separate(&m.mixture, None)?; // SINR estimated blindly
//! assert!(mse(&est.soi, &m.soi)? < 1.0);       // below 0 dB
//! let ber = bit_errors(&est.bits, &m.bits)? as f64 / m.bits.len() as f64;
//! assert!(ber < 0.5);
//! # Ok::<(), infoflow_rf_signal::Error>(())
//! ```
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`constellation`] | Gray BPSK, QPSK, 16-QAM (sionna's conventions), hard decisions, exact LLRs |
//! | [`prototype`] | the co-channel OFDM architecture study's prototype signals (real, synchronised, FFT 64, its four cases) and their exact oracle separator |
//! | [`pulse`] | the root-raised-cosine pulse (sionna's taps, unit energy) |
//! | [`modem`] | the [`modem::Modem`] trait; single-carrier RRC (lookup-table modulator, vectorised matched filter) and OFDM (any FFT size, CP, occupied carriers); the challenge presets |
//! | [`interference`] | four synthetic families standing in for the challenge's recorded interference |
//! | [`mixture`] | mixing at a target SINR, AWGN, reproducible seeded datasets (train/test splits) |
//! | [`metrics`] | MSE, BER with intervals, the challenge score |
//! | [`separator`] | the [`separator::Separator`] trait; matched filter, block LMMSE, cyclostationary LMMSE; WaveNet and UNet separators with the `learned` feature |
//! | [`io`] | `.npy` reading (complex, unicode metadata) and atomic writing (submissions); HDF5 frames with the `hdf5` feature |
//!
//! # Conventions
//!
//! * Samples are [`infoflow_numerics::signal::C64`]; frames have a fixed
//!   length per modem (40,960 for the presets). Bits are `u8` values 0/1.
//! * Everything random takes an explicit RNG; [`mixture::Dataset`] keys each
//!   mixture's stream by (seed, type, split, index), so datasets are
//!   identical for any thread count or sharding.
//! * Bad input (wrong lengths, non-finite samples, an SINR outside
//!   [−60, 60] dB, untrained separators, malformed files) is an [`Error`].
//! * The vectorised kernels (AVX2/AVX-512 matched filter) return the same
//!   bits as the portable code.

#![warn(missing_docs)]

pub mod constellation;
pub mod error;
pub mod interference;
pub mod io;
pub mod metrics;
pub mod mixture;
pub mod modem;
pub mod prototype;
pub mod pulse;
pub mod separator;

pub use error::{Error, Result};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
