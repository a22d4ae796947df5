//! Browser login sessions: a random cookie value, stored only as a hash, with its CSRF token.

use chrono::Duration;
use diesel::prelude::*;

use crate::auth::tokens::{random_secret, sha256_hex};
use crate::db::schema::sessions;
use crate::db::{now, DbConnection, DbError};
use crate::kernel::UserId;

pub const COOKIE: &str = "onward_session";

/// A new session: the cookie value and the CSRF token its forms must carry.
pub struct NewSession {
    pub cookie_value: String,
    pub csrf_token: String,
}

/// Start a session for `user`, lasting `hours`. Expired sessions are swept on the way.
pub fn start(conn: &mut DbConnection, user: UserId, hours: i64) -> Result<NewSession, DbError> {
    let at = now();
    diesel::delete(sessions::table.filter(sessions::expires_at.lt(at))).execute(conn)?;
    let cookie_value = random_secret("");
    let csrf_token = random_secret("");
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(sha256_hex(&cookie_value)),
            sessions::user_id.eq(user.0),
            sessions::csrf_token.eq(&csrf_token),
            sessions::created_at.eq(at),
            sessions::expires_at.eq(at + Duration::hours(hours)),
        ))
        .execute(conn)?;
    Ok(NewSession {
        cookie_value,
        csrf_token,
    })
}

/// The user and CSRF token of a live session.
pub fn find(
    conn: &mut DbConnection,
    cookie_value: &str,
) -> Result<Option<(UserId, String)>, DbError> {
    Ok(sessions::table
        .filter(sessions::token_hash.eq(sha256_hex(cookie_value)))
        .filter(sessions::expires_at.gt(now()))
        .select((sessions::user_id, sessions::csrf_token))
        .first::<(i64, String)>(conn)
        .optional()?
        .map(|(u, c)| (UserId(u), c)))
}

/// End a session (logout).
pub fn end(conn: &mut DbConnection, cookie_value: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(sha256_hex(cookie_value))))
        .execute(conn)?;
    Ok(())
}

/// Log `email` out: end the session of `cookie_value` and record the logout.
#[tracing::instrument(skip_all)]
pub fn log_out(
    conn: &mut DbConnection,
    who: &crate::audit::Who,
    cookie_value: &str,
    email: &str,
) -> Result<(), DbError> {
    end(conn, cookie_value)?;
    crate::audit::record(conn, who, crate::auth::login::event("logout", email))
}
