//! Testing aids shared by every crate: seeded byte mutations for no-panic
//! tests of parsers and decoders, the probe that bad-input test tables are
//! made of, and the report of a check this machine cannot run.
//!
//! Every infoflow crate that reads bytes (`.npy` files, the lattice-quant
//! storage format, entropy-coded streams, the HIGGS and CIFAR loaders) is
//! tested the same way: start from valid encodings, mutate them with
//! [`mutate`] (or draw [`random_bytes`]), decode, and require an `Ok` or a
//! typed error — never a panic, a hang or an allocation the input does not
//! justify. The mutations are the ones that find bugs in hand-written
//! decoders: flipped bits, truncations, extensions, integers set to boundary
//! values (lengths of 0, 1, `u32::MAX`...), duplicated and spliced chunks.
//!
//! Deterministic for a given generator, so a failing case is reproduced by
//! its seed.
//!
//! ```
//! use infoflow_numerics::{fuzz, rng::Streams};
//!
//! let valid = b"\x93NUMPY\x01\x00header";
//! let mut rng = Streams::for_point(1, "doc.fuzz", "npy").stream(0);
//! for _ in 0..100 {
//!     let bytes = fuzz::mutate(valid, &mut rng);
//!     // decode(&bytes) must return Ok or Err here, never panic.
//!     assert!(bytes.len() <= 2 * valid.len() + 64);
//! }
//! ```

use rand::{Rng, RngExt};
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// One value-stability pin: the `Debug` form of what a stochastic routine
/// returned for a fixed seed, against the recorded one. Returns a line
/// describing the change (with the new value, ready to paste) when they
/// differ; tables of pins collect these lines and assert there are none, as
/// rand's `src/distr` tests do.
pub fn pin<T: std::fmt::Debug>(name: &str, got: T, want: &str) -> Option<String> {
    let got = format!("{got:?}");
    (got != want).then(|| format!("{name}: the pinned value changed:\n    was {want}\n    now {got}"))
}

/// Reports that a test could not check something on this machine (an
/// instruction-set kernel on a CPU without it): writes `test NAME: SKIPPED
/// (REASON)` straight to standard error, which the test harness does not
/// capture, so the skip shows in every test run instead of passing silently.
pub fn report_skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "test {test}: SKIPPED ({reason})");
}

/// Runs one bad-input probe: `call` must return an error. Returns a line
/// describing the defect when it panicked or returned `Ok` (with the value),
/// `None` when it was rejected as it should be. Test tables collect these
/// lines and assert that there are none, so one run lists every defect.
///
/// ```
/// use infoflow_numerics::{fuzz::rejects, sphere};
///
/// let defects: Vec<String> = [
///     rejects("normalize of an empty vector", || sphere::normalize(&mut [])),
///     rejects("normalize of NaN", || sphere::normalize(&mut [f64::NAN])),
/// ]
/// .into_iter()
/// .flatten()
/// .collect();
/// assert!(defects.is_empty(), "{defects:#?}");
/// ```
pub fn rejects<T: std::fmt::Debug, E>(what: &str, call: impl FnOnce() -> Result<T, E>) -> Option<String> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Err(_)) => None,
        Ok(Ok(v)) => {
            let mut shown = format!("{v:?}");
            if shown.len() > 200 {
                shown.truncate(200);
                shown.push('…');
            }
            Some(format!("{what}: accepted, returned Ok({shown})"))
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Some(format!("{what}: panicked ({msg})"))
        }
    }
}

/// Boundary values written over integers of the input (little and big
/// endian): empty, one, sign bits, all ones.
const INTERESTING_U64: [u64; 10] =
    [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff_ffff, 0xffff_ffff, 0x7fff_ffff_ffff_ffff, u64::MAX];

/// `len` uniformly random bytes.
pub fn random_bytes<R: Rng + ?Sized>(len: usize, rng: &mut R) -> Vec<u8> {
    (0..len).map(|_| rng.random::<u8>()).collect()
}

/// A mutation of `valid`: one to four edits drawn from flips, boundary
/// integers, truncation, extension, duplication and splicing. The result is
/// at most `2 · valid.len() + 64` bytes long.
pub fn mutate<R: Rng + ?Sized>(valid: &[u8], rng: &mut R) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    let edits = rng.random_range(1..=4);
    for _ in 0..edits {
        edit(&mut bytes, rng);
    }
    bytes.truncate(2 * valid.len() + 64);
    bytes
}

fn edit<R: Rng + ?Sized>(bytes: &mut Vec<u8>, rng: &mut R) {
    let len = bytes.len();
    let at = |rng: &mut R| if len == 0 { 0 } else { rng.random_range(0..len) };
    match rng.random_range(0..8u8) {
        // Flip one bit.
        0 if len > 0 => {
            let i = at(rng);
            bytes[i] ^= 1 << rng.random_range(0..8);
        }
        // One random byte.
        1 if len > 0 => {
            let i = at(rng);
            bytes[i] = rng.random();
        }
        // A boundary integer of 1, 2, 4 or 8 bytes, either byte order.
        2 if len > 0 => {
            let width = [1usize, 2, 4, 8][rng.random_range(0..4)];
            let value = INTERESTING_U64[rng.random_range(0..INTERESTING_U64.len())];
            let le = value.to_le_bytes();
            let be = value.to_be_bytes();
            let src: Vec<u8> = if rng.random() { le[..width].to_vec() } else { be[8 - width..].to_vec() };
            let i = at(rng);
            for (k, b) in src.into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(i + k) {
                    *slot = b;
                }
            }
        }
        // Truncate.
        3 => {
            let keep = if len == 0 { 0 } else { rng.random_range(0..len) };
            bytes.truncate(keep);
        }
        // Append random bytes.
        4 => {
            let extra = rng.random_range(1..=32);
            bytes.extend(random_bytes(extra, rng));
        }
        // Duplicate a chunk in place.
        5 if len > 0 => {
            let i = at(rng);
            let n = rng.random_range(1..=(len - i).min(32));
            let chunk = bytes[i..i + n].to_vec();
            let j = rng.random_range(0..=bytes.len());
            bytes.splice(j..j, chunk);
        }
        // Remove a chunk.
        6 if len > 0 => {
            let i = at(rng);
            let n = rng.random_range(1..=(len - i).min(32));
            bytes.drain(i..i + n);
        }
        // Copy one part over another.
        7 if len > 1 => {
            let (i, j) = (at(rng), at(rng));
            let n = rng.random_range(1..=(len - i.max(j)).clamp(1, 32));
            let chunk = bytes[i..i + n].to_vec();
            bytes[j..j + n].copy_from_slice(&chunk);
        }
        _ => {
            let i = at(rng);
            bytes.insert(i, rng.random());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    #[test]
    fn mutations_are_reproducible_and_bounded() {
        let valid: Vec<u8> = (0..100u8).collect();
        let streams = Streams::for_point(3, "numerics.fuzz", "test");
        let (mut a, mut b) = (streams.stream(0), streams.stream(0));
        let mut changed = 0;
        for _ in 0..2000 {
            let x = mutate(&valid, &mut a);
            assert_eq!(x, mutate(&valid, &mut b));
            assert!(x.len() <= 2 * valid.len() + 64);
            changed += usize::from(x != valid);
        }
        assert!(changed > 1900, "{changed}");
        for len in [0, 1, 2] {
            for _ in 0..200 {
                let _ = mutate(&valid[..len], &mut a);
            }
        }
        assert_eq!(random_bytes(17, &mut a).len(), 17);
    }
}
