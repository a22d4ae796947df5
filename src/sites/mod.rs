//! Sites: prisons and probation offices, each with its IANA time zone. Managed from the command
//! line for now (`onward site add`); pages come with the administration issue.

use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::schema::sites;
use crate::db::{now, DbConnection, DbError};
use crate::kernel::SiteId;

/// What is wrong with a new site, in words for the command line.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("--code '{0}' must be 2 to 20 capital letters, digits or dashes, such as KG-BSK")]
    Code(String),
    #[error("--name must not be empty and at most 200 characters")]
    Name,
    #[error("--time-zone '{0}' is not an IANA time zone such as Asia/Bishkek")]
    TimeZone(String),
    #[error("a site with code {0} already exists")]
    Exists(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Add a site and return its id.
pub fn add(
    conn: &mut DbConnection,
    code: &str,
    name: &str,
    time_zone: &str,
) -> Result<SiteId, SiteError> {
    let code = code.trim().to_ascii_uppercase();
    if !(2..=20).contains(&code.len())
        || !code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(SiteError::Code(code));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(SiteError::Name);
    }
    let zone: Tz = time_zone
        .trim()
        .parse()
        .map_err(|_| SiteError::TimeZone(time_zone.to_string()))?;
    diesel::insert_into(sites::table)
        .values((
            sites::code.eq(&code),
            sites::name.eq(name),
            sites::time_zone.eq(zone.name()),
            sites::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(DbError::from)
        .map_err(|e| match e {
            DbError::Constraint(_) => SiteError::Exists(code.clone()),
            other => SiteError::Db(other),
        })?;
    let id: i64 = sites::table
        .filter(sites::code.eq(&code))
        .select(sites::id)
        .first(conn)
        .map_err(DbError::from)?;
    Ok(SiteId(id))
}

/// Add a site (`onward site add`) and record it on the audit trail.
pub fn create(
    conn: &mut DbConnection,
    who: &crate::audit::Who,
    code: &str,
    name: &str,
    time_zone: &str,
) -> Result<SiteId, SiteError> {
    let id = add(conn, code, name, time_zone)?;
    crate::audit::record(
        conn,
        who,
        crate::audit::Event {
            action: "site.create",
            entity_type: "site",
            entity_id: Some(id.0.to_string()),
            participant_id: None,
            detail: Some(serde_json::json!({ "code": code.trim().to_ascii_uppercase() })),
        },
    )?;
    Ok(id)
}
