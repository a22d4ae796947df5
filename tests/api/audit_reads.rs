//! Every read that shows a person's case reference or name is on that person's own audit trail,
//! naming who was shown: lists, searches, pickers, exports and the admin's outbox.

use chrono::{Duration, Utc};
use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::delivery::cohort;
use crate::helpers::*;

#[actix_web::test]
async fn the_alerts_api_records_a_read_of_each_person_it_lists() {
    let c = cohort(3, 2, 10).await;
    for s in &c.sessions {
        let resp = c.take_register(*s, &["unexcused", "present"]).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let alerts: Value = c.app.get_json(&c.coordinator, "/api/v1/alerts").await;
    assert_eq!(alerts[0]["case_reference"], "KG-2026-00001", "{alerts}");
    assert_eq!(
        reads(&c.app, c.people[0], "alert.list").await,
        vec![c.coordinator.id]
    );
    assert!(reads(&c.app, c.people[1], "alert.list").await.is_empty());
}

#[actix_web::test]
async fn the_cohort_pages_referral_picker_records_a_read_of_each_name_it_offers() {
    let c = cohort(1, 1, 10).await;
    let other = c
        .app
        .participant(&c.coordinator, participant_body("KG-2026-00777", c.site))
        .await["id"]
        .as_i64()
        .unwrap();
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let html = page(&client, c.app.url(&format!("/cohorts/{}", c.id))).await;
    assert!(html.contains("KG-2026-00777"), "offered for referral");
    assert_eq!(
        reads(&c.app, other, "participant.list").await,
        vec![c.coordinator.id]
    );
}

#[actix_web::test]
async fn the_cohort_register_csv_records_an_export_for_each_person_in_it() {
    let c = cohort(2, 2, 10).await;
    for s in &c.sessions {
        let resp = c.take_register(*s, &["present", "late"]).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let csv = c
        .app
        .get(
            &c.coordinator,
            &format!("/api/v1/cohorts/{}/register.csv", c.id),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("KG-2026-00002"), "{csv}");
    for person in &c.people {
        assert_eq!(
            reads(&c.app, *person, "register.export").await,
            vec![c.coordinator.id],
            "one export row on each person's trail"
        );
    }
}

#[actix_web::test]
async fn the_participant_list_and_search_record_a_read_of_each_person_shown() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mut ids = Vec::new();
    for (reference, family) in [
        ("KG-2026-00011", "Asanov"),
        ("KG-2026-00012", "Bekov"),
        ("KG-2026-00013", "Asanova"),
    ] {
        let mut body = participant_body(reference, site);
        body["family_name"] = json!(family);
        ids.push(
            app.participant(&coordinator, body).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let found: Value = app
        .get_json(&coordinator, "/api/v1/participants?q=asanov")
        .await;
    assert_eq!(found["total"], 2, "{found}");
    assert_eq!(
        reads(&app, ids[0], "participant.list").await,
        vec![coordinator.id]
    );
    assert!(
        reads(&app, ids[1], "participant.list").await.is_empty(),
        "not shown, not recorded"
    );
    // The list page, unfiltered, shows all three.
    let (client, _) = app.login(&coordinator.email, PASSWORD).await;
    let html = page(&client, app.url("/participants")).await;
    assert!(html.contains("KG-2026-00012"));
    assert_eq!(
        reads(&app, ids[1], "participant.list").await,
        vec![coordinator.id]
    );
}

#[actix_web::test]
async fn the_admins_outbox_list_records_a_read_of_each_person_whose_email_it_shows() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, None);
    let officer = app.user(Role::ProbationOfficer, None);
    let admin = app.user(Role::Admin, None);
    let mut body = participant_body("KG-2026-00031", site);
    body["mentor_ids"] = json!([mentor.id]);
    body["probation_officer_id"] = json!(officer.id);
    let id = app.participant(&coordinator, body).await["id"]
        .as_i64()
        .unwrap();
    let today = Utc::now().date_naive();
    let resp = app
        .post_json(
            &mentor,
            &format!("/api/v1/participants/{id}/progress-notes"),
            &json!({"contact_date": (today - Duration::days(1)).to_string(), "contact_type": "one_to_one",
                    "ratings": {"engagement": 4}, "narrative": "Fine", "tell_probation": true}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let pending: Value = app
        .get_json(&admin, "/api/v1/notifications?status=pending")
        .await;
    assert!(
        pending["items"][0]["subject"]
            .as_str()
            .unwrap()
            .contains("KG-2026-00031"),
        "{pending}"
    );
    assert_eq!(reads(&app, id, "notification.list").await, vec![admin.id]);
    // The outbox page shows the same and records it again.
    let (client, _) = app.login(&admin.email, PASSWORD).await;
    let html = page(&client, app.url("/outbox?status=pending")).await;
    assert!(html.contains("KG-2026-00031"));
    assert_eq!(
        reads(&app, id, "notification.list").await,
        vec![admin.id, admin.id]
    );
}
