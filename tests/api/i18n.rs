//! Pages in the reader's language: a user who chose Russian reads Russian, everyone else English.

use onward::auth::Role;
use reqwest::{Client, StatusCode};

use crate::helpers::{
    hidden_value, page, participant_body, spawn_app, text_of, PageClient, TestApp, PASSWORD,
};

/// Log `email` in and, if `language` is given, choose it on the preferences page.
async fn signed_in(app: &TestApp, email: &str, language: Option<&str>) -> PageClient {
    let (client, _) = app.login(email, PASSWORD).await;
    if let Some(language) = language {
        let resp = client
            .post_form("/account/language", &[("language", language)])
            .await;
        assert!(resp.status().is_success() || resp.status().is_redirection());
    }
    client
}

/// The main pages' headings as `client` reads them.
async fn headings(app: &TestApp, client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for path in ["/", "/participants", "/milestones", "/handovers"] {
        let html = page(client, app.url(path)).await;
        out.push(text_of(&html, "h1").unwrap_or_else(|| panic!("{path}: {html}")));
    }
    out
}

#[actix_web::test]
async fn a_coordinator_who_chose_russian_reads_the_main_pages_in_russian() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    app.participant(&coordinator, participant_body("KG-2026-00042", site))
        .await;
    let client = signed_in(&app, &coordinator.email, Some("ru")).await;

    let seen = headings(&app, &client).await;
    assert_eq!(
        seen,
        [
            format!("Здравствуйте, coordinator {}", coordinator.id),
            "Участники".to_string(),
            "Этапы".to_string(),
            "Передачи дел".to_string(),
        ]
    );
    let list = page(&client, app.url("/participants")).await;
    assert!(list.contains("<html lang=\"ru\">"));
    assert_eq!(text_of(&list, "#result-count").unwrap(), "1 результат");
    assert!(list.contains("Главное меню"), "the menu too: {list}");
    assert!(!list.contains(">Participants<"), "{list}");
}

#[actix_web::test]
async fn english_users_still_read_english_beside_a_russian_colleague() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let russian = app.user(Role::Coordinator, Some("KG-BSK"));
    let english = app.user(Role::Coordinator, Some("KG-BSK"));
    app.participant(&english, participant_body("KG-2026-00042", site))
        .await;
    signed_in(&app, &russian.email, Some("ru")).await;
    let client = signed_in(&app, &english.email, None).await;

    let seen = headings(&app, &client).await;
    assert_eq!(
        seen,
        [
            format!("Hello, coordinator {}", english.id),
            "Participants".to_string(),
            "Milestones".to_string(),
            "Handovers".to_string(),
        ]
    );
    let list = page(&client, app.url("/participants")).await;
    assert!(list.contains("<html lang=\"en\">"));
    assert_eq!(text_of(&list, "#result-count").unwrap(), "1 result");
}

#[actix_web::test]
async fn mentors_and_probation_officers_who_chose_russian_are_greeted_in_russian() {
    let app = spawn_app().await;
    app.site("KG-BSK", "Asia/Bishkek");
    let mentor = app.user(Role::Mentor, Some("KG-BSK"));
    let client = signed_in(&app, &mentor.email, Some("ru")).await;
    let home = page(&client, app.url("/")).await;
    assert_eq!(text_of(&home, "h1").unwrap(), "Мои подопечные");
    assert!(
        home.contains(&format!("Здравствуйте, mentor {}", mentor.id)),
        "{home}"
    );
    let officer = app.user(Role::ProbationOfficer, Some("KG-BSK"));
    let client = signed_in(&app, &officer.email, Some("ru")).await;
    let home = page(&client, app.url("/")).await;
    assert!(
        home.contains(&format!("Здравствуйте, probation_officer {}", officer.id)),
        "{home}"
    );
    assert!(
        home.contains("Передачи дел, ожидающие вашего подтверждения"),
        "{home}"
    );
}

#[actix_web::test]
async fn a_russian_user_sees_what_to_correct_on_a_form_in_russian() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let client = signed_in(&app, &coordinator.email, Some("ru")).await;
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
        "Это поле обязательно."
    );
    assert_eq!(
        text_of(&html, "#date_of_birth-error").unwrap(),
        "Введите дату в формате ГГГГ-ММ-ДД, например 2026-03-31."
    );
    assert_eq!(hidden_value(&html, "given_name"), "Ulan");
    // The API keeps speaking English whatever the user chose.
    let api = app
        .post_json(
            &coordinator,
            "/api/v1/participants",
            &serde_json::json!({"case_reference": "bad"}),
        )
        .await;
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["title"], "Some fields need correcting", "{body}");
}

#[actix_web::test]
async fn before_sign_in_the_login_page_follows_the_browsers_language() {
    let app = spawn_app().await;
    let ru = reqwest::Client::new()
        .get(app.url("/login"))
        .header("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ru.contains("<html lang=\"ru\">"), "{ru}");
    let en = reqwest::Client::new()
        .get(app.url("/login"))
        .header("Accept-Language", "de-DE")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert_ne!(
        text_of(&ru, "h1"),
        text_of(&en, "h1"),
        "the heading is translated"
    );
}

#[actix_web::test]
async fn error_pages_are_in_the_readers_language() {
    let app = spawn_app().await;
    app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let client = signed_in(&app, &coordinator.email, Some("ru")).await;
    let resp = client
        .get(app.url("/participants/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let html = resp.text().await.unwrap();
    assert!(html.contains("<html lang=\"ru\">"), "{html}");
    let english = reqwest::Client::new()
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let russian = reqwest::Client::new()
        .get(app.url("/no-such-page"))
        .header("Accept-Language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(russian.contains("<html lang=\"ru\">"));
    assert_ne!(
        text_of(&english, "h1"),
        text_of(&russian, "h1"),
        "{russian}"
    );
}
