//! Database plumbing: one connection type over SQLite and PostgreSQL, the pool, migrations,
//! and the few statements that must differ per backend.
//!
//! Why not `MultiConnection::establish`: it tries each backend in turn and treats any string as a
//! SQLite path, hiding PostgreSQL errors. Onward picks the backend from the URL scheme itself.

pub mod schema;

use crate::kernel::Problem;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// One connection to whichever database Onward was configured with.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Advisory-lock keys used on PostgreSQL to serialise work across instances.
pub mod lock_keys {
    pub const MIGRATIONS: i64 = 0x6f6e_7761_0001;
    pub const AUDIT_CHAIN: i64 = 0x6f6e_7761_0002;
    pub const DEMO_DATA: i64 = 0x6f6e_7761_0003;
}

/// A database location, parsed from `DATABASE_URL` by its scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite { path: PathBuf, original: String },
    Postgres { url: String },
}

/// Errors from the database layer, as the rest of Onward needs to tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached (pool timeout, connection refused, connection lost).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database answers but cannot store changes: its disk is full or it is read-only.
    /// Reads still work; the write was rolled back whole.
    #[error("database cannot store changes: {0}")]
    NotWritable(String),
    /// A unique or foreign key constraint refused the write.
    #[error("constraint violated: {0}")]
    Constraint(String),
    /// Any other failure: a bug or a broken database. Logged, never shown.
    #[error("database error: {0}")]
    Query(String),
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            | DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                DbError::Constraint(info.message().to_string())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => {
                DbError::Unavailable(e.to_string())
            }
            DieselError::DatabaseError(_, info) if is_unavailable_message(info.message()) => {
                DbError::Unavailable(e.to_string())
            }
            _ if is_not_writable(&e) => DbError::NotWritable(e.to_string()),
            _ => DbError::Query(e.to_string()),
        }
    }
}

/// Server-side messages that mean "the database went away", not "your query is wrong".
fn is_unavailable_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("terminating connection")
        || m.contains("server closed the connection")
        || m.contains("connection refused")
        || m.contains("does not exist") && m.contains("database")
        || m.contains("unable to open database")
        || m.contains("database is locked")
}

/// Messages that mean "the data cannot be stored": SQLite's `SQLITE_FULL`, `SQLITE_READONLY` and
/// `SQLITE_IOERR` (a write refused by the file system), PostgreSQL's `disk_full` and
/// `read_only_sql_transaction` (a read-only replica or `default_transaction_read_only`).
fn is_not_writable_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("database or disk is full")
        || m.contains("readonly database")
        || m.contains("disk i/o error")
        || m.contains("no space left on device")
        || m.contains("read-only transaction")
}

fn is_not_writable(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(_, info) => is_not_writable_message(info.message()),
        // A commit refused by a full disk whose rollback failed too: the commit's reason counts.
        DieselError::RollbackErrorOnCommit { commit_error, .. } => is_not_writable(commit_error),
        _ => false,
    }
}

impl From<r2d2::Error> for DbError {
    fn from(e: r2d2::Error) -> Self {
        DbError::Unavailable(e.to_string())
    }
}

impl DbError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Unavailable(_))
    }
}

/// Why `DATABASE_URL` could not be used; the message names the URL with its password masked.
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    #[error("DATABASE_URL {0} is not a sqlite: or postgres:// URL")]
    UnknownScheme(String),
    #[error("DATABASE_URL {0} is malformed: {1}")]
    Malformed(String, String),
}

impl DatabaseUrl {
    /// Parse a database URL; the scheme alone decides the backend.
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let raw = raw.trim();
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(UrlError::Malformed(
                    raw.into(),
                    "the file path is empty".into(),
                ));
            }
            return Ok(DatabaseUrl::Sqlite {
                path: PathBuf::from(rest),
                original: raw.to_string(),
            });
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let parsed = url::Url::parse(raw)
                .map_err(|e| UrlError::Malformed(mask_password(raw), e.to_string()))?;
            if parsed.host_str().unwrap_or("").is_empty() {
                return Err(UrlError::Malformed(mask_password(raw), "no host".into()));
            }
            return Ok(DatabaseUrl::Postgres {
                url: raw.to_string(),
            });
        }
        Err(UrlError::UnknownScheme(mask_password(raw)))
    }

    /// The URL as it may be shown in logs and errors: the password replaced by `****`.
    pub fn masked(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { original, .. } => original.clone(),
            DatabaseUrl::Postgres { url } => mask_password(url),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres { .. })
    }
}

