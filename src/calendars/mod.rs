//! Calendar feeds (RFC 5545) at secret, revocable URLs — one per cohort, or one per person for
//! the sessions they facilitate or whose cohorts they follow — and the CSV export of a cohort's
//! register history.

use chrono::{TimeZone, Utc};
use diesel::prelude::*;
use icalendar::{Calendar, Component, EventLike, EventStatus};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Event, Who};
use crate::auth::tokens::{random_secret, sha256_hex};
use crate::auth::users;
use crate::db::schema::{
    attendance, calendar_feeds, cohort_sessions, cohorts, participants, programmes,
};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::{Actor, Credential, Role, SiteId, UserId};
use crate::programmes::model::SessionRow;
use crate::programmes::{access, store, ProgrammeError};

/// A feed as its owner sees it (the secret URL is shown only when created).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedView {
    pub id: i64,
    pub cohort_id: Option<i64>,
    pub created_at: chrono::DateTime<Utc>,
    pub revoked: bool,
    /// Only in the answer that created the feed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Which feed to create: a cohort's, or (without `cohort_id`) your own.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedInput {
    pub cohort_id: Option<i64>,
}

/// Text as it may go into an `.ics` property. The `icalendar` crate escapes `\\`, `,`, `;` and
/// newlines but leaves a carriage return (which ends a content line) and other control
/// characters as they are: line breaks of any kind become newlines (escaped as `\\n`), and
/// other control characters, which RFC 5545 text may not hold, are dropped.
pub fn ics_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

/// Create a feed; the answer carries its secret URL once.
#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    input: &FeedInput,
    base_url: &str,
) -> Result<FeedView, ProgrammeError> {
    db::write_transaction(conn, |conn| {
        if let Some(c) = input.cohort_id {
            store::visible_cohort(conn, actor, c).map_err(|e| match e {
                ProgrammeError::NotFound => {
                    let mut f = crate::kernel::FieldErrors::default();
                    f.add("cohort_id", "error-unknown-cohort");
                    ProgrammeError::Invalid(f)
                }
                other => other,
            })?;
        }
        let token = random_secret("");
        let at = now();
        diesel::insert_into(calendar_feeds::table)
            .values((
                calendar_feeds::token_hash.eq(sha256_hex(&token)),
                calendar_feeds::cohort_id.eq(input.cohort_id),
                calendar_feeds::user_id.eq(input.cohort_id.is_none().then_some(actor.id.0)),
                calendar_feeds::created_by.eq(actor.id.0),
                calendar_feeds::created_at.eq(at),
            ))
            .execute(conn)
            .map_err(DbError::from)?;
        let id: i64 = calendar_feeds::table
            .filter(calendar_feeds::token_hash.eq(sha256_hex(&token)))
            .select(calendar_feeds::id)
            .first(conn)
            .map_err(DbError::from)?;
        audit::record(
            conn,
            who,
            Event {
                action: "calendar_feed.create",
                entity_type: "calendar_feed",
                entity_id: Some(id.to_string()),
                participant_id: None,
                detail: Some(serde_json::json!({ "cohort_id": input.cohort_id })),
            },
        )?;
        Ok(FeedView {
            id,
            cohort_id: input.cohort_id,
            created_at: Utc.from_utc_datetime(&at),
            revoked: false,
            url: Some(format!(
                "{}/calendars/{token}.ics",
                base_url.trim_end_matches('/')
            )),
        })
    })
}

