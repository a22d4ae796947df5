//! Scheduled jobs: the reminder sweep, outbox delivery, daily digests, absence-alert emails,
//! handovers to probation and retention (anonymising participants closed longer than the
//! retention period).
//!
//! Each job is one file implementing [`Job`] (its name, default schedule and a run as of a given
//! time) and is named once in [`ALL`], the list the scheduler, [`schedules`], [`run`] and
//! `onward jobs run` go through.
//!
//! A run whose counts name failed items is recorded as `partly_failed` or `failed`
//! ([`RunOutcome::of`]), never as `succeeded`.
//!
//! Cron expressions (with seconds, in UTC) come from configuration; a job never relies on the
//! scheduler's own time zones (they freeze the UTC offset when created). Each job computes local
//! time itself (e.g. each site's morning) at the moment it runs.
//!
//! Two instances fire the same cron tick: a run first inserts a `job_runs` row for its
//! (job, slot), which is unique, so exactly one instance runs each slot and the other records
//! nothing. Every job is also idempotent (the outbox's dedupe keys and leases), so a manual run
//! or a retried slot never sends anything twice. Delivery claims rows, not slots: every instance
//! delivers, each row once; its runs are recorded when they sent or failed something.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use crate::config::{Config, ConfigError};
use crate::db::schema::job_runs;
use crate::db::{DbConnection, DbError, DbPool};
use crate::mail::Mailer;
use crate::reminders::sweep::SweepSettings;

mod absence_alerts;
mod daily_digest;
mod handovers;
mod outbox_delivery;
mod reminder_sweep;
mod retention;

pub use outbox_delivery::DELIVERY_WORKERS;

/// The jobs Onward runs, in the order they are listed (`onward jobs run --help`, `/jobs`). This
/// is the one list: the scheduler, the schedules, slot claims and `onward jobs run` go through
/// it, so adding a job is adding a file that implements [`Job`] and naming it here.
pub const ALL: [JobName; 6] = [
    JobName::ReminderSweep,
    JobName::OutboxDelivery,
    JobName::DailyDigest,
    JobName::AbsenceAlerts,
    JobName::Handovers,
    JobName::Retention,
];

/// One scheduled job, each in its own file.
pub trait Job: Sync {
    /// Its name: `onward jobs run NAME`, `ONWARD_JOBS_DISABLED`, `job_runs.job`.
    fn name(&self) -> &'static str;

    /// The configuration variable holding its schedule: `ONWARD_CRON_` and its name.
    fn cron_variable(&self) -> &'static str;

    /// The default schedule (cron with seconds, UTC).
    fn default_schedule(&self) -> &'static str;

    /// Whether a run first claims its (job, slot) in `job_runs`, so that exactly one instance
    /// runs each slot. A job that claims none runs on every instance at every tick and shares
    /// the work out itself (delivery leases rows); its runs are recorded unless [`Job::idle`].
    fn claims_a_slot(&self) -> bool {
        true
    }

    /// For a job that claims no slot: whether a run's counts say it did nothing, so that it is
    /// not recorded.
    fn idle(&self, _counts: &serde_json::Value) -> bool {
        false
    }

    /// Run once as of `now` (tests pass it, the scheduler passes the clock) on `conn`, the
    /// connection that claimed the slot; the counts say what it did.
    fn run(
        &self,
        ctx: &JobContext,
        conn: &mut DbConnection,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, JobError>;
}

/// A job, as callers name it (e.g. `JobName::ReminderSweep`, defined in the job's file, or
/// parsed from its name): compared, hashed and shown by its name.
#[derive(Clone, Copy)]
pub struct JobName(&'static dyn Job);

impl JobName {
    pub fn as_str(self) -> &'static str {
        self.0.name()
    }

    /// The default schedule (cron with seconds, UTC).
    pub fn default_cron(self) -> &'static str {
        self.0.default_schedule()
    }

    /// The configuration variable holding this job's schedule.
    pub fn cron_variable(self) -> &'static str {
        self.0.cron_variable()
    }

    /// The job itself.
    pub fn job(self) -> &'static dyn Job {
        self.0
    }
}

