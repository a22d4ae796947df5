//! Programme delivery: the programme catalogue, cohorts at a site, their sessions (one at a time
//! or as a weekly/fortnightly cadence that skips the site's public holidays), rescheduling and
//! cancelling with reasons, and double-booking checks.

pub mod access;
pub mod clashes;
pub mod holidays;
pub mod model;
pub mod schedule;
pub mod store;

use std::collections::HashSet;

use actix_web::http::StatusCode;
use chrono::Duration;
use diesel::prelude::*;
use serde_json::json;

use crate::audit::{self, Event, Who};
use crate::db::schema::{
    cohort_facilitators, cohort_sessions, cohorts, programmes, site_holidays, users,
};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};
use clashes::{Candidate, Clash};
use model::*;
use store::{CohortView, SessionView};

#[derive(Debug, thiserror::Error)]
pub enum ProgrammeError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(FieldErrors),
    /// The booking would clash and no override reason was given.
    #[error("double booking")]
    Clash(Vec<Clash>),
    #[error("stale version")]
    Stale,
    /// A change came without the version it was based on.
    #[error("no version given")]
    VersionRequired,
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ProgrammeError {
    fn from(e: diesel::result::Error) -> Self {
        ProgrammeError::Db(e.into())
    }
}

impl From<ProgrammeError> for Problem {
    fn from(e: ProgrammeError) -> Self {
        match e {
            ProgrammeError::NotFound => Problem::not_found(),
            ProgrammeError::Invalid(errors) => Problem::invalid(errors),
            ProgrammeError::Clash(clashes) => {
                let first = clashes.first().map(describe).unwrap_or_default();
                let mut p = Problem::with_detail(
                    StatusCode::CONFLICT,
                    "problem-clash",
                    crate::kernel::Message::Text(first),
                );
                p.extensions.insert("clashes".into(), json!(clashes));
                p
            }
            ProgrammeError::Stale => {
                Problem::conflict(crate::kernel::Message::new("problem-stale-simple"))
            }
            ProgrammeError::VersionRequired => Problem::new(
                StatusCode::PRECONDITION_REQUIRED,
                "problem-version-required",
                "problem-version-required-detail",
            ),
            ProgrammeError::Forbidden => Problem::forbidden(),
            ProgrammeError::Db(e) => e.into(),
        }
    }
}

/// A clash in words: "Room Hall A is booked at 2026-03-16 10:00 by session 14 (Cohort X)".
pub fn describe(c: &Clash) -> String {
    describe_in(c, &crate::i18n::DEFAULT_LANG)
}

/// A clash in `lang`'s words, for a page.
pub fn describe_in(c: &Clash, lang: &unic_langid::LanguageIdentifier) -> String {
    crate::i18n::t_args(
        lang,
        &format!("clash-{}", c.kind.replace('_', "-")),
        &[
            ("what", c.what.clone()),
            ("when", c.starts_at_local.clone()),
            ("session", c.session_id.to_string()),
            ("cohort", c.cohort_name.clone()),
        ],
    )
}

fn invalid(field: &str, key: &str) -> ProgrammeError {
    let mut e = FieldErrors::default();
    e.add(field, key);
    ProgrammeError::Invalid(e)
}

// ---- Catalogue ----

pub fn list_programmes(conn: &mut DbConnection) -> Result<Vec<Programme>, DbError> {
    Ok(programmes::table
        .order(programmes::name.asc())
        .select(Programme::as_select())
        .load(conn)?)
}

#[tracing::instrument(skip_all)]
pub fn create_programme(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    input: &ProgrammeInput,
) -> Result<Programme, ProgrammeError> {
    if !access::may_edit_catalogue(actor) {
        return Err(ProgrammeError::Forbidden);
    }
    let fields = input.validate().map_err(ProgrammeError::Invalid)?;
    db::write_transaction(conn, |conn| {
        let at = now();
        diesel::insert_into(programmes::table)
            .values((
                &fields,
                programmes::version.eq(1),
                programmes::created_at.eq(at),
                programmes::updated_at.eq(at),
            ))
            .execute(conn)
            .map_err(|e| match DbError::from(e) {
                DbError::Constraint(_) => invalid("name", "error-name-taken"),
                other => ProgrammeError::Db(other),
            })?;
        let p: Programme = programmes::table
            .filter(programmes::name.eq(&fields.name))
            .select(Programme::as_select())
            .first(conn)?;
        audit::record(
            conn,
            who,
            Event {
                action: "programme.create",
                entity_type: "programme",
                entity_id: Some(p.id.to_string()),
                participant_id: None,
                detail: Some(json!({ "name": p.name })),
            },
        )?;
        Ok(p)
    })
}

