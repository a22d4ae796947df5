//! Throttling of failed logins, counted per window in `login_throttles` (not one audit row per
//! attempt), so that every instance on one database sees the same counts and nobody can flood
//! the audit trail.
//!
//! The rules:
//! - **One account from one address** (`pair:`): the first [`FREE_FAILURES`] failures cost
//!   nothing; after that each failure makes the next attempt of that account from that address
//!   wait twice as long (1 s, 2 s, 4 s… at most the window). A success clears it. Failures from
//!   elsewhere never delay the owner: the account itself is never locked.
//! - **One address across accounts** (`address:`, IPv6 by its /64): after [`ADDRESS_LIMIT`]
//!   failures in a window the address is refused until the window ends.
//! - **One account from anywhere** (`account:`): [`BURST`] failures in a window are reported to
//!   the admins, once per window (`auth::login`).
//!
//! An attempt is counted as a failure before its password is checked (and forgiven when it
//! succeeds), so parallel attempts cannot slip under the limits while the hash is computed
//! outside any transaction. A refused attempt only adds to its row's `refused` count; the first
//! refusal of a window is audited. Refusals are remembered in memory ([`Gate`]) so that a
//! flood is answered without touching the database at all.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::login_throttles;
use crate::db::{DbConnection, DbError};

pub const FAILED: &str = "login.failed";
pub const SUCCEEDED: &str = "login.succeeded";
pub const REFUSED: &str = "login.throttled";
pub const BURST_REPORTED: &str = "login.burst";

/// Failures of one account from one address that cost no waiting (typing mistakes).
pub const FREE_FAILURES: i32 = 2;
/// Failures from one address within the window before it is refused.
pub const ADDRESS_LIMIT: i32 = 20;
/// Failures of one account, from anywhere, within the window that are reported to admins.
pub const BURST: i32 = 5;
pub const WINDOW_MINUTES: i64 = 15;

/// Why a login attempt is refused before its password is even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// This account from this address failed recently: wait a little (progressive delay).
    Wait { retry_after_secs: u64 },
    /// Too many failures from this address, across accounts.
    Address { retry_after_secs: u64 },
}

impl Throttled {
    pub fn retry_after_secs(self) -> u64 {
        match self {
            Throttled::Wait { retry_after_secs } | Throttled::Address { retry_after_secs } => {
                retry_after_secs
            }
        }
    }
}

/// A refusal, and whether it is the first one of its window (the one that is audited).
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub throttled: Throttled,
    pub first_in_window: bool,
}

/// How long the next attempt of an account from an address waits after `failures` failures.
pub fn delay_after(failures: i32) -> Duration {
    if failures <= FREE_FAILURES {
        return Duration::zero();
    }
    let doublings = (failures - FREE_FAILURES - 1).min(20) as u32;
    Duration::seconds((1i64 << doublings).min(WINDOW_MINUTES * 60))
}

fn window() -> Duration {
    Duration::minutes(WINDOW_MINUTES)
}

/// The address as throttled: IPv4 as is, IPv6 by its /64 (one machine usually holds a whole /64).
pub fn address_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("address:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => format!(
            "address:{}",
            v6.to_ipv4_mapped()
                .map_or(ip.to_string(), |v4| v4.to_string())
        ),
        _ => format!("address:{ip}"),
    }
}

fn pair_key(email: &str, ip: Option<&str>) -> String {
    format!("pair:{email}|{}", ip.unwrap_or("-"))
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = login_throttles, treat_none_as_null = true)]
struct Counter {
    subject: String,
    window_start: NaiveDateTime,
    failures: i32,
    refused: i32,
    last_attempt_at: NaiveDateTime,
    reported_at: Option<NaiveDateTime>,
}

impl Counter {
    fn fresh(subject: String, now: NaiveDateTime) -> Self {
        Self {
            subject,
            window_start: now,
            failures: 0,
            refused: 0,
            last_attempt_at: now,
            reported_at: None,
        }
    }
}

/// The current window's counter of `subject` (a fresh one when the last window is over).
/// Callers hold the login locks, so nobody else changes the row until they save it.
fn load(conn: &mut DbConnection, subject: String, now: NaiveDateTime) -> Result<Counter, DbError> {
    let row: Option<Counter> = login_throttles::table
        .find(&subject)
        .select(Counter::as_select())
        .first(conn)
        .optional()?;
    Ok(row
        .filter(|c| c.window_start > now - window())
        .unwrap_or_else(|| Counter::fresh(subject, now)))
}

fn save(conn: &mut DbConnection, counter: &Counter) -> Result<(), DbError> {
    let updated = diesel::update(login_throttles::table.find(&counter.subject))
        .set(counter)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(login_throttles::table)
            .values(counter)
            .execute(conn)?;
    }
    Ok(())
}

fn seconds_until(until: NaiveDateTime, now: NaiveDateTime) -> u64 {
    let ms = (until - now).num_milliseconds().max(0) as u64;
    ms.div_ceil(1000).clamp(1, WINDOW_MINUTES as u64 * 60)
}

