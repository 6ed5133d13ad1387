//! # infoflow-lattice-quant
//!
//! Nested-lattice quantization for approximate matrix multiplication
//! (Ordentlich and Polyanskiy, *Optimal quantization for matrix
//! multiplication*, arXiv 2410.13780), in the practical form of NestQuant
//! (arXiv 2502.09720: E8 Voronoi codes with several scales) and of
//! Kaplan and Ordentlich (arXiv 2505.13164: hierarchical codes whose inner
//! products are table lookups).
//!
//! Two parties compress `A ∈ R^{n×a}` and `B ∈ R^{n×b}` **independently**
//! at `R` bits per entry; a decoder estimates `AᵀB`. For iid Gaussian
//! matrices no scheme beats `Γ(R)` ([`bounds`]); the E8 quantizer of
//! [`matrix`] stays about 2.3–2.5 dB above it at `q = 8, 16, 32` (3.25,
//! 4.25 and 5.25 bits nominal; at `q = 11` and `14` whole-bit packing of the
//! block codes costs about 0.07 bits per entry more and the gap is about
//! 2.6–2.8 dB), and
//! near 1.7 dB with Huffman-coded scale indices; the entropy-coded E8
//! lattice of [`entropy`] (variable rate) comes within 0.9–1.1 dB, every
//! side bit counted (the `lattice-quant.gap` experiment); int4 absmax sits
//! 6.2 dB above it. The column side information (mean and norm, 64 bits)
//! weighs on short columns: [`matrix::SideInfo::Bf16`] stores it in 32 bits,
//! saving 0.125 bits per entry at `n = 256` for a relative distortion
//! change below 10⁻⁵.
//!
//! ```
//! use faer::Mat;
//! use infoflow_lattice_quant::bounds::{db_above, gamma};
//! use infoflow_lattice_quant::lattice::Gosset;
//! use infoflow_lattice_quant::matrix::{MatrixQuantizer, QuantizerConfig};
//! use infoflow_lattice_quant::product::distortion;
//! use infoflow_numerics::linalg::gaussian_matrix;
//! use infoflow_numerics::rng::Streams;
//!
//! let mut rng = Streams::for_point(1, "doc", "lattice-quant").stream(0);
//! let (a, b) = (gaussian_matrix(1024, 16, &mut rng), gaussian_matrix(1024, 16, &mut rng));
//! // q = 16, four scales: 34 bits per block of 8, plus 64 bits per column.
//! let q = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 1024)?;
//! let (ea, eb) = (q.encode(a.as_ref())?, q.encode(b.as_ref())?);
//! let c = q.product(&ea, &eb)?;
//! let rate = q.rate().total; // 4.3125 bits per entry
//! let d = distortion(a.as_ref(), b.as_ref(), c.as_ref())?;
//! assert!(d > gamma(rate)? && db_above(d, gamma(rate)?) < 3.5);
//! // Encodings travel as bytes; a damaged buffer is an error, never a panic.
//! let bytes = q.write(&ea)?;
//! assert_eq!(q.read(&bytes)?, ea);
//! # Ok::<(), infoflow_lattice_quant::Error>(())
//! ```
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`lattice`] | `Zⁿ`, `Dₙ`, `E₈` with Conway–Sloane closest points (a vectorised E8 kernel for batches), generators, exact enumeration, Monte-Carlo second moments |
//! | [`voronoi`] | Voronoi codes `Λ ∩ (qV(Λ) + a)` with the shared tie-break offset, batched first-fit encoding (AVX-512 for E8), subtractive dither, hierarchical codes |
//! | [`preprocess`] | column centring and normalisation (side information), the shared rotation (randomized Hadamard or Haar) |
//! | [`matrix`] | the matrix quantizer: `k` scales, MMSE scaling, time-sharing, exact rates, rotated-domain products |
//! | [`entropy`] | the entropy-coded E8 lattice: closest points range-coded (rANS) under a Gaussian model, variable rate, nothing overloads |
//! | [`lut`] | the two-layer D4 code and its code-domain GEMV and inner products by lookup tables |
//! | [`scales`] | the tuned scale sets, scale usage and its cost, Huffman-coded scale indices, scale tuning |
//! | [`storage`] | the versioned bit-packed byte format with checked reading |
//! | [`bounds`] | `φ(R)`, `Γ(R)`, `R*`, the Gaussian `D(R)` |
//! | [`scalar`] | baselines: absmax int-b per group (rotated or not), Lloyd-Max for the Gaussian |
//! | [`vq`] | an 8-dimensional Lloyd VQ: the "spread" baseline below one bit |
//! | [`product`] | the [`product::ProductQuantizer`] interface every scheme implements, and the distortion |
//!
//! # Conventions
//!
//! * Blocks are contiguous runs of a column; columns shorter than a whole
//!   number of blocks (or than a power of two, for the Hadamard rotation)
//!   are zero-padded, and every rate pays for the padding.
//! * Randomness shared by encoder and decoder (rotation, dither) comes from
//!   the configuration's seed through [`infoflow_numerics::rng::Streams`];
//!   two quantizers with equal configurations are interchangeable, and
//!   encodings carry a fingerprint that products check.
//! * Every overload of a Voronoi code is an error ([`Error::Overload`]), never a silent
//!   wrap-around to a far-away point; the default scale sets make it
//!   negligible for Gaussian-like blocks (no overload in 3.4·10⁷ blocks at
//!   `q ≥ 6` with a top scale of 10).
//! * Results do not depend on the thread count. Encoded indices are
//!   identical on every CPU; the AVX-512 kernels reproduce the portable ones
//!   bit for bit (tested), and floating-point products follow
//!   `docs/architecture.md` (identical per instruction set).

#![warn(missing_docs)]

pub mod bounds;
pub mod entropy;
pub mod error;
pub mod lattice;
pub mod lut;
pub mod matrix;
pub mod preprocess;
pub mod product;
pub mod scalar;
pub mod scales;
pub mod storage;
pub mod voronoi;
pub mod vq;

pub use error::{Error, Result};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
