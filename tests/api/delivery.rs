//! Enrolments, registers and absence alerts.

use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

pub struct Cohort {
    pub app: TestApp,
    pub site: i64,
    pub coordinator: TestUser,
    pub facilitator: TestUser,
    pub id: i64,
    pub sessions: Vec<i64>,
    pub people: Vec<i64>,
    /// The day of the first session (a Monday some weeks ago: every session is past).
    pub first_date: String,
}

async fn move_to(
    app: &TestApp,
    user: &TestUser,
    enrolment: i64,
    to: &str,
    extra: Value,
) -> reqwest::Response {
    let mut body = json!({ "to": to, "reason": format!("moving to {to}") });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    app.post_json(
        user,
        &format!("/api/v1/enrolments/{enrolment}/transitions"),
        &body,
    )
    .await
}

/// A cohort of `sessions` weekly sessions with `people` active participants.
pub async fn cohort(sessions: i64, people: usize, capacity: i64) -> Cohort {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let facilitator = app.user(Role::Mentor, None);
    let p: Value = app
        .post_json(&coordinator, "/api/v1/programmes", &json!({ "name": "Pathways", "kind": "group", "session_count": sessions, "min_attendance_percent": 75, "absence_alert_after": 3 }))
        .await
        .json()
        .await
        .unwrap();
    // A Monday, far enough back that every weekly session has been held, and within the year
    // that calendar feeds show: derived from the clock, so the suite passes any day.
    let back = chrono::Utc::now().date_naive() - chrono::Duration::weeks(sessions + 2);
    let first_date = (back
        - chrono::Duration::days(chrono::Datelike::weekday(&back).num_days_from_monday() as i64))
    .to_string();
    let body = json!({
        "programme_id": p["id"], "site_id": site, "name": "Spring group", "capacity": capacity, "start_date": first_date,
        "facilitator_ids": [facilitator.id],
        "schedule": { "first_date": first_date, "time": "10:00", "count": sessions, "room": "Hall" },
    });
    let c: Value = app
        .post_json(&coordinator, "/api/v1/cohorts", &body)
        .await
        .json()
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..people {
        let person = app
            .participant(
                &coordinator,
                participant_body(&format!("KG-2026-{:05}", n + 1), site),
            )
            .await;
        let e: Value = app
            .post_json(&coordinator, "/api/v1/enrolments", &json!({ "participant_id": person["id"], "cohort_id": c["id"], "reason": "Referred by the sentence plan" }))
            .await
            .json()
            .await
            .unwrap();
        let eid = e["id"].as_i64().unwrap();
        assert_eq!(
            move_to(
                &app,
                &coordinator,
                eid,
                "assessed",
                json!({ "assessment_outcome": "suitable" })
            )
            .await
            .status(),
            StatusCode::OK
        );
        assert_eq!(
            move_to(&app, &coordinator, eid, "enrolled", json!({}))
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            move_to(&app, &coordinator, eid, "active", json!({}))
                .await
                .status(),
            StatusCode::OK
        );
        ids.push(person["id"].as_i64().unwrap());
    }
    Cohort {
        sessions: c["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect(),
        id: c["id"].as_i64().unwrap(),
        people: ids,
        first_date,
        app,
        site,
        coordinator,
        facilitator,
    }
}

impl Cohort {
    /// The coordinator takes the register of `session`, one mark per person in `people` order.
    pub async fn take_register(&self, session: i64, marks: &[&str]) -> reqwest::Response {
        self.app
            .put_json(
                &self.coordinator,
                &format!("/api/v1/sessions/{session}/register"),
                None,
                &register(&self.people, marks),
            )
            .await
    }
}

fn register(people: &[i64], marks: &[&str]) -> Value {
    let entries: Vec<Value> = people
        .iter()
        .zip(marks)
        .map(|(p, m)| match *m {
            "late" => json!({ "participant_id": p, "mark": "late", "late_minutes": 10 }),
            "did_not_happen" => {
                json!({ "participant_id": p, "mark": "did_not_happen", "reason": "logistics" })
            }
            m => json!({ "participant_id": p, "mark": m }),
        })
        .collect();
    json!({ "entries": entries })
}

async fn enrolment_of(c: &Cohort, person: i64) -> Value {
    let list: Value = c
        .app
        .get_json(
            &c.coordinator,
            &format!(
                "/api/v1/enrolments?cohort_id={}&participant_id={person}",
                c.id
            ),
        )
        .await;
    list[0].clone()
}

#[actix_web::test]
async fn every_allowed_transition_works_and_history_keeps_reason_actor_and_time() {
    let c = cohort(2, 0, 10).await;
    let app = &c.app;
    let person = app
        .participant(&c.coordinator, participant_body("KG-2026-00042", c.site))
        .await;
    let refer = |reason: &str| json!({ "participant_id": person["id"], "cohort_id": c.id, "reason": reason });
    let e: Value = app
        .post_json(
            &c.coordinator,
            "/api/v1/enrolments",
            &refer("Sentence plan"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = e["id"].as_i64().unwrap();
    assert_eq!(e["status"], "referred");
    assert_eq!(e["allowed_next"], json!(["assessed", "withdrawn"]));
    // Every allowed move along the way.
    for (to, extra) in [
        ("assessed", json!({ "assessment_outcome": "suitable" })),
        ("waitlisted", json!({})),
        ("enrolled", json!({})),
        ("active", json!({})),
        ("suspended", json!({})),
        ("active", json!({})),
        (
            "completed",
            json!({ "override_reason": "Transferred from a cohort elsewhere with full attendance" }),
        ),
    ] {
        let resp = move_to(app, &c.coordinator, id, to, extra).await;
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], to, "{body}");
    }
    let done: Value = app
        .get_json(&c.coordinator, &format!("/api/v1/enrolments/{id}"))
        .await;
    let history = done["history"].as_array().unwrap();
    assert_eq!(history.len(), 8);
    assert_eq!(history[0]["to_status"], "referred");
    assert_eq!(history[0]["reason"], "Sentence plan");
    assert!(history[1]["actor"]
        .as_str()
        .unwrap()
        .contains("(coordinator)"));
    assert!(history[7]["reason"]
        .as_str()
        .unwrap()
        .contains("completion rule overridden"));
    assert!(history[7]["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(done["allowed_next"], json!([]), "completed is final");
    // Every row of the transition table, each on a fresh enrolment walked to its `from` state.
    let path_to = |state: &str| -> Vec<&'static str> {
        match state {
            "referred" => vec![],
            "assessed" => vec!["assessed"],
            "waitlisted" => vec!["assessed", "waitlisted"],
            "enrolled" => vec!["assessed", "enrolled"],
            "active" => vec!["assessed", "enrolled", "active"],
            "suspended" => vec!["assessed", "enrolled", "active", "suspended"],
            other => panic!("no path to {other}"),
        }
    };
    let extra_for = |to: &str| match to {
        "assessed" => json!({ "assessment_outcome": "suitable" }),
        "completed" => json!({ "override_reason": "Rule waived by the board" }),
        _ => json!({}),
    };
    for (n, (from, to, _roles)) in onward::enrolments::TRANSITIONS.iter().enumerate() {
        let other = app
            .participant(
                &c.coordinator,
                participant_body(&format!("KG-2026-{:05}", 100 + n), c.site),
            )
            .await;
        let e: Value = app
            .post_json(
                &c.coordinator,
                "/api/v1/enrolments",
                &json!({ "participant_id": other["id"], "cohort_id": c.id, "reason": "r" }),
            )
            .await
            .json()
            .await
            .unwrap();
        let eid = e["id"].as_i64().unwrap();
        for step in path_to(from) {
            assert_eq!(
                move_to(app, &c.coordinator, eid, step, extra_for(step))
                    .await
                    .status(),
                StatusCode::OK,
                "{step}"
            );
        }
        let body: Value = move_to(app, &c.coordinator, eid, to, extra_for(to))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["status"], *to, "{from} → {to}: {body}");
    }
}

#[actix_web::test]
async fn a_mentor_may_make_only_the_moves_the_table_gives_mentors() {
    let c = cohort(2, 0, 10).await;
    let mentor = c.app.user(Role::Mentor, None);
    let mut body = participant_body("KG-2026-00042", c.site);
    body["mentor_ids"] = json!([mentor.id]);
    let person = c.app.participant(&c.coordinator, body).await;
    let e: Value = c
        .app
        .post_json(
            &c.coordinator,
            "/api/v1/enrolments",
            &json!({ "participant_id": person["id"], "cohort_id": c.id, "reason": "r" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = e["id"].as_i64().unwrap();
    let resp = move_to(
        &c.app,
        &mentor,
        id,
        "assessed",
        json!({ "assessment_outcome": "suitable" }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK, "mentors assess");
    let resp = move_to(&c.app, &mentor, id, "enrolled", json!({})).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(
        problem["allowed"],
        json!([]),
        "nothing further for a mentor from assessed"
    );
    let stranger = c.app.user(Role::Mentor, None);
    assert_eq!(
        move_to(&c.app, &stranger, id, "withdrawn", json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn a_refused_transition_answers_422_with_the_allowed_next_states() {
    let c = cohort(2, 1, 10).await;
    let e = enrolment_of(&c, c.people[0]).await;
    let id = e["id"].as_i64().unwrap();
    let resp = move_to(&c.app, &c.coordinator, id, "referred", json!({})).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(
        problem["allowed"],
        json!(["suspended", "completed", "withdrawn", "transferred"])
    );
    assert_eq!(problem_fields(&problem), ["to"]);
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("An enrolment that is active cannot become referred."));
    let resp = move_to(&c.app, &c.coordinator, id, "enrolled", json!({})).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Unknown statuses and missing reasons are named.
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/enrolments/{id}/transitions"),
            &json!({ "to": "graduated" }),
        )
        .await;
    let mut fields = problem_fields(&resp.json().await.unwrap());
    fields.sort();
    assert_eq!(fields, ["reason", "to"]);
    // Completing needs the completion rule (75% attendance) or an override reason.
    let resp = move_to(&c.app, &c.coordinator, id, "completed", json!({})).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem_fields(&problem), ["override_reason"]);
}

#[actix_web::test]
async fn a_full_cohort_puts_new_enrolments_on_the_waitlist() {
    let c = cohort(2, 1, 1).await;
    let person = c
        .app
        .participant(&c.coordinator, participant_body("KG-2026-00099", c.site))
        .await;
    let e: Value = c
        .app
        .post_json(
            &c.coordinator,
            "/api/v1/enrolments",
            &json!({ "participant_id": person["id"], "cohort_id": c.id, "reason": "r" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = e["id"].as_i64().unwrap();
    move_to(
        &c.app,
        &c.coordinator,
        id,
        "assessed",
        json!({ "assessment_outcome": "suitable" }),
    )
    .await;
    let body: Value = move_to(&c.app, &c.coordinator, id, "enrolled", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "waitlisted");
    assert!(
        body["history"].as_array().unwrap().last().unwrap()["reason"]
            .as_str()
            .unwrap()
            .contains("cohort full")
    );
}

#[actix_web::test]
async fn taking_the_same_register_twice_keeps_one_set_and_a_correction_is_audited() {
    let c = cohort(3, 3, 10).await;
    let path = format!("/api/v1/sessions/{}/register", c.sessions[0]);
    let body = register(&c.people, &["present", "late", "unexcused"]);
    for _ in 0..2 {
        let resp = c.app.put_json(&c.facilitator, &path, None, &body).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let reg: Value = c.app.get_json(&c.coordinator, &path).await;
    assert_eq!(reg["lines"].as_array().unwrap().len(), 3);
    assert_eq!(reg["session"]["status"], "held");
    {
        use diesel::prelude::*;
        use onward::db::schema::attendance;
        let rows: i64 = attendance::table
            .count()
            .get_result(&mut *c.app.conn())
            .unwrap();
        assert_eq!(rows, 3, "one set of attendance rows");
    }
    let auditor = c.app.user(Role::Auditor, None);
    let taken: Value = c
        .app
        .get_json(&auditor, "/api/v1/audit-events?action=register.take")
        .await;
    assert_eq!(taken["total"], 3, "one row per person, written once");
    // A correction of the past register.
    let corrected = register(&c.people, &["present", "present", "excused"]);
    assert_eq!(
        c.app
            .put_json(&c.coordinator, &path, None, &corrected)
            .await
            .status(),
        StatusCode::OK
    );
    let audit: Value = c
        .app
        .get_json(&auditor, "/api/v1/audit-events?action=register.correct")
        .await;
    assert_eq!(audit["total"], 2, "one row per corrected person");
    let details: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains("\"from\":\"unexcused\"") && d.contains("\"to\":\"excused\"")),
        "{details:?}"
    );
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["participant_id"].is_i64()),
        "each on the participant's trail"
    );
    // Rates: person 0 1/1, cohort 3/3 (excused does not count as attended but counts).
    let e = enrolment_of(&c, c.people[2]).await;
    assert_eq!(e["attendance"]["attended"], 0);
    assert_eq!(e["attendance"]["counted"], 1);
}

#[actix_web::test]
async fn a_bad_register_is_refused_naming_the_entry() {
    let c = cohort(2, 2, 10).await;
    let path = format!("/api/v1/sessions/{}/register", c.sessions[0]);
    let body = json!({ "entries": [
        { "participant_id": c.people[0], "mark": "late" },
        { "participant_id": c.people[1], "mark": "did_not_happen" },
    ]});
    let resp = c.app.put_json(&c.coordinator, &path, None, &body).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem_fields(&resp.json().await.unwrap()),
        ["entries[0].late_minutes", "entries[1].reason"]
    );
    let body = json!({ "entries": [{ "participant_id": c.people[0], "mark": "present" }, { "participant_id": 999999, "mark": "present" }] });
    let resp = c.app.put_json(&c.coordinator, &path, None, &body).await;
    assert_eq!(
        problem_fields(&resp.json().await.unwrap()),
        ["entries[1].participant_id"]
    );
    let body = json!({ "entries": [{ "participant_id": c.people[0], "mark": "present" }] });
    let resp = c.app.put_json(&c.coordinator, &path, None, &body).await;
    assert_eq!(problem_fields(&resp.json().await.unwrap()), ["entries"]);
    let reg: Value = c.app.get_json(&c.coordinator, &path).await;
    assert_eq!(reg["taken"], false, "nothing saved");
}

#[actix_web::test]
async fn three_consecutive_unexcused_absences_raise_an_alert_that_attending_clears() {
    let c = cohort(5, 2, 10).await;
    for (n, session) in c.sessions.iter().take(3).enumerate() {
        let marks = if n == 1 {
            ["unexcused", "excused"]
        } else {
            ["unexcused", "unexcused"]
        };
        let resp = c
            .app
            .put_json(
                &c.coordinator,
                &format!("/api/v1/sessions/{session}/register"),
                None,
                &register(&c.people, &marks),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["participant_id"], c.people[0]);
    assert_eq!(alerts[0]["streak"], 3);
    assert_eq!(alerts[0]["case_reference"], "KG-2026-00001");
    // Attending clears it.
    c.app
        .put_json(
            &c.coordinator,
            &format!("/api/v1/sessions/{}/register", c.sessions[3]),
            None,
            &register(&c.people, &["present", "unexcused"]),
        )
        .await;
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 0);
    // Three more for the second person: raised, then acknowledged.
    c.app
        .put_json(
            &c.coordinator,
            &format!("/api/v1/sessions/{}/register", c.sessions[4]),
            None,
            &register(&c.people, &["present", "unexcused"]),
        )
        .await;
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    let id = alerts[0]["id"].as_i64().unwrap();
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/alerts/{id}/acknowledge"),
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn only_the_cohorts_facilitators_and_coordinators_take_its_registers() {
    let c = cohort(2, 1, 10).await;
    let path = format!("/api/v1/sessions/{}/register", c.sessions[0]);
    let body = register(&c.people, &["present"]);
    let stranger = c.app.user(Role::Mentor, None);
    assert_eq!(
        c.app.get(&stranger, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.app.put_json(&stranger, &path, None, &body).await.status(),
        StatusCode::NOT_FOUND
    );
    let officer = c.app.user(Role::ProbationOfficer, None);
    assert_eq!(
        c.app.put_json(&officer, &path, None, &body).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.app
            .put_json(&c.facilitator, &path, None, &body)
            .await
            .status(),
        StatusCode::OK
    );
    c.app.site("PT-LIS", "Europe/Lisbon");
    let other_site = c.app.user(Role::Coordinator, Some("PT-LIS"));
    assert_eq!(
        c.app.get(&other_site, &path).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn calendar_feeds_parse_show_cancellations_and_can_be_revoked() {
    let c = cohort(3, 1, 10).await;
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/sessions/{}/cancel", c.sessions[1]),
            &json!({ "reason": "Holiday", "requested_by": "Governor" , "version": 1 }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let feed: Value = c
        .app
        .post_json(
            &c.coordinator,
            "/api/v1/calendar-feeds",
            &json!({ "cohort_id": c.id }),
        )
        .await
        .json()
        .await
        .unwrap();
    let url = feed["url"].as_str().unwrap().to_string();
    let path = &url[url.find("/calendars/").unwrap()..];
    let resp = reqwest::Client::new()
        .get(c.app.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = resp.text().await.unwrap();
    let unfolded = icalendar::parser::unfold(&text);
    let parsed = icalendar::parser::read_calendar(&unfolded).expect("a real parser reads the feed");
    let events: Vec<_> = parsed
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), 3);
    let statuses: Vec<String> = events
        .iter()
        .map(|e| {
            e.find_prop("STATUS")
                .map(|p| p.val.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(statuses, ["CONFIRMED", "CANCELLED", "CONFIRMED"]);
    assert!(!text.contains("Sultanov"), "no names in calendars");
    // The facilitator's own feed.
    let mine: Value = c
        .app
        .post_json(&c.facilitator, "/api/v1/calendar-feeds", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let own = mine["url"].as_str().unwrap();
    let text = reqwest::Client::new()
        .get(c.app.url(&own[own.find("/calendars/").unwrap()..]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
    // Revoked, the URL stops working.
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/calendar-feeds/{}/revoke", feed["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = reqwest::Client::new()
        .get(c.app.url(path))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let listed: Value = c
        .app
        .get_json(&c.coordinator, "/api/v1/calendar-feeds")
        .await;
    assert_eq!(listed[0]["revoked"], true);
    assert!(
        listed[0].get("url").is_none(),
        "the secret is shown only once"
    );
}

#[actix_web::test]
async fn a_cohorts_register_history_exports_as_csv() {
    let c = cohort(2, 2, 10).await;
    for s in &c.sessions {
        c.app
            .put_json(
                &c.coordinator,
                &format!("/api/v1/sessions/{s}/register"),
                None,
                &register(&c.people, &["present", "late"]),
            )
            .await;
    }
    let resp = c
        .app
        .get(
            &c.coordinator,
            &format!("/api/v1/cohorts/{}/register.csv", c.id),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[3], "case_reference");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0][1],
        format!("{} 10:00", c.first_date),
        "local time at the site"
    );
    assert_eq!(&rows[1][4], "late");
    assert_eq!(&rows[1][5], "10");
}

#[actix_web::test]
async fn review_rules_hold_for_registers_alerts_and_held_sessions() {
    let c = cohort(5, 3, 10).await;
    let reg = |n: usize| format!("/api/v1/sessions/{}/register", c.sessions[n]);
    // A mentor who sees the cohort through one caseload participant sees only that person.
    let mentor = c.app.user(Role::Mentor, None);
    let mut body = participant_body("KG-2026-00001", c.site);
    body["mentor_ids"] = json!([mentor.id]);
    let person: Value = c
        .app
        .get_json(
            &c.coordinator,
            &format!("/api/v1/participants/{}", c.people[0]),
        )
        .await;
    c.app
        .put_json(
            &c.coordinator,
            &format!("/api/v1/participants/{}", c.people[0]),
            Some(&format!("\"{}\"", person["version"])),
            &body,
        )
        .await;
    let seen: Value = c.app.get_json(&mentor, &reg(0)).await;
    let ids: Vec<i64> = seen["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["participant_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [c.people[0]]);
    assert_eq!(
        c.app
            .put_json(
                &mentor,
                &reg(0),
                None,
                &register(&c.people, &["present", "present", "present"])
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Reading a register is audited for each person shown.
    let auditor = c.app.user(Role::Auditor, None);
    let reads: Value = c
        .app
        .get_json(
            &auditor,
            &format!(
                "/api/v1/audit-events?action=register.read&participant_id={}",
                c.people[0]
            ),
        )
        .await;
    assert_eq!(reads["total"], 1);
    // An acknowledged alert does not come back when the same register is sent again.
    for n in 0..3 {
        c.app
            .put_json(
                &c.coordinator,
                &reg(n),
                None,
                &register(&c.people, &["unexcused", "present", "present"]),
            )
            .await;
    }
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    let id = alerts[0]["id"].as_i64().unwrap();
    c.app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/alerts/{id}/acknowledge"),
            &json!({}),
        )
        .await;
    c.app
        .put_json(
            &c.coordinator,
            &reg(2),
            None,
            &register(&c.people, &["unexcused", "present", "present"]),
        )
        .await;
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 0, "not raised again");
    // A correction that breaks a streak clears its alert.
    for n in 0..3 {
        c.app
            .put_json(
                &c.coordinator,
                &reg(n),
                None,
                &register(&c.people, &["unexcused", "unexcused", "present"]),
            )
            .await;
    }
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    c.app
        .put_json(
            &c.coordinator,
            &reg(1),
            None,
            &register(&c.people, &["unexcused", "excused", "present"]),
        )
        .await;
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    assert_eq!(
        alerts.as_array().unwrap().len(),
        0,
        "the corrected streak is below three"
    );
    // A held session can no longer be cancelled.
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/sessions/{}/cancel", c.sessions[0]),
            &json!({ "reason": "x", "requested_by": "y" }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Cohort search ignores case on both databases.
    let found: Value = c
        .app
        .get_json(&c.coordinator, "/api/v1/cohorts?q=SPRING")
        .await;
    assert_eq!(found["total"], 1);
}

#[actix_web::test]
async fn an_absence_alert_is_emailed_once_to_the_sites_coordinators_without_names() {
    use onward::jobs::{self, JobContext, JobName};
    let c = cohort(5, 2, 10).await;
    for session in c.sessions.iter().take(3) {
        let resp = c
            .app
            .put_json(
                &c.coordinator,
                &format!("/api/v1/sessions/{session}/register"),
                None,
                &register(&c.people, &["unexcused", "present"]),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let sink = crate::smtp::SmtpSink::start();
    let ctx = JobContext {
        mailer: onward::mail::Mailer::new(
            Some(&sink.url()),
            "Onward <onward@example.org>",
            "unused".into(),
        )
        .unwrap(),
        ..JobContext::from_config(c.app.pool.clone(), &c.app.config).unwrap()
    };
    let now = chrono::Utc::now();
    for run in ["a", "b"] {
        jobs::run(&ctx, JobName::AbsenceAlerts, run, now).unwrap();
        jobs::run(&ctx, JobName::OutboxDelivery, run, now).unwrap();
    }
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "once");
    assert_eq!(messages[0].to, vec![c.coordinator.email.clone()]);
    assert_eq!(
        messages[0].subject(),
        "Absence alert: KG-2026-00001 missed 3 sessions in a row"
    );
    assert!(!messages[0].data.contains("Azamat") && !messages[0].data.contains("Sultanov"));
}
