//! The error type of `infoflow-sampling`.

/// What can go wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
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
    /// Two laws that must share a support do not.
    #[error("mismatched supports: {0}")]
    Support(String),
    /// `ν` puts mass where `μ` has none, so `dν/dμ` does not exist.
    #[error("ν is not absolutely continuous with respect to μ: {0}")]
    NotAbsolutelyContinuous(String),
    /// A numerical procedure did not converge.
    #[error("{0} did not converge")]
    NoConvergence(&'static str),
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(name: &'static str, value: impl ToString, reason: &'static str) -> Self {
        Error::InvalidParameter { name, value: value.to_string(), reason }
    }
}
