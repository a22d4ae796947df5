//! Enrolments: a participant in a cohort, through referred → assessed → waitlisted → enrolled →
//! active → completed (or suspended, withdrawn, transferred). The allowed moves are data
//! ([`TRANSITIONS`]); each move keeps its reason, actor and time as history.

use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Event, Who};
use crate::db::schema::{cohorts, enrolment_events, enrolments, participants, programmes};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::validate::{override_reason, required_text};
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};
use crate::participants::access as participant_access;
use crate::programmes::access as cohort_access;

pub const STATUSES: [&str; 9] = [
    "referred",
    "assessed",
    "waitlisted",
    "enrolled",
    "active",
    "suspended",
    "completed",
    "withdrawn",
    "transferred",
];
pub const OUTCOMES: [&str; 3] = ["suitable", "not_suitable", "suitable_not_ready"];

const MANAGERS: &[Role] = &[Role::Admin, Role::Coordinator];
const WITH_MENTORS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Mentor];

/// Every allowed move: from, to, and the roles that may make it. Anything else is refused.
pub const TRANSITIONS: &[(&str, &str, &[Role])] = &[
    ("referred", "assessed", WITH_MENTORS),
    ("referred", "withdrawn", MANAGERS),
    ("assessed", "waitlisted", MANAGERS),
    ("assessed", "enrolled", MANAGERS),
    ("assessed", "withdrawn", MANAGERS),
    ("waitlisted", "enrolled", MANAGERS),
    ("waitlisted", "withdrawn", MANAGERS),
    ("enrolled", "active", WITH_MENTORS),
    ("enrolled", "withdrawn", MANAGERS),
    ("enrolled", "transferred", MANAGERS),
    ("active", "suspended", WITH_MENTORS),
    ("active", "completed", MANAGERS),
    ("active", "withdrawn", MANAGERS),
    ("active", "transferred", MANAGERS),
    ("suspended", "active", WITH_MENTORS),
    ("suspended", "withdrawn", MANAGERS),
    ("suspended", "transferred", MANAGERS),
];

/// The states `role` may move an enrolment to from `from`.
pub fn allowed_next(from: &str, role: Role) -> Vec<&'static str> {
    TRANSITIONS
        .iter()
        .filter(|(f, _, roles)| *f == from && roles.contains(&role))
        .map(|(_, to, _)| *to)
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum EnrolmentError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(FieldErrors),
    /// A move the table does not allow for this role; carries what is allowed.
    #[error("transition refused")]
    Refused {
        from: String,
        to: String,
        allowed: Vec<&'static str>,
    },
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for EnrolmentError {
    fn from(e: diesel::result::Error) -> Self {
        EnrolmentError::Db(e.into())
    }
}

impl From<EnrolmentError> for Problem {
    fn from(e: EnrolmentError) -> Self {
        match e {
            EnrolmentError::NotFound => Problem::not_found(),
            EnrolmentError::Invalid(errors) => Problem::invalid(errors),
            EnrolmentError::Refused { from, to, allowed } => {
                let list = if allowed.is_empty() {
                    "—".to_string()
                } else {
                    allowed.join(", ")
                };
                let message = crate::kernel::Message::with(
                    "error-transition",
                    &[("from", from), ("to", to), ("allowed", list)],
                );
                let mut p = Problem::invalid(FieldErrors::default());
                p.errors.push(crate::kernel::FieldError {
                    field: "to".into(),
                    message,
                });
                p.extensions.insert("allowed".into(), json!(allowed));
                p
            }
            EnrolmentError::Forbidden => Problem::forbidden(),
            EnrolmentError::Db(e) => e.into(),
        }
    }
}

fn invalid(field: &str, key: &str) -> EnrolmentError {
    let mut e = FieldErrors::default();
    e.add(field, key);
    EnrolmentError::Invalid(e)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrolments)]
pub struct EnrolmentRow {
    pub id: i64,
    pub participant_id: i64,
    pub cohort_id: i64,
    pub status: String,
    pub assessment_outcome: Option<String>,
    pub version: i32,
}

/// One move in an enrolment's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub from_status: Option<String>,
    pub to_status: String,
    pub assessment_outcome: Option<String>,
    pub reason: String,
    pub actor: String,
    pub at: chrono::DateTime<Utc>,
    /// Whole days spent in `to_status` (until the next move, or until now).
    pub days_in_state: i64,
}

