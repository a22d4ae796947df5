//! Faults, as users and recipients see them: a database that goes away just after the SMTP server
//! took an email, and a database that cannot store changes (disk full, read-only). The scripts in
//! bench/faults/ cause these for real (a PostgreSQL restart, a full or immutable file system);
//! here the same database errors are brought about in ways a test can.

use chrono::Duration;
use diesel::prelude::*;
use onward::auth::Role;
use onward::jobs::{self, JobName};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;
use crate::reminders::{at, fixture};

/// Make the app's database connections fail from now on: on SQLite another connection holds the
/// write lock for `hold` (longer than the busy timeout), on PostgreSQL every other connection to
/// the database is terminated (new ones work again at once).
fn knock_out_database(app: &TestApp, hold: std::time::Duration) -> impl Fn() + Send + Sync {
    let sqlite = app.sqlite_path.clone();
    let url = app.database_url.clone();
    move || match &sqlite {
        Some(path) => {
            let path = path.display().to_string();
            let (locked, wait) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut c = diesel::SqliteConnection::establish(&path).expect("sqlite");
                diesel::sql_query("BEGIN EXCLUSIVE")
                    .execute(&mut c)
                    .expect("lock");
                locked.send(()).expect("signal");
                std::thread::sleep(hold);
                diesel::sql_query("COMMIT").execute(&mut c).expect("unlock");
            });
            wait.recv().expect("locked");
        }
        None => {
            let mut c = diesel::PgConnection::establish(&url).expect("postgres");
            let others = "FROM pg_stat_activity \
                          WHERE datname = current_database() AND pid <> pg_backend_pid()";
            diesel::sql_query(format!("SELECT pg_terminate_backend(pid) {others}"))
                .execute(&mut c)
                .expect("terminate");
            #[derive(QueryableByName)]
            struct Left {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            for _ in 0..50 {
                let left: Left = diesel::sql_query(format!("SELECT count(*) AS n {others}"))
                    .get_result(&mut c)
                    .expect("count");
                if left.n == 0 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    }
}

#[actix_web::test]
async fn an_email_the_server_took_just_before_the_database_went_away_is_not_sent_again() {
    use onward::db::schema::notifications;
    let f = fixture("2027-06-01", true).await;
    let now = at("2027-05-25T09:00:00Z");
    jobs::run(&f.ctx, JobName::ReminderSweep, &jobs::slot_of(now), now).unwrap();
    f.sink.before_accepting_next(knock_out_database(
        &f.app,
        std::time::Duration::from_secs(12),
    ));
    let ctx = f.ctx.clone();
    // The run itself may end in an error (on PostgreSQL its own connection is gone); what
    // matters is that the email it sent is noted sent.
    let _ = actix_web::rt::task::spawn_blocking(move || {
        jobs::run(&ctx, JobName::OutboxDelivery, "during", now)
    })
    .await
    .unwrap();
    assert_eq!(f.sink.messages().len(), 1);
    // Long after the lease would have run out, nothing is left to send again.
    let later = now + onward::outbox::LEASE + Duration::minutes(5);
    jobs::run(&f.ctx, JobName::OutboxDelivery, "later", later).unwrap();
    assert_eq!(f.sink.messages().len(), 1, "sent once, not twice");
    let states: Vec<String> = notifications::table
        .select(notifications::status)
        .load(&mut *f.app.conn())
        .unwrap();
    assert_eq!(states, vec!["sent".to_string()]);
}

/// Make every new participant fail the way a full disk makes writes fail.
fn refuse_writes_as_if_the_disk_were_full(app: &TestApp) {
    let mut conn = app.conn();
    let statements: &[&str] = if app.sqlite_path.is_some() {
        &["CREATE TRIGGER disk_full BEFORE INSERT ON participants \
           BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"]
    } else {
        &[
            "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             RAISE EXCEPTION 'could not extend file \"base/1/2\": No space left on device' \
             USING ERRCODE = 'disk_full'; END $$",
            "CREATE TRIGGER disk_full BEFORE INSERT ON participants \
             FOR EACH ROW EXECUTE FUNCTION disk_full()",
        ]
    };
    for s in statements {
        diesel::sql_query(*s).execute(&mut *conn).unwrap();
    }
}

fn accept_writes_again(app: &TestApp) {
    diesel::sql_query("DROP TRIGGER disk_full ON participants")
        .execute(&mut *app.conn())
        .or_else(|_| diesel::sql_query("DROP TRIGGER disk_full").execute(&mut *app.conn()))
        .unwrap();
}

#[actix_web::test]
async fn a_write_the_database_cannot_store_answers_503_saying_nothing_was_saved() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let audited_before = app.audit_actions().len();
    refuse_writes_as_if_the_disk_were_full(&app);

    // The API answers problem+json: 503, retry later, nothing internal.
    let resp = app
        .post_json(
            &coordinator,
            "/api/v1/participants",
            &participant_body("KG-2026-00001", site),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    assert_eq!(resp.headers()["retry-after"], "60");
    let body: Value = resp.json().await.unwrap();
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("could not be saved"), "{body}");
    let text = body.to_string().to_lowercase();
    for internal in [
        "database or disk is full",
        "sqlite",
        "diesel",
        "no space left",
        "insert",
    ] {
        assert!(!text.contains(internal), "{internal} leaked: {text}");
    }

    // The form answers a page saying the same.
    let (client, _) = app.login(&coordinator.email, PASSWORD).await;
    let resp = client
        .post_form(
            "/participants",
            &[
                ("case_reference", "KG-2026-00002"),
                ("given_name", "Azamat"),
                ("family_name", "Sultanov"),
                ("date_of_birth", "1990-04-12"),
                ("site_id", &site.to_string()),
                ("status", "in_custody"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = resp.text().await.unwrap();
    assert!(html.contains("could not be saved"), "{html}");
    assert!(!html.to_lowercase().contains("database or disk"), "{html}");

    // Reads still work; nothing of the refused writes was kept, not even in the audit trail.
    let list: Value = app.get_json(&coordinator, "/api/v1/participants").await;
    assert_eq!(list["total"], 0, "{list}");
    let audited: Vec<String> = app.audit_actions()[audited_before..].to_vec();
    assert!(
        !audited.iter().any(|a| a == "participant.create"),
        "{audited:?}"
    );
    assert_eq!(
        onward::audit::verify(&mut app.conn()).unwrap(),
        onward::audit::Verdict::Intact {
            rows: app.audit_actions().len() as i64
        }
    );

    // Once the database can store again, the same write works, without a restart.
    accept_writes_again(&app);
    let resp = app
        .post_json(
            &coordinator,
            "/api/v1/participants",
            &participant_body("KG-2026-00001", site),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn while_the_smtp_server_refuses_one_delivery_run_uses_one_attempt_per_email() {
    use onward::db::schema::notifications;
    use onward::outbox::{enqueue, NewNotification};
    // Six connections: four delivery workers, which list the same due emails at once.
    let sink = crate::smtp::SmtpSink::start();
    let app = spawn_app_with(&[
        ("ONWARD_DB_POOL_SIZE", "6"),
        ("ONWARD_SMTP_URL", &sink.url()),
    ])
    .await;
    let ctx = onward::jobs::JobContext::from_config(app.pool.clone(), &app.config).unwrap();
    let now = chrono::Utc::now();
    let url = url::Url::parse("https://onward.example.org/").unwrap();
    let rows: Vec<NewNotification> = (0..40)
        .map(|n| {
            NewNotification::new(
                format!("test|{n}"),
                "alert",
                true,
                None,
                None,
                None,
                None,
                None,
                format!("person{n}@example.org"),
                "en".into(),
                onward::mail::Rendered {
                    subject: format!("Email {n}"),
                    text: "Text".into(),
                    html: "<p>Text</p>".into(),
                },
                "pending",
                now.naive_utc(),
                &url,
            )
        })
        .collect();
    enqueue(&mut app.conn(), &rows, &onward::participants::access::Gate).unwrap();
    sink.set_mode(crate::smtp::Mode::RefuseForNow);
    jobs::run(&ctx, JobName::OutboxDelivery, "refused", now).unwrap();
    let attempts: Vec<(i32, String)> = notifications::table
        .select((notifications::attempts, notifications::status))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(attempts.len(), 40);
    assert!(
        attempts.iter().all(|(a, s)| *a == 1 && s == "pending"),
        "each email tried once and kept for later: {attempts:?}"
    );
}
