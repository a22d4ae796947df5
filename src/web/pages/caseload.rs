//! The caseload page (`/caseload`, and `/` for mentors), and the registration of the pages it
//! leads to: a participant's progress notes and risk reviews.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::audit::Who;
use crate::caseload::{self as area, CaseloadEntry};
use crate::i18n::{t, t_args, t_values, user_lang};
use crate::kernel::paging::{Page, Paged};
use crate::kernel::{Actor, RequestMeta};
use crate::kernel::{FieldErrors, Problem};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::pages::auth::viewer;
use crate::web::pages::chart;
use crate::web::pages::progress_notes::{rating_values, DOMAINS};
use crate::web::render::{page, render_page};
use crate::web::AppState;
use fluent_templates::fluent_bundle::FluentValue;
use unic_langid::LanguageIdentifier;

/// The caseload page, the progress-note pages and the risk-review pages.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(caseload_page)
        .configure(crate::web::pages::progress_notes::pages)
        .configure(crate::web::pages::risk_reviews::pages);
}

/// Search and paging of the caseload.
#[derive(Debug, Default, Deserialize)]
pub struct CaseloadQuery {
    /// Part of a case reference.
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn entry_json(e: &CaseloadEntry, labels: &[String; 5], lang: &LanguageIdentifier) -> Value {
    let latest: Vec<Option<i32>> = (0..5)
        .map(|i| {
            e.ratings
                .iter()
                .rev()
                .find_map(|(_, r)| rating_values(r)[i])
        })
        .collect();
    let summary: Vec<String> = labels
        .iter()
        .zip(&latest)
        .map(|(label, v)| match v {
            Some(v) => format!("{label} {v}"),
            None => format!("{label} {}", t(lang, "notes-not-rated")),
        })
        .collect();
    // The count stays a number, so that Fluent can choose "contact" or "contacts".
    let args: std::collections::HashMap<std::borrow::Cow<'static, str>, FluentValue> = [
        ("case", FluentValue::from(e.case_reference.clone())),
        ("count", FluentValue::from(e.ratings.len())),
        ("latest", FluentValue::from(summary.join(", "))),
    ]
    .into_iter()
    .map(|(k, v)| (std::borrow::Cow::Borrowed(k), v))
    .collect();
    let title = t_values(lang, "caseload-chart-title", &args);
    json!({
        "id": e.participant_id,
        "case_reference": e.case_reference,
        "last_contact": e.last_contact,
        "next_contact": e.next_contact,
        "overdue_key": e.overdue.map(|o| format!("caseload-overdue-{}", o.as_str())),
        "open_alerts": e.open_alerts,
        "release_date": e.release_date,
        "release_soon": e.release_soon,
        "chart": chart::ratings_svg(&format!("chart-{}", e.participant_id), &title, labels, &e.ratings),
        "latest": DOMAINS.iter().zip(&latest).map(|(d, v)| json!({
            "key": format!("domain-{d}"),
            "value": v,
        })).collect::<Vec<_>>(),
    })
}

/// Render `actor`'s caseload (403 for anyone but a mentor).
pub async fn render(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
    query: &CaseloadQuery,
) -> Result<HttpResponse, PageError> {
    let mut errors = FieldErrors::default();
    let page_no = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Problem::invalid(errors).into());
    }
    let q = query.q.clone().unwrap_or_default();
    let (a, who, q2) = (actor.clone(), Who::actor(actor, meta), q.clone());
    let (entries, total) = state
        .db(move |conn| area::caseload(conn, &a, &who, &q2, page_no, chrono::Utc::now()))
        .await?;
    let lang = user_lang(&actor.language);
    let labels: [String; 5] = DOMAINS.map(|d| t(&lang, &format!("domain-{d}")));
    let list = Paged::new(
        entries
            .iter()
            .map(|e| entry_json(e, &labels, &lang))
            .collect::<Vec<_>>(),
        page_no,
        total,
    );
    let link = |p: i64| {
        format!(
            "/caseload?q={}&per_page={}&page={p}",
            crate::web::urlencode(&q),
            page_no.per_page
        )
    };
    let greeting = t_args(
        &lang,
        "home-greeting",
        &[("name", actor.display_name.clone())],
    );
    let html = render_page(
        "caseload/list",
        &lang.to_string(),
        Some(&viewer(actor)),
        json!({
            "greeting": greeting,
            "q": q,
            "list": list,
            "prev": (list.page > 1).then(|| link(list.page - 1)),
            "next": (list.page < list.pages).then(|| link(list.page + 1)),
        }),
    );
    Ok(page(html))
}

#[get("/caseload")]
async fn caseload_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    query: web::Query<CaseloadQuery>,
) -> Result<HttpResponse, PageError> {
    render(&state, &actor.0, &meta, &query).await
}
