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
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the real client
    /// (`ONWARD_TRUSTED_PROXIES`); from anyone else the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long a login session lasts before the user must log in again.
    pub session_hours: i64,
    /// Time zone for times shown to users who belong to no site (admins, auditors).
    pub time_zone: chrono_tz::Tz,
    /// `ONWARD_SMTP_URL`: where email goes; without it, `.eml` files under `outbox_dir`.
    pub smtp_url: Option<String>,
    /// `ONWARD_MAIL_FROM`.
    pub mail_from: String,
    /// `ONWARD_OUTBOX_DIR` (default `data/outbox`).
    pub outbox_dir: std::path::PathBuf,
    /// `ONWARD_LOCAL_MORNING` (default 08:00): the local time at each site from which a day's
    /// reminders go out.
    pub local_morning: chrono::NaiveTime,
    /// `ONWARD_INSTANCE`: this instance's name in job runs and delivery leases.
    pub instance: String,
    /// `ONWARD_CRON_<JOB>` as set (variable → cron expression, with seconds, UTC), unchecked:
    /// the jobs module checks them against its list of jobs at start-up (`jobs::schedules`).
    pub cron_overrides: std::collections::BTreeMap<String, String>,
    /// `ONWARD_JOBS_DISABLED` as set: jobs this instance does not run (comma-separated names), or
    /// `all`; checked by the jobs module at start-up.
    pub jobs_disabled: Option<String>,
    /// `ONWARD_DATA_KEY` (and, during a rotation, `ONWARD_DATA_KEY_PREVIOUS`): the keys that
    /// encrypt sensitive text at rest. Without one, sensitive text cannot be written.
    pub data_keys: Option<crate::crypto::Keyring>,
    /// `ONWARD_HANDOVER_DAYS` (default 84) and `ONWARD_HANDOVER_ESCALATE_DAYS` (default 7).
    pub handover: crate::handovers::HandoverSettings,
    /// `ONWARD_RETENTION_DAYS` (default 2190, six years): how long after closure a participant's
    /// record is kept before it is anonymised.
    pub retention_days: i64,
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
        let mut config =
            Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))?;
        config.cron_overrides = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .filter(|name| name.starts_with(CRON_PREFIX))
            .filter_map(|name| {
                let value = std::env::var(&name).ok().filter(|v| !v.trim().is_empty())?;
                Some((name, value))
            })
            .collect();
        Ok(config)
    }

    /// Build from any source of variables (tests pass a map). A lookup cannot be listed, so
    /// `cron_overrides` starts empty (tests that need one set the field).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = DatabaseUrl::parse(
            &get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
        )?;
        let bind = get("ONWARD_BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        let public_url = public_url(get("ONWARD_PUBLIC_URL"), &bind)?;
        let log_format = log_format(get("ONWARD_LOG_FORMAT").as_deref())?;
        let pool_size = parse_number(&get, "ONWARD_DB_POOL_SIZE", 10)?;
        let session_hours = parse_number(&get, "ONWARD_SESSION_HOURS", 12)?;
        let retention_days = parse_number(&get, "ONWARD_RETENTION_DAYS", 2190)?;
        let zone = get("ONWARD_TIME_ZONE").unwrap_or_else(|| DEFAULT_TIME_ZONE.into());
        let time_zone = zone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| ConfigError::Invalid {
                name: "ONWARD_TIME_ZONE",
                reason: format!("'{zone}' is not an IANA time zone such as Asia/Bishkek"),
            })?;
        let invalid = |name: &'static str, reason: String| ConfigError::Invalid { name, reason };
        let (mail_from, smtp_url) = mail(&get, &public_url)?;
        let morning_raw = get("ONWARD_LOCAL_MORNING").unwrap_or_else(|| "08:00".into());
        let local_morning = parse_morning(&morning_raw).ok_or_else(|| {
            invalid(
                "ONWARD_LOCAL_MORNING",
                format!("'{morning_raw}' is not a time of day such as 08:00"),
            )
        })?;
        let jobs_disabled = get("ONWARD_JOBS_DISABLED");
        let instance = get("ONWARD_INSTANCE").unwrap_or_else(|| {
            format!(
                "{}-{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "onward".into()),
                std::process::id()
            )
        });
        let data_keys = data_keys(&get)?;
        let handover = crate::handovers::HandoverSettings {
            days_before: parse_number(&get, "ONWARD_HANDOVER_DAYS", 84)?,
            escalate_after: parse_number(&get, "ONWARD_HANDOVER_ESCALATE_DAYS", 7)?,
        };
        let trusted_proxies = parse_proxies(get("ONWARD_TRUSTED_PROXIES").as_deref())
            .map_err(|reason| invalid("ONWARD_TRUSTED_PROXIES", reason))?;
        Ok(Self {
            trusted_proxies,
            handover,
            data_keys,
            retention_days,
            smtp_url,
            mail_from,
            outbox_dir: get("ONWARD_OUTBOX_DIR")
                .unwrap_or_else(|| "data/outbox".into())
                .into(),
            local_morning,
            instance,
            cron_overrides: Default::default(),
            jobs_disabled,
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

/// `ONWARD_PUBLIC_URL`, else `http://` and the bound address; always ending in `/`, since links
/// are joined onto it and without a trailing slash its last segment would be lost.
fn public_url(raw: Option<String>, bind: &str) -> Result<Url, ConfigError> {
    let mut public_url = match raw {
        Some(u) => Url::parse(&u).map_err(|e| ConfigError::Invalid {
            name: "ONWARD_PUBLIC_URL",
            reason: e.to_string(),
        })?,
        None => Url::parse(&format!("http://{bind}/")).map_err(|e| ConfigError::Invalid {
            name: "ONWARD_BIND",
            reason: e.to_string(),
        })?,
    };
    if !public_url.path().ends_with('/') {
        let path = format!("{}/", public_url.path());
        public_url.set_path(&path);
    }
    Ok(public_url)
}

/// `ONWARD_LOG_FORMAT`: `text` (the default) or `json`.
fn log_format(raw: Option<&str>) -> Result<LogFormat, ConfigError> {
    match raw {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(ConfigError::Invalid {
            name: "ONWARD_LOG_FORMAT",
            reason: format!("'{other}' is neither text nor json"),
        }),
    }
}

/// `ONWARD_MAIL_FROM` (by default `onward@` the public host) and `ONWARD_SMTP_URL`, both checked
/// now, so that a typo stops start-up instead of the first email.
fn mail(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &Url,
) -> Result<(String, Option<String>), ConfigError> {
    let invalid = |name: &'static str, reason: String| ConfigError::Invalid { name, reason };
    let mail_from = get("ONWARD_MAIL_FROM").unwrap_or_else(|| {
        format!(
            "Onward <onward@{}>",
            public_url
                .host_str()
                .filter(|h| h.contains('.'))
                .unwrap_or("onward.localhost")
        )
    });
    let smtp_url = get("ONWARD_SMTP_URL");
    crate::mail::Mailer::new(smtp_url.as_deref(), &mail_from, "data/outbox".into()).map_err(
        |e| match e {
            crate::mail::MailConfigError::From(r) => invalid("ONWARD_MAIL_FROM", r),
            crate::mail::MailConfigError::SmtpUrl(r) => invalid("ONWARD_SMTP_URL", r),
        },
    )?;
    Ok((mail_from, smtp_url))
}

/// `ONWARD_DATA_KEY` and, during a rotation, `ONWARD_DATA_KEY_PREVIOUS` (comma-separated).
fn data_keys(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<crate::crypto::Keyring>, ConfigError> {
    let invalid = |name: &'static str, reason: String| ConfigError::Invalid { name, reason };
    let Some(raw) = get("ONWARD_DATA_KEY") else {
        return Ok(None);
    };
    let current = crate::crypto::DataKey::parse(&raw)
        .map_err(|e| invalid("ONWARD_DATA_KEY", e.to_string()))?;
    let previous = get("ONWARD_DATA_KEY_PREVIOUS")
        .unwrap_or_default()
        .split(',')
        .filter(|k| !k.trim().is_empty())
        .map(crate::crypto::DataKey::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid("ONWARD_DATA_KEY_PREVIOUS", e.to_string()))?;
    Ok(Some(crate::crypto::Keyring { current, previous }))
}

/// The prefix of each job's schedule variable (`ONWARD_CRON_REMINDER_SWEEP`).
pub const CRON_PREFIX: &str = "ONWARD_CRON_";

/// The local morning as configured (`HH:MM`).
pub fn parse_morning(raw: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M").ok()
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

/// `ONWARD_TRUSTED_PROXIES`: addresses (`10.0.0.5`) or networks (`172.18.0.0/16`), comma-separated.
fn parse_proxies(raw: Option<&str>) -> Result<Vec<ipnet::IpNet>, String> {
    raw.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    format!("'{s}' is neither an IP address nor a network such as 10.0.0.0/8")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks_and_a_typo_is_named() {
        let c = config(&[("ONWARD_TRUSTED_PROXIES", "10.0.0.5, 172.18.0.0/16,::1")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 3);
        assert!(c.trusted_proxies[1].contains(&"172.18.3.4".parse::<std::net::IpAddr>().unwrap()));
        let e = config(&[("ONWARD_TRUSTED_PROXIES", "10.0.0.5, proxy.local")])
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("ONWARD_TRUSTED_PROXIES") && e.contains("proxy.local"),
            "{e}"
        );
    }

    #[test]
    fn settings_are_checked_and_a_typo_is_named() {
        let e = config(&[("ONWARD_LOCAL_MORNING", "8am")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("ONWARD_LOCAL_MORNING"), "{e}");
        let e = config(&[("ONWARD_SMTP_URL", "ftp://mail")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("ONWARD_SMTP_URL"), "{e}");
        let c = config(&[("ONWARD_PUBLIC_URL", "https://onward.example.org/app")]).unwrap();
        assert_eq!(c.public_url.as_str(), "https://onward.example.org/app/");
        assert_eq!(c.mail_from, "Onward <onward@onward.example.org>");
        assert_eq!(config(&[]).unwrap().retention_days, 2190);
        let e = config(&[("ONWARD_RETENTION_DAYS", "six years")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("ONWARD_RETENTION_DAYS"), "{e}");
    }
}
