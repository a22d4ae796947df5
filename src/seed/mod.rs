//! Bulk seed data: a realistic installation of any size, loaded set-wise (`INSERT … SELECT` from
//! a table of numbers) so that 100,000 participants and a million milestones load in minutes.
//! Used by `onward seed` (see [`command`]) and by the benchmarks in `examples/`.
//!
//! Everything is derived from the participant number `n` by fixed formulas, so two loads of the
//! same size hold the same rows (apart from timestamps, sealed narratives and password salts).
//! The rows keep the invariants the stores rely on: every plan has its eight pathways, a held
//! session has marks only for people enrolled in its cohort, no one has two unexcused absences in
//! a row (so no absence alert is owed), staff of a site work with participants of that site, and
//! the audit chain is computed with [`crate::audit::record_many`], so `onward audit verify` holds.

pub mod command;

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Duration as Days, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::audit::{self, Event, Who};
use crate::crypto::Keyring;
use crate::db::schema::{exit_plans, participants, users};
use crate::db::{DbConnection, DbError};

/// Sites, in order of their ids: code, case-reference prefix, name, IANA time zone, staff language.
pub const SITES: [(&str, &str, &str, &str, &str); 3] = [
    (
        "KG-BSK",
        "KG",
        "Bishkek Correctional Colony No. 1",
        "Asia/Bishkek",
        "ru",
    ),
    (
        "PT-LIS",
        "PT",
        "Lisbon Central Prison",
        "Europe/Lisbon",
        "en",
    ),
    (
        "BR-SPO",
        "BR",
        "Sao Paulo Reentry Unit",
        "America/Sao_Paulo",
        "en",
    ),
];
const S: i64 = SITES.len() as i64;

/// Partner agencies, in order of their ids: name, kind, mailbox, language, secure channel.
pub const AGENCIES: [(&str, &str, &str, &str, bool); 6] = [
    (
        "Probation Service",
        "probation",
        "probation@agencies.example.org",
        "en",
        true,
    ),
    (
        "City Housing Office",
        "housing",
        "housing@agencies.example.org",
        "en",
        false,
    ),
    (
        "Employment Centre",
        "employment",
        "jobs@agencies.example.org",
        "en",
        false,
    ),
    (
        "Community Health Trust",
        "health",
        "health@agencies.example.org",
        "en",
        false,
    ),
    (
        "Reentry Support",
        "ngo",
        "reentry@agencies.example.org",
        "en",
        false,
    ),
    (
        "Bishkek Reentry Foundation",
        "ngo",
        "fund@agencies.example.org",
        "ru",
        false,
    ),
];

/// Programmes, in order of their ids: name, kind, sessions.
const PROGRAMMES: [(&str, &str, i64); 3] = [
    ("Pathways out of violence", "group", 12),
    ("Literacy and numeracy", "education", 10),
    ("Kitchen skills", "vocational", 8),
];
/// Participants per cohort.
const COHORT_SIZE: i64 = 12;
/// Participants per chunk of a per-participant step (one statement each, one tick of the bar).
const CHUNK: i64 = 5_000;

/// Which database the SQL is written for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(conn: &DbConnection) -> Self {
        match conn {
            DbConnection::Pg(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// SQL for `base + days` where `days` is an integer SQL expression; `base` is a date.
    fn add_days(self, base: NaiveDate, days: &str) -> String {
        match self {
            Backend::Postgres => format!("(DATE '{base}' + ({days})::int)"),
            Backend::Sqlite => format!("date('{base}', ({days}) || ' days')"),
        }
    }

    /// SQL for the timestamp `expr + seconds` (`expr` a timestamp expression).
    fn add_secs(self, expr: &str, seconds: &str) -> String {
        match self {
            Backend::Postgres => format!("({expr} + ({seconds}) * INTERVAL '1 second')"),
            Backend::Sqlite => format!("datetime({expr}, ({seconds}) || ' seconds')"),
        }
    }

    /// SQL for the timestamp `date` (a date expression) at `hours` o'clock UTC.
    fn at_hour(self, date: &str, hours: i64) -> String {
        match self {
            Backend::Postgres => format!("({date} + {hours} * INTERVAL '1 hour')"),
            Backend::Sqlite => format!("datetime({date}, '+{hours} hours')"),
        }
    }

    fn timestamp(self, at: NaiveDateTime) -> String {
        let text = at.format("%Y-%m-%d %H:%M:%S");
        match self {
            Backend::Postgres => format!("TIMESTAMP '{text}'"),
            Backend::Sqlite => format!("'{text}'"),
        }
    }

    /// A date expression as `YYYY-MM-DD` text.
    fn date_text(self, expr: &str) -> String {
        match self {
            Backend::Postgres => format!("to_char({expr}, 'YYYY-MM-DD')"),
            Backend::Sqlite => expr.to_string(),
        }
    }

    /// The number `expr` as text of at least six digits.
    fn six_digits(self, expr: &str) -> String {
        match self {
            Backend::Postgres => format!("lpad(({expr})::text, 6, '0')"),
            Backend::Sqlite => format!("substr('000000' || ({expr}), -6, 6)"),
        }
    }
}

/// What to load.
#[derive(Clone)]
pub struct Population {
    /// Participants in custody, each with one active exit plan.
    pub participants: i64,
    /// Milestones per exit plan.
    pub milestones: i64,
    /// The instant the data is "now" for: sessions, notes and emails before it are past.
    pub now: DateTime<Utc>,
    /// The argon2 hash every seeded user signs in with; `None` leaves them without a password.
    pub password_hash: Option<String>,
    /// Seals the progress-note narratives; `None` writes no progress notes.
    pub keys: Option<Keyring>,
}

/// A user who can sign in, one per role (and per site for coordinators).
#[derive(Debug, Clone)]
pub struct SeedLogin {
    pub role: String,
    pub email: String,
    pub site: Option<String>,
}

/// Told about each step as it runs (a progress bar, or a benchmark's timings).
pub trait Progress {
    /// A step of `total` chunks begins.
    fn start(&mut self, step: &str, total: u64);
    /// One chunk is done.
    fn advance(&mut self);
    /// The step is done.
    fn finish(&mut self, step: &str, elapsed: Duration);
}

/// Progress nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&mut self, _: &str, _: u64) {}
    fn advance(&mut self) {}
    fn finish(&mut self, _: &str, _: Duration) {}
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}")]
    Refused(String),
    #[error("{step}: {source}")]
    Step { step: String, source: DbError },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for SeedError {
    fn from(e: diesel::result::Error) -> Self {
        SeedError::Db(e.into())
    }
}

