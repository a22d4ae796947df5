//! Reports for managers: aggregate counts for a site (or every site) and a date range, never a
//! participant's name or case reference.
//!
//! - **Enrolments by status**: enrolments *created* (referred) in the range, by their status now.
//! - **Completion**: enrolments that *ended* in the range (their move to completed, withdrawn or
//!   transferred, which are final, is in `enrolment_events`); completed over all that ended.
//! - **Attendance** by programme and cohort, for sessions that started in the range, counted by
//!   [`crate::attendance::Rate::of`] (the rule every attendance rate uses).
//! - **Milestones** done, with `due_on` in the range, on time or late by responsible agency. When a
//!   milestone became done is not recorded as such: the audit row of an update carries no status,
//!   so the milestone's `updated_at` (its last change) stands for it. That is never earlier than
//!   the day it was marked done, so "on time" is certain and "late" may include a milestone done on
//!   time and changed (e.g. its note, or a moved release date) after its due date.
//! - **Handovers** sent in the range (`sent_on`, the site's local day): acknowledged on time
//!   (before the day the sweep would escalate it, `sent_on + ONWARD_HANDOVER_ESCALATE_DAYS`),
//!   late, or not yet.
//!
//! Programme reports (1–3) belong to the cohort's site; milestones and handovers to the
//! participant's site. Instants are turned into the site's local date before they are compared
//! with the range.
//!
//! Who: admins any site or all sites, auditors the same read-only, coordinators their own site;
//! everyone else 403.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use crate::attendance::Rate;
use crate::db::schema::{
    agencies, attendance, cohort_sessions, cohorts, enrolment_events, enrolments, handovers,
    milestones, participants, programmes, sites,
};
use crate::db::{DbConnection, DbError};
use crate::kernel::validate::optional_date;
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};

/// The five reports, by the name used in their CSV address (`/reports/<name>.csv`).
pub const REPORTS: [&str; 5] = [
    "enrolments",
    "completion",
    "attendance",
    "milestones",
    "handovers",
];

/// Statuses an enrolment ends in: no move leads out of them.
pub const ENDED: [&str; 3] = ["completed", "withdrawn", "transferred"];

/// Days in the default range, today included.
pub const DEFAULT_DAYS: i64 = 90;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("not allowed")]
    Forbidden,
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ReportError {
    fn from(e: diesel::result::Error) -> Self {
        ReportError::Db(e.into())
    }
}

impl From<ReportError> for Problem {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Forbidden => Problem::forbidden(),
            ReportError::Invalid(errors) => Problem::invalid(errors),
            ReportError::NotFound => Problem::not_found(),
            ReportError::Db(e) => e.into(),
        }
    }
}

/// Whether `actor` may see reports at all.
pub fn may_see(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Coordinator | Role::Auditor)
}

/// A checked request for reports: a site (`None`: every site) and a range of local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReportScope {
    pub site_id: Option<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// What a client typed, as text.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct ScopeInput {
    pub site_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Check `input` for `actor`: bad dates and unknown sites are 422 naming the field, a site the
/// actor may not see 403. Empty dates default to the last [`DEFAULT_DAYS`] days, up to today in
/// the site's zone (for every site, the latest site's today). A coordinator's site is always their own.
pub fn scope(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &ScopeInput,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ReportScope, ReportError> {
    if !may_see(actor) {
        return Err(ReportError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let typed_site = match blank(&input.site_id) {
        None => None,
        Some(s) => match s.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("site_id", "error-unknown-site");
                None
            }
        },
    };
    let site_id = match actor.role {
        Role::Coordinator => {
            let own = actor.site_id.map(|s| s.0).ok_or(ReportError::Forbidden)?;
            if typed_site.is_some_and(|s| s != own) {
                return Err(ReportError::Forbidden);
            }
            Some(own)
        }
        _ => typed_site,
    };
    // Today where the range ends: the site's, or for every site the latest of their days (so
    // that what happened this morning in Bishkek is in "the last 90 days" while Lisbon sleeps).
    let zones: Vec<Tz> = match site_id {
        Some(id) => {
            let zone: Option<String> = sites::table
                .find(id)
                .select(sites::time_zone)
                .first(conn)
                .optional()?;
            match zone {
                Some(z) => vec![z.parse().unwrap_or(Tz::UTC)],
                None => {
                    errors.add("site_id", "error-unknown-site");
                    vec![]
                }
            }
        }
        None => sites::table
            .select(sites::time_zone)
            .load::<String>(conn)?
            .iter()
            .map(|z| z.parse().unwrap_or(Tz::UTC))
            .collect(),
    };
    let from = optional_date(&mut errors, "from", &input.from);
    let to = optional_date(&mut errors, "to", &input.to);
    let today = zones
        .iter()
        .map(|z| now.with_timezone(z).date_naive())
        .max()
        .unwrap_or_else(|| now.date_naive());
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
    if errors.is_empty() && from > to {
        errors.add("to", "reports-error-range");
    }
    if !errors.is_empty() {
        return Err(ReportError::Invalid(errors));
    }
    Ok(ReportScope { site_id, from, to })
}

impl ReportScope {
    /// Whether the local date of `at` (UTC) at a site in `zone` falls in the range.
    fn holds_instant(&self, at: NaiveDateTime, zone: &str) -> bool {
        let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
        self.holds(local_date(at, tz))
    }

    fn holds(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// UTC instants that may fall in the range in some zone (±14 hours, a day either side):
    /// the database narrows by these, the exact local dates are checked after.
    fn widened(&self) -> (NaiveDateTime, NaiveDateTime) {
        let start = (self.from - Duration::days(1)).and_time(chrono::NaiveTime::MIN);
        let end = (self.to + Duration::days(2)).and_time(chrono::NaiveTime::MIN);
        (start, end)
    }
}

fn local_date(at: NaiveDateTime, tz: Tz) -> NaiveDate {
    crate::programmes::schedule::utc_to_local(tz, at).date()
}

/// A cell typed by staff (a programme, cohort or agency name), kept from being read as a formula
/// by spreadsheets.
fn text_cell(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64) * 100.0 / (whole as f64))
}

