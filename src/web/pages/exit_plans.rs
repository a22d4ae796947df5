//! Pages of exit plans: the plan as a timeline with its planned reminders (coordinators edit it
//! there), the milestone list, and a milestone's own page where agency users and probation
//! officers record progress.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::agencies::{self, SharingBasisInput};
use crate::audit::Who;
use crate::exit_plans::model::*;
use crate::exit_plans::{self as area, MilestoneAccess, MilestoneFilter, PlanError, PlanView};
use crate::i18n::DEFAULT_LANG;
use crate::kernel::paging::Page;
use crate::kernel::{Actor, RequestMeta};
use crate::kernel::{FieldError, FieldErrors, Problem};
use crate::reminders::PlannedReminder;
use crate::web::errors::PageError;
use crate::web::extract::PageActor;
use crate::web::form::{error_map, failed_save, opt_number, PageForm};
use crate::web::pages::auth::viewer;
use crate::web::render::{page, page_with_status, redirect, render_page};
use crate::web::AppState;

pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.service(plan_page)
        .service(save_plan)
        .service(save_pathway)
        .service(add_milestone)
        .service(add_basis)
        .service(milestones_page)
        .service(milestone_page)
        .service(save_milestone);
}

fn lang() -> String {
    DEFAULT_LANG.to_string()
}

/// A reminder as the timeline words it.
fn reminder_json(r: &PlannedReminder) -> Value {
    let when = match r.days_before {
        0 => "reminder-on-the-day",
        d if d > 0 => "reminder-before",
        _ => "reminder-after",
    };
    json!({
        "on": r.on,
        "when_key": when,
        "days": r.days_before.abs(),
        "recipients": r.recipients.iter().map(|x| format!("recipient-{x}")).collect::<Vec<_>>(),
        "state_key": format!("reminder-state-{}", r.state),
    })
}

/// The plan's milestones with the release day in its place, soonest first.
fn timeline(plan: &PlanView) -> Vec<Value> {
    let mut entries: Vec<(chrono::NaiveDate, Value)> = plan
        .milestones
        .iter()
        .map(|m| {
            (
                m.milestone.due_on,
                json!({
                    "id": m.milestone.id,
                    "date": m.milestone.due_on,
                    "what": m.milestone.title,
                    "offset": m.milestone.offset_days,
                    "agency_name": m.agency_name,
                    "status_key": format!("milestone-status-{}", m.milestone.status),
                    "reminders": m.reminders.iter().map(reminder_json).collect::<Vec<_>>(),
                }),
            )
        })
        .collect();
    entries.push((
        plan.plan.target_release_date,
        json!({ "is_release": true, "date": plan.plan.target_release_date }),
    ));
    entries.sort_by_key(|(d, e)| (*d, e.get("is_release").is_none()));
    entries.into_iter().map(|(_, e)| e).collect()
}

/// Everything the plan page shows, read in one go (the plan read is audited).
fn plan_page_data(
    conn: &mut crate::db::DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
) -> Result<Value, PlanError> {
    let area::PlanPage {
        case_reference,
        can_edit,
        plan,
        agencies,
        bases,
        templates,
    } = area::plan_page(conn, actor, who, participant_id)?;
    Ok(json!({
        "participant_id": participant_id,
        "case_reference": case_reference,
        "can_edit": can_edit,
        "timeline": plan.as_ref().map(timeline),
        "pathways": plan.as_ref().map(|p| p.pathways.iter().map(|w| json!({
            "pathway": w.pathway,
            "name_key": format!("pathway-{}", w.pathway),
            "status": w.status,
            "status_key": format!("pathway-status-{}", w.status),
            "responsible": w.responsible,
            "version": w.version,
        })).collect::<Vec<_>>()),
        "plan": plan.as_ref().map(|p| json!({
            "target_release_date": p.plan.target_release_date,
            "release_type_key": format!("release-type-{}", p.plan.release_type),
            "status_key": format!("plan-status-{}", p.plan.status),
        })),
        "plan_form": plan.as_ref().map(|p| json!({
            "target_release_date": p.plan.target_release_date,
            "release_type": p.plan.release_type,
            "status": p.plan.status,
            "version": p.plan.version,
        })).unwrap_or_else(|| json!({"release_type": "end_of_sentence", "status": "active"})),
        "milestone_form": { "status": "planned" },
        "basis_form": {},
        "agencies": agencies,
        "bases": bases.iter().map(|(b, name)| json!({
            "b": b,
            "agency_name": name,
        })).collect::<Vec<_>>(),
        "templates": templates,
        "release_types": RELEASE_TYPES.iter().map(|k| json!({"value": k, "key": format!("release-type-{k}")})).collect::<Vec<_>>(),
        "plan_statuses": PLAN_STATUSES.iter().map(|k| json!({"value": k, "key": format!("plan-status-{k}")})).collect::<Vec<_>>(),
        "pathway_statuses": PATHWAY_STATUSES.iter().map(|k| json!({"value": k, "key": format!("pathway-status-{k}")})).collect::<Vec<_>>(),
        "kinds": MILESTONE_KINDS.iter().map(|k| json!({"value": k, "key": format!("milestone-{k}")})).collect::<Vec<_>>(),
        "statuses": MILESTONE_STATUSES.iter().map(|k| json!({"value": k, "key": format!("milestone-status-{k}")})).collect::<Vec<_>>(),
    }))
}