impl PartialEq for JobName {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for JobName {}

impl std::hash::Hash for JobName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl std::fmt::Debug for JobName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("JobName").field(&self.as_str()).finish()
    }
}

impl FromStr for JobName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ALL.into_iter().find(|j| j.as_str() == s).ok_or_else(|| {
            format!(
                "'{s}' is not a job; the jobs are {}",
                ALL.map(JobName::as_str).join(", ")
            )
        })
    }
}

/// A job's counts as JSON.
fn json(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Everything a job needs.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub pool: DbPool,
    pub mailer: Mailer,
    pub sweep: SweepSettings,
    /// This instance's name, recorded with each run and each delivery lease.
    pub instance: String,
    /// The zone whose morning sends the daily digests (the installation's zone).
    pub time_zone: Tz,
    /// Handover timing.
    pub handover: crate::handovers::HandoverSettings,
    /// `ONWARD_RETENTION_DAYS`: how long after closure a participant is anonymised.
    pub retention_days: i64,
    /// The data keys: anonymisation replaces sealed text with sealed empty text.
    pub data_keys: Option<crate::crypto::Keyring>,
}

impl JobContext {
    pub fn from_config(pool: DbPool, config: &Config) -> Result<Self, String> {
        Ok(Self {
            mailer: Mailer::new(
                config.smtp_url.as_deref(),
                &config.mail_from,
                config.outbox_dir.clone(),
            )
            .map_err(|e| e.to_string())?,
            sweep: SweepSettings {
                morning: config.local_morning,
                public_url: config.public_url.clone(),
            },
            instance: config.instance.clone(),
            time_zone: config.time_zone,
            handover: config.handover,
            retention_days: config.retention_days,
            data_keys: config.data_keys.clone(),
            pool,
        })
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// Another instance (or an earlier run) had this slot.
    Skipped,
    /// The run went through; its counts may still name failed items (see [`RunOutcome::of`],
    /// which is what `job_runs`, `/jobs` and `onward jobs run` show).
    Succeeded(serde_json::Value),
}

/// What a finished run is recorded and shown as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Succeeded,
    /// Some items failed, others were done.
    PartlyFailed,
    /// The run failed, or every item it tried failed.
    Failed,
}

