//! Attendance registers: a whole session's register is taken at once (idempotently; corrections
//! of past registers are audited), attendance rates per enrolment and cohort, and absence alerts
//! after N consecutive unexcused absences.

pub mod alerts;

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Event, Who};
use crate::db::schema::{attendance, cohort_sessions, enrolments, participants};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::Actor;
use crate::kernel::FieldErrors;
use crate::participants::access as participant_access;
use crate::programmes::clashes::ATTENDING;
use crate::programmes::model::SessionRow;
use crate::programmes::{access, store, ProgrammeError};

pub const MARKS: [&str; 5] = ["present", "late", "excused", "unexcused", "did_not_happen"];
pub const NOT_HELD_REASONS: [&str; 3] = ["participant_choice", "acceptable", "logistics"];

/// How much of what counts was attended: present or late over every mark except sessions that
/// did not happen for acceptable or logistical reasons.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Rate {
    pub attended: i64,
    pub counted: i64,
    /// `None` until something counts.
    pub percent: Option<f64>,
}

impl Rate {
    /// The rate of these `(mark, not_held_reason)` pairs.
    pub fn of(marks: impl Iterator<Item = (String, Option<String>)>) -> Self {
        let (mut attended, mut counted) = (0, 0);
        for (mark, reason) in marks {
            if mark == "did_not_happen" && reason.as_deref() != Some("participant_choice") {
                continue;
            }
            counted += 1;
            if mark == "present" || mark == "late" {
                attended += 1;
            }
        }
        let percent = (counted > 0).then(|| (attended as f64) * 100.0 / (counted as f64));
        Rate {
            attended,
            counted,
            percent,
        }
    }
}

/// A participant's rate in one cohort.
pub fn rate_for(
    conn: &mut DbConnection,
    cohort_id: i64,
    participant_id: i64,
) -> Result<Rate, DbError> {
    let marks: Vec<(String, Option<String>)> = attendance::table
        .inner_join(cohort_sessions::table)
        .filter(cohort_sessions::cohort_id.eq(cohort_id))
        .filter(attendance::participant_id.eq(participant_id))
        .select((attendance::mark, attendance::not_held_reason))
        .load(conn)?;
    Ok(Rate::of(marks.into_iter()))
}

/// The whole cohort's rate.
pub fn cohort_rate(conn: &mut DbConnection, cohort_id: i64) -> Result<Rate, DbError> {
    let marks: Vec<(String, Option<String>)> = attendance::table
        .inner_join(cohort_sessions::table)
        .filter(cohort_sessions::cohort_id.eq(cohort_id))
        .select((attendance::mark, attendance::not_held_reason))
        .load(conn)?;
    Ok(Rate::of(marks.into_iter()))
}

/// One line of a register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterLine {
    pub participant_id: i64,
    pub case_reference: String,
    /// Absent when the participant is restricted and you are not named on it.
    pub name: Option<String>,
    pub mark: Option<String>,
    pub late_minutes: Option<i32>,
    pub reason: Option<String>,
}

/// A session's register.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Register {
    pub session: store::SessionView,
    pub cohort_id: i64,
    pub cohort_name: String,
    pub lines: Vec<RegisterLine>,
    /// Whether a register was taken already.
    pub taken: bool,
}

/// One mark as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterEntry {
    pub participant_id: Option<i64>,
    /// `present`, `late`, `excused`, `unexcused` or `did_not_happen`.
    pub mark: Option<String>,
    /// Required for `late`.
    pub late_minutes: Option<i32>,
    /// Required for `did_not_happen`: `participant_choice`, `acceptable` or `logistics`.
    pub reason: Option<String>,
}

/// A whole register: one entry for every participant on it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    pub entries: Option<Vec<RegisterEntry>>,
}

type Mark = (String, Option<i32>, Option<String>);
/// Participant id, case reference, given name, family name.
type Expected = (i64, String, String, String);

