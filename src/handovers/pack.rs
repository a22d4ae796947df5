//! The handover pack: what the probation officer needs to take the case over — the person and
//! their release, programme participation and attendance, the trend of the disengagement
//! domains and the notes shared with probation, risk-review dates, the exit plan's pathways and
//! open milestones, and the people to contact. Built from the live record; the copy sent is
//! sealed and kept unchanged, and each section is compared with the live one to show what has
//! changed since.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{json, Map, Value};

use crate::crypto::Keyring;
use crate::db::schema::{
    agencies as agency_t, cohorts, enrolments, exit_plan_pathways, exit_plans, milestones,
    participant_mentors, participants, programmes, progress_notes, risk_reviews, sharing_bases,
    sites, users,
};
use crate::db::{DbConnection, DbError};
use crate::exit_plans::model::OPEN_STATUSES;

/// The sections of a pack, in the order the page shows them.
pub const SECTIONS: [&str; 7] = [
    "case",
    "programmes",
    "progress",
    "risk_reviews",
    "pathways",
    "open_milestones",
    "contacts",
];

/// The domains rated in progress notes, as (pack key, column order in the note rows).
pub const DOMAINS: [&str; 5] = [
    "engagement",
    "attitudes",
    "social_ties",
    "identity",
    "readiness",
];

type NoteRatings = (
    NaiveDate,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
);

/// Build the pack of `participant_id` as it stands (shared note narratives opened with `keys`).
pub fn build(
    conn: &mut DbConnection,
    keys: &Keyring,
    participant_id: i64,
    release_date: NaiveDate,
    today: NaiveDate,
) -> Result<Value, DbError> {
    let mut pack = Map::new();
    pack.insert("case".into(), case(conn, participant_id, release_date)?);
    pack.insert("programmes".into(), programme_lines(conn, participant_id)?);
    pack.insert("progress".into(), progress(conn, keys, participant_id)?);
    pack.insert("risk_reviews".into(), reviews(conn, participant_id)?);
    let (pathways, open) = plan(conn, participant_id)?;
    pack.insert("pathways".into(), pathways);
    pack.insert("open_milestones".into(), open);
    pack.insert("contacts".into(), contacts(conn, participant_id, today)?);
    Ok(Value::Object(pack))
}

/// The sections whose content differs between the pack as sent and the pack now.
pub fn changed_sections(sent: &Value, now: &Value) -> Vec<String> {
    SECTIONS
        .iter()
        .filter(|s| sent.get(**s) != now.get(**s))
        .map(|s| s.to_string())
        .collect()
}

fn case(
    conn: &mut DbConnection,
    participant_id: i64,
    release_date: NaiveDate,
) -> Result<Value, DbError> {
    #[allow(clippy::type_complexity)]
    let row: (
        String,
        String,
        String,
        NaiveDate,
        String,
        String,
        bool,
        Option<NaiveDate>,
    ) = participants::table
        .inner_join(sites::table)
        .filter(participants::id.eq(participant_id))
        .select((
            participants::case_reference,
            participants::given_name,
            participants::family_name,
            participants::date_of_birth,
            participants::status,
            sites::name,
            participants::restricted,
            participants::licence_end_date,
        ))
        .first(conn)?;
    let release_type: Option<String> = exit_plans::table
        .filter(exit_plans::participant_id.eq(participant_id))
        .filter(exit_plans::status.eq("active"))
        .select(exit_plans::release_type)
        .first(conn)
        .optional()?;
    Ok(json!({
        "case_reference": row.0,
        "name": format!("{} {}", row.1, row.2),
        "date_of_birth": row.3,
        "status": row.4,
        "site": row.5,
        "restricted": row.6,
        "licence_end_date": row.7,
        "release_date": release_date,
        "release_type": release_type,
    }))
}

