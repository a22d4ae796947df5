//! Configuration from the environment. A file named by `ONWARD_CONFIG` (default `onward.env`, if
//! present) may add variables; it never overrides what the environment already says.

use url::Url;

use crate::db::{DatabaseUrl, UrlError};

/// Default database: a SQLite file under `./data/`, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/onward.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Kyrgyzstan is the first service to use Onward.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Bishkek";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything Onward reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: String,
    pub public_url: Url,
    pub log_format: LogFormat,
    pub pool_size: u32,
    /// How long a login session lasts before the user must log in again.
    pub session_hours: i64,
    /// Time zone for times shown to users who belong to no site (admins, auditors).
    pub time_zone: chrono_tz::Tz,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    DatabaseUrl(#[from] UrlError),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    /// Read the configuration: the config file first (if any), then the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let file = std::env::var("ONWARD_CONFIG").unwrap_or_else(|_| "onward.env".into());
        if std::path::Path::new(&file).exists() {
            // dotenvy never overrides variables that are already set.
            dotenvy::from_filename(&file).map_err(|e| ConfigError::Invalid {
                name: "ONWARD_CONFIG",
                reason: e.to_string(),
            })?;
        }
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Build from any source of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = DatabaseUrl::parse(
            &get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
        )?;
        let bind = get("ONWARD_BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        let public_url = match get("ONWARD_PUBLIC_URL") {
            Some(u) => Url::parse(&u).map_err(|e| ConfigError::Invalid {
                name: "ONWARD_PUBLIC_URL",
                reason: e.to_string(),
            })?,
            None => Url::parse(&format!("http://{bind}/")).map_err(|e| ConfigError::Invalid {
                name: "ONWARD_BIND",
                reason: e.to_string(),
            })?,
        };
        let log_format = match get("ONWARD_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "ONWARD_LOG_FORMAT",
                    reason: format!("'{other}' is neither text nor json"),
                })
            }
        };
        let pool_size = parse_number(&get, "ONWARD_DB_POOL_SIZE", 10)?;
        let session_hours = parse_number(&get, "ONWARD_SESSION_HOURS", 12)?;
        let zone = get("ONWARD_TIME_ZONE").unwrap_or_else(|| DEFAULT_TIME_ZONE.into());
        let time_zone = zone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| ConfigError::Invalid {
                name: "ONWARD_TIME_ZONE",
                reason: format!("'{zone}' is not an IANA time zone such as Asia/Bishkek"),
            })?;
        Ok(Self {
            time_zone,
            database_url,
            bind,
            public_url,
            log_format,
            pool_size: pool_size as u32,
            session_hours,
        })
    }

    /// Cookies are marked `Secure` when Onward is published over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: i64,
) -> Result<i64, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::Invalid {
                name,
                reason: format!("'{v}' is not a positive whole number"),
            }),
        },
    }
}
