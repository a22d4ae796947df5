//! The reverse lookup that puts English sentences in page data into the reader's language.
//! Field errors are still worded in English where they are found; until they carry message keys
//! to the renderer, a page recognises them here by their English text.

use std::collections::HashMap;

use unic_langid::LanguageIdentifier;

use crate::i18n::{is_supported, t, t_args, user_lang, DEFAULT_LANG};

/// The English messages, read again to recognise sentences that code built in English.
#[derive(rust_embed::RustEmbed)]
#[folder = "locales/en/"]
struct EnglishMessages;

/// Error sentences (`error-*`, `problem-*-detail`, ...) by their English text. Field errors are
/// worded in English where they are found, deep in each area's validation; a page shows them in
/// its reader's language by looking the sentence up here.
static ENGLISH_SENTENCES: std::sync::LazyLock<HashMap<String, String>> =
    std::sync::LazyLock::new(|| {
        let mut out = HashMap::new();
        for file in EnglishMessages::iter() {
            let Some(source) = EnglishMessages::get(&file) else {
                continue;
            };
            for line in String::from_utf8_lossy(&source.data).lines() {
                let Some((id, text)) = line.split_once(" = ") else {
                    continue;
                };
                // Problem titles ("Page not found") are short and have no full stop.
                let sentence =
                    (text.ends_with('.') || id.starts_with("problem-")) && !text.contains('{');
                let is_error = id.starts_with("error-")
                    || id.starts_with("problem-")
                    || id == "participant-conflict";
                if sentence && is_error && !id.contains(' ') {
                    out.insert(text.to_string(), id.to_string());
                }
            }
        }
        out
    });

/// Error messages with arguments (`error-transition`…): their id and the English text cut at
/// each placeable, as (literal pieces, argument names).
type Pattern = (String, Vec<String>, Vec<String>);

static ENGLISH_PATTERNS: std::sync::LazyLock<Vec<Pattern>> = std::sync::LazyLock::new(|| {
    let mut out = Vec::new();
    for file in EnglishMessages::iter() {
        let Some(source) = EnglishMessages::get(&file) else {
            continue;
        };
        for line in String::from_utf8_lossy(&source.data).lines() {
            let Some((id, text)) = line.split_once(" = ") else {
                continue;
            };
            if !id.starts_with("error-") || !text.contains("{ $") || text.contains("->") {
                continue;
            }
            let (mut pieces, mut names, mut rest) = (Vec::new(), Vec::new(), text);
            while let Some(start) = rest.find("{ $") {
                let Some(end) = rest[start..].find(" }") else {
                    break;
                };
                pieces.push(rest[..start].to_string());
                names.push(rest[start + 3..start + end].to_string());
                rest = &rest[start + end + 2..];
            }
            pieces.push(rest.to_string());
            out.push((id.to_string(), pieces, names));
        }
    }
    out
});

/// The arguments of `text` if it is `pieces` with values between them.
fn match_pattern(text: &str, pieces: &[String], names: &[String]) -> Option<Vec<(String, String)>> {
    let mut rest = text.strip_prefix(pieces[0].as_str())?;
    let mut args = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let next = &pieces[i + 1];
        let value_end = if i + 1 == names.len() {
            rest.len()
                .checked_sub(next.len())
                .filter(|end| rest[*end..] == *next)?
        } else {
            rest.find(next.as_str()).filter(|_| !next.is_empty())?
        };
        args.push((name.clone(), rest[..value_end].to_string()));
        rest = &rest[value_end + next.len()..];
    }
    Some(args)
}

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

/// Every English error sentence in `data` put into `lang` (a page's data, before rendering).
pub fn translate_error_sentences(data: &mut serde_json::Value, lang: &str) {
    let Some(lang) = Some(lang).filter(|l| *l != "en" && is_supported(l)) else {
        return;
    };
    let lang = user_lang(lang);
    fn walk(v: &mut serde_json::Value, lang: &LanguageIdentifier) {
        match v {
            serde_json::Value::String(s) => {
                if let Some(id) = ENGLISH_SENTENCES.get(s.as_str()) {
                    *s = t(lang, id);
                } else if let Some(id) = MILESTONE_NAMES.get(s.as_str()) {
                    *s = t(lang, id);
                } else if s.len() > 20 {
                    for (id, pieces, names) in ENGLISH_PATTERNS.iter() {
                        if let Some(args) = match_pattern(s, pieces, names) {
                            let args: Vec<(&str, String)> =
                                args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                            *s = t_args(lang, id, &args);
                            break;
                        }
                    }
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
        translate_error_sentences(&mut data, "ru");
        assert_eq!(
            data["m"]["title"],
            serde_json::json!(t(&user_lang("ru"), "milestone-accommodation_confirmed"))
        );
        assert_eq!(
            data["other"], "Flat on Chui Avenue",
            "typed titles stay as typed"
        );
    }

    #[test]
    fn error_messages_with_values_are_shown_in_the_page_language_too() {
        let english = t_args(
            &DEFAULT_LANG,
            "error-completion-rule",
            &[("needed", "75".into()), ("actual", "50".into())],
        );
        let mut data = serde_json::json!({ "errors": [{ "message": english }] });
        translate_error_sentences(&mut data, "ru");
        let russian = t_args(
            &user_lang("ru"),
            "error-completion-rule",
            &[("needed", "75".into()), ("actual", "50".into())],
        );
        assert_eq!(data["errors"][0]["message"], serde_json::json!(russian));
        assert_ne!(russian, english);
    }

    #[test]
    fn error_sentences_worded_in_english_are_shown_in_the_page_language() {
        let data = serde_json::json!({
            "errors": [{"field": "family_name", "message": "This field is required."}],
            "error": {"date_of_birth": "The date of birth must be in the past."},
            "family_name": "Smith",
        });
        let mut ru = data.clone();
        translate_error_sentences(&mut ru, "ru");
        assert_eq!(ru["errors"][0]["message"], "Это поле обязательно.");
        assert_eq!(
            ru["error"]["date_of_birth"],
            "Дата рождения должна быть в прошлом."
        );
        assert_eq!(ru["family_name"], "Smith");
        let mut en = data.clone();
        translate_error_sentences(&mut en, "en");
        assert_eq!(en, data);
    }
}
