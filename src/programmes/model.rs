//! Programme, cohort and session types: inputs as clients send them, checked values, and views.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{cohort_sessions, cohorts, programmes};
pub use crate::kernel::validate::{
    has_control, number_in, one_of, optional_line, override_reason, parse_date, parse_local,
    required_line, required_text,
};
use crate::kernel::FieldErrors;

/// Kinds of programme in the catalogue.
pub const PROGRAMME_KINDS: [&str; 5] = [
    "group",
    "one_to_one",
    "counselling",
    "education",
    "vocational",
];
/// Cohort statuses.
pub const COHORT_STATUSES: [&str; 4] = ["planned", "running", "completed", "cancelled"];

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = programmes)]
pub struct Programme {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub session_count: i32,
    /// Share of sessions a participant must attend to complete, in percent.
    pub min_attendance_percent: i32,
    /// Consecutive unexcused absences that raise an alert.
    pub absence_alert_after: i32,
    pub version: i32,
}

/// A programme as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    pub name: Option<String>,
    /// `group`, `one_to_one`, `counselling`, `education` or `vocational`.
    pub kind: Option<String>,
    pub description: Option<String>,
    pub session_count: Option<i32>,
    /// 0 to 100.
    pub min_attendance_percent: Option<i32>,
    /// 1 to 20; default 3.
    pub absence_alert_after: Option<i32>,
}

/// A checked programme.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = programmes)]
pub struct ProgrammeFields {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub session_count: i32,
    pub min_attendance_percent: i32,
    pub absence_alert_after: i32,
}

impl ProgrammeInput {
    pub fn validate(&self) -> Result<ProgrammeFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = required_line(&mut e, "name", &self.name, 200);
        let kind = one_of(&mut e, "kind", &self.kind, &PROGRAMME_KINDS);
        let description = self.description.as_deref().unwrap_or("").trim().to_string();
        if description.chars().count() > 4000 {
            e.too_long("description", 4000);
        }
        let session_count = number_in(&mut e, "session_count", self.session_count, 1..=200, None);
        let min = number_in(
            &mut e,
            "min_attendance_percent",
            self.min_attendance_percent,
            0..=100,
            None,
        );
        let after = number_in(
            &mut e,
            "absence_alert_after",
            self.absence_alert_after,
            1..=20,
            Some(3),
        );
        match (name, kind, session_count, min, after) {
            (
                Some(name),
                Some(kind),
                Some(session_count),
                Some(min_attendance_percent),
                Some(absence_alert_after),
            ) if e.is_empty() => Ok(ProgrammeFields {
                name,
                kind,
                description,
                session_count,
                min_attendance_percent,
                absence_alert_after,
            }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cohorts)]
pub struct CohortRow {
    pub id: i64,
    pub programme_id: i64,
    pub site_id: i64,
    pub name: String,
    pub capacity: i32,
    pub start_date: NaiveDate,
    pub status: String,
    pub version: i32,
}

/// A weekly or fortnightly series of sessions at one local time.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadenceInput {
    /// Date of the first session, `YYYY-MM-DD` (site's calendar).
    pub first_date: Option<String>,
    /// Local time of day at the site, `HH:MM`.
    pub time: Option<String>,
    pub duration_minutes: Option<i32>,
    /// 1 (weekly) or 2 (fortnightly).
    pub every_weeks: Option<i32>,
    /// How many sessions (public holidays are skipped, the count is kept).
    pub count: Option<i32>,
    pub room: Option<String>,
    pub facilitator_id: Option<i64>,
}

/// A checked cadence.
#[derive(Debug, Clone)]
pub struct Cadence {
    pub first_date: NaiveDate,
    pub time: NaiveTime,
    pub duration_minutes: i64,
    pub every_weeks: u32,
    pub count: u32,
    pub room: String,
    pub facilitator_id: Option<i64>,
}

impl CadenceInput {
    /// Check the cadence; field names are prefixed (`schedule.time`).
    pub fn validate(&self, prefix: &str, e: &mut FieldErrors) -> Option<Cadence> {
        let f = |name: &str| format!("{prefix}{name}");
        let first_date = parse_date(e, &f("first_date"), &self.first_date);
        let time = match self
            .time
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => {
                e.add(&f("time"), "error-required");
                None
            }
            Some(t) => NaiveTime::parse_from_str(t, "%H:%M").ok().or_else(|| {
                e.add(&f("time"), "error-time");
                None
            }),
        };
        let duration = number_in(
            e,
            &f("duration_minutes"),
            self.duration_minutes,
            10..=600,
            Some(90),
        );
        let every = number_in(e, &f("every_weeks"), self.every_weeks, 1..=2, Some(1));
        let count = number_in(e, &f("count"), self.count, 1..=200, None);
        let room = optional_line(e, &f("room"), self.room.as_deref(), 100);
        Some(Cadence {
            first_date: first_date?,
            time: time?,
            duration_minutes: i64::from(duration?),
            every_weeks: every? as u32,
            count: count? as u32,
            room,
            facilitator_id: self.facilitator_id,
        })
    }
}

