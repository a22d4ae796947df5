//! The outbox: every email is first a `notifications` row, written in the same transaction as
//! the decision to send it, with a unique dedupe key (what, for whom, for which date). Delivery
//! claims due rows with a lease (so two instances never send the same row at once, and a row
//! claimed by an instance that died is taken over when its lease expires), retries transient
//! failures with exponential backoff, and marks permanent failures `failed` for an admin to see
//! and retry. The Message-ID is fixed when the row is written, so a retry carries the same one.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{exit_plans, milestones, notifications};
use crate::db::{DbConnection, DbError, DbPool};
use crate::kernel::vocab::OPEN_STATUSES;
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
    /// A calendar invitation sent as an `.ics` attachment (the handover meeting).
    pub attachment_ics: Option<String>,
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
            attachment_ics: None,
        }
    }

    /// The same email with a calendar invitation attached.
    pub fn with_ics(mut self, ics: String) -> Self {
        self.attachment_ics = Some(ics);
        self
    }
}

/// Who an email goes to, as the access gate sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recipient {
    User(i64),
    Agency(i64),
}

impl Recipient {
    fn of(user: Option<i64>, agency: Option<i64>) -> Option<Recipient> {
        match (user, agency) {
            (Some(u), _) => Some(Recipient::User(u)),
            (None, Some(a)) => Some(Recipient::Agency(a)),
            (None, None) => None,
        }
    }
}

/// What the outbox asks the participants area's access gate (`participants::access::Gate`)
/// whenever an email about a person is queued, composed into a digest, sent or shown: the outbox
/// never decides who may learn about whom itself.
pub trait Gate {
    /// For each (participant, recipient), whether that recipient may learn about that participant.
    fn may_tell(
        &self,
        conn: &mut DbConnection,
        asks: &[(i64, Recipient)],
    ) -> Result<Vec<bool>, DbError>;
    /// Whether `agency_id` may be told about `participant_id` on `day` (active, vetted, a
    /// sharing basis valid that day, the person not restricted).
    fn agency_may_learn(
        &self,
        conn: &mut DbConnection,
        participant_id: i64,
        agency_id: i64,
        day: chrono::NaiveDate,
    ) -> Result<bool, DbError>;
    /// Of `participants`, those `viewer` may not learn anything about.
    fn hidden_from(
        &self,
        conn: &mut DbConnection,
        viewer: &crate::kernel::Actor,
        participants: &[i64],
    ) -> Result<HashSet<i64>, DbError>;
}

/// The gate for emails about no participant (a burst of failed logins to the admins): any row
/// that names a participant is refused, so it cannot be used to get round the access gate.
pub struct AboutNoOne;

impl Gate for AboutNoOne {
    fn may_tell(
        &self,
        _: &mut DbConnection,
        asks: &[(i64, Recipient)],
    ) -> Result<Vec<bool>, DbError> {
        Ok(vec![false; asks.len()])
    }
    fn agency_may_learn(
        &self,
        _: &mut DbConnection,
        _: i64,
        _: i64,
        _: chrono::NaiveDate,
    ) -> Result<bool, DbError> {
        Ok(false)
    }
    fn hidden_from(
        &self,
        _: &mut DbConnection,
        _: &crate::kernel::Actor,
        participants: &[i64],
    ) -> Result<HashSet<i64>, DbError> {
        Ok(participants.iter().copied().collect())
    }
}

