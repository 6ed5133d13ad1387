//! # infoflow-diffusion-sep
//!
//! Score-based separation of a signal of interest from structured
//! interference (Jayashankar, Lee, Lancho, Weiss, Polyanskiy, Wornell,
//! *Score-based source separation with applications to digital
//! communication signals*, arXiv 2306.14411): given `y = s + κ b` and
//! score models of the two sources, estimate `s` by α-RGS, the α-posterior
//! under randomised Gaussian smoothing.
//!
//! ```
//! use infoflow_diffusion_sep::rgs::AlphaRgs;
//! use infoflow_diffusion_sep::score::{OfdmScore, PulseScore, Timing};
//! use infoflow_diffusion_sep::separation::Problem;
//! use infoflow_numerics::rng::Streams;
//! use infoflow_rf_signal::constellation::Constellation;
//! use infoflow_rf_signal::modem::{Modem, Ofdm, SingleCarrier, random_frame};
//!
//! // The paper's SOI: RRC-QPSK, 16 samples per symbol, roll-off 0.5, span 4,
//! // here 20 symbols; OFDM-QPSK interference at known timing, SIR −15 dB.
//! let soi_modem = SingleCarrier::new(Constellation::Qpsk, 16, 0.5, 4, 20)?;
//! let ofdm = Ofdm::new(Constellation::Qpsk, 64, 16, (4, 3), true, 4)?;
//! let soi = PulseScore::new(soi_modem.clone())?;
//! let interference = OfdmScore::new(&ofdm, 320, Timing::Known { offset: 0, phase: 0.0 })?;
//! let streams = Streams::for_point(1, "doc", "rgs");
//! let mut rng = streams.stream(0);
//! let (bits, s) = random_frame(&soi_modem, &mut rng)?;
//! let b = OfdmScore::draw(&ofdm, 320, 0, 0.0, &mut rng)?;
//! let kappa = (10f64.powf(15.0 / 10.0) * 64.0 / 56.0).sqrt();
//! let y: Vec<_> = s.iter().zip(&b).map(|(s, b)| s + b * kappa).collect();
//! let rgs = AlphaRgs { iterations: 2000, ..AlphaRgs::default() };
//! let out = rgs.separate(&soi, &interference, &soi_modem, &[Problem { mixture: &y, kappa }],
//!                        vec![streams.stream(1)], &|_, _| {})?;
//! let errors = out[0].bits.iter().zip(&bits).filter(|(a, b)| a != b).count();
//! assert!(errors <= 2, "{errors} bit errors");
//! # Ok::<(), infoflow_diffusion_sep::Error>(())
//! ```
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`schedule`] | DiffWave's noise levels, the cosine step size |
//! | [`score`] | the [`score::Score`] trait; exact RRC-BPSK/QPSK scores, OFDM scores (known timing, or a mixture over timing and phase; ML synchronisation), stationary Gaussian scores from a PSD |
//! | [`rgs`] | α-RGS with `ω = κ²` (or plain MAP, or any `ω`) |
//! | [`basis`] | BASIS and modified BASIS (annealed Langevin) |
//! | [`reverse`] | reverse diffusion on the interference prior alone |
//! | [`separation`] | problems, results, the matched-filter initialisation |
//!
//! The matched-filter and LMMSE baselines are rf-signal's separators.
//!
//! # Conventions
//!
//! Samples are [`infoflow_numerics::signal::C64`]; a level smooths with white
//! noise of variance `σ²` per real dimension (DiffWave's convention); scores
//! are `∂/∂Re + i ∂/∂Im`. Every random draw comes from the stream the
//! caller gives each mixture. Bad input (wrong lengths, non-finite samples,
//! `κ ≤ 0`, models of different frame lengths, unsupported constellations)
//! is an [`Error`]; a diverging separation stops with [`Error::Diverged`]
//! naming the iteration.

#![warn(missing_docs)]

pub mod basis;
pub mod error;
pub mod reverse;
pub mod rgs;
pub mod schedule;
pub mod score;
pub mod separation;

pub use error::{Error, Result};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
