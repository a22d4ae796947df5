use onward::auth::Role;
use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::*;

#[actix_web::test]
async fn api_calls_without_a_valid_token_get_401_problem_json() {
    let app = spawn_app().await;
    for auth in [
        None,
        Some("Bearer onw_not-a-token"),
        Some("Basic YWRtaW46YWRtaW4="),
    ] {
        let mut req = Client::new().get(app.url("/api/v1/participants"));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], 401);
        assert_eq!(body["title"], "Not signed in");
    }
}

#[actix_web::test]
async fn pages_send_a_signed_out_browser_to_the_login_page_and_back() {
    let app = spawn_app().await;
    let user = app.user(Role::Admin, None);
    let client = app.browser();
    let resp = client
        .get(app.url("/participants?q=kg"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"],
        "/login?next=%2Fparticipants%3Fq%3Dkg"
    );
    let page = client.page("/login?next=%2Fparticipants%3Fq%3Dkg").await;
    assert_eq!(hidden_value(&page, "next"), "/participants?q=kg");
    let resp = client
        .post_form(
            "/login",
            &[
                ("email", user.email.as_str()),
                ("password", PASSWORD),
                ("next", "/participants?q=kg"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/participants?q=kg");
    let list = client
        .get(app.url("/participants?q=kg"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_session_cookie_is_http_only_and_same_site_strict() {
    let app = spawn_app().await;
    app.site("S1", "Asia/Bishkek");
    let user = app.user(Role::Coordinator, Some("S1"));
    let (_, resp) = app.login(&user.email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("onward_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
}

#[actix_web::test]
async fn cookies_are_secure_when_onward_is_published_over_https() {
    let app = spawn_app_with(&[("ONWARD_PUBLIC_URL", "https://onward.example.org/")]).await;
    let user = app.user(Role::Admin, None);
    let (_, resp) = app.login(&user.email, PASSWORD).await;
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("onward_session="))
        .expect("session cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[actix_web::test]
async fn a_wrong_password_is_refused_with_a_plain_message_and_audited() {
    let app = spawn_app().await;
    let user = app.user(Role::Admin, None);
    let (_, resp) = app.login(&user.email, "wrong-password-here").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let html = resp.text().await.unwrap();
    assert_eq!(
        text_of(&html, "#login-message").unwrap(),
        "The email address or password is not right. Check them and try again."
    );
    assert_eq!(
        hidden_value(&html, "email"),
        user.email,
        "what was typed is kept"
    );
    assert_eq!(
        hidden_value(&html, "password"),
        "",
        "the password is never sent back"
    );
    assert!(app.audit_actions().contains(&"login.failed".to_string()));
}

/// A cookie-keeping browser whose requests come from `ip` (any 127.x.y.z reaches the test
/// server).
fn browser_from(app: &TestApp, ip: &str) -> PageClient {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    PageClient::new(client, &app.address)
}

#[actix_web::test]
async fn after_wrong_passwords_the_next_attempt_from_that_computer_waits_a_little_longer() {
    let app = spawn_app().await;
    let user = app.user(Role::Admin, None);
    for _ in 0..3 {
        let (_, resp) = app.login(&user.email, "wrong-password-here").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits its turn.
    let (_, resp) = app.login(&user.email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "1");
    let message = text_of(&resp.text().await.unwrap(), "#login-message").unwrap();
    assert_eq!(
        message,
        "Too many failed attempts for this account from this computer. Wait 1 second and try again."
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, resp) = app.login(&user.email, PASSWORD).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "after the wait it works"
    );
    // Another account from the same address was never held up.
    let other = app.user(Role::Auditor, None);
    let (_, resp) = app.login(&other.email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn the_owner_gets_in_while_someone_elsewhere_guesses_and_admins_are_told_once() {
    use diesel::prelude::*;
    use onward::db::schema::notifications;
    let app = spawn_app().await;
    let admin = app.user(Role::Admin, None);
    let owner = app.user(Role::Auditor, None);
    let guesser = browser_from(&app, "127.0.0.2");
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            guesser
                .log_in(&owner.email, "wrong-password-here")
                .await
                .status(),
        );
    }
    assert_eq!(
        statuses[..3],
        [StatusCode::UNAUTHORIZED; 3],
        "the guesser is slowed down: {statuses:?}"
    );
    assert!(
        statuses[3..].contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let owners = browser_from(&app, "127.0.0.1");
    let resp = owners.log_in(&owner.email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "the owner gets in");
    // The guesser keeps going, waiting as told, up to five wrong passwords: a burst.
    let mut wrong = 3;
    while wrong < 5 {
        let resp = guesser.log_in(&owner.email, "wrong-password-here").await;
        match resp.status() {
            StatusCode::UNAUTHORIZED => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                let secs: u64 = resp.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(secs * 1000 + 100)).await;
            }
            other => panic!("{other}"),
        }
    }
    let told: Vec<(Option<i64>, String, String)> = notifications::table
        .filter(notifications::kind.eq("login_burst"))
        .select((
            notifications::recipient_user_id,
            notifications::subject,
            notifications::body_text,
        ))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(told.len(), 1, "one email to the one admin: {told:?}");
    assert_eq!(told[0].0, Some(admin.id));
    assert!(told[0].1.contains(&owner.email), "{}", told[0].1);
    assert!(told[0].2.contains("not locked"), "{}", told[0].2);
    assert!(app.audit_actions().contains(&"login.burst".to_string()));
}

#[actix_web::test]
async fn thousands_of_throttled_attempts_add_only_a_bounded_number_of_rows() {
    let app = spawn_app().await;
    let client = app.browser();
    // One form's token for every attempt, as a script would.
    let csrf = client.login_csrf().await;
    let attempt = |n: usize| {
        client
            .post(app.url("/login"))
            .form(&[
                ("email", format!("random{n}@nowhere.test")),
                ("password", "wrong-password-here".to_string()),
                ("csrf_token", csrf.clone()),
            ])
            .send()
    };
    for n in 0..20 {
        assert_eq!(attempt(n).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let rows_before = rows_about_logins(&app);
    for n in 20..3_020 {
        let status = attempt(n).await.unwrap().status();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "attempt {n}");
    }
    let added = rows_about_logins(&app) - rows_before;
    assert!(added <= 5, "{added} rows for 3,000 refused attempts");
}

/// Rows written about logins: the audit trail and the throttling counters.
fn rows_about_logins(app: &TestApp) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.conn();
    let mut count = |sql: &str| {
        diesel::sql_query(sql)
            .get_result::<Count>(&mut *conn)
            .map(|c| c.n)
            .unwrap_or(0)
    };
    count("SELECT COUNT(*) AS n FROM audit_events")
        + count("SELECT COUNT(*) AS n FROM login_throttles")
}

#[actix_web::test]
async fn many_failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app().await;
    for n in 0..20 {
        let (_, resp) = app
            .login(&format!("nobody{n}@onward.test"), "wrong-password-here")
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let user = app.user(Role::Admin, None);
    let (_, resp) = app.login(&user.email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let message = text_of(&resp.text().await.unwrap(), "#login-message").unwrap();
    assert!(
        message.starts_with("Too many failed attempts from this computer."),
        "{message}"
    );
}

#[actix_web::test]
async fn a_login_without_the_forms_csrf_token_is_refused() {
    let app = spawn_app().await;
    let user = app.user(Role::Admin, None);
    let client = browser();
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("email", user.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("onward_session=")));
}

#[actix_web::test]
async fn state_changing_forms_without_the_sessions_csrf_token_are_refused() {
    let app = spawn_app().await;
    let user = app.user(Role::Admin, None);
    let (client, _) = app.login(&user.email, PASSWORD).await;
    let resp = client
        .post(app.url("/logout"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Still signed in.
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
}

#[actix_web::test]
async fn logging_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let user = app.user(Role::Admin, None);
    let (client, _) = app.login(&user.email, PASSWORD).await;
    let resp = client.post_form("/logout", &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let again = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::SEE_OTHER,
        "the old session must not work"
    );
    assert!(app.audit_actions().contains(&"logout".to_string()));
}

#[actix_web::test]
async fn login_does_not_redirect_to_other_sites() {
    let app = spawn_app().await;
    let user = app.user(Role::Admin, None);
    let client = app.browser();
    let resp = client
        .post_form(
            "/login",
            &[
                ("email", user.email.as_str()),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(resp.headers()["location"], "/");
}

#[actix_web::test]
async fn each_role_sees_only_the_menu_entries_it_may_open() {
    let app = spawn_app().await;
    app.site("S1", "Asia/Bishkek");
    for (role, participants, audit) in [
        (Role::Admin, true, true),
        (Role::Coordinator, true, false),
        (Role::Mentor, true, false),
        (Role::ProbationOfficer, true, false),
        (Role::AgencyUser, false, false),
        (Role::Auditor, false, true),
    ] {
        let site = (role == Role::Coordinator).then_some("S1");
        let user = app.user(role, site);
        let (client, _) = app.login(&user.email, PASSWORD).await;
        let html = page(&client, app.url("/")).await;
        assert_eq!(
            html.contains("href=\"/participants\""),
            participants,
            "{role}"
        );
        assert_eq!(html.contains("href=\"/audit\""), audit, "{role}");
        let status = client
            .get(app.url("/participants"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status == StatusCode::OK, participants, "{role}: {status}");
        let status = client.get(app.url("/audit")).send().await.unwrap().status();
        assert_eq!(status == StatusCode::OK, audit, "{role}: {status}");
    }
}

#[actix_web::test]
async fn parallel_wrong_passwords_cannot_slip_under_the_limit() {
    let app = spawn_app().await;
    let user = app.user(Role::Admin, None);
    let attempts = (0..10).map(|_| {
        let (app, email) = (&app, user.email.clone());
        async move { app.login(&email, "wrong-password-here").await.1.status() }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // The free failures are checked; the rest wait, however many come at once.
    assert_eq!((checked, refused), (3, 7), "{statuses:?}");
}

#[actix_web::test]
async fn a_user_picks_their_language_and_pages_follow_it() {
    let app = spawn_app().await;
    app.site("KG-BSK", "Asia/Bishkek");
    let mentor = app.user(onward::auth::Role::Mentor, None);
    let (client, _) = app.login(&mentor.email, PASSWORD).await;
    let prefs = page(&client, app.url("/account/emails")).await;
    assert!(prefs.contains("<html lang=\"en\">"));
    let bad = client
        .post_form("/account/language", &[("language", "xx")])
        .await;
    assert_eq!(bad.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let resp = client
        .post_form("/account/language", &[("language", "ru")])
        .await;
    assert!(resp.status().is_success() || resp.status().is_redirection());
    let home = page(&client, app.url("/")).await;
    assert!(home.contains("<html lang=\"ru\">"), "{home}");
    assert!(app.audit_actions().contains(&"language.update".to_string()));
}

/// `n` wrong passwords for made-up accounts, as a client that a proxy forwards for `client_ip`
/// (the header is what a proxy would add; the peer is always 127.0.0.1 here).
async fn guesses_forwarded_for(
    app: &TestApp,
    client_ip: impl Fn(usize) -> String,
    n: usize,
) -> Vec<StatusCode> {
    let client = app.browser();
    let csrf = client.login_csrf().await;
    let mut statuses = Vec::new();
    for i in 0..n {
        let resp = client
            .post(app.url("/login"))
            .header("X-Forwarded-For", client_ip(i))
            .form(&[
                ("email", format!("guess{i}@nowhere.test")),
                ("password", "wrong-password-here".to_string()),
                ("csrf_token", csrf.clone()),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(resp.status());
    }
    statuses
}

#[actix_web::test]
async fn behind_a_trusted_proxy_a_guessers_address_is_refused_and_everyone_else_still_gets_in() {
    let app = spawn_app_with(&[("ONWARD_TRUSTED_PROXIES", "127.0.0.0/8, ::1")]).await;
    let owner = app.user(Role::Auditor, None);
    let statuses = guesses_forwarded_for(&app, |_| "203.0.113.7".into(), 25).await;
    assert_eq!(statuses[24], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
    // Another person behind the same proxy signs in, and the trail names where they came from.
    let client = app.browser();
    let csrf = client.login_csrf().await;
    let resp = client
        .post(app.url("/login"))
        .header("X-Forwarded-For", "192.0.2.1, 198.51.100.9")
        .form(&[
            ("email", owner.email.as_str()),
            ("password", PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "not refused for the guesser"
    );
    use diesel::prelude::*;
    use onward::db::schema::audit_events;
    let ip: Option<String> = audit_events::table
        .filter(audit_events::action.eq("login.succeeded"))
        .select(audit_events::ip)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(
        ip.as_deref(),
        Some("198.51.100.9"),
        "the right-most address the proxy added, not what the client wrote before it"
    );
}

#[actix_web::test]
async fn without_a_trusted_proxy_a_forwarded_for_header_changes_nothing() {
    let app = spawn_app().await;
    // A guesser writing a new address into every request is still one address.
    let statuses = guesses_forwarded_for(&app, |i| format!("203.0.113.{}", i % 250), 25).await;
    assert_eq!(statuses[24], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}
