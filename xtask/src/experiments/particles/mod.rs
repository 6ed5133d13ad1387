//! Experiments of `infoflow-particles` (arXiv 2312.10794, 2305.05465,
//! 2410.06833, 2411.04990).

pub mod causal;
pub mod energy;
pub mod equiangular;
pub mod hemisphere;
pub mod leaders_1d;
pub mod metastability;
pub mod phase_diagram;
pub mod renyi;
pub mod staircase;
pub mod value_spectrum;