/// Hide the password of a URL; leaves text that is not a URL alone apart from anything after `:` in
/// a `user:password@` part.
pub fn mask_password(raw: &str) -> String {
    if let Ok(mut url) = url::Url::parse(raw) {
        if url.password().is_some() {
            let _ = url.set_password(Some("****"));
            return url.to_string();
        }
        return raw.to_string();
    }
    // Not parseable: mask anything that looks like user:password@ all the same.
    match (raw.find("://"), raw.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &raw[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:****{}", &raw[..s + 3], &creds[..c], &raw[at..]),
                None => raw.to_string(),
            }
        }
        _ => raw.to_string(),
    }
}

/// The r2d2 manager: opens connections of the configured backend and prepares them.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// Whether opening may create a missing SQLite file. Only the first open at start-up may:
    /// a file that disappears later must make Onward unready, not be replaced by an empty one.
    may_create: bool,
    /// Connections opened beforehand on the caller's thread, handed to the pool first.
    opened: Opened,
}

/// Connections a one-off command opened on its own thread for the pool to take. r2d2 opens
/// connections on its worker threads; a worker that has used OpenSSL (TLS to PostgreSQL) frees
/// its thread's OpenSSL state when the pool is dropped and the worker ends, which can race with
/// OpenSSL's exit-time clean-up on the main thread (a crash as the command exits). Workers that
/// only pass these along never touch OpenSSL.
#[derive(Clone, Default)]
struct Opened(std::sync::Arc<std::sync::Mutex<Vec<DbConnection>>>);

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opened")
    }
}

impl Opened {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<DbConnection>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            may_create: false,
            opened: Opened::default(),
        }
    }

    fn open(&self) -> Result<DbConnection, ConnectionError> {
        if let Some(conn) = self.opened.lock().pop() {
            return Ok(conn);
        }
        match &self.url {
            DatabaseUrl::Postgres { url } => Ok(DbConnection::Pg(PgConnection::establish(url)?)),
            DatabaseUrl::Sqlite { path, .. } => {
                let target = if self.may_create {
                    path.to_string_lossy().into_owned()
                } else {
                    sqlite_uri_must_exist(path)
                };
                let mut conn = SqliteConnection::establish(&target)?;
                // WAL lets readers work while one writer writes; busy_timeout makes writers queue
                // instead of failing at once; foreign keys are off by default in SQLite.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.ping()
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Why the database could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
#[error("cannot use database {url}: {reason}")]
pub struct OpenError {
    pub url: String,
    pub reason: String,
}

/// Whether opening the database may create a missing SQLite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// `serve` and `migrate`: a new installation starts with an empty database.
    IfMissing,
    /// Every other command: a missing file is a mistyped path, not a new database.
    Never,
}

/// Open the server's pool (it creates a missing SQLite file), failing fast with a one-line
/// reason when the database cannot be reached.
pub fn connect(url: &DatabaseUrl, max_size: u32) -> Result<DbPool, OpenError> {
    let builder = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(3))
        .test_on_check_out(true);
    build_pool(url, builder, Create::IfMissing, 1)
}

/// Open a pool for a one-off command (`onward token create`, `jobs run`, `audit verify`…).
///
/// Every connection is opened on the calling thread before this returns, and none afterwards
/// (no idle top-up, no reaper), so when the command ends no pool thread is opening a connection
/// or holding OpenSSL state. With TLS to PostgreSQL a pool thread mid-handshake, or ending with
/// its OpenSSL state, raced OpenSSL's exit-time clean-up and the command crashed (SIGSEGV,
/// "double free") as it exited. With [`Create::Never`] a missing SQLite file is an error that
/// names it, and nothing is created.
pub fn connect_for_command(
    url: &DatabaseUrl,
    size: u32,
    create: Create,
) -> Result<DbPool, OpenError> {
    let size = size.max(1);
    let builder = r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(size))
        .idle_timeout(None)
        .max_lifetime(None)
        .connection_timeout(Duration::from_secs(3))
        .test_on_check_out(true);
    build_pool(url, builder, create, size)
}

