//! Structured logs with `tracing`: human-readable by default, JSON with `ONWARD_LOG_FORMAT=json`.
//!
//! Logs never hold what the database protects: whatever `RUST_LOG` asks, the crates that dump the
//! data they handle at `debug`/`trace` (Handlebars logs the whole page data; the HTTP and SMTP
//! stacks log heads, paths and message bodies) stay at `warn`. Onward's own request log leaves
//! out the secret of calendar-feed URLs (`request_id::loggable_path`).

use tracing::Level;
use tracing_subscriber::filter::{Directive, FilterFn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

use crate::config::LogFormat;

/// Crates that log personal data or secrets above `warn`; kept at `warn` whatever `RUST_LOG` says.
pub const QUIET_CRATES: [&str; 12] = [
    "handlebars",
    "actix_http",
    "actix_web",
    "actix_server",
    "h2",
    "hyper",
    "hyper_util",
    "reqwest",
    "lettre",
    "rustls",
    "mio",
    "html5ever",
];

/// The filter: `RUST_LOG` (default `info`), with [`QUIET_CRATES`] held at `warn`.
pub fn filter(rust_log: Option<&str>) -> EnvFilter {
    let mut filter = rust_log
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    for target in QUIET_CRATES {
        // A directive for the same target replaces the one `RUST_LOG` gave.
        if let Ok(directive) = format!("{target}=warn").parse::<Directive>() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Whether an event of `target` at `level` may be written at all: a crate of [`QUIET_CRATES`]
/// (or any module of it) never above `warn`, whatever directive or span `RUST_LOG` names.
pub fn allowed(target: &str, level: &Level) -> bool {
    let quiet = QUIET_CRATES.iter().any(|c| {
        target == *c
            || target
                .strip_prefix(c)
                .is_some_and(|rest| rest.starts_with("::"))
    });
    !quiet || *level <= Level::WARN
}

/// Install the global subscriber once; `RUST_LOG` overrides the default level, and
/// [`allowed`] has the last word.
pub fn init(format: LogFormat) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let layer = fmt::layer().with_writer(std::io::stderr);
    let layer = match format {
        LogFormat::Json => layer.json().flatten_event(true).boxed(),
        LogFormat::Text => layer.boxed(),
    };
    let quiet = FilterFn::new(|meta| allowed(meta.target(), meta.level()));
    let _ = tracing_subscriber::registry()
        .with(
            layer
                .with_filter(filter(rust_log.as_deref()))
                .with_filter(quiet),
        )
        .try_init();
}

#[cfg(test)]
mod tests {
    #[test]
    fn data_dumping_crates_stay_at_warn_whatever_rust_log_says() {
        for spec in [
            "trace",
            "debug",
            "handlebars=trace,debug",
            "info,lettre=trace",
        ] {
            let shown = super::filter(Some(spec)).to_string();
            assert!(shown.contains("handlebars=warn"), "{spec}: {shown}");
            assert!(!shown.contains("handlebars=trace"), "{spec}: {shown}");
            assert!(!shown.contains("lettre=trace"), "{spec}: {shown}");
        }
    }

    #[test]
    fn no_module_of_a_quiet_crate_logs_above_warn() {
        use tracing::Level;
        for target in [
            "handlebars",
            "handlebars::render",
            "lettre::transport::smtp",
        ] {
            assert!(!super::allowed(target, &Level::DEBUG), "{target}");
            assert!(!super::allowed(target, &Level::TRACE), "{target}");
            assert!(super::allowed(target, &Level::WARN), "{target}");
        }
        assert!(super::allowed("onward::web", &Level::TRACE));
        assert!(
            super::allowed("handlebarsish", &Level::DEBUG),
            "only that crate"
        );
    }
}
