//! The reports page (`/reports`: a form for site and dates, then the five reports, each a table
//! and a small bar chart) and each report's CSV download (`/reports/<name>.csv`).

use std::fmt::Write;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use handlebars::html_escape;
use serde_json::{json, Value};

use crate::audit::Who;
use crate::i18n::{format_number, t, t_args, DEFAULT_LANG};
use crate::kernel::Problem;
use crate::kernel::{Actor, RequestMeta};
use crate::reports::{self as area, ReportError, ReportScope, Reports, ScopeInput};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::form::error_map;
use crate::web::pages::auth::viewer;
use crate::web::render::{page, page_with_status, render_page};
use crate::web::AppState;
use fluent_templates::LanguageIdentifier;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(reports_page).service(report_csv);
}

fn lang_of(actor: &Actor) -> String {
    if crate::i18n::is_supported(&actor.language) {
        actor.language.clone()
    } else {
        DEFAULT_LANG.to_string()
    }
}

#[get("/reports")]
async fn reports_page(
    state: web::Data<AppState>,
    actor: PageActor,
    query: web::Query<ScopeInput>,
) -> Result<HttpResponse, PageError> {
    let actor = actor.0;
    if !area::may_see(&actor) {
        return Err(Problem::forbidden().into());
    }
    let input = query.into_inner();
    let escalate_after = state.config.handover.escalate_after;
    let (a, typed) = (actor.clone(), input.clone());
    let (sites, result) = state
        .db(move |conn| {
            let sites = area::sites_for(conn, &a)?;
            let result = match area::scope(conn, &a, &typed, chrono::Utc::now()) {
                Ok(scope) => area::all(conn, &scope, escalate_after).map(|r| (scope, r)),
                Err(e) => Err(e),
            };
            Ok::<_, ReportError>((sites, result))
        })
        .await
        .map_err(Problem::from)?;
    let lang = lang_of(&actor);
    match result {
        Ok((scope, reports)) => {
            let data = page_data(
                &actor,
                &lang,
                &sites,
                &form_of(&scope),
                Some((&scope, &reports)),
                &[],
            );
            Ok(page(render_page(
                "reports/index",
                &lang,
                Some(&viewer(&actor)),
                data,
            )))
        }
        Err(ReportError::Invalid(errors)) => {
            let typed = json!({
                "site_id": input.site_id.clone().unwrap_or_default(),
                "from": input.from.clone().unwrap_or_default(),
                "to": input.to.clone().unwrap_or_default(),
            });
            let data = page_data(&actor, &lang, &sites, &typed, None, &errors.0);
            Ok(page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                render_page("reports/index", &lang, Some(&viewer(&actor)), data),
            ))
        }
        Err(e) => Err(Problem::from(e).into()),
    }
}

#[get("/reports/{name}.csv")]
async fn report_csv(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<String>,
    query: web::Query<ScopeInput>,
) -> Result<HttpResponse, PageError> {
    let actor = actor.0;
    let name = path.into_inner();
    if !area::may_see(&actor) {
        return Err(Problem::forbidden().into());
    }
    if !area::REPORTS.contains(&name.as_str()) {
        return Err(Problem::not_found().into());
    }
    let input = query.into_inner();
    let escalate_after = state.config.handover.escalate_after;
    let who = Who::actor(&actor, &meta);
    let n = name.clone();
    let (csv, scope) = state
        .db(move |conn| {
            let scope = area::scope(conn, &actor, &input, chrono::Utc::now())?;
            Ok::<_, ReportError>((area::csv(conn, &who, &n, &scope, escalate_after)?, scope))
        })
        .await
        .map_err(Problem::from)?;
    let site = scope
        .site_id
        .map(|s| format!("site-{s}"))
        .unwrap_or_else(|| "all-sites".into());
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{name}-{site}-{}-{}.csv\"",
                scope.from, scope.to
            ),
        ))
        .body(csv))
}

fn form_of(scope: &ReportScope) -> Value {
    json!({
        "site_id": scope.site_id.map(|s| s.to_string()).unwrap_or_default(),
        "from": scope.from.to_string(),
        "to": scope.to.to_string(),
    })
}

