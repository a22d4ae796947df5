//! HTTP for participants: the JSON API under `/api/v1/participants` and the pages under
//! `/participants`. Handlers only translate between HTTP and [`crate::participants`].

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::audit::Who;
use crate::kernel::paging::{Page, Paged};
use crate::kernel::RequestMeta;
use crate::kernel::{FieldError, FieldErrors, Problem};
use crate::participants::model::{ParticipantId, ParticipantInput, ParticipantStatus};
use crate::participants::store::{self, ParticipantSummary, ParticipantView};
use crate::participants::{self as area, access, ParticipantError};
use crate::timeline;
use crate::web::errors::{ApiError, PageError};
use crate::web::extract::{ApiActor, PageActor};
use crate::web::form::PageForm;
use crate::web::json::ApiJson;
use crate::web::render::{page, page_with_status, redirect, render_page};
use crate::web::AppState;

pub fn api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_participants)
        .service(create_participant)
        .service(read_participant)
        .service(update_participant);
}

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(new_page)
        .service(create_page)
        .service(detail_page)
        .service(edit_page)
        .service(update_page);
}

/// Search and paging parameters of the participant list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Part of a case reference or name; case-insensitive.
    pub q: Option<String>,
    /// Page number, from 1.
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    pub per_page: Option<String>,
}

fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

#[utoipa::path(
    tag = "participants",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of the participants you may see", body = Paged<ParticipantSummary>),
        (status = 401, description = "No valid token"),
        (status = 422, description = "Bad paging parameters"),
    )
)]
#[get("/participants")]
async fn list_participants(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let page = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Problem::invalid(errors).into());
    }
    let q = query.q.clone().unwrap_or_default();
    let who = Who::actor(&actor, &meta);
    let (items, total) = state
        .db(move |conn| area::search(conn, &actor, &who, &q, page))
        .await?;
    Ok(HttpResponse::Ok().json(Paged::new(items, page, total)))
}

#[utoipa::path(
    tag = "participants",
    params(("id" = i64, Path, description = "Participant id")),
    responses(
        (status = 200, description = "The participant; `ETag` holds its version", body = ParticipantView),
        (status = 401, description = "No valid token"),
        (status = 404, description = "No such participant, or not yours to see"),
    )
)]
#[get("/participants/{id}")]
async fn read_participant(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = ParticipantId(path.into_inner());
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::read(conn, &actor, &who, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(view.version)))
        .json(view))
}

#[utoipa::path(
    tag = "participants",
    request_body = ParticipantInput,
    responses(
        (status = 201, description = "Created", body = ParticipantView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Your role may not add participants"),
        (status = 422, description = "Invalid fields, each named"),
    )
)]
#[post("/participants")]
async fn create_participant(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    body: ApiJson<ParticipantInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::create(conn, &actor, &who, &input))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/participants/{}", view.id)))
        .insert_header(("ETag", etag(view.version)))
        .json(view))
}

#[utoipa::path(
    tag = "participants",
    params(
        ("id" = i64, Path, description = "Participant id"),
        ("If-Match" = String, Header, description = "The `ETag` of the version this update is based on"),
    ),
    request_body = ParticipantInput,
    responses(
        (status = 200, description = "Updated", body = ParticipantView),
        (status = 401, description = "No valid token"),
        (status = 403, description = "You may see but not change this participant"),
        (status = 404, description = "No such participant, or not yours to see"),
        (status = 409, description = "Changed by someone else since you read it; nothing was saved"),
        (status = 422, description = "Invalid fields, each named"),
        (status = 428, description = "If-Match is missing"),
    )
)]
#[put("/participants/{id}")]
async fn update_participant(
    state: web::Data<AppState>,
    ApiActor(actor): ApiActor,
    meta: RequestMeta,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<ParticipantInput>,
) -> Result<HttpResponse, ApiError> {
    let id = ParticipantId(path.into_inner());
    let version = crate::web::if_match(&req)?;
    let input = body.0;
    let who = Who::actor(&actor, &meta);
    let view = state
        .db(move |conn| area::update(conn, &actor, &who, id, version, &input))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(view.version)))
        .json(view))
}

// ---- Pages ----

fn lang() -> String {
    crate::i18n::DEFAULT_LANG.to_string()
}

