//! Progress notes: who may read them, the narrative sealed at rest, probation told without it.

use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

struct Case {
    app: TestApp,
    coordinator: TestUser,
    mentor: TestUser,
    other_mentor: TestUser,
    officer: TestUser,
    participant: i64,
}

async fn case_with(extra: &[(&str, &str)]) -> Case {
    let app = spawn_app_with(extra).await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    app.site("PT-LIS", "Europe/Lisbon");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, None);
    let other_mentor = app.user(Role::Mentor, None);
    let officer = app.user(Role::ProbationOfficer, None);
    let mut body = participant_body("KG-2026-00077", site);
    body["mentor_ids"] = json!([mentor.id, other_mentor.id]);
    body["probation_officer_id"] = json!(officer.id);
    let p = app.participant(&coordinator, body).await;
    Case {
        participant: p["id"].as_i64().unwrap(),
        app,
        coordinator,
        mentor,
        other_mentor,
        officer,
    }
}

fn note(narrative: &str, tell: bool) -> Value {
    json!({
        "contact_date": "2026-11-20",
        "contact_type": "one_to_one",
        "ratings": {"engagement": 4, "attitudes": 3, "social_ties": 2, "identity": 3, "readiness": 4},
        "narrative": narrative,
        "next_contact_date": "2026-12-04",
        "tell_probation": tell,
    })
}

async fn write(c: &Case, who: &TestUser, body: Value) -> reqwest::Response {
    c.app
        .post_json(
            who,
            &format!("/api/v1/participants/{}/progress-notes", c.participant),
            &body,
        )
        .await
}

