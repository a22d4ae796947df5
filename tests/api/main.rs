//! Black-box tests: the real server on port 0, a fresh database per test. `cargo test` runs them on
//! SQLite; with `ONWARD_TEST_POSTGRES_URL` set the same tests run on PostgreSQL.

mod access_gate;
mod audit;
mod audit_reads;
mod auth;
mod authorization;
mod authz_matrix;
mod backup;
mod caseload;
mod cli;
mod delivery;
mod delivery_pages;
mod faults;
mod handovers;
mod helpers;
mod homes;
mod hostile;
mod i18n;
mod layers;
mod operations;
mod participants;
mod plan_pages;
mod programmes;
mod progress_notes;
mod reminders;
mod reports;
mod retention;
mod smtp;
mod snapshot;
mod world;
