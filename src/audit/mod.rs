//! The audit trail: every login, every read of a participant's record and every change, in an
//! append-only, hash-chained table. Each row's hash covers its content and the previous row's
//! hash, so altering or removing a row breaks the chain from that row on (`onward audit verify`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::schema::{audit_events, settings};
use crate::db::{like_pattern, lock_for_write, lock_keys, now, DbConnection, DbError};
use crate::kernel::{Actor, RequestMeta};

/// The hash that the first row chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD_KEY: &str = "audit-head";

/// Who did something, from where.
#[derive(Debug, Clone)]
pub struct Who {
    pub user_id: Option<i64>,
    pub label: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Who {
    pub fn actor(actor: &Actor, meta: &RequestMeta) -> Self {
        Self {
            user_id: Some(actor.id.0),
            label: actor.audit_label(),
            ip: meta.ip.clone(),
            request_id: Some(meta.request_id.clone()),
        }
    }
    /// Someone not (yet) signed in, e.g. a failed login for `label`.
    pub fn anonymous(label: &str, meta: &RequestMeta) -> Self {
        Self {
            user_id: None,
            label: label.to_string(),
            ip: meta.ip.clone(),
            request_id: Some(meta.request_id.clone()),
        }
    }
    /// The command line, run by whoever has shell access to the server.
    /// Onward itself: a scheduled job or start-up work, named.
    pub fn system(what: &str) -> Self {
        Self {
            user_id: None,
            label: format!("onward ({what})"),
            ip: None,
            request_id: None,
        }
    }

    pub fn command_line() -> Self {
        Self {
            user_id: None,
            label: "command line".into(),
            ip: None,
            request_id: None,
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: Option<String>,
    pub participant_id: Option<i64>,
    pub detail: Option<serde_json::Value>,
}

/// A stored audit row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct AuditEvent {
    pub id: i64,
    /// UTC.
    #[serde(serialize_with = "crate::kernel::time::utc")]
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub participant_id: Option<i64>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    #[serde(skip)]
    pub prev_hash: String,
    #[serde(skip)]
    pub hash: String,
}

impl AuditEvent {
    /// The hash this row should carry, given its content and `prev_hash`.
    fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            &(
                self.id,
                self.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                self.actor_user_id,
                &self.actor_label,
                &self.action,
                &self.entity_type,
                &self.entity_id,
                self.participant_id,
                &self.ip,
                &self.request_id,
                &self.detail,
            ),
        )
    }
}

fn chain_hash(prev: &str, content: &impl Serialize) -> String {
    let json = serde_json::to_string(content).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(json.as_bytes());
    hex::encode(h.finalize())
}

/// Append one event. Runs in its own transaction, or joins the caller's so that a change and its
/// audit row commit together.
pub fn record(conn: &mut DbConnection, who: &Who, event: Event) -> Result<(), DbError> {
    record_many(conn, &[(now(), who.clone(), event)])
}

