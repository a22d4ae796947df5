//! Server-rendered pages: Handlebars templates embedded in the binary, every string through the
//! `{{t "key"}}` Fluent helper, so that a page never holds untranslated text.

use std::sync::LazyLock;

use actix_web::{HttpResponse, HttpResponseBuilder};
use handlebars::{
    handlebars_helper, Context, Handlebars, Helper, HelperResult, Output, RenderContext,
    RenderErrorReason,
};
use rust_embed::RustEmbed;
use serde::Serialize;
use serde_json::{json, Value};

use crate::i18n::{t, t_values, DEFAULT_LANG};
use crate::kernel::message::put_into_words;
use crate::kernel::Problem;
use fluent_templates::fluent_bundle::FluentValue;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

#[derive(RustEmbed)]
#[folder = "static/"]
pub struct StaticAssets;

static REGISTRY: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    hb.register_helper("t", Box::new(translate));
    hb.register_helper("fmt_date", Box::new(date));
    hb.register_helper("fmt_num", Box::new(number));
    handlebars_helper!(eq: |a: Json, b: Json| a == b);
    hb.register_helper("eq", Box::new(eq));
    handlebars_helper!(concat: |a: str, b: str| format!("{a}{b}"));
    hb.register_helper("concat", Box::new(concat));
    // Ids are numbers in data and strings in typed forms: compare them as text.
    handlebars_helper!(str: |v: Json| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    });
    hb.register_helper("str", Box::new(str));
    hb.register_embed_templates_with_extension::<Templates>(".hbs")
        .expect("templates/ holds valid Handlebars templates");
    hb
});

/// `{{t "key" name=value}}` or `{{t some.path}}`: the message `key` in the page's language.
/// Unlike fluent-templates' own helper, the key may come from data (e.g. a status).
fn translate(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let key = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
    let lang = ctx
        .data()
        .get("lang")
        .and_then(|l| l.as_str())
        .and_then(|l| l.parse().ok())
        .unwrap_or(DEFAULT_LANG);
    // Numbers stay numbers so that Fluent can choose plural forms ("1 result", "2 results").
    let args: std::collections::HashMap<std::borrow::Cow<'static, str>, FluentValue> = h
        .hash()
        .iter()
        .map(|(k, v)| {
            let value = match v.value() {
                Value::Number(n) => FluentValue::from(n.as_f64().unwrap_or_default()),
                Value::String(s) => FluentValue::from(s.clone()),
                other => FluentValue::from(other.to_string()),
            };
            (std::borrow::Cow::Owned((*k).to_string()), value)
        })
        .collect();
    let text = if args.is_empty() {
        t(&lang, key)
    } else {
        t_values(&lang, key, &args)
    };
    out.write(&handlebars::html_escape(&text))?;
    Ok(())
}

fn page_lang(ctx: &Context) -> String {
    ctx.data()
        .get("lang")
        .and_then(|l| l.as_str())
        .unwrap_or("en")
        .to_string()
}

/// `{{fmt_date value}}`: a `YYYY-MM-DD` date (or the date of a `YYYY-MM-DDTHH:MM:SS` instant) as the
/// page's language writes it; anything else is shown as it is.
fn date(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let raw = h.param(0).map(|p| p.value().clone()).unwrap_or(Value::Null);
    let text = match raw.as_str() {
        Some(s) => match s
            .get(..10)
            .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
        {
            Some(d) if s.len() == 10 || s.as_bytes().get(10) == Some(&b'T') => {
                crate::i18n::format_date(&page_lang(ctx), d)
            }
            // A local time as `web::time::local` writes it: `2026-11-27 10:00 (Asia/Bishkek)`.
            Some(d) if s.as_bytes().get(10) == Some(&b' ') => {
                format!(
                    "{}{}",
                    crate::i18n::format_date(&page_lang(ctx), d),
                    &s[10..]
                )
            }
            _ => s.to_string(),
        },
        None => String::new(),
    };
    out.write(&handlebars::html_escape(&text))?;
    Ok(())
}

/// `{{fmt_num value}}`: a number as the page's language writes it (one decimal at most).
fn number(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    ctx: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = match h.param(0).map(|p| p.value().clone()) {
        Some(Value::Number(n)) => {
            crate::i18n::format_number(&page_lang(ctx), n.as_f64().unwrap_or_default())
        }
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    out.write(&handlebars::html_escape(&text))?;
    Ok(())
}

/// Compile every template now, so that a broken template stops start-up rather than a page.
pub fn preload() {
    LazyLock::force(&REGISTRY);
}

/// Who is looking at the page: what the layout needs to show the menu and protect forms.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Viewer {
    pub display_name: String,
    pub role: String,
    pub csrf: String,
    pub can_list_participants: bool,
    pub can_create_participants: bool,
    pub can_read_audit: bool,
    pub can_see_cohorts: bool,
    pub can_manage_cohorts: bool,
    pub can_edit_holidays: bool,
    pub can_see_milestones: bool,
    /// Agencies, reminder rules, jobs and the outbox.
    pub can_administer: bool,
    /// Coordinators and probation officers take part in handovers.
    pub can_see_handovers: bool,
    /// Admins, coordinators and auditors see the managers' reports.
    pub can_see_reports: bool,
    /// The user's language: every page they see is in it.
    pub language: String,
}

/// Render `template` with `data`, adding what every page needs (language, viewer, menu).
pub fn render_page(template: &str, lang: &str, viewer: Option<&Viewer>, data: Value) -> String {
    let mut ctx = match data {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    // A signed-in user reads every page in their own language.
    let lang = viewer
        .map(|v| v.language.as_str())
        .filter(|l| crate::i18n::is_supported(l))
        .unwrap_or(lang);
    ctx.insert("lang".into(), json!(lang));
    ctx.insert("viewer".into(), json!(viewer));
    let mut ctx = Value::Object(ctx);
    put_into_words(&mut ctx, lang);
    crate::web::sentences::name_milestones(&mut ctx, lang);
    match REGISTRY.render(template, &ctx) {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, template, "template failed to render");
            render_error(&Problem::internal())
        }
    }
}

/// A page for an error, with the same words the API would use.
pub fn render_error(problem: &Problem) -> String {
    render_error_in(problem, &DEFAULT_LANG.to_string())
}

/// [`render_error`] in `lang`: the problem's messages are put into words in it.
pub fn render_error_in(problem: &Problem, lang: &str) -> String {
    let mut data = json!({
        "lang": lang,
        "viewer": null,
        "status": problem.status.as_u16(),
        "title": problem.title,
        "detail": problem.detail,
        "errors": problem.errors,
    });
    put_into_words(&mut data, lang);
    REGISTRY.render("error", &data).unwrap_or_else(|e| {
        tracing::error!(error = %e, "error template failed to render");
        format!(
            "<!doctype html><title>{}</title><p>{}</p>",
            problem.title, problem.detail
        )
    })
}

/// Headers every page carries: no caching of personal data, no framing, no foreign scripts.
pub fn html_headers(resp: &mut HttpResponseBuilder) {
    resp.content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ));
}

/// A 200 page response.
pub fn page(html: String) -> HttpResponse {
    let mut resp = HttpResponse::Ok();
    html_headers(&mut resp);
    resp.body(html)
}

/// A page answered with another status (e.g. a form shown again with its errors: 422).
pub fn page_with_status(status: actix_web::http::StatusCode, html: String) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    html_headers(&mut resp);
    resp.body(html)
}

/// A "See other" redirect after a successful form post.
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// Translate in the default language (for messages built in code).
pub use crate::i18n::default_t;
