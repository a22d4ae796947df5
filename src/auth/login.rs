//! Checking a login attempt in three steps, so that the password hash (argon2, deliberately
//! slow) never runs while a database lock, a transaction or a pooled connection is held:
//! 1. [`begin`]: under the lock for that email (and address), refuse a throttled attempt or
//!    count it in advance, and read the stored hash;
//! 2. [`verify`]: check the password with no connection at all;
//! 3. [`finish`]: under the same locks, start the session and audit the outcome, or audit the
//!    failure and tell the admins about a burst against a real account.
//!
//! Counting in advance is what keeps parallel attempts from all slipping under the throttle.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::audit::{self, Event, Who};
use crate::auth::throttle::{self, Throttled};
use crate::auth::{passwords, sessions, users};
use crate::db::schema::users as users_table;
use crate::db::{lock_for_write, now, DbConnection, DbError};
use crate::kernel::{RequestMeta, UserId};

/// What a login attempt came to.
pub enum LoginOutcome {
    Success {
        user: UserId,
        session: sessions::NewSession,
    },
    WrongCredentials,
    Throttled(Throttled),
}

/// The first step's answer: refused, or the account to check the password against.
pub enum Begun {
    Refused(Throttled),
    /// The active account with this email and its stored hash (`None`: no such account).
    Check(Option<(UserId, Option<String>)>),
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

/// A lock key per email address or login address (PostgreSQL advisory locks take a number).
fn lock_key(what: &str) -> i64 {
    let digest = Sha256::digest(format!("login:{what}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// The locks of an attempt, always in this order: the email's, then the address's. (On SQLite
/// the first one is the single write lock, the second a no-op.)
fn lock(conn: &mut DbConnection, email: &str, meta: &RequestMeta) -> Result<(), DbError> {
    lock_for_write(conn, lock_key(email))?;
    if let Some(ip) = &meta.ip {
        lock_for_write(conn, lock_key(&throttle::address_key(ip)))?;
    }
    Ok(())
}

/// Step 1: refuse the attempt of `email` from `meta`'s address, or count it and read the hash.
pub fn begin(conn: &mut DbConnection, email: &str, meta: &RequestMeta) -> Result<Begun, DbError> {
    conn.transaction(|conn| {
        lock(conn, email, meta)?;
        if let Err(refusal) = throttle::reserve(conn, email, meta.ip.as_deref(), now())? {
            // One row per address or account and window, however many attempts are refused.
            if refusal.first_in_window {
                let who = Who::anonymous(email, meta);
                audit::record(conn, &who, event(throttle::REFUSED, email))?;
            }
            return Ok(Begun::Refused(refusal.throttled));
        }
        let user = users::find_by_email(conn, email)?.filter(|u| u.active);
        Ok(Begun::Check(user.map(|u| (UserId(u.id), u.password_hash))))
    })
}

/// Step 2: whether `password` is the account's; an unknown account costs as much time.
pub fn verify(password: &str, account: &Option<(UserId, Option<String>)>) -> bool {
    match account.as_ref().and_then(|(_, hash)| hash.as_deref()) {
        Some(hash) => passwords::verify(password, hash),
        None => {
            passwords::burn_time(password);
            false
        }
    }
}

/// Step 3: start a session of `hours` when the password was right, else audit the failure.
pub fn finish(
    conn: &mut DbConnection,
    email: &str,
    meta: &RequestMeta,
    account: Option<UserId>,
    password_ok: bool,
    hours: i64,
    public_url: &url::Url,
) -> Result<LoginOutcome, DbError> {
    conn.transaction(|conn| {
        lock(conn, email, meta)?;
        let anonymous = Who::anonymous(email, meta);
        let now = now();
        // The account may have been switched off while the password was being checked.
        let still_active = match account {
            Some(id) => users::find_active(conn, id)?.is_some(),
            None => false,
        };
        match account {
            Some(user) if password_ok && still_active => {
                throttle::forgive(conn, email, meta.ip.as_deref(), now)?;
                let session = sessions::start(conn, user, hours)?;
                let who = Who {
                    user_id: Some(user.0),
                    ..anonymous
                };
                audit::record(conn, &who, event(throttle::SUCCEEDED, email))?;
                Ok(LoginOutcome::Success { user, session })
            }
            _ => {
                audit::record(conn, &anonymous, event(throttle::FAILED, email))?;
                if account.is_some() {
                    if let Some(failures) = throttle::count_account_failure(conn, email, now)? {
                        report_burst(conn, email, failures, now, public_url)?;
                    }
                }
                Ok(LoginOutcome::WrongCredentials)
            }
        }
    })
}

/// Tell every active admin, once per window, that an account is being guessed at: an audit row
/// and one email each through the outbox.
fn report_burst(
    conn: &mut DbConnection,
    email: &str,
    failures: i32,
    now: chrono::NaiveDateTime,
    public_url: &url::Url,
) -> Result<(), DbError> {
    let detail = serde_json::json!({
        "failures": failures,
        "window_minutes": throttle::WINDOW_MINUTES,
    });
    audit::record(
        conn,
        &Who::system("login throttling"),
        Event {
            detail: Some(detail),
            ..event(throttle::BURST_REPORTED, email)
        },
    )?;
    let admins: Vec<(i64, String, String, String)> = users_table::table
        .filter(users_table::role.eq(crate::kernel::Role::Admin.as_str()))
        .filter(users_table::active.eq(true))
        .select((
            users_table::id,
            users_table::email,
            users_table::display_name,
            users_table::language,
        ))
        .load(conn)?;
    let link = public_url
        .join("audit")
        .map(|u| u.to_string())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for (admin_id, address, name, language) in admins {
        let ctx = crate::mail::EmailContext {
            recipient: name,
            what: email.to_string(),
            kind: "login_burst".into(),
            days: failures,
            link: link.clone(),
            ..Default::default()
        };
        let rendered = crate::mail::render("login_burst", &language, &ctx)
            .map_err(|e| DbError::Query(e.to_string()))?;
        rows.push(crate::outbox::NewNotification::new(
            format!(
                "login-burst|{email}|{}|u{admin_id}",
                now.format("%Y%m%d%H%M")
            ),
            "login_burst",
            true,
            None,
            None,
            None,
            Some(admin_id),
            None,
            address,
            language,
            rendered,
            "pending",
            now,
            public_url,
        ));
    }
    crate::outbox::enqueue(conn, &rows, &crate::outbox::AboutNoOne)?;
    Ok(())
}
