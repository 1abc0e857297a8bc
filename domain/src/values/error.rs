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

    /// The same error reported against `field`: shared text types (e.g.
    /// `ShortText`, used for notes, reasons and summaries) name a generic
    /// field, and the caller knows which one it parsed.
    pub fn for_field(mut self, field: &'static str) -> Self {
        self.field = field;
        self
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renaming_the_field_keeps_the_message() {
        let error =
            ValueError::new("text", "must not be empty: give some text").for_field("reason");
        assert_eq!(error.field(), "reason");
        assert_eq!(
            error.to_string(),
            "reason: must not be empty: give some text"
        );
    }
}
