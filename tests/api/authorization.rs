//! Every participant route × every role × every kind of record: what may be seen is seen, what
//! may not answers 404 exactly like a record that does not exist.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;
use crate::world::{world, Person, Scope, World};

/// The shared world's users, by the names the expectations below use.
fn users(w: &World) -> Vec<(&'static str, &TestUser)> {
    vec![
        ("admin", &w.admin),
        ("coordinator", &w.coordinator),
        ("named coordinator", &w.named),
        ("mentor", &w.mentor),
        ("other mentor", &w.other_mentor),
        ("probation officer", &w.officer),
        ("other probation officer", &w.other_officer),
        ("agency user", &w.agency_user),
        ("auditor", &w.auditor),
    ]
}

/// The three records these tests try: own site, other site, restricted.
fn records(w: &World) -> [&Person; 3] {
    [
        w.person(Scope::Own),
        w.person(Scope::OtherSite),
        w.person(Scope::Restricted),
    ]
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
    for (who, user) in users(&w) {
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
        for (i, record) in records(&w).into_iter().enumerate() {
            let id = record.id;
            let resp = w.app.get(user, &format!("/api/v1/participants/{id}")).await;
            assert_eq!(resp.status().as_u16(), reads[i], "{who} reading record {i}");
            if reads[i] == 404 {
                let body: Value = resp.json().await.unwrap();
                assert_eq!(body["title"], "Not found", "out of scope looks like absent");
            }
            assert_eq!(
                listed.contains(&id),
                reads[i] == 200,
                "{who} listing record {i}"
            );
            let body = &record.body;
            let version = format!("\"{}\"", version_of(&w.app, id));
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
    for (n, (who, user)) in users(&w).into_iter().enumerate() {
        let body = participant_body(&format!("KG-2027-{:05}", n + 1), w.site_a);
        let resp = w.app.post_json(user, "/api/v1/participants", &body).await;
        let expected = match who {
            "admin" | "coordinator" | "named coordinator" => 201,
            _ => 403,
        };
        assert_eq!(resp.status().as_u16(), expected, "{who}");
    }
}

/// The participant form's fields for a JSON body as the API takes it.
fn form_fields(body: &Value, version: i32) -> Vec<(String, String)> {
    let mut fields = vec![("version".to_string(), version.to_string())];
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
    for (n, (who, user)) in users(&w).into_iter().enumerate() {
        let (reads, updates) = expectations(who);
        let (client, _) = w.app.login(&user.email, PASSWORD).await;
        for (i, record) in records(&w).into_iter().enumerate() {
            let id = record.id;
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
            let fields = form_fields(&record.body, version_of(&w.app, id));
            let status = client
                .post_fields(&format!("/participants/{id}"), &fields)
                .await
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
        let may_create = matches!(who, "admin" | "coordinator" | "named coordinator");
        assert_eq!(
            status.as_u16(),
            if may_create { 200 } else { 403 },
            "{who} opening the new participant page"
        );
        let body = participant_body(&format!("KG-2028-{:05}", n + 1), w.site_a);
        let status = client
            .post_fields("/participants", &form_fields(&body, 0))
            .await
            .status();
        assert_eq!(
            status.as_u16(),
            if may_create { 303 } else { 403 },
            "{who} adding a participant by form"
        );
    }
}
