//! Browsing the audit trail: `/api/v1/audit-events` and the `/audit` page (admins, auditors).

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use chrono::{NaiveTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, AuditEvent, Filter};
use crate::db::DbConnection;
use crate::db::DbError;
use crate::kernel::paging::{Page, Paged};
use crate::kernel::validate::optional_date;
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};
use crate::participants::model::CaseReference;
use crate::web::errors::{ApiError, PageError};
use crate::web::extract::{ApiActor, PageActor};
use crate::web::render::{page_with_status, render_page};
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit_events);
}

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page);
}

/// Filters of the audit list.
#[derive(Debug, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Part of the actor's email.
    pub actor: Option<String>,
    /// Exact action, e.g. `participant.read`, `login.failed`.
    pub action: Option<String>,
    /// Only events about this participant: their id or case reference (`KG-2026-00042`).
    pub participant_id: Option<String>,
    /// First day (`YYYY-MM-DD`, UTC), inclusive.
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`, UTC), inclusive.
    pub until: Option<String>,
    /// Page number, from 1.
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    pub per_page: Option<String>,
}

fn may_read(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Auditor)
}

/// A filter that can be run: the participant may still be a case reference to look up.
struct Search {
    filter: Filter,
    page: Page,
    case_reference: Option<CaseReference>,
}

impl Search {
    /// One page of matching events; none when the case reference names nobody.
    fn run(self, conn: &mut DbConnection) -> Result<(Vec<AuditEvent>, i64), DbError> {
        let reference = self.case_reference.as_ref().map(CaseReference::as_str);
        audit::search_about(conn, self.filter, reference, self.page)
    }
}

impl AuditQuery {
    /// Read every filter; a filter that cannot be read is named (never ignored: an unread
    /// filter would show every row).
    fn parse(&self) -> Result<Search, FieldErrors> {
        let mut errors = FieldErrors::default();
        let page = Page::parse(self.page.as_deref(), self.per_page.as_deref(), &mut errors);
        let from = optional_date(&mut errors, "from", &self.from);
        let until = optional_date(&mut errors, "until", &self.until);
        let mut case_reference = None;
        let participant_id = match self
            .participant_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => match (s.parse::<i64>(), CaseReference::parse(s)) {
                (Ok(id), _) => Some(id),
                (Err(_), Ok(reference)) => {
                    case_reference = Some(reference);
                    None
                }
                (Err(_), Err(_)) => {
                    errors.add("participant_id", "error-participant-or-case-reference");
                    None
                }
            },
        };
        let filter = Filter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            participant_id,
            from: from.map(|d| d.and_time(NaiveTime::MIN)),
            until: until
                .and_then(|d| d.succ_opt())
                .map(|d| d.and_time(NaiveTime::MIN)),
        };
        errors.into_result(|| Search {
            filter,
            page,
            case_reference,
        })
    }
}

#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "Audit events, newest first", body = Paged<AuditEvent>),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Only admins and auditors read the audit trail"),
        (status = 422, description = "Bad filter, named"),
    )
)]
#[get("/audit-events")]
async fn list_audit_events(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    if !may_read(&actor) {
        return Err(Problem::forbidden().into());
    }
    let search = query.parse()?;
    let page = search.page;
    let (items, total) = state.db(move |conn| search.run(conn)).await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, page, total)))
}

#[get("/audit")]
async fn list_page(
    state: web::Data<AppState>,
    actor: PageActor,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    if !may_read(&actor.0) {
        return Err(Problem::forbidden().into());
    }
    let viewer = crate::web::pages::auth::viewer(&actor.0);
    // A filter that cannot be read lists nothing: the form comes back with the field named.
    let (items, total, page_req, errors) = match query.parse() {
        Ok(search) => {
            let page = search.page;
            let (items, total) = state.db(move |conn| search.run(conn)).await?;
            (items, total, page, Vec::new())
        }
        Err(e) => (Vec::new(), 0, Page::first(), e.0),
    };
    let zone = state.config.time_zone;
    let rows: Vec<_> = items
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "when": crate::kernel::time::local(&Utc.from_utc_datetime(&e.occurred_at), zone.name()),
                "actor": e.actor_label,
                "action": e.action,
                "entity": format!("{} {}", e.entity_type, e.entity_id.clone().unwrap_or_default()),
                "participant_id": e.participant_id,
                "ip": e.ip,
                "request_id": e.request_id,
            })
        })
        .collect();
    let paged = Paged::new(rows, page_req, total);
    let mut base = query.into_inner();
    let mut link = |p: i64| {
        base.page = Some(p.to_string());
        format!(
            "/audit?{}",
            serde_urlencoded::to_string(&base).unwrap_or_default()
        )
    };
    let prev = (paged.page > 1).then(|| link(paged.page - 1));
    let next = (paged.page < paged.pages).then(|| link(paged.page + 1));
    base.page = None;
    let html = render_page(
        "audit/list",
        &crate::i18n::DEFAULT_LANG.to_string(),
        Some(&viewer),
        json!({ "q": base, "result": paged, "errors": errors, "prev": prev, "next": next }),
    );
    // A filter that cannot be read is named, and the answer says so.
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(page_with_status(status, html))
}