/// Enrolments created in the range, counted by their status now (every status, zeros too).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnrolmentCounts {
    /// `(status, count)` in the lifecycle's order.
    pub by_status: Vec<(String, i64)>,
    pub total: i64,
}

pub fn enrolments_by_status(
    conn: &mut DbConnection,
    scope: &ReportScope,
) -> Result<EnrolmentCounts, ReportError> {
    let (start, end) = scope.widened();
    let mut q = enrolments::table
        .inner_join(cohorts::table.inner_join(sites::table))
        .filter(enrolments::created_at.ge(start))
        .filter(enrolments::created_at.lt(end))
        .select((enrolments::status, enrolments::created_at, sites::time_zone))
        .into_boxed();
    if let Some(site) = scope.site_id {
        q = q.filter(cohorts::site_id.eq(site));
    }
    let rows: Vec<(String, NaiveDateTime, String)> = q.load(conn)?;
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for (status, created, zone) in rows {
        if scope.holds_instant(created, &zone) {
            *counts.entry(status).or_default() += 1;
        }
    }
    let by_status: Vec<(String, i64)> = crate::enrolments::STATUSES
        .iter()
        .map(|s| (s.to_string(), counts.get(*s).copied().unwrap_or(0)))
        .collect();
    let total = by_status.iter().map(|(_, n)| n).sum();
    Ok(EnrolmentCounts { by_status, total })
}

/// Enrolments that ended in the range, by how they ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Completion {
    pub completed: i64,
    pub withdrawn: i64,
    pub transferred: i64,
    pub ended: i64,
    /// `None` when nothing ended.
    pub percent: Option<f64>,
}

pub fn completion(conn: &mut DbConnection, scope: &ReportScope) -> Result<Completion, ReportError> {
    let (start, end) = scope.widened();
    let mut q = enrolment_events::table
        .inner_join(enrolments::table.inner_join(cohorts::table.inner_join(sites::table)))
        .filter(enrolment_events::to_status.eq_any(ENDED))
        // The end that holds: an enrolment in a final status got there once.
        .filter(enrolment_events::to_status.eq(enrolments::status))
        .filter(enrolment_events::occurred_at.ge(start))
        .filter(enrolment_events::occurred_at.lt(end))
        .select((
            enrolments::id,
            enrolment_events::to_status,
            enrolment_events::occurred_at,
            sites::time_zone,
        ))
        .into_boxed();
    if let Some(site) = scope.site_id {
        q = q.filter(cohorts::site_id.eq(site));
    }
    let rows: Vec<(i64, String, NaiveDateTime, String)> = q.load(conn)?;
    let mut seen = std::collections::HashSet::new();
    let (mut completed, mut withdrawn, mut transferred) = (0, 0, 0);
    for (id, status, at, zone) in rows {
        if !scope.holds_instant(at, &zone) || !seen.insert(id) {
            continue;
        }
        match status.as_str() {
            "completed" => completed += 1,
            "withdrawn" => withdrawn += 1,
            _ => transferred += 1,
        }
    }
    let ended = completed + withdrawn + transferred;
    Ok(Completion {
        completed,
        withdrawn,
        transferred,
        ended,
        percent: percent(completed, ended),
    })
}

/// One cohort's attendance in the range.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CohortAttendance {
    pub programme: String,
    pub cohort: String,
    pub site: String,
    pub rate: Rate,
}

