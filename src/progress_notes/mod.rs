//! Progress notes: a mentor's record of a contact (date, type, ratings on the disengagement
//! domains, narrative, next contact, whether probation must be told). The narrative is sensitive:
//! it is sealed with the data key before it is stored ([`crate::crypto`]) and opened only for
//! those who may read it — the author, the site's coordinators and, when the mentor asked for
//! probation to be told, the participant's probation officer. Never agency users.

use actix_web::http::StatusCode;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Event, Who};
use crate::crypto::Keyring;
use crate::db::schema::{participants, progress_notes, users};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::paging::Page;
use crate::kernel::validate::{one_of, parse_date};
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};
use crate::participants::access as participant_scope;

pub const CONTACT_TYPES: [&str; 5] = [
    "one_to_one",
    "group_follow_up",
    "phone",
    "family_contact",
    "post_release_meeting",
];

/// The disengagement domains of PRODUCT.md, each rated 1 (concern) to 5 (strong).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ratings {
    pub engagement: Option<i32>,
    pub attitudes: Option<i32>,
    pub social_ties: Option<i32>,
    pub identity: Option<i32>,
    pub readiness: Option<i32>,
}

/// A note as a mentor sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// `YYYY-MM-DD`, not in the future.
    pub contact_date: Option<String>,
    /// `one_to_one`, `group_follow_up`, `phone`, `family_contact` or `post_release_meeting`.
    pub contact_type: Option<String>,
    pub ratings: Option<Ratings>,
    pub narrative: Option<String>,
    /// `YYYY-MM-DD`, on or after the contact.
    pub next_contact_date: Option<String>,
    /// Tell the probation officer (by email, without the narrative) and share the note with them.
    pub tell_probation: Option<bool>,
}

/// A note as shown to someone who may read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub id: i64,
    pub participant_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub contact_date: NaiveDate,
    pub contact_type: String,
    pub ratings: Ratings,
    pub narrative: String,
    pub next_contact_date: Option<NaiveDate>,
    pub tell_probation: bool,
    #[serde(serialize_with = "crate::kernel::time::utc")]
    pub created_at: NaiveDateTime,
    /// On the answer to a new note that asked for probation to be told: whether an email went
    /// to the officer (false when there is none, or the access gate says they may not learn
    /// about this person).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probation_told: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error("not allowed")]
    Forbidden,
    /// No data key is configured, so sensitive text can be neither written nor read.
    #[error("no data key")]
    NoKey,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for NoteError {
    fn from(e: diesel::result::Error) -> Self {
        NoteError::Db(e.into())
    }
}

impl From<NoteError> for Problem {
    fn from(e: NoteError) -> Self {
        match e {
            NoteError::NotFound => Problem::not_found(),
            NoteError::Invalid(errors) => Problem::invalid(errors),
            NoteError::Forbidden => Problem::forbidden(),
            NoteError::NoKey => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "problem-no-data-key",
                "problem-no-data-key-detail",
            ),
            NoteError::Db(e) => e.into(),
        }
    }
}

/// A checked note.
struct NoteFields {
    contact_date: NaiveDate,
    contact_type: String,
    ratings: Ratings,
    narrative: String,
    next_contact_date: Option<NaiveDate>,
    tell_probation: bool,
}

