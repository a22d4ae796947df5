//! Retention: a participant closed longer ago than `ONWARD_RETENTION_DAYS` is anonymised. Their
//! names and date of birth are replaced and the free text that could name them is removed, while
//! everything statistics need stays: the rows themselves, session dates, attendance marks,
//! enrolment statuses, ratings, milestone kinds and dates.
//!
//! What is removed is one declarative list, [`RULES`]. The preview counts, per rule, the rows the
//! run would change, with the very condition the run's `UPDATE` uses, so the two cannot drift
//! apart. Each participant is anonymised once (`participants.anonymised_at`), in a transaction
//! of its own that re-checks under the write lock that they are still due, so runs that overlap
//! (the daily job on two instances, an admin's "Run now") never process anyone twice. Every run
//! is a `retention_runs` row; every participant anonymised is an audit event on their trail.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::audit::{self, Event, Who};
use crate::crypto::Keyring;
use crate::db::schema::{participants, retention_runs};
use crate::db::{self, DbConnection, DbError};
use crate::kernel::paging::Page;
use crate::kernel::{Actor, Role};

/// What happens to a column when its participant is anonymised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Set to this SQL expression (the same on SQLite and PostgreSQL; it may name other columns
    /// of the row, e.g. `kind`). Rows already holding it are left alone and not counted.
    Set(&'static str),
    /// Text sealed at rest (`crypto`): replaced by the empty text sealed with the current key,
    /// so that every reader, the export and key rotation keep working. Every row counts.
    SealEmpty,
}

/// One column that is anonymised: `rows` selects the participant's rows (`{id}` is their id).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub table: &'static str,
    pub column: &'static str,
    pub rows: &'static str,
    pub action: Action,
}

const OWN: &str = "participant_id = {id}";
const OWN_PLAN: &str = "plan_id IN (SELECT id FROM exit_plans WHERE participant_id = {id})";
const OWN_ENROLMENT: &str =
    "enrolment_id IN (SELECT id FROM enrolments WHERE participant_id = {id})";

/// Everything anonymisation removes, used by both the preview and the run. To cover a new
/// column, add a line here (and its table to [`VERSIONED`] if it has a `version` column).
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    // The person: names and date of birth replaced (the columns are required), the search text
    // reduced to the pseudonymous case reference, which is kept.
    Rule { table: "participants", column: "given_name", rows: "id = {id}", action: Action::Set("'Anonymised'") },
    Rule { table: "participants", column: "family_name", rows: "id = {id}", action: Action::Set("'Anonymised'") },
    Rule { table: "participants", column: "date_of_birth", rows: "id = {id}", action: Action::Set("'1900-01-01'") },
    Rule { table: "participants", column: "search_text", rows: "id = {id}", action: Action::Set("lower(case_reference)") },
    // Free text staff typed about them.
    Rule { table: "enrolment_events", column: "reason", rows: OWN_ENROLMENT, action: Action::Set("''") },
    Rule { table: "absence_alerts", column: "cleared_reason", rows: OWN, action: Action::Set("NULL") },
    Rule { table: "exit_plan_pathways", column: "responsible", rows: OWN_PLAN, action: Action::Set("''") },
    Rule { table: "milestones", column: "title", rows: OWN, action: Action::Set("kind") },
    Rule { table: "milestones", column: "note", rows: OWN, action: Action::Set("''") },
    Rule { table: "sharing_bases", column: "legal_basis", rows: OWN, action: Action::Set("''") },
    // Emails about them (a secure-channel mailbox got their name); who, when and status stay.
    Rule { table: "notifications", column: "subject", rows: OWN, action: Action::Set("''") },
    Rule { table: "notifications", column: "body_text", rows: OWN, action: Action::Set("''") },
    Rule { table: "notifications", column: "body_html", rows: OWN, action: Action::Set("''") },
    Rule { table: "notifications", column: "attachment_ics", rows: OWN, action: Action::Set("NULL") },
    // The handover pack as sent holds the name, shared notes and contacts; its dates and
    // statuses stay for the statistics.
    Rule { table: "handovers", column: "pack", rows: OWN, action: Action::Set("NULL") },
    Rule { table: "handovers", column: "meeting_place", rows: OWN, action: Action::Set("NULL") },
    // Sealed narratives and assessment notes; ratings, levels and dates stay.
    Rule { table: "progress_notes", column: "narrative", rows: OWN, action: Action::SealEmpty },
    Rule { table: "risk_reviews", column: "notes", rows: OWN, action: Action::SealEmpty },
];

