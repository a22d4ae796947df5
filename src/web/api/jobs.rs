//! HTTP for scheduled job runs (`/api/v1/jobs`, admins).

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

use crate::jobs::{self as area, JobRun};
use crate::kernel::paging::{Page, Paged};
use crate::kernel::{FieldErrors, Problem};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_runs);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RunQuery {
    /// One job's runs, e.g. `reminder-sweep`.
    pub job: Option<String>,
    /// `true` for failures only: failed and partly failed runs.
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
    actor.require_admin()?;
    let mut errors = FieldErrors::default();
    let page = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
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

// ---- Page (admins): recent runs and failures ----

pub fn pages(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(jobs_page);
}

#[derive(Debug, Deserialize)]
struct JobsPageQuery {
    failed: Option<String>,
    page: Option<String>,
}

#[get("/jobs")]
async fn jobs_page(
    state: web::Data<AppState>,
    actor: crate::web::extract::PageActor,
    query: web::Query<JobsPageQuery>,
) -> Result<HttpResponse, crate::web::errors::PageError> {
    actor.0.require_admin()?;
    let mut errors = FieldErrors::default();
    let page_no = Page::parse(query.page.as_deref(), None, &mut errors);
    let failed = query.failed.as_deref() == Some("1");
    let (items, total) = state
        .db(move |conn| area::runs(conn, None, failed, page_no))
        .await
        .map_err(Problem::from)?;
    let zone = state.config.time_zone.name().to_string();
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|r| {
            serde_json::json!({
                "r": r,
                "started": crate::kernel::time::local(&r.started_at.and_utc(), &zone),
                "outcome_key": format!("job-outcome-{}", r.outcome),
                "failed": area::RunOutcome::FAILURES.contains(&r.outcome.as_str()),
            })
        })
        .collect();
    let link = |p: i64| format!("/jobs?failed={}&page={p}", if failed { "1" } else { "0" });
    let html = crate::web::render::render_page(
        "jobs",
        &crate::i18n::DEFAULT_LANG.to_string(),
        Some(&crate::web::pages::auth::viewer(&actor.0)),
        serde_json::json!({
            "items": items,
            "total": total,
            "failed": failed,
            // Checked at start-up.
            "schedules": area::schedules(&state.config).unwrap_or_default().iter().map(|s| serde_json::json!({
                "job": s.job.as_str(),
                "cron": s.cron,
                "disabled": s.disabled,
            })).collect::<Vec<_>>(),
            "prev": (page_no.page > 1).then(|| link(page_no.page - 1)),
            "next": (page_no.page * page_no.per_page < total).then(|| link(page_no.page + 1)),
        }),
    );
    Ok(crate::web::render::page(html))
}
