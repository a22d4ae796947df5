//! `ApiJson<T>`: a JSON body whose type errors name the field (422), unlike actix's own `Json`,
//! which answers 400 with serde's line-and-column message.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::web::errors::{ApiError, FieldError, Problem};

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
                    crate::web::pages::default_t("problem-media-type-detail"),
                )));
            }
            let bytes = body.await.map_err(|_| {
                Problem::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "problem-too-large",
                    crate::web::pages::default_t("problem-too-large-detail"),
                )
            })?;
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
                        message: crate::web::pages::default_t("error-json-type"),
                    });
                    ApiError(p)
                })
        })
    }
}
