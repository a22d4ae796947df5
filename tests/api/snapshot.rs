//! Snapshots of what people read (emails, pages), kept in `tests/snapshots/<name>.snap` and
//! compared with `insta`. What changes from run to run — ids, tokens, dates taken from the clock
//! — is replaced by a placeholder first ([`Redact`]), so a snapshot holds on either database and
//! on any day.
//!
//! A missing snapshot fails, and nothing is written over a committed one: without `INSTA_UPDATE`
//! a missing file fails here before insta is asked; a different one fails in insta, which writes
//! nothing in CI (`CI` set, or `INSTA_UPDATE=no`) and elsewhere leaves a `<name>.snap.new` to
//! review (ignored by git). To accept a change on purpose, run
//! `INSTA_UPDATE=always cargo test --test api <test>` (or `cargo insta review`) and read the diff
//! of `tests/snapshots/` before committing it.

use std::path::PathBuf;

/// Where the snapshots live, relative to this file.
const DIR: &str = "../snapshots";

/// Compare `text` with the committed snapshot `name`.
#[track_caller]
pub fn assert_matches(name: &str, text: &str) {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/snapshots/{name}.snap"));
    let asked = std::env::var("INSTA_UPDATE").unwrap_or_default();
    if !file.exists() && !matches!(asked.as_str(), "always" | "force" | "new" | "unseen" | "1") {
        panic!(
            "no snapshot {}: write it with `INSTA_UPDATE=always cargo test --test api` and \
             review it before committing",
            file.display()
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(DIR);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// Replacements of the volatile parts of a text, applied longest value first (so that an id
/// inside a longer one is not replaced half).
#[derive(Default)]
pub struct Redact {
    values: Vec<(String, String)>,
    times: bool,
}

impl Redact {
    pub fn new() -> Self {
        Redact::default()
    }

    /// Replace every `value` with `[placeholder]`.
    pub fn value(mut self, value: impl ToString, placeholder: &str) -> Self {
        let value = value.to_string();
        assert!(!value.is_empty(), "nothing to redact for {placeholder}");
        self.values.push((value, format!("[{placeholder}]")));
        self
    }

    /// Replace every `value` with `replacement` as it is (for a value that needs its context,
    /// such as an id in a path: `/participants/7"` → `/participants/[id]"`).
    pub fn text(mut self, value: impl ToString, replacement: &str) -> Self {
        let value = value.to_string();
        assert!(!value.is_empty(), "nothing to redact for {replacement}");
        self.values.push((value, replacement.to_string()));
        self
    }

    /// Replace every moment written `YYYY-MM-DD HH:MM` (when a record was added or changed: the
    /// clock's) with `[time]`; dates alone are left as they are.
    pub fn times(mut self) -> Self {
        self.times = true;
        self
    }

    pub fn apply(&self, text: &str) -> String {
        let mut rules = self.values.clone();
        rules.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        let mut out = text.to_string();
        for (value, replacement) in &rules {
            out = out.replace(value.as_str(), replacement);
        }
        if self.times {
            out = without_times(&out);
        }
        out
    }
}

/// `text` with each `YYYY-MM-DD HH:MM` replaced by `[time]`.
fn without_times(text: &str) -> String {
    const SHAPE: &[u8] = b"dddd-dd-dd dd:dd";
    let fits = |s: &[u8]| {
        s.len() >= SHAPE.len()
            && SHAPE.iter().zip(s).all(|(want, got)| match want {
                b'd' => got.is_ascii_digit(),
                other => other == got,
            })
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        if fits(&bytes[i..]) {
            out.push_str(&text[copied..i]);
            out.push_str("[time]");
            i += SHAPE.len();
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Pages as a browser gets them.
mod pages {
    use onward::auth::Role;

    use super::{assert_matches, Redact};
    use crate::helpers::*;

    #[actix_web::test]
    async fn the_login_page_reads_as_it_did() {
        let app = spawn_app().await;
        let client = app.browser();
        let html = client.page("/login?next=%2Fparticipants").await;
        let redact = Redact::new().value(client.login_csrf().await, "csrf token");
        assert_matches("page.login", &redact.apply(&html));
    }

    #[actix_web::test]
    async fn a_participants_page_reads_as_it_did() {
        let app = spawn_app().await;
        let site = app.site("KG-BSK", "Asia/Bishkek");
        let coordinator = app.user(Role::Coordinator, Some("KG-BSK"));
        let body = participant_body("KG-2026-00042", site);
        let id = app.participant(&coordinator, body.clone()).await["id"]
            .as_i64()
            .unwrap();
        let (client, _) = app.login(&coordinator.email, PASSWORD).await;
        let html = client.page(&format!("/participants/{id}")).await;
        let redact = Redact::new()
            .value(client.csrf().await, "csrf token")
            .value(body["earliest_release_date"].as_str().unwrap(), "release")
            .value(body["parole_eligibility_date"].as_str().unwrap(), "parole")
            .value(body["licence_end_date"].as_str().unwrap(), "licence end")
            .text(format!("/participants/{id}"), "/participants/[id]")
            .times();
        assert_matches("page.participant", &redact.apply(&html));
    }
}