/// Check that the database opens (the error then says why: r2d2 would only say "timed out"),
/// open `opened_here` connections on this thread for the pool to take first, and build it.
fn build_pool(
    url: &DatabaseUrl,
    builder: r2d2::Builder<ConnectionManager>,
    create: Create,
    opened_here: u32,
) -> Result<DbPool, OpenError> {
    let fail = |reason: String| OpenError {
        url: url.masked(),
        reason,
    };
    if let DatabaseUrl::Sqlite { path, .. } = url {
        match create {
            Create::IfMissing => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
                }
            }
            Create::Never if !path.is_file() => {
                return Err(fail(format!(
                    "there is no database file at {} (only `onward serve` and `onward migrate` \
                     create one)",
                    path.display()
                )));
            }
            Create::Never => {}
        }
        // Created readable by the owner only; SQLite gives its journal files the same mode.
        crate::files::create_private_if_missing(path)
            .map_err(|e| fail(format!("cannot create {}: {e}", path.display())))?;
    }
    let manager = ConnectionManager::new(url.clone());
    // The first open also creates a new SQLite file when that is allowed.
    let first_opener = ConnectionManager {
        may_create: create == Create::IfMissing,
        ..manager.clone()
    };
    let mut first = first_opener
        .open()
        .map_err(|e| fail(one_line(&e.to_string())))?;
    first.ping().map_err(|e| fail(one_line(&e.to_string())))?;
    let mut opened = vec![first];
    while opened.len() < opened_here as usize {
        opened.push(manager.open().map_err(|e| fail(one_line(&e.to_string())))?);
    }
    manager.opened.lock().extend(opened);
    builder
        .build(manager)
        .map_err(|e| fail(one_line(&e.to_string())))
}

/// Write a consistent copy of this SQLite database to `target` with `VACUUM INTO`: one read
/// transaction, so the copy is the database at one instant while writers carry on (WAL). The
/// target must not exist. PostgreSQL is copied with `pg_dump` instead: `Err` names that.
pub fn sqlite_copy_into(conn: &mut DbConnection, target: &std::path::Path) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(target.to_string_lossy().into_owned())
                .execute(c)?;
            Ok(())
        }
        DbConnection::Pg(_) => Err(DbError::Query(
            "a PostgreSQL database is copied with pg_dump (ops/backup-postgres.sh)".into(),
        )),
    }
}

/// Open an existing SQLite file read-only (a backup being checked): nothing in it can change.
pub fn open_sqlite_read_only(path: &std::path::Path) -> Result<DbConnection, OpenError> {
    let fail = |reason: String| OpenError {
        url: path.display().to_string(),
        reason,
    };
    if !path.is_file() {
        return Err(fail("there is no such file".into()));
    }
    let uri = sqlite_uri_must_exist(path).replace("?mode=rw", "?mode=ro");
    SqliteConnection::establish(&uri)
        .map(DbConnection::Sqlite)
        .map_err(|e| fail(one_line(&e.to_string())))
}

/// SQLite's own check of a database file: empty when it is sound, else what is wrong
/// (`PRAGMA integrity_check`). PostgreSQL has no equivalent; it answers empty.
pub fn integrity_problems(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    match conn {
        DbConnection::Sqlite(c) => {
            let lines: Vec<Line> = diesel::sql_query("PRAGMA integrity_check").load(c)?;
            Ok(lines
                .into_iter()
                .map(|l| l.integrity_check)
                .filter(|l| l != "ok")
                .collect())
        }
        DbConnection::Pg(_) => Ok(Vec::new()),
    }
}

