//! Each role's home page (`/`): what that person has to do today, each list short (the first few
//! with a link to the full, searchable list). Mentors and probation officers have theirs in
//! `caseload` and `handovers`; this area holds the coordinator's, the agency user's, the
//! admin's and the auditor's. Queries here, rendering in `pages.rs`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use crate::attendance::alerts::AlertView;
use crate::audit::{self, Who};
use crate::db::schema::{
    attendance, cohort_sessions, cohorts, exit_plans, notifications, participants, sites, users,
};
use crate::db::{DbConnection, DbError};
use crate::exit_plans::{MilestoneFilter, MilestoneLine, PlanError};
use crate::jobs::JobRun;
use crate::kernel::paging::Page;
use crate::kernel::Actor;
use crate::kernel::Problem;
use crate::outbox::NotificationLine;

/// How many items each section shows before "see all".
pub const TOP: i64 = 5;

/// A short list: its first items and how many there are in all.
#[derive(Debug, Clone, Serialize)]
pub struct Short<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// More than shown: the page offers "see all".
    pub more: bool,
}

impl<T> Short<T> {
    fn new(items: Vec<T>, total: i64) -> Self {
        let more = total > items.len() as i64;
        Self { items, total, more }
    }
    /// The first [`TOP`] of a list already loaded whole.
    fn top(mut all: Vec<T>) -> Self {
        let total = all.len() as i64;
        all.truncate(TOP as usize);
        Self::new(all, total)
    }
}

fn top_page() -> Page {
    Page {
        page: 1,
        per_page: TOP,
    }
}

/// A session at the coordinator's site, its start in the site's local time.
#[derive(Debug, Clone, Serialize)]
pub struct SessionLine {
    pub id: i64,
    pub cohort_id: i64,
    pub cohort_name: String,
    pub starts_at: String,
    pub room: String,
    pub status: String,
}

/// A participant released soon.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseLine {
    pub participant_id: i64,
    pub case_reference: String,
    pub release_date: NaiveDate,
}

/// A failed email about one of the site's participants.
#[derive(Debug, Clone, Serialize)]
pub struct FailedEmail {
    pub participant_id: i64,
    pub case_reference: String,
    pub to_address: String,
    pub subject: String,
    pub created_at: String,
}

/// The coordinator's day at their site.
#[derive(Debug, Clone, Serialize)]
pub struct CoordinatorHome {
    pub site_name: String,
    pub today: NaiveDate,
    pub sessions_today: Short<SessionLine>,
    pub sessions_week: Short<SessionLine>,
    pub registers_due: Short<SessionLine>,
    pub releases: Short<ReleaseLine>,
    pub overdue_milestones: Short<MilestoneLine>,
    pub alerts: Short<AlertView>,
    pub failed_emails: Short<FailedEmail>,
}

/// Errors of the home pages: the database, or a list the role may not see.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("milestones: {0}")]
    Plan(#[from] PlanError),
}

impl From<diesel::result::Error> for HomeError {
    fn from(e: diesel::result::Error) -> Self {
        HomeError::Db(e.into())
    }
}

impl From<HomeError> for Problem {
    fn from(e: HomeError) -> Self {
        match e {
            HomeError::Db(e) => e.into(),
            HomeError::Plan(e) => e.into(),
        }
    }
}

fn utc(local: NaiveDateTime, zone: Tz) -> NaiveDateTime {
    zone.from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
        // A midnight skipped by a clock change: an hour later exists.
        .or_else(|| {
            zone.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
                .map(|t| t.naive_utc())
        })
        .unwrap_or(local)
}

fn local_text(at: NaiveDateTime, zone: &str) -> String {
    crate::kernel::time::local(&at.and_utc(), zone)
}

/// Sessions at `site` starting in `[from, until)` (UTC), soonest first.
fn sessions_between(
    conn: &mut DbConnection,
    site: i64,
    zone: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Short<SessionLine>, DbError> {
    let build = || {
        cohort_sessions::table
            .inner_join(cohorts::table)
            .filter(cohorts::site_id.eq(site))
            .filter(cohort_sessions::starts_at.ge(from))
            .filter(cohort_sessions::starts_at.lt(until))
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<(i64, i64, String, NaiveDateTime, String, String)> = build()
        .order((cohort_sessions::starts_at.asc(), cohort_sessions::id.asc()))
        .limit(TOP * 2)
        .select((
            cohort_sessions::id,
            cohorts::id,
            cohorts::name,
            cohort_sessions::starts_at,
            cohort_sessions::room,
            cohort_sessions::status,
        ))
        .load(conn)?;
    Ok(Short::new(
        rows.into_iter().map(|r| session_line(r, zone)).collect(),
        total,
    ))
}

fn session_line(r: (i64, i64, String, NaiveDateTime, String, String), zone: &str) -> SessionLine {
    SessionLine {
        id: r.0,
        cohort_id: r.1,
        cohort_name: r.2,
        starts_at: local_text(r.3, zone),
        room: r.4,
        status: r.5,
    }
}

/// Past sessions at `site`, not cancelled, with no mark at all: registers not yet taken,
/// most recent first.
fn registers_due(
    conn: &mut DbConnection,
    site: i64,
    zone: &str,
    now: NaiveDateTime,
) -> Result<Short<SessionLine>, DbError> {
    let build = || {
        cohort_sessions::table
            .inner_join(cohorts::table)
            .filter(cohorts::site_id.eq(site))
            .filter(cohort_sessions::starts_at.lt(now))
            .filter(cohort_sessions::status.ne("cancelled"))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                attendance::table.filter(attendance::session_id.eq(cohort_sessions::id)),
            )))
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<(i64, i64, String, NaiveDateTime, String, String)> = build()
        .order((
            cohort_sessions::starts_at.desc(),
            cohort_sessions::id.desc(),
        ))
        .limit(TOP)
        .select((
            cohort_sessions::id,
            cohorts::id,
            cohorts::name,
            cohort_sessions::starts_at,
            cohort_sessions::room,
            cohort_sessions::status,
        ))
        .load(conn)?;
    Ok(Short::new(
        rows.into_iter().map(|r| session_line(r, zone)).collect(),
        total,
    ))
}

