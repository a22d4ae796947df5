//! Demonstration data for `onward serve --demo`: two sites, a user of every role, about fifty
//! participants with custody dates around today. Loaded once; a second run changes nothing and
//! shows no passwords.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::audit::{self, Event, Who};
use crate::auth::users::{self, EmailAddress, NewUser};
use crate::auth::{passwords, Role};
use crate::db::schema::settings;
use crate::db::{lock_for_write, lock_keys, now, DbConnection, DbError};
use crate::participants::model::{CaseReference, ParticipantStatus, PersonName, ValidParticipant};

const MARKER: &str = "demo-loaded";

/// A login created by the demo, shown once.
pub struct DemoLogin {
    pub role: Role,
    pub email: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Other(String),
}

impl From<diesel::result::Error> for DemoError {
    fn from(e: diesel::result::Error) -> Self {
        DemoError::Db(e.into())
    }
}

/// Load the demo data unless it was loaded before; returns the new logins, or `None`.
pub fn load(conn: &mut DbConnection) -> Result<Option<Vec<DemoLogin>>, DemoError> {
    conn.transaction(|conn| {
        lock_for_write(conn, lock_keys::DEMO_DATA)?;
        let loaded: i64 = settings::table
            .filter(settings::key.eq(MARKER))
            .count()
            .get_result(conn)?;
        if loaded > 0 {
            return Ok(None);
        }
        diesel::insert_into(settings::table)
            .values((
                settings::key.eq(MARKER),
                settings::value.eq(now().to_string()),
            ))
            .execute(conn)?;
        let logins = load_everything(conn)?;
        audit::record(
            conn,
            &Who::command_line(),
            Event {
                action: "demo.load",
                entity_type: "installation",
                entity_id: None,
                participant_id: None,
                detail: None,
            },
        )?;
        Ok(Some(logins))
    })
}

