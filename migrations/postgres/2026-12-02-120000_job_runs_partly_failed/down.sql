UPDATE job_runs SET outcome = 'failed' WHERE outcome = 'partly_failed';
ALTER TABLE job_runs DROP CONSTRAINT job_runs_outcome_check;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_outcome_check
    CHECK (outcome IN ('running','succeeded','failed'));