pub fn attendance_by_cohort(
    conn: &mut DbConnection,
    scope: &ReportScope,
) -> Result<Vec<CohortAttendance>, ReportError> {
    let (start, end) = scope.widened();
    let mut q = attendance::table
        .inner_join(
            cohort_sessions::table.inner_join(
                cohorts::table
                    .inner_join(programmes::table)
                    .inner_join(sites::table),
            ),
        )
        .filter(cohort_sessions::starts_at.ge(start))
        .filter(cohort_sessions::starts_at.lt(end))
        .select((
            cohorts::id,
            programmes::name,
            cohorts::name,
            sites::name,
            sites::time_zone,
            cohort_sessions::starts_at,
            attendance::mark,
            attendance::not_held_reason,
        ))
        .into_boxed();
    if let Some(site) = scope.site_id {
        q = q.filter(cohorts::site_id.eq(site));
    }
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        NaiveDateTime,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = q.load(conn)?;
    type Marks = Vec<(String, Option<String>)>;
    let mut by_cohort: BTreeMap<(String, String, i64), (String, Marks)> = BTreeMap::new();
    for (cohort, programme, name, site, zone, starts, mark, reason) in rows {
        if scope.holds_instant(starts, &zone) {
            by_cohort
                .entry((programme, name, cohort))
                .or_insert_with(|| (site, Vec::new()))
                .1
                .push((mark, reason));
        }
    }
    Ok(by_cohort
        .into_iter()
        .map(|((programme, cohort, _), (site, marks))| CohortAttendance {
            programme,
            cohort,
            site,
            rate: Rate::of(marks.into_iter()),
        })
        .collect())
}

/// Done milestones of one responsible agency (`None`: no agency named).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgencyMilestones {
    pub agency: Option<String>,
    pub on_time: i64,
    pub late: i64,
    pub total: i64,
}

pub fn milestones_by_agency(
    conn: &mut DbConnection,
    scope: &ReportScope,
) -> Result<Vec<AgencyMilestones>, ReportError> {
    let mut q = milestones::table
        .inner_join(participants::table.inner_join(sites::table))
        .left_join(agencies::table)
        .filter(milestones::status.eq("done"))
        .filter(milestones::due_on.ge(scope.from))
        .filter(milestones::due_on.le(scope.to))
        .select((
            agencies::name.nullable(),
            milestones::due_on,
            milestones::updated_at,
            sites::time_zone,
        ))
        .into_boxed();
    if let Some(site) = scope.site_id {
        q = q.filter(participants::site_id.eq(site));
    }
    let rows: Vec<(Option<String>, NaiveDate, NaiveDateTime, String)> = q.load(conn)?;
    // Agencies by name, "no agency" last.
    let mut by_agency: BTreeMap<(bool, Option<String>), (i64, i64)> = BTreeMap::new();
    for (agency, due, changed, zone) in rows {
        let done_on = local_date(changed, zone.parse().unwrap_or(Tz::UTC));
        let entry = by_agency.entry((agency.is_none(), agency)).or_default();
        if done_on <= due {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    Ok(by_agency
        .into_iter()
        .map(|((_, agency), (on_time, late))| AgencyMilestones {
            agency,
            on_time,
            late,
            total: on_time + late,
        })
        .collect())
}

/// Handovers sent in the range, by acknowledgement.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HandoverAcks {
    pub on_time: i64,
    pub late: i64,
    pub not_yet: i64,
    pub sent: i64,
    /// The `ONWARD_HANDOVER_ESCALATE_DAYS` the counts were made with.
    pub escalate_after: i64,
}

pub fn handover_acknowledgements(
    conn: &mut DbConnection,
    scope: &ReportScope,
    escalate_after: i64,
) -> Result<HandoverAcks, ReportError> {
    let mut q = handovers::table
        .inner_join(participants::table.inner_join(sites::table))
        .filter(handovers::sent_on.ge(scope.from))
        .filter(handovers::sent_on.le(scope.to))
        .select((
            handovers::sent_on.assume_not_null(),
            handovers::acknowledged_at,
            sites::time_zone,
        ))
        .into_boxed();
    if let Some(site) = scope.site_id {
        q = q.filter(participants::site_id.eq(site));
    }
    let rows: Vec<(NaiveDate, Option<NaiveDateTime>, String)> = q.load(conn)?;
    let (mut on_time, mut late, mut not_yet) = (0, 0, 0);
    for (sent_on, acknowledged, zone) in rows {
        match acknowledged {
            None => not_yet += 1,
            Some(at) => {
                let day = local_date(at, zone.parse().unwrap_or(Tz::UTC));
                if day < sent_on + Duration::days(escalate_after) {
                    on_time += 1;
                } else {
                    late += 1;
                }
            }
        }
    }
    Ok(HandoverAcks {
        on_time,
        late,
        not_yet,
        sent: on_time + late + not_yet,
        escalate_after,
    })
}

/// Every report for one scope.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reports {
    pub enrolments: EnrolmentCounts,
    pub completion: Completion,
    pub attendance: Vec<CohortAttendance>,
    pub milestones: Vec<AgencyMilestones>,
    pub handovers: HandoverAcks,
}

