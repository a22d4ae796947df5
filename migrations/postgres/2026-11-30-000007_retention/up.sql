-- Retention: when a participant was closed (kept by the application whenever the status becomes
-- or stops being `closed`), when their record was anonymised, and a record of each retention run.
ALTER TABLE participants ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE participants ADD COLUMN anonymised_at TIMESTAMP;
-- Closures before this change: the last change of the record is the latest the closure can have
-- been, so retention never starts earlier than it should.
UPDATE participants SET closed_at = updated_at WHERE status = 'closed';
CREATE INDEX participants_retention ON participants(status, closed_at);

CREATE TABLE retention_runs (
    id BIGSERIAL PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    actor_user_id BIGINT REFERENCES users(id),
    actor_label TEXT NOT NULL,
    retention_days INTEGER NOT NULL,
    closed_before TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('running','succeeded','failed')),
    participants INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '{}',
    error TEXT
);
CREATE INDEX retention_runs_started ON retention_runs(started_at);
