-- Risk reviews: the outcome of an external, certified instrument, as recorded by staff. Onward
-- never scores or stores the instrument's items; the notes are sealed like progress narratives.
CREATE TABLE risk_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    instrument TEXT NOT NULL,
    level TEXT NOT NULL,
    assessor TEXT NOT NULL,
    assessed_on DATE NOT NULL,
    review_by DATE,
    notes TEXT NOT NULL,
    milestone_id INTEGER REFERENCES milestones(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX risk_reviews_participant ON risk_reviews(participant_id, assessed_on);
