use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::*;

#[actix_web::test]
async fn liveness_and_readiness_answer_when_the_database_is_up() {
    let app = spawn_app().await;
    let live = Client::new()
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let ready = Client::new()
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

#[actix_web::test]
async fn readiness_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    match &app.sqlite_path {
        Some(path) => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        None => {
            // Drop the test database under the running app: its connections are terminated.
            use diesel::prelude::*;
            let base = postgres_base().unwrap();
            let name = url::Url::parse(&app.database_url)
                .unwrap()
                .path()
                .trim_start_matches('/')
                .to_string();
            let mut c = diesel::PgConnection::establish(&base).unwrap();
            diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
                .execute(&mut c)
                .unwrap();
        }
    }
    let started = std::time::Instant::now();
    let ready = Client::new()
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed().as_secs() < 10,
        "a dead database must fail fast"
    );
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], 503);
    let text = body.to_string().to_lowercase();
    assert!(
        !text.contains("sqlite") && !text.contains("postgres") && !text.contains("diesel"),
        "{text}"
    );
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept() {
    let app = spawn_app().await;
    let resp = Client::new()
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    let id = resp
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(id.len() >= 32, "{id}");
    let resp = Client::new()
        .get(app.url("/health/live"))
        .header("X-Request-Id", "trace-12345678")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-12345678");
    let resp = Client::new()
        .get(app.url("/health/live"))
        .header("X-Request-Id", "<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(resp.headers()["x-request-id"], "<script>");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    let admin = app.user(onward::auth::Role::Admin, None);
    app.get(&admin, "/api/v1/participants/12345").await;
    let text = Client::new()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("onward_http_requests_total"), "{text}");
    assert!(
        text.contains("endpoint=\"/api/v1/participants/{id}\""),
        "{text}"
    );
    assert!(text.contains("status=\"404\""), "{text}");
    assert!(
        text.contains("onward_http_requests_duration_seconds_bucket"),
        "{text}"
    );
}

#[actix_web::test]
async fn openapi_lists_every_api_route_and_swagger_ui_is_served() {
    let app = spawn_app().await;
    let spec: Value = app.openapi().await;
    let expected = [
        ("/api/v1/participants", "get"),
        ("/api/v1/participants", "post"),
        ("/api/v1/participants/{id}", "get"),
        ("/api/v1/participants/{id}", "put"),
        ("/api/v1/audit-events", "get"),
        ("/api/v1/programmes", "get"),
        ("/api/v1/programmes", "post"),
        ("/api/v1/cohorts", "get"),
        ("/api/v1/cohorts", "post"),
        ("/api/v1/cohorts/{id}", "get"),
        ("/api/v1/cohorts/{id}/sessions", "post"),
        ("/api/v1/sessions/{id}", "get"),
        ("/api/v1/sessions/{id}/reschedule", "post"),
        ("/api/v1/sessions/{id}/cancel", "post"),
        ("/api/v1/sessions/{id}/register", "get"),
        ("/api/v1/sessions/{id}/register", "put"),
        ("/api/v1/sites/{id}/holidays", "get"),
        ("/api/v1/sites/{id}/holidays", "post"),
        ("/api/v1/sites/{id}/holidays/import", "post"),
        ("/api/v1/enrolments", "get"),
        ("/api/v1/enrolments", "post"),
        ("/api/v1/enrolments/{id}", "get"),
        ("/api/v1/enrolments/{id}/transitions", "post"),
        ("/api/v1/alerts", "get"),
        ("/api/v1/alerts/{id}/acknowledge", "post"),
        ("/api/v1/calendar-feeds", "get"),
        ("/api/v1/calendar-feeds", "post"),
        ("/api/v1/calendar-feeds/{id}/revoke", "post"),
        ("/api/v1/cohorts/{id}/register.csv", "get"),
        ("/api/v1/programmes/{id}", "put"),
        ("/api/v1/cohorts/{id}", "put"),
        ("/api/v1/agencies", "get"),
        ("/api/v1/agencies", "post"),
        ("/api/v1/agencies/{id}", "get"),
        ("/api/v1/agencies/{id}", "put"),
        ("/api/v1/participants/{id}/sharing-bases", "get"),
        ("/api/v1/participants/{id}/sharing-bases", "post"),
        ("/api/v1/sharing-bases/{id}", "put"),
        ("/api/v1/participants/{id}/exit-plan", "get"),
        ("/api/v1/participants/{id}/exit-plan", "post"),
        ("/api/v1/participants/{id}/exit-plan", "put"),
        (
            "/api/v1/participants/{id}/exit-plan/pathways/{pathway}",
            "put",
        ),
        ("/api/v1/participants/{id}/exit-plan/milestones", "post"),
        ("/api/v1/milestones", "get"),
        ("/api/v1/milestones/{id}", "get"),
        ("/api/v1/milestones/{id}", "put"),
        ("/api/v1/plan-templates", "get"),
        ("/api/v1/plan-templates", "post"),
        ("/api/v1/reminder-rules", "get"),
        ("/api/v1/reminder-rules", "post"),
        ("/api/v1/reminder-rules/{id}", "put"),
        ("/api/v1/participants/{id}/notifications", "get"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/{id}/retry", "post"),
        ("/api/v1/jobs", "get"),
        ("/api/v1/participants/{id}/progress-notes", "get"),
        ("/api/v1/participants/{id}/progress-notes", "post"),
        ("/api/v1/participants/{id}/risk-reviews", "get"),
        ("/api/v1/participants/{id}/risk-reviews", "post"),
        ("/api/v1/participants/{id}/export", "get"),
        ("/api/v1/handovers", "get"),
        ("/api/v1/handovers/{id}", "get"),
        ("/api/v1/handovers/{id}/acknowledge", "post"),
        ("/api/v1/handovers/{id}/meeting", "post"),
        ("/api/v1/participants/{id}/handover", "post"),
    ];
    for (path, method) in expected {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} missing from the spec"
        );
    }
    let documented: usize = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "the spec documents routes this test does not know: {}",
        spec["paths"]
    );
    // Each documented route exists (answers 401 without a token, not 404).
    for (path, method) in expected {
        let url = app.url(&path.replace("{id}", "1"));
        let resp = Client::new()
            .request(method.to_uppercase().parse().unwrap(), url)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    let docs = Client::new()
        .get(app.url("/api/docs/"))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "Swagger UI page"
    );
}

