//! HTTP for registers and absence alerts.

use actix_web::{get, post, put, web, HttpResponse};
use serde::Deserialize;

use crate::attendance::alerts::{self, AlertView};
use crate::attendance::{self as area, Register, RegisterInput};
use crate::audit::Who;
use crate::kernel::RequestMeta;
use crate::kernel::{FieldErrors, Problem};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(read_register)
        .service(save_register)
        .service(list_alerts)
        .service(acknowledge);
}

#[utoipa::path(tag = "registers", params(("id" = i64, Path, description = "Session id")), responses(
    (status = 200, description = "Everyone expected at the session and their marks", body = Register),
))]
#[get("/sessions/{id}/register")]
async fn read_register(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let register = state
        .db(move |conn| area::read_register(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(register))
}

#[utoipa::path(tag = "registers", params(("id" = i64, Path, description = "Session id")), request_body = RegisterInput, responses(
    (status = 200, description = "Saved; sending the same register again changes nothing", body = Register),
    (status = 422, description = "Bad entries, named as `entries[i].field`"),
))]
#[put("/sessions/{id}/register")]
async fn save_register(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<RegisterInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let register = state
        .db(move |conn| area::save(conn, &actor, &who, id, &body.0))
        .await?;
    Ok(HttpResponse::Ok().json(register))
}

/// Whose alerts to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AlertQuery {
    pub participant_id: Option<String>,
}

#[utoipa::path(tag = "alerts", params(AlertQuery), responses((status = 200, description = "Open absence alerts you may see", body = [AlertView])))]
#[get("/alerts")]
async fn list_alerts(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    let participant = match query
        .participant_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(s.parse::<i64>().map_err(|_| {
            let mut e = FieldErrors::default();
            e.add("participant_id", "error-number");
            Problem::invalid(e)
        })?),
    };
    let list = state
        .db(move |conn| alerts::read_open(conn, &actor, &who, participant))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "alerts", params(("id" = i64, Path)), responses((status = 204, description = "Acknowledged and cleared")))]
#[post("/alerts/{id}/acknowledge")]
async fn acknowledge(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    state
        .db(move |conn| alerts::acknowledge(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
