//! Experiments of `infoflow-particles` (arXiv 2312.10794, 2305.05465,
//! 2410.06833, 2411.04990).

pub mod energy;
pub mod equiangular;
