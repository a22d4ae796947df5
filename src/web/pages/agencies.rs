//! Admin pages for partner agencies: the list with a form to add one, and an agency's page to
//! change it (its staff are listed there).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::agencies::{
    self as area, AgencyError, AgencyInput, AGENCY_KINDS, LANGUAGES, VETTING_STATUSES,
};
use crate::audit::Who;
use crate::kernel::{Actor, RequestMeta};
use crate::kernel::{FieldError, Problem};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::form::{error_map, failed_save, opt_number, PageForm};
use crate::web::pages::auth::viewer;
use crate::web::render::{page_with_status, redirect, render_page};
use crate::web::AppState;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(create_page)
        .service(agency_page)
        .service(update_page);
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct AgencyForm {
    #[serde(default)]
    csrf_token: String,
    name: Option<String>,
    kind: Option<String>,
    mailbox: Option<String>,
    language: Option<String>,
    vetting_status: Option<String>,
    /// Checkboxes send "on" when ticked and nothing otherwise.
    secure_channel: Option<String>,
    active: Option<String>,
    version: Option<String>,
}

impl AgencyForm {
    fn input(&self) -> AgencyInput {
        AgencyInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            mailbox: self.mailbox.clone(),
            language: self.language.clone(),
            vetting_status: self.vetting_status.clone(),
            secure_channel: Some(self.secure_channel.is_some()),
            active: Some(self.active.is_some()),
        }
    }
}

fn choices(values: &[&str], prefix: &str) -> Vec<Value> {
    values
        .iter()
        .map(|v| json!({"value": v, "key": format!("{prefix}{v}")}))
        .collect()
}

async fn render(
    state: &web::Data<AppState>,
    actor: &Actor,
    id: Option<i64>,
    form: Value,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let a = actor.clone();
    let (list, staff) = state
        .db(move |conn| -> Result<_, AgencyError> {
            let list = area::list(conn, &a, "")?;
            let staff = match id {
                Some(id) => area::staff(conn, id)?,
                None => Vec::new(),
            };
            Ok((list, staff))
        })
        .await?;
    let current = id.and_then(|id| list.iter().find(|a| a.id == id).cloned());
    if id.is_some() && current.is_none() {
        return Err(Problem::not_found().into());
    }
    let html = render_page(
        if id.is_some() {
            "agencies/edit"
        } else {
            "agencies/list"
        },
        &crate::i18n::DEFAULT_LANG.to_string(),
        Some(&viewer(actor)),
        json!({
            "agencies": list.iter().map(|a| json!({
                "a": a,
                "kind_key": format!("agency-kind-{}", a.kind),
                "vetting_key": format!("vetting-{}", a.vetting_status),
            })).collect::<Vec<_>>(),
            "agency": current,
            "staff": staff.iter().map(|(n, e)| json!({"name": n, "email": e})).collect::<Vec<_>>(),
            "form": form,
            "form_errors": error_map(errors),
            "errors": errors,
            "kinds": choices(&AGENCY_KINDS, "agency-kind-"),
            "languages": choices(&LANGUAGES, "language-"),
            "vetting": choices(&VETTING_STATUSES, "vetting-"),
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/agencies")]
async fn list_page(
    state: web::Data<AppState>,
    actor: PageActor,
) -> Result<HttpResponse, PageError> {
    actor.0.require_admin()?;
    let blank = json!({"language": "en", "vetting_status": "pending", "active": "on"});
    render(&state, &actor.0, None, blank, &[], StatusCode::OK).await
}

#[post("/agencies")]
async fn create_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<AgencyForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let (a, who, input) = (actor.0.clone(), Who::actor(&actor.0, &meta), form.input());
    match state
        .db(move |conn| area::create(conn, &a, &who, &input))
        .await
    {
        Ok(agency) => Ok(redirect(&format!("/agencies/{}", agency.id))),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render(&state, &actor.0, None, json!(form), &errors, status).await
        }
    }
}

#[get("/agencies/{id}")]
async fn agency_page(
    state: web::Data<AppState>,
    actor: PageActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    actor.0.require_admin()?;
    let id = path.into_inner();
    let (a, i) = (actor.0.clone(), id);
    let agency = state.db(move |conn| area::get(conn, &a, i)).await?;
    let form = json!({
        "name": agency.name,
        "kind": agency.kind,
        "mailbox": agency.mailbox,
        "language": agency.language,
        "vetting_status": agency.vetting_status,
        "secure_channel": agency.secure_channel.then_some("on"),
        "active": agency.active.then_some("on"),
        "version": agency.version,
    });
    render(&state, &actor.0, Some(id), form, &[], StatusCode::OK).await
}

#[post("/agencies/{id}")]
async fn update_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<AgencyForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let version = opt_number::<i32>(&form.version).ok().flatten();
    let (a, who, input) = (actor.0.clone(), Who::actor(&actor.0, &meta), form.input());
    match state
        .db(move |conn| area::update(conn, &a, &who, id, version, &input))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/agencies/{id}"))),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render(&state, &actor.0, Some(id), json!(form), &errors, status).await
        }
    }
}
