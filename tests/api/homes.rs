//! Each role's home page shows its day, with no link to a page the role may not open; the
//! participant's page shows one timeline, newest first, that a filter narrows.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use onward::auth::Role;
use onward::db::schema::{cohort_sessions, handovers, job_runs, notifications};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::delivery::{cohort, Cohort};
use crate::helpers::*;
use crate::reminders::created;

fn bishkek_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Bishkek)
        .date_naive()
}

/// A session of the cohort at noon, Bishkek time, on `day`.
fn add_session(c: &Cohort, day: NaiveDate, room: &str) -> i64 {
    let start = chrono_tz::Asia::Bishkek
        .from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
        .unwrap()
        .naive_utc();
    let now = onward::db::now();
    diesel::insert_into(cohort_sessions::table)
        .values((
            cohort_sessions::cohort_id.eq(c.id),
            cohort_sessions::starts_at.eq(start),
            cohort_sessions::ends_at.eq(start + Duration::minutes(90)),
            cohort_sessions::room.eq(room),
            cohort_sessions::status.eq("scheduled"),
            cohort_sessions::version.eq(1),
            cohort_sessions::created_at.eq(now),
            cohort_sessions::updated_at.eq(now),
        ))
        .execute(&mut *c.app.conn())
        .unwrap();
    cohort_sessions::table
        .filter(cohort_sessions::room.eq(room))
        .select(cohort_sessions::id)
        .first(&mut *c.app.conn())
        .unwrap()
}

/// An email about `participant` that the mail server refused for good.
fn failed_email(app: &TestApp, participant: Option<i64>, to: &str, subject: &str) {
    let row = onward::outbox::NewNotification::new(
        format!("test|{to}|{subject}"),
        "milestone_reminder",
        false,
        participant,
        None,
        None,
        None,
        None,
        to.to_string(),
        "en".into(),
        onward::mail::Rendered {
            subject: subject.into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
        },
        "pending",
        onward::db::now(),
        &url::Url::parse("https://onward.example.org/").unwrap(),
    );
    onward::outbox::enqueue(&mut app.conn(), &[row], &onward::participants::access::Gate).unwrap();
    diesel::update(notifications::table.filter(notifications::to_address.eq(to)))
        .set((
            notifications::status.eq("failed"),
            notifications::last_error.eq(Some("550 mailbox unavailable")),
        ))
        .execute(&mut *app.conn())
        .unwrap();
}

async fn plan_with_milestone(
    app: &TestApp,
    coordinator: &TestUser,
    participant: i64,
    milestones: &[(&str, NaiveDate, Option<i64>)],
) {
    created(
        app.post_json(
            coordinator,
            &format!("/api/v1/participants/{participant}/exit-plan"),
            &json!({"target_release_date": far_release().to_string(), "release_type": "parole"}),
        )
        .await,
    )
    .await;
    for (title, due, agency) in milestones {
        created(
            app.post_json(
                coordinator,
                &format!("/api/v1/participants/{participant}/exit-plan/milestones"),
                &json!({"kind": "custom", "title": title, "due_date": due.to_string(), "responsible_agency_id": agency}),
            )
            .await,
        )
        .await;
    }
}

