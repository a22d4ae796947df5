DROP TABLE retention_runs;
DROP INDEX participants_retention;
ALTER TABLE participants DROP COLUMN anonymised_at;
ALTER TABLE participants DROP COLUMN closed_at;
