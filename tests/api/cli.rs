use std::io::Write;
use std::process::{Command, Stdio};

use onward::auth::Role;
use reqwest::StatusCode;

use crate::helpers::*;

fn onward(args: &[&str], database_url: &str, stdin: Option<&str>) -> std::process::Output {
    onward_with(args, database_url, stdin, &[])
}

/// Run the binary with the data key the test server uses.
fn onward_with_key(args: &[&str], database_url: &str, stdin: Option<&str>) -> std::process::Output {
    onward_with(
        args,
        database_url,
        stdin,
        &[("ONWARD_DATA_KEY", TEST_DATA_KEY)],
    )
}

fn onward_with(
    args: &[&str],
    database_url: &str,
    stdin: Option<&str>,
    vars: &[(&str, &str)],
) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("ONWARD_CONFIG", "/nonexistent")
        .envs(vars.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run onward");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_malformed_database_url_stops_start_up_with_one_masked_line() {
    let out = onward(&["migrate"], "mysql://bob:hunter2@db/onward", None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("mysql://bob:****@db/onward"), "{stderr}");
    assert!(!stderr.contains("hunter2"));
}

#[test]
fn an_unreachable_database_stops_start_up_with_one_masked_line() {
    let out = onward(
        &["serve"],
        "postgres://bob:hunter2@127.0.0.1:1/onward",
        None,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot use database postgres://bob:****@127.0.0.1:1/onward"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
}

#[actix_web::test]
async fn users_and_tokens_made_on_the_command_line_work_in_the_api() {
    let app = spawn_app().await;
    app.site("KG-BSK", "Asia/Bishkek");
    let out = onward(
        &[
            "user",
            "add",
            "--email",
            "Nurgul@Example.org",
            "--role",
            "coordinator",
            "--site",
            "KG-BSK",
            "--name",
            "Nurgul O.",
            "--password-stdin",
        ],
        &app.database_url,
        Some("correct horse battery staple\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, resp) = app
        .login("nurgul@example.org", "correct horse battery staple")
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let out = onward(
        &["token", "create", "--email", "nurgul@example.org"],
        &app.database_url,
        None,
    );
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("onw_"));
    let resp = reqwest::Client::new()
        .get(app.url("/api/v1/participants"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Only a hash of the token is stored.
    use diesel::prelude::*;
    use onward::db::schema::api_tokens;
    let stored: Vec<String> = api_tokens::table
        .select(api_tokens::token_hash)
        .load(&mut *app.conn())
        .unwrap();
    assert!(!stored.iter().any(|h| h.contains(&token[4..])));
    let _ = Role::Admin;
}

#[actix_web::test]
async fn the_command_line_refuses_bad_users_with_a_clear_line() {
    let app = spawn_app().await;
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (
            &[
                "user",
                "add",
                "--email",
                "x@y.org",
                "--role",
                "warden",
                "--password-stdin",
            ],
            Some("long enough password\n"),
            "--role: 'warden' is not a role",
        ),
        (
            &[
                "user",
                "add",
                "--email",
                "x@y.org",
                "--role",
                "mentor",
                "--password-stdin",
            ],
            Some("short\n"),
            "at least 12 characters",
        ),
        (
            &[
                "user",
                "add",
                "--email",
                "x@y.org",
                "--role",
                "coordinator",
                "--password-stdin",
            ],
            Some("long enough password\n"),
            "the coordinator role needs --site",
        ),
        (
            &["token", "create", "--email", "nobody@y.org"],
            None,
            "no active user has email nobody@y.org",
        ),
    ];
    for (args, stdin, expected) in cases {
        let out = onward(args, &app.database_url, stdin);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["site", "add", "--help"],
        &["user", "add", "--help"],
        &["token", "create", "--help"],
        &["audit", "verify", "--help"],
    ] {
        let out = onward(args, "sqlite://unused.db", None);
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

/// Start `onward serve --demo` and collect what it prints until it is listening.
fn serve_demo(database_url: &str) -> String {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["serve", "--demo"])
        .env("DATABASE_URL", database_url)
        .env("ONWARD_BIND", "127.0.0.1:0")
        .env("ONWARD_CONFIG", "/nonexistent")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 {
        out.push_str(&line);
        if line.starts_with("Demo data was loaded")
            || (out.contains("auditor@onward.test") && line.trim().is_empty())
        {
            break;
        }
        line.clear();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    out
}

#[actix_web::test]
async fn the_demo_loads_once_and_never_prints_old_passwords() {
    let app = spawn_app().await;
    let first = serve_demo(&app.database_url);
    assert!(first.contains("Demo data loaded"), "{first}");
    for role in [
        "admin",
        "coordinator",
        "mentor",
        "probation_officer",
        "agency_user",
        "auditor",
    ] {
        assert!(
            first.lines().any(|l| l.trim_start().starts_with(role)),
            "{role} login missing: {first}"
        );
    }
    let admin_line = first
        .lines()
        .find(|l| l.contains("admin@onward.test"))
        .unwrap();
    let password = admin_line.split_whitespace().last().unwrap().to_string();
    let second = serve_demo(&app.database_url);
    assert!(
        second.contains("Demo data was loaded on an earlier run"),
        "{second}"
    );
    assert!(!second.contains(&password));
    use diesel::prelude::*;
    use onward::db::schema::{participants, sites};
    let count: i64 = participants::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(count, 50);
    {
        use onward::db::schema::{absence_alerts, cohorts};
        let cohorts: i64 = cohorts::table.count().get_result(&mut *app.conn()).unwrap();
        assert_eq!(cohorts, 2, "a running cohort per site");
        let alerts: i64 = absence_alerts::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        assert_eq!(
            alerts, 2,
            "one participant per cohort keeps missing sessions"
        );
    }
    let zones: Vec<String> = sites::table
        .order(sites::code)
        .select(sites::time_zone)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(zones, ["Asia/Bishkek", "Europe/Lisbon"]);
    let (_, resp) = app.login("admin@onward.test", &password).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "the printed password works"
    );
}

#[actix_web::test]
async fn logs_are_json_lines_carrying_the_request_id_when_asked() {
    let app = spawn_app().await;
    let stderr = serve_and_capture_log(
        &app.database_url,
        &[("ONWARD_LOG_FORMAT", "json")],
        |base| async move {
            let resp = reqwest::Client::new()
                .get(format!("{base}/health/live"))
                .header("X-Request-Id", "json-log-check-1")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
        },
    )
    .await;
    let line = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["span"]["request_id"] == "json-log-check-1")
        .unwrap_or_else(|| panic!("no JSON log line with the request id in: {stderr}"));
    assert_eq!(line["status"], 200);
    assert_eq!(line["span"]["path"], "/health/live");
}

#[actix_web::test]
async fn a_fresh_installation_gets_its_sites_and_first_admin_from_the_command_line() {
    let app = spawn_app().await;
    let out = onward(
        &[
            "site",
            "add",
            "--code",
            "kg-osh",
            "--name",
            "Osh Colony No. 5",
            "--time-zone",
            "Asia/Bishkek",
        ],
        &app.database_url,
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("site KG-OSH added"));
    let again = onward(
        &[
            "site",
            "add",
            "--code",
            "KG-OSH",
            "--name",
            "Again",
            "--time-zone",
            "Asia/Bishkek",
        ],
        &app.database_url,
        None,
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("a site with code KG-OSH already exists")
    );
    let bad = onward(
        &[
            "site",
            "add",
            "--code",
            "X",
            "--name",
            "Y",
            "--time-zone",
            "Mars/Olympus",
        ],
        &app.database_url,
        None,
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--code 'X'"));
    let bad = onward(
        &[
            "site",
            "add",
            "--code",
            "KG-X",
            "--name",
            "Y",
            "--time-zone",
            "Mars/Olympus",
        ],
        &app.database_url,
        None,
    );
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("'Mars/Olympus' is not an IANA time zone")
    );
    let out = onward(
        &[
            "user",
            "add",
            "--email",
            "coord@osh.test",
            "--role",
            "coordinator",
            "--site",
            "KG-OSH",
            "--password-stdin",
        ],
        &app.database_url,
        Some("a-long-enough-password\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_job(database_url: &str, outbox: &std::path::Path, job: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["jobs", "run", job])
        .env("DATABASE_URL", database_url)
        .env("ONWARD_CONFIG", "/nonexistent")
        .env("ONWARD_OUTBOX_DIR", outbox)
        .env_remove("ONWARD_SMTP_URL")
        .output()
        .unwrap()
}

fn eml_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".eml"))
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn with_the_demo_and_no_smtp_a_sweep_writes_the_due_reminders_as_eml_files_once() {
    let app = spawn_app().await;
    serve_demo(&app.database_url);
    let outbox = tempdir::TempDir::new();
    for job in ["reminder-sweep", "daily-digest", "outbox-delivery"] {
        let out = run_job(&app.database_url, &outbox.0, job);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let first = eml_files(&outbox.0);
    assert!(first.len() > 5, "the demo has reminders due: {first:?}");
    // Running everything again sends nothing new.
    for job in ["reminder-sweep", "daily-digest", "outbox-delivery"] {
        assert!(run_job(&app.database_url, &outbox.0, job).status.success());
    }
    assert_eq!(eml_files(&outbox.0).len(), first.len());
    // Russian for the Bishkek agencies, with the case reference and no names (not secure).
    let mut russian = 0;
    for name in &first {
        let text = std::fs::read_to_string(outbox.0.join(name)).unwrap();
        assert!(text.contains("Message-ID: <onward."), "{text}");
        if text.contains("To: housing.team@bishkek.example") {
            russian += 1;
            assert!(text.contains("KG-2026-"), "{text}");
        }
    }
    assert!(russian > 0, "the Bishkek housing office got reminders");
    let bad = run_job(&app.database_url, &outbox.0, "nonsense");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("reminder-sweep"));
}

#[actix_web::test]
async fn seeding_fills_an_empty_database_that_verifies_and_that_a_coordinator_can_use() {
    let app = spawn_app().await;
    // Without a data key the sealed notes could never be read: refused, nothing written.
    let out = onward(&["seed", "--participants", "30"], &app.database_url, None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ONWARD_DATA_KEY is not set"), "{stderr}");

    let out = onward_with_key(
        &[
            "seed",
            "--participants",
            "60",
            "--milestones",
            "4",
            "--password-stdin",
        ],
        &app.database_url,
        Some("seeded password 2026\n"),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("coordinator1@staff.example.org"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Seeded 60 participants × 4 milestones in"),
        "{stdout}"
    );
    let shown = |table: &str| -> i64 {
        stdout
            .lines()
            .find_map(|l| {
                let mut words = l.split_whitespace();
                (words.next() == Some(table)).then(|| words.next()?.parse().ok())?
            })
            .unwrap_or(-1)
    };
    {
        let mut conn = app.conn();
        for (table, expected) in [
            ("participants", Some(60)),
            ("exit_plans", Some(60)),
            ("milestones", Some(240)),
            ("exit_plan_pathways", Some(480)),
            ("sites", Some(3)),
            ("cohorts", None),
            ("cohort_sessions", None),
            ("enrolments", None),
            ("attendance", None),
            ("progress_notes", None),
            ("notifications", None),
            ("audit_events", None),
        ] {
            let n = onward::seed::count(&mut conn, table).unwrap();
            assert!(n > 0, "{table} is empty");
            assert_eq!(shown(table), n, "{table} as printed");
            if let Some(expected) = expected {
                assert_eq!(n, expected, "{table}");
            }
        }
        // Every user role is there.
        use diesel::prelude::*;
        use onward::db::schema::users;
        let mut roles: Vec<String> = users::table
            .select(users::role)
            .distinct()
            .load(&mut *conn)
            .unwrap();
        roles.sort();
        assert_eq!(
            roles,
            [
                "admin",
                "agency_user",
                "auditor",
                "coordinator",
                "mentor",
                "probation_officer"
            ]
        );
    }

    let out = onward(&["audit", "verify"], &app.database_url, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit trail intact"));

    // The Bishkek coordinator signs in with the seeded password and sees Bishkek's people only.
    let (client, resp) = app
        .login("coordinator1@staff.example.org", "seeded password 2026")
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let list = page(&client, app.url("/participants?q=2026")).await;
    assert!(list.contains("KG-2026-000003"), "{list}");
    assert!(!list.contains("PT-2026-000001"), "{list}");

    // A second run refuses: the database holds participants now.
    let out = onward_with_key(&["seed", "--participants", "10"], &app.database_url, None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("already holds 60 participants"), "{stderr}");
}

/// Run `onward serve` with `env` (no jobs, the test data key), let `exercise` use it, and return
/// everything it logged.
async fn serve_and_capture_log<F, Fut>(
    database_url: &str,
    env: &[(&str, &str)],
    exercise: F,
) -> String
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use std::io::{BufRead, BufReader, Read};
    let mut child = Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["serve"])
        .env("DATABASE_URL", database_url)
        .env("ONWARD_BIND", "127.0.0.1:0")
        .env("ONWARD_CONFIG", "/nonexistent")
        .env("ONWARD_DATA_KEY", TEST_DATA_KEY)
        .env("ONWARD_JOBS_DISABLED", "all")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the log while the server runs, so that a full pipe never blocks it.
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .rsplit("listening on ")
        .next()
        .unwrap()
        .trim_end_matches(')')
        .to_string();
    exercise(format!("http://{addr}")).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    log.join().unwrap()
}

#[actix_web::test]
async fn logs_at_debug_and_trace_hold_neither_a_narrative_nor_a_calendar_feed_secret() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, None);
    let mut body = participant_body("KG-2026-00077", site);
    body["mentor_ids"] = serde_json::json!([mentor.id]);
    let participant = app.participant(&coordinator, body).await["id"]
        .as_i64()
        .unwrap();
    for level in [
        "debug",
        "trace",
        "trace,handlebars::render=trace,lettre::transport=trace",
    ] {
        let label = level.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let canary = format!("canary-narrative-{label}-{}", uuid::Uuid::new_v4().simple());
        let feed_url = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (c, m, found) = (canary.clone(), mentor.clone(), feed_url.clone());
        let log = serve_and_capture_log(&app.database_url, &[("RUST_LOG", level)], |base| async move {
            let client = reqwest::Client::new();
            let note = serde_json::json!({
                "contact_date": "2026-11-20",
                "contact_type": "one_to_one",
                "ratings": {"engagement": 4, "attitudes": 3, "social_ties": 2, "identity": 3, "readiness": 4},
                "narrative": c,
                "next_contact_date": "2026-12-04",
                "tell_probation": false,
            });
            let resp = client
                .post(format!("{base}/api/v1/participants/{participant}/progress-notes"))
                .bearer_auth(&m.token)
                .json(&note)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::CREATED);
            // The notes page renders the narrative through Handlebars.
            let browser = PageClient::new(browser(), &base);
            let resp = browser.log_in(&m.email, PASSWORD).await;
            assert_eq!(resp.status(), StatusCode::SEE_OTHER);
            let page = browser
                .get(format!("{base}/participants/{participant}/notes"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains(&c), "the page shows the narrative");
            let feed: serde_json::Value = client
                .post(format!("{base}/api/v1/calendar-feeds"))
                .bearer_auth(&m.token)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let url = feed["url"].as_str().unwrap().to_string();
            let path = &url[url.find("/calendars/").unwrap()..];
            let resp = client.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            *found.lock().unwrap() = url;
        })
        .await;
        let url = feed_url.lock().unwrap().clone();
        let secret = url
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(".ics")
            .to_string();
        assert!(secret.len() >= 20, "a feed secret: {url}");
        assert!(
            log.contains("request finished"),
            "the {level} log was captured: {log}"
        );
        assert!(
            !log.contains(&canary),
            "the {level} log holds the narrative"
        );
        assert!(
            !log.contains(&secret),
            "the {level} log holds the feed's secret"
        );
    }
}

#[cfg(unix)]
#[actix_web::test]
async fn the_data_key_the_database_and_email_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    // A new SQLite database, and the demo's data key beside it.
    let dir = tempdir::TempDir::new();
    let db = dir.0.join("fresh.db");
    let url = format!("sqlite://{}", db.display());
    let demo = serve_demo(&url);
    assert!(demo.contains("Demo data loaded"), "{demo}");
    assert_eq!(mode(&db), 0o600, "the database");
    assert_eq!(mode(&dir.0.join("demo-data.key")), 0o600, "the data key");
    // An email written to the outbox folder.
    let outbox = dir.0.join("outbox");
    let out = run_job(&url, &outbox, "reminder-sweep");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_job(&url, &outbox, "outbox-delivery");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = eml_files(&outbox);
    assert!(!files.is_empty(), "the demo has reminders due");
    for name in files {
        assert_eq!(mode(&outbox.join(&name)), 0o600, "{name}");
    }
}

/// Start `onward serve --demo` in `dir` with no job scheduled (so nothing runs before the test
/// does), and return once the demo is loaded.
fn serve_demo_in(database_url: &str, dir: &std::path::Path) -> String {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["serve", "--demo"])
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("ONWARD_BIND", "127.0.0.1:0")
        .env("ONWARD_CONFIG", "/nonexistent")
        .env("ONWARD_JOBS_DISABLED", "all")
        .env_remove("ONWARD_DATA_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 {
        out.push_str(&line);
        if out.contains("auditor@onward.test") && line.trim().is_empty() {
            break;
        }
        line.clear();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    out
}

/// `onward jobs run JOB` in `dir`, as an operator would type it: no ONWARD_DATA_KEY set.
fn run_job_in(dir: &std::path::Path, database_url: &str, job: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["jobs", "run", job])
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("ONWARD_CONFIG", "/nonexistent")
        .env("ONWARD_OUTBOX_DIR", dir.join("outbox"))
        .env_remove("ONWARD_DATA_KEY")
        .env_remove("ONWARD_SMTP_URL")
        .output()
        .unwrap()
}

