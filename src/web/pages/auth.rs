//! Login, logout and the home page.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::audit::Who;
use crate::auth::login::{self as attempts, LoginOutcome};
use crate::auth::sessions;
use crate::auth::throttle::{Gate, Throttled};
use crate::auth::tokens::random_secret;
use crate::db::DbError;
use crate::kernel::{Actor, RequestMeta, Role};
use crate::participants::access;
use crate::web::errors::PageError;
use crate::web::extract::constant_time_eq;
use crate::web::extract::PageActor;
use crate::web::form::PageForm;
use crate::web::render::{page_with_status, redirect, render_page, Viewer};
use crate::web::AppState;

/// Cookie carrying the login form's CSRF token (there is no session yet to hold it).
const LOGIN_CSRF_COOKIE: &str = "onward_login_csrf";

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(login_page)
        .service(login)
        .service(logout)
        .service(home);
}

/// What the page layout needs to know about the signed-in user.
pub fn viewer(actor: &Actor) -> Viewer {
    let csrf = match &actor.credential {
        crate::kernel::Credential::Session { csrf_token } => csrf_token.clone(),
        crate::kernel::Credential::Token => String::new(),
    };
    Viewer {
        display_name: actor.display_name.clone(),
        role: actor.role.as_str().to_string(),
        csrf,
        can_list_participants: access::may_list(actor),
        can_create_participants: access::may_create(actor),
        can_read_audit: matches!(actor.role, Role::Admin | Role::Auditor),
        can_see_cohorts: crate::programmes::access::may_read_catalogue(actor),
        can_manage_cohorts: crate::programmes::access::may_edit_catalogue(actor),
        can_edit_holidays: actor.role == Role::Admin,
        can_see_milestones: actor.role != Role::Auditor,
        can_administer: actor.role == Role::Admin,
        can_see_handovers: matches!(actor.role, Role::Coordinator | Role::ProbationOfficer),
        can_see_reports: crate::reports::may_see(actor),
        language: actor.language.clone(),
    }
}

fn cookie<'a>(state: &AppState, name: &'a str, value: String) -> Cookie<'a> {
    Cookie::build(name, value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies())
        .path("/")
        .finish()
}

/// Only local paths are followed after login, never another site. Browsers ignore tabs and
/// newlines in URLs and treat `\` like `/`, so `/\t/evil.example` would be `//evil.example`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

fn render_login(
    lang: &str,
    csrf: &str,
    email: &str,
    next: &str,
    message: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    let html = render_page(
        "login",
        lang,
        None,
        json!({ "csrf": csrf, "email": email, "next": next, "message": message }),
    );
    page_with_status(status, html)
}

#[get("/login")]
async fn login_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> HttpResponse {
    let csrf = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64)
        .unwrap_or_else(|| random_secret(""));
    let next = safe_next(query.next.as_deref());
    let lang = crate::i18n::from_request(&req);
    let mut resp = render_login(lang, &csrf, "", &next, None, StatusCode::OK);
    let _ = resp.add_cookie(&cookie(&state, LOGIN_CSRF_COOKIE, csrf));
    resp
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    next: Option<String>,
}

