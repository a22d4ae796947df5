//! Retention: participants closed longer than the retention period are anonymised (preview,
//! run, job), and the printable subject access export that shows what is held.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use diesel::prelude::*;
use onward::auth::Role;
use onward::data_protection::retention::RULES;
use onward::jobs::{self, JobContext, JobName, Outcome};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::delivery::{cohort, Cohort};
use crate::helpers::*;

const REFS: [&str; 3] = ["KG-2026-00001", "KG-2026-00002", "KG-2026-00003"];

/// Three people in one cohort with everything Onward can hold about them: attendance,
/// enrolment history, a mentor's note (shared with probation, so an email), a risk review, an
/// exit plan with a typed milestone, a sharing basis. The first was closed seven years ago, the
/// second closed today, the third is still in custody.
struct Fixture {
    c: Cohort,
    admin: TestUser,
    auditor: TestUser,
    old: i64,
    recent: i64,
    open: i64,
}

fn narrative(i: usize) -> String {
    format!("Spoke about his brother Bakyt{i} in Osh")
}

async fn update(c: &Cohort, pid: i64, i: usize, status: &str, version: i32, extra: Value) {
    let mut body = participant_body(REFS[i], c.site);
    body["status"] = json!(status);
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().cloned().unwrap_or_default());
    let resp = c
        .app
        .put_json(
            &c.coordinator,
            &format!("/api/v1/participants/{pid}"),
            Some(&format!("\"{version}\"")),
            &body,
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "{}",
        resp.text().await.unwrap()
    );
}

async fn ok(resp: reqwest::Response) -> Value {
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn fixture() -> Fixture {
    let c = cohort(2, 3, 10).await;
    let mentor = c.app.user(Role::Mentor, None);
    let officer = c.app.user(Role::ProbationOfficer, None);
    let agency = test_agency(&mut c.app.conn());
    let entries: Vec<Value> = c
        .people
        .iter()
        .zip(["present", "unexcused", "late"])
        .map(|(p, m)| match m {
            "late" => json!({"participant_id": p, "mark": m, "late_minutes": 10}),
            _ => json!({"participant_id": p, "mark": m}),
        })
        .collect();
    ok(c.app
        .put_json(
            &c.facilitator,
            &format!("/api/v1/sessions/{}/register", c.sessions[0]),
            None,
            &json!({ "entries": entries }),
        )
        .await)
    .await;
    for (i, &pid) in c.people.iter().enumerate() {
        update(
            &c,
            pid,
            i,
            "in_custody",
            1,
            json!({"mentor_ids": [mentor.id], "probation_officer_id": officer.id}),
        )
        .await;
        let base = format!("/api/v1/participants/{pid}");
        ok(c.app
            .post_json(
                &mentor,
                &format!("{base}/progress-notes"),
                &json!({"contact_date": "2026-11-20", "contact_type": "one_to_one",
                    "ratings": {"engagement": 4, "attitudes": 3, "social_ties": 2, "identity": 3, "readiness": 4},
                    "narrative": narrative(i), "tell_probation": true}),
            )
            .await)
        .await;
        ok(c.app
            .post_json(
                &c.coordinator,
                &format!("{base}/exit-plan"),
                &json!({"target_release_date": day(180), "release_type": "parole"}),
            )
            .await)
        .await;
        ok(c.app
            .post_json(
                &c.coordinator,
                &format!("{base}/risk-reviews"),
                &json!({"instrument": "VERA-2R", "level": "moderate", "assessor": "Dr. Aliev",
                    "assessed_on": "2026-11-01", "review_by": day(60), "notes": "Bakyt visited in October"}),
            )
            .await)
        .await;
        ok(c.app
            .post_json(
                &c.coordinator,
                &format!("{base}/exit-plan/milestones"),
                &json!({"kind": "custom", "title": "Meet his sister Aida", "offset_days": -10,
                    "note": "Aida lives in Kant"}),
            )
            .await)
        .await;
        ok(c.app
            .post_json(
                &c.coordinator,
                &format!("{base}/sharing-bases"),
                &json!({"agency_id": agency, "legal_basis": "Consent signed by Azamat Sultanov", "valid_from": "2026-01-01"}),
            )
            .await)
        .await;
    }
    let (old, recent, open) = (c.people[0], c.people[1], c.people[2]);
    update(&c, old, 0, "closed", 2, json!({})).await;
    update(&c, recent, 1, "closed", 2, json!({})).await;
    // Seven years pass for the first one.
    {
        use onward::db::schema::participants;
        let long_ago = (Utc::now() - Duration::days(7 * 365)).naive_utc();
        diesel::update(participants::table.find(old))
            .set(participants::closed_at.eq(Some(long_ago)))
            .execute(&mut *c.app.conn())
            .unwrap();
    }
    Fixture {
        admin: c.app.user(Role::Admin, None),
        auditor: c.app.user(Role::Auditor, None),
        c,
        old,
        recent,
        open,
    }
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = diesel::sql_types::Text)]
    k: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

