//! The pre-release handover of a case to probation. For each person in custody with a release
//! date, a handover falls due a configured number of days before release (default 84) in the
//! site's local morning; Onward then prepares the pack ([`pack`]), keeps a sealed copy exactly
//! as sent, and emails the probation officer a link (no sensitive content). The officer opens
//! the pack in Onward, acknowledges it and may record the handover meeting, whose invitation
//! goes out as an `.ics` attachment. Without an acknowledgement N days (default 7) after
//! sending — or without a probation officer to send to N days after it fell due — the case is
//! escalated to the probation agency's mailbox and the site's coordinators, once per step.
//!
//! Status: `due` → `sent` → `acknowledged`; a handover escalated and still not acknowledged is
//! shown as `overdue`.
//!
//! Who sees a handover: the site's coordinators and the participant's probation officer (the
//! need-to-know of PRODUCT.md); nobody else, admins included.

pub mod pack;
pub mod sweep;

use actix_web::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audit::{self, Event, Who};
use crate::crypto::Keyring;
use crate::db::schema::{exit_plans, handovers, participant_mentors, participants, sites, users};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::paging::Page;
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};

/// `ONWARD_HANDOVER_DAYS` and `ONWARD_HANDOVER_ESCALATE_DAYS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoverSettings {
    /// How many days before release a handover falls due (default 84, twelve weeks).
    pub days_before: i64,
    /// Days without an acknowledgement (or without anyone to send to) before escalating.
    pub escalate_after: i64,
}

impl Default for HandoverSettings {
    fn default() -> Self {
        Self {
            days_before: 84,
            escalate_after: 7,
        }
    }
}

pub const STATUSES: [&str; 4] = ["due", "sent", "acknowledged", "overdue"];

#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error("not allowed")]
    Forbidden,
    /// The handover is not in a state that allows this (e.g. acknowledging before it is sent).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("no data key")]
    NoKey,
    /// Someone changed the handover since it was read.
    #[error("stale")]
    Stale,
    #[error("version required")]
    VersionRequired,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Where meeting invitations come from and link to.
#[derive(Debug, Clone)]
pub struct MeetingMail {
    pub public_url: url::Url,
    /// The organiser of the calendar event (`ONWARD_MAIL_FROM`'s address).
    pub organizer: String,
}

impl From<diesel::result::Error> for HandoverError {
    fn from(e: diesel::result::Error) -> Self {
        HandoverError::Db(e.into())
    }
}

impl From<HandoverError> for Problem {
    fn from(e: HandoverError) -> Self {
        match e {
            HandoverError::NotFound => Problem::not_found(),
            HandoverError::Invalid(errors) => Problem::invalid(errors),
            HandoverError::Forbidden => Problem::forbidden(),
            HandoverError::Conflict(key) => Problem::conflict(crate::kernel::Message::new(&key)),
            HandoverError::NoKey => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "problem-no-data-key",
                "problem-no-data-key-detail",
            ),
            HandoverError::Stale => Problem::stale(),
            HandoverError::VersionRequired => Problem::version_required(),
            HandoverError::Db(e) => e.into(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = handovers)]
pub struct Handover {
    pub id: i64,
    pub participant_id: i64,
    pub release_date: NaiveDate,
    pub due_on: NaiveDate,
    pub opened_on: NaiveDate,
    pub status: String,
    pub probation_officer_id: Option<i64>,
    pub pack: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub sent_on: Option<NaiveDate>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_by: Option<i64>,
    pub escalated_unsent_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    pub meeting_at: Option<NaiveDateTime>,
    pub meeting_place: Option<String>,
    pub meeting_attendees: Option<String>,
    pub meeting_sequence: i32,
    pub version: i32,
}

impl Handover {
    /// The status a user sees: escalated and still not acknowledged is `overdue`.
    pub fn shown_status(&self) -> &str {
        let overdue = match self.status.as_str() {
            "sent" => self.escalated_at.is_some(),
            "due" => self.escalated_unsent_at.is_some(),
            _ => false,
        };
        if overdue {
            "overdue"
        } else {
            &self.status
        }
    }
}

/// One line of a handover list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverLine {
    pub id: i64,
    pub participant_id: i64,
    pub case_reference: String,
    pub release_date: NaiveDate,
    pub due_on: NaiveDate,
    /// `due`, `sent`, `acknowledged` or `overdue`.
    pub status: String,
    pub probation_officer: Option<String>,
    /// Shown in the site's local time.
    pub sent_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub meeting_at: Option<String>,
}