/// The counts `onward jobs run` printed (`handovers: {...}`).
fn printed_counts(out: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = stdout
        .lines()
        .find_map(|l| l.split_once(": {").map(|(_, rest)| format!("{{{rest}")))
        .unwrap_or_else(|| panic!("no counts in {stdout}"));
    serde_json::from_str(&json).unwrap()
}

#[actix_web::test]
async fn a_handovers_run_by_hand_uses_the_demo_key_like_the_server_and_fails_nothing() {
    let app = spawn_app().await;
    let dir = tempdir::TempDir::new();
    serve_demo_in(&app.database_url, &dir.0);
    let out = run_job_in(&dir.0, &app.database_url, "handovers");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let counts = printed_counts(&out);
    assert_eq!(counts["failed"], 0, "{counts}");
    assert!(counts["sent"].as_u64().unwrap() > 0, "{counts}");
}

#[actix_web::test]
async fn a_job_run_whose_items_fail_exits_1_and_is_shown_as_failed_on_the_jobs_page_and_api() {
    let app = spawn_app().await;
    let dir = tempdir::TempDir::new();
    serve_demo_in(&app.database_url, &dir.0);
    // The demo's key is lost: the handover packs due cannot be sealed.
    let key = match &app.sqlite_path {
        Some(db) => db.parent().unwrap().join("demo-data.key"),
        None => dir.0.join("data/demo-data.key"),
    };
    std::fs::remove_file(&key).unwrap();
    let out = run_job_in(&dir.0, &app.database_url, "handovers");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let counts = printed_counts(&out);
    let failed = counts["failed"].as_u64().unwrap();
    assert!(failed > 0, "{counts}");
    assert!(
        stderr.contains(&format!(
            "handovers: partly failed ({failed} item(s) failed"
        )),
        "{stderr}"
    );

    let admin = app.user(Role::Admin, None);
    let runs: serde_json::Value = app.get_json(&admin, "/api/v1/jobs?job=handovers").await;
    let outcomes: Vec<&str> = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, vec!["partly_failed"], "{runs}");
    let failures: serde_json::Value = app.get_json(&admin, "/api/v1/jobs?failed=true").await;
    assert_eq!(failures["total"], 1, "{failures}");
    assert_eq!(failures["items"][0]["job"], "handovers");

    let (client, _) = app.login(&admin.email, PASSWORD).await;
    for path in ["/jobs", "/jobs?failed=1"] {
        let html = page(&client, app.url(path)).await;
        let rows = html.split("Recent runs").nth(1).unwrap_or_default();
        assert!(rows.contains("handovers"), "{path}: {rows}");
        assert!(rows.contains("Partly failed"), "{path}: {rows}");
        assert!(!rows.contains("Succeeded"), "{path}: {rows}");
    }
}

