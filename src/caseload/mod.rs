//! A mentor's caseload: the participants assigned to them (and only those, restricted people
//! by the usual rules of [`crate::participants::access`]), each with the last and next contact
//! of the mentor's own notes, whether a contact is overdue in the site's local date, open absence
//! alerts, the release date and a small chart of the domain ratings over time. It is the
//! mentor's home page and `/caseload`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::audit::{self, Who};
use crate::db::schema::{exit_plans, participant_mentors, participants, sites};
use crate::db::{like_pattern, DbConnection, DbError};
use crate::kernel::paging::Page;
use crate::kernel::Problem;
use crate::kernel::{Actor, Role};
use crate::participants::access as participant_scope;
use crate::progress_notes::{self, Ratings};

/// No contact for this many days makes a contact overdue.
pub const OVERDUE_AFTER_DAYS: i64 = 28;
/// A release within this many days (12 weeks) is marked: the handover to probation is due.
pub const RELEASE_SOON_DAYS: i64 = 84;
/// How many of the latest contacts the chart shows.
pub const CHART_CONTACTS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CaseloadError {
    /// Only mentors have a caseload.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CaseloadError {
    fn from(e: diesel::result::Error) -> Self {
        CaseloadError::Db(e.into())
    }
}

impl From<CaseloadError> for Problem {
    fn from(e: CaseloadError) -> Self {
        match e {
            CaseloadError::Forbidden => Problem::forbidden(),
            CaseloadError::Db(e) => e.into(),
        }
    }
}

/// Why a contact is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overdue {
    /// The next contact date the mentor set has passed.
    NextContactPassed,
    /// No contact for [`OVERDUE_AFTER_DAYS`] days or more.
    NoRecentContact,
    /// No contact recorded at all.
    NeverContacted,
}

impl Overdue {
    pub fn as_str(&self) -> &'static str {
        match self {
            Overdue::NextContactPassed => "next_contact_passed",
            Overdue::NoRecentContact => "no_recent_contact",
            Overdue::NeverContacted => "never_contacted",
        }
    }
}

/// One participant of a caseload.
#[derive(Debug, Clone)]
pub struct CaseloadEntry {
    pub participant_id: i64,
    pub case_reference: String,
    /// Today at the participant's site.
    pub today: NaiveDate,
    pub last_contact: Option<NaiveDate>,
    pub next_contact: Option<NaiveDate>,
    pub overdue: Option<Overdue>,
    pub open_alerts: usize,
    /// The active exit plan's release date, else the participant's earliest release date.
    pub release_date: Option<NaiveDate>,
    /// The release is today or within [`RELEASE_SOON_DAYS`].
    pub release_soon: bool,
    /// The latest contacts' ratings, oldest first (at most [`CHART_CONTACTS`]).
    pub ratings: Vec<(NaiveDate, Ratings)>,
}

