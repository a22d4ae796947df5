-- Indexes for pages that lists read at every request (issue 7 benchmark, 100,000 participants):
-- a site's participant list in name order, counted and searched from the index alone;
-- overdue and due milestones counted from the index alone (same leading columns as before).
CREATE INDEX participants_site_list ON participants(site_id, family_name, given_name, id, restricted, search_text);
DROP INDEX milestones_due;
CREATE INDEX milestones_due ON milestones(due_on, status, participant_id, plan_id);