/// Refuse the attempt of `email` from `ip`, or count it as a failure in advance (forgiven by
/// [`forgive`] when the password turns out right).
pub fn reserve(
    conn: &mut DbConnection,
    email: &str,
    ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<Result<(), Refusal>, DbError> {
    // Counters whose window is long over hold nothing any more.
    diesel::delete(login_throttles::table.filter(login_throttles::window_start.lt(now - window())))
        .execute(conn)?;
    let mut address = match ip {
        Some(ip) => Some(load(conn, address_key(ip), now)?),
        None => None,
    };
    if let Some(address) = address.as_mut().filter(|a| a.failures >= ADDRESS_LIMIT) {
        address.refused += 1;
        save(conn, address)?;
        return Ok(Err(Refusal {
            throttled: Throttled::Address {
                retry_after_secs: seconds_until(address.window_start + window(), now),
            },
            first_in_window: address.refused == 1,
        }));
    }
    let mut pair = load(conn, pair_key(email, ip), now)?;
    let allowed_from = pair.last_attempt_at + delay_after(pair.failures);
    if pair.failures > 0 && now < allowed_from {
        pair.refused += 1;
        save(conn, &pair)?;
        return Ok(Err(Refusal {
            throttled: Throttled::Wait {
                retry_after_secs: seconds_until(allowed_from, now),
            },
            first_in_window: pair.refused == 1,
        }));
    }
    if let Some(address) = address.as_mut() {
        address.failures += 1;
        address.last_attempt_at = now;
        save(conn, address)?;
    }
    // The pair's window slides: it ends a window after its last failure.
    pair.failures += 1;
    pair.window_start = now;
    pair.last_attempt_at = now;
    save(conn, &pair).map(Ok)
}

/// The attempt reserved by [`reserve`] succeeded: the account is clear from this address, and
/// the address is not charged for it.
pub fn forgive(
    conn: &mut DbConnection,
    email: &str,
    ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::delete(login_throttles::table.find(pair_key(email, ip))).execute(conn)?;
    if let Some(ip) = ip {
        let mut address = load(conn, address_key(ip), now)?;
        if address.failures > 0 {
            address.failures -= 1;
            save(conn, &address)?;
        }
    }
    Ok(())
}

/// Count a wrong password for an existing account; returns the window's failures when they
/// have just reached [`BURST`] and nobody was told yet (the caller tells the admins).
pub fn count_account_failure(
    conn: &mut DbConnection,
    email: &str,
    now: NaiveDateTime,
) -> Result<Option<i32>, DbError> {
    let mut account = load(conn, account_key(email), now)?;
    account.failures += 1;
    account.last_attempt_at = now;
    let report = account.failures >= BURST && account.reported_at.is_none();
    if report {
        account.reported_at = Some(now);
    }
    save(conn, &account)?;
    Ok(report.then_some(account.failures))
}

/// Refusals remembered by this instance, so that attempts during a refusal are answered without
/// touching the database (they are counted by the metrics' `429`s of `/login`, not in rows).
#[derive(Default)]
pub struct Gate {
    refused_until: Mutex<HashMap<String, Instant>>,
}

/// Entries a gate holds at most; beyond that, refusals are left to the database.
const GATE_CAPACITY: usize = 100_000;

impl Gate {
    /// The refusal still running for `email` from `ip`, if this instance knows one.
    pub fn check(&self, email: &str, ip: Option<&str>) -> Option<Throttled> {
        let map = self.refused_until.lock().ok()?;
        let now = Instant::now();
        let left = |key: &str| {
            map.get(key).filter(|until| **until > now).map(|until| {
                (until.duration_since(now).as_millis() as u64)
                    .div_ceil(1000)
                    .max(1)
            })
        };
        if let Some(secs) = ip.and_then(|ip| left(&address_key(ip))) {
            return Some(Throttled::Address {
                retry_after_secs: secs,
            });
        }
        left(&pair_key(email, ip)).map(|secs| Throttled::Wait {
            retry_after_secs: secs,
        })
    }

    /// Remember a refusal the database decided.
    pub fn remember(&self, email: &str, ip: Option<&str>, refusal: Throttled) {
        let key = match (refusal, ip) {
            (Throttled::Address { .. }, Some(ip)) => address_key(ip),
            (Throttled::Address { .. }, None) => return,
            (Throttled::Wait { .. }, _) => pair_key(email, ip),
        };
        let Ok(mut map) = self.refused_until.lock() else {
            return;
        };
        let now = Instant::now();
        if map.len() >= GATE_CAPACITY {
            map.retain(|_, until| *until > now);
            if map.len() >= GATE_CAPACITY {
                return;
            }
        }
        let until = now + std::time::Duration::from_secs(refusal.retry_after_secs());
        map.insert(key, until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_after_the_free_ones_doubles_the_wait_up_to_the_window() {
        let secs: Vec<i64> = (0..=6).map(|f| delay_after(f).num_seconds()).collect();
        assert_eq!(secs, [0, 0, 0, 1, 2, 4, 8]);
        assert_eq!(delay_after(40).num_seconds(), WINDOW_MINUTES * 60);
    }

    #[test]
    fn an_ipv6_address_is_throttled_by_its_64_bit_prefix() {
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1"),
            address_key("2001:db8:1:2::9")
        );
        assert_ne!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:3::1")
        );
        assert_eq!(address_key("::ffff:10.0.0.1"), "address:10.0.0.1");
        assert_eq!(address_key("10.0.0.1"), "address:10.0.0.1");
    }
}
