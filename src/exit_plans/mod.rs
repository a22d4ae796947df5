//! Exit plans: per participant a target release date and type, the resettlement pathways, and
//! dated milestones owned by partner agencies. Milestones given as an offset from the release
//! date follow it when it moves; reminders already queued for the old date are cancelled in the
//! same transaction, and the next sweep plans them for the new one.

pub mod model;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::agencies::{self, Agency};
use crate::audit::{self, Event, Who};
use crate::db::schema::{
    agencies as agencies_t, exit_plan_pathways, exit_plans, milestones, participant_mentors,
    participants, plan_template_milestones, plan_templates, sharing_bases,
};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::paging::Page;
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};
use crate::participants::access as participant_scope;
use model::*;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error("the participant already has an exit plan")]
    Exists,
    #[error("stale version")]
    Stale,
    #[error("no version given")]
    VersionRequired,
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for PlanError {
    fn from(e: diesel::result::Error) -> Self {
        PlanError::Db(e.into())
    }
}

impl From<PlanError> for Problem {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::NotFound => Problem::not_found(),
            PlanError::Invalid(errors) => Problem::invalid(errors),
            PlanError::Exists => {
                Problem::conflict(crate::kernel::Message::new("problem-plan-exists"))
            }
            PlanError::Stale => Problem::stale(),
            PlanError::VersionRequired => Problem::version_required(),
            PlanError::Forbidden => Problem::forbidden(),
            PlanError::Db(e) => e.into(),
        }
    }
}

fn invalid(field: &str, key: &str) -> PlanError {
    let mut e = FieldErrors::default();
    e.add(field, key);
    PlanError::Invalid(e)
}

/// Everything the plan page shows about a participant's plan, for someone who may see them.
pub struct PlanPage {
    pub case_reference: String,
    /// Whether the reader may change the plan (the site's coordinators).
    pub can_edit: bool,
    /// The plan, if there is one (its read is audited).
    pub plan: Option<PlanView>,
    /// The active agencies a milestone may be given to (for those who edit).
    pub agencies: Vec<Agency>,
    /// The person's sharing bases, each with its agency's name.
    pub bases: Vec<(agencies::SharingBasis, Option<String>)>,
    /// The plan templates (for those who edit).
    pub templates: Vec<TemplateView>,
}

/// Read the plan page of `participant_id`: not found for someone who may not see them.
#[tracing::instrument(skip_all)]
pub fn plan_page(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
) -> Result<PlanPage, PlanError> {
    let (site, case_reference): (i64, String) = participant_scope::visible_to(actor)
        .filter(participants::id.eq(participant_id))
        .select((participants::site_id, participants::case_reference))
        .first(conn)
        .optional()?
        .ok_or(PlanError::NotFound)?;
    let can_edit = participant_scope::may_edit(actor, site);
    let plan = match find_plan(conn, participant_id)? {
        Some(_) => Some(read(conn, actor, who, participant_id)?),
        None => None,
    };
    let agencies: Vec<Agency> = if can_edit {
        agencies::list(conn, actor, "")
            .map_err(|_| PlanError::Forbidden)?
            .into_iter()
            .filter(|a| a.active)
            .collect()
    } else {
        Vec::new()
    };
    let bases = agencies::bases_of(conn, actor, who, participant_id).map_err(|e| match e {
        agencies::AgencyError::Db(e) => PlanError::Db(e),
        _ => PlanError::NotFound,
    })?;
    let names = agencies::names(conn)?;
    let bases = bases
        .into_iter()
        .map(|b| {
            let name = names.get(&b.agency_id).cloned();
            (b, name)
        })
        .collect();
    let templates = if can_edit {
        templates(conn)?
    } else {
        Vec::new()
    };
    Ok(PlanPage {
        case_reference,
        can_edit,
        plan,
        agencies,
        bases,
        templates,
    })
}

/// A plan with everything shown on its page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    #[serde(flatten)]
    pub plan: ExitPlan,
    pub case_reference: String,
    pub pathways: Vec<Pathway>,
    pub milestones: Vec<MilestoneView>,
}

/// A milestone with its agency's name and the reminders planned for it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MilestoneView {
    #[serde(flatten)]
    pub milestone: Milestone,
    pub case_reference: String,
    pub agency_name: Option<String>,
    /// Reminders the active rules plan for this milestone (dates in the site's calendar).
    pub reminders: Vec<crate::reminders::PlannedReminder>,
}

