//! Rendering of the home pages (`templates/home/*.hbs`); `auth::routes::home` picks one by role.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::audit::Who;
use crate::home::{self as area, HomeError};
use crate::i18n::{t_args, DEFAULT_LANG};
use crate::kernel::Problem;
use crate::kernel::{Actor, RequestMeta};
use crate::web::errors::PageError;
use crate::web::pages::auth::viewer;
use crate::web::render::{page, render_page};
use crate::web::AppState;

fn render(actor: &Actor, template: &str, mut data: Value) -> HttpResponse {
    let greeting = t_args(
        &crate::i18n::user_lang(&actor.language),
        "home-greeting",
        &[("name", actor.display_name.clone())],
    );
    if let Value::Object(map) = &mut data {
        map.insert("greeting".into(), json!(greeting));
        map.insert(
            "role_key".into(),
            json!(format!("role-{}", actor.role.as_str())),
        );
    }
    page(render_page(
        template,
        &DEFAULT_LANG.to_string(),
        Some(&viewer(actor)),
        data,
    ))
}

fn problem(e: HomeError) -> PageError {
    Problem::from(e).into()
}

/// The coordinator's day at their site.
pub async fn coordinator(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<HttpResponse, PageError> {
    let (a, who) = (actor.clone(), Who::actor(actor, meta));
    let home = state
        .db(move |conn| area::coordinator(conn, &a, &who, chrono::Utc::now()))
        .await
        .map_err(problem)?;
    // Wrapped: inside the layout, a bare `title` would be the page's.
    let milestones: Vec<Value> = home
        .overdue_milestones
        .items
        .iter()
        .map(|m| json!({ "m": m }))
        .collect();
    Ok(render(
        actor,
        "home/coordinator",
        json!({ "home": home, "milestones": milestones }),
    ))
}

/// The agency user's milestones: due soon and overdue.
pub async fn agency(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
) -> Result<HttpResponse, PageError> {
    let (a, who) = (actor.clone(), Who::actor(actor, meta));
    let home = state
        .db(move |conn| area::agency(conn, &a, &who, crate::kernel::time::today_utc()))
        .await
        .map_err(problem)?;
    let lines = |list: &[crate::exit_plans::MilestoneLine]| -> Vec<Value> {
        list.iter()
            .map(|m| json!({ "m": m, "status_key": format!("milestone-status-{}", m.status) }))
            .collect()
    };
    let due_soon = lines(&home.due_soon.items);
    let overdue = lines(&home.overdue.items);
    Ok(render(
        actor,
        "home/agency",
        json!({ "home": home, "due_soon": due_soon, "overdue": overdue }),
    ))
}

/// The admin's overview: job runs, failed deliveries, users.
pub async fn admin(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &crate::kernel::RequestMeta,
) -> Result<HttpResponse, PageError> {
    let who = crate::audit::Who::actor(actor, meta);
    let viewer = actor.clone();
    let home = state
        .db(move |conn| {
            // The failed emails name case references: `by_status` records their reading on
            // those people's trails.
            let home = area::admin(conn, &viewer, &who)?;
            Ok::<_, area::HomeError>(home)
        })
        .await
        .map_err(problem)?;
    let zone = "UTC";
    let runs: Vec<Value> = home
        .runs
        .items
        .iter()
        .map(|r| {
            json!({
                "r": r,
                "started": crate::kernel::time::local(&r.started_at.and_utc(), zone),
                "outcome_key": format!("job-outcome-{}", r.outcome),
            })
        })
        .collect();
    let failed: Vec<Value> = home
        .failed
        .items
        .iter()
        .map(|n| json!({ "n": n, "created": crate::kernel::time::local(&n.created_at.and_utc(), zone) }))
        .collect();
    let users: Vec<Value> = home
        .users
        .items
        .iter()
        .map(|u| json!({ "u": u, "role_key": format!("role-{}", u.role) }))
        .collect();
    Ok(render(
        actor,
        "home/admin",
        json!({ "home": home, "runs": runs, "failed": failed, "users": users }),
    ))
}

/// The auditor's start: the audit search and the subject access export.
pub fn auditor(actor: &Actor) -> HttpResponse {
    render(actor, "home/auditor", json!({}))
}
