//! The outbox: every email is first a `notifications` row, written in the same transaction as
//! the decision to send it, with a unique dedupe key (what, for whom, for which date). Delivery
//! claims due rows with a lease (so two instances never send the same row at once, and a row
//! claimed by an instance that died is taken over when its lease expires), retries transient
//! failures with exponential backoff, and marks permanent failures `failed` for an admin to see
//! and retry. The Message-ID is fixed when the row is written, so a retry carries the same one.

pub mod routes;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{exit_plans, milestones, notifications};
use crate::db::{DbConnection, DbError};
use crate::exit_plans::model::OPEN_STATUSES;
use crate::mail::{DigestLine, EmailContext, Mailer, Outgoing, Rendered};

/// How long a claim lasts: a delivery that takes longer is assumed dead and taken over.
pub const LEASE: Duration = Duration::seconds(120);
/// Transient failures are retried this many times before the row is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// A row to write to the outbox.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification {
    pub dedupe_key: String,
    pub kind: String,
    pub mandatory: bool,
    pub participant_id: Option<i64>,
    pub milestone_id: Option<i64>,
    pub item_date: Option<NaiveDate>,
    pub recipient_user_id: Option<i64>,
    pub recipient_agency_id: Option<i64>,
    pub to_address: String,
    pub language: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

impl NewNotification {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        dedupe_key: String,
        kind: &str,
        mandatory: bool,
        participant_id: Option<i64>,
        milestone_id: Option<i64>,
        item_date: Option<NaiveDate>,
        recipient_user_id: Option<i64>,
        recipient_agency_id: Option<i64>,
        to_address: String,
        language: String,
        rendered: Rendered,
        status: &str,
        now: NaiveDateTime,
        public_url: &url::Url,
    ) -> Self {
        let host = public_url.host_str().unwrap_or("onward.local");
        Self {
            dedupe_key,
            kind: kind.into(),
            mandatory,
            participant_id,
            milestone_id,
            item_date,
            recipient_user_id,
            recipient_agency_id,
            to_address,
            language,
            subject: rendered.subject,
            body_text: rendered.text,
            body_html: rendered.html,
            message_id: format!("<onward.{}@{host}>", uuid::Uuid::new_v4().simple()),
            status: status.into(),
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        }
    }
}

