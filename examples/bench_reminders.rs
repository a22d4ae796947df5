//! Benchmark of the reminder sweep and of email delivery (issue 4), on SQLite or PostgreSQL.
//!
//! It is a measuring tool, not a test: it creates a fresh database (a new file in a temporary
//! folder for SQLite; a new database `onward_bench_<random>` on the given server for PostgreSQL,
//! dropped at the end), bulk-loads a realistic population with the seed loader (`onward::seed`), then times
//!
//! 1. the first reminder sweep at a fixed instant (everything due is decided and rendered),
//! 2. the same sweep repeated at the same instant (nothing new: the steady-state cost of the sweep
//!    that runs every 15 minutes), median of `--repeats` runs,
//! 3. delivery of queued emails (`outbox::deliver_due`) into in-process SMTP sinks that accept
//!    and discard mail: one that delays its ACKs like any server (what a deployment sees) and one
//!    that acknowledges at once (what Onward's own work per email costs),
//! 4. the peak resident memory of the process (VmHWM),
//! 5. the sweep's own steps (`reminders::sweep::{window, load_items, load_lookup, decided_keys,
//!    decide}`) timed one by one, rendering and writing, to show where time goes,
//!
//! and prints the results as markdown tables. `bench/reminders.sh` runs it on both databases.
//!
//! ```text
//! cargo run --release --example bench_reminders -- \
//!     --database-url sqlite:///tmp/ignored.db --participants 100000 --milestones 10
//! ```
//!
//! For SQLite only the scheme of `--database-url` matters (the file is always a new one in a
//! temporary folder); for PostgreSQL the URL names the server and a database to connect to for
//! creating and dropping the benchmark database (e.g. `postgres://postgres@127.0.0.1/postgres`).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, NaiveDate, NaiveTime, Utc};
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::PgConnection;

use onward::db::schema::notifications;
use onward::db::{DatabaseUrl, DbConnection};
use onward::mail::{EmailContext, Mailer, Outgoing};
use onward::reminders::sweep::{self, SweepSettings};
use onward::seed::{Backend, Population, Progress};

#[derive(Parser, Debug)]
#[command(about = "Benchmark the reminder sweep and email delivery on a fresh database")]
struct Args {
    /// `sqlite://...` (a new file in a temporary folder is used) or `postgres://...` (a new
    /// database is created on that server and dropped at the end).
    #[arg(long)]
    database_url: String,
    /// Participants in custody, each with one active exit plan.
    #[arg(long, default_value_t = 100_000)]
    participants: i64,
    /// Milestones per exit plan.
    #[arg(long, default_value_t = 10)]
    milestones: i64,
    /// How many times the repeated (nothing new) sweep is timed.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// At most this many emails are delivered (and timed) through the quick-ACK sink; the other
    /// pending rows are set aside.
    #[arg(long, default_value_t = 20_000)]
    max_emails: i64,
    /// At most this many emails are delivered (and timed) through the ordinary sink, where each
    /// email waits for a delayed ACK (about 40 ms on Linux).
    #[arg(long, default_value_t = 500)]
    max_emails_plain: i64,
    /// The fixed instant of the sweep (UTC).
    #[arg(long, default_value = "2027-03-01T09:00:00Z")]
    now: DateTime<Utc>,
    /// Also write the results as `key=value` lines to this file (used by bench/reminders.sh).
    #[arg(long)]
    summary: Option<PathBuf>,
    /// PostgreSQL only, for diagnosis: run the whole benchmark with `synchronous_commit = off`
    /// (commits no longer wait for the WAL to reach the disk), to see what the per-commit flush
    /// costs. Not how Onward is deployed; the default leaves the server's setting alone.
    #[arg(long)]
    pg_async_commit: bool,
    /// Keep the benchmark database instead of dropping it (for a look afterwards).
    #[arg(long)]
    keep: bool,
}

/// Results, in the order they are printed; also written to `--summary`.
#[derive(Default)]
struct Report {
    lines: Vec<(String, String)>,
}