#[get("/participants")]
async fn list_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let viewer = crate::web::pages::auth::viewer(&actor.0);
    if !access::may_list(&actor.0) {
        return Err(Problem::forbidden().into());
    }
    let mut errors = FieldErrors::default();
    let requested = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    let page_req = if errors.is_empty() {
        requested
    } else {
        Page::first()
    };
    let q = query.q.clone().unwrap_or_default();
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    let q2 = q.clone();
    let (items, total) = state
        .db(move |conn| area::search(conn, &a, &who, &q2, page_req))
        .await?;
    let paged = Paged::new(items, page_req, total);
    let link = |p: i64| format!("/participants?q={}&page={p}", crate::web::urlencode(&q));
    let html = render_page(
        "participants/list",
        &lang(),
        Some(&viewer),
        json!({
            "q": q,
            "result": paged,
            "prev": (paged.page > 1).then(|| link(paged.page - 1)),
            "next": (paged.page < paged.pages).then(|| link(paged.page + 1)),
        }),
    );
    Ok(page(html))
}

/// The timeline's filter and paging.
#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    /// One of [`timeline::KINDS`]; empty or absent: everything.
    pub kind: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[get("/participants/{id}")]
async fn detail_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, PageError> {
    let id = ParticipantId(path.into_inner());
    let mut errors = FieldErrors::default();
    let page_no = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    let kind = query
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty() && *k != "all")
        .map(str::to_string);
    if let Some(k) = &kind {
        if !timeline::KINDS.contains(&k.as_str()) {
            errors.add("kind", "error-choice");
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors).into());
    }
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    let view = state.db(move |conn| area::read(conn, &a, &who, id)).await?;
    let a = actor.0.clone();
    let who = Who::actor(&actor.0, &meta);
    let keys = state.config.data_keys.clone();
    let zone = view.site.time_zone.clone();
    let (site, officer) = (view.site.id, view.probation_officer.as_ref().map(|o| o.id));
    let kind2 = kind.clone();
    let (enrolments, alerts, entries) = state
        .db(move |conn| -> Result<_, Problem> {
            let enrolments = crate::enrolments::list(conn, &a, None, Some(id.0))?;
            let alerts = crate::attendance::alerts::open_for(conn, &a, Some(id.0))?;
            let subject = timeline::Subject {
                id: id.0,
                site_id: site,
                time_zone: &zone,
                probation_officer: officer,
            };
            let entries =
                timeline::timeline(conn, keys.as_ref(), &a, &who, &subject, kind2.as_deref())?;
            Ok((enrolments, alerts, entries))
        })
        .await?;
    let enrolments: Vec<_> = enrolments
        .iter()
        .map(|e| {
            json!({
                "e": e,
                "status_key": format!("enrolment-{}", e.status),
                "rate": e.attendance.percent.map(|p| format!("{p:.0}%")),
            })
        })
        .collect();
    let total = entries.len() as i64;
    let shown: Vec<_> = entries
        .into_iter()
        .skip(page_no.offset() as usize)
        .take(page_no.per_page as usize)
        .map(|e| {
            let status_key = match &e.item {
                timeline::TimelineItem::Enrolment { status, .. } => format!("enrolment-{status}"),
                timeline::TimelineItem::Attendance { mark, .. } => format!("mark-{mark}"),
                timeline::TimelineItem::Note { contact_type, .. } => {
                    format!("contact-type-{contact_type}")
                }
                timeline::TimelineItem::Milestone { status, .. } => {
                    format!("milestone-status-{status}")
                }
                timeline::TimelineItem::Email { status, .. } => format!("email-status-{status}"),
                timeline::TimelineItem::Handover { status, .. } => {
                    format!("handover-status-{status}")
                }
            };
            json!({ "entry": e, "is": { e.kind(): true }, "status_key": status_key })
        })
        .collect();
    let timeline = Paged::new(shown, page_no, total);
    let link = |p: i64| {
        format!(
            "/participants/{}?kind={}&per_page={}&page={p}#timeline",
            id.0,
            kind.as_deref().unwrap_or(""),
            page_no.per_page
        )
    };
    let kinds: Vec<_> = timeline::KINDS
        .iter()
        .map(|k| json!({ "value": k, "key": format!("timeline-kind-{k}"), "selected": kind.as_deref() == Some(*k) }))
        .collect();
    let viewer = crate::web::pages::auth::viewer(&actor.0);
    let html = render_page(
        "participants/detail",
        &lang(),
        Some(&viewer),
        json!({
            "p": view,
            "status_key": format!("status-{}", view.status),
            "created": crate::kernel::time::local(&view.created_at, &view.site.time_zone),
            "updated": crate::kernel::time::local(&view.updated_at, &view.site.time_zone),
            "can_edit": access::may_edit(&actor.0, view.site.id),
            "can_read_notes": crate::progress_notes::readable(&actor.0, view.site.id, officer).is_some()
                || crate::progress_notes::may_write(&actor.0, view.site.id),
            "can_handle_reviews": crate::risk_reviews::may_handle(&actor.0, view.site.id, officer),
            "enrolments": enrolments,
            "alerts": alerts,
            "kinds": kinds,
            "kind": kind,
            "timeline": timeline,
            "prev": (timeline.page > 1).then(|| link(timeline.page - 1)),
            "next": (timeline.page < timeline.pages).then(|| link(timeline.page + 1)),
            // The text of an email is for admins only (on the outbox page).
            "is_admin": actor.0.role == crate::kernel::Role::Admin,
        }),
    );
    Ok(page(html))
}

