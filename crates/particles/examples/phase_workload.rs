//! The phase-diagram workload of arXiv 2312.10794 on one thread: `B`
//! systems of `n` tokens in `R^d`, SA with `Q = K = V = I`, `steps` Euler +
//! renormalise steps of `h = 0.1`, recording the fraction of pairs with
//! `⟨x_i, x_j⟩ ≥ 0.999` before every step.
//!
//! ```text
//! cargo run --release -p infoflow-particles --example phase_workload -- [B n d steps beta] [IN OUT]
//! ```
//!
//! With `IN` and `OUT`, reads the starting positions from `IN` (raw
//! little-endian f64, shape `B × n × d`, C order) and writes the final ones
//! to `OUT` in the same layout, so `benches/reference/phase_diagram.py` can
//! check that numpy and Rust ran the same algorithm before comparing their
//! times. Prints the wall time of the stepping loop only.

use faer::Mat;
use infoflow_numerics::rng::Streams;
use infoflow_particles::ensemble::{Ensemble, EnsembleStep};
use infoflow_particles::{Normalization, Particles};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: f64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let (b, n, d, steps, beta) =
        (num(0, 2048.0) as usize, num(1, 32.0) as usize, num(2, 8.0) as usize, num(3, 300.0) as usize, num(4, 4.0));
    let systems: Vec<Particles> = match args.get(5) {
        Some(path) => {
            let bytes = std::fs::read(path)?;
            let v: Vec<f64> =
                bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
            if v.len() != b * n * d {
                return Err(format!("{path}: expected {} values, found {}", b * n * d, v.len()).into());
            }
            (0..b)
                .map(|s| Particles::on_sphere(Mat::from_fn(n, d, |i, k| v[(s * n + i) * d + k])))
                .collect::<Result<_, _>>()?
        }
        None => {
            let streams = Streams::for_point(1, "phase-workload", "start");
            (0..b).map(|s| Particles::uniform(n, d, &mut streams.stream(s as u64))).collect::<Result<_, _>>()?
        }
    };
    let mut ens = Ensemble::new(&systems)?;
    let step = EnsembleStep { beta, normalization: Normalization::Softmax, step: 0.1, threshold: Some(0.999) };
    let start = Instant::now();
    let mut last = 0.0;
    for _ in 0..steps {
        last = ens.euler_step(&step)?.unwrap_or(0.0);
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "rust: B={b} n={n} d={d} steps={steps} beta={beta}: {seconds:.4} s ({:.3} us per system-step), last fraction {last:.6}",
        seconds * 1e6 / (b * steps) as f64
    );
    if let Some(path) = args.get(6) {
        let mut bytes = Vec::with_capacity(b * n * d * 8);
        for s in 0..b {
            let p = ens.system(s)?;
            for i in 0..n {
                for k in 0..d {
                    bytes.extend_from_slice(&p.positions()[(i, k)].to_le_bytes());
                }
            }
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}
