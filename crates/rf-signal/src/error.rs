//! The error type of `infoflow-rf-signal`.

/// What can go wrong when generating, mixing, demodulating or separating.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A signal, bit vector or matrix has the wrong length.
    #[error("{context}: expected {expected}, found {found}")]
    Shape {
        /// What was checked.
        context: &'static str,
        /// The required length.
        expected: String,
        /// The length given.
        found: String,
    },
    /// An input contains `NaN` or an infinity.
    #[error("{context}: non-finite sample")]
    NonFinite {
        /// Which input.
        context: &'static str,
    },
    /// A parameter lies outside its documented range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A separator was used before training, or trained on data that does
    /// not fit it.
    #[error("separator {separator}: {reason}")]
    Training {
        /// The separator.
        separator: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A file is malformed, truncated or of an unsupported type.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An error of a learned separator's network, model file or training
    /// (feature `learned`), as infoflow-nn printed it.
    #[error("learned separator: {0}")]
    Learned(String),
    /// An error from the shared numerics.
    #[error(transparent)]
    Numerics(#[from] infoflow_numerics::Error),
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(name: &'static str, value: impl ToString, reason: &'static str) -> Self {
        Error::InvalidParameter { name, value: value.to_string(), reason }
    }
}

/// Checks that every sample of `x` is finite.
pub(crate) fn check_finite(context: &'static str, x: &[infoflow_numerics::signal::C64]) -> Result<()> {
    if infoflow_numerics::all_finite(infoflow_numerics::signal::as_interleaved(x)) {
        Ok(())
    } else {
        Err(Error::NonFinite { context })
    }
}

/// Checks that `x` has `expected` samples.
pub(crate) fn check_len(context: &'static str, len: usize, expected: usize) -> Result<()> {
    if len == expected {
        Ok(())
    } else {
        Err(Error::Shape { context, expected: expected.to_string(), found: len.to_string() })
    }
}
