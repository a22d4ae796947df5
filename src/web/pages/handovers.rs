//! Pages of handovers: the list (`/handovers`), the pack as a clean printable page with the
//! acknowledge button and the meeting form (`/handovers/{id}`), a coordinator's "send now",
//! and the probation officer's home page (handovers awaiting acknowledgement, releases in the
//! next 12 weeks).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::audit::Who;
use crate::handovers::{self as area, HandoverError, HandoverFilter, HandoverLine, MeetingInput};
use crate::i18n::{user_lang, DEFAULT_LANG};
use crate::kernel::paging::{Page, Paged};
use crate::kernel::{Actor, RequestMeta};
use crate::kernel::{FieldError, FieldErrors};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::form::{error_map, failed_save, PageForm};
use crate::web::pages::auth::viewer;
use crate::web::render::{page, page_with_status, redirect, render_page};
use crate::web::AppState;
use unic_langid::LanguageIdentifier;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(handover_page)
        .service(acknowledge)
        .service(meeting)
        .service(send_now);
}

fn lang() -> String {
    DEFAULT_LANG.to_string()
}

fn line_json(l: &HandoverLine) -> Value {
    json!({ "h": l, "status_key": format!("handover-status-{}", l.status) })
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

const FILTERS: [&str; 6] = ["all", "awaiting", "due", "overdue", "sent", "acknowledged"];

#[get("/handovers")]
async fn list_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let raw = crate::web::api::handovers::HandoverQuery {
        q: query.q.clone(),
        status: query.status.clone().filter(|s| s != "all"),
        page: query.page.clone(),
        per_page: query.per_page.clone(),
    };
    let (filter, page_no, errors) = match raw.parse() {
        Ok((f, p)) => (f, p, FieldErrors::default()),
        Err(e) => (HandoverFilter::default(), Page::first(), e),
    };
    let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
    let (items, total) = state
        .db(move |conn| area::list(conn, &a, &who, &filter, page_no))
        .await?;
    let q = query.q.clone().unwrap_or_default();
    let status = query.status.clone().unwrap_or_else(|| "all".into());
    let link = |p: i64| {
        format!(
            "/handovers?q={}&status={}&page={p}",
            crate::web::urlencode(&q),
            crate::web::urlencode(&status)
        )
    };
    let list = Paged::new(items.iter().map(line_json).collect(), page_no, total);
    let html = render_page(
        "handovers/list",
        &lang(),
        Some(&viewer(&actor.0)),
        json!({
            "list": list,
            "q": q,
            "status": status,
            "errors": errors.0,
            "filters": FILTERS.iter().map(|f| json!({"value": f, "key": format!("handover-filter-{f}")})).collect::<Vec<_>>(),
            "prev": (page_no.page > 1).then(|| link(page_no.page - 1)),
            "next": (page_no.page * page_no.per_page < total).then(|| link(page_no.page + 1)),
        }),
    );
    Ok(page(html))
}

/// The pack's sections with what the page needs to word them.
fn pack_json(pack: &Value, changed: &[String], lang: &LanguageIdentifier) -> Value {
    let mut sections = serde_json::Map::new();
    for s in crate::handovers::pack::SECTIONS {
        sections.insert(
            s.to_string(),
            json!({ "changed": changed.iter().any(|c| c == s), "title_key": format!("handover-section-{s}") }),
        );
    }
    let trend = pack["progress"]["trend"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let chart = trend_chart(&trend, lang);
    let trend: Vec<Value> = trend
        .iter()
        .map(|d| {
            json!({
                "key": format!("handover-domain-{}", d["domain"].as_str().unwrap_or("")),
                "first": d["first"],
                "latest": d["latest"],
                "count": d["points"].as_array().map(Vec::len).unwrap_or(0),
            })
        })
        .collect();
    let keyed = |items: &Value, field: &str, prefix: &str| -> Vec<Value> {
        items
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut i| {
                let key = format!("{prefix}{}", i[field].as_str().unwrap_or(""));
                i["label_key"] = json!(key);
                i
            })
            .collect()
    };
    json!({
        "sections": sections,
        "case": pack["case"],
        "programmes": keyed(&pack["programmes"], "status", "enrolment-"),
        "trend": trend,
        "chart": chart,
        "notes_recorded": pack["progress"]["notes_recorded"],
        "shared_notes": keyed(&pack["progress"]["shared_notes"], "contact_type", "handover-contact-"),
        "risk_reviews": pack["risk_reviews"],
        "pathways": keyed(&pack["pathways"], "pathway", "pathway-")
            .into_iter()
            .map(|mut p| { p["status_key"] = json!(format!("pathway-status-{}", p["status"].as_str().unwrap_or(""))); p })
            .collect::<Vec<_>>(),
        "open_milestones": keyed(&pack["open_milestones"], "kind", "milestone-"),
        "people": keyed(&pack["contacts"]["people"], "role", "role-"),
        "agencies": keyed(&pack["contacts"]["agencies"], "kind", "agency-kind-"),
    })
}

