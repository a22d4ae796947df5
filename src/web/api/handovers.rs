//! HTTP for handovers (`/api/v1/handovers`): the list, the pack as sent, acknowledging it,
//! recording the meeting, and a coordinator's "send now".

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use crate::audit::Who;
use crate::handovers::sweep::SendContext;
use crate::handovers::{self as area, HandoverFilter, HandoverLine, HandoverView, MeetingInput};
use crate::kernel::paging::{Page, Paged};
use crate::kernel::RequestMeta;
use crate::kernel::{FieldErrors, Problem};
use crate::web::errors::ApiError;
use crate::web::extract::ApiActor;
use crate::web::json::ApiJson;
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list)
        .service(read)
        .service(acknowledge)
        .service(meeting)
        .service(send_now);
}

/// The list's query string.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct HandoverQuery {
    /// Part of the case reference.
    pub q: Option<String>,
    /// `due`, `sent`, `acknowledged`, `overdue`, or `awaiting` (sent, not yet acknowledged).
    pub status: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

impl HandoverQuery {
    pub fn parse(&self) -> Result<(HandoverFilter, Page), FieldErrors> {
        let mut errors = FieldErrors::default();
        let page = Page::parse(self.page.as_deref(), self.per_page.as_deref(), &mut errors);
        let status = self.status.clone().filter(|s| !s.trim().is_empty());
        if let Some(s) = &status {
            if s != "awaiting" && !area::STATUSES.contains(&s.as_str()) {
                errors.add("status", "error-choice");
            }
        }
        errors.into_result(|| {
            (
                HandoverFilter {
                    q: self.q.clone().unwrap_or_default(),
                    status,
                },
                page,
            )
        })
    }
}

/// Where meeting invitations come from: the organiser is `ONWARD_MAIL_FROM`'s address.
pub fn meeting_mail(state: &AppState) -> crate::handovers::MeetingMail {
    let organizer = state
        .config
        .mail_from
        .parse::<lettre::message::Mailbox>()
        .map(|m| m.email.to_string())
        .unwrap_or_else(|_| state.config.mail_from.clone());
    crate::handovers::MeetingMail {
        public_url: state.config.public_url.clone(),
        organizer,
    }
}

/// What sending needs, from the configuration and the clock.
pub fn send_context(state: &AppState) -> SendContext {
    SendContext {
        settings: state.config.handover,
        morning: state.config.local_morning,
        public_url: state.config.public_url.clone(),
        now: chrono::Utc::now(),
    }
}

#[utoipa::path(tag = "handovers", params(HandoverQuery), responses(
    (status = 200, description = "Handovers you take part in (coordinators: your site's; probation officers: your cases'), soonest release first", body = Paged<HandoverLine>),
    (status = 422, description = "Invalid filter or page, named"),
))]
#[get("/handovers")]
async fn list(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    query: web::Query<HandoverQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.parse().map_err(Problem::invalid)?;
    let who = Who::actor(&actor, &meta);
    let (items, total) = state
        .db(move |conn| area::list(conn, &actor, &who, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, page, total)))
}

async fn view(
    state: &AppState,
    actor: crate::kernel::Actor,
    who: Who,
    id: i64,
) -> Result<HandoverView, ApiError> {
    let keys = state.config.data_keys.clone();
    let now = chrono::Utc::now();
    Ok(state
        .db(move |conn| area::read(conn, keys.as_ref(), &actor, &who, id, now))
        .await?)
}

#[utoipa::path(tag = "handovers", params(("id" = i64, Path)), responses(
    (status = 200, description = "The handover, its pack exactly as sent, and the sections changed since; opening it is audited", body = HandoverView),
    (status = 404, description = "No such handover, or not yours"),
))]
#[get("/handovers/{id}")]
async fn read(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let who = Who::actor(&actor, &meta);
    Ok(HttpResponse::Ok().json(view(&state, actor, who, path.into_inner()).await?))
}

#[utoipa::path(tag = "handovers", params(("id" = i64, Path)), responses(
    (status = 200, description = "Acknowledged (again: no change)", body = HandoverView),
    (status = 403, description = "Only the case's probation officer acknowledges"),
    (status = 409, description = "Not sent yet"),
))]
#[post("/handovers/{id}/acknowledge")]
async fn acknowledge(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let (a, w) = (actor.clone(), who.clone());
    state
        .db(move |conn| area::acknowledge(conn, &a, &w, id))
        .await?;
    Ok(HttpResponse::Ok().json(view(&state, actor, who, id).await?))
}

#[utoipa::path(tag = "handovers", params(("id" = i64, Path)), request_body = MeetingInput, responses(
    (status = 200, description = "Recorded; each attendee is emailed an .ics invitation", body = HandoverView),
    (status = 409, description = "Not sent yet"),
    (status = 422, description = "Invalid fields, each named"),
))]
#[post("/handovers/{id}/meeting")]
async fn meeting(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    body: ApiJson<MeetingInput>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let (a, w) = (actor.clone(), who.clone());
    let mail = meeting_mail(&state);
    state
        .db(move |conn| area::record_meeting(conn, &a, &w, id, &body.0, &mail))
        .await?;
    Ok(HttpResponse::Ok().json(view(&state, actor, who, id).await?))
}

#[utoipa::path(tag = "handovers", params(("id" = i64, Path, description = "Participant")), responses(
    (status = 201, description = "Sent to the probation officer now (before or on its due day)", body = HandoverView),
    (status = 403, description = "Only the site's coordinators send a handover early"),
    (status = 409, description = "Already sent, no probation officer, or no release date"),
))]
#[post("/participants/{id}/handover")]
async fn send_now(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let participant = path.into_inner();
    let who = Who::actor(&actor, &meta);
    let (a, w) = (actor.clone(), who.clone());
    let keys = state.config.data_keys.clone();
    let ctx = send_context(&state);
    let id = state
        .db(move |conn| area::send_now(conn, keys.as_ref(), &a, &w, participant, &ctx))
        .await?;
    Ok(HttpResponse::Created().json(view(&state, actor, who, id).await?))
}
