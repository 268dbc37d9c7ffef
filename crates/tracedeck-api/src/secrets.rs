//! Connection secrets (database passwords, tokens): in the OS keyring (Secret Service on
//! Linux, service "tracedeck"), never in a file, never in a log or an error. Where no keyring
//! is available the secret is kept in memory for this session only and the user is asked
//! again next time; the caller is told which happened.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

pub const SERVICE: &str = "tracedeck";

/// Where a secret ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum SecretStorage {
    /// No secret needed or given.
    None,
    Keyring,
    /// In memory until the app exits (no keyring, or the user chose not to remember it).
    Session,
    /// A secret is needed and is not available: ask the user.
    Missing,
}

#[derive(Default)]
pub struct Secrets {
    session: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// Runs a keyring call on the blocking pool (it does D-Bus round trips). Not an `async fn`:
/// a closure argument of an async fn trips the compiler's Send inference (rust#102211).
fn keyring<T: Send + 'static>(
    op: impl FnOnce() -> Result<T, keyring::Error> + Send + 'static,
) -> impl Future<Output = Result<T, keyring::Error>> + Send {
    let task = tokio::task::spawn_blocking(op);
    async move { task.await.unwrap_or_else(|e| Err(keyring::Error::PlatformFailure(Box::new(e)))) }
}

/// Why the keyring could not be used, for people (no secret in it).
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            "no OS keyring is available (Secret Service over D-Bus)".into()
        }
        other => format!("the OS keyring refused: {other}"),
    }
}

impl Secrets {
    /// Stores a secret: in the keyring when `remember` and it works, else for this session.
    /// Returns where it went and, for the session case, why.
    pub async fn put(&self, key: &str, secret: &str, remember: bool) -> (SecretStorage, Option<String>) {
        if remember {
            let (k, s) = (key.to_owned(), secret.to_owned());
            match keyring(move || keyring::Entry::new(SERVICE, &k)?.set_password(&s)).await {
                Ok(()) => {
                    self.session.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
                    return (SecretStorage::Keyring, None);
                }
                Err(e) => {
                    let why = describe(&e);
                    tracing::warn!(target: "tracedeck", "secret kept for this session only: {why}");
                    self.session.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned(), secret.to_owned());
                    return (SecretStorage::Session, Some(why));
                }
            }
        }
        self.session.lock().unwrap_or_else(|p| p.into_inner()).insert(key.to_owned(), secret.to_owned());
        (SecretStorage::Session, None)
    }

    /// The secret and where it came from (session first, then the keyring).
    pub async fn get(&self, key: &str) -> (Option<String>, SecretStorage) {
        if let Some(s) = self.session.lock().unwrap_or_else(|p| p.into_inner()).get(key).cloned() {
            return (Some(s), SecretStorage::Session);
        }
        let k = key.to_owned();
        match keyring(move || keyring::Entry::new(SERVICE, &k)?.get_password()).await {
            Ok(s) => (Some(s), SecretStorage::Keyring),
            Err(_) => (None, SecretStorage::Missing),
        }
    }

    pub async fn delete(&self, key: &str) {
        self.session.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
        let k = key.to_owned();
        let _ = keyring(move || keyring::Entry::new(SERVICE, &k)?.delete_credential()).await;
    }
}
