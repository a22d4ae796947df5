//! Partner agencies (probation, housing, employment, health, NGOs) and the sharing bases that
//! allow an agency to hold a participant's data. No basis, no email, no access: the reminder
//! sweep and the milestone lists both ask [`has_valid_basis`] / [`valid_bases_on`].

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Event, Who};
use crate::auth::users::EmailAddress;
use crate::db::schema::{agencies, participants, sharing_bases};
use crate::db::{self, now, DbConnection, DbError};
use crate::kernel::validate::{one_of, parse_date, required_line, required_text};
use crate::kernel::{Actor, Role};
use crate::kernel::{FieldErrors, Problem};
use crate::participants::access as participant_access;

pub const AGENCY_KINDS: [&str; 7] = [
    "probation",
    "housing",
    "employment",
    "health",
    "education",
    "ngo",
    "other",
];
pub const VETTING_STATUSES: [&str; 3] = ["pending", "vetted", "lapsed"];
/// Languages Onward writes emails in.
pub use crate::i18n::LANGUAGES;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = agencies)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    /// `probation`, `housing`, `employment`, `health`, `education`, `ngo` or `other`.
    pub kind: String,
    /// The team mailbox reminders go to.
    pub mailbox: String,
    /// Language of the emails to this agency (`en` or `ru`).
    pub language: String,
    /// `pending`, `vetted` or `lapsed`: only vetted agencies are emailed.
    pub vetting_status: String,
    /// Whether the mailbox is a secure channel: only then do emails carry names.
    pub secure_channel: bool,
    pub active: bool,
    pub version: i32,
}

impl Agency {
    /// Whether Onward may email this agency at all (a sharing basis is checked per participant).
    pub fn may_receive(&self) -> bool {
        self.active && self.vetting_status == participant_access::AGENCY_VETTED
    }
}

/// An agency as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub mailbox: Option<String>,
    /// `en` (default) or `ru`.
    pub language: Option<String>,
    /// `pending` (default), `vetted` or `lapsed`.
    pub vetting_status: Option<String>,
    pub secure_channel: Option<bool>,
    /// Default true.
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = agencies)]
pub struct AgencyFields {
    pub name: String,
    pub kind: String,
    pub mailbox: String,
    pub language: String,
    pub vetting_status: String,
    pub secure_channel: bool,
    pub active: bool,
}

impl AgencyInput {
    pub fn validate(&self) -> Result<AgencyFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = required_line(&mut e, "name", &self.name, 200);
        let kind = one_of(&mut e, "kind", &self.kind, &AGENCY_KINDS);
        let mailbox = match self.mailbox.as_deref().map(str::trim).unwrap_or("") {
            "" => {
                e.add("mailbox", "error-required");
                None
            }
            raw => match EmailAddress::parse(raw) {
                Ok(m) => Some(m.as_str().to_string()),
                Err(key) => {
                    e.add("mailbox", key);
                    None
                }
            },
        };
        let language = one_of(
            &mut e,
            "language",
            &Some(self.language.clone().unwrap_or_else(|| "en".into())),
            &LANGUAGES,
        );
        let vetting_status = one_of(
            &mut e,
            "vetting_status",
            &Some(
                self.vetting_status
                    .clone()
                    .unwrap_or_else(|| "pending".into()),
            ),
            &VETTING_STATUSES,
        );
        match (name, kind, mailbox, language, vetting_status) {
            (Some(name), Some(kind), Some(mailbox), Some(language), Some(vetting_status))
                if e.is_empty() =>
            {
                Ok(AgencyFields {
                    name,
                    kind,
                    mailbox,
                    language,
                    vetting_status,
                    secure_channel: self.secure_channel.unwrap_or(false),
                    active: self.active.unwrap_or(true),
                })
            }
            _ => Err(e),
        }
    }
}

