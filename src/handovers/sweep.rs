//! The handover job: open handovers that have fallen due (in each site's local morning), send
//! those with a probation officer, and escalate those left unsent or unacknowledged too long.
//! Safe to run twice and on two instances at once: each step is a conditional update of the
//! handover row (only the run that changes it writes the emails), and every email has a
//! dedupe key in the outbox as well.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use super::{pack, Handover, HandoverError, HandoverSettings, TeamMember};
use crate::audit::{self, Event, Who};
use crate::crypto::Keyring;
use crate::db::schema::{
    agencies, exit_plans, handovers, participants, sharing_bases, sites, users,
};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::calendar::reminder_day;
use crate::mail::EmailContext;
use crate::outbox::{self, NewNotification};

/// What sending needs besides the database.
#[derive(Debug, Clone)]
pub struct SendContext {
    pub settings: HandoverSettings,
    pub morning: NaiveTime,
    pub public_url: url::Url,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct HandoverCounts {
    pub opened: usize,
    pub sent: usize,
    pub escalated: usize,
    /// Due, but no probation officer is assigned yet (or none who may receive it).
    pub waiting_for_officer: usize,
    /// Sent again to a newly assigned probation officer.
    pub reassigned: usize,
    /// Handovers a step failed for (logged; the others carry on, and it is tried again).
    pub failed: usize,
}

/// The release date a handover is planned from (see [`super::release_date_of`]).
pub fn release_of(
    conn: &mut DbConnection,
    participant_id: i64,
) -> Result<Option<NaiveDate>, DbError> {
    let plan: Option<NaiveDate> = exit_plans::table
        .filter(exit_plans::participant_id.eq(participant_id))
        .filter(exit_plans::status.eq("active"))
        .select(exit_plans::target_release_date)
        .first(conn)
        .optional()?;
    let earliest: Option<NaiveDate> = participants::table
        .find(participant_id)
        .select(participants::earliest_release_date)
        .first::<Option<NaiveDate>>(conn)
        .optional()?
        .flatten();
    Ok(super::release_date_of(plan, earliest))
}

/// Write the handover row (status `due`); nothing when another run wrote it first.
pub fn open(
    conn: &mut DbConnection,
    participant_id: i64,
    release: NaiveDate,
    due_on: NaiveDate,
    day: NaiveDate,
) -> Result<usize, DbError> {
    let t = now();
    let row = (
        handovers::participant_id.eq(participant_id),
        handovers::release_date.eq(release),
        handovers::due_on.eq(due_on),
        handovers::opened_on.eq(day),
        handovers::status.eq("due"),
        handovers::meeting_sequence.eq(0),
        handovers::version.eq(1),
        handovers::created_at.eq(t),
        handovers::updated_at.eq(t),
    );
    Ok(match conn {
        DbConnection::Pg(c) => diesel::insert_into(handovers::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(handovers::table)
            .values(row)
            .execute(c)?,
    })
}

/// Run the job as of `ctx.now`.
pub fn sweep(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    ctx: &SendContext,
) -> Result<HandoverCounts, HandoverError> {
    let mut counts = HandoverCounts::default();
    let who = Who::system("handovers");
    // Open: people in custody whose handover day has come in their site's morning. The widest
    // zone difference is under two days, so one date filter serves every site.
    let horizon = ctx.now.date_naive() + Duration::days(ctx.settings.days_before + 2);
    #[allow(clippy::type_complexity)]
    let candidates: Vec<(i64, Option<NaiveDate>, Option<NaiveDate>, String)> = participants::table
        .inner_join(sites::table)
        .left_join(
            exit_plans::table.on(exit_plans::participant_id
                .eq(participants::id)
                .and(exit_plans::status.eq("active"))),
        )
        .filter(participants::status.eq("in_custody"))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            handovers::table.filter(handovers::participant_id.eq(participants::id)),
        )))
        .filter(
            exit_plans::target_release_date
                .nullable()
                .le(horizon)
                .or(participants::earliest_release_date.le(horizon)),
        )
        .select((
            participants::id,
            exit_plans::target_release_date.nullable(),
            participants::earliest_release_date,
            sites::time_zone,
        ))
        .load(conn)?;
    for (participant, plan, earliest, zone) in candidates {
        let Some(release) = super::release_date_of(plan, earliest) else {
            continue;
        };
        let day = reminder_day(ctx.now, zone.parse().unwrap_or(Tz::UTC), ctx.morning);
        let due_on = release - Duration::days(ctx.settings.days_before);
        // Nothing for a release day already past: the person is out, or the record is stale.
        if day >= due_on && release >= day {
            counts.opened += open(conn, participant, release, due_on, day)?;
        }
    }
    follow_release_changes(conn, ctx)?;

    // Send what is due to the probation officer.
    let due: Vec<(i64, i64, NaiveDate, String)> = handovers::table
        .inner_join(participants::table.inner_join(sites::table))
        .filter(handovers::status.eq("due"))
        .filter(participants::status.eq("in_custody"))
        .select((
            handovers::id,
            handovers::participant_id,
            handovers::due_on,
            sites::time_zone,
        ))
        .load(conn)?;
    for (id, participant, due_on, zone) in due {
        let day = reminder_day(ctx.now, zone.parse().unwrap_or(Tz::UTC), ctx.morning);
        if day < due_on {
            continue;
        }
        if usable_officer(conn, participant)?.is_none() {
            counts.waiting_for_officer += 1;
            continue;
        }
        let Some(keys) = keys else {
            // The pack holds sealed notes: without the key it cannot be sealed. Start-up
            // refuses to run in that state once notes exist; before then, say so loudly.
            tracing::error!(
                handover = id,
                "a handover is due but ONWARD_DATA_KEY is not set"
            );
            counts.failed += 1;
            continue;
        };
        match send(conn, keys, &who, id, day, ctx) {
            Ok(true) => counts.sent += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(handover = id, error = %e, "handover not sent");
                counts.failed += 1;
            }
        }
    }
    reassign(conn, ctx, &mut counts)?;
    escalate(conn, keys.is_some(), ctx, &mut counts)?;
    Ok(counts)
}

