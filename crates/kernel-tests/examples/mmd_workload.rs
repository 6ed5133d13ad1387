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
use infoflow_kernel_tests::mmd::BLOCK;
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
    println!("rust: mmd2 {mmd_time:.4} s, permutation test {test_time:.4} s (best of {reps})");
    // Floors: the GEMMs each computation cannot avoid, as faer runs them
    // (one block product timed, times the number of block products): the
    // distance GEMMs of MMD²_u (blocks of X·Xᵀ and Y·Yᵀ on and above the
    // diagonal, all of X·Yᵀ) and the K·A products of the test (every block
    // of the pooled kernel matrix times the relabelling columns).
    let b = BLOCK;
    let time = |rows: usize, inner: usize, cols: usize| -> f64 {
        let (l, r) = (
            Mat::<f64>::from_fn(rows, inner, |i, j| ((i + j) % 7) as f64),
            Mat::<f64>::from_fn(inner, cols, |i, j| ((i * j) % 5) as f64),
        );
        let mut o = Mat::<f64>::zeros(rows, cols);
        (0..5 * reps.max(1))
            .map(|_| {
                let t = Instant::now();
                faer::linalg::matmul::matmul(o.as_mut(), faer::Accum::Replace, l.as_ref(), r.as_ref(), 1.0, Par::Seq);
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let (bn, bm, bz) = (n.div_ceil(b), m.div_ceil(b), (n + m).div_ceil(b));
    let mmd_floor = time(b, d, b) * (bn * (bn + 1) / 2 + bm * (bm + 1) / 2 + bn * bm) as f64;
    let test_floor = time(b, b, sets.len() + 1) * (bz * bz) as f64;
    println!("floors: mmd2 gemm {mmd_floor:.4} s, test gemm {test_floor:.4} s");
    let out: Vec<u8> = std::iter::once(mmd2).chain(stats).flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&args[7], out)?;
    Ok(())
}
