//! Hostile and broken input: forged forms, fixed sessions, oversized bodies, impossible dates,
//! odd and very long text, SQL-like search strings. Each is refused clearly (never a 5xx) and
//! changes nothing, or is stored and shown back intact.
//!
//! Login brute force is covered in `auth.rs`: `repeated_failures_lock_the_account_for_a_while_with_a_clear_message`
//! (lock-out), `many_failures_from_one_address_are_throttled_across_accounts` (per address) and
//! `parallel_wrong_passwords_cannot_slip_under_the_limit`; a forged login form in
//! `a_login_without_the_forms_csrf_token_is_refused`.

use diesel::prelude::*;
use onward::auth::Role;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// A site with a coordinator, a mentor, a probation officer and one participant with a plan.
struct Case {
    app: TestApp,
    admin: TestUser,
    coordinator: TestUser,
    mentor: TestUser,
    officer: TestUser,
    site: i64,
    participant: i64,
}

async fn case() -> Case {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, Some("KG-BSK"));
    let officer = app.user(Role::ProbationOfficer, None);
    let mut body = participant_body("KG-2026-00001", site);
    body["mentor_ids"] = json!([mentor.id]);
    body["probation_officer_id"] = json!(officer.id);
    let participant = app.participant(&coordinator, body).await["id"]
        .as_i64()
        .unwrap();
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/participants/{participant}/exit-plan"),
            &json!({"target_release_date": day(180), "release_type": "parole"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    Case {
        app,
        admin,
        coordinator,
        mentor,
        officer,
        site,
        participant,
    }
}

/// Form fields from pairs of text.
fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Assert a 422 whose errors name `field`; the problem, for more checks.
async fn refused_naming(resp: reqwest::Response, field: &str, what: &str) -> Value {
    let status = resp.status();
    let problem: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what}: {problem:.300}"
    );
    assert!(
        problem_fields(&problem).contains(&field.to_string()),
        "{what} names {field}: {problem:.300}"
    );
    problem
}

/// A JSON answer of the API as `who` reads it.
async fn read_json(app: &TestApp, who: &TestUser, path: &str) -> Value {
    app.get_json(who, path).await
}

fn count_participants(app: &TestApp) -> i64 {
    use onward::db::schema::participants;
    participants::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("onward_session="))
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .filter(|v| !v.is_empty())
}

