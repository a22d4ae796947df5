//! The mentor's caseload (home page and `/caseload`) and the pages of progress notes and risk
//! reviews, as staff use them in a browser.

use chrono::{Duration, Utc};
use onward::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

struct Caseload {
    app: TestApp,
    coordinator: TestUser,
    mentor: TestUser,
    other_mentor: TestUser,
    site: i64,
}

async fn caseload() -> Caseload {
    caseload_with(&[]).await
}

async fn caseload_with(extra: &[(&str, &str)]) -> Caseload {
    let app = spawn_app_with(extra).await;
    let site = app.site("KG-BSK", "Asia/Bishkek");
    let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
    let mentor = app.user(Role::Mentor, None);
    let other_mentor = app.user(Role::Mentor, None);
    Caseload {
        app,
        coordinator,
        mentor,
        other_mentor,
        site,
    }
}

impl Caseload {
    /// A participant at the site with these mentors; returns its id.
    async fn participant(&self, case: &str, mentors: &[&TestUser], extra: Value) -> i64 {
        let mut body = participant_body(case, self.site);
        body["mentor_ids"] = json!(mentors.iter().map(|m| m.id).collect::<Vec<_>>());
        if let Value::Object(more) = extra {
            for (k, v) in more {
                body[k] = v;
            }
        }
        self.app.participant(&self.coordinator, body).await["id"]
            .as_i64()
            .unwrap()
    }