/// An enrolment with its history and attendance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrolmentView {
    pub id: i64,
    pub participant_id: i64,
    pub case_reference: String,
    pub cohort_id: i64,
    pub cohort_name: String,
    pub status: String,
    pub assessment_outcome: Option<String>,
    /// Where this enrolment may go next, for you.
    pub allowed_next: Vec<&'static str>,
    pub attendance: crate::attendance::Rate,
    pub history: Vec<HistoryEntry>,
    pub version: i32,
}

/// A referral as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    pub participant_id: Option<i64>,
    pub cohort_id: Option<i64>,
    pub reason: Option<String>,
}

/// A move as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// The new status.
    pub to: Option<String>,
    pub reason: Option<String>,
    /// Required when moving to `assessed`: `suitable`, `not_suitable` or `suitable_not_ready`.
    pub assessment_outcome: Option<String>,
    /// Complete although the completion rule is not met, for this reason.
    pub override_reason: Option<String>,
}

/// The enrolment if `actor` may see its participant.
pub fn visible(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<EnrolmentRow, EnrolmentError> {
    let row: EnrolmentRow = enrolments::table
        .find(id)
        .select(EnrolmentRow::as_select())
        .first(conn)
        .optional()
        .map_err(DbError::from)?
        .ok_or(EnrolmentError::NotFound)?;
    let sees: i64 = participant_access::visible_to(actor)
        .filter(participants::id.eq(row.participant_id))
        .count()
        .get_result(conn)
        .map_err(DbError::from)?;
    if sees == 0 {
        return Err(EnrolmentError::NotFound);
    }
    Ok(row)
}

fn record_event(
    conn: &mut DbConnection,
    who: &Who,
    id: i64,
    from: Option<&str>,
    to: &str,
    outcome: Option<&str>,
    reason: &str,
) -> Result<(), DbError> {
    diesel::insert_into(enrolment_events::table)
        .values((
            enrolment_events::enrolment_id.eq(id),
            enrolment_events::from_status.eq(from),
            enrolment_events::to_status.eq(to),
            enrolment_events::assessment_outcome.eq(outcome),
            enrolment_events::reason.eq(reason),
            enrolment_events::actor_user_id.eq(who.user_id),
            enrolment_events::actor_label.eq(&who.label),
            enrolment_events::occurred_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Refer a participant to a cohort (status `referred`).
#[tracing::instrument(skip_all)]
pub fn refer(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    input: &ReferralInput,
) -> Result<EnrolmentView, EnrolmentError> {
    let mut e = FieldErrors::default();
    if input.participant_id.is_none() {
        e.add("participant_id", "error-required");
    }
    if input.cohort_id.is_none() {
        e.add("cohort_id", "error-required");
    }
    let reason = required_text(&mut e, "reason", &input.reason, 1000);
    let (Some(participant_id), Some(cohort_id), Some(reason)) =
        (input.participant_id, input.cohort_id, reason)
    else {
        return Err(EnrolmentError::Invalid(e));
    };
    db::write_transaction(conn, |conn| {
        let site: Option<i64> = participant_access::visible_to(actor)
            .filter(participants::id.eq(participant_id))
            .select(participants::site_id)
            .first(conn)
            .optional()?;
        let Some(site) = site else {
            return Err(invalid("participant_id", "error-unknown-participant"));
        };
        let cohort_site: Option<i64> = cohort_access::visible_cohorts(actor)
            .filter(cohorts::id.eq(cohort_id))
            .select(cohorts::site_id)
            .first(conn)
            .optional()?;
        let Some(cohort_site) = cohort_site else {
            return Err(invalid("cohort_id", "error-unknown-cohort"));
        };
        if !cohort_access::may_manage(actor, cohort_site) {
            return Err(EnrolmentError::Forbidden);
        }
        if cohort_site != site {
            return Err(invalid("cohort_id", "error-cohort-other-site"));
        }
        let at = now();
        diesel::insert_into(enrolments::table)
            .values((
                enrolments::participant_id.eq(participant_id),
                enrolments::cohort_id.eq(cohort_id),
                enrolments::status.eq("referred"),
                enrolments::version.eq(1),
                enrolments::created_at.eq(at),
                enrolments::updated_at.eq(at),
            ))
            .execute(conn)
            .map_err(|e| match DbError::from(e) {
                DbError::Constraint(_) => invalid("participant_id", "error-already-enrolled"),
                other => EnrolmentError::Db(other),
            })?;
        let id: i64 = enrolments::table
            .filter(enrolments::participant_id.eq(participant_id))
            .filter(enrolments::cohort_id.eq(cohort_id))
            .select(enrolments::id)
            .first(conn)?;
        record_event(conn, who, id, None, "referred", None, &reason)?;
        audit::record(
            conn,
            who,
            Event {
                action: "enrolment.refer",
                entity_type: "enrolment",
                entity_id: Some(id.to_string()),
                participant_id: Some(participant_id),
                detail: Some(json!({ "cohort_id": cohort_id })),
            },
        )?;
        view(conn, actor, id)
    })
}

/// Move an enrolment to another status, if the table allows it for the actor's role.
#[tracing::instrument(skip_all)]
pub fn transition(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &TransitionInput,
) -> Result<EnrolmentView, EnrolmentError> {
    let mut e = FieldErrors::default();
    let reason = required_text(&mut e, "reason", &input.reason, 1000);
    let to = match input.to.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("to", "error-required");
            None
        }
        Some(t) if STATUSES.contains(&t) => Some(t.to_string()),
        Some(_) => {
            e.add("to", "error-status-unknown");
            None
        }
    };
    let override_reason = override_reason(&mut e, &input.override_reason);
    db::write_transaction(conn, |conn| {
        let row = visible(conn, actor, id)?;
        let (Some(to), Some(reason)) = (to, reason) else {
            return Err(EnrolmentError::Invalid(e));
        };
        let allowed = allowed_next(&row.status, actor.role);
        if !matches!(actor.role, Role::Admin | Role::Coordinator | Role::Mentor) {
            return Err(EnrolmentError::Forbidden);
        }
        if !allowed.contains(&to.as_str()) {
            return Err(EnrolmentError::Refused {
                from: row.status.clone(),
                to,
                allowed,
            });
        }
        let (cohort_site, capacity, min_percent): (i64, i32, i32) = cohorts::table
            .inner_join(programmes::table)
            .filter(cohorts::id.eq(row.cohort_id))
            .select((
                cohorts::site_id,
                cohorts::capacity,
                programmes::min_attendance_percent,
            ))
            .first(conn)?;
        if actor.role == Role::Coordinator && !cohort_access::may_manage(actor, cohort_site) {
            return Err(EnrolmentError::Forbidden);
        }
        let mut outcome = row.assessment_outcome.clone();
        let mut target = to.clone();
        match to.as_str() {
            "assessed" => match input.assessment_outcome.as_deref().map(str::trim) {
                Some(o) if OUTCOMES.contains(&o) => outcome = Some(o.to_string()),
                Some(_) => return Err(invalid("assessment_outcome", "error-choice")),
                None => return Err(invalid("assessment_outcome", "error-required")),
            },
            "enrolled" if outcome.as_deref() != Some("suitable") => {
                return Err(invalid("to", "error-not-assessed-suitable"));
            }
            "enrolled" => {
                // A full cohort puts new enrolments on its waitlist.
                let taken: i64 = enrolments::table
                    .filter(enrolments::cohort_id.eq(row.cohort_id))
                    .filter(enrolments::status.eq_any(["enrolled", "active", "suspended"]))
                    .count()
                    .get_result(conn)?;
                if taken >= i64::from(capacity) {
                    target = "waitlisted".into();
                }
            }
            "completed" => {
                let rate = crate::attendance::rate_for(conn, row.cohort_id, row.participant_id)?;
                let met = rate.percent.is_some_and(|p| p >= f64::from(min_percent));
                if !met && override_reason.is_none() {
                    let mut errors = FieldErrors::default();
                    errors.0.push(crate::kernel::FieldError {
                        field: "override_reason".into(),
                        message: crate::kernel::Message::with(
                            "error-completion-rule",
                            &[
                                ("needed", min_percent.to_string()),
                                (
                                    "actual",
                                    rate.percent.map_or("—".into(), |p| format!("{p:.0}")),
                                ),
                            ],
                        ),
                    });
                    return Err(EnrolmentError::Invalid(errors));
                }
            }
            _ => {}
        }
        let changed = diesel::update(
            enrolments::table
                .find(row.id)
                .filter(enrolments::version.eq(row.version)),
        )
        .set((
            enrolments::status.eq(&target),
            enrolments::assessment_outcome.eq(&outcome),
            enrolments::version.eq(row.version.saturating_add(1)),
            enrolments::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(invalid("to", "error-changed-meanwhile"));
        }
        let full_reason = match &override_reason {
            Some(o) if to == "completed" => format!("{reason} (completion rule overridden: {o})"),
            _ if target != to => format!("{reason} (cohort full: waitlisted)"),
            _ => reason.clone(),
        };
        record_event(
            conn,
            who,
            row.id,
            Some(&row.status),
            &target,
            outcome.as_deref().filter(|_| to == "assessed"),
            &full_reason,
        )?;
        audit::record(
            conn,
            who,
            Event {
                action: "enrolment.transition",
                entity_type: "enrolment",
                entity_id: Some(row.id.to_string()),
                participant_id: Some(row.participant_id),
                detail: Some(
                    json!({ "from": row.status, "to": target, "override": override_reason.is_some() }),
                ),
            },
        )?;
        view(conn, actor, row.id)
    })
}

/// from, to, outcome, reason, actor, when.
type EventRow = (
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    NaiveDateTime,
);

/// The enrolment with history (time in each state) and attendance.
pub fn view(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<EnrolmentView, EnrolmentError> {
    let row = visible(conn, actor, id)?;
    let events: Vec<EventRow> = enrolment_events::table
        .filter(enrolment_events::enrolment_id.eq(id))
        .order((
            enrolment_events::occurred_at.asc(),
            enrolment_events::id.asc(),
        ))
        .select((
            enrolment_events::from_status,
            enrolment_events::to_status,
            enrolment_events::assessment_outcome,
            enrolment_events::reason,
            enrolment_events::actor_label,
            enrolment_events::occurred_at,
        ))
        .load(conn)?;
    let at_now = now();
    let history = events
        .iter()
        .enumerate()
        .map(|(i, (from, to, outcome, reason, actor_label, at))| {
            let until = events.get(i + 1).map_or(at_now, |next| next.5);
            HistoryEntry {
                from_status: from.clone(),
                to_status: to.clone(),
                assessment_outcome: outcome.clone(),
                reason: reason.clone(),
                actor: actor_label.clone(),
                at: Utc.from_utc_datetime(at),
                days_in_state: (until - *at).num_days(),
            }
        })
        .collect();
    let case_reference: String = participants::table
        .find(row.participant_id)
        .select(participants::case_reference)
        .first(conn)?;
    let cohort_name: String = cohorts::table
        .find(row.cohort_id)
        .select(cohorts::name)
        .first(conn)?;
    let attendance = crate::attendance::rate_for(conn, row.cohort_id, row.participant_id)?;
    Ok(EnrolmentView {
        id: row.id,
        participant_id: row.participant_id,
        case_reference,
        cohort_id: row.cohort_id,
        cohort_name,
        status: row.status.clone(),
        assessment_outcome: row.assessment_outcome,
        allowed_next: allowed_next(&row.status, actor.role),
        attendance,
        history,
        version: row.version,
    })
}

/// Read one enrolment, audited.
#[tracing::instrument(skip_all)]
pub fn read(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> Result<EnrolmentView, EnrolmentError> {
    let v = view(conn, actor, id)?;
    audit::record_reads(
        conn,
        who,
        "enrolment.read",
        "enrolment",
        &id.to_string(),
        &[v.participant_id],
    )?;
    Ok(v)
}

/// List enrolments, auditing the read for each participant shown.
#[tracing::instrument(skip_all)]
pub fn read_list(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    cohort_id: Option<i64>,
    participant_id: Option<i64>,
) -> Result<Vec<EnrolmentView>, EnrolmentError> {
    let list = list(conn, actor, cohort_id, participant_id)?;
    let shown: Vec<i64> = list.iter().map(|e| e.participant_id).collect();
    let entity = cohort_id.map_or_else(|| "participant".to_string(), |c| format!("cohort {c}"));
    audit::record_reads(conn, who, "enrolment.read", "enrolment", &entity, &shown)?;
    Ok(list)
}

/// Enrolments `actor` may see, of a cohort or of a participant.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    cohort_id: Option<i64>,
    participant_id: Option<i64>,
) -> Result<Vec<EnrolmentView>, EnrolmentError> {
    let mut q = enrolments::table.into_boxed();
    if let Some(c) = cohort_id {
        q = q.filter(enrolments::cohort_id.eq(c));
    }
    if let Some(p) = participant_id {
        q = q.filter(enrolments::participant_id.eq(p));
    }
    let rows: Vec<(i64, i64)> = q
        .order(enrolments::id.asc())
        .select((enrolments::id, enrolments::participant_id))
        .limit(500)
        .load(conn)?;
    // Boxed scope queries cannot be nested as subqueries through MultiConnection: filter in two steps.
    let people: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let visible: Vec<i64> = participant_access::visible_to(actor)
        .filter(participants::id.eq_any(people))
        .select(participants::id)
        .load(conn)?;
    rows.into_iter()
        .filter(|(_, p)| visible.contains(p))
        .map(|(id, _)| view(conn, actor, id))
        .collect()
}
