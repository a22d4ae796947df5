-- Programme delivery: catalogue, cohorts, sessions, holidays, enrolments, registers, alerts, feeds.
CREATE TABLE programmes (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('group','one_to_one','counselling','education','vocational')),
    description TEXT NOT NULL DEFAULT '',
    session_count INTEGER NOT NULL,
    min_attendance_percent INTEGER NOT NULL,
    absence_alert_after INTEGER NOT NULL DEFAULT 3,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE cohorts (
    id BIGSERIAL PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    name TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    start_date DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned','running','completed','cancelled')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cohorts_site ON cohorts(site_id);

CREATE TABLE cohort_facilitators (
    cohort_id BIGINT NOT NULL REFERENCES cohorts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_facilitators_user ON cohort_facilitators(user_id);

CREATE TABLE site_holidays (
    site_id BIGINT NOT NULL REFERENCES sites(id),
    holiday DATE NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (site_id, holiday)
);

CREATE TABLE cohort_sessions (
    id BIGSERIAL PRIMARY KEY,
    cohort_id BIGINT NOT NULL REFERENCES cohorts(id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    room TEXT NOT NULL DEFAULT '',
    facilitator_id BIGINT REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('scheduled','held','cancelled','rescheduled')),
    status_reason TEXT,
    requested_by TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cohort_sessions_cohort ON cohort_sessions(cohort_id, starts_at);
CREATE INDEX cohort_sessions_starts ON cohort_sessions(starts_at);
CREATE INDEX cohort_sessions_facilitator ON cohort_sessions(facilitator_id, starts_at);

CREATE TABLE enrolments (
    id BIGSERIAL PRIMARY KEY,
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    cohort_id BIGINT NOT NULL REFERENCES cohorts(id),
    status TEXT NOT NULL CHECK (status IN ('referred','assessed','waitlisted','enrolled','active','suspended','completed','withdrawn','transferred')),
    assessment_outcome TEXT CHECK (assessment_outcome IN ('suitable','not_suitable','suitable_not_ready')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (participant_id, cohort_id)
);
CREATE INDEX enrolments_cohort ON enrolments(cohort_id, status);

CREATE TABLE enrolment_events (
    id BIGSERIAL PRIMARY KEY,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    assessment_outcome TEXT,
    reason TEXT NOT NULL,
    actor_user_id BIGINT,
    actor_label TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX enrolment_events_enrolment ON enrolment_events(enrolment_id, occurred_at);

CREATE TABLE attendance (
    session_id BIGINT NOT NULL REFERENCES cohort_sessions(id),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    mark TEXT NOT NULL CHECK (mark IN ('present','late','excused','unexcused','did_not_happen')),
    late_minutes INTEGER,
    not_held_reason TEXT CHECK (not_held_reason IN ('participant_choice','acceptable','logistics')),
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, participant_id)
);
CREATE INDEX attendance_participant ON attendance(participant_id);

-- Consecutive unexcused absences. notified_at is the seam for emailing alerts (reminders issue).
CREATE TABLE absence_alerts (
    id BIGSERIAL PRIMARY KEY,
    enrolment_id BIGINT NOT NULL REFERENCES enrolments(id),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    cohort_id BIGINT NOT NULL REFERENCES cohorts(id),
    streak INTEGER NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    acknowledged_by BIGINT REFERENCES users(id),
    cleared_at TIMESTAMP,
    cleared_reason TEXT CHECK (cleared_reason IN ('acknowledged','attended','corrected')),
    notified_at TIMESTAMP
);
CREATE INDEX absence_alerts_open ON absence_alerts(cohort_id, cleared_at);
CREATE INDEX absence_alerts_enrolment ON absence_alerts(enrolment_id, cleared_at);

CREATE TABLE calendar_feeds (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    cohort_id BIGINT REFERENCES cohorts(id),
    user_id BIGINT REFERENCES users(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
