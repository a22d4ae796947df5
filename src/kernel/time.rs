//! Instants are stored in UTC and shown in the site's local time.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Serde for an instant stored as a UTC `NaiveDateTime`: written in RFC 3339 with `Z`
/// (`2026-11-27T10:16:14.903546Z`), the `date-time` the OpenAPI document promises. Without the
/// zone a client cannot tell UTC from local time. Use `#[serde(serialize_with = "utc")]`.
pub fn utc<S: serde::Serializer>(at: &chrono::NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(
        &at.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}

/// [`utc`] for an instant that may be missing (`null`).
pub fn utc_opt<S: serde::Serializer>(
    at: &Option<chrono::NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => utc(at, s),
        None => s.serialize_none(),
    }
}

/// Today's date in UTC (for validity checks that need no site's calendar).
pub fn today_utc() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

/// `2026-11-26 22:30 (Asia/Bishkek)`; falls back to UTC for an unknown zone.
pub fn local(at: &DateTime<Utc>, time_zone: &str) -> String {
    match time_zone.parse::<Tz>() {
        Ok(tz) => format!(
            "{} ({time_zone})",
            at.with_timezone(&tz).format("%Y-%m-%d %H:%M")
        ),
        Err(_) => format!("{} (UTC)", at.format("%Y-%m-%d %H:%M")),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_the_sites_zone() {
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 11, 26, 16, 30, 0)
            .unwrap();
        assert_eq!(
            super::local(&at, "Asia/Bishkek"),
            "2026-11-26 22:30 (Asia/Bishkek)"
        );
        assert_eq!(
            super::local(&at, "Europe/Lisbon"),
            "2026-11-26 16:30 (Europe/Lisbon)"
        );
    }
}
