//! The command line: `onward serve`, `migrate`, `seed`, `user add`, `token create`, `audit verify`,
//! `jobs run`, `backup`, `restore`… Errors are one line on stderr and a non-zero exit status.
//!
//! Only `serve` and `migrate` create a missing SQLite database; every other command needs it to
//! exist. One-off commands open all their connections at once and none later (see
//! [`db::connect_for_command`]), and read the data key `serve --demo` generated when
//! `ONWARD_DATA_KEY` is not set.

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::audit::{self, Who};
use crate::auth::tokens;
use crate::auth::users::{self, EmailAddress, NewUser};
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::kernel::Role;

#[derive(Debug, Parser)]
#[command(
    name = "onward",
    version,
    about = "Rehabilitation programmes and exit plans, from prison to probation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        /// Load demonstration data once (two sites, users of every role, about 50 participants).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill an empty database with realistic data in bulk (needs ONWARD_DATA_KEY).
    Seed {
        /// Participants in custody, each with an exit plan.
        #[arg(long)]
        participants: i64,
        /// Milestones per exit plan.
        #[arg(long, default_value_t = 10)]
        milestones: i64,
        /// Read every seeded user's password from standard input (otherwise one is generated
        /// and printed).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Manage sites (prisons and probation offices).
    Site {
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a checked copy of the (SQLite) database to PATH while Onward runs.
    Backup {
        /// Where the copy goes; it must not exist.
        path: std::path::PathBuf,
    },
    /// Restore a backup made by `onward backup` as the database of DATABASE_URL, a file that
    /// must not exist yet.
    Restore {
        /// The backup file.
        path: std::path::PathBuf,
    },
    /// Scheduled jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Subject access: everything held about one participant, as JSON on standard output.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Retention: anonymise participants closed longer than ONWARD_RETENTION_DAYS.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Data keys that encrypt sensitive text at rest.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Export one participant by case reference (or id); the export is audited.
    Participant { reference: String },
}

#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// List who would be anonymised now and what would be removed (table.column × rows).
    Preview,
    /// Anonymise them now; the run is recorded and each participant's anonymisation audited.
    Run,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Print a new random data key (64 hex characters) for ONWARD_DATA_KEY.
    Generate,
    /// Re-encrypt everything under ONWARD_DATA_KEY; the old key goes in ONWARD_DATA_KEY_PREVIOUS
    /// (running instances configured with both keep working throughout).
    Rotate,
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Run one job now. Exits 1 when the run failed or some of its items did.
    Run {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::jobs::ALL.map(crate::jobs::JobName::as_str)))]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum SiteCommand {
    /// Add a site.
    Add {
        /// A short code such as KG-BSK, used by `user add --site`.
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// IANA time zone, such as Asia/Bishkek or Europe/Lisbon.
        #[arg(long)]
        time_zone: String,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        #[arg(long)]
        email: String,
        /// admin, coordinator, mentor, probation_officer, agency_user or auditor.
        #[arg(long)]
        role: String,
        /// The site's code (required for coordinators).
        #[arg(long)]
        site: Option<String>,
        /// The partner agency's name (required for agency users).
        #[arg(long)]
        agency: Option<String>,
        /// The name shown to other staff (defaults to the email).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API bearer token for a user and print it (only its hash is stored).
    Create {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Exit 0 when the audit chain is intact; otherwise name the first bad row and exit 1.
    Verify,
}

/// Run the command line and turn any failure into one line on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Open the database of a one-off command with `size` connections: it must exist.
fn open(config: &Config, size: u32) -> Result<DbPool, String> {
    let pool = db::connect_for_command(&config.database_url, size, db::Create::Never)
        .map_err(|e| e.to_string())?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("database {}: {e}", config.database_url.masked()))?;
    db::run_migrations(&mut conn)
        .map_err(|e| format!("migrating {}: {e}", config.database_url.masked()))?;
    Ok(pool)
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let mut config = Config::from_env().map_err(|e| e.to_string())?;
    // The jobs' settings are checked against the list of jobs here, so that a typo still stops
    // every command, as any other configuration error does.
    crate::jobs::schedules(&config).map_err(|e| e.to_string())?;
    crate::telemetry::init(config.log_format);
    // One-off commands open and seal with the key the demo server uses, as it does. (`serve`
    // decides for itself; `seed` and `keys rotate` need ONWARD_DATA_KEY set.)
    let reads_demo_key = !matches!(
        cli.command,
        Command::Serve { .. } | Command::Seed { .. } | Command::Keys { .. }
    );
    if reads_demo_key && config.data_keys.is_none() {
        config.data_keys = existing_demo_data_key(&config)?;
    }
    match cli.command {
        Command::Serve { demo } => serve(config, demo),
        Command::Migrate => migrate(&config),
        Command::Seed {
            participants,
            milestones,
            password_stdin,
        } => {
            let args = crate::seed::command::SeedArgs {
                participants,
                milestones,
                password_stdin,
            };
            print!("{}", crate::seed::command::run(&config, &args)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Site {
            command:
                SiteCommand::Add {
                    code,
                    name,
                    time_zone,
                },
        } => add_site(&config, &code, &name, &time_zone),
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    role,
                    site,
                    agency,
                    name,
                    password_stdin: _,
                },
        } => add_user(&config, &email, &role, site, agency, name),
        Command::Token {
            command: TokenCommand::Create { email },
        } => create_token(&config, &email),
        Command::Export {
            command: ExportCommand::Participant { reference },
        } => export_participant(&config, &reference),
        Command::Retention { command } => retention(&config, command),
        Command::Keys {
            command: KeysCommand::Generate,
        } => {
            println!("{}", crate::crypto::DataKey::generate_hex());
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => rotate_keys(&config),
        Command::Jobs {
            command: JobsCommand::Run { name },
        } => run_job(&config, &name),
        Command::Backup { path } => backup(&config, &path),
        Command::Restore { path } => restore(&config, &path),
        Command::Audit {
            command: AuditCommand::Verify,
        } => verify_audit(&config),
    }
}

/// `onward migrate`.
fn migrate(config: &Config) -> Result<ExitCode, String> {
    let pool = db::connect_for_command(&config.database_url, 1, db::Create::IfMissing)
        .map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let n = db::run_migrations(&mut conn).map_err(|e| e.to_string())?;
    println!(
        "{n} migration(s) applied to {}",
        config.database_url.masked()
    );
    Ok(ExitCode::SUCCESS)
}

/// `onward site add`.
fn add_site(config: &Config, code: &str, name: &str, time_zone: &str) -> Result<ExitCode, String> {
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let id = crate::sites::create(&mut conn, &Who::command_line(), code, name, time_zone)
        .map_err(|e| e.to_string())?;
    println!(
        "site {} added with id {}",
        code.trim().to_ascii_uppercase(),
        id.0
    );
    Ok(ExitCode::SUCCESS)
}

/// `onward user add` (the password is read from standard input).
fn add_user(
    config: &Config,
    email: &str,
    role: &str,
    site: Option<String>,
    agency: Option<String>,
    name: Option<String>,
) -> Result<ExitCode, String> {
    let email = EmailAddress::parse(email)
        .map_err(|_| format!("--email '{email}' is not an email address"))?;
    let role: Role = role
        .parse()
        .map_err(|e: crate::kernel::UnknownRole| format!("--role: {e}"))?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| format!("reading the password from standard input: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let agency_id = match agency {
        Some(name) => Some(
            crate::agencies::find_by_name(&mut conn, &name)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("--agency: no agency is named '{name}'"))?
                .id,
        ),
        None => None,
    };
    let new = NewUser {
        email,
        display_name: name.unwrap_or_default(),
        role,
        site_code: site,
        agency_id,
        password,
    };
    let id = users::create(&mut conn, &Who::command_line(), &new).map_err(|e| e.to_string())?;
    println!(
        "user {} ({}) added with id {}",
        new.email.as_str(),
        new.role,
        id.0
    );
    Ok(ExitCode::SUCCESS)
}

/// `onward token create`.
fn create_token(config: &Config, email: &str) -> Result<ExitCode, String> {
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let token = tokens::issue(&mut conn, &Who::command_line(), email)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no active user has email {email}"))?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// `onward export participant`.
fn export_participant(config: &Config, reference: &str) -> Result<ExitCode, String> {
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let id = crate::data_protection::find(&mut conn, reference)
        .map_err(|e| format!("{reference}: {e}"))?;
    let doc = crate::data_protection::export(
        &mut conn,
        config.data_keys.as_ref(),
        None,
        &Who::command_line(),
        id,
    )
    .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
    );
    Ok(ExitCode::SUCCESS)
}

/// `onward retention preview|run`.
fn retention(config: &Config, command: RetentionCommand) -> Result<ExitCode, String> {
    use crate::data_protection::retention;
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let now = chrono::Utc::now();
    let days = config.retention_days;
    match command {
        RetentionCommand::Preview => {
            let preview =
                retention::preview(&mut conn, now, days, None).map_err(|e| e.to_string())?;
            retention::audit_preview(&mut conn, &Who::command_line(), &preview)
                .map_err(|e| e.to_string())?;
            println!(
                "{} participant(s) closed before {} ({days} days) would be anonymised",
                preview.total,
                preview.closed_before.format("%Y-%m-%d %H:%M UTC")
            );
            print!("{}", retention::describe(&preview.participants));
        }
        RetentionCommand::Run => {
            let report = retention::run(
                &mut conn,
                config.data_keys.as_ref(),
                &Who::command_line(),
                now,
                days,
            )
            .map_err(|e| e.to_string())?;
            println!(
                "retention run {}: {} participant(s) anonymised",
                report.run_id,
                report.anonymised.len()
            );
            print!("{}", retention::describe(&report.anonymised));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `onward keys rotate`.
fn rotate_keys(config: &Config) -> Result<ExitCode, String> {
    let keys = config
        .data_keys
        .clone()
        .ok_or("set ONWARD_DATA_KEY to the new key and ONWARD_DATA_KEY_PREVIOUS to the old one")?;
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let n = crate::progress_notes::rotate_keys(&mut conn, &Who::command_line(), &keys)?;
    println!(
        "{n} value(s) re-encrypted under key {}; ONWARD_DATA_KEY_PREVIOUS may now be removed",
        keys.current.id()
    );
    Ok(ExitCode::SUCCESS)
}

/// `onward jobs run NAME`: exit status 1 when the run failed or partly failed.
fn run_job(config: &Config, name: &str) -> Result<ExitCode, String> {
    let job: crate::jobs::JobName = name.parse()?;
    // Delivery works on several connections at once.
    let pool = open(config, 2 + crate::jobs::DELIVERY_WORKERS)?;
    let ctx = crate::jobs::JobContext::from_config(pool, config)?;
    let now = chrono::Utc::now();
    // A manual run has its own slot: it never takes a scheduled slot from an instance.
    let slot = format!("manual-{}", now.format("%Y-%m-%dT%H:%M:%S%.6fZ"));
    match crate::jobs::run(&ctx, job, &slot, now).map_err(|e| e.to_string())? {
        crate::jobs::Outcome::Succeeded(counts) => {
            println!("{}: {counts}", job.as_str());
            match crate::jobs::RunOutcome::of(&counts) {
                crate::jobs::RunOutcome::Succeeded => Ok(ExitCode::SUCCESS),
                outcome => {
                    eprintln!(
                        "error: {}: {} ({} item(s) failed; the log above names each)",
                        job.as_str(),
                        outcome.as_str().replace('_', " "),
                        counts.get("failed").unwrap_or(&serde_json::Value::Null)
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        crate::jobs::Outcome::Skipped => {
            println!("{}: already running in this slot", job.as_str());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `onward backup PATH`.
fn backup(config: &Config, path: &std::path::Path) -> Result<ExitCode, String> {
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let checked = crate::backup::backup(&mut conn, &config.database_url, path)?;
    println!(
        "backup written to {}: integrity ok, audit trail intact: {} rows",
        path.display(),
        checked.audit_rows
    );
    Ok(ExitCode::SUCCESS)
}

/// `onward restore PATH`.
fn restore(config: &Config, path: &std::path::Path) -> Result<ExitCode, String> {
    let checked = crate::backup::restore(path, &config.database_url)?;
    // A backup from an older Onward is brought up to date now, not at the next start.
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    crate::backup::record_restore(&mut conn, &Who::command_line(), path, &checked)
        .map_err(|e| e.to_string())?;
    println!(
        "{} restored as {}: integrity ok, audit trail intact: {} rows",
        path.display(),
        config.database_url.masked(),
        checked.audit_rows
    );
    Ok(ExitCode::SUCCESS)
}

/// `onward audit verify`: exit status 1 when the trail is broken.
fn verify_audit(config: &Config) -> Result<ExitCode, String> {
    let pool = open(config, COMMAND_CONNECTIONS)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    match audit::verify(&mut conn).map_err(|e| e.to_string())? {
        audit::Verdict::Intact { rows } => {
            println!("audit trail intact: {rows} rows");
            Ok(ExitCode::SUCCESS)
        }
        audit::Verdict::Broken { row, reason } => {
            eprintln!("audit trail broken at row {row}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Connections of a one-off command (all opened at once; see [`db::connect_for_command`]).
const COMMAND_CONNECTIONS: u32 = 2;

/// Where the demo keeps its data key: `demo-data.key` beside the SQLite file (or in `./data`).
fn demo_key_dir(config: &Config) -> std::path::PathBuf {
    match &config.database_url {
        crate::db::DatabaseUrl::Sqlite { path, .. } => path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| "data".into()),
        crate::db::DatabaseUrl::Postgres { .. } => "data".into(),
    }
}

/// The key `serve --demo` generated, if there is one (never generates one).
fn existing_demo_data_key(config: &Config) -> Result<Option<crate::crypto::Keyring>, String> {
    let file = demo_key_dir(config).join("demo-data.key");
    let hex = match std::fs::read_to_string(&file) {
        Ok(hex) => hex,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", file.display())),
    };
    let current = crate::crypto::DataKey::parse(hex.trim())
        .map_err(|e| format!("{}: {e}", file.display()))?;
    tracing::info!(file = %file.display(), "using the demo's data key (ONWARD_DATA_KEY is not set)");
    Ok(Some(crate::crypto::Keyring {
        current,
        previous: Vec::new(),
    }))
}

/// The demo's data key when none is configured: generated once and kept in `demo-data.key`
/// beside the SQLite file (or in `./data`), so that notes written in the demo stay readable.
/// A real installation sets `ONWARD_DATA_KEY` and keeps the key away from the database.
fn demo_data_key(config: &Config) -> Result<crate::crypto::Keyring, String> {
    let dir = demo_key_dir(config);
    let file = dir.join("demo-data.key");
    let hex = match std::fs::read_to_string(&file) {
        Ok(hex) => hex.trim().to_string(),
        Err(_) => {
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let hex = crate::crypto::DataKey::generate_hex();
            crate::files::write_private(&file, format!("{hex}\n"))
                .map_err(|e| format!("{}: {e}", file.display()))?;
            hex
        }
    };
    eprintln!(
        "Demo: sensitive notes are encrypted with the key in {} (set ONWARD_DATA_KEY in a real installation).",
        file.display()
    );
    let current =
        crate::crypto::DataKey::parse(&hex).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(crate::crypto::Keyring {
        current,
        previous: Vec::new(),
    })
}

fn serve(mut config: Config, demo: bool) -> Result<ExitCode, String> {
    if demo && config.data_keys.is_none() {
        config.data_keys = Some(demo_data_key(&config)?);
    }
    let pool = db::connect(&config.database_url, config.pool_size).map_err(|e| e.to_string())?;
    {
        let mut conn = pool
            .get()
            .map_err(|e| format!("database {}: {e}", config.database_url.masked()))?;
        db::run_migrations(&mut conn)
            .map_err(|e| format!("migrating {}: {e}", config.database_url.masked()))?;
    }
    crate::mail::check_templates().map_err(|e| e.to_string())?;
    {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        crate::progress_notes::check_keys(&mut conn, config.data_keys.as_ref())?;
    }
    {
        // A new installation starts with the typical reminder rules and plan template.
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        crate::reminders::ensure_defaults(&mut conn)
            .map_err(|e| format!("adding the default reminder rules: {e}"))?;
        crate::exit_plans::ensure_default_template(&mut conn)
            .map_err(|e| format!("adding the default plan template: {e}"))?;
    }
    let demo_logins = if demo {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        Some(
            crate::demo::load(&mut conn, config.data_keys.as_ref())
                .map_err(|e| format!("loading demo data: {e}"))?,
        )
    } else {
        None
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let jobs = crate::jobs::JobContext::from_config(pool.clone(), &config)?;
    let schedules: Vec<_> = crate::jobs::schedules(&config)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|s| !s.disabled)
        .map(|s| (s.job, s.cron))
        .collect();
    rt.block_on(async move {
        let _scheduler = crate::jobs::start(jobs, schedules).await?;
        let public_url = config.public_url.clone();
        let state = crate::web::AppState { pool, config };
        let (server, addr) = crate::web::start(state).map_err(|e| format!("cannot listen: {e}"))?;
        tracing::info!(%addr, "listening");
        println!("Onward is running at {public_url} (listening on {addr})");
        match demo_logins {
            Some(Some(logins)) => {
                println!("\nDemo data loaded. These passwords are shown once; note them now:");
                for l in logins {
                    println!("  {:<18} {:<34} {}", l.role, l.email, l.password);
                }
                println!();
            }
            Some(None) => println!(
                "Demo data was loaded on an earlier run; its passwords were shown then. \
                 Add an account with: onward user add --email E --role admin --password-stdin"
            ),
            None => {}
        }
        server.await.map_err(|e| e.to_string())
    })?;
    Ok(ExitCode::SUCCESS)
}