fn page_data(
    actor: &Actor,
    lang: &str,
    sites: &[(i64, String)],
    form: &Value,
    reports: Option<(&ReportScope, &Reports)>,
    errors: &[crate::kernel::FieldError],
) -> Value {
    let lang_id: LanguageIdentifier = lang.parse().unwrap_or(DEFAULT_LANG);
    json!({
        "form": form,
        "errors": errors,
        "form_errors": error_map(errors),
        // Coordinators see their own site only: no "all sites" choice.
        "may_choose_all": actor.role != crate::kernel::Role::Coordinator,
        "sites": sites.iter().map(|(id, name)| json!({"id": id.to_string(), "name": name})).collect::<Vec<_>>(),
        "report": reports.map(|(scope, r)| report_json(&lang_id, lang, sites, scope, r)),
    })
}

fn report_json(
    lang: &LanguageIdentifier,
    code: &str,
    sites: &[(i64, String)],
    scope: &ReportScope,
    r: &Reports,
) -> Value {
    let tr = |key: &str| t(lang, key);
    let num = |n: f64| format_number(code, n);
    let site_name = match scope.site_id {
        Some(id) => sites
            .iter()
            .find(|(s, _)| *s == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
        None => tr("reports-all-sites"),
    };
    let query = format!(
        "site_id={}&from={}&to={}",
        scope.site_id.map(|s| s.to_string()).unwrap_or_default(),
        scope.from,
        scope.to
    );
    let csv = |name: &str| format!("/reports/{name}.csv?{query}");
    let range = t_args(
        lang,
        "reports-scope",
        &[
            ("site", site_name.clone()),
            ("from", crate::i18n::format_date(code, scope.from)),
            ("to", crate::i18n::format_date(code, scope.to)),
        ],
    );
    let chart_title = |key: &str| format!("{} — {range}", tr(key));

    let statuses: Vec<(String, f64, String)> = r
        .enrolments
        .by_status
        .iter()
        .map(|(s, n)| {
            (
                tr(&format!("reports-status-{s}")),
                *n as f64,
                num(*n as f64),
            )
        })
        .collect();
    let c = &r.completion;
    let ended: Vec<(String, f64, String)> = [
        ("completed", c.completed),
        ("withdrawn", c.withdrawn),
        ("transferred", c.transferred),
    ]
    .iter()
    .map(|(s, n)| {
        (
            tr(&format!("reports-status-{s}")),
            *n as f64,
            num(*n as f64),
        )
    })
    .collect();
    let attendance: Vec<(String, f64, String)> = r
        .attendance
        .iter()
        .map(|a| {
            (
                format!("{} / {}", a.programme, a.cohort),
                a.rate.percent.unwrap_or(0.0),
                match a.rate.percent {
                    Some(p) => format!("{} %", num(p)),
                    None => tr("reports-no-rate"),
                },
            )
        })
        .collect();
    let milestones: Vec<(String, f64, String)> = r
        .milestones
        .iter()
        .flat_map(|m| {
            let agency = m.agency.clone().unwrap_or_else(|| tr("reports-no-agency"));
            [
                (
                    format!("{agency}: {}", tr("reports-on-time")),
                    m.on_time as f64,
                    num(m.on_time as f64),
                ),
                (
                    format!("{agency}: {}", tr("reports-late")),
                    m.late as f64,
                    num(m.late as f64),
                ),
            ]
        })
        .collect();
    let h = &r.handovers;
    let handovers: Vec<(String, f64, String)> = [
        ("reports-on-time", h.on_time),
        ("reports-late", h.late),
        ("reports-not-yet", h.not_yet),
    ]
    .iter()
    .map(|(k, n)| (tr(k), *n as f64, num(*n as f64)))
    .collect();

    json!({
        "site_name": site_name,
        "from": scope.from.to_string(),
        "to": scope.to.to_string(),
        "enrolments": {
            "rows": r.enrolments.by_status.iter().map(|(s, n)| json!({"key": format!("reports-status-{s}"), "count": n})).collect::<Vec<_>>(),
            "total": r.enrolments.total,
            "chart": bar_chart("chart-enrolments", &chart_title("reports-enrolments-title"), &statuses, None),
            "csv": csv("enrolments"),
        },
        "completion": {
            "completed": c.completed,
            "withdrawn": c.withdrawn,
            "transferred": c.transferred,
            "ended": c.ended,
            "percent": c.percent,
            "chart": bar_chart("chart-completion", &chart_title("reports-completion-title"), &ended, None),
            "csv": csv("completion"),
        },
        "attendance": {
            "rows": r.attendance.iter().map(|a| json!({
                "programme": a.programme,
                "cohort": a.cohort,
                "site": a.site,
                "attended": a.rate.attended,
                "counted": a.rate.counted,
                "percent": a.rate.percent,
            })).collect::<Vec<_>>(),
            "chart": (!attendance.is_empty()).then(|| bar_chart("chart-attendance", &chart_title("reports-attendance-title"), &attendance, Some(100.0))),
            "csv": csv("attendance"),
        },
        "milestones": {
            "rows": r.milestones.iter().map(|m| json!({
                "agency": m.agency,
                "on_time": m.on_time,
                "late": m.late,
                "total": m.total,
            })).collect::<Vec<_>>(),
            "chart": (!milestones.is_empty()).then(|| bar_chart("chart-milestones", &chart_title("reports-milestones-title"), &milestones, None)),
            "csv": csv("milestones"),
        },
        "handovers": {
            "on_time": h.on_time,
            "late": h.late,
            "not_yet": h.not_yet,
            "sent": h.sent,
            "escalate_after": h.escalate_after,
            "chart": bar_chart("chart-handovers", &chart_title("reports-handovers-title"), &handovers, None),
            "csv": csv("handovers"),
        },
    })
}

const WIDTH: f64 = 560.0;
const LABEL_WIDTH: f64 = 280.0;
/// Longer labels are cut (with "…") so that they stay left of the bars; tables show them whole.
const LABEL_CHARS: usize = 40;
const BAR_WIDTH: f64 = 200.0;
const ROW_HEIGHT: f64 = 22.0;

/// A horizontal bar chart: one row per `(label, value, value as text)`, each labelled with its
/// name and value in words, so that nothing is told by length or colour alone. `max` is the
/// full-width value (e.g. 100 for percentages; the largest value when `None`). The picture has a
/// `<title>`; pages show the same numbers in a table. Every text is escaped.
pub fn bar_chart(
    id: &str,
    title: &str,
    bars: &[(String, f64, String)],
    max: Option<f64>,
) -> String {
    let max = max
        .unwrap_or_else(|| bars.iter().map(|b| b.1).fold(0.0, f64::max))
        .max(1.0);
    let height = ROW_HEIGHT * bars.len().max(1) as f64 + 4.0;
    let id = html_escape(id);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"><title id="{id}-title">{}</title>"#,
        html_escape(title)
    );
    for (row, (label, value, text)) in bars.iter().enumerate() {
        let top = 2.0 + ROW_HEIGHT * row as f64;
        let width = (BAR_WIDTH * value.max(0.0) / max).min(BAR_WIDTH);
        let label = if label.chars().count() > LABEL_CHARS {
            format!(
                "{}…",
                label.chars().take(LABEL_CHARS - 1).collect::<String>()
            )
        } else {
            label.clone()
        };
        let _ = write!(
            svg,
            r#"<g class="bar"><text x="0" y="{:.1}" font-size="12" fill="currentColor">{}</text><rect x="{LABEL_WIDTH}" y="{:.1}" width="{width:.1}" height="{:.1}" fill="currentColor" fill-opacity="0.6"/><text x="{:.1}" y="{:.1}" font-size="12" fill="currentColor">{}</text></g>"#,
            top + 14.0,
            html_escape(&label),
            top + 3.0,
            ROW_HEIGHT - 8.0,
            LABEL_WIDTH + width + 6.0,
            top + 14.0,
            html_escape(text),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::bar_chart;

    #[test]
    fn a_bar_chart_has_a_title_and_says_every_value_in_text() {
        let svg = bar_chart(
            "c",
            "Handovers <all>",
            &[
                ("On time".into(), 3.0, "3".into()),
                ("Late".into(), 0.0, "0".into()),
            ],
            None,
        );
        assert!(svg.contains(r#"<title id="c-title">Handovers &lt;all&gt;</title>"#));
        assert!(svg.contains(">On time</text>"));
        assert!(svg.contains(">3</text>"));
        assert!(svg.contains(">0</text>"));
        assert!(svg.contains(r#"width="200.0""#), "{svg}");
        let long = "A partner agency with a very long name indeed: On time".to_string();
        let svg = bar_chart("d", "t", &[(long, 1.0, "1".into())], None);
        assert!(
            svg.contains(">A partner agency with a very long name …</text>"),
            "{svg}"
        );
    }
}