fn load_everything(conn: &mut DbConnection) -> Result<Vec<DemoLogin>, DemoError> {
    let mut site_ids = std::collections::HashMap::new();
    for (code, name, zone) in [
        (
            "KG-BSK",
            "Bishkek Correctional Colony No. 1",
            "Asia/Bishkek",
        ),
        ("PT-LIS", "Lisbon Central Prison", "Europe/Lisbon"),
    ] {
        let id = crate::sites::add(conn, code, name, zone)
            .map_err(|e| DemoError::Other(e.to_string()))?;
        site_ids.insert(code, id.0);
    }
    let people = [
        (Role::Admin, "admin@onward.test", "Aibek Sadykov", None),
        (
            Role::Coordinator,
            "coordinator.bishkek@onward.test",
            "Nurgul Osmonova",
            Some("KG-BSK"),
        ),
        (
            Role::Coordinator,
            "coordinator.lisbon@onward.test",
            "Ana Ferreira",
            Some("PT-LIS"),
        ),
        (
            Role::Mentor,
            "mentor.bishkek@onward.test",
            "Timur Abdrakhmanov",
            None,
        ),
        (
            Role::Mentor,
            "mentor.lisbon@onward.test",
            "João Martins",
            None,
        ),
        (
            Role::ProbationOfficer,
            "probation.bishkek@onward.test",
            "Elmira Kasymova",
            None,
        ),
        (
            Role::ProbationOfficer,
            "probation.lisbon@onward.test",
            "Rui Costa",
            None,
        ),
        (
            Role::AgencyUser,
            "housing@onward.test",
            "Housing Service Desk",
            None,
        ),
        (
            Role::Auditor,
            "auditor@onward.test",
            "Data Protection Officer",
            None,
        ),
    ];
    let mut logins = Vec::new();
    let mut ids = std::collections::HashMap::new();
    for (role, email, name, site) in people {
        let password = passwords::generate();
        let new = NewUser {
            email: EmailAddress::parse(email)
                .map_err(|_| DemoError::Other(format!("bad demo email {email}")))?,
            display_name: name.to_string(),
            role,
            site_code: site.map(str::to_string),
            password: password.clone(),
        };
        let id = users::add(conn, &new).map_err(|e| DemoError::Other(e.to_string()))?;
        ids.insert(email, id.0);
        logins.push(DemoLogin {
            role,
            email: email.to_string(),
            password,
        });
    }
    let bishkek = site_ids["KG-BSK"];
    let lisbon = site_ids["PT-LIS"];

    // A fixed seed keeps the demo the same from one installation to the next.
    let mut rng = StdRng::seed_from_u64(42);
    let today = Utc::now().date_naive();
    let kg_given = [
        "Azamat",
        "Bakyt",
        "Daniyar",
        "Emil",
        "Ilyas",
        "Kanat",
        "Marat",
        "Nursultan",
        "Ruslan",
        "Talant",
        "Ulan",
        "Zhyldyz",
        "Aigerim",
        "Cholpon",
        "Bermet",
    ];
    let kg_family = [
        "Abdyldaev",
        "Bekov",
        "Dzhumabaev",
        "Ismailov",
        "Kadyrov",
        "Mamytov",
        "Omurov",
        "Sultanov",
        "Toktogulov",
        "Usenov",
        "Zhakypov",
        "Asanov",
    ];
    let pt_given = [
        "André", "Bruno", "Carlos", "Diogo", "Filipe", "Hugo", "Miguel", "Nuno", "Pedro", "Tiago",
        "Marta", "Inês",
    ];
    let pt_family = [
        "Almeida",
        "Carvalho",
        "Fernandes",
        "Gomes",
        "Lopes",
        "Marques",
        "Oliveira",
        "Pereira",
        "Rodrigues",
        "Santos",
        "Sousa",
    ];
    for n in 1..=50 {
        let in_kg = n <= 30;
        let (given_list, family, prefix, site, mentor, officer, coordinator): (
            &[&str],
            &[&str],
            _,
            _,
            _,
            _,
            _,
        ) = if in_kg {
            (
                &kg_given,
                &kg_family,
                "KG",
                bishkek,
                ids["mentor.bishkek@onward.test"],
                ids["probation.bishkek@onward.test"],
                ids["coordinator.bishkek@onward.test"],
            )
        } else {
            (
                &pt_given,
                &pt_family,
                "PT",
                lisbon,
                ids["mentor.lisbon@onward.test"],
                ids["probation.lisbon@onward.test"],
                ids["coordinator.lisbon@onward.test"],
            )
        };
        let serial = if in_kg { n } else { n - 30 };
        let sentence_start = today - Duration::days(rng.gen_range(200..2_500));
        let release = today + Duration::days(rng.gen_range(-90..720));
        let parole = (release - Duration::days(rng.gen_range(60..400)))
            .max(sentence_start + Duration::days(30));
        let licence_end = release + Duration::days(rng.gen_range(365..1_100));
        let status = if release < today {
            ParticipantStatus::Released
        } else {
            ParticipantStatus::InCustody
        };
        let near_release = release < today + Duration::days(365);
        let restricted = n == 7 || n == 41;
        let p = ValidParticipant {
            case_reference: CaseReference::parse(&format!("{prefix}-2026-{serial:05}"))
                .map_err(|_| DemoError::Other("bad demo case reference".into()))?,
            given_name: PersonName::parse(given_list[rng.gen_range(0..given_list.len())])
                .map_err(|_| DemoError::Other("name".into()))?,
            family_name: PersonName::parse(family[rng.gen_range(0..family.len())])
                .map_err(|_| DemoError::Other("name".into()))?,
            date_of_birth: NaiveDate::from_ymd_opt(
                rng.gen_range(1970..2004),
                rng.gen_range(1..=12),
                rng.gen_range(1..=28),
            )
            .unwrap_or(today),
            site_id: site,
            status,
            sentence_start: Some(sentence_start),
            earliest_release_date: Some(release),
            parole_eligibility_date: Some(parole),
            licence_end_date: Some(licence_end),
            restricted,
            mentor_ids: if n % 2 == 0 || restricted {
                vec![mentor]
            } else {
                vec![]
            },
            probation_officer_id: near_release.then_some(officer),
            named_staff_ids: if restricted {
                vec![coordinator, ids["admin@onward.test"], mentor]
            } else {
                vec![]
            },
        };
        crate::participants::store::insert(conn, &p)
            .map_err(|e| DemoError::Other(format!("{e}")))?;
    }
    Ok(logins)
}