impl NoteInput {
    fn validate(&self, today: NaiveDate) -> Result<NoteFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let contact_date = parse_date(&mut e, "contact_date", &self.contact_date);
        if contact_date.is_some_and(|d| d > today) {
            e.add("contact_date", "error-date-future");
        }
        let contact_type = one_of(&mut e, "contact_type", &self.contact_type, &CONTACT_TYPES);
        let ratings = self.ratings.clone().unwrap_or_default();
        for (field, value) in [
            ("ratings.engagement", ratings.engagement),
            ("ratings.attitudes", ratings.attitudes),
            ("ratings.social_ties", ratings.social_ties),
            ("ratings.identity", ratings.identity),
            ("ratings.readiness", ratings.readiness),
        ] {
            if value.is_some_and(|v| !(1..=5).contains(&v)) {
                e.add(field, "error-rating");
            }
        }
        let narrative = self
            .narrative
            .clone()
            .unwrap_or_default()
            .trim()
            .to_string();
        if narrative.is_empty() {
            e.add("narrative", "error-required");
        } else if narrative.chars().count() > 20_000 {
            e.too_long("narrative", 20_000);
        }
        let next_contact_date = match self.next_contact_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(_) => parse_date(&mut e, "next_contact_date", &self.next_contact_date),
        };
        if let (Some(c), Some(n)) = (contact_date, next_contact_date) {
            if n < c {
                e.add("next_contact_date", "error-next-before-contact");
            }
        }
        match (contact_date, contact_type) {
            (Some(contact_date), Some(contact_type)) if e.is_empty() => Ok(NoteFields {
                contact_date,
                contact_type,
                ratings,
                narrative,
                next_contact_date,
                tell_probation: self.tell_probation.unwrap_or(false),
            }),
            _ => Err(e),
        }
    }
}

/// The participant (site, probation officer, case reference) if `actor` may see them.
fn visible_participant(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: i64,
) -> Result<(i64, Option<i64>, String), NoteError> {
    participant_scope::visible_to(actor)
        .filter(participants::id.eq(participant_id))
        .select((
            participants::site_id,
            participants::probation_officer_id,
            participants::case_reference,
        ))
        .first(conn)
        .optional()?
        .ok_or(NoteError::NotFound)
}

/// Which of a participant's notes someone may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readable {
    /// Every note (the site's coordinators).
    All,
    /// The notes they wrote (mentors).
    OwnOnly,
    /// The notes whose author asked for probation to be told (the participant's officer).
    SharedOnly,
}

/// What `actor` may read of the notes about a participant they can already see (at `site`, with
/// probation officer `officer`); `None`: nothing (admins and everyone else: need-to-know).
pub fn readable(actor: &Actor, site: i64, officer: Option<i64>) -> Option<Readable> {
    match actor.role {
        Role::Coordinator if participant_scope::may_edit(actor, site) => Some(Readable::All),
        Role::Mentor => Some(Readable::OwnOnly), // visible to a mentor = assigned to them
        Role::ProbationOfficer if officer == Some(actor.id.0) => Some(Readable::SharedOnly),
        _ => None,
    }
}

/// Whether `actor` may record notes about a participant at `site` they can already see:
/// assigned mentors and the site's coordinators.
pub fn may_write(actor: &Actor, site: i64) -> bool {
    match actor.role {
        Role::Mentor => true, // visible to a mentor = assigned to them
        Role::Coordinator => participant_scope::may_edit(actor, site),
        _ => false,
    }
}

/// A participant as the notes pages need them, if `actor` may see them at all.
pub struct NotesAccess {
    pub case_reference: String,
    pub readable: Option<Readable>,
    pub may_write: bool,
}

/// What `actor` may do with the notes of a participant; `NotFound` when they cannot see them.
pub fn access(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: i64,
) -> Result<NotesAccess, NoteError> {
    let (site, officer, case_reference) = visible_participant(conn, actor, participant_id)?;
    Ok(NotesAccess {
        case_reference,
        readable: readable(actor, site, officer),
        may_write: may_write(actor, site),
    })
}