/// Replace a programme's details if it is still at `expected` (its version).
#[tracing::instrument(skip_all)]
pub fn update_programme(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
    expected: Option<i32>,
    input: &ProgrammeInput,
) -> Result<Programme, ProgrammeError> {
    if !access::may_edit_catalogue(actor) {
        return Err(ProgrammeError::Forbidden);
    }
    let expected = expected.ok_or_else(|| invalid("If-Match", "error-if-match"))?;
    let fields = input.validate().map_err(ProgrammeError::Invalid)?;
    db::write_transaction(conn, |conn| {
        store::programme(conn, id)?.ok_or(ProgrammeError::NotFound)?;
        let changed = diesel::update(
            programmes::table
                .find(id)
                .filter(programmes::version.eq(expected)),
        )
        .set((
            &fields,
            programmes::version.eq(expected.saturating_add(1)),
            programmes::updated_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| match DbError::from(e) {
            DbError::Constraint(_) => invalid("name", "error-name-taken"),
            other => ProgrammeError::Db(other),
        })?;
        if changed == 0 {
            return Err(ProgrammeError::Stale);
        }
        audit::record(
            conn,
            who,
            Event {
                action: "programme.update",
                entity_type: "programme",
                entity_id: Some(id.to_string()),
                participant_id: None,
                detail: None,
            },
        )?;
        store::programme(conn, id)?.ok_or(ProgrammeError::NotFound)
    })
}

// ---- Cohorts and sessions ----

/// Check that the facilitator of a session may facilitate: an active mentor or coordinator.
fn check_facilitator(
    conn: &mut DbConnection,
    field: &str,
    id: Option<i64>,
    e: &mut FieldErrors,
) -> Result<(), DbError> {
    if let Some(id) = id {
        let ok: i64 = users::table
            .filter(users::id.eq(id))
            .filter(users::active.eq(true))
            .filter(users::role.eq_any(["mentor", "coordinator"]))
            .count()
            .get_result(conn)?;
        if ok == 0 {
            e.add(field, "error-not-facilitator");
        }
    }
    Ok(())
}

/// Insert sessions after checking every clash; with an override reason clashes are accepted
/// and audited, without one nothing is created and every clash is reported.
#[allow(clippy::too_many_arguments)]
fn insert_sessions(
    conn: &mut DbConnection,
    who: &Who,
    cohort: &CohortRow,
    zone: chrono_tz::Tz,
    times: &[(chrono::NaiveDateTime, chrono::NaiveDateTime)],
    room: &str,
    facilitator_id: Option<i64>,
    override_reason: Option<&str>,
) -> Result<Vec<i64>, ProgrammeError> {
    let mut all_clashes = Vec::new();
    for (start, end) in times {
        all_clashes.extend(clashes::find(
            conn,
            zone,
            &Candidate {
                cohort_id: cohort.id,
                site_id: cohort.site_id,
                starts_at: *start,
                ends_at: *end,
                room,
                facilitator_id,
                moving: None,
                asked_by: who,
            },
        )?);
    }
    if !all_clashes.is_empty() && override_reason.is_none() {
        return Err(ProgrammeError::Clash(all_clashes));
    }
    let at = now();
    let mut ids = Vec::with_capacity(times.len());
    for (start, end) in times {
        diesel::insert_into(cohort_sessions::table)
            .values((
                cohort_sessions::cohort_id.eq(cohort.id),
                cohort_sessions::starts_at.eq(start),
                cohort_sessions::ends_at.eq(end),
                cohort_sessions::room.eq(room),
                cohort_sessions::facilitator_id.eq(facilitator_id),
                cohort_sessions::status.eq("scheduled"),
                cohort_sessions::version.eq(1),
                cohort_sessions::created_at.eq(at),
                cohort_sessions::updated_at.eq(at),
            ))
            .execute(conn)?;
        let id: i64 = cohort_sessions::table
            .filter(cohort_sessions::cohort_id.eq(cohort.id))
            .filter(cohort_sessions::starts_at.eq(start))
            .order(cohort_sessions::id.desc())
            .select(cohort_sessions::id)
            .first(conn)?;
        ids.push(id);
    }
    if !all_clashes.is_empty() {
        audit::record(
            conn,
            who,
            Event {
                action: "session.clash_override",
                entity_type: "cohort",
                entity_id: Some(cohort.id.to_string()),
                participant_id: None,
                detail: Some(
                    json!({ "reason": override_reason, "sessions": ids, "clashes": all_clashes }),
                ),
            },
        )?;
    }
    Ok(ids)
}

fn holidays_of(
    conn: &mut DbConnection,
    site_id: i64,
) -> Result<HashSet<chrono::NaiveDate>, DbError> {
    Ok(site_holidays::table
        .filter(site_holidays::site_id.eq(site_id))
        .select(site_holidays::holiday)
        .load::<chrono::NaiveDate>(conn)?
        .into_iter()
        .collect())
}

fn cadence_times(
    conn: &mut DbConnection,
    site_id: i64,
    zone: chrono_tz::Tz,
    c: &Cadence,
) -> Result<Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)>, DbError> {
    let holidays = holidays_of(conn, site_id)?;
    let dates = schedule::cadence_dates(c.first_date, c.every_weeks, c.count, &holidays);
    Ok(schedule::cadence_sessions(
        zone,
        &dates,
        c.time,
        c.duration_minutes,
    ))
}

