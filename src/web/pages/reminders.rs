//! Admin pages for reminder rules, and every user's email preferences (opting out of the
//! optional kinds; agency reminders are mandatory and have no switch).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::audit::Who;
use crate::exit_plans::model::{MILESTONE_KINDS, RELEASE_KIND};
use crate::kernel::{Actor, RequestMeta};
use crate::kernel::{FieldError, FieldErrors, Problem};
use crate::reminders::preferences::{self, OPTIONAL_KINDS};
use crate::reminders::RuleError;
use crate::reminders::{self as area, RuleInput, DELIVERIES, RECIPIENTS};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::form::{error_map, failed_save, opt_number, PageForm};
use crate::web::pages::auth::viewer;
use crate::web::render::{page, page_with_status, redirect, render_page};
use crate::web::AppState;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(rules_page)
        .service(create_rule)
        .service(rule_page)
        .service(update_rule)
        .service(prefs_page)
        .service(save_prefs)
        .service(save_language);
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct RuleForm {
    #[serde(default)]
    csrf_token: String,
    name: Option<String>,
    #[serde(default)]
    milestone_kinds: Vec<String>,
    days_before: Option<String>,
    days_after: Option<String>,
    #[serde(default)]
    recipients: Vec<String>,
    delivery: Option<String>,
    active: Option<String>,
    version: Option<String>,
}

/// "84, 56, 28" as numbers, or the field named.
fn days(errors: &mut FieldErrors, field: &str, raw: &Option<String>) -> Vec<i32> {
    let mut out = Vec::new();
    for part in raw.as_deref().unwrap_or("").split([',', ' ', ';']) {
        if part.trim().is_empty() {
            continue;
        }
        match part.trim().parse() {
            Ok(n) => out.push(n),
            Err(_) => {
                errors.add(field, "error-days");
                return out;
            }
        }
    }
    out
}

impl RuleForm {
    fn input(&self) -> Result<RuleInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let days_before = days(&mut errors, "days_before", &self.days_before);
        let days_after = days(&mut errors, "days_after", &self.days_after);
        errors.into_result(|| RuleInput {
            name: self.name.clone(),
            milestone_kinds: Some(self.milestone_kinds.clone()),
            days_before: Some(days_before),
            days_after: Some(days_after),
            recipients: Some(self.recipients.clone()),
            delivery: self.delivery.clone(),
            active: Some(self.active.is_some()),
        })
    }
}

