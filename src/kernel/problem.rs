//! The shared error variants every area may answer with: not found, forbidden, invalid fields,
//! conflict, stale version, unavailable. The web layer writes them out as problem+json or pages.

use actix_web::http::StatusCode;
use serde::Serialize;

use crate::i18n::{t, DEFAULT_LANG};
use crate::kernel::fields::{FieldError, FieldErrors};

/// A problem report (RFC 9457) before it is written out as JSON or HTML.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// Short, fixed summary of the kind of problem (translated).
    pub title: String,
    /// What happened in this case, safe to show.
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Extra headers (e.g. `Retry-After`).
    pub retry_after: Option<u64>,
    /// Problem-specific members (RFC 9457 extensions), e.g. the `clashes` of a double booking.
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, title_key: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title: t(&DEFAULT_LANG, title_key),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            extensions: serde_json::Map::new(),
        }
    }
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "problem-not-found",
            t(&DEFAULT_LANG, "problem-not-found-detail"),
        )
    }
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "problem-method-not-allowed",
            t(&DEFAULT_LANG, "problem-method-not-allowed-detail"),
        )
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "problem-unauthorized",
            t(&DEFAULT_LANG, "problem-unauthorized-detail"),
        )
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "problem-forbidden",
            t(&DEFAULT_LANG, "problem-forbidden-detail"),
        )
    }
    pub fn invalid(errors: FieldErrors) -> Self {
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "problem-invalid",
            t(&DEFAULT_LANG, "problem-invalid-detail"),
        );
        p.errors = errors.0;
        p
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "problem-conflict", detail)
    }
    /// Someone else changed the record since it was read (409).
    pub fn stale() -> Self {
        Self::conflict(t(&DEFAULT_LANG, "problem-stale-simple"))
    }
    /// A change came without the version it was based on (428).
    pub fn version_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "problem-version-required",
            t(&DEFAULT_LANG, "problem-version-required-detail"),
        )
    }
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "problem-unavailable",
            t(&DEFAULT_LANG, "problem-unavailable-detail"),
        )
    }
    /// The database cannot store changes (disk full, read-only): 503, nothing was saved.
    pub fn not_saved() -> Self {
        let mut p = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "problem-not-saved",
            t(&DEFAULT_LANG, "problem-not-saved-detail"),
        );
        p.retry_after = Some(60);
        p
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "problem-internal",
            t(&DEFAULT_LANG, "problem-internal-detail"),
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
    pub title: &'a str,
    pub status: u16,
    pub detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<&'a Vec<FieldError>>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: &'a serde_json::Map<String, serde_json::Value>,
}
