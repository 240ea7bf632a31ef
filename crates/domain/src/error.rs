//! The one error shape for bad input: which field, what code, what went wrong.

use serde::{Deserialize, Serialize};

/// A validation failure that names the field it concerns.
///
/// `code` is stable and machine-readable (the UI acts on it); `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    /// The same error, reported under a different (usually more specific) field name.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

/// A code people type for a location, tax class, price list or group: trimmed and upper-cased,
/// 1–32 ASCII letters, digits, `-` or `_`. Error `invalid_code` under `field`.
pub fn check_code(code: &str, field: &str) -> Result<String, FieldError> {
    let c = code.trim().to_ascii_uppercase();
    if c.is_empty()
        || c.len() > 32
        || !c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldError::new(
            field,
            "invalid_code",
            format!("'{code}' must be 1–32 letters, digits, '-' or '_'"),
        ));
    }
    Ok(c)
}

/// Text that must not be blank: trimmed. Error `required` under `field`.
pub fn required(text: &str, field: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            format!("{field} is required"),
        ));
    }
    Ok(t.to_string())
}
