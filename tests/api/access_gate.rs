//! The one access gate: who may learn anything about a participant is decided in
//! `participants::access` and nowhere else — for pages and lists, and for every email recipient
//! when an email is queued, when a digest is composed and again just before it is sent.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use onward::auth::Role;
use onward::jobs::{self, JobContext, JobName};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::reminders::{at, digest_rule_for_the_officer, fixture, Fixture};
use crate::smtp::SmtpSink;

/// A Bishkek case with a mentor and a probation officer, its emails going to a real SMTP sink.
struct Case {
    app: TestApp,
    sink: SmtpSink,
    coordinator: TestUser,
    mentor: TestUser,
    officer: TestUser,
    id: i64,
}

async fn case(restricted: bool) -> Case {
    let sink = SmtpSink::start();
    let app = spawn_app_with(&[("ONWARD_SMTP_URL", &sink.url())]).await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, None);
    let officer = app.user(Role::ProbationOfficer, None);
    let mut body = participant_body("KG-2026-00501", site);
    body["mentor_ids"] = json!([mentor.id]);
    body["probation_officer_id"] = json!(officer.id);
    if restricted {
        // Named: the coordinator and the mentor, not the officer.
        body["restricted"] = json!(true);
        body["named_staff_ids"] = json!([coordinator.id, mentor.id]);
    }
    let p = app.participant(&coordinator, body).await;
    Case {
        id: p["id"].as_i64().unwrap(),
        app,
        sink,
        coordinator,
        mentor,
        officer,
    }
}

/// A note whose mentor asks that probation be told.
fn note_for_probation() -> Value {
    let today = Utc::now().date_naive();
    json!({
        "contact_date": (today - Duration::days(1)).to_string(),
        "contact_type": "one_to_one",
        "ratings": {"engagement": 4},
        "narrative": "Met at the library",
        "next_contact_date": (today + Duration::days(14)).to_string(),
        "tell_probation": true,
    })
}