/// Tables of [`RULES`] with a `version` column: changed rows move to a later version, so a form
/// opened before the run gets a conflict instead of writing the old text back.
pub const VERSIONED: &[&str] = &[
    "participants",
    "exit_plan_pathways",
    "milestones",
    "sharing_bases",
    "progress_notes",
    "handovers",
];

impl Rule {
    /// `table.column`, as previews and summaries name it.
    pub fn target(&self) -> String {
        format!("{}.{}", self.table, self.column)
    }

    fn rows_of(&self, participant_id: i64) -> String {
        self.rows.replace("{id}", &participant_id.to_string())
    }

    /// The rows of the participant this rule would change.
    fn changes(&self, participant_id: i64) -> String {
        let rows = self.rows_of(participant_id);
        let column = self.column;
        match self.action {
            Action::Set("NULL") => format!("({rows}) AND {column} IS NOT NULL"),
            Action::Set(value) => {
                format!("({rows}) AND ({column} IS NULL OR {column} <> {value})")
            }
            Action::SealEmpty => format!("({rows})"),
        }
    }
}

/// One column's rows removed (or to be removed) for one participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// `table.column`.
    pub target: String,
    pub rows: i64,
}

/// A participant due for anonymisation (or anonymised by a run), with what goes.
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    pub participant_id: i64,
    pub case_reference: String,
    /// UTC.
    pub closed_at: NaiveDateTime,
    pub removals: Vec<Removal>,
}

/// Who is due now and what would be removed.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub retention_days: i64,
    /// Participants closed at or before this instant (UTC) are due.
    pub closed_before: NaiveDateTime,
    /// How many are due (all pages).
    pub total: i64,
    pub participants: Vec<Due>,
}

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error("only auditors and admins see retention; only admins run it")]
    Forbidden,
    #[error("sealed text cannot be replaced: {0}")]
    Key(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RetentionError {
    fn from(e: diesel::result::Error) -> Self {
        RetentionError::Db(e.into())
    }
}

impl From<RetentionError> for crate::kernel::Problem {
    fn from(e: RetentionError) -> Self {
        use crate::kernel::Problem;
        match e {
            RetentionError::Forbidden => Problem::forbidden(),
            RetentionError::Key(reason) => DbError::Query(reason).into(),
            RetentionError::Db(e) => e.into(),
        }
    }
}

/// Whether `actor` may see the preview and the runs.
pub fn may_see(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Auditor)
}

