//! Translation lookup. Every user-facing string goes through Fluent: `locales/<lang>/*.ftl`.
//! Adding a language means adding a folder of `.ftl` files; no code changes.

use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use unic_langid::langid;

fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments confuse screen readers and copy-paste.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The language used when neither the user nor the browser asks for one we have.
pub const DEFAULT_LANG: LanguageIdentifier = langid!("en");

/// The language a user reads pages in: their own if Onward has it, else [`DEFAULT_LANG`].
pub fn user_lang(language: &str) -> LanguageIdentifier {
    Some(language)
        .filter(|l| is_supported(l))
        .and_then(|l| l.parse().ok())
        .unwrap_or(DEFAULT_LANG)
}

/// Look up a message with no arguments.
pub fn t(lang: &LanguageIdentifier, key: &str) -> String {
    LOCALES.lookup(lang, key)
}

/// The message `key` in the default language (English).
pub fn default_t(key: &str) -> String {
    t(&DEFAULT_LANG, key)
}

/// Look up a message with named arguments.
pub fn t_args(lang: &LanguageIdentifier, key: &str, args: &[(&str, String)]) -> String {
    let map: HashMap<std::borrow::Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| {
            (
                std::borrow::Cow::Owned((*k).to_string()),
                FluentValue::from(v.clone()),
            )
        })
        .collect();
    LOCALES.lookup_with_args(lang, key, &map)
}

/// Look up a message with arguments already typed for Fluent (numbers select plural forms).
pub fn t_values(
    lang: &LanguageIdentifier,
    key: &str,
    args: &HashMap<std::borrow::Cow<'static, str>, FluentValue<'_>>,
) -> String {
    LOCALES.lookup_with_args(lang, key, args)
}

/// The language a browser asks for (`Accept-Language`, by preference), if Onward has it;
/// English otherwise. Used before anyone has signed in.
pub fn from_accept_language(header: Option<&str>) -> &'static str {
    let mut wanted: Vec<(f32, &str)> = header
        .unwrap_or("")
        .split(',')
        .filter_map(|part| {
            let mut bits = part.trim().split(';');
            let tag = bits.next()?.trim();
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.parse().ok())
                .unwrap_or(1.0);
            Some((q, tag))
        })
        .collect();
    wanted.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    for (q, tag) in wanted {
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        if q > 0.0 {
            if let Some(found) = LANGUAGES.iter().find(|l| **l == primary) {
                return found;
            }
        }
    }
    "en"
}

