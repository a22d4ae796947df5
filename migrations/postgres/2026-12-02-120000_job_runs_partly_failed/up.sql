-- A run some of whose items failed is recorded as 'partly_failed' (some items done) or 'failed'.
ALTER TABLE job_runs DROP CONSTRAINT job_runs_outcome_check;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_outcome_check
    CHECK (outcome IN ('running','succeeded','partly_failed','failed'));
