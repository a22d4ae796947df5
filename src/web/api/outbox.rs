//! HTTP for the outbox: emails about a participant, failed deliveries and the retry button.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use crate::audit::Who;
use crate::kernel::paging::{Page, Paged};
use crate::kernel::RequestMeta;
use crate::kernel::{FieldErrors, Problem};
use crate::outbox::{self as area, NotificationLine};
use crate::participants::access::Gate;
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(for_participant).service(list).service(retry);
}

#[utoipa::path(tag = "outbox", params(("id" = i64, Path, description = "Participant")), responses((status = 200, description = "Every email sent or queued about the participant (no bodies)", body = [NotificationLine])))]
#[get("/participants/{id}/notifications")]
async fn for_participant(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let lines = state
        .db(move |conn| crate::participants::emails_about(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok().json(lines))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OutboxQuery {
    /// `failed` (default), `pending`, `sent`, `cancelled` or `in_digest`.
    pub status: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[utoipa::path(tag = "outbox", params(OutboxQuery), responses((status = 200, description = "Emails by status (admins)", body = Paged<NotificationLine>)))]
#[get("/notifications")]
async fn list(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, ApiError> {
    actor.require_admin()?;
    let mut errors = FieldErrors::default();
    let page = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    let status = query.status.clone().unwrap_or_else(|| "failed".into());
    if !["failed", "pending", "sent", "cancelled", "in_digest"].contains(&status.as_str()) {
        errors.add("status", "error-choice");
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors).into());
    }
    let who = Who::actor(&actor, &meta);
    let (items, total) = state
        .db(move |conn| area::by_status(conn, &actor, &who, &status, page, &Gate))
        .await
        .map_err(Problem::from)?;
    Ok(HttpResponse::Ok().json(Paged::new(items, page, total)))
}

#[utoipa::path(tag = "outbox", params(("id" = i64, Path)), responses((status = 204, description = "Queued again"), (status = 404, description = "No failed email with this id")))]
#[post("/notifications/{id}/retry")]
async fn retry(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    actor.require_admin()?;
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let done = state
        .db(move |conn| area::retry(conn, &actor, &who, id))
        .await
        .map_err(Problem::from)?;
    if !done {
        return Err(Problem::not_found().into());
    }
    Ok(HttpResponse::NoContent().finish())
}

// ---- Pages (admins): failed and queued emails, one email, the retry button ----

pub fn pages(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(outbox_page)
        .service(email_page)
        .service(retry_page);
}

#[derive(Debug, Deserialize)]
struct OutboxPageQuery {
    status: Option<String>,
    page: Option<String>,
}

const STATUSES: [&str; 5] = ["failed", "pending", "sent", "in_digest", "cancelled"];

#[get("/outbox")]
async fn outbox_page(
    state: web::Data<AppState>,
    actor: crate::web::extract::PageActor,
    meta: RequestMeta,
    query: web::Query<OutboxPageQuery>,
) -> Result<HttpResponse, crate::web::errors::PageError> {
    actor.0.require_admin()?;
    let mut errors = FieldErrors::default();
    let page_no = Page::parse(query.page.as_deref(), None, &mut errors);
    let status = query
        .status
        .clone()
        .filter(|s| STATUSES.contains(&s.as_str()))
        .unwrap_or_else(|| "failed".into());
    let s = status.clone();
    let viewer = actor.0.clone();
    let who = Who::actor(&actor.0, &meta);
    let (items, total) = state
        .db(move |conn| area::by_status(conn, &viewer, &who, &s, page_no, &Gate))
        .await
        .map_err(Problem::from)?;
    let zone = state.config.time_zone.name().to_string();
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|n| {
            serde_json::json!({
                "n": n,
                "created": crate::kernel::time::local(&n.created_at.and_utc(), &zone),
                "status_key": format!("email-status-{}", n.status),
            })
        })
        .collect();
    let link = |p: i64| format!("/outbox?status={status}&page={p}");
    let html = crate::web::render::render_page(
        "outbox",
        &crate::i18n::DEFAULT_LANG.to_string(),
        Some(&crate::web::pages::auth::viewer(&actor.0)),
        serde_json::json!({
            "items": items,
            "total": total,
            "status": status,
            "tabs": STATUSES.iter().map(|s| serde_json::json!({"value": s, "key": format!("email-status-{s}"), "current": *s == status})).collect::<Vec<_>>(),
            "failed": status == "failed",
            "prev": (page_no.page > 1).then(|| link(page_no.page - 1)),
            "next": (page_no.page * page_no.per_page < total).then(|| link(page_no.page + 1)),
        }),
    );
    Ok(crate::web::render::page(html))
}

#[get("/outbox/{id}")]
async fn email_page(
    state: web::Data<AppState>,
    actor: crate::web::extract::PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, crate::web::errors::PageError> {
    actor.0.require_admin()?;
    let id = path.into_inner();
    let who = Who::actor(&actor.0, &meta);
    let viewer = actor.0.clone();
    let body = state
        .db(move |conn| area::open(conn, &viewer, &who, id, &Gate))
        .await
        .map_err(Problem::from)?
        .ok_or_else(Problem::not_found)?;
    let html = crate::web::render::render_page(
        "email",
        &crate::i18n::DEFAULT_LANG.to_string(),
        Some(&crate::web::pages::auth::viewer(&actor.0)),
        serde_json::json!({ "subject": body.0, "text": body.1 }),
    );
    Ok(crate::web::render::page(html))
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

#[post("/outbox/{id}/retry")]
async fn retry_page(
    state: web::Data<AppState>,
    actor: crate::web::extract::PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    crate::web::form::PageForm(form): crate::web::form::PageForm<CsrfForm>,
) -> Result<HttpResponse, crate::web::errors::PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    let done = state
        .db(move |conn| area::retry(conn, &a, &who, id))
        .await
        .map_err(Problem::from)?;
    if !done {
        return Err(Problem::not_found().into());
    }
    Ok(crate::web::render::redirect("/outbox?status=pending"))
}
