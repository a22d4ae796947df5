//! Backups of a SQLite installation (`onward backup PATH`, `onward restore PATH`).
//!
//! The copy is taken while Onward serves, with `VACUUM INTO` (one read transaction: the database
//! at one instant, writers carry on), written beside its final name and kept only once it passes
//! SQLite's integrity check and the audit chain's `verify`. A restore checks the backup the same
//! way, copies it into a new file (never over a database) and checks the result again.
//!
//! PostgreSQL is backed up and restored with `pg_dump` / `pg_restore`:
//! `ops/backup-postgres.sh` and `ops/restore-postgres.sh` (README, "Backups").

use std::path::{Path, PathBuf};

use crate::audit::{self, Verdict};
use crate::db::{self, DatabaseUrl, DbConnection};

/// What the check of a copy found: it is sound and its audit chain is intact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Rows of the audit trail in the copy.
    pub audit_rows: i64,
}

const POSTGRES: &str = "on PostgreSQL, back up with ops/backup-postgres.sh and restore with \
                        ops/restore-postgres.sh (pg_dump; see the README's Backups section)";

/// Copy the database at `url` to `target` (which must not exist) and check the copy.
pub fn backup(
    conn: &mut DbConnection,
    url: &DatabaseUrl,
    target: &Path,
) -> Result<Checked, String> {
    if url.is_postgres() {
        return Err(POSTGRES.into());
    }
    refuse_existing(target)?;
    let partial = partial_name(target);
    // A partial file left by an interrupted backup is ours to replace.
    remove_if_present(&partial)?;
    // Created empty and owner-only first (VACUUM INTO takes an empty file): a backup holds
    // everything the database does.
    crate::files::create_private_if_missing(&partial)
        .map_err(|e| format!("{}: {e}", partial.display()))?;
    db::sqlite_copy_into(conn, &partial)
        .map_err(|e| format!("writing {}: {e}", partial.display()))?;
    let checked = check(&partial).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    // The target may have appeared meanwhile: never replace it.
    refuse_existing(target).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    std::fs::rename(&partial, target).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(checked)
}

/// Check a copy: SQLite's integrity check, then the audit chain from the first row to the head.
pub fn check(path: &Path) -> Result<Checked, String> {
    let mut conn = db::open_sqlite_read_only(path).map_err(|e| e.to_string())?;
    let problems = db::integrity_problems(&mut conn)
        .map_err(|e| format!("{}: integrity check: {e}", path.display()))?;
    if !problems.is_empty() {
        return Err(format!(
            "{} fails SQLite's integrity check: {}",
            path.display(),
            problems.join("; ")
        ));
    }
    match audit::verify(&mut conn).map_err(|e| format!("{}: {e}", path.display()))? {
        Verdict::Intact { rows } => Ok(Checked { audit_rows: rows }),
        Verdict::Broken { row, reason } => Err(format!(
            "{}: audit trail broken at row {row}: {reason}",
            path.display()
        )),
    }
}

/// Restore the backup at `source` as the database at `url`, a file that must not exist yet.
/// Returns the check of the restored file (migrations are applied by the caller's next open).
pub fn restore(source: &Path, url: &DatabaseUrl) -> Result<Checked, String> {
    let target = match url {
        DatabaseUrl::Postgres { .. } => return Err(POSTGRES.into()),
        DatabaseUrl::Sqlite { path, .. } => path,
    };
    refuse_existing(target)?;
    for side in ["-wal", "-shm"] {
        let mut name = target.clone().into_os_string();
        name.push(side);
        refuse_existing(Path::new(&name))?;
    }
    let before = check(source)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let partial = partial_name(target);
    remove_if_present(&partial)?;
    std::fs::copy(source, &partial)
        .map_err(|e| format!("copying {} to {}: {e}", source.display(), partial.display()))?;
    // `copy` keeps the backup's mode; the live database is the owner's only.
    crate::files::restrict_to_owner(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
    refuse_existing(target).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    std::fs::rename(&partial, target).map_err(|e| format!("{}: {e}", target.display()))?;
    let after = check(target)?;
    if after != before {
        return Err(format!(
            "{} differs from {} after copying: {} audit rows, not {}",
            target.display(),
            source.display(),
            after.audit_rows,
            before.audit_rows
        ));
    }
    Ok(after)
}

fn refuse_existing(path: &Path) -> Result<(), String> {
    if path.exists() {
        Err(format!(
            "{} already exists; a backup or restore never replaces a file",
            path.display()
        ))
    } else {
        Ok(())
    }
}

fn partial_name(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Record on the restored database's audit trail that it was restored from `backup`.
pub fn record_restore(
    conn: &mut DbConnection,
    who: &audit::Who,
    backup: &Path,
    checked: &Checked,
) -> Result<(), db::DbError> {
    audit::record(
        conn,
        who,
        audit::Event {
            action: "database.restore",
            entity_type: "installation",
            entity_id: None,
            participant_id: None,
            detail: Some(serde_json::json!({
                "backup": backup.display().to_string(),
                "audit_rows": checked.audit_rows,
            })),
        },
    )
}
