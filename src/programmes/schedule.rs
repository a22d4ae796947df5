//! Pure scheduling rules: local times in a site's zone to UTC, and a weekly or fortnightly
//! cadence that skips the site's public holidays while keeping the number of sessions.

use std::collections::HashSet;

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// The UTC instant of a local wall-clock time at a site. A time that does not exist (the hour
/// skipped when clocks go forward) moves one hour later; an ambiguous one (the hour repeated
/// when clocks go back) takes the first occurrence.
pub fn local_to_utc(zone: Tz, local: NaiveDateTime) -> NaiveDateTime {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.naive_utc(),
        LocalResult::Ambiguous(first, _) => first.naive_utc(),
        LocalResult::None => zone
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map(|t| t.naive_utc())
            .unwrap_or(local),
    }
}

/// A UTC instant as wall-clock time at the site.
pub fn utc_to_local(zone: Tz, utc: NaiveDateTime) -> NaiveDateTime {
    zone.from_utc_datetime(&utc).naive_local()
}

/// The dates of `count` sessions every `every_weeks` weeks from `first`, skipping `holidays`:
/// a holiday's session moves to the end, so the cohort still gets `count` sessions.
pub fn cadence_dates(
    first: NaiveDate,
    every_weeks: u32,
    count: u32,
    holidays: &HashSet<NaiveDate>,
) -> Vec<NaiveDate> {
    let step = Duration::weeks(i64::from(every_weeks.max(1)));
    let mut dates = Vec::with_capacity(count as usize);
    let mut day = first;
    // Bounded: a calendar made only of holidays must not loop forever.
    let mut guard = 0;
    while (dates.len() as u32) < count && guard < count * 10 + 100 {
        if !holidays.contains(&day) {
            dates.push(day);
        }
        day += step;
        guard += 1;
    }
    dates
}

/// The UTC start and end of each session of a cadence at a local time of day.
pub fn cadence_sessions(
    zone: Tz,
    dates: &[NaiveDate],
    at: NaiveTime,
    minutes: i64,
) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    dates
        .iter()
        .map(|d| {
            let start = local_to_utc(zone, d.and_time(at));
            (start, start + Duration::minutes(minutes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_weekly_session_stays_at_ten_local_across_the_clocks_change() {
        let zone: Tz = "Europe/Lisbon".parse().unwrap();
        // Clocks go forward on Sunday 29 March 2026.
        let dates = cadence_dates(d("2026-03-16"), 1, 4, &HashSet::new());
        let at = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        let sessions = cadence_sessions(zone, &dates, at, 90);
        let utc_hours: Vec<u32> = sessions
            .iter()
            .map(|(s, _)| chrono::Timelike::hour(s))
            .collect();
        assert_eq!(utc_hours, [10, 10, 9, 9], "WET is UTC+0, WEST is UTC+1");
        for (s, _) in sessions {
            assert_eq!(chrono::Timelike::hour(&utc_to_local(zone, s)), 10);
        }
    }

    #[test]
    fn holidays_are_skipped_and_the_count_is_kept() {
        let holidays: HashSet<NaiveDate> = [d("2026-03-23")].into_iter().collect();
        let dates = cadence_dates(d("2026-03-16"), 1, 3, &holidays);
        assert_eq!(dates, [d("2026-03-16"), d("2026-03-30"), d("2026-04-06")]);
        let fortnightly = cadence_dates(d("2026-03-16"), 2, 2, &holidays);
        assert_eq!(fortnightly, [d("2026-03-16"), d("2026-03-30")]);
    }

    #[test]
    fn a_time_in_the_skipped_hour_moves_later() {
        let zone: Tz = "Europe/Lisbon".parse().unwrap();
        let local = d("2026-03-29").and_hms_opt(1, 30, 0).unwrap();
        assert_eq!(
            utc_to_local(zone, local_to_utc(zone, local))
                .format("%H:%M")
                .to_string(),
            "02:30"
        );
    }
}
