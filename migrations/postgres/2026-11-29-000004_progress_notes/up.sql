-- Progress notes: a mentor's record of a contact. The narrative is sealed by Onward
-- (XChaCha20-Poly1305, `v1:<key id>:<nonce>:<ciphertext>`) before it reaches the database.
CREATE TABLE progress_notes (
    id BIGSERIAL PRIMARY KEY,
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    contact_date DATE NOT NULL,
    contact_type TEXT NOT NULL CHECK (contact_type IN ('one_to_one','group_follow_up','phone','family_contact','post_release_meeting')),
    engagement INTEGER CHECK (engagement BETWEEN 1 AND 5),
    attitudes INTEGER CHECK (attitudes BETWEEN 1 AND 5),
    social_ties INTEGER CHECK (social_ties BETWEEN 1 AND 5),
    identity INTEGER CHECK (identity BETWEEN 1 AND 5),
    readiness INTEGER CHECK (readiness BETWEEN 1 AND 5),
    narrative TEXT NOT NULL,
    next_contact_date DATE,
    tell_probation BOOLEAN NOT NULL DEFAULT FALSE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX progress_notes_participant ON progress_notes(participant_id, contact_date);
CREATE INDEX progress_notes_author ON progress_notes(author_id);
