//! Field validation errors: every bad field of an input, gathered so all are reported at once.

use serde::Serialize;

use crate::kernel::message::Message;

/// One invalid field, with a message a person can act on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as the client sent it (`date_of_birth`).
    pub field: String,
    /// What is wrong, in plain words (in an API body, English).
    #[schema(value_type = String)]
    pub message: Message,
}

impl FieldError {
    /// An error on `field` with the message `key`.
    pub fn new(field: &str, key: &str) -> Self {
        Self {
            field: field.to_string(),
            message: Message::new(key),
        }
    }
}

/// The fields that failed validation, gathered so that all are reported at once.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Add an error for `field`, with the message of translation `key`.
    pub fn add(&mut self, field: &str, key: &str) {
        self.0.push(FieldError::new(field, key));
    }
    /// Add "use at most `max` characters" for `field`: the message names the limit.
    pub fn too_long(&mut self, field: &str, max: usize) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: Message::with("error-too-long", &[("max", max.to_string())]),
        });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Ok(value)` when no field failed.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}
