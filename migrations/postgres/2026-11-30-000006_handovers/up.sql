-- The pre-release handover of a case to probation: one per participant, written when it falls
-- due (release date minus the configured days, in the site's local morning). The pack is the
-- case as it was sent, sealed with the data key (it holds shared notes), never rewritten.
CREATE TABLE handovers (
    id BIGSERIAL PRIMARY KEY,
    participant_id BIGINT NOT NULL UNIQUE REFERENCES participants(id),
    release_date DATE NOT NULL,
    due_on DATE NOT NULL,
    -- The site's local day the handover was opened (it may open late, after due_on).
    opened_on DATE NOT NULL,
    status TEXT NOT NULL,
    probation_officer_id BIGINT REFERENCES users(id),
    pack TEXT,
    sent_at TIMESTAMP,
    sent_on DATE,
    sent_by TEXT,
    acknowledged_at TIMESTAMP,
    acknowledged_by BIGINT REFERENCES users(id),
    escalated_unsent_at TIMESTAMP,
    escalated_at TIMESTAMP,
    meeting_at TIMESTAMP,
    meeting_place TEXT,
    meeting_attendees TEXT,
    meeting_sequence INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX handovers_status ON handovers(status, due_on);
-- An email may carry a calendar invitation (the handover meeting).
ALTER TABLE notifications ADD COLUMN attachment_ics TEXT;
