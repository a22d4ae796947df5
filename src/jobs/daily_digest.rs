//! Daily digests: each officer's summary, composed when the installation's morning has come.

use chrono::{DateTime, Utc};

use super::{Job, JobContext, JobError, JobName};
use crate::db::DbConnection;

const NAME: &str = "daily-digest";

struct DailyDigest;

impl JobName {
    #[allow(non_upper_case_globals)]
    pub const DailyDigest: JobName = JobName(&DailyDigest);
}

impl Job for DailyDigest {
    fn name(&self) -> &'static str {
        NAME
    }

    fn cron_variable(&self) -> &'static str {
        "ONWARD_CRON_DAILY_DIGEST"
    }

    fn default_schedule(&self) -> &'static str {
        "0 5,20,35,50 * * * *"
    }

    #[tracing::instrument(skip_all, fields(job = NAME))]
    fn run(
        &self,
        ctx: &JobContext,
        conn: &mut DbConnection,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, JobError> {
        Ok(serde_json::json!({
            "digests": crate::outbox::compose_digests(
                conn,
                now,
                ctx.sweep.morning,
                &ctx.sweep.public_url,
                &crate::participants::access::Gate,
            )?
        }))
    }
}
