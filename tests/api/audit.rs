use diesel::prelude::*;
use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Run `onward audit verify` against the test database.
fn verify(app: &TestApp) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.database_url)
        .env("ONWARD_CONFIG", "/nonexistent")
        .output()
        .expect("run onward")
}

/// Some history: a login, a creation, reads and an update.
async fn history(app: &TestApp) -> i64 {
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    app.login(&admin.email, PASSWORD).await;
    let created = app
        .participant(&admin, participant_body("KG-2026-00042", site))
        .await;
    let id = created["id"].as_i64().unwrap();
    app.get(&admin, &format!("/api/v1/participants/{id}")).await;
    let mut body = participant_body("KG-2026-00042", site);
    body["status"] = json!("released");
    app.put_json(
        &admin,
        &format!("/api/v1/participants/{id}"),
        Some("\"1\""),
        &body,
    )
    .await;
    app.get(&admin, "/api/v1/participants?q=kg").await;
    id
}

/// Disable the append-only guard, as someone with direct database access could.
fn tamper(app: &TestApp, sql: &str) {
    let mut c = app.conn();
    if app.sqlite_path.is_some() {
        diesel::sql_query("DROP TRIGGER audit_events_no_update")
            .execute(&mut *c)
            .unwrap();
        diesel::sql_query("DROP TRIGGER audit_events_no_delete")
            .execute(&mut *c)
            .unwrap();
    } else {
        diesel::sql_query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
            .execute(&mut *c)
            .unwrap();
    }
    diesel::sql_query(sql).execute(&mut *c).unwrap();
}

#[actix_web::test]
async fn logins_reads_and_changes_are_audited_with_who_what_and_where() {
    let app = spawn_app().await;
    let id = history(&app).await;
    let actions = app.audit_actions();
    for a in [
        "login.succeeded",
        "participant.create",
        "participant.read",
        "participant.update",
        "participant.search",
    ] {
        assert!(
            actions.contains(&a.to_string()),
            "{a} missing from {actions:?}"
        );
    }
    let admin = app.user(Role::Admin, None);
    let page: Value = app
        .get_json(
            &admin,
            &format!("/api/v1/audit-events?participant_id={id}&action=participant.update"),
        )
        .await;
    assert_eq!(page["total"], 1);
    let e = &page["items"][0];
    assert!(e["actor_label"].as_str().unwrap().contains("(admin)"));
    assert_eq!(e["ip"], "127.0.0.1");
    assert_eq!(e["request_id"].as_str().unwrap().len(), 36);
    assert_eq!(e["detail"], "{\"changed\":[\"status\"],\"version\":2}");
}

#[actix_web::test]
async fn the_audit_trail_is_append_only() {
    let app = spawn_app().await;
    history(&app).await;
    let mut c = app.conn();
    assert!(
        diesel::sql_query("UPDATE audit_events SET action = 'x' WHERE id = 1")
            .execute(&mut *c)
            .is_err()
    );
    assert!(diesel::sql_query("DELETE FROM audit_events WHERE id = 1")
        .execute(&mut *c)
        .is_err());
}

#[actix_web::test]
async fn audit_verify_passes_on_an_intact_chain() {
    let app = spawn_app().await;
    history(&app).await;
    let out = verify(&app);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("audit trail intact: "), "{stdout}");
}

#[actix_web::test]
async fn altering_one_audit_row_makes_verify_fail_and_name_it() {
    let app = spawn_app().await;
    history(&app).await;
    tamper(
        &app,
        "UPDATE audit_events SET actor_label = 'someone else' WHERE id = 3",
    );
    let out = verify(&app);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("audit trail broken at row 3: row 3 was altered"),
        "{stderr}"
    );
}

#[actix_web::test]
async fn removing_an_audit_row_makes_verify_fail_and_name_it() {
    let app = spawn_app().await;
    history(&app).await;
    tamper(&app, "DELETE FROM audit_events WHERE id = 2");
    let out = verify(&app);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken at row 2: row 2 is missing"),
        "{stderr}"
    );
}

#[actix_web::test]
async fn removing_the_newest_audit_rows_is_noticed() {
    let app = spawn_app().await;
    history(&app).await;
    let last: i64 = {
        use onward::db::schema::audit_events;
        audit_events::table
            .select(diesel::dsl::max(audit_events::id))
            .first::<Option<i64>>(&mut *app.conn())
            .unwrap()
            .unwrap()
    };
    tamper(&app, &format!("DELETE FROM audit_events WHERE id = {last}"));
    let out = verify(&app);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the newest rows were removed"), "{stderr}");
}

