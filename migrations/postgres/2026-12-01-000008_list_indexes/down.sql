DROP INDEX participants_site_list;
DROP INDEX milestones_due;
CREATE INDEX milestones_due ON milestones(due_on, status);
