//! Participant queries and writes. Every read goes through [`access::visible_to`].

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::users;

use crate::db::schema::{
    participant_access, participant_mentors, participants, sites, users as users_t,
};
use crate::db::{like_pattern, now, DbConnection, DbError};
use crate::kernel::paging::Page;
use crate::kernel::FieldErrors;
use crate::kernel::{Actor, Role};
use crate::participants::access;
use crate::participants::model::{
    ParticipantId, ParticipantInput, ParticipantRow, ValidParticipant,
};
use crate::participants::ParticipantError;

/// A site as shown beside a participant.
#[derive(Debug, Clone, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = sites)]
pub struct SiteRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// IANA time zone, e.g. `Asia/Bishkek`.
    pub time_zone: String,
}

/// A member of staff as shown beside a participant.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct StaffRef {
    pub id: i64,
    pub display_name: String,
    pub role: String,
}

/// A participant as the API and the detail page show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParticipantView {
    pub id: i64,
    pub case_reference: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub site: SiteRef,
    pub status: String,
    pub sentence_start: Option<NaiveDate>,
    pub earliest_release_date: Option<NaiveDate>,
    pub parole_eligibility_date: Option<NaiveDate>,
    pub licence_end_date: Option<NaiveDate>,
    pub restricted: bool,
    pub probation_officer: Option<StaffRef>,
    pub mentors: Vec<StaffRef>,
    pub named_staff: Vec<StaffRef>,
    /// Send this back (as `If-Match`, or the form's `version`) when updating.
    pub version: i32,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

impl ParticipantView {
    /// The restriction as a form's checkbox sends it (`on`, or nothing).
    pub fn restricted_checkbox(&self) -> Option<String> {
        self.restricted.then(|| "on".to_string())
    }
}

/// A participant as a list row shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParticipantSummary {
    pub id: i64,
    pub case_reference: String,
    pub given_name: String,
    pub family_name: String,
    pub site_code: String,
    pub status: String,
    pub earliest_release_date: Option<NaiveDate>,
    pub restricted: bool,
}

/// One page of the participants `actor` may see, matching `query` (case reference or name).
pub fn search(
    conn: &mut DbConnection,
    actor: &Actor,
    query: &str,
    page: Page,
) -> Result<(Vec<ParticipantSummary>, i64), DbError> {
    let needle = query.trim().to_lowercase();
    let build = || {
        let mut q = access::visible_to(actor);
        if !needle.is_empty() {
            q = q.filter(
                participants::search_text
                    .like(like_pattern(&needle))
                    .escape('\\'),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<ParticipantRow> = build()
        .order((
            participants::family_name.asc(),
            participants::given_name.asc(),
            participants::id.asc(),
        ))
        .limit(page.per_page)
        .offset(page.offset())
        .select(ParticipantRow::as_select())
        .load(conn)?;
    let site_ids: Vec<i64> = rows.iter().map(|r| r.site_id).collect();
    let codes: Vec<(i64, String)> = sites::table
        .filter(sites::id.eq_any(site_ids))
        .select((sites::id, sites::code))
        .load(conn)?;
    let code_of = |id: i64| {
        codes
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    let items = rows
        .into_iter()
        .map(|r| ParticipantSummary {
            site_code: code_of(r.site_id),
            id: r.id,
            case_reference: r.case_reference,
            given_name: r.given_name,
            family_name: r.family_name,
            status: r.status,
            earliest_release_date: r.earliest_release_date,
            restricted: r.restricted,
        })
        .collect();
    Ok((items, total))
}

/// The row of a participant `actor` may see, or `NotFound`.
pub fn visible_row(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ParticipantId,
) -> Result<ParticipantRow, ParticipantError> {
    access::visible_to(actor)
        .filter(participants::id.eq(id.0))
        .select(ParticipantRow::as_select())
        .first(conn)
        .optional()
        .map_err(DbError::from)?
        .ok_or(ParticipantError::NotFound)
}

fn staff(conn: &mut DbConnection, ids: Vec<i64>) -> Result<Vec<StaffRef>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users_t::table
        .filter(users_t::id.eq_any(ids))
        .order((users_t::display_name.asc(), users_t::id.asc()))
        .select((users_t::id, users_t::display_name, users_t::role))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, display_name, role)| StaffRef {
            id,
            display_name,
            role,
        })
        .collect())
}