/// The tables seeding fills, in the order their counts are shown.
pub const TABLES: [&str; 23] = [
    "sites",
    "users",
    "email_opt_outs",
    "agencies",
    "participants",
    "participant_mentors",
    "participant_access",
    "sharing_bases",
    "exit_plans",
    "exit_plan_pathways",
    "milestones",
    "programmes",
    "cohorts",
    "cohort_facilitators",
    "cohort_sessions",
    "enrolments",
    "enrolment_events",
    "attendance",
    "progress_notes",
    "notifications",
    "reminder_rules",
    "plan_templates",
    "audit_events",
];

/// Rows in `table` (one of [`TABLES`]).
pub fn count(conn: &mut DbConnection, table: &str) -> Result<i64, DbError> {
    use diesel::sql_types::BigInt;
    let q = diesel::select(diesel::dsl::sql::<BigInt>(&format!(
        "(SELECT count(*) FROM {table})"
    )));
    Ok(match conn {
        DbConnection::Pg(c) => q.get_result(c)?,
        DbConnection::Sqlite(c) => q.get_result(c)?,
    })
}

/// Refuse a database that holds anything seeding would assign ids or names to.
fn refuse_unless_empty(conn: &mut DbConnection) -> Result<(), SeedError> {
    for table in ["participants", "sites", "users", "agencies", "programmes"] {
        let n = count(conn, table)?;
        if n > 0 {
            return Err(SeedError::Refused(format!(
                "the database already holds {n} {table}: seed only fills an empty database \
                 (migrated, with no sites, users, agencies, programmes or participants)"
            )));
        }
    }
    Ok(())
}

/// `CASE (expr) % len WHEN 0 THEN 'a' WHEN 1 THEN 'b' ... END`: a deterministic pick from a list.
fn pick(expr: &str, list: &[&str]) -> String {
    let arms: String = list
        .iter()
        .enumerate()
        .map(|(i, v)| format!(" WHEN {i} THEN '{}'", v.replace('\'', "''")))
        .collect();
    format!("CASE ({expr}) % {}{arms} END", list.len())
}

const GIVEN: [&str; 12] = [
    "Aibek", "Ana", "Bakyt", "Joao", "Nurlan", "Maria", "Erlan", "Rui", "Dinara", "Tiago",
    "Aizada", "Pedro",
];
const FAMILY: [&str; 11] = [
    "Asanov",
    "Silva",
    "Bekov",
    "Santos",
    "Ismailova",
    "Ferreira",
    "Toktogulov",
    "Pereira",
    "Omurbekov",
    "Costa",
    "Sadykova",
];
const NARRATIVES: [&str; 8] = [
    "Talked about his family and the visit planned for next month.",
    "Quiet at first; opened up about work he would like after release.",
    "Discussed the group session and the questions it raised.",
    "Spoke about the friends he wants to avoid after release.",
    "Went through the housing application together; references still missing.",
    "Practised the interview questions for the kitchen placement.",
    "Upset after a phone call home; agreed to talk again next week.",
    "Planned the first day after release: probation, bank, housing office.",
];

/// Staff ids: who works where. Staff of site `1 + k % S` have ids `base + k`.
struct Staff {
    officers: i64,
    mentors: i64,
}

const ADMIN_ID: i64 = 1;
const COORDINATOR_BASE: i64 = 2; // two per site
const AUDITOR_ID: i64 = 10;
const AGENCY_USER_BASE: i64 = 11; // one per agency
const OFFICER_BASE: i64 = 20;

impl Staff {
    fn for_participants(n: i64) -> Self {
        let round = |x: i64| (x.max(S) + S - 1) / S * S;
        Self {
            officers: round(n / 100),
            mentors: round(n / 50),
        }
    }
    fn mentor_base(&self) -> i64 {
        OFFICER_BASE + self.officers
    }
    /// SQL: the id of a staff member (of `count` from `base`) at the site of participant `n`
    /// (site `1 + n % S`), spread evenly.
    fn same_site(base: i64, count: i64, n: &str) -> String {
        format!("{base} + {S} * (({n} / {S}) % {}) + ({n} % {S})", count / S)
    }
}

/// The site of participant `n`, as SQL.
fn site_of(n: &str) -> String {
    format!("(1 + ({n}) % {S})")
}

/// Whether participant `n` is enrolled on a programme (one in four), as SQL.
fn enrolled(n: &str) -> String {
    format!("(({n}) / {S}) % 4 = 0")
}