/// The handover meeting as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Meeting {
    /// Local time at the site, `YYYY-MM-DD HH:MM (zone)`.
    pub at: String,
    pub place: String,
    pub attendees: Vec<String>,
}

/// A handover with its pack as sent, and which sections have changed since.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoverView {
    #[serde(flatten)]
    pub line: HandoverLine,
    /// The pack exactly as it was sent (absent until sent).
    #[schema(value_type = Option<Object>)]
    pub pack: Option<Value>,
    /// Sections of the pack whose content has changed since it was sent.
    pub changed_since_handover: Vec<String>,
    pub meeting: Option<Meeting>,
    pub acknowledged_by: Option<String>,
    pub escalated: bool,
    /// `unacknowledged` or `unsent`: which step was escalated, if one was.
    pub escalation: Option<String>,
    /// The version to send back when changing the meeting.
    pub version: i32,
    /// Whether the viewer may acknowledge / send it now.
    pub may_acknowledge: bool,
    pub may_send: bool,
}

/// What a probation officer or coordinator sends to record the handover meeting.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// Local time at the participant's site, `YYYY-MM-DDTHH:MM` (or with a space).
    pub at: Option<String>,
    /// Minutes, 15 to 480 (default 60).
    pub minutes: Option<i64>,
    pub place: Option<String>,
    /// Staff of the case to invite (ids from the case's team: probation officer, mentors,
    /// site coordinators); each gets the invitation.
    pub attendee_ids: Option<Vec<i64>>,
    /// The handover's `version` as read: required to change a meeting already recorded, so
    /// that one person's change never silently replaces another's.
    pub version: Option<i32>,
}

/// Who around a case may be invited to its meeting.
#[derive(Debug, Clone, Serialize, Queryable, utoipa::ToSchema)]
pub struct TeamMember {
    pub id: i64,
    pub name: String,
    pub role: String,
}

/// The participant's release date for a handover: the active exit plan's target date, else
/// the earliest release date on the record.
pub fn release_date_of(plan: Option<NaiveDate>, earliest: Option<NaiveDate>) -> Option<NaiveDate> {
    plan.or(earliest)
}

/// The participant (site, zone, officer, restricted) if `actor` has a part in handing them over.
fn case_of(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: i64,
) -> Result<(i64, Tz, Option<i64>, String), HandoverError> {
    let (site, officer, case_reference): (i64, Option<i64>, String) =
        crate::participants::access::visible_to(actor)
            .filter(participants::id.eq(participant_id))
            .select((
                participants::site_id,
                participants::probation_officer_id,
                participants::case_reference,
            ))
            .first(conn)
            .optional()?
            .ok_or(HandoverError::NotFound)?;
    let zone: String = sites::table
        .find(site)
        .select(sites::time_zone)
        .first(conn)?;
    let allowed = match actor.role {
        Role::Coordinator => crate::participants::access::may_edit(actor, site),
        Role::ProbationOfficer => officer == Some(actor.id.0),
        _ => false,
    };
    if !allowed {
        return Err(HandoverError::NotFound);
    }
    Ok((
        site,
        zone.parse().unwrap_or(Tz::UTC),
        officer,
        case_reference,
    ))
}

fn find(conn: &mut DbConnection, id: i64) -> Result<Handover, HandoverError> {
    handovers::table
        .find(id)
        .select(Handover::as_select())
        .first(conn)
        .optional()?
        .ok_or(HandoverError::NotFound)
}

fn local_text(at: Option<NaiveDateTime>, zone: &str) -> Option<String> {
    at.map(|t| crate::kernel::time::local(&Utc.from_utc_datetime(&t), zone))
}

fn name_of(conn: &mut DbConnection, user: Option<i64>) -> Result<Option<String>, DbError> {
    match user {
        None => Ok(None),
        Some(id) => Ok(users::table
            .find(id)
            .select(users::display_name)
            .first(conn)
            .optional()?),
    }
}

/// The list filter.
#[derive(Debug, Clone, Default)]
pub struct HandoverFilter {
    /// Part of the case reference.
    pub q: String,
    /// One of [`STATUSES`]; `awaiting` means sent or overdue, not yet acknowledged.
    pub status: Option<String>,
}

