//! Each user's email preferences: the kinds of email they can switch off (reminders and absence
//! alerts; handovers, escalations and failures always go).

use diesel::prelude::*;

use crate::audit::{self, Event, Who};
use crate::db::schema::email_opt_outs;
use crate::db::{DbConnection, DbError};

/// The kinds of email a user may switch off.
pub const OPTIONAL_KINDS: [&str; 2] = ["reminders", "absence_alerts"];

/// The kinds `user` has switched off.
pub fn opted_out(conn: &mut DbConnection, user: i64) -> Result<Vec<String>, DbError> {
    Ok(email_opt_outs::table
        .filter(email_opt_outs::user_id.eq(user))
        .select(email_opt_outs::kind)
        .load(conn)?)
}

/// Keep only the kinds in `wanted` switched on for `user`; the rest of [`OPTIONAL_KINDS`] off.
#[tracing::instrument(skip_all)]
pub fn save(
    conn: &mut DbConnection,
    who: &Who,
    user: i64,
    wanted: &[String],
) -> Result<(), DbError> {
    let off: Vec<String> = OPTIONAL_KINDS
        .iter()
        .filter(|k| !wanted.iter().any(|w| w == *k))
        .map(|k| k.to_string())
        .collect();
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(email_opt_outs::table.filter(email_opt_outs::user_id.eq(user)))
            .execute(conn)?;
        for kind in &off {
            diesel::insert_into(email_opt_outs::table)
                .values((
                    email_opt_outs::user_id.eq(user),
                    email_opt_outs::kind.eq(kind),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            who,
            Event {
                action: "email_preferences.update",
                entity_type: "user",
                entity_id: Some(user.to_string()),
                participant_id: None,
                detail: Some(serde_json::json!({ "opted_out": off })),
            },
        )?;
        Ok(())
    })
}
