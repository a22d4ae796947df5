//! The authorization matrix: every API route of `/api/openapi.json` (read at run time, so a new
//! route without an expectation fails here) and every page that takes a participant, plan,
//! milestone or handover id, × every role × every scope of the target participant — own (the
//! actor's site, caseload, case or agency basis), another site, unassigned (same site, not
//! theirs), restricted (same site, actor not named).
//!
//! The expected policy is the small table below, written from PRODUCT.md and the access modules,
//! never by calling them. Zero leaks: a denied cell answers 403 or 404 (pages may send to the
//! login page) and holds none of the identifying strings of a participant the role may not see
//! (each participant has its own family name and case reference); a denied write changes
//! nothing (no write in the audit trail, and the participant reads back the same to an allowed
//! user); an allowed read answers 2xx. One database per backend, many requests.

use std::collections::BTreeMap;

use diesel::prelude::*;
use onward::auth::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::world::{Scope, SCOPES};
use Scope::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum R {
    Admin,
    Coordinator,
    Mentor,
    Officer,
    Agency,
    Auditor,
}

/// The participant record itself (need-to-know): admins everyone not restricted, coordinators
/// their site, mentors their caseload, officers their cases; named staff only for restricted.
fn sees(r: R, s: Scope) -> bool {
    match r {
        R::Admin => s != Restricted,
        R::Coordinator => matches!(s, Own | Unassigned),
        R::Mentor | R::Officer => s == Own,
        R::Agency | R::Auditor => false,
    }
}

/// Changing the record, its plan, bases and cohorts: admins and the site's coordinators.
fn edits(r: R, s: Scope) -> bool {
    match r {
        R::Admin => s != Restricted,
        R::Coordinator => matches!(s, Own | Unassigned),
        _ => false,
    }
}

/// The case team of risk reviews and handovers: the site's coordinators and the case's officer.
fn case_team(r: R, s: Scope) -> bool {
    match r {
        R::Coordinator => matches!(s, Own | Unassigned),
        R::Officer => s == Own,
        _ => false,
    }
}

/// Progress notes are read and written by the assigned mentor, the site's coordinators, and
/// (shared ones, read only) the case's officer.
fn note_reader(r: R, s: Scope) -> bool {
    case_team(r, s) || (r == R::Mentor && s == Own)
}

/// An agency user reaches their agency's milestones of people with a valid basis (own).
fn agency_own(r: R, s: Scope) -> bool {
    r == R::Agency && s == Own
}

/// A site-level resource (cohort, session, holidays) at the target's site: admins, and the
/// coordinators of that site (restricted people live at the coordinator's site too).
fn site_manager(r: R, s: Scope) -> bool {
    r == R::Admin || (r == R::Coordinator && s != OtherSite)
}

/// Cohorts (and their sessions) an actor sees: admins all, coordinators their site's, mentors
/// and officers those of their caseload, counting only people the access gate opens to them (a
/// restricted person's cohort would tell an officer not named on them that they are enrolled).
fn sees_cohort(r: R, s: Scope) -> bool {
    match r {
        R::Admin => true,
        R::Coordinator => s != OtherSite,
        R::Mentor | R::Officer => s == Own,
        _ => false,
    }
}

/// Whose identifying strings may appear in any answer to `r`: those they see, an agency's own
/// case (through its milestones), and everyone on the audit log and the subject access export
/// for the roles that hold them.
fn may_reveal(r: R, s: Scope, route: &str) -> bool {
    let audit_log = route.contains("audit");
    let export = route.contains("/export");
    sees(r, s)
        || agency_own(r, s)
        || (audit_log && matches!(r, R::Admin | R::Auditor))
        || (export && matches!(r, R::Admin | R::Auditor))
        // Who takes a session's register marks everyone in the room, restricted or not.
        || (route.contains("/register") && site_manager(r, s))
}

