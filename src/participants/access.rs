//! Need-to-know: the one access gate that decides who may learn anything about a participant.
//!
//! admin: all; coordinator: their site; mentor: assigned participants; probation officer: their
//! cases; agency users and auditors: none here. A restricted participant is visible only to staff
//! named on them, whatever their role, and is never emailed about to an agency mailbox.
//! Everything else answers 404, as if it did not exist.
//!
//! The rule is written here twice, and nowhere else: once as a query predicate ([`open_to`],
//! [`visible_to`]) for pages, the API, lists, counts, reports and feeds, and once as a Rust
//! function ([`Case::may_learn`]) for email recipients, checked when an email is queued, when a
//! digest is composed and again just before it is sent (through [`Gate`], the outbox's
//! [`crate::outbox::Gate`]). `tests/api/access_gate.rs` scans the source and fails if the rule
//! appears anywhere else.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{
    participant_access, participant_mentors, participants, sharing_bases, users,
};
use crate::db::{DbConnection, DbError, MultiBackend};
use crate::kernel::{Actor, Role};
use crate::outbox::Recipient;

pub type Scoped = participants::BoxedQuery<'static, MultiBackend>;

/// The restriction rule as a query predicate on `participants` (usable in joins): the
/// participant is not restricted, or `user` is named on them.
#[diesel::dsl::auto_type]
pub fn open_to(user: i64) -> _ {
    let named: diesel::dsl::Select<
        diesel::dsl::Filter<
            participant_access::table,
            diesel::dsl::Eq<participant_access::user_id, i64>,
        >,
        participant_access::participant_id,
    > = participant_access::table
        .filter(participant_access::user_id.eq(user))
        .select(participant_access::participant_id);
    participants::restricted
        .eq(false)
        .or(participants::id.eq_any(named))
}

/// Participants `actor` may see.
pub fn visible_to(actor: &Actor) -> Scoped {
    let me = actor.id.0;
    let base = participants::table.into_boxed();
    let by_role = match actor.role {
        Role::Admin => base,
        Role::Coordinator => match actor.site_id {
            Some(site) => base.filter(participants::site_id.eq(site.0)),
            None => base.filter(participants::id.lt(0)),
        },
        Role::Mentor => base.filter(
            participants::id.eq_any(
                participant_mentors::table
                    .filter(participant_mentors::user_id.eq(me))
                    .select(participant_mentors::participant_id),
            ),
        ),
        Role::ProbationOfficer => base.filter(participants::probation_officer_id.eq(me)),
        Role::AgencyUser | Role::Auditor => base.filter(participants::id.lt(0)),
    };
    by_role.filter(open_to(me))
}