#[actix_web::test]
async fn only_admins_and_auditors_read_the_audit_trail() {
    let app = spawn_app().await;
    app.site("S1", "Asia/Bishkek");
    for role in onward::auth::Role::ALL {
        let user = app.user(role, (role == Role::Coordinator).then_some("S1"));
        let status = app.get(&user, "/api/v1/audit-events").await.status();
        let allowed = matches!(role, Role::Admin | Role::Auditor);
        assert_eq!(status == StatusCode::OK, allowed, "{role}: {status}");
        if !allowed {
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
    }
    let auditor = app.user(Role::Auditor, None);
    let resp = app
        .get(&auditor, "/api/v1/audit-events?from=yesterday")
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&resp.json().await.unwrap()), ["from"]);
}

#[actix_web::test]
async fn the_audit_page_filters_and_shows_local_times() {
    let app = spawn_app().await;
    history(&app).await;
    let auditor = app.user(Role::Auditor, None);
    let (client, _) = app.login(&auditor.email, PASSWORD).await;
    let html = page(&client, app.url("/audit?action=participant.update")).await;
    assert!(html.contains("participant.update"));
    assert!(!html.contains("<td>participant.read</td>"));
    assert!(html.contains("(Asia/Bishkek)"));
}

#[actix_web::test]
async fn removing_the_record_of_the_newest_row_is_noticed() {
    let app = spawn_app().await;
    history(&app).await;
    diesel::sql_query("DELETE FROM settings WHERE key = 'audit-head'")
        .execute(&mut *app.conn())
        .unwrap();
    let out = verify(&app);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("audit-head"));
}

#[actix_web::test]
async fn audit_filters_that_cannot_be_read_are_named_and_list_nothing() {
    let app = spawn_app().await;
    history(&app).await;
    let auditor = app.user(Role::Auditor, None);
    let (client, _) = app.login(&auditor.email, PASSWORD).await;
    for (query, field) in [
        ("participant_id=42%3B", "participant_id"),
        ("from=07.12.2026", "from"),
        ("until=2026-13-01", "until"),
    ] {
        let resp = client
            .get(app.url(&format!("/audit?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let html = resp.text().await.unwrap();
        let alert = text_of(&html, "[role=alert]").unwrap_or_default();
        assert!(alert.contains(field), "{query}: {alert}");
        // Not a single row: an unread filter must not show the whole trail.
        assert!(!html.contains("<td>participant.create</td>"), "{query}");
        assert!(!html.contains("<td>login.succeeded</td>"), "{query}");
        let api = app
            .get(&auditor, &format!("/api/v1/audit-events?{query}"))
            .await;
        assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body: Value = api.json().await.unwrap();
        assert_eq!(problem_fields(&body), vec![field.to_string()], "{query}");
    }
}

#[actix_web::test]
async fn the_audit_trail_is_filtered_by_a_case_reference_typed_in_the_participant_field() {
    let app = spawn_app().await;
    let id = history(&app).await;
    let site = app.site_id("KG-BSK");
    let admin = app.user(Role::Admin, None);
    let other = app
        .participant(&admin, participant_body("KG-2026-00077", site))
        .await;
    let auditor = app.user(Role::Auditor, None);
    let (client, _) = app.login(&auditor.email, PASSWORD).await;
    let resp = client
        .get(app.url("/audit?participant_id=kg-2026-00042"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("<td>participant.update</td>"), "{html}");
    assert!(html.contains(&format!("/participants/{id}\"")));
    assert!(!html.contains(&format!("/participants/{}\"", other["id"])));
    assert!(!html.contains("<td>login.succeeded</td>"));

    let api = app
        .get(
            &auditor,
            "/api/v1/audit-events?participant_id=KG-2026-00042",
        )
        .await;
    assert_eq!(api.status(), StatusCode::OK);
    let body: Value = api.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|e| e["participant_id"] == json!(id)),
        "{body}"
    );
    // A case reference nobody has matches nothing.
    let none: Value = app
        .get_json(
            &auditor,
            "/api/v1/audit-events?participant_id=KG-2026-99999",
        )
        .await;
    assert_eq!(none["total"], json!(0));
}