/// The participant (id, site) if `actor` may see them.
fn visible_participant(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: i64,
) -> Result<(i64, String), PlanError> {
    participant_scope::visible_to(actor)
        .filter(participants::id.eq(participant_id))
        .select((participants::site_id, participants::case_reference))
        .first(conn)
        .optional()?
        .ok_or(PlanError::NotFound)
}

/// Like [`visible_participant`], and the actor may change the participant's plan.
fn editable_participant(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: i64,
) -> Result<(i64, String), PlanError> {
    let (site, reference) = visible_participant(conn, actor, participant_id)?;
    if !participant_scope::may_edit(actor, site) {
        return Err(PlanError::Forbidden);
    }
    Ok((site, reference))
}

pub fn find_plan(
    conn: &mut DbConnection,
    participant_id: i64,
) -> Result<Option<ExitPlan>, DbError> {
    Ok(exit_plans::table
        .filter(exit_plans::participant_id.eq(participant_id))
        .select(ExitPlan::as_select())
        .first(conn)
        .optional()?)
}

/// The plan of a participant the actor may see; the read is audited.
#[tracing::instrument(skip_all)]
pub fn read(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
) -> Result<PlanView, PlanError> {
    let (_, case_reference) = visible_participant(conn, actor, participant_id)?;
    let plan = find_plan(conn, participant_id)?.ok_or(PlanError::NotFound)?;
    let view = view(conn, plan, case_reference)?;
    audit::record(
        conn,
        who,
        Event {
            action: "exit_plan.read",
            entity_type: "exit_plan",
            entity_id: Some(view.plan.id.to_string()),
            participant_id: Some(participant_id),
            detail: None,
        },
    )?;
    Ok(view)
}

