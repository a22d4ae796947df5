use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn programme(app: &TestApp, user: &TestUser, name: &str) -> i64 {
    let body =
        json!({ "name": name, "kind": "group", "session_count": 12, "min_attendance_percent": 75 });
    let resp = app.post_json(user, "/api/v1/programmes", &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn cohort_body(programme: i64, site: i64, name: &str, schedule: Value) -> Value {
    json!({
        "programme_id": programme, "site_id": site, "name": name, "capacity": 10,
        "start_date": "2026-03-16", "schedule": schedule,
    })
}

#[actix_web::test]
async fn a_twelve_session_weekly_cohort_is_set_up_in_one_step_in_local_time_skipping_holidays() {
    let app = spawn_app().await;
    let site = app.site("PT-LIS", "Europe/Lisbon");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("PT-LIS"));
    let csv = "date,name\n2026-04-06,Easter Monday (test)\n2026-04-25,Freedom Day\n";
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/sites/{site}/holidays/import")))
        .bearer_auth(&admin.token)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let p = programme(&app, &coordinator, "Pathways").await;
    let schedule = json!({ "first_date": "2026-03-16", "time": "10:00", "duration_minutes": 90, "every_weeks": 1, "count": 12, "room": "Room 1" });
    let resp = app
        .post_json(
            &coordinator,
            "/api/v1/cohorts",
            &cohort_body(p, site, "Spring group", schedule),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let cohort: Value = resp.json().await.unwrap();
    let sessions = cohort["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 12, "the count is kept");
    for s in sessions {
        assert!(
            s["local_start"].as_str().unwrap().ends_with(" 10:00"),
            "{s}"
        );
        assert_eq!(s["time_zone"], "Europe/Lisbon");
    }
    let days: Vec<&str> = sessions
        .iter()
        .map(|s| &s["local_start"].as_str().unwrap()[..10])
        .collect();
    assert!(
        !days.contains(&"2026-04-06"),
        "the holiday is skipped: {days:?}"
    );
    assert_eq!(days[3], "2026-04-13");
    assert_eq!(days[11], "2026-06-08");
    // 10:00 in winter time is 10:00 UTC; in summer time 09:00 UTC.
    assert_eq!(sessions[0]["starts_at"], "2026-03-16T10:00:00Z");
    assert_eq!(sessions[2]["starts_at"], "2026-03-30T09:00:00Z");
}

#[actix_web::test]
async fn each_kind_of_double_booking_is_refused_naming_the_clash() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, None);
    let p = programme(&app, &coordinator, "Pathways").await;
    let one = |room: &str, facilitator: Option<i64>| json!({ "first_date": "2026-05-04", "time": "10:00", "count": 1, "room": room, "facilitator_id": facilitator });
    let first = app
        .post_json(
            &coordinator,
            "/api/v1/cohorts",
            &cohort_body(p, site, "A", one("Hall", Some(mentor.id))),
        )
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();

    // The same room at an overlapping time.
    let resp = app
        .post_json(
            &coordinator,
            "/api/v1/cohorts",
            &cohort_body(p, site, "B", one("hall", None)),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["clashes"][0]["kind"], "room");
    assert_eq!(
        problem["clashes"][0]["session_id"],
        first["sessions"][0]["id"]
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("Room Hall is already booked at 2026-05-04 10:00"),
        "{problem}"
    );

    // The same facilitator elsewhere.
    let resp = app
        .post_json(
            &coordinator,
            "/api/v1/cohorts",
            &cohort_body(p, site, "C", one("Library", Some(mentor.id))),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["clashes"][0]["kind"], "facilitator");

    // A participant enrolled in both cohorts.
    let c2: Value = app
        .post_json(
            &coordinator,
            "/api/v1/cohorts",
            &cohort_body(p, site, "D", json!(null)),
        )
        .await
        .json()
        .await
        .unwrap();
    let person = app
        .participant(&coordinator, participant_body("KG-2026-00001", site))
        .await;
    for cohort in [&first["id"], &c2["id"]] {
        let e: Value = app.post_json(&coordinator, "/api/v1/enrolments", &json!({ "participant_id": person["id"], "cohort_id": cohort, "reason": "referred" })).await.json().await.unwrap();
        for (to, extra) in [
            ("assessed", json!({"assessment_outcome": "suitable"})),
            ("enrolled", json!({})),
        ] {
            let mut body = json!({ "to": to, "reason": "ok" });
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let resp = app
                .post_json(
                    &coordinator,
                    &format!("/api/v1/enrolments/{}/transitions", e["id"]),
                    &body,
                )
                .await;
            assert_eq!(resp.status(), StatusCode::OK);
        }
    }
    let single = json!({ "session": { "starts_at": "2026-05-04T10:30", "duration_minutes": 60, "room": "Library" } });
    let path = format!("/api/v1/cohorts/{}/sessions", c2["id"]);
    let resp = app.post_json(&coordinator, &path, &single).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["clashes"][0]["kind"], "participant");
    assert_eq!(problem["clashes"][0]["what"], "KG-2026-00001");

    // An override with a reason is accepted and audited.
    let mut forced = single.clone();
    forced["override_reason"] = json!("Joint session agreed with the other facilitator");
    let resp = app.post_json(&coordinator, &path, &forced).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let audit: Value = app
        .get_json(
            &app.user(Role::Auditor, None),
            "/api/v1/audit-events?action=session.clash_override",
        )
        .await;
    assert_eq!(audit["total"], 1);
    assert!(audit["items"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("Joint session agreed"));
    // Naming the participant in the clash is on their trail.
    let person_id = person["id"].as_i64().unwrap();
    assert_eq!(
        reads(&app, person_id, "participant.clash").await,
        vec![coordinator.id]
    );

    // Once the person is restricted (the coordinator not named), a clash says "a participant".
    let admin = app.user(Role::Admin, None);
    let record: Value = app
        .get_json(&admin, &format!("/api/v1/participants/{person_id}"))
        .await;
    let mut body = participant_body("KG-2026-00001", site);
    body["restricted"] = json!(true);
    body["named_staff_ids"] = json!([admin.id]);
    let resp = app
        .put_json(
            &admin,
            &format!("/api/v1/participants/{person_id}"),
            Some(&record["version"].to_string()),
            &body,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let annex = json!({ "session": { "starts_at": "2026-05-04T10:30", "duration_minutes": 60, "room": "Annex" } });
    let resp = app.post_json(&coordinator, &path, &annex).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["clashes"][0]["kind"], "participant_hidden");
    assert!(!problem.to_string().contains("KG-2026-00001"), "{problem}");
}

#[actix_web::test]
async fn sessions_are_rescheduled_and_cancelled_with_reason_and_requester() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let p = programme(&app, &coordinator, "Pathways").await;
    let schedule =
        json!({ "first_date": "2026-05-04", "time": "10:00", "count": 2, "room": "Hall" });
    let cohort: Value = app
        .post_json(
            &coordinator,
            "/api/v1/cohorts",
            &cohort_body(p, site, "A", schedule),
        )
        .await
        .json()
        .await
        .unwrap();
    let first = cohort["sessions"][0]["id"].as_i64().unwrap();
    let second = cohort["sessions"][1]["id"].as_i64().unwrap();
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/sessions/{first}/reschedule"),
            &json!({ "starts_at": "2026-05-05T14:00" }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = problem_fields(&resp.json().await.unwrap());
    fields.sort();
    assert_eq!(fields, ["reason", "requested_by"]);
    let moved: Value = app
        .post_json(&coordinator, &format!("/api/v1/sessions/{first}/reschedule"), &json!({ "starts_at": "2026-05-05T14:00", "reason": "Lockdown drill", "requested_by": "Security office", "version": 1 }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["local_start"], "2026-05-05 14:00");
    assert_eq!(moved["status"], "rescheduled");
    assert_eq!(moved["requested_by"], "Security office");
    // Moving onto the other session's slot clashes on the room.
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/sessions/{first}/reschedule"),
            &json!({ "starts_at": "2026-05-11T10:30", "reason": "x", "requested_by": "y", "version": 2 }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    // A change based on an old version is refused; one without any version too.
    let stale = json!({ "starts_at": "2026-05-12T10:30", "reason": "x", "requested_by": "y", "version": 1 });
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/sessions/{first}/reschedule"),
            &stale,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let unversioned =
        json!({ "starts_at": "2026-05-12T10:30", "reason": "x", "requested_by": "y" });
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/sessions/{first}/reschedule"),
            &unversioned,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PRECONDITION_REQUIRED);
    let cancelled: Value = app
        .post_json(
            &coordinator,
            &format!("/api/v1/sessions/{second}/cancel"),
            &json!({ "reason": "Facilitator ill", "requested_by": "Coordinator", "version": 1 }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    // A cancelled session no longer holds its room.
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/sessions/{first}/reschedule"),
            &json!({ "starts_at": "2026-05-11T10:30", "reason": "x", "requested_by": "y", "version": 2 }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[actix_web::test]
async fn bad_cohorts_and_holidays_are_refused_naming_the_fields() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    app.site("PT-LIS", "Europe/Lisbon");
    let coordinator = app.user(Role::Coordinator, Some("PT-LIS"));
    let admin = app.user(Role::Admin, None);
    let p = programme(&app, &admin, "Pathways").await;
    let body = json!({ "programme_id": p, "site_id": site, "name": "", "capacity": 0, "start_date": "soon",
        "schedule": { "first_date": "2026-05-04", "time": "25:00", "count": 0 } });
    let resp = app.post_json(&admin, "/api/v1/cohorts", &body).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = problem_fields(&resp.json().await.unwrap());
    fields.sort();
    assert_eq!(
        fields,
        [
            "capacity",
            "name",
            "schedule.count",
            "schedule.time",
            "start_date"
        ]
    );
    // A coordinator runs cohorts only at their own site.
    let resp = app
        .post_json(
            &coordinator,
            "/api/v1/cohorts",
            &cohort_body(p, site, "A", json!(null)),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&resp.json().await.unwrap()), ["site_id"]);
    // Holidays: admins only, bad lines named.
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/sites/{site}/holidays"),
            &json!({ "date": "2026-01-01", "name": "New Year" }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/sites/{site}/holidays/import")))
        .bearer_auth(&admin.token)
        .body("2026-01-01,New Year\n2026-13-01,Nonsense\n")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem_fields(&resp.json().await.unwrap()),
        ["holidays[2].date"]
    );
    let list: Value = app
        .get_json(&admin, &format!("/api/v1/sites/{site}/holidays"))
        .await;
    assert_eq!(list, json!([]), "nothing saved from a file with a bad line");
}

#[actix_web::test]
async fn a_mentor_sees_only_the_cohorts_they_facilitate_or_their_participants_attend() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let facilitator = app.user(Role::Mentor, None);
    let caseworker = app.user(Role::Mentor, None);
    let stranger = app.user(Role::Mentor, None);
    let p = programme(&app, &coordinator, "Pathways").await;
    let mut body = cohort_body(p, site, "Facilitated", json!(null));
    body["facilitator_ids"] = json!([facilitator.id]);
    let facilitated: Value = app
        .post_json(&coordinator, "/api/v1/cohorts", &body)
        .await
        .json()
        .await
        .unwrap();
    let other: Value = app
        .post_json(
            &coordinator,
            "/api/v1/cohorts",
            &cohort_body(p, site, "Other", json!(null)),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut person = participant_body("KG-2026-00001", site);
    person["mentor_ids"] = json!([caseworker.id]);
    let person = app.participant(&coordinator, person).await;
    let resp = app.post_json(&coordinator, "/api/v1/enrolments", &json!({ "participant_id": person["id"], "cohort_id": other["id"], "reason": "referral" })).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    for (user, sees_facilitated, sees_other) in [
        (&facilitator, true, false),
        (&caseworker, false, true),
        (&stranger, false, false),
    ] {
        let f = app
            .get(user, &format!("/api/v1/cohorts/{}", facilitated["id"]))
            .await
            .status();
        let o = app
            .get(user, &format!("/api/v1/cohorts/{}", other["id"]))
            .await
            .status();
        assert_eq!(
            (f == StatusCode::OK, o == StatusCode::OK),
            (sees_facilitated, sees_other),
            "{}",
            user.email
        );
        let list: Value = app.get_json(user, "/api/v1/cohorts").await;
        assert_eq!(
            list["total"],
            i64::from(sees_facilitated) + i64::from(sees_other)
        );
    }
}
