//! The crate's error type.

/// What can go wrong building or running a network.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// A configuration value outside its domain.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value, printed.
        value: String,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// An input of the wrong shape.
    #[error("{context}: expected {expected}, found {found}")]
    Shape {
        /// Where.
        context: &'static str,
        /// What was expected.
        expected: String,
        /// What was given.
        found: String,
    },
    /// A NaN or an infinity in the input.
    #[error("{context}: non-finite values")]
    NonFinite {
        /// Where.
        context: &'static str,
    },
}

impl Error {
    pub(crate) fn invalid(name: &'static str, value: impl ToString, reason: &'static str) -> Self {
        Error::InvalidParameter { name, value: value.to_string(), reason }
    }
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
