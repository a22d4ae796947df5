//! The shared error variants every area may answer with: not found, forbidden, invalid fields,
//! conflict, stale version, unavailable. The web layer writes them out as problem+json or pages.

use actix_web::http::StatusCode;
use serde::Serialize;

use crate::kernel::fields::{FieldError, FieldErrors};
use crate::kernel::message::Message;

/// A problem report (RFC 9457) before it is written out as JSON or HTML.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// Short, fixed summary of the kind of problem.
    pub title: Message,
    /// What happened in this case, safe to show.
    pub detail: Message,
    pub errors: Vec<FieldError>,
    /// Extra headers (e.g. `Retry-After`).
    pub retry_after: Option<u64>,
    /// Problem-specific members (RFC 9457 extensions), e.g. the `clashes` of a double booking.
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem titled `title_key`, with the detail `detail_key`.
    pub fn new(status: StatusCode, title_key: &str, detail_key: &str) -> Self {
        Self::with_detail(status, title_key, Message::new(detail_key))
    }
    /// A problem titled `title_key` whose detail has arguments.
    pub fn with_detail(status: StatusCode, title_key: &str, detail: Message) -> Self {
        Self {
            status,
            title: Message::new(title_key),
            detail,
            errors: Vec::new(),
            retry_after: None,
            extensions: serde_json::Map::new(),
        }
    }
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "problem-not-found",
            "problem-not-found-detail",
        )
    }
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "problem-method-not-allowed",
            "problem-method-not-allowed-detail",
        )
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "problem-unauthorized",
            "problem-unauthorized-detail",
        )
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "problem-forbidden",
            "problem-forbidden-detail",
        )
    }
    pub fn invalid(errors: FieldErrors) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "problem-invalid",
            "problem-invalid-detail",
        );
        p.errors = errors.0;
        p
    }
    /// Someone else's change stands in the way (409), as `detail` says.
    pub fn conflict(detail: Message) -> Self {
        Self::with_detail(StatusCode::CONFLICT, "problem-conflict", detail)
    }
    /// Someone else changed the record since it was read (409).
    pub fn stale() -> Self {
        Self::conflict(Message::new("problem-stale-simple"))
    }
    /// A change came without the version it was based on (428).
    pub fn version_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "problem-version-required",
            "problem-version-required-detail",
        )
    }
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "problem-unavailable",
            "problem-unavailable-detail",
        )
    }
    /// The database cannot store changes (disk full, read-only): 503, nothing was saved.
    pub fn not_saved() -> Self {
        let mut p = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "problem-not-saved",
            "problem-not-saved-detail",
        );
        p.retry_after = Some(60);
        p
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "problem-internal",
            "problem-internal-detail",
        )
    }

    pub fn body(&self) -> ProblemBody<'_> {
        ProblemBody {
            kind: "about:blank",
            title: &self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            errors: if self.errors.is_empty() {
                None
            } else {
                Some(&self.errors)
            },
            extensions: &self.extensions,
        }
    }
}

impl From<FieldErrors> for Problem {
    fn from(e: FieldErrors) -> Self {
        Problem::invalid(e)
    }
}

/// The JSON shape of a problem, as documented in the OpenAPI spec.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemBody<'a> {
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: &'a str,
    #[schema(value_type = String)]
    pub title: &'a Message,
    pub status: u16,
    #[schema(value_type = String)]
    pub detail: &'a Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<&'a Vec<FieldError>>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: &'a serde_json::Map<String, serde_json::Value>,
}