/// Create a cohort, and its whole schedule when one is given, in one step.
#[tracing::instrument(skip_all)]
pub fn create_cohort(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    input: &CohortInput,
) -> Result<CohortView, ProgrammeError> {
    let valid = input.validate().map_err(ProgrammeError::Invalid)?;
    if !access::may_manage(actor, valid.site_id) {
        return Err(if matches!(actor.role, Role::Admin | Role::Coordinator) {
            invalid("site_id", "error-own-site-only")
        } else {
            ProgrammeError::Forbidden
        });
    }
    db::write_transaction(conn, |conn| {
        let mut e = FieldErrors::default();
        if store::programme(conn, valid.programme_id)?.is_none() {
            e.add("programme_id", "error-unknown-programme");
        }
        let site = store::site(conn, valid.site_id)?;
        if site.is_none() {
            e.add("site_id", "error-unknown-site");
        }
        for f in &valid.facilitator_ids {
            check_facilitator(conn, "facilitator_ids", Some(*f), &mut e)?;
        }
        if let Some(s) = &valid.schedule {
            check_facilitator(conn, "schedule.facilitator_id", s.facilitator_id, &mut e)?;
        }
        let Some(site) = site.filter(|_| e.is_empty()) else {
            return Err(ProgrammeError::Invalid(e));
        };
        let at = now();
        diesel::insert_into(cohorts::table)
            .values((
                cohorts::programme_id.eq(valid.programme_id),
                cohorts::site_id.eq(valid.site_id),
                cohorts::name.eq(&valid.name),
                cohorts::capacity.eq(valid.capacity),
                cohorts::start_date.eq(valid.start_date),
                cohorts::status.eq("planned"),
                cohorts::version.eq(1),
                cohorts::created_at.eq(at),
                cohorts::updated_at.eq(at),
            ))
            .execute(conn)?;
        let row: CohortRow = cohorts::table
            .order(cohorts::id.desc())
            .filter(cohorts::name.eq(&valid.name))
            .select(CohortRow::as_select())
            .first(conn)?;
        for f in &valid.facilitator_ids {
            diesel::insert_into(cohort_facilitators::table)
                .values((
                    cohort_facilitators::cohort_id.eq(row.id),
                    cohort_facilitators::user_id.eq(f),
                ))
                .execute(conn)?;
        }
        let zone = store::zone_of(&site);
        let mut session_ids = Vec::new();
        if let Some(c) = &valid.schedule {
            let times = cadence_times(conn, site.id, zone, c)?;
            session_ids = insert_sessions(
                conn,
                who,
                &row,
                zone,
                &times,
                &c.room,
                c.facilitator_id,
                valid.override_reason.as_deref(),
            )?;
        }
        audit::record(
            conn,
            who,
            Event {
                action: "cohort.create",
                entity_type: "cohort",
                entity_id: Some(row.id.to_string()),
                participant_id: None,
                detail: Some(json!({ "name": row.name, "sessions": session_ids.len() })),
            },
        )?;
        Ok(store::cohort_view(conn, row)?)
    })
}

