-- Exit plans and partner-agency reminders: agencies, sharing bases, plans, milestones, reminder
-- rules, the email outbox and the record of scheduled job runs.

CREATE TABLE agencies (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('probation','housing','employment','health','education','ngo','other')),
    mailbox TEXT NOT NULL,
    language TEXT NOT NULL,
    vetting_status TEXT NOT NULL CHECK (vetting_status IN ('pending','vetted','lapsed')),
    secure_channel BOOLEAN NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Agency users belong to one agency; every user has a language for the emails they receive.
ALTER TABLE users ADD COLUMN agency_id INTEGER REFERENCES agencies(id);
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';

-- Why an agency may hold a participant's data. No basis, no email, no access.
CREATE TABLE sharing_bases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    agency_id INTEGER NOT NULL REFERENCES agencies(id),
    legal_basis TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_until DATE,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sharing_bases_pair ON sharing_bases(participant_id, agency_id);
CREATE INDEX sharing_bases_agency ON sharing_bases(agency_id);

CREATE TABLE plan_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE plan_template_milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    template_id INTEGER NOT NULL REFERENCES plan_templates(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    offset_days INTEGER NOT NULL,
    agency_kind TEXT
);
CREATE INDEX plan_template_milestones_template ON plan_template_milestones(template_id);

CREATE TABLE exit_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    participant_id INTEGER NOT NULL UNIQUE REFERENCES participants(id),
    target_release_date DATE NOT NULL,
    release_type TEXT NOT NULL CHECK (release_type IN ('end_of_sentence','parole','conditional','licence','other')),
    status TEXT NOT NULL CHECK (status IN ('active','withdrawn')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX exit_plans_release ON exit_plans(target_release_date, status);

CREATE TABLE exit_plan_pathways (
    plan_id INTEGER NOT NULL REFERENCES exit_plans(id),
    pathway TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('not_started','in_progress','support_required','support_not_required','support_declined','done')),
    responsible TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, pathway)
);

-- due_on is always the effective date: offset_days (when set) counts from the plan's release
-- date and is recomputed, in the same transaction, whenever that date moves.
CREATE TABLE milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES exit_plans(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    offset_days INTEGER,
    due_on DATE NOT NULL,
    responsible_agency_id INTEGER REFERENCES agencies(id),
    status TEXT NOT NULL CHECK (status IN ('planned','in_progress','done','missed','not_needed')),
    note TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX milestones_due ON milestones(due_on, status);
CREATE INDEX milestones_plan ON milestones(plan_id);
CREATE INDEX milestones_agency ON milestones(responsible_agency_id, due_on);

-- Lists are stored as comma-separated text (e.g. days_before '84,56,28,7,0') and parsed into
-- checked types on read.
CREATE TABLE reminder_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    milestone_kinds TEXT NOT NULL,
    days_before TEXT NOT NULL,
    days_after TEXT NOT NULL,
    recipients TEXT NOT NULL,
    delivery TEXT NOT NULL CHECK (delivery IN ('single','digest')),
    active BOOLEAN NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The outbox. A row is written in the same transaction as the decision to send; dedupe_key
-- (what, for whom, for which date) makes the decision happen once. Delivery claims a row by
-- setting a lease; message_id is fixed at creation so retries carry the same Message-ID.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    mandatory BOOLEAN NOT NULL,
    participant_id INTEGER REFERENCES participants(id),
    milestone_id INTEGER REFERENCES milestones(id),
    -- The date the email is about (due date, release date), to find what was decided for a window.
    item_date DATE,
    recipient_user_id INTEGER REFERENCES users(id),
    recipient_agency_id INTEGER REFERENCES agencies(id),
    to_address TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending','sent','failed','cancelled','in_digest')),
    digest_id INTEGER REFERENCES notifications(id),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_due ON notifications(status, next_attempt_at);
CREATE INDEX notifications_participant ON notifications(participant_id, created_at);
CREATE INDEX notifications_milestone ON notifications(milestone_id);
CREATE INDEX notifications_item_date ON notifications(item_date);
CREATE INDEX notifications_digest ON notifications(digest_id);
CREATE INDEX notifications_to ON notifications(to_address, status);

-- Optional kinds a user does not want by email (agency reminders cannot be opted out of).
CREATE TABLE email_opt_outs (
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- One row per run of a scheduled job. UNIQUE (job, slot) is the claim: the instance whose insert
-- succeeds runs the slot, any other skips it.
CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    job TEXT NOT NULL,
    slot TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome TEXT NOT NULL CHECK (outcome IN ('running','succeeded','failed')),
    counts TEXT NOT NULL DEFAULT '',
    error TEXT,
    UNIQUE (job, slot)
);
CREATE INDEX job_runs_started ON job_runs(started_at);
