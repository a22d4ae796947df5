//! A participant's timeline: enrolment moves, attendance marks, progress notes, milestones,
//! emails and the handover in one list, newest first. Each source keeps its own access rule
//! (and its own audit): enrolments and marks of the cohorts `actor` may see, notes as
//! `progress_notes::readable` allows (date and type only otherwise), the exit plan's milestones
//! through `exit_plans::read`, the handover through `handovers::for_participant`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::Who;
use crate::crypto::Keyring;
use crate::db::schema::{attendance, cohort_sessions, cohorts, progress_notes};
use crate::db::DbConnection;
use crate::kernel::Actor;
use crate::kernel::Problem;

/// The kinds of item, in the order the filter offers them.
pub const KINDS: [&str; 6] = [
    "enrolment",
    "attendance",
    "note",
    "milestone",
    "email",
    "handover",
];

/// What happened.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineItem {
    Enrolment {
        cohort_id: i64,
        cohort_name: String,
        status: String,
        reason: String,
        actor: String,
    },
    Attendance {
        cohort_id: i64,
        cohort_name: String,
        session_id: i64,
        mark: String,
    },
    Note {
        contact_type: String,
        /// Only for notes the viewer may read.
        author: Option<String>,
        narrative: Option<String>,
    },
    Milestone {
        id: i64,
        title: String,
        status: String,
    },
    Email {
        id: i64,
        to_address: String,
        subject: String,
        status: String,
    },
    Handover {
        id: i64,
        status: String,
        release_date: NaiveDate,
    },
}

/// One item with when it happened.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// For ordering: the site's local date and time (dates at midnight).
    #[serde(skip)]
    pub sort: NaiveDateTime,
    /// As shown: a `YYYY-MM-DD` date, or a local time with its zone.
    pub when: String,
    #[serde(flatten)]
    pub item: TimelineItem,
}

impl TimelineEntry {
    pub fn kind(&self) -> &'static str {
        match self.item {
            TimelineItem::Enrolment { .. } => "enrolment",
            TimelineItem::Attendance { .. } => "attendance",
            TimelineItem::Note { .. } => "note",
            TimelineItem::Milestone { .. } => "milestone",
            TimelineItem::Email { .. } => "email",
            TimelineItem::Handover { .. } => "handover",
        }
    }
}

/// Where the participant is and who their officer is, as the detail page already knows.
pub struct Subject<'a> {
    pub id: i64,
    pub site_id: i64,
    pub time_zone: &'a str,
    pub probation_officer: Option<i64>,
}

fn instant(at: DateTime<Utc>, zone: &str) -> (NaiveDateTime, String) {
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    (
        at.with_timezone(&tz).naive_local(),
        crate::kernel::time::local(&at, zone),
    )
}

fn day(d: NaiveDate) -> (NaiveDateTime, String) {
    (d.and_time(chrono::NaiveTime::MIN), d.to_string())
}

fn entry((sort, when): (NaiveDateTime, String), item: TimelineItem) -> TimelineEntry {
    TimelineEntry { sort, when, item }
}

/// The timeline of a participant `actor` can already see (the caller has read them), newest
/// first, only items of `kind` when given.
#[tracing::instrument(skip_all)]
pub fn timeline(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    subject: &Subject<'_>,
    kind: Option<&str>,
) -> Result<Vec<TimelineEntry>, Problem> {
    let wants = |k: &str| kind.is_none_or(|w| w == k);
    let mut out = Vec::new();
    if wants("enrolment") || wants("attendance") {
        let enrolments = crate::enrolments::list(conn, actor, None, Some(subject.id))?;
        if wants("enrolment") {
            out.extend(enrolment_moves(&enrolments, subject.time_zone));
        }
        if wants("attendance") {
            out.extend(attendance_marks(conn, &enrolments, subject)?);
        }
    }
    if wants("note") {
        out.extend(notes(conn, keys, actor, who, subject)?);
    }
    if wants("milestone") {
        out.extend(milestones(conn, actor, who, subject.id)?);
    }
    if wants("email") {
        out.extend(emails(conn, subject)?);
    }
    if wants("handover") {
        out.extend(handover(conn, actor, subject.id)?);
    }
    // Newest first; within a moment, the order the kinds are listed in.
    out.sort_by(|a, b| {
        b.sort.cmp(&a.sort).then_with(|| {
            let pos = |e: &TimelineEntry| KINDS.iter().position(|k| *k == e.kind());
            pos(a).cmp(&pos(b))
        })
    });
    Ok(out)
}

/// Each move of each enrolment `actor` sees.
fn enrolment_moves(
    enrolments: &[crate::enrolments::EnrolmentView],
    zone: &str,
) -> Vec<TimelineEntry> {
    let mut out = Vec::new();
    for e in enrolments {
        for h in &e.history {
            out.push(entry(
                instant(h.at, zone),
                TimelineItem::Enrolment {
                    cohort_id: e.cohort_id,
                    cohort_name: e.cohort_name.clone(),
                    status: h.to_status.clone(),
                    reason: h.reason.clone(),
                    actor: h.actor.clone(),
                },
            ));
        }
    }
    out
}

