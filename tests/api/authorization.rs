//! Every participant route × every role × every kind of record: what may be seen is seen, what
//! may not answers 404 exactly like a record that does not exist.

use diesel::prelude::*;
use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

struct World {
    app: TestApp,
    users: Vec<(&'static str, TestUser)>,
    own: i64,
    other: i64,
    restricted: i64,
    site_a: i64,
    /// The bodies the three records were created with (an update sends them again).
    bodies: [Value; 3],
}

async fn world() -> World {
    let app = spawn_app().await;
    let site_a = app.site("S-A", "Asia/Bishkek");
    let site_b = app.site("S-B", "Europe/Lisbon");
    let admin = app.user(Role::Admin, None);
    let coord_a = app.user(Role::Coordinator, Some("S-A"));
    let named = app.user(Role::Coordinator, Some("S-A"));
    let mentor1 = app.user(Role::Mentor, None);
    let mentor2 = app.user(Role::Mentor, None);
    let po1 = app.user(Role::ProbationOfficer, None);
    let po2 = app.user(Role::ProbationOfficer, None);
    let agency = app.user(Role::AgencyUser, None);
    let auditor = app.user(Role::Auditor, None);
    let with_people = |reference: &str, site: i64, mentor: &TestUser, po: &TestUser| {
        let mut b = participant_body(reference, site);
        b["mentor_ids"] = json!([mentor.id]);
        b["probation_officer_id"] = json!(po.id);
        b
    };
    let own_body = with_people("KG-2026-00001", site_a, &mentor1, &po1);
    let own = app.participant(&admin, own_body.clone()).await["id"]
        .as_i64()
        .unwrap();
    let other_body = with_people("PT-2026-00001", site_b, &mentor2, &po2);
    let other = app.participant(&admin, other_body.clone()).await["id"]
        .as_i64()
        .unwrap();
    // Created by the named coordinator, who stays named on it; nobody else is.
    let mut restricted_body = with_people("KG-2026-00099", site_a, &mentor1, &po1);
    restricted_body["restricted"] = json!(true);
    restricted_body["named_staff_ids"] = json!([named.id]);
    let restricted = app.participant(&named, restricted_body.clone()).await["id"]
        .as_i64()
        .unwrap();
    World {
        users: vec![
            ("admin", admin),
            ("coordinator", coord_a),
            ("named coordinator", named),
            ("mentor", mentor1),
            ("other mentor", mentor2),
            ("probation officer", po1),
            ("other probation officer", po2),
            ("agency user", agency),
            ("auditor", auditor),
        ],
        app,
        own,
        other,
        restricted,
        site_a,
        bodies: [own_body, other_body, restricted_body],
    }
}

fn version_of(app: &TestApp, id: i64) -> i32 {
    use onward::db::schema::participants;
    participants::table
        .find(id)
        .select(participants::version)
        .first(&mut *app.conn())
        .unwrap()
}

/// Expected (own site, other site, restricted) for reads and for updates.
fn expectations(who: &str) -> ([u16; 3], [u16; 3]) {
    match who {
        "admin" => ([200, 200, 404], [200, 200, 404]),
        "coordinator" => ([200, 404, 404], [200, 404, 404]),
        "named coordinator" => ([200, 404, 200], [200, 404, 200]),
        "mentor" => ([200, 404, 404], [403, 404, 404]),
        "other mentor" => ([404, 200, 404], [404, 403, 404]),
        "probation officer" => ([200, 404, 404], [403, 404, 404]),
        "other probation officer" => ([404, 200, 404], [404, 403, 404]),
        "agency user" | "auditor" => ([404, 404, 404], [404, 404, 404]),
        _ => unreachable!(),
    }
}

#[actix_web::test]
async fn every_role_reads_lists_and_updates_only_the_participants_in_its_scope() {
    let w = world().await;
    let records = [w.own, w.other, w.restricted];
    for (who, user) in &w.users {
        let (reads, updates) = expectations(who);
        let list: Value = w
            .app
            .get_json(user, "/api/v1/participants?per_page=100")
            .await;
        let listed: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        for (i, id) in records.iter().enumerate() {
            let resp = w.app.get(user, &format!("/api/v1/participants/{id}")).await;
            assert_eq!(resp.status().as_u16(), reads[i], "{who} reading record {i}");
            if reads[i] == 404 {
                let body: Value = resp.json().await.unwrap();
                assert_eq!(body["title"], "Not found", "out of scope looks like absent");
            }
            assert_eq!(
                listed.contains(id),
                reads[i] == 200,
                "{who} listing record {i}"
            );
            let body = &w.bodies[i];
            let version = format!("\"{}\"", version_of(&w.app, *id));
            let resp = w
                .app
                .put_json(
                    user,
                    &format!("/api/v1/participants/{id}"),
                    Some(&version),
                    body,
                )
                .await;
            assert_eq!(
                resp.status().as_u16(),
                updates[i],
                "{who} updating record {i}: {}",
                resp.text().await.unwrap()
            );
        }
        // A record that does not exist answers the same as one out of scope.
        let resp = w.app.get(user, "/api/v1/participants/999999").await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{who}");
    }
}

#[actix_web::test]
async fn only_admins_and_coordinators_may_add_participants() {
    let w = world().await;
    for (n, (who, user)) in w.users.iter().enumerate() {
        let body = participant_body(&format!("KG-2027-{:05}", n + 1), w.site_a);
        let resp = w.app.post_json(user, "/api/v1/participants", &body).await;
        let expected = match *who {
            "admin" | "coordinator" | "named coordinator" => 201,
            _ => 403,
        };
        assert_eq!(resp.status().as_u16(), expected, "{who}");
    }
}

/// The participant form's fields for a JSON body as the API takes it.
fn form_fields(body: &Value, csrf: &str, version: i32) -> Vec<(String, String)> {
    let mut fields = vec![
        ("csrf_token".to_string(), csrf.to_string()),
        ("version".to_string(), version.to_string()),
    ];
    for (k, v) in body.as_object().unwrap() {
        match v {
            Value::Array(ids) => fields.extend(ids.iter().map(|id| (k.clone(), id.to_string()))),
            Value::Bool(true) => fields.push((k.clone(), "on".into())),
            Value::Bool(false) => {}
            Value::String(s) => fields.push((k.clone(), s.clone())),
            other => fields.push((k.clone(), other.to_string())),
        }
    }
    fields
}

#[actix_web::test]
async fn participant_pages_follow_the_same_scope() {
    let w = world().await;
    let records = [w.own, w.other, w.restricted];
    for (n, (who, user)) in w.users.iter().enumerate() {
        let (reads, updates) = expectations(who);
        let (client, _) = w.app.login(&user.email, PASSWORD).await;
        let home = page(&client, w.app.url("/")).await;
        let csrf = hidden_value(&home, "csrf_token");
        for (i, id) in records.iter().enumerate() {
            let status = client
                .get(w.app.url(&format!("/participants/{id}")))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(
                status.as_u16(),
                reads[i],
                "{who} opening the page of record {i}"
            );
            let status = client
                .get(w.app.url(&format!("/participants/{id}/edit")))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(
                status.as_u16(),
                updates[i],
                "{who} opening the edit page of record {i}"
            );
            let fields = form_fields(&w.bodies[i], &csrf, version_of(&w.app, *id));
            let status = client
                .post(w.app.url(&format!("/participants/{id}")))
                .form(&fields)
                .send()
                .await
                .unwrap()
                .status();
            let expected = if updates[i] == 200 { 303 } else { updates[i] };
            assert_eq!(
                status.as_u16(),
                expected,
                "{who} saving the form of record {i}"
            );
        }
        let status = client
            .get(w.app.url("/participants/new"))
            .send()
            .await
            .unwrap()
            .status();
        let may_create = matches!(*who, "admin" | "coordinator" | "named coordinator");
        assert_eq!(
            status.as_u16(),
            if may_create { 200 } else { 403 },
            "{who} opening the new participant page"
        );
        let body = participant_body(&format!("KG-2028-{:05}", n + 1), w.site_a);
        let status = client
            .post(w.app.url("/participants"))
            .form(&form_fields(&body, &csrf, 0))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(
            status.as_u16(),
            if may_create { 303 } else { 403 },
            "{who} adding a participant by form"
        );
    }
}