async fn read(c: &Case, who: &TestUser) -> (StatusCode, Vec<String>) {
    let resp = c
        .app
        .get(
            who,
            &format!("/api/v1/participants/{}/progress-notes", c.participant),
        )
        .await;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    let narratives = body
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| n["narrative"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    (status, narratives)
}

#[actix_web::test]
async fn notes_reach_their_author_the_sites_coordinators_and_when_shared_the_probation_officer() {
    let c = case_with(&[]).await;
    for (who, text, tell) in [
        (&c.mentor, "First meeting, guarded", false),
        (&c.mentor, "Asked about work in the bakery", true),
        (&c.other_mentor, "Group follow-up went well", false),
    ] {
        assert_eq!(
            write(&c, who, note(text, tell)).await.status(),
            StatusCode::CREATED
        );
    }
    let (_, mine) = read(&c, &c.mentor).await;
    assert_eq!(mine.len(), 2, "a mentor reads their own notes: {mine:?}");
    let (_, theirs) = read(&c, &c.other_mentor).await;
    assert_eq!(theirs, vec!["Group follow-up went well"]);
    let (_, all) = read(&c, &c.coordinator).await;
    assert_eq!(all.len(), 3);
    let (_, shared) = read(&c, &c.officer).await;
    assert_eq!(shared, vec!["Asked about work in the bakery"]);
    let admin = c.app.user(Role::Admin, None);
    let (status, none) = read(&c, &admin).await;
    assert_eq!(
        (status, none.len()),
        (StatusCode::OK, 0),
        "need-to-know: not admins"
    );
    for outsider in [
        c.app.user(Role::AgencyUser, None),
        c.app.user(Role::Coordinator, Some("PT-LIS")),
        c.app.user(Role::Mentor, None),
        c.app.user(Role::Auditor, None),
    ] {
        let (status, _) = read(&c, &outsider).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            write(&c, &outsider, note("x", false)).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        write(&c, &c.officer, note("x", false)).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn the_narrative_is_sealed_in_the_database_and_readable_through_onward() {
    let c = case_with(&[]).await;
    let words = "He talked about the football club in Osh";
    assert_eq!(
        write(&c, &c.mentor, note(words, false)).await.status(),
        StatusCode::CREATED
    );
    use diesel::prelude::*;
    use onward::db::schema::progress_notes;
    let stored: String = progress_notes::table
        .select(progress_notes::narrative)
        .first(&mut *c.app.conn())
        .unwrap();
    assert!(
        stored.starts_with("v1:") && !stored.contains("football"),
        "{stored}"
    );
    if let Some(path) = &c.app.sqlite_path {
        // The file itself, and its write-ahead log, hold no trace of the words.
        for file in [path.clone(), path.with_extension("db-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                let hay = String::from_utf8_lossy(&bytes);
                assert!(
                    !hay.contains("football"),
                    "{} leaks the narrative",
                    file.display()
                );
            }
        }
    }
    if c.app.sqlite_path.is_none() {
        // A dump of the whole PostgreSQL database holds no trace of the words either.
        let dump = std::process::Command::new("pg_dump")
            .arg(&c.app.database_url)
            .output()
            .expect("pg_dump runs");
        assert!(
            dump.status.success(),
            "{}",
            String::from_utf8_lossy(&dump.stderr)
        );
        let text = String::from_utf8_lossy(&dump.stdout);
        assert!(text.contains("progress_notes"), "the dump holds the table");
        assert!(!text.contains("football"), "pg_dump leaks the narrative");
    }
    let (_, seen) = read(&c, &c.mentor).await;
    assert_eq!(seen, vec![words]);
    assert!(c
        .app
        .audit_actions()
        .contains(&"progress_note.read".to_string()));
}

#[actix_web::test]
async fn telling_probation_emails_the_officer_without_the_narrative() {
    let sink = crate::smtp::SmtpSink::start();
    let c = case_with(&[("ONWARD_SMTP_URL", &sink.url())]).await;
    assert_eq!(
        write(
            &c,
            &c.mentor,
            note("Worried about contact with an old recruiter", true)
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    let ctx = onward::jobs::JobContext::from_config(c.app.pool.clone(), &c.app.config).unwrap();
    let now = chrono::Utc::now();
    onward::jobs::run(&ctx, onward::jobs::JobName::OutboxDelivery, "d", now).unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, vec![c.officer.email.clone()]);
    assert!(messages[0].subject().contains("KG-2026-00077"));
    assert!(
        !messages[0].data.contains("recruiter"),
        "never the narrative"
    );
    assert!(!messages[0].data.contains("Azamat"), "never the name");
}

#[actix_web::test]
async fn a_bad_note_is_refused_naming_each_field() {
    let c = case_with(&[]).await;
    let resp = write(
        &c,
        &c.mentor,
        json!({"contact_date": "2099-01-01", "contact_type": "letter", "ratings": {"engagement": 7},
               "narrative": " ", "next_contact_date": "2098-01-01"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = problem_fields(&resp.json().await.unwrap());
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "contact_date",
            "contact_type",
            "narrative",
            "next_contact_date",
            "ratings.engagement"
        ]
    );
}

#[actix_web::test]
async fn without_its_key_onward_neither_writes_notes_nor_starts_over_encrypted_ones() {
    let keyless = case_with(&[("ONWARD_DATA_KEY", "")]).await;
    let resp = write(&keyless, &keyless.mentor, note("x", false)).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);

    let c = case_with(&[]).await;
    assert_eq!(
        write(&c, &c.mentor, note("Sealed", false)).await.status(),
        StatusCode::CREATED
    );
    let serve = |key: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_onward"));
        cmd.args(["serve"])
            .env("DATABASE_URL", &c.app.database_url)
            .env("ONWARD_BIND", "127.0.0.1:0")
            .env("ONWARD_CONFIG", "/nonexistent")
            .env_remove("ONWARD_DATA_KEY");
        if let Some(k) = key {
            cmd.env("ONWARD_DATA_KEY", k);
        }
        cmd.output().unwrap()
    };
    let out = serve(None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ONWARD_DATA_KEY is not set")
            && stderr.contains("1 progress notes, risk reviews or handover packs"),
        "{stderr}"
    );
    let wrong = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    let out = serve(Some(wrong));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("do not hold"));
}

#[actix_web::test]
async fn after_a_key_rotation_the_notes_stay_readable_under_the_new_key_alone() {
    let c = case_with(&[]).await;
    assert_eq!(
        write(&c, &c.mentor, note("Spoke warmly of his daughter", false))
            .await
            .status(),
        StatusCode::CREATED
    );
    let generate = std::process::Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["keys", "generate"])
        .env("ONWARD_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    let new_key = String::from_utf8_lossy(&generate.stdout).trim().to_string();
    assert_eq!(new_key.len(), 64);
    let rotate = std::process::Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["keys", "rotate"])
        .env("DATABASE_URL", &c.app.database_url)
        .env("ONWARD_CONFIG", "/nonexistent")
        .env("ONWARD_DATA_KEY", &new_key)
        .env("ONWARD_DATA_KEY_PREVIOUS", TEST_DATA_KEY)
        .output()
        .unwrap();
    assert!(
        rotate.status.success(),
        "{}",
        String::from_utf8_lossy(&rotate.stderr)
    );
    assert!(String::from_utf8_lossy(&rotate.stdout).starts_with("1 value(s) re-encrypted"));
    use diesel::prelude::*;
    use onward::db::schema::progress_notes;
    let stored: String = progress_notes::table
        .select(progress_notes::narrative)
        .first(&mut *c.app.conn())
        .unwrap();
    let new_id = onward::crypto::DataKey::parse(&new_key)
        .unwrap()
        .id()
        .to_string();
    assert_eq!(onward::crypto::key_id_of(&stored), Some(new_id.as_str()));
    assert!(!stored.contains("daughter"));
    // An instance with the new key alone reads it; the old key alone no longer does.
    let keys = onward::crypto::Keyring {
        current: onward::crypto::DataKey::parse(&new_key).unwrap(),
        previous: vec![],
    };
    assert_eq!(keys.open(&stored).unwrap(), "Spoke warmly of his daughter");
    let (status, _) = read(&c, &c.mentor).await;
    assert_eq!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "the running app still has only the old key"
    );
}

