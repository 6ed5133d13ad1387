//! Reading the challenge's files and writing submissions: NumPy `.npy`
//! arrays (format versions 1–3, C order).
//!
//! * [`read_complex`]: complex arrays (`<c8` complex64 as the challenge
//!   ships its mixtures, `<c16`, either byte order), e.g.
//!   `TestSet1Mixture_testmixture_QPSK_CommSignal2.npy` (1100 × 40960).
//! * [`read_strings`]: fixed-width unicode arrays (`<U…`), the metadata
//!   files (1100 × 5: κ, target SINR, actual SINR, SOI, interference).
//! * [`write_complex64`], [`write_bits`]: submission files (`<c8` and
//!   `|u1`), written atomically (a temporary file renamed into place).
//!
//! A file that is truncated, has a malformed header, an unsupported dtype,
//! Fortran order, a shape that overflows, zero-width strings or non-finite
//! samples is an [`Error::File`] naming the file and the problem; writing
//! a value that does not fit the file's type (non-finite, or beyond
//! `f32::MAX` for complex64) is an error, never a silent `inf` in the file.
//!
//! With the `hdf5` feature (or `hdf5-static`, which builds HDF5 from
//! source), `hdf5::read_frames` reads the challenge's raw interference frames
//! (`<Type>_raw_data.h5`, dataset `dataset`: complex64 as h5py's compound
//! `{r, i}`) and the organisers' training files (`mixture`/`target` as
//! float32 `[N, L, 2]`).

#[cfg(feature = "hdf5")]
pub mod hdf5;

use crate::error::{Error, Result};
use infoflow_numerics::signal::C64;
use std::io::Write;
use std::path::Path;

/// An array read from a `.npy` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Array<T> {
    /// The shape (C order: the last index varies fastest).
    pub shape: Vec<usize>,
    /// The elements in C order.
    pub data: Vec<T>,
}

impl<T: Clone> Array<T> {
    /// Row `i` of a two-dimensional array; `None` when `i` is out of range,
    /// the array is not two-dimensional, or `data` is shorter than `shape`
    /// says (possible only for an array built by hand).
    pub fn row(&self, i: usize) -> Option<&[T]> {
        match self.shape[..] {
            [rows, cols] if i < rows => {
                let start = i.checked_mul(cols)?;
                self.data.get(start..start.checked_add(cols)?)
            }
            _ => None,
        }
    }
}

struct Header {
    descr: String,
    shape: Vec<usize>,
    offset: usize,
}

pub(crate) fn file_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::File { path: path.display().to_string(), reason: reason.into() }
}

fn parse_header(path: &Path, bytes: &[u8]) -> Result<Header> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(file_error(path, "not a .npy file (bad magic)"));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(file_error(path, format!("unsupported .npy format version {v}"))),
    };
    let end = start.checked_add(len).ok_or_else(|| file_error(path, "the header length overflows"))?;
    let text = bytes
        .get(start..end)
        .ok_or_else(|| file_error(path, "truncated header"))
        .and_then(|h| std::str::from_utf8(h).map_err(|_| file_error(path, "the header is not text")))?;
    let field = |key: &str| -> Result<&str> {
        let at =
            text.find(&format!("'{key}':")).ok_or_else(|| file_error(path, format!("the header lacks '{key}'")))?;
        Ok(text[at + key.len() + 3..].trim_start())
    };
    let descr = field("descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or_else(|| file_error(path, "malformed 'descr'"))?
        .to_string();
    if field("fortran_order")?.starts_with("True") {
        return Err(file_error(path, "Fortran-order arrays are not supported; save with C order"));
    }
    let shape = field("shape")?;
    let inner = shape
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| file_error(path, "malformed 'shape'"))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| file_error(path, format!("malformed shape entry {s:?}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(Header { descr, shape, offset: end })
}

/// The number of elements of a shape, or `None` when it overflows.
fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
}

