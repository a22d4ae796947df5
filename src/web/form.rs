//! `PageForm<T>`: an HTML form body, where a field may repeat (multi-selects become `Vec`s).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::web::errors::PageError;

use crate::kernel::Problem;

/// Largest form body accepted.
pub const LIMIT: usize = 64 * 1024;

pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for PageForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(|_| {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "problem-too-large",
                    "problem-too-large-detail",
                )
            })?;
            if let Some(field) = field_with_nul(&bytes) {
                let mut errors = crate::kernel::FieldErrors::default();
                errors.add(&field, "error-control-characters");
                return Err(PageError(Problem::invalid(errors)));
            }
            serde_html_form::from_bytes(&bytes)
                .map(PageForm)
                .map_err(|_| {
                    PageError(Problem::new(
                        StatusCode::BAD_REQUEST,
                        "problem-bad-form",
                        "problem-bad-form-detail",
                    ))
                })
        })
    }
}

/// The first field whose value holds a NUL character, sent percent-encoded (`%00`) or raw,
/// which no text column can store: refused once for every form, naming the field.
fn field_with_nul(bytes: &[u8]) -> Option<String> {
    if !bytes.contains(&0) && !bytes.windows(3).any(|w| w == b"%00") {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(bytes).ok()?;
    pairs
        .into_iter()
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', ""))
}

/// Field names become template keys (`schedule.time` → `schedule_time`).
pub fn error_map(
    errors: &[crate::kernel::FieldError],
) -> serde_json::Map<String, serde_json::Value> {
    errors
        .iter()
        .map(|e| {
            (
                e.field.replace(['.', '[', ']'], "_"),
                serde_json::json!(e.message),
            )
        })
        .collect()
}

/// A form field that should hold a number but does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// A number typed into a form: empty is `None`; anything else must parse.
pub fn opt_number<T: std::str::FromStr>(raw: &Option<String>) -> Result<Option<T>, NotANumber> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| NotANumber),
    }
}

/// What a form shows again after a failed save: the fields to correct (422), or the version
/// conflict as an error on the form (409), keeping what was typed. Anything else is an error
/// page.
pub fn failed_save(
    failure: impl Into<Problem>,
) -> Result<(StatusCode, Vec<crate::kernel::FieldError>), PageError> {
    let problem = failure.into();
    match problem.status {
        StatusCode::UNPROCESSABLE_ENTITY => Ok((problem.status, problem.errors)),
        StatusCode::CONFLICT => Ok((
            problem.status,
            vec![crate::kernel::FieldError {
                field: "version".into(),
                message: problem.detail,
            }],
        )),
        _ => Err(PageError(problem)),
    }
}
