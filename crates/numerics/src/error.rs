//! The error type of `infoflow-numerics`.

/// Everything that can go wrong when a numerics routine is handed bad input.
///
/// Every public function that takes user data validates it (lengths, shapes,
/// finiteness, parameter ranges) and returns one of these instead of
/// panicking or producing `NaN`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two inputs that must agree in size do not.
    #[error("{context}: expected {expected}, found {found}")]
    Shape {
        /// What was being checked.
        context: &'static str,
        /// The size required.
        expected: String,
        /// The size given.
        found: String,
    },
    /// An input contains `NaN` or an infinity.
    #[error("{context}: input contains a non-finite value")]
    NonFinite {
        /// Which input.
        context: &'static str,
    },
    /// An input that must hold at least `required` elements holds fewer.
    #[error("{context}: needs at least {required} element(s), found {found}")]
    TooFew {
        /// Which input.
        context: &'static str,
        /// The minimum number of elements.
        required: usize,
        /// The number given.
        found: usize,
    },
    /// A vector that must be normalised has zero norm.
    #[error("{context}: cannot normalise a zero vector")]
    ZeroNorm {
        /// Which vector.
        context: &'static str,
    },
    /// A size so large that the memory cannot be allocated (or the size
    /// computation overflows).
    #[error("{context}: cannot allocate {requested} elements")]
    TooLarge {
        /// What was being allocated.
        context: &'static str,
        /// The number of elements asked for.
        requested: usize,
    },
    /// A parameter lies outside its documented range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// The rule it breaks.
        reason: &'static str,
    },
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub(crate) fn invalid(name: &'static str, value: impl ToString, reason: &'static str) -> Self {
        Error::InvalidParameter { name, value: value.to_string(), reason }
    }
}

/// Whether every value is finite: the finiteness check every crate uses
/// (each wraps a `false` in its own `NonFinite { context }` error). A
/// branch-free scan of the exponent bits (all set for NaN and ±∞), compiled
/// for AVX-512, AVX2 and SSE4.1, so checking a signal costs a fraction of
/// reading it.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx2", "x86_64+avx2", "x86_64+sse4.1"))]
pub fn all_finite(values: &[f64]) -> bool {
    const EXPONENT: u64 = 0x7ff0_0000_0000_0000;
    values.iter().fold(0u64, |acc, v| acc | ((v.to_bits() & EXPONENT == EXPONENT) as u64)) == 0
}

/// Checks that every value is finite.
pub(crate) fn ensure_finite(context: &'static str, values: &[f64]) -> Result<()> {
    if all_finite(values) { Ok(()) } else { Err(Error::NonFinite { context }) }
}

/// Checks that two sizes agree.
pub(crate) fn ensure_len(context: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::Shape { context, expected: expected.to_string(), found: found.to_string() })
    }
}

/// A vector of `len` copies of `value`, or an error (instead of an abort or
/// a capacity-overflow panic) when `len` elements cannot be allocated: the
/// check every function that allocates from a user-given size goes through.
pub fn try_vec<T: Clone>(len: usize, value: T, context: &'static str) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::TooLarge { context, requested: len })?;
    v.resize(len, value);
    Ok(v)
}
