//! Email: rendering (Handlebars templates per kind and language under `templates/email/`, strict
//! mode, plain text and HTML) and sending (lettre over SMTP, or `.eml` files under
//! `./data/outbox/` when no SMTP server is configured, so the embedded default shows the flow).
//!
//! What an email may say (PRODUCT.md): the case reference, what is due, when, and a link. Names
//! only when the recipient is an agency whose mailbox is a secure channel; never offences, notes
//! or assessments. The templates get nothing else to say.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use handlebars::Handlebars;
use lettre::message::{header, Attachment, Mailbox, MultiPart};
use lettre::{Message, SmtpTransport, Transport};
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "templates/email/"]
struct EmailTemplates;

/// Kinds of email Onward writes; each has a subject, text and HTML template per language.
pub const KINDS: [&str; 11] = [
    "milestone_reminder",
    "milestone_overdue",
    "release_reminder",
    "absence_alert",
    "digest",
    "progress_note",
    "handover",
    "handover_overdue",
    "handover_unsent",
    "handover_meeting",
    "login_burst",
];

fn registry(escape: bool) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    if !escape {
        hb.register_escape_fn(handlebars::no_escape);
    }
    for file in EmailTemplates::iter() {
        let name = file.trim_end_matches(".hbs").to_string();
        let is_html = name.ends_with(".html");
        if is_html != escape {
            continue;
        }
        let source = EmailTemplates::get(&file).expect("embedded template exists");
        let text = String::from_utf8_lossy(&source.data).into_owned();
        hb.register_template_string(&name, text)
            .expect("templates/email holds valid Handlebars templates");
    }
    hb
}

/// Subjects and plain text: nothing is HTML-escaped.
static TEXT: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(false));
static HTML: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(true));

/// What an email template may use.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmailContext {
    /// The agency's or person's name, for the greeting.
    pub recipient: String,
    pub case_reference: String,
    /// What is due, in the words of the plan (milestone title).
    pub what: String,
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// Days before (or, for overdue chasers, after) the date.
    pub days: i32,
    pub is_today: bool,
    pub link: String,
    /// The mailbox is a secure channel: the participant's name may be given.
    pub secure: bool,
    pub participant_name: Option<String>,
    /// Lines of a digest.
    pub items: Vec<DigestLine>,
}

/// One line of a daily digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub case_reference: String,
    pub subject: String,
    pub link: String,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot render email {kind} in {language}: {reason}")]
pub struct RenderError {
    kind: String,
    language: String,
    reason: String,
}

/// Render `kind` in `language` (English when Onward has no templates in that language).
pub fn render(kind: &str, language: &str, ctx: &EmailContext) -> Result<Rendered, RenderError> {
    let language = if TEXT.has_template(&format!("{language}/{kind}.subject")) {
        language
    } else {
        "en"
    };
    let fail = |e: handlebars::RenderError| RenderError {
        kind: kind.into(),
        language: language.into(),
        reason: e.to_string(),
    };
    let subject = TEXT
        .render(&format!("{language}/{kind}.subject"), ctx)
        .map_err(fail)?;
    let mut text = TEXT
        .render(&format!("{language}/{kind}.txt"), ctx)
        .map_err(fail)?;
    let mut html = HTML
        .render(&format!("{language}/{kind}.html"), ctx)
        .map_err(fail)?;
    // Handlebars renders into generously sized buffers (about 16 KB an email); a sweep holds
    // many emails at once, so give the spare room back.
    text.shrink_to_fit();
    html.shrink_to_fit();
    Ok(Rendered {
        // A subject is one line whatever the template's whitespace.
        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
        text,
        html,
    })
}

/// Check every template renders for every kind and language (called at start-up).
pub fn check_templates() -> Result<(), RenderError> {
    let ctx = EmailContext {
        items: vec![DigestLine {
            case_reference: "X".into(),
            subject: "Y".into(),
            link: "Z".into(),
        }],
        ..Default::default()
    };
    for language in crate::i18n::LANGUAGES {
        for kind in KINDS {
            render(kind, language, &ctx)?;
        }
    }
    Ok(())
}

/// The name of a kind of dated step (`release`, `accommodation_confirmed`…) in `language`.
pub fn kind_label(kind: &str, language: &str) -> String {
    let lang = language.parse().unwrap_or(crate::i18n::DEFAULT_LANG);
    crate::i18n::t(&lang, &format!("milestone-{kind}"))
}