fn programme_lines(conn: &mut DbConnection, participant_id: i64) -> Result<Value, DbError> {
    let rows: Vec<(i64, String, String, String, i32)> = enrolments::table
        .inner_join(cohorts::table.inner_join(programmes::table))
        .filter(enrolments::participant_id.eq(participant_id))
        .order(cohorts::start_date.asc())
        .select((
            cohorts::id,
            programmes::name,
            cohorts::name,
            enrolments::status,
            programmes::min_attendance_percent,
        ))
        .load(conn)?;
    let mut lines = Vec::new();
    for (cohort, programme, cohort_name, status, minimum) in rows {
        let rate = crate::attendance::rate_for(conn, cohort, participant_id)?;
        lines.push(json!({
            "programme": programme,
            "cohort": cohort_name,
            "status": status,
            "attended": rate.attended,
            "counted": rate.counted,
            "percent": rate.percent.map(|p| p.round() as i64),
            // The programme's completion rule: at least this share of sessions attended.
            "minimum_percent": minimum,
            "meets_attendance_rule": rate.percent.map(|p| p >= f64::from(minimum)),
        }));
    }
    Ok(Value::Array(lines))
}

/// Each domain's ratings over time (first and latest too) and the notes shared with probation.
fn progress(
    conn: &mut DbConnection,
    keys: &Keyring,
    participant_id: i64,
) -> Result<Value, DbError> {
    let ratings: Vec<NoteRatings> = progress_notes::table
        .filter(progress_notes::participant_id.eq(participant_id))
        .order((progress_notes::contact_date.asc(), progress_notes::id.asc()))
        .select((
            progress_notes::contact_date,
            progress_notes::engagement,
            progress_notes::attitudes,
            progress_notes::social_ties,
            progress_notes::identity,
            progress_notes::readiness,
        ))
        .load(conn)?;
    let trend: Vec<Value> = DOMAINS
        .iter()
        .enumerate()
        .map(|(i, domain)| {
            let points: Vec<(NaiveDate, i32)> = ratings
                .iter()
                .filter_map(|r| {
                    let v = [r.1, r.2, r.3, r.4, r.5][i];
                    v.map(|v| (r.0, v))
                })
                .collect();
            json!({
                "domain": domain,
                "first": points.first().map(|p| p.1),
                "latest": points.last().map(|p| p.1),
                "points": points.iter().map(|(d, v)| json!({ "on": d, "value": v })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let shared: Vec<(i64, NaiveDate, String, String, String)> = progress_notes::table
        .inner_join(users::table.on(users::id.eq(progress_notes::author_id)))
        .filter(progress_notes::participant_id.eq(participant_id))
        .filter(progress_notes::tell_probation.eq(true))
        .order((
            progress_notes::contact_date.desc(),
            progress_notes::id.desc(),
        ))
        .select((
            progress_notes::id,
            progress_notes::contact_date,
            progress_notes::contact_type,
            users::display_name,
            progress_notes::narrative,
        ))
        .load(conn)?;
    let mut notes = Vec::new();
    for (id, on, contact_type, author, sealed) in shared {
        let narrative = keys
            .open(&sealed)
            .map_err(|e| DbError::Query(format!("progress note {id}: {e}")))?;
        notes.push(json!({
            "contact_date": on,
            "contact_type": contact_type,
            "author": author,
            "narrative": narrative,
        }));
    }
    Ok(json!({ "notes_recorded": ratings.len(), "trend": trend, "shared_notes": notes }))
}

/// Dates and outcomes of risk reviews (never their notes: those stay with the reviewers).
fn reviews(conn: &mut DbConnection, participant_id: i64) -> Result<Value, DbError> {
    let rows: Vec<(String, String, String, NaiveDate, Option<NaiveDate>)> = risk_reviews::table
        .filter(risk_reviews::participant_id.eq(participant_id))
        .order((risk_reviews::assessed_on.desc(), risk_reviews::id.desc()))
        .select((
            risk_reviews::instrument,
            risk_reviews::level,
            risk_reviews::assessor,
            risk_reviews::assessed_on,
            risk_reviews::review_by,
        ))
        .load(conn)?;
    Ok(Value::Array(
        rows.into_iter()
            .map(|r| {
                json!({ "instrument": r.0, "level": r.1, "assessor": r.2, "assessed_on": r.3, "review_by": r.4 })
            })
            .collect(),
    ))
}

fn plan(conn: &mut DbConnection, participant_id: i64) -> Result<(Value, Value), DbError> {
    let plan: Option<i64> = exit_plans::table
        .filter(exit_plans::participant_id.eq(participant_id))
        .filter(exit_plans::status.eq("active"))
        .select(exit_plans::id)
        .first(conn)
        .optional()?;
    let Some(plan) = plan else {
        return Ok((json!([]), json!([])));
    };
    let pathways: Vec<(String, String, String)> = exit_plan_pathways::table
        .filter(exit_plan_pathways::plan_id.eq(plan))
        .order(exit_plan_pathways::pathway.asc())
        .select((
            exit_plan_pathways::pathway,
            exit_plan_pathways::status,
            exit_plan_pathways::responsible,
        ))
        .load(conn)?;
    let open: Vec<(String, String, NaiveDate, String, Option<String>)> = milestones::table
        .left_join(agency_t::table)
        .filter(milestones::plan_id.eq(plan))
        .filter(milestones::status.eq_any(OPEN_STATUSES))
        .order((milestones::due_on.asc(), milestones::id.asc()))
        .select((
            milestones::kind,
            milestones::title,
            milestones::due_on,
            milestones::status,
            agency_t::name.nullable(),
        ))
        .load(conn)?;
    Ok((
        Value::Array(
            pathways
                .into_iter()
                .map(|p| json!({ "pathway": p.0, "status": p.1, "responsible": p.2 }))
                .collect(),
        ),
        Value::Array(
            open.into_iter()
                .map(|m| json!({ "kind": m.0, "what": m.1, "due_on": m.2, "status": m.3, "agency": m.4 }))
                .collect(),
        ),
    ))
}

/// The named people and agencies around the case: mentors, the site's coordinators, the
/// probation officer, and agencies with a sharing basis valid today.
fn contacts(
    conn: &mut DbConnection,
    participant_id: i64,
    today: NaiveDate,
) -> Result<Value, DbError> {
    let (site, officer): (i64, Option<i64>) = participants::table
        .find(participant_id)
        .select((participants::site_id, participants::probation_officer_id))
        .first(conn)?;
    let mut people = Vec::new();
    let mentors: Vec<(String, String)> = participant_mentors::table
        .inner_join(users::table.on(users::id.eq(participant_mentors::user_id)))
        .filter(participant_mentors::participant_id.eq(participant_id))
        .filter(users::active.eq(true))
        .order(users::display_name.asc())
        .select((users::display_name, users::email))
        .load(conn)?;
    people.extend(mentors.into_iter().map(|m| ("mentor", m)));
    let coordinators: Vec<(i64, String, String)> = users::table
        .filter(users::role.eq("coordinator"))
        .filter(users::site_id.eq(site))
        .filter(users::active.eq(true))
        .order(users::display_name.asc())
        .select((users::id, users::display_name, users::email))
        .load(conn)?;
    // Only the coordinators the access gate lets learn about the person (a restricted one:
    // those named on them).
    let ids: Vec<i64> = coordinators.iter().map(|c| c.0).collect();
    let allowed = crate::participants::access::who_may_learn(conn, participant_id, &ids)?;
    people.extend(
        coordinators
            .into_iter()
            .filter(|c| allowed.contains(&c.0))
            .map(|(_, name, email)| ("coordinator", (name, email))),
    );
    if let Some(officer) = officer {
        let po: Option<(String, String)> = users::table
            .find(officer)
            .select((users::display_name, users::email))
            .first(conn)
            .optional()?;
        people.extend(po.map(|p| ("probation_officer", p)));
    }
    let agencies_now: Vec<(String, String, String)> = agency_t::table
        .inner_join(sharing_bases::table)
        .filter(sharing_bases::participant_id.eq(participant_id))
        .filter(sharing_bases::valid_from.le(today))
        .filter(
            sharing_bases::valid_until
                .is_null()
                .or(sharing_bases::valid_until.ge(today)),
        )
        .filter(agency_t::active.eq(true))
        .order(agency_t::name.asc())
        .select((agency_t::name, agency_t::kind, agency_t::mailbox))
        .distinct()
        .load(conn)?;
    Ok(json!({
        "people": people
            .into_iter()
            .map(|(role, (name, email))| json!({ "role": role, "name": name, "email": email }))
            .collect::<Vec<_>>(),
        "agencies": agencies_now
            .into_iter()
            .map(|(name, kind, mailbox)| json!({ "name": name, "kind": kind, "mailbox": mailbox }))
            .collect::<Vec<_>>(),
    }))
}