async fn render(
    state: &web::Data<AppState>,
    actor: &Actor,
    id: Option<i64>,
    form: Value,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let rules = state.db(area::list).await.map_err(Problem::from)?;
    let current = id.and_then(|id| rules.iter().find(|r| r.id == id).cloned());
    if id.is_some() && current.is_none() {
        return Err(Problem::not_found().into());
    }
    let mut kinds: Vec<&str> = vec![RELEASE_KIND];
    kinds.extend(MILESTONE_KINDS);
    let chosen = |list: &str, v: &str| {
        form[list]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == v))
    };
    let html = render_page(
        if id.is_some() {
            "reminders/edit"
        } else {
            "reminders/list"
        },
        &crate::i18n::DEFAULT_LANG.to_string(),
        Some(&viewer(actor)),
        json!({
            "rules": rules.iter().map(|r| json!({
                "r": r,
                "kinds": r.milestone_kinds.iter().map(|k| format!("milestone-{k}")).collect::<Vec<_>>(),
                "recipients": r.recipients.iter().map(|k| format!("recipient-{k}")).collect::<Vec<_>>(),
                "before": r.days_before.iter().map(i32::to_string).collect::<Vec<_>>().join(", "),
                "after": r.days_after.iter().map(i32::to_string).collect::<Vec<_>>().join(", "),
                "delivery_key": format!("rule-delivery-{}", r.delivery),
            })).collect::<Vec<_>>(),
            "rule": current,
            "form": form,
            "form_errors": error_map(errors),
            "errors": errors,
            "kinds": kinds.iter().map(|k| json!({"value": k, "key": format!("milestone-{k}"), "checked": chosen("milestone_kinds", k)})).collect::<Vec<_>>(),
            "recipient_choices": RECIPIENTS.iter().map(|k| json!({"value": k, "key": format!("recipient-{k}"), "checked": chosen("recipients", k)})).collect::<Vec<_>>(),
            "deliveries": DELIVERIES.iter().map(|k| json!({"value": k, "key": format!("rule-delivery-{k}")})).collect::<Vec<_>>(),
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/reminder-rules")]
async fn rules_page(
    state: web::Data<AppState>,
    actor: PageActor,
) -> Result<HttpResponse, PageError> {
    actor.0.require_admin()?;
    let blank = json!({"days_before": "84, 56, 28, 7, 0", "delivery": "single", "active": "on", "recipients": ["agency"]});
    render(&state, &actor.0, None, blank, &[], StatusCode::OK).await
}

#[post("/reminder-rules")]
async fn create_rule(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<RuleForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let result = match form.input() {
        Err(e) => Err(RuleError::Invalid(e)),
        Ok(input) => {
            let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
            state
                .db(move |conn| area::create(conn, &a, &who, &input))
                .await
        }
    };
    match result {
        Ok(_) => Ok(redirect("/reminder-rules")),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render(&state, &actor.0, None, json!(form), &errors, status).await
        }
    }
}

#[get("/reminder-rules/{id}")]
async fn rule_page(
    state: web::Data<AppState>,
    actor: PageActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    actor.0.require_admin()?;
    let id = path.into_inner();
    let rules = state.db(area::list).await.map_err(Problem::from)?;
    let r = rules
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(Problem::not_found)?;
    let form = json!({
        "name": r.name,
        "milestone_kinds": r.milestone_kinds,
        "days_before": r.days_before.iter().map(i32::to_string).collect::<Vec<_>>().join(", "),
        "days_after": r.days_after.iter().map(i32::to_string).collect::<Vec<_>>().join(", "),
        "recipients": r.recipients,
        "delivery": r.delivery,
        "active": r.active.then_some("on"),
        "version": r.version,
    });
    render(&state, &actor.0, Some(id), form, &[], StatusCode::OK).await
}

#[post("/reminder-rules/{id}")]
async fn update_rule(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<RuleForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let version = opt_number::<i32>(&form.version).ok().flatten();
    let result = match form.input() {
        Err(e) => Err(RuleError::Invalid(e)),
        Ok(input) => {
            let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
            state
                .db(move |conn| area::update(conn, &a, &who, id, version, &input))
                .await
        }
    };
    match result {
        Ok(_) => Ok(redirect("/reminder-rules")),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render(&state, &actor.0, Some(id), json!(form), &errors, status).await
        }
    }
}

fn render_prefs(actor: &Actor, off: &[String], saved: bool) -> HttpResponse {
    let html = render_page(
        "reminders/prefs",
        &crate::i18n::DEFAULT_LANG.to_string(),
        Some(&viewer(actor)),
        json!({
            "saved": saved,
            // Each language named in itself, so that a reader finds their own.
            "languages": crate::i18n::LANGUAGES.iter().map(|l| json!({
                "value": l,
                "name": crate::i18n::t(&crate::i18n::user_lang(l), &format!("language-{l}")),
            })).collect::<Vec<_>>(),
            "kinds": OPTIONAL_KINDS.iter().map(|k| json!({
                "value": k,
                "key": format!("prefs-{k}"),
                "on": !off.iter().any(|o| o == k),
            })).collect::<Vec<_>>(),
        }),
    );
    page(html)
}

#[derive(Debug, Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

#[get("/account/emails")]
async fn prefs_page(
    state: web::Data<AppState>,
    actor: PageActor,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let me = actor.0.id.0;
    let off = state
        .db(move |conn| preferences::opted_out(conn, me))
        .await
        .map_err(Problem::from)?;
    Ok(render_prefs(&actor.0, &off, query.saved.is_some()))
}

#[derive(Debug, Deserialize)]
struct PrefsForm {
    #[serde(default)]
    csrf_token: String,
    /// The kinds left ticked (wanted).
    #[serde(default)]
    wanted: Vec<String>,
}

#[post("/account/emails")]
async fn save_prefs(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<PrefsForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let me = actor.0.id.0;
    let who = Who::actor(&actor.0, &meta);
    state
        .db(move |conn| preferences::save(conn, &who, me, &form.wanted))
        .await
        .map_err(Problem::from)?;
    Ok(redirect("/account/emails?saved=1"))
}

#[derive(Debug, Deserialize)]
struct LanguageForm {
    #[serde(default)]
    csrf_token: String,
    language: Option<String>,
}

/// The user's language, for pages and for the emails Onward sends them.
#[post("/account/language")]
async fn save_language(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<LanguageForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let language = form.language.clone().unwrap_or_default();
    let me = actor.0.id;
    let who = Who::actor(&actor.0, &meta);
    state
        .db(move |conn| crate::auth::users::set_language(conn, &who, me, &language))
        .await?;
    Ok(redirect("/account/emails?saved=1"))
}
