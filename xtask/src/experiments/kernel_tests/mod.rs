//! Experiments of `infoflow-kernel-tests` (arXiv 2308.09043, 2211.01126).

pub mod calibration;
pub mod learned;
pub mod mixture;
pub mod tradeoff;
