//! The OpenAPI document (`/api/openapi.json`): its fixed parts, the problem responses every
//! operation can give, and the methods each path accepts (for `405 Method Not Allowed`).

use std::sync::OnceLock;

use actix_web::App;
use utoipa::openapi::path::{HttpMethod, Operation, PathItem};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::web::errors;

/// The document's fixed parts; paths are collected from the registered handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Onward API",
        description = "Rehabilitation programmes and exit plans. Authenticate with `Authorization: Bearer <token>` (`onward token create`). Every error is `application/problem+json`; `422` lists each field that needs correcting.",
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(errors::FieldError, errors::ProblemBody))
)]
pub(super) struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Problem responses and when an operation can give them. Each handler documents its own
/// answers; these are the ones the plumbing gives to any of them (no token, out of scope,
/// malformed input, a body too large, an edit without or with a stale version, the database
/// down), so that clients can rely on the document listing every status they may see.
const PROBLEMS: &[(&str, &str, Applies)] = &[
    ("401", "No valid API token", Applies::Always),
    ("403", "The token's role may not do this", Applies::Always),
    ("404", "Nothing here, or not yours to see", Applies::Always),
    (
        "422",
        "A parameter or field needs correcting (each one named)",
        Applies::Always,
    ),
    ("413", "The body is too large", Applies::WithBody),
    (
        "415",
        "The body is not `application/json`",
        Applies::WithBody,
    ),
    (
        "409",
        "Changed by someone else since it was read, or not allowed in its state",
        Applies::Writes,
    ),
    ("428", "`If-Match` is required", Applies::Updates),
    (
        "500",
        "Unexpected failure (logged with the request id)",
        Applies::Always,
    ),
    ("503", "The database cannot be reached now", Applies::Always),
];

#[derive(Clone, Copy)]
enum Applies {
    Always,
    WithBody,
    Writes,
    Updates,
}

/// The document with the problem responses added; used by the server and by `openapi()`.
pub(super) fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    for (status, description, _) in PROBLEMS {
        components.responses.insert(
            format!("Problem{status}"),
            RefOr::T(
                ResponseBuilder::new()
                    .description(*description)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ProblemBody")))
                            .build(),
                    )
                    .build(),
            ),
        );
    }
    for item in api.paths.paths.values_mut() {
        for (method, operation) in operations_mut(item) {
            let with_body = operation.request_body.is_some();
            let write = !matches!(method, HttpMethod::Get | HttpMethod::Head);
            let update = matches!(method, HttpMethod::Put | HttpMethod::Patch);
            for (status, _, applies) in PROBLEMS {
                let applies = match applies {
                    Applies::Always => true,
                    Applies::WithBody => with_body,
                    Applies::Writes => write,
                    Applies::Updates => update,
                };
                if applies {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| {
                            RefOr::Ref(Ref::from_response_name(format!("Problem{status}")))
                        });
                }
            }
        }
    }
    api
}

fn operations_mut(item: &mut PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
        (HttpMethod::Head, item.head.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// Build the OpenAPI document (also used by tests and `onward` itself).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/api/v1").configure(super::api_routes))
        .split_for_parts();
    finish(api)
}

/// The methods the API accepts at `path` (`GET`, `PUT`, …), or `None` when no API path has its
/// shape. A request with another method gets `405` and these in `Allow`, not `404`.
pub fn allowed_methods(path: &str) -> Option<Vec<&'static str>> {
    static PATHS: OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        openapi()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_string).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect()
    });
    let wanted: Vec<&str> = path.split('/').collect();
    let matches = |template: &[String]| {
        template.len() == wanted.len()
            && template
                .iter()
                .zip(&wanted)
                .all(|(t, w)| (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w)
    };
    let mut allowed: Vec<&'static str> = paths
        .iter()
        .filter(|(template, _)| matches(template))
        .flat_map(|(_, methods)| methods.iter().copied())
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    (!allowed.is_empty()).then_some(allowed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_are_matched_by_shape_with_their_methods() {
        assert_eq!(
            super::allowed_methods("/api/v1/participants/7"),
            Some(vec!["GET", "PUT"])
        );
        assert_eq!(super::allowed_methods("/api/v1/nothing-here"), None);
        assert_eq!(super::allowed_methods("/api/v1/participants//"), None);
    }
}
