//! The reminder sweep: queues each participant's due reminders when their site's local morning
//! has come.

use chrono::{DateTime, Utc};

use super::{json, Job, JobContext, JobError, JobName};
use crate::db::DbConnection;

const NAME: &str = "reminder-sweep";

struct ReminderSweep;

impl JobName {
    #[allow(non_upper_case_globals)]
    pub const ReminderSweep: JobName = JobName(&ReminderSweep);
}

impl Job for ReminderSweep {
    fn name(&self) -> &'static str {
        NAME
    }

    fn cron_variable(&self) -> &'static str {
        "ONWARD_CRON_REMINDER_SWEEP"
    }

    fn default_schedule(&self) -> &'static str {
        // Every 15 minutes: each site's local morning is reached within a quarter hour.
        "0 */15 * * * *"
    }

    #[tracing::instrument(skip_all, fields(job = NAME))]
    fn run(
        &self,
        ctx: &JobContext,
        conn: &mut DbConnection,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, JobError> {
        Ok(json(&crate::reminders::sweep::sweep(
            conn, &ctx.sweep, now,
        )?))
    }
}
