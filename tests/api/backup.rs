//! Backups: `onward backup` / `onward restore` on SQLite, `ops/backup-postgres.sh` /
//! `ops/restore-postgres.sh` on PostgreSQL, taken while the server writes.

use std::process::{Command, Output};

use diesel::prelude::*;
use onward::auth::Role;
use onward::db::schema::{audit_events, participants};
use onward::db::{self, DatabaseUrl};

use crate::helpers::*;

fn onward(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("ONWARD_CONFIG", "/nonexistent")
        .output()
        .expect("run onward")
}

fn script(name: &str, file: &std::path::Path, database_url: &str) -> Output {
    Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/ops/").to_string() + name)
        .arg(file)
        .env("DATABASE_URL", database_url)
        .env("ONWARD_BIN", env!("CARGO_BIN_EXE_onward"))
        .output()
        .expect("run the script")
}

fn say(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A database for the restore: a new file, or a new PostgreSQL database dropped afterwards.
struct Target {
    url: String,
    pg: Option<(String, String)>,
}

impl Target {
    fn new(dir: &std::path::Path) -> Target {
        match postgres_base() {
            None => Target {
                url: format!("sqlite://{}", dir.join("restored/onward.db").display()),
                pg: None,
            },
            Some(base) => {
                let name = format!("onward_test_{}", uuid::Uuid::new_v4().simple());
                let mut c = PgConnection::establish(&base).unwrap();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut c)
                    .unwrap();
                let mut url = url::Url::parse(&base).unwrap();
                url.set_path(&format!("/{name}"));
                Target {
                    url: url.to_string(),
                    pg: Some((base, name)),
                }
            }
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((base, name)) = &self.pg {
            if let Ok(mut c) = PgConnection::establish(base) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        }
    }
}

fn people(conn: &mut db::DbConnection) -> Vec<(i64, String)> {
    participants::table
        .select((participants::id, participants::case_reference))
        .order(participants::id)
        .load(conn)
        .unwrap()
}

#[actix_web::test]
async fn a_backup_taken_while_onward_writes_restores_with_every_row_and_an_intact_audit_chain() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    for n in 0..20 {
        app.participant(&admin, participant_body(&format!("KG-2026-{n:05}"), site))
            .await;
    }
    let before = people(&mut app.conn());
    let dir = tempdir::TempDir::new();
    let file = dir.0.join("onward-backup");

    // The backup runs while participants keep being added through the API.
    let (url, backup_file) = (app.database_url.clone(), file.clone());
    let backup = actix_web::rt::task::spawn_blocking(move || match postgres_base() {
        None => onward(&["backup", &backup_file.display().to_string()], &url),
        Some(_) => script("backup-postgres.sh", &backup_file, &url),
    });
    let mut n = 20;
    while !backup.is_finished() {
        app.participant(&admin, participant_body(&format!("KG-2026-{n:05}"), site))
            .await;
        n += 1;
    }
    let out = backup.await.unwrap();
    assert!(out.status.success(), "{}", say(&out));
    assert!(say(&out).contains("audit trail intact"), "{}", say(&out));
    assert!(n > 20, "writes went on during the backup");
    assert!(file.is_file());
    assert_eq!(
        owner_only(&file),
        0o600,
        "the backup is readable by its owner only"
    );
    let after = people(&mut app.conn());

    // A backup never replaces a file, and a restore never replaces a database.
    if postgres_base().is_none() {
        let again = onward(&["backup", &file.display().to_string()], &app.database_url);
        assert!(!again.status.success());
        assert!(say(&again).contains("already exists"), "{}", say(&again));
        let over = onward(&["restore", &file.display().to_string()], &app.database_url);
        assert!(!over.status.success());
        assert!(say(&over).contains("already exists"), "{}", say(&over));
    }

    let target = Target::new(&dir.0);
    let out = match postgres_base() {
        None => onward(&["restore", &file.display().to_string()], &target.url),
        Some(_) => script("restore-postgres.sh", &file, &target.url),
    };
    assert!(out.status.success(), "{}", say(&out));
    if let DatabaseUrl::Sqlite { path, .. } = DatabaseUrl::parse(&target.url).unwrap() {
        assert_eq!(owner_only(&path), 0o600, "so is the restored database");
    }

    let restored_url = DatabaseUrl::parse(&target.url).unwrap();
    let pool = db::connect(&restored_url, 1).unwrap();
    let mut restored = pool.get().unwrap();
    let restored_people = people(&mut restored);
    // Everything written before the backup is there, and only rows that existed.
    for p in &before {
        assert!(
            restored_people.contains(p),
            "{p:?} missing from the restore"
        );
    }
    for p in &restored_people {
        assert!(
            after.contains(p),
            "{p:?} in the restore but not in the database"
        );
    }
    // A consistent copy: each restored participant's creation is in its audit trail.
    let created: Vec<Option<i64>> = audit_events::table
        .filter(audit_events::action.eq("participant.create"))
        .select(audit_events::participant_id)
        .load(&mut restored)
        .unwrap();
    assert_eq!(created.len(), restored_people.len());
    for (id, _) in &restored_people {
        assert!(
            created.contains(&Some(*id)),
            "participant {id} without its audit row"
        );
    }
    drop(restored);
    drop(pool);
    let verify = onward(&["audit", "verify"], &target.url);
    assert!(verify.status.success(), "{}", say(&verify));
    assert!(
        String::from_utf8_lossy(&verify.stdout).starts_with("audit trail intact: "),
        "{}",
        say(&verify)
    );
}

/// The permission bits of `path`.
fn owner_only(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
