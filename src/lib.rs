//! Onward: rehabilitation-programme and exit-plan manager for prison and probation services.
//! See ARCHITECTURE.md for the areas and how a request flows through them.

pub mod agencies;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendars;
pub mod caseload;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod data_protection;
pub mod db;
pub mod demo;
pub mod enrolments;
pub mod exit_plans;
pub mod files;
pub mod handovers;
pub mod home;
pub mod i18n;
pub mod jobs;
pub mod kernel;
pub mod mail;
pub mod outbox;
pub mod participants;
pub mod programmes;
pub mod progress_notes;
pub mod reminders;
pub mod reports;
pub mod risk_reviews;
pub mod seed;
pub mod sites;
pub mod telemetry;
pub mod timeline;
pub mod web;