fn view(
    conn: &mut DbConnection,
    plan: ExitPlan,
    case_reference: String,
) -> Result<PlanView, PlanError> {
    let pathways = exit_plan_pathways::table
        .filter(exit_plan_pathways::plan_id.eq(plan.id))
        .select(Pathway::as_select())
        .load(conn)?;
    // Keep the PRODUCT.md order, whatever the database returns.
    let mut pathways: Vec<Pathway> = pathways;
    pathways.sort_by_key(|p| PATHWAYS.iter().position(|k| *k == p.pathway));
    let rows: Vec<(Milestone, Option<String>)> = milestones::table
        .left_join(agencies_t::table)
        .filter(milestones::plan_id.eq(plan.id))
        .order((milestones::due_on.asc(), milestones::id.asc()))
        .select((Milestone::as_select(), agencies_t::name.nullable()))
        .load(conn)?;
    let planner = crate::reminders::Planner::load(conn)?;
    let milestones = rows
        .into_iter()
        .map(|(m, agency_name)| {
            let reminders = planner.for_milestone(conn, &m.due(), plan.status == "active")?;
            Ok(MilestoneView {
                milestone: m,
                case_reference: case_reference.clone(),
                agency_name,
                reminders,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok(PlanView {
        plan,
        case_reference,
        pathways,
        milestones,
    })
}

/// Create a plan with all pathways "not started", and (with a template) its milestones. A
/// template's agency kinds become the responsible agency when the participant has a valid
/// sharing basis with exactly that kind of agency (the first by name otherwise stays empty).
#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    input: &PlanInput,
) -> Result<PlanView, PlanError> {
    let fields = input.validate().map_err(PlanError::Invalid)?;
    db::write_transaction(conn, |conn| {
        let (_, case_reference) = editable_participant(conn, actor, participant_id)?;
        if find_plan(conn, participant_id)?.is_some() {
            return Err(PlanError::Exists);
        }
        let template = match input.template_id {
            None => None,
            Some(id) => Some(
                template_items(conn, id)?.ok_or_else(|| invalid("template_id", "error-choice"))?,
            ),
        };
        let t = now();
        diesel::insert_into(exit_plans::table)
            .values((
                exit_plans::participant_id.eq(participant_id),
                exit_plans::target_release_date.eq(fields.target_release_date),
                exit_plans::release_type.eq(&fields.release_type),
                exit_plans::status.eq(&fields.status),
                exit_plans::version.eq(1),
                exit_plans::created_at.eq(t),
                exit_plans::updated_at.eq(t),
            ))
            .execute(conn)?;
        let plan = find_plan(conn, participant_id)?
            .ok_or_else(|| DbError::Query("plan vanished after insert".into()))?;
        for pathway in PATHWAYS {
            diesel::insert_into(exit_plan_pathways::table)
                .values((
                    exit_plan_pathways::plan_id.eq(plan.id),
                    exit_plan_pathways::pathway.eq(pathway),
                    exit_plan_pathways::status.eq("not_started"),
                    exit_plan_pathways::responsible.eq(""),
                    exit_plan_pathways::updated_at.eq(t),
                ))
                .execute(conn)?;
        }
        let mut created = 0;
        if let Some(items) = template {
            let partners = partner_agencies(conn, participant_id, fields.target_release_date)?;
            for item in items {
                let agency = item
                    .agency_kind
                    .as_deref()
                    .and_then(|kind| partners.iter().find(|a| a.kind == kind).map(|a| a.id));
                insert_milestone(
                    conn,
                    &plan,
                    &MilestoneFields {
                        kind: item.kind,
                        title: item.title,
                        due: Due::FromRelease(item.offset_days),
                        responsible_agency_id: agency,
                        status: "planned".into(),
                        note: String::new(),
                    },
                )?;
                created += 1;
            }
        }
        audit::record(
            conn,
            who,
            Event {
                action: "exit_plan.create",
                entity_type: "exit_plan",
                entity_id: Some(plan.id.to_string()),
                participant_id: Some(participant_id),
                detail: Some(serde_json::json!({
                    "target_release_date": plan.target_release_date,
                    "template_id": input.template_id,
                    "milestones": created,
                })),
            },
        )?;
        view(conn, plan, case_reference)
    })
}

/// Active agencies with a sharing basis for the participant valid on `day`, by name.
fn partner_agencies(
    conn: &mut DbConnection,
    participant_id: i64,
    day: NaiveDate,
) -> Result<Vec<Agency>, DbError> {
    let ids: Vec<i64> = sharing_bases::table
        .filter(sharing_bases::participant_id.eq(participant_id))
        .filter(
            sharing_bases::valid_from
                .le(day)
                .or(sharing_bases::valid_from.le(crate::kernel::time::today_utc())),
        )
        .filter(
            sharing_bases::valid_until
                .is_null()
                .or(sharing_bases::valid_until.ge(crate::kernel::time::today_utc())),
        )
        .select(sharing_bases::agency_id)
        .load(conn)?;
    Ok(agencies_t::table
        .filter(agencies_t::id.eq_any(ids))
        .filter(agencies_t::active.eq(true))
        .order(agencies_t::name.asc())
        .select(Agency::as_select())
        .load(conn)?)
}

fn insert_milestone(
    conn: &mut DbConnection,
    plan: &ExitPlan,
    m: &MilestoneFields,
) -> Result<i64, PlanError> {
    if let Some(agency) = m.responsible_agency_id {
        if agencies::find(conn, agency)?.is_none() {
            return Err(invalid("responsible_agency_id", "error-choice"));
        }
    }
    let t = now();
    diesel::insert_into(milestones::table)
        .values((
            milestones::plan_id.eq(plan.id),
            milestones::participant_id.eq(plan.participant_id),
            milestones::kind.eq(&m.kind),
            milestones::title.eq(&m.title),
            milestones::offset_days.eq(m.due.offset()),
            milestones::due_on.eq(m.due.date(plan.target_release_date)),
            milestones::responsible_agency_id.eq(m.responsible_agency_id),
            milestones::status.eq(&m.status),
            milestones::note.eq(&m.note),
            milestones::version.eq(1),
            milestones::created_at.eq(t),
            milestones::updated_at.eq(t),
        ))
        .execute(conn)?;
    Ok(milestones::table
        .filter(milestones::plan_id.eq(plan.id))
        .order(milestones::id.desc())
        .select(milestones::id)
        .first(conn)?)
}

/// Change the release date, type or status. Offset milestones move with the date; reminders
/// queued for dates that no longer hold (or for a withdrawn plan) are cancelled.
#[tracing::instrument(skip_all)]
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    version: Option<i32>,
    input: &PlanInput,
) -> Result<PlanView, PlanError> {
    let version = version.ok_or(PlanError::VersionRequired)?;
    let fields = input.validate().map_err(PlanError::Invalid)?;
    db::write_transaction(conn, |conn| {
        let (_, case_reference) = editable_participant(conn, actor, participant_id)?;
        let plan = find_plan(conn, participant_id)?.ok_or(PlanError::NotFound)?;
        if plan.version != version {
            return Err(PlanError::Stale);
        }
        let t = now();
        diesel::update(exit_plans::table.find(plan.id))
            .set((
                exit_plans::target_release_date.eq(fields.target_release_date),
                exit_plans::release_type.eq(&fields.release_type),
                exit_plans::status.eq(&fields.status),
                exit_plans::version.eq(version + 1),
                exit_plans::updated_at.eq(t),
            ))
            .execute(conn)?;
        let moved = fields.target_release_date != plan.target_release_date;
        if moved {
            let offsets: Vec<(i64, i32)> = milestones::table
                .filter(milestones::plan_id.eq(plan.id))
                .filter(milestones::offset_days.is_not_null())
                .select((milestones::id, milestones::offset_days.assume_not_null()))
                .load(conn)?;
            for (id, days) in offsets {
                diesel::update(milestones::table.find(id))
                    .set((
                        milestones::due_on
                            .eq(Due::FromRelease(days).date(fields.target_release_date)),
                        milestones::updated_at.eq(t),
                    ))
                    .execute(conn)?;
            }
        }
        crate::outbox::cancel_stale_for_participant(
            conn,
            participant_id,
            &crate::participants::access::Gate,
        )?;
        audit::record(
            conn,
            who,
            Event {
                action: "exit_plan.update",
                entity_type: "exit_plan",
                entity_id: Some(plan.id.to_string()),
                participant_id: Some(participant_id),
                detail: Some(serde_json::json!({
                    "from": plan.target_release_date,
                    "to": fields.target_release_date,
                    "status": fields.status,
                })),
            },
        )?;
        let plan = find_plan(conn, participant_id)?.ok_or(PlanError::NotFound)?;
        view(conn, plan, case_reference)
    })
}

#[tracing::instrument(skip_all)]
pub fn update_pathway(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    pathway: &str,
    version: Option<i32>,
    input: &PathwayInput,
) -> Result<Pathway, PlanError> {
    let version = version.ok_or(PlanError::VersionRequired)?;
    let mut e = FieldErrors::default();
    let status =
        crate::kernel::validate::one_of(&mut e, "status", &input.status, &PATHWAY_STATUSES);
    let responsible = input
        .responsible
        .clone()
        .unwrap_or_default()
        .trim()
        .to_string();
    if responsible.chars().count() > 200 {
        e.too_long("responsible", 200);
    }
    let status = match status {
        Some(s) if e.is_empty() => s,
        _ => return Err(PlanError::Invalid(e)),
    };
    if !PATHWAYS.contains(&pathway) {
        return Err(PlanError::NotFound);
    }
    db::write_transaction(conn, |conn| {
        editable_participant(conn, actor, participant_id)?;
        let plan = find_plan(conn, participant_id)?.ok_or(PlanError::NotFound)?;
        let changed = diesel::update(
            exit_plan_pathways::table
                .filter(exit_plan_pathways::plan_id.eq(plan.id))
                .filter(exit_plan_pathways::pathway.eq(pathway))
                .filter(exit_plan_pathways::version.eq(version)),
        )
        .set((
            exit_plan_pathways::status.eq(&status),
            exit_plan_pathways::responsible.eq(&responsible),
            exit_plan_pathways::version.eq(version + 1),
            exit_plan_pathways::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(PlanError::Stale);
        }
        audit::record(
            conn,
            who,
            Event {
                action: "exit_plan.pathway",
                entity_type: "exit_plan",
                entity_id: Some(plan.id.to_string()),
                participant_id: Some(participant_id),
                detail: Some(serde_json::json!({ "pathway": pathway, "status": status })),
            },
        )?;
        Ok(Pathway {
            pathway: pathway.to_string(),
            status,
            responsible,
            version: version + 1,
        })
    })
}

/// Add a milestone to a participant's plan.
#[tracing::instrument(skip_all)]
pub fn add_milestone(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    input: &MilestoneInput,
) -> Result<Milestone, PlanError> {
    let fields = input.validate().map_err(PlanError::Invalid)?;
    db::write_transaction(conn, |conn| {
        editable_participant(conn, actor, participant_id)?;
        let plan = find_plan(conn, participant_id)?.ok_or(PlanError::NotFound)?;
        let id = insert_milestone(conn, &plan, &fields)?;
        audit::record(
            conn,
            who,
            Event {
                action: "milestone.create",
                entity_type: "milestone",
                entity_id: Some(id.to_string()),
                participant_id: Some(participant_id),
                detail: Some(serde_json::json!({ "kind": fields.kind })),
            },
        )?;
        find_milestone(conn, id)?.ok_or(PlanError::NotFound)
    })
}

pub fn find_milestone(conn: &mut DbConnection, id: i64) -> Result<Option<Milestone>, DbError> {
    Ok(milestones::table
        .find(id)
        .select(Milestone::as_select())
        .first(conn)
        .optional()?)
}

/// How `actor` may act on a milestone: see it, record progress, or change everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MilestoneAccess {
    None,
    Read,
    Progress,
    Edit,
}

/// Agency users reach their agency's milestones only while a sharing basis is valid; probation
/// officers the milestones of their own cases; others through the participant.
pub fn milestone_access(
    conn: &mut DbConnection,
    actor: &Actor,
    m: &Milestone,
) -> Result<MilestoneAccess, DbError> {
    if actor.role == Role::AgencyUser {
        let Some(agency) = actor
            .agency_id
            .filter(|a| Some(*a) == m.responsible_agency_id)
        else {
            return Ok(MilestoneAccess::None);
        };
        let agency_ok = agencies::find(conn, agency)?.is_some_and(|a| a.may_receive());
        let plan_active: bool = exit_plans::table
            .find(m.plan_id)
            .select(exit_plans::status.eq("active"))
            .first(conn)?;
        let open = participant_scope::open_to_user(conn, actor.id.0, m.participant_id)?;
        let basis = agencies::has_valid_basis(
            conn,
            m.participant_id,
            agency,
            crate::kernel::time::today_utc(),
        )?;
        let allowed = agency_ok && plan_active && open && basis;
        return Ok(if allowed {
            MilestoneAccess::Progress
        } else {
            MilestoneAccess::None
        });
    }
    let site: Option<i64> = participant_scope::visible_to(actor)
        .filter(participants::id.eq(m.participant_id))
        .select(participants::site_id)
        .first(conn)
        .optional()?;
    Ok(match site {
        None => MilestoneAccess::None,
        Some(site) if participant_scope::may_edit(actor, site) => MilestoneAccess::Edit,
        Some(_) if actor.role == Role::ProbationOfficer => MilestoneAccess::Progress,
        Some(_) => MilestoneAccess::Read,
    })
}

#[tracing::instrument(skip_all)]
pub fn read_milestone(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> Result<MilestoneView, PlanError> {
    let m = find_milestone(conn, id)?.ok_or(PlanError::NotFound)?;
    if milestone_access(conn, actor, &m)? == MilestoneAccess::None {
        return Err(PlanError::NotFound);
    }
    audit::record(
        conn,
        who,
        Event {
            action: "milestone.read",
            entity_type: "milestone",
            entity_id: Some(id.to_string()),
            participant_id: Some(m.participant_id),
            detail: None,
        },
    )?;
    milestone_view(conn, m)
}

fn milestone_view(conn: &mut DbConnection, m: Milestone) -> Result<MilestoneView, PlanError> {
    let case_reference: String = participants::table
        .find(m.participant_id)
        .select(participants::case_reference)
        .first(conn)?;
    let agency_name = match m.responsible_agency_id {
        Some(a) => agencies::find(conn, a)?.map(|a| a.name),
        None => None,
    };
    let active: bool = exit_plans::table
        .find(m.plan_id)
        .select(exit_plans::status.eq("active"))
        .first(conn)?;
    let reminders = crate::reminders::Planner::load(conn)?.for_milestone(conn, &m.due(), active)?;
    Ok(MilestoneView {
        milestone: m,
        case_reference,
        agency_name,
        reminders,
    })
}

/// Change a milestone. Coordinators and admins may change everything; agency users and
/// probation officers only the status and note of milestones they own.
#[tracing::instrument(skip_all)]
pub fn update_milestone(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
    version: Option<i32>,
    input: &MilestoneInput,
) -> Result<MilestoneView, PlanError> {
    let version = version.ok_or(PlanError::VersionRequired)?;
    db::write_transaction(conn, |conn| {
        let current = find_milestone(conn, id)?.ok_or(PlanError::NotFound)?;
        let access = milestone_access(conn, actor, &current)?;
        if access == MilestoneAccess::None {
            return Err(PlanError::NotFound);
        }
        if current.version != version {
            return Err(PlanError::Stale);
        }
        let t = now();
        if access == MilestoneAccess::Edit {
            let fields = input.validate().map_err(PlanError::Invalid)?;
            if let Some(agency) = fields.responsible_agency_id {
                if agencies::find(conn, agency)?.is_none() {
                    return Err(invalid("responsible_agency_id", "error-choice"));
                }
            }
            let release: NaiveDate = exit_plans::table
                .find(current.plan_id)
                .select(exit_plans::target_release_date)
                .first(conn)?;
            diesel::update(milestones::table.find(id))
                .set((
                    milestones::kind.eq(&fields.kind),
                    milestones::title.eq(&fields.title),
                    milestones::offset_days.eq(fields.due.offset()),
                    milestones::due_on.eq(fields.due.date(release)),
                    milestones::responsible_agency_id.eq(fields.responsible_agency_id),
                    milestones::status.eq(&fields.status),
                    milestones::note.eq(&fields.note),
                    milestones::version.eq(version + 1),
                    milestones::updated_at.eq(t),
                ))
                .execute(conn)?;
        } else if access == MilestoneAccess::Progress {
            let mut e = FieldErrors::default();
            let status = crate::kernel::validate::one_of(
                &mut e,
                "status",
                &input.status,
                &MILESTONE_STATUSES,
            );
            let note = input.note.clone().unwrap_or_default().trim().to_string();
            if note.chars().count() > 2000 {
                e.too_long("note", 2000);
            }
            let status = match status {
                Some(s) if e.is_empty() => s,
                _ => return Err(PlanError::Invalid(e)),
            };
            diesel::update(milestones::table.find(id))
                .set((
                    milestones::status.eq(&status),
                    milestones::note.eq(&note),
                    milestones::version.eq(version + 1),
                    milestones::updated_at.eq(t),
                ))
                .execute(conn)?;
        } else {
            return Err(PlanError::Forbidden);
        }
        crate::outbox::cancel_stale_for_participant(
            conn,
            current.participant_id,
            &crate::participants::access::Gate,
        )?;
        audit::record(
            conn,
            who,
            Event {
                action: "milestone.update",
                entity_type: "milestone",
                entity_id: Some(id.to_string()),
                participant_id: Some(current.participant_id),
                detail: None,
            },
        )?;
        let m = find_milestone(conn, id)?.ok_or(PlanError::NotFound)?;
        milestone_view(conn, m)
    })
}

/// Filters of the milestone list.
#[derive(Debug, Clone, Default)]
pub struct MilestoneFilter {
    /// Part of the case reference or title.
    pub q: String,
    /// `open` (planned or in progress), `overdue`, or any one status.
    pub status: Option<String>,
    /// Only milestones due on or after this date.
    pub due_from: Option<NaiveDate>,
    /// Only milestones due on or before this date.
    pub due_until: Option<NaiveDate>,
}

/// One line of the milestone list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, Queryable)]
pub struct MilestoneLine {
    pub id: i64,
    pub participant_id: i64,
    pub case_reference: String,
    pub kind: String,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub agency_name: Option<String>,
    pub version: i32,
}

/// The milestones `actor` may see, soonest first. Agency users: their agency's, only where a
/// sharing basis is valid today; others: those of the participants they may see.
#[tracing::instrument(skip_all)]
pub fn list_milestones(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    filter: &MilestoneFilter,
    page: Page,
) -> Result<(Vec<MilestoneLine>, i64), PlanError> {
    let today = crate::kernel::time::today_utc();
    if actor.role == Role::Auditor {
        return Err(PlanError::Forbidden);
    }
    let me = actor.id.0;
    // The scope of `participants::access::visible_to`, written onto this join (a boxed scope
    // query cannot be nested through MultiConnection), plus the agency rule: an agency user
    // sees their agency's milestones of people with a basis valid today.
    let build = || {
        let mut q = milestones::table
            .inner_join(participants::table)
            .left_join(agencies_t::table)
            .inner_join(exit_plans::table)
            .into_boxed::<db::MultiBackend>();
        q = match actor.role {
            Role::Admin | Role::Auditor => q,
            Role::Coordinator => {
                q.filter(participants::site_id.eq(actor.site_id.map(|s| s.0).unwrap_or(-1)))
            }
            Role::Mentor => q.filter(
                participants::id.eq_any(
                    participant_mentors::table
                        .filter(participant_mentors::user_id.eq(me))
                        .select(participant_mentors::participant_id),
                ),
            ),
            Role::ProbationOfficer => q.filter(participants::probation_officer_id.eq(me)),
            Role::AgencyUser => q
                .filter(milestones::responsible_agency_id.eq(actor.agency_id.unwrap_or(-1)))
                .filter(agencies_t::active.eq(true))
                .filter(agencies_t::vetting_status.eq("vetted"))
                .filter(
                    participants::id.eq_any(
                        sharing_bases::table
                            .filter(sharing_bases::agency_id.eq(actor.agency_id.unwrap_or(-1)))
                            .filter(sharing_bases::valid_from.le(today))
                            .filter(
                                sharing_bases::valid_until
                                    .is_null()
                                    .or(sharing_bases::valid_until.ge(today)),
                            )
                            .select(sharing_bases::participant_id),
                    ),
                ),
        };
        // Restricted people: named staff only, whatever the role.
        q = q.filter(participant_scope::open_to(me));
        let text = filter.q.trim();
        if !text.is_empty() {
            let pattern = db::like_pattern(&text.to_lowercase());
            q = q.filter(
                participants::case_reference
                    .like(db::like_pattern(&text.to_uppercase()))
                    .escape('\\')
                    .or(crate::db::lower(milestones::title)
                        .like(pattern)
                        .escape('\\')),
            );
        }
        match filter.status.as_deref() {
            Some("open") => q = q.filter(milestones::status.eq_any(OPEN_STATUSES)),
            Some("overdue") => {
                q = q
                    .filter(milestones::status.eq_any(OPEN_STATUSES))
                    .filter(milestones::due_on.lt(today))
            }
            Some(s) => q = q.filter(milestones::status.eq(s.to_string())),
            None => {}
        }
        if let Some(from) = filter.due_from {
            q = q.filter(milestones::due_on.ge(from));
        }
        if let Some(until) = filter.due_until {
            q = q.filter(milestones::due_on.le(until));
        }
        q.filter(exit_plans::status.eq("active"))
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order((milestones::due_on.asc(), milestones::id.asc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            milestones::id,
            milestones::participant_id,
            participants::case_reference,
            milestones::kind,
            milestones::title,
            milestones::due_on,
            milestones::status,
            agencies_t::name.nullable(),
            milestones::version,
        ))
        .load::<MilestoneLine>(conn)?;
    // Each person whose case reference is shown gets a read on their trail.
    let mut shown: Vec<i64> = items.iter().map(|m| m.participant_id).collect();
    shown.sort_unstable();
    shown.dedup();
    audit::record_reads(conn, who, "milestone.list", "milestone", "list", &shown)?;
    Ok((items, total))
}

/// A plan template with its milestones.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub milestones: Vec<TemplateMilestone>,
}

pub fn templates(conn: &mut DbConnection) -> Result<Vec<TemplateView>, DbError> {
    let heads: Vec<(i64, String, String)> = plan_templates::table
        .filter(plan_templates::active.eq(true))
        .order(plan_templates::name.asc())
        .select((
            plan_templates::id,
            plan_templates::name,
            plan_templates::description,
        ))
        .load(conn)?;
    heads
        .into_iter()
        .map(|(id, name, description)| {
            Ok(TemplateView {
                milestones: template_items(conn, id)?.unwrap_or_default(),
                id,
                name,
                description,
            })
        })
        .collect()
}

fn template_items(
    conn: &mut DbConnection,
    id: i64,
) -> Result<Option<Vec<TemplateMilestone>>, DbError> {
    let exists: i64 = plan_templates::table
        .filter(plan_templates::id.eq(id))
        .filter(plan_templates::active.eq(true))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        return Ok(None);
    }
    Ok(Some(
        plan_template_milestones::table
            .filter(plan_template_milestones::template_id.eq(id))
            .order((
                plan_template_milestones::offset_days.asc(),
                plan_template_milestones::id.asc(),
            ))
            .select(TemplateMilestone::as_select())
            .load(conn)?,
    ))
}

/// Add a template (admins).
#[tracing::instrument(skip_all)]
pub fn create_template(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    input: &TemplateInput,
) -> Result<TemplateView, PlanError> {
    if actor.role != Role::Admin {
        return Err(PlanError::Forbidden);
    }
    let (name, description, items) = input.validate().map_err(PlanError::Invalid)?;
    db::write_transaction(conn, |conn| {
        add_template(conn, who, &name, &description, &items)
    })
}

/// Insert a template (also used by the demo and the default data).
#[tracing::instrument(skip_all)]
pub fn add_template(
    conn: &mut DbConnection,
    who: &Who,
    name: &str,
    description: &str,
    items: &[TemplateMilestone],
) -> Result<TemplateView, PlanError> {
    let taken: i64 = plan_templates::table
        .filter(plan_templates::name.eq(name))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(invalid("name", "error-name-taken"));
    }
    diesel::insert_into(plan_templates::table)
        .values((
            plan_templates::name.eq(name),
            plan_templates::description.eq(description),
            plan_templates::active.eq(true),
            plan_templates::created_at.eq(now()),
        ))
        .execute(conn)?;
    let id: i64 = plan_templates::table
        .filter(plan_templates::name.eq(name))
        .select(plan_templates::id)
        .first(conn)?;
    for item in items {
        diesel::insert_into(plan_template_milestones::table)
            .values((
                plan_template_milestones::template_id.eq(id),
                plan_template_milestones::kind.eq(&item.kind),
                plan_template_milestones::title.eq(&item.title),
                plan_template_milestones::offset_days.eq(item.offset_days),
                plan_template_milestones::agency_kind.eq(&item.agency_kind),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        who,
        Event {
            action: "plan_template.create",
            entity_type: "plan_template",
            entity_id: Some(id.to_string()),
            participant_id: None,
            detail: Some(serde_json::json!({ "name": name })),
        },
    )?;
    Ok(TemplateView {
        id,
        name: name.to_string(),
        description: description.to_string(),
        milestones: items.to_vec(),
    })
}

/// The plan template a new installation starts with (offsets in days from release; a risk
/// review before release is part of it).
pub fn default_template() -> Vec<TemplateMilestone> {
    let item = |kind: &str, offset_days: i32, agency: Option<&str>| TemplateMilestone {
        kind: kind.into(),
        title: crate::i18n::t(&crate::i18n::DEFAULT_LANG, &format!("milestone-{kind}")),
        offset_days,
        agency_kind: agency.map(str::to_string),
    };
    vec![
        item("risk_review", -112, Some("probation")),
        item("case_conference", -98, Some("probation")),
        item("probation_officer_allocated", -84, Some("probation")),
        item("handover_meeting", -56, Some("probation")),
        item("accommodation_confirmed", -28, Some("housing")),
        item("id_documents", -28, Some("ngo")),
        item("health_handover", -14, Some("health")),
        item("benefits", -14, Some("employment")),
        item("bank_account", -14, Some("ngo")),
        item("work_or_training", -7, Some("employment")),
        item("release_day_plan", -7, Some("ngo")),
        item("first_probation_appointment", 1, Some("probation")),
        item("mentor_first_contact", 3, Some("ngo")),
    ]
}

pub const DEFAULT_TEMPLATE_NAME: &str = "Standard pre-release plan";

/// Add the default template when there is no template at all.
pub fn ensure_default_template(conn: &mut DbConnection) -> Result<(), PlanError> {
    db::write_transaction(conn, |conn| {
        let n: i64 = plan_templates::table.count().get_result(conn)?;
        if n == 0 {
            add_template(
                conn,
                &Who::system("defaults"),
                DEFAULT_TEMPLATE_NAME,
                "Milestones every release needs, from the risk review 16 weeks before release to the first contacts after it.",
                &default_template(),
            )?;
        }
        Ok(())
    })
}
