//! Field validation shared by every area: each check names the field that is wrong in a
//! [`FieldErrors`], so that every bad field of an input is reported at once.

use chrono::{NaiveDate, NaiveDateTime};

use crate::kernel::FieldErrors;

/// Check a text field: present, at most `max` characters, no control characters.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
    max: usize,
) -> Option<String> {
    let s = raw.as_deref().map(str::trim).unwrap_or("");
    if s.is_empty() {
        errors.add(field, "error-required");
        None
    } else if s.chars().count() > max {
        errors.too_long(field, max);
        None
    } else if s
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(field, "error-control-characters");
        None
    } else {
        Some(s.to_string())
    }
}

/// Whether text meant for one line holds a control character (a newline, a carriage return, a
/// tab…): one-line text ends up in calendar files, email subjects and CSV cells.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// [`required_text`] for one-line fields (names, titles): no control characters at all.
pub fn required_line(
    errors: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
    max: usize,
) -> Option<String> {
    let s = required_text(errors, field, raw, max)?;
    if has_control(&s) {
        errors.add(field, "error-control-characters");
        return None;
    }
    Some(s)
}

/// An optional one-line field (a room, a place), trimmed: at most `max` characters and no
/// control characters, else the field is named in `errors`.
pub fn optional_line(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> String {
    let s = raw.unwrap_or("").trim().to_string();
    if s.chars().count() > max {
        errors.too_long(field, max);
    } else if has_control(&s) {
        errors.add(field, "error-control-characters");
    }
    s
}

/// Check a whole number within a range; `None` uses `default` when given.
pub fn number_in(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<i32>,
    range: std::ops::RangeInclusive<i32>,
    default: Option<i32>,
) -> Option<i32> {
    match raw.or(default) {
        None => {
            errors.add(field, "error-required");
            None
        }
        Some(n) if range.contains(&n) => Some(n),
        Some(_) => {
            errors.add(field, "error-out-of-range");
            None
        }
    }
}

/// Check that a value is one of `allowed`.
pub fn one_of(
    errors: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
    allowed: &[&str],
) -> Option<String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => {
            errors.add(field, "error-required");
            None
        }
        Some(v) if allowed.contains(&v) => Some(v.to_string()),
        Some(_) => {
            errors.add(field, "error-choice");
            None
        }
    }
}

/// A required `YYYY-MM-DD` date in the years Onward accepts ([`optional_date`] when it may be
/// left out); anything else is an error on `field`.
pub fn parse_date(e: &mut FieldErrors, field: &str, raw: &Option<String>) -> Option<NaiveDate> {
    date(e, field, raw, true)
}

/// An optional `YYYY-MM-DD` date: absent or blank is `None`, anything unreadable an error.
pub fn optional_date(e: &mut FieldErrors, field: &str, raw: &Option<String>) -> Option<NaiveDate> {
    date(e, field, raw, false)
}

/// The years a date may fall in, for every date field of every area (a date of birth included).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

fn date(
    errors: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
    required: bool,
) -> Option<NaiveDate> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            if required {
                errors.add(field, "error-required");
            }
            None
        }
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if YEARS.contains(&chrono::Datelike::year(&d)) => Some(d),
            _ => {
                errors.add(field, "error-date");
                None
            }
        },
    }
}

/// A local date-time as `YYYY-MM-DDTHH:MM` (what an HTML `datetime-local` field sends).
pub fn parse_local(
    e: &mut FieldErrors,
    field: &str,
    raw: &Option<String>,
) -> Option<NaiveDateTime> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            e.add(field, "error-required");
            None
        }
        Some(s) => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
            .ok()
            .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
            .or_else(|| {
                e.add(field, "error-local-time");
                None
            }),
    }
}

/// An optional override reason: trimmed, non-empty, at most 500 characters.
pub fn override_reason(e: &mut FieldErrors, raw: &Option<String>) -> Option<String> {
    let s = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if s.chars().count() > 500 {
        e.too_long("override_reason", 500);
        return None;
    }
    Some(s.to_string())
}