/// Record a note: assigned mentors and the site's coordinators.
#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    input: &NoteInput,
    public_url: &url::Url,
) -> Result<NoteView, NoteError> {
    let keys = keys.ok_or(NoteError::NoKey)?;
    let today = crate::participants::store::local_today(conn, participant_id)?;
    let fields = input.validate(today).map_err(NoteError::Invalid)?;
    db::write_transaction(conn, |conn| {
        let (site, officer, case_reference) = visible_participant(conn, actor, participant_id)?;
        if !may_write(actor, site) {
            return Err(NoteError::Forbidden);
        }
        let t = now();
        diesel::insert_into(progress_notes::table)
            .values((
                progress_notes::participant_id.eq(participant_id),
                progress_notes::author_id.eq(actor.id.0),
                progress_notes::contact_date.eq(fields.contact_date),
                progress_notes::contact_type.eq(&fields.contact_type),
                progress_notes::engagement.eq(fields.ratings.engagement),
                progress_notes::attitudes.eq(fields.ratings.attitudes),
                progress_notes::social_ties.eq(fields.ratings.social_ties),
                progress_notes::identity.eq(fields.ratings.identity),
                progress_notes::readiness.eq(fields.ratings.readiness),
                progress_notes::narrative.eq(keys.seal(&fields.narrative)),
                progress_notes::next_contact_date.eq(fields.next_contact_date),
                progress_notes::tell_probation.eq(fields.tell_probation),
                progress_notes::version.eq(1),
                progress_notes::created_at.eq(t),
            ))
            .execute(conn)?;
        let id: i64 = progress_notes::table
            .filter(progress_notes::participant_id.eq(participant_id))
            .order(progress_notes::id.desc())
            .select(progress_notes::id)
            .first(conn)?;
        let told = match (fields.tell_probation, officer) {
            (true, Some(officer)) => tell_probation(
                conn,
                id,
                participant_id,
                officer,
                &case_reference,
                fields.contact_date,
                public_url,
            )?,
            _ => false,
        };
        audit::record(
            conn,
            who,
            Event {
                action: "progress_note.create",
                entity_type: "progress_note",
                entity_id: Some(id.to_string()),
                participant_id: Some(participant_id),
                detail: Some(serde_json::json!({ "tell_probation": fields.tell_probation })),
            },
        )?;
        Ok(NoteView {
            id,
            participant_id,
            author_id: actor.id.0,
            author_name: actor.display_name.clone(),
            contact_date: fields.contact_date,
            contact_type: fields.contact_type,
            ratings: fields.ratings,
            narrative: fields.narrative,
            next_contact_date: fields.next_contact_date,
            tell_probation: fields.tell_probation,
            created_at: t,
            probation_told: fields.tell_probation.then_some(told),
        })
    })
}

