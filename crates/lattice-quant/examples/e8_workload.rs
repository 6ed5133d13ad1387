//! The E8 Voronoi encoder on blocks read from a file, timed on one thread:
//! the Rust side of `benches/reference/e8_encoder.py`.
//!
//! `cargo run --release -p infoflow-lattice-quant --example e8_workload -- IN OUT [REPS]`
//!
//! `IN` holds little-endian `f64` blocks of 8 entries. Each block is encoded
//! with the `q = 16` code at the first of the coarse scales
//! `β₀ ∈ {3.33, 4.35, 5.64, 10}` that does not overload (fine scale
//! `β₀ / 16`). `OUT` receives, per block, the scale index and the 8 Voronoi
//! indices as little-endian `u32` (scale index 255 when every scale
//! overloads). Prints the best time over `REPS` runs (default 5).

use infoflow_lattice_quant::lattice::Gosset;
use infoflow_lattice_quant::voronoi::VoronoiCode;
use std::time::Instant;

const Q: u32 = 16;
const SCALES: [f64; 4] = [3.33, 4.35, 5.64, 10.0];

fn encode_all(code: &VoronoiCode<Gosset>, x: &[f64], chosen: &mut [u8], idx: &mut [u32]) {
    let betas = SCALES.map(|b| b / Q as f64);
    code.encode_first_fit(x, &betas, None, chosen, idx);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: e8_workload IN OUT [REPS]".into());
    }
    let bytes = std::fs::read(&args[1])?;
    if bytes.len() % 64 != 0 {
        return Err(format!("{}: {} bytes is not a whole number of 8-entry f64 blocks", args[1], bytes.len()).into());
    }
    let reps: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let x: Vec<f64> = bytes.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect();
    let code = VoronoiCode::new(Gosset, Q)?;
    let blocks = x.len() / 8;
    let (mut chosen, mut idx) = (vec![0u8; blocks], vec![0u32; 8 * blocks]);
    let mut best = f64::INFINITY;
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        encode_all(&code, std::hint::black_box(&x), &mut chosen, &mut idx);
        best = best.min(start.elapsed().as_secs_f64());
    }
    let raw: Vec<u8> = chosen
        .iter()
        .zip(idx.chunks_exact(8))
        .flat_map(|(&k, c)| std::iter::once(k as u32).chain(c.iter().copied()))
        .flat_map(|v| v.to_le_bytes())
        .collect();
    std::fs::write(&args[2], raw)?;
    println!("rust: {} blocks in {best:.6} s (best of {reps})", x.len() / 8);
    Ok(())
}
