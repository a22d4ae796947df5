//! How errors reach users. Each product area has its own error enum and converts it into a
//! [`Problem`] once; API handlers answer it as RFC 9457 `application/problem+json`, page
//! handlers as a plain page. Internal error text is logged with the request id, never sent.

use crate::web::render as pages;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

pub use crate::kernel::{FieldError, FieldErrors, Problem, ProblemBody};

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
        // API bodies are in English: the messages are put into words here.
        let mut body = serde_json::to_value(self.0.body()).unwrap_or_default();
        crate::kernel::message::put_into_words(&mut body, "en");
        resp.json(body)
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