/// Revoke a feed you created (admins may revoke any).
#[tracing::instrument(skip_all)]
pub fn revoke(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> Result<(), ProgrammeError> {
    db::write_transaction(conn, |conn| {
        let creator: Option<i64> = calendar_feeds::table
            .find(id)
            .select(calendar_feeds::created_by)
            .first(conn)
            .optional()
            .map_err(DbError::from)?;
        match creator {
            Some(c) if c == actor.id.0 || actor.role == Role::Admin => {}
            _ => return Err(ProgrammeError::NotFound),
        }
        diesel::update(calendar_feeds::table.find(id))
            .set(calendar_feeds::revoked_at.eq(now()))
            .execute(conn)
            .map_err(DbError::from)?;
        audit::record(
            conn,
            who,
            Event {
                action: "calendar_feed.revoke",
                entity_type: "calendar_feed",
                entity_id: Some(id.to_string()),
                participant_id: None,
                detail: None,
            },
        )?;
        Ok(())
    })
}

/// The feeds `actor` created.
pub fn mine(conn: &mut DbConnection, actor: &Actor) -> Result<Vec<FeedView>, DbError> {
    Ok(calendar_feeds::table
        .filter(calendar_feeds::created_by.eq(actor.id.0))
        .order(calendar_feeds::id.asc())
        .select((
            calendar_feeds::id,
            calendar_feeds::cohort_id,
            calendar_feeds::created_at,
            calendar_feeds::revoked_at,
        ))
        .load::<(
            i64,
            Option<i64>,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
        )>(conn)?
        .into_iter()
        .map(|(id, cohort_id, at, revoked)| FeedView {
            id,
            cohort_id,
            created_at: Utc.from_utc_datetime(&at),
            revoked: revoked.is_some(),
            url: None,
        })
        .collect())
}

/// The iCalendar text of a live feed, or `None` for an unknown or revoked token.
pub fn render(conn: &mut DbConnection, token: &str) -> Result<Option<String>, DbError> {
    let feed: Option<(Option<i64>, Option<i64>, i64)> = calendar_feeds::table
        .filter(calendar_feeds::token_hash.eq(sha256_hex(token)))
        .filter(calendar_feeds::revoked_at.is_null())
        .select((
            calendar_feeds::cohort_id,
            calendar_feeds::user_id,
            calendar_feeds::created_by,
        ))
        .first(conn)
        .optional()?;
    let Some((cohort_id, user_id, creator)) = feed else {
        return Ok(None);
    };
    // The feed shows what its owner may see today: a person who lost access loses the feed.
    let Some(owner) = users::find_active(conn, UserId(user_id.unwrap_or(creator)))? else {
        return Ok(None);
    };
    let Some(role) = owner.role() else {
        return Ok(None);
    };
    let actor = Actor {
        id: UserId(owner.id),
        email: owner.email,
        display_name: owner.display_name,
        role,
        site_id: owner.site_id.map(SiteId),
        agency_id: owner.agency_id,
        credential: Credential::Token,
        language: owner.language,
    };
    let mut q = access::visible_cohorts(&actor);
    if let Some(c) = cohort_id {
        q = q.filter(cohorts::id.eq(c));
    }
    let visible: Vec<i64> = q.select(cohorts::id).load(conn)?;
    if cohort_id.is_some() && visible.is_empty() {
        return Ok(None);
    }
    let rows: Vec<(SessionRow, String, String)> = cohort_sessions::table
        .inner_join(cohorts::table.inner_join(programmes::table))
        .filter(cohort_sessions::cohort_id.eq_any(visible))
        // Calendars need what is coming and the past year; older sessions would crowd the limit.
        .filter(cohort_sessions::starts_at.ge(now() - chrono::Duration::days(365)))
        .order(cohort_sessions::starts_at.asc())
        .limit(5_000)
        .select((SessionRow::as_select(), cohorts::name, programmes::name))
        .load(conn)?;
    let mut calendar = Calendar::new();
    calendar.name(if cohort_id.is_some() {
        "Onward cohort"
    } else {
        "Onward sessions"
    });
    for (s, cohort, programme) in rows {
        let mut event = icalendar::Event::new();
        event
            .uid(&format!("session-{}@onward", s.id))
            .summary(&ics_text(&format!("{programme} — {cohort}")))
            .starts(Utc.from_utc_datetime(&s.starts_at))
            .ends(Utc.from_utc_datetime(&s.ends_at))
            .sequence(u32::try_from(s.version).unwrap_or(0))
            .status(if s.status == "cancelled" {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        if !s.room.is_empty() {
            event.location(&ics_text(&s.room));
        }
        if let Some(reason) = &s.status_reason {
            event.description(&ics_text(reason));
        }
        calendar.push(event.done());
    }
    Ok(Some(calendar.done().to_string()))
}

/// A cohort's register history as CSV (case references, never names).
#[tracing::instrument(skip_all)]
pub fn register_csv(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    cohort_id: i64,
) -> Result<String, ProgrammeError> {
    let cohort = store::visible_cohort(conn, actor, cohort_id)?;
    let site = store::site(conn, cohort.site_id)?.ok_or(ProgrammeError::NotFound)?;
    let zone = store::zone_of(&site);
    type Line = (
        i64,
        chrono::NaiveDateTime,
        String,
        String,
        String,
        Option<i32>,
        Option<String>,
        chrono::NaiveDateTime,
        i64,
    );
    let rows: Vec<Line> = attendance::table
        .inner_join(cohort_sessions::table)
        .inner_join(participants::table)
        .filter(cohort_sessions::cohort_id.eq(cohort.id))
        .order((
            cohort_sessions::starts_at.asc(),
            participants::case_reference.asc(),
        ))
        .select((
            cohort_sessions::id,
            cohort_sessions::starts_at,
            cohort_sessions::status,
            participants::case_reference,
            attendance::mark,
            attendance::late_minutes,
            attendance::not_held_reason,
            attendance::recorded_at,
            participants::id,
        ))
        .load(conn)
        .map_err(DbError::from)?;
    // The same people as the register shows: everyone to those who take it, otherwise only the
    // participants the reader may see.
    let rows: Vec<Line> =
        if access::may_take_register(conn, actor, cohort.site_id, cohort.id, None)? {
            rows
        } else {
            let ids: Vec<i64> = rows.iter().map(|r| r.8).collect();
            let visible = crate::participants::access::visible_among(conn, actor, &ids)?;
            rows.into_iter()
                .filter(|r| visible.contains(&r.8))
                .collect()
        };
    let mut out = csv::Writer::from_writer(Vec::new());
    let local = |t: chrono::NaiveDateTime| {
        crate::programmes::schedule::utc_to_local(zone, t)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let header = [
        "session_id",
        "session_start_local",
        "session_status",
        "case_reference",
        "mark",
        "late_minutes",
        "reason",
        "recorded_at_local",
    ];
    out.write_record(header)
        .map_err(|e| DbError::Query(e.to_string()))?;
    for (id, start, status, reference, mark, late, reason, recorded, _) in &rows {
        out.write_record([
            id.to_string(),
            local(*start),
            status.clone(),
            reference.clone(),
            mark.clone(),
            late.map(|l| l.to_string()).unwrap_or_default(),
            reason.clone().unwrap_or_default(),
            local(*recorded),
        ])
        .map_err(|e| DbError::Query(e.to_string()))?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| DbError::Query(e.to_string()))?;
    audit::record(
        conn,
        who,
        Event {
            action: "register.export",
            entity_type: "cohort",
            entity_id: Some(cohort.id.to_string()),
            participant_id: None,
            detail: Some(serde_json::json!({ "rows": rows.len() })),
        },
    )?;
    // Every person in the file has its export on their own trail.
    let mut people: Vec<i64> = rows.iter().map(|r| r.8).collect();
    people.sort_unstable();
    people.dedup();
    audit::record_reads(
        conn,
        who,
        "register.export",
        "cohort",
        &cohort.id.to_string(),
        &people,
    )?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
