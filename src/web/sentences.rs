//! Milestones named after their kind: plans made from the default template carry the English
//! name of each kind as their title, and a page shows those in its reader's language. This is
//! the one reverse lookup left (it compares titles with the kinds' English names); errors carry
//! message keys and are put into words by `kernel::message::put_into_words`.

use std::collections::HashMap;

use crate::i18n::{is_supported, t, user_lang, DEFAULT_LANG};

/// The English names of the kinds of milestone, which plans made from the default template
/// carry as their titles: shown in the reader's language like every other word of Onward's.
static MILESTONE_NAMES: std::sync::LazyLock<HashMap<String, String>> =
    std::sync::LazyLock::new(|| {
        crate::kernel::vocab::MILESTONE_KINDS
            .iter()
            .filter(|k| **k != "custom")
            .map(|k| {
                let key = format!("milestone-{k}");
                (t(&DEFAULT_LANG, &key), key)
            })
            .collect()
    });

/// Every string in `data` that is the English name of a kind of milestone, in `lang`.
pub fn name_milestones(data: &mut serde_json::Value, lang: &str) {
    let Some(lang) = Some(lang).filter(|l| *l != "en" && is_supported(l)) else {
        return;
    };
    let lang = user_lang(lang);
    fn walk(v: &mut serde_json::Value, lang: &unic_langid::LanguageIdentifier) {
        match v {
            serde_json::Value::String(s) => {
                if let Some(id) = MILESTONE_NAMES.get(s.as_str()) {
                    *s = t(lang, id);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| walk(i, lang)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|i| walk(i, lang)),
            _ => {}
        }
    }
    walk(data, &lang);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_named_after_their_kind_are_named_in_the_readers_language() {
        let mut data = serde_json::json!({ "m": { "title": "Accommodation confirmed" }, "other": "Flat on Chui Avenue" });
        name_milestones(&mut data, "ru");
        assert_eq!(
            data["m"]["title"],
            serde_json::json!(t(&user_lang("ru"), "milestone-accommodation_confirmed"))
        );
        assert_eq!(
            data["other"], "Flat on Chui Avenue",
            "typed titles stay as typed"
        );
    }
}