/// The cohort of enrolled participant `n`, as SQL: twelve people of one site per cohort.
fn cohort_of(n: &str) -> String {
    format!("({S} * (((({n}) / {S}) / 4) / {COHORT_SIZE}) + ({n}) % {S} + 1)")
}

/// The week (from this week) in which cohort `c` starts, as SQL: from 24 weeks ago to 6 ahead.
fn start_week_of(c: &str) -> String {
    format!("(-24 + (((({c}) - 1) / {S}) * 7) % 31)")
}

/// The week slots sessions are placed in: each site's weekly group time (10:00 local, on a
/// weekday of its own) as UTC instants, computed here with the site's time-zone rules.
fn week_slots(today: NaiveDate) -> Vec<(i64, i64, NaiveDate, NaiveDateTime, NaiveDateTime)> {
    let monday = today - Days::days(i64::from(today.weekday().num_days_from_monday()));
    let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default();
    let mut slots = Vec::new();
    for (i, (_, _, _, zone, _)) in SITES.iter().enumerate() {
        let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
        for week in -30..=20i64 {
            let day = monday + Days::days(week * 7 + i as i64);
            let start = day
                .and_time(ten)
                .and_local_timezone(tz)
                .earliest()
                .map(|t| t.naive_utc())
                .unwrap_or_else(|| day.and_time(ten));
            slots.push((i as i64 + 1, week, day, start, start + Days::minutes(90)));
        }
    }
    slots
}

/// Load the population; returns the logins. Runs in one transaction: all or nothing.
pub fn load(
    conn: &mut DbConnection,
    population: &Population,
    progress: &mut dyn Progress,
) -> Result<Vec<SeedLogin>, SeedError> {
    crate::reminders::ensure_defaults(conn)
        .map_err(|e| SeedError::Refused(format!("adding the default reminder rules: {e}")))?;
    crate::exit_plans::ensure_default_template(conn)
        .map_err(|e| SeedError::Refused(format!("adding the default plan template: {e}")))?;
    let logins = conn.transaction::<_, SeedError, _>(|conn| {
        crate::db::lock_for_write(conn, crate::db::lock_keys::AUDIT_CHAIN)?;
        refuse_unless_empty(conn)?;
        load_rows(conn, population, progress)?;
        audit_trail(conn, population, progress)?;
        Ok(logins())
    })?;
    // PostgreSQL's autovacuum would analyse the new tables within a minute; do it now so that
    // the first queries get good plans.
    if Backend::of(conn) == Backend::Postgres {
        let t = Instant::now();
        progress.start("analyse", 1);
        conn.batch_execute("VACUUM ANALYZE")
            .map_err(|e| SeedError::Step {
                step: "analyse".into(),
                source: e.into(),
            })?;
        progress.advance();
        progress.finish("analyse", t.elapsed());
    }
    Ok(logins)
}

fn logins() -> Vec<SeedLogin> {
    let mut out = vec![SeedLogin {
        role: "admin".into(),
        email: "admin1@staff.example.org".into(),
        site: None,
    }];
    for k in 0..2 * S {
        out.push(SeedLogin {
            role: "coordinator".into(),
            email: format!("coordinator{}@staff.example.org", k + 1),
            site: Some(SITES[(k % S) as usize].0.into()),
        });
    }
    for (role, email) in [
        ("probation_officer", "po1@staff.example.org"),
        ("mentor", "mentor1@staff.example.org"),
        ("agency_user", "agency1@staff.example.org"),
        ("auditor", "auditor1@staff.example.org"),
    ] {
        out.push(SeedLogin {
            role: role.into(),
            email: email.into(),
            site: (role == "probation_officer" || role == "mentor").then(|| SITES[0].0.into()),
        });
    }
    out
}

/// One step: `chunks` statements, each its own tick of the bar.
fn step(
    conn: &mut DbConnection,
    progress: &mut dyn Progress,
    name: &str,
    statements: Vec<String>,
) -> Result<(), SeedError> {
    let t = Instant::now();
    progress.start(name, statements.len() as u64);
    for sql in statements {
        conn.batch_execute(&sql).map_err(|e| SeedError::Step {
            step: name.to_string(),
            source: e.into(),
        })?;
        progress.advance();
    }
    progress.finish(name, t.elapsed());
    Ok(())
}

/// One statement per chunk of participant numbers: `sql` gets `{lo}` and `{hi}` replaced.
fn per_chunk(n: i64, sql: &str) -> Vec<String> {
    (0..(n + CHUNK - 1) / CHUNK)
        .map(|i| {
            sql.replace("{lo}", &(i * CHUNK + 1).to_string())
                .replace("{hi}", &((i + 1) * CHUNK).min(n).to_string())
        })
        .collect()
}

