//! API keys for HTTP providers: from the environment variable named in the config, else from
//! the OS keyring (service "tracedeck", the configured entry name). Keys are never logged,
//! put in spans or errors; [`redact`] scrubs a key out of any server message that echoes it.

use super::ModelError;

pub(crate) const KEYRING_SERVICE: &str = "tracedeck";

#[derive(Debug, Clone, Default)]
pub(crate) struct KeySource {
    pub env: Option<String>,
    pub keyring: Option<String>,
}

impl KeySource {
    /// `Ok(None)` when no key is configured (local servers such as Ollama need none).
    pub async fn resolve(&self) -> Result<Option<String>, ModelError> {
        if let Some(var) = &self.env
            && let Some(v) = std::env::var_os(var)
        {
            let v = v
                .into_string()
                .map_err(|_| ModelError::ApiKey(format!("environment variable {var} is not valid UTF-8")))?;
            if !v.trim().is_empty() {
                return Ok(Some(v.trim().to_owned()));
            }
        }
        match (&self.keyring, &self.env) {
            (Some(entry), _) => from_keyring(entry.clone()).await.map(Some),
            (None, Some(var)) => Err(ModelError::ApiKey(format!("environment variable {var} is not set"))),
            (None, None) => Ok(None),
        }
    }
}

#[cfg(feature = "keyring")]
async fn from_keyring(entry: String) -> Result<String, ModelError> {
    let name = entry.clone();
    // The Secret Service client blocks; keep it off the async workers.
    let r = tokio::task::spawn_blocking(move || keyring::Entry::new(KEYRING_SERVICE, &entry)?.get_password()).await;
    match r {
        Ok(Ok(key)) => Ok(key),
        Ok(Err(keyring::Error::NoEntry)) => Err(ModelError::ApiKey(format!(
            "no keyring entry \"{name}\" (service \"{KEYRING_SERVICE}\"); store the key there or set api_key_env"
        ))),
        Ok(Err(e)) => Err(ModelError::ApiKey(format!(
            "keyring entry \"{name}\" (service \"{KEYRING_SERVICE}\") is unavailable: {e}"
        ))),
        Err(e) => Err(ModelError::ApiKey(format!("keyring lookup failed: {e}"))),
    }
}

#[cfg(not(feature = "keyring"))]
async fn from_keyring(entry: String) -> Result<String, ModelError> {
    Err(ModelError::ApiKey(format!(
        "keyring entry \"{entry}\" requested but this build has no keyring support (feature `keyring`); use api_key_env"
    )))
}

/// Replaces the key (and, for long keys, its recognisable tail) in `text`.
pub(crate) fn redact(text: &str, key: Option<&str>) -> String {
    let Some(key) = key.filter(|k| k.len() >= 6) else { return text.to_owned() };
    let mut out = text.replace(key, "[redacted]");
    // Servers often echo a masked key like "sk-abc...wxyz": drop the tail too.
    let tail = &key[key.len() - 4..];
    if out.contains(tail) {
        out = out.replace(tail, "****");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_scrubbed_from_messages() {
        let k = "sk-live-1234567890abcd";
        assert_eq!(
            redact(&format!("Incorrect API key provided: {k}."), Some(k)),
            "Incorrect API key provided: [redacted]."
        );
        assert_eq!(
            redact("Incorrect API key provided: sk-liv*****abcd", Some(k)),
            "Incorrect API key provided: sk-liv*********"
        );
        assert_eq!(redact("nothing", None), "nothing");
    }

    #[tokio::test]
    async fn env_then_keyring_then_clear_errors() {
        let src = KeySource { env: Some("TRACEDECK_TEST_SURELY_UNSET_KEY".into()), keyring: None };
        let e = src.resolve().await.unwrap_err().to_string();
        assert_eq!(e, "API key: environment variable TRACEDECK_TEST_SURELY_UNSET_KEY is not set");
        assert_eq!(KeySource::default().resolve().await.unwrap(), None);
        // The keyring path fails with a message naming the entry (no Secret Service in CI).
        let src = KeySource { env: None, keyring: Some("tracedeck-test-missing".into()) };
        let e = src.resolve().await.unwrap_err().to_string();
        assert!(e.contains("\"tracedeck-test-missing\""), "{e}");
    }
}