/// The participant form as posted: every value as typed, so that it can be shown again.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ParticipantForm {
    #[serde(default)]
    pub csrf_token: String,
    pub version: Option<String>,
    pub case_reference: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub site_id: Option<String>,
    pub status: Option<String>,
    pub sentence_start: Option<String>,
    pub earliest_release_date: Option<String>,
    pub parole_eligibility_date: Option<String>,
    pub licence_end_date: Option<String>,
    pub restricted: Option<String>,
    #[serde(default)]
    pub mentor_ids: Vec<String>,
    pub probation_officer_id: Option<String>,
    #[serde(default)]
    pub named_staff_ids: Vec<String>,
}

impl ParticipantForm {
    fn from_view(v: &ParticipantView) -> Self {
        let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        Self {
            csrf_token: String::new(),
            version: Some(v.version.to_string()),
            case_reference: Some(v.case_reference.clone()),
            given_name: Some(v.given_name.clone()),
            family_name: Some(v.family_name.clone()),
            date_of_birth: Some(v.date_of_birth.to_string()),
            site_id: Some(v.site.id.to_string()),
            status: Some(v.status.clone()),
            sentence_start: d(v.sentence_start),
            earliest_release_date: d(v.earliest_release_date),
            parole_eligibility_date: d(v.parole_eligibility_date),
            licence_end_date: d(v.licence_end_date),
            restricted: v.restricted_checkbox(),
            mentor_ids: v.mentors.iter().map(|m| m.id.to_string()).collect(),
            probation_officer_id: v.probation_officer.as_ref().map(|p| p.id.to_string()),
            named_staff_ids: v.named_staff.iter().map(|m| m.id.to_string()).collect(),
        }
    }

    /// Convert to the API's input; ids that are not numbers are named as errors.
    fn to_input(&self) -> Result<ParticipantInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut id = |field: &str, raw: &Option<String>| -> Option<i64> {
            let raw = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            raw.parse()
                .map_err(|_| errors.add(field, "error-choice"))
                .ok()
        };
        let site_id = id("site_id", &self.site_id);
        let probation_officer_id = id("probation_officer_id", &self.probation_officer_id);
        let mut ids = |field: &str, raw: &[String]| -> Vec<i64> {
            raw.iter()
                .filter(|s| !s.trim().is_empty())
                .filter_map(|s| {
                    s.trim()
                        .parse()
                        .map_err(|_| errors.add(field, "error-choice"))
                        .ok()
                })
                .collect()
        };
        let mentor_ids = ids("mentor_ids", &self.mentor_ids);
        let named_staff_ids = ids("named_staff_ids", &self.named_staff_ids);
        let input = ParticipantInput {
            case_reference: self.case_reference.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            date_of_birth: self.date_of_birth.clone(),
            site_id,
            status: self.status.clone(),
            sentence_start: self.sentence_start.clone(),
            earliest_release_date: self.earliest_release_date.clone(),
            parole_eligibility_date: self.parole_eligibility_date.clone(),
            licence_end_date: self.licence_end_date.clone(),
            restricted: Some(self.restricted.is_some()),
            mentor_ids: Some(mentor_ids),
            probation_officer_id: Some(probation_officer_id),
            named_staff_ids: Some(named_staff_ids),
        };
        errors.into_result(|| input)
    }
}

