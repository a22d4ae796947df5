//! The exit plan, milestone and admin pages as staff use them in a browser (forms, CSRF,
//! errors shown with what was typed).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;
use crate::reminders::{at, fixture, sweep_and_deliver};

#[actix_web::test]
async fn a_coordinator_builds_a_plan_from_a_template_and_sees_its_reminders_on_the_timeline() {
    let f = fixture("2027-06-01", true).await;
    // Far enough ahead that every reminder is still planned, whatever day the suite runs.
    let release = chrono::Utc::now().date_naive() + chrono::Duration::days(200);
    onward::exit_plans::ensure_default_template(&mut f.app.conn()).unwrap();
    let site = f.app.site_id("PT-LIS");
    let p = f
        .app
        .participant(&f.coordinator, participant_body("PT-2027-00009", site))
        .await;
    let pid = p["id"].as_i64().unwrap();
    let (client, _) = f.app.login(&f.coordinator.email, PASSWORD).await;
    let url = f.app.url(&format!("/participants/{pid}/exit-plan"));
    let html = page(&client, url.clone()).await;
    assert!(html.contains("There is no exit plan yet"), "{html}");
    let template = {
        let doc = scraper::Html::parse_document(&html);
        let sel = scraper::Selector::parse("#p-template option[value]:not([value=''])").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_string()
    };
    // A mistake first: the form comes back with what was typed.
    let resp = client
        .post_form(
            &url,
            &[
                ("target_release_date", "2027-02-30"),
                ("release_type", "parole"),
                ("template_id", &template),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = resp.text().await.unwrap();
    assert!(again.contains("value=\"2027-02-30\""), "{again}");
    assert!(again.contains("YYYY-MM-DD"));
    let resp = client
        .post_form(
            &url,
            &[
                ("target_release_date", &release.to_string()),
                ("release_type", "parole"),
                ("template_id", &template),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = page(&client, url.clone()).await;
    let timeline = text_of(&html, "ol.timeline").unwrap();
    assert!(
        timeline.contains("Risk review before release"),
        "{timeline}"
    );
    // The template puts accommodation four weeks before release.
    let accommodation = release - chrono::Duration::days(28);
    assert!(
        timeline.contains(&format!(
            "{accommodation} — Accommodation confirmed · no agency yet"
        )),
        "{timeline}"
    );
    assert!(
        timeline.contains(&format!("{release} — Release date")),
        "{timeline}"
    );
    // The fixture's rule reminds the housing agency 84, 56, 28 and 7 days before.
    assert!(
        timeline.contains(&format!(
            "{} : 84 days before → responsible agency · planned",
            accommodation - chrono::Duration::days(84)
        )),
        "{timeline}"
    );
    // A pathway is updated in place.
    let resp = client
        .post_form(
            &format!("/participants/{pid}/exit-plan/pathways/accommodation"),
            &[
                ("status", "in_progress"),
                ("responsible", "Housing office"),
                (
                    "version",
                    &value_of(&html, "#pathway-accommodation input[name=version]"),
                ),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = page(&client, url.clone()).await;
    assert!(html.contains("value=\"Housing office\""));
    // Moving the release date moves the timeline.
    let version = value_of(&html, "#change-plan + p + form input[name=version]");
    let moved = release + chrono::Duration::days(30);
    let resp = client
        .post_form(
            &url,
            &[
                ("target_release_date", &moved.to_string()),
                ("release_type", "parole"),
                ("status", "active"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let timeline = text_of(&page(&client, url.clone()).await, "ol.timeline").unwrap();
    assert!(
        timeline.contains(&format!(
            "{} — Accommodation confirmed",
            moved - chrono::Duration::days(28)
        )),
        "{timeline}"
    );
    // A stale version is refused with the form kept.
    let typed = (release + chrono::Duration::days(61)).to_string();
    let resp = client
        .post_form(
            &url,
            &[
                ("target_release_date", &typed),
                ("release_type", "parole"),
                ("status", "active"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let again = resp.text().await.unwrap();
    assert!(again.contains("Someone else changed this"));
    assert!(
        again.contains(&format!("value=\"{typed}\"")),
        "what was typed is kept"
    );
}

/// The `value` of the first element matching `css`.
fn value_of(html: &str, css: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(css).expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_else(|| panic!("nothing matches {css}"))
        .to_string()
}

#[actix_web::test]
async fn an_agency_user_records_progress_on_their_milestone_page() {
    let f = fixture("2027-06-01", true).await;
    let mut c = f.app.conn();
    let id = onward::auth::users::add(
        &mut c,
        &onward::auth::users::NewUser {
            email: onward::auth::users::EmailAddress::parse("desk@agency.test").unwrap(),
            display_name: "Desk".into(),
            role: onward::auth::Role::AgencyUser,
            site_code: None,
            agency_id: Some(f.agency_id),
            password: PASSWORD.into(),
        },
    )
    .unwrap();
    drop(c);
    assert!(id.0 > 0);
    let (client, _) = f.app.login("desk@agency.test", PASSWORD).await;
    let list = page(&client, f.app.url("/milestones")).await;
    assert!(list.contains("PT-2027-00001"), "{list}");
    assert!(
        !list.contains("Azamat"),
        "agency users see case references, not names"
    );
    let url = f.app.url(&format!("/milestones/{}", f.milestone_id));
    let html = page(&client, url.clone()).await;
    assert!(
        !html.contains("id=\"title\""),
        "agency users change status and note only"
    );
    let resp = client
        .post_form(
            &url,
            &[
                ("version", "1"),
                ("status", "done"),
                ("note", "Tenancy signed"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = page(&client, url.clone()).await;
    assert!(text_of(&html, "dl.facts").unwrap().contains("Done"));
    assert!(html.contains("Tenancy signed"));
    // The plan page itself stays closed to them.
    let resp = client
        .get(
            f.app
                .url(&format!("/participants/{}/exit-plan", f.participant_id)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn admin_pages_manage_agencies_and_rules_and_show_jobs_and_the_outbox() {
    let f = fixture("2027-06-01", true).await;
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    let (client, _) = f.app.login(&f.admin.email, PASSWORD).await;
    let html = page(&client, f.app.url("/agencies")).await;
    assert!(html.contains("Lisbon Housing"));
    let resp = client
        .post_form(
            "/agencies",
            &[
                ("name", "Lisbon Health"),
                ("kind", "health"),
                ("mailbox", "not-an-address"),
                ("language", "en"),
                ("vetting_status", "vetted"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = resp.text().await.unwrap();
    assert!(
        again.contains("value=\"Lisbon Health\"") && again.contains("value=\"not-an-address\"")
    );
    let resp = client
        .post_form(
            "/agencies",
            &[
                ("name", "Lisbon Health"),
                ("kind", "health"),
                ("mailbox", "gp@health.test"),
                ("language", "ru"),
                ("vetting_status", "vetted"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let agencies: serde_json::Value = f.app.get_json(&f.admin, "/api/v1/agencies?q=health").await;
    assert_eq!(agencies[0]["language"], "ru");

    let html = page(&client, f.app.url("/reminder-rules")).await;
    assert!(html.contains("Housing"));
    let resp = client
        .post_form(
            "/reminder-rules",
            &[
                ("name", "Health"),
                ("milestone_kinds", "health_handover"),
                ("days_before", "28, 7"),
                ("days_after", "x"),
                ("recipients", "agency"),
                ("delivery", "single"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("value=\"28, 7\""));
    let resp = client
        .post_form(
            "/reminder-rules",
            &[
                ("name", "Health"),
                ("milestone_kinds", "health_handover"),
                ("days_before", "28, 7"),
                ("days_after", ""),
                ("recipients", "agency"),
                ("recipients", "mentor"),
                ("delivery", "single"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let rules: serde_json::Value = f.app.get_json(&f.admin, "/api/v1/reminder-rules").await;
    let health = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Health")
        .unwrap();
    assert_eq!(health["days_before"], json!([28, 7]));
    assert_eq!(health["recipients"], json!(["agency", "mentor"]));

    let jobs = page(&client, f.app.url("/jobs")).await;
    assert!(
        jobs.contains("reminder-sweep") && jobs.contains("Succeeded"),
        "{jobs}"
    );
    let outbox = page(&client, f.app.url("/outbox?status=sent")).await;
    assert!(outbox.contains("housing@agency.test"), "{outbox}");
    // Other roles are turned away, and their menu does not offer these pages.
    let (coord, _) = f.app.login(&f.coordinator.email, PASSWORD).await;
    for path in ["/agencies", "/reminder-rules", "/jobs", "/outbox"] {
        let resp = coord.get(f.app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let home = page(&coord, f.app.url("/")).await;
    assert!(!home.contains("href=\"/outbox\"") && home.contains("href=\"/milestones\""));
}

#[actix_web::test]
async fn staff_may_opt_out_of_reminder_copies_but_agency_mailboxes_still_get_theirs() {
    let f = fixture("2027-06-01", true).await;
    crate::reminders::created(
        f.app
            .post_json(&f.admin, "/api/v1/reminder-rules", &json!({"name": "Officer copy", "milestone_kinds": ["accommodation_confirmed"], "days_before": [7], "recipients": ["probation_officer"]}))
            .await,
    )
    .await;
    let (client, _) = f.app.login(&f.probation.email, PASSWORD).await;
    // Untick reminders, keep absence alerts.
    let resp = client
        .post_form("/account/emails", &[("wanted", "absence_alerts")])
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = page(&client, f.app.url("/account/emails?saved=1")).await;
    assert!(html.contains("Your preferences are saved"));
    sweep_and_deliver(&f.ctx, at("2027-05-25T09:00:00Z"));
    let to: Vec<Vec<String>> = f.sink.messages().iter().map(|m| m.to.clone()).collect();
    assert_eq!(to, vec![vec!["housing@agency.test".to_string()]]);
}
