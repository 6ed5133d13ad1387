//! The error type of `infoflow-kernel-tests`.

/// What can go wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Samples of different dimensions, or too few points.
    #[error("{context}: expected {expected}, found {found}")]
    Shape {
        /// What was checked.
        context: &'static str,
        /// The requirement.
        expected: String,
        /// What was given.
        found: String,
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
    /// A data file is malformed or truncated.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An error of a learned kernel's network, training or model file
    /// (feature `learned`).
    #[cfg(feature = "learned")]
    #[error("learned kernel: {0}")]
    Nn(#[from] infoflow_nn::Error),
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
