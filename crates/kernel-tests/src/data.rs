//! Data: the synthetic problems of the papers and loaders for the HIGGS CSV
//! and the CIFAR-10 binary format.
//!
//! Synthetic problems (samples are matrix rows):
//! * [`gaussian_shift`]: `N(0, I_d)` against `N(θ e₁, I_d)`;
//! * [`blob`]: Liu et al.'s Blob — a 3 × 3 grid of Gaussians (variance
//!   0.03), `Q` with blob-dependent correlations;
//! * [`hdgm`]: Liu et al.'s high-dimensional Gaussian mixture (means 0 and
//!   0.5·1), `Q` with correlation ±0.5 between the first two coordinates;
//! * [`PerturbedUniform`]: the discrete problem of arXiv 2308.09043: `k`
//!   atoms, `p₀ = (1 ± ε)/k` with alternating signs and `p₁` the opposite.
//!
//! Loaders: [`read_higgs`] (label then 28 features per line, comma
//! separated, plain or gzip), [`read_cifar`] (3073-byte records: a label
//! byte 0–9, then 3072 pixel bytes). Malformed files are errors naming the
//! file and the line or record.

use crate::error::{Error, Result};
use faer::Mat;
use flate2::read::GzDecoder;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

/// `n` draws of `N(θ e₁, I_d)` (`θ = 0` for the null).
pub fn gaussian_shift<R: Rng + ?Sized>(n: usize, d: usize, theta: f64, rng: &mut R) -> Mat<f64> {
    Mat::from_fn(n, d, |_, j| normal(rng) + if j == 0 { theta } else { 0.0 })
}

/// `n` draws of Liu et al.'s Blob: a uniform blob of the 3 × 3 grid
/// (centres `{0, 4, 8}²`), variance 0.03; with `alternative`, blob `i`'s
/// correlation is `−0.02 − 0.002i` (`i < 4`), 0 (`i = 4`),
/// `0.02 + 0.002(i − 5)` (`i > 4`) in covariance units.
pub fn blob<R: Rng + ?Sized>(n: usize, alternative: bool, rng: &mut R) -> Mat<f64> {
    let mut out = Mat::zeros(n, 2);
    for r in 0..n {
        let b = rng.random_range(0..9usize);
        let (cx, cy) = (4.0 * (b % 3) as f64, 4.0 * (b / 3) as f64);
        let cov = if !alternative {
            0.0
        } else if b < 4 {
            -0.02 - 0.002 * b as f64
        } else if b == 4 {
            0.0
        } else {
            0.02 + 0.002 * (b - 5) as f64
        };
        // Cholesky of [[0.03, c], [c, 0.03]].
        let l11 = 0.03f64.sqrt();
        let l21 = cov / l11;
        let l22 = (0.03 - l21 * l21).sqrt();
        let (z1, z2) = (normal(rng), normal(rng));
        out[(r, 0)] = cx + l11 * z1;
        out[(r, 1)] = cy + l21 * z1 + l22 * z2;
    }
    out
}

/// `n` draws of Liu et al.'s HDGM in `d ≥ 2` dimensions: a half-half mixture
/// of `N(0, Σ)` and `N(0.5·1, Σ)`, `Σ = I` under the null and, with
/// `alternative`, correlation `+0.5` (first component) or `−0.5` (second)
/// between coordinates 0 and 1.
pub fn hdgm<R: Rng + ?Sized>(n: usize, d: usize, alternative: bool, rng: &mut R) -> Result<Mat<f64>> {
    if d < 2 {
        return Err(Error::invalid("d", d, "HDGM needs at least two dimensions"));
    }
    let mut out = Mat::zeros(n, d);
    for r in 0..n {
        let second = rng.random::<bool>();
        let shift = if second { 0.5 } else { 0.0 };
        let z: Vec<f64> = (0..d).map(|_| normal(rng)).collect();
        for j in 0..d {
            out[(r, j)] = shift + z[j];
        }
        if alternative {
            let rho: f64 = if second { -0.5 } else { 0.5 };
            out[(r, 1)] = shift + rho * z[0] + (1.0 - rho * rho).sqrt() * z[1];
        }
    }
    Ok(out)
}

