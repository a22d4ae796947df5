//! Who sees which cohorts (and so their sessions and registers), and who may change them.
//!
//! admin: all; coordinator: their site; mentor: cohorts they facilitate (the cohort or one of its
//! sessions) or in which one of their participants is enrolled; probation officer: cohorts of
//! their cases; agency users and auditors: none. Through their caseload, only people the
//! participants area's access gate lets them learn about count.

use diesel::prelude::*;

use crate::db::schema::{
    cohort_facilitators, cohort_sessions, cohorts, enrolments, participant_mentors, participants,
};
use crate::db::{DbConnection, DbError, MultiBackend};
use crate::kernel::{Actor, Role};
use crate::participants::access::open_to;

pub type Scoped = cohorts::BoxedQuery<'static, MultiBackend>;

/// Cohorts `actor` may see.
pub fn visible_cohorts(actor: &Actor) -> Scoped {
    let me = actor.id.0;
    let base = cohorts::table.into_boxed();
    match actor.role {
        Role::Admin => base,
        Role::Coordinator => base.filter(cohorts::site_id.eq(actor.site_id.map_or(-1, |s| s.0))),
        Role::Mentor => base.filter(
            cohorts::id
                .eq_any(
                    cohort_facilitators::table
                        .filter(cohort_facilitators::user_id.eq(me))
                        .select(cohort_facilitators::cohort_id),
                )
                .or(cohorts::id.eq_any(
                    cohort_sessions::table
                        .filter(cohort_sessions::facilitator_id.eq(me))
                        .select(cohort_sessions::cohort_id),
                ))
                // Their caseload's cohorts: only people the access gate lets them learn about
                // (being told a restricted person's cohort tells them the person is enrolled).
                .or(cohorts::id.eq_any(
                    enrolments::table
                        .filter(
                            enrolments::participant_id.eq_any(
                                participants::table
                                    .filter(
                                        participants::id.eq_any(
                                            participant_mentors::table
                                                .filter(participant_mentors::user_id.eq(me))
                                                .select(participant_mentors::participant_id),
                                        ),
                                    )
                                    .filter(open_to(me))
                                    .select(participants::id),
                            ),
                        )
                        .select(enrolments::cohort_id),
                )),
        ),
        Role::ProbationOfficer => base.filter(
            cohorts::id.eq_any(
                enrolments::table
                    .filter(
                        enrolments::participant_id.eq_any(
                            participants::table
                                .filter(participants::probation_officer_id.eq(me))
                                .filter(open_to(me))
                                .select(participants::id),
                        ),
                    )
                    .select(enrolments::cohort_id),
            ),
        ),
        Role::AgencyUser | Role::Auditor => base.filter(cohorts::id.lt(0)),
    }
}

/// Whether `actor` may see the programme catalogue.
pub fn may_read_catalogue(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Admin | Role::Coordinator | Role::Mentor | Role::ProbationOfficer
    )
}

/// Whether `actor` may change the catalogue.
pub fn may_edit_catalogue(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Coordinator)
}

/// Whether `actor` may create and run cohorts at `site_id` (sessions, enrolments, holidays).
pub fn may_manage(actor: &Actor, site_id: i64) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Coordinator => actor.site_id.is_some_and(|s| s.0 == site_id),
        _ => false,
    }
}

/// Whether `actor` may take the register of a session: managers of the site, the cohort's
/// facilitators, and the session's own facilitator.
pub fn may_take_register(
    conn: &mut DbConnection,
    actor: &Actor,
    site_id: i64,
    cohort_id: i64,
    session_facilitator: Option<i64>,
) -> Result<bool, DbError> {
    if may_manage(actor, site_id) || session_facilitator == Some(actor.id.0) {
        return Ok(true);
    }
    let facilitates: i64 = cohort_facilitators::table
        .filter(cohort_facilitators::cohort_id.eq(cohort_id))
        .filter(cohort_facilitators::user_id.eq(actor.id.0))
        .count()
        .get_result(conn)?;
    Ok(facilitates > 0)
}