fn body<'a>(path: &Path, bytes: &'a [u8], h: &Header, item: usize) -> Result<&'a [u8]> {
    let count = element_count(&h.shape);
    let need = count.and_then(|c| c.checked_mul(item)).ok_or_else(|| file_error(path, "the shape overflows"))?;
    let data = &bytes[h.offset..];
    if data.len() < need {
        return Err(file_error(path, format!("truncated: {} data bytes, the header promises {need}", data.len())));
    }
    if data.len() > need {
        return Err(file_error(path, format!("{} bytes after the array", data.len() - need)));
    }
    Ok(data)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| file_error(path, e.to_string()))
}

/// Reads a complex array (`c8` or `c16`, little- or big-endian). A file
/// with a non-finite sample is an error, as in the HDF5 reader.
pub fn read_complex(path: impl AsRef<Path>) -> Result<Array<C64>> {
    let path = path.as_ref();
    decode_complex(path, &read(path)?)
}

fn decode_complex(path: &Path, bytes: &[u8]) -> Result<Array<C64>> {
    let h = parse_header(path, bytes)?;
    let (little, width) = match h.descr.as_str() {
        "<c8" => (true, 8),
        ">c8" => (false, 8),
        "<c16" => (true, 16),
        ">c16" => (false, 16),
        d => return Err(file_error(path, format!("dtype {d:?} is not complex64 or complex128"))),
    };
    let data = body(path, bytes, &h, width)?;
    let half = width / 2;
    let value = |b: &[u8]| -> f64 {
        if half == 4 {
            let a: [u8; 4] = b.try_into().expect("4 bytes");
            (if little { f32::from_le_bytes(a) } else { f32::from_be_bytes(a) }) as f64
        } else {
            let a: [u8; 8] = b.try_into().expect("8 bytes");
            if little { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) }
        }
    };
    let data: Vec<C64> = data.chunks_exact(width).map(|c| C64::new(value(&c[..half]), value(&c[half..]))).collect();
    if let Some(i) = data.iter().position(|z| !(z.re.is_finite() && z.im.is_finite())) {
        return Err(file_error(path, format!("non-finite sample at index {i}")));
    }
    Ok(Array { shape: h.shape, data })
}

/// Reads a fixed-width unicode array (`<U…`/`>U…`), trailing NULs removed.
/// Zero-width strings (`<U0`, which numpy never saves) are an error.
pub fn read_strings(path: impl AsRef<Path>) -> Result<Array<String>> {
    let path = path.as_ref();
    decode_strings(path, &read(path)?)
}

fn decode_strings(path: &Path, bytes: &[u8]) -> Result<Array<String>> {
    let h = parse_header(path, bytes)?;
    let (little, chars) = match h.descr.split_at(h.descr.len().min(2)) {
        ("<U", n) => (true, n),
        (">U", n) => (false, n),
        _ => return Err(file_error(path, format!("dtype {:?} is not a unicode string", h.descr))),
    };
    let chars: usize = chars.parse().map_err(|_| file_error(path, "malformed string width"))?;
    if chars == 0 {
        return Err(file_error(path, "zero-width strings ('U0') are not supported"));
    }
    let width = chars.checked_mul(4).ok_or_else(|| file_error(path, "the string width overflows"))?;
    let data = body(path, bytes, &h, width)?;
    let strings = data
        .chunks_exact(width)
        .map(|c| {
            c.chunks_exact(4)
                .map(|b| {
                    let a: [u8; 4] = b.try_into().expect("4 bytes");
                    if little { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) }
                })
                .take_while(|&u| u != 0)
                .map(|u| char::from_u32(u).ok_or_else(|| file_error(path, format!("invalid character {u:#x}"))))
                .collect::<Result<String>>()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Array { shape: h.shape, data: strings })
}