/// The full view of a row.
pub fn view(conn: &mut DbConnection, row: ParticipantRow) -> Result<ParticipantView, DbError> {
    let site: SiteRef = sites::table
        .filter(sites::id.eq(row.site_id))
        .select(SiteRef::as_select())
        .first(conn)?;
    let mentor_ids: Vec<i64> = participant_mentors::table
        .filter(participant_mentors::participant_id.eq(row.id))
        .select(participant_mentors::user_id)
        .load(conn)?;
    let named_ids: Vec<i64> = participant_access::table
        .filter(participant_access::participant_id.eq(row.id))
        .select(participant_access::user_id)
        .load(conn)?;
    let probation_officer = staff(conn, row.probation_officer_id.into_iter().collect())?
        .into_iter()
        .next();
    Ok(ParticipantView {
        id: row.id,
        case_reference: row.case_reference,
        given_name: row.given_name,
        family_name: row.family_name,
        date_of_birth: row.date_of_birth,
        site,
        status: row.status,
        sentence_start: row.sentence_start,
        earliest_release_date: row.earliest_release_date,
        parole_eligibility_date: row.parole_eligibility_date,
        licence_end_date: row.licence_end_date,
        restricted: row.restricted,
        probation_officer,
        mentors: staff(conn, mentor_ids)?,
        named_staff: staff(conn, named_ids)?,
        version: row.version,
        created_at: Utc.from_utc_datetime(&row.created_at),
        updated_at: Utc.from_utc_datetime(&row.updated_at),
    })
}

/// Checks that need the database: the site exists (and is the coordinator's own), people named
/// have the right role.
pub fn check_references(
    conn: &mut DbConnection,
    actor: &Actor,
    p: &ValidParticipant,
) -> Result<(), ParticipantError> {
    let mut errors = FieldErrors::default();
    let site_exists: i64 = sites::table
        .filter(sites::id.eq(p.site_id))
        .count()
        .get_result(conn)
        .map_err(DbError::from)?;
    if site_exists == 0 {
        errors.add("site_id", "error-unknown-site");
    } else if actor.role == Role::Coordinator && actor.site_id.map(|s| s.0) != Some(p.site_id) {
        errors.add("site_id", "error-own-site-only");
    }
    let role_of =
        |conn: &mut DbConnection, ids: &[i64], role: Option<Role>| -> Result<bool, DbError> {
            if ids.is_empty() {
                return Ok(true);
            }
            let mut q = users_t::table
                .filter(users_t::id.eq_any(ids.to_vec()))
                .filter(users_t::active.eq(true))
                .into_boxed();
            if let Some(role) = role {
                q = q.filter(users_t::role.eq(role.as_str()));
            }
            let found: i64 = q.count().get_result(conn)?;
            Ok(found == ids.len() as i64)
        };
    if !role_of(conn, &p.mentor_ids, Some(Role::Mentor))? {
        errors.add("mentor_ids", "error-not-mentors");
    }
    if let Some(po) = p.probation_officer_id {
        if !role_of(conn, &[po], Some(Role::ProbationOfficer))? {
            errors.add("probation_officer_id", "error-not-probation-officer");
        }
    }
    if !role_of(conn, &p.named_staff_ids, None)? {
        errors.add("named_staff_ids", "error-unknown-users");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ParticipantError::Invalid(errors))
    }
}