/// People in custody at `site` (restricted ones only for named staff) released between `today`
/// and twelve weeks on, by the active plan's date or else the earliest release date.
fn releases(
    conn: &mut DbConnection,
    actor: &Actor,
    site: i64,
    today: NaiveDate,
) -> Result<Vec<ReleaseLine>, DbError> {
    let me = actor.id.0;
    let rows: Vec<(i64, String, Option<NaiveDate>, Option<NaiveDate>)> =
        participants::table
            .left_join(
                exit_plans::table.on(exit_plans::participant_id
                    .eq(participants::id)
                    .and(exit_plans::status.eq("active"))),
            )
            .filter(participants::site_id.eq(site))
            .filter(participants::status.eq("in_custody"))
            // Only people whose plan or record puts release within the window (the exact rule,
            // plan first, is applied below): the site's whole population is never loaded.
            .filter(
                exit_plans::target_release_date
                    .nullable()
                    .between(today, today + Duration::weeks(12))
                    .or(participants::earliest_release_date
                        .between(today, today + Duration::weeks(12))),
            )
            .filter(crate::participants::access::open_to(me))
            .select((
                participants::id,
                participants::case_reference,
                exit_plans::target_release_date.nullable(),
                participants::earliest_release_date,
            ))
            .load(conn)?;
    let until = today + Duration::weeks(12);
    let mut list: Vec<ReleaseLine> = rows
        .into_iter()
        .filter_map(|(id, case_reference, plan, earliest)| {
            let release = crate::handovers::release_date_of(plan, earliest)?;
            (release >= today && release <= until).then_some(ReleaseLine {
                participant_id: id,
                case_reference,
                release_date: release,
            })
        })
        .collect();
    list.sort_by(|a, b| {
        (a.release_date, a.participant_id).cmp(&(b.release_date, b.participant_id))
    });
    Ok(list)
}

/// Failed emails about people at `site` that `actor` may see, newest first.
fn failed_emails(
    conn: &mut DbConnection,
    actor: &Actor,
    site: i64,
    zone: &str,
) -> Result<Short<FailedEmail>, DbError> {
    let rows: Vec<(i64, String, String, String, NaiveDateTime)> = notifications::table
        .inner_join(participants::table)
        .filter(participants::site_id.eq(site))
        .filter(notifications::status.eq("failed"))
        .order(notifications::id.desc())
        .limit(500)
        .select((
            participants::id,
            participants::case_reference,
            notifications::to_address,
            notifications::subject,
            notifications::created_at,
        ))
        .load(conn)?;
    // Scope in a second step: boxed scope queries cannot be nested through MultiConnection.
    let people: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let visible: Vec<i64> = crate::participants::access::visible_to(actor)
        .filter(participants::id.eq_any(people))
        .select(participants::id)
        .load(conn)?;
    Ok(Short::top(
        rows.into_iter()
            .filter(|r| visible.contains(&r.0))
            .map(|r| FailedEmail {
                participant_id: r.0,
                case_reference: r.1,
                to_address: r.2,
                subject: r.3,
                created_at: local_text(r.4, zone),
            })
            .collect(),
    ))
}

