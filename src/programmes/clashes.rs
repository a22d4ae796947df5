//! Double-booking detection: a room at a site, a facilitator, or an enrolled participant in two
//! sessions whose times overlap. Cancelled sessions never clash.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{cohort_sessions, cohorts, enrolments, participants, users};
use crate::db::{DbConnection, DbError};
use crate::programmes::schedule::utc_to_local;

/// Enrolment statuses whose participants are expected at the cohort's sessions.
pub const ATTENDING: [&str; 2] = ["enrolled", "active"];

/// One clash, named so that a coordinator can act on it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Clash {
    /// `room`, `facilitator`, `participant`, or `participant_hidden` (someone the asker may not
    /// learn about: no case reference).
    pub kind: String,
    /// The session already booked.
    pub session_id: i64,
    pub cohort_id: i64,
    pub cohort_name: String,
    /// Its start, local to the site.
    pub starts_at_local: String,
    /// The room name, the facilitator's name or the participant's case reference.
    pub what: String,
}

/// A session about to be created or moved.
pub struct Candidate<'a> {
    pub cohort_id: i64,
    pub site_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub room: &'a str,
    pub facilitator_id: Option<i64>,
    /// The session being moved (it does not clash with itself).
    pub moving: Option<i64>,
    /// Who asks: a participant clash names the case reference only to someone the access gate
    /// lets learn about that person, and the naming is on that person's trail.
    pub asked_by: &'a crate::audit::Who,
}

/// session id, cohort id, cohort name, site id, start, room, facilitator.
type Overlapping = (i64, i64, String, i64, NaiveDateTime, String, Option<i64>);

/// Every clash `c` would make.
pub fn find(conn: &mut DbConnection, zone: Tz, c: &Candidate) -> Result<Vec<Clash>, DbError> {
    let mut q = cohort_sessions::table
        .inner_join(cohorts::table)
        .filter(cohort_sessions::status.ne("cancelled"))
        .filter(cohort_sessions::starts_at.lt(c.ends_at))
        .filter(cohort_sessions::ends_at.gt(c.starts_at))
        .into_boxed();
    if let Some(id) = c.moving {
        q = q.filter(cohort_sessions::id.ne(id));
    }
    let overlapping: Vec<Overlapping> = q
        .select((
            cohort_sessions::id,
            cohorts::id,
            cohorts::name,
            cohorts::site_id,
            cohort_sessions::starts_at,
            cohort_sessions::room,
            cohort_sessions::facilitator_id,
        ))
        .load(conn)?;
    if overlapping.is_empty() {
        return Ok(Vec::new());
    }
    let mut clashes = Vec::new();
    let local = |t: NaiveDateTime| utc_to_local(zone, t).format("%Y-%m-%d %H:%M").to_string();
    let room = c.room.trim().to_lowercase();
    let mut names: HashMap<i64, String> = HashMap::new();
    for (session_id, cohort_id, cohort_name, site_id, starts_at, other_room, facilitator) in
        &overlapping
    {
        let clash = |kind: &str, what: String| Clash {
            kind: kind.into(),
            session_id: *session_id,
            cohort_id: *cohort_id,
            cohort_name: cohort_name.clone(),
            starts_at_local: local(*starts_at),
            what,
        };
        if !room.is_empty() && *site_id == c.site_id && other_room.trim().to_lowercase() == room {
            clashes.push(clash("room", other_room.clone()));
        }
        if let (Some(f), Some(other)) = (c.facilitator_id, facilitator) {
            if f == *other {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(f) {
                    slot.insert(
                        users::table
                            .find(f)
                            .select(users::display_name)
                            .first(conn)?,
                    );
                }
                clashes.push(clash("facilitator", names[&f].clone()));
            }
        }
    }
    // Participants expected in this cohort who are also expected in an overlapping session.
    let other_cohorts: Vec<i64> = overlapping
        .iter()
        .map(|o| o.1)
        .filter(|id| *id != c.cohort_id)
        .collect();
    if !other_cohorts.is_empty() {
        let ours: Vec<i64> = enrolments::table
            .filter(enrolments::cohort_id.eq(c.cohort_id))
            .filter(enrolments::status.eq_any(ATTENDING))
            .select(enrolments::participant_id)
            .load(conn)?;
        if !ours.is_empty() {
            let shared: Vec<(i64, i64, String)> = enrolments::table
                .inner_join(participants::table)
                .filter(enrolments::cohort_id.eq_any(other_cohorts))
                .filter(enrolments::status.eq_any(ATTENDING))
                .filter(enrolments::participant_id.eq_any(ours))
                .select((
                    enrolments::cohort_id,
                    participants::id,
                    participants::case_reference,
                ))
                .load(conn)?;
            let ids: Vec<i64> = shared.iter().map(|s| s.1).collect();
            let closed = match c.asked_by.user_id {
                Some(user) => crate::participants::access::closed_to(conn, user, &ids)?,
                None => ids.iter().copied().collect(),
            };
            let mut named = Vec::new();
            for (cohort_id, participant, reference) in shared {
                let hidden = closed.contains(&participant);
                if !hidden {
                    named.push(participant);
                }
                for o in overlapping.iter().filter(|o| o.1 == cohort_id) {
                    clashes.push(Clash {
                        kind: if hidden {
                            "participant_hidden"
                        } else {
                            "participant"
                        }
                        .into(),
                        session_id: o.0,
                        cohort_id: o.1,
                        cohort_name: o.2.clone(),
                        starts_at_local: local(o.4),
                        what: if hidden {
                            String::new()
                        } else {
                            reference.clone()
                        },
                    });
                }
            }
            named.sort_unstable();
            named.dedup();
            crate::audit::record_reads(
                conn,
                c.asked_by,
                "participant.clash",
                "cohort",
                &c.cohort_id.to_string(),
                &named,
            )?;
        }
    }
    Ok(clashes)
}