/// Email the probation officer that a mentor asked for them to be told: the case reference, the
/// date and a link — never the narrative. Written in the same transaction as the note.
fn tell_probation(
    conn: &mut DbConnection,
    note_id: i64,
    participant_id: i64,
    officer: i64,
    case_reference: &str,
    contact_date: NaiveDate,
    public_url: &url::Url,
) -> Result<bool, DbError> {
    let found: Option<(String, String, String)> = users::table
        .filter(users::id.eq(officer))
        .filter(users::active.eq(true))
        .select((users::email, users::display_name, users::language))
        .first(conn)
        .optional()?;
    let Some((email, name, language)) = found else {
        return Ok(false);
    };
    let ctx = crate::mail::EmailContext {
        recipient: name,
        case_reference: case_reference.to_string(),
        due_on: contact_date.to_string(),
        link: public_url
            .join(&format!("participants/{participant_id}"))
            .map(|u| u.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    let rendered = crate::mail::render("progress_note", &language, &ctx)
        .map_err(|e| DbError::Query(e.to_string()))?;
    let queued = crate::outbox::enqueue(
        conn,
        &[crate::outbox::NewNotification::new(
            format!("note|{note_id}|u{officer}"),
            "progress_note",
            false,
            Some(participant_id),
            None,
            Some(contact_date),
            Some(officer),
            None,
            email,
            language,
            rendered,
            "pending",
            now(),
            public_url,
        )],
        // An officer not named on a restricted person is not told (the gate decides).
        &crate::participants::access::Gate,
    )?;
    Ok(queued == 1)
}

#[derive(Queryable)]
struct NoteRow {
    id: i64,
    participant_id: i64,
    author_id: i64,
    author_name: String,
    contact_date: NaiveDate,
    contact_type: String,
    engagement: Option<i32>,
    attitudes: Option<i32>,
    social_ties: Option<i32>,
    identity: Option<i32>,
    readiness: Option<i32>,
    narrative: String,
    next_contact_date: Option<NaiveDate>,
    tell_probation: bool,
    created_at: NaiveDateTime,
}

/// The notes of a participant that `actor` may read, newest contact first; the read is audited.
#[tracing::instrument(skip_all)]
pub fn list(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
) -> Result<Vec<NoteView>, NoteError> {
    list_page(conn, keys, actor, who, participant_id, None).map(|(notes, _)| notes)
}

/// One page of the notes of a participant that `actor` may read (all of them without `page`),
/// newest contact first, with how many there are; the read is audited.
#[tracing::instrument(skip_all)]
pub fn list_page(
    conn: &mut DbConnection,
    keys: Option<&Keyring>,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    page: Option<Page>,
) -> Result<(Vec<NoteView>, i64), NoteError> {
    let (site, officer, _) = visible_participant(conn, actor, participant_id)?;
    // Admins and everyone else: need-to-know says no.
    let Some(readable) = readable(actor, site, officer) else {
        return Ok((Vec::new(), 0));
    };
    let build = || {
        let q = progress_notes::table
            .inner_join(users::table.on(users::id.eq(progress_notes::author_id)))
            .filter(progress_notes::participant_id.eq(participant_id))
            .into_boxed::<db::MultiBackend>();
        match readable {
            Readable::All => q,
            Readable::OwnOnly => q.filter(progress_notes::author_id.eq(actor.id.0)),
            Readable::SharedOnly => q.filter(progress_notes::tell_probation.eq(true)),
        }
    };
    let total: i64 = build().count().get_result(conn)?;
    let mut q = build();
    if let Some(page) = page {
        q = q.limit(page.per_page).offset(page.offset());
    }
    let rows: Vec<NoteRow> = q
        .order((
            progress_notes::contact_date.desc(),
            progress_notes::id.desc(),
        ))
        .select((
            progress_notes::id,
            progress_notes::participant_id,
            progress_notes::author_id,
            users::display_name,
            progress_notes::contact_date,
            progress_notes::contact_type,
            progress_notes::engagement,
            progress_notes::attitudes,
            progress_notes::social_ties,
            progress_notes::identity,
            progress_notes::readiness,
            progress_notes::narrative,
            progress_notes::next_contact_date,
            progress_notes::tell_probation,
            progress_notes::created_at,
        ))
        .load(conn)?;
    if rows.is_empty() {
        return Ok((Vec::new(), total));
    }
    let keys = keys.ok_or(NoteError::NoKey)?;
    let notes = rows
        .into_iter()
        .map(|r| {
            let narrative = keys.open(&r.narrative).map_err(|e| {
                // A wrong or missing old key is a configuration fault, never the user's.
                NoteError::Db(DbError::Query(format!("progress note {}: {e}", r.id)))
            })?;
            Ok(NoteView {
                id: r.id,
                participant_id: r.participant_id,
                author_id: r.author_id,
                author_name: r.author_name,
                contact_date: r.contact_date,
                contact_type: r.contact_type,
                ratings: Ratings {
                    engagement: r.engagement,
                    attitudes: r.attitudes,
                    social_ties: r.social_ties,
                    identity: r.identity,
                    readiness: r.readiness,
                },
                narrative,
                next_contact_date: r.next_contact_date,
                tell_probation: r.tell_probation,
                created_at: r.created_at,
                probation_told: None,
            })
        })
        .collect::<Result<Vec<_>, NoteError>>()?;
    audit::record_reads(
        conn,
        who,
        "progress_note.read",
        "participant",
        &participant_id.to_string(),
        &[participant_id],
    )?;
    Ok((notes, total))
}

/// A contact as a caseload shows it: its dates and ratings, never the narrative.
#[derive(Debug, Clone)]
pub struct Contact {
    pub participant_id: i64,
    pub contact_date: NaiveDate,
    pub next_contact_date: Option<NaiveDate>,
    pub ratings: Ratings,
}

type ContactRow = (
    i64,
    i64,
    bool,
    NaiveDate,
    Option<NaiveDate>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
    Option<i32>,
);

/// The contacts that `actor` may read (by [`readable`]) about each of `participant_ids`, oldest
/// first: dates and ratings only, so no key is needed. The caller audits what it shows.
pub fn contacts(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_ids: &[i64],
) -> Result<Vec<Contact>, DbError> {
    let people: Vec<(i64, i64, Option<i64>)> = participant_scope::visible_to(actor)
        .filter(participants::id.eq_any(participant_ids))
        .select((
            participants::id,
            participants::site_id,
            participants::probation_officer_id,
        ))
        .load(conn)?;
    let rules: std::collections::HashMap<i64, Readable> = people
        .into_iter()
        .filter_map(|(id, site, officer)| readable(actor, site, officer).map(|r| (id, r)))
        .collect();
    let ids: Vec<i64> = rules.keys().copied().collect();
    let rows: Vec<ContactRow> = progress_notes::table
        .filter(progress_notes::participant_id.eq_any(ids))
        .order((progress_notes::contact_date.asc(), progress_notes::id.asc()))
        .select((
            progress_notes::participant_id,
            progress_notes::author_id,
            progress_notes::tell_probation,
            progress_notes::contact_date,
            progress_notes::next_contact_date,
            progress_notes::engagement,
            progress_notes::attitudes,
            progress_notes::social_ties,
            progress_notes::identity,
            progress_notes::readiness,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| match rules.get(&r.0) {
            Some(Readable::All) => true,
            Some(Readable::OwnOnly) => r.1 == actor.id.0,
            Some(Readable::SharedOnly) => r.2,
            None => false,
        })
        .map(|r| Contact {
            participant_id: r.0,
            contact_date: r.3,
            next_contact_date: r.4,
            ratings: Ratings {
                engagement: r.5,
                attitudes: r.6,
                social_ties: r.7,
                identity: r.8,
                readiness: r.9,
            },
        })
        .collect())
}

/// Refuse to start when sealed text exists that the configured keys cannot open (no key at
/// all, or a key that sealed some of it is missing). The message says what to set.
pub fn check_keys(conn: &mut DbConnection, keys: Option<&Keyring>) -> Result<(), String> {
    let mut sealed: Vec<String> = progress_notes::table
        .select(progress_notes::narrative)
        .load(conn)
        .map_err(|e| e.to_string())?;
    sealed.extend(
        crate::db::schema::risk_reviews::table
            .select(crate::db::schema::risk_reviews::notes)
            .load::<String>(conn)
            .map_err(|e| e.to_string())?,
    );
    sealed.extend(
        crate::db::schema::handovers::table
            .filter(crate::db::schema::handovers::pack.is_not_null())
            .select(crate::db::schema::handovers::pack.assume_not_null())
            .load::<String>(conn)
            .map_err(|e| e.to_string())?,
    );
    if sealed.is_empty() {
        return Ok(());
    }
    let Some(keys) = keys else {
        return Err(format!(
            "ONWARD_DATA_KEY is not set, but {} progress notes, risk reviews or handover packs are stored encrypted: set the key they were written with (64 hex characters)",
            sealed.len()
        ));
    };
    let mut missing: Vec<&str> = sealed
        .iter()
        .filter_map(|s| crate::crypto::key_id_of(s))
        .filter(|id| !keys.knows(id))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "some notes were encrypted with data key(s) {} which ONWARD_DATA_KEY / ONWARD_DATA_KEY_PREVIOUS do not hold",
            missing.join(", ")
        ))
    }
}