/// The coordinator's home: today's and this week's sessions at their site (the site's local
/// calendar, weeks from Monday), registers not yet taken, releases in the next 12 weeks,
/// overdue milestones, open absence alerts and failed emails. Every case reference shown is
/// a read on that person's trail.
#[tracing::instrument(skip_all)]
pub fn coordinator(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    now: DateTime<Utc>,
) -> Result<CoordinatorHome, HomeError> {
    let site = actor.site_id.map(|s| s.0).unwrap_or(-1);
    let (site_name, zone_name): (String, String) = sites::table
        .find(site)
        .select((sites::name, sites::time_zone))
        .first(conn)
        .optional()?
        .unwrap_or_else(|| (String::new(), "UTC".to_string()));
    let zone: Tz = zone_name.parse().unwrap_or(Tz::UTC);
    let today = now.with_timezone(&zone).date_naive();
    let midnight = |d: NaiveDate| utc(d.and_time(chrono::NaiveTime::MIN), zone);
    let tomorrow = today + Duration::days(1);
    let next_monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    let sessions_today =
        sessions_between(conn, site, &zone_name, midnight(today), midnight(tomorrow))?;
    let sessions_week = sessions_between(
        conn,
        site,
        &zone_name,
        midnight(tomorrow),
        midnight(next_monday),
    )?;
    let registers_due = registers_due(conn, site, &zone_name, now.naive_utc())?;
    let releases = Short::top(releases(conn, actor, site, today)?);
    let filter = MilestoneFilter {
        status: Some("overdue".into()),
        ..Default::default()
    };
    let (items, total) = crate::exit_plans::list_milestones(conn, actor, who, &filter, top_page())?;
    let overdue_milestones = Short::new(items, total);
    let alerts = Short::top(crate::attendance::alerts::open_for(conn, actor, None)?);
    let failed_emails = failed_emails(conn, actor, site, &zone_name)?;
    // Milestones audit their own list; the rest is recorded here.
    let mut shown: Vec<i64> = releases
        .items
        .iter()
        .map(|r| r.participant_id)
        .chain(alerts.items.iter().map(|a| a.participant_id))
        .chain(failed_emails.items.iter().map(|e| e.participant_id))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    audit::record_reads(conn, who, "home.read", "participant", "home", &shown)?;
    Ok(CoordinatorHome {
        site_name,
        today,
        sessions_today,
        sessions_week,
        registers_due,
        releases,
        overdue_milestones,
        alerts,
        failed_emails,
    })
}

/// The agency user's home: their agency's milestones due in the next 28 days and those overdue,
/// exactly as the milestone list lets them see (and audits).
#[derive(Debug, Clone, Serialize)]
pub struct AgencyHome {
    pub agency_name: Option<String>,
    pub due_soon: Short<MilestoneLine>,
    pub overdue: Short<MilestoneLine>,
    pub until: NaiveDate,
}

#[tracing::instrument(skip_all)]
pub fn agency(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    today: NaiveDate,
) -> Result<AgencyHome, HomeError> {
    let until = today + Duration::days(28);
    let soon = MilestoneFilter {
        status: Some("open".into()),
        due_from: Some(today),
        due_until: Some(until),
        ..Default::default()
    };
    let (items, total) = crate::exit_plans::list_milestones(conn, actor, who, &soon, top_page())?;
    let due_soon = Short::new(items, total);
    let late = MilestoneFilter {
        status: Some("overdue".into()),
        ..Default::default()
    };
    let (items, total) = crate::exit_plans::list_milestones(conn, actor, who, &late, top_page())?;
    let agency_name = match actor.agency_id {
        Some(a) => crate::agencies::find(conn, a)?.map(|a| a.name),
        None => None,
    };
    Ok(AgencyHome {
        agency_name,
        due_soon,
        overdue: Short::new(items, total),
        until,
    })
}

/// A user as the admin's home lists them.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct UserLine {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub site_name: Option<String>,
    pub active: bool,
}

/// The admin's home: recent job runs, failed deliveries, users.
#[derive(Debug, Clone, Serialize)]
pub struct AdminHome {
    pub runs: Short<JobRun>,
    pub failed: Short<NotificationLine>,
    pub users: Short<UserLine>,
}

#[tracing::instrument(skip_all)]
pub fn admin(
    conn: &mut DbConnection,
    viewer: &Actor,
    who: &crate::audit::Who,
) -> Result<AdminHome, HomeError> {
    let (runs, runs_total) = crate::jobs::runs(conn, None, false, top_page())?;
    let (failed, failed_total) = crate::outbox::by_status(
        conn,
        viewer,
        who,
        "failed",
        top_page(),
        &crate::participants::access::Gate,
    )?;
    let users_total: i64 = users::table.count().get_result(conn)?;
    let user_lines: Vec<UserLine> = users::table
        .left_join(sites::table)
        .order((
            users::active.desc(),
            users::display_name.asc(),
            users::id.asc(),
        ))
        .limit(TOP * 2)
        .select((
            users::display_name,
            users::email,
            users::role,
            sites::name.nullable(),
            users::active,
        ))
        .load(conn)?;
    Ok(AdminHome {
        runs: Short::new(runs, runs_total),
        failed: Short::new(failed, failed_total),
        users: Short::new(user_lines, users_total),
    })
}

#[cfg(test)]
mod tests {
    fn keys(ftl: &str) -> Vec<&str> {
        let mut keys: Vec<&str> = ftl
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim()))
            .collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn every_home_string_is_in_english_and_russian() {
        let en = keys(include_str!("../../locales/en/home.ftl"));
        let ru = keys(include_str!("../../locales/ru/home.ftl"));
        assert!(!en.is_empty());
        assert_eq!(en, ru, "locales/en/home.ftl and locales/ru/home.ftl differ");
    }
}
