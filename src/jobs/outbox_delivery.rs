//! Outbox delivery: sends the queued emails. It claims rows, not slots: every instance delivers
//! at every tick, each row once (the outbox's leases), and its runs are recorded only when they
//! sent or failed something.

use chrono::{DateTime, Utc};

use super::{json, Job, JobContext, JobError, JobName};
use crate::db::{DbConnection, DbError};
use crate::outbox::DeliveryCounts;

const NAME: &str = "outbox-delivery";

struct OutboxDelivery;

impl JobName {
    #[allow(non_upper_case_globals)]
    pub const OutboxDelivery: JobName = JobName(&OutboxDelivery);
}

impl Job for OutboxDelivery {
    fn name(&self) -> &'static str {
        NAME
    }

    fn cron_variable(&self) -> &'static str {
        "ONWARD_CRON_OUTBOX_DELIVERY"
    }

    fn default_schedule(&self) -> &'static str {
        "*/20 * * * * *"
    }

    fn claims_a_slot(&self) -> bool {
        false
    }

    fn idle(&self, counts: &serde_json::Value) -> bool {
        counts.get("sent") == Some(&0.into())
            && counts.get("retrying") == Some(&0.into())
            && counts.get("failed") == Some(&0.into())
    }

    #[tracing::instrument(skip_all, fields(job = NAME))]
    fn run(
        &self,
        ctx: &JobContext,
        conn: &mut DbConnection,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, JobError> {
        Ok(json(&deliver_in_parallel(ctx, conn, now)?))
    }
}

/// How many connections to the mail server one instance uses at once. One SMTP connection
/// sends about 25 emails a second at best (lettre writes the end of each message as a small
/// separate packet, which waits for the server's delayed acknowledgement), so a backlog is
/// worked through on several.
pub const DELIVERY_WORKERS: u32 = 4;

/// Deliver with up to [`DELIVERY_WORKERS`] workers, each with its own database connection and
/// its own leases (rows are claimed one at a time, so workers never collide), leaving the pool
/// room for requests.
fn deliver_in_parallel(
    ctx: &JobContext,
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<DeliveryCounts, DbError> {
    let extra = DELIVERY_WORKERS
        .min(ctx.pool.max_size().saturating_sub(2))
        .saturating_sub(1);
    let deliver = |conn: &mut DbConnection| {
        crate::outbox::deliver_due_with(
            conn,
            Some(&ctx.pool),
            &ctx.mailer,
            &crate::participants::access::Gate,
            &ctx.instance,
            now.naive_utc(),
            20,
        )
    };
    let results: Vec<Result<DeliveryCounts, DbError>> = std::thread::scope(|s| {
        let helpers: Vec<_> = (0..extra)
            .map(|_| {
                s.spawn(|| {
                    let mut own = ctx.pool.get().map_err(DbError::from)?;
                    deliver(&mut own)
                })
            })
            .collect();
        let mut all = vec![deliver(conn)];
        for h in helpers {
            all.push(
                h.join()
                    .unwrap_or_else(|_| Err(DbError::Query("a delivery worker panicked".into()))),
            );
        }
        all
    });
    let mut total = DeliveryCounts::default();
    for r in results {
        let c = r?;
        total.sent += c.sent;
        total.retrying += c.retrying;
        total.failed += c.failed;
        total.withheld += c.withheld;
    }
    Ok(total)
}
