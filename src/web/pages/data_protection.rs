//! Pages for data protection (auditors and admins): the printable subject access export
//! (`/participants/{id}/export`, its JSON download, the case-reference form at `/subject-access`)
//! and retention (`/retention`: who is due, what would be removed, past runs, "Run now").

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::audit::Who;
use crate::data_protection::{self as area, retention};
use crate::kernel::paging::Page;
use crate::kernel::RequestMeta;
use crate::kernel::{FieldErrors, Problem};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::render::{page, page_with_status, redirect, render_page};
use crate::web::AppState;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(export_page)
        .service(export_json)
        .service(subject_access)
        .service(retention_page)
        .service(retention_run);
}

fn lang() -> String {
    crate::i18n::DEFAULT_LANG.to_string()
}

/// Take the export exactly as the API does (checked and audited by the area).
async fn take(
    state: &web::Data<AppState>,
    actor: &PageActor,
    meta: &RequestMeta,
    id: i64,
) -> Result<Value, PageError> {
    let who = Who::actor(&actor.0, meta);
    let keys = state.config.data_keys.clone();
    let a = actor.0.clone();
    let doc = state
        .db(move |conn| area::take(conn, keys.as_ref(), &a, &who, &id.to_string()))
        .await
        .map_err(Problem::from)?;
    Ok(doc)
}

/// A stored instant (`2026-11-27 07:18:18.123` from SQLite, `2026-11-27T07:18:18.123` from
/// PostgreSQL), if this text is one.
fn instant(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}

/// One cell as shown: instants in the installation's zone, nothing as "—".
fn cell(value: &Value, zone: &str) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) => match instant(s) {
            Some(at) => crate::kernel::time::local(&at.and_utc(), zone),
            None => s.clone(),
        },
        other => other.to_string(),
    }
}

/// The export as sections: one per table, its columns and rows.
fn sections(doc: &Value, zone: &str) -> Vec<Value> {
    let Some(tables) = doc["tables"].as_object() else {
        return Vec::new();
    };
    area::tables()
        .filter_map(|name| tables.get(name).map(|rows| (name, rows)))
        .map(|(name, rows)| {
            let rows = rows.as_array().cloned().unwrap_or_default();
            let columns: Vec<String> = rows
                .first()
                .and_then(Value::as_object)
                .map(|r| r.keys().cloned().collect())
                .unwrap_or_default();
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| columns.iter().map(|c| cell(&r[c], zone)).collect())
                .collect();
            json!({ "table": name, "count": cells.len(), "columns": columns, "rows": cells })
        })
        .collect()
}

#[get("/participants/{id}/export")]
async fn export_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let doc = take(&state, &actor, &meta, id).await?;
    let zone = state.config.time_zone.name();
    let person = &doc["tables"]["participants"][0];
    let exported_at = doc["exported_at"]
        .as_str()
        .and_then(instant)
        .map(|at| crate::kernel::time::local(&at.and_utc(), zone));
    let anonymised_at = person["anonymised_at"]
        .as_str()
        .and_then(instant)
        .map(|at| crate::kernel::time::local(&at.and_utc(), zone));
    let html = render_page(
        "data_protection/export",
        &lang(),
        Some(&crate::web::pages::auth::viewer(&actor.0)),
        json!({
            "id": id,
            "case_reference": person["case_reference"],
            "exported_at": exported_at,
            "anonymised_at": anonymised_at,
            "zone": zone,
            "sections": sections(&doc, zone),
        }),
    );
    Ok(page(html))
}

#[get("/participants/{id}/export.json")]
async fn export_json(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let doc = take(&state, &actor, &meta, id).await?;
    let name = doc["tables"]["participants"][0]["case_reference"]
        .as_str()
        .filter(|r| r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(|| format!("participant-{id}"), str::to_string);
    let body = serde_json::to_string_pretty(&doc).map_err(|_| Problem::internal())?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}-subject-access.json\""),
        ))
        .body(body))
}

#[derive(Debug, Deserialize)]
struct SubjectAccessQuery {
    reference: Option<String>,
}

