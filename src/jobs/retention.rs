//! Retention: anonymises participants closed longer than the retention period.

use chrono::{DateTime, Utc};

use super::{Job, JobContext, JobError, JobName};
use crate::data_protection::retention::RetentionError;
use crate::db::{DbConnection, DbError};

const NAME: &str = "retention";

struct Retention;

impl JobName {
    #[allow(non_upper_case_globals)]
    pub const Retention: JobName = JobName(&Retention);
}

impl Job for Retention {
    fn name(&self) -> &'static str {
        NAME
    }

    fn cron_variable(&self) -> &'static str {
        "ONWARD_CRON_RETENTION"
    }

    fn default_schedule(&self) -> &'static str {
        // Daily at 02:30 UTC, a quiet hour in Europe and Central Asia.
        "0 30 2 * * *"
    }

    #[tracing::instrument(skip_all, fields(job = NAME))]
    fn run(
        &self,
        ctx: &JobContext,
        conn: &mut DbConnection,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, JobError> {
        let report = crate::data_protection::retention::run(
            conn,
            ctx.data_keys.as_ref(),
            &crate::audit::Who::system("retention"),
            now,
            ctx.retention_days,
        )
        .map_err(|e| match e {
            RetentionError::Db(e) => e,
            other => DbError::Query(other.to_string()),
        })?;
        Ok(serde_json::json!({
            "anonymised": report.anonymised.len(),
            "retention_run": report.run_id,
        }))
    }
}