/// Every value of every column the rules cover, read straight from the database:
/// (`table.column`, row key) → value.
fn snapshot(app: &TestApp) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    let mut conn = app.conn();
    for rule in RULES {
        let key = match rule.table {
            "exit_plan_pathways" => "CAST(plan_id AS TEXT) || '/' || pathway",
            _ => "CAST(id AS TEXT)",
        };
        let sql = format!(
            "SELECT {key} AS k, COALESCE(CAST({c} AS TEXT), '<null>') AS v FROM {t}",
            c = rule.column,
            t = rule.table
        );
        let cells: Vec<Cell> = match &mut *conn {
            onward::db::DbConnection::Pg(c) => diesel::sql_query(sql).load(c).unwrap(),
            onward::db::DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c).unwrap(),
        };
        for cell in cells {
            out.insert((rule.target(), cell.k), cell.v);
        }
    }
    out
}

/// Rows changed per `table.column` between two snapshots.
fn changed(
    before: &BTreeMap<(String, String), String>,
    after: &BTreeMap<(String, String), String>,
) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for (k, v) in before {
        if after.get(k) != Some(v) {
            *out.entry(k.0.clone()).or_insert(0) += 1;
        }
    }
    out
}

fn cli(app: &TestApp, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_onward"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("ONWARD_CONFIG", "/nonexistent")
        .env("ONWARD_DATA_KEY", TEST_DATA_KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `KG-…: table.column × n, …` lines → (case reference → table.column → n).
fn parse_preview(text: &str) -> BTreeMap<String, BTreeMap<String, i64>> {
    text.lines()
        .filter_map(|l| l.split_once(": "))
        .filter(|(r, _)| r.starts_with("KG-"))
        .map(|(r, what)| {
            let items = what
                .split(", ")
                .filter_map(|i| i.split_once(" × "))
                .map(|(t, n)| (t.to_string(), n.parse().unwrap()))
                .collect();
            (r.to_string(), items)
        })
        .collect()
}

async fn run_now(app: &TestApp, user: &TestUser) -> reqwest::Response {
    let (client, _) = app.login(&user.email, PASSWORD).await;
    client.post_form("/retention/run", &[]).await
}

/// The retention job's 02:30 slot `offset` days from today (UTC).
fn slot(offset: i64) -> String {
    format!("{}T02:30Z", day(offset))
}

fn job_context(app: &TestApp) -> JobContext {
    JobContext::from_config(app.pool.clone(), &app.config).unwrap()
}

#[actix_web::test]
async fn the_preview_lists_exactly_what_the_run_then_removes() {
    let f = fixture().await;
    let app = &f.c.app;
    let out = cli(app, &["retention", "preview"]);
    assert!(out.starts_with("1 participant(s) closed before"), "{out}");
    let preview = parse_preview(&out);
    assert_eq!(
        preview.keys().collect::<Vec<_>>(),
        vec![REFS[0]],
        "only the participant closed seven years ago"
    );
    let what = &preview[REFS[0]];
    for (target, rows) in [
        ("participants.given_name", 1),
        ("participants.date_of_birth", 1),
        ("progress_notes.narrative", 1),
        ("risk_reviews.notes", 1),
        ("milestones.note", 1),
        ("sharing_bases.legal_basis", 1),
        ("notifications.body_text", 1),
    ] {
        assert_eq!(what.get(target), Some(&rows), "{target} in {what:?}");
    }
    // The page shows the same list.
    let (client, _) = app.login(&f.auditor.email, PASSWORD).await;
    let html = page(&client, app.url("/retention")).await;
    let due = text_of(&html, "#due-table").unwrap_or_default();
    assert!(due.contains(REFS[0]) && !due.contains(REFS[1]), "{due}");
    for (target, rows) in what {
        assert!(
            due.contains(&format!("{target} × {rows}")),
            "{target}: {due}"
        );
    }
    assert!(!html.contains("Run now"), "auditors do not run it");

    let before = snapshot(app);
    let resp = run_now(app, &f.admin).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let after = snapshot(app);
    assert_eq!(
        &changed(&before, &after),
        what,
        "the run removed what the preview said"
    );

    // The run is recorded and listed, and audited on the participant's trail.
    let html = page(&client, app.url("/retention")).await;
    let runs = text_of(&html, "#runs table").unwrap();
    assert!(
        runs.contains("Succeeded") && runs.contains(&f.admin.email),
        "{runs}"
    );
    assert!(runs.contains("progress_notes.narrative × 1"), "{runs}");
    assert!(html.contains("Nobody is due."), "{html}");
    let events: Value = app
        .get_json(
            &f.auditor,
            "/api/v1/audit-events?action=participant.anonymise",
        )
        .await;
    let about: Vec<i64> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["participant_id"].as_i64().unwrap())
        .collect();
    assert_eq!(about, vec![f.old]);
}

#[actix_web::test]
async fn recently_closed_and_open_participants_are_untouched_and_a_second_run_changes_nothing() {
    let f = fixture().await;
    let app = &f.c.app;
    let closed_at = |id: i64| -> Option<chrono::NaiveDateTime> {
        use onward::db::schema::participants;
        participants::table
            .find(id)
            .select(participants::closed_at)
            .first(&mut *app.conn())
            .unwrap()
    };
    // Closing through the API stamps the closure; the open one has none.
    let stamped = closed_at(f.recent).expect("closure recorded");
    assert!(Utc::now().naive_utc() - stamped < Duration::minutes(5));
    assert_eq!(closed_at(f.open), None);

    let before = snapshot(app);
    let ctx = job_context(app);
    let first = jobs::run(&ctx, JobName::Retention, &slot(0), Utc::now()).unwrap();
    let Outcome::Succeeded(counts) = first else {
        panic!("the slot was free")
    };
    assert_eq!(counts["anonymised"], 1);
    let after_first = snapshot(app);
    for who in [f.recent, f.open] {
        let p: Value = app
            .get_json(&f.c.coordinator, &format!("/api/v1/participants/{who}"))
            .await;
        assert_eq!(p["family_name"], "Sultanov");
        assert_eq!(p["date_of_birth"], "1990-04-12");
    }
    let touched: Vec<&(String, String)> = before
        .iter()
        .filter(|(k, v)| after_first.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert!(!touched.is_empty());
    // Nothing of the other two changed: every changed row belongs to the old case.
    let old_notes: Vec<i64> = {
        use onward::db::schema::progress_notes;
        progress_notes::table
            .filter(progress_notes::participant_id.eq(f.old))
            .select(progress_notes::id)
            .load(&mut *app.conn())
            .unwrap()
    };
    assert!(touched
        .iter()
        .filter(|(t, _)| t == "progress_notes.narrative")
        .all(|(_, k)| old_notes.contains(&k.parse().unwrap())));
    assert!(touched
        .iter()
        .filter(|(t, _)| t.starts_with("participants."))
        .all(|(_, k)| k == &f.old.to_string()));

    // The same slot on another instance is skipped; a later run finds nothing to do.
    assert_eq!(
        jobs::run(&ctx, JobName::Retention, &slot(0), Utc::now()).unwrap(),
        Outcome::Skipped
    );
    let Outcome::Succeeded(counts) =
        jobs::run(&ctx, JobName::Retention, &slot(1), Utc::now()).unwrap()
    else {
        panic!("a new slot runs")
    };
    assert_eq!(counts["anonymised"], 0);
    assert_eq!(snapshot(app), after_first, "the second run changed nothing");
    assert_eq!(
        cli(app, &["retention", "run"]).lines().next().unwrap_or(""),
        format!(
            "retention run {}: 0 participant(s) anonymised",
            counts["retention_run"].as_i64().unwrap() + 1
        )
    );
    assert_eq!(snapshot(app), after_first);

    // Reopening clears the closure, so retention starts again from the next closure.
    update(&f.c, f.recent, 1, "released", 3, json!({})).await;
    assert_eq!(closed_at(f.recent), None);
}

#[actix_web::test]
async fn statistics_survive_anonymisation() {
    let f = fixture().await;
    let app = &f.c.app;
    let stats = || {
        use onward::db::schema::{
            attendance, enrolment_events, enrolments, milestones, notifications, progress_notes,
            risk_reviews,
        };
        let mut conn = app.conn();
        let c = &mut *conn;
        json!({
            "attendance": attendance::table.order((attendance::session_id, attendance::participant_id))
                .select((attendance::participant_id, attendance::mark, attendance::late_minutes))
                .load::<(i64, String, Option<i32>)>(c).unwrap(),
            "enrolments": enrolments::table.order(enrolments::id)
                .select((enrolments::participant_id, enrolments::status, enrolments::assessment_outcome))
                .load::<(i64, String, Option<String>)>(c).unwrap(),
            "history": enrolment_events::table.order(enrolment_events::id)
                .select((enrolment_events::to_status, enrolment_events::occurred_at))
                .load::<(String, chrono::NaiveDateTime)>(c).unwrap(),
            "ratings": progress_notes::table.order(progress_notes::id)
                .select((progress_notes::contact_date, progress_notes::engagement, progress_notes::readiness))
                .load::<(chrono::NaiveDate, Option<i32>, Option<i32>)>(c).unwrap(),
            "reviews": risk_reviews::table.order(risk_reviews::id)
                .select((risk_reviews::instrument, risk_reviews::level, risk_reviews::assessed_on))
                .load::<(String, String, chrono::NaiveDate)>(c).unwrap(),
            "milestones": milestones::table.order(milestones::id)
                .select((milestones::kind, milestones::due_on, milestones::status))
                .load::<(String, chrono::NaiveDate, String)>(c).unwrap(),
            "emails": notifications::table.order(notifications::id)
                .select((notifications::kind, notifications::status, notifications::participant_id))
                .load::<(String, String, Option<i64>)>(c).unwrap(),
        })
    };
    let before = stats();
    assert_eq!(before["attendance"].as_array().unwrap().len(), 3);
    assert_eq!(run_now(app, &f.admin).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(stats(), before);
    // The register still counts the old participant's mark.
    let reg: Value = app
        .get_json(
            &f.c.coordinator,
            &format!("/api/v1/sessions/{}/register", f.c.sessions[0]),
        )
        .await;
    assert_eq!(reg["lines"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn after_anonymisation_the_export_holds_neither_the_name_nor_the_narrative() {
    let f = fixture().await;
    let app = &f.c.app;
    let (client, _) = app.login(&f.admin.email, PASSWORD).await;
    let url = app.url(&format!("/participants/{}/export", f.old));
    let html = page(&client, url.clone()).await;
    for word in ["Sultanov", "Azamat", "Bakyt0", "Aida", "1990-04-12"] {
        assert!(html.contains(word), "{word} before");
    }
    assert!(!html.contains("anonymised under the retention rule"));
    assert_eq!(run_now(app, &f.admin).await.status(), StatusCode::SEE_OTHER);
    let html = page(&client, url).await;
    for word in ["Sultanov", "Azamat", "Bakyt", "Aida", "1990-04-12"] {
        assert!(!html.contains(word), "{word} is gone");
    }
    assert!(
        html.contains("This record was anonymised under the retention rule"),
        "{html}"
    );
    assert!(html.contains(REFS[0]));
    let resp = client
        .get(app.url(&format!("/participants/{}/export.json", f.old)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"KG-2026-00001-subject-access.json\""
    );
    let text = resp.text().await.unwrap();
    assert!(
        !text.contains("Sultanov") && !text.contains("Bakyt"),
        "{text}"
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    let person = &doc["tables"]["participants"][0];
    assert!(person["anonymised_at"].is_string(), "{person}");
    assert_eq!(doc["tables"]["progress_notes"][0]["narrative"], "");
    assert_eq!(doc["tables"]["milestones"].as_array().unwrap().len(), 2);
    // Each taking (two pages, one download) is audited like the API's.
    let exports = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "participant.export")
        .count();
    assert_eq!(exports, 3);
}

#[actix_web::test]
async fn an_auditor_reaches_the_printable_export_from_the_audit_page_by_case_reference() {
    let f = fixture().await;
    let app = &f.c.app;
    let (client, _) = app.login(&f.auditor.email, PASSWORD).await;
    let audit = page(&client, app.url("/audit")).await;
    assert!(audit.contains("action=\"/subject-access\""), "{audit}");
    // Auditors cannot open the participant page itself.
    let resp = client
        .get(app.url(&format!("/participants/{}", f.recent)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = client
        .get(app.url("/subject-access?reference=kg-2026-00002"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("/participants/{}/export", f.recent));
    let html = page(&client, app.url(&to)).await;
    assert!(html.contains("Subject access export: KG-2026-00002"));
    for section in [
        "participants",
        "attendance",
        "progress_notes",
        "audit_events",
    ] {
        assert!(html.contains(&format!("id=\"t-{section}\"")), "{section}");
    }
    assert!(
        html.contains("Spoke about his brother Bakyt1 in Osh"),
        "opened"
    );
    assert!(html.contains("(Asia/Bishkek)"), "times in the local zone");
    assert!(html.contains("/export.json"));
    // A reference that matches nobody is named, and what was typed is kept.
    let resp = client
        .get(app.url("/subject-access?reference=KG-2026-99999"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains("value=\"KG-2026-99999\""));
    assert!(html.contains("No participant has this case reference"));
    assert!(app
        .audit_actions()
        .contains(&"participant.export".to_string()));
    // Admins get the button on the participant page; coordinators do not.
    let (admin, _) = app.login(&f.admin.email, PASSWORD).await;
    let export_link = format!("href=\"/participants/{}/export\"", f.recent);
    let html = page(&admin, app.url(&format!("/participants/{}", f.recent))).await;
    assert!(html.contains(&export_link), "{html}");
    let (coordinator, _) = app.login(&f.c.coordinator.email, PASSWORD).await;
    let html = page(
        &coordinator,
        app.url(&format!("/participants/{}", f.recent)),
    )
    .await;
    assert!(!html.contains(&export_link));
}

#[actix_web::test]
async fn only_auditors_and_admins_see_retention_and_exports_and_only_admins_run_it() {
    let f = fixture().await;
    let app = &f.c.app;
    let agency_user = app.user(Role::AgencyUser, None);
    let officer = app.user(Role::ProbationOfficer, None);
    for who in [&f.c.coordinator, &f.c.facilitator, &agency_user, &officer] {
        let (client, _) = app.login(&who.email, PASSWORD).await;
        for path in [
            "/retention".to_string(),
            "/subject-access?reference=KG-2026-00001".to_string(),
            format!("/participants/{}/export", f.old),
            format!("/participants/{}/export.json", f.old),
        ] {
            let resp = client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{} {path}", who.email);
        }
        let resp = client
            .get(app.url("/participants/999999/export"))
            .send()
            .await
            .unwrap();
        // The same answer whether the participant exists or not: no existence oracle.
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        assert_eq!(run_now(app, who).await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(
        run_now(app, &f.auditor).await.status(),
        StatusCode::FORBIDDEN
    );
    // A run without the form's token is refused too.
    let (client, _) = app.login(&f.admin.email, PASSWORD).await;
    let resp = client
        .post(app.url("/retention/run"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let runs: i64 = {
        use onward::db::schema::retention_runs;
        retention_runs::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(runs, 0, "nobody but an admin started a run");
}
