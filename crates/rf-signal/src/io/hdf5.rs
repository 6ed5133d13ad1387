//! HDF5 frames (feature `hdf5`).

use super::{Array, file_error};
use crate::error::Result;
use hdf5_metno as h5;
use infoflow_numerics::signal::C64;
use std::path::Path;

/// Reads the frames of dataset `name` in `path` as rows of complex samples:
/// a complex dataset (h5py's compound `{r, i}` of `f32` or `f64`) of shape
/// `[frames, samples]`, or a real one of shape `[frames, samples, 2]` (real
/// and imaginary parts last, as the organisers' training files store
/// `mixture` and `target`). A missing file or dataset, another shape or
/// type, or a non-finite sample is an error naming the file.
pub fn read_frames(path: impl AsRef<Path>, name: &str) -> Result<Array<C64>> {
    let path = path.as_ref();
    let err = |e: h5::Error| file_error(path, e.to_string());
    let file = h5::File::open(path).map_err(err)?;
    let ds = file.dataset(name).map_err(|e| file_error(path, format!("dataset {name:?}: {e}")))?;
    let shape = ds.shape();
    let descriptor = ds.dtype().and_then(|t| t.to_descriptor()).map_err(err)?;
    let data: Vec<C64> = match (shape.as_slice(), descriptor) {
        ([_, _], h5::types::TypeDescriptor::Compound(_)) => {
            ds.read_raw::<C64>().map_err(|e| file_error(path, format!("dataset {name:?} is not complex: {e}")))?
        }
        ([_, _, 2], h5::types::TypeDescriptor::Float(_)) => {
            let raw = ds.read_raw::<f64>().map_err(err)?;
            raw.chunks_exact(2).map(|p| C64::new(p[0], p[1])).collect()
        }
        (s, d) => {
            return Err(file_error(
                path,
                format!(
                    "dataset {name:?} has shape {s:?} and type {d:?}; expected complex [frames, samples] or real [frames, samples, 2]"
                ),
            ));
        }
    };
    if !infoflow_numerics::all_finite(infoflow_numerics::signal::as_interleaved(&data)) {
        return Err(file_error(path, format!("dataset {name:?} holds non-finite samples")));
    }
    Ok(Array { shape: shape[..2].to_vec(), data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::signal::Complex;
    type Complex32 = Complex<f32>;

    #[test]
    fn reads_complex_and_real_pair_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("frames.h5");
        let frames: Vec<Complex32> = (0..12).map(|i| Complex32::new(i as f32, -(i as f32) / 2.0)).collect();
        {
            let f = h5::File::create(&p).unwrap();
            f.new_dataset::<Complex32>().shape((3, 4)).create("dataset").unwrap().write_raw(&frames).unwrap();
            let pairs: Vec<f32> = frames.iter().flat_map(|z| [z.re, z.im]).collect();
            f.new_dataset::<f32>().shape((3, 4, 2)).create("mixture").unwrap().write_raw(&pairs).unwrap();
            f.new_dataset::<f32>().shape((3, 4)).create("wrong").unwrap().write_raw(&pairs[..12]).unwrap();
        }
        let a = read_frames(&p, "dataset").unwrap();
        assert_eq!(a.shape, vec![3, 4]);
        assert_eq!(a.row(2).unwrap()[1], C64::new(9.0, -4.5));
        assert_eq!(read_frames(&p, "mixture").unwrap(), a);
        assert!(read_frames(&p, "wrong").is_err());
        assert!(read_frames(&p, "missing").is_err());
        assert!(read_frames(dir.path().join("none.h5"), "dataset").is_err());
        std::fs::write(dir.path().join("junk.h5"), b"not hdf5").unwrap();
        assert!(read_frames(dir.path().join("junk.h5"), "dataset").is_err());
    }

    /// A valid file with both layouts, then `cases` mutations of its bytes
    /// (numerics' structure-aware mutator) and random files: every read
    /// returns, an error or frames, and never panics. HDF5 itself is C:
    /// a crash inside the library would abort the test process, which the
    /// test would report as a failure too.
    fn fuzz(cases: usize) {
        use infoflow_numerics::fuzz::{mutate, random_bytes};
        use infoflow_numerics::rng::Streams;
        use rand::RngExt;
        let dir = tempfile::tempdir().unwrap();
        let valid_path = dir.path().join("valid.h5");
        {
            let frames: Vec<Complex32> = (0..8).map(|i| Complex32::new(i as f32, 0.5)).collect();
            let f = h5::File::create(&valid_path).unwrap();
            f.new_dataset::<Complex32>().shape((2, 4)).create("dataset").unwrap().write_raw(&frames).unwrap();
            let pairs: Vec<f32> = frames.iter().flat_map(|z| [z.re, z.im]).collect();
            f.new_dataset::<f32>().shape((2, 4, 2)).create("mixture").unwrap().write_raw(&pairs).unwrap();
        }
        let valid = std::fs::read(&valid_path).unwrap();
        let mut rng = Streams::for_point(11, "rf-signal.hdf5", "fuzz").stream(0);
        let case_path = dir.path().join("case.h5");
        let mut defects = Vec::new();
        for case in 0..cases {
            let bytes = if case % 10 == 9 {
                let len = rng.random_range(0..2 * valid.len());
                random_bytes(len, &mut rng)
            } else {
                mutate(&valid, &mut rng)
            };
            std::fs::write(&case_path, &bytes).unwrap();
            for name in ["dataset", "mixture"] {
                let read = std::panic::catch_unwind(|| read_frames(&case_path, name));
                match read {
                    Err(_) => defects.push(format!("case {case}, {name}: panicked")),
                    Ok(Ok(a)) if a.data.len() != a.shape.iter().product::<usize>() => {
                        defects.push(format!("case {case}, {name}: shape {:?} for {} samples", a.shape, a.data.len()))
                    }
                    Ok(_) => {}
                }
            }
        }
        assert!(defects.is_empty(), "{} defects: {:?}", defects.len(), &defects[..defects.len().min(5)]);
    }

    #[test]
    fn mutated_files_never_panic() {
        fuzz(300);
    }

    #[test]
    #[ignore = "long: 20,000 mutated files"]
    fn mutated_files_never_panic_long() {
        fuzz(20_000);
    }
}
