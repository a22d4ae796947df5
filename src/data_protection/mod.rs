//! Data-protection duties. Subject access: everything Onward holds about one participant — their
//! record, staff links, enrolments and their history, attendance, alerts, exit plan, pathways,
//! milestones, sharing bases, every email about them (with its text), progress notes and risk
//! reviews (opened with the data key), and the audit entries about them — as one JSON document.
//! Taking an export is itself audited. Retention: participants closed longer than the retention
//! period are anonymised ([`retention`]).

pub mod retention;

use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{json, Map, Value};

use crate::audit::{self, Event, Who};
use crate::crypto::Keyring;
use crate::db::schema::participants;
use crate::db::{DbConnection, DbError};
use crate::kernel::{Actor, Role};

/// Each table that holds something about a participant, and how its rows are found
/// (`{id}` is the participant's id, a number).
const SOURCES: [(&str, &str); 16] = [
    ("participants", "id = {id}"),
    ("participant_mentors", "participant_id = {id}"),
    ("participant_access", "participant_id = {id}"),
    ("enrolments", "participant_id = {id}"),
    (
        "enrolment_events",
        "enrolment_id IN (SELECT id FROM enrolments WHERE participant_id = {id})",
    ),
    ("attendance", "participant_id = {id}"),
    ("absence_alerts", "participant_id = {id}"),
    ("exit_plans", "participant_id = {id}"),
    (
        "exit_plan_pathways",
        "plan_id IN (SELECT id FROM exit_plans WHERE participant_id = {id})",
    ),
    ("milestones", "participant_id = {id}"),
    ("sharing_bases", "participant_id = {id}"),
    ("notifications", "participant_id = {id}"),
    ("progress_notes", "participant_id = {id}"),
    ("risk_reviews", "participant_id = {id}"),
    ("handovers", "participant_id = {id}"),
    ("audit_events", "participant_id = {id}"),
];

/// The tables of the export, in the order it lists them.
pub fn tables() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|(table, _)| *table)
}

/// Sealed columns, opened in the export.
const SEALED: [(&str, &str); 3] = [
    ("progress_notes", "narrative"),
    ("risk_reviews", "notes"),
    ("handovers", "pack"),
];

#[derive(QueryableByName)]
struct JsonText {
    #[diesel(sql_type = Text)]
    rows: String,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The rows of `table` matching `filter`, as a JSON array of objects (column → value).
fn rows(conn: &mut DbConnection, table: &str, filter: &str) -> Result<Value, DbError> {
    let text = match conn {
        DbConnection::Pg(c) => {
            diesel::sql_query(format!(
                "SELECT COALESCE(json_agg(t)::text, '[]') AS rows FROM (SELECT * FROM {table} WHERE {filter}) t"
            ))
            .get_result::<JsonText>(c)?
            .rows
        }
        DbConnection::Sqlite(c) => {
            let columns: Vec<Column> =
                diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')"))
                    .load(c)?;
            let pairs = columns
                .iter()
                .map(|col| format!("'{0}', \"{0}\"", col.name))
                .collect::<Vec<_>>()
                .join(", ");
            diesel::sql_query(format!(
                "SELECT COALESCE(json_group_array(json_object({pairs})), '[]') AS rows FROM {table} WHERE {filter}"
            ))
            .get_result::<JsonText>(c)?
            .rows
        }
    };
    serde_json::from_str(&text).map_err(|e| DbError::Query(e.to_string()))
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no participant has this case reference or id")]
    NotFound,
    #[error("only auditors and admins take subject access exports")]
    Forbidden,
    #[error("sealed text cannot be opened: {0}")]
    Key(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ExportError {
    fn from(e: diesel::result::Error) -> Self {
        ExportError::Db(e.into())
    }
}

impl From<ExportError> for crate::kernel::Problem {
    fn from(e: ExportError) -> Self {
        use crate::kernel::Problem;
        match e {
            ExportError::NotFound => Problem::not_found(),
            ExportError::Forbidden => Problem::forbidden(),
            ExportError::Key(reason) => DbError::Query(reason).into(),
            ExportError::Db(e) => e.into(),
        }
    }
}

/// Only auditors and admins take subject access exports.
fn may_export(actor: &Actor) -> bool {
    matches!(actor.role, Role::Auditor | Role::Admin)
}

/// The participant's id from an id or a case reference.
pub fn find(conn: &mut DbConnection, reference: &str) -> Result<i64, ExportError> {
    let by_ref: Option<i64> = participants::table
        .filter(participants::case_reference.eq(reference.trim().to_uppercase()))
        .select(participants::id)
        .first(conn)
        .optional()?;
    if let Some(id) = by_ref {
        return Ok(id);
    }
    let id: i64 = reference
        .trim()
        .parse()
        .map_err(|_| ExportError::NotFound)?;
    let found: i64 = participants::table
        .filter(participants::id.eq(id))
        .count()
        .get_result(conn)?;
    if found == 1 {
        Ok(id)
    } else {
        Err(ExportError::NotFound)
    }
}

/// The subject access export of the participant with this id (or case reference), as the API
/// and the pages take it: found, checked and audited by [`export`].
#[tracing::instrument(skip_all)]
pub fn take(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    reference: &str,
) -> Result<Value, ExportError> {
    // The role first: anyone else gets the same answer whether the participant exists or not.
    if !may_export(actor) {
        return Err(ExportError::Forbidden);
    }
    let id = find(conn, reference)?;
    export(conn, keys, Some(actor), who, id)
}

/// Everything held about `participant_id`, one key per table; sealed text opened. The export
/// is audited as `participant.export` (the entry is written before the audit rows are read, so
/// the export shows its own taking).
#[tracing::instrument(skip_all)]
pub fn export(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: Option<&Actor>,
    who: &Who,
    participant_id: i64,
) -> Result<Value, ExportError> {
    if actor.is_some_and(|a| !may_export(a)) {
        return Err(ExportError::Forbidden);
    }
    audit::record(
        conn,
        who,
        Event {
            action: "participant.export",
            entity_type: "participant",
            entity_id: Some(participant_id.to_string()),
            participant_id: Some(participant_id),
            detail: None,
        },
    )?;
    let mut out = Map::new();
    for (table, filter) in SOURCES {
        let mut found = rows(
            conn,
            table,
            &filter.replace("{id}", &participant_id.to_string()),
        )?;
        for (sealed_table, column) in SEALED {
            if sealed_table != table {
                continue;
            }
            for row in found.as_array_mut().into_iter().flatten() {
                if let Some(Value::String(sealed)) = row.get(column).cloned() {
                    let keys =
                        keys.ok_or_else(|| ExportError::Key("ONWARD_DATA_KEY is not set".into()))?;
                    let plain = keys
                        .open(&sealed)
                        .map_err(|e| ExportError::Key(e.to_string()))?;
                    row[column] = Value::String(plain);
                }
            }
        }
        out.insert(table.to_string(), found);
    }
    Ok(json!({
        "participant_id": participant_id,
        "exported_at": crate::db::now(),
        "tables": out,
    }))
}