/// A browser that sends exactly `cookie` and nothing it was given.
async fn with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("Cookie", format!("onward_session={cookie}"))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn state_changing_page_forms_without_or_with_a_wrong_csrf_token_change_nothing() {
    let c = case().await;
    let p = c.participant;
    let milestone = {
        let resp = c
            .app
            .post_json(
                &c.coordinator,
                &format!("/api/v1/participants/{p}/exit-plan/milestones"),
                &json!({"kind": "custom", "title": "Bus ticket", "offset_days": 0}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    };
    let handover = {
        let resp = c
            .app
            .post_json(
                &c.coordinator,
                &format!("/api/v1/participants/{p}/handover"),
                &json!({}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    };
    let version = read_json(&c.app, &c.coordinator, &format!("/api/v1/participants/{p}")).await
        ["version"]
        .clone();
    // Every state-changing form of a coordinator's and an admin's pages, with valid fields.
    let participant_fields = |version: &Value| -> Vec<(String, String)> {
        let b = participant_body("KG-2026-00001", c.site);
        let mut f: Vec<(String, String)> = b
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map(str::to_string).unwrap_or(v.to_string()),
                )
            })
            .collect();
        f.retain(|(k, _)| k != "family_name");
        f.push(("family_name".into(), "Forged".into()));
        f.push(("version".into(), version.to_string()));
        f
    };
    type Fields = Vec<(String, String)>;
    let forms: Vec<(&TestUser, String, Fields)> = vec![
        (
            &c.coordinator,
            format!("/participants/{p}"),
            participant_fields(&version),
        ),
        (&c.coordinator, "/participants".into(), {
            let mut f = participant_fields(&json!(0));
            f.retain(|(k, _)| k != "case_reference");
            f.push(("case_reference".into(), "KG-2026-00777".into()));
            f
        }),
        (
            &c.coordinator,
            format!("/participants/{p}/exit-plan/milestones"),
            fields(&[
                ("kind", "custom"),
                ("title", "Forged step"),
                ("offset_days", "-3"),
            ]),
        ),
        (
            &c.coordinator,
            format!("/participants/{p}/exit-plan/pathways/accommodation"),
            fields(&[("status", "done"), ("responsible", "Forger")]),
        ),
        (
            &c.coordinator,
            format!("/milestones/{milestone}"),
            fields(&[("status", "done"), ("note", "Forged")]),
        ),
        (
            &c.coordinator,
            format!("/participants/{p}/risk-reviews"),
            fields(&[
                ("instrument", "VERA-2R"),
                ("level", "low"),
                ("assessor", "X"),
                ("assessed_on", "2026-11-01"),
            ]),
        ),
        (
            &c.mentor,
            format!("/participants/{p}/notes"),
            fields(&[
                ("contact_date", "2026-11-20"),
                ("contact_type", "one_to_one"),
                ("narrative", "Forged"),
            ]),
        ),
        (
            &c.coordinator,
            "/programmes".into(),
            fields(&[
                ("name", "Forged programme"),
                ("kind", "group"),
                ("session_count", "4"),
            ]),
        ),
        (
            &c.admin,
            "/agencies".into(),
            fields(&[
                ("name", "Forged agency"),
                ("kind", "ngo"),
                ("mailbox", "f@agency.test"),
            ]),
        ),
        (
            &c.admin,
            "/reminder-rules".into(),
            fields(&[
                ("name", "Forged rule"),
                ("milestone_kinds", "custom"),
                ("days_before", "7"),
                ("recipients", "coordinator"),
            ]),
        ),
        (&c.admin, "/retention/run".into(), fields(&[])),
        (
            &c.coordinator,
            "/account/language".into(),
            fields(&[("language", "ru")]),
        ),
        (&c.coordinator, "/calendar-feeds".into(), fields(&[])),
        (
            &c.officer,
            format!("/handovers/{handover}/acknowledge"),
            fields(&[]),
        ),
        (
            &c.coordinator,
            format!("/handovers/{handover}/meeting"),
            fields(&[
                ("at", &format!("{}T10:00", day(60))),
                ("minutes", "60"),
                ("place", "Room 1"),
            ]),
        ),
        (
            &c.coordinator,
            format!("/participants/{p}/handover/send"),
            fields(&[]),
        ),
    ];
    let mut clients = std::collections::HashMap::new();
    for who in [&c.coordinator, &c.mentor, &c.admin, &c.officer] {
        let (client, _) = c.app.login(&who.email, PASSWORD).await;
        clients.insert(who.id, client);
    }
    let before = (audited_writes(&c.app), count_participants(&c.app));
    let mut refused_wrongly = Vec::new();
    for (who, path, fields) in &forms {
        for token in [None, Some("forged"), Some("")] {
            let mut fields = fields.clone();
            if let Some(t) = token {
                fields.push(("csrf_token".into(), t.into()));
            }
            let resp = clients[&who.id]
                .post(c.app.url(path))
                .form(&fields)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let html = resp.text().await.unwrap();
            if status != StatusCode::FORBIDDEN || !html.contains("<h1>") {
                refused_wrongly.push(format!("POST {path} with token {token:?}: {status}"));
            }
        }
    }
    assert!(
        refused_wrongly.is_empty(),
        "forged forms must meet a plain 403 page: {refused_wrongly:#?}"
    );
    assert_eq!(
        (audited_writes(&c.app), count_participants(&c.app)),
        before,
        "a forged form changed something"
    );
    let person = read_json(&c.app, &c.coordinator, &format!("/api/v1/participants/{p}")).await;
    assert_eq!(person["family_name"], "Sultanov");
    // The same edit with the session's token goes through (the test can fail).
    let resp = clients[&c.coordinator.id]
        .post_fields(&format!("/participants/{p}"), &participant_fields(&version))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let person = read_json(&c.app, &c.coordinator, &format!("/api/v1/participants/{p}")).await;
    assert_eq!(person["family_name"], "Forged");
}

#[actix_web::test]
async fn a_session_cookie_alone_does_not_open_the_api() {
    let c = case().await;
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    assert_eq!(
        client.get(c.app.url("/")).send().await.unwrap().status(),
        StatusCode::OK,
        "signed in"
    );
    let resp = client
        .get(c.app.url("/api/v1/participants"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let before = count_participants(&c.app);
    let resp = client
        .post(c.app.url("/api/v1/participants"))
        .json(&participant_body("KG-2026-00555", c.site))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    assert_eq!(count_participants(&c.app), before);
}

#[actix_web::test]
async fn a_session_id_chosen_before_login_is_not_the_session_and_old_ones_grant_nothing() {
    let c = case().await;
    let planted = "a".repeat(64);
    // A browser without a cookie jar: it sends exactly the cookies written here.
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .get(c.app.url("/login"))
        .header("Cookie", format!("onward_session={planted}"))
        .send()
        .await
        .unwrap();
    let pre_login: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    let csrf = hidden_value(&login.text().await.unwrap(), "csrf_token");
    let resp = client
        .post(c.app.url("/login"))
        .header(
            "Cookie",
            format!("onward_session={planted}; {}", pre_login.join("; ")),
        )
        .form(&[
            ("email", c.coordinator.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", csrf.as_str()),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let session = session_cookie(&resp).expect("a fresh session cookie at login");
    assert_ne!(session, planted, "the planted id is not adopted");
    assert!(
        pre_login.iter().all(|c| !c.contains(&session)),
        "nothing handed out before login becomes the session"
    );
    assert_eq!(
        with_cookie(&c.app, "/", &planted).await.status(),
        StatusCode::SEE_OTHER,
        "the planted id grants nothing"
    );
    assert_eq!(
        with_cookie(&c.app, "/", &session).await.status(),
        StatusCode::OK
    );
    // After logout the session's value is dead, for pages and (as always) for the API.
    let home = with_cookie(&c.app, "/", &session)
        .await
        .text()
        .await
        .unwrap();
    let csrf = hidden_value(&home, "csrf_token");
    let out = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(c.app.url("/logout"))
        .header("Cookie", format!("onward_session={session}"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    for path in ["/", "/participants", "/api/v1/participants"] {
        let status = with_cookie(&c.app, path, &session).await.status();
        assert!(
            status == StatusCode::SEE_OTHER || status == StatusCode::UNAUTHORIZED,
            "{path} after logout: {status}"
        );
    }
}

#[actix_web::test]
async fn oversized_bodies_answer_413_save_nothing_and_the_server_stays_up() {
    let c = case().await;
    let before = count_participants(&c.app);
    let mut body = participant_body("KG-2026-00900", c.site);
    body["family_name"] = json!("x".repeat(100_000));
    let resp = c
        .app
        .post_json(&c.coordinator, "/api/v1/participants", &body)
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["status"], 413);

    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let resp = client
        .post_form(
            "/participants",
            &[
                ("case_reference", "KG-2026-00901"),
                ("given_name", "Azamat"),
                ("family_name", &"y".repeat(100_000)),
                ("site_id", &c.site.to_string()),
                ("status", "in_custody"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.text().await.unwrap().contains("<h1>"));

    assert_eq!(count_participants(&c.app), before, "nothing saved");
    let live = Client::new()
        .get(c.app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK, "the server stays up");
    assert_eq!(
        c.app
            .get(&c.coordinator, "/api/v1/participants")
            .await
            .status(),
        StatusCode::OK
    );
}

const BAD_DATES: [&str; 6] = [
    "2026-02-30",
    "2026-13-01",
    "20261301",
    "tomorrow",
    "",
    "99999-01-01",
];

#[actix_web::test]
async fn malformed_dates_in_json_bodies_are_refused_naming_the_field() {
    let c = case().await;
    let p = c.participant;
    let agency = test_agency(&mut c.app.conn());
    for bad in BAD_DATES {
        // (path, body, field) — each a required or typed date.
        let mut person = participant_body("KG-2026-00950", c.site);
        person["date_of_birth"] = json!(bad);
        let cases = [
            ("/api/v1/participants".to_string(), person, "date_of_birth"),
            (
                format!("/api/v1/participants/{p}/exit-plan/milestones"),
                json!({"kind": "custom", "title": "Dated", "due_date": bad}),
                "due_date",
            ),
            (
                format!("/api/v1/participants/{p}/sharing-bases"),
                json!({"agency_id": agency, "legal_basis": "Court order", "valid_from": bad}),
                "valid_from",
            ),
            (
                format!("/api/v1/participants/{p}/progress-notes"),
                json!({"contact_date": bad, "contact_type": "one_to_one", "narrative": "n"}),
                "contact_date",
            ),
            (
                format!("/api/v1/participants/{p}/risk-reviews"),
                json!({"instrument": "VERA-2R", "level": "low", "assessor": "A", "assessed_on": bad}),
                "assessed_on",
            ),
            (
                format!("/api/v1/sites/{}/holidays", c.site),
                json!({"date": bad, "name": "Day"}),
                "date",
            ),
        ];
        for (path, body, field) in cases {
            let resp = c.app.post_json(sender(&c, &path), &path, &body).await;
            refused_naming(resp, field, &format!("{path} {field}={bad:?}")).await;
        }
        // An update names the field too.
        let plan: Value = read_json(
            &c.app,
            &c.coordinator,
            &format!("/api/v1/participants/{p}/exit-plan"),
        )
        .await;
        let version = format!("\"{}\"", plan["version"]);
        let resp = c
            .app
            .put_json(
                &c.coordinator,
                &format!("/api/v1/participants/{p}/exit-plan"),
                Some(&version),
                &json!({"target_release_date": bad, "release_type": "parole"}),
            )
            .await;
        refused_naming(resp, "target_release_date", &format!("plan update {bad:?}")).await;
    }
}

#[actix_web::test]
async fn malformed_dates_in_forms_and_query_strings_are_refused_naming_the_field() {
    let c = case().await;
    let auditor = c.app.user(Role::Auditor, None);
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let (audit_client, _) = c.app.login(&auditor.email, PASSWORD).await;
    for bad in BAD_DATES {
        let site = c.site.to_string();
        let resp = client
            .post_form(
                "/participants",
                &[
                    ("case_reference", "KG-2026-00960"),
                    ("given_name", "Azamat"),
                    ("family_name", "Sultanov"),
                    ("date_of_birth", bad),
                    ("site_id", site.as_str()),
                    ("status", "in_custody"),
                ],
            )
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "form {bad:?}"
        );
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("id=\"date_of_birth-error\""),
            "the form names the field for {bad:?}"
        );
        let resp = client
            .post_form(
                &format!("/participants/{}/exit-plan/milestones", c.participant),
                &[("kind", "custom"), ("title", "Dated"), ("due_date", bad)],
            )
            .await;
        let status = resp.status();
        let html = resp.text().await.unwrap();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "milestone form {bad:?}"
        );
        assert!(
            html.contains("due_date"),
            "milestone form names the field for {bad:?}"
        );
        if bad.is_empty() {
            continue; // an empty filter is no filter
        }
        // Query strings: the reports and the audit list, page and API.
        let q = onward::web::urlencode(bad);
        for (who, path, field) in [
            (&client, format!("/reports?from={q}&to={}", day(0)), "from"),
            (&client, format!("/reports?from={}&to={q}", day(-30)), "to"),
            (&audit_client, format!("/audit?from={q}"), "from"),
            (&audit_client, format!("/audit?until={q}"), "until"),
        ] {
            let resp = who.get(c.app.url(&path)).send().await.unwrap();
            let status = resp.status();
            let html = resp.text().await.unwrap();
            assert!(
                status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
                "{path}: {status}"
            );
            assert!(html.contains(field), "{path} names {field}");
        }
        for (param, field) in [("from", "from"), ("until", "until")] {
            let resp = c
                .app
                .get(&auditor, &format!("/api/v1/audit-events?{param}={q}"))
                .await;
            let status = resp.status();
            let problem: Value = resp.json().await.unwrap();
            assert!(
                status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
                "audit-events {param}={bad:?}: {status}"
            );
            assert!(
                problem_fields(&problem).contains(&field.to_string()),
                "audit-events {param}={bad:?}: {problem}"
            );
        }
    }
}

/// Text users type that must come back exactly as typed.
const ODD_TEXT: [&str; 5] = [
    "Ра́шид 🙂",
    "مرحبا بالعالم",
    "Zoe\u{0308} e\u{0301}",
    "שָׁלוֹם ‏עולם",
    "Ǆemal ＡＢＣ",
];

#[actix_web::test]
async fn unicode_text_is_stored_and_shown_back_intact() {
    let c = case().await;
    let p = c.participant;
    for (n, text) in ODD_TEXT.iter().enumerate() {
        let mut body = participant_body(&format!("KG-2026-{:05}", 100 + n), c.site);
        body["given_name"] = json!(text);
        body["family_name"] = json!(text);
        let created = c.app.participant(&c.coordinator, body).await;
        let id = created["id"].as_i64().unwrap();
        let read: Value = read_json(
            &c.app,
            &c.coordinator,
            &format!("/api/v1/participants/{id}"),
        )
        .await;
        assert_eq!(read["family_name"], *text);
        let resp = c
            .app
            .post_json(
                &c.coordinator,
                &format!("/api/v1/participants/{p}/exit-plan/milestones"),
                &json!({"kind": "custom", "title": text, "offset_days": -(n as i64), "note": text}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{text}");
        let m: Value = resp.json().await.unwrap();
        let read: Value = read_json(
            &c.app,
            &c.coordinator,
            &format!("/api/v1/milestones/{}", m["id"]),
        )
        .await;
        assert_eq!(read["title"], *text, "{read}");
        let resp = c
            .app
            .post_json(
                &c.mentor,
                &format!("/api/v1/participants/{p}/progress-notes"),
                &json!({"contact_date": "2026-11-20", "contact_type": "one_to_one", "narrative": text}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{text}");
        let resp = c
            .app
            .post_json(
                &c.admin,
                "/api/v1/agencies",
                &json!({"name": format!("{text} {n}"), "kind": "ngo", "mailbox": format!("t{n}@agency.test")}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{text}");
        let a: Value = resp.json().await.unwrap();
        assert_eq!(a["name"], format!("{text} {n}"));
    }
    let notes: Value = read_json(
        &c.app,
        &c.mentor,
        &format!("/api/v1/participants/{p}/progress-notes"),
    )
    .await;
    let narratives: Vec<&str> = notes
        .as_array()
        .or(notes["items"].as_array())
        .unwrap()
        .iter()
        .filter_map(|n| n["narrative"].as_str())
        .collect();
    for text in ODD_TEXT {
        assert!(narratives.contains(&text), "{text} in {narratives:?}");
    }
    // And on the page, escaped but intact.
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let html = page(&client, c.app.url("/participants?q=")).await;
    for text in ODD_TEXT {
        assert!(html.contains(text), "{text} on the list page");
    }
}

/// Every free-text field of participants, notes, milestones, agencies and sharing bases: the
/// path, a valid body, the field, who sends it.
fn text_fields(c: &Case, agency: i64) -> Vec<(String, Value, &'static str)> {
    let p = c.participant;
    let person = participant_body("KG-2026-00970", c.site);
    let milestone = json!({"kind": "custom", "title": "Step", "offset_days": -3, "note": "Note"});
    let note =
        json!({"contact_date": "2026-11-20", "contact_type": "one_to_one", "narrative": "Talk"});
    let agency_body = json!({"name": "Agency", "kind": "ngo", "mailbox": "x@agency.test"});
    let basis =
        json!({"agency_id": agency, "legal_basis": "Court order", "valid_from": "2026-01-01"});
    let review = json!({"instrument": "VERA-2R", "level": "low", "assessor": "A", "assessed_on": "2026-11-01", "notes": "N"});
    let plan = format!("/api/v1/participants/{p}");
    let mut out = Vec::new();
    for f in ["case_reference", "given_name", "family_name"] {
        out.push(("/api/v1/participants".to_string(), person.clone(), f));
    }
    for f in ["title", "note"] {
        out.push((format!("{plan}/exit-plan/milestones"), milestone.clone(), f));
    }
    out.push((format!("{plan}/progress-notes"), note, "narrative"));
    for f in ["name", "mailbox"] {
        out.push(("/api/v1/agencies".to_string(), agency_body.clone(), f));
    }
    out.push((format!("{plan}/sharing-bases"), basis, "legal_basis"));
    for f in ["instrument", "level", "assessor", "notes"] {
        out.push((format!("{plan}/risk-reviews"), review.clone(), f));
    }
    out
}

fn sender<'a>(c: &'a Case, path: &str) -> &'a TestUser {
    if path.ends_with("progress-notes") {
        &c.mentor
    } else if path.ends_with("agencies") || path.contains("/sites/") {
        &c.admin
    } else {
        &c.coordinator
    }
}

#[actix_web::test]
async fn a_nul_byte_in_any_text_field_is_refused_naming_the_field() {
    let c = case().await;
    let agency = test_agency(&mut c.app.conn());
    for (path, mut body, field) in text_fields(&c, agency) {
        body[field] = json!("before\u{0}after");
        let resp = c.app.post_json(sender(&c, &path), &path, &body).await;
        refused_naming(resp, field, &format!("{path} {field}")).await;
    }
    // The same through a form.
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let resp = client
        .post_form(
            &format!("/participants/{}/exit-plan/milestones", c.participant),
            &[
                ("kind", "custom"),
                ("title", "bad\u{0}title"),
                ("offset_days", "-3"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("title"));
}

#[actix_web::test]
async fn very_long_text_is_refused_naming_the_field_and_its_limit() {
    let c = case().await;
    let agency = test_agency(&mut c.app.conn());
    // 60,000 characters fit in a request body (64 KiB) but in no text field.
    let long = "Ж".repeat(30_000);
    for (path, mut body, field) in text_fields(&c, agency) {
        body[field] = json!(long);
        let resp = c.app.post_json(sender(&c, &path), &path, &body).await;
        let problem = refused_naming(resp, field, &format!("{path} {field}")).await;
        let error = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap();
        let message = error["message"].as_str().unwrap();
        // A mailbox is refused as no email address (those are at most 254 characters).
        assert!(
            field == "mailbox" || message.chars().any(|ch| ch.is_ascii_digit()),
            "{path} {field}: the limit is named: {message}"
        );
    }
}

#[actix_web::test]
async fn sql_like_search_strings_match_only_what_they_say_and_leave_the_tables_intact() {
    let c = case().await;
    let p = c.participant;
    let mut other = participant_body("KG-2026-00002", c.site);
    other["family_name"] = json!("O'Brien");
    c.app.participant(&c.coordinator, other).await;
    for title in [
        "Pay 50% of the fine",
        "Open bank_account",
        "Back\\slash",
        "Plain step",
    ] {
        let resp = c
            .app
            .post_json(
                &c.coordinator,
                &format!("/api/v1/participants/{p}/exit-plan/milestones"),
                &json!({"kind": "custom", "title": title, "offset_days": -5}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{title}");
    }
    for name in ["100% Housing", "Home_Base", "Plain agency"] {
        let resp = c
            .app
            .post_json(
                &c.admin,
                "/api/v1/agencies",
                &json!({"name": name, "kind": "housing", "mailbox": "h@agency.test"}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{name}");
    }
    let participants_before = count_participants(&c.app);
    let hostile = [
        "' OR '1'='1",
        "%",
        "_",
        "\\",
        "\"; DROP TABLE participants; --",
        "'; DELETE FROM milestones; --",
        "O'Brien",
    ];
    let titles = |v: &Value, key: &str| -> Vec<String> {
        v.as_array()
            .or(v["items"].as_array())
            .unwrap()
            .iter()
            .map(|i| i[key].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    for q in hostile {
        let e = onward::web::urlencode(q);
        // Participants (API and page).
        let resp = c
            .app
            .get(&c.coordinator, &format!("/api/v1/participants?q={e}"))
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "{q}");
        let found = titles(&resp.json().await.unwrap(), "family_name");
        let expected: Vec<String> = if q == "O'Brien" {
            vec!["O'Brien".into()]
        } else {
            vec![]
        };
        assert_eq!(found, expected, "participants matching {q:?}");
        let resp = client
            .get(c.app.url(&format!("/participants?q={e}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "page {q}");
        let html = resp.text().await.unwrap();
        assert!(
            !html.contains("KG-2026-00001"),
            "the page lists only matches of {q:?}"
        );
        assert_eq!(
            html.contains("KG-2026-00002"),
            q == "O'Brien",
            "{q:?} on the page"
        );
        // Milestones: only titles holding the text.
        let resp = c
            .app
            .get(
                &c.coordinator,
                &format!("/api/v1/milestones?q={e}&per_page=100"),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "milestones {q}");
        let found = titles(&resp.json().await.unwrap(), "title");
        for t in &found {
            assert!(
                t.to_lowercase().contains(&q.to_lowercase()),
                "milestones {q:?} found {t:?}"
            );
        }
        // Agencies, cohorts, handovers: no 5xx, only holders of the text.
        let resp = c
            .app
            .get(&c.admin, &format!("/api/v1/agencies?q={e}"))
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "agencies {q}");
        for t in titles(&resp.json().await.unwrap(), "name") {
            assert!(
                t.to_lowercase().contains(&q.to_lowercase()),
                "agencies {q:?} found {t:?}"
            );
        }
        for path in [
            format!("/api/v1/cohorts?q={e}"),
            format!("/api/v1/handovers?q={e}"),
            format!("/api/v1/audit-events?actor={e}"),
        ] {
            let who = if path.contains("audit") {
                &c.admin
            } else {
                &c.coordinator
            };
            let body: Value = c.app.get_json(who, &path).await;
            assert_eq!(
                body["items"].as_array().map(Vec::len),
                Some(0),
                "{path}: {body:.300}"
            );
        }
        for page_path in [
            format!("/milestones?q={e}"),
            format!("/cohorts?q={e}"),
            format!("/handovers?q={e}"),
            format!("/caseload?q={e}"),
        ] {
            let status = client
                .get(c.app.url(&page_path))
                .send()
                .await
                .unwrap()
                .status();
            assert!(!status.is_server_error(), "{page_path}: {status}");
        }
    }
    // Each special character finds exactly the one record that holds it.
    for (q, title) in [
        ("50%", "Pay 50% of the fine"),
        ("_", "Open bank_account"),
        ("\\", "Back\\slash"),
    ] {
        let e = onward::web::urlencode(q);
        let found = titles(
            &read_json(
                &c.app,
                &c.coordinator,
                &format!("/api/v1/milestones?q={e}&per_page=100"),
            )
            .await,
            "title",
        );
        assert_eq!(found, vec![title.to_string()], "milestones {q:?}");
    }
    for (q, name) in [("%", "100% Housing"), ("_", "Home_Base")] {
        let e = onward::web::urlencode(q);
        let found = titles(
            &read_json(&c.app, &c.admin, &format!("/api/v1/agencies?q={e}")).await,
            "name",
        );
        assert_eq!(found, vec![name.to_string()], "agencies {q:?}");
    }
    assert_eq!(
        count_participants(&c.app),
        participants_before,
        "tables intact"
    );
    let all: Value = read_json(&c.app, &c.coordinator, "/api/v1/milestones?per_page=100").await;
    assert!(titles(&all, "title").contains(&"Plain step".to_string()));
}

#[actix_web::test]
async fn a_raw_nul_byte_in_a_form_is_refused_like_an_encoded_one() {
    let app = spawn_app().await;
    let client = app.browser();
    let csrf = client.login_csrf().await;
    let mut body = format!("csrf_token={csrf}&password=whatever-it-is&email=someone").into_bytes();
    body.extend_from_slice(b"\0@onward.test");
    let resp = client
        .post(app.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("email"));
    assert!(
        !app.audit_actions().iter().any(|a| a.starts_with("login.")),
        "nothing was tried"
    );
}

#[actix_web::test]
async fn control_characters_in_one_line_fields_are_refused_naming_the_field() {
    let c = crate::delivery::cohort(2, 0, 10).await;
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/cohorts/{}/sessions", c.id),
            &json!({ "session": { "starts_at": "2026-05-04T10:30", "duration_minutes": 60, "room": "Hall\rB" } }),
        )
        .await;
    refused_naming(resp, "session.room", "a session's room").await;
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/sessions/{}/reschedule", c.sessions[0]),
            &json!({ "starts_at": "2026-05-04T11:30", "room": "Hall\u{1b}[2J", "reason": "Clash", "requested_by": "Governor", "version": 1 }),
        )
        .await;
    refused_naming(resp, "room", "a rescheduled session's room").await;
    let person = c
        .app
        .participant(&c.coordinator, participant_body("KG-2026-00900", c.site))
        .await;
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/participants/{}/exit-plan", person["id"]),
            &json!({"target_release_date": day(180), "release_type": "parole"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/participants/{}/exit-plan/milestones", person["id"]),
            &json!({"kind": "custom", "title": "Open a bank account\nnow", "offset_days": -3}),
        )
        .await;
    refused_naming(resp, "title", "a milestone's title").await;
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/participants/{}/risk-reviews", person["id"]),
            &json!({"instrument": "VERA-2R\nextra", "level": "lo\tw", "assessor": "Dr\rA",
                    "assessed_on": day(-3)}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = problem_fields(&resp.json().await.unwrap());
    fields.sort();
    assert_eq!(
        fields,
        ["assessor", "instrument", "level"],
        "a risk review's lines"
    );
    let admin = c.app.user(Role::Admin, None);
    let resp = c
        .app
        .post_json(
            &admin,
            "/api/v1/reminder-rules",
            &json!({"name": "Housing\r\nBcc: x@example.org", "milestone_kinds": ["accommodation_confirmed"],
                    "days_before": [7], "recipients": ["agency"]}),
        )
        .await;
    refused_naming(resp, "name", "a reminder rule's name").await;
}

#[actix_web::test]
async fn a_lone_carriage_return_never_reaches_a_calendar_file_unescaped() {
    let c = crate::delivery::cohort(2, 0, 10).await;
    let resp = c
        .app
        .post_json(
            &c.coordinator,
            &format!("/api/v1/sessions/{}/cancel", c.sessions[1]),
            &json!({ "reason": "Fire alarm\rBEGIN:VALARM", "requested_by": "Governor", "version": 1 }),
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
    let text = reqwest::get(c.app.url(path))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\r' {
            assert_eq!(bytes.get(i + 1), Some(&b'\n'), "a lone CR at {i}: {text:?}");
        }
    }
    assert!(text.contains("Fire alarm\\nBEGIN:VALARM"), "{text:?}");
    assert!(!text.contains("\nBEGIN:VALARM"), "{text:?}");
}

#[actix_web::test]
async fn export_answers_403_to_anyone_else_whether_or_not_the_participant_exists() {
    let c = case().await;
    for who in [&c.coordinator, &c.mentor, &c.officer] {
        for id in [c.participant, c.participant + 1000] {
            let resp = c
                .app
                .get(who, &format!("/api/v1/participants/{id}/export"))
                .await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "participant {id}");
        }
    }
    let resp = c
        .app
        .get(
            &c.admin,
            &format!("/api/v1/participants/{}/export", c.participant + 1000),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "admins are told");
}

#[actix_web::test]
async fn a_case_reference_used_at_another_site_is_refused_without_saying_it_exists() {
    let c = case().await;
    let lisbon = c.app.site("PT-LIS", "Europe/Lisbon");
    let there = c.app.user(Role::Coordinator, Some("PT-LIS"));
    let resp = c
        .app
        .post_json(
            &there,
            "/api/v1/participants",
            &participant_body("KG-2026-00001", lisbon),
        )
        .await;
    let problem = refused_naming(resp, "case_reference", "a case reference in use").await;
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "This case reference cannot be used. Check it; if it is right, ask an administrator."
    );
    assert!(!problem.to_string().contains("KG-BSK"), "{problem}");
    assert_eq!(count_participants(&c.app), 1, "uniqueness still holds");
}
