//! Programme, cohort and session queries and the views the API and pages show.

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    cohort_facilitators, cohort_sessions, cohorts, enrolments, programmes, sites, users,
};
use crate::db::{DbConnection, DbError};
use crate::kernel::Actor;
use crate::participants::store::{SiteRef, StaffRef};
use crate::programmes::access;
use crate::programmes::clashes::ATTENDING;
use crate::programmes::model::{CohortRow, Programme, SessionRow};
use crate::programmes::schedule::utc_to_local;
use crate::programmes::ProgrammeError;

use crate::db::lower;

/// A session as shown, with its times in the site's zone.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: i64,
    pub cohort_id: i64,
    pub starts_at: chrono::DateTime<Utc>,
    pub ends_at: chrono::DateTime<Utc>,
    /// `YYYY-MM-DD HH:MM` at the site.
    pub local_start: String,
    /// `HH:MM` at the site.
    pub local_end: String,
    pub time_zone: String,
    pub room: String,
    pub facilitator: Option<StaffRef>,
    /// `scheduled`, `held`, `cancelled` or `rescheduled`.
    pub status: String,
    pub status_reason: Option<String>,
    pub requested_by: Option<String>,
    pub version: i32,
}

/// A cohort with its sessions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CohortView {
    pub id: i64,
    pub name: String,
    pub programme: Programme,
    pub site: SiteRef,
    pub capacity: i32,
    pub start_date: NaiveDate,
    pub status: String,
    pub facilitators: Vec<StaffRef>,
    /// Enrolled or active participants.
    pub attending: i64,
    pub sessions: Vec<SessionView>,
    pub version: i32,
}

/// A cohort as a list row shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CohortSummary {
    pub id: i64,
    pub name: String,
    pub programme_name: String,
    pub site_code: String,
    pub start_date: NaiveDate,
    pub status: String,
    pub capacity: i32,
}

pub fn zone_of(site: &SiteRef) -> Tz {
    site.time_zone.parse().unwrap_or(Tz::UTC)
}

pub fn programme(conn: &mut DbConnection, id: i64) -> Result<Option<Programme>, DbError> {
    Ok(programmes::table
        .find(id)
        .select(Programme::as_select())
        .first(conn)
        .optional()?)
}

pub fn site(conn: &mut DbConnection, id: i64) -> Result<Option<SiteRef>, DbError> {
    Ok(sites::table
        .find(id)
        .select(SiteRef::as_select())
        .first(conn)
        .optional()?)
}

