//! HTTP for reminder rules (`/api/v1/reminder-rules`).

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

use crate::audit::Who;
use crate::kernel::Problem;
use crate::kernel::{RequestMeta, Role};
use crate::reminders::{self as area, ReminderRule, RuleInput};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_rules)
        .service(create_rule)
        .service(update_rule);
}

#[utoipa::path(tag = "reminders", responses((status = 200, description = "Reminder rules", body = [ReminderRule])))]
#[get("/reminder-rules")]
async fn list_rules(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<HttpResponse, ApiError> {
    if !matches!(actor.role, Role::Admin | Role::Coordinator) {
        return Err(Problem::forbidden().into());
    }
    let list = state.db(area::list).await.map_err(Problem::from)?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "reminders", request_body = RuleInput, responses(
    (status = 201, description = "Created", body = ReminderRule),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/reminder-rules")]
async fn create_rule(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    body: ApiJson<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    let r = state
        .db(move |conn| area::create(conn, &actor, &who, &body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("ETag", format!("\"{}\"", r.version)))
        .json(r))
}

#[utoipa::path(tag = "reminders", params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version you read")), request_body = RuleInput, responses(
    (status = 200, description = "Updated", body = ReminderRule),
    (status = 409, description = "Changed by someone else since you read it"),
    (status = 422, description = "Invalid fields, each named"),
    (status = 428, description = "No If-Match given"),
))]
#[put("/reminder-rules/{id}")]
async fn update_rule(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let version = crate::web::if_match(&req)?;
    let who = Who::actor(&actor, &meta);
    let r = state
        .db(move |conn| area::update(conn, &actor, &who, id, version, &body.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", r.version)))
        .json(r))
}
