//! HTTP for exit plans, milestones and plan templates.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::audit::Who;
use crate::exit_plans::model::*;
use crate::exit_plans::{
    self as area, MilestoneFilter, MilestoneLine, MilestoneView, PlanView, TemplateView,
};
use crate::kernel::paging::{Page, Paged};
use crate::kernel::RequestMeta;
use crate::kernel::{FieldErrors, Problem};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(read_plan)
        .service(create_plan)
        .service(update_plan)
        .service(update_pathway)
        .service(add_milestone)
        .service(list_milestones)
        .service(read_milestone)
        .service(update_milestone)
        .service(list_templates)
        .service(create_template);
}

fn etag(version: i32) -> (&'static str, String) {
    ("ETag", format!("\"{version}\""))
}

#[utoipa::path(tag = "exit plans", params(("id" = i64, Path, description = "Participant")), responses((status = 200, description = "The plan with pathways, milestones and planned reminders", body = PlanView), (status = 404, description = "No plan, or not visible to you")))]
#[get("/participants/{id}/exit-plan")]
async fn read_plan(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let plan = state
        .db(move |conn| area::read(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(plan.plan.version))
        .json(plan))
}

#[utoipa::path(tag = "exit plans", params(("id" = i64, Path, description = "Participant")), request_body = PlanInput, responses(
    (status = 201, description = "Created (with the template's milestones, if one was named)", body = PlanView),
    (status = 409, description = "The participant already has a plan"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/participants/{id}/exit-plan")]
async fn create_plan(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<PlanInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let plan = state
        .db(move |conn| area::create(conn, &actor, &who, id, &body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(plan.plan.version))
        .json(plan))
}

#[utoipa::path(tag = "exit plans", params(("id" = i64, Path, description = "Participant"), ("If-Match" = String, Header, description = "The version you read")), request_body = PlanInput, responses(
    (status = 200, description = "Updated; offset milestones moved with the release date", body = PlanView),
    (status = 409, description = "Changed by someone else since you read it"),
    (status = 422, description = "Invalid fields, each named"),
    (status = 428, description = "No If-Match given"),
))]
#[put("/participants/{id}/exit-plan")]
async fn update_plan(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<PlanInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let version = crate::web::if_match(&req)?;
    let who = Who::actor(&actor, &meta);
    let plan = state
        .db(move |conn| area::update(conn, &actor, &who, id, version, &body.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(plan.plan.version))
        .json(plan))
}

#[utoipa::path(tag = "exit plans", params(("id" = i64, Path, description = "Participant"), ("pathway" = String, Path), ("If-Match" = String, Header, description = "The pathway's version you read")), request_body = PathwayInput, responses(
    (status = 200, description = "Updated", body = Pathway),
    (status = 409, description = "Changed by someone else since you read it"),
    (status = 422, description = "Invalid fields, each named"),
    (status = 428, description = "No If-Match given"),
))]
#[put("/participants/{id}/exit-plan/pathways/{pathway}")]
async fn update_pathway(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    body: ApiJson<PathwayInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, pathway) = path.into_inner();
    let version = crate::web::if_match(&req)?;
    let who = Who::actor(&actor, &meta);
    let p = state
        .db(move |conn| area::update_pathway(conn, &actor, &who, id, &pathway, version, &body.0))
        .await?;
    Ok(HttpResponse::Ok().insert_header(etag(p.version)).json(p))
}

#[utoipa::path(tag = "exit plans", params(("id" = i64, Path, description = "Participant")), request_body = MilestoneInput, responses(
    (status = 201, description = "Created", body = Milestone),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/participants/{id}/exit-plan/milestones")]
async fn add_milestone(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<MilestoneInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let m = state
        .db(move |conn| area::add_milestone(conn, &actor, &who, id, &body.0))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(m.version))
        .json(m))
}

/// Search, filter and paging of the milestone list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MilestoneQuery {
    /// Part of the case reference or title.
    pub q: Option<String>,
    /// `open`, `overdue`, or one status.
    pub status: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

impl MilestoneQuery {
    pub fn parse(&self) -> Result<(MilestoneFilter, Page), FieldErrors> {
        let mut errors = FieldErrors::default();
        let page = Page::parse(self.page.as_deref(), self.per_page.as_deref(), &mut errors);
        let status = self.status.clone().filter(|s| !s.trim().is_empty());
        if let Some(s) = &status {
            if s != "open" && s != "overdue" && !MILESTONE_STATUSES.contains(&s.as_str()) {
                errors.add("status", "error-choice");
            }
        }
        errors.into_result(|| {
            (
                MilestoneFilter {
                    q: self.q.clone().unwrap_or_default(),
                    status,
                    ..Default::default()
                },
                page,
            )
        })
    }
}

#[utoipa::path(tag = "exit plans", params(MilestoneQuery), responses((status = 200, description = "Milestones you may see, soonest first (agency users: their agency's, with a valid sharing basis)", body = Paged<MilestoneLine>)))]
#[get("/milestones")]
async fn list_milestones(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    query: web::Query<MilestoneQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.parse().map_err(Problem::invalid)?;
    let who = Who::actor(&actor, &meta);
    let (items, total) = state
        .db(move |conn| area::list_milestones(conn, &actor, &who, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, page, total)))
}

#[utoipa::path(tag = "exit plans", params(("id" = i64, Path)), responses((status = 200, description = "The milestone", body = MilestoneView), (status = 404, description = "No such milestone, or not yours")))]
#[get("/milestones/{id}")]
async fn read_milestone(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let m = state
        .db(move |conn| area::read_milestone(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(m.milestone.version))
        .json(m))
}

#[utoipa::path(tag = "exit plans", params(("id" = i64, Path), ("If-Match" = String, Header, description = "The version you read")), request_body = MilestoneInput, responses(
    (status = 200, description = "Updated (agency users and probation officers: status and note only)", body = MilestoneView),
    (status = 409, description = "Changed by someone else since you read it"),
    (status = 422, description = "Invalid fields, each named"),
    (status = 428, description = "No If-Match given"),
))]
#[put("/milestones/{id}")]
async fn update_milestone(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<MilestoneInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let version = crate::web::if_match(&req)?;
    let who = Who::actor(&actor, &meta);
    let m = state
        .db(move |conn| area::update_milestone(conn, &actor, &who, id, version, &body.0))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(m.milestone.version))
        .json(m))
}

#[utoipa::path(tag = "exit plans", responses((status = 200, description = "Plan templates", body = [TemplateView])))]
#[get("/plan-templates")]
async fn list_templates(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<HttpResponse, ApiError> {
    if !crate::participants::access::may_list(&actor) {
        return Err(Problem::forbidden().into());
    }
    let list = state.db(area::templates).await.map_err(Problem::from)?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(tag = "exit plans", request_body = TemplateInput, responses(
    (status = 201, description = "Created", body = TemplateView),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/plan-templates")]
async fn create_template(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    body: ApiJson<TemplateInput>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    let t = state
        .db(move |conn| area::create_template(conn, &actor, &who, &body.0))
        .await?;
    Ok(HttpResponse::Created().json(t))
}