/// The cohort row if `actor` may see it.
pub fn visible_cohort(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<CohortRow, ProgrammeError> {
    access::visible_cohorts(actor)
        .filter(cohorts::id.eq(id))
        .select(CohortRow::as_select())
        .first(conn)
        .optional()
        .map_err(DbError::from)?
        .ok_or(ProgrammeError::NotFound)
}

/// The session and its cohort if `actor` may see the cohort.
pub fn visible_session(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<(SessionRow, CohortRow), ProgrammeError> {
    let session: SessionRow = cohort_sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
        .map_err(DbError::from)?
        .ok_or(ProgrammeError::NotFound)?;
    let cohort = visible_cohort(conn, actor, session.cohort_id)?;
    Ok((session, cohort))
}

pub fn staff_ref(conn: &mut DbConnection, id: i64) -> Result<Option<StaffRef>, DbError> {
    Ok(users::table
        .find(id)
        .select((users::id, users::display_name, users::role))
        .first::<(i64, String, String)>(conn)
        .optional()?
        .map(|(id, display_name, role)| StaffRef {
            id,
            display_name,
            role,
        }))
}

pub fn session_view(
    conn: &mut DbConnection,
    zone: Tz,
    s: SessionRow,
) -> Result<SessionView, DbError> {
    let facilitator = match s.facilitator_id {
        Some(f) => staff_ref(conn, f)?,
        None => None,
    };
    Ok(SessionView {
        id: s.id,
        cohort_id: s.cohort_id,
        starts_at: Utc.from_utc_datetime(&s.starts_at),
        ends_at: Utc.from_utc_datetime(&s.ends_at),
        local_start: local(zone, s.starts_at, "%Y-%m-%d %H:%M"),
        local_end: local(zone, s.ends_at, "%H:%M"),
        time_zone: zone.name().to_string(),
        room: s.room,
        facilitator,
        status: s.status,
        status_reason: s.status_reason,
        requested_by: s.requested_by,
        version: s.version,
    })
}

fn local(zone: Tz, utc: NaiveDateTime, format: &str) -> String {
    utc_to_local(zone, utc).format(format).to_string()
}

pub fn cohort_view(conn: &mut DbConnection, row: CohortRow) -> Result<CohortView, DbError> {
    let programme = programme(conn, row.programme_id)?
        .ok_or_else(|| DbError::Query("cohort without programme".into()))?;
    let site =
        site(conn, row.site_id)?.ok_or_else(|| DbError::Query("cohort without site".into()))?;
    let zone = zone_of(&site);
    let facilitator_ids: Vec<i64> = cohort_facilitators::table
        .filter(cohort_facilitators::cohort_id.eq(row.id))
        .select(cohort_facilitators::user_id)
        .load(conn)?;
    let mut facilitators = Vec::new();
    for f in facilitator_ids {
        facilitators.extend(staff_ref(conn, f)?);
    }
    let attending: i64 = enrolments::table
        .filter(enrolments::cohort_id.eq(row.id))
        .filter(enrolments::status.eq_any(ATTENDING))
        .count()
        .get_result(conn)?;
    let rows: Vec<SessionRow> = cohort_sessions::table
        .filter(cohort_sessions::cohort_id.eq(row.id))
        .order((cohort_sessions::starts_at.asc(), cohort_sessions::id.asc()))
        .select(SessionRow::as_select())
        .load(conn)?;
    let mut sessions = Vec::with_capacity(rows.len());
    for s in rows {
        sessions.push(session_view(conn, zone, s)?);
    }
    Ok(CohortView {
        id: row.id,
        name: row.name,
        programme,
        site,
        capacity: row.capacity,
        start_date: row.start_date,
        status: row.status,
        facilitators,
        attending,
        sessions,
        version: row.version,
    })
}

/// One page of the cohorts `actor` may see, newest first.
pub fn cohorts_page(
    conn: &mut DbConnection,
    actor: &Actor,
    query: &str,
    page: crate::kernel::paging::Page,
) -> Result<(Vec<CohortSummary>, i64), DbError> {
    let needle = query.trim().to_string();
    let build = || {
        let mut q = access::visible_cohorts(actor);
        if !needle.is_empty() {
            q = q.filter(
                lower(cohorts::name)
                    .like(crate::db::like_pattern(&needle.to_lowercase()))
                    .escape('\\'),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<CohortRow> = build()
        .order((cohorts::start_date.desc(), cohorts::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(CohortRow::as_select())
        .load(conn)?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let programme_name: String = programmes::table
            .find(r.programme_id)
            .select(programmes::name)
            .first(conn)?;
        let site_code: String = sites::table
            .find(r.site_id)
            .select(sites::code)
            .first(conn)?;
        items.push(CohortSummary {
            id: r.id,
            name: r.name,
            programme_name,
            site_code,
            start_date: r.start_date,
            status: r.status,
            capacity: r.capacity,
        });
    }
    Ok((items, total))
}

/// The staff who may facilitate a cohort or a session (active mentors and coordinators), by name.
pub fn facilitator_choices(conn: &mut DbConnection) -> Result<Vec<(i64, String)>, DbError> {
    use crate::db::schema::users;
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["mentor", "coordinator"]))
        .order(users::display_name.asc())
        .select((users::id, users::display_name))
        .load(conn)?)
}

/// The sites a cohort may be created at by `actor` (a coordinator: their own), by name.
pub fn site_choices(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<(i64, String)>, DbError> {
    let mut q = sites::table.into_boxed();
    if actor.role == crate::kernel::Role::Coordinator {
        q = q.filter(sites::id.eq(actor.site_id.map_or(-1, |s| s.0)));
    }
    Ok(q.order(sites::name.asc())
        .select((sites::id, sites::name))
        .load(conn)?)
}
