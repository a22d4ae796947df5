//! A real headless Chromium (Debian's package, through chromedriver) walks the main workflow:
//! log in, search, open a participant, edit it with a stale version, see the conflict, save.
//! Run by `.ci/run` as `cargo test --test browser -- --ignored` (it needs chromium installed).
//! Screenshots land in `test-artifacts/` for review.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use helpers::*;
use hyper_util::client::legacy::connect::HttpConnector;
use onward::auth::Role;
use serde_json::json;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn chromium() -> (Driver, Client, std::path::PathBuf) {
    let driver_bin =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let port = free_port();
    let driver = Driver(
        Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (apt-get install chromium chromium-driver)"),
    );
    let profile = std::env::temp_dir().join(format!("onward-chromium-{}", uuid::Uuid::new_v4()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..50 {
        if let Ok(client) = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return (driver, client, profile);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not start on {url}");
}

async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Click something that loads a new page, and wait for the new page.
async fn click_and_load(c: &Client, target: Locator<'_>) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    c.find(target).await.unwrap().click().await.unwrap();
    wait_replaced(c, old).await;
}

/// Wait until the page whose root is `old` has been replaced (the old root goes stale) and the
/// new one has finished loading.
async fn wait_replaced(c: &Client, old: fantoccini::elements::Element) {
    for _ in 0..100 {
        if old.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..100 {
        let state = c
            .execute("return document.readyState", vec![])
            .await
            .unwrap();
        if state == "complete" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page did not finish loading");
}

/// Type an email and the test password into the login form.
async fn fill_login(c: &Client, email: &str) {
    fill_login_with(c, email, PASSWORD).await;
}

/// Type an email and a password into the login form.
async fn fill_login_with(c: &Client, email: &str, password: &str) {
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
}

/// The text of `css`, waiting a little for the page that a click or submit loads.
async fn text(c: &Client, css: &str) -> String {
    match c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(e) => e.text().await.unwrap(),
        Err(_) => {
            screenshot(c, "failure").await;
            panic!("{css} not on {}", c.current_url().await.unwrap());
        }
    }
}

#[actix_web::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn a_coordinator_finds_a_participant_meets_a_conflict_and_saves() {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    for n in 1..=3 {
        app.participant(&admin, participant_body(&format!("KG-2026-{n:05}"), site))
            .await;
    }
    let mut body = participant_body("KG-2026-00042", site);
    body["family_name"] = json!("Toktogulov");
    let id = app.participant(&admin, body.clone()).await["id"]
        .as_i64()
        .unwrap();

    let (_driver, c, profile) = chromium().await;
    c.goto(&app.url("/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    fill_login(&c, &coordinator.email).await;
    screenshot(&c, "01-login").await;
    click_and_load(&c, Locator::Css("form[action='/login'] button")).await;
    assert!(text(&c, "h1").await.starts_with("Hello,"));

    click_and_load(&c, Locator::LinkText("Participants")).await;
    assert_eq!(text(&c, "#result-count").await, "4 results");
    c.find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("toktog")
        .await
        .unwrap();
    click_and_load(&c, Locator::Css("form[role=search] button")).await;
    assert_eq!(text(&c, "#result-count").await, "1 result");
    screenshot(&c, "02-search").await;
    click_and_load(&c, Locator::LinkText("KG-2026-00042")).await;
    assert!(text(&c, "h1").await.contains("Toktogulov, Azamat"));

    click_and_load(&c, Locator::LinkText("Edit")).await;
    // Meanwhile, someone else changes the record.
    let mut theirs = body.clone();
    theirs["given_name"] = json!("Bakyt");
    let resp = app
        .put_json(
            &admin,
            &format!("/api/v1/participants/{id}"),
            Some("\"1\""),
            &theirs,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let family = c.find(Locator::Id("family_name")).await.unwrap();
    family.clear().await.unwrap();
    family.send_keys("Toktogulova").await.unwrap();
    click_and_load(&c, Locator::Css("form[novalidate] button[type=submit]")).await;
    let errors = text(&c, "#form-errors").await;
    assert!(
        errors.contains("Someone else saved this participant"),
        "{errors}"
    );
    assert!(text(&c, "#conflict").await.contains("Bakyt"));
    let kept = c
        .find(Locator::Id("family_name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("Toktogulova"),
        "what was typed is kept"
    );
    screenshot(&c, "03-conflict").await;

    click_and_load(&c, Locator::Css("form[novalidate] button[type=submit]")).await;
    let heading = text(&c, "h1").await;
    assert!(heading.contains("Toktogulova, Azamat"), "{heading}");
    screenshot(&c, "04-saved").await;
    let stored: serde_json::Value = app
        .get(&admin, &format!("/api/v1/participants/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["family_name"], "Toktogulova");
    assert_eq!(stored["version"], 3);
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);
}

/// Send one key (or text) to whatever has the focus, as a keyboard user would.
async fn press(c: &Client, keys: &str) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

fn key(k: fantoccini::key::Key) -> String {
    char::from(k).to_string()
}

#[actix_web::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn a_coordinator_sets_up_a_cohort_enrols_three_and_takes_a_register_by_keyboard() {
    use fantoccini::key::Key;
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    app.post_json(&coordinator, "/api/v1/programmes", &json!({ "name": "Pathways", "kind": "group", "session_count": 12, "min_attendance_percent": 75 }))
        .await;
    for (n, family) in ["Asanov", "Bekov", "Sultanov"].iter().enumerate() {
        let mut body = participant_body(&format!("KG-2026-{:05}", n + 1), site);
        body["family_name"] = json!(family);
        app.participant(&coordinator, body).await;
    }

    let (_driver, c, profile) = chromium().await;
    c.goto(&app.url("/login")).await.unwrap();
    fill_login(&c, &coordinator.email).await;
    click_and_load(&c, Locator::Css("form[action='/login'] button")).await;

    // A 12-session weekly cohort in one form.
    c.goto(&app.url("/cohorts/new")).await.unwrap();
    c.find(Locator::Id("programme_id"))
        .await
        .unwrap()
        .select_by_label("Pathways")
        .await
        .unwrap();
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Spring group")
        .await
        .unwrap();
    for (id, value) in [
        ("start_date", "2026-03-02"),
        ("schedule_first_date", "2026-03-02"),
    ] {
        c.execute(
            &format!("document.getElementById('{id}').value = '{value}'"),
            vec![],
        )
        .await
        .unwrap();
    }
    c.find(Locator::Id("schedule_room"))
        .await
        .unwrap()
        .send_keys("Hall")
        .await
        .unwrap();
    screenshot(&c, "11-cohort-form").await;
    click_and_load(
        &c,
        Locator::Css("form[action='/cohorts'] button[type=submit]"),
    )
    .await;
    assert_eq!(text(&c, "h1").await, "Spring group");
    let sessions = c
        .find_all(Locator::Css("#sessions tbody tr"))
        .await
        .unwrap();
    assert_eq!(sessions.len(), 12);
    assert!(text(&c, "#sessions tbody tr td")
        .await
        .starts_with("2026-03-02 10:00"));

    // Enrol three: refer, assess as suitable, enrol, start.
    for _ in 0..3 {
        c.find(Locator::Id("refer-reason"))
            .await
            .unwrap()
            .send_keys("Sentence plan")
            .await
            .unwrap();
        click_and_load(&c, Locator::Css("form[action$='/enrolments'] button")).await;
    }
    for step in ["assessed", "enrolled", "active"] {
        for n in 0..3 {
            let forms = c
                .find_all(Locator::Css("#enrolments tbody tr form"))
                .await
                .unwrap();
            let form = &forms[n];
            form.find(Locator::Css("select[name=to]"))
                .await
                .unwrap()
                .select_by_value(step)
                .await
                .unwrap();
            if step == "assessed" {
                form.find(Locator::Css("select[name=assessment_outcome]"))
                    .await
                    .unwrap()
                    .select_by_value("suitable")
                    .await
                    .unwrap();
            }
            form.find(Locator::Css("input[name=reason]"))
                .await
                .unwrap()
                .send_keys("Agreed at review")
                .await
                .unwrap();
            let old = c.find(Locator::Css("html")).await.unwrap();
            form.find(Locator::Css("button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_replaced(&c, old).await;
        }
    }
    let statuses = c
        .find_all(Locator::Css("#enrolments tbody tr td:nth-child(2)"))
        .await
        .unwrap();
    for s in statuses {
        assert_eq!(s.text().await.unwrap(), "Active");
    }
    screenshot(&c, "12-cohort").await;

    // The first register, with the keyboard only: present, late 5 minutes, unexcused.
    click_and_load(&c, Locator::Css("#sessions tbody tr a[href$='/register']")).await;
    c.execute(
        "document.querySelector('#register-form input[type=radio]:checked').focus()",
        vec![],
    )
    .await
    .unwrap();
    press(&c, &key(Key::Tab)).await; // first person's late minutes
    press(&c, &key(Key::Tab)).await; // first person's reason
    press(&c, &key(Key::Tab)).await; // second person's marks
    press(&c, &key(Key::Right)).await; // late
    press(&c, &key(Key::Tab)).await;
    press(&c, "5").await;
    press(&c, &key(Key::Tab)).await;
    press(&c, &key(Key::Tab)).await; // third person's marks
    for _ in 0..3 {
        press(&c, &key(Key::Right)).await; // late, excused, unexcused
    }
    screenshot(&c, "13-register").await;
    press(&c, &key(Key::Tab)).await;
    press(&c, &key(Key::Tab)).await;
    press(&c, &key(Key::Tab)).await; // the save button
    let old = c.find(Locator::Css("html")).await.unwrap();
    press(&c, &key(Key::Enter)).await;
    wait_replaced(&c, old).await;
    assert!(text(&c, "#register-taken").await.contains("taken"));
    click_and_load(&c, Locator::LinkText("Back to the cohort")).await;
    assert_eq!(text(&c, "#cohort-rate").await, "67%");
    let rates = c
        .find_all(Locator::Css("#enrolments tbody tr td:nth-child(3)"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    for r in rates {
        seen.push(r.text().await.unwrap());
    }
    assert_eq!(seen, ["100%", "100%", "0%"]);
    screenshot(&c, "14-rates").await;
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);
}

#[actix_web::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn a_coordinator_builds_an_exit_plan_from_a_template_and_sees_the_planned_reminders() {
    let app = spawn_app().await;
    let site = app.site("PT-LIS", "Europe/Lisbon");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("PT-LIS"));
    {
        let mut conn = app.conn();
        onward::reminders::ensure_defaults(&mut conn).unwrap();
        onward::exit_plans::ensure_default_template(&mut conn).unwrap();
    }
    let agency: serde_json::Value = app
        .post_json(
            &admin,
            "/api/v1/agencies",
            &json!({"name": "Lisbon Housing", "kind": "housing", "mailbox": "housing@agency.test",
                    "vetting_status": "vetted"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = app
        .participant(&coordinator, participant_body("PT-2027-00001", site))
        .await["id"]
        .as_i64()
        .unwrap();
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/participants/{id}/sharing-bases"),
            &json!({"agency_id": agency["id"], "legal_basis": "Consent", "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(resp.status(), 201);

    let (_driver, c, profile) = chromium().await;
    c.goto(&app.url("/login")).await.unwrap();
    fill_login(&c, &coordinator.email).await;
    click_and_load(&c, Locator::Css("form[action='/login'] button")).await;
    c.goto(&app.url(&format!("/participants/{id}")))
        .await
        .unwrap();
    click_and_load(&c, Locator::LinkText("Exit plan")).await;
    assert!(text(&c, "main").await.contains("There is no exit plan yet"));
    // The date field's typing order depends on the browser's locale: set it as a user's
    // date picker would.
    c.execute(
        "document.getElementById('p-date').value = arguments[0]",
        vec![json!(day(180))],
    )
    .await
    .unwrap();
    c.find(Locator::Css("#p-type option[value=parole]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::XPath(
        "//select[@id='p-template']/option[normalize-space()='Standard pre-release plan']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    screenshot(&c, "10-plan-form").await;
    click_and_load(&c, Locator::Css("#create-plan + form button[type=submit]")).await;
    let timeline = text(&c, "ol.timeline").await;
    assert!(
        timeline.contains("Risk review before release"),
        "{timeline}"
    );
    assert!(
        timeline.contains("Accommodation confirmed · Lisbon Housing"),
        "the housing milestone went to the agency with a basis: {timeline}"
    );
    assert!(timeline.contains("Release date"), "{timeline}");
    assert!(
        timeline.contains("28 days before → responsible agency, probation officer · planned"),
        "{timeline}"
    );
    screenshot(&c, "11-plan-timeline").await;
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);
}

/// Log in through the login page as `email` and wait for the home page.
async fn log_in(c: &Client, app: &TestApp, email: &str) {
    log_in_as(c, app, email, PASSWORD).await;
}

/// Press the header's "Log out" button and wait for the login page.
async fn log_out(c: &Client) {
    click_and_load(c, Locator::Css("form[action='/logout'] button")).await;
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
}

#[actix_web::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn a_mentor_records_a_note_the_probation_officer_acknowledges_the_handover_and_the_coordinator_sees_it(
) {
    let app = spawn_app().await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, None);
    let officer = app.user(Role::ProbationOfficer, None);
    let mut body = participant_body("KG-2027-00077", site);
    body["mentor_ids"] = json!([mentor.id]);
    body["probation_officer_id"] = json!(officer.id);
    let id = app.participant(&coordinator, body).await["id"]
        .as_i64()
        .unwrap();
    // Released in about 60 days: the handover (84 days before release) is already due.
    let today = chrono::Utc::now().date_naive();
    let release = today + chrono::Duration::days(60);
    let resp = app
        .post_json(
            &coordinator,
            &format!("/api/v1/participants/{id}/exit-plan"),
            &json!({"target_release_date": release.to_string(), "release_type": "parole"}),
        )
        .await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());

    let (_driver, c, profile) = chromium().await;

    // The mentor records a note that probation must be told about.
    let narrative = "Found a welding apprenticeship in Tokmok; starts after release";
    log_in(&c, &app, &mentor.email).await;
    c.goto(&app.url(&format!("/participants/{id}/notes")))
        .await
        .unwrap();
    assert!(text(&c, "h1").await.contains("KG-2027-00077"));
    // Notes may not be dated in the future, and the server checks that against the UTC date.
    c.execute(
        "document.getElementById('note-contact_date').value = arguments[0]",
        vec![json!(today.to_string())],
    )
    .await
    .unwrap();
    c.find(Locator::Id("note-contact_type"))
        .await
        .unwrap()
        .select_by_value("one_to_one")
        .await
        .unwrap();
    for rating in ["note-engagement-4", "note-readiness-3"] {
        c.find(Locator::Id(rating))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    c.find(Locator::Id("note-narrative"))
        .await
        .unwrap()
        .send_keys(narrative)
        .await
        .unwrap();
    let tell = c.find(Locator::Id("note-tell_probation")).await.unwrap();
    tell.click().await.unwrap();
    assert!(tell.is_selected().await.unwrap());
    click_and_load(&c, Locator::Css("#note-form button[type=submit]")).await;
    let notes = text(&c, "#notes-section").await;
    assert!(notes.contains(narrative), "{notes}");
    assert!(notes.contains("4 / 5"), "{notes}");
    screenshot(&c, "20-note-recorded").await;
    log_out(&c).await;

    // The coordinator sends the handover from the exit plan.
    log_in(&c, &app, &coordinator.email).await;
    c.goto(&app.url(&format!("/participants/{id}/exit-plan")))
        .await
        .unwrap();
    click_and_load(
        &c,
        Locator::XPath(
            "//section[@id='handover-section']//button[normalize-space()='Send the handover now']",
        ),
    )
    .await;
    assert!(c
        .current_url()
        .await
        .unwrap()
        .path()
        .starts_with("/handovers/"));
    assert_eq!(
        text(&c, "#handover-status").await,
        "Sent, awaiting acknowledgement"
    );
    log_out(&c).await;

    // The probation officer finds it on their home page, reads the pack and acknowledges.
    log_in(&c, &app, &officer.email).await;
    let awaiting = text(&c, "#awaiting").await;
    assert!(
        awaiting.contains("Handovers awaiting your acknowledgement"),
        "{awaiting}"
    );
    assert!(awaiting.contains("KG-2027-00077"), "{awaiting}");
    assert!(
        awaiting.contains("Sent, awaiting acknowledgement"),
        "{awaiting}"
    );
    let releases = text(&c, "#releases").await;
    assert!(
        releases.contains("KG-2027-00077"),
        "released within 12 weeks: {releases}"
    );
    screenshot(&c, "21-officer-home").await;
    click_and_load(&c, Locator::Css("#awaiting a[href^='/handovers/']")).await;
    assert!(text(&c, "h1").await.contains("KG-2027-00077"));
    let shared = text(&c, "section[aria-labelledby=s-progress]").await;
    assert!(shared.contains(narrative), "{shared}");
    c.execute(
        "document.querySelector('section[aria-labelledby=s-progress] .narrative').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "22-handover-pack").await;
    click_and_load(
        &c,
        Locator::XPath("//form[contains(@action,'/acknowledge')]//button[normalize-space()='Acknowledge the handover']"),
    )
    .await;
    assert_eq!(text(&c, "#handover-status").await, "Acknowledged");
    screenshot(&c, "23-handover-acknowledged").await;
    log_out(&c).await;

    // The coordinator sees it acknowledged, in the list and on the exit plan.
    log_in(&c, &app, &coordinator.email).await;
    click_and_load(&c, Locator::LinkText("Handovers")).await;
    let row = text(&c, "main table tbody tr").await;
    assert!(row.contains("KG-2027-00077"), "{row}");
    assert!(row.contains("Acknowledged"), "{row}");
    c.goto(&app.url(&format!("/participants/{id}/exit-plan")))
        .await
        .unwrap();
    assert_eq!(text(&c, "#plan-handover-status").await, "Acknowledged");
    screenshot(&c, "24-coordinator-sees-acknowledged").await;
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);
}

/// axe-core as `npm ci --prefix tests/a11y` installs it (`.ci/run` does).
fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/a11y/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `npm ci --prefix tests/a11y`",
            path.display()
        )
    })
}

/// Serious and critical axe violations on the current page, one line each.
async fn axe_violations(c: &Client, axe: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.expect("inject axe-core");
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' +
                        v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                 .catch(e => done(['axe failed: ' + e]));"#,
            vec![],
        )
        .await
        .expect("run axe-core");
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Log in with a demo login's own password.
async fn log_in_as(c: &Client, app: &TestApp, email: &str, password: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    fill_login_with(c, email, password).await;
    click_and_load(c, Locator::Css("form[action='/login'] button")).await;
    assert!(
        !c.current_url().await.unwrap().path().starts_with("/login"),
        "{email} is logged in"
    );
}

#[actix_web::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn every_main_page_passes_axe_and_each_home_is_captured_at_desktop_and_phone_width() {
    use diesel::prelude::*;
    use onward::db::schema::{cohorts, handovers, milestones, participants};
    let app = spawn_app().await;
    let keys = app.config.data_keys.clone();
    let logins = onward::demo::load(&mut app.conn(), keys.as_ref())
        .unwrap()
        .expect("demo logins");
    // The handovers falling due in the demo are opened and sent.
    let ctx = onward::jobs::JobContext::from_config(app.pool.clone(), &app.config).unwrap();
    let now = chrono::Utc::now();
    onward::jobs::run(&ctx, onward::jobs::JobName::Handovers, "axe", now).unwrap();
    let mut conn = app.conn();
    let handover: i64 = handovers::table
        .inner_join(participants::table)
        .filter(participants::restricted.eq(false))
        .select(handovers::id)
        .first(&mut conn)
        .unwrap();
    let (participant, _): (i64, i64) = handovers::table
        .find(handover)
        .select((handovers::participant_id, handovers::id))
        .first(&mut conn)
        .unwrap();
    let cohort: i64 = cohorts::table.select(cohorts::id).first(&mut conn).unwrap();
    let milestone: i64 = milestones::table
        .filter(milestones::participant_id.eq(participant))
        .select(milestones::id)
        .first(&mut conn)
        .unwrap();
    drop(conn);
    let pages_of = |role: Role| -> Vec<String> {
        let p = participant;
        match role {
            Role::Admin => vec![
                "/".into(),
                "/participants".into(),
                "/agencies".into(),
                "/reminder-rules".into(),
                "/jobs".into(),
                "/outbox".into(),
                "/audit".into(),
                "/holidays".into(),
                "/retention".into(),
                "/reports".into(),
                "/account/emails".into(),
            ],
            Role::Coordinator => vec![
                "/".into(),
                "/participants".into(),
                format!("/participants/{p}"),
                format!("/participants/{p}/exit-plan"),
                format!("/participants/{p}/notes"),
                format!("/participants/{p}/risk-reviews"),
                "/participants/new".into(),
                "/cohorts".into(),
                format!("/cohorts/{cohort}"),
                "/milestones".into(),
                format!("/milestones/{milestone}"),
                "/handovers".into(),
                format!("/handovers/{handover}"),
                "/reports".into(),
            ],
            Role::Mentor => vec!["/".into(), "/participants".into()],
            Role::ProbationOfficer => vec![
                "/".into(),
                "/handovers".into(),
                format!("/handovers/{handover}"),
                format!("/participants/{p}"),
            ],
            Role::AgencyUser => vec!["/".into(), "/milestones".into()],
            Role::Auditor => vec![
                "/".into(),
                "/audit".into(),
                "/retention".into(),
                "/reports".into(),
            ],
        }
    };
    let axe = axe_source();
    let (_driver, c, profile) = chromium().await;
    let mut problems = Vec::new();
    c.goto(&app.url("/login")).await.unwrap();
    for v in axe_violations(&c, &axe).await {
        problems.push(format!("/login: {v}"));
    }
    for login in &logins {
        // Only the Bishkek staff of each role (the Lisbon ones see the same pages).
        if login.email.contains("lisbon") {
            continue;
        }
        log_in_as(&c, &app, &login.email, &login.password).await;
        for path in pages_of(login.role) {
            c.goto(&app.url(&path)).await.unwrap();
            for v in axe_violations(&c, &axe).await {
                problems.push(format!("{} {path}: {v}", login.role.as_str()));
            }
        }
        if login.role == Role::Admin {
            // A long operation says it is working and cannot be sent twice.
            c.goto(&app.url("/retention")).await.unwrap();
            let shown = c
                .execute(
                    r#"const f = document.querySelector('form[data-long]');
                       f.addEventListener('submit', e => e.preventDefault());
                       f.requestSubmit();
                       const p = f.querySelector('.progress');
                       return [p.hidden, p.textContent, f.querySelector('button').disabled];"#,
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(shown[0], false, "{shown}");
            assert!(shown[1].as_str().unwrap().starts_with("Working on it"));
            assert_eq!(shown[2], true);
        }
        c.goto(&app.url("/")).await.unwrap();
        let role = login.role.as_str();
        c.set_window_size(1280, 900).await.unwrap();
        screenshot(&c, &format!("30-home-{role}-desktop")).await;
        c.set_window_size(320, 800).await.unwrap();
        screenshot(&c, &format!("31-home-{role}-phone")).await;
        // Usable at 320 px: nothing wider than the screen.
        let overflow = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1",
                vec![],
            )
            .await
            .unwrap();
        if overflow == serde_json::Value::Bool(true) {
            problems.push(format!("{role} /: wider than a 320 px screen"));
        }
        // At phone width too (tables scroll sideways there).
        for path in ["/", "/reports"] {
            if path == "/reports" && !pages_of(login.role).iter().any(|p| p == "/reports") {
                continue;
            }
            c.goto(&app.url(path)).await.unwrap();
            for v in axe_violations(&c, &axe).await {
                problems.push(format!("{role} {path} at 320 px: {v}"));
            }
        }
        c.set_window_size(1280, 900).await.unwrap();
        click_and_load(&c, Locator::Css("form[action='/logout'] button")).await;
    }
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
}

#[actix_web::test]
#[ignore = "needs Chromium and chromedriver; run by .ci/run"]
async fn an_agency_user_an_auditor_and_an_admin_each_do_their_main_work() {
    use diesel::prelude::*;
    use onward::db::schema::notifications;
    let app = spawn_app().await;
    let keys = app.config.data_keys.clone();
    let logins = onward::demo::load(&mut app.conn(), keys.as_ref())
        .unwrap()
        .expect("demo logins");
    let login = |email: &str| {
        logins
            .iter()
            .find(|l| l.email == email)
            .map(|l| l.password.clone())
            .unwrap()
    };
    let (_driver, c, profile) = chromium().await;

    // The housing agency moves one of its milestones on, with a note.
    log_in_as(
        &c,
        &app,
        "housing@onward.test",
        &login("housing@onward.test"),
    )
    .await;
    c.goto(&app.url("/milestones")).await.unwrap();
    click_and_load(&c, Locator::Css("table a[href^='/milestones/']")).await;
    c.find(Locator::Id("status"))
        .await
        .unwrap()
        .select_by_value("in_progress")
        .await
        .unwrap();
    c.find(Locator::Id("note"))
        .await
        .unwrap()
        .send_keys("Flat viewed; tenancy papers with the landlord")
        .await
        .unwrap();
    click_and_load(
        &c,
        Locator::Css("form[action^='/milestones/'] button[type=submit]"),
    )
    .await;
    let facts = text(&c, "dl.facts").await;
    // Bishkek staff read Onward in Russian.
    assert!(facts.contains("В работе"), "{facts}");
    assert!(facts.contains("Flat viewed; tenancy papers with the landlord"));
    screenshot(&c, "40-agency-milestone-updated").await;
    assert!(
        c.find(Locator::Css("a[href$='/exit-plan']")).await.is_err(),
        "no link to the plan, which agency users may not open"
    );
    click_and_load(&c, Locator::Css("form[action='/logout'] button")).await;

    // The auditor takes a subject access export from their home page by case reference.
    log_in_as(
        &c,
        &app,
        "auditor@onward.test",
        &login("auditor@onward.test"),
    )
    .await;
    c.find(Locator::Css("input[name=reference]"))
        .await
        .unwrap()
        .send_keys("KG-2026-00002")
        .await
        .unwrap();
    click_and_load(
        &c,
        Locator::Css("form[action='/subject-access'] button[type=submit]"),
    )
    .await;
    let heading = text(&c, "h1").await;
    assert!(heading.contains("KG-2026-00002"), "{heading}");
    assert!(text(&c, "#s-audit_events")
        .await
        .contains("participant.export"));
    screenshot(&c, "41-auditor-export").await;
    click_and_load(&c, Locator::Css("form[action='/logout'] button")).await;

    // The admin finds a failed email on the outbox and puts it back in the queue.
    let ctx = onward::jobs::JobContext::from_config(app.pool.clone(), &app.config).unwrap();
    let now = chrono::Utc::now();
    onward::jobs::run(&ctx, onward::jobs::JobName::ReminderSweep, "browser", now).unwrap();
    let failed: i64 = {
        let mut conn = app.conn();
        let id: i64 = notifications::table
            .select(notifications::id)
            .first(&mut conn)
            .unwrap();
        diesel::update(notifications::table.find(id))
            .set((
                notifications::status.eq("failed"),
                notifications::last_error.eq(Some("550 mailbox unavailable")),
            ))
            .execute(&mut conn)
            .unwrap();
        id
    };
    log_in_as(&c, &app, "admin@onward.test", &login("admin@onward.test")).await;
    c.goto(&app.url("/outbox?status=failed")).await.unwrap();
    click_and_load(
        &c,
        Locator::Css(&format!("form[action='/outbox/{failed}/retry'] button")),
    )
    .await;
    screenshot(&c, "42-admin-retried").await;
    let status: String = notifications::table
        .find(failed)
        .select(notifications::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending");
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);
}
