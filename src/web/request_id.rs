//! Gives every request an id (or keeps a sane one the caller sent), echoes it in `X-Request-Id`,
//! and logs each request with it, so that a user's report can be matched to the log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

/// The id of the request being served.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub const HEADER: &str = "x-request-id";

fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// The path as it may be logged: a calendar feed's URL is its secret (the database keeps only
/// its hash), so it is left out.
pub fn loggable_path(path: &str) -> &str {
    if path.starts_with("/calendars/") {
        "/calendars/[secret]"
    } else {
        path
    }
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %loggable_path(req.path()),
        user_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            if let Ok(value) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(HeaderName::from_static(HEADER), value);
            }
            let status = res.status().as_u16();
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            if status >= 500 {
                let error = res
                    .response()
                    .error()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                tracing::error!(status, ms, error, "request failed");
            } else {
                tracing::info!(status, ms, "request finished");
            }
            Ok(res)
        }
        Err(e) => {
            tracing::error!(error = %e, "request failed before a response");
            Err(e)
        }
    }
}