/// Change a cohort's name, places, start date, status and facilitators, if it is still at
/// `expected` (its version).
#[tracing::instrument(skip_all)]
pub fn update_cohort(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
    expected: Option<i32>,
    input: &CohortChanges,
) -> Result<CohortView, ProgrammeError> {
    let mut e = FieldErrors::default();
    let name = required_line(&mut e, "name", &input.name, 200);
    let capacity = number_in(&mut e, "capacity", input.capacity, 1..=500, None);
    let start_date = parse_date(&mut e, "start_date", &input.start_date);
    let status = one_of(&mut e, "status", &input.status, &COHORT_STATUSES);
    db::write_transaction(conn, |conn| {
        let row = store::visible_cohort(conn, actor, id)?;
        if !access::may_manage(actor, row.site_id) {
            return Err(ProgrammeError::Forbidden);
        }
        let expected = expected.ok_or_else(|| invalid("If-Match", "error-if-match"))?;
        let mut facilitators = input.facilitator_ids.clone().unwrap_or_default();
        facilitators.sort_unstable();
        facilitators.dedup();
        for f in &facilitators {
            check_facilitator(conn, "facilitator_ids", Some(*f), &mut e)?;
        }
        let (Some(name), Some(capacity), Some(start_date), Some(status)) =
            (name, capacity, start_date, status)
        else {
            return Err(ProgrammeError::Invalid(e));
        };
        if !e.is_empty() {
            return Err(ProgrammeError::Invalid(e));
        }
        let changed = diesel::update(
            cohorts::table
                .find(id)
                .filter(cohorts::version.eq(expected)),
        )
        .set((
            cohorts::name.eq(&name),
            cohorts::capacity.eq(capacity),
            cohorts::start_date.eq(start_date),
            cohorts::status.eq(&status),
            cohorts::version.eq(expected.saturating_add(1)),
            cohorts::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(ProgrammeError::Stale);
        }
        diesel::delete(cohort_facilitators::table.filter(cohort_facilitators::cohort_id.eq(id)))
            .execute(conn)?;
        for f in &facilitators {
            diesel::insert_into(cohort_facilitators::table)
                .values((
                    cohort_facilitators::cohort_id.eq(id),
                    cohort_facilitators::user_id.eq(f),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            who,
            Event {
                action: "cohort.update",
                entity_type: "cohort",
                entity_id: Some(id.to_string()),
                participant_id: None,
                detail: Some(json!({ "status": status })),
            },
        )?;
        let row = store::visible_cohort(conn, actor, id)?;
        Ok(store::cohort_view(conn, row)?)
    })
}

/// Add one session or a cadence of sessions to a cohort.
#[tracing::instrument(skip_all)]
pub fn add_sessions(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    cohort_id: i64,
    input: &NewSessionsInput,
) -> Result<Vec<SessionView>, ProgrammeError> {
    db::write_transaction(conn, |conn| {
        let cohort = store::visible_cohort(conn, actor, cohort_id)?;
        if !access::may_manage(actor, cohort.site_id) {
            return Err(ProgrammeError::Forbidden);
        }
        let site = store::site(conn, cohort.site_id)?.ok_or(ProgrammeError::NotFound)?;
        let zone = store::zone_of(&site);
        let mut e = FieldErrors::default();
        let (times, room, facilitator, reason) = match (&input.session, &input.cadence) {
            (Some(s), None) => {
                let start = parse_local(&mut e, "session.starts_at", &s.starts_at);
                let minutes = number_in(
                    &mut e,
                    "session.duration_minutes",
                    s.duration_minutes,
                    10..=600,
                    Some(90),
                );
                check_facilitator(conn, "session.facilitator_id", s.facilitator_id, &mut e)?;
                let reason = override_reason(
                    &mut e,
                    &s.override_reason
                        .clone()
                        .or_else(|| input.override_reason.clone()),
                );
                let room = optional_line(&mut e, "session.room", s.room.as_deref(), 100);
                match (start, minutes) {
                    (Some(start), Some(minutes)) if e.is_empty() => {
                        let utc = schedule::local_to_utc(zone, start);
                        (
                            vec![(utc, utc + Duration::minutes(i64::from(minutes)))],
                            room,
                            s.facilitator_id,
                            reason,
                        )
                    }
                    _ => return Err(ProgrammeError::Invalid(e)),
                }
            }
            (None, Some(c)) => {
                let cadence = c.validate("cadence.", &mut e);
                if let Some(c) = &cadence {
                    check_facilitator(conn, "cadence.facilitator_id", c.facilitator_id, &mut e)?;
                }
                let reason = override_reason(&mut e, &input.override_reason);
                match cadence {
                    Some(c) if e.is_empty() => (
                        cadence_times(conn, site.id, zone, &c)?,
                        c.room.clone(),
                        c.facilitator_id,
                        reason,
                    ),
                    _ => return Err(ProgrammeError::Invalid(e)),
                }
            }
            _ => return Err(invalid("session", "error-session-or-cadence")),
        };
        let ids = insert_sessions(
            conn,
            who,
            &cohort,
            zone,
            &times,
            &room,
            facilitator,
            reason.as_deref(),
        )?;
        audit::record(
            conn,
            who,
            Event {
                action: "session.create",
                entity_type: "cohort",
                entity_id: Some(cohort.id.to_string()),
                participant_id: None,
                detail: Some(json!({ "sessions": ids })),
            },
        )?;
        let mut views = Vec::new();
        for id in ids {
            let row: SessionRow = cohort_sessions::table
                .find(id)
                .select(SessionRow::as_select())
                .first(conn)?;
            views.push(store::session_view(conn, zone, row)?);
        }
        Ok(views)
    })
}

fn reason_and_requester(
    e: &mut FieldErrors,
    reason: &Option<String>,
    requested_by: &Option<String>,
) -> (Option<String>, Option<String>) {
    (
        required_text(e, "reason", reason, 500),
        required_line(e, "requested_by", requested_by, 200),
    )
}

/// Move a session to a new local time (and room), with the reason and who asked.
#[tracing::instrument(skip_all)]
pub fn reschedule(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    session_id: i64,
    input: &RescheduleInput,
) -> Result<SessionView, ProgrammeError> {
    db::write_transaction(conn, |conn| {
        let (session, cohort) = store::visible_session(conn, actor, session_id)?;
        if !access::may_manage(actor, cohort.site_id) {
            return Err(ProgrammeError::Forbidden);
        }
        if session.status == "cancelled" {
            return Err(invalid("starts_at", "error-session-cancelled"));
        }
        if session.status == "held" {
            return Err(invalid("starts_at", "error-session-held"));
        }
        let site = store::site(conn, cohort.site_id)?.ok_or(ProgrammeError::NotFound)?;
        let zone = store::zone_of(&site);
        let mut e = FieldErrors::default();
        let start = parse_local(&mut e, "starts_at", &input.starts_at);
        let old_minutes = (session.ends_at - session.starts_at).num_minutes() as i32;
        let minutes = number_in(
            &mut e,
            "duration_minutes",
            input.duration_minutes,
            10..=600,
            Some(old_minutes),
        );
        let (reason, requested_by) =
            reason_and_requester(&mut e, &input.reason, &input.requested_by);
        let override_reason = override_reason(&mut e, &input.override_reason);
        let errors_before = e.0.len();
        let new_room = input
            .room
            .as_deref()
            .map(|r| optional_line(&mut e, "room", Some(r), 100));
        let room_ok = e.0.len() == errors_before;
        let (Some(start), Some(minutes), Some(reason), Some(requested_by), true) =
            (start, minutes, reason, requested_by, room_ok)
        else {
            return Err(ProgrammeError::Invalid(e));
        };
        let expected = input.version.ok_or(ProgrammeError::VersionRequired)?;
        let starts_at = schedule::local_to_utc(zone, start);
        let ends_at = starts_at + Duration::minutes(i64::from(minutes));
        let room = new_room.unwrap_or(session.room.clone());
        let found = clashes::find(
            conn,
            zone,
            &Candidate {
                cohort_id: cohort.id,
                site_id: cohort.site_id,
                starts_at,
                ends_at,
                room: &room,
                facilitator_id: session.facilitator_id,
                moving: Some(session.id),
                asked_by: who,
            },
        )?;
        if !found.is_empty() && override_reason.is_none() {
            return Err(ProgrammeError::Clash(found));
        }
        let changed = diesel::update(
            cohort_sessions::table
                .find(session.id)
                .filter(cohort_sessions::version.eq(expected)),
        )
        .set((
            cohort_sessions::starts_at.eq(starts_at),
            cohort_sessions::ends_at.eq(ends_at),
            cohort_sessions::room.eq(&room),
            cohort_sessions::status.eq("rescheduled"),
            cohort_sessions::status_reason.eq(&reason),
            cohort_sessions::requested_by.eq(&requested_by),
            cohort_sessions::version.eq(expected.saturating_add(1)),
            cohort_sessions::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(ProgrammeError::Stale);
        }
        audit::record(
            conn,
            who,
            Event {
                action: if found.is_empty() {
                    "session.reschedule"
                } else {
                    "session.clash_override"
                },
                entity_type: "session",
                entity_id: Some(session.id.to_string()),
                participant_id: None,
                detail: Some(json!({
                    "from": session.starts_at.to_string(), "to": starts_at.to_string(),
                    "reason": reason, "requested_by": requested_by,
                    "override_reason": override_reason, "clashes": found,
                })),
            },
        )?;
        let row: SessionRow = cohort_sessions::table
            .find(session.id)
            .select(SessionRow::as_select())
            .first(conn)?;
        Ok(store::session_view(conn, zone, row)?)
    })
}

/// Cancel a session, with the reason and who asked. It stays listed, marked cancelled.
#[tracing::instrument(skip_all)]
pub fn cancel(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    session_id: i64,
    input: &CancelInput,
) -> Result<SessionView, ProgrammeError> {
    db::write_transaction(conn, |conn| {
        let (session, cohort) = store::visible_session(conn, actor, session_id)?;
        if !access::may_manage(actor, cohort.site_id) {
            return Err(ProgrammeError::Forbidden);
        }
        if session.status == "held" {
            return Err(invalid("reason", "error-session-held"));
        }
        let mut e = FieldErrors::default();
        let (reason, requested_by) =
            reason_and_requester(&mut e, &input.reason, &input.requested_by);
        let (Some(reason), Some(requested_by)) = (reason, requested_by) else {
            return Err(ProgrammeError::Invalid(e));
        };
        let expected = input.version.ok_or(ProgrammeError::VersionRequired)?;
        let changed = diesel::update(
            cohort_sessions::table
                .find(session.id)
                .filter(cohort_sessions::version.eq(expected)),
        )
        .set((
            cohort_sessions::status.eq("cancelled"),
            cohort_sessions::status_reason.eq(&reason),
            cohort_sessions::requested_by.eq(&requested_by),
            cohort_sessions::version.eq(expected.saturating_add(1)),
            cohort_sessions::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(ProgrammeError::Stale);
        }
        audit::record(
            conn,
            who,
            Event {
                action: "session.cancel",
                entity_type: "session",
                entity_id: Some(session.id.to_string()),
                participant_id: None,
                detail: Some(json!({ "reason": reason, "requested_by": requested_by })),
            },
        )?;
        let site = store::site(conn, cohort.site_id)?.ok_or(ProgrammeError::NotFound)?;
        let row: SessionRow = cohort_sessions::table
            .find(session.id)
            .select(SessionRow::as_select())
            .first(conn)?;
        Ok(store::session_view(conn, store::zone_of(&site), row)?)
    })
}

/// The people `actor` may refer to cohort `cohort_id` at `site_id`: open to them, at the site,
/// not yet enrolled, by name (at most 500). Each one shown is on that person's trail.
#[tracing::instrument(skip_all)]
pub fn referral_candidates(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    cohort_id: i64,
    site_id: i64,
) -> Result<Vec<(i64, String, String, String)>, DbError> {
    use crate::db::schema::{enrolments, participants};
    let enrolled: Vec<i64> = enrolments::table
        .filter(enrolments::cohort_id.eq(cohort_id))
        .select(enrolments::participant_id)
        .load(conn)?;
    let candidates: Vec<(i64, String, String, String)> =
        crate::participants::access::visible_to(actor)
            .filter(participants::site_id.eq(site_id))
            .filter(participants::id.ne_all(enrolled))
            .order((
                participants::family_name.asc(),
                participants::given_name.asc(),
            ))
            .limit(500)
            .select((
                participants::id,
                participants::case_reference,
                participants::family_name,
                participants::given_name,
            ))
            .load(conn)?;
    let shown: Vec<i64> = candidates.iter().map(|c| c.0).collect();
    audit::record_reads(
        conn,
        who,
        "participant.list",
        "cohort",
        &cohort_id.to_string(),
        &shown,
    )?;
    Ok(candidates)
}
