//! The programme-delivery pages, as a coordinator uses them.

use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::delivery::cohort;
use crate::helpers::*;

fn cohort_form(
    programme: i64,
    site: i64,
    room: &str,
    override_reason: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("programme_id", programme.to_string()),
        ("site_id", site.to_string()),
        ("name", "Autumn group".into()),
        ("capacity", "12".into()),
        ("start_date", "2026-10-05".into()),
        ("schedule_first_date", "2026-10-05".into()),
        ("schedule_time", "10:00".into()),
        ("schedule_duration_minutes", "90".into()),
        ("schedule_every_weeks", "1".into()),
        ("schedule_count", "12".into()),
        ("schedule_room", room.into()),
        ("override_reason", override_reason.into()),
    ]
}

#[actix_web::test]
async fn a_coordinator_sets_up_a_weekly_cohort_in_one_form_and_sees_local_times_without_holidays() {
    let app = spawn_app().await;
    let site = app.site("PT-LIS", "Europe/Lisbon");
    let admin = app.user(Role::Admin, None);
    app.post_json(
        &admin,
        &format!("/api/v1/sites/{site}/holidays"),
        &json!({ "date": "2026-10-05", "name": "Republic Day" }),
    )
    .await;
    let coordinator = app.user(Role::Coordinator, Some("PT-LIS"));
    let (client, _) = app.login(&coordinator.email, PASSWORD).await;
    let resp = client
        .post_form(
            "/programmes",
            &[
                ("name", "Pathways"),
                ("kind", "group"),
                ("session_count", "12"),
                ("min_attendance_percent", "75"),
                ("absence_alert_after", "3"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let programmes: Value = app.get_json(&coordinator, "/api/v1/programmes").await;
    let programme = programmes[0]["id"].as_i64().unwrap();
    let form = page(&client, app.url("/cohorts/new")).await;
    assert_eq!(hidden_value(&form, "schedule_count"), "12");
    let resp = client
        .post_fields("/cohorts", &cohort_form(programme, site, "Room 2", ""))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let html = page(&client, app.url(&location)).await;
    let doc = scraper::Html::parse_document(&html);
    let rows: Vec<String> = doc
        .select(&scraper::Selector::parse("#sessions tbody tr td:first-child").unwrap())
        .map(|td| td.text().collect::<String>())
        .collect();
    assert_eq!(rows.len(), 12);
    assert_eq!(
        rows[0], "2026-10-12 10:00–11:30",
        "the holiday on the 5th is skipped"
    );
    assert!(
        rows.iter().all(|r| r.contains(" 10:00–11:30")),
        "10:00 local across the end of summer time: {rows:?}"
    );
    assert_eq!(rows[11], "2026-12-28 10:00–11:30");
}

#[actix_web::test]
async fn a_clashing_cohort_form_names_the_clash_and_accepts_an_override_with_a_reason() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let p: Value = app
        .post_json(&coordinator, "/api/v1/programmes", &json!({ "name": "Pathways", "kind": "group", "session_count": 12, "min_attendance_percent": 75 }))
        .await
        .json()
        .await
        .unwrap();
    let programme = p["id"].as_i64().unwrap();
    let (client, _) = app.login(&coordinator.email, PASSWORD).await;
    assert_eq!(
        client
            .post_fields("/cohorts", &cohort_form(programme, site, "Hall", ""))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let resp = client
        .post_fields("/cohorts", &cohort_form(programme, site, "Hall", ""))
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let html = resp.text().await.unwrap();
    let clashes = text_of(&html, "#clashes").unwrap();
    assert!(
        clashes.contains("Room Hall is already booked at 2026-10-05 10:00"),
        "{clashes}"
    );
    assert_eq!(
        hidden_value(&html, "schedule_room"),
        "Hall",
        "what was typed is kept"
    );
    let resp = client
        .post_fields(
            "/cohorts",
            &cohort_form(programme, site, "Hall", "Two groups share the hall"),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let auditor = app.user(Role::Auditor, None);
    let audit: Value = app
        .get_json(
            &auditor,
            "/api/v1/audit-events?action=session.clash_override",
        )
        .await;
    assert_eq!(audit["total"], 1);
}

#[actix_web::test]
async fn the_register_page_saves_keeps_typed_marks_on_error_and_shows_the_rate() {
    let c = cohort(3, 2, 10).await;
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let url = c.app.url(&format!("/sessions/{}/register", c.sessions[0]));
    let (a, b) = (c.people[0].to_string(), c.people[1].to_string());
    let bad = vec![
        (format!("mark_{a}"), "late".to_string()),
        (format!("late_{a}"), String::new()),
        (format!("mark_{b}"), "unexcused".to_string()),
    ];
    let resp = client.post_fields(&url, &bad).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(text_of(&html, "#form-errors")
        .unwrap()
        .contains("Say how many minutes late"));
    let doc = scraper::Html::parse_document(&html);
    let checked = scraper::Selector::parse(&format!("#mark-{b}-unexcused[checked]")).unwrap();
    assert!(
        doc.select(&checked).next().is_some(),
        "typed marks are kept"
    );
    let good = vec![
        (format!("mark_{a}"), "late".to_string()),
        (format!("late_{a}"), "5".to_string()),
        (format!("mark_{b}"), "unexcused".to_string()),
    ];
    let resp = client.post_fields(&url, &good).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = page(&client, url).await;
    assert!(html.contains("id=\"register-taken\""));
    let cohort_page = page(&client, c.app.url(&format!("/cohorts/{}", c.id))).await;
    assert_eq!(text_of(&cohort_page, "#cohort-rate").unwrap(), "50%");
}

#[actix_web::test]
async fn the_coordinators_home_page_shows_open_absence_alerts() {
    let c = cohort(3, 1, 10).await;
    for s in &c.sessions {
        let body = json!({ "entries": [{ "participant_id": c.people[0], "mark": "unexcused" }] });
        c.app
            .put_json(
                &c.coordinator,
                &format!("/api/v1/sessions/{s}/register"),
                None,
                &body,
            )
            .await;
    }
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let home = page(&client, c.app.url("/")).await;
    let alerts = text_of(&home, "#alerts").unwrap();
    assert!(
        alerts.contains("KG-2026-00001: 3 unexcused absences in a row"),
        "{alerts}"
    );
    let person = page(
        &client,
        c.app.url(&format!("/participants/{}", c.people[0])),
    )
    .await;
    assert!(
        person.contains("3 unexcused absences in a row"),
        "the participant's page shows it too"
    );
    assert!(
        person.contains("Referred by the sentence plan"),
        "and the enrolment history"
    );
}

#[actix_web::test]
async fn programmes_and_cohorts_are_edited_with_a_version_check() {
    let c = cohort(2, 0, 10).await;
    let programmes: Value = c.app.get_json(&c.coordinator, "/api/v1/programmes").await;
    let p = &programmes[0];
    let path = format!("/api/v1/programmes/{}", p["id"]);
    let body = json!({ "name": "Pathways 2", "kind": "education", "session_count": 10, "min_attendance_percent": 80 });
    let resp = c
        .app
        .put_json(&c.coordinator, &path, Some("\"1\""), &body)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["etag"], "\"2\"");
    assert_eq!(
        c.app
            .put_json(&c.coordinator, &path, Some("\"1\""), &body)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let cohort_path = format!("/api/v1/cohorts/{}", c.id);
    let changes = json!({ "name": "Spring group A", "capacity": 8, "start_date": "2026-03-02", "status": "running", "facilitator_ids": [] });
    let resp = c
        .app
        .put_json(&c.coordinator, &cohort_path, Some("\"1\""), &changes)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["status"], "running");
    assert_eq!(view["facilitators"], json!([]));
    let mut bad = changes.clone();
    bad["status"] = json!("paused");
    let resp = c
        .app
        .put_json(&c.coordinator, &cohort_path, Some("\"2\""), &bad)
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&resp.json().await.unwrap()), ["status"]);
    // The edit page saves with its hidden version and shows a conflict for a stale one.
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let form = page(&client, c.app.url(&format!("/cohorts/{}/edit", c.id))).await;
    assert_eq!(hidden_value(&form, "version"), "2");
    let fields = |version: &str| {
        vec![
            ("version", version.to_string()),
            ("name", "Spring group B".into()),
            ("capacity", "9".into()),
            ("start_date", "2026-03-02".into()),
            ("status", "running".into()),
        ]
    };
    let path = format!("/cohorts/{}", c.id);
    assert_eq!(
        client.post_fields(&path, &fields("1")).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        client.post_fields(&path, &fields("2")).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn a_session_is_moved_and_cancelled_from_its_page() {
    let c = cohort(2, 1, 10).await;
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let url = c.app.url(&format!("/sessions/{}", c.sessions[0]));
    let reschedule = format!("/sessions/{}/reschedule", c.sessions[0]);
    let resp = client
        .post_form(
            &reschedule,
            &[
                ("starts_at", "2026-03-03T14:00"),
                ("reason", ""),
                ("requested_by", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert_eq!(
        hidden_value(&html, "starts_at"),
        "2026-03-03T14:00",
        "what was typed is kept"
    );
    let resp = client
        .post_form(
            &reschedule,
            &[
                ("starts_at", "2026-03-03T14:00"),
                ("reason", "Visit day"),
                ("version", "1"),
                ("requested_by", "Governor"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let status = text_of(&page(&client, url.clone()).await, "#session-status").unwrap();
    assert_eq!(status, "Rescheduled: Visit day (asked by Governor)");
    client
        .post_form(
            &format!("/sessions/{}/cancel", c.sessions[1]),
            &[
                ("reason", "Lockdown"),
                ("version", "1"),
                ("requested_by", "Security"),
            ],
        )
        .await;
    let status = text_of(
        &page(&client, c.app.url(&format!("/sessions/{}", c.sessions[1]))).await,
        "#session-status",
    )
    .unwrap();
    assert!(status.starts_with("Cancelled: Lockdown"), "{status}");
    let csv = client
        .get(c.app.url(&format!("/cohorts/{}/register.csv", c.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().starts_with("session_id,"));
}

#[actix_web::test]
async fn admins_import_holidays_from_a_page_and_feeds_are_made_and_revoked_there() {
    let c = cohort(1, 0, 10).await;
    let admin = c.app.user(Role::Admin, None);
    let (client, _) = c.app.login(&admin.email, PASSWORD).await;
    let resp = client
        .post_form(
            "/holidays",
            &[
                ("site_id", &c.site.to_string()),
                ("csv", "date,name\n2026-08-31,Independence Day\n"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(page(&client, c.app.url("/holidays"))
        .await
        .contains("2026-08-31 — Independence Day"));
    let (coord, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    assert_eq!(
        coord
            .get(c.app.url("/holidays"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let html = coord
        .post_form("/calendar-feeds", &[("cohort_id", &c.id.to_string())])
        .await
        .text()
        .await
        .unwrap();
    let shown = text_of(&html, "#new-feed code").unwrap();
    assert!(
        shown.contains("/calendars/") && shown.ends_with(".ics"),
        "{shown}"
    );
    let path = &shown[shown.find("/calendars/").unwrap()..];
    assert_eq!(
        reqwest::get(c.app.url(path)).await.unwrap().status(),
        StatusCode::OK
    );
    let again = page(&coord, c.app.url("/calendar-feeds")).await;
    assert!(!again.contains(path), "the address is shown only once");
    let doc = scraper::Html::parse_document(&again);
    let action = doc
        .select(&scraper::Selector::parse("form[action$='/revoke']").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("action")
        .unwrap()
        .to_string();
    coord.post_form(&action, &[]).await;
    assert_eq!(
        reqwest::get(c.app.url(path)).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}