/// The perturbed-uniform pair on `k` atoms: `p₀_i = (1 + ε s_i)/k`,
/// `p₁_i = (1 − ε s_i)/k` with `s_i = ±1` alternating; `TV = ε`,
/// `‖p₀ − p₁‖₂ = 2ε/√k`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq)]
pub struct PerturbedUniform {
    /// `p₀`.
    pub p0: Vec<f64>,
    /// `p₁`.
    pub p1: Vec<f64>,
}

impl PerturbedUniform {
    /// `k ≥ 2` (even) atoms, `ε ∈ (0, 1)`.
    pub fn new(k: usize, eps: f64) -> Result<Self> {
        if k < 2 || !k.is_multiple_of(2) || !(eps > 0.0 && eps < 1.0) {
            return Err(Error::invalid("k, eps", format!("{k}, {eps}"), "an even k ≥ 2 and ε in (0, 1)"));
        }
        let s = |i: usize| if i.is_multiple_of(2) { 1.0 } else { -1.0 };
        Ok(Self {
            p0: (0..k).map(|i| (1.0 + eps * s(i)) / k as f64).collect(),
            p1: (0..k).map(|i| (1.0 - eps * s(i)) / k as f64).collect(),
        })
    }

    /// Counts of `n` draws from `p` (multinomial, by conditional binomials:
    /// `O(k)` per sample set, whatever `n`).
    ///
    /// Errors on an empty `p`, a probability that is negative or not finite,
    /// a total mass that is not positive and finite (`p` need not sum to 1:
    /// it is normalised), and `n` beyond `u32::MAX` (the counts are `u32`).
    pub fn counts<R: Rng + ?Sized>(p: &[f64], n: usize, rng: &mut R) -> Result<Vec<u32>> {
        if p.is_empty() {
            return Err(Error::invalid("p", "empty", "needs at least one atom"));
        }
        if let Some(&bad) = p.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(Error::invalid("p", bad, "probabilities must be finite and >= 0"));
        }
        let mut mass: f64 = p.iter().sum();
        if !(mass > 0.0 && mass.is_finite()) {
            return Err(Error::invalid("p", mass, "the total mass must be positive and finite"));
        }
        let mut left = u32::try_from(n).map_err(|_| Error::invalid("n", n, "counts are u32: n <= 4294967295"))? as u64;
        Ok(p.iter()
            .map(|&pi| {
                if left == 0 || mass <= 0.0 {
                    return 0;
                }
                let q = (pi / mass).clamp(0.0, 1.0);
                let c = rand_distr::Binomial::new(left, q).expect("q in [0, 1]").sample(rng);
                left -= c;
                mass -= pi;
                c as u32
            })
            .collect())
    }
}

fn file_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::File { path: path.display().to_string(), reason: reason.into() }
}

/// Reads up to `max_rows` rows of a HIGGS CSV (plain or gzip, detected by
/// its magic bytes): labels (0 background, 1 signal) and the 28 features.
pub fn read_higgs(path: impl AsRef<Path>, max_rows: usize) -> Result<(Vec<u8>, Mat<f64>)> {
    let path = path.as_ref();
    let mut file = std::fs::File::open(path).map_err(|e| file_error(path, e.to_string()))?;
    let mut magic = [0u8; 2];
    let gz = file.read(&mut magic).map_err(|e| file_error(path, e.to_string()))? == 2 && magic == [0x1f, 0x8b];
    drop(file);
    let file = std::fs::File::open(path).map_err(|e| file_error(path, e.to_string()))?;
    let reader: Box<dyn BufRead> =
        if gz { Box::new(BufReader::new(GzDecoder::new(file))) } else { Box::new(BufReader::new(file)) };
    parse_higgs(path, reader, max_rows)
}