/// Write the note through the API; the answer says whether probation was told.
async fn write_note(c: &Case) -> bool {
    let resp = c
        .app
        .post_json(
            &c.mentor,
            &format!("/api/v1/participants/{}/progress-notes", c.id),
            &note_for_probation(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let note: Value = resp.json().await.unwrap();
    note["probation_told"].as_bool().expect("probation_told")
}

/// Write the note on the notes page, as a mentor does; return the page it answers with.
async fn write_note_on_the_page(c: &Case) -> String {
    let (client, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    let url = c.app.url(&format!("/participants/{}/notes", c.id));
    let note = note_for_probation();
    let resp = client
        .post_form(
            &url,
            &[
                ("contact_date", note["contact_date"].as_str().unwrap()),
                ("contact_type", "one_to_one"),
                ("engagement", "4"),
                ("narrative", "Met at the library"),
                ("tell_probation", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    page(&client, c.app.url(&to)).await
}

fn deliver(app: &TestApp) -> onward::jobs::Outcome {
    let ctx = JobContext::from_config(app.pool.clone(), &app.config).unwrap();
    let now = Utc::now();
    jobs::run(&ctx, JobName::OutboxDelivery, &jobs::slot_of(now), now).unwrap()
}

/// The emails about the participant as `user` sees them listed: (kind, recipient, status).
async fn emails(app: &TestApp, user: &TestUser, id: i64) -> Vec<(String, String, String)> {
    let lines: Value = app
        .get_json(user, &format!("/api/v1/participants/{id}/notifications"))
        .await;
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["to_address"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Replace the participant's body (from the version it has now) as `user`.
async fn update(app: &TestApp, user: &TestUser, id: i64, change: impl FnOnce(&mut Value)) {
    let path = format!("/api/v1/participants/{id}");
    let current: Value = app.get_json(user, &path).await;
    let mut body = json!({
        "case_reference": current["case_reference"],
        "given_name": current["given_name"],
        "family_name": current["family_name"],
        "date_of_birth": current["date_of_birth"],
        "site_id": current["site"]["id"],
        "status": current["status"],
        "sentence_start": current["sentence_start"],
        "earliest_release_date": current["earliest_release_date"],
        "parole_eligibility_date": current["parole_eligibility_date"],
        "licence_end_date": current["licence_end_date"],
    });
    change(&mut body);
    let resp = app
        .put_json(user, &path, Some(&current["version"].to_string()), &body)
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
}

#[actix_web::test]
async fn a_note_for_probation_is_not_emailed_to_an_officer_not_named_on_a_restricted_person() {
    let c = case(true).await;
    assert!(
        !write_note(&c).await,
        "the answer says probation was not told"
    );
    let html = write_note_on_the_page(&c).await;
    assert!(
        text_of(&html, "#note-saved")
            .unwrap()
            .contains("the probation officer was not emailed"),
        "the mentor is told on the page"
    );
    deliver(&c.app);
    assert!(
        c.sink.messages().is_empty(),
        "the officer is not named on the restricted person: {:?}",
        c.sink.messages().iter().map(|m| &m.to).collect::<Vec<_>>()
    );
    // Which is the gate's answer everywhere: the officer cannot open the record either.
    let resp = c
        .app
        .get(&c.officer, &format!("/api/v1/participants/{}", c.id))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_email_queued_before_the_person_was_restricted_does_not_go_to_someone_not_named() {
    let c = case(false).await;
    assert!(
        write_note(&c).await,
        "an officer who may see the person is told"
    );
    assert_eq!(
        emails(&c.app, &c.coordinator, c.id).await,
        vec![(
            "progress_note".to_string(),
            c.officer.email.clone(),
            "pending".to_string()
        )]
    );
    update(&c.app, &c.coordinator, c.id, |b| {
        b["mentor_ids"] = json!([c.mentor.id]);
        b["probation_officer_id"] = json!(c.officer.id);
        b["restricted"] = json!(true);
        b["named_staff_ids"] = json!([c.coordinator.id, c.mentor.id]);
    })
    .await;
    deliver(&c.app);
    assert!(c.sink.messages().is_empty(), "withheld, not sent");
    assert_eq!(
        emails(&c.app, &c.coordinator, c.id).await[0].2,
        "cancelled",
        "the coordinator sees it was not sent"
    );
}

#[actix_web::test]
async fn an_email_queued_for_the_old_probation_officer_does_not_go_after_the_case_moves() {
    let c = case(false).await;
    write_note(&c).await;
    let new_officer = c.app.user(Role::ProbationOfficer, None);
    update(&c.app, &c.coordinator, c.id, |b| {
        b["mentor_ids"] = json!([c.mentor.id]);
        b["probation_officer_id"] = json!(new_officer.id);
    })
    .await;
    deliver(&c.app);
    assert!(
        c.sink.messages().is_empty(),
        "the old officer no longer holds the case"
    );
}

#[actix_web::test]
async fn the_gate_is_asked_again_just_before_an_email_is_sent() {
    let c = case(false).await;
    write_note(&c).await;
    // The person is restricted by another path than the participant form (another instance,
    // an import): the delivery itself still asks.
    {
        use onward::db::schema::participants;
        diesel::update(participants::table.find(c.id))
            .set(participants::restricted.eq(true))
            .execute(&mut *c.app.conn())
            .unwrap();
    }
    deliver(&c.app);
    assert!(c.sink.messages().is_empty());
    let admin = c.app.user(Role::Admin, None);
    let cancelled: Value = c
        .app
        .get_json(&admin, "/api/v1/notifications?status=cancelled")
        .await;
    assert_eq!(cancelled["total"], 1, "{cancelled}");
    assert!(
        cancelled["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("withheld"),
        "{cancelled}"
    );
}

/// Restrict the fixture's person, with its officer and `named` named on them.
async fn restrict(f: &Fixture, named: Vec<i64>) {
    update(&f.app, &f.coordinator, f.participant_id, |b| {
        b["probation_officer_id"] = json!(f.probation.id);
        b["restricted"] = json!(true);
        b["named_staff_ids"] = json!(named);
    })
    .await;
}

/// The emails queued, as an admin lists them.
async fn pending(f: &Fixture) -> Vec<Value> {
    let pending: Value = f
        .app
        .get_json(&f.admin, "/api/v1/notifications?status=pending")
        .await;
    pending["items"].as_array().unwrap().clone()
}

/// The reminders fixture with a digest rule for the probation officer, the person restricted
/// with `named` named on them, and the day's digest composed (not yet sent).
async fn composed_digest(named: impl Fn(&Fixture) -> Vec<i64>) -> (Fixture, i64) {
    let f = fixture("2027-06-01", true).await;
    digest_rule_for_the_officer(&f).await;
    restrict(&f, named(&f)).await;
    let now = at("2027-05-25T09:00:00Z");
    jobs::run(&f.ctx, JobName::ReminderSweep, &jobs::slot_of(now), now).unwrap();
    jobs::run(&f.ctx, JobName::DailyDigest, &jobs::slot_of(now), now).unwrap();
    let digest = pending(&f)
        .await
        .into_iter()
        .find(|n| n["kind"] == "digest")
        .expect("a digest is queued")["id"]
        .as_i64()
        .unwrap();
    (f, digest)
}

#[actix_web::test]
async fn an_admin_not_named_on_a_restricted_person_cannot_open_a_digest_that_lists_them() {
    let (f, digest) = composed_digest(|f| vec![f.coordinator.id, f.probation.id]).await;
    // Listed, for delivery's sake, without its subject.
    let line = pending(&f)
        .await
        .into_iter()
        .find(|n| n["id"] == digest)
        .unwrap();
    assert_eq!(
        line["subject"],
        "About a restricted participant (subject hidden)"
    );
    let (client, _) = f.app.login(&f.admin.email, PASSWORD).await;
    let resp = client
        .get(f.app.url(&format!("/outbox/{digest}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body = resp.text().await.unwrap();
    assert!(!body.contains("PT-2027-00001"), "{body}");
    // An admin named on the person opens it, and the reading is on the person's trail.
    let named_admin = f.app.user(Role::Admin, None);
    restrict(&f, vec![f.coordinator.id, f.probation.id, named_admin.id]).await;
    let (client, _) = f.app.login(&named_admin.email, PASSWORD).await;
    let html = page(&client, f.app.url(&format!("/outbox/{digest}"))).await;
    assert!(html.contains("PT-2027-00001"), "{html}");
    assert_eq!(
        reads(&f.app, f.participant_id, "notification.read").await,
        vec![named_admin.id]
    );
}

#[actix_web::test]
async fn a_digest_composed_before_the_officer_was_unnamed_does_not_reach_them() {
    let (f, _) = composed_digest(|f| vec![f.coordinator.id, f.probation.id]).await;
    restrict(&f, vec![f.coordinator.id]).await;
    let now = at("2027-05-25T10:00:00Z");
    jobs::run(&f.ctx, JobName::DailyDigest, "again", now).unwrap();
    jobs::run(&f.ctx, JobName::OutboxDelivery, "d", now).unwrap();
    let to_officer = f
        .sink
        .messages()
        .into_iter()
        .filter(|m| m.to == vec![f.probation.email.clone()])
        .count();
    assert_eq!(to_officer, 0, "the officer is no longer named");
}

/// Files that may spell out who may see a restricted participant: the gate itself, the
/// participants area that writes who is named, the schema, and the data loaders.
const GATE_FILES: [&str; 4] = [
    "src/participants/",
    "src/db/schema.rs",
    "src/seed/",
    "src/demo.rs",
];

#[test]
fn the_restricted_and_named_rule_is_written_only_in_the_participants_access_gate() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offences = Vec::new();
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if GATE_FILES.iter().any(|g| rel.starts_with(g)) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            if let Some(found) = rule_spelled_out(&text) {
                offences.push(format!("{rel}: {found}"));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "who may see a restricted participant is decided by participants::access (visible_to, \
         open_to, Case, Gate); call it instead of writing the rule again:\n{}",
        offences.join("\n")
    );
}

/// What in `source` reads the named-staff table or tests the restricted flag itself, if
/// anything. Comments are left out and whitespace is ignored, so a rule that rustfmt spread over
/// several lines is caught too.
fn rule_spelled_out(source: &str) -> Option<&'static str> {
    let code: String = source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .collect();
    [
        "participant_access::table",
        "participant_access::user_id",
        "participants::restricted.eq",
        "restricted&&",
        "restricted||",
        "&&restricted",
        "||restricted",
        "!restricted",
        "ifrestricted",
        "restricted.then",
        "!item.restricted",
    ]
    .into_iter()
    .find(|p| code.contains(p))
}

#[test]
fn the_source_scan_catches_the_rule_written_again() {
    for copy in [
        "    .filter(participants::restricted.eq(false).or(x))",
        "    .filter(\n        participants::restricted\n            .eq(false)\n            .or(x),\n    )",
        "let named = participant_access::table.filter(..)",
        "if restricted && !named.contains(&user) {",
    ] {
        assert!(rule_spelled_out(copy).is_some(), "{copy}");
    }
    assert!(rule_spelled_out("    // a restricted person && so on").is_none());
    assert!(rule_spelled_out("q.filter(crate::participants::access::open_to(me))").is_none());
}

#[actix_web::test]
async fn a_digest_already_sent_stays_sent_when_the_person_is_restricted_afterwards() {
    let (f, _) = composed_digest(|f| vec![f.coordinator.id, f.probation.id]).await;
    let now = at("2027-05-25T09:00:00Z");
    jobs::run(&f.ctx, JobName::OutboxDelivery, "d", now).unwrap();
    let to_officer = |f: &Fixture| {
        f.sink
            .messages()
            .into_iter()
            .filter(|m| m.to == vec![f.probation.email.clone()])
            .count()
    };
    assert_eq!(to_officer(&f), 1, "the digest went");
    restrict(&f, vec![f.coordinator.id]).await;
    // History stays true: the lines are shown as sent, nothing is listed as withheld.
    let lines = emails(&f.app, &f.coordinator, f.participant_id).await;
    let officer_lines: Vec<_> = lines.iter().filter(|l| l.1 == f.probation.email).collect();
    assert!(!officer_lines.is_empty());
    assert!(
        officer_lines.iter().all(|l| l.2 == "sent"),
        "{officer_lines:?}"
    );
    let cancelled: Value = f
        .app
        .get_json(&f.admin, "/api/v1/notifications?status=cancelled")
        .await;
    assert_eq!(cancelled["total"], 0, "{cancelled}");
}

#[actix_web::test]
async fn an_officer_or_mentor_not_named_on_a_restricted_person_does_not_see_their_cohort() {
    let c = crate::delivery::cohort(1, 1, 10).await;
    let officer = c.app.user(Role::ProbationOfficer, None);
    let mentor = c.app.user(Role::Mentor, None);
    let path = format!("/api/v1/cohorts/{}", c.id);
    update(&c.app, &c.coordinator, c.people[0], |b| {
        b["probation_officer_id"] = json!(officer.id);
        b["mentor_ids"] = json!([mentor.id]);
    })
    .await;
    for who in [&officer, &mentor] {
        assert_eq!(c.app.get(who, &path).await.status(), StatusCode::OK);
    }
    update(&c.app, &c.coordinator, c.people[0], |b| {
        b["probation_officer_id"] = json!(officer.id);
        b["mentor_ids"] = json!([mentor.id]);
        b["restricted"] = json!(true);
        b["named_staff_ids"] = json!([c.coordinator.id]);
    })
    .await;
    for who in [&officer, &mentor] {
        assert_eq!(
            c.app.get(who, &path).await.status(),
            StatusCode::NOT_FOUND,
            "the cohort would tell them the person is enrolled"
        );
    }
}
