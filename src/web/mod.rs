//! The HTTP server: shared state, middleware, routes of every area, health, metrics, OpenAPI.

pub mod api;
pub mod errors;
pub mod extract;
pub mod form;
pub mod health;
pub mod json;
pub mod openapi;
pub mod pages;
pub use openapi::openapi;
pub mod render;
pub mod request_id;
pub mod sentences;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{get, web, App, HttpRequest, HttpResponse, HttpServer};
use actix_web_prom::PrometheusMetricsBuilder;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::db::{DbConnection, DbError, DbPool};
use crate::kernel::Problem;
use crate::web::errors::{ApiError, PageError};

/// What every handler may use.
pub struct AppState {
    pub pool: DbPool,
    pub config: Config,
}

impl AppState {
    /// Run blocking database work on the thread pool with a pooled connection.
    pub async fn db<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Unavailable(e.to_string())))?
    }
}

/// The version a client based its update on: `If-Match: "3"` (or `W/"3"`).
pub fn if_match(req: &HttpRequest) -> Result<Option<i32>, Problem> {
    let Some(raw) = req.headers().get("If-Match") else {
        return Ok(None);
    };
    let text = raw.to_str().unwrap_or("").trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<i32>().map(Some).map_err(|_| {
        let mut errors = errors::FieldErrors::default();
        errors.add("If-Match", "error-if-match");
        Problem::invalid(errors)
    })
}

/// A value for a query string (`?q=…`), percent-encoded.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every `/api/v1` route of every area.
fn api_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    crate::web::api::participants::api(cfg);
    crate::web::api::programmes::api(cfg);
    crate::web::api::enrolments::api(cfg);
    crate::web::api::attendance::api(cfg);
    crate::web::api::calendars::api(cfg);
    crate::web::api::audit::api(cfg);
    crate::web::api::agencies::api(cfg);
    crate::web::api::exit_plans::api(cfg);
    crate::web::api::reminders::api(cfg);
    crate::web::api::outbox::api(cfg);
    crate::web::api::jobs::api(cfg);
    crate::web::api::progress_notes::api(cfg);
    crate::web::api::risk_reviews::api(cfg);
    crate::web::api::data_protection::api(cfg);
    crate::web::api::handovers::api(cfg);
}

/// Every page route of every area.
fn page_routes(cfg: &mut web::ServiceConfig) {
    crate::web::pages::auth::pages(cfg);
    crate::web::api::participants::pages(cfg);
    crate::web::api::audit::pages(cfg);
    crate::web::pages::programmes::pages(cfg);
    crate::web::pages::exit_plans::pages(cfg);
    crate::web::api::outbox::pages(cfg);
    crate::web::pages::agencies::pages(cfg);
    crate::web::pages::reminders::pages(cfg);
    crate::web::api::jobs::pages(cfg);
    crate::web::pages::handovers::pages(cfg);
    crate::web::pages::data_protection::pages(cfg);
    crate::web::api::calendars::public(cfg);
    crate::web::pages::caseload::pages(cfg);
    crate::web::pages::reports::pages(cfg);
}

#[get("/static/{file}")]
async fn static_file(path: web::Path<String>) -> Result<HttpResponse, PageError> {
    let file = path.into_inner();
    let asset = render::StaticAssets::get(&file).ok_or_else(Problem::not_found)?;
    let mime = if file.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if file.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else if file.ends_with(".svg") {
        "image/svg+xml"
    } else {
        "application/octet-stream"
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(asset.data.into_owned()))
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    if req.path().starts_with("/api/") {
        if let Some(allowed) = openapi::allowed_methods(req.path()) {
            // The path exists with other methods: say which, as HTTP asks.
            let mut response = ApiError(Problem::method_not_allowed()).error_response();
            if let Ok(value) = allowed.join(", ").parse() {
                response
                    .headers_mut()
                    .insert(actix_web::http::header::ALLOW, value);
            }
            return response;
        }
        ApiError(Problem::not_found()).error_response()
    } else {
        PageError(Problem::not_found()).error_response()
    }
}

/// Malformed query strings and path segments: 422 naming what was wrong, or 404 for paths.
fn query_error(err: actix_web::error::QueryPayloadError, req: &HttpRequest) -> actix_web::Error {
    let mut p = Problem::invalid(Default::default());
    p.errors.push(errors::FieldError {
        field: "query".into(),
        message: crate::kernel::Message::Text(err.to_string()),
    });
    if req.path().starts_with("/api/") {
        ApiError(p).into()
    } else {
        PageError(p).into()
    }
}

fn path_error(_err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        ApiError(Problem::not_found()).into()
    } else {
        PageError(Problem::not_found()).into()
    }
}

fn form_error(err: actix_web::error::UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    let status = match err {
        actix_web::error::UrlencodedError::Overflow { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    PageError(Problem::new(
        status,
        "problem-bad-form",
        "problem-bad-form-detail",
    ))
    .into()
}

/// Bind and start the server; returns it and the address actually bound (port 0 picks one).
pub fn start(state: AppState) -> std::io::Result<(Server, std::net::SocketAddr)> {
    render::preload();
    let bind = state.config.bind.clone();
    let state = web::Data::new(state);
    let login_gate = web::Data::new(crate::auth::throttle::Gate::default());
    let metrics = PrometheusMetricsBuilder::new("onward")
        .endpoint("/metrics")
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let server = HttpServer::new(move || {
        let (app, api) = App::new()
            .into_utoipa_app()
            .openapi(openapi::ApiDoc::openapi())
            .app_data(state.clone())
            .app_data(login_gate.clone())
            .service(utoipa_actix_web::scope("/api/v1").configure(api_routes))
            .split_for_parts();
        let api = openapi::finish(api);
        app.app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(
                web::FormConfig::default()
                    .limit(64 * 1024)
                    .error_handler(form_error),
            )
            .app_data(web::PayloadConfig::new(json::LIMIT))
            .service(health::live)
            .service(health::ready)
            .service(web::redirect("/api/docs", "/api/docs/"))
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", api))
            .service(static_file)
            .configure(page_routes)
            .default_service(web::to(not_found))
            .wrap(from_fn(errors::localise_error_pages))
            .wrap(metrics.clone())
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "same-origin"))
                    .add(("X-Frame-Options", "DENY")),
            )
            .wrap(from_fn(request_id::middleware))
    })
    .bind(&bind)?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other("bound to no address"))?;
    Ok((server.run(), addr))
}