fn replace_people(conn: &mut DbConnection, id: i64, p: &ValidParticipant) -> Result<(), DbError> {
    diesel::delete(participant_mentors::table.filter(participant_mentors::participant_id.eq(id)))
        .execute(conn)?;
    for m in &p.mentor_ids {
        diesel::insert_into(participant_mentors::table)
            .values((
                participant_mentors::participant_id.eq(id),
                participant_mentors::user_id.eq(m),
            ))
            .execute(conn)?;
    }
    diesel::delete(participant_access::table.filter(participant_access::participant_id.eq(id)))
        .execute(conn)?;
    for u in &p.named_staff_ids {
        diesel::insert_into(participant_access::table)
            .values((
                participant_access::participant_id.eq(id),
                participant_access::user_id.eq(u),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The columns a participant's details fill, on insert and on update alike.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = participants, treat_none_as_null = true)]
struct ParticipantFields<'a> {
    case_reference: &'a str,
    given_name: &'a str,
    family_name: &'a str,
    date_of_birth: NaiveDate,
    site_id: i64,
    status: &'static str,
    sentence_start: Option<NaiveDate>,
    earliest_release_date: Option<NaiveDate>,
    parole_eligibility_date: Option<NaiveDate>,
    licence_end_date: Option<NaiveDate>,
    restricted: bool,
    probation_officer_id: Option<i64>,
    search_text: String,
}

impl<'a> From<&'a ValidParticipant> for ParticipantFields<'a> {
    fn from(p: &'a ValidParticipant) -> Self {
        Self {
            case_reference: p.case_reference.as_str(),
            given_name: p.given_name.as_str(),
            family_name: p.family_name.as_str(),
            date_of_birth: p.date_of_birth,
            site_id: p.site_id,
            status: p.status.as_str(),
            sentence_start: p.sentence_start,
            earliest_release_date: p.earliest_release_date,
            parole_eligibility_date: p.parole_eligibility_date,
            licence_end_date: p.licence_end_date,
            restricted: p.restricted,
            probation_officer_id: p.probation_officer_id,
            search_text: p.search_text(),
        }
    }
}

/// Insert a new participant; returns its id. The caller runs this in a transaction.
pub fn insert(
    conn: &mut DbConnection,
    p: &ValidParticipant,
) -> Result<ParticipantId, ParticipantError> {
    let at = now();
    diesel::insert_into(participants::table)
        .values((
            ParticipantFields::from(p),
            participants::version.eq(1),
            participants::created_at.eq(at),
            participants::updated_at.eq(at),
        ))
        .execute(conn)
        .map_err(|e| duplicate_reference(DbError::from(e)))?;
    let id: i64 = participants::table
        .filter(participants::case_reference.eq(p.case_reference.as_str()))
        .select(participants::id)
        .first(conn)
        .map_err(DbError::from)?;
    replace_people(conn, id, p)?;
    stamp_closure(conn, id, at)?;
    Ok(ParticipantId(id))
}

/// Keep `closed_at` true to the status: set when the participant becomes closed (retention
/// counts from it), cleared when they are reopened.
fn stamp_closure(
    conn: &mut DbConnection,
    id: i64,
    at: chrono::NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        participants::table
            .filter(participants::id.eq(id))
            .filter(participants::status.eq("closed"))
            .filter(participants::closed_at.is_null()),
    )
    .set(participants::closed_at.eq(Some(at)))
    .execute(conn)?;
    diesel::update(
        participants::table
            .filter(participants::id.eq(id))
            .filter(participants::status.ne("closed"))
            .filter(participants::closed_at.is_not_null()),
    )
    .set(participants::closed_at.eq(None::<chrono::NaiveDateTime>))
    .execute(conn)?;
    Ok(())
}

/// Overwrite a participant only if it is still at `expected_version`; returns false if it moved on.
pub fn update_if_version(
    conn: &mut DbConnection,
    id: ParticipantId,
    expected_version: i32,
    p: &ValidParticipant,
) -> Result<bool, ParticipantError> {
    let changed = diesel::update(
        participants::table
            .filter(participants::id.eq(id.0))
            .filter(participants::version.eq(expected_version)),
    )
    .set((
        ParticipantFields::from(p),
        participants::version.eq(expected_version.saturating_add(1)),
        participants::updated_at.eq(now()),
    ))
    .execute(conn)
    .map_err(|e| duplicate_reference(DbError::from(e)))?;
    if changed == 1 {
        replace_people(conn, id.0, p)?;
        stamp_closure(conn, id.0, now())?;
    }
    Ok(changed == 1)
}

fn duplicate_reference(e: DbError) -> ParticipantError {
    match e {
        DbError::Constraint(ref m) if m.contains("case_reference") => {
            let mut errors = FieldErrors::default();
            // Uniqueness holds across sites, but the answer neither says where nor confirms that
            // someone the user may not see exists.
            errors.add("case_reference", "error-case-reference-unavailable");
            ParticipantError::Invalid(errors)
        }
        other => ParticipantError::Db(other),
    }
}

/// On update, the people and the restriction a client did not send keep their stored values:
/// leaving `restricted` out must never lift a restriction.
pub fn keep_unsent_people(
    conn: &mut DbConnection,
    current: &ParticipantRow,
    input: &ParticipantInput,
) -> Result<ParticipantInput, DbError> {
    let mut input = input.clone();
    input.restricted.get_or_insert(current.restricted);
    input
        .probation_officer_id
        .get_or_insert(current.probation_officer_id);
    if input.mentor_ids.is_none() {
        input.mentor_ids = Some(
            participant_mentors::table
                .filter(participant_mentors::participant_id.eq(current.id))
                .select(participant_mentors::user_id)
                .load(conn)?,
        );
    }
    if input.named_staff_ids.is_none() {
        input.named_staff_ids = Some(
            participant_access::table
                .filter(participant_access::participant_id.eq(current.id))
                .select(participant_access::user_id)
                .load(conn)?,
        );
    }
    Ok(input)
}

/// Choices for the participant form.
#[derive(Debug, Serialize)]
pub struct FormOptions {
    pub sites: Vec<SiteRef>,
    pub mentors: Vec<StaffRef>,
    pub probation_officers: Vec<StaffRef>,
    pub staff: Vec<StaffRef>,
}

pub fn form_options(conn: &mut DbConnection, actor: &Actor) -> Result<FormOptions, DbError> {
    let mut sq = sites::table.into_boxed();
    if actor.role == Role::Coordinator {
        sq = sq.filter(sites::id.eq(actor.site_id.map(|s| s.0).unwrap_or(-1)));
    }
    let sites = sq
        .order(sites::name.asc())
        .select(SiteRef::as_select())
        .load(conn)?;
    let to_refs = |v: Vec<users::User>| {
        v.into_iter()
            .map(|u| StaffRef {
                id: u.id,
                display_name: u.display_name,
                role: u.role,
            })
            .collect::<Vec<_>>()
    };
    Ok(FormOptions {
        sites,
        mentors: to_refs(users::with_roles(conn, &[Role::Mentor])?),
        probation_officers: to_refs(users::with_roles(conn, &[Role::ProbationOfficer])?),
        staff: to_refs(users::with_roles(
            conn,
            &[
                Role::Admin,
                Role::Coordinator,
                Role::Mentor,
                Role::ProbationOfficer,
            ],
        )?),
    })
}

/// Today's date at the participant's site (UTC for an unknown participant: the caller's access
/// check answers for those). Dates staff type ("not in the future") are checked against it,
/// so that a note written early in the morning in Bishkek is not refused as tomorrow's.
pub fn local_today(conn: &mut DbConnection, participant_id: i64) -> Result<NaiveDate, DbError> {
    let zone: Option<String> = participants::table
        .inner_join(crate::db::schema::sites::table)
        .filter(participants::id.eq(participant_id))
        .select(crate::db::schema::sites::time_zone)
        .first(conn)
        .optional()?;
    let tz: chrono_tz::Tz = zone
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::Tz::UTC);
    Ok(chrono::Utc::now().with_timezone(&tz).date_naive())
}