/// The participant's probation officer if they can receive the handover: an active account the
/// access gate lets learn about the person (for a restricted participant, one named on them).
pub fn usable_officer(
    conn: &mut DbConnection,
    participant_id: i64,
) -> Result<Option<i64>, DbError> {
    let officer: Option<i64> = participants::table
        .find(participant_id)
        .select(participants::probation_officer_id)
        .first(conn)?;
    let Some(officer) = officer else {
        return Ok(None);
    };
    Ok(
        crate::participants::access::who_may_learn(conn, participant_id, &[officer])?
            .first()
            .copied(),
    )
}

/// A case handed to another probation officer after its handover went out: the new officer
/// gets the handover (the pack as sent) and must acknowledge it; the escalation clock restarts.
fn reassign(
    conn: &mut DbConnection,
    ctx: &SendContext,
    counts: &mut HandoverCounts,
) -> Result<(), DbError> {
    let rows: Vec<(Handover, Option<i64>, String, String)> = handovers::table
        .inner_join(participants::table.inner_join(sites::table))
        .filter(handovers::status.ne("due"))
        .filter(participants::status.eq("in_custody"))
        .filter(participants::probation_officer_id.is_not_null())
        .filter(
            handovers::probation_officer_id
                .is_null()
                .or(handovers::probation_officer_id.ne(participants::probation_officer_id)),
        )
        .select((
            Handover::as_select(),
            participants::probation_officer_id,
            participants::case_reference,
            sites::time_zone,
        ))
        .load(conn)?;
    for (h, _, case_reference, zone) in rows {
        let Some(officer) = usable_officer(conn, h.participant_id)? else {
            continue;
        };
        let day = reminder_day(ctx.now, zone.parse().unwrap_or(Tz::UTC), ctx.morning);
        let done = db::write_transaction(conn, |conn| -> Result<bool, DbError> {
            let t = now();
            let changed = diesel::update(
                handovers::table
                    .filter(handovers::id.eq(h.id))
                    .filter(handovers::version.eq(h.version)),
            )
            .set((
                handovers::status.eq("sent"),
                handovers::probation_officer_id.eq(Some(officer)),
                handovers::sent_on.eq(Some(day)),
                handovers::acknowledged_at.eq(None::<chrono::NaiveDateTime>),
                handovers::acknowledged_by.eq(None::<i64>),
                handovers::escalated_at.eq(None::<chrono::NaiveDateTime>),
                handovers::version.eq(h.version + 1),
                handovers::updated_at.eq(t),
            ))
            .execute(conn)?;
            if changed == 0 {
                return Ok(false);
            }
            officer_email(conn, &h, officer, &case_reference, ctx)?;
            audit::record(
                conn,
                &Who::system("handovers"),
                Event {
                    action: "handover.reassign",
                    entity_type: "handover",
                    entity_id: Some(h.id.to_string()),
                    participant_id: Some(h.participant_id),
                    detail: Some(
                        serde_json::json!({ "from": h.probation_officer_id, "to": officer }),
                    ),
                },
            )?;
            Ok(true)
        });
        match done {
            Ok(true) => counts.reassigned += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(handover = h.id, error = %e, "handover not passed to the new officer");
                counts.failed += 1;
            }
        }
    }
    Ok(())
}

