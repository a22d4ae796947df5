//! HTTP for calendar feeds and the register CSV.

use actix_web::{get, post, web, HttpResponse};

use crate::audit::Who;
use crate::calendars::{self as area, FeedInput, FeedView};
use crate::db::DbError;
use crate::kernel::Problem;
use crate::kernel::RequestMeta;
use crate::web::errors::{ApiError, PageError};
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_feeds)
        .service(create_feed)
        .service(revoke_feed)
        .service(register_csv);
}

pub fn public(cfg: &mut web::ServiceConfig) {
    cfg.service(feed);
}

#[utoipa::path(tag = "calendars", responses((status = 200, description = "Feeds you created (without their secret URLs)", body = [FeedView])))]
#[get("/calendar-feeds")]
async fn list_feeds(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<HttpResponse, ApiError> {
    let list = state
        .db(move |conn| -> Result<_, DbError> { area::mine(conn, &actor) })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "calendars", request_body = FeedInput, responses(
    (status = 201, description = "Created; `url` is shown this once", body = FeedView),
    (status = 422, description = "Unknown cohort"),
))]
#[post("/calendar-feeds")]
async fn create_feed(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    body: ApiJson<FeedInput>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    let base = state.config.public_url.to_string();
    let view = state
        .db(move |conn| area::create(conn, &actor, &who, &body.0, &base))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(tag = "calendars", params(("id" = i64, Path)), responses((status = 204, description = "Revoked: the URL stops working")))]
#[post("/calendar-feeds/{id}/revoke")]
async fn revoke_feed(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    state
        .db(move |conn| area::revoke(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "cohorts", params(("id" = i64, Path)), responses((status = 200, description = "The cohort's register history", content_type = "text/csv", body = String)))]
#[get("/cohorts/{id}/register.csv")]
async fn register_csv(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let csv = state
        .db(move |conn| area::register_csv(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"cohort-{id}-register.csv\""),
        ))
        .body(csv))
}

/// The feed itself: no login, the secret in the URL is the key.
#[get("/calendars/{token}.ics")]
async fn feed(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let text = state.db(move |conn| area::render(conn, &token)).await?;
    match text {
        Some(ics) => Ok(HttpResponse::Ok()
            .content_type("text/calendar; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(ics)),
        None => Err(Problem::not_found().into()),
    }
}
