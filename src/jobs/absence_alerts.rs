//! Absence-alert emails: queued for the officers of participants who missed a session.

use chrono::{DateTime, Utc};

use super::{Job, JobContext, JobError, JobName};
use crate::db::DbConnection;

const NAME: &str = "absence-alerts";

struct AbsenceAlerts;

impl JobName {
    #[allow(non_upper_case_globals)]
    pub const AbsenceAlerts: JobName = JobName(&AbsenceAlerts);
}

impl Job for AbsenceAlerts {
    fn name(&self) -> &'static str {
        NAME
    }

    fn cron_variable(&self) -> &'static str {
        "ONWARD_CRON_ABSENCE_ALERTS"
    }

    fn default_schedule(&self) -> &'static str {
        "0 */5 * * * *"
    }

    #[tracing::instrument(skip_all, fields(job = NAME))]
    fn run(
        &self,
        ctx: &JobContext,
        conn: &mut DbConnection,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, JobError> {
        Ok(serde_json::json!({
            "queued": crate::attendance::alerts::notify(conn, &ctx.sweep, now)?
        }))
    }
}