/// Re-seal all sensitive text (progress narratives, risk-review notes, handover packs) not sealed with the
/// current key, in batches of 500, each batch in its own transaction. Instances keep running
/// meanwhile: configured with the new key and the old one as `ONWARD_DATA_KEY_PREVIOUS`, they
/// read both. Returns how many values were re-sealed.
pub fn rotate(conn: &mut DbConnection, keys: &Keyring) -> Result<usize, String> {
    use crate::db::schema::{handovers, risk_reviews};
    let stale = format!("v1:{}:%", keys.current.id());
    let notes = reseal(
        conn,
        keys,
        |conn| {
            progress_notes::table
                .filter(progress_notes::narrative.not_like(&stale))
                .order(progress_notes::id.asc())
                .limit(500)
                .select((progress_notes::id, progress_notes::narrative))
                .load(conn)
        },
        |conn, id, old, new| {
            diesel::update(
                progress_notes::table
                    .filter(progress_notes::id.eq(id))
                    .filter(progress_notes::narrative.eq(old)),
            )
            .set(progress_notes::narrative.eq(new))
            .execute(conn)
        },
    )?;
    let reviews = reseal(
        conn,
        keys,
        |conn| {
            risk_reviews::table
                .filter(risk_reviews::notes.not_like(&stale))
                .order(risk_reviews::id.asc())
                .limit(500)
                .select((risk_reviews::id, risk_reviews::notes))
                .load(conn)
        },
        |conn, id, old, new| {
            diesel::update(
                risk_reviews::table
                    .filter(risk_reviews::id.eq(id))
                    .filter(risk_reviews::notes.eq(old)),
            )
            .set(risk_reviews::notes.eq(new))
            .execute(conn)
        },
    )?;
    let packs = reseal(
        conn,
        keys,
        |conn| {
            handovers::table
                .filter(handovers::pack.is_not_null())
                .filter(handovers::pack.not_like(&stale))
                .order(handovers::id.asc())
                .limit(500)
                .select((handovers::id, handovers::pack.assume_not_null()))
                .load(conn)
        },
        |conn, id, old, new| {
            diesel::update(
                handovers::table
                    .filter(handovers::id.eq(id))
                    .filter(handovers::pack.eq(old)),
            )
            .set(handovers::pack.eq(new))
            .execute(conn)
        },
    )?;
    Ok(notes + reviews + packs)
}

