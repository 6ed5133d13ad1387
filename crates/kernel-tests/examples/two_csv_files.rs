//! A two-sample test on two CSV files (one sample per line, numeric columns,
//! no header): are they drawn from the same distribution? Gaussian kernel
//! with the median-heuristic bandwidth, 500 permutations, level 0.05.
//!
//! `cargo run --release -p infoflow-kernel-tests --example two_csv_files -- x.csv y.csv`
//!
//! Without arguments it writes two small demo files (a shifted Gaussian) to
//! the temporary folder and tests those.

use faer::{Mat, Par};
use infoflow_kernel_tests::data::gaussian_shift;
use infoflow_kernel_tests::kernel::{Gaussian, median_bandwidth};
use infoflow_kernel_tests::two_sample::permutation_test;
use infoflow_numerics::rng::Streams;
use std::path::{Path, PathBuf};

/// Rows of numbers separated by commas; every row of the same length.
fn read_csv(path: &Path) -> Result<Mat<f64>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let row = line.split(',').map(|f| f.trim().parse::<f64>()).collect::<Result<Vec<_>, _>>();
        let row = row.map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if rows.first().is_some_and(|r| r.len() != row.len()) {
            return Err(
                format!("{}:{}: {} columns, expected {}", path.display(), i + 1, row.len(), rows[0].len()).into()
            );
        }
        rows.push(row);
    }
    let d = rows.first().ok_or_else(|| format!("{}: no rows", path.display()))?.len();
    Ok(Mat::from_fn(rows.len(), d, |i, j| rows[i][j]))
}

fn write_demo(path: &Path, shift: f64, seed: u64) -> std::io::Result<()> {
    let x = gaussian_shift(300, 4, shift, &mut Streams::for_point(seed, "example", "csv").stream(0));
    let lines: Vec<String> =
        (0..x.nrows()).map(|i| (0..x.ncols()).map(|j| x[(i, j)].to_string()).collect::<Vec<_>>().join(",")).collect();
    std::fs::write(path, lines.join("\n") + "\n")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let (px, py) = match &args[..] {
        [a, b] => (a.clone(), b.clone()),
        [] => {
            let dir = std::env::temp_dir();
            let (a, b) = (dir.join("infoflow-x.csv"), dir.join("infoflow-y.csv"));
            write_demo(&a, 0.0, 1)?;
            write_demo(&b, 0.4, 2)?;
            println!("no files given: testing demo files {} and {}", a.display(), b.display());
            (a, b)
        }
        _ => return Err("usage: two_csv_files X.csv Y.csv".into()),
    };
    let (x, y) = (read_csv(&px)?, read_csv(&py)?);
    let kernel = Gaussian::new(median_bandwidth(x.as_ref(), y.as_ref())?)?;
    let mut rng = Streams::for_point(1, "example", "two-csv-files").stream(0);
    let t = permutation_test(&kernel, x.as_ref(), y.as_ref(), 500, 0.05, Par::Seq, &mut rng)?;
    println!(
        "{} vs {} samples in d = {}: MMD²_u = {:.5}, p = {:.4} → {}",
        x.nrows(),
        y.nrows(),
        x.ncols(),
        t.statistic,
        t.p_value,
        if t.reject { "different distributions (reject at 0.05)" } else { "no evidence of a difference" }
    );
    Ok(())
}
