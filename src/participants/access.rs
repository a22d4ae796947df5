//! Need-to-know: which participants an actor may see, and which they may change.
//!
//! admin: all; coordinator: their site; mentor: assigned participants; probation officer: their
//! cases; agency users and auditors: none here. A restricted participant is visible only to staff
//! named on it, whatever their role. Everything else answers 404, as if it did not exist.

use diesel::prelude::*;

use crate::auth::{Actor, Role};
use crate::db::schema::{participant_access, participant_mentors, participants};
use crate::db::MultiBackend;

pub type Scoped = participants::BoxedQuery<'static, MultiBackend>;

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
    by_role.filter(
        participants::restricted
            .eq(false)
            .or(participants::id.eq_any(
                participant_access::table
                    .filter(participant_access::user_id.eq(me))
                    .select(participant_access::participant_id),
            )),
    )
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
