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
    /// The training loss became non-finite; the last checkpoint on disk is
    /// the last good state.
    #[error(
        "training diverged at step {step}: loss {loss} (lower the learning rate or clip gradients; the last checkpoint is kept)"
    )]
    Diverged {
        /// The step whose loss was non-finite (0-based).
        step: usize,
        /// The loss, printed.
        loss: String,
    },
    /// A training session stopped at the step limit it was given, as if
    /// killed: nothing after the last checkpoint was saved.
    #[error("training halted at step {step} (the session's step limit); resume from the checkpoint")]
    Interrupted {
        /// Steps done when it stopped.
        step: usize,
    },
    /// A data source that cannot produce examples.
    #[error("data: {0}")]
    Data(String),
    /// A file that cannot be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        message: String,
    },
    /// A model file or checkpoint that does not fit: another architecture
    /// or format version, a corrupted or truncated file.
    #[error("{path}: {reason}")]
    ModelFile {
        /// The file.
        path: String,
        /// Why it was refused.
        reason: String,
    },
}

impl Error {
    pub(crate) fn invalid(name: &'static str, value: impl ToString, reason: &'static str) -> Self {
        Error::InvalidParameter { name, value: value.to_string(), reason }
    }

    pub(crate) fn io(path: &std::path::Path, e: impl ToString) -> Self {
        Error::Io { path: path.display().to_string(), message: e.to_string() }
    }

    pub(crate) fn model_file(path: &std::path::Path, reason: impl ToString) -> Self {
        Error::ModelFile { path: path.display().to_string(), reason: reason.to_string() }
    }
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