fn load_rows(
    conn: &mut DbConnection,
    population: &Population,
    progress: &mut dyn Progress,
) -> Result<(), SeedError> {
    let backend = Backend::of(conn);
    let n = population.participants.max(1);
    let m = population.milestones.max(1);
    let now = population.now.naive_utc();
    let today = population.now.date_naive();
    let ts = backend.timestamp(now);
    let staff = Staff::for_participants(n);
    let mentor_base = staff.mentor_base();
    // Release day of participant `s.n`, in days from today: a permutation of 0..=730.
    // 451 / 731 is near the golden ratio, so any site's people (every third number) spread too.
    let release = "((s.n * 451) % 731)";
    // Participants were added over the last year, in order.
    let step_secs = (365 * 86_400 / n).max(1);
    let created = backend.add_secs(&ts, &format!("-(({n} - s.n) * {step_secs})"));
    let hash = population
        .password_hash
        .as_deref()
        .map(|h| format!("'{}'", h.replace('\'', "''")))
        .unwrap_or_else(|| "NULL".into());
    let staff_since = backend.timestamp(now - Days::days(400));

    let numbers = n.max(64);
    step(
        conn,
        progress,
        "numbers",
        vec![match backend {
            Backend::Postgres => format!(
                "CREATE TEMPORARY TABLE seed_numbers (n BIGINT PRIMARY KEY); \
                 INSERT INTO seed_numbers SELECT generate_series(1, {numbers});"
            ),
            Backend::Sqlite => format!(
                "CREATE TEMPORARY TABLE seed_numbers (n INTEGER PRIMARY KEY); \
                 WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {numbers}) \
                 INSERT INTO seed_numbers SELECT n FROM c;"
            ),
        }],
    )?;

    let sites: Vec<String> = SITES
        .iter()
        .enumerate()
        .map(|(i, (code, _, name, zone, _))| {
            format!("({}, '{code}', '{name}', '{zone}', {staff_since})", i + 1)
        })
        .collect();
    let agencies: Vec<String> = AGENCIES
        .iter()
        .enumerate()
        .map(|(i, (name, kind, mailbox, language, secure))| {
            format!(
                "({}, '{name}', '{kind}', '{mailbox}', '{language}', 'vetted', {secure}, TRUE, 1, \
                 {staff_since}, {staff_since})",
                i + 1
            )
        })
        .collect();
    step(
        conn,
        progress,
        "sites and agencies",
        vec![format!(
            "INSERT INTO sites (id, code, name, time_zone, created_at) VALUES {}; \
             INSERT INTO agencies (id, name, kind, mailbox, language, vetting_status, \
             secure_channel, active, version, created_at, updated_at) VALUES {};",
            sites.join(", "),
            agencies.join(", ")
        )],
    )?;

    // Staff `k` (from 0) of a sited role works at site 1 + k % S and reads its language.
    let site_language = pick("s.n - 1", &SITES.iter().map(|s| s.4).collect::<Vec<_>>());
    let staff_rows = |role: &str, base: i64, count: i64, mail: &str, sited: bool| {
        let site = if sited {
            format!("1 + ((s.n - 1) % {S})")
        } else {
            "NULL".into()
        };
        let agency = if role == "agency_user" {
            "s.n".to_string()
        } else {
            "NULL".into()
        };
        let language = if sited {
            site_language.clone()
        } else {
            "'en'".into()
        };
        format!(
            "INSERT INTO users (id, email, display_name, role, site_id, password_hash, active, \
             created_at, agency_id, language) \
             SELECT {base} + s.n - 1, '{mail}' || s.n || '@staff.example.org', \
             '{}' || ' ' || s.n, '{role}', {site}, {hash}, TRUE, {staff_since}, {agency}, {language} \
             FROM seed_numbers s WHERE s.n <= {count};",
            display(role)
        )
    };
    step(
        conn,
        progress,
        "users",
        vec![[
            staff_rows("admin", ADMIN_ID, 1, "admin", false),
            staff_rows("coordinator", COORDINATOR_BASE, 2 * S, "coordinator", true),
            staff_rows("auditor", AUDITOR_ID, 1, "auditor", false),
            staff_rows(
                "agency_user",
                AGENCY_USER_BASE,
                AGENCIES.len() as i64,
                "agency",
                false,
            ),
            staff_rows("probation_officer", OFFICER_BASE, staff.officers, "po", true),
            staff_rows("mentor", mentor_base, staff.mentors, "mentor", true),
            // One mentor in 25 does not want reminder emails.
            format!(
                "INSERT INTO email_opt_outs (user_id, kind) SELECT {mentor_base} + s.n - 1, 'reminders' \
                 FROM seed_numbers s WHERE s.n <= {} AND s.n % 25 = 0;",
                staff.mentors
            ),
        ]
        .concat()],
    )?;

    let given = pick("s.n * 7 + s.n / 5", &GIVEN);
    let family = pick("s.n * 13", &FAMILY);
    let lower = |list: &[&str]| list.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    let (given_lc, family_lc) = (lower(&GIVEN), lower(&FAMILY));
    let given_lc = pick("s.n * 7 + s.n / 5", &as_strs(&given_lc));
    let family_lc = pick("s.n * 13", &as_strs(&family_lc));
    let prefix = pick("s.n", &SITES.iter().map(|s| s.1).collect::<Vec<_>>());
    let prefix_lc = prefix.to_lowercase();
    let case_ref = format!("{prefix} || '-2026-' || {}", backend.six_digits("s.n"));
    let case_ref_lc = format!("{prefix_lc} || '-2026-' || {}", backend.six_digits("s.n"));
    let officer = Staff::same_site(OFFICER_BASE, staff.officers, "s.n");
    let mentor = Staff::same_site(mentor_base, staff.mentors, "s.n");
    step(
        conn,
        progress,
        "participants",
        per_chunk(
            n,
            &format!(
                "INSERT INTO participants (id, case_reference, given_name, family_name, \
                 date_of_birth, site_id, status, sentence_start, earliest_release_date, \
                 parole_eligibility_date, licence_end_date, restricted, probation_officer_id, \
                 search_text, version, created_at, updated_at) \
                 SELECT s.n, {case_ref}, {given}, {family}, {dob}, {site}, 'in_custody', \
                 {start}, {rel}, NULL, {licence}, s.n % 50 = 0, {officer}, \
                 {case_ref_lc} || ' ' || {given_lc} || ' ' || {family_lc} || ' ' || {family_lc} || ' ' || {given_lc}, \
                 1, {created}, {created} \
                 FROM seed_numbers s WHERE s.n BETWEEN {{lo}} AND {{hi}}; \
                 INSERT INTO participant_mentors (participant_id, user_id) \
                 SELECT s.n, {mentor} FROM seed_numbers s \
                 WHERE s.n BETWEEN {{lo}} AND {{hi}} AND s.n % 5 <> 0; \
                 INSERT INTO participant_access (participant_id, user_id) \
                 SELECT s.n, {officer} FROM seed_numbers s \
                 WHERE s.n BETWEEN {{lo}} AND {{hi}} AND s.n % 50 = 0;",
                site = site_of("s.n"),
                dob = backend.add_days(today, "-(7300 + (s.n * 37) % 14600)"),
                start = backend.add_days(today, "-(200 + (s.n * 13) % 1500)"),
                rel = backend.add_days(today, release),
                licence = backend.add_days(today, &format!("{release} + 730")),
            ),
        ),
    )?;

    // A sharing basis with every agency (1 in 20 expired), one active plan with its eight
    // pathways, and M milestones: the default template's kinds and agencies in turn, offsets
    // spread from 120 days before release to 7 days after; those past are 3 in 4 done.
    let template = crate::exit_plans::default_template();
    let agency_of = |kind: Option<&str>| match kind {
        Some("probation") => "1",
        Some("housing") => "2",
        Some("employment") => "3",
        Some("health") => "4",
        Some("ngo") => "5",
        _ => "NULL",
    };
    let rows: Vec<String> = (0..m)
        .map(|j| {
            let t = &template[j as usize % template.len()];
            let offset = if m == 1 { 0 } else { -120 + 127 * j / (m - 1) };
            format!(
                "({j}, '{}', '{}', {offset}, {})",
                t.kind,
                t.title.replace('\'', "''"),
                agency_of(t.agency_kind.as_deref())
            )
        })
        .collect();
    let pathways: Vec<String> = crate::exit_plans::model::PATHWAYS
        .iter()
        .enumerate()
        .map(|(i, p)| format!("({i}, '{p}')"))
        .collect();
    let plan_created = backend.add_secs(&created, "60");
    step(
        conn,
        progress,
        "exit plans and milestones",
        per_chunk(
            n,
            &format!(
                "INSERT INTO sharing_bases (id, participant_id, agency_id, legal_basis, valid_from, \
                 valid_until, created_by, created_at) \
                 SELECT (s.n - 1) * {agencies} + a.id, s.n, a.id, 'consent', {from}, \
                 CASE WHEN (s.n + a.id) % 20 = 0 THEN {expired} ELSE NULL END, {ADMIN_ID}, {created} \
                 FROM seed_numbers s CROSS JOIN agencies a WHERE s.n BETWEEN {{lo}} AND {{hi}}; \
                 INSERT INTO exit_plans (id, participant_id, target_release_date, release_type, \
                 status, version, created_at, updated_at) \
                 SELECT s.n, s.n, {rel}, {kind}, 'active', 1, {plan_created}, {plan_created} \
                 FROM seed_numbers s WHERE s.n BETWEEN {{lo}} AND {{hi}}; \
                 WITH pw(i, name) AS (VALUES {pathways}) \
                 INSERT INTO exit_plan_pathways (plan_id, pathway, status, responsible, version, updated_at) \
                 SELECT s.n, pw.name, {pathway_status}, '', 1, {plan_created} \
                 FROM seed_numbers s CROSS JOIN pw WHERE s.n BETWEEN {{lo}} AND {{hi}}; \
                 WITH tpl(j, kind, title, off, agency) AS (VALUES {rows}) \
                 INSERT INTO milestones (id, plan_id, participant_id, kind, title, offset_days, due_on, \
                 responsible_agency_id, status, note, version, created_at, updated_at) \
                 SELECT (s.n - 1) * {m} + t.j + 1, s.n, s.n, t.kind, t.title, t.off, {due}, \
                 CASE WHEN t.agency = 5 THEN 5 + (s.n % 2) ELSE t.agency END, \
                 CASE WHEN {release} + t.off < 0 AND (s.n + t.j) % 4 <> 0 THEN 'done' \
                      WHEN (s.n + t.j) % 3 = 0 THEN 'in_progress' ELSE 'planned' END, \
                 '', 1, {plan_created}, {plan_created} \
                 FROM seed_numbers s CROSS JOIN tpl t WHERE s.n BETWEEN {{lo}} AND {{hi}};",
                agencies = AGENCIES.len(),
                from = backend.add_days(today, "-400"),
                expired = backend.add_days(today, "-10"),
                rel = backend.add_days(today, release),
                kind = pick("s.n", &crate::exit_plans::model::RELEASE_TYPES),
                pathway_status = pick(
                    "s.n + pw.i",
                    &["not_started", "in_progress", "not_started", "done", "support_required"]
                ),
                rows = rows.join(", "),
                pathways = pathways.join(", "),
                due = backend.add_days(today, &format!("{release} + t.off")),
            ),
        ),
    )?;

    delivery(conn, population, progress, backend, &staff)?;
    notes_and_emails(conn, population, progress, backend)?;

    let mut tidy = String::from("DROP TABLE seed_numbers; DROP TABLE seed_slots;");
    if backend == Backend::Postgres {
        // Explicit ids were given: move the sequences past them.
        for table in [
            "sites",
            "users",
            "agencies",
            "participants",
            "exit_plans",
            "sharing_bases",
            "milestones",
            "programmes",
            "cohorts",
            "cohort_sessions",
        ] {
            tidy.push_str(&format!(
                " SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT coalesce(max(id), 1) FROM {table}));"
            ));
        }
    }
    step(conn, progress, "tidy", vec![tidy])
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A word for the role, for display names.
fn display(role: &str) -> &'static str {
    match role {
        "admin" => "Administrator",
        "coordinator" => "Coordinator",
        "auditor" => "Auditor",
        "agency_user" => "Agency desk",
        "probation_officer" => "Probation officer",
        _ => "Mentor",
    }
}

