//! The one error type of value parsing.

/// Why a value was rejected: which field and what was expected instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValueError {
    field: &'static str,
    message: String,
}

impl ValueError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        ValueError {
            field,
            message: message.into(),
        }
    }

    /// The name of the field (as in the API) whose value was rejected.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What was wrong and what is expected, without the field name.
    pub fn message(&self) -> &str {
        &self.message
    }
}
