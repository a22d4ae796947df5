DROP TABLE progress_notes;
