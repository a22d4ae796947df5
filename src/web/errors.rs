//! How errors reach users. Each product area has its own error enum and converts it into a
//! [`Problem`] once; API handlers answer it as RFC 9457 `application/problem+json`, page
//! handlers as a plain page. Internal error text is logged with the request id, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::db::DbError;
use crate::i18n::{t, t_args, DEFAULT_LANG};
use crate::web::pages;

/// One invalid field, with a message a person can act on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as the client sent it (`date_of_birth`).
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

/// The fields that failed validation, gathered so that all are reported at once.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Add an error for `field`, with the message of translation `key`.
    pub fn add(&mut self, field: &str, key: &str) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: t(&DEFAULT_LANG, key),
        });
    }
    /// Add "use at most `max` characters" for `field`: the message names the limit.
    pub fn too_long(&mut self, field: &str, max: usize) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: t_args(&DEFAULT_LANG, "error-too-long", &[("max", max.to_string())]),
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

    fn body(&self) -> ProblemBody<'_> {
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

impl From<DbError> for Problem {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Problem::unavailable()
            }
            DbError::NotWritable(_) => {
                tracing::error!(error = %e, "database cannot store changes");
                Problem::not_saved()
            }
            DbError::Constraint(_) | DbError::Query(_) => {
                tracing::error!(error = %e, "database error");
                Problem::internal()
            }
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

/// A problem answered as `application/problem+json` (API routes).
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl<E: Into<Problem>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0.status, self.0.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }
    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.0.status);
        resp.content_type("application/problem+json");
        if let Some(secs) = self.0.retry_after {
            resp.insert_header(("Retry-After", secs.to_string()));
        }
        if self.0.status == StatusCode::UNAUTHORIZED {
            resp.insert_header(("WWW-Authenticate", "Bearer"));
        }
        resp.json(self.0.body())
    }
}

/// A problem answered as a plain HTML page (browser routes).
#[derive(Debug)]
pub struct PageError(pub Problem);

impl<E: Into<Problem>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0.status, self.0.detail)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }
    fn error_response(&self) -> HttpResponse {
        let html = pages::render_error(&self.0);
        let mut resp = HttpResponse::build(self.0.status);
        if let Some(secs) = self.0.retry_after {
            resp.insert_header(("Retry-After", secs.to_string()));
        }
        pages::html_headers(&mut resp);
        let mut resp = resp.body(html);
        // Kept so that [`localise_error_pages`] can word it in the reader's language.
        resp.extensions_mut().insert(ErrorPage(self.0.clone()));
        resp
    }
}

/// The problem behind an HTML error page.
#[derive(Debug, Clone)]
pub struct ErrorPage(pub Problem);

/// The signed-in user's language, noted on the request when their session is read.
#[derive(Debug, Clone)]
pub struct ReaderLanguage(pub String);

/// Error pages are rendered where the error arises, without the request; this middleware words
/// them again in the reader's language: the signed-in user's, else the browser's.
pub async fn localise_error_pages(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<actix_web::body::BoxBody>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    let browser = crate::i18n::from_request(req.request());
    let res = next.call(req).await?;
    let Some(ErrorPage(problem)) = res.response().extensions().get::<ErrorPage>().cloned() else {
        return Ok(res);
    };
    let lang = res
        .request()
        .extensions()
        .get::<ReaderLanguage>()
        .map(|l| l.0.clone())
        .filter(|l| crate::i18n::is_supported(l))
        .unwrap_or_else(|| browser.to_string());
    if lang == "en" {
        return Ok(res);
    }
    let html = pages::render_error_in(&problem, &lang);
    Ok(res.map_body(|_, _| actix_web::body::BoxBody::new(html)))
}
