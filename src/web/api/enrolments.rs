//! HTTP for enrolments: `/api/v1/enrolments` and their transitions.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use crate::audit::Who;
use crate::enrolments::{self as area, EnrolmentView, ReferralInput, TransitionInput};
use crate::kernel::RequestMeta;
use crate::kernel::{FieldErrors, Problem};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_enrolments)
        .service(refer)
        .service(read_enrolment)
        .service(transition);
}

/// Which enrolments to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EnrolmentQuery {
    pub cohort_id: Option<String>,
    pub participant_id: Option<String>,
}

fn id_param(errors: &mut FieldErrors, field: &str, raw: &Option<String>) -> Option<i64> {
    let raw = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    raw.parse()
        .map_err(|_| errors.add(field, "error-number"))
        .ok()
}

#[utoipa::path(tag = "enrolments", params(EnrolmentQuery), responses((status = 200, description = "Enrolments you may see", body = [EnrolmentView])))]
#[get("/enrolments")]
async fn list_enrolments(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    query: web::Query<EnrolmentQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut e = FieldErrors::default();
    let cohort = id_param(&mut e, "cohort_id", &query.cohort_id);
    let participant = id_param(&mut e, "participant_id", &query.participant_id);
    if !e.is_empty() {
        return Err(Problem::invalid(e).into());
    }
    let who = Who::actor(&actor, &meta);
    let items = state
        .db(move |conn| area::read_list(conn, &actor, &who, cohort, participant))
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

#[utoipa::path(tag = "enrolments", request_body = ReferralInput, responses(
    (status = 201, description = "Referred", body = EnrolmentView),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/enrolments")]
async fn refer(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    body: ApiJson<ReferralInput>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::refer(conn, &actor, &who, &body.0))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(tag = "enrolments", params(("id" = i64, Path)), responses(
    (status = 200, description = "The enrolment with its history", body = EnrolmentView),
    (status = 404, description = "No such enrolment, or not yours to see"),
))]
#[get("/enrolments/{id}")]
async fn read_enrolment(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::read(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(tag = "enrolments", params(("id" = i64, Path)), request_body = TransitionInput, responses(
    (status = 200, description = "Moved (a full cohort puts `enrolled` on the waitlist)", body = EnrolmentView),
    (status = 422, description = "Refused: `allowed` lists the next states you may choose"),
))]
#[post("/enrolments/{id}/transitions")]
async fn transition(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::transition(conn, &actor, &who, id, &body.0))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