/// The expected answer of one cell: `Some(true)` allowed, `Some(false)` denied, `None` a route
/// this table does not know (the test fails).
fn allowed(method: &str, path: &str, r: R, s: Scope) -> Option<bool> {
    use R::*;
    let staff = matches!(r, Admin | Coordinator | Mentor | Officer);
    Some(match (method, path) {
        // Participants.
        ("get", "/api/v1/participants") => true, // a scoped list: empty for who sees nobody
        ("post", "/api/v1/participants") => site_manager(r, s),
        ("get", "/api/v1/participants/{id}") => sees(r, s),
        ("put", "/api/v1/participants/{id}") => edits(r, s),
        ("get", "/api/v1/participants/{id}/notifications") => sees(r, s),
        // The subject access export is the data-protection way in, restricted people included.
        ("get", "/api/v1/participants/{id}/export") => matches!(r, Admin | Auditor),
        // Sharing bases and agencies.
        ("get", "/api/v1/participants/{id}/sharing-bases") => sees(r, s),
        ("post", "/api/v1/participants/{id}/sharing-bases") => edits(r, s),
        ("put", "/api/v1/sharing-bases/{id}") => edits(r, s),
        ("get", "/api/v1/agencies") => matches!(r, Admin | Coordinator | Agency),
        ("post", "/api/v1/agencies") => r == Admin,
        ("get", "/api/v1/agencies/{id}") => {
            matches!(r, Admin | Coordinator) || (r == Agency && matches!(s, Own | Restricted))
        }
        ("put", "/api/v1/agencies/{id}") => r == Admin,
        // Exit plans and milestones.
        ("get", "/api/v1/participants/{id}/exit-plan") => sees(r, s),
        ("post", "/api/v1/participants/{id}/exit-plan") => edits(r, s),
        ("put", "/api/v1/participants/{id}/exit-plan") => edits(r, s),
        ("put", "/api/v1/participants/{id}/exit-plan/pathways/{pathway}") => edits(r, s),
        ("post", "/api/v1/participants/{id}/exit-plan/milestones") => edits(r, s),
        ("get", "/api/v1/milestones") => r != Auditor,
        ("get", "/api/v1/milestones/{id}") => sees(r, s) || agency_own(r, s),
        ("put", "/api/v1/milestones/{id}") => {
            edits(r, s) || (r == Officer && s == Own) || agency_own(r, s)
        }
        ("get", "/api/v1/plan-templates") => staff,
        ("post", "/api/v1/plan-templates") => r == Admin,
        // Progress notes, risk reviews, handovers.
        // Whoever sees the person gets the list; only readers find anything in it (see `empty`).
        ("get", "/api/v1/participants/{id}/progress-notes") => sees(r, s),
        ("post", "/api/v1/participants/{id}/progress-notes") => {
            (r == Coordinator && s != OtherSite && s != Restricted) || (r == Mentor && s == Own)
        }
        ("get", "/api/v1/participants/{id}/risk-reviews") => sees(r, s),
        ("post", "/api/v1/participants/{id}/risk-reviews") => case_team(r, s),
        ("get", "/api/v1/handovers") => true,
        ("get", "/api/v1/handovers/{id}") => case_team(r, s),
        ("post", "/api/v1/handovers/{id}/acknowledge") => r == Officer && s == Own,
        ("post", "/api/v1/handovers/{id}/meeting") => case_team(r, s),
        ("post", "/api/v1/participants/{id}/handover") => r == Coordinator && edits(r, s),
        // Programmes, cohorts, sessions, registers, holidays.
        ("get", "/api/v1/programmes") => staff,
        ("post", "/api/v1/programmes") => matches!(r, Admin | Coordinator),
        ("put", "/api/v1/programmes/{id}") => matches!(r, Admin | Coordinator),
        ("get", "/api/v1/cohorts") => true,
        ("post", "/api/v1/cohorts") => site_manager(r, s),
        ("get", "/api/v1/cohorts/{id}") => sees_cohort(r, s),
        ("put", "/api/v1/cohorts/{id}") => site_manager(r, s),
        ("post", "/api/v1/cohorts/{id}/sessions") => site_manager(r, s),
        ("get", "/api/v1/cohorts/{id}/register.csv") => sees_cohort(r, s),
        ("get", "/api/v1/sessions/{id}") => sees_cohort(r, s),
        ("post", "/api/v1/sessions/{id}/reschedule") => site_manager(r, s),
        ("post", "/api/v1/sessions/{id}/cancel") => site_manager(r, s),
        ("get", "/api/v1/sessions/{id}/register") => sees_cohort(r, s),
        ("put", "/api/v1/sessions/{id}/register") => site_manager(r, s),
        ("get", "/api/v1/sites/{id}/holidays") => staff,
        ("post", "/api/v1/sites/{id}/holidays") => r == Admin,
        ("post", "/api/v1/sites/{id}/holidays/import") => r == Admin,
        // Enrolments and absence alerts.
        ("get", "/api/v1/enrolments") => true,
        ("post", "/api/v1/enrolments") => edits(r, s),
        ("get", "/api/v1/enrolments/{id}") => sees(r, s),
        // Which move is allowed to whom is the TRANSITIONS table; mentors make some of their own.
        ("post", "/api/v1/enrolments/{id}/transitions") => edits(r, s) || (r == Mentor && s == Own),
        ("get", "/api/v1/alerts") => true,
        ("post", "/api/v1/alerts/{id}/acknowledge") => edits(r, s),
        // Calendar feeds (each feed is its owner's; the matrix's are the admin's).
        ("get", "/api/v1/calendar-feeds") => true, // each user's own feeds
        ("post", "/api/v1/calendar-feeds") => sees_cohort(r, s),
        ("post", "/api/v1/calendar-feeds/{id}/revoke") => r == Admin,
        // Reminders, outbox, jobs, audit.
        ("get", "/api/v1/reminder-rules") => matches!(r, Admin | Coordinator),
        ("post", "/api/v1/reminder-rules") => r == Admin,
        ("put", "/api/v1/reminder-rules/{id}") => r == Admin,
        ("get", "/api/v1/notifications") => r == Admin,
        ("post", "/api/v1/notifications/{id}/retry") => r == Admin,
        ("get", "/api/v1/jobs") => r == Admin,
        ("get", "/api/v1/audit-events") => matches!(r, Admin | Auditor),
        // Pages that take a participant, plan, milestone or handover id.
        ("get", "/participants/{id}") => sees(r, s),
        ("get", "/participants/{id}/edit") => edits(r, s),
        ("post", "/participants/{id}") => edits(r, s),
        ("get", "/participants/{id}/export") | ("get", "/participants/{id}/export.json") => {
            matches!(r, Admin | Auditor)
        }
        ("get", "/participants/{id}/exit-plan") => sees(r, s),
        ("post", "/participants/{id}/exit-plan") => edits(r, s),
        ("post", "/participants/{id}/exit-plan/pathways/{pathway}") => edits(r, s),
        ("post", "/participants/{id}/exit-plan/milestones") => edits(r, s),
        ("post", "/participants/{id}/sharing-bases") => edits(r, s),
        ("get", "/participants/{id}/notes") => note_reader(r, s),
        ("post", "/participants/{id}/notes") => {
            (r == Coordinator && s != OtherSite && s != Restricted) || (r == Mentor && s == Own)
        }
        ("get", "/participants/{id}/risk-reviews") => case_team(r, s),
        ("post", "/participants/{id}/risk-reviews") => case_team(r, s),
        ("post", "/participants/{id}/handover/send") => r == Coordinator && edits(r, s),
        ("get", "/milestones/{id}") => sees(r, s) || agency_own(r, s),
        ("post", "/milestones/{id}") => {
            edits(r, s) || (r == Officer && s == Own) || agency_own(r, s)
        }
        ("get", "/handovers/{id}") => case_team(r, s),
        ("post", "/handovers/{id}/acknowledge") => r == Officer && s == Own,
        ("post", "/handovers/{id}/meeting") => case_team(r, s),
        _ => return None,
    })
}