/// The marks of the cohorts whose enrolments `actor` sees.
fn attendance_marks(
    conn: &mut DbConnection,
    enrolments: &[crate::enrolments::EnrolmentView],
    subject: &Subject<'_>,
) -> Result<Vec<TimelineEntry>, Problem> {
    let cohort_ids: Vec<i64> = enrolments.iter().map(|e| e.cohort_id).collect();
    let marks: Vec<(i64, i64, String, NaiveDateTime, String)> = attendance::table
        .inner_join(cohort_sessions::table.inner_join(cohorts::table))
        .filter(attendance::participant_id.eq(subject.id))
        .filter(cohorts::id.eq_any(cohort_ids))
        .select((
            cohort_sessions::id,
            cohorts::id,
            cohorts::name,
            cohort_sessions::starts_at,
            attendance::mark,
        ))
        .load(conn)
        .map_err(crate::db::DbError::from)?;
    Ok(marks
        .into_iter()
        .map(|(session_id, cohort_id, cohort_name, starts_at, mark)| {
            entry(
                instant(starts_at.and_utc(), subject.time_zone),
                TimelineItem::Attendance {
                    cohort_id,
                    cohort_name,
                    session_id,
                    mark,
                },
            )
        })
        .collect())
}

/// Only the notes this viewer may read, as the notes page shows them (need-to-know: not even
/// their dates for others), opened and audited by the notes area itself.
fn notes(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    subject: &Subject<'_>,
) -> Result<Vec<TimelineEntry>, Problem> {
    use crate::progress_notes::Readable;
    let pid = subject.id;
    let Some(readable) =
        crate::progress_notes::readable(actor, subject.site_id, subject.probation_officer)
    else {
        return Ok(Vec::new());
    };
    let mut q = progress_notes::table
        .filter(progress_notes::participant_id.eq(pid))
        .into_boxed::<crate::db::MultiBackend>();
    q = match readable {
        Readable::All => q,
        Readable::OwnOnly => q.filter(progress_notes::author_id.eq(actor.id.0)),
        Readable::SharedOnly => q.filter(progress_notes::tell_probation.eq(true)),
    };
    let all: Vec<(i64, NaiveDate, String)> = q
        .select((
            progress_notes::id,
            progress_notes::contact_date,
            progress_notes::contact_type,
        ))
        .load(conn)
        .map_err(crate::db::DbError::from)?;
    let opened = match keys {
        Some(keys) if !all.is_empty() => {
            crate::progress_notes::list(conn, Some(keys), actor, who, pid)?
        }
        _ => Vec::new(),
    };
    Ok(all
        .into_iter()
        .map(|(id, date, contact_type)| {
            let note = opened.iter().find(|n| n.id == id);
            entry(
                day(date),
                TimelineItem::Note {
                    contact_type,
                    author: note.map(|n| n.author_name.clone()),
                    narrative: note.map(|n| n.narrative.clone()),
                },
            )
        })
        .collect())
}

/// The exit plan's milestones, through the plan's own read (and its access rule and audit).
fn milestones(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    pid: i64,
) -> Result<Vec<TimelineEntry>, Problem> {
    match crate::exit_plans::read(conn, actor, who, pid) {
        Ok(plan) => Ok(plan
            .milestones
            .into_iter()
            .map(|m| {
                let m = m.milestone;
                entry(
                    day(m.due_on),
                    TimelineItem::Milestone {
                        id: m.id,
                        title: m.title,
                        status: m.status,
                    },
                )
            })
            .collect()),
        Err(crate::exit_plans::PlanError::NotFound) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Every email about the participant.
fn emails(conn: &mut DbConnection, subject: &Subject<'_>) -> Result<Vec<TimelineEntry>, Problem> {
    Ok(crate::outbox::for_participant(conn, subject.id)?
        .into_iter()
        .map(|n| {
            entry(
                instant(n.created_at.and_utc(), subject.time_zone),
                TimelineItem::Email {
                    id: n.id,
                    to_address: n.to_address,
                    subject: n.subject,
                    status: n.status,
                },
            )
        })
        .collect())
}

/// The handover, for those who take part in it.
fn handover(
    conn: &mut DbConnection,
    actor: &Actor,
    pid: i64,
) -> Result<Vec<TimelineEntry>, Problem> {
    match crate::handovers::for_participant(conn, actor, pid) {
        Ok(Some(h)) => Ok(vec![entry(
            day(h.due_on),
            TimelineItem::Handover {
                id: h.id,
                status: h.status,
                release_date: h.release_date,
            },
        )]),
        Ok(None) | Err(crate::handovers::HandoverError::NotFound) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}