/// [`from_accept_language`] of a request.
pub fn from_request(req: &actix_web::HttpRequest) -> &'static str {
    from_accept_language(
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The languages Onward has pages and emails in.
pub const LANGUAGES: [&str; 2] = ["en", "ru"];

/// Whether `lang` is one of [`LANGUAGES`].
pub fn is_supported(lang: &str) -> bool {
    LANGUAGES.contains(&lang)
}

/// A date as `lang` writes it: `2026-11-27` in English (unambiguous for readers of a second
/// language), `27.11.2026` in Russian.
pub fn format_date(lang: &str, date: chrono::NaiveDate) -> String {
    match lang {
        "ru" => date.format("%d.%m.%Y").to_string(),
        _ => date.format("%Y-%m-%d").to_string(),
    }
}

/// A number as `lang` writes it: `12,345.5` in English, `12 345,5` in Russian.
pub fn format_number(lang: &str, n: f64) -> String {
    let (group, decimal) = match lang {
        "ru" => ('\u{a0}', ','),
        _ => (',', '.'),
    };
    let rounded = (n * 10.0).round() / 10.0;
    let whole = rounded.trunc().abs() as u64;
    let frac = ((rounded.abs() - rounded.abs().trunc()) * 10.0).round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(ch);
    }
    if frac > 0 {
        out.push(decimal);
        out.push_str(&frac.to_string());
    }
    if rounded < 0.0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_follow_the_language() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(format_date("en", d), "2026-11-27");
        assert_eq!(format_date("ru", d), "27.11.2026");
        assert_eq!(format_number("en", 12345.5), "12,345.5");
        assert_eq!(format_number("ru", 12345.5), "12\u{a0}345,5");
        assert_eq!(format_number("en", 75.0), "75");
    }

    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    /// What a language says: each message id with the variables it uses and the plural
    /// categories its selectors name.
    #[derive(Default)]
    struct Catalogue {
        messages: BTreeMap<String, Message>,
        problems: Vec<String>,
    }

    #[derive(Default)]
    struct Message {
        file: String,
        variables: BTreeSet<String>,
        /// The keys of each select expression, e.g. `["one", "other"]`.
        selectors: Vec<Vec<String>>,
    }

    fn walk_pattern(p: &Pattern<&str>, m: &mut Message) {
        for element in &p.elements {
            if let PatternElement::Placeable { expression } = element {
                walk_expression(expression, m);
            }
        }
    }

    fn walk_expression(e: &Expression<&str>, m: &mut Message) {
        match e {
            Expression::Select { selector, variants } => {
                walk_inline(selector, m);
                m.selectors.push(
                    variants
                        .iter()
                        .map(|v| match &v.key {
                            fluent_syntax::ast::VariantKey::Identifier { name } => name.to_string(),
                            fluent_syntax::ast::VariantKey::NumberLiteral { value } => {
                                value.to_string()
                            }
                        })
                        .collect(),
                );
                for v in variants {
                    walk_pattern(&v.value, m);
                }
            }
            Expression::Inline(inline) => walk_inline(inline, m),
        }
    }

    fn walk_inline(e: &InlineExpression<&str>, m: &mut Message) {
        match e {
            InlineExpression::VariableReference { id } => {
                m.variables.insert(id.name.to_string());
            }
            InlineExpression::Placeable { expression } => walk_expression(expression, m),
            InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    walk_inline(a, m);
                }
                for a in &arguments.named {
                    walk_inline(&a.value, m);
                }
            }
            _ => {}
        }
    }

    /// Every `locales/<lang>/*.ftl` parsed, by language.
    fn catalogues() -> BTreeMap<String, Catalogue> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut out = BTreeMap::new();
        for dir in std::fs::read_dir(&root).unwrap() {
            let dir = dir.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let lang = dir.file_name().unwrap().to_string_lossy().to_string();
            let cat: &mut Catalogue = out.entry(lang.clone()).or_default();
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|f| f.unwrap().path())
                .filter(|f| f.extension().is_some_and(|e| e == "ftl"))
                .collect();
            files.sort();
            for path in files {
                let file = format!("{lang}/{}", path.file_name().unwrap().to_string_lossy());
                let source = std::fs::read_to_string(&path).unwrap();
                let resource = match fluent_syntax::parser::parse(source.as_str()) {
                    Ok(r) => r,
                    Err((r, errors)) => {
                        cat.problems.push(format!("{file}: {errors:?}"));
                        r
                    }
                };
                for entry in &resource.body {
                    let Entry::Message(msg) = entry else { continue };
                    let mut m = Message {
                        file: file.clone(),
                        ..Message::default()
                    };
                    if let Some(value) = &msg.value {
                        walk_pattern(value, &mut m);
                    }
                    for attribute in &msg.attributes {
                        walk_pattern(&attribute.value, &mut m);
                    }
                    let id = msg.id.name.to_string();
                    if let Some(first) = cat.messages.get(&id) {
                        // Fluent refuses a bundle with one id twice.
                        cat.problems
                            .push(format!("{id} is in both {} and {file}", first.file));
                    } else {
                        cat.messages.insert(id, m);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_language_has_every_message_with_the_same_variables() {
        let all = catalogues();
        let english = &all["en"];
        assert!(
            english.messages.len() > 100,
            "the English messages were read"
        );
        assert!(all.contains_key("ru"), "Russian is there");
        let mut problems: Vec<String> = Vec::new();
        for (lang, cat) in &all {
            problems.extend(cat.problems.iter().map(|p| format!("[{lang}] {p}")));
            if lang == "en" {
                continue;
            }
            let missing: Vec<&str> = english
                .messages
                .keys()
                .filter(|id| !cat.messages.contains_key(*id))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                problems.push(format!("missing in {lang}: {}", missing.join(", ")));
            }
            let extra: Vec<&str> = cat
                .messages
                .keys()
                .filter(|id| !english.messages.contains_key(*id))
                .map(String::as_str)
                .collect();
            if !extra.is_empty() {
                problems.push(format!(
                    "missing in en (only in {lang}): {}",
                    extra.join(", ")
                ));
            }
            for (id, en) in &english.messages {
                let Some(other) = cat.messages.get(id) else {
                    continue;
                };
                let dropped: Vec<&String> = en.variables.difference(&other.variables).collect();
                if !dropped.is_empty() {
                    problems.push(format!(
                        "{lang} {id} ({}) leaves out {dropped:?}",
                        other.file
                    ));
                }
                // A variable the code never passes shows up as an error in the page.
                let unknown: Vec<&String> = other.variables.difference(&en.variables).collect();
                if !unknown.is_empty() {
                    problems.push(format!(
                        "{lang} {id} ({}) uses {unknown:?}, which English does not",
                        other.file
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }

    #[test]
    fn a_login_wait_is_said_with_the_right_plural_form() {
        let wait = |lang: &str, n: u64| {
            let args =
                HashMap::from([(std::borrow::Cow::Borrowed("seconds"), FluentValue::from(n))]);
            t_values(
                &lang.parse().unwrap(),
                "login-throttled-wait-seconds",
                &args,
            )
        };
        assert!(wait("en", 1).contains("Wait 1 second and"));
        assert!(wait("en", 5).contains("Wait 5 seconds and"));
        assert!(wait("ru", 1).contains("1 секунду"));
        assert!(wait("ru", 3).contains("3 секунды"));
        assert!(wait("ru", 5).contains("5 секунд"));
    }

    #[test]
    fn russian_plurals_name_every_russian_category() {
        let all = catalogues();
        let mut problems = Vec::new();
        for (id, m) in &all["ru"].messages {
            for keys in &m.selectors {
                let plural = keys.iter().any(|k| k == "one");
                let complete = ["one", "few", "many", "other"]
                    .iter()
                    .all(|c| keys.iter().any(|k| k == c));
                if plural && !complete {
                    problems.push(format!("{id} ({}) has only {keys:?}", m.file));
                }
            }
        }
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }

    #[test]
    fn before_sign_in_the_browsers_language_is_used_when_onward_has_it() {
        assert_eq!(from_accept_language(Some("ru-RU,ru;q=0.9,en;q=0.8")), "ru");
        assert_eq!(from_accept_language(Some("ky,ru;q=0.7,en;q=0.5")), "ru");
        assert_eq!(from_accept_language(Some("de-DE,en;q=0.5")), "en");
        assert_eq!(from_accept_language(Some("en;q=0.4,ru;q=0.9")), "ru");
        assert_eq!(from_accept_language(None), "en");
    }

    #[test]
    fn russian_messages_load_and_choose_plural_forms() {
        let ru = langid!("ru");
        assert_eq!(t(&ru, "participants-title"), "Участники");
        assert_eq!(t(&DEFAULT_LANG, "participants-title"), "Participants");
        let count = |n: f64| {
            let args: HashMap<std::borrow::Cow<'static, str>, FluentValue> =
                [(std::borrow::Cow::Borrowed("count"), FluentValue::from(n))].into();
            t_values(&ru, "results-count", &args)
        };
        assert_eq!(count(1.0), "1 результат");
        assert_eq!(count(3.0), "3 результата");
        assert_eq!(count(11.0), "11 результатов");
        assert_eq!(count(21.0), "21 результат");
    }
}
