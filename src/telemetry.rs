//! Structured logs with `tracing`: human-readable by default, JSON with `ONWARD_LOG_FORMAT=json`.
//!
//! Logs never hold what the database protects: whatever `RUST_LOG` asks, the crates that dump the
//! data they handle at `debug`/`trace` (Handlebars logs the whole page data; the HTTP and SMTP
//! stacks log heads, paths and message bodies) stay at `warn`. Onward's own request log leaves
//! out the secret of calendar-feed URLs (`request_id::loggable_path`).

use tracing_subscriber::filter::Directive;
use tracing_subscriber::{fmt, EnvFilter};

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

/// Install the global subscriber once; `RUST_LOG` overrides the default level.
pub fn init(format: LogFormat) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let builder = fmt()
        .with_env_filter(filter(rust_log.as_deref()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
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
}
