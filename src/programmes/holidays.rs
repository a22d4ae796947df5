//! Each site's public holidays, which cadences skip. Admins edit them, one at a time or by CSV
//! (`date,name` per line, a header line is allowed).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Event, Who};
use crate::db::schema::site_holidays;
use crate::db::{self, DbConnection, DbError};
use crate::kernel::validate::{parse_date, required_line};
use crate::kernel::FieldErrors;
use crate::kernel::{Actor, Role};
use crate::programmes::{store, ProgrammeError};

#[derive(Debug, Clone, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = site_holidays)]
pub struct Holiday {
    pub holiday: NaiveDate,
    pub name: String,
}

/// A holiday as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayInput {
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub name: Option<String>,
}

pub fn list(conn: &mut DbConnection, site_id: i64) -> Result<Vec<Holiday>, ProgrammeError> {
    if store::site(conn, site_id)?.is_none() {
        return Err(ProgrammeError::NotFound);
    }
    Ok(list_for(conn, site_id)?)
}

fn list_for(conn: &mut DbConnection, site_id: i64) -> Result<Vec<Holiday>, DbError> {
    Ok(site_holidays::table
        .filter(site_holidays::site_id.eq(site_id))
        .order(site_holidays::holiday.asc())
        .select(Holiday::as_select())
        .load(conn)?)
}

/// Add or rename holidays at a site (admins only). Every line is checked before any is saved.
#[tracing::instrument(skip_all)]
pub fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    who: &Who,
    site_id: i64,
    inputs: &[HolidayInput],
    prefix: &str,
) -> Result<usize, ProgrammeError> {
    if actor.role != Role::Admin {
        return Err(ProgrammeError::Forbidden);
    }
    let mut e = FieldErrors::default();
    let mut valid = Vec::new();
    for (i, h) in inputs.iter().enumerate() {
        let p = |f: &str| {
            if prefix.is_empty() {
                f.to_string()
            } else {
                format!("{prefix}[{}].{f}", i + 1)
            }
        };
        let date = parse_date(&mut e, &p("date"), &h.date);
        let name = required_line(&mut e, &p("name"), &h.name, 200);
        if let (Some(d), Some(n)) = (date, name) {
            valid.push((d, n));
        }
    }
    if !e.is_empty() {
        return Err(ProgrammeError::Invalid(e));
    }
    db::write_transaction(conn, |conn| {
        if store::site(conn, site_id)?.is_none() {
            return Err(ProgrammeError::NotFound);
        }
        for (date, name) in &valid {
            diesel::delete(
                site_holidays::table
                    .filter(site_holidays::site_id.eq(site_id))
                    .filter(site_holidays::holiday.eq(date)),
            )
            .execute(conn)?;
            diesel::insert_into(site_holidays::table)
                .values((
                    site_holidays::site_id.eq(site_id),
                    site_holidays::holiday.eq(date),
                    site_holidays::name.eq(name),
                ))
                .execute(conn)?;
        }
        audit::record(
            conn,
            who,
            Event {
                action: "holidays.save",
                entity_type: "site",
                entity_id: Some(site_id.to_string()),
                participant_id: None,
                detail: Some(serde_json::json!({ "count": valid.len() })),
            },
        )?;
        Ok(valid.len())
    })
}

/// Read `date,name` lines; a first line that is not a date is taken as a header.
pub fn parse_csv(text: &str) -> Result<Vec<HolidayInput>, FieldErrors> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let Ok(record) = record else {
            let mut e = FieldErrors::default();
            e.add(&format!("line[{}]", i + 1), "error-csv-line");
            return Err(e);
        };
        let date = record.get(0).unwrap_or("").to_string();
        if i == 0 && NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_err() {
            continue;
        }
        if date.is_empty() && record.len() <= 1 {
            continue;
        }
        out.push(HolidayInput {
            date: Some(date),
            name: record.get(1).map(str::to_string),
        });
    }
    Ok(out)
}

/// A site with its holidays, for the holidays page.
#[derive(Debug, Serialize)]
pub struct SiteHolidays {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub holidays: Vec<Holiday>,
}

/// Every site, by name, with its holidays.
pub fn by_site(conn: &mut DbConnection) -> Result<Vec<SiteHolidays>, DbError> {
    use crate::db::schema::sites;
    let list: Vec<(i64, String, String)> = sites::table
        .order(sites::name.asc())
        .select((sites::id, sites::name, sites::time_zone))
        .load(conn)?;
    let mut out = Vec::new();
    for (id, name, time_zone) in list {
        out.push(SiteHolidays {
            holidays: list_for(conn, id)?,
            id,
            name,
            time_zone,
        });
    }
    Ok(out)
}
