//! Participants: the people in the programme, their custody dates and who works with them.
//! Every read and change is audited; every read is scoped by [`access`].

pub mod access;
pub mod model;
pub mod store;

use actix_web::http::StatusCode;
use serde_json::json;

use crate::audit::{self, Event, Who};
use crate::db::{self, DbConnection, DbError};

use crate::kernel::paging::Page;
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};
use model::{ParticipantId, ParticipantInput, ValidParticipant};
use store::{ParticipantSummary, ParticipantView};

/// Everything that can go wrong with a participant request.
#[derive(Debug, thiserror::Error)]
pub enum ParticipantError {
    /// Absent, or out of the actor's scope: the two look the same.
    #[error("participant not found")]
    NotFound,
    #[error("invalid participant")]
    Invalid(FieldErrors),
    /// The record changed since the client read it.
    #[error("stale version {sent}, current {current}")]
    Stale { sent: i32, current: i32 },
    /// An update came without the version it was based on.
    #[error("no version given")]
    VersionRequired,
    /// The actor may see the record but not do this.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ParticipantError {
    fn from(e: diesel::result::Error) -> Self {
        ParticipantError::Db(e.into())
    }
}

impl From<ParticipantError> for Problem {
    fn from(e: ParticipantError) -> Self {
        match e {
            ParticipantError::NotFound => Problem::not_found(),
            ParticipantError::Invalid(errors) => Problem::invalid(errors),
            ParticipantError::Stale { sent, current } => {
                Problem::conflict(crate::kernel::Message::with(
                    "problem-stale-detail",
                    &[("sent", sent.to_string()), ("current", current.to_string())],
                ))
            }
            ParticipantError::VersionRequired => Problem::new(
                StatusCode::PRECONDITION_REQUIRED,
                "problem-version-required",
                "problem-version-required-detail",
            ),
            ParticipantError::Forbidden => Problem::forbidden(),
            ParticipantError::Db(e) => e.into(),
        }
    }
}

/// The latest date it is anywhere on Earth (UTC+14), so that a date of birth entered "today" at
/// any site is never refused as being in the future.
fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(14)).date_naive()
}

/// Search the participants `actor` may see; the search itself is audited.
#[tracing::instrument(skip_all)]
pub fn search(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    query: &str,
    page: Page,
) -> Result<(Vec<ParticipantSummary>, i64), ParticipantError> {
    let (items, total) = store::search(conn, actor, query, page)?;
    audit::record(
        conn,
        who,
        Event {
            action: "participant.search",
            entity_type: "participant",
            entity_id: None,
            participant_id: None,
            detail: Some(json!({ "query": query, "page": page.page, "results": items.len() })),
        },
    )?;
    // Everyone shown (case reference and name) has the showing on their own trail.
    let shown: Vec<i64> = items.iter().map(|p| p.id).collect();
    audit::record_reads(
        conn,
        who,
        "participant.list",
        "participant",
        "search",
        &shown,
    )?;
    Ok((items, total))
}

/// Read one participant; audited.
#[tracing::instrument(skip_all)]
pub fn read(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: ParticipantId,
) -> Result<ParticipantView, ParticipantError> {
    let row = store::visible_row(conn, actor, id)?;
    let view = store::view(conn, row)?;
    audit::record(conn, who, read_event(id))?;
    Ok(view)
}

fn read_event(id: ParticipantId) -> Event {
    Event {
        action: "participant.read",
        entity_type: "participant",
        entity_id: Some(id.0.to_string()),
        participant_id: Some(id.0),
        detail: None,
    }
}

/// The person who marks a participant restricted stays able to see it.
fn keep_actor_named(actor: &Actor, p: &mut ValidParticipant) {
    if p.restricted && !p.named_staff_ids.contains(&actor.id.0) {
        p.named_staff_ids.push(actor.id.0);
    }
}

