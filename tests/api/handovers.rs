//! The pre-release handover: due in the site's morning the configured days before release,
//! sent once with a sealed pack, acknowledged by the probation officer, escalated once per step
//! when not, the pack kept as sent, and the meeting invitation as an `.ics` attachment.

use chrono::{DateTime, Utc};
use onward::auth::Role;
use onward::jobs::{self, JobContext, JobName};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::reminders::{at, created};
use crate::smtp::SmtpSink;

struct Case {
    app: TestApp,
    sink: SmtpSink,
    coordinator: TestUser,
    officer: TestUser,
    mentor: TestUser,
    participant: i64,
    ctx: JobContext,
}

/// A Bishkek participant (UTC+6) released on 2027-06-01 with a mentor, an exit plan from the
/// default template, and (when `officer`) a probation officer; a vetted probation agency with
/// a sharing basis.
async fn case(extra: &[(&str, &str)], officer: bool) -> Case {
    let sink = SmtpSink::start();
    let mut vars = vec![
        ("ONWARD_SMTP_URL", sink.url()),
        (
            "ONWARD_PUBLIC_URL",
            "https://onward.example.org/".to_string(),
        ),
        (
            "ONWARD_MAIL_FROM",
            "Onward <onward@example.org>".to_string(),
        ),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let officer_user = app.user(Role::ProbationOfficer, None);
    let mentor = app.user(Role::Mentor, None);
    let mut body = participant_body("KG-2027-00010", site);
    body["mentor_ids"] = json!([mentor.id]);
    if officer {
        body["probation_officer_id"] = json!(officer_user.id);
    }
    let p = app.participant(&coordinator, body).await;
    let participant = p["id"].as_i64().unwrap();
    let agency = created(
        app.post_json(
            &admin,
            "/api/v1/agencies",
            &json!({"name": "Bishkek Probation", "kind": "probation", "mailbox": "probation@agency.test",
                    "language": "ru", "vetting_status": "vetted", "secure_channel": false}),
        )
        .await,
    )
    .await;
    created(
        app.post_json(
            &coordinator,
            &format!("/api/v1/participants/{participant}/sharing-bases"),
            &json!({"agency_id": agency["id"], "legal_basis": "Court order", "valid_from": "2026-01-01"}),
        )
        .await,
    )
    .await;
    created(
        app.post_json(
            &coordinator,
            &format!("/api/v1/participants/{participant}/exit-plan"),
            &json!({"target_release_date": "2027-06-01", "release_type": "parole"}),
        )
        .await,
    )
    .await;
    let ctx = JobContext::from_config(app.pool.clone(), &app.config).expect("job context");
    Case {
        app,
        sink,
        coordinator,
        officer: officer_user,
        mentor,
        participant,
        ctx,
    }
}

/// A page as `who` sees it, logged in through the login page.
async fn html(app: &TestApp, who: &TestUser, path: &str) -> (StatusCode, String) {
    let (client, _) = app.login(&who.email, PASSWORD).await;
    let resp = client.get(app.url(path)).send().await.expect("request");
    (resp.status(), resp.text().await.expect("html"))
}

/// The handover job then delivery, as the scheduler would run them at `now`.
fn run(ctx: &JobContext, now: DateTime<Utc>) -> Value {
    let outcome = jobs::run(ctx, JobName::Handovers, &jobs::slot_of(now), now).expect("handovers");
    jobs::run(ctx, JobName::OutboxDelivery, &jobs::slot_of(now), now).expect("delivery");
    match outcome {
        jobs::Outcome::Succeeded(counts) => counts,
        jobs::Outcome::Skipped => Value::Null,
    }
}

fn subjects(sink: &SmtpSink) -> Vec<String> {
    sink.messages().iter().map(|m| m.subject()).collect()
}

async fn handovers(app: &TestApp, who: &TestUser, query: &str) -> Vec<Value> {
    let body: Value = app
        .get_json(who, &format!("/api/v1/handovers{query}"))
        .await;
    body["items"].as_array().unwrap().clone()
}

async fn note(c: &Case, narrative: &str, engagement: i32) {
    let resp = c
        .app
        .post_json(
            &c.mentor,
            &format!("/api/v1/participants/{}/progress-notes", c.participant),
            &json!({"contact_date": "2026-11-20", "contact_type": "one_to_one",
                    "ratings": {"engagement": engagement, "readiness": 3},
                    "narrative": narrative, "tell_probation": true}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn a_handover_falls_due_in_the_sites_morning_84_days_before_release_and_is_sent_once() {
    let c = case(&[], true).await;
    // Release 2027-06-01 − 84 days = 2027-03-09; 08:00 in Bishkek is 02:00 UTC.
    assert_eq!(run(&c.ctx, at("2027-03-08T12:00:00Z"))["opened"], 0);
    assert_eq!(run(&c.ctx, at("2027-03-09T01:59:00Z"))["opened"], 0);
    assert!(handovers(&c.app, &c.coordinator, "").await.is_empty());
    let counts = run(&c.ctx, at("2027-03-09T02:00:00Z"));
    assert_eq!(
        (counts["opened"].as_i64(), counts["sent"].as_i64()),
        (Some(1), Some(1))
    );
    for later in [
        "2027-03-09T02:15:00Z",
        "2027-03-10T02:00:00Z",
        "2027-03-12T09:00:00Z",
    ] {
        run(&c.ctx, at(later));
    }
    let messages = c.sink.messages();
    assert_eq!(
        subjects(&c.sink),
        vec!["Handover to probation: KG-2027-00010"]
    );
    assert_eq!(messages[0].to, vec![c.officer.email.clone()]);
    let list = handovers(&c.app, &c.officer, "").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "sent");
    assert_eq!(list[0]["due_on"], "2027-03-09");
    let id = list[0]["id"].as_i64().unwrap();
    assert!(messages[0]
        .data
        .contains(&format!("https://onward.example.org/handovers/{id}")));
    // No name of the person in the email.
    assert!(!messages[0].data.contains("Azamat") && !messages[0].data.contains("Sultanov"));
}

#[actix_web::test]
async fn the_configured_number_of_days_decides_when_a_handover_is_due() {
    let c = case(&[("ONWARD_HANDOVER_DAYS", "30")], true).await;
    // 2027-06-01 − 30 days = 2027-05-02.
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    run(&c.ctx, at("2027-05-01T12:00:00Z"));
    assert!(c.sink.messages().is_empty());
    run(&c.ctx, at("2027-05-02T02:00:00Z"));
    assert_eq!(subjects(&c.sink).len(), 1);
}

#[actix_web::test]
async fn the_pack_is_kept_as_sent_sealed_at_rest_and_later_changes_are_marked() {
    let c = case(&[], true).await;
    note(&c, "Talked about the apprenticeship in Tokmok", 2).await;
    created(
        c.app
            .post_json(
                &c.coordinator,
                &format!(
                    "/api/v1/participants/{}/exit-plan/milestones",
                    c.participant
                ),
                &json!({"kind": "custom", "title": "Open a bank account", "offset_days": -10}),
            )
            .await,
    )
    .await;
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    let id = handovers(&c.app, &c.officer, "").await[0]["id"]
        .as_i64()
        .unwrap();
    let read = |who: &TestUser| {
        let (app, who) = (&c.app, who.clone());
        async move {
            app.get_json::<Value>(&who, &format!("/api/v1/handovers/{id}"))
                .await
        }
    };
    let before = read(&c.officer).await;
    assert_eq!(before["changed_since_handover"], json!([]));
    let shared = &before["pack"]["progress"]["shared_notes"];
    assert_eq!(
        shared[0]["narrative"],
        "Talked about the apprenticeship in Tokmok"
    );
    assert_eq!(before["pack"]["case"]["case_reference"], "KG-2027-00010");
    assert_eq!(before["pack"]["case"]["release_date"], "2027-06-01");
    // Sealed in the database: the words are not in the row, nor in the SQLite file.
    {
        use diesel::prelude::*;
        use onward::db::schema::handovers;
        let stored: Option<String> = handovers::table
            .select(handovers::pack)
            .first(&mut *c.app.conn())
            .unwrap();
        let stored = stored.unwrap();
        assert!(stored.starts_with("v1:") && !stored.contains("Tokmok"));
    }
    if let Some(path) = &c.app.sqlite_path {
        for file in [path.clone(), path.with_extension("db-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                assert!(!String::from_utf8_lossy(&bytes).contains("Tokmok"));
            }
        }
    }
    // Later work on the case: another shared note and a pathway moved on.
    note(&c, "Met the employer with his brother", 4).await;
    let resp = c
        .app
        .put_json(
            &c.coordinator,
            &format!(
                "/api/v1/participants/{}/exit-plan/pathways/accommodation",
                c.participant
            ),
            Some("1"),
            &json!({"status": "in_progress", "responsible": "Bishkek Housing"}),
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
    let after = read(&c.coordinator).await;
    assert_eq!(
        after["pack"], before["pack"],
        "the pack as sent is unchanged"
    );
    assert_eq!(
        after["changed_since_handover"],
        json!(["progress", "pathways"])
    );
    // The page says so too.
    let (_, page) = html(&c.app, &c.officer, &format!("/handovers/{id}")).await;
    assert!(page.contains("Changed since handover"));
    assert!(page.contains("Talked about the apprenticeship in Tokmok"));
    assert!(
        page.contains("<td>Open a bank account</td>"),
        "open milestones by name"
    );
    assert!(
        !page.contains("Met the employer"),
        "the page shows the pack as sent"
    );
    assert!(c.app.audit_actions().contains(&"handover.read".to_string()));
    // The subject access export holds the handover, its pack opened.
    let auditor = c.app.user(Role::Auditor, None);
    let export: Value = c
        .app
        .get_json(
            &auditor,
            &format!("/api/v1/participants/{}/export", c.participant),
        )
        .await;
    let row = &export["tables"]["handovers"][0];
    assert_eq!(row["status"], "sent");
    assert!(row["pack"]
        .as_str()
        .unwrap()
        .contains("Talked about the apprenticeship in Tokmok"));
}

#[actix_web::test]
async fn the_probation_officer_acknowledges_and_the_coordinator_sees_it_acknowledged() {
    let c = case(&[], true).await;
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    let id = handovers(&c.app, &c.officer, "").await[0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/handovers/{id}/acknowledge");
    // Only the case's officer acknowledges.
    let other_officer = c.app.user(Role::ProbationOfficer, None);
    for (who, status) in [
        (&c.coordinator, StatusCode::FORBIDDEN),
        (&c.mentor, StatusCode::NOT_FOUND),
        (&other_officer, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(
            c.app.post_json(who, &path, &json!({})).await.status(),
            status
        );
    }
    let resp = c.app.post_json(&c.officer, &path, &json!({})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "acknowledged");
    assert!(body["acknowledged_by"]
        .as_str()
        .unwrap()
        .starts_with("probation_officer"));
    // Twice is harmless.
    assert_eq!(
        c.app
            .post_json(&c.officer, &path, &json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    let seen = handovers(&c.app, &c.coordinator, "?status=acknowledged").await;
    assert_eq!(seen.len(), 1);
    let (_, plan) = html(
        &c.app,
        &c.coordinator,
        &format!("/participants/{}/exit-plan", c.participant),
    )
    .await;
    assert_eq!(
        text_of(&plan, "#plan-handover-status").as_deref(),
        Some("Acknowledged")
    );
    // Nothing is escalated after an acknowledgement.
    run(&c.ctx, at("2027-03-20T02:00:00Z"));
    assert_eq!(c.sink.messages().len(), 1);
    assert!(c
        .app
        .audit_actions()
        .contains(&"handover.acknowledge".to_string()));
}

#[actix_web::test]
async fn an_unacknowledged_handover_is_escalated_once_to_the_probation_agency_and_the_coordinators()
{
    let c = case(&[("ONWARD_HANDOVER_ESCALATE_DAYS", "5")], true).await;
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    // Sent on the 9th (Bishkek); five days later is the 14th, from the local morning.
    run(&c.ctx, at("2027-03-14T01:59:00Z"));
    assert_eq!(c.sink.messages().len(), 1);
    run(&c.ctx, at("2027-03-14T02:00:00Z"));
    for later in [
        "2027-03-14T02:15:00Z",
        "2027-03-15T02:00:00Z",
        "2027-03-30T02:00:00Z",
    ] {
        run(&c.ctx, at(later));
    }
    let messages = c.sink.messages();
    let escalations: Vec<_> = messages.iter().skip(1).collect();
    let mut to: Vec<String> = escalations.iter().map(|m| m.to[0].clone()).collect();
    to.sort();
    let mut expected = vec![
        "probation@agency.test".to_string(),
        c.coordinator.email.clone(),
    ];
    expected.sort();
    assert_eq!(to, expected, "once each: {:?}", subjects(&c.sink));
    // The agency's mailbox is Russian-speaking.
    let agency = escalations
        .iter()
        .find(|m| m.to[0] == "probation@agency.test")
        .unwrap();
    assert_eq!(
        agency.subject(),
        "Передача дела не подтверждена: KG-2027-00010"
    );
    let list = handovers(&c.app, &c.coordinator, "?status=overdue").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "overdue");
    // Acknowledging late still counts.
    let id = list[0]["id"].as_i64().unwrap();
    let resp = c
        .app
        .post_json(
            &c.officer,
            &format!("/api/v1/handovers/{id}/acknowledge"),
            &json!({}),
        )
        .await;
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "acknowledged");
}

#[actix_web::test]
async fn a_handover_nobody_can_receive_is_escalated_once_then_sent_when_an_officer_is_assigned() {
    let c = case(&[], false).await;
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    assert!(c.sink.messages().is_empty());
    let list = handovers(&c.app, &c.coordinator, "").await;
    assert_eq!(list[0]["status"], "due");
    run(&c.ctx, at("2027-03-16T02:00:00Z"));
    run(&c.ctx, at("2027-03-17T02:00:00Z"));
    let mut subjects_now = subjects(&c.sink);
    subjects_now.sort();
    assert_eq!(
        subjects_now,
        vec![
            "Handover cannot be sent: KG-2027-00010",
            "Передачу дела нельзя отправить: KG-2027-00010",
        ],
        "the coordinator and the probation agency, once each"
    );
    // A probation officer is assigned: the next run sends the handover.
    {
        use diesel::prelude::*;
        use onward::db::schema::participants;
        diesel::update(participants::table.find(c.participant))
            .set(participants::probation_officer_id.eq(Some(c.officer.id)))
            .execute(&mut *c.app.conn())
            .unwrap();
    }
    run(&c.ctx, at("2027-03-18T02:00:00Z"));
    let last = c.sink.messages().pop().unwrap();
    assert_eq!(last.subject(), "Handover to probation: KG-2027-00010");
    assert_eq!(last.to, vec![c.officer.email.clone()]);
}

#[actix_web::test]
async fn two_instances_running_the_job_together_send_the_handover_once() {
    let c = case(&[], true).await;
    let now = at("2027-03-09T02:00:00Z");
    let instance = |name: &str| JobContext {
        pool: onward::db::connect(&c.app.config.database_url, 4).unwrap(),
        instance: name.into(),
        ..c.ctx.clone()
    };
    let threads: Vec<_> = [instance("a"), instance("b")]
        .into_iter()
        .map(|ctx| {
            std::thread::spawn(move || {
                for slot in [
                    "2027-03-09T02:00Z".to_string(),
                    format!("manual-{}", ctx.instance),
                ] {
                    jobs::run(&ctx, JobName::Handovers, &slot, now).unwrap();
                    jobs::run(&ctx, JobName::OutboxDelivery, &slot, now).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        subjects(&c.sink),
        vec!["Handover to probation: KG-2027-00010"]
    );
}

#[actix_web::test]
async fn the_meeting_invitation_goes_to_each_attendee_as_an_ics_attachment() {
    let c = case(&[], true).await;
    // Ahead of the real clock (a past meeting is recorded without invitations).
    let (meeting, moved_day) = (day(100), day(101));
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    let id = handovers(&c.app, &c.officer, "").await[0]["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/handovers/{id}/meeting");
    let bad = c
        .app
        .post_json(
            &c.officer,
            &path,
            &json!({"at": "15/03/2027", "attendee_ids": [], "minutes": 5}),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(problem_fields(&body), vec!["at", "minutes", "attendee_ids"]);
    let stranger = c.app.user(Role::Mentor, None);
    let resp = c
        .app
        .post_json(
            &c.officer,
            &path,
            &json!({"at": format!("{meeting}T10:00"), "place": "Room 4, Bishkek probation office",
                    "attendee_ids": [c.officer.id, c.mentor.id, stranger.id]}),
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "only the case's team"
    );
    let resp = c
        .app
        .post_json(
            &c.officer,
            &path,
            &json!({"at": format!("{meeting}T10:00"), "place": "Room 4, Bishkek probation office",
                    "attendee_ids": [c.officer.id, c.mentor.id, c.coordinator.id]}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["meeting"]["at"],
        format!("{meeting} 10:00 (Asia/Bishkek)")
    );
    jobs::run(&c.ctx, JobName::OutboxDelivery, "now", Utc::now()).unwrap();
    let invites: Vec<_> = c
        .sink
        .messages()
        .into_iter()
        .filter(|m| m.subject().starts_with("Handover meeting"))
        .collect();
    assert_eq!(invites.len(), 3);
    for m in &invites {
        assert!(m.data.contains("text/calendar"), "{}", m.data);
        assert!(m.data.contains("invite.ics"));
    }
    let ics = crate::smtp::attachment_text(&invites[0].data);
    assert!(ics.contains("METHOD:REQUEST"), "{ics}");
    assert!(
        ics.contains(&format!("DTSTART:{}T040000Z", meeting.replace('-', ""))),
        "10:00 in Bishkek is 04:00 UTC: {ics}"
    );
    assert!(ics.contains(&format!("UID:handover-{id}@onward.example.org")));
    assert!(ics.contains("ORGANIZER:mailto:onward@example.org"), "{ics}");
    assert_eq!(ics.matches("ATTENDEE;").count(), 3, "{ics}");
    assert!(!ics.contains("Azamat"), "no names of the person");
    // Changing the meeting needs the version read: without it 428, with an old one 409.
    let version = body["version"].as_i64().unwrap();
    let moved = json!({"at": format!("{moved_day}T11:00"), "attendee_ids": [c.officer.id]});
    assert_eq!(
        c.app.post_json(&c.officer, &path, &moved).await.status(),
        StatusCode::PRECONDITION_REQUIRED
    );
    let mut stale = moved.clone();
    stale["version"] = json!(version - 1);
    assert_eq!(
        c.app.post_json(&c.officer, &path, &stale).await.status(),
        StatusCode::CONFLICT
    );
    let mut fresh = moved.clone();
    fresh["version"] = json!(version);
    let resp = c.app.post_json(&c.officer, &path, &fresh).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    jobs::run(&c.ctx, JobName::OutboxDelivery, "again", Utc::now()).unwrap();
    let update = c.sink.messages().pop().unwrap();
    let ics = crate::smtp::attachment_text(&update.data);
    assert!(
        ics.contains("SEQUENCE:2")
            && ics.contains(&format!("DTSTART:{}T050000Z", moved_day.replace('-', ""))),
        "{ics}"
    );
    // A meeting already held is recorded without inviting anyone.
    let before = c.sink.messages().len();
    let held = json!({"at": "2026-11-02T10:00", "attendee_ids": [c.officer.id], "version": body["version"]});
    assert_eq!(
        c.app.post_json(&c.officer, &path, &held).await.status(),
        StatusCode::OK
    );
    jobs::run(&c.ctx, JobName::OutboxDelivery, "third", Utc::now()).unwrap();
    assert_eq!(c.sink.messages().len(), before);
}

#[actix_web::test]
async fn agency_users_mentors_and_admins_cannot_reach_a_handover() {
    let c = case(&[], true).await;
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    let id = handovers(&c.app, &c.officer, "").await[0]["id"]
        .as_i64()
        .unwrap();
    for who in [
        c.app.user(Role::AgencyUser, None),
        c.mentor.clone(),
        c.app.user(Role::Admin, None),
        c.app.user(Role::Auditor, None),
    ]
    .iter()
    {
        assert_eq!(
            c.app
                .get(who, &format!("/api/v1/handovers/{id}"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            html(&c.app, who, &format!("/handovers/{id}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert!(handovers(&c.app, who, "").await.is_empty());
    }
}

#[actix_web::test]
async fn the_probation_officers_home_lists_handovers_awaiting_acknowledgement_and_releases_soon() {
    let c = case(&[], true).await;
    let (_, home) = html(&c.app, &c.officer, "/").await;
    assert!(home.contains("Nothing is waiting for your acknowledgement."));
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    let (_, home) = html(&c.app, &c.officer, "/").await;
    let awaiting = text_of(&home, "#awaiting").unwrap();
    assert!(awaiting.contains("KG-2027-00010"), "{awaiting}");
    // Releases in the next 12 weeks (by the real clock: the plan's release is 2027-06-01).
    let releases = text_of(&home, "#releases").unwrap();
    let today = chrono::Utc::now().date_naive();
    let release = chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
    let soon = today <= release && release <= today + chrono::Duration::weeks(12);
    assert_eq!(releases.contains("KG-2027-00010"), soon, "{releases}");
    // A case of theirs released in a month, by the real clock, is listed.
    let mut body = participant_body("KG-2027-00011", c.app.site_id("KG-BSK"));
    body["probation_officer_id"] = json!(c.officer.id);
    body["earliest_release_date"] = json!(day(30));
    body["parole_eligibility_date"] = json!(day(10));
    c.app.participant(&c.coordinator, body).await;
    let (_, home) = html(&c.app, &c.officer, "/").await;
    let releases = text_of(&home, "#releases").unwrap();
    assert!(releases.contains("KG-2027-00011"), "{releases}");
}

#[actix_web::test]
async fn a_key_rotation_re_seals_the_pack_and_keeps_it_readable() {
    let c = case(&[], true).await;
    note(&c, "Wants to finish the welding course", 3).await;
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    let new_key = onward::crypto::DataKey::generate_hex();
    let keys = onward::crypto::Keyring {
        current: onward::crypto::DataKey::parse(&new_key).unwrap(),
        previous: vec![onward::crypto::DataKey::parse(TEST_DATA_KEY).unwrap()],
    };
    let done = onward::progress_notes::rotate(&mut c.app.conn(), &keys).unwrap();
    assert_eq!(done, 2, "the note and the pack");
    use diesel::prelude::*;
    use onward::db::schema::handovers;
    let stored: String = handovers::table
        .select(handovers::pack.assume_not_null())
        .first(&mut *c.app.conn())
        .unwrap();
    assert_eq!(onward::crypto::key_id_of(&stored), Some(keys.current.id()));
    let alone = onward::crypto::Keyring {
        current: onward::crypto::DataKey::parse(&new_key).unwrap(),
        previous: vec![],
    };
    assert!(alone
        .open(&stored)
        .unwrap()
        .contains("Wants to finish the welding course"));
}

#[actix_web::test]
async fn a_handover_email_queued_survives_edits_to_the_plan() {
    let c = case(&[], true).await;
    let now = at("2027-03-09T02:00:00Z");
    jobs::run(&c.ctx, JobName::Handovers, &jobs::slot_of(now), now).unwrap();
    // Before delivery, the coordinator edits the plan (which re-checks queued reminders).
    created(
        c.app
            .post_json(
                &c.coordinator,
                &format!(
                    "/api/v1/participants/{}/exit-plan/milestones",
                    c.participant
                ),
                &json!({"kind": "custom", "title": "Bus ticket home", "offset_days": 0}),
            )
            .await,
    )
    .await;
    jobs::run(&c.ctx, JobName::OutboxDelivery, "deliver", now).unwrap();
    assert_eq!(
        subjects(&c.sink),
        vec!["Handover to probation: KG-2027-00010"]
    );
}

#[actix_web::test]
async fn a_handover_opened_late_is_not_escalated_at_once_and_a_new_officer_gets_it() {
    let c = case(&[], false).await;
    // The handover opens on the 20th although it fell due on the 9th: the "no officer" step
    // counts from the day it opened.
    run(&c.ctx, at("2027-03-20T02:00:00Z"));
    run(&c.ctx, at("2027-03-21T02:00:00Z"));
    assert!(c.sink.messages().is_empty(), "{:?}", subjects(&c.sink));
    run(&c.ctx, at("2027-03-27T02:00:00Z"));
    assert_eq!(c.sink.messages().len(), 2, "agency and coordinator");
    // An officer is assigned; later the case passes to another officer, who gets it too and
    // must acknowledge it.
    use diesel::prelude::*;
    use onward::db::schema::participants;
    let assign = |officer: i64| {
        diesel::update(participants::table.find(c.participant))
            .set(participants::probation_officer_id.eq(Some(officer)))
            .execute(&mut *c.app.conn())
            .unwrap();
    };
    assign(c.officer.id);
    run(&c.ctx, at("2027-03-28T02:00:00Z"));
    let id = handovers(&c.app, &c.officer, "").await[0]["id"]
        .as_i64()
        .unwrap();
    c.app
        .post_json(
            &c.officer,
            &format!("/api/v1/handovers/{id}/acknowledge"),
            &json!({}),
        )
        .await;
    let second = c.app.user(Role::ProbationOfficer, None);
    assign(second.id);
    run(&c.ctx, at("2027-03-29T02:00:00Z"));
    run(&c.ctx, at("2027-03-30T02:00:00Z"));
    let last = c.sink.messages().pop().unwrap();
    assert_eq!(last.to, vec![second.email.clone()]);
    assert_eq!(last.subject(), "Handover to probation: KG-2027-00010");
    let list = handovers(&c.app, &second, "").await;
    assert_eq!(list[0]["status"], "sent", "the new officer acknowledges it");
    assert_eq!(c.sink.messages().len(), 4, "{:?}", subjects(&c.sink));
}

#[actix_web::test]
async fn a_restricted_case_goes_only_to_named_staff() {
    let c = case(&[], true).await;
    let other_coordinator = c.app.user(Role::Coordinator, Some("KG-BSK"));
    // Restricted, with the coordinator and the mentor named, but not the probation officer.
    {
        use diesel::prelude::*;
        use onward::db::schema::{participant_access, participants};
        diesel::update(participants::table.find(c.participant))
            .set(participants::restricted.eq(true))
            .execute(&mut *c.app.conn())
            .unwrap();
        for user in [c.coordinator.id, c.mentor.id] {
            diesel::insert_into(participant_access::table)
                .values((
                    participant_access::participant_id.eq(c.participant),
                    participant_access::user_id.eq(user),
                ))
                .execute(&mut *c.app.conn())
                .unwrap();
        }
    }
    run(&c.ctx, at("2027-03-09T02:00:00Z"));
    assert!(
        c.sink.messages().is_empty(),
        "an officer not named gets nothing"
    );
    run(&c.ctx, at("2027-03-16T02:00:00Z"));
    let to: Vec<String> = c.sink.messages().iter().map(|m| m.to[0].clone()).collect();
    assert!(to.contains(&c.coordinator.email));
    assert!(
        !to.contains(&other_coordinator.email),
        "only named coordinators: {to:?}"
    );
    assert!(handovers(&c.app, &other_coordinator, "").await.is_empty());
}

#[actix_web::test]
async fn the_pack_shows_programme_attendance_against_the_completion_rule() {
    // One participant in a four-session programme that needs 75% attendance.
    let c = crate::delivery::cohort(4, 1, 10).await;
    let person = c.people[0];
    for (session, mark) in c
        .sessions
        .iter()
        .zip(["present", "late", "present", "unexcused"])
    {
        let mut entry = json!({ "participant_id": person, "mark": mark });
        if mark == "late" {
            entry["late_minutes"] = json!(10);
        }
        let resp = c
            .app
            .put_json(
                &c.coordinator,
                &format!("/api/v1/sessions/{session}/register"),
                None,
                &json!({ "entries": [entry] }),
            )
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{}",
            resp.text().await.unwrap()
        );
    }
    let officer = c.app.user(Role::ProbationOfficer, None);
    {
        use diesel::prelude::*;
        use onward::db::schema::participants;
        diesel::update(participants::table.find(person))
            .set(participants::probation_officer_id.eq(Some(officer.id)))
            .execute(&mut *c.app.conn())
            .unwrap();
    }
    created(
        c.app
            .post_json(
                &c.coordinator,
                &format!("/api/v1/participants/{person}/exit-plan"),
                &json!({"target_release_date": "2027-06-01", "release_type": "parole"}),
            )
            .await,
    )
    .await;
    let ctx = JobContext::from_config(c.app.pool.clone(), &c.app.config).unwrap();
    run(&ctx, at("2027-03-09T02:00:00Z"));
    let id = handovers(&c.app, &officer, "").await[0]["id"]
        .as_i64()
        .unwrap();
    let view: Value = c
        .app
        .get_json(&officer, &format!("/api/v1/handovers/{id}"))
        .await;
    let line = &view["pack"]["programmes"][0];
    assert_eq!(line["programme"], "Pathways");
    assert_eq!(line["status"], "active");
    assert_eq!(
        (line["attended"].as_i64(), line["counted"].as_i64()),
        (Some(3), Some(4))
    );
    assert_eq!(line["percent"], 75);
    assert_eq!(line["meets_attendance_rule"], true);
    let (_, page) = html(&c.app, &officer, &format!("/handovers/{id}")).await;
    assert!(page.contains("3 of 4 (75%)") && page.contains("Met (at least 75% attended)"));
}
