//! HTTP for scheduled job runs (`/api/v1/jobs`, admins).

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

use crate::auth::{ApiActor, Role};
use crate::jobs::{self as area, JobRun};
use crate::web::errors::{ApiError, FieldErrors, Problem};
use crate::web::paging::{Page, Paged};
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_runs);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RunQuery {
    /// One job's runs, e.g. `reminder-sweep`.
    pub job: Option<String>,
    /// `true` for failures only.
    pub failed: Option<bool>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[utoipa::path(tag = "jobs", params(RunQuery), responses((status = 200, description = "Recent runs, newest first", body = Paged<JobRun>)))]
#[get("/jobs")]
async fn list_runs(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    query: web::Query<RunQuery>,
) -> Result<HttpResponse, ApiError> {
    if actor.role != Role::Admin {
        return Err(Problem::forbidden().into());
    }
    let mut errors = FieldErrors::default();
    let page = Page::parse(query.page.as_deref(), query.per_page.as_deref(), &mut errors);
    let job = query.job.clone().filter(|j| !j.is_empty());
    if let Some(j) = &job {
        if j.parse::<area::JobName>().is_err() {
            errors.add("job", "error-choice");
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors).into());
    }
    let failed = query.failed.unwrap_or(false);
    let (items, total) = state
        .db(move |conn| area::runs(conn, job.as_deref(), failed, page))
        .await
        .map_err(Problem::from)?;
    Ok(HttpResponse::Ok().json(Paged::new(items, page, total)))
}