impl RunOutcome {
    /// Every outcome that counts as a failure (`/jobs?failed=1`, `/api/v1/jobs?failed=true`).
    pub const FAILURES: [&'static str; 2] = ["partly_failed", "failed"];

    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::PartlyFailed => "partly_failed",
            RunOutcome::Failed => "failed",
        }
    }

    /// Judge a run from its counts: a `failed` count above zero makes it failed, or partly
    /// failed when another count says some items were done. Counts of items left for later
    /// (`retrying`, `waiting_for_officer`) are neither.
    pub fn of(counts: &serde_json::Value) -> RunOutcome {
        const NOT_DONE: [&str; 3] = ["failed", "retrying", "waiting_for_officer"];
        let Some(fields) = counts.as_object() else {
            return RunOutcome::Succeeded;
        };
        let failed = fields
            .get("failed")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if failed == 0 {
            return RunOutcome::Succeeded;
        }
        let done = fields
            .iter()
            .filter(|(name, _)| !NOT_DONE.contains(&name.as_str()))
            .any(|(_, n)| n.as_u64().is_some_and(|n| n > 0));
        if done {
            RunOutcome::PartlyFailed
        } else {
            RunOutcome::Failed
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The slot of a scheduled tick: the minute it belongs to, so that instances whose clocks or
/// timers differ by seconds agree.
pub fn slot_of(at: DateTime<Utc>) -> String {
    let minute = at
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(at);
    minute.format("%Y-%m-%dT%H:%MZ").to_string()
}

/// Run `job` for `slot` as of `now` (time is a parameter: tests pass it, the scheduler passes
/// the clock). Returns `Skipped` when the slot was already claimed.
pub fn run(
    ctx: &JobContext,
    job: JobName,
    slot: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, JobError> {
    let mut conn = ctx.pool.get().map_err(DbError::from)?;
    let run_id = if job.job().claims_a_slot() {
        match claim_slot(&mut conn, job, slot, &ctx.instance, now.naive_utc())? {
            Some(id) => Some(id),
            None => return Ok(Outcome::Skipped),
        }
    } else {
        None
    };
    let result = job.job().run(ctx, &mut conn, now);
    let (outcome, counts, error) = match &result {
        Ok(counts) => {
            let outcome = RunOutcome::of(counts);
            if outcome != RunOutcome::Succeeded {
                tracing::error!(job = job.as_str(), slot, %counts, "job run had failed items");
            }
            (outcome.as_str(), counts.to_string(), None)
        }
        Err(e) => {
            tracing::error!(job = job.as_str(), slot, error = %e, "job failed");
            ("failed", String::new(), Some(e.to_string()))
        }
    };
    let run_id = match run_id {
        Some(id) => Some(id),
        // A job that claims no slot is recorded when it did something (or failed), not every
        // tick, under a slot of its own.
        None if !result.as_ref().is_ok_and(|c| job.job().idle(c)) => claim_slot(
            &mut conn,
            job,
            &format!("{slot}/{}/{}", ctx.instance, uuid::Uuid::new_v4().simple()),
            &ctx.instance,
            now.naive_utc(),
        )?,
        None => None,
    };
    if let Some(id) = run_id {
        diesel::update(job_runs::table.find(id))
            .set((
                job_runs::finished_at.eq(Some(crate::db::now())),
                job_runs::outcome.eq(outcome),
                job_runs::counts.eq(&counts),
                job_runs::error.eq(&error),
            ))
            .execute(&mut conn)
            .map_err(DbError::from)?;
    }
    Ok(Outcome::Succeeded(result?))
}

/// Insert the run row; `None` when the (job, slot) pair is taken.
fn claim_slot(
    conn: &mut DbConnection,
    job: JobName,
    slot: &str,
    instance: &str,
    now: NaiveDateTime,
) -> Result<Option<i64>, DbError> {
    let inserted = diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq(job.as_str()),
            job_runs::slot.eq(slot),
            job_runs::instance.eq(instance),
            job_runs::started_at.eq(now),
            job_runs::outcome.eq("running"),
            job_runs::counts.eq(""),
        ))
        .execute(conn)
        .map_err(DbError::from);
    match inserted {
        Ok(_) => Ok(Some(
            job_runs::table
                .filter(job_runs::job.eq(job.as_str()))
                .filter(job_runs::slot.eq(slot))
                .select(job_runs::id)
                .first(conn)?,
        )),
        Err(DbError::Constraint(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A recorded run, as admins see it.
#[derive(Debug, Clone, Serialize, Queryable, utoipa::ToSchema)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub slot: String,
    pub instance: String,
    #[serde(serialize_with = "crate::kernel::time::utc")]
    pub started_at: NaiveDateTime,
    #[serde(serialize_with = "crate::kernel::time::utc_opt")]
    pub finished_at: Option<NaiveDateTime>,
    /// `running`, `succeeded`, `partly_failed` (some items failed) or `failed`.
    pub outcome: String,
    /// What the run did, as JSON text (e.g. `{"queued":3}`).
    pub counts: String,
    pub error: Option<String>,
}

/// Recent runs, newest first; `failed_only` for the failures (partly failed runs included).
pub fn runs(
    conn: &mut DbConnection,
    job: Option<&str>,
    failed_only: bool,
    page: crate::kernel::paging::Page,
) -> Result<(Vec<JobRun>, i64), DbError> {
    let build = || {
        let mut q = job_runs::table.into_boxed::<crate::db::MultiBackend>();
        if let Some(j) = job {
            q = q.filter(job_runs::job.eq(j.to_string()));
        }
        if failed_only {
            q = q.filter(job_runs::outcome.eq_any(RunOutcome::FAILURES));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let items = build()
        .order(job_runs::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            job_runs::id,
            job_runs::job,
            job_runs::slot,
            job_runs::instance,
            job_runs::started_at,
            job_runs::finished_at,
            job_runs::outcome,
            job_runs::counts,
            job_runs::error,
        ))
        .load(conn)?;
    Ok((items, total))
}

/// Start the scheduler with every job not switched off on this instance.
pub async fn start(
    ctx: JobContext,
    schedules: Vec<(JobName, String)>,
) -> Result<tokio_cron_scheduler::JobScheduler, String> {
    use tokio_cron_scheduler::{Job as CronJob, JobScheduler};
    let scheduler = JobScheduler::new().await.map_err(|e| e.to_string())?;
    for (job, cron) in schedules {
        let ctx = ctx.clone();
        let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let task = CronJob::new_async(cron.as_str(), move |_, _| {
            let ctx = ctx.clone();
            let running = running.clone();
            Box::pin(async move {
                // A tick that finds this instance's previous run still going (a delivery working
                // through a long backlog) lets it be: stacked runs would take every database
                // connection from the web requests and put more emails in flight at once.
                if running.swap(true, std::sync::atomic::Ordering::AcqRel) {
                    tracing::debug!(job = job.as_str(), "previous run still going");
                    return;
                }
                let now = Utc::now();
                let slot = slot_of(now);
                let result = tokio::task::spawn_blocking(move || run(&ctx, job, &slot, now)).await;
                running.store(false, std::sync::atomic::Ordering::Release);
                match result {
                    Ok(Ok(Outcome::Succeeded(counts))) => {
                        tracing::debug!(job = job.as_str(), %counts, "job ran")
                    }
                    Ok(Ok(Outcome::Skipped)) => {
                        tracing::debug!(job = job.as_str(), "slot taken by another instance")
                    }
                    Ok(Err(e)) => tracing::error!(job = job.as_str(), error = %e, "job failed"),
                    Err(e) => tracing::error!(job = job.as_str(), error = %e, "job panicked"),
                }
            })
        })
        .map_err(|e| format!("{}: cannot schedule '{cron}': {e}", job.cron_variable()))?;
        scheduler.add(task).await.map_err(|e| e.to_string())?;
        tracing::info!(job = job.as_str(), %cron, "job scheduled (UTC)");
    }
    scheduler.start().await.map_err(|e| e.to_string())?;
    Ok(scheduler)
}

/// Whether a cron expression is one the scheduler accepts (checked at start-up).
pub fn valid_cron(expr: &str) -> bool {
    tokio_cron_scheduler::Job::new(expr, |_, _| {}).is_ok()
}

/// A job's schedule on this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub job: JobName,
    /// Cron with seconds, UTC: `ONWARD_CRON_<JOB>` or the job's default.
    pub cron: String,
    /// Switched off on this instance by `ONWARD_JOBS_DISABLED`.
    pub disabled: bool,
}

/// Every job's schedule from the configuration's job settings, checked against the list of
/// jobs (at start-up, by the command line): a cron expression the scheduler would refuse, or a
/// name in `ONWARD_JOBS_DISABLED` that is no job, is named with its variable.
pub fn schedules(config: &Config) -> Result<Vec<Schedule>, ConfigError> {
    let invalid = |name: &'static str, reason: String| ConfigError::Invalid { name, reason };
    let mut crons = Vec::new();
    for job in ALL {
        let cron = config
            .cron_overrides
            .get(job.cron_variable())
            .cloned()
            .unwrap_or_else(|| job.default_cron().into());
        if !valid_cron(&cron) {
            return Err(invalid(
                job.cron_variable(),
                format!("'{cron}' is not a cron expression with seconds, such as 0 */15 * * * *"),
            ));
        }
        crons.push((job, cron));
    }
    let disabled = match config.jobs_disabled.as_deref().map(str::trim) {
        None | Some("") => Vec::new(),
        Some("all") => ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(|n| n.trim().parse::<JobName>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|r| invalid("ONWARD_JOBS_DISABLED", r))?,
    };
    let out = crons
        .into_iter()
        .map(|(job, cron)| Schedule {
            job,
            cron,
            disabled: disabled.contains(&job),
        })
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{schedules, JobName, RunOutcome, ALL};
    use crate::config::Config;
    use serde_json::json;

    fn config(vars: &[(&str, &str)]) -> Config {
        Config::from_lookup(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
        .unwrap()
    }

    fn disabled(config: &Config) -> Vec<JobName> {
        let all = schedules(config).unwrap();
        all.into_iter()
            .filter(|s| s.disabled)
            .map(|s| s.job)
            .collect()
    }

    #[test]
    fn jobs_can_be_switched_off_per_instance_and_schedules_are_checked() {
        let c = config(&[("ONWARD_JOBS_DISABLED", "daily-digest, reminder-sweep")]);
        assert_eq!(
            disabled(&c),
            vec![JobName::ReminderSweep, JobName::DailyDigest]
        );
        assert_eq!(
            disabled(&config(&[("ONWARD_JOBS_DISABLED", "all")])).len(),
            ALL.len()
        );
        assert!(disabled(&config(&[])).is_empty());
        let e = schedules(&config(&[("ONWARD_JOBS_DISABLED", "sweep")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ONWARD_JOBS_DISABLED") && e.contains("reminder-sweep"),
            "{e}"
        );
        let mut c = config(&[]);
        c.cron_overrides
            .insert("ONWARD_CRON_REMINDER_SWEEP".into(), "every morning".into());
        let e = schedules(&c).unwrap_err().to_string();
        assert!(e.contains("ONWARD_CRON_REMINDER_SWEEP"), "{e}");
        c.cron_overrides
            .insert("ONWARD_CRON_REMINDER_SWEEP".into(), "0 */5 * * * *".into());
        assert_eq!(schedules(&c).unwrap()[0].cron, "0 */5 * * * *");
        let e = Config::from_lookup(|k| (k == "ONWARD_LOCAL_MORNING").then(|| "8am".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("ONWARD_LOCAL_MORNING"), "{e}");
    }

    #[test]
    fn each_job_has_its_own_name_and_its_schedule_variable_is_named_after_it() {
        let table: Vec<_> = ALL
            .iter()
            .map(|j| (j.as_str(), j.cron_variable(), j.default_cron()))
            .collect();
        assert_eq!(
            table,
            [
                (
                    "reminder-sweep",
                    "ONWARD_CRON_REMINDER_SWEEP",
                    "0 */15 * * * *"
                ),
                (
                    "outbox-delivery",
                    "ONWARD_CRON_OUTBOX_DELIVERY",
                    "*/20 * * * * *"
                ),
                (
                    "daily-digest",
                    "ONWARD_CRON_DAILY_DIGEST",
                    "0 5,20,35,50 * * * *"
                ),
                (
                    "absence-alerts",
                    "ONWARD_CRON_ABSENCE_ALERTS",
                    "0 */5 * * * *"
                ),
                ("handovers", "ONWARD_CRON_HANDOVERS", "0 7,22,37,52 * * * *"),
                ("retention", "ONWARD_CRON_RETENTION", "0 30 2 * * *"),
            ]
        );
        for (i, job) in ALL.iter().enumerate() {
            assert_eq!(job.as_str().parse::<JobName>(), Ok(*job));
            assert!(!ALL[..i].contains(job), "{job:?} is listed twice");
            let variable = format!(
                "{}{}",
                crate::config::CRON_PREFIX,
                job.as_str().to_uppercase().replace('-', "_")
            );
            assert_eq!(job.cron_variable(), variable);
            assert!(super::valid_cron(job.default_cron()), "{job:?}");
        }
        // Only delivery runs on every instance without claiming the slot.
        let unclaimed: Vec<_> = ALL.iter().filter(|j| !j.job().claims_a_slot()).collect();
        assert_eq!(unclaimed, [&JobName::OutboxDelivery]);
    }

    #[test]
    fn a_run_with_failed_items_is_failed_or_partly_failed_never_succeeded() {
        let of = |v| RunOutcome::of(&v);
        assert_eq!(of(json!({"sent": 3, "failed": 0})), RunOutcome::Succeeded);
        assert_eq!(of(json!({"queued": 2})), RunOutcome::Succeeded);
        assert_eq!(
            of(json!({"opened": 10, "sent": 0, "failed": 10})),
            RunOutcome::PartlyFailed
        );
        assert_eq!(
            of(json!({"sent": 0, "retrying": 4, "failed": 1})),
            RunOutcome::Failed
        );
        assert_eq!(
            of(json!({"waiting_for_officer": 2, "failed": 3})),
            RunOutcome::Failed
        );
    }
}
