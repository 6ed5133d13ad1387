//! Experiments of `infoflow-lattice-quant` (arXiv 2410.13780, with
//! NestQuant arXiv 2502.09720 and Kaplan–Ordentlich arXiv 2505.13164).

pub mod gap;
pub mod lattices;
pub mod rate_distortion;
pub mod schemes;
pub mod universal;