#[post("/login")]
async fn login(
    state: web::Data<AppState>,
    gate: web::Data<Gate>,
    req: HttpRequest,
    meta: RequestMeta,
    PageForm(form): PageForm<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(form.next.as_deref());
    // Before sign-in, the browser's languages decide.
    let lang = crate::i18n::from_request(&req);
    let words = crate::i18n::user_lang(lang);
    // Bounded: whatever is typed here is written to the audit trail.
    let email: String = form.email.trim().to_lowercase().chars().take(254).collect();
    let cookie_csrf = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if cookie_csrf.is_empty() || !constant_time_eq(&cookie_csrf, &form.csrf_token) {
        let fresh = random_secret("");
        let mut resp = render_login(
            lang,
            &fresh,
            &email,
            &next,
            Some(crate::i18n::t(&words, "login-expired")),
            StatusCode::FORBIDDEN,
        );
        let _ = resp.add_cookie(&cookie(&state, LOGIN_CSRF_COOKIE, fresh));
        return Ok(resp);
    }
    let password = form.password;
    let hours = state.config.session_hours;
    let ip = meta.ip.clone();
    // A refusal this instance already knows is answered without touching the database.
    let outcome = match gate.check(&email, ip.as_deref()) {
        Some(refused) => LoginOutcome::Throttled(refused),
        None => {
            let (e, m) = (email.clone(), meta.clone());
            match state.db(move |conn| attempts::begin(conn, &e, &m)).await? {
                attempts::Begun::Refused(refused) => {
                    gate.remember(&email, ip.as_deref(), refused);
                    LoginOutcome::Throttled(refused)
                }
                attempts::Begun::Check(account) => {
                    // The hash is checked holding no connection, lock or transaction.
                    let id = account.as_ref().map(|(id, _)| *id);
                    let ok = web::block(move || attempts::verify(&password, &account))
                        .await
                        .map_err(|e| PageError::from(DbError::Unavailable(e.to_string())))?;
                    let (e, m) = (email.clone(), meta.clone());
                    let public_url = state.config.public_url.clone();
                    state
                        .db(move |conn| attempts::finish(conn, &e, &m, id, ok, hours, &public_url))
                        .await?
                }
            }
        }
    };
    match outcome {
        LoginOutcome::Success { user, session } => {
            tracing::info!(user_id = user.0, "login succeeded");
            let mut resp = redirect(&next);
            let _ = resp.add_cookie(&cookie(&state, sessions::COOKIE, session.cookie_value));
            let mut gone = cookie(&state, LOGIN_CSRF_COOKIE, String::new());
            gone.make_removal();
            let _ = resp.add_cookie(&gone);
            Ok(resp)
        }
        LoginOutcome::WrongCredentials => Ok(render_login(
            lang,
            &cookie_csrf,
            &email,
            &next,
            Some(crate::i18n::t(&words, "login-wrong")),
            StatusCode::UNAUTHORIZED,
        )),
        LoginOutcome::Throttled(t) => {
            let secs = t.retry_after_secs();
            // Numbers, so that Fluent picks the plural form ("1 second", "5 минут").
            let count = |name: &'static str, n: u64| {
                std::collections::HashMap::from([(
                    std::borrow::Cow::Borrowed(name),
                    fluent_templates::fluent_bundle::FluentValue::from(n),
                )])
            };
            let message = match t {
                Throttled::Wait { .. } if secs < 60 => crate::i18n::t_values(
                    &words,
                    "login-throttled-wait-seconds",
                    &count("seconds", secs),
                ),
                Throttled::Wait { .. } => crate::i18n::t_values(
                    &words,
                    "login-throttled-wait",
                    &count("minutes", secs.div_ceil(60)),
                ),
                Throttled::Address { .. } => crate::i18n::t_values(
                    &words,
                    "login-throttled-address",
                    &count("minutes", secs.div_ceil(60).max(1)),
                ),
            };
            let mut resp = render_login(
                lang,
                &cookie_csrf,
                &email,
                &next,
                Some(message),
                StatusCode::TOO_MANY_REQUESTS,
            );
            resp.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(secs),
            );
            Ok(resp)
        }
    }
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

#[post("/logout")]
async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let value = req
        .cookie(sessions::COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let who = Who::actor(&actor.0, &meta);
    let email = actor.0.email.clone();
    state
        .db(move |conn| sessions::log_out(conn, &who, &value, &email))
        .await?;
    let mut resp = redirect("/login");
    let mut gone = cookie(&state, sessions::COOKIE, String::new());
    gone.make_removal();
    let _ = resp.add_cookie(&gone);
    Ok(resp)
}

#[get("/")]
async fn home(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
) -> Result<HttpResponse, PageError> {
    // Each role starts on its own day.
    match actor.0.role {
        Role::Mentor => {
            let query = crate::web::pages::caseload::CaseloadQuery::default();
            crate::web::pages::caseload::render(&state, &actor.0, &meta, &query).await
        }
        Role::ProbationOfficer => {
            crate::web::pages::handovers::officer_home(&state, &actor.0, &meta).await
        }
        Role::Coordinator => crate::web::pages::home::coordinator(&state, &actor.0, &meta).await,
        Role::AgencyUser => crate::web::pages::home::agency(&state, &actor.0, &meta).await,
        Role::Admin => crate::web::pages::home::admin(&state, &actor.0, &meta).await,
        Role::Auditor => Ok(crate::web::pages::home::auditor(&actor.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/participants?q=kg")), "/participants?q=kg");
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "/\r\nSet-Cookie: x",
            "evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
