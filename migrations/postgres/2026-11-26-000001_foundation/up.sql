-- Foundation: sites, users and their credentials, participants, audit trail.
CREATE TABLE sites (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin','coordinator','mentor','probation_officer','agency_user','auditor')),
    site_id BIGINT REFERENCES sites(id),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE participants (
    id BIGSERIAL PRIMARY KEY,
    case_reference TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    site_id BIGINT NOT NULL REFERENCES sites(id),
    status TEXT NOT NULL CHECK (status IN ('in_custody','released','transferred','closed')),
    sentence_start DATE,
    earliest_release_date DATE,
    parole_eligibility_date DATE,
    licence_end_date DATE,
    restricted BOOLEAN NOT NULL DEFAULT FALSE,
    probation_officer_id BIGINT REFERENCES users(id),
    search_text TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX participants_site ON participants(site_id);
CREATE INDEX participants_probation_officer ON participants(probation_officer_id);
CREATE INDEX participants_family_name ON participants(family_name, given_name);

-- Mentors assigned to a participant.
CREATE TABLE participant_mentors (
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (participant_id, user_id)
);
CREATE INDEX participant_mentors_user ON participant_mentors(user_id);

-- Staff named on a restricted participant: the only people who may see it.
CREATE TABLE participant_access (
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (participant_id, user_id)
);
CREATE INDEX participant_access_user ON participant_access(user_id);

-- Append-only, hash-chained audit trail. The id is assigned by Onward (previous id + 1)
-- under a write lock, so a removed row shows as a gap as well as a broken chain.
CREATE TABLE audit_events (
    id BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id BIGINT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    participant_id BIGINT,
    ip TEXT,
    request_id TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_participant ON audit_events(participant_id, occurred_at);
CREATE INDEX audit_events_action_time ON audit_events(action, occurred_at);
CREATE INDEX audit_events_actor ON audit_events(actor_user_id, occurred_at);

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Small key/value facts about this installation (e.g. that demo data was loaded).
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('write-lock', '0');