/// Whether a contact is overdue on `today` (the site's local date).
pub fn overdue(
    last_contact: Option<NaiveDate>,
    next_contact: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<Overdue> {
    let last = match last_contact {
        None => return Some(Overdue::NeverContacted),
        Some(last) => last,
    };
    if next_contact.is_some_and(|n| n < today) {
        Some(Overdue::NextContactPassed)
    } else if (today - last).num_days() >= OVERDUE_AFTER_DAYS {
        Some(Overdue::NoRecentContact)
    } else {
        None
    }
}

/// The local date at `now` in `time_zone` (UTC for an unknown zone).
fn local_date(now: DateTime<Utc>, time_zone: &str) -> NaiveDate {
    match time_zone.parse::<Tz>() {
        Ok(tz) => now.with_timezone(&tz).date_naive(),
        Err(_) => now.date_naive(),
    }
}

/// One page of `actor`'s caseload matching `query` (part of a case reference), by case
/// reference, with how many there are. Each participant shown is audited as read.
#[tracing::instrument(skip_all)]
pub fn caseload(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    query: &str,
    page: Page,
    now: DateTime<Utc>,
) -> Result<(Vec<CaseloadEntry>, i64), CaseloadError> {
    if actor.role != Role::Mentor {
        return Err(CaseloadError::Forbidden);
    }
    let me = actor.id.0;
    let needle = query.trim().to_ascii_uppercase();
    let build = || {
        // Only the people assigned to this mentor, whatever else a scope may one day allow.
        let mut q = participant_scope::visible_to(actor).filter(
            participants::id.eq_any(
                participant_mentors::table
                    .filter(participant_mentors::user_id.eq(me))
                    .select(participant_mentors::participant_id),
            ),
        );
        if !needle.is_empty() {
            q = q.filter(
                participants::case_reference
                    .like(like_pattern(&needle))
                    .escape('\\'),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<(i64, String, i64, Option<NaiveDate>)> = build()
        .order((participants::case_reference.asc(), participants::id.asc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            participants::id,
            participants::case_reference,
            participants::site_id,
            participants::earliest_release_date,
        ))
        .load(conn)?;
    if rows.is_empty() {
        return Ok((Vec::new(), total));
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let site_ids: Vec<i64> = rows.iter().map(|r| r.2).collect();
    let zones: HashMap<i64, String> = sites::table
        .filter(sites::id.eq_any(site_ids))
        .select((sites::id, sites::time_zone))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let plans: HashMap<i64, NaiveDate> = exit_plans::table
        .filter(exit_plans::participant_id.eq_any(&ids))
        .filter(exit_plans::status.eq("active"))
        .select((exit_plans::participant_id, exit_plans::target_release_date))
        .load::<(i64, NaiveDate)>(conn)?
        .into_iter()
        .collect();
    let mut contacts: HashMap<i64, Vec<progress_notes::Contact>> = HashMap::new();
    for c in progress_notes::contacts(conn, actor, &ids)? {
        contacts.entry(c.participant_id).or_default().push(c);
    }
    let mut alerts: HashMap<i64, usize> = HashMap::new();
    for a in crate::attendance::alerts::open_for(conn, actor, None)? {
        *alerts.entry(a.participant_id).or_default() += 1;
    }
    let entries = rows
        .into_iter()
        .map(|(id, case_reference, site, earliest_release)| {
            let today = local_date(now, zones.get(&site).map_or("UTC", String::as_str));
            let mine = contacts.remove(&id).unwrap_or_default();
            // Contacts come oldest first: the last one is the latest note.
            let latest = mine.last();
            let last_contact = latest.map(|c| c.contact_date);
            let next_contact = latest.and_then(|c| c.next_contact_date);
            let release_date = plans.get(&id).copied().or(earliest_release);
            let skip = mine.len().saturating_sub(CHART_CONTACTS);
            CaseloadEntry {
                participant_id: id,
                case_reference,
                today,
                last_contact,
                next_contact,
                overdue: overdue(last_contact, next_contact, today),
                open_alerts: alerts.get(&id).copied().unwrap_or(0),
                release_date,
                release_soon: release_date
                    .is_some_and(|r| r >= today && (r - today).num_days() <= RELEASE_SOON_DAYS),
                ratings: mine
                    .into_iter()
                    .skip(skip)
                    .map(|c| (c.contact_date, c.ratings))
                    .collect(),
            }
        })
        .collect();
    audit::record_reads(conn, who, "caseload.read", "user", &me.to_string(), &ids)?;
    Ok((entries, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_contact_is_overdue_when_its_date_passed_or_after_four_weeks_without_one() {
        let today = d("2026-11-27");
        assert_eq!(overdue(None, None, today), Some(Overdue::NeverContacted));
        assert_eq!(
            overdue(Some(d("2026-11-20")), Some(d("2026-11-26")), today),
            Some(Overdue::NextContactPassed)
        );
        assert_eq!(
            overdue(Some(d("2026-11-20")), Some(d("2026-11-27")), today),
            None
        );
        assert_eq!(
            overdue(Some(d("2026-10-30")), None, today),
            Some(Overdue::NoRecentContact)
        );
        assert_eq!(overdue(Some(d("2026-10-31")), None, today), None);
    }

    #[test]
    fn the_local_date_is_the_sites() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, 20, 0, 0).unwrap();
        assert_eq!(local_date(at, "Asia/Bishkek"), d("2026-11-27"));
        assert_eq!(local_date(at, "Europe/Lisbon"), d("2026-11-26"));
    }
}