/// A cohort as a client sends it, optionally with its whole schedule.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CohortInput {
    pub programme_id: Option<i64>,
    pub site_id: Option<i64>,
    pub name: Option<String>,
    pub capacity: Option<i32>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    pub facilitator_ids: Option<Vec<i64>>,
    /// Create the sessions in the same step.
    pub schedule: Option<CadenceInput>,
    /// Accept double bookings the schedule would make, for this reason.
    pub override_reason: Option<String>,
}

/// A cohort's changeable details, as a client sends them (all of them, every time).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CohortChanges {
    pub name: Option<String>,
    pub capacity: Option<i32>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `planned`, `running`, `completed` or `cancelled`.
    pub status: Option<String>,
    pub facilitator_ids: Option<Vec<i64>>,
}

/// A checked cohort.
#[derive(Debug, Clone)]
pub struct ValidCohort {
    pub programme_id: i64,
    pub site_id: i64,
    pub name: String,
    pub capacity: i32,
    pub start_date: NaiveDate,
    pub facilitator_ids: Vec<i64>,
    pub schedule: Option<Cadence>,
    pub override_reason: Option<String>,
}

impl CohortInput {
    pub fn validate(&self) -> Result<ValidCohort, FieldErrors> {
        let mut e = FieldErrors::default();
        if self.programme_id.is_none() {
            e.add("programme_id", "error-required");
        }
        if self.site_id.is_none() {
            e.add("site_id", "error-required");
        }
        let name = required_line(&mut e, "name", &self.name, 200);
        let capacity = number_in(&mut e, "capacity", self.capacity, 1..=500, None);
        let start_date = parse_date(&mut e, "start_date", &self.start_date);
        let schedule = self
            .schedule
            .as_ref()
            .map(|s| s.validate("schedule.", &mut e));
        let override_reason = override_reason(&mut e, &self.override_reason);
        let mut facilitator_ids = self.facilitator_ids.clone().unwrap_or_default();
        facilitator_ids.sort_unstable();
        facilitator_ids.dedup();
        if !e.is_empty() {
            return Err(e);
        }
        match (self.programme_id, self.site_id, name, capacity, start_date) {
            (Some(programme_id), Some(site_id), Some(name), Some(capacity), Some(start_date)) => {
                Ok(ValidCohort {
                    programme_id,
                    site_id,
                    name,
                    capacity,
                    start_date,
                    facilitator_ids,
                    schedule: schedule.flatten(),
                    override_reason,
                })
            }
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cohort_sessions)]
pub struct SessionRow {
    pub id: i64,
    pub cohort_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub room: String,
    pub facilitator_id: Option<i64>,
    pub status: String,
    pub status_reason: Option<String>,
    pub requested_by: Option<String>,
    pub version: i32,
}

/// One session as a client sends it (times local to the site).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    /// Local start at the site, `YYYY-MM-DDTHH:MM`.
    pub starts_at: Option<String>,
    pub duration_minutes: Option<i32>,
    pub room: Option<String>,
    pub facilitator_id: Option<i64>,
    pub override_reason: Option<String>,
}

/// New sessions for a cohort: one (`session`) or a series (`cadence`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSessionsInput {
    pub session: Option<SessionInput>,
    pub cadence: Option<CadenceInput>,
    pub override_reason: Option<String>,
}

/// Moving a session: the new local start (and length), why, and who asked.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleInput {
    /// Local start at the site, `YYYY-MM-DDTHH:MM`.
    pub starts_at: Option<String>,
    pub duration_minutes: Option<i32>,
    pub room: Option<String>,
    pub reason: Option<String>,
    pub requested_by: Option<String>,
    pub override_reason: Option<String>,
    /// The session's version you read (or send `If-Match`).
    pub version: Option<i32>,
}

/// Cancelling a session: why, and who asked.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    pub reason: Option<String>,
    pub requested_by: Option<String>,
    /// The session's version you read (or send `If-Match`).
    pub version: Option<i32>,
}