/// Allowed reads that must come back empty: the notes and reviews of a person the actor sees
/// but has no part in reading.
fn empty(method: &str, path: &str, r: R, s: Scope) -> bool {
    method == "get"
        && ((path.ends_with("/progress-notes") && !note_reader(r, s))
            || (path.ends_with("/risk-reviews") && path.starts_with("/api/") && !case_team(r, s)))
}

/// The pages of the matrix (pages are not in the OpenAPI document).
const PAGES: &[(&str, &str)] = &[
    ("get", "/participants/{id}"),
    ("get", "/participants/{id}/edit"),
    ("post", "/participants/{id}"),
    ("get", "/participants/{id}/export"),
    ("get", "/participants/{id}/export.json"),
    ("get", "/participants/{id}/exit-plan"),
    ("post", "/participants/{id}/exit-plan"),
    ("post", "/participants/{id}/exit-plan/pathways/{pathway}"),
    ("post", "/participants/{id}/exit-plan/milestones"),
    ("post", "/participants/{id}/sharing-bases"),
    ("get", "/participants/{id}/notes"),
    ("post", "/participants/{id}/notes"),
    ("get", "/participants/{id}/risk-reviews"),
    ("post", "/participants/{id}/risk-reviews"),
    ("post", "/participants/{id}/handover/send"),
    ("get", "/milestones/{id}"),
    ("post", "/milestones/{id}"),
    ("get", "/handovers/{id}"),
    ("post", "/handovers/{id}/acknowledge"),
    ("post", "/handovers/{id}/meeting"),
];

/// What one scope's participant is made of.
#[derive(Default, Clone)]
struct Case {
    participant: i64,
    family_name: String,
    case_reference: String,
    site: i64,
    agency: i64,
    basis: i64,
    milestone: i64,
    handover: i64,
    cohort: i64,
    session: i64,
    enrolment: i64,
    alert: i64,
    notification: i64,
    feed: i64,
    mentor: i64,
    officer: i64,
    named: Option<i64>,
    /// The user who reads it back after a denied write (a coordinator allowed to see it).
    reader: Option<TestUser>,
}

struct World {
    app: TestApp,
    actors: Vec<(R, TestUser)>,
    cases: Vec<(Scope, Case)>,
    programme: i64,
    rule: i64,
    counter: std::cell::Cell<u32>,
}

impl World {
    fn case(&self, s: Scope) -> &Case {
        &self.cases.iter().find(|(k, _)| *k == s).unwrap().1
    }

    fn next(&self) -> u32 {
        self.counter.set(self.counter.get() + 1);
        self.counter.get()
    }
}