/// An email ready to go.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    /// A calendar invitation (`METHOD:REQUEST`) attached as `invite.ics`.
    pub ics: Option<String>,
}

/// Why an email could not be sent: `permanent` failures are not retried.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason}")]
pub struct SendError {
    pub permanent: bool,
    pub reason: String,
}

/// Where email goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: SmtpTransport,
        from: Mailbox,
    },
    Files {
        dir: PathBuf,
        from: Mailbox,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("ONWARD_SMTP_URL is invalid: {0}")]
    SmtpUrl(String),
    #[error("ONWARD_MAIL_FROM is not an email address: {0}")]
    From(String),
}

impl Mailer {
    /// SMTP when `smtp_url` is given (`smtp://` plain, `smtp://…?tls=required` STARTTLS,
    /// `smtps://` TLS, with `user:password@` credentials), `.eml` files in `outbox_dir` otherwise.
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        outbox_dir: PathBuf,
    ) -> Result<Self, MailConfigError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailConfigError::From(e.to_string()))?;
        Ok(match smtp_url {
            Some(url) => Mailer::Smtp {
                transport: SmtpTransport::from_url(url)
                    .map_err(|e| {
                        MailConfigError::SmtpUrl(crate::db::mask_password(&e.to_string()))
                    })?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
                from,
            },
            None => Mailer::Files {
                dir: outbox_dir,
                from,
            },
        })
    }

    fn from(&self) -> &Mailbox {
        match self {
            Mailer::Smtp { from, .. } | Mailer::Files { from, .. } => from,
        }
    }

    /// Send one email; blocking (run it off the async runtime).
    pub fn send(&self, email: &Outgoing) -> Result<(), SendError> {
        let permanent = |reason: String| SendError {
            permanent: true,
            reason,
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e: lettre::address::AddressError| permanent(format!("bad address: {e}")))?;
        let message = Message::builder()
            .from(self.from().clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .header(header::MIME_VERSION_1_0)
            .multipart(body(email))
            .map_err(|e| permanent(format!("cannot build the message: {e}")))?;
        match self {
            Mailer::Smtp { transport, .. } => {
                transport.send(&message).map(|_| ()).map_err(|e| SendError {
                    permanent: e.is_permanent(),
                    reason: e.to_string(),
                })
            }
            Mailer::Files { dir, .. } => {
                let transient = |e: std::io::Error| SendError {
                    permanent: false,
                    reason: e.to_string(),
                };
                std::fs::create_dir_all(dir).map_err(transient)?;
                let name: String = email
                    .message_id
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
                    .collect();
                let path = dir.join(format!("{name}.eml"));
                // Write then rename, so that a half-written file is never taken for an email.
                let partial = dir.join(format!(".{name}.partial"));
                crate::files::write_private(&partial, message.formatted()).map_err(transient)?;
                std::fs::rename(&partial, &path).map_err(transient)?;
                tracing::info!(message_id = %email.message_id, file = %path.display(), "email written to the outbox folder");
                Ok(())
            }
        }
    }
}

/// Text and HTML alternatives, with the invitation beside them when there is one (calendar
/// clients show an `.ics` attachment with `method=REQUEST` as an invitation to accept).
fn body(email: &Outgoing) -> MultiPart {
    let alternatives = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
    match &email.ics {
        None => alternatives,
        Some(ics) => {
            let calendar =
                header::ContentType::parse("text/calendar; charset=utf-8; method=REQUEST")
                    .expect("a valid content type");
            MultiPart::mixed()
                .multipart(alternatives)
                .singlepart(Attachment::new("invite.ics".into()).body(ics.clone(), calendar))
        }
    }
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp { .. } => f.write_str("Mailer::Smtp"),
            Mailer::Files { dir, .. } => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_email_has_its_own_template_in_every_language() {
        let mut missing = Vec::new();
        for language in crate::i18n::LANGUAGES {
            for kind in KINDS {
                for part in ["subject", "txt", "html"] {
                    let file = format!("{language}/{kind}.{part}.hbs");
                    if EmailTemplates::get(&file).is_none() {
                        missing.push(file);
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing email templates: {missing:?}");
    }
}