async fn take_register(c: &Cohort, session: i64, marks: &[&str]) {
    let entries: Vec<Value> = c
        .people
        .iter()
        .zip(marks)
        .map(|(p, m)| json!({ "participant_id": p, "mark": m }))
        .collect();
    let resp = c
        .app
        .put_json(
            &c.coordinator,
            &format!("/api/v1/sessions/{session}/register"),
            None,
            &json!({ "entries": entries }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

/// Every link on `html` opens for the client that was shown it (no 403, no 404).
async fn every_link_opens(app: &TestApp, client: &Client, html: &str, who: &str) {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("a[href]").unwrap();
    let mut hrefs: Vec<String> = doc
        .select(&sel)
        .filter_map(|a| a.value().attr("href"))
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .filter(|h| h.starts_with('/') && !h.starts_with("/static"))
        .collect();
    hrefs.sort();
    hrefs.dedup();
    for href in hrefs {
        let resp = client.get(app.url(&href)).send().await.unwrap();
        let status = resp.status();
        assert!(
            status.is_success() || status.is_redirection(),
            "{who} is shown {href} but gets {status}"
        );
    }
}

fn section(html: &str, id: &str) -> String {
    text_of(html, &format!("#{id}")).unwrap_or_else(|| panic!("a #{id} section"))
}

#[actix_web::test]
async fn a_coordinator_lands_on_their_sites_day() {
    let c = cohort(4, 1, 10).await;
    let today = bishkek_today();
    let pid = c.people[0];
    add_session(&c, today, "Room of today");
    let tomorrow_in_week = today.weekday() != chrono::Weekday::Sun;
    if tomorrow_in_week {
        add_session(&c, today + Duration::days(1), "Room of tomorrow");
    }
    // Three unexcused absences raise an alert; the fourth register is not taken.
    for s in &c.sessions[..3] {
        take_register(&c, *s, &["unexcused"]).await;
    }
    let mut soon = participant_body("KG-2026-00077", c.site);
    soon["earliest_release_date"] = json!((today + Duration::days(30)).to_string());
    c.app.participant(&c.coordinator, soon).await;
    let mut later = participant_body("KG-2026-00088", c.site);
    later["earliest_release_date"] = json!((today + Duration::days(200)).to_string());
    c.app.participant(&c.coordinator, later).await;
    plan_with_milestone(
        &c.app,
        &c.coordinator,
        pid,
        &[("Passport renewal", today - Duration::days(10), None)],
    )
    .await;
    failed_email(&c.app, Some(pid), "bounced@agency.test", "Due in 7 days");
    // Another site's day is not this coordinator's.
    c.app.site("KG-OSH", "Asia/Bishkek");
    let elsewhere = c.app.user(Role::Coordinator, Some("KG-OSH"));
    let mut theirs = participant_body("KG-2026-00099", c.app.site_id("KG-OSH"));
    theirs["earliest_release_date"] = json!((today + Duration::days(20)).to_string());
    c.app.participant(&elsewhere, theirs).await;

    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let home = page(&client, c.app.url("/")).await;
    assert!(section(&home, "sessions-today").contains("Room of today"));
    if tomorrow_in_week {
        let week = section(&home, "sessions-week");
        assert!(week.contains("Room of tomorrow"), "{week}");
        assert!(!week.contains("Room of today"), "{week}");
    }
    let registers = section(&home, "registers");
    assert!(registers.contains("Spring group"), "{registers}");
    assert!(home.contains(&format!("href=\"/sessions/{}/register\"", c.sessions[3])));
    for s in &c.sessions[..3] {
        assert!(
            !home.contains(&format!("href=\"/sessions/{s}/register\"")),
            "register {s} was taken"
        );
    }
    let releases = section(&home, "releases");
    assert!(releases.contains("KG-2026-00077"), "{releases}");
    assert!(!releases.contains("KG-2026-00088"), "200 days is not soon");
    assert!(!releases.contains("KG-2026-00099"), "another site's");
    let overdue = section(&home, "overdue");
    assert!(
        overdue.contains("KG-2026-00001: Passport renewal"),
        "{overdue}"
    );
    let alerts = section(&home, "alerts");
    assert!(
        alerts.contains("KG-2026-00001: 3 unexcused absences in a row"),
        "{alerts}"
    );
    assert!(
        home.contains("action=\"/alerts/"),
        "the acknowledge button stays"
    );
    let failed = section(&home, "failed-emails");
    assert!(failed.contains("bounced@agency.test"), "{failed}");
    assert!(!home.contains("href=\"/outbox"), "the outbox is for admins");
    every_link_opens(&c.app, &client, &home, "coordinator").await;
    // The coordinator at the other site has an empty day.
    let (other, _) = c.app.login(&elsewhere.email, PASSWORD).await;
    let home = page(&other, c.app.url("/")).await;
    assert!(section(&home, "releases").contains("KG-2026-00099"));
    assert!(!home.contains("KG-2026-00001"));
}

#[actix_web::test]
async fn an_agency_user_sees_their_agencys_milestones_due_and_overdue_and_no_participant_links() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let user = app.user(Role::AgencyUser, None);
    let agency = test_agency(&mut app.conn());
    let pid = app
        .participant(&coordinator, participant_body("KG-2026-00011", site))
        .await["id"]
        .as_i64()
        .unwrap();
    created(
        app.post_json(
            &coordinator,
            &format!("/api/v1/participants/{pid}/sharing-bases"),
            &json!({"agency_id": agency, "legal_basis": "Consent", "valid_from": "2026-01-01"}),
        )
        .await,
    )
    .await;
    let today = onward::kernel::time::today_utc();
    plan_with_milestone(
        &app,
        &coordinator,
        pid,
        &[
            ("Bed booked", today + Duration::days(10), Some(agency)),
            ("Benefits claim", today - Duration::days(5), Some(agency)),
            ("Far away", today + Duration::days(60), Some(agency)),
            ("Not theirs", today + Duration::days(3), None),
        ],
    )
    .await;
    let (client, _) = app.login(&user.email, PASSWORD).await;
    let home = page(&client, app.url("/")).await;
    let due = section(&home, "due-soon");
    assert!(due.contains("KG-2026-00011: Bed booked"), "{due}");
    assert!(
        !due.contains("Far away") && !due.contains("Not theirs"),
        "{due}"
    );
    assert!(!due.contains("Benefits claim"), "overdue is listed apart");
    let overdue = section(&home, "overdue");
    assert!(
        overdue.contains("KG-2026-00011: Benefits claim"),
        "{overdue}"
    );
    assert!(!overdue.contains("Bed booked"), "{overdue}");
    assert!(
        !home.contains("href=\"/participants"),
        "no participant pages"
    );
    assert!(!home.contains("Not theirs"));
    every_link_opens(&app, &client, &home, "agency user").await;
}

#[actix_web::test]
async fn an_admin_sees_recent_job_runs_failed_deliveries_and_users() {
    let app = spawn_app().await;
    app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    app.user(Role::Coordinator, Some("KG-BSK"));
    let now = onward::db::now();
    diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq("reminder-sweep"),
            job_runs::slot.eq("2026-11-27T08:00"),
            job_runs::instance.eq("test-instance"),
            job_runs::started_at.eq(now),
            job_runs::finished_at.eq(Some(now)),
            job_runs::outcome.eq("failed"),
            job_runs::counts.eq("{}"),
            job_runs::error.eq(Some("database down")),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    failed_email(&app, None, "nobody@agency.test", "Weekly digest");
    let (client, _) = app.login(&admin.email, PASSWORD).await;
    let home = page(&client, app.url("/")).await;
    let runs = section(&home, "runs");
    assert!(
        runs.contains("reminder-sweep") && runs.contains("Failed"),
        "{runs}"
    );
    let failed = section(&home, "failed-deliveries");
    assert!(failed.contains("nobody@agency.test"), "{failed}");
    assert!(failed.contains("550 mailbox unavailable"), "{failed}");
    let users = section(&home, "users");
    assert!(
        users.contains("coordinator 2") && users.contains("Programme coordinator"),
        "{users}"
    );
    assert!(users.contains("Site KG-BSK"), "{users}");
    every_link_opens(&app, &client, &home, "admin").await;
}

#[actix_web::test]
async fn an_auditor_lands_on_the_audit_search_and_the_subject_access_export() {
    let app = spawn_app().await;
    let auditor = app.user(Role::Auditor, None);
    let (client, _) = app.login(&auditor.email, PASSWORD).await;
    let home = page(&client, app.url("/")).await;
    assert!(section(&home, "audit-search").contains("Search"));
    assert!(home.contains("action=\"/audit\"") && home.contains("action=\"/subject-access\""));
    assert!(!home.contains("href=\"/participants"));
    assert!(!home.contains("href=\"/milestones"));
    every_link_opens(&app, &client, &home, "auditor").await;
}

#[actix_web::test]
async fn mentors_and_probation_officers_keep_their_homes_with_no_link_they_may_not_open() {
    let c = cohort(1, 1, 10).await;
    let mentor = c.app.user(Role::Mentor, None);
    let officer = c.app.user(Role::ProbationOfficer, None);
    for (user, who) in [(&mentor, "mentor"), (&officer, "probation officer")] {
        let (client, _) = c.app.login(&user.email, PASSWORD).await;
        let home = page(&client, c.app.url("/")).await;
        assert!(!home.contains("href=\"/reports"), "{who}");
        assert!(!home.contains("href=\"/outbox"), "{who}");
        every_link_opens(&c.app, &client, &home, who).await;
    }
}

/// The kinds and times of the timeline's items, top to bottom.
fn timeline_items(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("#timeline li[data-kind]").unwrap();
    let time = scraper::Selector::parse("time").unwrap();
    doc.select(&sel)
        .map(|li| {
            (
                li.value().attr("data-kind").unwrap().to_string(),
                li.select(&time).next().unwrap().text().collect::<String>(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn the_participants_timeline_shows_each_kind_newest_first_and_the_filter_narrows_it() {
    let c = cohort(2, 1, 10).await;
    let pid = c.people[0];
    take_register(&c, c.sessions[0], &["present"]).await;
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/participants/{pid}/progress-notes"),
            &json!({
                "contact_date": "2026-11-20", "contact_type": "one_to_one",
                "ratings": {"engagement": 4}, "narrative": "Talked about work",
                "tell_probation": false,
            }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    plan_with_milestone(
        &c.app,
        &c.coordinator,
        pid,
        &[(
            "Passport renewal",
            // Later than anything else on the timeline, whatever day the suite runs.
            chrono::Utc::now().date_naive() + chrono::Duration::days(40),
            None,
        )],
    )
    .await;
    failed_email(&c.app, Some(pid), "housing@agency.test", "Due in 7 days");
    let now = onward::db::now();
    let today = Utc::now().date_naive();
    diesel::insert_into(handovers::table)
        .values((
            handovers::participant_id.eq(pid),
            handovers::release_date.eq(today + Duration::days(84)),
            handovers::due_on.eq(today),
            handovers::opened_on.eq(today),
            handovers::status.eq("due"),
            handovers::meeting_sequence.eq(0),
            handovers::version.eq(1),
            handovers::created_at.eq(now),
            handovers::updated_at.eq(now),
        ))
        .execute(&mut *c.app.conn())
        .unwrap();

    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let url = c.app.url(&format!("/participants/{pid}"));
    let html = page(&client, url.clone()).await;
    let (facts, list) = (
        html.find("id=\"facts-h\"").unwrap(),
        html.find("id=\"timeline\"").unwrap(),
    );
    assert!(facts < list, "the facts stay above the timeline");
    let items = timeline_items(&html);
    for kind in [
        "enrolment",
        "attendance",
        "note",
        "milestone",
        "email",
        "handover",
    ] {
        assert!(
            items.iter().any(|(k, _)| k == kind),
            "a {kind} item in {items:?}"
        );
    }
    let times: Vec<&str> = items.iter().map(|(_, t)| t.as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert_eq!(items[0].0, "milestone", "the milestone is the latest date");
    let timeline = section(&html, "timeline");
    assert!(
        timeline.contains("Referred by the sentence plan"),
        "{timeline}"
    );
    assert!(
        timeline.contains("Talked about work"),
        "the coordinator reads notes"
    );
    assert!(timeline.contains("housing@agency.test"), "{timeline}");
    // The filter narrows it.
    let emails = page(&client, format!("{url}?kind=email")).await;
    let items = timeline_items(&emails);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].0, "email");
    assert!(emails.contains("<option value=\"email\" selected>"));
    let resp = client
        .get(format!("{url}?kind=gossip"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Paged when long.
    let first = page(&client, format!("{url}?per_page=2")).await;
    assert_eq!(timeline_items(&first).len(), 2);
    let next = {
        let doc = scraper::Html::parse_document(&first);
        let sel = scraper::Selector::parse("#timeline .pager a").unwrap();
        doc.select(&sel)
            .find_map(|a| a.value().attr("href").map(str::to_string))
            .expect("a link to the next page")
    };
    assert!(next.contains("page=2"), "{next}");
    let second = page(&client, c.app.url(&next)).await;
    let (one, two) = (timeline_items(&first), timeline_items(&second));
    assert!(one[1].1 >= two[0].1, "page 2 goes on where page 1 stopped");
    // Need-to-know: an admin, who may read no notes, sees no trace of them.
    let admin = c.app.user(Role::Admin, None);
    let (admin_client, _) = c.app.login(&admin.email, PASSWORD).await;
    let html = page(&admin_client, format!("{url}?kind=note")).await;
    let notes = section(&html, "timeline");
    assert!(!notes.contains("One-to-one meeting"), "{notes}");
    assert!(!notes.contains("Talked about work"), "{notes}");
}
