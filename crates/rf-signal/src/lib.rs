//! # infoflow-rf-signal
//!
//! Signal models of the MIT RF Challenge: a signal of interest `s` (QPSK
//! with a root-raised-cosine pulse, or OFDM-QPSK) received in a mixture
//!
//! ```text
//! y = s + κ e^{jφ} b,   SINR = P(s) / P(κ b)  (dB, powers as mean |·|²)
//! ```
//!
//! with an interference `b` and noise, plus demodulation (matched filter,
//! cyclic-prefix removal and FFT, hard bits and LLRs), the challenge's
//! metrics (MSE in dB, BER with confidence intervals, the challenge score)
//! and classical separators (matched filter, block LMMSE, cyclostationary
//! LMMSE) behind one separator trait that learned models also implement.
//!
//! ## Papers
//!
//! * arXiv 2409.08839, Lancho, Weiss, Lee, Jayashankar, Kurien, Polyanskiy,
//!   Wornell, *RF Challenge: the data-driven radio frequency signal
//!   separation challenge*.
//! * arXiv 2303.06438, co-channel OFDM separation architectures.
//!
//! ## Status
//!
//! This crate is being built (issue 5). Planned modules: `modulation`
//! (QPSK-RRC, OFDM-QPSK and their generalisations, polyphase generation),
//! `demod`, `interference` (synthetic stand-ins for each challenge family,
//! `.npy`/HDF5 loaders), `mixture`, `metrics` and `separator`. Complex
//! signals, FFT plans, convolution and dB conventions come from
//! `infoflow-numerics::signal`.

#![warn(missing_docs)]
