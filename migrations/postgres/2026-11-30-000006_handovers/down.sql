ALTER TABLE notifications DROP COLUMN attachment_ics;
DROP TABLE handovers;
