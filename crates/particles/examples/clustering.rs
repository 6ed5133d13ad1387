//! Tokens cluster under self-attention: the number of clusters of 64 tokens
//! on S² over (log-spaced) time for a few inverse temperatures, with
//! adaptive steps and merging of collapsed clusters.
//!
//! Run with `cargo run --release -p infoflow-particles --example clustering`.

use infoflow_numerics::rng::Streams;
use infoflow_particles::observables::clusters;
use infoflow_particles::{
    Attention, Particles, Scheme, SolveOptions, SphereDynamics, Tolerances, log_times, solve_with,
};

fn main() -> Result<(), infoflow_particles::Error> {
    let times = log_times(0.1, 1e6, 8)?;
    println!(
        "clusters (resolution 0.01 rad) at t = {:?}",
        times.iter().map(|t| format!("{t:.0e}")).collect::<Vec<_>>()
    );
    for beta in [1.0, 9.0, 25.0] {
        let mut rng = Streams::for_point(1, "example.clustering", "start").stream(0);
        let start = Particles::uniform(64, 3, &mut rng)?;
        let dynamics = SphereDynamics::new(&Attention::softmax(beta), 3)?;
        let options = SolveOptions::new(Scheme::Adaptive(Tolerances::default())).with_merging(1e-8);
        let mut counts = Vec::new();
        let outcome = solve_with(&dynamics, &start, &times, &options, |_, p| {
            counts.push(clusters(p, 0.01f64.cos())?.len());
            Ok(())
        })?;
        println!("beta = {beta:>4}: {counts:?} ({} steps, {} merges)", outcome.stats.steps, outcome.stats.merges);
    }
    Ok(())
}
