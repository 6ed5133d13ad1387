//! A reproducible parallel Monte-Carlo estimate.
//!
//! Estimates `P(⟨x, y⟩ ≥ 1/2)` for independent uniform points on S^{d−1},
//! the normalised measure of a spherical cap, with trials split into fixed
//! batches, each on its own ChaCha8 stream. The estimate is bit-identical
//! whatever the number of threads, and is compared with the exact cap
//! measure.
//!
//! Run with `cargo run --release -p infoflow-numerics --example parallel_monte_carlo`.

use infoflow_numerics::{rng::Streams, sphere, stats};
use rayon::prelude::*;

fn estimate(streams: &Streams, dim: usize, batches: u64, per_batch: u64, threads: usize) -> u64 {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    pool.install(|| {
        (0..batches)
            .into_par_iter()
            .map(|b| {
                // The batch index, not the thread, picks the stream.
                let mut rng = streams.stream(b);
                let (mut x, mut y) = (vec![0.0; dim], vec![0.0; dim]);
                (0..per_batch)
                    .filter(|_| {
                        sphere::fill_uniform(&mut x, &mut rng).expect("dim >= 1");
                        sphere::fill_uniform(&mut y, &mut rng).expect("dim >= 1");
                        x.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() >= 0.5
                    })
                    .count() as u64
            })
            .sum()
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dim = 5;
    let (batches, per_batch) = (64, 10_000);
    let streams = Streams::for_point(2026, "example.cap", "d=5,h=0.5");
    let one = estimate(&streams, dim, batches, per_batch, 1);
    let two = estimate(&streams, dim, batches, per_batch, 2);
    assert_eq!(one, two, "the thread count must not change the result");

    let n = batches * per_batch;
    let ci = stats::clopper_pearson_interval(one, n, 0.99)?;
    let exact = sphere::cap_measure(dim, 0.5)?;
    println!("P(<x,y> >= 1/2) on S^{}: {} / {n} = {:.5}", dim - 1, one, one as f64 / n as f64);
    println!("99% Clopper-Pearson interval [{:.5}, {:.5}]; exact cap measure {exact:.5}", ci.lo, ci.hi);
    println!("exact value inside the interval: {}", ci.contains(exact));
    Ok(())
}
