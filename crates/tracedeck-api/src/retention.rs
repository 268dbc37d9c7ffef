//! Retention of trace databases Tracedeck created: keep N days and/or at most N GB, set per
//! database (kept in the app's settings, keyed by the database's location without
//! credentials), applied by a background task in small batches (see `tracedeck_store::prune`)
//! and on demand. Read-only connections and databases Tracedeck did not create are refused
//! with a message saying why; nothing is ever deleted from them.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tracedeck_store::Store;
use tracedeck_store::prune::{self, Deleted, Policy};
use tracedeck_store::settings::SettingsDb;

use crate::error::{ApiError, ApiResult};

const GB: f64 = 1_000_000_000.0;

/// What the user sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RetentionSettings {
    /// Keep traces that started within this many days; `None`: no age limit.
    pub keep_days: Option<u32>,
    /// Keep the trace tables under this size (GB, 10^9 bytes); `None`: no size limit.
    #[cfg_attr(feature = "specta", specta(type = Option<i32>))]
    pub max_gb: Option<f64>,
}

impl RetentionSettings {
    pub fn validate(&self) -> ApiResult<()> {
        if self.keep_days == Some(0) {
            return Err(ApiError::BadRequest("keep at least 1 day (or no age limit)".into()));
        }
        if let Some(gb) = self.max_gb
            && (!gb.is_finite() || gb <= 0.0)
        {
            return Err(ApiError::BadRequest("the size limit must be a positive number of GB".into()));
        }
        Ok(())
    }

    pub fn policy(&self) -> Policy {
        Policy { keep_days: self.keep_days, max_bytes: self.max_gb.map(|g| (g * GB) as u64) }
    }
}

/// What a delete removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeletedCounts {
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub traces: u64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub spans: u64,
}

impl From<Deleted> for DeletedCounts {
    fn from(d: Deleted) -> Self {
        DeletedCounts { traces: d.traces, spans: d.spans }
    }
}

/// The last run of the background task for a database.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LastRun {
    pub at: String,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub deleted_traces: u64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub deleted_spans: u64,
    pub error: Option<String>,
}

/// Retention of the active database, for the settings page and `tracedeck retention`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RetentionStatus {
    /// The database, without credentials.
    pub database: String,
    pub settings: RetentionSettings,
    /// Why retention cannot run here (read-only, or not created by Tracedeck).
    pub refusal: Option<String>,
    /// Bytes the trace tables take now.
    #[cfg_attr(feature = "specta", specta(type = Option<i32>))]
    pub used_bytes: Option<u64>,
    pub last_run: Option<LastRun>,
}

fn key(store: &Store) -> String {
    format!("retention:{}", store.config().describe())
}

/// Policies and what the last runs did.
#[derive(Debug, Default)]
pub struct Retention {
    last: Mutex<std::collections::HashMap<String, LastRun>>,
}

impl Retention {
    pub async fn settings(&self, db: &SettingsDb, store: &Store) -> ApiResult<RetentionSettings> {
        Ok(match db.state(&key(store)).await? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => RetentionSettings::default(),
        })
    }

    pub async fn status(&self, db: &SettingsDb, store: &Store) -> ApiResult<RetentionStatus> {
        let settings = self.settings(db, store).await?;
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner()).get(&key(store)).cloned();
        Ok(RetentionStatus {
            database: store.config().describe(),
            settings,
            refusal: prune::retention_refusal(store),
            used_bytes: store.used_bytes().await.ok(),
            last_run: last,
        })
    }

    /// Saves `settings` for `store` (refused where retention cannot run).
    pub async fn set(&self, db: &SettingsDb, store: &Store, settings: RetentionSettings) -> ApiResult<()> {
        settings.validate()?;
        if let Some(why) = prune::retention_refusal(store) {
            return Err(ApiError::ReadOnly(why));
        }
        let json = serde_json::to_string(&settings).map_err(|e| ApiError::Internal(e.to_string()))?;
        db.set_state(&key(store), &json).await?;
        Ok(())
    }

    /// Applies the saved policy of `store` now; does nothing when there is none (or it cannot
    /// run there).
    pub async fn run(&self, db: &SettingsDb, store: &Store) -> ApiResult<Deleted> {
        let settings = self.settings(db, store).await?;
        if settings.policy().is_off() || prune::retention_refusal(store).is_some() {
            return Ok(Deleted::default());
        }
        let now_us = tracedeck_model::time::now_ns() / 1000;
        let result = store.apply_retention(settings.policy(), now_us).await;
        let at = tracedeck_model::time::format_iso(now_us * 1000);
        let run = match &result {
            Ok(d) => LastRun { at, deleted_traces: d.traces, deleted_spans: d.spans, error: None },
            Err(e) => LastRun { at, error: Some(e.to_string()), ..Default::default() },
        };
        if let Ok(d) = &result
            && d.traces > 0
        {
            tracing::info!(target: "tracedeck", "retention deleted {} trace(s), {} span(s) from {}", d.traces, d.spans, store.config().describe());
        }
        self.last.lock().unwrap_or_else(|p| p.into_inner()).insert(key(store), run);
        Ok(result?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_validate_and_convert() {
        assert!(RetentionSettings { keep_days: Some(0), max_gb: None }.validate().is_err());
        assert!(RetentionSettings { keep_days: None, max_gb: Some(-1.0) }.validate().is_err());
        let s = RetentionSettings { keep_days: Some(30), max_gb: Some(2.5) };
        s.validate().unwrap();
        assert_eq!(s.policy(), Policy { keep_days: Some(30), max_bytes: Some(2_500_000_000) });
        assert!(RetentionSettings::default().policy().is_off());
    }
}