/// A SQLite URI that opens `path` only if it exists (`mode=rw` never creates).
fn sqlite_uri_must_exist(path: &std::path::Path) -> String {
    let mut escaped = String::new();
    for ch in path.to_string_lossy().chars() {
        match ch {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3f"),
            '#' => escaped.push_str("%23"),
            c => escaped.push(c),
        }
    }
    format!("file:{escaped}?mode=rw")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Run every pending migration of this backend. On PostgreSQL an advisory lock makes a second
/// instance starting at the same moment wait instead of racing.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, DbError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| DbError::Query(e.to_string()))?
            .len(),
        DbConnection::Pg(c) => {
            diesel::sql_query(format!(
                "SELECT pg_advisory_lock({})",
                lock_keys::MIGRATIONS
            ))
            .execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| DbError::Query(e.to_string()));
            diesel::sql_query(format!(
                "SELECT pg_advisory_unlock({})",
                lock_keys::MIGRATIONS
            ))
            .execute(c)?;
            result?
        }
    };
    Ok(applied)
}

/// Take the write lock for `key` inside the current transaction, so that work which reads then
/// writes (the audit chain, demo data) runs one instance at a time.
///
/// PostgreSQL: a transaction-scoped advisory lock. SQLite: a write as the first statement turns
/// the transaction into a writer at once (there is one writer at a time), so it never fails later
/// with a stale read snapshot.
pub fn lock_for_write(conn: &mut DbConnection, key: i64) -> Result<(), DbError> {
    match conn {
        DbConnection::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({key})")).execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            diesel::sql_query("UPDATE settings SET value = value WHERE key = 'write-lock'")
                .execute(c)?;
        }
    }
    Ok(())
}

/// A transaction for work that changes data and audits it. It takes the audit chain's write lock
/// before anything else: on SQLite the transaction is then a writer from its first statement (a
/// read-then-write transaction would fail with a stale snapshot when another commit came between),
/// and on PostgreSQL it queues behind other writers instead of racing them.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<DbError> + From<DieselError>,
{
    conn.transaction(|conn| {
        lock_for_write(conn, lock_keys::AUDIT_CHAIN)?;
        work(conn)
    })
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on SQLite and PostgreSQL (ASCII folding on SQLite).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The current instant, in UTC, at the microsecond precision both backends store.
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// Escape `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

impl From<DbError> for Problem {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Problem::unavailable()
            }
            DbError::NotWritable(_) => {
                tracing::error!(error = %e, "database cannot store changes");
                Problem::not_saved()
            }
            DbError::Constraint(_) | DbError::Query(_) => {
                tracing::error!(error = %e, "database error");
                Problem::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert!(matches!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite { .. }
        ));
        assert!(DatabaseUrl::parse("postgres://u:p@localhost/db")
            .unwrap()
            .is_postgres());
        assert!(DatabaseUrl::parse("mysql://localhost/db").is_err());
        assert!(DatabaseUrl::parse("data/x.db").is_err());
    }

    #[test]
    fn passwords_are_masked_in_errors() {
        let e = DatabaseUrl::parse("mysql://bob:secret@db/x")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret"), "{e}");
        assert!(e.contains("bob:****@db"), "{e}");
        let u = DatabaseUrl::parse("postgres://bob:secret@db:5432/x").unwrap();
        assert_eq!(u.masked(), "postgres://bob:****@db:5432/x");
    }

    #[test]
    fn a_full_or_read_only_database_is_not_writable_not_a_bug() {
        let refused = |m: &str| {
            DbError::from(DieselError::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new(m.to_string()),
            ))
        };
        for m in [
            "database or disk is full",
            "attempt to write a readonly database",
            "disk I/O error",
            "could not extend file \"base/16384/2619\": No space left on device",
            "cannot execute INSERT in a read-only transaction",
        ] {
            assert!(matches!(refused(m), DbError::NotWritable(_)), "{m}");
        }
        let commit = DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(DieselError::NotInTransaction),
            commit_error: Box::new(DieselError::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new("database or disk is full".to_string()),
            )),
        };
        assert!(matches!(DbError::from(commit), DbError::NotWritable(_)));
        assert!(matches!(refused("no such column: x"), DbError::Query(_)));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