fn write(path: &Path, descr: &str, shape: &[usize], data: &[u8]) -> Result<()> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Format 1.0 stores the header length in 16 bits; a longer header (a
    // shape of thousands of dimensions) needs format 2.0's 32 bits.
    let version: u8 = if header.len() + 11 + 64 <= usize::from(u16::MAX) { 1 } else { 2 };
    let prefix = if version == 1 { 10 } else { 12 };
    while (prefix + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let header_len = u32::try_from(header.len()).map_err(|_| file_error(path, "the header is too long"))?;
    infoflow_numerics::fs::write_atomic(path, |f| {
        f.write_all(&[0x93, b'N', b'U', b'M', b'P', b'Y', version, 0])?;
        if version == 1 {
            f.write_all(&(header_len as u16).to_le_bytes())?;
        } else {
            f.write_all(&header_len.to_le_bytes())?;
        }
        f.write_all(header.as_bytes())?;
        f.write_all(data)
    })
    .map_err(|e| file_error(path, e.to_string()))
}

fn check_shape(path: &Path, shape: &[usize], len: usize) -> Result<()> {
    if element_count(shape) != Some(len) || shape.is_empty() {
        return Err(file_error(path, format!("shape {shape:?} does not hold {len} elements")));
    }
    Ok(())
}

/// Writes `data` as a complex64 array of `shape`, atomically. Non-finite
/// values, and values whose magnitude exceeds `f32::MAX` (they would become
/// infinities in the file), are errors.
pub fn write_complex64(path: impl AsRef<Path>, shape: &[usize], data: &[C64]) -> Result<()> {
    let path = path.as_ref();
    check_shape(path, shape, data.len())?;
    if !infoflow_numerics::all_finite(infoflow_numerics::signal::as_interleaved(data)) {
        return Err(Error::NonFinite { context: "array to write" });
    }
    let limit = f64::from(f32::MAX);
    if let Some(z) = data.iter().find(|z| z.re.abs() > limit || z.im.abs() > limit) {
        return Err(Error::invalid("sample", z, "beyond the range of complex64 (|part| <= f32::MAX)"));
    }
    let bytes: Vec<u8> =
        data.iter().flat_map(|z| (z.re as f32).to_le_bytes().into_iter().chain((z.im as f32).to_le_bytes())).collect();
    write(path, "<c8", shape, &bytes)
}

/// Writes bits (0 or 1) as a `uint8` array of `shape`, atomically.
pub fn write_bits(path: impl AsRef<Path>, shape: &[usize], bits: &[u8]) -> Result<()> {
    let path = path.as_ref();
    check_shape(path, shape, bits.len())?;
    if bits.iter().any(|&b| b > 1) {
        return Err(Error::invalid("bit", "> 1", "bits are 0 or 1"));
    }
    write(path, "|u1", shape, bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_round_trip_and_numpy_layout() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mix.npy");
        let data: Vec<C64> = (0..6).map(|i| C64::new(i as f64 * 0.5, -(i as f64))).collect();
        write_complex64(&p, &[2, 3], &data).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        // numpy's layout: magic, version 1.0, header padded to a multiple of 64.
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        assert_eq!((bytes.len() - 48) % 64, 0);
        let a = read_complex(&p).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data, data);
        assert_eq!(a.row(1).unwrap(), &data[3..]);
        assert!(a.row(2).is_none());
        // Truncated, trailing bytes, wrong dtype, Fortran order, garbage.
        std::fs::write(dir.path().join("cut.npy"), &bytes[..bytes.len() - 3]).unwrap();
        assert!(matches!(read_complex(dir.path().join("cut.npy")), Err(Error::File { .. })));
        let mut extra = bytes.clone();
        extra.push(0);
        std::fs::write(dir.path().join("extra.npy"), &extra).unwrap();
        assert!(read_complex(dir.path().join("extra.npy")).is_err());
        let text = String::from_utf8_lossy(&bytes).replace("<c8", "<f8");
        std::fs::write(dir.path().join("f8.npy"), text.as_bytes()).unwrap();
        assert!(read_complex(dir.path().join("f8.npy")).is_err());
        let fortran = String::from_utf8_lossy(&bytes[..64]).replace("False", "True ");
        let mut f = fortran.into_bytes();
        f.extend_from_slice(&bytes[64..]);
        std::fs::write(dir.path().join("fortran.npy"), &f).unwrap();
        assert!(read_complex(dir.path().join("fortran.npy")).is_err());
        std::fs::write(dir.path().join("junk.npy"), b"hello").unwrap();
        assert!(read_complex(dir.path().join("junk.npy")).is_err());
        assert!(read_complex(dir.path().join("missing.npy")).is_err());
        assert!(write_complex64(&p, &[4], &data).is_err());
    }

    #[test]
    fn strings_and_bits() {
        let dir = tempfile::tempdir().unwrap();
        // A '<U8' array of two strings, as numpy writes metadata.
        let mut body = Vec::new();
        for s in ["-12.0", "QPSK"] {
            let mut chars: Vec<u32> = s.chars().map(|c| c as u32).collect();
            chars.resize(8, 0);
            chars.iter().for_each(|c| body.extend_from_slice(&c.to_le_bytes()));
        }
        let p = dir.path().join("meta.npy");
        write(&p, "<U8", &[2], &body).unwrap();
        let a = read_strings(&p).unwrap();
        assert_eq!(a.data, vec!["-12.0".to_string(), "QPSK".to_string()]);
        assert!(read_complex(&p).is_err());
        let b = dir.path().join("bits.npy");
        write_bits(&b, &[1, 4], &[0, 1, 1, 0]).unwrap();
        assert!(std::fs::read(&b).unwrap().ends_with(&[0, 1, 1, 0]));
        assert!(write_bits(&b, &[1, 2], &[0, 2]).is_err());
    }

    /// A valid `<c8` file of `shape` and a valid `<U8` file, as bytes.
    fn valid_files() -> (Vec<u8>, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let (c, u) = (dir.path().join("c.npy"), dir.path().join("u.npy"));
        let data: Vec<C64> = (0..6).map(|i| C64::new(i as f64, 0.5 - i as f64)).collect();
        write_complex64(&c, &[2, 3], &data).unwrap();
        let mut body = Vec::new();
        for s in ["-12.0", "QPSK", "OFDMQPSK"] {
            let mut chars: Vec<u32> = s.chars().map(|c| c as u32).collect();
            chars.resize(8, 0);
            chars.iter().for_each(|c| body.extend_from_slice(&c.to_le_bytes()));
        }
        write(&u, "<U8", &[3], &body).unwrap();
        (std::fs::read(c).unwrap(), std::fs::read(u).unwrap())
    }

    /// The header of a valid file rewritten with `from` replaced by `to`
    /// (header length fixed up), the body kept.
    fn with_header(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        let header = String::from_utf8_lossy(&bytes[10..10 + len]).replace(from, to);
        let mut out = bytes[..8].to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&bytes[10 + len..]);
        out
    }

    #[test]
    fn bad_files_are_errors() {
        let (c, u) = valid_files();
        let p = Path::new("probe.npy");
        assert!(decode_complex(p, &c).is_ok() && decode_strings(p, &u).is_ok());
        let cases: Vec<(&str, Vec<u8>, bool)> = vec![
            (
                "zero-width strings claiming a shape",
                with_header(&with_header(&u, "<U8", "<U0"), "(3,)", "(2, 3)"),
                false,
            ),
            ("zero-width strings, empty body", with_header(&u, "<U8", "<U0")[..].to_vec(), false),
            ("huge string width", with_header(&u, "<U8", "<U4611686018427387904"), false),
            ("string width times count overflows", with_header(&u, "(3,)", "(4611686018427387904,)"), false),
            ("complex shape overflows", with_header(&c, "(2, 3)", "(4294967296, 4294967296, 2)"), true),
            ("complex shape too large", with_header(&c, "(2, 3)", "(2, 4)"), true),
            ("negative shape", with_header(&c, "(2, 3)", "(-2, 3)"), true),
            ("shape not closed", with_header(&c, "(2, 3)", "(2, 3 "), true),
            ("no descr", with_header(&c, "'descr'", "'dtype'"), true),
            ("big-endian strings as complex", with_header(&c, "<c8", ">U2"), true),
        ];
        for (what, bytes, complex) in cases {
            let r = if complex { decode_complex(p, &bytes).map(|_| ()) } else { decode_strings(p, &bytes).map(|_| ()) };
            assert!(matches!(r, Err(Error::File { .. })), "{what}: {r:?}");
        }
        // A NaN sample in the file.
        let mut nan = c.clone();
        let at = nan.len() - 8;
        nan[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let e = decode_complex(p, &nan).unwrap_err();
        assert!(e.to_string().contains("non-finite sample at index 5"), "{e}");
        // Writing: overflow of f32, shape overflow, an impossible header.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("w.npy");
        let big = [C64::new(1e300, 0.0)];
        assert!(matches!(write_complex64(&out, &[1], &big), Err(Error::InvalidParameter { .. })));
        assert!(write_complex64(&out, &[usize::MAX, 2], &big).is_err());
        assert!(!out.exists());
        let edge = [C64::new(f64::from(f32::MAX), -f64::from(f32::MAX))];
        write_complex64(&out, &[1], &edge).unwrap();
        assert_eq!(read_complex(&out).unwrap().data, edge);
        // A shape of many dimensions needs format 2.0, and reads back.
        let mut shape = vec![1usize; 30_000];
        shape[0] = 2;
        write_bits(&out, &shape, &[1, 0]).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(bytes[6], 2);
        let h = parse_header(&out, &bytes).unwrap();
        assert_eq!(h.shape, shape);
        // A hand-built array shorter than its shape has no rows, no panic.
        let short = Array { shape: vec![2, 3], data: vec![0u8; 4] };
        assert_eq!(short.row(0), Some(&[0u8, 0, 0][..]));
        assert_eq!(short.row(1), None);
        let odd = Array { shape: vec![usize::MAX, usize::MAX], data: vec![0u8; 4] };
        assert_eq!(odd.row(3), None);
    }

    fn fuzz(cases: u64) {
        use infoflow_numerics::{fuzz, rng::Streams};
        let (c, u) = valid_files();
        let p = Path::new("fuzz.npy");
        let streams = Streams::for_point(1, "rf-signal.io", "npy");
        let mut rng = streams.stream(0);
        let headers = ["<c8", ">c8", "<c16", ">c16", "<U8", ">U1", "<U0", "|u1", "<f8", "<U99999999999999999999"];
        let shapes = ["()", "(0,)", "(6,)", "(3, 2)", "(1, 1, 6)", "(18446744073709551615,)", "(2,", ")", "(a, b)"];
        for case in 0..cases {
            let base = if case % 2 == 0 { &c } else { &u };
            let bytes = match case % 4 {
                // Structure-aware: another dtype or shape in a valid header.
                0 | 1 => {
                    let h = headers[fuzz::random_bytes(1, &mut rng)[0] as usize % headers.len()];
                    let s = shapes[fuzz::random_bytes(1, &mut rng)[0] as usize % shapes.len()];
                    let from = if case % 2 == 0 { "<c8" } else { "<U8" };
                    let shape = if case % 2 == 0 { "(2, 3)" } else { "(3,)" };
                    fuzz::mutate(&with_header(&with_header(base, from, h), shape, s), &mut rng)
                }
                2 => fuzz::mutate(base, &mut rng),
                _ => {
                    let mut b = fuzz::random_bytes(base.len() % 97, &mut rng);
                    if case % 8 == 3 {
                        b.splice(0..0, base[..10].iter().copied());
                    }
                    b
                }
            };
            // Ok or a typed error; a panic fails the test with the case number.
            let result = std::panic::catch_unwind(|| {
                let _ = decode_complex(p, &bytes);
                let _ = decode_strings(p, &bytes);
            });
            assert!(result.is_ok(), "case {case} panicked on {bytes:?}");
        }
    }

    #[test]
    fn decoders_never_panic_on_mutated_files() {
        fuzz(4000);
    }

    #[test]
    #[ignore = "long fuzz run: cargo test -p infoflow-rf-signal -- --ignored"]
    fn decoders_never_panic_on_mutated_files_long() {
        fuzz(5_000_000);
    }
}