/// Programmes, cohorts of twelve (one participant in four, with people of one site), weekly
/// sessions at each site's local 10:00, enrolments with their history, and the registers of the
/// sessions already held.
fn delivery(
    conn: &mut DbConnection,
    population: &Population,
    progress: &mut dyn Progress,
    backend: Backend,
    staff: &Staff,
) -> Result<(), SeedError> {
    let n = population.participants.max(1);
    let now = population.now.naive_utc();
    let ts = backend.timestamp(now);
    let today = population.now.date_naive();
    let slots: Vec<String> = week_slots(today)
        .into_iter()
        .map(|(site, week, day, start, end)| {
            let day = match backend {
                Backend::Postgres => format!("DATE '{day}'"),
                Backend::Sqlite => format!("'{day}'"),
            };
            format!(
                "({site}, {week}, {day}, {}, {})",
                backend.timestamp(start),
                backend.timestamp(end)
            )
        })
        .collect();
    let programmes: Vec<String> = PROGRAMMES
        .iter()
        .enumerate()
        .map(|(i, (name, kind, sessions))| {
            format!(
                "({}, '{name}', '{kind}', '', {sessions}, 75, 3, 1, {ts}, {ts})",
                i + 1
            )
        })
        .collect();
    let (date_type, time_type) = match backend {
        Backend::Postgres => ("DATE", "TIMESTAMP"),
        Backend::Sqlite => ("TEXT", "TEXT"),
    };
    let c = "x.cohort";
    let facilitator = Staff::same_site(staff.mentor_base(), staff.mentors, &format!("({c} - 1)"));
    let week = start_week_of("c.id");
    let mark_key = "(e.participant_id + cs.id % 16) % 9";
    step(
        conn,
        progress,
        "programmes and cohorts",
        vec![format!(
            "CREATE TEMPORARY TABLE seed_slots (site_id BIGINT, week INTEGER, local_date {date_type}, \
             starts_at {time_type}, ends_at {time_type}); \
             INSERT INTO seed_slots VALUES {slots}; \
             INSERT INTO programmes (id, name, kind, description, session_count, \
             min_attendance_percent, absence_alert_after, version, created_at, updated_at) \
             VALUES {programmes}; \
             INSERT INTO cohorts (id, programme_id, site_id, name, capacity, start_date, status, \
             version, created_at, updated_at) \
             SELECT {c}, p.id, f.site_id, p.name || ' #' || {c}, {COHORT_SIZE}, f.local_date, \
             CASE WHEN l.starts_at < {ts} THEN 'completed' WHEN f.starts_at < {ts} THEN 'running' \
                  ELSE 'planned' END, 1, {opened}, {opened} \
             FROM (SELECT DISTINCT {cohort} AS cohort FROM seed_numbers s \
                   WHERE s.n <= {n} AND {enrolled}) x \
             JOIN programmes p ON p.id = 1 + (({c} - 1) / {S}) % {programmes_len} \
             JOIN seed_slots f ON f.site_id = 1 + ({c} - 1) % {S} AND f.week = {start} \
             JOIN seed_slots l ON l.site_id = f.site_id AND l.week = f.week + p.session_count - 1; \
             INSERT INTO cohort_facilitators (cohort_id, user_id) \
             SELECT {c}, {facilitator} FROM (SELECT id AS cohort FROM cohorts) x; \
             INSERT INTO cohort_sessions (id, cohort_id, starts_at, ends_at, room, facilitator_id, \
             status, version, created_at, updated_at) \
             SELECT (c.id - 1) * 16 + k.n, c.id, sl.starts_at, sl.ends_at, 'Room ' || (1 + c.id % 4), \
             cf.user_id, CASE WHEN sl.starts_at < {ts} THEN 'held' ELSE 'scheduled' END, 1, \
             c.created_at, c.created_at \
             FROM cohorts c JOIN programmes p ON p.id = c.programme_id \
             JOIN cohort_facilitators cf ON cf.cohort_id = c.id \
             JOIN seed_numbers k ON k.n <= p.session_count \
             JOIN seed_slots sl ON sl.site_id = c.site_id AND sl.week = {week} + k.n - 1;",
            slots = slots.join(", "),
            programmes = programmes.join(", "),
            cohort = cohort_of("s.n"),
            enrolled = enrolled("s.n"),
            programmes_len = PROGRAMMES.len(),
            start = start_week_of(c),
            opened = backend.add_secs("f.starts_at", &format!("-{}", 21 * 86_400)),
        )],
    )?;
    step(
        conn,
        progress,
        "enrolments and registers",
        per_chunk(
            n,
            &format!(
                "INSERT INTO enrolments (participant_id, cohort_id, status, assessment_outcome, \
                 version, created_at, updated_at) \
                 SELECT s.n, c.id, CASE c.status WHEN 'completed' THEN 'completed' \
                 WHEN 'running' THEN 'active' ELSE 'enrolled' END, 'suitable', 1, \
                 c.created_at, c.created_at \
                 FROM seed_numbers s JOIN cohorts c ON c.id = {cohort} \
                 WHERE s.n BETWEEN {{lo}} AND {{hi}} AND {enrolled}; \
                 WITH st(i, from_status, to_status, outcome) AS (VALUES \
                   (1, NULL, 'referred', NULL), (2, 'referred', 'assessed', 'suitable'), \
                   (3, 'assessed', 'enrolled', NULL), (4, 'enrolled', 'active', NULL), \
                   (5, 'active', 'completed', NULL)) \
                 INSERT INTO enrolment_events (enrolment_id, from_status, to_status, \
                 assessment_outcome, reason, actor_user_id, actor_label, occurred_at) \
                 SELECT e.id, st.from_status, st.to_status, st.outcome, 'Agreed at the case review', \
                 {coordinator}, 'coordinator' || ({coordinator} - {COORDINATOR_BASE} + 1) || '@staff.example.org (coordinator)', \
                 {occurred} \
                 FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id \
                 JOIN programmes p ON p.id = c.programme_id CROSS JOIN st \
                 WHERE e.participant_id BETWEEN {{lo}} AND {{hi}} AND st.i <= CASE e.status \
                 WHEN 'enrolled' THEN 3 WHEN 'active' THEN 4 ELSE 5 END; \
                 INSERT INTO attendance (session_id, participant_id, mark, late_minutes, \
                 not_held_reason, recorded_by, recorded_at) \
                 SELECT cs.id, e.participant_id, \
                 CASE {mark_key} WHEN 0 THEN 'unexcused' WHEN 4 THEN 'late' WHEN 7 THEN 'excused' \
                 ELSE 'present' END, \
                 CASE {mark_key} WHEN 4 THEN 5 + e.participant_id % 20 ELSE NULL END, NULL, \
                 cs.facilitator_id, cs.ends_at \
                 FROM enrolments e JOIN cohort_sessions cs ON cs.cohort_id = e.cohort_id \
                 WHERE e.participant_id BETWEEN {{lo}} AND {{hi}} AND cs.status = 'held';",
                cohort = cohort_of("s.n"),
                enrolled = enrolled("s.n"),
                coordinator = format!("({COORDINATOR_BASE} + (c.site_id - 1))"),
                // The last step (completed) comes with the last session's end.
                occurred = backend.add_secs(
                    "e.created_at",
                    "CASE WHEN st.i = 5 THEN (21 + 7 * (p.session_count - 1)) * 86400 + 5400 \
                     ELSE st.i * 86400 END"
                ),
            ),
        ),
    )
}