#[test]
fn every_job_is_listed_by_jobs_run_help_and_in_the_readme() {
    let help = onward(&["jobs", "run", "--help"], "sqlite://unused.db", None);
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let usage = readme
        .split("onward jobs run NAME")
        .nth(1)
        .and_then(|rest| rest.split("\nonward ").next())
        .expect("the README lists `onward jobs run NAME`");
    for job in onward::jobs::ALL.map(onward::jobs::JobName::as_str) {
        assert!(help.contains(job), "{job} missing from --help: {help}");
        assert!(
            usage.contains(job),
            "{job} missing from the README: {usage}"
        );
    }
}

#[test]
fn a_command_given_a_database_that_does_not_exist_fails_and_creates_nothing() {
    let dir = tempdir::TempDir::new();
    let typo = dir.0.join("typo");
    let url = format!("sqlite://{}/onward.db", typo.display());
    for args in [
        &["audit", "verify"][..],
        &["jobs", "run", "reminder-sweep"],
        &["token", "create", "--email", "admin@example.org"],
        &["backup", "/tmp/never-written.db"],
    ] {
        let out = onward_with_key(args, &url, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("there is no database file at"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains(&typo.display().to_string()),
            "{args:?}: {stderr}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
    if let Some(base) = postgres_base() {
        let mut missing = url::Url::parse(&base).unwrap();
        missing.set_path("/onward_no_such_database");
        let out = onward(&["audit", "verify"], missing.as_str(), None);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("onward_no_such_database"));
    }
    // The first `migrate` is what creates a database.
    let out = onward(&["migrate"], &url, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = onward(&["audit", "verify"], &url, None);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "audit trail intact: 0 rows"
    );
}

/// The URL the test server uses, with the `sslmode=disable` the helpers add taken off again:
/// a command connects with libpq's default (`prefer`: TLS when the server offers it).
fn with_default_sslmode(url: &str) -> String {
    let configured = std::env::var("ONWARD_TEST_POSTGRES_URL").unwrap_or_default();
    if configured.contains("sslmode=") {
        return url.to_string();
    }
    url.replace("?sslmode=disable", "")
        .replace("&sslmode=disable", "")
}

#[actix_web::test]
async fn no_command_crashes_as_it_exits_when_run_a_hundred_times() {
    use std::os::unix::process::ExitStatusExt;
    let app = spawn_app().await;
    let admin = app.user(Role::Admin, None);
    let url = with_default_sslmode(&app.database_url);
    assert!(!url.contains("sslmode=disable") || url == app.database_url);
    let outbox = tempdir::TempDir::new();
    let outbox_dir = outbox.0.display().to_string();
    // Delivery opens the most connections (a worker each); a token is the quickest command.
    let delivery = ["jobs", "run", "outbox-delivery"];
    let token = ["token", "create", "--email", &admin.email];
    let runs: Vec<std::process::Output> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    (0..25)
                        .flat_map(|_| {
                            [&delivery[..], &token[..]].map(|args| {
                                onward_with(args, &url, None, &[("ONWARD_OUTBOX_DIR", &outbox_dir)])
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(runs.len(), 200);
    let crashed: Vec<String> = runs
        .iter()
        .filter(|o| !o.status.success())
        .map(|o| {
            format!(
                "{:?} (signal {:?}): {}",
                o.status,
                o.status.signal(),
                String::from_utf8_lossy(&o.stderr)
            )
        })
        .collect();
    assert!(
        crashed.is_empty(),
        "{} of 200 runs (100 of each command) failed: {crashed:#?}",
        crashed.len()
    );
}