/// Write rows whose dedupe key is new; rows already decided (by this or another instance) are
/// left alone, and rows whose recipient may not learn about the participant (the gate says no)
/// are not written. Returns how many were written.
pub fn enqueue(
    conn: &mut DbConnection,
    rows: &[NewNotification],
    gate: &dyn Gate,
) -> Result<usize, DbError> {
    let asks: Vec<(usize, (i64, Recipient))> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let p = r.participant_id?;
            Some((
                i,
                (
                    p,
                    Recipient::of(r.recipient_user_id, r.recipient_agency_id)?,
                ),
            ))
        })
        .collect();
    let answers = gate.may_tell(conn, &asks.iter().map(|(_, a)| *a).collect::<Vec<_>>())?;
    let refused: HashSet<usize> = asks
        .iter()
        .zip(answers)
        .filter(|(_, ok)| !ok)
        .map(|((i, _), _)| *i)
        .collect();
    if !refused.is_empty() {
        tracing::info!(
            refused = refused.len(),
            "emails not queued: the recipient may not learn about that person"
        );
    }
    let allowed: Vec<NewNotification> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| !refused.contains(i))
        .map(|(_, r)| r.clone())
        .collect();
    let mut written = 0;
    // Well under SQLite's limit on bound parameters per statement.
    for chunk in allowed.chunks(500) {
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

/// Kinds of email decided by the reminder sweep from the plan's dates.
pub const REMINDER_KINDS: [&str; 3] = [
    "milestone_reminder",
    "milestone_overdue",
    "release_reminder",
];

/// Cancel queued emails about a participant that no longer hold: the milestone moved, was done
/// or dropped, or went to another agency; the plan was withdrawn or its release date moved; or
/// the recipient agency lost its sharing basis, its vetting or its active status. A cancelled
/// row gives up its dedupe key, so the same reminder can be decided again if things change back.
pub fn cancel_stale_for_participant(
    conn: &mut DbConnection,
    participant_id: i64,
    gate: &dyn Gate,
) -> Result<usize, DbError> {
    type Queued = (i64, Option<i64>, Option<NaiveDate>, Option<i64>, String);
    let queued: Vec<Queued> = notifications::table
        .filter(notifications::participant_id.eq(participant_id))
        .filter(
            notifications::status.eq("pending").or(notifications::status
                .eq("in_digest")
                .and(notifications::digest_id.is_null())),
        )
        // Only reminders follow the plan; alerts, notes, handovers and meeting invitations stand
        // on their own decisions and are never cancelled by a plan edit.
        .filter(notifications::kind.eq_any(REMINDER_KINDS))
        .select((
            notifications::id,
            notifications::milestone_id,
            notifications::item_date,
            notifications::recipient_agency_id,
            notifications::dedupe_key,
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
    let current: HashMap<i64, (NaiveDate, String, Option<i64>)> = milestones::table
        .filter(milestones::participant_id.eq(participant_id))
        .select((
            milestones::id,
            milestones::due_on,
            milestones::status,
            milestones::responsible_agency_id,
        ))
        .load::<(i64, NaiveDate, String, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, d, s, a)| (id, (d, s, a)))
        .collect();
    let today = crate::kernel::time::today_utc();
    let mut agency_ok: HashMap<i64, bool> = HashMap::new();
    let mut stale: Vec<(i64, String)> = Vec::new();
    for (id, milestone, date, agency, key) in queued {
        let item_holds = match milestone {
            Some(m) => current.get(&m).is_some_and(|(due, status, owner)| {
                Some(*due) == date
                    && OPEN_STATUSES.contains(&status.as_str())
                    && (agency.is_none() || *owner == agency)
            }),
            None => plan.as_ref().is_some_and(|p| Some(p.0) == date),
        };
        let recipient_holds = match agency {
            None => true,
            Some(a) => match agency_ok.get(&a) {
                Some(ok) => *ok,
                None => {
                    let ok = gate.agency_may_learn(conn, participant_id, a, today)?;
                    agency_ok.insert(a, ok);
                    ok
                }
            },
        };
        if !(item_holds && plan_active && recipient_holds) {
            stale.push((id, key));
        }
    }
    for (id, key) in &stale {
        diesel::update(notifications::table.find(id))
            .set((
                notifications::status.eq("cancelled"),
                notifications::dedupe_key.eq(format!("{key}|cancelled{id}")),
            ))
            .execute(conn)?;
    }
    Ok(stale.len())
}

/// [`cancel_stale_for_participant`] for everyone with email queued to `agency_id` (after the
/// agency was changed: deactivated, or its vetting lapsed).
pub fn cancel_stale_for_agency(
    conn: &mut DbConnection,
    agency_id: i64,
    gate: &dyn Gate,
) -> Result<usize, DbError> {
    let people: Vec<Option<i64>> = notifications::table
        .filter(notifications::recipient_agency_id.eq(agency_id))
        .filter(notifications::status.eq_any(["pending", "in_digest"]))
        .select(notifications::participant_id)
        .distinct()
        .load(conn)?;
    let mut n = 0;
    for p in people.into_iter().flatten() {
        n += cancel_stale_for_participant(conn, p, gate)?;
    }
    Ok(n)
}

/// The queued rows (single emails, digest lines) among `ids` whose recipient may no longer learn
/// about their participant.
fn refused_among(
    conn: &mut DbConnection,
    ids: &[i64],
    gate: &dyn Gate,
) -> Result<Vec<i64>, DbError> {
    let mut refused = Vec::new();
    for chunk in ids.chunks(500) {
        // Row, participant, recipient user, recipient agency.
        type Addressed = (i64, Option<i64>, Option<i64>, Option<i64>);
        let rows: Vec<Addressed> = notifications::table
            .filter(notifications::id.eq_any(chunk))
            .select((
                notifications::id,
                notifications::participant_id,
                notifications::recipient_user_id,
                notifications::recipient_agency_id,
            ))
            .load(conn)?;
        let asks: Vec<(i64, (i64, Recipient))> = rows
            .into_iter()
            .filter_map(|(id, p, u, a)| Some((id, (p?, Recipient::of(u, a)?))))
            .collect();
        let answers = gate.may_tell(conn, &asks.iter().map(|(_, a)| *a).collect::<Vec<_>>())?;
        refused.extend(
            asks.iter()
                .zip(answers)
                .filter(|(_, ok)| !ok)
                .map(|((id, _), _)| *id),
        );
    }
    Ok(refused)
}

/// Cancel row `id` (it gives up its dedupe key, as every cancelled row does), saying why, if it
/// is still queued and nobody else holds a live lease on it (`owner`: the caller's own lease).
/// Returns whether it was cancelled.
fn cancel_row(
    conn: &mut DbConnection,
    id: i64,
    why: &str,
    owner: Option<&str>,
) -> Result<bool, DbError> {
    let key: Option<String> = notifications::table
        .find(id)
        .select(notifications::dedupe_key)
        .first(conn)
        .optional()?;
    let Some(key) = key else {
        return Ok(false);
    };
    let now = crate::db::now();
    let n = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::status.eq_any(["pending", "in_digest"]))
            .filter(
                notifications::lease_until
                    .is_null()
                    .or(notifications::lease_until.lt(now))
                    .or(notifications::lease_owner.eq(owner.unwrap_or(""))),
            ),
    )
    .set((
        notifications::status.eq("cancelled"),
        notifications::dedupe_key.eq(format!("{key}|cancelled{id}")),
        notifications::lease_owner.eq(None::<String>),
        notifications::lease_until.eq(None::<NaiveDateTime>),
        notifications::last_error.eq(Some(why.to_string())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Why a queued email was withheld (shown to admins in the outbox).
const WITHHELD: &str = "withheld: the recipient may no longer learn about this person";

/// Cancel a digest that has not gone (held by nobody but `owner`) and hand its lines back, except
/// `refused` ones (cancelled), so the next composition gathers them again without what may no
/// longer go. A digest being sent by someone else is left to that sender's own last check.
fn unpick_digest(
    conn: &mut DbConnection,
    digest_id: i64,
    refused: &[i64],
    owner: Option<&str>,
) -> Result<(), DbError> {
    if !cancel_row(conn, digest_id, WITHHELD, owner)? {
        return Ok(());
    }
    for id in refused {
        cancel_row(conn, *id, WITHHELD, None)?;
    }
    diesel::update(
        notifications::table
            .filter(notifications::digest_id.eq(digest_id))
            .filter(notifications::status.eq("in_digest")),
    )
    .set(notifications::digest_id.eq(None::<i64>))
    .execute(conn)?;
    Ok(())
}

/// Check every email still queued about `participant_id` (alone, as a digest line waiting to be
/// composed, or in a digest not yet sent) against the access gate, and cancel what may no longer
/// go: after the person was restricted, or their officer, mentors or named staff changed. Lines of
/// a digest already sent are history and stay as they are. Returns how many were withheld.
pub fn withhold_about(
    conn: &mut DbConnection,
    participant_id: i64,
    gate: &dyn Gate,
) -> Result<usize, DbError> {
    let queued: Vec<(i64, Option<i64>)> = notifications::table
        .filter(notifications::participant_id.eq(participant_id))
        .filter(notifications::status.eq_any(["pending", "in_digest"]))
        .select((notifications::id, notifications::digest_id))
        .load(conn)?;
    // Digests still waiting to be sent; lines of any other digest (sent, failed) are left alone.
    let digest_ids: Vec<i64> = queued.iter().filter_map(|(_, d)| *d).collect();
    let waiting: HashSet<i64> = notifications::table
        .filter(notifications::id.eq_any(&digest_ids))
        .filter(notifications::status.eq("pending"))
        .select(notifications::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let queued: Vec<(i64, Option<i64>)> = queued
        .into_iter()
        .filter(|(_, d)| d.is_none_or(|d| waiting.contains(&d)))
        .collect();
    let ids: Vec<i64> = queued.iter().map(|(id, _)| *id).collect();
    let refused = refused_among(conn, &ids, gate)?;
    let mut digests: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut withheld = 0;
    for (id, digest) in &queued {
        if !refused.contains(id) {
            continue;
        }
        match digest {
            Some(d) => digests.entry(*d).or_default().push(*id),
            None => withheld += usize::from(cancel_row(conn, *id, WITHHELD, None)?),
        }
    }
    for (digest, lines) in digests {
        unpick_digest(conn, digest, &lines, None)?;
        withheld += lines.len();
    }
    Ok(withheld)
}

/// The participants an email is about: its own, or for a digest its lines'.
pub fn people_of(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>, DbError> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let own: Vec<(i64, Option<i64>)> = notifications::table
            .filter(notifications::id.eq_any(chunk))
            .select((notifications::id, notifications::participant_id))
            .load(conn)?;
        for (id, p) in own {
            out.entry(id).or_default().extend(p);
        }
        let lines: Vec<(Option<i64>, Option<i64>)> = notifications::table
            .filter(notifications::digest_id.eq_any(chunk))
            .select((notifications::digest_id, notifications::participant_id))
            .load(conn)?;
        for (d, p) in lines {
            if let (Some(d), Some(p)) = (d, p) {
                let v = out.entry(d).or_default();
                if !v.contains(&p) {
                    v.push(p);
                }
            }
        }
    }
    Ok(out)
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
    attachment_ics: Option<String>,
    kind: String,
}

/// Due rows nobody holds a live lease on, oldest first.
fn due_candidates(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<i64>, DbError> {
    Ok(notifications::table
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
        .load(conn)?)
}

/// Take row `id` for `owner` until `now + LEASE`, if it is still due and unleased. Only one
/// claimer's conditional update changes the row: on PostgreSQL a concurrent claimer waits for
/// the row lock, re-reads it and finds the lease taken.
///
/// "Still due" matters: another worker may have tried the row and put it back for a later
/// attempt since this one listed it; without the check every worker would try it again at once
/// and a short SMTP outage would use up all the attempts.
fn claim_one(
    conn: &mut DbConnection,
    owner: &str,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::status.eq("pending"))
            .filter(notifications::next_attempt_at.le(now))
            .filter(
                notifications::lease_until
                    .is_null()
                    .or(notifications::lease_until.lt(now)),
            ),
    )
    .set((
        notifications::lease_owner.eq(owner),
        notifications::lease_until.eq(now + LEASE),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Claim up to `limit` due rows for `owner` (what an instance does before it sends them; tests
/// use it to play an instance that dies after claiming).
pub fn claim(
    conn: &mut DbConnection,
    owner: &str,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<i64>, DbError> {
    let mut claimed = Vec::new();
    for id in due_candidates(conn, now, limit)? {
        if claim_one(conn, owner, id, now)? {
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
    /// Emails cancelled just before sending: the recipient may no longer learn about the person.
    pub withheld: usize,
}

impl DeliveryCounts {
    pub fn is_empty(&self) -> bool {
        self.sent + self.retrying + self.failed + self.withheld == 0
    }
}

/// Seconds to wait before attempt `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 7));
    Duration::seconds(secs.min(3600))
}

/// Claim and send what is due at `now`, looking `batch` rows ahead, until nothing is left.
pub fn deliver_due(
    conn: &mut DbConnection,
    mailer: &Mailer,
    gate: &dyn Gate,
    instance: &str,
    now: NaiveDateTime,
    batch: i64,
) -> Result<DeliveryCounts, DbError> {
    deliver_due_with(conn, None, mailer, gate, instance, now, batch)
}

/// [`deliver_due`], able to note an email sent even when the database went away just after the
/// SMTP server took it: the `sent` mark is then written through new connections from `pool`
/// while the lease still holds (else, once the lease ran out, the email would be sent again).
pub fn deliver_due_with(
    conn: &mut DbConnection,
    pool: Option<&DbPool>,
    mailer: &Mailer,
    gate: &dyn Gate,
    instance: &str,
    now: NaiveDateTime,
    batch: i64,
) -> Result<DeliveryCounts, DbError> {
    // Each run claims under a token of its own, so two overlapping runs of one instance never
    // share a lease; and each row is claimed just before it is sent, so a lease never runs out
    // while the row waits its turn behind slow sends.
    let owner = format!("{instance}/{}", uuid::Uuid::new_v4().simple());
    // `now` is the run's time (tests pass it); it moves on with the real time spent sending.
    let started = std::time::Instant::now();
    let clock = || now + Duration::from_std(started.elapsed()).unwrap_or_default();
    let mut counts = DeliveryCounts::default();
    loop {
        let candidates = due_candidates(conn, clock(), batch)?;
        if candidates.is_empty() {
            return Ok(counts);
        }
        let mut progressed = false;
        for id in candidates {
            if claim_one(conn, &owner, id, clock())? {
                progressed = true;
                deliver_claimed(conn, pool, mailer, gate, &owner, id, clock(), &mut counts)?;
            }
        }
        if !progressed {
            // Everything left was taken by other instances meanwhile.
            return Ok(counts);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn deliver_claimed(
    conn: &mut DbConnection,
    pool: Option<&DbPool>,
    mailer: &Mailer,
    gate: &dyn Gate,
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
            notifications::attachment_ics,
            notifications::kind,
        ))
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(());
    };
    // Just before sending, the gate is asked again: the person may have been restricted, or
    // their officer or mentors changed, since the email was queued.
    let lines: Vec<i64> = if row.kind == "digest" {
        notifications::table
            .filter(notifications::digest_id.eq(row.id))
            .select(notifications::id)
            .load(conn)?
    } else {
        vec![row.id]
    };
    let refused = refused_among(conn, &lines, gate)?;
    if !refused.is_empty() {
        if row.kind == "digest" {
            unpick_digest(conn, row.id, &refused, Some(instance))?;
        } else {
            cancel_row(conn, row.id, WITHHELD, Some(instance))?;
        }
        counts.withheld += 1;
        return Ok(());
    }
    // The row was claimed just now: its lease runs out `LEASE` after this.
    let claimed_at = std::time::Instant::now();
    let mine = notifications::table
        .filter(notifications::id.eq(row.id))
        .filter(notifications::lease_owner.eq(instance));
    let result = mailer.send(&Outgoing {
        to: row.to_address.clone(),
        subject: row.subject.clone(),
        text: row.body_text.clone(),
        html: row.body_html.clone(),
        message_id: row.message_id.clone(),
        ics: row.attachment_ics.clone(),
    });
    let attempts = row.attempts + 1;
    match result {
        Ok(()) => {
            let mark_sent = |conn: &mut DbConnection| {
                let update = diesel::update(mine).set((
                    notifications::status.eq("sent"),
                    notifications::attempts.eq(attempts),
                    notifications::sent_at.eq(Some(crate::db::now().max(now))),
                    notifications::lease_owner.eq(None::<String>),
                    notifications::lease_until.eq(None::<NaiveDateTime>),
                    notifications::last_error.eq(None::<String>),
                ));
                // An instance killed between the server's 250 and this commit sends the email
                // again (with the same Message-ID): SMTP gives no exactly-once. RELIABILITY.md
                // measures how often.
                update.execute(conn).map_err(DbError::from)
            };
            match (mark_sent(conn), pool) {
                (Ok(_), _) => {}
                (Err(e), Some(pool)) if e.is_unavailable() => {
                    tracing::warn!(notification = row.id, error = %e, "email sent but not noted: noting it again");
                    note_when_back(pool, claimed_at, e, mark_sent)?;
                }
                (Err(e), _) => return Err(e),
            }
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

/// Write `mark` through new connections from `pool` until it works or the lease nearly ran out
/// (after which another instance may take the row over: then `first_error` is returned).
fn note_when_back(
    pool: &DbPool,
    claimed_at: std::time::Instant,
    first_error: DbError,
    mark: impl Fn(&mut DbConnection) -> Result<usize, DbError>,
) -> Result<(), DbError> {
    let deadline = claimed_at + (LEASE - Duration::seconds(15)).to_std().unwrap_or_default();
    while std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let noted = pool
            .get()
            .map_err(DbError::from)
            .and_then(|mut c| mark(&mut c));
        match noted {
            Ok(_) => return Ok(()),
            Err(e) if e.is_unavailable() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(first_error)
}

fn one_line(s: &str) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(500).collect()
}

/// Put a failed email back in the queue (an admin's retry button).
pub fn retry(
    conn: &mut DbConnection,
    actor: &crate::kernel::Actor,
    who: &crate::audit::Who,
    id: i64,
) -> Result<bool, DbError> {
    if actor.role != crate::kernel::Role::Admin {
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

/// Compose the daily digests: one email per recipient, site zone and day, from the lines the
/// sweep queued for digest rules, once that zone's morning has come. A line arriving after the
/// day's digest was written waits for tomorrow's, unless its date is today or already past: that
/// one goes out at once as a single email, so a digest never makes a reminder late.
pub fn compose_digests(
    conn: &mut DbConnection,
    now: chrono::DateTime<chrono::Utc>,
    morning: chrono::NaiveTime,
    public_url: &url::Url,
    gate: &dyn Gate,
) -> Result<usize, DbError> {
    use crate::db::schema::{participants, sites};
    let waiting: Vec<(String, String)> = notifications::table
        .inner_join(participants::table.inner_join(sites::table))
        .filter(notifications::status.eq("in_digest"))
        .filter(notifications::digest_id.is_null())
        .select((notifications::to_address, sites::time_zone))
        .distinct()
        .load(conn)?;
    let mut written = 0;
    for (to, zone) in waiting {
        let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
        let day = crate::kernel::calendar::reminder_day(now, tz, morning);
        if day != now.with_timezone(&tz).date_naive() {
            continue; // before this zone's morning
        }
        written += crate::db::write_transaction(conn, |conn| {
            compose_one(conn, &to, &zone, day, now.naive_utc(), public_url, gate)
        })?;
    }
    Ok(written)
}

/// One recipient's digest for one zone's `day`, under the write lock (lines cancelled meanwhile
/// are not picked up).
fn compose_one(
    conn: &mut DbConnection,
    to: &str,
    zone: &str,
    day: NaiveDate,
    now: NaiveDateTime,
    public_url: &url::Url,
    gate: &dyn Gate,
) -> Result<usize, DbError> {
    use crate::db::schema::{participants, sites};
    #[derive(Queryable)]
    struct Line {
        id: i64,
        language: String,
        recipient_user_id: Option<i64>,
        recipient_agency_id: Option<i64>,
        subject: String,
        participant_id: Option<i64>,
        milestone_id: Option<i64>,
        item_date: Option<NaiveDate>,
    }
    let lines: Vec<Line> = notifications::table
        .inner_join(participants::table.inner_join(sites::table))
        .filter(notifications::status.eq("in_digest"))
        .filter(notifications::digest_id.is_null())
        .filter(notifications::to_address.eq(to))
        .filter(sites::time_zone.eq(zone))
        .order(notifications::id.asc())
        .select((
            notifications::id,
            notifications::language,
            notifications::recipient_user_id,
            notifications::recipient_agency_id,
            notifications::subject,
            notifications::participant_id,
            notifications::milestone_id,
            notifications::item_date,
        ))
        .load(conn)?;
    // A line whose recipient may no longer learn about its person is withheld, not composed.
    let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
    let refused = refused_among(conn, &ids, gate)?;
    for id in &refused {
        cancel_row(conn, *id, WITHHELD, None)?;
    }
    let lines: Vec<Line> = lines
        .into_iter()
        .filter(|l| !refused.contains(&l.id))
        .collect();
    let Some(first) = lines.first() else {
        return Ok(0);
    };
    // Agencies work on milestone pages; staff on the participant's plan.
    let link = |l: &Line| -> String {
        let path = match (l.recipient_agency_id, l.milestone_id, l.participant_id) {
            (Some(_), Some(m), _) => format!("milestones/{m}"),
            (_, _, Some(p)) => format!("participants/{p}/exit-plan"),
            _ => String::new(),
        };
        public_url
            .join(&path)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| public_url.to_string())
    };
    let ctx = EmailContext {
        recipient: to.to_string(),
        link: public_url.to_string(),
        items: lines
            .iter()
            .map(|l| DigestLine {
                case_reference: String::new(),
                subject: l.subject.clone(),
                link: link(l),
            })
            .collect(),
        ..Default::default()
    };
    let rendered = crate::mail::render("digest", &first.language, &ctx)
        .map_err(|e| DbError::Query(e.to_string()))?;
    let key = format!("digest|{day}|{zone}|{to}");
    let row = NewNotification::new(
        key.clone(),
        "digest",
        first.recipient_agency_id.is_some(),
        None,
        None,
        Some(day),
        first.recipient_user_id,
        first.recipient_agency_id,
        to.to_string(),
        first.language.clone(),
        rendered,
        "pending",
        now,
        public_url,
    );
    if enqueue(conn, std::slice::from_ref(&row), gate)? == 0 {
        // Today's digest went already: what is due today or past goes alone, now.
        let late: Vec<i64> = lines
            .iter()
            .filter(|l| l.item_date.is_some_and(|d| d <= day))
            .map(|l| l.id)
            .collect();
        diesel::update(notifications::table.filter(notifications::id.eq_any(late)))
            .set((
                notifications::status.eq("pending"),
                notifications::next_attempt_at.eq(now),
            ))
            .execute(conn)?;
        return Ok(0);
    }
    let digest_id: i64 = notifications::table
        .filter(notifications::dedupe_key.eq(&key))
        .select(notifications::id)
        .first(conn)?;
    let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
        .set(notifications::digest_id.eq(Some(digest_id)))
        .execute(conn)?;
    Ok(1)
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
    #[serde(serialize_with = "crate::kernel::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::kernel::time::utc_opt")]
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

/// Emails by status for the admin's page (`failed` first of all), newest first. An email about
/// someone `viewer` may not learn about is listed without its subject (it carries the case
/// reference); the people whose subjects are shown are recorded as read by `who`.
pub fn by_status(
    conn: &mut DbConnection,
    viewer: &crate::kernel::Actor,
    who: &crate::audit::Who,
    status: &str,
    page: crate::kernel::paging::Page,
    gate: &dyn Gate,
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
    let mut items: Vec<NotificationLine> = items;
    let ids: Vec<i64> = items.iter().map(|n| n.id).collect();
    let people = people_of(conn, &ids)?;
    let everyone: Vec<i64> = people.values().flatten().copied().collect();
    let hidden = gate.hidden_from(conn, viewer, &everyone)?;
    let mut shown: Vec<i64> = Vec::new();
    for line in items.iter_mut() {
        let about = people.get(&line.id).map(Vec::as_slice).unwrap_or_default();
        if about.iter().any(|p| hidden.contains(p)) {
            // Listed for delivery's sake only: nothing that says who it is about.
            line.subject = crate::i18n::t(&crate::i18n::DEFAULT_LANG, "outbox-restricted-subject");
            line.participant_id = None;
        } else {
            shown.extend(about);
        }
    }
    shown.sort_unstable();
    shown.dedup();
    if !shown.is_empty() {
        crate::audit::record_reads(
            conn,
            who,
            "notification.list",
            "notification",
            status,
            &shown,
        )?;
    }
    Ok((items, total))
}

/// One stored email's subject and text for `viewer` (an admin: the caller checks), recorded as a
/// read of everyone it is about; `None` when it does not exist or is about someone `viewer` may
/// not learn about (a digest: anyone on it).
pub fn open(
    conn: &mut DbConnection,
    viewer: &crate::kernel::Actor,
    who: &crate::audit::Who,
    id: i64,
    gate: &dyn Gate,
) -> Result<Option<(String, String)>, DbError> {
    let Some((subject, text, _)) = body(conn, id)? else {
        return Ok(None);
    };
    let about = people_of(conn, &[id])?.remove(&id).unwrap_or_default();
    if !gate.hidden_from(conn, viewer, &about)?.is_empty() {
        return Ok(None);
    }
    if !about.is_empty() {
        crate::audit::record_reads(
            conn,
            who,
            "notification.read",
            "notification",
            &id.to_string(),
            &about,
        )?;
    }
    Ok(Some((subject, text)))
}

/// The full stored email (admins only: the caller checks).
fn body(
    conn: &mut DbConnection,
    id: i64,
) -> Result<Option<(String, String, Option<i64>)>, DbError> {
    Ok(notifications::table
        .find(id)
        .select((
            notifications::subject,
            notifications::body_text,
            notifications::participant_id,
        ))
        .first(conn)
        .optional()?)
}
