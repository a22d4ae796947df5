//! Checking a login attempt: throttling, the password, the new session and the audit rows,
//! decided in one transaction under a lock for that email, so that parallel attempts cannot
//! all slip under the throttle's limit.

use diesel::Connection;
use sha2::{Digest, Sha256};

use crate::audit::{self, Event, Who};
use crate::auth::throttle::{self, Throttled};
use crate::auth::{passwords, sessions, users, RequestMeta, UserId};
use crate::db::{lock_for_write, DbConnection, DbError};

/// What a login attempt came to.
pub enum LoginOutcome {
    Success {
        user: UserId,
        session: sessions::NewSession,
    },
    WrongCredentials,
    Throttled(Throttled),
}

/// The audit event of a login, failure, refusal or logout for `email`.
pub fn event(action: &'static str, email: &str) -> Event {
    Event {
        action,
        entity_type: "user",
        entity_id: Some(email.to_string()),
        participant_id: None,
        detail: None,
    }
}

/// A lock key per email address (PostgreSQL advisory locks take a number).
fn lock_key(email: &str) -> i64 {
    let digest = Sha256::digest(format!("login:{email}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Check `email` and `password` from `meta`'s address; start a session of `hours` on success.
pub fn attempt(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    meta: &RequestMeta,
    hours: i64,
) -> Result<LoginOutcome, DbError> {
    conn.transaction(|conn| {
        lock_for_write(conn, lock_key(email))?;
        let anonymous = Who::anonymous(email, meta);
        if let Some(t) = throttle::check(conn, email, meta.ip.as_deref())? {
            audit::record(conn, &anonymous, event("login.throttled", email))?;
            return Ok(LoginOutcome::Throttled(t));
        }
        let user = users::find_by_email(conn, email)?.filter(|u| u.active);
        let ok = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
            Some(hash) => passwords::verify(password, hash),
            None => {
                passwords::burn_time(password);
                false
            }
        };
        match user {
            Some(user) if ok => {
                let session = sessions::start(conn, UserId(user.id), hours)?;
                let who = Who {
                    user_id: Some(user.id),
                    ..anonymous
                };
                audit::record(conn, &who, event(throttle::SUCCEEDED, email))?;
                Ok(LoginOutcome::Success {
                    user: UserId(user.id),
                    session,
                })
            }
            _ => {
                audit::record(conn, &anonymous, event(throttle::FAILED, email))?;
                Ok(LoginOutcome::WrongCredentials)
            }
        }
    })
}