/// Render the plan page, with one form's typed values and errors when it is shown again.
async fn render_plan(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
    participant_id: i64,
    form: Option<(&str, Value, &[FieldError])>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let a = actor.clone();
    let who = Who::actor(actor, meta);
    let days_before = state.config.handover.days_before;
    let mut data = state
        .db(move |conn| -> Result<Value, PlanError> {
            let mut data = plan_page_data(conn, &a, &who, participant_id)?;
            // The handover, for those who take part in it (others see nothing of it).
            if let Ok(line) = crate::handovers::for_participant(conn, &a, participant_id) {
                data["handover"] = json!({
                    "line": line,
                    "status_key": line.as_ref().map(|l| format!("handover-status-{}", l.status)),
                    "days_before": days_before,
                    "falls_due": data["plan"]["target_release_date"]
                        .as_str()
                        .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
                        .map(|d| d - chrono::Duration::days(days_before)),
                });
            }
            Ok(data)
        })
        .await?;
    if let Some((name, values, errors)) = form {
        data[format!("{name}_form")] = values;
        data[format!("{name}_errors")] = Value::Object(error_map(errors));
        data["errors"] = json!(errors);
    }
    let title = data["case_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    data["title"] = json!(title);
    let html = render_page("exit_plans/plan", &lang(), Some(&viewer(actor)), data);
    Ok(page_with_status(status, html))
}

#[get("/participants/{id}/exit-plan")]
async fn plan_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    render_plan(
        &state,
        &actor.0,
        &meta,
        path.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct PlanForm {
    #[serde(default)]
    csrf_token: String,
    target_release_date: Option<String>,
    release_type: Option<String>,
    status: Option<String>,
    template_id: Option<String>,
    version: Option<String>,
}

#[post("/participants/{id}/exit-plan")]
async fn save_plan(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<PlanForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let mut errors = FieldErrors::default();
    let template_id = opt_number::<i64>(&form.template_id).unwrap_or_else(|_| {
        errors.add("template_id", "error-choice");
        None
    });
    let version = opt_number::<i32>(&form.version).unwrap_or_else(|_| {
        errors.add("version", "error-number");
        None
    });
    let input = PlanInput {
        target_release_date: form.target_release_date.clone(),
        release_type: form.release_type.clone(),
        status: form.status.clone(),
        template_id,
    };
    let result = if !errors.is_empty() {
        Err(PlanError::Invalid(errors))
    } else {
        let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
        state
            .db(move |conn| match version {
                None => area::create(conn, &a, &who, id, &input),
                Some(v) => area::update(conn, &a, &who, id, Some(v), &input),
            })
            .await
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/participants/{id}/exit-plan"))),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render_plan(
                &state,
                &actor.0,
                &meta,
                id,
                Some(("plan", json!(form), &errors)),
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct PathwayForm {
    #[serde(default)]
    csrf_token: String,
    status: Option<String>,
    responsible: Option<String>,
    version: Option<String>,
}

#[post("/participants/{id}/exit-plan/pathways/{pathway}")]
async fn save_pathway(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<(i64, String)>,
    PageForm(form): PageForm<PathwayForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let (id, pathway) = path.into_inner();
    let input = PathwayInput {
        status: form.status.clone(),
        responsible: form.responsible.clone(),
    };
    let (a, who, p) = (
        actor.0.clone(),
        Who::actor(&actor.0, &meta),
        pathway.clone(),
    );
    let version = opt_number::<i32>(&form.version).ok().flatten();
    match state
        .db(move |conn| area::update_pathway(conn, &a, &who, id, &p, version, &input))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/participants/{id}/exit-plan#pathways"))),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            let values =
                json!({"pathway": pathway, "status": form.status, "responsible": form.responsible});
            render_plan(
                &state,
                &actor.0,
                &meta,
                id,
                Some(("pathway", values, &errors)),
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct MilestoneForm {
    #[serde(default)]
    csrf_token: String,
    kind: Option<String>,
    title: Option<String>,
    due_date: Option<String>,
    offset_days: Option<String>,
    responsible_agency_id: Option<String>,
    status: Option<String>,
    note: Option<String>,
    version: Option<String>,
}

impl MilestoneForm {
    /// The input, or the fields that are not even numbers.
    fn input(&self) -> Result<MilestoneInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let offset_days = opt_number::<i32>(&self.offset_days).unwrap_or_else(|_| {
            errors.add("offset_days", "error-number");
            None
        });
        let responsible_agency_id =
            opt_number::<i64>(&self.responsible_agency_id).unwrap_or_else(|_| {
                errors.add("responsible_agency_id", "error-choice");
                None
            });
        errors.into_result(|| MilestoneInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            due_date: self.due_date.clone(),
            offset_days,
            responsible_agency_id,
            status: self.status.clone(),
            note: self.note.clone(),
        })
    }
}

#[post("/participants/{id}/exit-plan/milestones")]
async fn add_milestone(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<MilestoneForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let result = match form.input() {
        Err(e) => Err(PlanError::Invalid(e)),
        Ok(input) => {
            let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
            state
                .db(move |conn| area::add_milestone(conn, &a, &who, id, &input))
                .await
        }
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/participants/{id}/exit-plan#timeline"))),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render_plan(
                &state,
                &actor.0,
                &meta,
                id,
                Some(("milestone", json!(form), &errors)),
                status,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct BasisForm {
    #[serde(default)]
    csrf_token: String,
    agency_id: Option<String>,
    legal_basis: Option<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
}

#[post("/participants/{id}/sharing-bases")]
async fn add_basis(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<BasisForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let mut errors = FieldErrors::default();
    let agency_id = opt_number::<i64>(&form.agency_id).unwrap_or_else(|_| {
        errors.add("agency_id", "error-choice");
        None
    });
    let input = SharingBasisInput {
        agency_id,
        legal_basis: form.legal_basis.clone(),
        valid_from: form.valid_from.clone(),
        valid_until: form.valid_until.clone(),
    };
    let result = if errors.is_empty() {
        let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
        state
            .db(move |conn| agencies::add_basis(conn, &a, &who, id, &input))
            .await
            .map(|_| ())
    } else {
        Err(agencies::AgencyError::Invalid(errors))
    };
    match result {
        Ok(()) => Ok(redirect(&format!("/participants/{id}/exit-plan#sharing"))),
        Err(agencies::AgencyError::Invalid(errors)) => {
            render_plan(
                &state,
                &actor.0,
                &meta,
                id,
                Some(("basis", json!(form), &errors.0)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(Problem::from(other).into()),
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

const FILTERS: [&str; 4] = ["open", "overdue", "done", "all"];

#[get("/milestones")]
async fn milestones_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let mut errors = FieldErrors::default();
    let page_no = Page::parse(
        query.page.as_deref(),
        query.per_page.as_deref(),
        &mut errors,
    );
    let status = query
        .status
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| Some("open".to_string()));
    let filter = MilestoneFilter {
        q: query.q.clone().unwrap_or_default(),
        status: status.clone().filter(|s| s != "all"),
        ..Default::default()
    };
    let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
    let (items, total) = state
        .db(move |conn| area::list_milestones(conn, &a, &who, &filter, page_no))
        .await?;
    let today = crate::kernel::time::today_utc();
    let items: Vec<Value> = items
        .iter()
        .map(|m| {
            json!({
                "m": m,
                "kind_key": format!("milestone-{}", m.kind),
                "status_key": format!("milestone-status-{}", m.status),
                "overdue": m.due_on < today && OPEN_STATUSES.contains(&m.status.as_str()),
            })
        })
        .collect();
    let pages = crate::kernel::paging::Paged::new(items, page_no, total);
    let q = query.q.clone().unwrap_or_default();
    let status = status.unwrap_or_default();
    let link = |p: i64| {
        format!(
            "/milestones?q={}&status={}&page={p}",
            crate::web::urlencode(&q),
            crate::web::urlencode(&status)
        )
    };
    let html = render_page(
        "exit_plans/milestones",
        &lang(),
        Some(&viewer(&actor.0)),
        json!({
            "list": pages,
            "q": q,
            "status": status,
            "errors": errors.0,
            "filters": FILTERS.iter().map(|f| json!({"value": f, "key": format!("milestone-filter-{f}")})).collect::<Vec<_>>(),
            "prev": (page_no.page > 1).then(|| link(page_no.page - 1)),
            "next": (page_no.page * page_no.per_page < total).then(|| link(page_no.page + 1)),
        }),
    );
    Ok(page(html))
}

async fn render_milestone(
    state: &web::Data<AppState>,
    actor: &Actor,
    meta: &RequestMeta,
    id: i64,
    form: Option<(Value, &[FieldError])>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let (a, who) = (actor.clone(), Who::actor(actor, meta));
    let (view, access, agencies_list) = state
        .db(move |conn| -> Result<_, PlanError> {
            let view = area::read_milestone(conn, &a, &who, id)?;
            let access = area::milestone_access(conn, &a, &view.milestone)?;
            let list = if access == MilestoneAccess::Edit {
                agencies::list(conn, &a, "").map_err(|_| PlanError::Forbidden)?
            } else {
                Vec::new()
            };
            Ok((view, access, list))
        })
        .await?;
    let m = &view.milestone;
    let values = form.as_ref().map(|f| f.0.clone()).unwrap_or_else(|| {
        json!({
            "kind": m.kind,
            "title": m.title,
            "due_date": if m.offset_days.is_none() { Some(m.due_on.to_string()) } else { None },
            "offset_days": m.offset_days,
            "responsible_agency_id": m.responsible_agency_id.map(|a| a.to_string()),
            "status": m.status,
            "note": m.note,
            "version": m.version,
        })
    });
    let errors: &[FieldError] = form.as_ref().map(|f| f.1).unwrap_or(&[]);
    let html = render_page(
        "exit_plans/milestone",
        &lang(),
        Some(&viewer(actor)),
        json!({
            "title": m.title,
            "v": view,
            "kind_key": format!("milestone-{}", m.kind),
            "status_key": format!("milestone-status-{}", m.status),
            "reminders": view.reminders.iter().map(reminder_json).collect::<Vec<_>>(),
            "can_edit": access == MilestoneAccess::Edit,
            "can_progress": access >= MilestoneAccess::Progress,
            // Agency users reach milestones, never the plan (it shows the whole case).
            "can_open_plan": access >= MilestoneAccess::Read && actor.role != crate::kernel::Role::AgencyUser,
            "form": values,
            "form_errors": error_map(errors),
            "errors": errors,
            "agencies": agencies_list,
            "kinds": MILESTONE_KINDS.iter().map(|k| json!({"value": k, "key": format!("milestone-{k}")})).collect::<Vec<_>>(),
            "statuses": MILESTONE_STATUSES.iter().map(|k| json!({"value": k, "key": format!("milestone-status-{k}")})).collect::<Vec<_>>(),
        }),
    );
    Ok(page_with_status(status, html))
}

#[get("/milestones/{id}")]
async fn milestone_page(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    render_milestone(
        &state,
        &actor.0,
        &meta,
        path.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

#[post("/milestones/{id}")]
async fn save_milestone(
    state: web::Data<AppState>,
    actor: PageActor,
    meta: RequestMeta,
    path: web::Path<i64>,
    PageForm(form): PageForm<MilestoneForm>,
) -> Result<HttpResponse, PageError> {
    actor.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    let result = match (form.input(), opt_number::<i32>(&form.version)) {
        (Err(e), _) => Err(PlanError::Invalid(e)),
        (_, Err(_)) => {
            let mut e = FieldErrors::default();
            e.add("version", "error-number");
            Err(PlanError::Invalid(e))
        }
        (Ok(input), Ok(version)) => {
            let (a, who) = (actor.0.clone(), Who::actor(&actor.0, &meta));
            state
                .db(move |conn| area::update_milestone(conn, &a, &who, id, version, &input))
                .await
        }
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/milestones/{id}"))),
        Err(PlanError::VersionRequired) => Err(Problem::from(PlanError::VersionRequired).into()),
        Err(e) => {
            let (status, errors) = failed_save(e)?;
            render_milestone(
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
