//! Pages for programme delivery: the catalogue, cohorts (created with their whole schedule in one
//! form), a cohort's sessions, enrolments and alerts, and a session's register.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::attendance::{self, alerts, RegisterEntry, RegisterInput, MARKS, NOT_HELD_REASONS};
use crate::audit::Who;
use crate::db::{DbConnection, DbError};
use crate::enrolments::{self, EnrolmentError, ReferralInput, TransitionInput};
use crate::i18n::DEFAULT_LANG;
use crate::kernel::paging::{Page, Paged};
use crate::kernel::{Actor, RequestMeta, Role};
use crate::kernel::{FieldError, Problem};
use crate::programmes::model::*;
use crate::programmes::{self as area, access, store, ProgrammeError};
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::form::PageForm;
use crate::web::pages::auth::viewer;
use crate::web::render::{page, page_with_status, redirect, render_page};
use crate::web::AppState;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(programmes_page)
        .service(create_programme_page)
        .service(cohorts_page)
        .service(new_cohort_page)
        .service(create_cohort_page)
        .service(register_csv_page)
        .service(cohort_page)
        .service(refer_page)
        .service(transition_page)
        .service(acknowledge_page)
        .service(register_page)
        .service(save_register_page)
        .service(edit_programme_page)
        .service(update_programme_page)
        .service(edit_cohort_page)
        .service(update_cohort_page)
        .service(session_page)
        .service(reschedule_page)
        .service(cancel_page)
        .service(holidays_page)
        .service(save_holidays_page)
        .service(feeds_page)
        .service(create_feed_page)
        .service(revoke_feed_page);
}

fn lang() -> String {
    DEFAULT_LANG.to_string()
}

use crate::web::form::{error_map, opt_number};

// ---- Catalogue ----

#[derive(Debug, Default, Deserialize, Serialize)]
struct ProgrammeForm {
    #[serde(default)]
    csrf_token: String,
    name: Option<String>,
    kind: Option<String>,
    description: Option<String>,
    session_count: Option<String>,
    min_attendance_percent: Option<String>,
    absence_alert_after: Option<String>,
}

async fn render_programmes(
    state: &web::Data<AppState>,
    actor: &Actor,
    form: &ProgrammeForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let list = state.db(area::list_programmes).await?;
    let kinds: Vec<Value> = PROGRAMME_KINDS.iter().map(|k| json!({ "value": k, "key": format!("kind-{k}"), "selected": form.kind.as_deref() == Some(*k) })).collect();
    let html = render_page(
        "programmes/list",
        &lang(),
        Some(&viewer(actor)),
        json!({ "programmes": list, "form": form, "kinds": kinds, "errors": errors, "error": error_map(errors), "can_edit": access::may_edit_catalogue(actor) }),
    );
    Ok(page_with_status(status, html))
}

#[get("/programmes")]
async fn programmes_page(
    state: web::Data<AppState>,
    actor: PageActor,
) -> Result<HttpResponse, PageError> {
    if !access::may_read_catalogue(&actor.0) {
        return Err(Problem::forbidden().into());
    }
    let form = ProgrammeForm {
        min_attendance_percent: Some("75".into()),
        absence_alert_after: Some("3".into()),
        ..Default::default()
    };
    render_programmes(&state, &actor.0, &form, &[], StatusCode::OK).await
}

