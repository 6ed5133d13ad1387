//! The error type of `infoflow-particles`.

/// What can go wrong when a simulation is handed bad input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A matrix or vector has the wrong size.
    #[error("{context}: expected {expected}, found {found}")]
    Shape {
        /// What was checked.
        context: &'static str,
        /// The required shape.
        expected: String,
        /// The shape given.
        found: String,
    },
    /// An input contains `NaN` or an infinity.
    #[error("{context}: non-finite value")]
    NonFinite {
        /// Which input.
        context: &'static str,
    },
    /// A token is the zero vector and cannot be put on the sphere.
    #[error("token {index} is the zero vector")]
    ZeroToken {
        /// Its index.
        index: usize,
    },
    /// A statistic needs more particles than given.
    #[error("{context}: needs at least {required} particles, found {found}")]
    TooFewParticles {
        /// Which statistic or operation.
        context: &'static str,
        /// The minimum.
        required: usize,
        /// The number given.
        found: usize,
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
    /// An operation that is only exact for some models was requested for
    /// another one (e.g. merging coincident tokens under a causal mask).
    #[error("{0}")]
    Unsupported(&'static str),
    /// The dynamics produced a non-finite velocity (e^{β s} overflowed).
    #[error("the velocity overflowed at beta = {beta}: {hint}")]
    Overflow {
        /// The inverse temperature.
        beta: f64,
        /// What to do about it.
        hint: &'static str,
    },
    /// The adaptive integrator could not meet its tolerance.
    #[error("step size underflow at t = {t}: the tolerance cannot be met (h = {h:e})")]
    StepSizeUnderflow {
        /// Time reached.
        t: f64,
        /// Step size attempted.
        h: f64,
    },
    /// The step budget ran out before the horizon.
    #[error("the step budget of {steps} steps ran out at t = {t:e} (step size {h:e})")]
    StepBudget {
        /// Time reached.
        t: f64,
        /// Steps taken (accepted and rejected).
        steps: u64,
        /// Current step size.
        h: f64,
    },
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

    pub(crate) fn shape(context: &'static str, expected: (usize, usize), found: (usize, usize)) -> Self {
        Error::Shape {
            context,
            expected: format!("{}x{}", expected.0, expected.1),
            found: format!("{}x{}", found.0, found.1),
        }
    }
}