/// A small line chart of the domain ratings (1–5) over the notes, drawn as SVG on the server.
/// Each domain has its own line style and a label at its end, so colour is not the only cue;
/// the table beside it gives the same figures as text.
pub fn trend_chart(trend: &[Value], lang: &unic_langid::LanguageIdentifier) -> Option<String> {
    let series: Vec<(String, Vec<(NaiveDate, i64)>)> = trend
        .iter()
        .map(|d| {
            let points = d["points"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(|p| {
                    Some((
                        p["on"].as_str()?.parse::<NaiveDate>().ok()?,
                        p["value"].as_i64()?,
                    ))
                })
                .collect();
            (d["domain"].as_str().unwrap_or("").to_string(), points)
        })
        .collect();
    let dates: Vec<NaiveDate> = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0))
        .collect();
    let (first, last) = (dates.iter().min()?, dates.iter().max()?);
    let span = (*last - *first).num_days().max(1) as f64;
    let (w, h, left, top, bottom) = (480.0, 180.0, 30.0, 10.0, 20.0);
    let plot_w = w - left - 90.0;
    let plot_h = h - top - bottom;
    let x = |d: NaiveDate| left + (d - *first).num_days() as f64 / span * plot_w;
    let y = |v: i64| top + (5 - v) as f64 / 4.0 * plot_h;
    let dashes = ["", "6 3", "2 3", "10 3 2 3", "1 1"];
    let colours = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c"];
    let title = handlebars::html_escape(&crate::i18n::t_args(
        lang,
        "handover-chart-title",
        &[("from", first.to_string()), ("to", last.to_string())],
    ));
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="trend-title"><title id="trend-title">{title}</title>"#
    );
    for v in 1..=5 {
        svg.push_str(&format!(
            r##"<line x1="{left}" x2="{}" y1="{y}" y2="{y}" stroke="#ccc" stroke-width="1"/><text x="{}" y="{}" font-size="10">{v}</text>"##,
            left + plot_w,
            left - 12.0,
            y(v) + 3.0,
            y = y(v)
        ));
    }
    for (i, (domain, points)) in series.iter().enumerate() {
        if points.is_empty() {
            continue;
        }
        let path: Vec<String> = points
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(*v)))
            .collect();
        let (ld, lv) = points[points.len() - 1];
        svg.push_str(&format!(
            r#"<polyline fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}" points="{}"/><text x="{:.1}" y="{:.1}" font-size="10">{}</text>"#,
            colours[i % 5],
            dashes[i % 5],
            path.join(" "),
            x(ld) + 4.0,
            y(lv) + 3.0 + (i as f64 * 2.0),
            handlebars::html_escape(&crate::i18n::t(lang, &format!("handover-domain-{domain}")))
        ));
    }
    svg.push_str("</svg>");
    Some(svg)
}