type Batch = diesel::QueryResult<Vec<(i64, String)>>;

/// Re-seal what `load` returns, batch after batch, until it returns nothing; `store` writes a
/// value only if it is still the one read (a concurrent edit wins and is re-sealed next batch).
fn reseal(
    conn: &mut DbConnection,
    keys: &Keyring,
    load: impl Fn(&mut DbConnection) -> Batch,
    store: impl Fn(&mut DbConnection, i64, &str, &str) -> diesel::QueryResult<usize>,
) -> Result<usize, String> {
    let mut done = 0;
    loop {
        let batch = load(conn).map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(done);
        }
        conn.transaction::<_, DbError, _>(|conn| {
            for (id, sealed) in &batch {
                let plain = keys
                    .open(sealed)
                    .map_err(|e| DbError::Query(format!("value {id}: {e}")))?;
                store(conn, *id, sealed, &keys.seal(&plain))?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        done += batch.len();
    }
}

/// [`rotate`] (`onward keys rotate`), recorded on the audit trail.
pub fn rotate_keys(conn: &mut DbConnection, who: &Who, keys: &Keyring) -> Result<usize, String> {
    let n = rotate(conn, keys)?;
    audit::record(
        conn,
        who,
        Event {
            action: "keys.rotate",
            entity_type: "installation",
            entity_id: Some(keys.current.id().to_string()),
            participant_id: None,
            detail: Some(serde_json::json!({ "resealed": n })),
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(n)
}