async fn created(resp: reqwest::Response, what: &str) -> Value {
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn world() -> World {
    let crate::world::World {
        app,
        admin,
        coordinator,
        named,
        coordinator_b,
        mentor,
        agency_user,
        auditor,
        officer,
        people,
        ..
    } = crate::world::world().await;
    let test_agency = test_agency(&mut app.conn());
    let agency_b = id(&created(
        app.post_json(
            &admin,
            "/api/v1/agencies",
            &json!({"name": "Housing B", "kind": "housing", "mailbox": "b@agency.test",
                    "language": "en", "vetting_status": "vetted", "secure_channel": false}),
        )
        .await,
        "agency",
    )
    .await);
    let programme = id(&created(
        app.post_json(
            &admin,
            "/api/v1/programmes",
            &json!({"name": "Pathways", "kind": "group", "session_count": 1, "min_attendance_percent": 75}),
        )
        .await,
        "programme",
    )
    .await);
    let rule = id(&created(
        app.post_json(
            &admin,
            "/api/v1/reminder-rules",
            &json!({"name": "Matrix rule", "milestone_kinds": ["custom"], "days_before": [7],
                    "days_after": [], "recipients": ["agency"], "delivery": "single"}),
        )
        .await,
        "rule",
    )
    .await);

    let mut cases = Vec::new();
    for (n, person) in people.into_iter().enumerate() {
        let scope = person.scope;
        let (participant, reference, family, site) = (
            person.id,
            person.case_reference.as_str(),
            person.family_name.as_str(),
            person.site,
        );
        let (case_mentor, case_officer, by) = (&person.mentor, &person.officer, &person.by);
        // The agency with a basis: the test agency for own and restricted, Housing B otherwise.
        let agency = if matches!(scope, Own | Restricted) {
            test_agency
        } else {
            agency_b
        };
        let p = format!("/api/v1/participants/{participant}");
        let basis = id(&created(
            app.post_json(
                by,
                &format!("{p}/sharing-bases"),
                &json!({"agency_id": agency, "legal_basis": "Court order", "valid_from": "2026-01-01"}),
            )
            .await,
            "basis",
        )
        .await);
        created(
            app.post_json(
                by,
                &format!("{p}/exit-plan"),
                &json!({"target_release_date": day(180), "release_type": "parole"}),
            )
            .await,
            "plan",
        )
        .await;
        let milestone = id(&created(
            app.post_json(
                by,
                &format!("{p}/exit-plan/milestones"),
                &json!({"kind": "custom", "title": format!("Step for {family}"), "offset_days": -10,
                        "responsible_agency_id": test_agency}),
            )
            .await,
            "milestone",
        )
        .await);
        let author = if scope == Restricted { by } else { case_mentor };
        created(
            app.post_json(
                author,
                &format!("{p}/progress-notes"),
                &json!({"contact_date": "2026-11-20", "contact_type": "one_to_one",
                        "ratings": {"engagement": 4}, "narrative": format!("Talked with {family}"),
                        "tell_probation": true}),
            )
            .await,
            "note",
        )
        .await;
        created(
            app.post_json(
                by,
                &format!("{p}/risk-reviews"),
                &json!({"instrument": "VERA-2R", "level": "moderate", "assessor": "Dr. Aliev",
                        "assessed_on": day(-30), "review_by": day(60)}),
            )
            .await,
            "risk review",
        )
        .await;
        let cohort_by = if scope == OtherSite {
            &coordinator_b
        } else {
            &coordinator
        };
        let cohort = created(
            app.post_json(
                cohort_by,
                "/api/v1/cohorts",
                &json!({"programme_id": programme, "site_id": site, "name": format!("Group {n}"),
                        "capacity": 10, "start_date": day(0),
                        "schedule": {"first_date": day(0), "time": "10:00", "duration_minutes": 60,
                                     "every_weeks": 1, "count": 1, "room": format!("Room {n}")}}),
            )
            .await,
            "cohort",
        )
        .await;
        let session = cohort["sessions"][0]["id"].as_i64().unwrap();
        let enrolment = id(&created(
            app.post_json(
                by,
                "/api/v1/enrolments",
                &json!({"participant_id": participant, "cohort_id": id(&cohort), "reason": "Sentence plan"}),
            )
            .await,
            "enrolment",
        )
        .await);
        for (to, extra) in [
            ("assessed", json!("suitable")),
            ("enrolled", Value::Null),
            ("active", Value::Null),
        ] {
            created(
                app.post_json(
                    by,
                    &format!("/api/v1/enrolments/{enrolment}/transitions"),
                    &json!({"to": to, "reason": format!("to {to}"), "assessment_outcome": extra}),
                )
                .await,
                "transition",
            )
            .await;
        }
        let taker = if scope == Restricted { by } else { cohort_by };
        created(
            app.put_json(
                taker,
                &format!("/api/v1/sessions/{session}/register"),
                None,
                &json!({"entries": [{"participant_id": participant, "mark": "present"}]}),
            )
            .await,
            "register",
        )
        .await;
        let handover = if scope == Restricted {
            // Nobody may be sent a restricted person's handover unless named: it stays due.
            use onward::db::schema::handovers;
            let day = chrono::Utc::now().date_naive();
            let release: chrono::NaiveDate = crate::helpers::day(180).parse().unwrap();
            let mut c = app.conn();
            onward::handovers::sweep::open(
                &mut c,
                participant,
                release,
                release - chrono::Duration::days(84),
                day,
            )
            .unwrap();
            handovers::table
                .filter(handovers::participant_id.eq(participant))
                .select(handovers::id)
                .first(&mut *c)
                .unwrap()
        } else {
            id(&created(
                app.post_json(by, &format!("{p}/handover"), &json!({}))
                    .await,
                "handover",
            )
            .await)
        };
        let feed = id(&created(
            app.post_json(
                &admin,
                "/api/v1/calendar-feeds",
                &json!({"cohort_id": id(&cohort)}),
            )
            .await,
            "feed",
        )
        .await);
        let (alert, notification) = {
            use onward::db::schema::{absence_alerts, notifications};
            let mut c = app.conn();
            diesel::insert_into(absence_alerts::table)
                .values((
                    absence_alerts::enrolment_id.eq(enrolment),
                    absence_alerts::participant_id.eq(participant),
                    absence_alerts::cohort_id.eq(id(&cohort)),
                    absence_alerts::streak.eq(3),
                    absence_alerts::raised_at.eq(onward::db::now()),
                ))
                .execute(&mut *c)
                .unwrap();
            let alert: i64 = absence_alerts::table
                .filter(absence_alerts::participant_id.eq(participant))
                .select(absence_alerts::id)
                .first(&mut *c)
                .unwrap();
            let existing: Option<i64> = notifications::table
                .filter(notifications::participant_id.eq(participant))
                .select(notifications::id)
                .first(&mut *c)
                .optional()
                .unwrap();
            // The restricted person's note told nobody (the officer is not named on them): an
            // email to the named coordinator stands in, so the outbox routes have one to show.
            let notification = existing.unwrap_or_else(|| {
                let now = onward::db::now();
                diesel::insert_into(notifications::table)
                    .values((
                        notifications::dedupe_key.eq(format!("matrix|{participant}")),
                        notifications::kind.eq("progress_note"),
                        notifications::mandatory.eq(false),
                        notifications::participant_id.eq(Some(participant)),
                        notifications::recipient_user_id.eq(Some(by.id)),
                        notifications::to_address.eq(by.email.clone()),
                        notifications::language.eq("en"),
                        notifications::subject.eq(format!("Onward: a note on {reference}")),
                        notifications::body_text.eq(format!("A note on {reference}")),
                        notifications::body_html.eq(format!("<p>A note on {reference}</p>")),
                        notifications::message_id.eq(format!("<matrix.{participant}@test>")),
                        notifications::status.eq("pending"),
                        notifications::attempts.eq(0),
                        notifications::next_attempt_at.eq(now),
                        notifications::created_at.eq(now),
                    ))
                    .execute(&mut *c)
                    .unwrap();
                notifications::table
                    .filter(notifications::participant_id.eq(participant))
                    .select(notifications::id)
                    .first(&mut *c)
                    .unwrap()
            });
            // A failed email, so that a retry would change it.
            diesel::update(notifications::table.find(notification))
                .set(notifications::status.eq("failed"))
                .execute(&mut *c)
                .unwrap();
            (alert, notification)
        };
        cases.push((
            scope,
            Case {
                participant,
                family_name: family.to_string(),
                case_reference: reference.to_string(),
                site,
                agency,
                basis,
                milestone,
                handover,
                cohort: id(&cohort),
                session,
                enrolment,
                alert,
                notification,
                feed,
                mentor: case_mentor.id,
                officer: case_officer.id,
                named: (scope == Restricted).then_some(named.id),
                reader: Some(by.clone()),
            },
        ));
    }
    World {
        app,
        actors: vec![
            (R::Admin, admin),
            (R::Coordinator, coordinator),
            (R::Mentor, mentor),
            (R::Officer, officer),
            (R::Agency, agency_user),
            (R::Auditor, auditor),
        ],
        cases,
        programme,
        rule,
        counter: std::cell::Cell::new(0),
    }
}

/// The concrete path of a route for a scope's case.
fn concrete(w: &World, path: &str, s: Scope) -> String {
    let c = w.case(s);
    let id = if path.starts_with("/api/v1/participants/{id}")
        || path.starts_with("/participants/{id}")
    {
        c.participant
    } else if path.contains("milestones/{id}") {
        c.milestone
    } else if path.contains("handovers/{id}") {
        c.handover
    } else if path.contains("sharing-bases/{id}") {
        c.basis
    } else if path.contains("agencies/{id}") {
        c.agency
    } else if path.contains("cohorts/{id}") {
        c.cohort
    } else if path.contains("sessions/{id}") {
        c.session
    } else if path.contains("sites/{id}") {
        c.site
    } else if path.contains("enrolments/{id}") {
        c.enrolment
    } else if path.contains("alerts/{id}") {
        c.alert
    } else if path.contains("notifications/{id}") {
        c.notification
    } else if path.contains("calendar-feeds/{id}") {
        c.feed
    } else if path.contains("programmes/{id}") {
        w.programme
    } else if path.contains("reminder-rules/{id}") {
        w.rule
    } else {
        0
    };
    path.replace("{id}", &id.to_string())
        .replace("{pathway}", "accommodation")
}

/// Whether a route's answer depends on the target's scope (else it is asked once per role).
fn scoped(method: &str, path: &str) -> bool {
    path.contains("{id}")
        || (method == "post"
            && matches!(
                path,
                "/api/v1/participants"
                    | "/api/v1/cohorts"
                    | "/api/v1/enrolments"
                    | "/api/v1/calendar-feeds"
            ))
}

/// A valid body for a write, so that only the actor's rights decide; it keeps what the matrix
/// depends on (bases valid, plans active, people where they are).
fn body(w: &World, method: &str, path: &str, s: Scope) -> Value {
    let c = w.case(s);
    let n = w.next();
    match (method, path) {
        ("post", "/api/v1/participants") => participant_body(&format!("KG-2030-{n:05}"), c.site),
        ("put", "/api/v1/participants/{id}") => {
            let mut b = participant_body(&c.case_reference, c.site);
            b["family_name"] = json!(c.family_name);
            b
        }
        ("post", "/api/v1/participants/{id}/sharing-bases") => {
            json!({"agency_id": c.agency, "legal_basis": "Consent", "valid_from": "2026-02-01"})
        }
        ("put", "/api/v1/sharing-bases/{id}") => {
            json!({"agency_id": c.agency, "legal_basis": "Court order", "valid_from": "2026-01-01"})
        }
        ("post", "/api/v1/agencies") => {
            json!({"name": format!("Agency {n}"), "kind": "ngo", "mailbox": format!("a{n}@agency.test"),
                   "language": "en", "vetting_status": "vetted", "secure_channel": false})
        }
        ("put", "/api/v1/agencies/{id}") => {
            json!({"name": if c.agency == w.case(Own).agency { "Test agency" } else { "Housing B" },
                   "kind": if c.agency == w.case(Own).agency { "ngo" } else { "housing" },
                   "mailbox": if c.agency == w.case(Own).agency { "team@agency.test" } else { "b@agency.test" },
                   "language": "en", "vetting_status": "vetted", "secure_channel": false, "active": true})
        }
        ("post", "/api/v1/participants/{id}/exit-plan")
        | ("put", "/api/v1/participants/{id}/exit-plan") => {
            json!({"target_release_date": day(180), "release_type": "parole", "status": "active"})
        }
        ("put", "/api/v1/participants/{id}/exit-plan/pathways/{pathway}") => {
            json!({"status": "in_progress", "responsible": "Housing officer"})
        }
        ("post", "/api/v1/participants/{id}/exit-plan/milestones") => {
            json!({"kind": "custom", "title": format!("Extra step {n}"), "offset_days": -20})
        }
        ("put", "/api/v1/milestones/{id}") => {
            json!({"kind": "custom", "title": format!("Step for {}", c.family_name), "offset_days": -10,
                   "responsible_agency_id": w.case(Own).agency, "status": "in_progress"})
        }
        ("post", "/api/v1/plan-templates") => {
            json!({"name": format!("Template {n}"), "milestones": [{"kind": "custom", "title": "Call", "offset_days": -7}]})
        }
        ("post", "/api/v1/participants/{id}/progress-notes") => {
            json!({"contact_date": "2026-11-21", "contact_type": "one_to_one", "ratings": {"engagement": 3},
                   "narrative": "Matrix note", "tell_probation": false})
        }
        ("post", "/api/v1/participants/{id}/risk-reviews") => {
            json!({"instrument": "VERA-2R", "level": "low", "assessor": "Dr. Aliev",
                   "assessed_on": day(-30), "review_by": day(90)})
        }
        ("post", "/api/v1/handovers/{id}/meeting") => {
            json!({"at": format!("{}T10:00", day(60)), "minutes": 60, "place": "Room 1", "attendee_ids": []})
        }
        ("post", "/api/v1/programmes") | ("put", "/api/v1/programmes/{id}") => {
            json!({"name": if method == "put" { "Pathways".to_string() } else { format!("Programme {n}") },
                   "kind": "group", "session_count": 1, "min_attendance_percent": 75})
        }
        ("post", "/api/v1/cohorts") => {
            json!({"programme_id": w.programme, "site_id": c.site, "name": format!("Cohort {n}"), "capacity": 5,
                   "start_date": day(28),
                   "schedule": {"first_date": day(28), "time": "09:00", "duration_minutes": 60,
                                "every_weeks": 1, "count": 1, "room": format!("Hall {n}")}})
        }
        ("put", "/api/v1/cohorts/{id}") => json!({"capacity": 10}),
        ("post", "/api/v1/cohorts/{id}/sessions") => {
            json!({"session": {"starts_at": format!("{}T09:00", day(60 + n as i64 % 27)), "duration_minutes": 30,
                               "room": format!("Annex {n}")}})
        }
        ("post", "/api/v1/sessions/{id}/reschedule") => {
            json!({"starts_at": format!("{}T10:00", day(1)), "reason": "Drill", "requested_by": "Security"})
        }
        ("post", "/api/v1/sessions/{id}/cancel") => {
            json!({"reason": "Facilitator ill", "requested_by": "Coordinator"})
        }
        ("put", "/api/v1/sessions/{id}/register") => {
            json!({"entries": [{"participant_id": c.participant, "mark": "present"}]})
        }
        ("post", "/api/v1/sites/{id}/holidays") => {
            json!({"date": format!("2027-{:02}-{:02}", 1 + n % 12, 1 + n % 28), "name": "Matrix day"})
        }
        ("post", "/api/v1/enrolments") => {
            json!({"participant_id": c.participant, "cohort_id": w.case(Own).cohort, "reason": "Matrix"})
        }
        ("post", "/api/v1/enrolments/{id}/transitions") => {
            json!({"to": "assessed", "reason": "Interview", "assessment_outcome": "suitable"})
        }
        ("post", "/api/v1/calendar-feeds") => json!({"cohort_id": c.cohort}),
        ("post", "/api/v1/reminder-rules") | ("put", "/api/v1/reminder-rules/{id}") => {
            json!({"name": "Matrix rule", "milestone_kinds": ["custom"], "days_before": [7],
                   "days_after": [], "recipients": ["agency"], "delivery": "single"})
        }
        _ => json!({}),
    }
}

/// Form fields for a page write (the CSRF token is added as it is sent).
fn form(w: &World, path: &str, s: Scope) -> Vec<(String, String)> {
    let c = w.case(s);
    let mut f: Vec<(&str, String)> = match path {
        "/participants/{id}" => {
            let b = body(w, "put", "/api/v1/participants/{id}", s);
            let mut f: Vec<(&str, String)> = Vec::new();
            for k in [
                "case_reference",
                "given_name",
                "family_name",
                "date_of_birth",
                "status",
                "sentence_start",
                "earliest_release_date",
            ] {
                f.push((k, b[k].as_str().unwrap_or_default().to_string()));
            }
            f.push(("site_id", c.site.to_string()));
            f.push(("mentor_ids", c.mentor.to_string()));
            f.push(("probation_officer_id", c.officer.to_string()));
            if let Some(named) = c.named {
                f.push(("restricted", "on".into()));
                f.push(("named_staff_ids", named.to_string()));
            }
            f
        }
        "/participants/{id}/exit-plan" => vec![
            ("target_release_date", day(180)),
            ("release_type", "parole".into()),
            ("status", "active".into()),
        ],
        "/participants/{id}/exit-plan/pathways/{pathway}" => vec![
            ("status", "in_progress".into()),
            ("responsible", "Housing officer".into()),
        ],
        "/participants/{id}/exit-plan/milestones" => vec![
            ("kind", "custom".into()),
            ("title", "Form step".into()),
            ("offset_days", "-15".into()),
        ],
        "/participants/{id}/sharing-bases" => vec![
            ("agency_id", c.agency.to_string()),
            ("legal_basis", "Consent".into()),
            ("valid_from", "2026-03-01".into()),
        ],
        "/participants/{id}/notes" => vec![
            ("contact_date", "2026-11-22".into()),
            ("contact_type", "one_to_one".into()),
            ("engagement", "3".into()),
            ("narrative", "Form note".into()),
        ],
        "/participants/{id}/risk-reviews" => vec![
            ("instrument", "VERA-2R".into()),
            ("level", "low".into()),
            ("assessor", "Dr. Aliev".into()),
            ("assessed_on", "2026-11-03".into()),
            ("review_by", day(90)),
        ],
        "/milestones/{id}" => vec![
            ("status", "in_progress".into()),
            ("note", "Form progress".into()),
        ],
        "/handovers/{id}/meeting" => vec![
            ("at", format!("{}T10:00", day(60))),
            ("minutes", "60".into()),
            ("place", "Room 2".into()),
        ],
        _ => Vec::new(),
    };
    if let Some(v) = version_for(w, path, s) {
        f.push(("version", v.to_string()));
    }
    f.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The version a write must name (`If-Match`, or the form's `version`), read from the database
/// so that only the actor's rights decide.
fn version_for(w: &World, path: &str, s: Scope) -> Option<i32> {
    use onward::db::schema::{
        agencies, cohort_sessions, cohorts, exit_plan_pathways, exit_plans, milestones, programmes,
        reminder_rules, sharing_bases,
    };
    let c = w.case(s);
    let mut conn = w.app.conn();
    let conn = &mut *conn;
    let plan = || {
        exit_plans::table
            .filter(exit_plans::participant_id.eq(c.participant))
            .select(exit_plans::id)
    };
    Some(if path.ends_with("/pathways/{pathway}") {
        let plan: i64 = plan().first(conn).ok()?;
        exit_plan_pathways::table
            .filter(exit_plan_pathways::plan_id.eq(plan))
            .filter(exit_plan_pathways::pathway.eq("accommodation"))
            .select(exit_plan_pathways::version)
            .first(conn)
            .ok()?
    } else if path.ends_with("/exit-plan") {
        exit_plans::table
            .filter(exit_plans::participant_id.eq(c.participant))
            .select(exit_plans::version)
            .first(conn)
            .ok()?
    } else if path.contains("milestones/{id}") {
        milestones::table
            .find(c.milestone)
            .select(milestones::version)
            .first(conn)
            .ok()?
    } else if path.contains("sharing-bases/{id}") {
        sharing_bases::table
            .find(c.basis)
            .select(sharing_bases::version)
            .first(conn)
            .ok()?
    } else if path.contains("agencies/{id}") {
        agencies::table
            .find(c.agency)
            .select(agencies::version)
            .first(conn)
            .ok()?
    } else if path.contains("cohorts/{id}") {
        cohorts::table
            .find(c.cohort)
            .select(cohorts::version)
            .first(conn)
            .ok()?
    } else if path.contains("sessions/{id}") {
        cohort_sessions::table
            .find(c.session)
            .select(cohort_sessions::version)
            .first(conn)
            .ok()?
    } else if path.contains("programmes/{id}") {
        programmes::table
            .find(w.programme)
            .select(programmes::version)
            .first(conn)
            .ok()?
    } else if path.contains("reminder-rules/{id}") {
        reminder_rules::table
            .find(w.rule)
            .select(reminder_rules::version)
            .first(conn)
            .ok()?
    } else if path.contains("participants/{id}") {
        version_of(&w.app, c.participant)
    } else {
        return None;
    })
}

/// Writes that use something up (an acknowledgement, a retry) are put back before each cell,
/// so that every role meets the same state.
fn put_back(w: &World) {
    use onward::db::schema::{absence_alerts, notifications};
    let mut conn = w.app.conn();
    diesel::update(absence_alerts::table)
        .set((
            absence_alerts::acknowledged_by.eq(None::<i64>),
            absence_alerts::cleared_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(&mut *conn)
        .unwrap();
    let ids: Vec<i64> = w.cases.iter().map(|(_, c)| c.notification).collect();
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
        .set(notifications::status.eq("failed"))
        .execute(&mut *conn)
        .unwrap();
}

fn version_of(app: &TestApp, id: i64) -> i32 {
    use onward::db::schema::participants;
    participants::table
        .find(id)
        .select(participants::version)
        .first(&mut *app.conn())
        .unwrap()
}

/// The participant as an allowed user reads it back: record, plan, bases, notes, reviews,
/// milestone, handover, enrolment and register.
async fn snapshot(w: &World, s: Scope) -> String {
    let c = w.case(s);
    let reader = c.reader.as_ref().unwrap();
    let p = format!("/api/v1/participants/{}", c.participant);
    let mut out = String::new();
    for path in [
        p.clone(),
        format!("{p}/exit-plan"),
        format!("{p}/sharing-bases"),
        format!("{p}/progress-notes"),
        format!("{p}/risk-reviews"),
        format!("/api/v1/milestones/{}", c.milestone),
        format!("/api/v1/handovers/{}", c.handover),
        format!("/api/v1/enrolments/{}", c.enrolment),
        format!("/api/v1/sessions/{}/register", c.session),
    ] {
        let resp = w.app.get(reader, &path).await;
        out.push_str(&format!("{path} {}\n", resp.status()));
        out.push_str(&resp.text().await.unwrap());
        out.push('\n');
    }
    out
}

/// A browser signed in as `email` that opens a fresh connection for each request (the run is
/// long; a kept-alive connection the server has timed out would fail a cell for nothing).
async fn signed_in(app: &TestApp, email: &str) -> PageClient {
    let client = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let client = PageClient::new(client, &app.address);
    let resp = client.log_in(email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{email} signs in");
    client
}

/// One failed cell, described for the final report.
fn cell(r: R, s: Option<Scope>, method: &str, path: &str) -> String {
    match s {
        Some(s) => format!("{r:?} × {s:?}: {} {path}", method.to_uppercase()),
        None => format!("{r:?}: {} {path}", method.to_uppercase()),
    }
}

fn leaks(w: &World, r: R, path: &str, body: &str) -> Vec<String> {
    SCOPES
        .iter()
        .filter(|s| !may_reveal(r, **s, path))
        .flat_map(|s| {
            let c = w.case(*s);
            [&c.family_name, &c.case_reference]
                .into_iter()
                .filter(|needle| body.contains(needle.as_str()))
                .map(move |needle| format!("{s:?}'s {needle}"))
        })
        .collect()
}

#[actix_web::test]
async fn every_route_answers_every_role_and_scope_as_the_policy_says_without_leaks() {
    let w = world().await;
    let spec: Value = w.app.openapi().await;
    let mut routes: Vec<(String, String, bool)> = Vec::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            routes.push((method.clone(), path.clone(), false));
        }
    }
    routes.extend(
        PAGES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string(), true)),
    );
    let unknown: Vec<String> = routes
        .iter()
        .filter(|(m, p, _)| allowed(m, p, R::Admin, Own).is_none())
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    assert!(
        unknown.is_empty(),
        "routes without an expectation: {unknown:?}"
    );

    // Every role's browser, signed in once.
    let mut browsers = BTreeMap::new();
    for (r, user) in &w.actors {
        browsers.insert(format!("{r:?}"), signed_in(&w.app, &user.email).await);
    }

    let mut failures: Vec<String> = Vec::new();
    // Each case as last read back, while no allowed write has happened since.
    let mut snapshots: BTreeMap<String, String> = BTreeMap::new();
    let mut cells = 0;
    for (method, path, is_page) in &routes {
        let scopes: Vec<Option<Scope>> = if scoped(method, path) {
            SCOPES.iter().copied().map(Some).collect()
        } else {
            vec![None]
        };
        for (r, user) in &w.actors {
            for s in &scopes {
                cells += 1;
                let target = s.unwrap_or(Own);
                let allow = allowed(method, path, *r, target).unwrap();
                let write = method != "get";
                if write {
                    put_back(&w);
                }
                let before = if write && !allow {
                    let snap = match snapshots.remove(&format!("{target:?}")) {
                        Some(snap) => snap,
                        None => snapshot(&w, target).await,
                    };
                    Some((audited_writes(&w.app), snap))
                } else {
                    None
                };
                let url = w.app.url(&concrete(&w, path, target));
                let resp = if *is_page {
                    let client = &browsers[&format!("{r:?}")];
                    if write {
                        client.post_fields(&url, &form(&w, path, target)).await
                    } else {
                        client.get(url).send().await.unwrap()
                    }
                } else {
                    let req = Client::new()
                        .request(method.to_uppercase().parse::<Method>().unwrap(), url)
                        .bearer_auth(&user.token);
                    let req = match version_for(&w, path, target) {
                        Some(v) if method == "put" => req.header("If-Match", format!("\"{v}\"")),
                        _ => req,
                    };
                    let req = match (method.as_str(), path.as_str()) {
                        ("post", "/api/v1/sites/{id}/holidays/import") => {
                            req.header("Content-Type", "text/csv").body(format!(
                                "date,name\n2027-08-{:02},Matrix\n",
                                1 + w.next() % 28
                            ))
                        }
                        _ if write => req.json(&body(&w, method, path, target)),
                        _ => req,
                    };
                    req.send().await.unwrap()
                };
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                let here = cell(*r, *s, method, path);
                let gist: String = match text_of(&text, "title") {
                    Some(title) => title,
                    None => text
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .chars()
                        .take(200)
                        .collect(),
                };
                if status.is_server_error() {
                    failures.push(format!("{here}: {status} {gist}"));
                    continue;
                }
                // A create naming what the actor may not touch in its body (a participant,
                // cohort or site) may refuse that field, as it would an id that does not exist.
                let refused_reference = status == StatusCode::UNPROCESSABLE_ENTITY
                    && !path.contains("{id}")
                    && ["participant_id", "cohort_id", "site_id"]
                        .iter()
                        .any(|f| text.contains(&format!("\"field\":\"{f}\"")));
                let denied_status = matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                    || refused_reference;
                if allow {
                    if !write && !status.is_success() {
                        failures.push(format!("{here}: allowed read answered {status}: {gist}"));
                    }
                    if write
                        && matches!(
                            status,
                            StatusCode::UNAUTHORIZED
                                | StatusCode::FORBIDDEN
                                | StatusCode::NOT_FOUND
                        )
                    {
                        failures.push(format!("{here}: allowed write answered {status}: {gist}"));
                    }
                } else if !denied_status {
                    failures.push(format!("{here}: denied cell answered {status}: {gist}"));
                }
                if allow
                    && status.is_success()
                    && empty(method, path, *r, target)
                    && text.trim() != "[]"
                {
                    failures.push(format!("{here}: should find nothing, found {gist}"));
                }
                let leaked = leaks(&w, *r, path, &text);
                if !leaked.is_empty() {
                    failures.push(format!("{here}: {status} shows {leaked:?}"));
                }
                if let Some((writes, snap)) = before {
                    if audited_writes(&w.app) != writes {
                        failures.push(format!("{here}: a denied write was audited as done"));
                    }
                    let after = snapshot(&w, target).await;
                    if after != snap {
                        failures.push(format!("{here}: a denied write changed the participant"));
                    }
                    snapshots.insert(format!("{target:?}"), after);
                } else if write {
                    // An allowed write may change anyone's read-back: read them again.
                    snapshots.clear();
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells break the policy:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[actix_web::test]
async fn the_outbox_shows_a_restricted_persons_emails_to_admins_without_their_case_reference() {
    let app = spawn_app().await;
    let site = app.site("S-A", "Asia/Bishkek");
    let admin = app.user(Role::Admin, None);
    let named_admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("S-A"));
    let officer = app.user(Role::ProbationOfficer, None);
    let mut body = participant_body("KG-2026-00444", site);
    body["probation_officer_id"] = json!(officer.id);
    body["restricted"] = json!(true);
    body["named_staff_ids"] = json!([coordinator.id, officer.id, named_admin.id]);
    let person = id(&app.participant(&coordinator, body).await);
    let p = format!("/api/v1/participants/{person}");
    created(
        app.post_json(
            &coordinator,
            &format!("{p}/exit-plan"),
            &json!({"target_release_date": day(180), "release_type": "parole"}),
        )
        .await,
        "plan",
    )
    .await;
    created(
        app.post_json(&coordinator, &format!("{p}/handover"), &json!({}))
            .await,
        "handover",
    )
    .await;
    let email: i64 = {
        use onward::db::schema::notifications;
        let mut c = app.conn();
        let email = notifications::table
            .filter(notifications::participant_id.eq(person))
            .select(notifications::id)
            .first(&mut *c)
            .unwrap();
        diesel::update(notifications::table.find(email))
            .set(notifications::status.eq("failed"))
            .execute(&mut *c)
            .unwrap();
        email
    };
    let subjects = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["subject"].as_str().unwrap().to_string())
            .collect()
    };
    let listed = subjects(app.get_json(&admin, "/api/v1/notifications").await);
    assert_eq!(
        listed,
        vec!["About a restricted participant (subject hidden)"],
        "listed for delivery, without the case reference"
    );
    let named = subjects(app.get_json(&named_admin, "/api/v1/notifications").await);
    assert!(
        named[0].contains("KG-2026-00444"),
        "named staff see it: {named:?}"
    );
    let client = signed_in(&app, &admin.email).await;
    for path in ["/outbox", "/"] {
        let html = page(&client, app.url(path)).await;
        assert!(html.contains("subject hidden"), "{path}");
        assert!(!html.contains("KG-2026-00444"), "{path}");
    }
    let resp = client
        .get(app.url(&format!("/outbox/{email}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::NOT_FOUND,
        "the text is not opened"
    );
    let client = signed_in(&app, &named_admin.email).await;
    let resp = client
        .get(app.url(&format!("/outbox/{email}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Retrying it needs no case reference: still allowed.
    let resp = app
        .post_json(
            &admin,
            &format!("/api/v1/notifications/{email}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}