    /// A note through the API, `days_ago` days before today (UTC).
    async fn note(&self, who: &TestUser, pid: i64, days_ago: i64, next_in: Option<i64>, e: i32) {
        let today = Utc::now().date_naive();
        let resp = self
            .app
            .post_json(
                who,
                &format!("/api/v1/participants/{pid}/progress-notes"),
                &json!({
                    "contact_date": (today - Duration::days(days_ago)).to_string(),
                    "contact_type": "one_to_one",
                    "ratings": {"engagement": e, "attitudes": 3, "readiness": 2},
                    "narrative": format!("Private narrative {pid}-{days_ago}"),
                    "next_contact_date": next_in.map(|d| (today + Duration::days(d)).to_string()),
                }),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
}

fn case_row(html: &str, pid: i64) -> String {
    text_of(html, &format!("#case-{pid}")).unwrap_or_default()
}

#[actix_web::test]
async fn a_mentor_sees_only_their_own_caseload_at_home_and_at_caseload() {
    let c = caseload().await;
    let mine = c
        .participant("KG-2026-00101", &[&c.mentor], json!({}))
        .await;
    let shared = c
        .participant("KG-2026-00102", &[&c.mentor, &c.other_mentor], json!({}))
        .await;
    let theirs = c
        .participant("KG-2026-00103", &[&c.other_mentor], json!({}))
        .await;
    // Restricted, and this mentor is not among the named staff: not even theirs to see.
    let restricted = c
        .participant(
            "KG-2026-00104",
            &[&c.mentor],
            json!({"restricted": true, "named_staff_ids": [c.coordinator.id]}),
        )
        .await;
    let (client, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    for path in ["/", "/caseload"] {
        let resp = client.get(c.app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("My caseload"), "{path}: {html}");
        assert!(html.contains("KG-2026-00101") && html.contains("KG-2026-00102"));
        assert!(!html.contains("KG-2026-00103"), "{path}: another mentor's");
        assert!(!html.contains("KG-2026-00104"), "{path}: restricted");
        assert!(text_of(&html, "main").unwrap().contains("2 participants"));
        assert!(!case_row(&html, mine).is_empty() && !case_row(&html, shared).is_empty());
        assert!(case_row(&html, theirs).is_empty() && case_row(&html, restricted).is_empty());
    }
    // Searchable by case reference, and paged.
    let html = page(&client, c.app.url("/caseload?q=00102")).await;
    assert!(html.contains("KG-2026-00102") && !html.contains("KG-2026-00101"));
    let html = page(&client, c.app.url("/caseload?per_page=1")).await;
    assert!(html.contains("KG-2026-00101") && !html.contains("KG-2026-00102"));
    let next = {
        let doc = scraper::Html::parse_document(&html);
        let sel = scraper::Selector::parse("nav.pager a").unwrap();
        let link = doc.select(&sel).next().expect("a next page");
        link.value().attr("href").unwrap().to_string()
    };
    assert_eq!(next, "/caseload?q=&per_page=1&page=2");
    let html = page(&client, c.app.url(&next)).await;
    assert!(html.contains("KG-2026-00102") && !html.contains("KG-2026-00101"));
    let resp = client
        .get(c.app.url("/caseload?page=zero"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The other mentor's caseload is theirs alone; a coordinator's home is unchanged.
    let (other, _) = c.app.login(&c.other_mentor.email, PASSWORD).await;
    let html = page(&other, c.app.url("/")).await;
    assert!(html.contains("KG-2026-00103") && !html.contains("KG-2026-00101"));
    let (coordinator, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let html = page(&coordinator, c.app.url("/")).await;
    assert!(!html.contains("My caseload"));
    let resp = coordinator
        .get(c.app.url("/caseload"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(c.app.audit_actions().iter().any(|a| a == "caseload.read"));
}

#[actix_web::test]
async fn a_contact_is_marked_overdue_when_its_date_passed_or_four_weeks_went_by() {
    let c = caseload().await;
    let on_track = c
        .participant("KG-2026-00201", &[&c.mentor], json!({}))
        .await;
    let date_passed = c
        .participant("KG-2026-00202", &[&c.mentor], json!({}))
        .await;
    let long_ago = c
        .participant("KG-2026-00203", &[&c.mentor], json!({}))
        .await;
    let never = c
        .participant("KG-2026-00204", &[&c.mentor], json!({}))
        .await;
    c.note(&c.mentor, on_track, 2, Some(14), 4).await;
    c.note(&c.mentor, date_passed, 10, Some(-3), 3).await;
    c.note(&c.mentor, long_ago, 40, None, 3).await;
    // Another mentor's recent note does not make this mentor's contact any less overdue.
    let other_id = c.other_mentor.clone();
    let shared = c
        .participant("KG-2026-00205", &[&c.mentor, &other_id], json!({}))
        .await;
    c.note(&c.mentor, shared, 35, None, 3).await;
    c.note(&c.other_mentor, shared, 1, Some(10), 5).await;
    let (client, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    let html = page(&client, c.app.url("/")).await;
    let today = Utc::now().date_naive();
    let row = case_row(&html, on_track);
    assert!(!row.contains("Overdue"), "{row}");
    assert!(
        row.contains(&(today - Duration::days(2)).to_string())
            && row.contains(&(today + Duration::days(14)).to_string()),
        "last and next contact: {row}"
    );
    let row = case_row(&html, date_passed);
    assert!(
        row.contains("Overdue the next contact date has passed"),
        "{row}"
    );
    let row = case_row(&html, long_ago);
    assert!(
        row.contains("Overdue no contact for 4 weeks or more"),
        "{row}"
    );
    let row = case_row(&html, never);
    assert!(row.contains("Overdue no contact recorded yet"), "{row}");
    let row = case_row(&html, shared);
    assert!(row.contains("no contact for 4 weeks"), "{row}");
    // Release (the participant's earliest release date) is far away: not marked.
    assert!(!case_row(&html, on_track).contains("within 12 weeks"));
}

#[actix_web::test]
async fn the_caseload_charts_the_ratings_with_a_title_and_the_latest_values_as_text() {
    let c = caseload().await;
    let soon = (Utc::now().date_naive() + Duration::days(30)).to_string();
    let pid = c
        .participant(
            "KG-2026-00301",
            &[&c.mentor],
            json!({"earliest_release_date": soon, "parole_eligibility_date": null, "licence_end_date": null}),
        )
        .await;
    c.note(&c.mentor, pid, 20, Some(30), 2).await;
    c.note(&c.mentor, pid, 10, Some(30), 3).await;
    c.note(&c.mentor, pid, 3, Some(30), 4).await;
    let (client, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    let html = page(&client, c.app.url("/caseload")).await;
    let doc = scraper::Html::parse_document(&html);
    let svg_sel = scraper::Selector::parse(&format!("#case-{pid} svg[role=img]")).unwrap();
    let svg = doc.select(&svg_sel).next().expect("a chart");
    assert_eq!(
        svg.value().attr("aria-labelledby"),
        Some(format!("chart-{pid}-title").as_str())
    );
    let title = text_of(&html, &format!("#chart-{pid}-title")).unwrap();
    assert!(
        title.contains("KG-2026-00301 over the last 3 contacts")
            && title.contains("Engagement 4, Attitudes and thinking 3")
            && title.contains("Social ties and family not rated"),
        "{title}"
    );
    // One line per rated domain through its three contacts; no line for unrated ones.
    let inner = svg.html();
    assert_eq!(inner.matches("<polyline").count(), 3, "{inner}");
    assert_eq!(inner.matches("<circle").count(), 9, "{inner}");
    let latest = text_of(&html, &format!("#case-{pid} ul.latest")).unwrap();
    assert!(
        latest.contains("Engagement: 4")
            && latest.contains("Education and work readiness: 2")
            && latest.contains("Identity and belonging: not rated"),
        "{latest}"
    );
    let row = case_row(&html, pid);
    assert!(row.contains(&format!("{soon} within 12 weeks")), "{row}");
    assert!(row.contains("no open alerts"), "{row}");
    // The narrative is never on the caseload.
    assert!(!html.contains("Private narrative"));
}

#[actix_web::test]
async fn a_mentor_records_a_note_through_the_page_and_sees_it() {
    let c = caseload().await;
    let pid = c
        .participant("KG-2026-00401", &[&c.mentor], json!({}))
        .await;
    let (client, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    let detail = page(&client, c.app.url(&format!("/participants/{pid}"))).await;
    assert!(detail.contains(&format!("href=\"/participants/{pid}/notes\"")));
    assert!(
        !detail.contains("/risk-reviews\""),
        "mentors do not handle risk reviews"
    );
    let url = c.app.url(&format!("/participants/{pid}/notes"));
    let html = page(&client, url.clone()).await;
    assert!(html.contains("No notes you may read yet."));
    // Every domain offers a visible "not rated" choice, chosen by default.
    let unrated = text_of(&html, "label[for=note-identity-none]").unwrap();
    assert_eq!(unrated, "not rated");
    assert!(html.contains("id=\"note-identity-none\" name=\"identity\" value=\"\" checked"));
    let contact = (Utc::now().date_naive() - Duration::days(1)).to_string();
    let next = (Utc::now().date_naive() + Duration::days(13)).to_string();
    let resp = client
        .post_form(
            &url,
            &[
                ("contact_date", &contact),
                ("contact_type", "family_contact"),
                ("engagement", "4"),
                ("attitudes", "3"),
                ("social_ties", ""),
                ("identity", "2"),
                ("readiness", "5"),
                ("narrative", "Met his sister; talked about a place to live."),
                ("next_contact_date", &next),
                ("tell_probation", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = page(&client, url.clone()).await;
    let note = text_of(&html, "article.note").unwrap();
    for part in [
        contact.as_str(),
        "Contact with family",
        "Engagement 4 / 5",
        "Social ties and family not rated",
        "Identity and belonging 2 / 5",
        "Education and work readiness 5 / 5",
        next.as_str(),
        "Shared with probation Yes",
        "Met his sister; talked about a place to live.",
    ] {
        assert!(note.contains(part), "{part:?} in {note}");
    }
    assert!(note.contains("Written by mentor"), "{note}");
    assert!(html.contains("1 note"));
    // Without the CSRF token nothing is recorded.
    let resp = client
        .post(url)
        .form(&[("narrative", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The caseload now shows the contact.
    let home = page(&client, c.app.url("/")).await;
    assert!(case_row(&home, pid).contains(&contact));
}

#[actix_web::test]
async fn a_bad_date_keeps_the_typed_narrative_and_names_the_field() {
    let c = caseload().await;
    let pid = c
        .participant("KG-2026-00501", &[&c.mentor], json!({}))
        .await;
    let (client, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    let url = c.app.url(&format!("/participants/{pid}/notes"));
    let resp = client
        .post_form(
            &url,
            &[
                ("contact_date", "2026-02-30"),
                ("contact_type", "phone"),
                ("engagement", "4"),
                ("attitudes", "9"),
                ("narrative", "He called from the workshop <and> was calm."),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    let textarea = text_of(&html, "textarea#note-narrative").unwrap();
    assert_eq!(textarea, "He called from the workshop <and> was calm.");
    assert!(html.contains("value=\"2026-02-30\""));
    assert!(html.contains("value=\"phone\" selected"));
    assert!(html.contains("id=\"note-engagement-4\" name=\"engagement\" value=\"4\" checked"));
    let summary = text_of(&html, "#form-errors").unwrap();
    assert!(
        summary.contains("Date of contact : Enter a date as YYYY-MM-DD")
            && summary.contains("Attitudes and thinking : Rate from 1 to 5."),
        "{summary}"
    );
    assert!(text_of(&html, "#note-contact_date-error")
        .unwrap()
        .contains("YYYY-MM-DD"));
    assert!(text_of(&html, "#note-attitudes-error").is_some());
    // Nothing was stored.
    let html = page(&client, url).await;
    assert!(html.contains("No notes you may read yet."));
}

#[actix_web::test]
async fn agency_users_and_auditors_reach_no_note_by_page_and_see_no_narrative_anywhere() {
    let c = caseload().await;
    let officer = c.app.user(Role::ProbationOfficer, None);
    let pid = c
        .participant(
            "KG-2026-00601",
            &[&c.mentor],
            json!({"probation_officer_id": officer.id}),
        )
        .await;
    c.note(&c.mentor, pid, 1, Some(7), 4).await;
    let narrative = format!("Private narrative {pid}-1");
    for role in [Role::AgencyUser, Role::Auditor] {
        let user = c.app.user(role, None);
        let (client, _) = c.app.login(&user.email, PASSWORD).await;
        for path in [
            format!("/participants/{pid}/notes"),
            format!("/participants/{pid}/risk-reviews"),
            format!("/participants/{pid}"),
        ] {
            let resp = client.get(c.app.url(&path)).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{role:?} {path}");
            assert!(!resp.text().await.unwrap().contains(&narrative));
        }
        let resp = client
            .post_form(
                &format!("/participants/{pid}/notes"),
                &[
                    ("contact_date", "2026-01-05"),
                    ("contact_type", "phone"),
                    ("narrative", "x"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{role:?} writes");
        for path in ["/", "/milestones", "/caseload"] {
            let html = page(&client, c.app.url(path)).await;
            assert!(!html.contains(&narrative), "{role:?} {path}");
        }
    }
    // An admin sees the participant but not the notes (need-to-know), and gets no link.
    let admin = c.app.user(Role::Admin, None);
    let (client, _) = c.app.login(&admin.email, PASSWORD).await;
    let detail = page(&client, c.app.url(&format!("/participants/{pid}"))).await;
    assert!(!detail.contains("/notes\""));
    let resp = client
        .get(c.app.url(&format!("/participants/{pid}/notes")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The probation officer reads only what was shared (nothing here) and may not write.
    let (client, _) = c.app.login(&officer.email, PASSWORD).await;
    let html = page(&client, c.app.url(&format!("/participants/{pid}/notes"))).await;
    assert!(html.contains("No notes you may read yet.") && !html.contains(&narrative));
    assert!(!html.contains("id=\"note-form\""));
}

#[actix_web::test]
async fn without_a_data_key_the_notes_page_says_so_instead_of_failing() {
    let c = caseload_with(&[("ONWARD_DATA_KEY", "")]).await;
    let pid = c
        .participant("KG-2026-00701", &[&c.mentor], json!({}))
        .await;
    let (client, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    let url = c.app.url(&format!("/participants/{pid}/notes"));
    let resp = client.get(url.clone()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = resp.text().await.unwrap();
    assert!(
        text_of(&html, "#no-key")
            .unwrap()
            .contains("no data key is configured"),
        "{html}"
    );
    assert!(!html.contains("id=\"note-form\""));
    let resp = client
        .post_form(
            &url,
            &[
                ("contact_date", "2026-01-05"),
                ("contact_type", "phone"),
                ("narrative", "x"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("no data key is configured"));
    // The caseload needs no key: dates and ratings are not sealed.
    let resp = client.get(c.app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_coordinator_records_a_risk_review_through_the_page() {
    let c = caseload().await;
    let pid = c
        .participant("KG-2026-00801", &[&c.mentor], json!({}))
        .await;
    let (client, _) = c.app.login(&c.coordinator.email, PASSWORD).await;
    let detail = page(&client, c.app.url(&format!("/participants/{pid}"))).await;
    assert!(detail.contains(&format!("href=\"/participants/{pid}/risk-reviews\"")));
    assert!(detail.contains(&format!("href=\"/participants/{pid}/notes\"")));
    let url = c.app.url(&format!("/participants/{pid}/risk-reviews"));
    let assessed = (Utc::now().date_naive() - Duration::days(3)).to_string();
    let review_by = day(150);
    // A review date before the assessment comes back with what was typed.
    let resp = client
        .post_form(
            &url,
            &[
                ("instrument", "VERA-2R"),
                ("level", "moderate"),
                ("assessor", "Dr Asanova"),
                ("assessed_on", &assessed),
                ("review_by", "2020-01-01"),
                ("notes", "Reviewed with the psychology team."),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(text_of(&html, "#form-errors")
        .unwrap()
        .contains("Review by"));
    assert_eq!(
        text_of(&html, "textarea#review-notes").unwrap(),
        "Reviewed with the psychology team."
    );
    assert!(html.contains("value=\"Dr Asanova\""));
    let resp = client
        .post_form(
            &url,
            &[
                ("instrument", "VERA-2R"),
                ("level", "moderate"),
                ("assessor", "Dr Asanova"),
                ("assessed_on", &assessed),
                ("review_by", &review_by),
                ("notes", "Reviewed with the psychology team."),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let html = page(&client, url.clone()).await;
    let table = text_of(&html, "#reviews-section table").unwrap();
    assert!(
        table.contains(&format!(
            "{assessed} VERA-2R moderate Dr Asanova {review_by} Reviewed with the psychology team."
        )),
        "{table}"
    );
    // The mentor may not handle risk reviews.
    let (mentor, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    let resp = mentor.get(url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn notes_are_shown_newest_contact_first_and_paged() {
    let c = caseload().await;
    let pid = c
        .participant("KG-2026-00901", &[&c.mentor], json!({}))
        .await;
    for days_ago in [9, 3, 6] {
        c.note(&c.mentor, pid, days_ago, None, 3).await;
    }
    let (client, _) = c.app.login(&c.mentor.email, PASSWORD).await;
    let html = page(
        &client,
        c.app.url(&format!("/participants/{pid}/notes?per_page=2")),
    )
    .await;
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("article.note p.narrative").unwrap();
    let shown: Vec<String> = doc.select(&sel).map(|e| e.text().collect()).collect();
    assert_eq!(
        shown,
        vec![
            format!("Private narrative {pid}-3"),
            format!("Private narrative {pid}-6")
        ]
    );
    assert!(html.contains("3 notes"));
    let next = format!("/participants/{pid}/notes?per_page=2&amp;page=2");
    assert!(html.contains(&next.replace('=', "&#x3D;")), "{html}");
    let html = page(
        &client,
        c.app
            .url(&format!("/participants/{pid}/notes?per_page=2&page=2")),
    )
    .await;
    assert!(text_of(&html, "article.note")
        .unwrap()
        .contains(&format!("Private narrative {pid}-9")));
}
