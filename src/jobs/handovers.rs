//! Handovers to probation: the packs due are sent when each site's morning has come.

use chrono::{DateTime, Utc};

use super::{json, Job, JobContext, JobError, JobName};
use crate::db::{DbConnection, DbError};

const NAME: &str = "handovers";

struct Handovers;

impl JobName {
    #[allow(non_upper_case_globals)]
    pub const Handovers: JobName = JobName(&Handovers);
}

impl Job for Handovers {
    fn name(&self) -> &'static str {
        NAME
    }

    fn cron_variable(&self) -> &'static str {
        "ONWARD_CRON_HANDOVERS"
    }

    fn default_schedule(&self) -> &'static str {
        // Every 15 minutes, between the reminder sweeps: each site's morning is reached within a
        // quarter hour.
        "0 7,22,37,52 * * * *"
    }

    #[tracing::instrument(skip_all, fields(job = NAME))]
    fn run(
        &self,
        ctx: &JobContext,
        conn: &mut DbConnection,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, JobError> {
        let send = crate::handovers::sweep::SendContext {
            settings: ctx.handover,
            morning: ctx.sweep.morning,
            public_url: ctx.sweep.public_url.clone(),
            now,
        };
        let counts = crate::handovers::sweep::sweep(conn, ctx.data_keys.as_ref(), &send).map_err(
            |e| match e {
                crate::handovers::HandoverError::Db(e) => e,
                other => DbError::Query(other.to_string()),
            },
        )?;
        Ok(json(&counts))
    }
}
