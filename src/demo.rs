//! Demonstration data for `onward serve --demo`: two sites, a user of every role, about fifty
//! participants with custody dates around today. Loaded once; a second run changes nothing and
//! shows no passwords.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::audit::{self, Event, Who};
use crate::auth::passwords;
use crate::auth::users::{self, EmailAddress, NewUser};
use crate::db::schema::settings;
use crate::db::{lock_for_write, lock_keys, now, DbConnection, DbError};
use crate::kernel::Role;
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
pub fn load(
    conn: &mut DbConnection,
    keys: Option<&crate::crypto::Keyring>,
) -> Result<Option<Vec<DemoLogin>>, DemoError> {
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
        let logins = load_everything(conn, keys)?;
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

fn load_everything(
    conn: &mut DbConnection,
    keys: Option<&crate::crypto::Keyring>,
) -> Result<Vec<DemoLogin>, DemoError> {
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
    let agencies = load_agencies(conn)?;
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
            // The demo's agency user works at the Bishkek housing office.
            agency_id: (role == Role::AgencyUser).then(|| agencies["Bishkek Housing Office"]),
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
    load_delivery(conn, &ids, &[bishkek, lisbon], today, &mut rng)?;
    load_exit_plans(conn, &ids, &agencies, today)?;
    if let Some(keys) = keys {
        load_notes(conn, keys, today, &mut rng)?;
    }
    Ok(logins)
}

/// A few months of progress notes for most mentored participants (so the caseload has trends
/// and some contacts are overdue); one in three shared with probation.
fn load_notes(
    conn: &mut DbConnection,
    keys: &crate::crypto::Keyring,
    today: NaiveDate,
    rng: &mut StdRng,
) -> Result<(), DemoError> {
    use crate::db::schema::{participant_mentors, progress_notes};
    let pairs: Vec<(i64, i64)> = participant_mentors::table
        .order(participant_mentors::participant_id.asc())
        .select((
            participant_mentors::participant_id,
            participant_mentors::user_id,
        ))
        .load(conn)?;
    let narratives = [
        "Talked about his family and the visit planned for next month.",
        "Quiet at first; opened up about work he would like after release.",
        "Discussed the group session and the questions it raised for him.",
        "Spoke about the friends he wants to avoid after release.",
    ];
    for (i, (participant, mentor)) in pairs.into_iter().enumerate() {
        // Every fifth person has no contact yet: the caseload shows them as overdue.
        if i % 5 == 4 {
            continue;
        }
        let mut level: i32 = rng.gen_range(1..=3);
        for (k, weeks_ago) in [12i64, 8, 4, 1].into_iter().enumerate() {
            if i % 3 == 0 && weeks_ago == 1 {
                continue; // no recent contact: the next contact date has passed
            }
            level = (level + rng.gen_range(0..=1)).min(5);
            let on = today - Duration::weeks(weeks_ago);
            diesel::insert_into(progress_notes::table)
                .values((
                    progress_notes::participant_id.eq(participant),
                    progress_notes::author_id.eq(mentor),
                    progress_notes::contact_date.eq(on),
                    progress_notes::contact_type.eq(if k % 2 == 0 {
                        "one_to_one"
                    } else {
                        "phone"
                    }),
                    progress_notes::engagement.eq(Some(level)),
                    progress_notes::attitudes.eq(Some((level - 1).max(1))),
                    progress_notes::social_ties.eq(Some(rng.gen_range(2..=4))),
                    progress_notes::identity.eq(Some(level)),
                    progress_notes::readiness.eq(Some((level + 1).min(5))),
                    progress_notes::narrative.eq(keys.seal(narratives[k % narratives.len()])),
                    progress_notes::next_contact_date.eq(Some(on + Duration::weeks(2))),
                    progress_notes::tell_probation.eq(i % 3 == 1 && k == 2),
                    progress_notes::version.eq(1),
                    progress_notes::created_at.eq(now()),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A programme, one running cohort per site with its weekly sessions, six active participants
/// each, and the registers of the sessions already past.
fn load_delivery(
    conn: &mut DbConnection,
    ids: &std::collections::HashMap<&str, i64>,
    sites: &[i64],
    today: NaiveDate,
    rng: &mut StdRng,
) -> Result<(), DemoError> {
    use crate::db::schema::participants;
    use crate::programmes::model::{CadenceInput, CohortInput, ProgrammeInput};
    let other = |e: &dyn std::fmt::Display| DemoError::Other(e.to_string());
    let admin = crate::kernel::Actor {
        id: crate::kernel::UserId(ids["admin@onward.test"]),
        email: "admin@onward.test".into(),
        display_name: "Demo".into(),
        role: Role::Admin,
        site_id: None,
        agency_id: None,
        credential: crate::kernel::Credential::Token,
        language: "en".into(),
    };
    let who = Who::command_line();
    let programme = crate::programmes::create_programme(
        conn,
        &admin,
        &who,
        &ProgrammeInput {
            name: Some("Pathways out of violence".into()),
            kind: Some("group".into()),
            description: Some(
                "Twelve weekly group sessions on identity, belonging and choices.".into(),
            ),
            session_count: Some(12),
            min_attendance_percent: Some(75),
            absence_alert_after: Some(3),
        },
    )
    .map_err(|e| other(&e))?;
    let mentors = [
        ids["mentor.bishkek@onward.test"],
        ids["mentor.lisbon@onward.test"],
    ];
    let first = today - Duration::weeks(4);
    for (site, mentor) in sites.iter().zip(mentors) {
        let cohort = crate::programmes::create_cohort(
            conn,
            &admin,
            &who,
            &CohortInput {
                programme_id: Some(programme.id),
                site_id: Some(*site),
                name: Some(format!("Pathways {}", first.format("%B %Y"))),
                capacity: Some(10),
                start_date: Some(first.to_string()),
                facilitator_ids: Some(vec![mentor]),
                schedule: Some(CadenceInput {
                    first_date: Some(first.to_string()),
                    time: Some("10:00".into()),
                    duration_minutes: Some(90),
                    every_weeks: Some(1),
                    count: Some(12),
                    room: Some("Hall A".into()),
                    facilitator_id: Some(mentor),
                }),
                override_reason: None,
            },
        )
        .map_err(|e| other(&e))?;
        let people: Vec<i64> = participants::table
            .filter(participants::site_id.eq(site))
            .filter(participants::restricted.eq(false))
            .filter(participants::status.eq("in_custody"))
            .order(participants::id.asc())
            .limit(6)
            .select(participants::id)
            .load(conn)?;
        for p in &people {
            let e = crate::enrolments::refer(
                conn,
                &admin,
                &who,
                &crate::enrolments::ReferralInput {
                    participant_id: Some(*p),
                    cohort_id: Some(cohort.id),
                    reason: Some("Sentence plan review".into()),
                },
            )
            .map_err(|e| other(&e))?;
            for (to, outcome) in [
                ("assessed", Some("suitable")),
                ("enrolled", None),
                ("active", None),
            ] {
                crate::enrolments::transition(
                    conn,
                    &admin,
                    &who,
                    e.id,
                    &crate::enrolments::TransitionInput {
                        to: Some(to.into()),
                        reason: Some("Agreed at the case review".into()),
                        assessment_outcome: outcome.map(str::to_string),
                        override_reason: None,
                    },
                )
                .map_err(|e| other(&e))?;
            }
        }
        let now_utc = Utc::now().naive_utc();
        for session in cohort
            .sessions
            .iter()
            .filter(|s| s.starts_at.naive_utc() < now_utc)
        {
            let entries = people
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    // The last person keeps missing sessions, so the demo shows an absence alert.
                    let mark = if i == people.len() - 1 {
                        "unexcused"
                    } else {
                        ["present", "present", "present", "late", "excused"][rng.gen_range(0..5)]
                    };
                    crate::attendance::RegisterEntry {
                        participant_id: Some(*p),
                        mark: Some(mark.into()),
                        late_minutes: (mark == "late").then_some(10),
                        reason: None,
                    }
                })
                .collect();
            crate::attendance::save(
                conn,
                &admin,
                &who,
                session.id,
                &crate::attendance::RegisterInput {
                    entries: Some(entries),
                },
            )
            .map_err(|e| other(&e))?;
        }
    }
    Ok(())
}

/// Partner agencies: in Bishkek with Russian emails (probation on a secure channel), in Lisbon
/// with English ones.
fn load_agencies(
    conn: &mut DbConnection,
) -> Result<std::collections::HashMap<&'static str, i64>, DemoError> {
    use crate::agencies::AgencyInput;
    let admin = system_admin();
    let who = Who::command_line();
    let mut out = std::collections::HashMap::new();
    for (name, kind, mailbox, language, secure) in [
        (
            "Bishkek Probation Service",
            "probation",
            "probation.team@bishkek.example",
            "ru",
            true,
        ),
        (
            "Bishkek Housing Office",
            "housing",
            "housing.team@bishkek.example",
            "ru",
            false,
        ),
        (
            "Bishkek Employment Centre",
            "employment",
            "jobs@bishkek.example",
            "ru",
            false,
        ),
        (
            "Lisbon Probation Service",
            "probation",
            "probation@lisbon.example",
            "en",
            true,
        ),
        (
            "Lisbon Reinsertion NGO",
            "ngo",
            "team@reinsertion.example",
            "en",
            false,
        ),
        (
            "Lisbon Health Centre",
            "health",
            "referrals@health-lisbon.example",
            "en",
            false,
        ),
    ] {
        let a = crate::agencies::create(
            conn,
            &admin,
            &who,
            &AgencyInput {
                name: Some(name.into()),
                kind: Some(kind.into()),
                mailbox: Some(mailbox.into()),
                language: Some(language.into()),
                vetting_status: Some("vetted".into()),
                secure_channel: Some(secure),
                active: Some(true),
            },
        )
        .map_err(|e| DemoError::Other(format!("demo agency: {e}")))?;
        out.insert(name, a.id);
    }
    Ok(out)
}

/// An admin acting for the demo loader (the loader is not a signed-in user).
fn system_admin() -> crate::kernel::Actor {
    crate::kernel::Actor {
        id: crate::kernel::UserId(0),
        email: "demo@onward.test".into(),
        display_name: "Demo".into(),
        role: Role::Admin,
        site_id: None,
        agency_id: None,
        credential: crate::kernel::Credential::Token,
        language: "en".into(),
    }
}

/// Exit plans from the default template for everyone in custody released within about seven
/// months, sharing bases with their site's agencies, and the default reminder rules, so that
/// the first reminder sweep has real work (run `onward jobs run reminder-sweep`).
fn load_exit_plans(
    conn: &mut DbConnection,
    ids: &std::collections::HashMap<&str, i64>,
    agencies: &std::collections::HashMap<&'static str, i64>,
    today: NaiveDate,
) -> Result<(), DemoError> {
    use crate::db::schema::{participants, sites, users};
    let other = |e: &dyn std::fmt::Display| DemoError::Other(e.to_string());
    crate::reminders::ensure_defaults(conn).map_err(|e| other(&e))?;
    crate::exit_plans::ensure_default_template(conn).map_err(|e| other(&e))?;
    let template = crate::exit_plans::templates(conn)?
        .into_iter()
        .next()
        .ok_or_else(|| DemoError::Other("no plan template".into()))?;
    // Bishkek staff read their emails in Russian.
    let bishkek_staff: Vec<i64> = [
        "coordinator.bishkek@onward.test",
        "mentor.bishkek@onward.test",
        "probation.bishkek@onward.test",
        "housing@onward.test",
    ]
    .iter()
    .filter_map(|e| ids.get(e).copied())
    .collect();
    diesel::update(users::table.filter(users::id.eq_any(bishkek_staff)))
        .set(users::language.eq("ru"))
        .execute(conn)?;
    let admin = crate::kernel::Actor {
        id: crate::kernel::UserId(ids["admin@onward.test"]),
        ..system_admin()
    };
    let who = Who::command_line();
    let soon: Vec<(i64, NaiveDate, String)> = participants::table
        .inner_join(sites::table)
        .filter(participants::status.eq("in_custody"))
        .filter(participants::earliest_release_date.between(today, today + Duration::days(210)))
        .select((
            participants::id,
            participants::earliest_release_date.assume_not_null(),
            sites::code,
        ))
        .load(conn)?;
    for (participant, release, site) in soon {
        let partners: &[&str] = if site == "KG-BSK" {
            &[
                "Bishkek Probation Service",
                "Bishkek Housing Office",
                "Bishkek Employment Centre",
            ]
        } else {
            &[
                "Lisbon Probation Service",
                "Lisbon Reinsertion NGO",
                "Lisbon Health Centre",
            ]
        };
        for name in partners {
            crate::agencies::add_basis(
                conn,
                &admin,
                &who,
                participant,
                &crate::agencies::SharingBasisInput {
                    agency_id: Some(agencies[name]),
                    legal_basis: Some("Consent signed at the exit planning meeting".into()),
                    valid_from: Some((today - Duration::days(30)).to_string()),
                    valid_until: None,
                },
            )
            .map_err(|e| other(&e))?;
        }
        crate::exit_plans::create(
            conn,
            &admin,
            &who,
            participant,
            &crate::exit_plans::model::PlanInput {
                target_release_date: Some(release.to_string()),
                release_type: Some("parole".into()),
                status: None,
                template_id: Some(template.id),
            },
        )
        .map_err(|e| other(&e))?;
    }
    Ok(())
}
