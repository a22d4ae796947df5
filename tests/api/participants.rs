use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[actix_web::test]
async fn an_admin_creates_and_reads_a_participant() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let mentor = app.user(Role::Mentor, None);
    let officer = app.user(Role::ProbationOfficer, None);
    let mut body = participant_body("kg-2026-00042", site);
    body["mentor_ids"] = json!([mentor.id]);
    body["probation_officer_id"] = json!(officer.id);
    let created = app.participant(&admin, body).await;
    assert_eq!(created["case_reference"], "KG-2026-00042");
    assert_eq!(created["version"], 1);
    let resp = app
        .get(&admin, &format!("/api/v1/participants/{}", created["id"]))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["etag"], "\"1\"");
    let p: Value = resp.json().await.unwrap();
    assert_eq!(p["site"]["time_zone"], "Asia/Bishkek");
    assert_eq!(p["earliest_release_date"], far_release().to_string());
    assert_eq!(p["mentors"][0]["id"], mentor.id);
    assert_eq!(p["probation_officer"]["id"], officer.id);
}

#[actix_web::test]
async fn an_invalid_participant_gets_422_naming_each_field() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let body = json!({
        "case_reference": "42",
        "given_name": "",
        "family_name": "Sultanov",
        "date_of_birth": "12/04/1990",
        "site_id": site,
        "status": "free",
        "sentence_start": "2024-01-01",
        "earliest_release_date": "2023-01-01",
    });
    let resp = app.post_json(&admin, "/api/v1/participants", &body).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().await.unwrap();
    let mut fields = problem_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "case_reference",
            "date_of_birth",
            "earliest_release_date",
            "given_name",
            "status"
        ]
    );
    assert_eq!(problem["errors"][0]["message"], "This field is required.");
    // Nothing was saved.
    let list: Value = app.get_json(&admin, "/api/v1/participants").await;
    assert_eq!(list["total"], 0);
}

#[actix_web::test]
async fn a_wrongly_typed_json_field_is_named_too() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let mut body = participant_body("KG-2026-00001", site);
    body["site_id"] = json!("one");
    let resp = app.post_json(&admin, "/api/v1/participants", &body).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem_fields(&problem), ["site_id"]);
    let mut body = participant_body("KG-2026-00001", site);
    body["nickname"] = json!("x");
    let resp = app.post_json(&admin, "/api/v1/participants", &body).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn references_to_people_and_sites_are_checked() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    app.site("PT-LIS", "Europe/Lisbon");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("PT-LIS"));
    let not_a_mentor = app.user(Role::Auditor, None);
    let mut body = participant_body("KG-2026-00001", site);
    body["mentor_ids"] = json!([not_a_mentor.id]);
    body["probation_officer_id"] = json!(admin.id);
    let problem: Value = app
        .post_json(&admin, "/api/v1/participants", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        problem_fields(&problem),
        ["mentor_ids", "probation_officer_id"]
    );
    // A coordinator adds only at their own site.
    let resp = app
        .post_json(
            &coordinator,
            "/api/v1/participants",
            &participant_body("KG-2026-00001", site),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&resp.json().await.unwrap()), ["site_id"]);
    // A case reference is unique.
    app.participant(&admin, participant_body("KG-2026-00001", site))
        .await;
    let resp = app
        .post_json(
            &admin,
            "/api/v1/participants",
            &participant_body("KG-2026-00001", site),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem_fields(&problem), ["case_reference"]);
    assert_eq!(
        problem["errors"][0]["message"],
        "This case reference cannot be used. Check it; if it is right, ask an administrator."
    );
}

#[actix_web::test]
async fn a_stale_if_match_gets_409_and_the_stored_record_is_unchanged() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let created = app
        .participant(&admin, participant_body("KG-2026-00042", site))
        .await;
    let path = format!("/api/v1/participants/{}", created["id"]);
    let mut first = participant_body("KG-2026-00042", site);
    first["family_name"] = json!("Bekov");
    let resp = app.put_json(&admin, &path, Some("\"1\""), &first).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["etag"], "\"2\"");
    // A second client still holding version 1.
    let mut second = participant_body("KG-2026-00042", site);
    second["family_name"] = json!("Omurov");
    let resp = app.put_json(&admin, &path, Some("\"1\""), &second).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["title"], "Changed by someone else");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("now at version 2"),
        "{problem}"
    );
    let stored: Value = app.get_json(&admin, &path).await;
    assert_eq!(stored["family_name"], "Bekov");
    assert_eq!(stored["version"], 2);
}