/// The HIGGS rows of `reader` (`path` names it in errors).
fn parse_higgs(path: &Path, reader: impl BufRead, max_rows: usize) -> Result<(Vec<u8>, Mat<f64>)> {
    let (mut labels, mut values) = (Vec::new(), Vec::new());
    for (line_no, line) in reader.lines().enumerate() {
        if labels.len() >= max_rows {
            break;
        }
        let line = line.map_err(|e| file_error(path, format!("line {}: {e}", line_no + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<f64> = line
            .split(',')
            .map(|f| f.trim().parse::<f64>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| file_error(path, format!("line {}: {e}", line_no + 1)))?;
        if fields.len() != 29 {
            return Err(file_error(
                path,
                format!("line {}: {} fields, a HIGGS row has 29 (label + 28 features)", line_no + 1, fields.len()),
            ));
        }
        if !(fields[0] == 0.0 || fields[0] == 1.0) || fields.iter().any(|v| !v.is_finite()) {
            return Err(file_error(
                path,
                format!("line {}: the label is not 0 or 1, or a value is not finite", line_no + 1),
            ));
        }
        labels.push(fields[0] as u8);
        values.extend_from_slice(&fields[1..]);
    }
    let n = labels.len();
    Ok((labels, Mat::from_fn(n, 28, |i, j| values[28 * i + j])))
}

/// Reads a CIFAR-10 binary batch: labels (0–9) and images as rows of 3072
/// values in `[0, 1]` (1024 red, 1024 green, 1024 blue, each 32 × 32 row-major).
pub fn read_cifar(path: impl AsRef<Path>) -> Result<(Vec<u8>, Mat<f64>)> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e.to_string()))?;
    parse_cifar(path, &bytes)
}