#[post("/programmes")]
async fn create_programme_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<ProgrammeForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let mut errors = Vec::new();
    let mut number = |field: &str, raw: &Option<String>| -> Option<i32> {
        opt_number(raw).unwrap_or_else(|_| {
            errors.push(FieldError {
                field: field.into(),
                message: crate::kernel::Message::new("error-number"),
            });
            None
        })
    };
    let input = ProgrammeInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        description: form.description.clone(),
        session_count: number("session_count", &form.session_count),
        min_attendance_percent: number("min_attendance_percent", &form.min_attendance_percent),
        absence_alert_after: number("absence_alert_after", &form.absence_alert_after),
    };
    if errors.is_empty() {
        let who = Who::actor(&actor.0, &meta);
        let a = actor.0.clone();
        match state
            .db(move |conn| area::create_programme(conn, &a, &who, &input))
            .await
        {
            Ok(_) => return Ok(redirect("/programmes")),
            Err(ProgrammeError::Invalid(e)) => errors = e.0,
            Err(other) => return Err(other.into()),
        }
    }
    render_programmes(
        &state,
        &actor.0,
        &form,
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---- Cohorts ----

#[derive(Debug, Deserialize)]
struct ListQuery {
    q: Option<String>,
    page: Option<String>,
}

#[get("/cohorts")]
async fn cohorts_page(
    state: web::Data<AppState>,
    actor: PageActor,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    if !access::may_read_catalogue(&actor.0) {
        return Err(Problem::forbidden().into());
    }
    let mut errors = crate::kernel::FieldErrors::default();
    let page_req = Page::parse(query.page.as_deref(), None, &mut errors);
    let page_req = if errors.is_empty() {
        page_req
    } else {
        Page::first()
    };
    let q = query.q.clone().unwrap_or_default();
    let (a, q2) = (actor.0.clone(), q.clone());
    let (items, total) = state
        .db(move |conn| store::cohorts_page(conn, &a, &q2, page_req))
        .await?;
    let paged = Paged::new(items, page_req, total);
    let link = |p: i64| {
        format!(
            "/cohorts?q={}&page={p}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    };
    let html = render_page(
        "cohorts/list",
        &lang(),
        Some(&viewer(&actor.0)),
        json!({
            "q": q, "result": paged,
            "prev": (paged.page > 1).then(|| link(paged.page - 1)),
            "next": (paged.page < paged.pages).then(|| link(paged.page + 1)),
            "can_create": matches!(actor.0.role, Role::Admin | Role::Coordinator),
        }),
    );
    Ok(page(html))
}

/// The cohort form as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
struct CohortForm {
    #[serde(default)]
    csrf_token: String,
    programme_id: Option<String>,
    site_id: Option<String>,
    name: Option<String>,
    capacity: Option<String>,
    start_date: Option<String>,
    #[serde(default)]
    facilitator_ids: Vec<String>,
    schedule_first_date: Option<String>,
    schedule_time: Option<String>,
    schedule_duration_minutes: Option<String>,
    schedule_every_weeks: Option<String>,
    schedule_count: Option<String>,
    schedule_room: Option<String>,
    schedule_facilitator_id: Option<String>,
    override_reason: Option<String>,
}

impl CohortForm {
    fn to_input(&self) -> Result<CohortInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut num = |field: &str, raw: &Option<String>| -> Option<i64> {
            opt_number(raw).unwrap_or_else(|_| {
                errors.push(FieldError {
                    field: field.into(),
                    message: crate::kernel::Message::new("error-number"),
                });
                None
            })
        };
        let programme_id = num("programme_id", &self.programme_id);
        let site_id = num("site_id", &self.site_id);
        let capacity = num("capacity", &self.capacity).map(|n| n as i32);
        let duration =
            num("schedule.duration_minutes", &self.schedule_duration_minutes).map(|n| n as i32);
        let every = num("schedule.every_weeks", &self.schedule_every_weeks).map(|n| n as i32);
        let count = num("schedule.count", &self.schedule_count).map(|n| n as i32);
        let facilitator = num("schedule.facilitator_id", &self.schedule_facilitator_id);
        let facilitator_ids: Vec<i64> = self
            .facilitator_ids
            .iter()
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        let has_schedule = self
            .schedule_first_date
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
        let input = CohortInput {
            programme_id,
            site_id,
            name: self.name.clone(),
            capacity,
            start_date: self.start_date.clone(),
            facilitator_ids: Some(facilitator_ids),
            schedule: has_schedule.then(|| CadenceInput {
                first_date: self.schedule_first_date.clone(),
                time: self.schedule_time.clone(),
                duration_minutes: duration,
                every_weeks: every,
                count,
                room: self.schedule_room.clone(),
                facilitator_id: facilitator,
            }),
            override_reason: self.override_reason.clone(),
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

async fn render_cohort_form(
    state: &web::Data<AppState>,
    actor: &Actor,
    form: &CohortForm,
    errors: &[FieldError],
    clashes: &[area::clashes::Clash],
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let a = actor.clone();
    let (programmes, site_list, staff) = state
        .db(move |conn| -> Result<_, DbError> {
            let programmes = area::list_programmes(conn)?;
            let sites = store::site_choices(conn, &a)?;
            Ok((programmes, sites, store::facilitator_choices(conn)?))
        })
        .await?;
    let chosen =
        |v: &Option<String>, id: i64| v.as_deref().map(str::trim) == Some(id.to_string().as_str());
    let html = render_page(
        "cohorts/form",
        &lang(),
        Some(&viewer(actor)),
        json!({
            "form": form,
            "programmes": programmes.iter().map(|p| json!({ "id": p.id, "name": p.name, "selected": chosen(&form.programme_id, p.id) })).collect::<Vec<_>>(),
            "sites": site_list.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": chosen(&form.site_id, *id) })).collect::<Vec<_>>(),
            "facilitators": staff.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": form.facilitator_ids.iter().any(|f| f.trim() == id.to_string()) })).collect::<Vec<_>>(),
            "session_facilitators": staff.iter().map(|(id, name)| json!({ "id": id, "name": name, "selected": chosen(&form.schedule_facilitator_id, *id) })).collect::<Vec<_>>(),
            "fortnightly": form.schedule_every_weeks.as_deref() == Some("2"),
            "errors": errors,
            "error": error_map(errors),
            "clashes": clashes.iter().map(|c| area::describe_in(c, &crate::i18n::user_lang(&actor.language))).collect::<Vec<_>>(),
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/cohorts/new")]
async fn new_cohort_page(
    state: web::Data<AppState>,
    actor: PageActor,
) -> Result<HttpResponse, PageError> {
    if !matches!(actor.0.role, Role::Admin | Role::Coordinator) {
        return Err(Problem::forbidden().into());
    }
    let form = CohortForm {
        site_id: actor.0.site_id.map(|s| s.0.to_string()),
        capacity: Some("12".into()),
        schedule_time: Some("10:00".into()),
        schedule_duration_minutes: Some("90".into()),
        schedule_every_weeks: Some("1".into()),
        schedule_count: Some("12".into()),
        ..Default::default()
    };
    render_cohort_form(&state, &actor.0, &form, &[], &[], StatusCode::OK).await
}

#[post("/cohorts")]
async fn create_cohort_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<CohortForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let input = match form.to_input() {
        Ok(i) => i,
        Err(errors) => {
            return render_cohort_form(
                &state,
                &actor.0,
                &form,
                &errors,
                &[],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    match state
        .db(move |conn| area::create_cohort(conn, &a, &who, &input))
        .await
    {
        Ok(view) => Ok(redirect(&format!("/cohorts/{}", view.id))),
        Err(ProgrammeError::Invalid(e)) => {
            render_cohort_form(
                &state,
                &actor.0,
                &form,
                &e.0,
                &[],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ProgrammeError::Clash(clashes)) => {
            render_cohort_form(&state, &actor.0, &form, &[], &clashes, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Everything the cohort page shows.
fn cohort_page_data(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> Result<Value, ProgrammeError> {
    let row = store::visible_cohort(conn, actor, id)?;
    let manage = access::may_manage(actor, row.site_id);
    let view = store::cohort_view(conn, row)?;
    let list = enrolments::read_list(conn, actor, who, Some(id), None).map_err(|e| match e {
        EnrolmentError::Db(d) => ProgrammeError::Db(d),
        _ => ProgrammeError::Forbidden,
    })?;
    let rate = attendance::cohort_rate(conn, id)?;
    let open: Vec<alerts::AlertView> = alerts::open_for(conn, actor, None)?
        .into_iter()
        .filter(|a| a.cohort_id == id)
        .collect();
    let candidates = if manage {
        area::referral_candidates(conn, actor, who, id, view.site.id)?
    } else {
        Vec::new()
    };
    let percent = |p: Option<f64>| p.map(|p| format!("{p:.0}%"));
    Ok(json!({
        "c": view,
        "rate": percent(rate.percent),
        "manage": manage,
        "enrolments": list.iter().map(|e| json!({
            "e": e,
            "status_key": format!("enrolment-{}", e.status),
            "rate": percent(e.attendance.percent),
            "last": e.history.last(),
            "next": e.allowed_next.iter().map(|s| json!({ "value": s, "key": format!("enrolment-{s}") })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "alerts": open,
        "candidates": candidates.iter().map(|(id, r, f, g)| json!({ "id": id, "label": format!("{r} — {f}, {g}") })).collect::<Vec<_>>(),
        "outcomes": enrolments::OUTCOMES.iter().map(|o| json!({ "value": o, "key": format!("outcome-{o}") })).collect::<Vec<_>>(),
    }))
}

async fn render_cohort(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    message: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let a = actor.clone();
    let who = Who::actor(actor, meta);
    let mut data = state
        .db(move |conn| cohort_page_data(conn, &a, &who, id))
        .await?;
    data["message"] = json!(message);
    let html = render_page("cohorts/detail", &lang(), Some(&viewer(actor)), data);
    Ok(page_with_status(status, html))
}

#[get("/cohorts/{id}")]
async fn cohort_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    render_cohort(
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
struct ReferForm {
    #[serde(default)]
    csrf_token: String,
    participant_id: Option<String>,
    reason: Option<String>,
}

/// The errors of a refused referral or move, in the reader's language, for the page's message.
fn first_message(errors: &[FieldError], lang: &str) -> String {
    errors
        .iter()
        .map(|e| e.message.in_lang(lang))
        .collect::<Vec<_>>()
        .join(" ")
}

#[post("/cohorts/{id}/enrolments")]
async fn refer_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<ReferForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let input = ReferralInput {
        participant_id: opt_number(&form.participant_id).ok().flatten(),
        cohort_id: Some(id),
        reason: form.reason.clone(),
    };
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    match state
        .db(move |conn| enrolments::refer(conn, &a, &who, &input))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/cohorts/{id}#enrolments"))),
        Err(EnrolmentError::Invalid(e)) => {
            render_cohort(
                &state,
                &actor.0,
                &meta,
                id,
                Some(first_message(&e.0, &actor.0.language)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
struct TransitionForm {
    #[serde(default)]
    csrf_token: String,
    to: Option<String>,
    reason: Option<String>,
    assessment_outcome: Option<String>,
    override_reason: Option<String>,
}

#[post("/enrolments/{id}/transitions")]
async fn transition_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<TransitionForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let blank = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    let input = TransitionInput {
        to: form.to.clone(),
        reason: form.reason.clone(),
        assessment_outcome: blank(&form.assessment_outcome),
        override_reason: blank(&form.override_reason),
    };
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    let result = state
        .db(move |conn| enrolments::transition(conn, &a, &who, id, &input))
        .await;
    let a = actor.0.clone();
    let cohort: i64 = match state
        .db(move |conn| enrolments::visible(conn, &a, id))
        .await
    {
        Ok(row) => row.cohort_id,
        Err(e) => return Err(e.into()),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/cohorts/{cohort}#enrolment-{id}"))),
        Err(e @ (EnrolmentError::Invalid(_) | EnrolmentError::Refused { .. })) => {
            let problem: Problem = e.into();
            render_cohort(
                &state,
                &actor.0,
                &meta,
                cohort,
                Some(first_message(&problem.errors, &actor.0.language)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

#[post("/alerts/{id}/acknowledge")]
async fn acknowledge_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    state
        .db(move |conn| alerts::acknowledge(conn, &a, &who, id))
        .await?;
    Ok(redirect("/"))
}

// ---- Registers ----

async fn render_register(
    state: &web::Data<AppState>,
    actor: &Actor,
    who: &Who,
    session_id: i64,
    typed: Option<&HashMap<String, String>>,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let a = actor.clone();
    let who = who.clone();
    let (register, may_take) = state
        .db(move |conn| -> Result<_, ProgrammeError> {
            let register = attendance::read_register(conn, &a, &who, session_id)?;
            let (session, cohort) = store::visible_session(conn, &a, session_id)?;
            let may = access::may_take_register(
                conn,
                &a,
                cohort.site_id,
                cohort.id,
                session.facilitator_id,
            )?;
            Ok((register, may))
        })
        .await?;
    let error = error_map(errors);
    let lines: Vec<Value> = register
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let pid = l.participant_id;
            let typed_mark = typed.and_then(|t| t.get(&format!("mark_{pid}")).cloned());
            let mark = typed_mark.or(l.mark.clone()).unwrap_or_else(|| "present".into());
            let late = typed.and_then(|t| t.get(&format!("late_{pid}")).cloned()).or(l.late_minutes.map(|m| m.to_string()));
            let reason = typed.and_then(|t| t.get(&format!("reason_{pid}")).cloned()).or(l.reason.clone());
            json!({
                "l": l,
                "label": l.name.clone().map_or(l.case_reference.clone(), |n| format!("{n} ({})", l.case_reference)),
                "marks": MARKS.iter().map(|m| json!({ "value": m, "key": format!("mark-{m}"), "checked": mark == *m })).collect::<Vec<_>>(),
                "late": late,
                "reasons": NOT_HELD_REASONS.iter().map(|r| json!({ "value": r, "key": format!("reason-{r}"), "selected": reason.as_deref() == Some(*r) })).collect::<Vec<_>>(),
                "error": error.get(&format!("entries_{i}__late_minutes")).or(error.get(&format!("entries_{i}__reason"))).or(error.get(&format!("entries_{i}__mark"))),
            })
        })
        .collect();
    let html = render_page(
        "cohorts/register",
        &lang(),
        Some(&viewer(actor)),
        json!({ "r": register, "lines": lines, "may_take": may_take, "errors": errors }),
    );
    Ok(page_with_status(status, html))
}

#[get("/sessions/{id}/register")]
async fn register_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let who = Who::actor(&actor.0, &meta);
    render_register(
        &state,
        &actor.0,
        &who,
        path.into_inner(),
        None,
        &[],
        StatusCode::OK,
    )
    .await
}

#[post("/sessions/{id}/register")]
async fn save_register_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let typed: HashMap<String, String> = fields.into_iter().collect();
    actor.check_csrf(typed.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let id = path.into_inner();
    let mut people: Vec<i64> = typed
        .keys()
        .filter_map(|k| k.strip_prefix("mark_"))
        .filter_map(|p| p.parse().ok())
        .collect();
    people.sort_unstable();
    let entries = people
        .iter()
        .map(|p| RegisterEntry {
            participant_id: Some(*p),
            mark: typed.get(&format!("mark_{p}")).cloned(),
            late_minutes: typed
                .get(&format!("late_{p}"))
                .and_then(|v| v.trim().parse().ok()),
            reason: typed
                .get(&format!("reason_{p}"))
                .cloned()
                .filter(|r| !r.is_empty()),
        })
        .collect::<Vec<_>>();
    // Errors name entries by position in what we send; keep the page's order for messages.
    let order: Vec<i64> = people.clone();
    let input = RegisterInput {
        entries: Some(entries),
    };
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    match state
        .db(move |conn| attendance::save(conn, &a, &who, id, &input))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/sessions/{id}/register?saved=1"))),
        Err(ProgrammeError::Invalid(e)) => {
            // Re-key `entries[i]` errors to the page's line positions.
            let a = actor.0.clone();
            let reg = state
                .db(move |conn| attendance::register(conn, &a, id))
                .await?;
            let errors: Vec<FieldError> =
                e.0.into_iter()
                    .map(|f| {
                        // `entries[i]` counts what was sent (sorted by id); the page counts its lines.
                        let field = match f
                            .field
                            .strip_prefix("entries[")
                            .and_then(|r| r.split_once(']'))
                        {
                            Some((n, rest)) => {
                                match n.parse::<usize>().ok().and_then(|i| order.get(i)).and_then(
                                    |p| reg.lines.iter().position(|l| l.participant_id == *p),
                                ) {
                                    Some(pos) => format!("entries[{pos}]{rest}"),
                                    None => f.field.clone(),
                                }
                            }
                            None => f.field.clone(),
                        };
                        FieldError {
                            field,
                            message: f.message,
                        }
                    })
                    .collect();
            render_register(
                &state,
                &actor.0,
                &Who::actor(&actor.0, &meta),
                id,
                Some(&typed),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

// ---- Editing programmes and cohorts ----

fn version_of(raw: &Option<String>) -> Option<i32> {
    raw.as_deref().and_then(|v| v.trim().parse().ok())
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct ProgrammeEditForm {
    #[serde(default)]
    csrf_token: String,
    version: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    description: Option<String>,
    session_count: Option<String>,
    min_attendance_percent: Option<String>,
    absence_alert_after: Option<String>,
}

fn render_programme_edit(
    actor: &Actor,
    id: i64,
    form: &ProgrammeEditForm,
    errors: &[FieldError],
    status: StatusCode,
) -> HttpResponse {
    let kinds: Vec<Value> = PROGRAMME_KINDS.iter().map(|k| json!({ "value": k, "key": format!("kind-{k}"), "selected": form.kind.as_deref() == Some(*k) })).collect();
    let html = render_page(
        "programmes/edit",
        &lang(),
        Some(&viewer(actor)),
        json!({ "id": id, "form": form, "kinds": kinds, "errors": errors, "error": error_map(errors) }),
    );
    page_with_status(status, html)
}

#[get("/programmes/{id}/edit")]
async fn edit_programme_page(
    state: web::Data<AppState>,
    actor: PageActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    if !access::may_edit_catalogue(&actor.0) {
        return Err(Problem::forbidden().into());
    }
    let id = path.into_inner();
    let p = state
        .db(move |conn| store::programme(conn, id))
        .await?
        .ok_or_else(Problem::not_found)?;
    let form = ProgrammeEditForm {
        csrf_token: String::new(),
        version: Some(p.version.to_string()),
        name: Some(p.name),
        kind: Some(p.kind),
        description: Some(p.description),
        session_count: Some(p.session_count.to_string()),
        min_attendance_percent: Some(p.min_attendance_percent.to_string()),
        absence_alert_after: Some(p.absence_alert_after.to_string()),
    };
    Ok(render_programme_edit(
        &actor.0,
        id,
        &form,
        &[],
        StatusCode::OK,
    ))
}

#[post("/programmes/{id}")]
async fn update_programme_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<ProgrammeEditForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let mut bad = Vec::new();
    let mut n = |field: &str, raw: &Option<String>| -> Option<i32> {
        opt_number(raw).unwrap_or_else(|_| {
            bad.push(FieldError {
                field: field.into(),
                message: crate::kernel::Message::new("error-number"),
            });
            None
        })
    };
    let input = ProgrammeInput {
        name: form.name.clone(),
        kind: form.kind.clone(),
        description: form.description.clone(),
        session_count: n("session_count", &form.session_count),
        min_attendance_percent: n("min_attendance_percent", &form.min_attendance_percent),
        absence_alert_after: n("absence_alert_after", &form.absence_alert_after),
    };
    if !bad.is_empty() {
        return Ok(render_programme_edit(
            &actor.0,
            id,
            &form,
            &bad,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let version = version_of(&form.version);
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    match state
        .db(move |conn| area::update_programme(conn, &a, &who, id, version, &input))
        .await
    {
        Ok(_) => Ok(redirect("/programmes")),
        Err(ProgrammeError::Invalid(e)) => Ok(render_programme_edit(
            &actor.0,
            id,
            &form,
            &e.0,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(ProgrammeError::Stale) => {
            let message = crate::kernel::Message::new("problem-stale-simple");
            Ok(render_programme_edit(
                &actor.0,
                id,
                &form,
                &[FieldError {
                    field: "version".into(),
                    message,
                }],
                StatusCode::CONFLICT,
            ))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct CohortEditForm {
    #[serde(default)]
    csrf_token: String,
    version: Option<String>,
    name: Option<String>,
    capacity: Option<String>,
    start_date: Option<String>,
    status: Option<String>,
    #[serde(default)]
    facilitator_ids: Vec<String>,
}

async fn render_cohort_edit(
    state: &web::Data<AppState>,
    actor: &Actor,
    id: i64,
    form: &CohortEditForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let staff = state.db(store::facilitator_choices).await?;
    let html = render_page(
        "cohorts/edit",
        &lang(),
        Some(&viewer(actor)),
        json!({
            "id": id, "form": form, "errors": errors, "error": error_map(errors),
            "statuses": COHORT_STATUSES.iter().map(|s| json!({ "value": s, "key": format!("cohort-status-{s}"), "selected": form.status.as_deref() == Some(*s) })).collect::<Vec<_>>(),
            "facilitators": staff.iter().map(|(fid, name)| json!({ "id": fid, "name": name, "selected": form.facilitator_ids.iter().any(|f| f.trim() == fid.to_string()) })).collect::<Vec<_>>(),
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/cohorts/{id}/edit")]
async fn edit_cohort_page(
    state: web::Data<AppState>,
    actor: PageActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let a = actor.0.clone();
    let view = state
        .db(move |conn| -> Result<_, ProgrammeError> {
            let row = store::visible_cohort(conn, &a, id)?;
            if !access::may_manage(&a, row.site_id) {
                return Err(ProgrammeError::Forbidden);
            }
            Ok(store::cohort_view(conn, row)?)
        })
        .await?;
    let form = CohortEditForm {
        csrf_token: String::new(),
        version: Some(view.version.to_string()),
        name: Some(view.name.clone()),
        capacity: Some(view.capacity.to_string()),
        start_date: Some(view.start_date.to_string()),
        status: Some(view.status.clone()),
        facilitator_ids: view.facilitators.iter().map(|f| f.id.to_string()).collect(),
    };
    render_cohort_edit(&state, &actor.0, id, &form, &[], StatusCode::OK).await
}

#[post("/cohorts/{id}")]
async fn update_cohort_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<CohortEditForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let input = CohortChanges {
        name: form.name.clone(),
        capacity: opt_number::<i32>(&form.capacity).ok().flatten(),
        start_date: form.start_date.clone(),
        status: form.status.clone(),
        facilitator_ids: Some(
            form.facilitator_ids
                .iter()
                .filter_map(|f| f.trim().parse().ok())
                .collect(),
        ),
    };
    let version = version_of(&form.version);
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    match state
        .db(move |conn| area::update_cohort(conn, &a, &who, id, version, &input))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/cohorts/{id}"))),
        Err(ProgrammeError::Invalid(e)) => {
            render_cohort_edit(
                &state,
                &actor.0,
                id,
                &form,
                &e.0,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ProgrammeError::Stale) => {
            let message = crate::kernel::Message::new("problem-stale-simple");
            render_cohort_edit(
                &state,
                &actor.0,
                id,
                &form,
                &[FieldError {
                    field: "version".into(),
                    message,
                }],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

// ---- A session: reschedule or cancel ----

#[derive(Debug, Default, Deserialize, Serialize)]
struct SessionForm {
    #[serde(default)]
    csrf_token: String,
    version: Option<String>,
    starts_at: Option<String>,
    duration_minutes: Option<String>,
    room: Option<String>,
    reason: Option<String>,
    requested_by: Option<String>,
    override_reason: Option<String>,
}

async fn render_session(
    state: &web::Data<AppState>,
    actor: &Actor,
    id: i64,
    form: &SessionForm,
    errors: &[FieldError],
    clashes: &[area::clashes::Clash],
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let a = actor.clone();
    let (view, cohort, manage) = state
        .db(move |conn| -> Result<_, ProgrammeError> {
            let (session, cohort) = store::visible_session(conn, &a, id)?;
            let site = store::site(conn, cohort.site_id)?.ok_or(ProgrammeError::NotFound)?;
            let manage = access::may_manage(&a, cohort.site_id);
            Ok((
                store::session_view(conn, store::zone_of(&site), session)?,
                cohort,
                manage,
            ))
        })
        .await?;
    let html = render_page(
        "cohorts/session",
        &lang(),
        Some(&viewer(actor)),
        json!({
            "s": view, "cohort_id": cohort.id, "cohort_name": cohort.name, "manage": manage,
            "form": form, "errors": errors, "error": error_map(errors),
            "clashes": clashes.iter().map(|c| area::describe_in(c, &crate::i18n::user_lang(&actor.language))).collect::<Vec<_>>(),
            "status_key": format!("session-{}", view.status),
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/sessions/{id}")]
async fn session_page(
    state: web::Data<AppState>,
    actor: PageActor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    render_session(
        &state,
        &actor.0,
        path.into_inner(),
        &SessionForm::default(),
        &[],
        &[],
        StatusCode::OK,
    )
    .await
}

/// What the session page answers after a move or a cancellation: back to the session, or the
/// page again with what was typed and the reason it was refused.
async fn session_change_answer(
    state: &web::Data<AppState>,
    actor: &Actor,
    id: i64,
    form: &SessionForm,
    result: Result<store::SessionView, ProgrammeError>,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(_) => Ok(redirect(&format!("/sessions/{id}"))),
        Err(ProgrammeError::Invalid(e)) => {
            render_session(
                state,
                actor,
                id,
                form,
                &e.0,
                &[],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ProgrammeError::Clash(c)) => {
            render_session(state, actor, id, form, &[], &c, StatusCode::CONFLICT).await
        }
        Err(ProgrammeError::Stale | ProgrammeError::VersionRequired) => {
            let message = crate::kernel::Message::new("problem-stale-simple");
            let errors = [FieldError {
                field: "version".into(),
                message,
            }];
            render_session(state, actor, id, form, &errors, &[], StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}

#[post("/sessions/{id}/reschedule")]
async fn reschedule_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<SessionForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let blank = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    let Ok(duration_minutes) = opt_number::<i32>(&form.duration_minutes) else {
        let message = crate::kernel::Message::new("error-number");
        let errors = [FieldError {
            field: "duration_minutes".into(),
            message,
        }];
        return render_session(
            &state,
            &actor.0,
            id,
            &form,
            &errors,
            &[],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = RescheduleInput {
        starts_at: form.starts_at.clone(),
        duration_minutes,
        room: blank(&form.room),
        reason: form.reason.clone(),
        requested_by: form.requested_by.clone(),
        override_reason: blank(&form.override_reason),
        version: version_of(&form.version),
    };
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    let result = state
        .db(move |conn| area::reschedule(conn, &a, &who, id, &input))
        .await;
    session_change_answer(&state, &actor.0, id, &form, result).await
}

#[post("/sessions/{id}/cancel")]
async fn cancel_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<SessionForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let input = CancelInput {
        reason: form.reason.clone(),
        requested_by: form.requested_by.clone(),
        version: version_of(&form.version),
    };
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    let result = state
        .db(move |conn| area::cancel(conn, &a, &who, id, &input))
        .await;
    session_change_answer(&state, &actor.0, id, &form, result).await
}

// ---- Holidays (admins) ----

#[derive(Debug, Default, Deserialize, Serialize)]
struct HolidayForm {
    #[serde(default)]
    csrf_token: String,
    site_id: Option<String>,
    date: Option<String>,
    name: Option<String>,
    csv: Option<String>,
}

async fn render_holidays(
    state: &web::Data<AppState>,
    actor: &Actor,
    form: &HolidayForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let all = state
        .db(|conn| -> Result<_, ProgrammeError> {
            Ok(area::holidays::by_site(conn)?
                .into_iter()
                .map(|s| json!({ "id": s.id, "name": s.name, "zone": s.time_zone, "holidays": s.holidays }))
                .collect::<Vec<_>>())
        })
        .await?;
    let html = render_page(
        "holidays",
        &lang(),
        Some(&viewer(actor)),
        json!({ "sites": all, "form": form, "errors": errors }),
    );
    Ok(page_with_status(status, html))
}

#[get("/holidays")]
async fn holidays_page(
    state: web::Data<AppState>,
    actor: PageActor,
) -> Result<HttpResponse, PageError> {
    if actor.0.role != Role::Admin {
        return Err(Problem::forbidden().into());
    }
    render_holidays(
        &state,
        &actor.0,
        &HolidayForm::default(),
        &[],
        StatusCode::OK,
    )
    .await
}

#[post("/holidays")]
async fn save_holidays_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<HolidayForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let site = opt_number::<i64>(&form.site_id)
        .ok()
        .flatten()
        .unwrap_or(-1);
    let inputs = match form.csv.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(csv) => match area::holidays::parse_csv(csv) {
            Ok(i) => (i, "holidays"),
            Err(e) => {
                return render_holidays(
                    &state,
                    &actor.0,
                    &form,
                    &e.0,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
        },
        None => (
            vec![area::holidays::HolidayInput {
                date: form.date.clone(),
                name: form.name.clone(),
            }],
            "",
        ),
    };
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    match state
        .db(move |conn| area::holidays::save(conn, &a, &who, site, &inputs.0, inputs.1))
        .await
    {
        Ok(_) => Ok(redirect("/holidays")),
        Err(ProgrammeError::Invalid(e)) => {
            render_holidays(
                &state,
                &actor.0,
                &form,
                &e.0,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// The register history download, for a signed-in browser.
#[get("/cohorts/{id}/register.csv")]
async fn register_csv_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    let csv = state
        .db(move |conn| crate::calendars::register_csv(conn, &a, &who, id))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"cohort-{id}-register.csv\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(csv))
}

// ---- Calendar feeds ----

#[derive(Debug, Default, Deserialize)]
struct FeedForm {
    #[serde(default)]
    csrf_token: String,
    cohort_id: Option<String>,
}

async fn render_feeds(
    state: &web::Data<AppState>,
    actor: &Actor,
    new_url: Option<String>,
) -> Result<HttpResponse, PageError> {
    let a = actor.clone();
    let feeds = state
        .db(move |conn| crate::calendars::mine(conn, &a))
        .await?;
    let html = render_page(
        "feeds",
        &lang(),
        Some(&viewer(actor)),
        json!({ "feeds": feeds, "new_url": new_url }),
    );
    Ok(page(html))
}

#[get("/calendar-feeds")]
async fn feeds_page(
    state: web::Data<AppState>,
    actor: PageActor,
) -> Result<HttpResponse, PageError> {
    render_feeds(&state, &actor.0, None).await
}

#[post("/calendar-feeds")]
async fn create_feed_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    PageForm(form): PageForm<FeedForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let input = crate::calendars::FeedInput {
        cohort_id: opt_number::<i64>(&form.cohort_id).ok().flatten(),
    };
    let who = Who::actor(&actor.0, &meta);
    let base = state.config.public_url.to_string();
    let a = actor.0.clone();
    let feed = state
        .db(move |conn| crate::calendars::create(conn, &a, &who, &input, &base))
        .await?;
    render_feeds(&state, &actor.0, feed.url).await
}

#[post("/calendar-feeds/{id}/revoke")]
async fn revoke_feed_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let who = Who::actor(&actor.0, &meta);
    let a = actor.0.clone();
    state
        .db(move |conn| crate::calendars::revoke(conn, &a, &who, id))
        .await?;
    Ok(redirect("/calendar-feeds"))
}