/// A sharing basis: why `agency_id` may hold data about `participant_id`, and for how long.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = sharing_bases)]
pub struct SharingBasis {
    pub id: i64,
    pub participant_id: i64,
    pub agency_id: i64,
    pub legal_basis: String,
    pub valid_from: NaiveDate,
    /// Open-ended when empty.
    pub valid_until: Option<NaiveDate>,
    pub version: i32,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharingBasisInput {
    pub agency_id: Option<i64>,
    /// E.g. "Consent signed 2026-10-01" or the statute relied on.
    pub legal_basis: Option<String>,
    /// `YYYY-MM-DD`.
    pub valid_from: Option<String>,
    /// `YYYY-MM-DD`, or empty for open-ended.
    pub valid_until: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AgencyError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error("stale version")]
    Stale,
    #[error("no version given")]
    VersionRequired,
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for AgencyError {
    fn from(e: diesel::result::Error) -> Self {
        AgencyError::Db(e.into())
    }
}

impl From<AgencyError> for Problem {
    fn from(e: AgencyError) -> Self {
        match e {
            AgencyError::NotFound => Problem::not_found(),
            AgencyError::Invalid(errors) => Problem::invalid(errors),
            AgencyError::Stale => Problem::stale(),
            AgencyError::VersionRequired => Problem::version_required(),
            AgencyError::Forbidden => Problem::forbidden(),
            AgencyError::Db(e) => e.into(),
        }
    }
}

fn invalid(field: &str, key: &str) -> AgencyError {
    let mut e = FieldErrors::default();
    e.add(field, key);
    AgencyError::Invalid(e)
}

/// Who may see the agency list: admins and coordinators (to assign milestones); an agency user
/// sees their own agency only.
pub fn list(conn: &mut DbConnection, actor: &Actor, q: &str) -> Result<Vec<Agency>, AgencyError> {
    let mut query = agencies::table.into_boxed();
    match actor.role {
        Role::Admin | Role::Coordinator => {}
        Role::AgencyUser => query = query.filter(agencies::id.eq(actor.agency_id.unwrap_or(-1))),
        _ => return Err(AgencyError::Forbidden),
    }
    if !q.trim().is_empty() {
        let pattern = db::like_pattern(&q.trim().to_lowercase());
        query = query.filter(db::lower(agencies::name).like(pattern).escape('\\'));
    }
    Ok(query
        .order(agencies::name.asc())
        .select(Agency::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<Agency, AgencyError> {
    let visible = match actor.role {
        Role::Admin | Role::Coordinator => true,
        Role::AgencyUser => actor.agency_id == Some(id),
        _ => false,
    };
    if !visible {
        return Err(AgencyError::NotFound);
    }
    find(conn, id)?.ok_or(AgencyError::NotFound)
}

/// An agency by id, without access checks (for jobs).
pub fn find(conn: &mut DbConnection, id: i64) -> Result<Option<Agency>, DbError> {
    Ok(agencies::table
        .find(id)
        .select(Agency::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_name(conn: &mut DbConnection, name: &str) -> Result<Option<Agency>, DbError> {
    Ok(agencies::table
        .filter(agencies::name.eq(name))
        .select(Agency::as_select())
        .first(conn)
        .optional()?)
}

#[tracing::instrument(skip_all)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    input: &AgencyInput,
) -> Result<Agency, AgencyError> {
    if actor.role != Role::Admin {
        return Err(AgencyError::Forbidden);
    }
    let fields = input.validate().map_err(AgencyError::Invalid)?;
    db::write_transaction(conn, |conn| {
        if find_by_name(conn, &fields.name)?.is_some() {
            return Err(invalid("name", "error-name-taken"));
        }
        let t = now();
        diesel::insert_into(agencies::table)
            .values((
                &fields,
                agencies::version.eq(1),
                agencies::created_at.eq(t),
                agencies::updated_at.eq(t),
            ))
            .execute(conn)?;
        let agency = find_by_name(conn, &fields.name)?
            .ok_or_else(|| DbError::Query("agency vanished after insert".into()))?;
        audit::record(
            conn,
            who,
            Event {
                action: "agency.create",
                entity_type: "agency",
                entity_id: Some(agency.id.to_string()),
                participant_id: None,
                detail: Some(serde_json::json!({ "name": agency.name })),
            },
        )?;
        Ok(agency)
    })
}

#[tracing::instrument(skip_all)]
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
    version: Option<i32>,
    input: &AgencyInput,
) -> Result<Agency, AgencyError> {
    if actor.role != Role::Admin {
        return Err(AgencyError::Forbidden);
    }
    let version = version.ok_or(AgencyError::VersionRequired)?;
    let fields = input.validate().map_err(AgencyError::Invalid)?;
    db::write_transaction(conn, |conn| {
        let current = find(conn, id)?.ok_or(AgencyError::NotFound)?;
        if current.version != version {
            return Err(AgencyError::Stale);
        }
        if let Some(other) = find_by_name(conn, &fields.name)? {
            if other.id != id {
                return Err(invalid("name", "error-name-taken"));
            }
        }
        diesel::update(agencies::table.find(id))
            .set((
                &fields,
                agencies::version.eq(version + 1),
                agencies::updated_at.eq(now()),
            ))
            .execute(conn)?;
        crate::outbox::cancel_stale_for_agency(conn, id, &crate::participants::access::Gate)?;
        audit::record(
            conn,
            who,
            Event {
                action: "agency.update",
                entity_type: "agency",
                entity_id: Some(id.to_string()),
                participant_id: None,
                detail: Some(serde_json::json!({ "name": fields.name })),
            },
        )?;
        find(conn, id)?.ok_or(AgencyError::NotFound)
    })
}

/// The participant `actor` may change (the participant's site check is the participants area's).
fn editable_participant(
    conn: &mut DbConnection,
    actor: &Actor,
    participant_id: i64,
) -> Result<i64, AgencyError> {
    let site: Option<i64> = participant_access::visible_to(actor)
        .filter(participants::id.eq(participant_id))
        .select(participants::site_id)
        .first(conn)
        .optional()?;
    let site = site.ok_or(AgencyError::NotFound)?;
    if !participant_access::may_edit(actor, site) {
        return Err(AgencyError::Forbidden);
    }
    Ok(site)
}

/// The sharing bases of a participant the actor may see.
#[tracing::instrument(skip_all)]
pub fn bases_of(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
) -> Result<Vec<SharingBasis>, AgencyError> {
    let seen: Option<i64> = participant_access::visible_to(actor)
        .filter(participants::id.eq(participant_id))
        .select(participants::id)
        .first(conn)
        .optional()?;
    seen.ok_or(AgencyError::NotFound)?;
    let bases = sharing_bases::table
        .filter(sharing_bases::participant_id.eq(participant_id))
        .order(sharing_bases::valid_from.desc())
        .select(SharingBasis::as_select())
        .load(conn)?;
    audit::record(
        conn,
        who,
        Event {
            action: "sharing_basis.read",
            entity_type: "participant",
            entity_id: Some(participant_id.to_string()),
            participant_id: Some(participant_id),
            detail: None,
        },
    )?;
    Ok(bases)
}

fn validate_basis(
    input: &SharingBasisInput,
) -> Result<(i64, String, NaiveDate, Option<NaiveDate>), FieldErrors> {
    let mut e = FieldErrors::default();
    let agency_id = input.agency_id;
    if agency_id.is_none() {
        e.add("agency_id", "error-required");
    }
    let legal_basis = required_text(&mut e, "legal_basis", &input.legal_basis, 500);
    let valid_from = parse_date(&mut e, "valid_from", &input.valid_from);
    let valid_until = match input.valid_until.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(_) => parse_date(&mut e, "valid_until", &input.valid_until),
    };
    if let (Some(from), Some(until)) = (valid_from, valid_until) {
        if until < from {
            e.add("valid_until", "error-until-before-from");
        }
    }
    match (agency_id, legal_basis, valid_from) {
        (Some(a), Some(l), Some(f)) if e.is_empty() => Ok((a, l, f, valid_until)),
        _ => Err(e),
    }
}

#[tracing::instrument(skip_all)]
pub fn add_basis(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    participant_id: i64,
    input: &SharingBasisInput,
) -> Result<SharingBasis, AgencyError> {
    let (agency_id, legal_basis, valid_from, valid_until) =
        validate_basis(input).map_err(AgencyError::Invalid)?;
    db::write_transaction(conn, |conn| {
        editable_participant(conn, actor, participant_id)?;
        if find(conn, agency_id)?.is_none() {
            return Err(invalid("agency_id", "error-choice"));
        }
        diesel::insert_into(sharing_bases::table)
            .values((
                sharing_bases::participant_id.eq(participant_id),
                sharing_bases::agency_id.eq(agency_id),
                sharing_bases::legal_basis.eq(&legal_basis),
                sharing_bases::valid_from.eq(valid_from),
                sharing_bases::valid_until.eq(valid_until),
                sharing_bases::created_by.eq(Some(actor.id.0)),
                sharing_bases::created_at.eq(now()),
            ))
            .execute(conn)?;
        let basis: SharingBasis = sharing_bases::table
            .filter(sharing_bases::participant_id.eq(participant_id))
            .order(sharing_bases::id.desc())
            .select(SharingBasis::as_select())
            .first(conn)?;
        audit::record(
            conn,
            who,
            Event {
                action: "sharing_basis.create",
                entity_type: "sharing_basis",
                entity_id: Some(basis.id.to_string()),
                participant_id: Some(participant_id),
                detail: Some(serde_json::json!({ "agency_id": agency_id })),
            },
        )?;
        Ok(basis)
    })
}

/// Change a basis's legal text or dates (ending it early is setting `valid_until`).
#[tracing::instrument(skip_all)]
pub fn update_basis(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    id: i64,
    version: Option<i32>,
    input: &SharingBasisInput,
) -> Result<SharingBasis, AgencyError> {
    let version = version.ok_or(AgencyError::VersionRequired)?;
    db::write_transaction(conn, |conn| {
        let current: SharingBasis = sharing_bases::table
            .find(id)
            .select(SharingBasis::as_select())
            .first(conn)
            .optional()?
            .ok_or(AgencyError::NotFound)?;
        editable_participant(conn, actor, current.participant_id)?;
        if current.version != version {
            return Err(AgencyError::Stale);
        }
        let mut input = input.clone();
        input.agency_id = Some(current.agency_id);
        let (_, legal_basis, valid_from, valid_until) =
            validate_basis(&input).map_err(AgencyError::Invalid)?;
        diesel::update(sharing_bases::table.find(id))
            .set((
                sharing_bases::legal_basis.eq(legal_basis),
                sharing_bases::valid_from.eq(valid_from),
                sharing_bases::valid_until.eq(valid_until),
                sharing_bases::version.eq(version + 1),
            ))
            .execute(conn)?;
        // Emails queued for this agency about this person stop if the basis no longer holds.
        crate::outbox::cancel_stale_for_participant(
            conn,
            current.participant_id,
            &crate::participants::access::Gate,
        )?;
        audit::record(
            conn,
            who,
            Event {
                action: "sharing_basis.update",
                entity_type: "sharing_basis",
                entity_id: Some(id.to_string()),
                participant_id: Some(current.participant_id),
                detail: None,
            },
        )?;
        Ok(sharing_bases::table
            .find(id)
            .select(SharingBasis::as_select())
            .first(conn)?)
    })
}

/// Every agency's name, by id.
pub fn names(conn: &mut DbConnection) -> Result<std::collections::HashMap<i64, String>, DbError> {
    Ok(agencies::table
        .select((agencies::id, agencies::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The agency's users, by name: (display name, email).
pub fn staff(conn: &mut DbConnection, agency_id: i64) -> Result<Vec<(String, String)>, DbError> {
    use crate::db::schema::users;
    Ok(users::table
        .filter(users::agency_id.eq(agency_id))
        .order(users::display_name.asc())
        .select((users::display_name, users::email))
        .load(conn)?)
}

pub use crate::participants::access::{has_valid_basis, valid_bases_on};
