//! Managers' reports (`/reports` and `/reports/<name>.csv`) over the demo data, with a few
//! enrolments ended, marks changed, milestones done and handovers sent on top. Every number a
//! report shows (read from its CSV) is compared with a count made here directly in SQL.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use onward::auth::Role;
use onward::db::schema::{
    agencies, attendance, cohort_sessions, cohorts, enrolment_events, enrolments, handovers,
    milestones, participants,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

const ENDED: [&str; 3] = ["completed", "withdrawn", "transferred"];

struct Demo {
    app: TestApp,
    admin: TestUser,
    bishkek: i64,
    lisbon: i64,
    today: NaiveDate,
}

fn noon(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(12, 0, 0).unwrap()
}

/// The demo data, then (at both sites) ended enrolments, an old referral, sessions that did not
/// happen, done milestones early and late, and handovers acknowledged early, late and not yet.
async fn demo() -> Demo {
    let app = spawn_app().await;
    onward::demo::load(&mut app.conn(), app.config.data_keys.as_ref())
        .expect("demo")
        .expect("first load");
    let admin = app.user(Role::Admin, None);
    let (bishkek, lisbon) = (app.site_id("KG-BSK"), app.site_id("PT-LIS"));
    let today = Utc::now().date_naive();
    let d = Demo {
        app,
        admin,
        bishkek,
        lisbon,
        today,
    };
    // Enrolments: three end at Bishkek, one at Lisbon.
    for (site, moves) in [
        (bishkek, &["transferred", "completed", "withdrawn"][..]),
        (lisbon, &["withdrawn", "completed"][..]),
    ] {
        let ids = d.enrolment_ids(site);
        for (id, to) in ids.iter().zip(moves) {
            let resp = d
                .app
                .post_json(
                    &d.admin,
                    &format!("/api/v1/enrolments/{id}/transitions"),
                    &json!({"to": to, "reason": "Case review", "override_reason": "Report test"}),
                )
                .await;
            assert_eq!(
                resp.status(),
                StatusCode::OK,
                "{}",
                resp.text().await.unwrap()
            );
        }
        // One of them ended long ago, and another began long ago: both outside the range.
        let mut c = d.app.conn();
        diesel::update(
            enrolment_events::table
                .filter(enrolment_events::enrolment_id.eq(ids[0]))
                .filter(enrolment_events::to_status.eq_any(ENDED)),
        )
        .set(enrolment_events::occurred_at.eq(noon(today - Duration::days(60))))
        .execute(&mut c)
        .unwrap();
        diesel::update(enrolments::table.find(ids[ids.len() - 1]))
            .set(enrolments::created_at.eq(noon(today - Duration::days(60))))
            .execute(&mut c)
            .unwrap();
    }
    let mut c = d.app.conn();
    // Sessions that did not happen: for logistics (not counted) and by choice (counted).
    for (site, reason) in [(bishkek, "logistics"), (bishkek, "participant_choice")] {
        let (session, person): (i64, i64) = attendance::table
            .inner_join(cohort_sessions::table.inner_join(cohorts::table))
            .filter(cohorts::site_id.eq(site))
            .filter(attendance::mark.ne("did_not_happen"))
            .order((
                attendance::session_id.desc(),
                attendance::participant_id.asc(),
            ))
            .select((attendance::session_id, attendance::participant_id))
            .first(&mut c)
            .unwrap();
        diesel::update(
            attendance::table
                .filter(attendance::session_id.eq(session))
                .filter(attendance::participant_id.eq(person)),
        )
        .set((
            attendance::mark.eq("did_not_happen"),
            attendance::not_held_reason.eq(Some(reason)),
        ))
        .execute(&mut c)
        .unwrap();
    }
    // Milestones done: (site, due days ago, changed days ago, without an agency).
    for (site, due, changed, no_agency) in [
        (bishkek, 10, 12, false),
        (bishkek, 10, 10, false),
        (bishkek, 10, 5, false),
        (bishkek, 20, 25, true),
        (bishkek, 60, 61, false),
        (lisbon, 3, 1, false),
        (lisbon, 8, 9, false),
    ] {
        let id: i64 = milestones::table
            .inner_join(participants::table)
            .filter(participants::site_id.eq(site))
            .filter(milestones::status.ne("done"))
            .filter(milestones::responsible_agency_id.is_not_null())
            .order(milestones::id.asc())
            .select(milestones::id)
            .first(&mut c)
            .unwrap();
        diesel::update(milestones::table.find(id))
            .set((
                milestones::status.eq("done"),
                milestones::due_on.eq(today - Duration::days(due)),
                milestones::updated_at.eq(noon(today - Duration::days(changed))),
            ))
            .execute(&mut c)
            .unwrap();
        if no_agency {
            diesel::update(milestones::table.find(id))
                .set(milestones::responsible_agency_id.eq(None::<i64>))
                .execute(&mut c)
                .unwrap();
        }
    }
    // Handovers: (site, sent days ago, acknowledged days ago).
    for (site, sent, acked) in [
        (bishkek, 10, Some(8)),
        (bishkek, 10, Some(3)),
        (bishkek, 12, Some(1)),
        (bishkek, 9, None),
        (bishkek, 60, Some(59)),
        (lisbon, 5, Some(4)),
        (lisbon, 2, None),
    ] {
        let person: i64 = participants::table
            .filter(participants::site_id.eq(site))
            .filter(
                participants::id.ne_all(
                    handovers::table
                        .select(handovers::participant_id)
                        .load::<i64>(&mut c)
                        .unwrap(),
                ),
            )
            .order(participants::id.asc())
            .select(participants::id)
            .first(&mut c)
            .unwrap();
        let sent_on = today - Duration::days(sent);
        diesel::insert_into(handovers::table)
            .values((
                handovers::participant_id.eq(person),
                handovers::release_date.eq(today + Duration::days(70)),
                handovers::due_on.eq(sent_on),
                handovers::opened_on.eq(sent_on),
                handovers::status.eq(if acked.is_some() {
                    "acknowledged"
                } else {
                    "sent"
                }),
                handovers::sent_at.eq(Some(noon(sent_on))),
                handovers::sent_on.eq(Some(sent_on)),
                handovers::acknowledged_at.eq(acked.map(|a| noon(today - Duration::days(a)))),
                handovers::version.eq(1),
                handovers::created_at.eq(noon(sent_on)),
                handovers::updated_at.eq(noon(sent_on)),
            ))
            .execute(&mut c)
            .unwrap();
    }
    d
}

impl Demo {
    fn enrolment_ids(&self, site: i64) -> Vec<i64> {
        enrolments::table
            .inner_join(cohorts::table)
            .filter(cohorts::site_id.eq(site))
            .order(enrolments::id.asc())
            .select(enrolments::id)
            .load(&mut self.app.conn())
            .unwrap()
    }

    /// The range the tests ask for: the last 30 days (and tomorrow, where Bishkek may already be).
    fn range(&self) -> (NaiveDate, NaiveDate) {
        (
            self.today - Duration::days(30),
            self.today + Duration::days(1),
        )
    }

    fn start(&self) -> NaiveDateTime {
        self.range().0.and_hms_opt(0, 0, 0).unwrap()
    }

    fn query(&self, site: Option<i64>) -> String {
        let (from, to) = self.range();
        format!(
            "site_id={}&from={from}&to={to}",
            site.map(|s| s.to_string()).unwrap_or_default()
        )
    }

    /// A signed-in browser for a new user with `role`.
    async fn browser_for(&self, role: Role, site: Option<&str>) -> PageClient {
        let user = self.app.user(role, site);
        self.app.login(&user.email, PASSWORD).await.0
    }

    /// A report's CSV rows (header first) as `client` downloads it.
    async fn csv(
        &self,
        client: &reqwest::Client,
        name: &str,
        site: Option<i64>,
    ) -> Vec<Vec<String>> {
        let resp = client
            .get(
                self.app
                    .url(&format!("/reports/{name}.csv?{}", self.query(site))),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let body = resp.text().await.unwrap();
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    /// What every report should say for `site` (`None`: every site), counted in SQL.
    fn expected(&self, site: Option<i64>) -> BTreeMap<&'static str, Vec<Vec<String>>> {
        let mut c = self.app.conn();
        let (from, to) = self.range();
        let sites: Vec<i64> = site
            .map(|s| vec![s])
            .unwrap_or(vec![self.bishkek, self.lisbon]);
        let mut out = BTreeMap::new();

        let mut rows = Vec::new();
        for status in [
            "referred",
            "assessed",
            "waitlisted",
            "enrolled",
            "active",
            "suspended",
            "completed",
            "withdrawn",
            "transferred",
        ] {
            let n: i64 = enrolments::table
                .inner_join(cohorts::table)
                .filter(cohorts::site_id.eq_any(&sites))
                .filter(enrolments::status.eq(status))
                .filter(enrolments::created_at.ge(self.start()))
                .count()
                .get_result(&mut c)
                .unwrap();
            rows.push(vec![status.to_string(), n.to_string()]);
        }
        out.insert("enrolments", rows);

        let ended = |status: &str, c: &mut onward::db::DbConnection| -> i64 {
            enrolment_events::table
                .inner_join(enrolments::table.inner_join(cohorts::table))
                .filter(cohorts::site_id.eq_any(&sites))
                .filter(enrolments::status.eq(status))
                .filter(enrolment_events::to_status.eq(status))
                .filter(enrolment_events::occurred_at.ge(self.start()))
                .count()
                .get_result(c)
                .unwrap()
        };
        let (done, withdrawn, transferred) = (
            ended("completed", &mut c),
            ended("withdrawn", &mut c),
            ended("transferred", &mut c),
        );
        let all = done + withdrawn + transferred;
        let pct = |a: i64, b: i64| {
            if b == 0 {
                String::new()
            } else {
                format!("{:.1}", a as f64 * 100.0 / b as f64)
            }
        };
        out.insert(
            "completion",
            vec![vec![
                done.to_string(),
                withdrawn.to_string(),
                transferred.to_string(),
                all.to_string(),
                pct(done, all),
            ]],
        );

        let mut rows = Vec::new();
        let cohort_rows: Vec<(i64, String, String, String)> = cohorts::table
            .inner_join(onward::db::schema::programmes::table)
            .inner_join(onward::db::schema::sites::table)
            .filter(cohorts::site_id.eq_any(&sites))
            .order((
                onward::db::schema::programmes::name.asc(),
                cohorts::name.asc(),
                cohorts::id.asc(),
            ))
            .select((
                cohorts::id,
                onward::db::schema::programmes::name,
                cohorts::name,
                onward::db::schema::sites::name,
            ))
            .load(&mut c)
            .unwrap();
        for (cohort, programme, name, site_name) in cohort_rows {
            let marks = || {
                attendance::table
                    .inner_join(cohort_sessions::table)
                    .filter(cohort_sessions::cohort_id.eq(cohort))
                    .filter(cohort_sessions::starts_at.ge(self.start()))
                    .into_boxed()
            };
            let all: i64 = marks().count().get_result(&mut c).unwrap();
            if all == 0 {
                continue;
            }
            let attended: i64 = marks()
                .filter(attendance::mark.eq_any(["present", "late"]))
                .count()
                .get_result(&mut c)
                .unwrap();
            let not_counted: i64 = marks()
                .filter(attendance::mark.eq("did_not_happen"))
                .filter(
                    attendance::not_held_reason
                        .ne("participant_choice")
                        .or(attendance::not_held_reason.is_null()),
                )
                .count()
                .get_result(&mut c)
                .unwrap();
            let counted = all - not_counted;
            rows.push(vec![
                programme,
                name,
                site_name,
                attended.to_string(),
                counted.to_string(),
                pct(attended, counted),
            ]);
        }
        out.insert("attendance", rows);

        // On time: changed on or before the due date (noon UTC is the same date at both sites).
        let mut by_agency: BTreeMap<(bool, String), (i64, i64)> = BTreeMap::new();
        let agency_rows: Vec<Option<String>> = milestones::table
            .inner_join(participants::table)
            .left_join(agencies::table)
            .filter(participants::site_id.eq_any(&sites))
            .filter(milestones::status.eq("done"))
            .filter(milestones::due_on.between(from, to))
            .select(agencies::name.nullable())
            .distinct()
            .load(&mut c)
            .unwrap();
        for agency in agency_rows {
            let done = || {
                let q = milestones::table
                    .inner_join(participants::table)
                    .left_join(agencies::table)
                    .filter(participants::site_id.eq_any(&sites))
                    .filter(milestones::status.eq("done"))
                    .filter(milestones::due_on.between(from, to))
                    .into_boxed();
                match &agency {
                    Some(a) => q.filter(agencies::name.eq(a.clone())),
                    None => q.filter(milestones::responsible_agency_id.is_null()),
                }
            };
            let all: i64 = done().count().get_result(&mut c).unwrap();
            let on_time: i64 = done()
                .filter(sql::<Bool>(
                    "date(milestones.updated_at) <= milestones.due_on",
                ))
                .count()
                .get_result(&mut c)
                .unwrap();
            by_agency.insert(
                (agency.is_none(), agency.unwrap_or_default()),
                (on_time, all - on_time),
            );
        }
        out.insert(
            "milestones",
            by_agency
                .into_iter()
                .map(|((_, a), (on, late))| {
                    vec![a, on.to_string(), late.to_string(), (on + late).to_string()]
                })
                .collect(),
        );

        // On time: acknowledged before the seventh day after sending.
        let before_escalation = if postgres_base().is_some() {
            "date(handovers.acknowledged_at) < handovers.sent_on + 7"
        } else {
            "date(handovers.acknowledged_at) < date(handovers.sent_on, '+7 days')"
        };
        let sent = || {
            handovers::table
                .inner_join(participants::table)
                .filter(participants::site_id.eq_any(&sites))
                .filter(handovers::sent_on.between(from, to))
                .into_boxed()
        };
        let all: i64 = sent().count().get_result(&mut c).unwrap();
        let not_yet: i64 = sent()
            .filter(handovers::acknowledged_at.is_null())
            .count()
            .get_result(&mut c)
            .unwrap();
        let on_time: i64 = sent()
            .filter(sql::<Bool>(before_escalation))
            .count()
            .get_result(&mut c)
            .unwrap();
        out.insert(
            "handovers",
            vec![vec![
                on_time.to_string(),
                (all - not_yet - on_time).to_string(),
                not_yet.to_string(),
                all.to_string(),
            ]],
        );
        out
    }
}

const HEADERS: [(&str, &[&str]); 5] = [
    ("enrolments", &["status", "enrolments"]),
    (
        "completion",
        &[
            "completed",
            "withdrawn",
            "transferred",
            "ended",
            "completion_percent",
        ],
    ),
    (
        "attendance",
        &[
            "programme",
            "cohort",
            "site",
            "attended",
            "counted",
            "attendance_percent",
        ],
    ),
    ("milestones", &["agency", "on_time", "late", "done"]),
    ("handovers", &["on_time", "late", "not_yet", "sent"]),
];

#[actix_web::test]
async fn every_report_shows_the_numbers_counted_in_sql_for_a_site_and_for_all_sites() {
    let d = demo().await;
    let coordinator = d.browser_for(Role::Coordinator, Some("KG-BSK")).await;
    let admin = d.browser_for(Role::Admin, None).await;
    for (client, site) in [
        (&coordinator, Some(d.bishkek)),
        (&admin, Some(d.lisbon)),
        (&admin, None),
    ] {
        let expected = d.expected(site);
        for (name, header) in HEADERS {
            let mut rows = d.csv(client, name, site).await;
            assert_eq!(rows.remove(0), header, "{name}");
            assert_eq!(rows, expected[name], "{name} at {site:?}");
        }
    }
    // The data above is not all zeros: the reports were tested on something.
    let bishkek = d.expected(Some(d.bishkek));
    assert_eq!(bishkek["completion"], [["1", "1", "0", "2", "50.0"]]);
    assert_eq!(bishkek["handovers"], [["1", "2", "1", "4"]]);
    let milestones: Vec<(i64, i64)> = bishkek["milestones"]
        .iter()
        .map(|r| (r[1].parse().unwrap(), r[2].parse().unwrap()))
        .collect();
    assert_eq!(
        milestones
            .iter()
            .fold((0, 0), |a, m| (a.0 + m.0, a.1 + m.1)),
        (3, 1)
    );
    assert_eq!(
        bishkek["milestones"].last().unwrap()[0],
        "",
        "no agency last"
    );
    assert!(bishkek["enrolments"]
        .iter()
        .any(|r| r[0] == "active" && r[1] != "0"));
    assert!(!bishkek["attendance"].is_empty());
}

#[actix_web::test]
async fn the_reports_page_shows_each_report_as_a_table_and_a_titled_chart() {
    let d = demo().await;
    let admin = d.browser_for(Role::Admin, None).await;
    let html = page(
        &admin,
        d.app.url(&format!("/reports?{}", d.query(Some(d.bishkek)))),
    )
    .await;
    let doc = scraper::Html::parse_document(&html);
    for id in [
        "enrolments",
        "completion",
        "attendance",
        "milestones",
        "handovers",
    ] {
        let section = scraper::Selector::parse(&format!("section#{id}")).unwrap();
        let section = doc
            .select(&section)
            .next()
            .unwrap_or_else(|| panic!("{id}: {html}"));
        let inner = section.html();
        assert!(inner.contains("<table"), "{id}");
        assert!(inner.contains("<svg") && inner.contains("<title"), "{id}");
        let link = scraper::Selector::parse("a[download]").unwrap();
        assert_eq!(
            section
                .select(&link)
                .next()
                .and_then(|a| a.value().attr("href")),
            Some(format!("/reports/{id}.csv?{}", d.query(Some(d.bishkek))).as_str()),
            "{id}"
        );
    }
    // Completion: 1 of 2 ended enrolments completed at Bishkek, shown as a number in the table.
    let completion = text_of(&html, "section#completion tbody").unwrap();
    assert_eq!(completion, "1 1 0 2 50 %");
    assert_eq!(
        text_of(&html, "section#handovers tbody").unwrap(),
        "1 2 1 4"
    );
    // Aggregate only: no case reference or name of the demo's people appears.
    let refs: Vec<String> = participants::table
        .select(participants::case_reference)
        .load(&mut d.app.conn())
        .unwrap();
    assert!(refs.iter().all(|r| !html.contains(r.as_str())));
    assert!(!html.contains("Azamat"));
    // The nav offers the reports.
    assert!(html.contains(r#"href="/reports""#));
}

#[actix_web::test]
async fn a_russian_reader_sees_the_reports_in_russian_with_russian_dates() {
    let d = demo().await;
    let user = d.app.user(Role::Auditor, None);
    diesel::update(onward::db::schema::users::table.find(user.id))
        .set(onward::db::schema::users::language.eq("ru"))
        .execute(&mut d.app.conn())
        .unwrap();
    let (client, _) = d.app.login(&user.email, PASSWORD).await;
    let html = page(&client, d.app.url(&format!("/reports?{}", d.query(None)))).await;
    assert!(html.contains("Зачисления по статусам"), "{html}");
    assert!(html.contains(&d.range().0.format("%d.%m.%Y").to_string()));
}

#[actix_web::test]
async fn only_admins_coordinators_and_auditors_see_reports_and_coordinators_only_their_site() {
    let d = demo().await;
    for role in [Role::Mentor, Role::ProbationOfficer, Role::AgencyUser] {
        let client = d.browser_for(role, None).await;
        let resp = client.get(d.app.url("/reports")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role:?}");
        let resp = client
            .get(
                d.app
                    .url(&format!("/reports/enrolments.csv?{}", d.query(None))),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role:?}");
        let home = page(&client, d.app.url("/")).await;
        assert!(!home.contains(r#"href="/reports""#), "{role:?}");
    }
    // Auditors: every site, read only.
    let auditor = d.browser_for(Role::Auditor, None).await;
    let html = page(&auditor, d.app.url("/reports")).await;
    assert!(html.contains("All sites"));
    let rows = d.csv(&auditor, "handovers", None).await;
    assert_eq!(rows[1], ["2", "2", "2", "6"]);
    // A coordinator: their own site only.
    let coordinator = d.browser_for(Role::Coordinator, Some("KG-BSK")).await;
    let resp = coordinator
        .get(d.app.url(&format!(
            "/reports/handovers.csv?{}",
            d.query(Some(d.lisbon))
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Without a site, theirs.
    let rows = d.csv(&coordinator, "handovers", None).await;
    assert_eq!(rows[1], ["1", "2", "1", "4"]);
    let html = page(&coordinator, d.app.url("/reports")).await;
    assert!(!html.contains("All sites"));
    assert!(!html.contains("Lisbon Central Prison"));
    assert!(html.contains("Bishkek Correctional Colony No. 1"));
}

#[actix_web::test]
async fn a_bad_date_is_a_422_naming_the_field_and_keeping_what_was_typed() {
    let d = demo().await;
    let admin = d.browser_for(Role::Admin, None).await;
    let resp = admin
        .get(d.app.url("/reports?site_id=&from=2026-02-30&to=2026-03-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(html.contains(r#"value="2026-02-30""#), "{html}");
    assert!(html.contains(r#"value="2026-03-31""#));
    assert!(html.contains("#reports-from"), "{html}");
    assert!(html.contains("YYYY-MM-DD"));
    assert!(!html.contains(r#"id="enrolments""#));
    // An end before the start names the end.
    let resp = admin
        .get(d.app.url("/reports?from=2026-03-31&to=2026-03-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("#reports-to"));
    // The CSV too.
    let resp = admin
        .get(d.app.url("/reports/enrolments.csv?to=31/03/2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let resp = admin
        .get(d.app.url("/reports/nothing.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_csv_download_is_csv_with_its_header_row_and_is_audited() {
    let d = demo().await;
    let admin = d.browser_for(Role::Admin, None).await;
    let resp = admin
        .get(d.app.url(&format!(
            "/reports/milestones.csv?{}",
            d.query(Some(d.bishkek))
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"milestones-site-"));
    let body = resp.text().await.unwrap();
    assert_eq!(body.lines().next(), Some("agency,on_time,late,done"));
    // Viewing the page is not an export; the download is.
    let before = d.app.audit_actions();
    page(&admin, d.app.url("/reports")).await;
    assert_eq!(d.app.audit_actions(), before);
    assert_eq!(before.iter().filter(|a| *a == "report.export").count(), 1);
    use onward::db::schema::audit_events;
    let (entity, detail, participant): (Option<String>, Option<String>, Option<i64>) =
        audit_events::table
            .filter(audit_events::action.eq("report.export"))
            .select((
                audit_events::entity_id,
                audit_events::detail,
                audit_events::participant_id,
            ))
            .first(&mut d.app.conn())
            .unwrap();
    assert_eq!(entity.as_deref(), Some("milestones"));
    assert!(detail.unwrap().contains(&d.range().0.to_string()));
    assert_eq!(participant, None);
}

#[actix_web::test]
async fn without_dates_the_reports_cover_the_last_90_days() {
    let d = demo().await;
    let coordinator = d.browser_for(Role::Coordinator, Some("PT-LIS")).await;
    let html = page(&coordinator, d.app.url("/reports")).await;
    let to = hidden_value(&html, "to");
    let from = hidden_value(&html, "from");
    let (from, to): (NaiveDate, NaiveDate) = (from.parse().unwrap(), to.parse().unwrap());
    assert_eq!(to - from, Duration::days(89));
    assert!((to - d.today).num_days().abs() <= 1);
}

#[test]
fn every_reports_message_exists_in_english_and_russian() {
    let keys = |lang: &str| -> Vec<String> {
        let text = std::fs::read_to_string(format!(
            "{}/locales/{lang}/reports.ftl",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let mut keys: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" = "))
            .map(|l| l.split(" = ").next().unwrap().trim().to_string())
            .collect();
        keys.sort();
        keys
    };
    let en = keys("en");
    assert!(en.len() > 40);
    assert_eq!(en, keys("ru"));
}
