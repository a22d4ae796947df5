//! The world the authorization tests share: two sites, a user of every role (and a second one
//! where the difference matters), and one participant of each scope an actor meets — own (site
//! A, the mentor's caseload, the officer's case), another site, unassigned (site A, someone
//! else's caseload and case) and restricted (site A, only the named coordinator may see them).

use onward::auth::Role;
use serde_json::{json, Value};

use crate::helpers::*;

/// How a participant stands to the actors of [`World`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
    /// Site A, with the mentor and the officer.
    Own,
    /// Site B, with the other mentor and the other officer.
    OtherSite,
    /// Site A, with the other mentor and the other officer.
    Unassigned,
    /// Site A, the mentor and the officer on it, but only the named coordinator named.
    Restricted,
}

pub const SCOPES: [Scope; 4] = [
    Scope::Own,
    Scope::OtherSite,
    Scope::Unassigned,
    Scope::Restricted,
];

/// One participant of the world.
pub struct Person {
    pub scope: Scope,
    pub id: i64,
    /// The body they were created with (an update may send it again).
    pub body: Value,
    pub case_reference: String,
    /// Each person's own family name, so that a leak names whom it leaks.
    pub family_name: String,
    pub site: i64,
    pub mentor: TestUser,
    pub officer: TestUser,
    /// Who created them: a coordinator of their site (the named coordinator for the restricted
    /// person), who may see them.
    pub by: TestUser,
}

pub struct World {
    pub app: TestApp,
    pub site_a: i64,
    pub admin: TestUser,
    /// A coordinator at site A.
    pub coordinator: TestUser,
    /// A coordinator at site A named on the restricted person.
    pub named: TestUser,
    /// A coordinator at site B.
    pub coordinator_b: TestUser,
    pub mentor: TestUser,
    pub other_mentor: TestUser,
    pub officer: TestUser,
    pub other_officer: TestUser,
    pub agency_user: TestUser,
    pub auditor: TestUser,
    /// One person of each scope, in the order of [`SCOPES`].
    pub people: Vec<Person>,
}

impl World {
    pub fn person(&self, scope: Scope) -> &Person {
        self.people.iter().find(|p| p.scope == scope).unwrap()
    }
}

pub async fn world() -> World {
    let app = spawn_app().await;
    let site_a = app.site("S-A", "Asia/Bishkek");
    let site_b = app.site("S-B", "Europe/Lisbon");
    let admin = app.user(Role::Admin, None);
    let coordinator = app.user(Role::Coordinator, Some("S-A"));
    let named = app.user(Role::Coordinator, Some("S-A"));
    let coordinator_b = app.user(Role::Coordinator, Some("S-B"));
    let mentor = app.user(Role::Mentor, Some("S-A"));
    let other_mentor = app.user(Role::Mentor, Some("S-A"));
    let officer = app.user(Role::ProbationOfficer, None);
    let other_officer = app.user(Role::ProbationOfficer, None);
    let agency_user = app.user(Role::AgencyUser, None);
    let auditor = app.user(Role::Auditor, None);
    let specs = [
        (
            Scope::Own,
            "KG-2026-00101",
            "Owenbekova",
            site_a,
            &mentor,
            &officer,
            &coordinator,
        ),
        (
            Scope::OtherSite,
            "PT-2026-00102",
            "Othmanalieva",
            site_b,
            &other_mentor,
            &other_officer,
            &coordinator_b,
        ),
        (
            Scope::Unassigned,
            "KG-2026-00103",
            "Unaalievna",
            site_a,
            &other_mentor,
            &other_officer,
            &coordinator,
        ),
        (
            Scope::Restricted,
            "KG-2026-00104",
            "Reskulbekova",
            site_a,
            &mentor,
            &officer,
            &named,
        ),
    ];
    let mut people = Vec::new();
    for (scope, reference, family, site, mentor, officer, by) in specs {
        let mut body = participant_body(reference, site);
        body["family_name"] = json!(family);
        body["mentor_ids"] = json!([mentor.id]);
        body["probation_officer_id"] = json!(officer.id);
        if scope == Scope::Restricted {
            // Created by the named coordinator, who stays named on them; nobody else is.
            body["restricted"] = json!(true);
            body["named_staff_ids"] = json!([named.id]);
        }
        let id = app.participant(by, body.clone()).await["id"]
            .as_i64()
            .unwrap();
        people.push(Person {
            scope,
            id,
            body,
            case_reference: reference.to_string(),
            family_name: family.to_string(),
            site,
            mentor: mentor.clone(),
            officer: officer.clone(),
            by: by.clone(),
        });
    }
    World {
        app,
        site_a,
        admin,
        coordinator,
        named,
        coordinator_b,
        mentor,
        other_mentor,
        officer,
        other_officer,
        agency_user,
        auditor,
        people,
    }
}