/// The CIFAR records of `bytes` (`path` names them in errors).
fn parse_cifar(path: &Path, bytes: &[u8]) -> Result<(Vec<u8>, Mat<f64>)> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(3073) {
        return Err(file_error(path, format!("{} bytes is not a whole number of 3073-byte records", bytes.len())));
    }
    let n = bytes.len() / 3073;
    let mut labels = Vec::with_capacity(n);
    for (i, rec) in bytes.chunks_exact(3073).enumerate() {
        if rec[0] > 9 {
            return Err(file_error(path, format!("record {i}: label {} is not 0–9", rec[0])));
        }
        labels.push(rec[0]);
    }
    Ok((labels, Mat::from_fn(n, 3072, |i, j| bytes[3073 * i + 1 + j] as f64 / 255.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::rng::Streams;
    use std::io::Write;

    #[test]
    fn synthetic_problems_have_their_moments() {
        let mut rng = Streams::for_point(1, "kernel-tests.data", "synthetic").stream(0);
        let g = gaussian_shift(20_000, 3, 1.5, &mut rng);
        let mean0: f64 = (0..20_000).map(|i| g[(i, 0)]).sum::<f64>() / 20_000.0;
        assert!((mean0 - 1.5).abs() < 0.03);
        let b = blob(20_000, true, &mut rng);
        // Points near the centre blob (index 4 at (4, 4)) are uncorrelated; near blob 8 correlation 0.026/0.03.
        let near = |cx: f64, cy: f64| {
            (0..20_000).filter(|&i| (b[(i, 0)] - cx).abs() < 1.0 && (b[(i, 1)] - cy).abs() < 1.0).collect::<Vec<_>>()
        };
        let corr = |idx: &[usize], cx: f64, cy: f64| {
            idx.iter().map(|&i| (b[(i, 0)] - cx) * (b[(i, 1)] - cy)).sum::<f64>() / idx.len() as f64 / 0.03
        };
        assert!(corr(&near(8.0, 8.0), 8.0, 8.0) > 0.6);
        assert!(corr(&near(4.0, 4.0), 4.0, 4.0).abs() < 0.1);
        let h = hdgm(20_000, 5, false, &mut rng).unwrap();
        let m: f64 = (0..20_000).map(|i| h[(i, 3)]).sum::<f64>() / 20_000.0;
        assert!((m - 0.25).abs() < 0.03);
        assert!(hdgm(10, 1, true, &mut rng).is_err());
        let pu = PerturbedUniform::new(100, 0.3).unwrap();
        let tv: f64 = pu.p0.iter().zip(&pu.p1).map(|(a, b)| (a - b).abs()).sum::<f64>() / 2.0;
        assert!((tv - 0.3).abs() < 1e-12);
        let c = PerturbedUniform::counts(&pu.p0, 1000, &mut rng).unwrap();
        assert_eq!(c.iter().sum::<u32>(), 1000);
        assert!(PerturbedUniform::new(3, 0.3).is_err());
    }

    #[test]
    fn loaders_read_format_exact_fixtures_and_reject_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let row = |label: u8| {
            let mut s = format!("{}.000000000000000000e+00", label);
            for j in 0..28 {
                s += &format!(",{:.18e}", j as f64 * 0.1 - 1.0);
            }
            s + "\n"
        };
        let text = format!("{}{}{}", row(1), row(0), row(1));
        let plain = dir.path().join("higgs.csv");
        std::fs::write(&plain, &text).unwrap();
        let (labels, x) = read_higgs(&plain, 10).unwrap();
        assert_eq!(labels, vec![1, 0, 1]);
        assert_eq!((x.nrows(), x.ncols()), (3, 28));
        assert!((x[(2, 27)] - 1.7).abs() < 1e-12);
        let gz = dir.path().join("higgs.csv.gz");
        let mut enc =
            flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::default());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap();
        assert_eq!(read_higgs(&gz, 2).unwrap().0, vec![1, 0]);
        for bad in ["1.0,2.0\n", "2.0".to_string().as_str(), &row(3), "1.0,abc\n"] {
            let p = dir.path().join("bad.csv");
            std::fs::write(&p, bad).unwrap();
            assert!(matches!(read_higgs(&p, 10), Err(Error::File { .. })), "{bad}");
        }
        let mut rec = vec![3u8];
        rec.extend((0..3072).map(|i| (i % 256) as u8));
        let c = dir.path().join("batch.bin");
        std::fs::write(&c, [rec.clone(), rec.clone()].concat()).unwrap();
        let (l, img) = read_cifar(&c).unwrap();
        assert_eq!(l, vec![3, 3]);
        assert!((img[(1, 255)] - 1.0).abs() < 1e-12);
        std::fs::write(&c, &rec[..3000]).unwrap();
        assert!(read_cifar(&c).is_err());
        rec[0] = 12;
        std::fs::write(&c, &rec).unwrap();
        assert!(read_cifar(&c).is_err());
        assert!(read_cifar(dir.path().join("none.bin")).is_err());
    }

    fn fuzz(cases: u64) {
        use infoflow_numerics::fuzz;
        let row = "1.000000000000000000e+00,".to_string() + &vec!["-2.5e-01"; 28].join(",") + "\n";
        let csv = format!("{row}{}", row.replace("1.0000", "0.0000"));
        let mut cifar = vec![7u8];
        cifar.extend((0..3072).map(|i| (i % 251) as u8));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, csv.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let p = Path::new("fuzz");
        let mut rng = infoflow_numerics::rng::Streams::for_point(1, "kernel-tests.fuzz", "loaders").stream(0);
        for case in 0..cases {
            let outcome = std::panic::catch_unwind(|| {
                let text = fuzz::mutate(csv.as_bytes(), &mut rng.clone());
                let _ = parse_higgs(p, &text[..], 10);
                let zipped = fuzz::mutate(&gz, &mut rng.clone());
                let _ = parse_higgs(p, BufReader::new(GzDecoder::new(&zipped[..])), 10);
                let _ = parse_cifar(p, &fuzz::mutate(&cifar, &mut rng.clone()));
            });
            // Advance the stream between cases (the clones above share a state).
            let _ = fuzz::random_bytes(8, &mut rng);
            assert!(outcome.is_ok(), "case {case} panicked");
        }
    }

    #[test]
    fn loaders_never_panic_on_mutated_files() {
        fuzz(2000);
    }

    #[test]
    #[ignore = "long fuzz run: cargo test -p infoflow-kernel-tests -- --ignored"]
    fn loaders_never_panic_on_mutated_files_long() {
        fuzz(200_000);
    }
}
