//! Risk reviews: the outcome of an external, certified assessment instrument (its name, the
//! level it gave, who assessed, when, and when it must be reviewed). Onward records and schedules
//! reviews; it never scores or stores the instrument's items. Notes are sealed at rest like
//! progress narratives. A review-by date becomes a `risk_review` milestone on the exit plan, so
//! the reminder rules remind people of it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Event, Who};
use crate::crypto::Keyring;
use crate::db::schema::{milestones, participants, risk_reviews};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::paging::Page;
use crate::kernel::validate::{parse_date, required_line};
use crate::kernel::FieldErrors;
use crate::kernel::{Actor, Role};
use crate::participants::access as participant_scope;
use crate::progress_notes::NoteError;

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// The certified instrument's name, e.g. "VERA-2R".
    pub instrument: Option<String>,
    /// The level the instrument gave, as it words it (e.g. "moderate").
    pub level: Option<String>,
    pub assessor: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    pub assessed_on: Option<String>,
    /// `YYYY-MM-DD`: when the next review is due (becomes a milestone of the exit plan).
    pub review_by: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub id: i64,
    pub participant_id: i64,
    pub instrument: String,
    pub level: String,
    pub assessor: String,
    pub assessed_on: NaiveDate,
    pub review_by: Option<NaiveDate>,
    pub notes: String,
    /// The exit-plan milestone that carries the review-by date, if the participant has a plan.
    pub milestone_id: Option<i64>,
    #[serde(serialize_with = "crate::kernel::time::utc")]
    pub created_at: NaiveDateTime,
}

/// Coordinators of the participant's site and the participant's probation officer record and
/// read risk reviews; nobody else.
pub fn may_handle(actor: &Actor, site: i64, officer: Option<i64>) -> bool {
    match actor.role {
        Role::Coordinator => participant_scope::may_edit(actor, site),
        Role::ProbationOfficer => officer == Some(actor.id.0),
        _ => false,
    }
}

/// The case reference of a participant `actor` can see, and whether they may handle its risk
/// reviews; `NotFound` when they cannot see the participant.
pub fn access(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: i64,
) -> Result<(String, bool), NoteError> {
    let (site, officer, case_reference): (i64, Option<i64>, String) =
        participant_scope::visible_to(actor)
            .filter(participants::id.eq(participant_id))
            .select((
                participants::site_id,
                participants::probation_officer_id,
                participants::case_reference,
            ))
            .first(conn)
            .optional()?
            .ok_or(NoteError::NotFound)?;
    Ok((case_reference, may_handle(actor, site, officer)))
}

fn participant(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<(i64, Option<i64>), NoteError> {
    participant_scope::visible_to(actor)
        .filter(participants::id.eq(id))
        .select((participants::site_id, participants::probation_officer_id))
        .first(conn)
        .optional()?
        .ok_or(NoteError::NotFound)
}

#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    input: &ReviewInput,
) -> Result<ReviewView, NoteError> {
    let keys = keys.ok_or(NoteError::NoKey)?;
    let mut e = FieldErrors::default();
    let instrument = required_line(&mut e, "instrument", &input.instrument, 100);
    let level = required_line(&mut e, "level", &input.level, 100);
    let assessor = required_line(&mut e, "assessor", &input.assessor, 200);
    let assessed_on = parse_date(&mut e, "assessed_on", &input.assessed_on);
    let today = crate::participants::store::local_today(conn, participant_id)?;
    if assessed_on.is_some_and(|d| d > today) {
        e.add("assessed_on", "error-date-future");
    }
    let review_by = match input.review_by.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(_) => parse_date(&mut e, "review_by", &input.review_by),
    };
    if let (Some(a), Some(r)) = (assessed_on, review_by) {
        if r < a {
            e.add("review_by", "error-review-before-assessment");
        }
    }
    let notes = input.notes.clone().unwrap_or_default().trim().to_string();
    if notes.chars().count() > 20_000 {
        e.too_long("notes", 20_000);
    }
    let (Some(instrument), Some(level), Some(assessor), Some(assessed_on)) =
        (instrument, level, assessor, assessed_on)
    else {
        return Err(NoteError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(NoteError::Invalid(e));
    }
    db::write_transaction(conn, |conn| {
        let (site, officer) = participant(conn, actor, participant_id)?;
        if !may_handle(actor, site, officer) {
            return Err(NoteError::Forbidden);
        }
        // The review-by date joins the exit plan as a milestone, so reminder rules cover it.
        let milestone_id = match (
            review_by,
            crate::exit_plans::find_plan(conn, participant_id)?,
        ) {
            (Some(date), Some(plan)) => {
                let t = now();
                diesel::insert_into(milestones::table)
                    .values((
                        milestones::plan_id.eq(plan.id),
                        milestones::participant_id.eq(participant_id),
                        milestones::kind.eq("risk_review"),
                        milestones::title.eq(crate::i18n::t(
                            &crate::i18n::DEFAULT_LANG,
                            "milestone-risk_review_due",
                        )),
                        milestones::due_on.eq(date),
                        milestones::status.eq("planned"),
                        milestones::note.eq(""),
                        milestones::version.eq(1),
                        milestones::created_at.eq(t),
                        milestones::updated_at.eq(t),
                    ))
                    .execute(conn)?;
                Some(
                    milestones::table
                        .filter(milestones::plan_id.eq(plan.id))
                        .order(milestones::id.desc())
                        .select(milestones::id)
                        .first::<i64>(conn)?,
                )
            }
            _ => None,
        };
        let t = now();
        diesel::insert_into(risk_reviews::table)
            .values((
                risk_reviews::participant_id.eq(participant_id),
                risk_reviews::recorded_by.eq(actor.id.0),
                risk_reviews::instrument.eq(&instrument),
                risk_reviews::level.eq(&level),
                risk_reviews::assessor.eq(&assessor),
                risk_reviews::assessed_on.eq(assessed_on),
                risk_reviews::review_by.eq(review_by),
                risk_reviews::notes.eq(keys.seal(&notes)),
                risk_reviews::milestone_id.eq(milestone_id),
                risk_reviews::created_at.eq(t),
            ))
            .execute(conn)?;
        let id: i64 = risk_reviews::table
            .filter(risk_reviews::participant_id.eq(participant_id))
            .order(risk_reviews::id.desc())
            .select(risk_reviews::id)
            .first(conn)?;
        audit::record(
            conn,
            who,
            Event {
                action: "risk_review.create",
                entity_type: "risk_review",
                entity_id: Some(id.to_string()),
                participant_id: Some(participant_id),
                detail: Some(serde_json::json!({ "review_by": review_by })),
            },
        )?;
        Ok(ReviewView {
            id,
            participant_id,
            instrument,
            level,
            assessor,
            assessed_on,
            review_by,
            notes,
            milestone_id,
            created_at: t,
        })
    })
}

