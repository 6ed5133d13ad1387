//! # infoflow-kernel-tests
//!
//! Kernel two-sample and likelihood-free hypothesis tests. With samples
//! `X ~ P_X`, `Y ~ P_Y` (n each) and `Z ~ P_Z` (m), the squared maximum mean
//! discrepancy for a kernel `k` is
//!
//! ```text
//! MMD²(P, Q) = E k(x, x') + E k(y, y') − 2 E k(x, y),
//! ```
//!
//! and the likelihood-free test decides whether `Z` came from `P_X` or `P_Y`
//! (or a `δ`-mixture) from the witness statistic of the kernel mean
//! embeddings, with the `m` vs `n` trade-off the papers characterise.
//!
//! ## Papers
//!
//! * arXiv 2308.09043, Gerber, Jiang, Polyanskiy, Sun, *Kernel-based tests for likelihood-free hypothesis
//!   testing* (with the mixture setting).
//! * arXiv 2211.01126, Gerber, Polyanskiy, *Likelihood-free hypothesis
//!   testing*.
//!
//! ## Status
//!
//! This crate is being built (issue 7). Planned modules: `kernel` (Gaussian,
//! Laplace, IMQ, linear, polynomial, median heuristic, feature-map kernels),
//! `matrix` (blocked kernel matrices through faer GEMM), `mmd` (biased,
//! unbiased, linear-time estimators and variances), `test` (permutation and
//! likelihood-free tests with calibration), `data` (HIGGS and CIFAR-10
//! loaders, synthetic problems).

#![warn(missing_docs)]
