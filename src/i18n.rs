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