/// Participants expected at a session: attending the cohort now, or marked already.
fn expected(conn: &mut DbConnection, session: &SessionRow) -> Result<Vec<Expected>, DbError> {
    let marked: Vec<i64> = attendance::table
        .filter(attendance::session_id.eq(session.id))
        .select(attendance::participant_id)
        .load(conn)?;
    let rows: Vec<Expected> = enrolments::table
        .inner_join(participants::table)
        .filter(enrolments::cohort_id.eq(session.cohort_id))
        .filter(
            enrolments::status
                .eq_any(ATTENDING)
                .or(enrolments::participant_id.eq_any(marked)),
        )
        .order((
            participants::family_name.asc(),
            participants::given_name.asc(),
        ))
        .select((
            participants::id,
            participants::case_reference,
            participants::given_name,
            participants::family_name,
        ))
        .load(conn)?;
    Ok(rows)
}

fn current_marks(conn: &mut DbConnection, session_id: i64) -> Result<HashMap<i64, Mark>, DbError> {
    Ok(attendance::table
        .filter(attendance::session_id.eq(session_id))
        .select((
            attendance::participant_id,
            attendance::mark,
            attendance::late_minutes,
            attendance::not_held_reason,
        ))
        .load::<(i64, String, Option<i32>, Option<String>)>(conn)?
        .into_iter()
        .map(|(p, m, l, r)| (p, (m, l, r)))
        .collect())
}

/// The register of a session, for someone who may see the session.
pub fn register(
    conn: &mut DbConnection,
    actor: &Actor,
    session_id: i64,
) -> Result<Register, ProgrammeError> {
    let (session, cohort) = store::visible_session(conn, actor, session_id)?;
    let site = store::site(conn, cohort.site_id)?.ok_or(ProgrammeError::NotFound)?;
    let on_register = expected(conn, &session)?;
    // Only the people on this register: never the actor's whole population.
    let ids: Vec<i64> = on_register.iter().map(|r| r.0).collect();
    let visible: HashSet<i64> = participant_access::visible_among(conn, actor, &ids)?;
    let closed: HashSet<i64> = participant_access::closed_to(conn, actor.id.0, &ids)?;
    // Those who take the register see everyone on it (restricted people by case reference only);
    // anyone else sees only the participants they may see anyway.
    let takes = access::may_take_register(
        conn,
        actor,
        cohort.site_id,
        cohort.id,
        session.facilitator_id,
    )?;
    let marks = current_marks(conn, session.id)?;
    let lines = on_register
        .into_iter()
        .filter(|(id, ..)| takes || visible.contains(id))
        .map(|(id, reference, given, family)| {
            let mark = marks.get(&id);
            RegisterLine {
                participant_id: id,
                case_reference: reference,
                name: (!closed.contains(&id)).then(|| format!("{family}, {given}")),
                mark: mark.map(|m| m.0.clone()),
                late_minutes: mark.and_then(|m| m.1),
                reason: mark.and_then(|m| m.2.clone()),
            }
        })
        .collect();
    Ok(Register {
        session: store::session_view(conn, store::zone_of(&site), session)?,
        cohort_id: cohort.id,
        cohort_name: cohort.name,
        lines,
        taken: !marks.is_empty(),
    })
}

/// Read a register, auditing the read for each participant shown.
#[tracing::instrument(skip_all)]
pub fn read_register(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    session_id: i64,
) -> Result<Register, ProgrammeError> {
    let r = register(conn, actor, session_id)?;
    let shown: Vec<i64> = r.lines.iter().map(|l| l.participant_id).collect();
    audit::record_reads(
        conn,
        who,
        "register.read",
        "session",
        &session_id.to_string(),
        &shown,
    )?;
    Ok(r)
}