/// Create a participant; the record and its audit row commit together.
#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    input: &ParticipantInput,
) -> Result<ParticipantView, ParticipantError> {
    if !access::may_create(actor) {
        return Err(ParticipantError::Forbidden);
    }
    let mut valid = input.validate(today()).map_err(ParticipantError::Invalid)?;
    keep_actor_named(actor, &mut valid);
    db::write_transaction(conn, |conn| {
        store::check_references(conn, actor, &valid)?;
        let id = store::insert(conn, &valid)?;
        audit::record(
            conn,
            who,
            Event {
                action: "participant.create",
                entity_type: "participant",
                entity_id: Some(id.0.to_string()),
                participant_id: Some(id.0),
                detail: Some(json!({ "case_reference": valid.case_reference.as_str() })),
            },
        )?;
        let row = store::visible_row(conn, actor, id)?;
        Ok(store::view(conn, row)?)
    })
}

/// Replace a participant's details, only if it is still at `expected_version`.
#[tracing::instrument(skip_all)]
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: ParticipantId,
    expected_version: Option<i32>,
    input: &ParticipantInput,
) -> Result<ParticipantView, ParticipantError> {
    db::write_transaction(conn, |conn| {
        // Read under the write lock, so that the checks and the audited changes are about the
        // version being replaced.
        let current = store::visible_row(conn, actor, id)?;
        if !access::may_edit(actor, current.site_id) {
            return Err(ParticipantError::Forbidden);
        }
        let expected = expected_version.ok_or(ParticipantError::VersionRequired)?;
        let input = store::keep_unsent_people(conn, &current, input)?;
        let mut valid = input.validate(today()).map_err(ParticipantError::Invalid)?;
        keep_actor_named(actor, &mut valid);
        if actor.role == Role::Coordinator && valid.site_id != current.site_id {
            // Moving a participant to another site is a transfer, for an admin.
            let mut errors = FieldErrors::default();
            errors.add("site_id", "error-own-site-only");
            return Err(ParticipantError::Invalid(errors));
        }
        store::check_references(conn, actor, &valid)?;
        if !store::update_if_version(conn, id, expected, &valid)? {
            let now_version = store::visible_row(conn, actor, id)?.version;
            return Err(ParticipantError::Stale {
                sent: expected,
                current: now_version,
            });
        }
        let changed = changed_fields(&current, &valid);
        audit::record(
            conn,
            who,
            Event {
                action: "participant.update",
                entity_type: "participant",
                entity_id: Some(id.0.to_string()),
                participant_id: Some(id.0),
                detail: Some(json!({ "changed": changed, "version": expected.saturating_add(1) })),
            },
        )?;
        // Emails queued about the person to someone who may no longer learn about them (they
        // were restricted, or their officer, mentors or named staff changed) do not go.
        crate::outbox::withhold_about(conn, id.0, &access::Gate)?;
        let row = store::visible_row(conn, actor, id)?;
        Ok(store::view(conn, row)?)
    })
}

/// Names (never values: they can be sensitive) of the fields an update changed.
fn changed_fields(old: &model::ParticipantRow, new: &ValidParticipant) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check(
        "case_reference",
        old.case_reference != new.case_reference.as_str(),
    );
    check("given_name", old.given_name != new.given_name.as_str());
    check("family_name", old.family_name != new.family_name.as_str());
    check("date_of_birth", old.date_of_birth != new.date_of_birth);
    check("site_id", old.site_id != new.site_id);
    check("status", old.status != new.status.as_str());
    check("sentence_start", old.sentence_start != new.sentence_start);
    check(
        "earliest_release_date",
        old.earliest_release_date != new.earliest_release_date,
    );
    check(
        "parole_eligibility_date",
        old.parole_eligibility_date != new.parole_eligibility_date,
    );
    check(
        "licence_end_date",
        old.licence_end_date != new.licence_end_date,
    );
    check("restricted", old.restricted != new.restricted);
    check(
        "probation_officer_id",
        old.probation_officer_id != new.probation_officer_id,
    );
    out
}

/// Every email about participant `id`, for someone who may see them (else not found); the read
/// is audited on their trail.
#[tracing::instrument(skip_all)]
pub fn emails_about(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
) -> Result<Vec<crate::outbox::NotificationLine>, Problem> {
    if !access::may_see(conn, actor, id)? {
        return Err(Problem::not_found());
    }
    let lines = crate::outbox::for_participant(conn, id)?;
    crate::audit::record_reads(
        conn,
        who,
        "notification.list",
        "participant",
        &id.to_string(),
        &[id],
    )?;
    Ok(lines)
}
