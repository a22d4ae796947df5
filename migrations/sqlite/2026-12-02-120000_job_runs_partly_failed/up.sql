-- A run some of whose items failed is recorded as 'partly_failed' (some items done) or 'failed'.
-- SQLite cannot change a CHECK constraint: the table is rebuilt.
CREATE TABLE job_runs_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    job TEXT NOT NULL,
    slot TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome TEXT NOT NULL CHECK (outcome IN ('running','succeeded','partly_failed','failed')),
    counts TEXT NOT NULL DEFAULT '',
    error TEXT,
    UNIQUE (job, slot)
);
INSERT INTO job_runs_new (id, job, slot, instance, started_at, finished_at, outcome, counts, error)
    SELECT id, job, slot, instance, started_at, finished_at, outcome, counts, error FROM job_runs;
DROP TABLE job_runs;
ALTER TABLE job_runs_new RENAME TO job_runs;
CREATE INDEX job_runs_started ON job_runs(started_at);