/// Take (or correct) a session's whole register. Sending the same register again changes nothing.
#[tracing::instrument(skip_all)]
pub fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    session_id: i64,
    input: &RegisterInput,
) -> Result<Register, ProgrammeError> {
    db::write_transaction(conn, |conn| {
        let (session, cohort) = store::visible_session(conn, actor, session_id)?;
        if !access::may_take_register(
            conn,
            actor,
            cohort.site_id,
            cohort.id,
            session.facilitator_id,
        )? {
            return Err(ProgrammeError::Forbidden);
        }
        let mut e = FieldErrors::default();
        if session.status == "cancelled" {
            e.add("entries", "error-session-cancelled-register");
            return Err(ProgrammeError::Invalid(e));
        }
        let on_register: Vec<i64> = expected(conn, &session)?.into_iter().map(|r| r.0).collect();
        let entries = input.entries.clone().unwrap_or_default();
        let mut marks: HashMap<i64, Mark> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            let f = |name: &str| format!("entries[{i}].{name}");
            let Some(p) = entry.participant_id.filter(|p| on_register.contains(p)) else {
                e.add(&f("participant_id"), "error-not-on-register");
                continue;
            };
            if marks.contains_key(&p) {
                e.add(&f("participant_id"), "error-twice-on-register");
                continue;
            }
            let mark = entry.mark.as_deref().map(str::trim).unwrap_or("");
            if !MARKS.contains(&mark) {
                e.add(&f("mark"), "error-mark");
                continue;
            }
            let late = if mark == "late" {
                match entry.late_minutes {
                    Some(m) if (1..=600).contains(&m) => Some(m),
                    _ => {
                        e.add(&f("late_minutes"), "error-late-minutes");
                        continue;
                    }
                }
            } else {
                None
            };
            let reason = if mark == "did_not_happen" {
                match entry.reason.as_deref().map(str::trim) {
                    Some(r) if NOT_HELD_REASONS.contains(&r) => Some(r.to_string()),
                    _ => {
                        e.add(&f("reason"), "error-not-held-reason");
                        continue;
                    }
                }
            } else {
                None
            };
            marks.insert(p, (mark.to_string(), late, reason));
        }
        for p in &on_register {
            if !marks.contains_key(p) && e.is_empty() {
                e.add("entries", "error-register-incomplete");
                break;
            }
        }
        if !e.is_empty() {
            return Err(ProgrammeError::Invalid(e));
        }
        let before = current_marks(conn, session.id)?;
        let at = now();
        for (p, mark) in &marks {
            match before.get(p) {
                Some(old) if old == mark => continue,
                Some(_) => {
                    diesel::update(attendance::table.find((session.id, *p)))
                        .set((
                            attendance::mark.eq(&mark.0),
                            attendance::late_minutes.eq(mark.1),
                            attendance::not_held_reason.eq(&mark.2),
                            attendance::recorded_by.eq(actor.id.0),
                            attendance::recorded_at.eq(at),
                        ))
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into(attendance::table)
                        .values((
                            attendance::session_id.eq(session.id),
                            attendance::participant_id.eq(p),
                            attendance::mark.eq(&mark.0),
                            attendance::late_minutes.eq(mark.1),
                            attendance::not_held_reason.eq(&mark.2),
                            attendance::recorded_by.eq(actor.id.0),
                            attendance::recorded_at.eq(at),
                        ))
                        .execute(conn)?;
                }
            }
        }
        // One audit row per person whose mark was set or changed, so each participant's trail
        // shows it.
        for (p, mark) in &marks {
            let action = match before.get(p) {
                Some(old) if old == mark => continue,
                Some(_) => "register.correct",
                None => "register.take",
            };
            let from = before.get(p).map(|m| m.0.clone());
            audit::record(
                conn,
                who,
                Event {
                    action,
                    entity_type: "session",
                    entity_id: Some(session.id.to_string()),
                    participant_id: Some(*p),
                    detail: Some(json!({ "from": from, "to": mark.0 })),
                },
            )?;
        }
        let held = marks.values().any(|m| m.0 != "did_not_happen");
        if held && session.status != "held" {
            diesel::update(cohort_sessions::table.find(session.id))
                .set((
                    cohort_sessions::status.eq("held"),
                    cohort_sessions::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        for (p, mark) in &marks {
            if before.get(p) != Some(mark) {
                alerts::evaluate(conn, cohort.id, *p)?;
            }
        }
        register(conn, actor, session.id)
    })
}