/// A case reference (or id) → that participant's export page. Auditors cannot open participant
/// pages, and restricted participants are hidden even from admins, so this is their way in.
#[get("/subject-access")]
async fn subject_access(
    state: web::Data<AppState>,
    actor: PageActor,
    query: web::Query<SubjectAccessQuery>,
) -> Result<HttpResponse, PageError> {
    if !retention::may_see(&actor.0) {
        return Err(Problem::forbidden().into());
    }
    let reference = query.reference.clone().unwrap_or_default();
    let mut errors = FieldErrors::default();
    if !reference.trim().is_empty() {
        let r = reference.clone();
        let found = state.db(move |conn| area::find(conn, &r)).await;
        match found {
            Ok(id) => return Ok(redirect(&format!("/participants/{id}/export"))),
            Err(area::ExportError::NotFound) => errors.add("reference", "sar-not-found"),
            Err(e) => return Err(Problem::from(e).into()),
        }
    } else if query.reference.is_some() {
        errors.add("reference", "error-required");
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render_page(
        "data_protection/subject_access",
        &lang(),
        Some(&crate::web::pages::auth::viewer(&actor.0)),
        json!({
            "reference": reference,
            "errors": crate::web::form::error_map(&errors.0),
        }),
    );
    Ok(page_with_status(status, html))
}

#[derive(Debug, Deserialize)]
struct RetentionQuery {
    page: Option<String>,
    runs_page: Option<String>,
}

#[get("/retention")]
async fn retention_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    query: web::Query<RetentionQuery>,
) -> Result<HttpResponse, PageError> {
    if !retention::may_see(&actor.0) {
        return Err(Problem::forbidden().into());
    }
    let mut errors = FieldErrors::default();
    let due_page = Page::parse(query.page.as_deref(), None, &mut errors);
    let mut run_errors = FieldErrors::default();
    let runs_page = Page::parse(query.runs_page.as_deref(), None, &mut run_errors);
    errors
        .0
        .extend(run_errors.0.into_iter().map(|e| crate::kernel::FieldError {
            field: "runs_page".into(),
            message: e.message,
        }));
    if !errors.is_empty() {
        return Err(Problem::invalid(errors).into());
    }
    let days = state.config.retention_days;
    let who = Who::actor(&actor.0, &meta);
    let (preview, (runs, runs_total)) = state
        .db(move |conn| -> Result<_, crate::db::DbError> {
            let preview = retention::preview(conn, Utc::now(), days, Some(due_page))?;
            retention::audit_preview(conn, &who, &preview)?;
            Ok((preview, retention::runs(conn, runs_page)?))
        })
        .await
        .map_err(Problem::from)?;
    let zone = state.config.time_zone.name();
    let local = |at: &NaiveDateTime| crate::kernel::time::local(&at.and_utc(), zone);
    let due: Vec<Value> = preview
        .participants
        .iter()
        .map(|d| json!({ "d": d, "closed": local(&d.closed_at) }))
        .collect();
    let runs: Vec<Value> = runs
        .iter()
        .map(|r| {
            let summary: Value = serde_json::from_str(&r.summary).unwrap_or_default();
            let removed: Vec<String> = summary["removed"]
                .as_object()
                .map(|m| m.iter().map(|(k, v)| format!("{k} × {v}")).collect())
                .unwrap_or_default();
            json!({
                "r": r,
                "started": local(&r.started_at),
                "finished": r.finished_at.as_ref().map(local),
                "outcome_key": format!("job-outcome-{}", r.outcome),
                "failed": r.outcome == "failed",
                "removed": removed,
            })
        })
        .collect();
    let link = |due: i64, runs: i64| format!("/retention?page={due}&runs_page={runs}");
    let (dp, rp) = (due_page.page, runs_page.page);
    let html = render_page(
        "data_protection/retention",
        &lang(),
        Some(&crate::web::pages::auth::viewer(&actor.0)),
        json!({
            "days": days,
            "closed_before": local(&preview.closed_before),
            "total": preview.total,
            "due": due,
            "due_prev": (dp > 1).then(|| link(dp - 1, rp)),
            "due_next": (dp * due_page.per_page < preview.total).then(|| link(dp + 1, rp)),
            "runs": runs,
            "runs_total": runs_total,
            "runs_prev": (rp > 1).then(|| link(dp, rp - 1)),
            "runs_next": (rp * runs_page.per_page < runs_total).then(|| link(dp, rp + 1)),
            "can_run": actor.0.role == crate::kernel::Role::Admin,
        }),
    );
    Ok(page(html))
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

/// "Run now" (admins): the same run the daily job makes, recorded as this admin's.
#[post("/retention/run")]
async fn retention_run(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    crate::web::form::PageForm(form): crate::web::form::PageForm<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    actor.0.require_admin()?;
    let who = Who::actor(&actor.0, &meta);
    let keys = state.config.data_keys.clone();
    let days = state.config.retention_days;
    state
        .db(move |conn| retention::run(conn, keys.as_ref(), &who, Utc::now(), days))
        .await
        .map_err(Problem::from)?;
    Ok(redirect("/retention#runs"))
}