/// Progress notes by each participant's mentor (sealed), and the reminder emails already sent
/// for milestones now past.
fn notes_and_emails(
    conn: &mut DbConnection,
    population: &Population,
    progress: &mut dyn Progress,
    backend: Backend,
) -> Result<(), SeedError> {
    let n = population.participants.max(1);
    let today = population.now.date_naive();
    if let Some(keys) = &population.keys {
        // Sealing is per value; a few sealed narratives per text are reused across notes (each
        // opens with the data key like any other).
        let sealed: Vec<String> = (0..64)
            .map(|i| format!("({i}, '{}')", keys.seal(NARRATIVES[i % NARRATIVES.len()])))
            .collect();
        let score = |k: i64| format!("1 + (pm.participant_id * {k} + w.i) % 5");
        step(
            conn,
            progress,
            "progress notes",
            [format!(
                "CREATE TEMPORARY TABLE seed_narratives (i INTEGER PRIMARY KEY, sealed TEXT); \
                 INSERT INTO seed_narratives VALUES {};",
                sealed.join(", ")
            )]
            .into_iter()
            .chain(per_chunk(
                n,
                &format!(
                    "WITH w(i, weeks) AS (VALUES (1, 12), (2, 8), (3, 4), (4, 1)) \
                     INSERT INTO progress_notes (participant_id, author_id, contact_date, \
                     contact_type, engagement, attitudes, social_ties, identity, readiness, \
                     narrative, next_contact_date, tell_probation, version, created_at) \
                     SELECT pm.participant_id, pm.user_id, {on}, \
                     CASE w.i % 2 WHEN 1 THEN 'one_to_one' ELSE 'phone' END, \
                     {e}, {a}, {so}, {id}, {r}, nr.sealed, {next}, \
                     (pm.participant_id % 3 = 1 AND w.i = 3), 1, {created} \
                     FROM participant_mentors pm CROSS JOIN w \
                     JOIN seed_narratives nr ON nr.i = (pm.participant_id * 7 + w.i) % 64 \
                     WHERE pm.participant_id BETWEEN {{lo}} AND {{hi}} \
                     AND pm.participant_id % 7 <> 0 \
                     AND NOT (pm.participant_id % 3 = 0 AND w.i = 4);",
                    on = backend.add_days(today, "-(w.weeks * 7 + pm.participant_id % 3)"),
                    next = backend.add_days(today, "-(w.weeks * 7 + pm.participant_id % 3) + 14"),
                    created = backend.at_hour(
                        &backend.add_days(today, "-(w.weeks * 7 + pm.participant_id % 3)"),
                        15
                    ),
                    e = score(1),
                    a = score(3),
                    so = score(5),
                    id = score(7),
                    r = score(11),
                ),
            ))
            .chain([String::from("DROP TABLE seed_narratives;")])
            .collect(),
        )?;
    }
    let sent = backend.at_hour(&backend.add_days_expr("m.due_on", "-7"), 2);
    let due = backend.date_text("m.due_on");
    step(
        conn,
        progress,
        "sent emails",
        per_chunk(
            n,
            &format!(
                "INSERT INTO notifications (dedupe_key, kind, mandatory, participant_id, \
                 milestone_id, item_date, recipient_user_id, recipient_agency_id, to_address, \
                 language, subject, body_text, body_html, message_id, status, attempts, \
                 next_attempt_at, sent_at, created_at) \
                 SELECT 'm' || m.id || '|' || {due} || '|b7|a' || a.id, 'milestone_reminder', TRUE, \
                 m.participant_id, m.id, m.due_on, NULL, a.id, a.mailbox, a.language, \
                 'Reminder: ' || m.title || ' for ' || p.case_reference || ' on ' || {due}, \
                 m.title || ' for ' || p.case_reference || ' is due on ' || {due} || '.', \
                 '<p>' || m.title || ' for ' || p.case_reference || ' is due on ' || {due} || '.</p>', \
                 '<seed.' || m.id || '@onward.example.org>', 'sent', 1, {sent}, {sent}, {sent} \
                 FROM milestones m JOIN agencies a ON a.id = m.responsible_agency_id \
                 JOIN participants p ON p.id = m.participant_id \
                 WHERE m.participant_id BETWEEN {{lo}} AND {{hi}} AND m.due_on < {today_sql};",
                today_sql = backend.add_days(today, "0"),
            ),
        ),
    )?;
    Ok(())
}

