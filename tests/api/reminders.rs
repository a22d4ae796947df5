//! Reminders as partner agencies receive them: through a real SMTP server, with time passed in.
//! Every rule of PRODUCT.md's "Rules that users rely on" about reminders has a test here.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use onward::auth::Role;
use onward::jobs::{self, JobContext, JobName, Outcome};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::smtp::{Mode, SmtpSink};

pub struct Fixture {
    pub app: TestApp,
    pub sink: SmtpSink,
    pub admin: TestUser,
    pub coordinator: TestUser,
    pub probation: TestUser,
    pub agency_id: i64,
    pub participant_id: i64,
    pub milestone_id: i64,
    pub ctx: JobContext,
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339 instant")
        .with_timezone(&Utc)
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub async fn created(resp: reqwest::Response) -> Value {
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// A Lisbon participant with an exit plan releasing on `release`, one milestone (accommodation,
/// due on release day) owned by a vetted housing agency, and a rule reminding the agency 84, 56,
/// 28 and 7 days before. `basis`: whether the agency has a sharing basis.
pub async fn fixture(release: &str, basis: bool) -> Fixture {
    let sink = SmtpSink::start();
    let app = spawn_app_with(&[
        ("ONWARD_SMTP_URL", &sink.url()),
        ("ONWARD_PUBLIC_URL", "https://onward.example.org/"),
        ("ONWARD_MAIL_FROM", "Onward <onward@example.org>"),
    ])
    .await;
    let site = app.site("PT-LIS", "Europe/Lisbon");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("PT-LIS"));
    let probation = app.user(Role::ProbationOfficer, None);
    let agency = created(
        app.post_json(
            &admin,
            "/api/v1/agencies",
            &json!({"name": "Lisbon Housing", "kind": "housing", "mailbox": "housing@agency.test",
                    "language": "en", "vetting_status": "vetted", "secure_channel": false}),
        )
        .await,
    )
    .await;
    let agency_id = agency["id"].as_i64().unwrap();
    let mut body = participant_body("PT-2027-00001", site);
    body["probation_officer_id"] = json!(probation.id);
    let participant = app.participant(&coordinator, body).await;
    let participant_id = participant["id"].as_i64().unwrap();
    if basis {
        created(
            app.post_json(
                &coordinator,
                &format!("/api/v1/participants/{participant_id}/sharing-bases"),
                &json!({"agency_id": agency_id, "legal_basis": "Consent signed", "valid_from": "2026-01-01"}),
            )
            .await,
        )
        .await;
    }
    created(
        app.post_json(
            &coordinator,
            &format!("/api/v1/participants/{participant_id}/exit-plan"),
            &json!({"target_release_date": release, "release_type": "parole"}),
        )
        .await,
    )
    .await;
    let milestone = created(
        app.post_json(
            &coordinator,
            &format!("/api/v1/participants/{participant_id}/exit-plan/milestones"),
            &json!({"kind": "accommodation_confirmed", "offset_days": 0, "responsible_agency_id": agency_id}),
        )
        .await,
    )
    .await;
    created(
        app.post_json(
            &admin,
            "/api/v1/reminder-rules",
            &json!({"name": "Housing", "milestone_kinds": ["accommodation_confirmed"],
                    "days_before": [84, 56, 28, 7], "days_after": [], "recipients": ["agency"]}),
        )
        .await,
    )
    .await;
    let ctx = JobContext::from_config(app.pool.clone(), &app.config).expect("job context");
    Fixture {
        milestone_id: milestone["id"].as_i64().unwrap(),
        app,
        sink,
        admin,
        coordinator,
        probation,
        agency_id,
        participant_id,
        ctx,
    }
}

/// A rule putting the release and the accommodation milestone, 7 days before, into the probation
/// officer's daily digest.
pub async fn digest_rule_for_the_officer(f: &Fixture) {
    created(
        f.app
            .post_json(
                &f.admin,
                "/api/v1/reminder-rules",
                &json!({"name": "Release digest", "milestone_kinds": ["release", "accommodation_confirmed"],
                        "days_before": [7], "recipients": ["probation_officer"], "delivery": "digest"}),
            )
            .await,
    )
    .await;
}

/// The reminder sweep then delivery, as the scheduler would run them at `now`.
pub fn sweep_and_deliver(ctx: &JobContext, now: DateTime<Utc>) {
    jobs::run(ctx, JobName::ReminderSweep, &jobs::slot_of(now), now).expect("sweep");
    jobs::run(ctx, JobName::OutboxDelivery, &jobs::slot_of(now), now).expect("delivery");
}

fn subjects(sink: &SmtpSink) -> Vec<String> {
    sink.messages().iter().map(|m| m.subject()).collect()
}

#[actix_web::test]
async fn reminders_at_84_56_28_and_7_days_arrive_once_each() {
    let f = fixture("2027-06-01", true).await;
    // Every day from 90 days before to the day after, at 10:00 in Lisbon (09:00 UTC in summer),
    // and a second sweep each day: a reminder is sent once however often the sweep runs.
    let release = date("2027-06-01");
    for back in (-1..=90).rev() {
        let day = release - Duration::days(back);
        let now = at(&format!("{day}T09:00:00Z"));
        sweep_and_deliver(&f.ctx, now);
        sweep_and_deliver(&f.ctx, now + Duration::minutes(15));
    }
    assert_eq!(
        subjects(&f.sink),
        vec![
            "Due in 84 days: Accommodation confirmed (PT-2027-00001)",
            "Due in 56 days: Accommodation confirmed (PT-2027-00001)",
            "Due in 28 days: Accommodation confirmed (PT-2027-00001)",
            "Due in 7 days: Accommodation confirmed (PT-2027-00001)",
        ]
    );
    for m in f.sink.messages() {
        assert_eq!(m.to, vec!["housing@agency.test"]);
    }
}

#[actix_web::test]
async fn reminders_go_out_at_8_in_lisbon_before_and_after_the_march_clock_change() {
    // Release 2027-04-24: the 28-day point is Saturday 27 March (UTC+0), the 7-day point is
    // Saturday 17 April (UTC+1, after the change on 28 March).
    let f = fixture("2027-04-24", true).await;
    sweep_and_deliver(&f.ctx, at("2027-02-27T10:00:00Z"));
    assert_eq!(subjects(&f.sink).len(), 1, "the 56-day reminder");
    sweep_and_deliver(&f.ctx, at("2027-03-27T07:59:00Z"));
    assert_eq!(subjects(&f.sink).len(), 1, "not before 08:00 local");
    sweep_and_deliver(&f.ctx, at("2027-03-27T08:00:00Z"));
    assert_eq!(
        subjects(&f.sink).len(),
        2,
        "at 08:00 local (08:00 UTC in winter)"
    );
    assert!(subjects(&f.sink)[1].starts_with("Due in 28 days"));

    sweep_and_deliver(&f.ctx, at("2027-04-17T06:59:00Z"));
    assert_eq!(
        subjects(&f.sink).len(),
        2,
        "07:59 local in summer time: not yet"
    );
    sweep_and_deliver(&f.ctx, at("2027-04-17T07:00:00Z"));
    assert_eq!(
        subjects(&f.sink).len(),
        3,
        "08:00 local is 07:00 UTC in summer"
    );
    assert!(subjects(&f.sink)[2].starts_with("Due in 7 days"));
}

#[actix_web::test]
async fn after_three_days_down_one_sweep_sends_the_missed_reminder_once() {
    let f = fixture("2027-06-01", true).await;
    // The 7-day point is 25 May; Onward is down 25, 26 and 27 May and back on the 28th.
    sweep_and_deliver(&f.ctx, at("2027-05-24T09:00:00Z"));
    let before = f.sink.messages().len();
    sweep_and_deliver(&f.ctx, at("2027-05-28T09:00:00Z"));
    sweep_and_deliver(&f.ctx, at("2027-05-28T09:15:00Z"));
    sweep_and_deliver(&f.ctx, at("2027-05-29T09:00:00Z"));
    let after = subjects(&f.sink);
    assert_eq!(after.len(), before + 1, "{after:?}");
    assert_eq!(
        after.last().unwrap(),
        "Due in 4 days: Accommodation confirmed (PT-2027-00001)"
    );
}

#[actix_web::test]
async fn moving_the_release_date_replans_the_reminders() {
    let f = fixture("2027-06-01", true).await;
    // The 28-day reminder is decided on 4 May but not yet delivered when the date moves.
    jobs::run(
        &f.ctx,
        JobName::ReminderSweep,
        "2027-05-04T09:00Z",
        at("2027-05-04T09:00:00Z"),
    )
    .unwrap();
    let plan_url = format!("/api/v1/participants/{}/exit-plan", f.participant_id);
    let plan: Value = f.app.get_json(&f.coordinator, &plan_url).await;
    let version = plan["version"].to_string();
    let moved = f
        .app
        .put_json(
            &f.coordinator,
            &plan_url,
            Some(&version),
            &json!({"target_release_date": "2027-07-01", "release_type": "parole"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(
        moved["milestones"][0]["due_on"], "2027-07-01",
        "the milestone follows"
    );
    // Nothing for the old date goes out. The new date's 84-day point (8 April) has passed, so
    // the agency hears of the new date at once; the later reminders come on their own days.
    sweep_and_deliver(&f.ctx, at("2027-05-04T09:30:00Z"));
    sweep_and_deliver(&f.ctx, at("2027-05-05T09:30:00Z"));
    sweep_and_deliver(&f.ctx, at("2027-06-03T09:00:00Z"));
    assert_eq!(
        subjects(&f.sink),
        vec![
            "Due in 58 days: Accommodation confirmed (PT-2027-00001)",
            "Due in 28 days: Accommodation confirmed (PT-2027-00001)"
        ]
    );
    for m in f.sink.messages() {
        assert!(m.data.contains("2027-07-01") && !m.data.contains("2027-06-01"));
    }
}

#[actix_web::test]
async fn an_agency_without_a_sharing_basis_gets_no_email() {
    let f = fixture("2027-06-01", false).await;
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    assert!(f.sink.messages().is_empty());
    // An agency user of that agency cannot reach the milestone either.
    let user = agency_user(&f);
    let list: Value = f.app.get_json(&user, "/api/v1/milestones").await;
    assert_eq!(list["total"], 0);
    let one = f
        .app
        .get(&user, &format!("/api/v1/milestones/{}", f.milestone_id))
        .await;
    assert_eq!(one.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_expired_sharing_basis_stops_the_emails() {
    let f = fixture("2027-06-01", true).await;
    let bases: Value = f
        .app
        .get_json(
            &f.coordinator,
            &format!("/api/v1/participants/{}/sharing-bases", f.participant_id),
        )
        .await;
    let id = bases[0]["id"].as_i64().unwrap();
    let resp = f
        .app
        .put_json(
            &f.coordinator,
            &format!("/api/v1/sharing-bases/{id}"),
            Some("1"),
            &json!({"legal_basis": "Consent withdrawn", "valid_from": "2026-01-01", "valid_until": "2027-05-01"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    assert!(f.sink.messages().is_empty());
}

#[actix_web::test]
async fn nothing_is_sent_for_a_withdrawn_plan_a_done_milestone_or_a_past_date() {
    // Done milestone.
    let f = fixture("2027-06-01", true).await;
    let m: Value = f
        .app
        .get_json(
            &f.coordinator,
            &format!("/api/v1/milestones/{}", f.milestone_id),
        )
        .await;
    let resp = f
        .app
        .put_json(
            &f.coordinator,
            &format!("/api/v1/milestones/{}", f.milestone_id),
            Some(&m["version"].to_string()),
            &json!({"kind": "accommodation_confirmed", "offset_days": 0,
                    "responsible_agency_id": f.agency_id, "status": "done"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    assert!(f.sink.messages().is_empty(), "done: nothing");

    // Withdrawn plan.
    let f = fixture("2027-06-01", true).await;
    let plan_url = format!("/api/v1/participants/{}/exit-plan", f.participant_id);
    let plan: Value = f.app.get_json(&f.coordinator, &plan_url).await;
    let resp = f
        .app
        .put_json(
            &f.coordinator,
            &plan_url,
            Some(&plan["version"].to_string()),
            &json!({"target_release_date": "2027-06-01", "release_type": "parole", "status": "withdrawn"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    assert!(f.sink.messages().is_empty(), "withdrawn: nothing");

    // A date already past when the plan is first swept: no late "due in" reminder.
    let f = fixture("2027-06-01", true).await;
    sweep_and_deliver(&f.ctx, at("2027-06-02T09:00:00Z"));
    assert!(f.sink.messages().is_empty(), "past: nothing");
}

#[actix_web::test]
async fn overdue_chasers_go_out_once_each_while_the_milestone_is_open() {
    let f = fixture("2027-06-01", true).await;
    created(
        f.app
            .post_json(
                &f.admin,
                "/api/v1/reminder-rules",
                &json!({"name": "Chasers", "milestone_kinds": ["accommodation_confirmed"],
                        "days_before": [], "days_after": [7, 14], "recipients": ["agency", "probation_officer"]}),
            )
            .await,
    )
    .await;
    for day in 1..=20 {
        let now = at(&format!(
            "{}T09:00:00Z",
            date("2027-06-01") + Duration::days(day)
        ));
        sweep_and_deliver(&f.ctx, now);
    }
    let mut got = subjects(&f.sink);
    got.sort();
    assert_eq!(
        got,
        vec![
            "Overdue by 14 days: Accommodation confirmed (PT-2027-00001)",
            "Overdue by 14 days: Accommodation confirmed (PT-2027-00001)",
            "Overdue by 7 days: Accommodation confirmed (PT-2027-00001)",
            "Overdue by 7 days: Accommodation confirmed (PT-2027-00001)",
        ]
    );
    let to_officer = f
        .sink
        .messages()
        .iter()
        .filter(|m| m.to == vec![f.probation.email.clone()])
        .count();
    assert_eq!(to_officer, 2);
}

fn agency_user(f: &Fixture) -> TestUser {
    use onward::auth::users::{self, EmailAddress, NewUser};
    let email = format!("housing{}@agency.test", f.agency_id);
    let mut c = f.app.conn();
    let id = users::add(
        &mut c,
        &NewUser {
            email: EmailAddress::parse(&email).unwrap(),
            display_name: "Housing officer".into(),
            role: Role::AgencyUser,
            site_code: None,
            agency_id: Some(f.agency_id),
            password: PASSWORD.into(),
        },
    )
    .unwrap();
    let token = onward::auth::tokens::create(&mut c, id).unwrap();
    TestUser {
        id: id.0,
        email,
        token,
    }
}

#[actix_web::test]
async fn an_agency_user_sees_and_updates_only_their_agencys_milestones() {
    let f = fixture("2027-06-01", true).await;
    let user = agency_user(&f);
    let list: Value = f.app.get_json(&user, "/api/v1/milestones").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["case_reference"], "PT-2027-00001");
    // Not the plan, not the participant.
    let plan = f
        .app
        .get(
            &user,
            &format!("/api/v1/participants/{}/exit-plan", f.participant_id),
        )
        .await;
    assert_eq!(plan.status(), StatusCode::NOT_FOUND);
    // Status and note only; the due date they send is ignored.
    let resp = f
        .app
        .put_json(
            &user,
            &format!("/api/v1/milestones/{}", f.milestone_id),
            Some("1"),
            &json!({"status": "in_progress", "note": "Flat viewed", "due_date": "2030-01-01"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let m: Value = resp.json().await.unwrap();
    assert_eq!(m["status"], "in_progress");
    assert_eq!(m["due_on"], "2027-06-01");
    // A stale version is refused, and nothing is overwritten.
    let stale = f
        .app
        .put_json(
            &user,
            &format!("/api/v1/milestones/{}", f.milestone_id),
            Some("1"),
            &json!({"status": "done", "note": ""}),
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let bad = f
        .app
        .put_json(
            &user,
            &format!("/api/v1/milestones/{}", f.milestone_id),
            Some("2"),
            &json!({"status": "finished"}),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&bad.json().await.unwrap()), vec!["status"]);
}

#[actix_web::test]
async fn bad_plans_rules_and_agencies_are_refused_naming_the_field() {
    let f = fixture("2027-06-01", true).await;
    let resp = f
        .app
        .post_json(
            &f.admin,
            "/api/v1/reminder-rules",
            &json!({"name": "", "milestone_kinds": ["nonsense"], "days_before": [400], "recipients": []}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = problem_fields(&resp.json().await.unwrap());
    fields.sort();
    assert_eq!(
        fields,
        vec!["days_before", "milestone_kinds", "name", "recipients"]
    );

    let resp = f
        .app
        .post_json(
            &f.admin,
            "/api/v1/agencies",
            &json!({"name": "X", "kind": "bank", "mailbox": "not an address"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = problem_fields(&resp.json().await.unwrap());
    fields.sort();
    assert_eq!(fields, vec!["kind", "mailbox"]);

    let resp = f
        .app
        .post_json(
            &f.coordinator,
            &format!(
                "/api/v1/participants/{}/exit-plan/milestones",
                f.participant_id
            ),
            &json!({"kind": "bank_account", "due_date": "2027-02-30"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem_fields(&resp.json().await.unwrap()),
        vec!["due_date"]
    );

    let again = f
        .app
        .post_json(
            &f.coordinator,
            &format!("/api/v1/participants/{}/exit-plan", f.participant_id),
            &json!({"target_release_date": day(180), "release_type": "parole"}),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "one plan per participant"
    );
    // Only admins define rules and agencies.
    let resp = f
        .app
        .post_json(
            &f.coordinator,
            "/api/v1/agencies",
            &json!({"name": "Y", "kind": "ngo", "mailbox": "y@ngo.test"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn a_plan_from_a_template_has_every_milestone_and_its_planned_reminders() {
    let f = fixture("2027-06-01", true).await;
    onward::exit_plans::ensure_default_template(&mut f.app.conn()).unwrap();
    let templates: Value = f
        .app
        .get_json(&f.coordinator, "/api/v1/plan-templates")
        .await;
    let template = &templates[0];
    // Far enough ahead that every reminder is still to come, whatever day the suite runs.
    let release = date(&day(200));
    let mut body = participant_body("PT-2027-00002", f.app.site_id("PT-LIS"));
    body["probation_officer_id"] = json!(f.probation.id);
    let p = f.app.participant(&f.coordinator, body).await;
    let pid = p["id"].as_i64().unwrap();
    created(
        f.app
            .post_json(
                &f.coordinator,
                &format!("/api/v1/participants/{pid}/sharing-bases"),
                &json!({"agency_id": f.agency_id, "legal_basis": "Consent", "valid_from": "2026-01-01"}),
            )
            .await,
    )
    .await;
    let plan = created(
        f.app
            .post_json(
                &f.coordinator,
                &format!("/api/v1/participants/{pid}/exit-plan"),
                &json!({"target_release_date": release.to_string(), "release_type": "parole",
                        "template_id": template["id"]}),
            )
            .await,
    )
    .await;
    let milestones = plan["milestones"].as_array().unwrap();
    assert_eq!(
        milestones.len(),
        template["milestones"].as_array().unwrap().len()
    );
    assert_eq!(plan["pathways"].as_array().unwrap().len(), 8);
    let housing = milestones
        .iter()
        .find(|m| m["kind"] == "accommodation_confirmed")
        .unwrap();
    let housing_due = release - Duration::days(28);
    assert_eq!(
        housing["due_on"],
        housing_due.to_string(),
        "28 days before release"
    );
    assert_eq!(
        housing["agency_name"], "Lisbon Housing",
        "the housing agency with a basis"
    );
    let planned: Vec<&str> = housing["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["on"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = [84, 56, 28, 7]
        .iter()
        .map(|d| (housing_due - Duration::days(*d)).to_string())
        .collect();
    assert_eq!(planned, expected);
}

#[actix_web::test]
async fn a_slot_runs_once_and_every_run_is_recorded() {
    let f = fixture("2027-06-01", true).await;
    let now = at("2027-05-25T09:00:00Z");
    let first = jobs::run(&f.ctx, JobName::ReminderSweep, "2027-05-25T09:00Z", now).unwrap();
    assert_eq!(first, Outcome::Succeeded(json!({"items": 2, "queued": 1})));
    let second = jobs::run(&f.ctx, JobName::ReminderSweep, "2027-05-25T09:00Z", now).unwrap();
    assert_eq!(second, Outcome::Skipped);
    jobs::run(&f.ctx, JobName::OutboxDelivery, "2027-05-25T09:00Z", now).unwrap();
    let runs: Value = f.app.get_json(&f.admin, "/api/v1/jobs").await;
    assert_eq!(runs["total"], 2, "{runs}");
    assert_eq!(runs["items"][0]["job"], "outbox-delivery");
    assert_eq!(
        runs["items"][0]["counts"],
        r#"{"failed":0,"retrying":0,"sent":1,"withheld":0}"#
    );
    assert_eq!(runs["items"][1]["job"], "reminder-sweep");
    assert_eq!(runs["items"][1]["outcome"], "succeeded");
    let forbidden = f.app.get(&f.coordinator, "/api/v1/jobs").await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn smtp_refusing_for_a_while_is_retried_and_delivered_once() {
    let f = fixture("2027-06-01", true).await;
    f.sink.set_mode(Mode::RefuseForNow);
    let now = at("2027-05-25T09:00:00Z");
    sweep_and_deliver(&f.ctx, now);
    assert!(f.sink.messages().is_empty());
    // Backing off: a second attempt straight away is not made.
    let counts = onward::outbox::deliver_due(
        &mut f.app.conn(),
        &f.ctx.mailer,
        &onward::participants::access::Gate,
        "a",
        now.naive_utc(),
        10,
    )
    .unwrap();
    assert!(counts.is_empty(), "{counts:?}");
    f.sink.set_mode(Mode::Accept);
    let later = now + Duration::minutes(2);
    jobs::run(
        &f.ctx,
        JobName::OutboxDelivery,
        &jobs::slot_of(later),
        later,
    )
    .unwrap();
    assert_eq!(f.sink.messages().len(), 1);
    let again = now + Duration::hours(3);
    sweep_and_deliver(&f.ctx, again);
    assert_eq!(f.sink.messages().len(), 1, "delivered once");
}

#[actix_web::test]
async fn a_permanent_failure_is_visible_to_admins_and_can_be_retried() {
    let f = fixture("2027-06-01", true).await;
    f.sink.set_mode(Mode::RefuseForGood);
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    let failed: Value = f
        .app
        .get_json(&f.admin, "/api/v1/notifications?status=failed")
        .await;
    assert_eq!(failed["total"], 1);
    let line = &failed["items"][0];
    assert!(
        line["last_error"].as_str().unwrap().contains("550"),
        "{line}"
    );
    let id = line["id"].as_i64().unwrap();
    // The admin's outbox page lists it with a retry button.
    let (client, _) = f.app.login(&f.admin.email, PASSWORD).await;
    let html = page(&client, f.app.url("/outbox")).await;
    assert!(html.contains("housing@agency.test"), "{html}");
    assert!(html.contains(&format!("/outbox/{id}/retry")));
    // Retry, with the server accepting again.
    f.sink.set_mode(Mode::Accept);
    let resp = f
        .app
        .post_json(
            &f.admin,
            &format!("/api/v1/notifications/{id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let now = at("2027-05-25T10:00:00Z");
    onward::outbox::deliver_due(
        &mut f.app.conn(),
        &f.ctx.mailer,
        &onward::participants::access::Gate,
        "a",
        onward::db::now().max(now.naive_utc()),
        10,
    )
    .unwrap();
    assert_eq!(f.sink.messages().len(), 1);
}

#[actix_web::test]
async fn a_delivery_that_died_after_claiming_is_completed_once_its_lease_expires() {
    let f = fixture("2027-06-01", true).await;
    let now = at("2027-05-25T09:00:00Z");
    jobs::run(&f.ctx, JobName::ReminderSweep, &jobs::slot_of(now), now).unwrap();
    // An instance claims the email and dies before sending it.
    let claimed =
        onward::outbox::claim(&mut f.app.conn(), "dead-instance", now.naive_utc(), 10).unwrap();
    assert_eq!(claimed.len(), 1);
    let soon = now + Duration::seconds(30);
    onward::outbox::deliver_due(
        &mut f.app.conn(),
        &f.ctx.mailer,
        &onward::participants::access::Gate,
        "survivor",
        soon.naive_utc(),
        10,
    )
    .unwrap();
    assert!(f.sink.messages().is_empty(), "the lease still holds");
    let later = now + onward::outbox::LEASE + Duration::seconds(1);
    onward::outbox::deliver_due(
        &mut f.app.conn(),
        &f.ctx.mailer,
        &onward::participants::access::Gate,
        "survivor",
        later.naive_utc(),
        10,
    )
    .unwrap();
    onward::outbox::deliver_due(
        &mut f.app.conn(),
        &f.ctx.mailer,
        &onward::participants::access::Gate,
        "survivor",
        (later + Duration::hours(1)).naive_utc(),
        10,
    )
    .unwrap();
    assert_eq!(f.sink.messages().len(), 1);
}

#[actix_web::test]
async fn two_instances_sweeping_and_delivering_together_send_every_email_once() {
    let f = fixture("2027-06-01", true).await;
    // Forty more participants with the same milestone, so the instances have work to share.
    let site = f.app.site_id("PT-LIS");
    for n in 2..=41 {
        let p = f
            .app
            .participant(
                &f.coordinator,
                participant_body(&format!("PT-2027-{n:05}"), site),
            )
            .await;
        let pid = p["id"].as_i64().unwrap();
        created(f.app.post_json(&f.coordinator, &format!("/api/v1/participants/{pid}/sharing-bases"),
            &json!({"agency_id": f.agency_id, "legal_basis": "Consent", "valid_from": "2026-01-01"})).await).await;
        created(
            f.app
                .post_json(
                    &f.coordinator,
                    &format!("/api/v1/participants/{pid}/exit-plan"),
                    &json!({"target_release_date": "2027-06-01", "release_type": "parole"}),
                )
                .await,
        )
        .await;
        created(f.app.post_json(&f.coordinator, &format!("/api/v1/participants/{pid}/exit-plan/milestones"),
            &json!({"kind": "accommodation_confirmed", "offset_days": 0, "responsible_agency_id": f.agency_id})).await).await;
    }
    let instance = |name: &str| {
        let pool = onward::db::connect(&f.app.config.database_url, 4).unwrap();
        JobContext {
            pool,
            instance: name.into(),
            ..f.ctx.clone()
        }
    };
    let (a, b) = (instance("instance-a"), instance("instance-b"));
    let now = at("2027-05-25T09:00:00Z");
    let work = |ctx: JobContext| {
        std::thread::spawn(move || {
            // The scheduled slot, then a manual run of each job on top (its own slot).
            for slot in ["2027-05-25T09:00Z", &format!("manual-{}", ctx.instance)] {
                jobs::run(&ctx, JobName::ReminderSweep, slot, now).unwrap();
                jobs::run(&ctx, JobName::OutboxDelivery, slot, now).unwrap();
            }
        })
    };
    let (ta, tb) = (work(a), work(b));
    ta.join().unwrap();
    tb.join().unwrap();
    let messages = f.sink.messages();
    assert_eq!(messages.len(), 41);
    let mut ids: Vec<String> = messages
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 41, "every email once");
    let mut subjects: Vec<String> = messages.iter().map(|m| m.subject()).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 41, "one per participant");
}

#[actix_web::test]
async fn the_participants_page_lists_every_email_without_its_body_for_non_admins() {
    let f = fixture("2027-06-01", true).await;
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    let lines: Value = f
        .app
        .get_json(
            &f.coordinator,
            &format!("/api/v1/participants/{}/notifications", f.participant_id),
        )
        .await;
    assert_eq!(lines[0]["to_address"], "housing@agency.test");
    assert_eq!(lines[0]["status"], "sent");
    assert!(lines[0].get("body_text").is_none());
    let (client, _) = f.app.login(&f.coordinator.email, PASSWORD).await;
    let html = page(
        &client,
        f.app.url(&format!("/participants/{}", f.participant_id)),
    )
    .await;
    let emails = text_of(&html, "#timeline").expect("a timeline");
    assert!(emails.contains("housing@agency.test"), "{emails}");
    assert!(emails.contains("Due in 7 days"), "{emails}");
    assert!(
        !html.contains("Open it in Onward"),
        "no body for coordinators"
    );
    // The agency user cannot see the participant's emails.
    let user = agency_user(&f);
    let resp = f
        .app
        .get(
            &user,
            &format!("/api/v1/participants/{}/notifications", f.participant_id),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_digest_rule_sends_one_email_a_day_per_recipient() {
    let f = fixture("2027-06-01", true).await;
    digest_rule_for_the_officer(&f).await;
    let now = at("2027-05-25T09:00:00Z");
    sweep_and_deliver(&f.ctx, now);
    jobs::run(&f.ctx, JobName::DailyDigest, &jobs::slot_of(now), now).unwrap();
    jobs::run(&f.ctx, JobName::OutboxDelivery, "d2", now).unwrap();
    jobs::run(
        &f.ctx,
        JobName::DailyDigest,
        "again",
        now + Duration::hours(1),
    )
    .unwrap();
    jobs::run(
        &f.ctx,
        JobName::OutboxDelivery,
        "d3",
        now + Duration::hours(1),
    )
    .unwrap();
    let to_officer: Vec<_> = f
        .sink
        .messages()
        .into_iter()
        .filter(|m| m.to == vec![f.probation.email.clone()])
        .collect();
    assert_eq!(to_officer.len(), 1, "one digest");
    assert!(
        to_officer[0].subject().contains("2 reminders"),
        "{}",
        to_officer[0].subject()
    );
    assert!(
        to_officer[0].data.contains("Release in 7 days"),
        "{}",
        to_officer[0].data
    );
}

#[test]
fn emails_render_in_english_and_russian_without_names_unless_the_mailbox_is_secure() {
    use onward::mail::{render, EmailContext};
    let plain = EmailContext {
        recipient: "Lisbon Housing".into(),
        case_reference: "PT-2027-00001".into(),
        what: "Accommodation confirmed".into(),
        kind: "accommodation_confirmed".into(),
        due_on: "2027-06-01".into(),
        days: 28,
        is_today: false,
        link: "https://onward.example.org/milestones/7".into(),
        secure: false,
        participant_name: None,
        items: vec![],
    };
    let secure = EmailContext {
        secure: true,
        participant_name: Some("Azamat Sultanov".into()),
        ..plain.clone()
    };
    for lang in ["en", "ru"] {
        for kind in [
            "milestone_reminder",
            "milestone_overdue",
            "release_reminder",
        ] {
            let r = render(kind, lang, &plain).unwrap();
            assert!(!r.text.contains("Azamat") && !r.html.contains("Azamat"));
            assert!(r.text.contains("PT-2027-00001") && r.html.contains("PT-2027-00001"));
            assert!(
                r.text.contains("2027-06-01")
                    && r.text.contains("https://onward.example.org/milestones/7")
            );
            // Every input is fixed (no clock, no database): nothing to redact.
            crate::snapshot::assert_matches(
                &format!("{kind}.{lang}.txt"),
                &format!("Subject: {}\n\n{}", r.subject, r.text),
            );
            crate::snapshot::assert_matches(&format!("{kind}.{lang}.html"), &r.html);
            let s = render(kind, lang, &secure).unwrap();
            assert!(s.text.contains("Azamat Sultanov") && s.html.contains("Azamat Sultanov"));
        }
    }
    assert!(render("milestone_reminder", "ru", &plain)
        .unwrap()
        .subject
        .starts_with("Срок через 28 дн."));
    // HTML is escaped in the HTML part, not in the text part.
    let tricky = EmailContext {
        what: "Flat <b>&</b> deposit".into(),
        ..plain
    };
    let r = render("milestone_reminder", "en", &tricky).unwrap();
    assert!(r.text.contains("Flat <b>&</b> deposit"));
    assert!(r.html.contains("Flat &lt;b&gt;&amp;&lt;/b&gt; deposit"));
}

#[actix_web::test]
async fn a_sent_email_is_multipart_text_and_html_with_the_rows_message_id() {
    let f = fixture("2027-06-01", true).await;
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    let m = &f.sink.messages()[0];
    assert!(m.data.contains("multipart/alternative"));
    assert!(m.data.contains("text/plain") && m.data.contains("text/html"));
    use onward::db::schema::notifications;
    let stored: String = notifications::table
        .select(notifications::message_id)
        .first(&mut *f.app.conn())
        .unwrap();
    assert_eq!(m.header("Message-ID").unwrap(), stored);
    assert!(
        !m.data.contains("Azamat"),
        "no names to a mailbox that is not secure"
    );
}

#[actix_web::test]
async fn the_timeline_marks_a_reached_reminder_due_and_earlier_ones_superseded() {
    let f = fixture("2027-06-01", true).await;
    let due = (Utc::now().date_naive() + Duration::days(10)).to_string();
    let m = created(
        f.app
            .post_json(
                &f.coordinator,
                &format!("/api/v1/participants/{}/exit-plan/milestones", f.participant_id),
                &json!({"kind": "accommodation_confirmed", "due_date": due, "responsible_agency_id": f.agency_id}),
            )
            .await,
    )
    .await;
    let view: Value = f
        .app
        .get_json(&f.coordinator, &format!("/api/v1/milestones/{}", m["id"]))
        .await;
    let states: Vec<(i64, &str)> = view["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["days_before"].as_i64().unwrap(),
                r["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            (84, "not_sent"),
            (56, "not_sent"),
            (28, "due"),
            (7, "planned")
        ]
    );
}

async fn set_milestone(f: &Fixture, body: Value) {
    let m: Value = f
        .app
        .get_json(
            &f.coordinator,
            &format!("/api/v1/milestones/{}", f.milestone_id),
        )
        .await;
    let resp = f
        .app
        .put_json(
            &f.coordinator,
            &format!("/api/v1/milestones/{}", f.milestone_id),
            Some(&m["version"].to_string()),
            &body,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_milestone_done_by_mistake_and_reopened_still_gets_its_reminder() {
    let f = fixture("2027-06-01", true).await;
    let now = at("2027-05-25T09:00:00Z");
    jobs::run(&f.ctx, JobName::ReminderSweep, "s1", now).unwrap();
    let base = json!({"kind": "accommodation_confirmed", "offset_days": 0, "responsible_agency_id": f.agency_id});
    let mut done = base.clone();
    done["status"] = json!("done");
    set_milestone(&f, done).await;
    set_milestone(&f, base).await;
    sweep_and_deliver(&f.ctx, now + Duration::minutes(15));
    assert_eq!(
        subjects(&f.sink),
        vec!["Due in 7 days: Accommodation confirmed (PT-2027-00001)"]
    );
}

#[actix_web::test]
async fn a_typed_title_reaches_only_a_secure_mailbox() {
    let f = fixture("2027-06-01", true).await;
    set_milestone(
        &f,
        json!({"kind": "accommodation_confirmed", "title": "Flat near his sister Aida", "offset_days": 0,
               "responsible_agency_id": f.agency_id}),
    )
    .await;
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    let plain = &f.sink.messages()[0];
    assert!(!plain.data.contains("Aida"), "{}", plain.data);
    assert_eq!(
        plain.subject(),
        "Due in 7 days: Accommodation confirmed (PT-2027-00001)"
    );
    // The same agency on a secure channel gets the title and the name.
    update_agency(
        &f,
        json!({"name": "Lisbon Housing", "kind": "housing", "mailbox": "housing@agency.test",
                    "language": "en", "vetting_status": "vetted", "secure_channel": true}),
    )
    .await;
    sweep_and_deliver(&f.ctx, at("2027-05-29T09:00:00Z"));
    let secure = &f.sink.messages()[0];
    assert_eq!(
        f.sink.messages().len(),
        1,
        "the 7-day reminder was already sent"
    );
    assert!(secure.subject().contains("Accommodation confirmed"));
    let f2 = fixture("2027-06-01", true).await;
    update_agency(
        &f2,
        json!({"name": "Lisbon Housing", "kind": "housing", "mailbox": "housing@agency.test",
                    "language": "en", "vetting_status": "vetted", "secure_channel": true}),
    )
    .await;
    set_milestone(
        &f2,
        json!({"kind": "accommodation_confirmed", "title": "Flat near his sister Aida", "offset_days": 0,
               "responsible_agency_id": f2.agency_id}),
    )
    .await;
    sweep_and_deliver(&f2.ctx, at("2027-05-25T09:00:00Z"));
    let m = &f2.sink.messages()[0];
    assert!(
        m.subject().contains("Flat near his sister Aida"),
        "{}",
        m.subject()
    );
    assert!(
        m.data.contains("Azamat Sultanov"),
        "names go to a secure mailbox"
    );
}

#[actix_web::test]
async fn an_agency_switched_off_gets_nothing_more_even_what_was_queued() {
    let f = fixture("2027-06-01", true).await;
    jobs::run(
        &f.ctx,
        JobName::ReminderSweep,
        "s1",
        at("2027-05-25T09:00:00Z"),
    )
    .unwrap();
    update_agency(
        &f,
        json!({"name": "Lisbon Housing", "kind": "housing", "mailbox": "housing@agency.test",
                    "vetting_status": "lapsed"}),
    )
    .await;
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:30:00Z"));
    assert!(f.sink.messages().is_empty());
    let lines: Value = f
        .app
        .get_json(
            &f.coordinator,
            &format!("/api/v1/participants/{}/notifications", f.participant_id),
        )
        .await;
    assert_eq!(lines[0]["status"], "cancelled");
}

#[actix_web::test]
async fn a_restricted_persons_reminders_and_milestones_reach_named_staff_only() {
    let f = fixture("2027-06-01", true).await;
    created(
        f.app
            .post_json(
                &f.admin,
                "/api/v1/reminder-rules",
                &json!({"name": "Coordinators", "milestone_kinds": ["accommodation_confirmed"],
                        "days_before": [7], "recipients": ["coordinator", "probation_officer"]}),
            )
            .await,
    )
    .await;
    // Restricted, with only the probation officer and the coordinator named.
    let p: Value = f
        .app
        .get_json(
            &f.coordinator,
            &format!("/api/v1/participants/{}", f.participant_id),
        )
        .await;
    let mut body = participant_body("PT-2027-00001", f.app.site_id("PT-LIS"));
    body["probation_officer_id"] = json!(f.probation.id);
    body["restricted"] = json!(true);
    body["named_staff_ids"] = json!([f.coordinator.id]);
    let resp = f
        .app
        .put_json(
            &f.coordinator,
            &format!("/api/v1/participants/{}", f.participant_id),
            Some(&p["version"].to_string()),
            &body,
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
    let other = f.app.user(onward::auth::Role::Coordinator, Some("PT-LIS"));
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    let mut to: Vec<String> = f
        .sink
        .messages()
        .iter()
        .flat_map(|m| m.to.clone())
        .collect();
    to.sort();
    assert_eq!(
        to,
        vec![f.coordinator.email.clone()],
        "not the probation officer or the other coordinator (not named), nor the agency's \
         mailbox (its staff could not open the milestone)"
    );
    assert!(!to.contains(&other.email));
    // The agency's staff do not see the restricted person's milestone either.
    let user = agency_user(&f);
    let list: Value = f.app.get_json(&user, "/api/v1/milestones").await;
    assert_eq!(list["total"], 0);
    let resp = f
        .app
        .get(&user, &format!("/api/v1/milestones/{}", f.milestone_id))
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let admin_list: Value = f.app.get_json(&f.admin, "/api/v1/milestones").await;
    assert_eq!(admin_list["total"], 0, "an admin not named does not see it");
}

#[actix_web::test]
async fn a_probation_officer_records_progress_on_the_milestones_of_their_cases() {
    let f = fixture("2027-06-01", true).await;
    let resp = f
        .app
        .put_json(
            &f.probation,
            &format!("/api/v1/milestones/{}", f.milestone_id),
            Some("1"),
            &json!({"status": "in_progress", "note": "Called the housing office", "offset_days": -90}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let m: Value = resp.json().await.unwrap();
    assert_eq!(m["status"], "in_progress");
    assert_eq!(
        m["due_on"], "2027-06-01",
        "the date is the coordinator's to change"
    );
    // Another officer's case is out of reach.
    let other = f.app.user(onward::auth::Role::ProbationOfficer, None);
    let resp = f
        .app
        .put_json(
            &other,
            &format!("/api/v1/milestones/{}", f.milestone_id),
            Some("2"),
            &json!({"status": "done"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

/// Change the fixture's agency through the API, from the version it has now.
async fn update_agency(f: &Fixture, body: Value) {
    let path = format!("/api/v1/agencies/{}", f.agency_id);
    let agency: Value = f.app.get_json(&f.admin, &path).await;
    let resp = f
        .app
        .put_json(&f.admin, &path, Some(&agency["version"].to_string()), &body)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}
