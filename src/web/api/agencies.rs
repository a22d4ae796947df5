//! HTTP for partner agencies and sharing bases (`/api/v1/agencies`, `/api/v1/participants/{id}/sharing-bases`).

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::agencies::{self as area, Agency, AgencyInput, SharingBasis, SharingBasisInput};
use crate::audit::Who;
use crate::kernel::RequestMeta;
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_agencies)
        .service(create_agency)
        .service(read_agency)
        .service(update_agency)
        .service(list_bases)
        .service(add_basis)
        .service(update_basis);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AgencyQuery {
    /// Part of the agency's name.
    pub q: Option<String>,
}

#[utoipa::path(tag = "agencies", params(AgencyQuery), responses((status = 200, description = "Agencies you may see", body = [Agency])))]
#[get("/agencies")]
async fn list_agencies(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    query: web::Query<AgencyQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.q.clone().unwrap_or_default();
    let list = state.db(move |conn| area::list(conn, &actor, &q)).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "agencies", request_body = AgencyInput, responses(
    (status = 201, description = "Created", body = Agency),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/agencies")]
async fn create_agency(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    body: ApiJson<AgencyInput>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    let a = state
        .db(move |conn| area::create(conn, &actor, &who, &body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("ETag", format!("\"{}\"", a.version)))
        .json(a))
}

#[utoipa::path(tag = "agencies", params(("id" = i64, Path)), responses((status = 200, description = "The agency", body = Agency), (status = 404, description = "No such agency, or not yours")))]
#[get("/agencies/{id}")]
async fn read_agency(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let a = state.db(move |conn| area::get(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", a.version)))
        .json(a))
}

#[utoipa::path(tag = "agencies", params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version you read")), request_body = AgencyInput, responses(
    (status = 200, description = "Updated", body = Agency),
    (status = 409, description = "Changed by someone else since you read it"),
    (status = 422, description = "Invalid fields, each named"),
    (status = 428, description = "No If-Match given"),
))]
#[put("/agencies/{id}")]
async fn update_agency(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<AgencyInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let version = crate::web::if_match(&req)?;
    let who = Who::actor(&actor, &meta);
    let a = state
        .db(move |conn| area::update(conn, &actor, &who, id, version, &body.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", a.version)))
        .json(a))
}

#[utoipa::path(tag = "agencies", params(("id" = i64, Path, description = "Participant")), responses((status = 200, description = "The participant's sharing bases", body = [SharingBasis])))]
#[get("/participants/{id}/sharing-bases")]
async fn list_bases(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let list = state
        .db(move |conn| area::bases_of(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "agencies", params(("id" = i64, Path, description = "Participant")), request_body = SharingBasisInput, responses(
    (status = 201, description = "Created", body = SharingBasis),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/participants/{id}/sharing-bases")]
async fn add_basis(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<SharingBasisInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let b = state
        .db(move |conn| area::add_basis(conn, &actor, &who, id, &body.0))
        .await?;
    Ok(HttpResponse::Created().json(b))
}

#[utoipa::path(tag = "agencies", params(("id" = i64, Path, description = "Sharing basis"), ("If-Match" = String, Header, description = "The version you read")), request_body = SharingBasisInput, responses(
    (status = 200, description = "Updated; emails queued for the agency stop if the basis no longer holds", body = SharingBasis),
    (status = 409, description = "Changed by someone else since you read it"),
    (status = 422, description = "Invalid fields, each named"),
    (status = 428, description = "No If-Match given"),
))]
#[put("/sharing-bases/{id}")]
async fn update_basis(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<SharingBasisInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let version = crate::web::if_match(&req)?;
    let who = Who::actor(&actor, &meta);
    let b = state
        .db(move |conn| area::update_basis(conn, &actor, &who, id, version, &body.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", b.version)))
        .json(b))
}
