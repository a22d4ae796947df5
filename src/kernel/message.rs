//! A message for a person: a Fluent id and its arguments, put into words only when it is shown
//! (a page in its reader's language, an API body in English). Errors carry these, never
//! sentences, so nothing has to recognise English text to translate it.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::i18n::{t_args, user_lang, DEFAULT_LANG};

/// A Fluent message id with its arguments, or text that is not Onward's own words (a parser's
/// complaint), shown as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Boxed, so that an error carrying two messages stays small.
    Key(Box<Keyed>),
    Text(String),
}

/// A Fluent message id and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
    pub key: String,
    pub args: Vec<(String, String)>,
}

/// The member that marks a message in serialised data.
pub const PAGE_MARK: &str = "$message";

impl Message {
    /// The message `key`, with no arguments.
    pub fn new(key: &str) -> Self {
        Self::Key(Box::new(Keyed {
            key: key.to_string(),
            args: Vec::new(),
        }))
    }

    /// The message `key` with named arguments.
    pub fn with(key: &str, args: &[(&str, String)]) -> Self {
        Self::Key(Box::new(Keyed {
            key: key.to_string(),
            args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        }))
    }

    /// The message in `lang` (a language Onward has; English otherwise).
    pub fn in_lang(&self, lang: &str) -> String {
        match self {
            Self::Key(keyed) => {
                let args: Vec<(&str, String)> = keyed
                    .args
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                t_args(&user_lang(lang), &keyed.key, &args)
            }
            Self::Text(text) => text.clone(),
        }
    }

    /// The message in English (API bodies and logs).
    pub fn english(&self) -> String {
        self.in_lang(&DEFAULT_LANG.to_string())
    }
}

/// A message is written out as `{"$message": key, "args": {…}}` (text as it is), and put into
/// words where it is shown: `web::render` in the page's language, API bodies in English.
impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Key(keyed) => {
                let args: std::collections::BTreeMap<&str, &str> = keyed
                    .args
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry(PAGE_MARK, &keyed.key)?;
                map.serialize_entry("args", &args)?;
                map.end()
            }
            Self::Text(text) => s.serialize_str(text),
        }
    }
}

/// Every message in `value` (see [`Message`]'s serialisation) put into words in `lang`.
pub fn put_into_words(value: &mut serde_json::Value, lang: &str) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::String(key)) = map.get(PAGE_MARK) {
                let args: Vec<(String, String)> = map
                    .get("args")
                    .and_then(Value::as_object)
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                let message = Message::Key(Box::new(Keyed {
                    key: key.clone(),
                    args,
                }));
                *value = Value::String(message.in_lang(lang));
            } else {
                map.values_mut().for_each(|v| put_into_words(v, lang));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| put_into_words(v, lang)),
        _ => {}
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{FieldError, FieldErrors};

    #[test]
    fn error_messages_are_put_into_words_in_the_readers_language_and_typed_text_stays() {
        let mut errors = FieldErrors::default();
        errors.add("family_name", "error-required");
        errors.0.push(FieldError {
            field: "override_reason".into(),
            message: Message::with(
                "error-completion-rule",
                &[("needed", "75".into()), ("actual", "50".into())],
            ),
        });
        let data = serde_json::json!({
            "errors": errors.0,
            "family_name": "This field is required.",
        });
        let mut ru = data.clone();
        put_into_words(&mut ru, "ru");
        assert_eq!(ru["errors"][0]["message"], "Это поле обязательно.");
        assert_eq!(
            ru["errors"][1]["message"],
            t_args(
                &user_lang("ru"),
                "error-completion-rule",
                &[("needed", "75".into()), ("actual", "50".into())],
            )
        );
        assert_eq!(
            ru["family_name"], "This field is required.",
            "what someone typed is never translated"
        );
        let mut en = data.clone();
        put_into_words(&mut en, "en");
        assert_eq!(en["errors"][0]["message"], "This field is required.");
        assert_eq!(en["errors"][0]["field"], "family_name");
    }
}
