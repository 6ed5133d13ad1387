//! The workload of `benches/reference/mmd_test.py`: `MMD²_u` with a
//! Gaussian kernel and a permutation test over the relabellings written by
//! the script, one thread, best of `REPS`; writes every statistic back so
//! the script can check that both programs computed the same thing.
//!
//! Usage: `mmd_workload DATA N M D BANDWIDTH PERMS_FILE OUT [REPS]` (raw
//! little-endian f64 data, `(N + M) × D` row-major; the permutation file
//! holds `P × N` little-endian u32 pooled indices).

use faer::{Mat, Par};
use infoflow_kernel_tests::kernel::Gaussian;
use infoflow_kernel_tests::two_sample::permutation_statistics;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 8 {
        return Err("usage: mmd_workload DATA N M D BANDWIDTH PERMS_FILE OUT [REPS]".into());
    }
    let (n, m, d): (usize, usize, usize) = (args[2].parse()?, args[3].parse()?, args[4].parse()?);
    let bandwidth: f64 = args[5].parse()?;
    let reps: usize = args.get(8).map(|s| s.parse()).transpose()?.unwrap_or(3);
    let data: Vec<f64> =
        std::fs::read(&args[1])?.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect();
    if data.len() != (n + m) * d {
        return Err(format!("{} values, expected {}", data.len(), (n + m) * d).into());
    }
    let x = Mat::from_fn(n, d, |i, j| data[i * d + j]);
    let y = Mat::from_fn(m, d, |i, j| data[(n + i) * d + j]);
    let perms: Vec<u32> =
        std::fs::read(&args[6])?.chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
    let mut sets = vec![(0..n).collect::<Vec<usize>>()];
    sets.extend(perms.chunks_exact(n).map(|c| c.iter().map(|&i| i as usize).collect()));
    let k = Gaussian::new(bandwidth)?;
    let (mut mmd_time, mut test_time) = (f64::INFINITY, f64::INFINITY);
    let (mut mmd2, mut stats) = (0.0, Vec::new());
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        mmd2 = infoflow_kernel_tests::mmd::unbiased(&k, x.as_ref(), y.as_ref(), Par::Seq)?.mmd2;
        mmd_time = mmd_time.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        stats = permutation_statistics(&k, x.as_ref(), y.as_ref(), &sets, Par::Seq)?;
        test_time = test_time.min(t.elapsed().as_secs_f64());
    }
    let out: Vec<u8> = std::iter::once(mmd2).chain(stats).flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&args[7], out)?;
    println!("rust: mmd2 {mmd_time:.4} s, permutation test {test_time:.4} s (best of {reps})");
    Ok(())
}