async fn render_handover(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    form: Option<(Value, &[FieldError])>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (a, who) = (actor.clone(), Who::actor(actor, meta));
    let keys = state.config.data_keys.clone();
    let now = chrono::Utc::now();
    let (view, team) = state
        .db(move |conn| -> Result<_, HandoverError> {
            let view = area::read(conn, keys.as_ref(), &a, &who, id, now)?;
            let team = area::team(conn, view.line.participant_id)?;
            Ok((view, team))
        })
        .await?;
    let errors: &[FieldError] = form.as_ref().map(|f| f.1).unwrap_or(&[]);
    let values = form
        .as_ref()
        .map(|f| f.0.clone())
        .unwrap_or_else(|| json!({ "minutes": "60", "attendee_ids": [] }));
    let chosen: Vec<String> = values["attendee_ids"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let team: Vec<Value> = team
        .iter()
        .map(|m| json!({ "id": m.id, "name": m.name, "role_key": format!("role-{}", m.role), "checked": chosen.contains(&m.id.to_string()) }))
        .collect();
    let html = render_page(
        "handovers/pack",
        &lang(),
        Some(&viewer(actor)),
        json!({
            "v": view,
            "status_key": format!("handover-status-{}", view.line.status),
            "pack": view.pack.as_ref().map(|p| pack_json(p, &view.changed_since_handover, &user_lang(&actor.language))),
            "changed": !view.changed_since_handover.is_empty(),
            "team": team,
            "form": values,
            "form_errors": error_map(errors),
            "errors": errors,
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/handovers/{id}")]
async fn handover_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    render_handover(
        &state,
        &actor.0,
        &meta,
        path.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

#[post("/handovers/{id}/acknowledge")]
async fn acknowledge(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
    state
        .db(move |conn| area::acknowledge(conn, &a, &who, id))
        .await?;
    Ok(redirect(&format!("/handovers/{id}")))
}

#[derive(Debug, Deserialize, Serialize)]
struct MeetingForm {
    #[serde(default)]
    csrf_token: String,
    at: Option<String>,
    minutes: Option<String>,
    place: Option<String>,
    #[serde(default)]
    attendee_ids: Vec<String>,
    version: Option<String>,
}

#[post("/handovers/{id}/meeting")]
async fn meeting(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<MeetingForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let mut e = FieldErrors::default();
    let minutes = match crate::web::form::opt_number::<i64>(&form.minutes) {
        Ok(m) => m,
        Err(_) => {
            e.add("minutes", "error-number");
            None
        }
    };
    let version = match crate::web::form::opt_number::<i32>(&form.version) {
        Ok(v) => v,
        Err(_) => {
            e.add("version", "error-number");
            None
        }
    };
    let ids: Vec<i64> = form
        .attendee_ids
        .iter()
        .filter_map(|i| i.trim().parse().ok())
        .collect();
    let result = if e.is_empty() {
        let input = MeetingInput {
            at: form.at.clone(),
            minutes,
            place: form.place.clone(),
            attendee_ids: Some(ids),
            version,
        };
        let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
        let mail = crate::web::api::handovers::meeting_mail(&state);
        state
            .db(move |conn| area::record_meeting(conn, &a, &who, id, &input, &mail))
            .await
    } else {
        Err(HandoverError::Invalid(e))
    };
    match result {
        Ok(()) => Ok(redirect(&format!("/handovers/{id}#meeting"))),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render_handover(
                &state,
                &actor.0,
                &meta,
                id,
                Some((json!(form), &errors)),
                status,
            )
            .await
        }
    }
}

#[post("/participants/{id}/handover/send")]
async fn send_now(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let participant = path.into_inner();
    let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
    let keys = state.config.data_keys.clone();
    let ctx = crate::web::api::handovers::send_context(&state);
    let id = state
        .db(move |conn| area::send_now(conn, keys.as_ref(), &a, &who, participant, &ctx))
        .await?;
    Ok(redirect(&format!("/handovers/{id}")))
}

/// The probation officer's home page: handovers awaiting acknowledgement (overdue first, as
/// the list orders by release) and their cases released in the next 12 weeks.
pub async fn officer_home(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<HttpResponse, PageError> {
    let (a, who) = (actor.clone(), Who::actor(actor, meta));
    let now = chrono::Utc::now();
    let (awaiting, releases) = state
        .db(move |conn| area::officer_home(conn, &a, &who, now))
        .await?;
    let greeting = crate::i18n::t_args(
        &user_lang(&actor.language),
        "home-greeting",
        &[("name", actor.display_name.clone())],
    );
    let html = render_page(
        "handovers/officer_home",
        &lang(),
        Some(&viewer(actor)),
        json!({
            "greeting": greeting,
            "awaiting": awaiting.iter().map(line_json).collect::<Vec<_>>(),
            "releases": releases,
        }),
    );
    Ok(page(html))
}
