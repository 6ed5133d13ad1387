//! # infoflow-lattice-quant
//!
//! Nested-lattice quantization for approximate matrix multiplication. Two
//! encoders compress `A ∈ R^{n×a}` and `B ∈ R^{n×b}` independently to `R`
//! bits per entry; a decoder estimates `AᵀB` from the two codes. For iid
//! Gaussian matrices no scheme beats
//!
//! ```text
//! E‖AᵀB − Ĉ‖²_F ≥ a·b·n·Γ(R),   Γ(R) = φ(R) for R ≥ R*,   φ(R) = 2·2^{−2R} − 2^{−4R},
//! ```
//!
//! with time-sharing below `R* ≈ 0.906` (the root of `2^{2R} − 1 = 4 ln 2 · R`),
//! and Voronoi codes of the E8 lattice with a random rotation and a few
//! candidate scales come within a few dB of it.
//!
//! ## Papers
//!
//! * arXiv 2410.13780, Ordentlich and Polyanskiy, *Optimal quantization for
//!   matrix multiplication*.
//! * arXiv 2502.09720, *NestQuant: nested lattice quantization for matrix
//!   products and LLMs*.
//! * Conway and Sloane, *Fast quantizing and decoding algorithms for lattice
//!   quantizers and codes* (1982).
//!
//! ## Status
//!
//! This crate is being built (issue 4). Planned modules: `lattice` (Zⁿ, Dₙ,
//! E8 closest-point algorithms, second moments), `voronoi` (nested-lattice
//! codes with the shared tie-break offset), `matrix` (the column-wise matrix
//! quantizer with rotation, scales and exact rate accounting), `product`
//! (decode-then-GEMM and code-domain lookup-table GEMV), `storage` (a
//! versioned bit-packed format), `bounds` (φ, Γ, Gaussian D(R)) and
//! `baselines` (absmax round-to-nearest, Hadamard-rotated, Lloyd–Max). The
//! randomized Hadamard rotation comes from `infoflow-numerics`.

#![warn(missing_docs)]
