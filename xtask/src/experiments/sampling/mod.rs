//! Experiments of `infoflow-sampling` (arXiv 2302.04658).

pub mod is_vs_rs;
pub mod rates;
pub mod selection_rules;
pub mod smoothed_online;
