//! HTTP for programmes, cohorts, sessions and holidays (`/api/v1/...` and the pages).

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::audit::Who;
use crate::kernel::paging::{Page, Paged};
use crate::kernel::RequestMeta;
use crate::kernel::{FieldErrors, Problem};
use crate::programmes::holidays::{self, Holiday, HolidayInput};
use crate::programmes::model::*;
use crate::programmes::store::{self, CohortSummary, CohortView, SessionView};
use crate::programmes::{self as area, access, ProgrammeError};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_programmes)
        .service(create_programme)
        .service(update_programme)
        .service(list_cohorts)
        .service(create_cohort)
        .service(read_cohort)
        .service(update_cohort)
        .service(add_sessions)
        .service(read_session)
        .service(reschedule)
        .service(cancel)
        .service(list_holidays)
        .service(add_holiday)
        .service(import_holidays);
}

#[utoipa::path(tag = "programmes", responses((status = 200, description = "The programme catalogue", body = [Programme])))]
#[get("/programmes")]
async fn list_programmes(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<HttpResponse, ApiError> {
    if !access::may_read_catalogue(&actor) {
        return Err(Problem::forbidden().into());
    }
    let list = state.db(area::list_programmes).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "programmes", request_body = ProgrammeInput, responses(
    (status = 201, description = "Created", body = Programme),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/programmes")]
async fn create_programme(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    body: ApiJson<ProgrammeInput>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    let p = state
        .db(move |conn| area::create_programme(conn, &actor, &who, &body.0))
        .await?;
    Ok(HttpResponse::Created().json(p))
}

#[utoipa::path(tag = "programmes", params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version you read")), request_body = ProgrammeInput, responses(
    (status = 200, description = "Updated", body = Programme),
    (status = 409, description = "Changed by someone else since you read it"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[put("/programmes/{id}")]
async fn update_programme(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<ProgrammeInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let version = crate::web::if_match(&req)?;
    let who = Who::actor(&actor, &meta);
    let p = state
        .db(move |conn| area::update_programme(conn, &actor, &who, id, version, &body.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", p.version)))
        .json(p))
}

/// Search and paging of the cohort list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CohortQuery {
    /// Part of the cohort's name.
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[utoipa::path(tag = "cohorts", params(CohortQuery), responses((status = 200, description = "Cohorts you may see", body = Paged<CohortSummary>)))]
#[get("/cohorts")]
async fn list_cohorts(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    query: web::Query<CohortQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let page = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Problem::invalid(errors).into());
    }
    let q = query.q.clone().unwrap_or_default();
    let (items, total) = state
        .db(move |conn| store::cohorts_page(conn, &actor, &q, page))
        .await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, page, total)))
}

#[utoipa::path(tag = "cohorts", request_body = CohortInput, responses(
    (status = 201, description = "Created, with its sessions", body = CohortView),
    (status = 409, description = "The schedule double-books a room, facilitator or participant; `clashes` names each"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/cohorts")]
async fn create_cohort(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    body: ApiJson<CohortInput>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::create_cohort(conn, &actor, &who, &body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/cohorts/{}", view.id)))
        .json(view))
}

#[utoipa::path(tag = "cohorts", params(("id" = i64, Path)), responses(
    (status = 200, description = "The cohort and its sessions", body = CohortView),
    (status = 404, description = "No such cohort, or not yours to see"),
))]
#[get("/cohorts/{id}")]
async fn read_cohort(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = state
        .db(move |conn| -> Result<CohortView, ProgrammeError> {
            let row = store::visible_cohort(conn, &actor, id)?;
            Ok(store::cohort_view(conn, row)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(tag = "cohorts", params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version you read")), request_body = CohortChanges, responses(
    (status = 200, description = "Updated", body = CohortView),
    (status = 409, description = "Changed by someone else since you read it"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[put("/cohorts/{id}")]
async fn update_cohort(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<CohortChanges>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let version = crate::web::if_match(&req)?;
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::update_cohort(conn, &actor, &who, id, version, &body.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", view.version)))
        .json(view))
}

#[utoipa::path(tag = "cohorts", params(("id" = i64, Path)), request_body = NewSessionsInput, responses(
    (status = 201, description = "The new sessions", body = [SessionView]),
    (status = 409, description = "Double booking; `clashes` names each. Send `override_reason` to book anyway"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/cohorts/{id}/sessions")]
async fn add_sessions(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<NewSessionsInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let views = state
        .db(move |conn| area::add_sessions(conn, &actor, &who, id, &body.0))
        .await?;
    Ok(HttpResponse::Created().json(views))
}

#[utoipa::path(tag = "sessions", params(("id" = i64, Path)), responses((status = 200, description = "The session", body = SessionView)))]
#[get("/sessions/{id}")]
async fn read_session(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = state
        .db(move |conn| -> Result<SessionView, ProgrammeError> {
            let (session, cohort) = store::visible_session(conn, &actor, id)?;
            let site = store::site(conn, cohort.site_id)?.ok_or(ProgrammeError::NotFound)?;
            Ok(store::session_view(conn, store::zone_of(&site), session)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(tag = "sessions", params(("id" = i64, Path)), request_body = RescheduleInput, responses(
    (status = 200, description = "Moved", body = SessionView),
    (status = 409, description = "Double booking; `clashes` names each"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/sessions/{id}/reschedule")]
async fn reschedule(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    req: HttpRequest,
    body: ApiJson<RescheduleInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut input = body.0;
    if input.version.is_none() {
        input.version = crate::web::if_match(&req)?;
    }
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::reschedule(conn, &actor, &who, id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(tag = "sessions", params(("id" = i64, Path)), request_body = CancelInput, responses(
    (status = 200, description = "Cancelled", body = SessionView),
    (status = 422, description = "Reason or requester missing"),
))]
#[post("/sessions/{id}/cancel")]
async fn cancel(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    req: HttpRequest,
    body: ApiJson<CancelInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut input = body.0;
    if input.version.is_none() {
        input.version = crate::web::if_match(&req)?;
    }
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::cancel(conn, &actor, &who, id, &input))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(tag = "sites", params(("id" = i64, Path)), responses((status = 200, description = "The site's public holidays", body = [Holiday])))]
#[get("/sites/{id}/holidays")]
async fn list_holidays(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    if !access::may_read_catalogue(&actor) {
        return Err(Problem::forbidden().into());
    }
    let id = path.into_inner();
    let list = state.db(move |conn| holidays::list(conn, id)).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "sites", params(("id" = i64, Path)), request_body = HolidayInput, responses(
    (status = 201, description = "Saved"),
    (status = 403, description = "Only admins edit holidays"),
))]
#[post("/sites/{id}/holidays")]
async fn add_holiday(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<HolidayInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let n = state
        .db(move |conn| holidays::save(conn, &actor, &who, id, &[body.0], ""))
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "saved": n })))
}

#[utoipa::path(tag = "sites", params(("id" = i64, Path)), request_body(content = String, content_type = "text/csv", description = "`date,name` per line"), responses(
    (status = 200, description = "How many were saved"),
    (status = 422, description = "Bad lines, named as `holidays[N].date`"),
))]
#[post("/sites/{id}/holidays/import")]
async fn import_holidays(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let text = String::from_utf8(body.to_vec()).map_err(|_| {
        let mut e = FieldErrors::default();
        e.add("body", "error-csv-line");
        Problem::invalid(e)
    })?;
    let inputs = holidays::parse_csv(&text).map_err(Problem::invalid)?;
    let n = state
        .db(move |conn| holidays::save(conn, &actor, &who, id, &inputs, "holidays"))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "saved": n })))
}
