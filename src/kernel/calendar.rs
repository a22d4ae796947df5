//! The site calendar: every site keeps its own time zone, and the working day, the local
//! morning and a day's reminders are reckoned in it.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

/// The day whose lead points are due at `now` in `tz`: today from the local morning on,
/// yesterday before it.
pub fn reminder_day(now: DateTime<Utc>, tz: Tz, morning: NaiveTime) -> NaiveDate {
    let local = now.with_timezone(&tz).naive_local();
    if local.time() >= morning {
        local.date()
    } else {
        local.date() - Duration::days(1)
    }
}
