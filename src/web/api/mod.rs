//! The `/api/v1` handlers, one file per area: extract, one call into the area, answer.

pub mod agencies;
pub mod attendance;
pub mod audit;
pub mod calendars;
pub mod data_protection;
pub mod enrolments;
pub mod exit_plans;
pub mod handovers;
pub mod jobs;
pub mod outbox;
pub mod participants;
pub mod programmes;
pub mod progress_notes;
pub mod reminders;
pub mod risk_reviews;