#[actix_web::test]
async fn an_update_without_if_match_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let created = app
        .participant(&admin, participant_body("KG-2026-00042", site))
        .await;
    let path = format!("/api/v1/participants/{}", created["id"]);
    let mut body = participant_body("KG-2026-00042", site);
    body["family_name"] = json!("Bekov");
    let resp = app.put_json(&admin, &path, None, &body).await;
    assert_eq!(resp.status(), StatusCode::PRECONDITION_REQUIRED);
    let resp = app.put_json(&admin, &path, Some("yesterday"), &body).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&resp.json().await.unwrap()), ["If-Match"]);
    let stored: Value = app.get_json(&admin, &path).await;
    assert_eq!(stored["family_name"], "Sultanov");
}

#[actix_web::test]
async fn an_invalid_update_keeps_the_stored_record() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let created = app
        .participant(&admin, participant_body("KG-2026-00042", site))
        .await;
    let path = format!("/api/v1/participants/{}", created["id"]);
    let mut body = participant_body("KG-2026-00042", site);
    body["licence_end_date"] = json!("2020-01-01");
    let resp = app.put_json(&admin, &path, Some("\"1\""), &body).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem_fields(&resp.json().await.unwrap()),
        ["licence_end_date"]
    );
    let stored: Value = app.get_json(&admin, &path).await;
    assert_eq!(
        stored["licence_end_date"],
        (far_release() + chrono::Duration::days(730)).to_string()
    );
    assert_eq!(stored["version"], 1);
}

#[actix_web::test]
async fn the_list_searches_case_references_and_names_in_any_script_and_pages() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    for n in 1..=30 {
        let mut body = participant_body(&format!("KG-2026-{n:05}"), site);
        if n == 7 {
            body["family_name"] = json!("Жумабаев");
        }
        if n == 8 {
            body["family_name"] = json!("100%_Tricky");
        }
        app.participant(&admin, body).await;
    }
    let page: Value = app
        .get_json(&admin, "/api/v1/participants?per_page=10&page=3")
        .await;
    assert_eq!(page["total"], 30);
    assert_eq!(page["pages"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    let found: Value = app
        .get_json(&admin, "/api/v1/participants?q=kg-2026-00012")
        .await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["case_reference"], "KG-2026-00012");
    let cyrillic: Value = app
        .get_json(&admin, "/api/v1/participants?q=%D0%B6%D1%83%D0%BC%D0%B0")
        .await;
    assert_eq!(cyrillic["total"], 1, "lower-case Cyrillic finds Жумабаев");
    let wildcard: Value = app.get_json(&admin, "/api/v1/participants?q=%25_").await;
    assert_eq!(wildcard["total"], 1, "% and _ are searched literally");
    let resp = app.get(&admin, "/api/v1/participants?per_page=1000").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&resp.json().await.unwrap()), ["per_page"]);
}

#[actix_web::test]
async fn the_participant_pages_list_show_and_edit_with_a_conflict_check() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let created = app
        .participant(&admin, participant_body("KG-2026-00042", site))
        .await;
    let id = created["id"].as_i64().unwrap();
    let (client, _) = app.login(&coordinator.email, PASSWORD).await;
    let list = page(&client, app.url("/participants?q=sultanov")).await;
    assert!(list.contains("KG-2026-00042"));
    assert_eq!(text_of(&list, "#result-count").unwrap(), "1 result");
    let detail = page(&client, app.url(&format!("/participants/{id}"))).await;
    assert!(detail.contains("Sultanov"));
    assert!(
        detail.contains("(Asia/Bishkek)"),
        "times are shown in the site's zone"
    );
    let form = page(&client, app.url(&format!("/participants/{id}/edit"))).await;
    assert_eq!(hidden_value(&form, "version"), "1");
    // Someone else saves first.
    let mut other = participant_body("KG-2026-00042", site);
    other["given_name"] = json!("Bakyt");
    assert_eq!(
        app.put_json(
            &admin,
            &format!("/api/v1/participants/{id}"),
            Some("\"1\""),
            &other
        )
        .await
        .status(),
        StatusCode::OK
    );
    let fields = |version: &str| {
        vec![
            ("version", version.to_string()),
            ("case_reference", "KG-2026-00042".to_string()),
            ("given_name", "Azamat".to_string()),
            ("family_name", "Kadyrov".to_string()),
            ("date_of_birth", "1990-04-12".to_string()),
            ("site_id", site.to_string()),
            ("status", "in_custody".to_string()),
            ("earliest_release_date", day(180)),
        ]
    };
    let path = format!("/participants/{id}");
    let resp = client.post_fields(&path, &fields("1")).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let html = resp.text().await.unwrap();
    assert!(text_of(&html, "#form-errors")
        .unwrap()
        .contains("Someone else saved this participant"));
    assert_eq!(
        hidden_value(&html, "family_name"),
        "Kadyrov",
        "what was typed is kept"
    );
    assert_eq!(hidden_value(&html, "version"), "2");
    assert!(
        text_of(&html, "#conflict").unwrap().contains("Bakyt"),
        "the saved version is shown"
    );
    let stored: Value = app
        .get_json(&admin, &format!("/api/v1/participants/{id}"))
        .await;
    assert_eq!(stored["family_name"], "Sultanov", "nothing was overwritten");
    // Saving again, now based on version 2, succeeds.
    let resp = client.post_fields(&path, &fields("2")).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let stored: Value = app
        .get_json(&admin, &format!("/api/v1/participants/{id}"))
        .await;
    assert_eq!(stored["family_name"], "Kadyrov");
    assert_eq!(stored["version"], 3);
}