impl Report {
    fn put(&mut self, key: &str, value: impl ToString) {
        self.lines.push((key.to_string(), value.to_string()));
    }
}

/// Drops the benchmark database (PostgreSQL) or removes its folder (SQLite) when it goes out of
/// scope, also when the benchmark fails half-way.
struct Cleanup {
    admin_url: Option<String>,
    database: Option<String>,
    folder: PathBuf,
    keep: bool,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("kept: {} {:?}", self.folder.display(), self.database);
            return;
        }
        if let (Some(url), Some(db)) = (&self.admin_url, &self.database) {
            match PgConnection::establish(url) {
                Ok(mut admin) => {
                    if let Err(e) =
                        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                    {
                        eprintln!("could not drop database {db}: {e}");
                    }
                }
                Err(e) => eprintln!("could not connect to drop database {db}: {e}"),
            }
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

fn main() {
    let args = Args::parse();
    let backend = if args.database_url.starts_with("postgres") {
        Backend::Postgres
    } else if args.database_url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        eprintln!("--database-url must start with sqlite: or postgres://");
        std::process::exit(2);
    };
    let tag = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
    let folder = std::env::temp_dir().join(format!("onward_bench_{tag}"));
    std::fs::create_dir_all(&folder).expect("a temporary folder can be created");

    // A new, empty database for this run.
    let mut cleanup = Cleanup {
        admin_url: None,
        database: None,
        folder: folder.clone(),
        keep: args.keep,
    };
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", folder.join("bench.db").display()),
        Backend::Postgres => {
            let name = format!("onward_bench_{tag}");
            let mut admin = PgConnection::establish(&args.database_url)
                .expect("the PostgreSQL server given by --database-url is reachable");
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("the PostgreSQL user may create databases");
            if args.pg_async_commit {
                admin
                    .batch_execute(&format!(
                        "ALTER DATABASE {name} SET synchronous_commit = off"
                    ))
                    .expect("the PostgreSQL user may configure its database");
            }
            cleanup.admin_url = Some(args.database_url.clone());
            cleanup.database = Some(name.clone());
            let mut url = url::Url::parse(&args.database_url).expect("a valid PostgreSQL URL");
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
    };
    let db_url = DatabaseUrl::parse(&url).expect("the benchmark database URL parses");
    let pool = onward::db::connect(&db_url, 2).expect("the benchmark database opens");
    let mut conn = pool.get().expect("a connection from the pool");

    let mut report = Report::default();
    report.put("backend", backend.name());
    report.put("participants", args.participants);
    report.put("milestones_each", args.milestones);
    if args.pg_async_commit && backend == Backend::Postgres {
        report.put("note", "synchronous_commit = off (diagnostic run)");
    }
    let result = run(&args, backend, &mut conn, &folder, &mut report);
    drop(conn);
    drop(pool);

    print_tables(&report);
    if let Some(path) = &args.summary {
        let text: String = report
            .lines
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        std::fs::write(path, text).expect("the summary file can be written");
    }
    drop(cleanup);
    if let Err(e) = result {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

type BenchResult<T> = Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// All the phases, in order; each adds its numbers to `report`.
fn run(
    args: &Args,
    backend: Backend,
    conn: &mut DbConnection,
    folder: &std::path::Path,
    report: &mut Report,
) -> BenchResult<()> {
    let started = Instant::now();
    onward::db::run_migrations(conn).map_err(err)?;
    onward::reminders::ensure_defaults(conn).map_err(|e| format!("default rules: {e:?}"))?;
    report.put("migrate_s", secs(started.elapsed()));

    // (0) Data.
    let load = Instant::now();
    load_data(args, conn, report)?;
    report.put("load_s", secs(load.elapsed()));
    report.put("rss_after_load_mb", peak_rss_mb());

    let settings = SweepSettings {
        morning: NaiveTime::from_hms_opt(8, 0, 0).expect("08:00 is a time"),
        public_url: url::Url::parse("https://onward.example.org/").expect("a valid URL"),
    };

    // (a) The first sweep: everything due is decided, rendered and written.
    let t = Instant::now();
    let first = sweep::sweep(conn, &settings, args.now).map_err(err)?;
    report.put("first_sweep_s", secs(t.elapsed()));
    report.put("first_sweep_items", first.items);
    report.put("first_sweep_queued", first.queued);
    let pending = count_status(conn, "pending")?;
    report.put("queued_pending", pending);
    report.put("queued_in_digest", count_status(conn, "in_digest")?);
    report.put("rss_after_first_sweep_mb", peak_rss_mb());

    // (b) The steady state: the same sweep again decides nothing new.
    let mut times = Vec::new();
    let mut new_rows = 0;
    for _ in 0..args.repeats.max(1) {
        let t = Instant::now();
        let again = sweep::sweep(conn, &settings, args.now).map_err(err)?;
        times.push(t.elapsed().as_secs_f64());
        new_rows += again.queued;
    }
    report.put("repeat_sweep_runs", times.len());
    report.put("repeat_sweep_median_s", format!("{:.3}", median(&times)));
    report.put("repeat_sweep_min_s", format!("{:.3}", min(&times)));
    report.put("repeat_sweep_max_s", format!("{:.3}", max(&times)));
    report.put("repeat_sweep_queued", new_rows);
    report.put("rss_after_repeat_sweeps_mb", peak_rss_mb());

    // (c) Delivery into a local SMTP sink.
    deliver(args, conn, folder, report)?;

    report.put("database_size_mb", database_size_mb(backend, conn, folder)?);

    // Where the time goes: the sweep's own steps one by one, rendering, writing.
    breakdown(conn, &settings, args.now, report)?;
    report.put("peak_rss_mb", peak_rss_mb());
    Ok(())
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

/// Peak resident set size of this process so far, in MiB (VmHWM from /proc/self/status).
fn peak_rss_mb() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| format!("{:.0}", kib / 1024.0))
        .unwrap_or_else(|| "?".into())
}

fn count_status(conn: &mut DbConnection, status: &str) -> BenchResult<i64> {
    notifications::table
        .filter(notifications::status.eq(status))
        .count()
        .get_result(conn)
        .map_err(err)
}

fn database_size_mb(
    backend: Backend,
    conn: &mut DbConnection,
    folder: &std::path::Path,
) -> BenchResult<String> {
    let bytes: i64 = match (backend, conn) {
        (Backend::Postgres, DbConnection::Pg(c)) => {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "pg_database_size(current_database())",
            ))
            .get_result(c)
            .map_err(err)?
        }
        _ => std::fs::read_dir(folder)
            .map_err(err)?
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len() as i64)
            .sum(),
    };
    Ok(format!("{:.0}", bytes as f64 / 1024.0 / 1024.0))
}

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

