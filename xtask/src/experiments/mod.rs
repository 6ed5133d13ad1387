//! The experiments, one folder per crate and one file per experiment.
//!
//! [`registry`] is the list the lab runs; ids are part of the contract
//! (results live under `results/<id>/`), so never rename one.

use crate::lab::DynExperiment;

pub mod diffusion_sep;
pub mod kernel_tests;
pub mod lattice_quant;
pub mod numerics;
pub mod particles;
pub mod rf_signal;
pub mod sampling;

/// Every experiment, in the order the report shows them.
pub fn registry() -> Vec<Box<dyn DynExperiment>> {
    vec![
        Box::new(numerics::sphere_inner_products::SphereInnerProducts),
        Box::new(particles::equiangular::Equiangular),
        Box::new(particles::energy::Energy),
        Box::new(particles::phase_diagram::PhaseDiagram),
        Box::new(particles::hemisphere::Hemisphere),
        Box::new(particles::value_spectrum::ValueSpectrum),
        Box::new(particles::leaders_1d::Leaders1d),
        Box::new(particles::metastability::Metastability),
        Box::new(particles::staircase::Staircase),
        Box::new(particles::causal::Causal),
        Box::new(particles::renyi::Renyi),
        Box::new(particles::wendel::Wendel),
        Box::new(lattice_quant::lattices::Lattices),
        Box::new(lattice_quant::rate_distortion::RateDistortion),
        Box::new(lattice_quant::universal::Universal),
        Box::new(lattice_quant::gap::Gap),
        Box::new(rf_signal::awgn::Awgn),
        Box::new(rf_signal::baselines::Baselines),
        Box::new(rf_signal::learned::Learned),
        Box::new(rf_signal::ofdm_architectures::OfdmArchitectures),
        Box::new(diffusion_sep::alpha_rgs::AlphaRgsExperiment),
        Box::new(diffusion_sep::omega::Omega),
        Box::new(diffusion_sep::modes::Modes),
        Box::new(sampling::rates::Rates),
        Box::new(sampling::selection_rules::SelectionRules),
        Box::new(sampling::is_vs_rs::IsVsRs),
        Box::new(sampling::smoothed_online::SmoothedOnline),
        Box::new(kernel_tests::calibration::Calibration),
        Box::new(kernel_tests::tradeoff::Tradeoff),
        Box::new(kernel_tests::mixture::MixtureExperiment),
        Box::new(kernel_tests::learned::LearnedKernels),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Profile;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let crates =
            ["numerics", "particles", "lattice-quant", "rf-signal", "diffusion-sep", "kernel-tests", "sampling"];
        let mut seen = std::collections::HashSet::new();
        for e in registry() {
            let m = e.meta();
            assert!(seen.insert(m.id), "duplicate id {}", m.id);
            let (krate, name) = m.id.split_once('.').expect("id is <crate>.<name>");
            assert!(crates.contains(&krate), "{} does not name a workspace crate", m.id);
            assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            assert!(!m.title.is_empty() && !m.paper.is_empty() && !m.figure.is_empty());
        }
    }

    #[test]
    fn every_profile_has_a_valid_grid() {
        for e in registry() {
            for p in Profile::ALL {
                let points = e.points(p).unwrap_or_else(|err| panic!("{}: {err:#}", e.meta().id));
                assert!(!points.is_empty(), "{} has no points at {p}", e.meta().id);
            }
        }
    }
}