/// Queue the `handover` email to `officer` (once per officer and handover).
fn officer_email(
    conn: &mut DbConnection,
    h: &Handover,
    officer: i64,
    case_reference: &str,
    ctx: &SendContext,
) -> Result<(), DbError> {
    let to: Option<(String, String, String)> = users::table
        .find(officer)
        .filter(users::active.eq(true))
        .select((users::email, users::display_name, users::language))
        .first(conn)
        .optional()?;
    if let Some((email, name, language)) = to {
        let link = link(&ctx.public_url, &format!("handovers/{}", h.id));
        let row = email_row(
            format!("h{}|sent|u{officer}", h.id),
            "handover",
            h,
            case_reference,
            (Some(officer), None),
            (email, name, language),
            link,
            ctx,
        )?;
        outbox::enqueue(conn, &[row], &crate::participants::access::Gate)?;
    }
    Ok(())
}

/// A release date that moved before the handover went out moves its due date; one that moved
/// out of reach removes the handover (it will fall due again at the new date).
fn follow_release_changes(conn: &mut DbConnection, ctx: &SendContext) -> Result<(), DbError> {
    let due: Vec<(i64, i64, NaiveDate, String)> = handovers::table
        .inner_join(participants::table.inner_join(sites::table))
        .filter(handovers::status.eq("due"))
        .select((
            handovers::id,
            handovers::participant_id,
            handovers::release_date,
            sites::time_zone,
        ))
        .load(conn)?;
    for (id, participant, was, zone) in due {
        let Some(release) = release_of(conn, participant)? else {
            continue;
        };
        if release == was {
            continue;
        }
        let due_on = release - Duration::days(ctx.settings.days_before);
        let day = reminder_day(ctx.now, zone.parse().unwrap_or(Tz::UTC), ctx.morning);
        let still = handovers::table
            .filter(handovers::id.eq(id))
            .filter(handovers::status.eq("due"));
        if day >= due_on {
            diesel::update(still)
                .set((
                    handovers::release_date.eq(release),
                    handovers::due_on.eq(due_on),
                    handovers::updated_at.eq(now()),
                ))
                .execute(conn)?;
        } else {
            diesel::delete(still).execute(conn)?;
        }
    }
    Ok(())
}