pub fn all(
    conn: &mut DbConnection,
    scope: &ReportScope,
    escalate_after: i64,
) -> Result<Reports, ReportError> {
    Ok(Reports {
        enrolments: enrolments_by_status(conn, scope)?,
        completion: completion(conn, scope)?,
        attendance: attendance_by_cohort(conn, scope)?,
        milestones: milestones_by_agency(conn, scope)?,
        handovers: handover_acknowledgements(conn, scope, escalate_after)?,
    })
}

/// The sites `actor` may choose: `(id, name)`, by name.
pub fn sites_for(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<(i64, String)>, DbError> {
    let mut q = sites::table
        .order(sites::name.asc())
        .select((sites::id, sites::name))
        .into_boxed();
    if actor.role == Role::Coordinator {
        q = q.filter(sites::id.eq(actor.site_id.map(|s| s.0).unwrap_or(-1)));
    }
    Ok(q.load(conn)?)
}

/// One report as CSV, its header row first. Numbers are plain (`66.7`, empty when there is no
/// rate); the download is audited as `report.export` with the report and scope.
#[tracing::instrument(skip_all)]
pub fn csv(
    conn: &mut DbConnection,
    who: &crate::audit::Who,
    name: &str,
    scope: &ReportScope,
    escalate_after: i64,
) -> Result<String, ReportError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let pct = |p: Option<f64>| p.map(|p| format!("{p:.1}")).unwrap_or_default();
    let write = |out: &mut csv::Writer<Vec<u8>>, row: &[String]| {
        out.write_record(row)
            .map_err(|e| DbError::Query(e.to_string()))
    };
    match name {
        "enrolments" => {
            write(&mut out, &["status".into(), "enrolments".into()])?;
            for (status, n) in enrolments_by_status(conn, scope)?.by_status {
                write(&mut out, &[status, n.to_string()])?;
            }
        }
        "completion" => {
            let c = completion(conn, scope)?;
            write(
                &mut out,
                &[
                    "completed",
                    "withdrawn",
                    "transferred",
                    "ended",
                    "completion_percent",
                ]
                .map(String::from),
            )?;
            write(
                &mut out,
                &[
                    c.completed.to_string(),
                    c.withdrawn.to_string(),
                    c.transferred.to_string(),
                    c.ended.to_string(),
                    pct(c.percent),
                ],
            )?;
        }
        "attendance" => {
            write(
                &mut out,
                &[
                    "programme",
                    "cohort",
                    "site",
                    "attended",
                    "counted",
                    "attendance_percent",
                ]
                .map(String::from),
            )?;
            for a in attendance_by_cohort(conn, scope)? {
                write(
                    &mut out,
                    &[
                        text_cell(a.programme),
                        text_cell(a.cohort),
                        text_cell(a.site),
                        a.rate.attended.to_string(),
                        a.rate.counted.to_string(),
                        pct(a.rate.percent),
                    ],
                )?;
            }
        }
        "milestones" => {
            write(
                &mut out,
                &["agency", "on_time", "late", "done"].map(String::from),
            )?;
            for m in milestones_by_agency(conn, scope)? {
                write(
                    &mut out,
                    &[
                        text_cell(m.agency.unwrap_or_default()),
                        m.on_time.to_string(),
                        m.late.to_string(),
                        m.total.to_string(),
                    ],
                )?;
            }
        }
        "handovers" => {
            let h = handover_acknowledgements(conn, scope, escalate_after)?;
            write(
                &mut out,
                &["on_time", "late", "not_yet", "sent"].map(String::from),
            )?;
            write(
                &mut out,
                &[
                    h.on_time.to_string(),
                    h.late.to_string(),
                    h.not_yet.to_string(),
                    h.sent.to_string(),
                ],
            )?;
        }
        _ => return Err(ReportError::NotFound),
    }
    let bytes = out
        .into_inner()
        .map_err(|e| DbError::Query(e.to_string()))?;
    crate::audit::record(
        conn,
        who,
        crate::audit::Event {
            action: "report.export",
            entity_type: "report",
            entity_id: Some(name.to_string()),
            participant_id: None,
            detail: Some(serde_json::json!({
                "site_id": scope.site_id,
                "from": scope.from.to_string(),
                "to": scope.to.to_string(),
            })),
        },
    )?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
