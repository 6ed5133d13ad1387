//! Experiments of `infoflow-rf-signal` (the RF Challenge, arXiv 2409.08839).

pub mod awgn;
pub mod baselines;
pub mod learned;
pub mod ofdm_architectures;