impl Backend {
    /// SQL for `expr + days` where `expr` is a date expression and `days` an integer.
    fn add_days_expr(self, expr: &str, days: &str) -> String {
        match self {
            Backend::Postgres => format!("({expr} + ({days})::int)"),
            Backend::Sqlite => format!("date({expr}, ({days}) || ' days')"),
        }
    }
}

/// The audit trail of what was loaded, chained like any other: each user's creation, each
/// participant's and plan's creation by a coordinator of their site, and the load itself.
fn audit_trail(
    conn: &mut DbConnection,
    population: &Population,
    progress: &mut dyn Progress,
) -> Result<(), SeedError> {
    let t = Instant::now();
    let n = population.participants.max(1);
    progress.start("audit trail", ((n + CHUNK - 1) / CHUNK + 1) as u64);
    let staff: Vec<(i64, String, String, NaiveDateTime)> = users::table
        .order(users::id.asc())
        .select((users::id, users::email, users::role, users::created_at))
        .load(conn)?;
    let events: Vec<(NaiveDateTime, Who, Event)> = staff
        .iter()
        .map(|(_, email, role, at)| {
            (
                *at,
                Who::command_line(),
                Event {
                    action: "user.create",
                    entity_type: "user",
                    entity_id: Some(email.clone()),
                    participant_id: None,
                    detail: Some(serde_json::json!({ "role": role })),
                },
            )
        })
        .collect();
    audit::record_many(conn, &events)?;
    progress.advance();
    let coordinator = |site: i64| {
        let (id, email, role, _) = &staff[(COORDINATOR_BASE - 1 + site - 1) as usize];
        Who {
            user_id: Some(*id),
            label: format!("{email} ({role})"),
            ip: Some("10.0.0.12".into()),
            request_id: None,
        }
    };
    type Row = (
        i64,
        String,
        i64,
        NaiveDateTime,
        i64,
        NaiveDate,
        NaiveDateTime,
    );
    let mut after = 0i64;
    loop {
        let rows: Vec<Row> = participants::table
            .inner_join(exit_plans::table)
            .filter(participants::id.gt(after))
            .order(participants::id.asc())
            .limit(CHUNK)
            .select((
                participants::id,
                participants::case_reference,
                participants::site_id,
                participants::created_at,
                exit_plans::id,
                exit_plans::target_release_date,
                exit_plans::created_at,
            ))
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let mut events = Vec::with_capacity(rows.len() * 2);
        for (id, case_reference, site, created, plan, release, plan_created) in rows {
            let who = coordinator(site);
            events.push((
                created,
                who.clone(),
                Event {
                    action: "participant.create",
                    entity_type: "participant",
                    entity_id: Some(id.to_string()),
                    participant_id: Some(id),
                    detail: Some(serde_json::json!({ "case_reference": case_reference })),
                },
            ));
            events.push((
                plan_created,
                who,
                Event {
                    action: "exit_plan.create",
                    entity_type: "exit_plan",
                    entity_id: Some(plan.to_string()),
                    participant_id: Some(id),
                    detail: Some(serde_json::json!({
                        "target_release_date": release,
                        "template_id": null,
                        "milestones": population.milestones,
                    })),
                },
            ));
        }
        audit::record_many(conn, &events)?;
        progress.advance();
    }
    audit::record_many(
        conn,
        &[(
            crate::db::now(),
            Who::command_line(),
            Event {
                action: "seed.load",
                entity_type: "installation",
                entity_id: None,
                participant_id: None,
                detail: Some(serde_json::json!({
                    "participants": population.participants,
                    "milestones_each": population.milestones,
                })),
            },
        )],
    )?;
    progress.finish("audit trail", t.elapsed());
    Ok(())
}