/// Render the participant form (new or edit) with what was typed and any errors.
async fn render_form(
    state: &web::Data<AppState>,
    actor: &PageActor,
    form: &ParticipantForm,
    participant_id: Option<i64>,
    errors: &[FieldError],
    conflict: Option<&ParticipantView>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let a = actor.0.clone();
    let options = state.db(move |conn| store::form_options(conn, &a)).await?;
    let viewer = crate::web::pages::auth::viewer(&actor.0);
    let selected = |list: &[String], id: i64| list.iter().any(|s| s.trim() == id.to_string());
    let one =
        |v: &Option<String>, id: i64| v.as_deref().map(str::trim) == Some(id.to_string().as_str());
    let sites: Vec<_> = options
        .sites
        .iter()
        .map(|s| json!({ "id": s.id, "name": s.name, "selected": one(&form.site_id, s.id) }))
        .collect();
    let mentors: Vec<_> = options
        .mentors
        .iter()
        .map(|m| json!({ "id": m.id, "name": m.display_name, "selected": selected(&form.mentor_ids, m.id) }))
        .collect();
    let officers: Vec<_> = options
        .probation_officers
        .iter()
        .map(|m| json!({ "id": m.id, "name": m.display_name, "selected": one(&form.probation_officer_id, m.id) }))
        .collect();
    let staff: Vec<_> = options
        .staff
        .iter()
        .map(|m| json!({ "id": m.id, "name": m.display_name, "role": m.role, "selected": selected(&form.named_staff_ids, m.id) }))
        .collect();
    let statuses: Vec<_> = ParticipantStatus::ALL
        .iter()
        .map(|s| {
            json!({
                "value": s.as_str(),
                "key": format!("status-{}", s.as_str()),
                "selected": form.status.as_deref() == Some(s.as_str()),
            })
        })
        .collect();
    let error_map: serde_json::Map<String, serde_json::Value> = errors
        .iter()
        .map(|e| (e.field.clone(), json!(e.message)))
        .collect();
    let html = render_page(
        "participants/form",
        &lang(),
        Some(&viewer),
        json!({
            "participant_id": participant_id,
            "action": participant_id.map_or("/participants".to_string(), |id| format!("/participants/{id}")),
            "form": form,
            "restricted": form.restricted.is_some(),
            "errors": errors,
            "error": error_map,
            "sites": sites,
            "mentors": mentors,
            "officers": officers,
            "staff": staff,
            "statuses": statuses,
            "conflict": conflict,
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/participants/new")]
async fn new_page(state: web::Data<AppState>, actor: PageActor) -> Result<HttpResponse, PageError> {
    if !access::may_create(&actor.0) {
        return Err(Problem::forbidden().into());
    }
    let form = ParticipantForm {
        status: Some("in_custody".into()),
        site_id: actor.0.site_id.map(|s| s.0.to_string()),
        ..Default::default()
    };
    render_form(&state, &actor, &form, None, &[], None, StatusCode::OK).await
}

#[post("/participants")]
async fn create_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<ParticipantForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let input = match form.to_input() {
        Ok(i) => i,
        Err(errors) => {
            return render_form(
                &state,
                &actor,
                &form,
                None,
                &errors.0,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    match state
        .db(move |conn| area::create(conn, &a, &who, &input))
        .await
    {
        Ok(view) => Ok(redirect(&format!("/participants/{}", view.id))),
        Err(ParticipantError::Invalid(errors)) => {
            render_form(
                &state,
                &actor,
                &form,
                None,
                &errors.0,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[get("/participants/{id}/edit")]
async fn edit_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = ParticipantId(path.into_inner());
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    let view = state.db(move |conn| area::read(conn, &a, &who, id)).await?;
    if !access::may_edit(&actor.0, view.site.id) {
        return Err(Problem::forbidden().into());
    }
    let form = ParticipantForm::from_view(&view);
    render_form(
        &state,
        &actor,
        &form,
        Some(view.id),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

#[post("/participants/{id}")]
async fn update_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(mut form): PageForm<ParticipantForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = ParticipantId(path.into_inner());
    let input = match form.to_input() {
        Ok(i) => i,
        Err(errors) => {
            return render_form(
                &state,
                &actor,
                &form,
                Some(id.0),
                &errors.0,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let version = form
        .version
        .as_deref()
        .and_then(|v| v.trim().parse::<i32>().ok());
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    match state
        .db(move |conn| area::update(conn, &a, &who, id, version, &input))
        .await
    {
        Ok(view) => Ok(redirect(&format!("/participants/{}", view.id))),
        Err(ParticipantError::Invalid(errors)) => {
            render_form(
                &state,
                &actor,
                &form,
                Some(id.0),
                &errors.0,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        // A form always carries its version; one that lost it is treated like a stale one.
        Err(ParticipantError::Stale { .. }) | Err(ParticipantError::VersionRequired) => {
            // Keep what was typed, show what is stored now, and base a second save on it.
            let who = Who::actor(&actor.0, &meta);
            let a = actor.0.clone();
            let current = state.db(move |conn| area::read(conn, &a, &who, id)).await?;
            form.version = Some(current.version.to_string());
            let message = crate::kernel::Message::new("participant-conflict");
            let errors = [FieldError {
                field: "conflict".into(),
                message,
            }];
            render_form(
                &state,
                &actor,
                &form,
                Some(id.0),
                &errors,
                Some(&current),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