#[actix_web::test]
async fn a_form_with_errors_is_shown_again_with_what_was_typed() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let (client, _) = app.login(&coordinator.email, PASSWORD).await;
    let resp = client
        .post_form(
            "/participants",
            &[
                ("case_reference", "KG-2026-00077"),
                ("given_name", "Ulan"),
                ("family_name", ""),
                ("date_of_birth", "not a date"),
                ("site_id", &site.to_string()),
                ("status", "in_custody"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert_eq!(
        text_of(&html, "#family_name-error").unwrap(),
        "This field is required."
    );
    assert_eq!(
        text_of(&html, "#date_of_birth-error").unwrap(),
        "Enter a date as YYYY-MM-DD, for example 2026-03-31."
    );
    assert_eq!(hidden_value(&html, "given_name"), "Ulan");
    assert_eq!(hidden_value(&html, "case_reference"), "KG-2026-00077");
    // Corrected, it saves and shows the new record.
    let resp = client
        .post_form(
            "/participants",
            &[
                ("case_reference", "KG-2026-00077"),
                ("given_name", "Ulan"),
                ("family_name", "Usenov"),
                ("date_of_birth", "1988-02-03"),
                ("site_id", &site.to_string()),
                ("status", "in_custody"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let page = page(&client, app.url(&location)).await;
    assert!(page.contains("KG-2026-00077 — Usenov, Ulan"), "{page}");
}

#[actix_web::test]
async fn an_update_that_leaves_out_people_and_the_restriction_keeps_them() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, None);
    let officer = app.user(Role::ProbationOfficer, None);
    let mut body = participant_body("KG-2026-00042", site);
    body["restricted"] = json!(true);
    body["mentor_ids"] = json!([mentor.id]);
    body["probation_officer_id"] = json!(officer.id);
    body["named_staff_ids"] = json!([mentor.id]);
    let created = app.participant(&coordinator, body).await;
    let path = format!("/api/v1/participants/{}", created["id"]);
    let mut partial = participant_body("KG-2026-00042", site);
    partial["status"] = json!("released");
    let resp = app
        .put_json(&coordinator, &path, Some("\"1\""), &partial)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let p: Value = resp.json().await.unwrap();
    assert_eq!(p["status"], "released");
    assert_eq!(
        p["restricted"], true,
        "leaving the flag out never lifts a restriction"
    );
    assert_eq!(p["mentors"][0]["id"], mentor.id);
    assert_eq!(p["probation_officer"]["id"], officer.id);
    assert_eq!(p["named_staff"].as_array().unwrap().len(), 2);
    // Explicit values still replace them.
    let mut explicit = partial.clone();
    explicit["restricted"] = json!(false);
    explicit["mentor_ids"] = json!([]);
    explicit["probation_officer_id"] = Value::Null;
    let p: Value = app
        .put_json(&coordinator, &path, Some("\"2\""), &explicit)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["restricted"], false);
    assert_eq!(p["mentors"], json!([]));
    assert_eq!(p["probation_officer"], Value::Null);
}

#[actix_web::test]
async fn concurrent_saves_of_one_version_let_exactly_one_through() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let created = app
        .participant(&admin, participant_body("KG-2026-00042", site))
        .await;
    let path = format!("/api/v1/participants/{}", created["id"]);
    let saves = (0..8).map(|n| {
        let mut body = participant_body("KG-2026-00042", site);
        body["family_name"] = json!(format!("Name{n}"));
        let (app, admin, path) = (&app, &admin, &path);
        async move {
            app.put_json(admin, path, Some("\"1\""), &body)
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(saves).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, conflicts), (1, 7), "{statuses:?}");
    // And parallel creations all succeed.
    let creations = (1..=8).map(|n| {
        let (app, admin) = (&app, &admin);
        async move {
            app.post_json(
                admin,
                "/api/v1/participants",
                &participant_body(&format!("KG-2026-{n:05}"), site),
            )
            .await
            .status()
        }
    });
    let statuses = futures_util::future::join_all(creations).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn an_absurd_version_is_just_stale() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let created = app
        .participant(&admin, participant_body("KG-2026-00042", site))
        .await;
    let path = format!("/api/v1/participants/{}", created["id"]);
    let resp = app
        .put_json(
            &admin,
            &path,
            Some("\"2147483647\""),
            &participant_body("KG-2026-00042", site),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
}