/// Bulk-load the population with the seed loader (`onward::seed`, the same data as
/// `onward seed`, without passwords or progress notes), timing each step.
fn load_data(args: &Args, conn: &mut DbConnection, report: &mut Report) -> BenchResult<()> {
    let population = Population {
        participants: args.participants.max(2),
        milestones: args.milestones.max(1),
        now: args.now,
        password_hash: None,
        keys: None,
    };
    onward::seed::load(conn, &population, &mut Timings(report)).map_err(err)?;
    for table in ["participants", "milestones", "sharing_bases", "users"] {
        let n = onward::seed::count(conn, table).map_err(err)?;
        report.put(&format!("rows_{table}"), n);
    }
    Ok(())
}

/// Puts each load step's time in the report.
struct Timings<'a>(&'a mut Report);

impl Progress for Timings<'_> {
    fn start(&mut self, _: &str, _: u64) {}
    fn advance(&mut self) {}
    fn finish(&mut self, step: &str, elapsed: Duration) {
        self.0
            .put(&format!("load_{}_s", step.replace(' ', "_")), secs(elapsed));
    }
}

// ---------------------------------------------------------------------------------------------
// Where the time goes
// ---------------------------------------------------------------------------------------------

/// Time, one by one, the reads the sweep makes (the same queries as `src/reminders/sweep.rs`,
/// loaded into the same kind of maps), and the rendering of one email. These are replicas, so
/// their sum only approximates the sweep; the difference is the sweep's own loop (and, in the
/// first sweep, writing the rows).
fn breakdown(
    conn: &mut DbConnection,
    settings: &SweepSettings,
    now: DateTime<Utc>,
    report: &mut Report,
) -> BenchResult<()> {
    // The sweep's own steps, timed one by one at the same instant as the sweeps above.
    let t = Instant::now();
    let window = sweep::window(conn, settings, now)
        .map_err(err)?
        .ok_or("no reminder rule or no site")?;
    report.put("part_window_s", secs(t.elapsed()));
    report.put("part_window_rows", (window.hi - window.lo).num_days() + 1);

    let t = Instant::now();
    let items = sweep::load_items(conn, window.lo, window.hi).map_err(err)?;
    report.put("part_items_s", secs(t.elapsed()));
    report.put("part_items_rows", items.len());

    let t = Instant::now();
    let lookup = sweep::load_lookup(conn, window.zones().clone()).map_err(err)?;
    report.put("part_lookup_s", secs(t.elapsed()));
    report.put("part_lookup_rows", lookup.rows());

    let t = Instant::now();
    let decided = sweep::decided_keys(conn, window.lo, window.hi).map_err(err)?;
    report.put("part_decided_keys_s", secs(t.elapsed()));
    report.put("part_decided_keys_rows", decided.len());

    let t = Instant::now();
    let decisions = sweep::decide(&window, &items, &lookup, &decided, settings, now);
    report.put("part_decide_s", secs(t.elapsed()));
    report.put("part_decide_rows", decisions.len());

    // The size of what the first sweep rendered (it holds every new row in memory before
    // writing them): the average of the last 1,000 rows it wrote (the seeded sent emails come
    // before them).
    let sample: Vec<(String, String, String)> = notifications::table
        .filter(notifications::sent_at.is_null())
        .order(notifications::id.desc())
        .limit(1_000)
        .select((
            notifications::subject,
            notifications::body_text,
            notifications::body_html,
        ))
        .load(conn)
        .map_err(err)?;
    let bytes: usize = sample
        .iter()
        .map(|(s, t, h)| s.len() + t.len() + h.len())
        .sum();
    report.put(
        "part_email_bytes",
        bytes.checked_div(sample.len()).unwrap_or(0),
    );

    // Writing rendered rows to the outbox as the sweep does (`outbox::enqueue`, 500 rows per
    // statement, each statement its own commit): 20,000 copies of a stored row under new keys,
    // as `cancelled` so that nothing sends them. They are left in place: this is the last
    // phase, and deleting from `notifications` is slow (every deleted row makes the database
    // look for rows whose `digest_id` points at it, and that column has no index).
    let copies = 20_000;
    let template: Option<(String, String, String, String)> = notifications::table
        .order(notifications::id.asc())
        .select((
            notifications::subject,
            notifications::body_text,
            notifications::body_html,
            notifications::to_address,
        ))
        .first(conn)
        .optional()
        .map_err(err)?;
    if let Some((subject, text, html, to)) = template {
        let rows: Vec<onward::outbox::NewNotification> = (0..copies)
            .map(|i| {
                onward::outbox::NewNotification::new(
                    format!("bench-copy|{i}"),
                    "milestone_reminder",
                    true,
                    None,
                    None,
                    None,
                    None,
                    None,
                    to.clone(),
                    "en".into(),
                    onward::mail::Rendered {
                        subject: subject.clone(),
                        text: text.clone(),
                        html: html.clone(),
                    },
                    "cancelled",
                    now.naive_utc(),
                    &settings.public_url,
                )
            })
            .collect();
        let t = Instant::now();
        let written = onward::outbox::enqueue(conn, &rows, &onward::participants::access::Gate)
            .map_err(err)?;
        report.put(
            "part_enqueue_us_per_row",
            format!(
                "{:.1}",
                t.elapsed().as_secs_f64() * 1e6 / written.max(1) as f64
            ),
        );
    }

    // Rendering one reminder (subject, text and HTML), as the first sweep does per new row.
    let ctx = EmailContext {
        recipient: "City Housing Office".into(),
        case_reference: "BEN12345".into(),
        what: "Accommodation confirmed".into(),
        kind: "accommodation_confirmed".into(),
        due_on: "2027-04-01".into(),
        days: 31,
        is_today: false,
        link: "https://onward.example.org/milestones/1".into(),
        secure: false,
        participant_name: None,
        items: Vec::new(),
    };
    let renders = 2_000;
    let t = Instant::now();
    for _ in 0..renders {
        onward::mail::render("milestone_reminder", "en", &ctx).map_err(err)?;
    }
    // What one rendered email holds on to: the strings' capacity, not only their length.
    let one = onward::mail::render("milestone_reminder", "en", &ctx).map_err(err)?;
    report.put(
        "part_render_len_bytes",
        one.subject.len() + one.text.len() + one.html.len(),
    );
    report.put(
        "part_render_capacity_bytes",
        one.subject.capacity() + one.text.capacity() + one.html.capacity(),
    );
    report.put(
        "part_render_us_per_email",
        format!(
            "{:.1}",
            t.elapsed().as_secs_f64() * 1e6 / f64::from(renders)
        ),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Delivery
// ---------------------------------------------------------------------------------------------

/// Deliver queued emails into local SMTP sinks and time it, twice:
///
/// - through a sink that behaves like an ordinary server (the kernel delays its ACKs), for at
///   most `--max-emails-plain` emails: what a real deployment sees;
/// - through a sink that acknowledges every segment at once (TCP_QUICKACK), for at most
///   `--max-emails` emails: the cost of Onward's own work per email without the network stall.
///
/// The other pending rows are set aside (made due in 2100) so that each run sends exactly the
/// next K rows by id.
fn deliver(
    args: &Args,
    conn: &mut DbConnection,
    folder: &std::path::Path,
    report: &mut Report,
) -> BenchResult<()> {
    let far = NaiveDate::from_ymd_opt(2100, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid date");
    let set_aside =
        diesel::update(notifications::table.filter(notifications::status.eq("pending")))
            .set(notifications::next_attempt_at.eq(far))
            .execute(conn)
            .map_err(err)?;
    report.put("delivery_pending", set_aside);

    for (label, quick_ack, limit) in [
        ("plain", false, args.max_emails_plain),
        ("quickack", true, args.max_emails),
    ] {
        let sink = SmtpSink::start(quick_ack).map_err(|e| format!("SMTP sink: {e}"))?;
        let mailer = Mailer::new(
            Some(&format!("smtp://{}", sink.addr)),
            "Onward <onward@example.org>",
            folder.join("outbox"),
        )
        .map_err(err)?;

        // The SMTP exchange alone, without the database: one small email, sent repeatedly.
        let probe = Outgoing {
            to: "housing@agencies.example.org".into(),
            subject: "Reminder: accommodation confirmed for BEN12345 in 28 days".into(),
            text: "Accommodation confirmed for BEN12345 is due on 2027-03-29.\n".repeat(8),
            html: "<p>Accommodation confirmed for BEN12345 is due on 2027-03-29.</p>\n".repeat(8),
            message_id: String::new(),
            ics: None,
        };
        let probes: u32 = if quick_ack { 2_000 } else { 100 };
        let t = Instant::now();
        for i in 0..probes {
            let mut email = probe.clone();
            email.message_id = format!("<probe.{label}.{i}@onward.example.org>");
            mailer.send(&email).map_err(err)?;
        }
        let rate = f64::from(probes) / t.elapsed().as_secs_f64();
        report.put(
            &format!("smtp_only_{label}_emails_per_s"),
            format!("{rate:.0}"),
        );

        // Make the next `limit` pending rows (by id) due again.
        let last: Option<i64> = notifications::table
            .filter(notifications::status.eq("pending"))
            .order(notifications::id.asc())
            .offset((limit - 1).max(0))
            .select(notifications::id)
            .first(conn)
            .optional()
            .map_err(err)?;
        let due = diesel::update(
            notifications::table
                .filter(notifications::status.eq("pending"))
                .filter(notifications::id.le(last.unwrap_or(i64::MAX))),
        )
        .set(notifications::next_attempt_at.eq(args.now.naive_utc()))
        .execute(conn)
        .map_err(err)?;

        let before = sink.received.load(Ordering::SeqCst);
        let at = (args.now + Days::minutes(1)).naive_utc();
        let t = Instant::now();
        let counts = onward::outbox::deliver_due(
            conn,
            &mailer,
            &onward::participants::access::Gate,
            "bench",
            at,
            50,
        )
        .map_err(err)?;
        let elapsed = t.elapsed();
        let received = sink.received.load(Ordering::SeqCst) - before;
        report.put(&format!("delivery_{label}_due"), due);
        report.put(&format!("delivery_{label}_sent"), counts.sent);
        report.put(
            &format!("delivery_{label}_failed"),
            counts.failed + counts.retrying,
        );
        report.put(&format!("delivery_{label}_sink_received"), received);
        report.put(&format!("delivery_{label}_s"), secs(elapsed));
        report.put(
            &format!("delivery_{label}_emails_per_s"),
            format!("{:.0}", counts.sent as f64 / elapsed.as_secs_f64()),
        );
    }
    Ok(())
}

/// A tiny SMTP server on 127.0.0.1 that accepts every email and throws it away.
struct SmtpSink {
    addr: SocketAddr,
    received: Arc<AtomicUsize>,
}

impl SmtpSink {
    /// With `quick_ack`, the sink's kernel acknowledges each segment at once instead of delaying
    /// the ACK (Linux: up to 40 ms), which hides the client's Nagle stall.
    fn start(quick_ack: bool) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let received = Arc::new(AtomicUsize::new(0));
        let counter = received.clone();
        // Lives until the process ends; one thread per connection (lettre keeps a small pool).
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counter = counter.clone();
                std::thread::spawn(move || {
                    let _ = serve_smtp(stream, &counter, quick_ack);
                });
            }
        });
        Ok(Self { addr, received })
    }
}