/// Seal the pack, mark the handover sent and email the probation officer a link — all in one
/// transaction, and only if the handover is still `due` (so it is sent once). `day` is the
/// site's local date. Returns whether this call sent it.
#[tracing::instrument(skip_all)]
pub fn send(
    conn: &mut DbConnection,
    keys: &Keyring,
    who: &Who,
    id: i64,
    day: NaiveDate,
    ctx: &SendContext,
) -> Result<bool, HandoverError> {
    db::write_transaction(conn, |conn| {
        let h: Handover = handovers::table
            .find(id)
            .select(Handover::as_select())
            .first(conn)?;
        let case_reference: String = participants::table
            .find(h.participant_id)
            .select(participants::case_reference)
            .first(conn)?;
        let Some(officer) = usable_officer(conn, h.participant_id)? else {
            return Ok(false);
        };
        // The release date as it stands now (it may have moved since the handover opened).
        let release = release_of(conn, h.participant_id)?.unwrap_or(h.release_date);
        let h = Handover {
            release_date: release,
            ..h
        };
        let built = pack::build(conn, keys, h.participant_id, release, day)?;
        let t = now();
        let changed = diesel::update(
            handovers::table
                .filter(handovers::id.eq(id))
                .filter(handovers::status.eq("due")),
        )
        .set((
            handovers::status.eq("sent"),
            handovers::release_date.eq(release),
            handovers::probation_officer_id.eq(Some(officer)),
            handovers::pack.eq(Some(keys.seal(&built.to_string()))),
            handovers::sent_at.eq(Some(t)),
            handovers::sent_on.eq(Some(day)),
            handovers::sent_by.eq(Some(&who.label)),
            handovers::version.eq(h.version + 1),
            handovers::updated_at.eq(t),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Ok(false);
        }
        officer_email(conn, &h, officer, &case_reference, ctx)?;
        audit::record(
            conn,
            who,
            Event {
                action: "handover.send",
                entity_type: "handover",
                entity_id: Some(id.to_string()),
                participant_id: Some(h.participant_id),
                detail: Some(serde_json::json!({ "probation_officer_id": officer })),
            },
        )?;
        Ok(true)
    })
}

fn link(public_url: &url::Url, path: &str) -> String {
    public_url
        .join(path)
        .map(|u| u.to_string())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn email_row(
    key: String,
    kind: &str,
    h: &Handover,
    case_reference: &str,
    (user, agency): (Option<i64>, Option<i64>),
    (to, recipient, language): (String, String, String),
    link: String,
    ctx: &SendContext,
) -> Result<NewNotification, DbError> {
    let context = EmailContext {
        recipient,
        case_reference: case_reference.to_string(),
        due_on: h.release_date.to_string(),
        days: ctx.settings.escalate_after as i32,
        link,
        ..Default::default()
    };
    let rendered = crate::mail::render(kind, &language, &context)
        .map_err(|e| DbError::Query(e.to_string()))?;
    Ok(NewNotification::new(
        key,
        kind,
        true,
        Some(h.participant_id),
        None,
        Some(h.release_date),
        user,
        agency,
        to,
        language,
        rendered,
        "pending",
        ctx.now.naive_utc(),
        &ctx.public_url,
    ))
}

/// Escalate, once per step: a handover sent but not acknowledged `escalate_after` days later,
/// and one due but still unsent for want of a probation officer `escalate_after` days after it
/// fell due (or opened, if it opened late). The probation agency's mailbox (probation agencies
/// with a sharing basis valid today, active and vetted) and the site's coordinators (for a
/// restricted participant, those named on them) are told. A step with nobody to tell is not
/// marked done: it is tried again at the next run, and logged.
fn escalate(
    conn: &mut DbConnection,
    have_key: bool,
    ctx: &SendContext,
    counts: &mut HandoverCounts,
) -> Result<(), DbError> {
    let rows: Vec<(Handover, String, i64, String)> = handovers::table
        .inner_join(participants::table.inner_join(sites::table))
        .filter(participants::status.eq("in_custody"))
        .filter(
            handovers::status
                .eq("sent")
                .and(handovers::escalated_at.is_null())
                .or(handovers::status
                    .eq("due")
                    .and(handovers::escalated_unsent_at.is_null())),
        )
        .select((
            Handover::as_select(),
            participants::case_reference,
            participants::site_id,
            sites::time_zone,
        ))
        .load(conn)?;
    for (h, case_reference, site, zone) in rows {
        let day = reminder_day(ctx.now, zone.parse().unwrap_or(Tz::UTC), ctx.morning);
        let after = Duration::days(ctx.settings.escalate_after);
        let (step, since) = match h.status.as_str() {
            "sent" => ("unacknowledged", h.sent_on.unwrap_or(h.due_on)),
            _ => ("unsent", h.due_on.max(h.opened_on)),
        };
        if day < since + after {
            continue;
        }
        if step == "unsent" && usable_officer(conn, h.participant_id)?.is_some() {
            // There is someone to send to: it was not sent for another reason (no data key,
            // or an error), which is logged; "nobody to send to" would be untrue.
            if !have_key {
                tracing::error!(
                    handover = h.id,
                    "handover overdue because ONWARD_DATA_KEY is not set"
                );
            }
            continue;
        }
        let result = escalate_one(conn, &h, step, &case_reference, site, day, ctx);
        match result {
            Ok(true) => counts.escalated += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(handover = h.id, error = %e, "handover not escalated");
                counts.failed += 1;
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn escalate_one(
    conn: &mut DbConnection,
    h: &Handover,
    step: &str,
    case_reference: &str,
    site: i64,
    day: NaiveDate,
    ctx: &SendContext,
) -> Result<bool, DbError> {
    let kind = if step == "unacknowledged" {
        "handover_overdue"
    } else {
        "handover_unsent"
    };
    let mut emails = Vec::new();
    let agencies_now: Vec<(i64, String, String, String)> = agencies::table
        .inner_join(sharing_bases::table)
        .filter(sharing_bases::participant_id.eq(h.participant_id))
        .filter(sharing_bases::valid_from.le(day))
        .filter(
            sharing_bases::valid_until
                .is_null()
                .or(sharing_bases::valid_until.ge(day)),
        )
        .filter(agencies::kind.eq("probation"))
        .filter(agencies::active.eq(true))
        .filter(agencies::vetting_status.eq("vetted"))
        .select((
            agencies::id,
            agencies::mailbox,
            agencies::name,
            agencies::language,
        ))
        .distinct()
        .load(conn)?;
    // Who may be told is the access gate's decision (a restricted person: named staff only).
    let agencies_now = if crate::participants::access::agencies_may_learn(conn, h.participant_id)? {
        agencies_now
    } else {
        Vec::new()
    };
    for (agency, mailbox, name, language) in agencies_now {
        emails.push(email_row(
            format!("h{}|{step}|a{agency}", h.id),
            kind,
            h,
            case_reference,
            (None, Some(agency)),
            (mailbox, name, language),
            // The agency's mailbox cannot open the pack: the link is to Onward's sign-in,
            // from where its probation staff reach their cases.
            link(&ctx.public_url, ""),
            ctx,
        )?);
    }
    let coordinators: Vec<(i64, String, String, String)> = users::table
        .filter(users::role.eq("coordinator"))
        .filter(users::site_id.eq(site))
        .filter(users::active.eq(true))
        .select((
            users::id,
            users::email,
            users::display_name,
            users::language,
        ))
        .load(conn)?;
    let ids: Vec<i64> = coordinators.iter().map(|c| c.0).collect();
    let allowed = crate::participants::access::who_may_learn(conn, h.participant_id, &ids)?;
    for (user, email, name, language) in coordinators {
        if !allowed.contains(&user) {
            continue;
        }
        emails.push(email_row(
            format!("h{}|{step}|u{user}", h.id),
            kind,
            h,
            case_reference,
            (Some(user), None),
            (email, name, language),
            link(&ctx.public_url, &format!("handovers/{}", h.id)),
            ctx,
        )?);
    }
    if emails.is_empty() {
        tracing::warn!(
            handover = h.id,
            step,
            "a handover should be escalated but there is no probation agency with a sharing basis and no coordinator to tell"
        );
        return Ok(false);
    }
    db::write_transaction(conn, |conn| -> Result<bool, DbError> {
        let claimed = match step {
            "unacknowledged" => diesel::update(
                handovers::table
                    .filter(handovers::id.eq(h.id))
                    .filter(handovers::status.eq("sent"))
                    .filter(handovers::escalated_at.is_null()),
            )
            .set(handovers::escalated_at.eq(Some(now())))
            .execute(conn)?,
            _ => diesel::update(
                handovers::table
                    .filter(handovers::id.eq(h.id))
                    .filter(handovers::status.eq("due"))
                    .filter(handovers::escalated_unsent_at.is_null()),
            )
            .set(handovers::escalated_unsent_at.eq(Some(now())))
            .execute(conn)?,
        };
        if claimed == 0 {
            return Ok(false);
        }
        outbox::enqueue(conn, &emails, &crate::participants::access::Gate)?;
        audit::record(
            conn,
            &Who::system("handovers"),
            Event {
                action: "handover.escalate",
                entity_type: "handover",
                entity_id: Some(h.id.to_string()),
                participant_id: Some(h.participant_id),
                detail: Some(serde_json::json!({ "step": step, "emails": emails.len() })),
            },
        )?;
        Ok(true)
    })
}

/// Email each attendee the meeting invitation with an `.ics` attachment (case reference, time,
/// place and a link; no names of the participant).
#[allow(clippy::too_many_arguments)]
pub fn invite(
    conn: &mut DbConnection,
    h: &Handover,
    case_reference: &str,
    zone: Tz,
    starts: DateTime<Utc>,
    minutes: i64,
    place: &str,
    attendees: &[TeamMember],
    sequence: i32,
    mail: &super::MeetingMail,
) -> Result<(), DbError> {
    use icalendar::{Calendar, Component, EventLike, EventStatus};
    let public_url = &mail.public_url;
    // Addresses only, never names: the invitation is an email like any other.
    let mut addresses = Vec::new();
    for member in attendees {
        let found: Option<(String, String)> = users::table
            .find(member.id)
            .select((users::email, users::language))
            .first(conn)
            .optional()?;
        if let Some(found) = found {
            addresses.push((member, found));
        }
    }
    let host = public_url.host_str().unwrap_or("onward.local");
    let page = link(public_url, &format!("handovers/{}", h.id));
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("handover-{}@{host}", h.id))
        .summary(&format!("Handover meeting — {case_reference}"))
        .starts(starts)
        .ends(starts + Duration::minutes(minutes))
        .sequence(u32::try_from(sequence).unwrap_or(0))
        .description(&page)
        .url(&page)
        .status(EventStatus::Confirmed)
        .append_property(icalendar::Property::new(
            "ORGANIZER",
            format!("mailto:{}", mail.organizer),
        ));
    for (_, (email, _)) in &addresses {
        event.append_multi_property(
            icalendar::Property::new("ATTENDEE", format!("mailto:{email}"))
                .add_parameter("ROLE", "REQ-PARTICIPANT")
                .add_parameter("RSVP", "TRUE")
                .done(),
        );
    }
    if !place.is_empty() {
        event.location(&crate::calendars::ics_text(place));
    }
    let mut calendar = Calendar::new();
    calendar.append_property(icalendar::Property::new("METHOD", "REQUEST"));
    calendar.push(event.done());
    let ics = calendar.done().to_string();
    let local = starts.with_timezone(&zone);
    let ctx = SendContext {
        settings: HandoverSettings::default(),
        morning: NaiveTime::MIN,
        public_url: public_url.clone(),
        now: Utc::now(),
    };
    let mut rows = Vec::new();
    for (member, (email, language)) in addresses {
        let context = EmailContext {
            recipient: member.name.clone(),
            case_reference: case_reference.to_string(),
            due_on: format!("{} ({})", local.format("%Y-%m-%d %H:%M"), zone.name()),
            what: place.to_string(),
            days: minutes as i32,
            link: page.clone(),
            ..Default::default()
        };
        let rendered = crate::mail::render("handover_meeting", &language, &context)
            .map_err(|e| DbError::Query(e.to_string()))?;
        rows.push(
            NewNotification::new(
                format!("h{}|meeting|{sequence}|u{}", h.id, member.id),
                "handover_meeting",
                true,
                Some(h.participant_id),
                None,
                Some(local.date_naive()),
                Some(member.id),
                None,
                email,
                language,
                rendered,
                "pending",
                ctx.now.naive_utc(),
                public_url,
            )
            .with_ics(ics.clone()),
        );
    }
    outbox::enqueue(conn, &rows, &crate::participants::access::Gate)?;
    Ok(())
}
