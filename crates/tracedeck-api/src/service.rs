//! Opening the trace database the user asked for, with the access they need. Every front end
//! goes through here so the rules are the same everywhere:
//! - no `--db`: the default SQLite file in the data dir, created on first use;
//! - a URL for reading: opened as it is; tables are never created implicitly (a typo in a
//!   production URL must not create tables there) — `tracedeck db init` does that;
//! - recording: tables are created when absent; the writer spools to the data dir.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tracedeck_otel::{Telemetry, TelemetryConfig};
use tracedeck_store::{OpenOptions, Store, StoreConfig, Writer, WriterConfig};

use crate::paths;

/// What the caller will do with the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    /// Create the Agno tables when absent.
    Create,
}

/// Resolves `--db` / `TRACEDECK_DB`, or the default database in `data_dir`.
pub fn resolve(db: Option<&str>, data_dir: &Path) -> Result<(StoreConfig, bool)> {
    match db.map(str::trim).filter(|s| !s.is_empty()) {
        Some(url) => Ok((StoreConfig::parse(url)?, false)),
        None => Ok((StoreConfig::sqlite(paths::default_db_in(data_dir)), true)),
    }
}

pub async fn open(db: Option<&str>, access: Access, data_dir: &Path) -> Result<Store> {
    let (cfg, is_default) = resolve(db, data_dir)?;
    let create = access == Access::Create || is_default;
    let store =
        Store::open(&cfg, OpenOptions { create }).await.with_context(|| format!("opening {}", cfg.describe()))?;
    Ok(store)
}

/// A writer (with its spool in the data dir) and the telemetry pipeline into `store`.
pub async fn start_recording(store: &Store, data_dir: &Path) -> Result<Telemetry> {
    if store.is_read_only() {
        bail!("{} is open read-only: recording traces into it is refused", store.config().describe());
    }
    let spool = paths::spool_for(data_dir, &store.config().describe());
    let writer = Writer::spawn(
        store.clone(),
        WriterConfig { spool: Some((spool, 512 * 1024 * 1024)), ..WriterConfig::default() },
    )
    .await?;
    Ok(Telemetry::new(writer, TelemetryConfig::default()))
}

/// Flushes and stops recording, reporting anything that did not reach the database.
pub async fn stop_recording(telemetry: &Telemetry) -> Result<()> {
    let flushed = telemetry.flush(Duration::from_secs(30)).await;
    let stats = telemetry.shutdown(Duration::from_secs(5)).await;
    if stats.dropped_spans > 0 {
        bail!("{} span(s) were dropped (spool full): {}", stats.dropped_spans, stats.last_error.unwrap_or_default());
    }
    flushed.map_err(anyhow::Error::msg)
}
