//! The on-disk spool: a small local SQLite file where the writer keeps batches it could not
//! deliver (database unreachable), oldest first, bounded in bytes. Batches survive a restart
//! of the process and are delivered when the database is back. When the spool is full new
//! batches are refused and the caller counts them as dropped — loudly, never silently.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tracedeck_model::SpanRow;

use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct Spool {
    pool: SqlitePool,
    path: PathBuf,
    max_bytes: u64,
}

/// A batch taken from the spool; delete it with [`Spool::remove`] once delivered.
#[derive(Debug)]
pub struct SpooledBatch {
    pub id: i64,
    pub rows: Vec<SpanRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Append {
    Stored,
    /// Spool is at its size limit; nothing was stored.
    Full,
}

impl Spool {
    pub async fn open(path: &Path, max_bytes: u64) -> Result<Spool> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create spool directory {}: {e}", dir.display())))?;
        }
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|source| StoreError::Connect { target: path.display().to_string(), source })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Connect { target: path.display().to_string(), source })?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, spans INTEGER NOT NULL, \
             bytes INTEGER NOT NULL, payload BLOB NOT NULL)",
        )
        .execute(&pool)
        .await
        .map_err(StoreError::query("create the spool table"))?;
        Ok(Spool { pool, path: path.to_owned(), max_bytes })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// (batches, spans, bytes) currently held.
    pub async fn usage(&self) -> Result<(i64, i64, i64)> {
        let r = sqlx::query("SELECT COUNT(*), COALESCE(SUM(spans), 0), COALESCE(SUM(bytes), 0) FROM spool")
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::query("read spool usage"))?;
        Ok((r.get(0), r.get(1), r.get(2)))
    }

    pub async fn append(&self, rows: &[SpanRow]) -> Result<Append> {
        let payload = serde_json::to_vec(rows).map_err(|e| StoreError::Invalid(format!("cannot spool spans: {e}")))?;
        let (_, _, used) = self.usage().await?;
        if used as u64 + payload.len() as u64 > self.max_bytes {
            return Ok(Append::Full);
        }
        sqlx::query("INSERT INTO spool (spans, bytes, payload) VALUES (?, ?, ?)")
            .bind(rows.len() as i64)
            .bind(payload.len() as i64)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map_err(StoreError::query("write to the spool"))?;
        Ok(Append::Stored)
    }

    /// The oldest batch, if any. A payload that cannot be decoded (a damaged file) is removed
    /// and reported as an error rather than blocking the spool forever.
    pub async fn oldest(&self) -> Result<Option<SpooledBatch>> {
        let Some(r) = sqlx::query("SELECT id, payload FROM spool ORDER BY id LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(StoreError::query("read the spool"))?
        else {
            return Ok(None);
        };
        let id: i64 = r.get(0);
        let payload: Vec<u8> = r.get(1);
        match serde_json::from_slice::<Vec<SpanRow>>(&payload) {
            Ok(rows) => Ok(Some(SpooledBatch { id, rows })),
            Err(e) => {
                self.remove(id).await?;
                Err(StoreError::Invalid(format!("discarded an unreadable spool entry ({} bytes): {e}", payload.len())))
            }
        }
    }

    pub async fn remove(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM spool WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(StoreError::query("trim the spool"))?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