/// The handovers `actor` may see (coordinators: their site's; probation officers: their
/// cases'), soonest release first.
#[tracing::instrument(skip_all)]
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    filter: &HandoverFilter,
    page: Page,
) -> Result<(Vec<HandoverLine>, i64), HandoverError> {
    let me = actor.id.0;
    let build = || {
        let mut q = handovers::table
            .inner_join(participants::table.inner_join(sites::table))
            .into_boxed::<db::MultiBackend>();
        q = match actor.role {
            Role::Coordinator => {
                q.filter(participants::site_id.eq(actor.site_id.map(|s| s.0).unwrap_or(-1)))
            }
            Role::ProbationOfficer => q.filter(participants::probation_officer_id.eq(me)),
            _ => q.filter(participants::id.lt(0)),
        };
        q = q.filter(crate::participants::access::open_to(me));
        if !filter.q.trim().is_empty() {
            let like = db::like_pattern(&filter.q.trim().to_lowercase());
            q = q.filter(participants::search_text.like(like).escape('\\'));
        }
        // Overdue: sent and escalated for want of an acknowledgement, or due and escalated
        // for want of an officer (see `Handover::shown_status`).
        let sent_overdue = handovers::status
            .eq("sent")
            .and(handovers::escalated_at.is_not_null());
        let due_overdue = handovers::status
            .eq("due")
            .and(handovers::escalated_unsent_at.is_not_null());
        q = match filter.status.as_deref() {
            Some("overdue") => q.filter(sent_overdue.or(due_overdue)),
            Some("awaiting") => q.filter(handovers::status.eq("sent")),
            Some("sent") => q
                .filter(handovers::status.eq("sent"))
                .filter(handovers::escalated_at.is_null()),
            Some("due") => q
                .filter(handovers::status.eq("due"))
                .filter(handovers::escalated_unsent_at.is_null()),
            Some(s) => q.filter(handovers::status.eq(s.to_string())),
            None => q,
        };
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<(Handover, String, String, Option<i64>)> = build()
        .order((handovers::release_date.asc(), handovers::id.asc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            Handover::as_select(),
            participants::case_reference,
            sites::time_zone,
            participants::probation_officer_id,
        ))
        .load(conn)?;
    let mut lines = Vec::with_capacity(rows.len());
    for (h, case_reference, zone, officer) in rows {
        lines.push(line(conn, &h, case_reference, &zone, officer)?);
    }
    let people: Vec<i64> = lines.iter().map(|l| l.participant_id).collect();
    audit::record_reads(conn, who, "handover.list", "handover", "list", &people)?;
    Ok((lines, total))
}

fn line(
    conn: &mut DbConnection,
    h: &Handover,
    case_reference: String,
    zone: &str,
    current_officer: Option<i64>,
) -> Result<HandoverLine, DbError> {
    Ok(HandoverLine {
        id: h.id,
        participant_id: h.participant_id,
        case_reference,
        release_date: h.release_date,
        due_on: h.due_on,
        status: h.shown_status().to_string(),
        // Who it went to; before it is sent, who it will go to.
        probation_officer: name_of(conn, h.probation_officer_id.or(current_officer))?,
        sent_at: local_text(h.sent_at, zone),
        acknowledged_at: local_text(h.acknowledged_at, zone),
        meeting_at: local_text(h.meeting_at, zone),
    })
}

/// A participant's handover id, if there is one and `actor` may see it.
pub fn for_participant(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: i64,
) -> Result<Option<HandoverLine>, HandoverError> {
    let (_, zone, officer, case_reference) = case_of(conn, actor, participant_id)?;
    let h: Option<Handover> = handovers::table
        .filter(handovers::participant_id.eq(participant_id))
        .select(Handover::as_select())
        .first(conn)
        .optional()?;
    Ok(match h {
        Some(h) => Some(line(conn, &h, case_reference, zone.name(), officer)?),
        None => None,
    })
}

/// Open a handover: the pack as sent, what has changed since, the meeting. Audited.
#[tracing::instrument(skip_all)]
pub fn read(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    id: i64,
    now: DateTime<Utc>,
) -> Result<HandoverView, HandoverError> {
    let h = find(conn, id)?;
    let (_, zone, officer, case_reference) = case_of(conn, actor, h.participant_id)?;
    // The site's calendar day, as the pack was built on the site's day when it was sent.
    let today = now.with_timezone(&zone).date_naive();
    let (pack, changed) = match &h.pack {
        None => (None, Vec::new()),
        Some(sealed) => {
            let keys = keys.ok_or(HandoverError::NoKey)?;
            let sent: Value = serde_json::from_str(
                &keys
                    .open(sealed)
                    .map_err(|e| DbError::Query(format!("handover {id}: {e}")))?,
            )
            .map_err(|e| DbError::Query(format!("handover {id}: {e}")))?;
            // Compared with the case as it stands, release date included.
            let release = sweep::release_of(conn, h.participant_id)?.unwrap_or(h.release_date);
            let live = pack::build(conn, keys, h.participant_id, release, today)?;
            let changed = pack::changed_sections(&sent, &live);
            (Some(sent), changed)
        }
    };
    let meeting = h.meeting_at.map(|at| Meeting {
        at: local_text(Some(at), zone.name()).unwrap_or_default(),
        place: h.meeting_place.clone().unwrap_or_default(),
        attendees: h
            .meeting_attendees
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default(),
    });
    audit::record(
        conn,
        who,
        Event {
            action: "handover.read",
            entity_type: "handover",
            entity_id: Some(id.to_string()),
            participant_id: Some(h.participant_id),
            detail: None,
        },
    )?;
    let is_officer = actor.role == Role::ProbationOfficer && officer == Some(actor.id.0);
    Ok(HandoverView {
        line: line(conn, &h, case_reference, zone.name(), officer)?,
        pack,
        changed_since_handover: changed,
        meeting,
        acknowledged_by: name_of(conn, h.acknowledged_by)?,
        escalated: h.shown_status() == "overdue",
        escalation: match (h.shown_status(), h.status.as_str()) {
            ("overdue", "sent") => Some("unacknowledged".into()),
            ("overdue", _) => Some("unsent".into()),
            _ => None,
        },
        version: h.version,
        may_acknowledge: is_officer && h.status == "sent",
        may_send: actor.role == Role::Coordinator && h.status == "due" && officer.is_some(),
    })
}

/// The probation officer acknowledges the handover. Acknowledging twice is harmless.
#[tracing::instrument(skip_all)]
pub fn acknowledge(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> Result<(), HandoverError> {
    db::write_transaction(conn, |conn| {
        let h = find(conn, id)?;
        let (_, _, officer, _) = case_of(conn, actor, h.participant_id)?;
        if actor.role != Role::ProbationOfficer || officer != Some(actor.id.0) {
            return Err(HandoverError::Forbidden);
        }
        match h.status.as_str() {
            "acknowledged" => return Ok(()),
            "sent" => {}
            _ => return Err(HandoverError::Conflict("handover-not-sent-yet".into())),
        }
        let t = now();
        diesel::update(
            handovers::table
                .filter(handovers::id.eq(id))
                .filter(handovers::status.eq("sent")),
        )
        .set((
            handovers::status.eq("acknowledged"),
            handovers::acknowledged_at.eq(Some(t)),
            handovers::acknowledged_by.eq(Some(actor.id.0)),
            handovers::version.eq(h.version + 1),
            handovers::updated_at.eq(t),
        ))
        .execute(conn)?;
        audit::record(
            conn,
            who,
            Event {
                action: "handover.acknowledge",
                entity_type: "handover",
                entity_id: Some(id.to_string()),
                participant_id: Some(h.participant_id),
                detail: None,
            },
        )?;
        Ok(())
    })
}

/// A coordinator sends the handover now (it is due and a probation officer is assigned), or
/// before it falls due. Returns the handover's id.
#[tracing::instrument(skip_all)]
pub fn send_now(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    ctx: &sweep::SendContext,
) -> Result<i64, HandoverError> {
    let keys = keys.ok_or(HandoverError::NoKey)?;
    let (_, zone, officer, _) = case_of(conn, actor, participant_id)?;
    if actor.role != Role::Coordinator {
        return Err(HandoverError::Forbidden);
    }
    if officer.is_none() || sweep::usable_officer(conn, participant_id)?.is_none() {
        return Err(HandoverError::Conflict("handover-no-officer".into()));
    }
    let status: String = participants::table
        .find(participant_id)
        .select(participants::status)
        .first(conn)?;
    if status != "in_custody" {
        return Err(HandoverError::Conflict("handover-not-in-custody".into()));
    }
    // The site's calendar day: the escalation clock counts from it.
    let today = ctx.now.with_timezone(&zone).date_naive();
    let release = sweep::release_of(conn, participant_id)?
        .filter(|r| *r >= today)
        .ok_or(HandoverError::Conflict("handover-no-release-date".into()))?;
    let id = match handovers::table
        .filter(handovers::participant_id.eq(participant_id))
        .select(handovers::id)
        .first::<i64>(conn)
        .optional()?
    {
        Some(id) => id,
        None => {
            sweep::open(
                conn,
                participant_id,
                release,
                release - Duration::days(ctx.settings.days_before),
                today,
            )?;
            handovers::table
                .filter(handovers::participant_id.eq(participant_id))
                .select(handovers::id)
                .first(conn)?
        }
    };
    let h = find(conn, id)?;
    if h.status != "due" {
        return Err(HandoverError::Conflict("handover-already-sent".into()));
    }
    if !sweep::send(conn, keys, who, id, today, ctx)? {
        return Err(HandoverError::Conflict("handover-already-sent".into()));
    }
    Ok(id)
}

/// The staff who may be invited to the case's handover meeting.
pub fn team(conn: &mut DbConnection, participant_id: i64) -> Result<Vec<TeamMember>, DbError> {
    let (site, officer): (i64, Option<i64>) = participants::table
        .find(participant_id)
        .select((participants::site_id, participants::probation_officer_id))
        .first(conn)?;
    let mentors = participant_mentors::table
        .filter(participant_mentors::participant_id.eq(participant_id))
        .select(participant_mentors::user_id);
    let mut members: Vec<TeamMember> = users::table
        .filter(users::active.eq(true))
        .filter(
            users::id
                .eq(officer.unwrap_or(-1))
                .or(users::id.eq_any(mentors))
                .or(users::role.eq("coordinator").and(users::site_id.eq(site))),
        )
        .order(users::display_name.asc())
        .select((users::id, users::display_name, users::role))
        .load(conn)?;
    members.dedup_by_key(|m| m.id);
    // Only those the access gate lets learn about the person (a restricted one: named staff).
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    let allowed = crate::participants::access::who_may_learn(conn, participant_id, &ids)?;
    members.retain(|m| allowed.contains(&m.id));
    Ok(members)
}

struct MeetingFields {
    starts: DateTime<Utc>,
    minutes: i64,
    place: String,
    attendees: Vec<TeamMember>,
}

fn check_meeting(
    input: &MeetingInput,
    zone: Tz,
    team: &[TeamMember],
) -> Result<MeetingFields, FieldErrors> {
    let mut e = FieldErrors::default();
    let raw = input
        .at
        .clone()
        .unwrap_or_default()
        .trim()
        .replace('T', " ");
    let starts = if raw.is_empty() {
        e.add("at", "error-required");
        None
    } else {
        match NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M") {
            // A local time that does not exist (the hour skipped in spring) is refused; one
            // that exists twice (autumn) is taken at its first occurrence.
            Ok(local) => match zone.from_local_datetime(&local).earliest() {
                Some(t) => Some(t.with_timezone(&Utc)),
                None => {
                    e.add("at", "error-time-does-not-exist");
                    None
                }
            },
            Err(_) => {
                e.add("at", "error-date-time");
                None
            }
        }
    };
    let minutes = input.minutes.unwrap_or(60);
    if !(15..=480).contains(&minutes) {
        e.add("minutes", "error-meeting-minutes");
    }
    let place =
        crate::kernel::validate::optional_line(&mut e, "place", input.place.as_deref(), 200);
    let ids = input.attendee_ids.clone().unwrap_or_default();
    if ids.is_empty() {
        e.add("attendee_ids", "error-attendees");
    }
    let attendees: Vec<TeamMember> = team
        .iter()
        .filter(|m| ids.contains(&m.id))
        .cloned()
        .collect();
    if attendees.len() != ids.iter().collect::<std::collections::HashSet<_>>().len() {
        e.add("attendee_ids", "error-attendee-not-in-team");
    }
    match starts {
        Some(starts) if e.is_empty() => Ok(MeetingFields {
            starts,
            minutes,
            place,
            attendees,
        }),
        _ => Err(e),
    }
}

/// Record (or move) the handover meeting and invite the attendees: each gets an email with an
/// `.ics` invitation; moving the meeting sends an updated invitation (a higher sequence).
#[tracing::instrument(skip_all)]
pub fn record_meeting(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
    input: &MeetingInput,
    mail: &MeetingMail,
) -> Result<(), HandoverError> {
    db::write_transaction(conn, |conn| {
        let h = find(conn, id)?;
        let (_, zone, _, case_reference) = case_of(conn, actor, h.participant_id)?;
        if h.status == "due" {
            return Err(HandoverError::Conflict("handover-not-sent-yet".into()));
        }
        match input.version {
            Some(v) if v != h.version => return Err(HandoverError::Stale),
            None if h.meeting_at.is_some() => return Err(HandoverError::VersionRequired),
            _ => {}
        }
        let team = team(conn, h.participant_id)?;
        let fields = check_meeting(input, zone, &team).map_err(HandoverError::Invalid)?;
        let sequence = h.meeting_sequence + 1;
        let names: Vec<String> = fields.attendees.iter().map(|m| m.name.clone()).collect();
        let t = now();
        let changed = diesel::update(
            handovers::table
                .filter(handovers::id.eq(id))
                .filter(handovers::version.eq(h.version)),
        )
        .set((
            handovers::meeting_at.eq(Some(fields.starts.naive_utc())),
            handovers::meeting_place.eq(Some(&fields.place)),
            handovers::meeting_attendees
                .eq(Some(serde_json::to_string(&names).unwrap_or_default())),
            handovers::meeting_sequence.eq(sequence),
            handovers::version.eq(h.version + 1),
            handovers::updated_at.eq(t),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(HandoverError::Stale);
        }
        // A meeting already held is recorded, not announced.
        let invited = fields.starts > Utc::now();
        if invited {
            sweep::invite(
                conn,
                &h,
                &case_reference,
                zone,
                fields.starts,
                fields.minutes,
                &fields.place,
                &fields.attendees,
                sequence,
                mail,
            )?;
        }
        audit::record(
            conn,
            who,
            Event {
                action: "handover.meeting",
                entity_type: "handover",
                entity_id: Some(id.to_string()),
                participant_id: Some(h.participant_id),
                detail: Some(
                    serde_json::json!({ "attendees": names.len(), "sequence": sequence, "invited": invited }),
                ),
            },
        )?;
        Ok(())
    })
}

/// A release coming up for a probation officer's case.
#[derive(Debug, Serialize)]
pub struct Upcoming {
    pub participant_id: i64,
    pub case_reference: String,
    pub release_date: NaiveDate,
    pub weeks: i64,
}

/// The cases of probation officer `actor` still in custody and released in the next 12 weeks,
/// each by its own site's calendar, soonest first.
fn upcoming_releases(
    conn: &mut DbConnection,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Upcoming>, DbError> {
    let me = actor.id.0;
    #[allow(clippy::type_complexity)]
    let rows: Vec<(i64, String, Option<NaiveDate>, Option<NaiveDate>, String)> =
        participants::table
            .inner_join(sites::table)
            .left_join(
                exit_plans::table.on(exit_plans::participant_id
                    .eq(participants::id)
                    .and(exit_plans::status.eq("active"))),
            )
            .filter(participants::probation_officer_id.eq(me))
            .filter(participants::status.eq("in_custody"))
            .filter(crate::participants::access::open_to(me))
            .select((
                participants::id,
                participants::case_reference,
                exit_plans::target_release_date.nullable(),
                participants::earliest_release_date,
                sites::time_zone,
            ))
            .load(conn)?;
    let mut list: Vec<Upcoming> = rows
        .into_iter()
        .filter_map(|(id, case_reference, plan, earliest, zone)| {
            let release = release_date_of(plan, earliest)?;
            // Each case by its own site's calendar.
            let today = now
                .with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::Tz::UTC))
                .date_naive();
            let until = today + Duration::weeks(12);
            (release >= today && release <= until).then(|| Upcoming {
                participant_id: id,
                case_reference,
                release_date: release,
                weeks: (release - today).num_days() / 7,
            })
        })
        .collect();
    list.sort_by_key(|u| u.release_date);
    Ok(list)
}

/// The probation officer's home: handovers awaiting acknowledgement and their cases released in
/// the next 12 weeks (each one shown is on that person's trail).
#[tracing::instrument(skip_all)]
pub fn officer_home(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<HandoverLine>, Vec<Upcoming>), HandoverError> {
    let filter = HandoverFilter {
        q: String::new(),
        status: Some("awaiting".into()),
    };
    let page = Page {
        page: 1,
        per_page: crate::kernel::paging::MAX_PER_PAGE,
    };
    let (awaiting, _) = list(conn, actor, who, &filter, page)?;
    let releases = upcoming_releases(conn, actor, now)?;
    let people: Vec<i64> = releases.iter().map(|r| r.participant_id).collect();
    audit::record_reads(
        conn,
        who,
        "participant.release_list",
        "participant",
        "home",
        &people,
    )?;
    Ok((awaiting, releases))
}
