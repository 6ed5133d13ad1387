//! Experiments of `infoflow-particles` (arXiv 2312.10794, 2305.05465,
//! 2410.06833, 2411.04990).

pub mod energy;
pub mod equiangular;
pub mod hemisphere;
pub mod leaders_1d;
pub mod metastability;
pub mod phase_diagram;
pub mod value_spectrum;
