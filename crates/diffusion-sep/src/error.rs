//! The error type of `infoflow-diffusion-sep`.

use infoflow_numerics::signal::C64;

/// What can go wrong when building score models or separating.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A frame, batch or parameter vector has the wrong length.
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
    /// The iterates left every reasonable range (a step size too large):
    /// the separation stopped at `iteration`.
    #[error("{method} diverged at iteration {iteration} of mixture {mixture}: {reason}")]
    Diverged {
        /// The method.
        method: &'static str,
        /// The mixture's index in the batch.
        mixture: usize,
        /// The first iteration whose iterate was not finite or exceeded the bound.
        iteration: usize,
        /// What was seen.
        reason: String,
    },
    /// An error of a learned model (infoflow-nn): a model file that does
    /// not load or is not a prior, a network that fails.
    #[error("learned model: {0}")]
    Learned(String),
    /// An error of the signal models of infoflow-rf-signal.
    #[error(transparent)]
    Signal(#[from] infoflow_rf_signal::Error),
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
pub(crate) fn check_finite(context: &'static str, x: &[C64]) -> Result<()> {
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
