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

/// Look up a message with no arguments.
pub fn t(lang: &LanguageIdentifier, key: &str) -> String {
    LOCALES.lookup(lang, key)
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
}
