//! API bearer tokens: shown once when created, stored only as a SHA-256 hash (a token is 256
//! random bits, so a fast hash is enough; passwords need argon2, tokens do not).

use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::schema::api_tokens;
use crate::db::{now, DbConnection, DbError};
use crate::kernel::UserId;

/// A fresh random secret with a prefix that makes leaked tokens easy to recognise.
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Create a token for `user` and return it; only its hash is kept.
pub fn create(conn: &mut DbConnection, user: UserId) -> Result<String, DbError> {
    let token = random_secret("onw_");
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user.0),
            api_tokens::token_hash.eq(sha256_hex(&token)),
            api_tokens::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The user a (not revoked) token belongs to.
pub fn user_for(conn: &mut DbConnection, token: &str) -> Result<Option<UserId>, DbError> {
    Ok(api_tokens::table
        .filter(api_tokens::token_hash.eq(sha256_hex(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select(api_tokens::user_id)
        .first::<i64>(conn)
        .optional()?
        .map(UserId))
}

/// Create an API token for the active user with `email` (`onward token create`), recorded on the
/// audit trail; `None` when no active user has that email.
pub fn issue(
    conn: &mut DbConnection,
    who: &crate::audit::Who,
    email: &str,
) -> Result<Option<String>, DbError> {
    let Some(user) = crate::auth::users::find_by_email(conn, email)?.filter(|u| u.active) else {
        return Ok(None);
    };
    let token = create(conn, UserId(user.id))?;
    crate::audit::record(
        conn,
        who,
        crate::audit::Event {
            action: "token.create",
            entity_type: "user",
            entity_id: Some(user.email.clone()),
            participant_id: None,
            detail: None,
        },
    )?;
    Ok(Some(token))
}