#[derive(Queryable)]
struct ReviewRow {
    id: i64,
    participant_id: i64,
    instrument: String,
    level: String,
    assessor: String,
    assessed_on: NaiveDate,
    review_by: Option<NaiveDate>,
    notes: String,
    milestone_id: Option<i64>,
    created_at: NaiveDateTime,
}

/// A participant's reviews, newest first, for those who may handle them; the read is audited.
#[tracing::instrument(skip_all)]
pub fn list(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
) -> Result<Vec<ReviewView>, NoteError> {
    list_page(conn, keys, actor, who, participant_id, None).map(|(reviews, _)| reviews)
}

/// One page of a participant's reviews (all of them without `page`), newest first, with how
/// many there are, for those who may handle them; the read is audited.
#[tracing::instrument(skip_all)]
pub fn list_page(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    page: Option<Page>,
) -> Result<(Vec<ReviewView>, i64), NoteError> {
    let (site, officer) = participant(conn, actor, participant_id)?;
    if !may_handle(actor, site, officer) {
        return Ok((Vec::new(), 0));
    }
    let total: i64 = risk_reviews::table
        .filter(risk_reviews::participant_id.eq(participant_id))
        .count()
        .get_result(conn)?;
    let mut q = risk_reviews::table
        .filter(risk_reviews::participant_id.eq(participant_id))
        .into_boxed::<db::MultiBackend>();
    if let Some(page) = page {
        q = q.limit(page.per_page).offset(page.offset());
    }
    let rows: Vec<ReviewRow> = q
        .order((risk_reviews::assessed_on.desc(), risk_reviews::id.desc()))
        .select((
            risk_reviews::id,
            risk_reviews::participant_id,
            risk_reviews::instrument,
            risk_reviews::level,
            risk_reviews::assessor,
            risk_reviews::assessed_on,
            risk_reviews::review_by,
            risk_reviews::notes,
            risk_reviews::milestone_id,
            risk_reviews::created_at,
        ))
        .load(conn)?;
    if rows.is_empty() {
        return Ok((Vec::new(), total));
    }
    let keys = keys.ok_or(NoteError::NoKey)?;
    let out = rows
        .into_iter()
        .map(|r| {
            let notes = keys
                .open(&r.notes)
                .map_err(|e| NoteError::Db(DbError::Query(format!("risk review {}: {e}", r.id))))?;
            Ok(ReviewView {
                id: r.id,
                participant_id: r.participant_id,
                instrument: r.instrument,
                level: r.level,
                assessor: r.assessor,
                assessed_on: r.assessed_on,
                review_by: r.review_by,
                notes,
                milestone_id: r.milestone_id,
                created_at: r.created_at,
            })
        })
        .collect::<Result<Vec<_>, NoteError>>()?;
    audit::record_reads(
        conn,
        who,
        "risk_review.read",
        "participant",
        &participant_id.to_string(),
        &[participant_id],
    )?;
    Ok((out, total))
}
