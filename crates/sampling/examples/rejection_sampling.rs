//! Approximate rejection sampling from your own density: target `ν` a
//! two-component Gaussian mixture, proposals from `μ = N(0, 2²)`. Each
//! sample is selected from `n` proposals by truncated rejection at the
//! level the theorem gives for the χ² budget, and the exact total variation
//! of the selected sample's law is printed next to the empirical mean.
//!
//! `cargo run --release -p infoflow-sampling --example rejection_sampling`

use infoflow_numerics::rng::Streams;
use infoflow_sampling::distribution::{Continuous, Law1d, ratio_at};
use infoflow_sampling::divergence::{self, ChiSquared};
use infoflow_sampling::sampler::Rule;
use rand_distr::{Distribution, Normal};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The target: 0.3 N(-1, 0.5²) + 0.7 N(1.5, 0.7²). Any `Law1d` works.
    let nu = Continuous::mixture(vec![(0.3, Continuous::normal(-1.0, 0.5)?), (0.7, Continuous::normal(1.5, 0.7)?)])?;
    let mu = Continuous::normal(0.0, 2.0)?;
    let budget = divergence::continuous(&ChiSquared, &nu, &mu)?;
    let eps = 0.02;
    let rule = Rule::for_budget(&ChiSquared, budget, eps)?;
    let n = 200;
    println!("χ²(ν‖μ) = {budget:.3}; {} with n = {n} proposals", rule.name());
    println!("exact TV of one selected sample's law: {:.4}", rule.tv_continuous(&nu, &mu, n)?);

    let streams = Streams::for_point(1, "example", "rejection-sampling");
    let proposal = Normal::new(0.0, 2.0)?;
    let (samples, mut mean) = (20_000, 0.0);
    for i in 0..samples {
        let mut rng = streams.stream(i);
        let xs: Vec<f64> = (0..n).map(|_| proposal.sample(&mut rng)).collect();
        let ratios: Vec<f64> = xs.iter().map(|&x| ratio_at(&nu, &mu, x)).collect();
        mean += xs[rule.select(&ratios, &mut rng)?] / samples as f64;
    }
    let target_mean = 0.7 * 1.5 - 0.3;
    println!("mean of {samples} samples: {mean:.4} (target {target_mean:.4}); support of ν: {:?}", nu.support());
    Ok(())
}
