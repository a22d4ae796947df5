//! Throttling of failed logins, per account and per address, counted from the audit trail so
//! that every instance on one database sees the same count.

use chrono::Duration;
use diesel::dsl::max;
use diesel::prelude::*;

use crate::db::schema::audit_events;
use crate::db::{now, DbConnection, DbError};

pub const FAILED: &str = "login.failed";
pub const SUCCEEDED: &str = "login.succeeded";

/// Failures for one account within the window before it is locked for the rest of the window.
pub const ACCOUNT_LIMIT: i64 = 5;
/// Failures from one address within the window before it is refused.
pub const ADDRESS_LIMIT: i64 = 20;
pub const WINDOW_MINUTES: i64 = 15;

/// Why a login attempt is refused before its password is even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    Account { retry_after_secs: u64 },
    Address { retry_after_secs: u64 },
}

/// Check whether `email` from `ip` may try to log in now.
pub fn check(
    conn: &mut DbConnection,
    email: &str,
    ip: Option<&str>,
) -> Result<Option<Throttled>, DbError> {
    let since = now() - Duration::minutes(WINDOW_MINUTES);
    // A success resets the account's count; failures before it do not lock the account.
    let last_success: Option<chrono::NaiveDateTime> = audit_events::table
        .filter(audit_events::action.eq(SUCCEEDED))
        .filter(audit_events::entity_id.eq(email))
        .filter(audit_events::occurred_at.ge(since))
        .select(max(audit_events::occurred_at))
        .first(conn)?;
    let account_since = last_success.map_or(since, |s| s.max(since));
    let account_failures: Vec<chrono::NaiveDateTime> = audit_events::table
        .filter(audit_events::action.eq(FAILED))
        .filter(audit_events::entity_id.eq(email))
        .filter(audit_events::occurred_at.gt(account_since))
        .order(audit_events::occurred_at.asc())
        .select(audit_events::occurred_at)
        .load(conn)?;
    if account_failures.len() as i64 >= ACCOUNT_LIMIT {
        return Ok(Some(Throttled::Account {
            retry_after_secs: retry_after(account_failures[0], since),
        }));
    }
    if let Some(ip) = ip {
        let address_failures: Vec<chrono::NaiveDateTime> = audit_events::table
            .filter(audit_events::action.eq(FAILED))
            .filter(audit_events::ip.eq(ip))
            .filter(audit_events::occurred_at.gt(since))
            .order(audit_events::occurred_at.asc())
            .select(audit_events::occurred_at)
            .load(conn)?;
        if address_failures.len() as i64 >= ADDRESS_LIMIT {
            return Ok(Some(Throttled::Address {
                retry_after_secs: retry_after(address_failures[0], since),
            }));
        }
    }
    Ok(None)
}

/// Seconds until the oldest failure in the window drops out of it.
fn retry_after(oldest: chrono::NaiveDateTime, since: chrono::NaiveDateTime) -> u64 {
    (oldest - since).num_seconds().clamp(1, WINDOW_MINUTES * 60) as u64
}