/// Write rows whose dedupe key is new; rows already decided (by this or another instance) are
/// left alone. Returns how many were written.
pub fn enqueue(conn: &mut DbConnection, rows: &[NewNotification]) -> Result<usize, DbError> {
    let mut written = 0;
    // Well under SQLite's limit on bound parameters per statement.
    for chunk in rows.chunks(500) {
        written += match conn {
            DbConnection::Pg(c) => diesel::insert_into(notifications::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(notifications::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(written)
}

/// Cancel queued emails about a participant's dates that no longer hold: the milestone moved,
/// was done or dropped, or the plan was withdrawn or its release date moved.
pub fn cancel_stale_for_participant(
    conn: &mut DbConnection,
    participant_id: i64,
) -> Result<usize, DbError> {
    let queued: Vec<(i64, Option<i64>, Option<NaiveDate>, String)> = notifications::table
        .filter(notifications::participant_id.eq(participant_id))
        .filter(
            notifications::status.eq("pending").or(notifications::status
                .eq("in_digest")
                .and(notifications::digest_id.is_null())),
        )
        .filter(notifications::kind.ne("absence_alert"))
        .select((
            notifications::id,
            notifications::milestone_id,
            notifications::item_date,
            notifications::kind,
        ))
        .load(conn)?;
    if queued.is_empty() {
        return Ok(0);
    }
    let plan: Option<(NaiveDate, String)> = exit_plans::table
        .filter(exit_plans::participant_id.eq(participant_id))
        .select((exit_plans::target_release_date, exit_plans::status))
        .first(conn)
        .optional()?;
    let plan_active = plan.as_ref().is_some_and(|p| p.1 == "active");
    let current: HashMap<i64, (NaiveDate, String)> = milestones::table
        .filter(milestones::participant_id.eq(participant_id))
        .select((milestones::id, milestones::due_on, milestones::status))
        .load::<(i64, NaiveDate, String)>(conn)?
        .into_iter()
        .map(|(id, d, s)| (id, (d, s)))
        .collect();
    let stale: Vec<i64> = queued
        .into_iter()
        .filter(|(_, milestone, date, _)| {
            let still = match milestone {
                Some(m) => current.get(m).is_some_and(|(due, status)| {
                    Some(*due) == *date && OPEN_STATUSES.contains(&status.as_str())
                }),
                None => plan.as_ref().is_some_and(|p| Some(p.0) == *date),
            };
            !(still && plan_active)
        })
        .map(|(id, ..)| id)
        .collect();
    Ok(
        diesel::update(notifications::table.filter(notifications::id.eq_any(&stale)))
            .set(notifications::status.eq("cancelled"))
            .execute(conn)?,
    )
}

/// A claimed row, ready to send.
#[derive(Debug, Clone, Queryable)]
struct Claimed {
    id: i64,
    to_address: String,
    subject: String,
    body_text: String,
    body_html: String,
    message_id: String,
    attempts: i32,
}

/// Claim up to `limit` due rows for `instance` until `now + LEASE`. A row is claimed by the one
/// instance whose conditional update changes it; on PostgreSQL a concurrent claimer waits for
/// the row and then sees the lease already taken.
pub fn claim(
    conn: &mut DbConnection,
    instance: &str,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<i64>, DbError> {
    let candidates: Vec<i64> = notifications::table
        .filter(notifications::status.eq("pending"))
        .filter(notifications::next_attempt_at.le(now))
        .filter(
            notifications::lease_until
                .is_null()
                .or(notifications::lease_until.lt(now)),
        )
        .order((
            notifications::next_attempt_at.asc(),
            notifications::id.asc(),
        ))
        .limit(limit)
        .select(notifications::id)
        .load(conn)?;
    let mut claimed = Vec::new();
    for id in candidates {
        let n = diesel::update(
            notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::status.eq("pending"))
                .filter(
                    notifications::lease_until
                        .is_null()
                        .or(notifications::lease_until.lt(now)),
                ),
        )
        .set((
            notifications::lease_owner.eq(instance),
            notifications::lease_until.eq(now + LEASE),
        ))
        .execute(conn)?;
        if n == 1 {
            claimed.push(id);
        }
    }
    Ok(claimed)
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl DeliveryCounts {
    pub fn is_empty(&self) -> bool {
        self.sent + self.retrying + self.failed == 0
    }
}

/// Seconds to wait before attempt `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 7));
    Duration::seconds(secs.min(3600))
}

/// Claim and send what is due at `now`, in batches of `batch`, until nothing is left.
pub fn deliver_due(
    conn: &mut DbConnection,
    mailer: &Mailer,
    instance: &str,
    now: NaiveDateTime,
    batch: i64,
) -> Result<DeliveryCounts, DbError> {
    let mut counts = DeliveryCounts::default();
    loop {
        let ids = claim(conn, instance, now, batch)?;
        if ids.is_empty() {
            return Ok(counts);
        }
        for id in ids {
            deliver_claimed(conn, mailer, instance, id, now, &mut counts)?;
        }
    }
}

fn deliver_claimed(
    conn: &mut DbConnection,
    mailer: &Mailer,
    instance: &str,
    id: i64,
    now: NaiveDateTime,
    counts: &mut DeliveryCounts,
) -> Result<(), DbError> {
    let row: Option<Claimed> = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::lease_owner.eq(instance))
        .select((
            notifications::id,
            notifications::to_address,
            notifications::subject,
            notifications::body_text,
            notifications::body_html,
            notifications::message_id,
            notifications::attempts,
        ))
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(());
    };
    let mine = notifications::table
        .filter(notifications::id.eq(row.id))
        .filter(notifications::lease_owner.eq(instance));
    let result = mailer.send(&Outgoing {
        to: row.to_address.clone(),
        subject: row.subject.clone(),
        text: row.body_text.clone(),
        html: row.body_html.clone(),
        message_id: row.message_id.clone(),
    });
    let attempts = row.attempts + 1;
    match result {
        Ok(()) => {
            diesel::update(mine)
                .set((
                    notifications::status.eq("sent"),
                    notifications::attempts.eq(attempts),
                    notifications::sent_at.eq(Some(crate::db::now().max(now))),
                    notifications::lease_owner.eq(None::<String>),
                    notifications::lease_until.eq(None::<NaiveDateTime>),
                    notifications::last_error.eq(None::<String>),
                ))
                .execute(conn)?;
            counts.sent += 1;
        }
        Err(e) => {
            let give_up = e.permanent || attempts >= MAX_ATTEMPTS;
            tracing::warn!(notification = row.id, attempts, permanent = e.permanent, error = %e.reason, "email not delivered");
            diesel::update(mine)
                .set((
                    notifications::status.eq(if give_up { "failed" } else { "pending" }),
                    notifications::attempts.eq(attempts),
                    notifications::next_attempt_at.eq(now + backoff(row.attempts)),
                    notifications::lease_owner.eq(None::<String>),
                    notifications::lease_until.eq(None::<NaiveDateTime>),
                    notifications::last_error.eq(Some(one_line(&e.reason))),
                ))
                .execute(conn)?;
            if give_up {
                counts.failed += 1;
            } else {
                counts.retrying += 1;
            }
        }
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(500).collect()
}

/// Put a failed email back in the queue (an admin's retry button).
pub fn retry(
    conn: &mut DbConnection,
    actor: &crate::auth::Actor,
    who: &crate::audit::Who,
    id: i64,
) -> Result<bool, DbError> {
    if actor.role != crate::auth::Role::Admin {
        return Ok(false);
    }
    crate::db::write_transaction(conn, |conn| {
        let n = diesel::update(
            notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::status.eq("failed")),
        )
        .set((
            notifications::status.eq("pending"),
            notifications::attempts.eq(0),
            notifications::next_attempt_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
        if n == 1 {
            crate::audit::record(
                conn,
                who,
                crate::audit::Event {
                    action: "notification.retry",
                    entity_type: "notification",
                    entity_id: Some(id.to_string()),
                    participant_id: None,
                    detail: None,
                },
            )?;
        }
        Ok(n == 1)
    })
}

/// Compose one digest email per recipient and day from queued digest lines. A recipient whose
/// digest for `day` was already written gets the remaining lines in tomorrow's.
pub fn compose_digests(
    conn: &mut DbConnection,
    day: NaiveDate,
    now: NaiveDateTime,
    public_url: &url::Url,
) -> Result<usize, DbError> {
    #[derive(Queryable)]
    struct Line {
        id: i64,
        to_address: String,
        language: String,
        recipient_user_id: Option<i64>,
        recipient_agency_id: Option<i64>,
        subject: String,
        participant_id: Option<i64>,
    }
    let lines: Vec<Line> = notifications::table
        .filter(notifications::status.eq("in_digest"))
        .filter(notifications::digest_id.is_null())
        .order(notifications::id.asc())
        .select((
            notifications::id,
            notifications::to_address,
            notifications::language,
            notifications::recipient_user_id,
            notifications::recipient_agency_id,
            notifications::subject,
            notifications::participant_id,
        ))
        .load(conn)?;
    let mut by_recipient: Vec<(String, Vec<Line>)> = Vec::new();
    for line in lines {
        match by_recipient
            .iter_mut()
            .find(|(to, _)| *to == line.to_address)
        {
            Some((_, v)) => v.push(line),
            None => by_recipient.push((line.to_address.clone(), vec![line])),
        }
    }
    let mut written = 0;
    for (to, lines) in by_recipient {
        let first = &lines[0];
        let key = format!("digest|{day}|{to}");
        let ctx = EmailContext {
            recipient: to.clone(),
            link: public_url.to_string(),
            items: lines
                .iter()
                .map(|l| DigestLine {
                    case_reference: String::new(),
                    subject: l.subject.clone(),
                    link: l
                        .participant_id
                        .and_then(|p| public_url.join(&format!("participants/{p}/exit-plan")).ok())
                        .map(|u| u.to_string())
                        .unwrap_or_else(|| public_url.to_string()),
                })
                .collect(),
            ..Default::default()
        };
        let rendered = crate::mail::render("digest", &first.language, &ctx)
            .map_err(|e| DbError::Query(e.to_string()))?;
        let row = NewNotification::new(
            key.clone(),
            "digest",
            first.recipient_agency_id.is_some(),
            None,
            None,
            Some(day),
            first.recipient_user_id,
            first.recipient_agency_id,
            to.clone(),
            first.language.clone(),
            rendered,
            "pending",
            now,
            public_url,
        );
        conn.transaction::<_, DbError, _>(|conn| {
            if enqueue(conn, std::slice::from_ref(&row))? == 0 {
                return Ok(());
            }
            let digest_id: i64 = notifications::table
                .filter(notifications::dedupe_key.eq(&key))
                .select(notifications::id)
                .first(conn)?;
            let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
            diesel::update(
                notifications::table
                    .filter(notifications::id.eq_any(ids))
                    .filter(notifications::digest_id.is_null()),
            )
            .set(notifications::digest_id.eq(Some(digest_id)))
            .execute(conn)?;
            written += 1;
            Ok(())
        })?;
    }
    Ok(written)
}

/// An email as listed on a participant's page or the admin's outbox page.
#[derive(Debug, Clone, Serialize, Queryable, utoipa::ToSchema)]
pub struct NotificationLine {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    /// `pending`, `sent`, `failed`, `cancelled` or `in_digest`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub message_id: String,
    pub participant_id: Option<i64>,
    /// The status of the digest that carried it, for digest lines.
    pub digest_id: Option<i64>,
}

type LineColumns = (
    notifications::id,
    notifications::kind,
    notifications::to_address,
    notifications::subject,
    notifications::status,
    notifications::attempts,
    notifications::last_error,
    notifications::created_at,
    notifications::sent_at,
    notifications::message_id,
    notifications::participant_id,
    notifications::digest_id,
);

const LINE: LineColumns = (
    notifications::id,
    notifications::kind,
    notifications::to_address,
    notifications::subject,
    notifications::status,
    notifications::attempts,
    notifications::last_error,
    notifications::created_at,
    notifications::sent_at,
    notifications::message_id,
    notifications::participant_id,
    notifications::digest_id,
);

/// Every email about a participant, newest first (the caller checks the participant is visible).
pub fn for_participant(
    conn: &mut DbConnection,
    participant_id: i64,
) -> Result<Vec<NotificationLine>, DbError> {
    let mut lines: Vec<NotificationLine> = notifications::table
        .filter(notifications::participant_id.eq(participant_id))
        .order(notifications::id.desc())
        .select(LINE)
        .load(conn)?;
    // A digest line shows as sent when its digest was.
    let digests: Vec<i64> = lines.iter().filter_map(|l| l.digest_id).collect();
    if !digests.is_empty() {
        let states: HashMap<i64, (String, Option<NaiveDateTime>)> = notifications::table
            .filter(notifications::id.eq_any(digests))
            .select((
                notifications::id,
                notifications::status,
                notifications::sent_at,
            ))
            .load::<(i64, String, Option<NaiveDateTime>)>(conn)?
            .into_iter()
            .map(|(id, s, at)| (id, (s, at)))
            .collect();
        for l in lines.iter_mut() {
            if let Some((status, at)) = l.digest_id.and_then(|d| states.get(&d)) {
                l.status = status.clone();
                l.sent_at = *at;
            }
        }
    }
    Ok(lines)
}

/// Emails by status for the admin's page (`failed` first of all), newest first.
pub fn by_status(
    conn: &mut DbConnection,
    status: &str,
    page: crate::web::paging::Page,
) -> Result<(Vec<NotificationLine>, i64), DbError> {
    let total: i64 = notifications::table
        .filter(notifications::status.eq(status))
        .count()
        .get_result(conn)?;
    let items = notifications::table
        .filter(notifications::status.eq(status))
        .order(notifications::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(LINE)
        .load(conn)?;
    Ok((items, total))
}

/// The full stored email (admins only: the caller checks).
pub fn body(conn: &mut DbConnection, id: i64) -> Result<Option<(String, String)>, DbError> {
    Ok(notifications::table
        .find(id)
        .select((notifications::subject, notifications::body_text))
        .first(conn)
        .optional()?)
}