#[actix_web::test]
async fn unknown_api_paths_answer_problem_json_and_unknown_pages_a_page() {
    let app = spawn_app().await;
    let resp = Client::new()
        .get(app.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let resp = Client::new().get(app.url("/nothing")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.text().await.unwrap().contains("<h1>Not found</h1>"));
}

#[actix_web::test]
async fn an_api_path_asked_with_a_method_it_does_not_take_answers_405_with_allow() {
    let app = spawn_app().await;
    let admin = app.user(onward::auth::Role::Admin, None);
    for method in ["DELETE", "PATCH", "TRACE"] {
        let res = Client::new()
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url("/api/v1/participants/1"),
            )
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(res.headers()["allow"], "GET, PUT", "{method}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{method}"
        );
    }
    // A path the API does not have at all is still 404.
    let res = Client::new()
        .delete(app.url("/api/v1/no-such-thing"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn every_operation_documents_the_problems_it_can_answer() {
    let app = spawn_app().await;
    let spec: Value = app.openapi().await;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            for status in ["401", "403", "404", "422", "500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not document {status}"
                );
            }
            if op.get("requestBody").is_some() {
                for status in ["413", "415"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
            }
            if method == "put" {
                assert!(responses.contains_key("428"), "{method} {path}: 428");
            }
        }
    }
    let problem =
        &spec["components"]["responses"]["Problem404"]["content"]["application/problem+json"];
    assert_eq!(
        problem["schema"]["$ref"],
        "#/components/schemas/ProblemBody"
    );
}

#[actix_web::test]
async fn instants_in_api_answers_are_rfc3339_in_utc() {
    let app = spawn_app().await;
    let admin = app.user(onward::auth::Role::Admin, None);
    let site = app.site("KG-BSK", "Asia/Bishkek");
    app.participant(&admin, participant_body("KG-2026-00001", site))
        .await;
    let body: Value = app
        .get_json(&admin, "/api/v1/audit-events?per_page=5")
        .await;
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        let at = item["occurred_at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(at).is_ok() && at.ends_with('Z'),
            "{at} is not an RFC 3339 instant in UTC"
        );
    }
}