/// Append events that happened at the given instants, in order, chained like single ones and
/// written in batches (bulk loads). Joins the caller's transaction like [`record`].
pub fn record_many(
    conn: &mut DbConnection,
    events: &[(NaiveDateTime, Who, Event)],
) -> Result<(), DbError> {
    if events.is_empty() {
        return Ok(());
    }
    conn.transaction::<_, DbError, _>(|conn| {
        lock_for_write(conn, lock_keys::AUDIT_CHAIN)?;
        let last: Option<(i64, String)> = audit_events::table
            .order(audit_events::id.desc())
            .select((audit_events::id, audit_events::hash))
            .first(conn)
            .optional()?;
        let (mut last_id, mut prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
        let mut rows = Vec::with_capacity(events.len());
        for (at, who, event) in events {
            let mut row = AuditEvent {
                id: last_id + 1,
                occurred_at: *at,
                actor_user_id: who.user_id,
                actor_label: who.label.clone(),
                action: event.action.to_string(),
                entity_type: event.entity_type.to_string(),
                entity_id: event.entity_id.clone(),
                participant_id: event.participant_id,
                ip: who.ip.clone(),
                request_id: who.request_id.clone(),
                detail: event.detail.as_ref().map(|d| d.to_string()),
                prev_hash,
                hash: String::new(),
            };
            row.hash = row.expected_hash();
            last_id = row.id;
            prev_hash = row.hash.clone();
            rows.push(row);
        }
        // 13 values a row: well under SQLite's limit on bound parameters per statement.
        for chunk in rows.chunks(1_000) {
            match conn {
                DbConnection::Pg(c) => diesel::insert_into(audit_events::table)
                    .values(chunk)
                    .execute(c)?,
                DbConnection::Sqlite(c) => diesel::insert_into(audit_events::table)
                    .values(chunk)
                    .execute(c)?,
            };
        }
        // The head is kept apart so that removing the newest rows is noticed too.
        let head = format!("{last_id}:{prev_hash}");
        let updated = diesel::update(settings::table.filter(settings::key.eq(HEAD_KEY)))
            .set(settings::value.eq(&head))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(settings::table)
                .values((settings::key.eq(HEAD_KEY), settings::value.eq(&head)))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Record that `who` read data of each of `participants` (one row each, so that every
/// participant's own trail shows the read), chained and written together.
pub fn record_reads(
    conn: &mut DbConnection,
    who: &Who,
    action: &'static str,
    entity_type: &'static str,
    entity_id: &str,
    participants: &[i64],
) -> Result<(), DbError> {
    let at = now();
    let events: Vec<(NaiveDateTime, Who, Event)> = participants
        .iter()
        .map(|p| {
            (
                at,
                who.clone(),
                Event {
                    action,
                    entity_type,
                    entity_id: Some(entity_id.to_string()),
                    participant_id: Some(*p),
                    detail: None,
                },
            )
        })
        .collect();
    record_many(conn, &events)
}

/// What `verify` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact { rows: i64 },
    Broken { row: i64, reason: String },
}

/// Walk the chain in order, up to the head recorded when the walk starts (rows appended during
/// the walk are left for next time), and report the first row that does not fit.
pub fn verify(conn: &mut DbConnection) -> Result<Verdict, DbError> {
    const BATCH: i64 = 1_000;
    let head: Option<String> = settings::table
        .filter(settings::key.eq(HEAD_KEY))
        .select(settings::value)
        .first(conn)
        .optional()?;
    let (head_id, head_hash) = match head.as_deref().and_then(|h| h.split_once(':')) {
        Some((id, hash)) => (id.parse::<i64>().unwrap_or(-1), hash.to_string()),
        None => {
            let any: i64 = audit_events::table.count().get_result(conn)?;
            if any == 0 {
                return Ok(Verdict::Intact { rows: 0 });
            }
            return Ok(Verdict::Broken {
                row: 1,
                reason: "the record of the newest row (audit-head) is missing".into(),
            });
        }
    };
    let mut expected_id = 1i64;
    let mut prev_hash = GENESIS.to_string();
    while expected_id <= head_id {
        let rows: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::id.ge(expected_id))
            .filter(audit_events::id.le(head_id))
            .order(audit_events::id.asc())
            .limit(BATCH)
            .select(AuditEvent::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if row.id != expected_id {
                return Ok(Verdict::Broken {
                    row: expected_id,
                    reason: format!("row {expected_id} is missing (the next row is {})", row.id),
                });
            }
            if row.prev_hash != prev_hash {
                return Ok(Verdict::Broken {
                    row: row.id,
                    reason: format!(
                        "row {} does not follow row {} (previous hash differs)",
                        row.id,
                        row.id - 1
                    ),
                });
            }
            if row.hash != row.expected_hash() {
                return Ok(Verdict::Broken {
                    row: row.id,
                    reason: format!(
                        "row {} was altered (its content no longer matches its hash)",
                        row.id
                    ),
                });
            }
            prev_hash = row.hash;
            expected_id += 1;
        }
    }
    let last_id = expected_id - 1;
    if last_id != head_id || prev_hash != head_hash {
        return Ok(Verdict::Broken {
            row: last_id + 1,
            reason: format!(
                "the newest rows were removed: the chain ends at row {last_id} but row {head_id} was written"
            ),
        });
    }
    Ok(Verdict::Intact { rows: last_id })
}

/// Filters for browsing the trail.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub participant_id: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// [`search`], narrowed to the participant with `case_reference` when one is given: none when
/// it names nobody.
pub fn search_about(
    conn: &mut DbConnection,
    mut filter: Filter,
    case_reference: Option<&str>,
    page: crate::kernel::paging::Page,
) -> Result<(Vec<AuditEvent>, i64), DbError> {
    if let Some(reference) = case_reference {
        use crate::db::schema::participants;
        let id: Option<i64> = participants::table
            .filter(participants::case_reference.eq(reference))
            .select(participants::id)
            .first(conn)
            .optional()?;
        match id {
            Some(id) => filter.participant_id = Some(id),
            None => return Ok((Vec::new(), 0)),
        }
    }
    search(conn, &filter, page)
}

/// One page of events, newest first, and the total that match.
pub fn search(
    conn: &mut DbConnection,
    filter: &Filter,
    page: crate::kernel::paging::Page,
) -> Result<(Vec<AuditEvent>, i64), DbError> {
    let build = || {
        let mut q = audit_events::table.into_boxed();
        if let Some(actor) = filter.actor.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(
                audit_events::actor_label
                    .like(like_pattern(&actor.to_lowercase()))
                    .escape('\\'),
            );
        }
        if let Some(action) = filter.action.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(audit_events::action.eq(action.to_string()));
        }
        if let Some(p) = filter.participant_id {
            q = q.filter(audit_events::participant_id.eq(p));
        }
        if let Some(from) = filter.from {
            q = q.filter(audit_events::occurred_at.ge(from));
        }
        if let Some(until) = filter.until {
            q = q.filter(audit_events::occurred_at.lt(until));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order(audit_events::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((rows, total))
}
