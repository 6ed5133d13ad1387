//! The error type of `infoflow-lattice-quant`.

/// What can go wrong when quantizing or decoding.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A vector or matrix has the wrong size.
    #[error("{context}: expected {expected}, found {found}")]
    Shape {
        /// What was checked.
        context: &'static str,
        /// The required size.
        expected: String,
        /// The size given.
        found: String,
    },
    /// An input contains `NaN` or an infinity.
    #[error("{context}: non-finite value")]
    NonFinite {
        /// Which input.
        context: &'static str,
    },
    /// A column has zero norm after centring, so it cannot be normalised.
    #[error("column {column} has zero norm after centring")]
    ZeroColumn {
        /// The column.
        column: usize,
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
    /// Every scale overloaded for some block (the largest scale is too small
    /// for the data).
    #[error("block {block} of column {column} overloads at every scale; add a larger scale")]
    Overload {
        /// The column.
        column: usize,
        /// The block within the column.
        block: usize,
    },
    /// An encoded buffer is truncated, corrupted or of another format.
    #[error("corrupted encoding: {0}")]
    Corrupted(String),
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
