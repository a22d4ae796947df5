//! `ApiJson<T>`: a JSON body whose type errors name the field (422), unlike actix's own `Json`,
//! which answers 400 with serde's line-and-column message.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::web::errors::ApiError;

use crate::kernel::{FieldError, Problem};

/// Largest JSON body accepted.
pub const LIMIT: usize = 64 * 1024;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError(Problem::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "problem-media-type",
                    "problem-media-type-detail",
                )));
            }
            let bytes = body.await.map_err(|_| {
                Problem::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "problem-too-large",
                    "problem-too-large-detail",
                )
            })?;
            if let Some(field) = field_with_nul(&bytes) {
                let mut errors = crate::kernel::FieldErrors::default();
                errors.add(&field, "error-control-characters");
                return Err(ApiError(Problem::invalid(errors)));
            }
            let de = &mut serde_json::Deserializer::from_slice(&bytes);
            serde_path_to_error::deserialize(de)
                .map(ApiJson)
                .map_err(|e| {
                    let path = e.path().to_string();
                    let field = if path == "." {
                        "body".to_string()
                    } else {
                        path
                    };
                    let mut p = Problem::invalid(Default::default());
                    p.errors.push(FieldError {
                        field,
                        message: crate::kernel::Message::new("error-json-type"),
                    });
                    ApiError(p)
                })
        })
    }
}

/// The first field (`a.b[0]`) whose text holds a NUL character, which no text column can store
/// (PostgreSQL refuses it): refused here once for every JSON body, naming the field. Only bodies
/// that spell `\u0000` are walked (JSON cannot carry a raw NUL inside a string).
fn field_with_nul(bytes: &[u8]) -> Option<String> {
    if !bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return None;
    }
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(path.to_string()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, item)| {
                let inner = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(item, &inner)
            }),
            _ => None,
        }
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&value, "").map(|f| if f.is_empty() { "body".into() } else { f })
}

#[cfg(test)]
mod tests {
    use super::field_with_nul;

    #[test]
    fn a_nul_anywhere_in_a_body_names_its_field() {
        assert_eq!(field_with_nul(br#"{"a": "x"}"#), None);
        assert_eq!(
            field_with_nul(br#"{"a": "x", "b": {"c": ["ok", "n\u0000"]}}"#).as_deref(),
            Some("b.c[1]")
        );
        assert_eq!(field_with_nul(br#""\u0000""#).as_deref(), Some("body"));
    }
}
