//! The page handlers, one file per area: extract, one call into the area, render.

pub mod agencies;
pub mod auth;
pub mod caseload;
pub mod chart;
pub mod data_protection;
pub mod exit_plans;
pub mod handovers;
pub mod home;
pub mod programmes;
pub mod progress_notes;
pub mod reminders;
pub mod reports;
pub mod risk_reviews;