/// The end of the retention period for a closure: `now` minus `days`.
pub fn closed_before(now: DateTime<Utc>, days: i64) -> NaiveDateTime {
    (now - Duration::days(days)).naive_utc()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct RowId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn count(conn: &mut DbConnection, sql: String) -> Result<i64, DbError> {
    Ok(match conn {
        DbConnection::Pg(c) => diesel::sql_query(sql).get_result::<Count>(c)?.n,
        DbConnection::Sqlite(c) => diesel::sql_query(sql).get_result::<Count>(c)?.n,
    })
}

fn ids(conn: &mut DbConnection, sql: String) -> Result<Vec<i64>, DbError> {
    let rows: Vec<RowId> = match conn {
        DbConnection::Pg(c) => diesel::sql_query(sql).load(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c)?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

fn execute(conn: &mut DbConnection, sql: String) -> Result<i64, DbError> {
    let n = match conn {
        DbConnection::Pg(c) => diesel::sql_query(sql).execute(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(sql).execute(c)?,
    };
    Ok(n as i64)
}

/// `UPDATE table SET column = <text> WHERE id = row` with the text bound, not spliced.
fn set_text(
    conn: &mut DbConnection,
    rule: &Rule,
    row: i64,
    text: &str,
    bump: &str,
) -> Result<i64, DbError> {
    let (table, column) = (rule.table, rule.column);
    let n = match conn {
        DbConnection::Pg(c) => diesel::sql_query(format!(
            "UPDATE {table} SET {column} = $1{bump} WHERE id = {row}"
        ))
        .bind::<Text, _>(text)
        .execute(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(format!(
            "UPDATE {table} SET {column} = ?{bump} WHERE id = {row}"
        ))
        .bind::<Text, _>(text)
        .execute(c)?,
    };
    Ok(n as i64)
}

/// What anonymising `participant_id` would remove now: each rule with rows to change.
pub fn plan(conn: &mut DbConnection, participant_id: i64) -> Result<Vec<Removal>, DbError> {
    let mut out = Vec::new();
    for rule in RULES {
        let rows = count(
            conn,
            format!(
                "SELECT COUNT(*) AS n FROM {} WHERE {}",
                rule.table,
                rule.changes(participant_id)
            ),
        )?;
        if rows > 0 {
            out.push(Removal {
                target: rule.target(),
                rows,
            });
        }
    }
    Ok(out)
}

/// Apply every rule to `participant_id`; returns what each changed (the caller holds the write
/// transaction).
fn apply(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    participant_id: i64,
) -> Result<Vec<Removal>, RetentionError> {
    let mut out = Vec::new();
    for rule in RULES {
        let bump = if VERSIONED.contains(&rule.table) {
            ", version = version + 1"
        } else {
            ""
        };
        let where_ = rule.changes(participant_id);
        let rows = match rule.action {
            Action::Set(value) => execute(
                conn,
                format!(
                    "UPDATE {} SET {} = {value}{bump} WHERE {where_}",
                    rule.table, rule.column
                ),
            )?,
            Action::SealEmpty => {
                let found = ids(
                    conn,
                    format!("SELECT id FROM {} WHERE {where_} ORDER BY id", rule.table),
                )?;
                if found.is_empty() {
                    0
                } else {
                    let keys = keys.ok_or_else(|| {
                        RetentionError::Key(format!(
                            "ONWARD_DATA_KEY is not set, and {} holds sealed text",
                            rule.target()
                        ))
                    })?;
                    let mut changed = 0;
                    for row in found {
                        // A fresh nonce per row: never two values sealed alike.
                        changed += set_text(conn, rule, row, &keys.seal(""), bump)?;
                    }
                    changed
                }
            }
        };
        if rows > 0 {
            out.push(Removal {
                target: rule.target(),
                rows,
            });
        }
    }
    Ok(out)
}

/// The participants due at `cutoff`, oldest closure first: `(id, case reference, closed at)`.
fn due_query(cutoff: NaiveDateTime) -> participants::BoxedQuery<'static, db::MultiBackend> {
    participants::table
        .filter(participants::status.eq("closed"))
        .filter(participants::anonymised_at.is_null())
        .filter(participants::closed_at.le(cutoff))
        .into_boxed()
}

/// A participant due: id, case reference, closed at.
type DueRow = (i64, String, NaiveDateTime);

fn due(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    page: Option<Page>,
) -> Result<(Vec<DueRow>, i64), DbError> {
    let total: i64 = due_query(cutoff).count().get_result(conn)?;
    let mut q = due_query(cutoff)
        .order((participants::closed_at.asc(), participants::id.asc()))
        .select((
            participants::id,
            participants::case_reference,
            participants::closed_at.assume_not_null(),
        ));
    if let Some(p) = page {
        q = q.limit(p.per_page).offset(p.offset());
    }
    Ok((q.load(conn)?, total))
}

/// Who would be anonymised as of `now` (one page of them, or all with `None`) and what each
/// would lose. Reads no personal data beyond case references; the caller audits the look.
pub fn preview(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    days: i64,
    page: Option<Page>,
) -> Result<Preview, DbError> {
    let cutoff = closed_before(now, days);
    let (found, total) = due(conn, cutoff, page)?;
    let mut participants = Vec::with_capacity(found.len());
    for (participant_id, case_reference, closed_at) in found {
        participants.push(Due {
            removals: plan(conn, participant_id)?,
            participant_id,
            case_reference,
            closed_at,
        });
    }
    Ok(Preview {
        retention_days: days,
        closed_before: cutoff,
        total,
        participants,
    })
}

/// Record that `who` looked at the preview, on the trail of each participant it showed.
#[tracing::instrument(skip_all)]
pub fn audit_preview(conn: &mut DbConnection, who: &Who, preview: &Preview) -> Result<(), DbError> {
    let shown: Vec<i64> = preview
        .participants
        .iter()
        .map(|d| d.participant_id)
        .collect();
    audit::record_reads(
        conn,
        who,
        "retention.preview",
        "participant",
        "retention",
        &shown,
    )
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: i64,
    pub anonymised: Vec<Due>,
}

/// Anonymise everyone due as of `now`. Each participant commits on its own with its audit
/// event; the run is recorded in `retention_runs` even when it fails part way.
#[tracing::instrument(skip_all)]
pub fn run(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    who: &Who,
    now: DateTime<Utc>,
    days: i64,
) -> Result<RunReport, RetentionError> {
    let cutoff = closed_before(now, days);
    let run_id = db::write_transaction(conn, |conn| -> Result<i64, DbError> {
        diesel::insert_into(retention_runs::table)
            .values((
                retention_runs::started_at.eq(db::now()),
                retention_runs::actor_user_id.eq(who.user_id),
                retention_runs::actor_label.eq(&who.label),
                retention_runs::retention_days.eq(i32::try_from(days).unwrap_or(i32::MAX)),
                retention_runs::closed_before.eq(cutoff),
                retention_runs::outcome.eq("running"),
            ))
            .execute(conn)?;
        // Under the write lock, the newest row is this one.
        Ok(retention_runs::table
            .select(diesel::dsl::max(retention_runs::id))
            .first::<Option<i64>>(conn)?
            .unwrap_or_default())
    })?;
    let mut anonymised = Vec::new();
    let result = anonymise_due(conn, keys, who, cutoff, run_id, &mut anonymised);
    let (outcome, error) = match &result {
        Ok(()) => ("succeeded", None),
        Err(e) => {
            tracing::error!(run = run_id, error = %e, "retention run failed");
            ("failed", Some(e.to_string()))
        }
    };
    diesel::update(retention_runs::table.find(run_id))
        .set((
            retention_runs::finished_at.eq(Some(db::now())),
            retention_runs::outcome.eq(outcome),
            retention_runs::participants.eq(anonymised.len() as i32),
            retention_runs::summary.eq(summary(&anonymised).to_string()),
            retention_runs::error.eq(error),
        ))
        .execute(conn)
        .map_err(DbError::from)?;
    result?;
    Ok(RunReport { run_id, anonymised })
}

fn anonymise_due(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    who: &Who,
    cutoff: NaiveDateTime,
    run_id: i64,
    done: &mut Vec<Due>,
) -> Result<(), RetentionError> {
    let (found, _) = due(conn, cutoff, None)?;
    for (participant_id, case_reference, closed_at) in found {
        let removed = db::write_transaction(conn, |conn| {
            // Still due? Another run, or a reopening, may have come first.
            let still: i64 = due_query(cutoff)
                .filter(participants::id.eq(participant_id))
                .count()
                .get_result(conn)?;
            if still == 0 {
                return Ok::<_, RetentionError>(None);
            }
            let removals = apply(conn, keys, participant_id)?;
            let at = db::now();
            diesel::update(participants::table.find(participant_id))
                .set((
                    participants::anonymised_at.eq(Some(at)),
                    participants::updated_at.eq(at),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                who,
                Event {
                    action: "participant.anonymise",
                    entity_type: "participant",
                    entity_id: Some(participant_id.to_string()),
                    participant_id: Some(participant_id),
                    detail: Some(json!({
                        "retention_run": run_id,
                        "removed": removed_map(&removals),
                    })),
                },
            )?;
            Ok(Some(removals))
        })?;
        if let Some(removals) = removed {
            done.push(Due {
                participant_id,
                case_reference,
                closed_at,
                removals,
            });
        }
    }
    Ok(())
}

fn removed_map(removals: &[Removal]) -> Value {
    Value::Object(
        removals
            .iter()
            .map(|r| (r.target.clone(), json!(r.rows)))
            .collect(),
    )
}

/// The run's JSON summary: per participant (case reference) and in total, rows per column.
fn summary(done: &[Due]) -> Value {
    let mut total: Map<String, Value> = Map::new();
    for d in done {
        for r in &d.removals {
            let n = total.get(&r.target).and_then(Value::as_i64).unwrap_or(0) + r.rows;
            total.insert(r.target.clone(), json!(n));
        }
    }
    json!({
        "removed": total,
        "participants": done.iter().map(|d| json!({
            "case_reference": d.case_reference,
            "removed": removed_map(&d.removals),
        })).collect::<Vec<_>>(),
    })
}

/// A recorded run.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct RetentionRun {
    pub id: i64,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub actor_label: String,
    pub retention_days: i32,
    pub closed_before: NaiveDateTime,
    pub outcome: String,
    pub participants: i32,
    /// JSON text: `{"removed": {...}, "participants": [...]}`.
    pub summary: String,
    pub error: Option<String>,
}

/// Recorded runs, newest first.
pub fn runs(conn: &mut DbConnection, page: Page) -> Result<(Vec<RetentionRun>, i64), DbError> {
    let total = retention_runs::table.count().get_result(conn)?;
    let items = retention_runs::table
        .order(retention_runs::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            retention_runs::id,
            retention_runs::started_at,
            retention_runs::finished_at,
            retention_runs::actor_label,
            retention_runs::retention_days,
            retention_runs::closed_before,
            retention_runs::outcome,
            retention_runs::participants,
            retention_runs::summary,
            retention_runs::error,
        ))
        .load(conn)?;
    Ok((items, total))
}

/// Preview and run as the CLI prints them: one line per participant, `table.column × rows`.
pub fn describe(items: &[Due]) -> String {
    items
        .iter()
        .map(|d| {
            let what = d
                .removals
                .iter()
                .map(|r| format!("{} × {}", r.target, r.rows))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{}: {what}\n", d.case_reference)
        })
        .collect()
}
