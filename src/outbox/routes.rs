//! HTTP for the outbox: emails about a participant, failed deliveries and the retry button.

use actix_web::{get, post, web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;

use crate::audit::Who;
use crate::auth::{ApiActor, RequestMeta, Role};
use crate::db::schema::participants;
use crate::outbox::{self as area, NotificationLine};
use crate::web::errors::{ApiError, FieldErrors, Problem};
use crate::web::paging::{Page, Paged};
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(for_participant).service(list).service(retry);
}

#[utoipa::path(tag = "outbox", params(("id" = i64, Path, description = "Participant")), responses((status = 200, description = "Every email sent or queued about the participant (no bodies)", body = [NotificationLine])))]
#[get("/participants/{id}/notifications")]
async fn for_participant(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let lines = state
        .db(move |conn| {
            let seen: Option<i64> = crate::participants::access::visible_to(&actor)
                .filter(participants::id.eq(id))
                .select(participants::id)
                .first(conn)
                .optional()
                .map_err(crate::db::DbError::from)?;
            seen.ok_or_else(Problem::not_found)?;
            Ok::<_, Problem>(area::for_participant(conn, id)?)
        })
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
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, ApiError> {
    if actor.role != Role::Admin {
        return Err(Problem::forbidden().into());
    }
    let mut errors = FieldErrors::default();
    let page = Page::parse(query.page.as_deref(), query.per_page.as_deref(), &mut errors);
    let status = query.status.clone().unwrap_or_else(|| "failed".into());
    if !["failed", "pending", "sent", "cancelled", "in_digest"].contains(&status.as_str()) {
        errors.add("status", "error-choice");
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors).into());
    }
    let (items, total) = state
        .db(move |conn| area::by_status(conn, &status, page))
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
    if actor.role != Role::Admin {
        return Err(Problem::forbidden().into());
    }
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