/// Whether `actor` may learn anything about participant `id`.
pub fn may_see(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<bool, DbError> {
    let n: i64 = visible_to(actor)
        .filter(participants::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Of `ids`, those `actor` may learn anything about.
pub fn visible_among(
    conn: &mut DbConnection,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashSet<i64>, DbError> {
    let mut seen = HashSet::new();
    let mut wanted: Vec<i64> = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    for chunk in wanted.chunks(500) {
        let found: Vec<i64> = visible_to(actor)
            .filter(participants::id.eq_any(chunk))
            .select(participants::id)
            .load(conn)?;
        seen.extend(found);
    }
    Ok(seen)
}

/// Of `ids`, those `actor` may not learn anything about.
pub fn hidden_from(
    conn: &mut DbConnection,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashSet<i64>, DbError> {
    let seen = visible_among(conn, actor, ids)?;
    Ok(ids.iter().copied().filter(|p| !seen.contains(p)).collect())
}

/// Whether `actor` may add participants at all (the site is checked separately).
pub fn may_create(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Coordinator)
}

/// Whether `actor` may change a participant at `site_id` that they can already see.
pub fn may_edit(actor: &Actor, site_id: i64) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Coordinator => actor.site_id.is_some_and(|s| s.0 == site_id),
        _ => false,
    }
}

/// Whether `actor` may see the participant list at all (for menus).
pub fn may_list(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Admin | Role::Coordinator | Role::Mentor | Role::ProbationOfficer
    )
}

/// What decides who may learn about one participant, loaded at once for many (the sweeps, the
/// outbox): the Rust twin of [`visible_to`].
#[derive(Debug, Clone)]
pub struct Case {
    pub site_id: i64,
    pub probation_officer_id: Option<i64>,
    restricted: bool,
    mentors: Vec<i64>,
    named: Vec<i64>,
}

/// A member of staff as the gate sees them (an email recipient).
#[derive(Debug, Clone, Copy)]
pub struct Staff {
    pub id: i64,
    pub role: Role,
    pub site_id: Option<i64>,
}

impl Staff {
    pub fn of(actor: &Actor) -> Self {
        Staff {
            id: actor.id.0,
            role: actor.role,
            site_id: actor.site_id.map(|s| s.0),
        }
    }
}

/// Participant, site, probation officer, restricted.
type CaseRow = (i64, i64, Option<i64>, bool);

const CASE_COLUMNS: (
    participants::id,
    participants::site_id,
    participants::probation_officer_id,
    participants::restricted,
) = (
    participants::id,
    participants::site_id,
    participants::probation_officer_id,
    participants::restricted,
);

impl Case {
    /// Cases from their rows, with their mentors and named staff as (participant, user) pairs.
    fn assemble(
        cases: &mut HashMap<i64, Case>,
        rows: Vec<CaseRow>,
        mentors: Vec<(i64, i64)>,
        named: Vec<(i64, i64)>,
    ) {
        for (id, site_id, officer, restricted) in rows {
            cases.insert(
                id,
                Case {
                    site_id,
                    probation_officer_id: officer,
                    restricted,
                    mentors: Vec::new(),
                    named: Vec::new(),
                },
            );
        }
        for (p, u) in mentors {
            if let Some(c) = cases.get_mut(&p) {
                c.mentors.push(u);
            }
        }
        for (p, u) in named {
            if let Some(c) = cases.get_mut(&p) {
                c.named.push(u);
            }
        }
    }

    /// The cases of `ids` (missing ids are left out).
    pub fn load(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, Case>, DbError> {
        let mut wanted: Vec<i64> = ids.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let mut cases: HashMap<i64, Case> = HashMap::new();
        for chunk in wanted.chunks(500) {
            let rows = participants::table
                .filter(participants::id.eq_any(chunk))
                .select(CASE_COLUMNS)
                .load(conn)?;
            let mentors = participant_mentors::table
                .filter(participant_mentors::participant_id.eq_any(chunk))
                .select((
                    participant_mentors::participant_id,
                    participant_mentors::user_id,
                ))
                .load(conn)?;
            let named = participant_access::table
                .filter(participant_access::participant_id.eq_any(chunk))
                .select((
                    participant_access::participant_id,
                    participant_access::user_id,
                ))
                .load(conn)?;
            Case::assemble(&mut cases, rows, mentors, named);
        }
        Ok(cases)
    }

    /// Every participant's case, in three queries (the reminder sweep).
    pub fn load_all(conn: &mut DbConnection) -> Result<HashMap<i64, Case>, DbError> {
        let mut cases = HashMap::new();
        let rows = participants::table.select(CASE_COLUMNS).load(conn)?;
        let mentors = participant_mentors::table
            .select((
                participant_mentors::participant_id,
                participant_mentors::user_id,
            ))
            .load(conn)?;
        let named = participant_access::table
            .select((
                participant_access::participant_id,
                participant_access::user_id,
            ))
            .load(conn)?;
        Case::assemble(&mut cases, rows, mentors, named);
        Ok(cases)
    }

    /// Whether `staff` may learn anything about this participant ([`visible_to`], in Rust).
    pub fn may_learn(&self, staff: &Staff) -> bool {
        let by_role = match staff.role {
            Role::Admin => true,
            Role::Coordinator => staff.site_id == Some(self.site_id),
            Role::Mentor => self.mentors.contains(&staff.id),
            Role::ProbationOfficer => self.probation_officer_id == Some(staff.id),
            Role::AgencyUser | Role::Auditor => false,
        };
        by_role && (!self.restricted || self.named.contains(&staff.id))
    }

    /// Whether an agency's team mailbox may be told about this participant at all (its sharing
    /// basis is the agencies area's question): never for a restricted person.
    pub fn may_tell_agency(&self) -> bool {
        !self.restricted
    }

    /// Of `staff`, those who may learn about this participant, in their order.
    pub fn keep_allowed<'a>(&self, staff: impl IntoIterator<Item = &'a Staff>) -> Vec<Staff> {
        staff
            .into_iter()
            .filter(|s| self.may_learn(s))
            .copied()
            .collect()
    }
}

/// Active staff by id, as the gate sees them.
pub fn staff(conn: &mut DbConnection, ids: &[i64]) -> Result<HashMap<i64, Staff>, DbError> {
    let mut wanted: Vec<i64> = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut out = HashMap::new();
    for chunk in wanted.chunks(500) {
        let rows: Vec<(i64, String, Option<i64>)> = users::table
            .filter(users::id.eq_any(chunk))
            .filter(users::active.eq(true))
            .select((users::id, users::role, users::site_id))
            .load(conn)?;
        for (id, role, site_id) in rows {
            if let Ok(role) = role.parse::<Role>() {
                out.insert(id, Staff { id, role, site_id });
            }
        }
    }
    Ok(out)
}

/// The gate as the outbox asks it: whether each (participant, recipient) may go out.
pub struct Gate;

impl crate::outbox::Gate for Gate {
    fn may_tell(
        &self,
        conn: &mut DbConnection,
        asks: &[(i64, Recipient)],
    ) -> Result<Vec<bool>, DbError> {
        let people: Vec<i64> = asks.iter().map(|(p, _)| *p).collect();
        let cases = Case::load(conn, &people)?;
        let user_ids: Vec<i64> = asks
            .iter()
            .filter_map(|(_, r)| match r {
                Recipient::User(u) => Some(*u),
                Recipient::Agency(_) => None,
            })
            .collect();
        let staff = staff(conn, &user_ids)?;
        Ok(asks
            .iter()
            .map(|(p, r)| {
                cases.get(p).is_some_and(|case| match r {
                    Recipient::User(u) => staff.get(u).is_some_and(|s| case.may_learn(s)),
                    Recipient::Agency(_) => case.may_tell_agency(),
                })
            })
            .collect())
    }

    fn agency_may_learn(
        &self,
        conn: &mut DbConnection,
        participant_id: i64,
        agency_id: i64,
        day: NaiveDate,
    ) -> Result<bool, DbError> {
        let open = Case::load(conn, &[participant_id])?
            .get(&participant_id)
            .is_some_and(Case::may_tell_agency);
        Ok(open && agency_may_learn(conn, participant_id, agency_id, day)?)
    }

    fn hidden_from(
        &self,
        conn: &mut DbConnection,
        viewer: &Actor,
        participants: &[i64],
    ) -> Result<HashSet<i64>, DbError> {
        hidden_from(conn, viewer, participants)
    }
}

/// Of `users`, the active staff who may learn about `participant_id`, in their order.
pub fn who_may_learn(
    conn: &mut DbConnection,
    participant_id: i64,
    users: &[i64],
) -> Result<Vec<i64>, DbError> {
    let cases = Case::load(conn, &[participant_id])?;
    let Some(case) = cases.get(&participant_id) else {
        return Ok(Vec::new());
    };
    let staff = staff(conn, users)?;
    Ok(users
        .iter()
        .filter(|u| staff.get(u).is_some_and(|s| case.may_learn(s)))
        .copied()
        .collect())
}

/// Whether agencies' team mailboxes may be told about `participant_id` at all (see
/// [`Case::may_tell_agency`]).
pub fn agencies_may_learn(conn: &mut DbConnection, participant_id: i64) -> Result<bool, DbError> {
    Ok(Case::load(conn, &[participant_id])?
        .get(&participant_id)
        .is_some_and(Case::may_tell_agency))
}

/// Whether the restriction rule ([`open_to`]) lets `user` learn about `participant_id`, for
/// those whose scope is decided elsewhere (an agency user's milestones: their agency's, under a
/// valid sharing basis).
pub fn open_to_user(
    conn: &mut DbConnection,
    user: i64,
    participant_id: i64,
) -> Result<bool, DbError> {
    let n: i64 = participants::table
        .filter(participants::id.eq(participant_id))
        .filter(open_to(user))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Of `ids`, those the restriction rule ([`open_to`]) closes to `user` (restricted, and `user`
/// not named on them): those who take a register see such people by case reference only.
pub fn closed_to(conn: &mut DbConnection, user: i64, ids: &[i64]) -> Result<HashSet<i64>, DbError> {
    let mut open = HashSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<i64> = participants::table
            .filter(participants::id.eq_any(chunk))
            .filter(open_to(user))
            .select(participants::id)
            .load(conn)?;
        open.extend(found);
    }
    Ok(ids.iter().copied().filter(|p| !open.contains(p)).collect())
}

// ---- Agencies: a sharing basis valid on the day, and an agency that may receive at all ----

/// Whether `agency_id` holds a basis for `participant_id` valid on `day`.
pub fn has_valid_basis(
    conn: &mut DbConnection,
    participant_id: i64,
    agency_id: i64,
    day: NaiveDate,
) -> Result<bool, DbError> {
    let n: i64 = valid_on(day)
        .filter(sharing_bases::participant_id.eq(participant_id))
        .filter(sharing_bases::agency_id.eq(agency_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Every (participant, agency) pair with a basis valid on `day` (for the sweep: one query).
pub fn valid_bases_on(
    conn: &mut DbConnection,
    day: NaiveDate,
) -> Result<HashSet<(i64, i64)>, DbError> {
    let rows: Vec<(i64, i64)> = valid_on(day)
        .select((sharing_bases::participant_id, sharing_bases::agency_id))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

fn valid_on(day: NaiveDate) -> sharing_bases::BoxedQuery<'static, MultiBackend> {
    sharing_bases::table
        .filter(sharing_bases::valid_from.le(day))
        .filter(
            sharing_bases::valid_until
                .is_null()
                .or(sharing_bases::valid_until.ge(day)),
        )
        .into_boxed()
}

/// Whether `agency_id` may be told about `participant_id` on `day`: the agency is active and
/// vetted, the person is not restricted, and a sharing basis is valid that day.
pub fn agency_may_learn(
    conn: &mut DbConnection,
    participant_id: i64,
    agency_id: i64,
    day: NaiveDate,
) -> Result<bool, DbError> {
    use crate::db::schema::agencies;
    let receives: bool = agencies::table
        .find(agency_id)
        .select(agencies::active.and(agencies::vetting_status.eq(AGENCY_VETTED)))
        .first(conn)
        .optional()?
        .unwrap_or(false);
    Ok(receives && has_valid_basis(conn, participant_id, agency_id, day)?)
}

/// The vetting status an agency needs before Onward emails it anything.
pub const AGENCY_VETTED: &str = "vetted";
