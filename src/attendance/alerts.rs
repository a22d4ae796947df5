//! Absence alerts: N consecutive unexcused absences in a cohort (N per programme) raise one
//! alert; it clears when acknowledged or when the participant attends again. Alerts are shown to
//! the coordinator and on the participant's page. The `absence-alerts` job emails each new alert
//! ([`notify`]) to the site's coordinators and the participant's probation officer, once.

use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Event, Who};
use crate::db::schema::{
    absence_alerts, attendance, cohort_sessions, cohorts, enrolments, participants, programmes,
};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::Actor;
use crate::participants::access as participant_access;
use crate::programmes::{access, ProgrammeError};

/// An open (or cleared) alert as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub participant_id: i64,
    pub case_reference: String,
    pub cohort_id: i64,
    pub cohort_name: String,
    /// Consecutive unexcused absences when raised.
    pub streak: i32,
    pub raised_at: chrono::DateTime<Utc>,
    pub cleared_reason: Option<String>,
}

/// Re-check one participant's streak in one cohort after their marks changed.
pub fn evaluate(
    conn: &mut DbConnection,
    cohort_id: i64,
    participant_id: i64,
) -> Result<(), DbError> {
    let threshold: i32 = cohorts::table
        .inner_join(programmes::table)
        .filter(cohorts::id.eq(cohort_id))
        .select(programmes::absence_alert_after)
        .first(conn)?;
    let marks: Vec<(String, Option<String>)> = attendance::table
        .inner_join(cohort_sessions::table)
        .filter(cohort_sessions::cohort_id.eq(cohort_id))
        .filter(attendance::participant_id.eq(participant_id))
        .order(cohort_sessions::starts_at.desc())
        .select((attendance::mark, attendance::not_held_reason))
        .load(conn)?;
    // Sessions that did not happen for reasons that are nobody's fault neither count nor break.
    let counted: Vec<&str> = marks
        .iter()
        .filter(|(m, r)| !(m == "did_not_happen" && r.as_deref() != Some("participant_choice")))
        .map(|(m, _)| {
            if m == "did_not_happen" {
                "unexcused"
            } else {
                m.as_str()
            }
        })
        .collect();
    let streak = counted.iter().take_while(|m| **m == "unexcused").count() as i32;
    let attended_last = matches!(counted.first(), Some(&"present") | Some(&"late"));
    let enrolment_id: i64 = enrolments::table
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(enrolments::participant_id.eq(participant_id))
        .select(enrolments::id)
        .first(conn)?;
    // The newest alert of this enrolment decides what a streak means now.
    let last: Option<(i64, i32, Option<NaiveDateTime>, Option<String>)> = absence_alerts::table
        .filter(absence_alerts::enrolment_id.eq(enrolment_id))
        .order(absence_alerts::id.desc())
        .select((
            absence_alerts::id,
            absence_alerts::streak,
            absence_alerts::cleared_at,
            absence_alerts::cleared_reason,
        ))
        .first(conn)
        .optional()?;
    let clear = |conn: &mut DbConnection, id: i64, reason: &str| -> Result<(), DbError> {
        diesel::update(absence_alerts::table.find(id))
            .set((
                absence_alerts::cleared_at.eq(now()),
                absence_alerts::cleared_reason.eq(reason),
            ))
            .execute(conn)?;
        Ok(())
    };
    let raise = match last {
        // Open: attending clears it; a correction that breaks the streak clears it too.
        Some((id, _, None, _)) => {
            if attended_last {
                clear(conn, id, "attended")?;
            } else if streak < threshold {
                clear(conn, id, "corrected")?;
            }
            false
        }
        // Acknowledged during this same run of absences: alert again only after N more.
        Some((_, raised_streak, Some(_), Some(reason)))
            if reason == "acknowledged" && streak >= raised_streak =>
        {
            streak >= raised_streak + threshold
        }
        _ => streak >= threshold,
    };
    if raise {
        diesel::insert_into(absence_alerts::table)
            .values((
                absence_alerts::enrolment_id.eq(enrolment_id),
                absence_alerts::participant_id.eq(participant_id),
                absence_alerts::cohort_id.eq(cohort_id),
                absence_alerts::streak.eq(streak),
                absence_alerts::raised_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

type AlertRow = (
    i64,
    i64,
    String,
    i64,
    String,
    i32,
    NaiveDateTime,
    Option<String>,
);

fn to_view(r: AlertRow) -> AlertView {
    AlertView {
        id: r.0,
        participant_id: r.1,
        case_reference: r.2,
        cohort_id: r.3,
        cohort_name: r.4,
        streak: r.5,
        raised_at: Utc.from_utc_datetime(&r.6),
        cleared_reason: r.7,
    }
}

/// [`open_for`], read through the API: each alert names a case reference, so its reading is on
/// that person's trail.
#[tracing::instrument(skip_all)]
pub fn read_open(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &crate::audit::Who,
    participant: Option<i64>,
) -> Result<Vec<AlertView>, DbError> {
    let list = open_for(conn, actor, participant)?;
    let mut people: Vec<i64> = list.iter().map(|a| a.participant_id).collect();
    people.sort_unstable();
    people.dedup();
    crate::audit::record_reads(conn, who, "alert.list", "alert", "list", &people)?;
    Ok(list)
}

/// Open alerts about participants and cohorts `actor` may see (optionally one participant's).
pub fn open_for(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: Option<i64>,
) -> Result<Vec<AlertView>, DbError> {
    let mut q = absence_alerts::table
        .inner_join(participants::table)
        .inner_join(cohorts::table)
        .filter(absence_alerts::cleared_at.is_null())
        .into_boxed();
    if let Some(p) = participant_id {
        q = q.filter(absence_alerts::participant_id.eq(p));
    }
    // A coordinator's alerts are their site's: narrowed before the limit, so that other
    // sites' alerts never push theirs out of it.
    if actor.role == crate::kernel::Role::Coordinator {
        q = q.filter(cohorts::site_id.eq(actor.site_id.map(|s| s.0).unwrap_or(-1)));
    }
    let rows: Vec<AlertRow> = q
        .order(absence_alerts::raised_at.desc())
        .limit(500)
        .select((
            absence_alerts::id,
            absence_alerts::participant_id,
            participants::case_reference,
            absence_alerts::cohort_id,
            cohorts::name,
            absence_alerts::streak,
            absence_alerts::raised_at,
            absence_alerts::cleared_reason,
        ))
        .load(conn)?;
    // Scope in a second step: boxed scope queries cannot be nested through MultiConnection.
    let people: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let cohort_ids: Vec<i64> = rows.iter().map(|r| r.3).collect();
    let visible_people: Vec<i64> = participant_access::visible_to(actor)
        .filter(participants::id.eq_any(people))
        .select(participants::id)
        .load(conn)?;
    let visible_cohorts: Vec<i64> = access::visible_cohorts(actor)
        .filter(cohorts::id.eq_any(cohort_ids))
        .select(cohorts::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| visible_people.contains(&r.1) && visible_cohorts.contains(&r.3))
        .map(to_view)
        .collect())
}

/// Acknowledge an alert (clears it), by someone who manages the cohort's site.
#[tracing::instrument(skip_all)]
pub fn acknowledge(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> Result<(), ProgrammeError> {
    db::write_transaction(conn, |conn| {
        let alert = open_for(conn, actor, None)?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(ProgrammeError::NotFound)?;
        let site: i64 = cohorts::table
            .find(alert.cohort_id)
            .select(cohorts::site_id)
            .first(conn)
            .map_err(DbError::from)?;
        if !access::may_manage(actor, site) {
            return Err(ProgrammeError::Forbidden);
        }
        diesel::update(absence_alerts::table.find(id))
            .set((
                absence_alerts::cleared_at.eq(now()),
                absence_alerts::cleared_reason.eq("acknowledged"),
                absence_alerts::acknowledged_by.eq(actor.id.0),
            ))
            .execute(conn)
            .map_err(DbError::from)?;
        audit::record(
            conn,
            who,
            Event {
                action: "alert.acknowledge",
                entity_type: "absence_alert",
                entity_id: Some(id.to_string()),
                participant_id: Some(alert.participant_id),
                detail: None,
            },
        )?;
        Ok(())
    })
}

/// participant, case reference, site, probation officer, cohort name, streak.
type AlertFacts = (i64, String, i64, Option<i64>, String, i32);

/// Queue one email per new alert to each of the site's coordinators and the participant's
/// probation officer (unless they opted out of absence alerts), and mark the alert notified in
/// the same transaction. Names never go into these emails.
pub fn notify(
    conn: &mut DbConnection,
    settings: &crate::reminders::sweep::SweepSettings,
    now_at: chrono::DateTime<Utc>,
) -> Result<usize, DbError> {
    use crate::db::schema::{email_opt_outs, users};
    let waiting = awaiting_notification(conn)?;
    let mut queued = 0;
    for alert_id in waiting {
        queued += conn.transaction::<_, DbError, _>(|conn| {
            let row: Option<AlertFacts> = absence_alerts::table
                .inner_join(participants::table)
                .inner_join(cohorts::table)
                .filter(absence_alerts::id.eq(alert_id))
                .filter(absence_alerts::notified_at.is_null())
                .select((
                    participants::id,
                    participants::case_reference,
                    participants::site_id,
                    participants::probation_officer_id,
                    cohorts::name,
                    absence_alerts::streak,
                ))
                .first(conn)
                .optional()?;
            let Some((participant_id, case_reference, site_id, po, cohort, streak)) = row else {
                return Ok(0);
            };
            let opted_out: Vec<i64> = email_opt_outs::table
                .filter(email_opt_outs::kind.eq("absence_alerts"))
                .select(email_opt_outs::user_id)
                .load(conn)?;
            let recipients: Vec<(i64, String, String, String)> = users::table
                .filter(users::active.eq(true))
                .filter(
                    users::role
                        .eq("coordinator")
                        .and(users::site_id.eq(site_id))
                        .or(users::id.nullable().eq(po)),
                )
                .select((
                    users::id,
                    users::email,
                    users::display_name,
                    users::language,
                ))
                .load(conn)?;
            let link = settings
                .public_url
                .join(&format!("participants/{participant_id}"))
                .map(|u| u.to_string())
                .unwrap_or_default();
            let mut rows = Vec::new();
            for (user_id, email, name, language) in recipients {
                // Who may learn about the person (a restricted one: named staff only) is the
                // access gate's decision, taken when the rows are queued.
                if opted_out.contains(&user_id) {
                    continue;
                }
                let ctx = crate::mail::EmailContext {
                    recipient: name,
                    case_reference: case_reference.clone(),
                    what: cohort.clone(),
                    kind: "absence_alert".into(),
                    days: streak,
                    link: link.clone(),
                    ..Default::default()
                };
                let rendered = crate::mail::render("absence_alert", &language, &ctx)
                    .map_err(|e| DbError::Query(e.to_string()))?;
                rows.push(crate::outbox::NewNotification::new(
                    format!("alert|{alert_id}|u{user_id}"),
                    "absence_alert",
                    false,
                    Some(participant_id),
                    None,
                    None,
                    Some(user_id),
                    None,
                    email,
                    language,
                    rendered,
                    "pending",
                    now_at.naive_utc(),
                    &settings.public_url,
                ));
            }
            let n = crate::outbox::enqueue(conn, &rows, &participant_access::Gate)?;
            if n == 0 {
                // Still marked notified (it is on the coordinators' home pages), but never quietly.
                tracing::warn!(
                    alert = alert_id,
                    "absence alert: nobody who may learn about this person could be emailed"
                );
            }
            diesel::update(absence_alerts::table.find(alert_id))
                .set(absence_alerts::notified_at.eq(Some(now_at.naive_utc())))
                .execute(conn)?;
            Ok(n)
        })?;
    }
    Ok(queued)
}

/// The seam for email: alerts raised but not yet sent to anyone.
pub fn awaiting_notification(conn: &mut DbConnection) -> Result<Vec<i64>, DbError> {
    Ok(absence_alerts::table
        .filter(absence_alerts::notified_at.is_null())
        .filter(absence_alerts::cleared_at.is_null())
        .select(absence_alerts::id)
        .load(conn)?)
}