/// The review-by date of [`review`]: two months ahead, so it is a future milestone whatever day
/// the suite runs.
fn review_by() -> String {
    day(60)
}

fn review() -> Value {
    json!({"instrument": "VERA-2R", "level": "moderate", "assessor": "Dr. Aliev",
           "assessed_on": "2026-11-01", "review_by": review_by(), "notes": "Review after the family visit"})
}

#[actix_web::test]
async fn a_risk_review_is_recorded_by_coordinators_or_the_officer_and_its_review_date_joins_the_plan(
) {
    let c = case_with(&[]).await;
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/participants/{}/exit-plan", c.participant),
            &json!({"target_release_date": day(180), "release_type": "parole"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let path = format!("/api/v1/participants/{}/risk-reviews", c.participant);
    let resp = c.app.post_json(&c.officer, &path, &review()).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: Value = resp.json().await.unwrap();
    assert!(created["milestone_id"].is_i64());
    // The review-by date is now a milestone the reminder rules cover.
    let m: Value = c
        .app
        .get_json(
            &c.coordinator,
            &format!("/api/v1/milestones/{}", created["milestone_id"]),
        )
        .await;
    assert_eq!(m["kind"], "risk_review");
    assert_eq!(m["due_on"], review_by());
    // Notes sealed at rest, readable by the coordinator; not by mentors or agency users.
    use diesel::prelude::*;
    use onward::db::schema::risk_reviews;
    let stored: String = risk_reviews::table
        .select(risk_reviews::notes)
        .first(&mut *c.app.conn())
        .unwrap();
    assert!(!stored.contains("family"));
    let list: Value = c.app.get_json(&c.coordinator, &path).await;
    assert_eq!(list[0]["notes"], "Review after the family visit");
    assert_eq!(list[0]["level"], "moderate");
    let mentor_list: Value = c.app.get_json(&c.mentor, &path).await;
    assert_eq!(mentor_list, json!([]));
    assert_eq!(
        c.app.post_json(&c.mentor, &path, &review()).await.status(),
        StatusCode::FORBIDDEN
    );
    let agency = c.app.user(Role::AgencyUser, None);
    assert_eq!(
        c.app.get(&agency, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    // Bad input names the fields.
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &path,
            &json!({"instrument": "", "level": "high", "assessor": "X", "assessed_on": "2026-11-01", "review_by": "2026-10-01"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = problem_fields(&resp.json().await.unwrap());
    fields.sort();
    assert_eq!(fields, vec!["instrument", "review_by"]);
}

#[actix_web::test]
async fn a_subject_access_export_holds_every_row_about_the_participant_and_is_audited() {
    let c = case_with(&[]).await;
    assert_eq!(
        write(&c, &c.mentor, note("Wants to study welding", true))
            .await
            .status(),
        StatusCode::CREATED
    );
    c.app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/participants/{}/exit-plan", c.participant),
            &json!({"target_release_date": day(180), "release_type": "parole"}),
        )
        .await;
    let path = format!("/api/v1/participants/{}/export", c.participant);
    assert_eq!(
        c.app.get(&c.coordinator, &path).await.status(),
        StatusCode::FORBIDDEN
    );
    let auditor = c.app.user(Role::Auditor, None);
    let doc: Value = c.app.get_json(&auditor, &path).await;
    let tables = &doc["tables"];
    assert_eq!(tables["participants"][0]["case_reference"], "KG-2026-00077");
    assert_eq!(tables["participant_mentors"].as_array().unwrap().len(), 2);
    assert_eq!(
        tables["progress_notes"][0]["narrative"], "Wants to study welding",
        "opened"
    );
    assert_eq!(tables["exit_plan_pathways"].as_array().unwrap().len(), 8);
    assert_eq!(
        tables["notifications"].as_array().unwrap().len(),
        1,
        "the email to probation"
    );
    let actions: Vec<&str> = tables["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"participant.create") && actions.contains(&"participant.export"));
    // Every table the export knows is there, even when empty.
    assert_eq!(tables.as_object().unwrap().len(), 16);
    // The command line gives the same document.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["export", "participant", "kg-2026-00077"])
        .env("DATABASE_URL", &c.app.database_url)
        .env("ONWARD_CONFIG", "/nonexistent")
        .env("ONWARD_DATA_KEY", TEST_DATA_KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        cli["tables"]["progress_notes"][0]["narrative"],
        "Wants to study welding"
    );
}
