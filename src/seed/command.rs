//! `onward seed`: fill an empty database with a realistic installation, with a progress bar per
//! step, then print the rows per table, the logins and the time taken.

use std::io::BufRead;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::{Population, Progress, SeedError};
use crate::auth::passwords;
use crate::config::Config;

/// What `onward seed` was asked for.
pub struct SeedArgs {
    pub participants: i64,
    pub milestones: i64,
    pub password_stdin: bool,
}

/// A bar per step on standard error (drawn only on a terminal).
struct Bars {
    bar: Option<ProgressBar>,
}

impl Progress for Bars {
    fn start(&mut self, step: &str, total: u64) {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>26} [{bar:32}] {pos}/{len} chunks {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(step.to_string());
        self.bar = Some(bar);
    }
    fn advance(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
    fn finish(&mut self, step: &str, elapsed: Duration) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        eprintln!("{step:>26}: {:.1} s", elapsed.as_secs_f64());
    }
}

/// Run `onward seed`; returns the text to print.
pub fn run(config: &Config, args: &SeedArgs) -> Result<String, String> {
    if !(1..=999_999).contains(&args.participants) {
        return Err("--participants must be between 1 and 999999".into());
    }
    if !(1..=100).contains(&args.milestones) {
        return Err("--milestones must be between 1 and 100".into());
    }
    // Progress notes are sealed with the data key; a key made up here would be lost with the
    // process and leave the notes unreadable, so the key must come from the installation.
    let keys = config.data_keys.clone().ok_or(
        "ONWARD_DATA_KEY is not set: seeded progress notes are encrypted with it. \
         Set it first (`export ONWARD_DATA_KEY=$(onward keys generate)`) and keep it for `serve`",
    )?;
    let (password, shown) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password from standard input: {e}"))?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (passwords::generate(), true)
    };
    if password.chars().count() < passwords::MIN_LENGTH {
        return Err(format!(
            "the password must be at least {} characters",
            passwords::MIN_LENGTH
        ));
    }
    let started = Instant::now();
    // Hashed once: every seeded user shares it.
    let hash = passwords::hash(&password).map_err(|_| "could not hash the password")?;
    // Like every command but `serve` and `migrate`, seeding never creates the database.
    let pool = crate::db::connect_for_command(&config.database_url, 1, crate::db::Create::Never)
        .map_err(|e| e.to_string())?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("database {}: {e}", config.database_url.masked()))?;
    crate::db::run_migrations(&mut conn)
        .map_err(|e| format!("migrating {}: {e}", config.database_url.masked()))?;
    crate::progress_notes::check_keys(&mut conn, Some(&keys))?;
    let population = Population {
        participants: args.participants,
        milestones: args.milestones,
        now: chrono::Utc::now(),
        password_hash: Some(hash),
        keys: Some(keys),
    };
    let logins =
        super::load(&mut conn, &population, &mut Bars { bar: None }).map_err(|e| match e {
            SeedError::Refused(why) => format!("seed refused: {why}"),
            other => format!("seeding failed (nothing was kept): {other}"),
        })?;
    let mut out = String::from("Rows per table:\n");
    for table in super::TABLES {
        let n = super::count(&mut conn, table).map_err(|e| e.to_string())?;
        out.push_str(&format!("  {table:<22} {n:>10}\n"));
    }
    out.push_str("\nLogins (every seeded user has the same password):\n");
    for l in &logins {
        out.push_str(&format!(
            "  {:<18} {:<34} {}\n",
            l.role,
            l.email,
            l.site.as_deref().unwrap_or("")
        ));
    }
    if shown {
        out.push_str(&format!("  password: {password}\n"));
    }
    out.push_str(&format!(
        "\nSeeded {} participants × {} milestones in {:.1} s.\n",
        args.participants,
        args.milestones,
        started.elapsed().as_secs_f64()
    ));
    Ok(out)
}