/// Ask for an immediate ACK of what arrives next (the kernel clears this by itself, so it is set
/// again before every read).
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) -> std::io::Result<()> {
    use std::os::linux::net::TcpStreamExt;
    stream.set_quickack(true)
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) -> std::io::Result<()> {
    Ok(())
}

/// Answer one SMTP conversation: 250 to everything, 354 to DATA, 221 to QUIT.
fn serve_smtp(stream: TcpStream, received: &AtomicUsize, quick: bool) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut read_line = |line: &mut Vec<u8>| -> std::io::Result<usize> {
        line.clear();
        if quick {
            quick_ack(reader.get_ref())?;
        }
        reader.read_until(b'\n', line)
    };
    out.write_all(b"220 sink ESMTP\r\n")?;
    let mut line = Vec::new();
    loop {
        if read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line
            .get(..4)
            .map(|v| v.to_ascii_uppercase())
            .unwrap_or_default();
        match verb.as_slice() {
            b"EHLO" => out.write_all(b"250-sink\r\n250 8BITMIME\r\n")?,
            b"DATA" => {
                out.write_all(b"354 end with .\r\n")?;
                loop {
                    if read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                }
                received.fetch_add(1, Ordering::SeqCst);
                out.write_all(b"250 queued\r\n")?;
            }
            b"QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"250 ok\r\n")?,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

fn print_tables(report: &Report) {
    let get = |k: &str| {
        report
            .lines
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("-")
    };
    println!(
        "\n### {} — {} participants × {} milestones\n",
        get("backend"),
        get("participants"),
        get("milestones_each")
    );
    if let Some((_, note)) = report.lines.iter().find(|(k, _)| k == "note") {
        println!("Note: {note}.\n");
    }
    println!("| phase | time (s) | detail |");
    println!("|---|---:|---|");
    println!("| migrations + default rules | {} | |", get("migrate_s"));
    println!(
        "| bulk load | {} | {} participants, {} milestones, {} sharing bases, {} users |",
        get("load_s"),
        get("rows_participants"),
        get("rows_milestones"),
        get("rows_sharing_bases"),
        get("rows_users")
    );
    println!(
        "| first sweep | {} | {} items, {} queued ({} pending, {} digest lines) |",
        get("first_sweep_s"),
        get("first_sweep_items"),
        get("first_sweep_queued"),
        get("queued_pending"),
        get("queued_in_digest")
    );
    println!(
        "| repeated sweep, median of {} | {} | min {}, max {}; {} queued |",
        get("repeat_sweep_runs"),
        get("repeat_sweep_median_s"),
        get("repeat_sweep_min_s"),
        get("repeat_sweep_max_s"),
        get("repeat_sweep_queued")
    );
    for (label, what) in [
        ("plain", "ordinary sink (delayed ACKs)"),
        ("quickack", "quick-ACK sink"),
    ] {
        let g = |k: &str| get(&format!("delivery_{label}_{k}"));
        println!(
            "| delivery (`deliver_due`, batch 50), {what} | {} | {} sent, {} received by the sink, {} failed; **{} emails/s** |",
            g("s"),
            g("sent"),
            g("sink_received"),
            g("failed"),
            g("emails_per_s")
        );
        println!(
            "| SMTP only (lettre → {what}, no database) | | {} emails/s |",
            get(&format!("smtp_only_{label}_emails_per_s"))
        );
    }
    println!(
        "| peak RSS (VmHWM) | | {} MiB (after load {}, after first sweep {}, after repeats {}) |",
        get("peak_rss_mb"),
        get("rss_after_load_mb"),
        get("rss_after_first_sweep_mb"),
        get("rss_after_repeat_sweeps_mb")
    );
    println!(
        "| database size after the sweeps and deliveries | | {} MiB |",
        get("database_size_mb")
    );

    println!("\nBulk load by table (s):\n");
    let loads: Vec<String> = report
        .lines
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("load_")?.strip_suffix("_s")?;
            Some(format!("{name} {v}"))
        })
        .collect();
    println!("{}", loads.join(", "));

    println!("\nThe sweep's own steps, timed one by one (after the sweeps and the deliveries):\n");
    println!("| step | time (s) | rows |");
    println!("|---|---:|---:|");
    for (label, key) in [
        (
            "the window of dates (`sweep::window`; rows: days)",
            "part_window",
        ),
        (
            "open milestones and release dates in the window (`sweep::load_items`)",
            "part_items",
        ),
        (
            "staff, mentors, agencies, sharing bases, opt-outs, cases (`sweep::load_lookup`)",
            "part_lookup",
        ),
        (
            "dedupe keys already decided in the window (`sweep::decided_keys`)",
            "part_decided_keys",
        ),
        (
            "deciding what is due, in memory (`sweep::decide`)",
            "part_decide",
        ),
    ] {
        println!(
            "| {label} | {} | {} |",
            get(&format!("{key}_s")),
            get(&format!("{key}_rows"))
        );
    }
    println!(
        "\nRendering one reminder email (subject + text + HTML): {} µs; writing one rendered row \
         to the outbox (`outbox::enqueue`): {} µs; a stored email averages {} bytes; one \
         freshly rendered email is {} bytes long and holds {} bytes of string capacity.",
        get("part_render_us_per_email"),
        get("part_enqueue_us_per_row"),
        get("part_email_bytes"),
        get("part_render_len_bytes"),
        get("part_render_capacity_bytes")
    );
}
