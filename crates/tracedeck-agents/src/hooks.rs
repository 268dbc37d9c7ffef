//! Built-in hooks: pre-hooks transform or reject the input before the model sees it,
//! post-hooks the answer before it is returned. `redact_pii` (e-mail addresses and phone
//! numbers), `max_length` (truncate or reject) and `json_output` (the answer must be JSON,
//! optionally with required keys). Hooks are pure text functions; the GUARDRAIL span around
//! each one is the runtime's.

use std::sync::LazyLock;

use regex::Regex;

use crate::config::{HookConfig, LengthAction};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").expect("static regex")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+\d{1,3}[ .-]?|\(\d{1,4}\)[ .-]?|\b)\d{2,4}(?:[ .-]\d{2,4}){1,4}\b|\b\d{10,13}\b")
        .expect("static regex")
});
static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$").expect("static regex"));

pub const EMAIL_PLACEHOLDER: &str = "[REDACTED_EMAIL]";
pub const PHONE_PLACEHOLDER: &str = "[REDACTED_PHONE]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStage {
    Pre,
    Post,
}

impl HookStage {
    pub fn as_str(self) -> &'static str {
        match self {
            HookStage::Pre => "pre",
            HookStage::Post => "post",
        }
    }
}

/// Redacts e-mails and/or phone numbers. Phone candidates need 7-15 digits and must not be
/// ISO dates, so years, prices and versions survive.
pub fn redact_pii(text: &str, emails: bool, phones: bool) -> String {
    let mut out = if emails { EMAIL.replace_all(text, EMAIL_PLACEHOLDER).into_owned() } else { text.to_owned() };
    if phones {
        out = PHONE
            .replace_all(&out, |c: &regex::Captures<'_>| {
                let m = &c[0];
                let digits = m.chars().filter(char::is_ascii_digit).count();
                if (7..=15).contains(&digits) && !ISO_DATE.is_match(m) {
                    PHONE_PLACEHOLDER.to_owned()
                } else {
                    m.to_owned()
                }
            })
            .into_owned();
    }
    out
}

fn strip_fence(text: &str) -> &str {
    let t = text.trim();
    let Some(rest) = t.strip_prefix("```") else { return t };
    let body = rest.split_once('\n').map_or("", |(_, b)| b);
    body.trim_end().strip_suffix("```").unwrap_or(body).trim()
}

/// Applies one hook: `Ok(new text)` (maybe unchanged) or `Err(reason)` to stop the run.
pub fn apply(hook: &HookConfig, stage: HookStage, text: &str) -> Result<String, String> {
    match hook {
        HookConfig::RedactPii { emails, phones } => Ok(redact_pii(text, *emails, *phones)),
        HookConfig::MaxLength { max_chars, action } => {
            let n = text.chars().count();
            if n <= *max_chars {
                return Ok(text.to_owned());
            }
            match action {
                LengthAction::Truncate => Ok(text.chars().take(*max_chars).collect()),
                LengthAction::Reject => {
                    let what = if stage == HookStage::Pre { "input" } else { "output" };
                    Err(format!("{what} is {n} characters, over the {max_chars}-character limit"))
                }
            }
        }
        HookConfig::JsonOutput { required_keys } => {
            let body = strip_fence(text);
            let v: serde_json::Value = serde_json::from_str(body).map_err(|e| format!("not valid JSON: {e}"))?;
            let missing: Vec<&str> =
                required_keys.iter().filter(|k| v.get(k.as_str()).is_none()).map(String::as_str).collect();
            if !missing.is_empty() {
                return Err(format!("JSON is missing required keys: {}", missing.join(", ")));
            }
            Ok(body.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pii_is_redacted_but_dates_and_numbers_survive() {
        let t = "Mail jane.doe+x@example.co.uk or call +1 555-123-4567 / (020) 7946 0958 or 5551234567. \
                 Born 1990-05-17, costs 1200, version 3.14.";
        let r = redact_pii(t, true, true);
        assert!(!r.contains("jane.doe"), "{r}");
        assert_eq!(r.matches(PHONE_PLACEHOLDER).count(), 3, "{r}");
        assert!(r.contains("1990-05-17") && r.contains("1200") && r.contains("3.14"), "{r}");
        assert_eq!(redact_pii(t, false, false), t);
    }

    #[test]
    fn length_and_json() {
        let trunc = HookConfig::MaxLength { max_chars: 3, action: LengthAction::Truncate };
        assert_eq!(apply(&trunc, HookStage::Pre, "héllo").unwrap(), "hél");
        let reject = HookConfig::MaxLength { max_chars: 3, action: LengthAction::Reject };
        assert_eq!(
            apply(&reject, HookStage::Pre, "hello").unwrap_err(),
            "input is 5 characters, over the 3-character limit"
        );
        let json = HookConfig::JsonOutput { required_keys: vec!["city".into()] };
        assert_eq!(
            apply(&json, HookStage::Post, "```json\n{\"city\": \"Rome\"}\n```").unwrap(),
            "{\"city\": \"Rome\"}"
        );
        assert!(apply(&json, HookStage::Post, "{\"x\": 1}").unwrap_err().contains("missing required keys: city"));
        assert!(apply(&json, HookStage::Post, "Sure! Here it is").unwrap_err().starts_with("not valid JSON"));
    }
}
