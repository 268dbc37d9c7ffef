//! Tracedeck's own settings database: a small SQLite file in the data dir holding saved
//! connections (never a secret: only a keyring reference), saved SQL queries and the query
//! history per connection. Separate from every trace database, so nothing the user does with
//! traces touches it and a read-only production connection stays untouched.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use tracedeck_model::time::{format_iso, now_ns};

use crate::{Result, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/settings");

/// History rows kept per connection.
pub const HISTORY_KEEP: i64 = 2000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    pub id: String,
    pub name: String,
    /// Database URL without its password.
    pub url: String,
    pub schema: Option<String>,
    pub traces_table: String,
    pub spans_table: String,
    /// dev | staging | production
    pub env: String,
    pub read_only: bool,
    pub created_by_tracedeck: bool,
    pub secret_ref: Option<String>,
    pub updated_at: String,
    /// When it was last made active.
    pub last_used_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedQueryRecord {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub description: String,
    pub sql: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRecord {
    pub id: i64,
    pub connection: String,
    pub sql: String,
    pub ran_at: String,
    pub elapsed_ms: f64,
    pub row_count: Option<i64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SettingsDb {
    pool: SqlitePool,
}

fn err(action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    StoreError::query(action)
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

fn connection_row(r: &sqlx::sqlite::SqliteRow) -> ConnectionRecord {
    ConnectionRecord {
        id: r.get("id"),
        name: r.get("name"),
        url: r.get("url"),
        schema: r.get("schema_name"),
        traces_table: r.get("traces_table"),
        spans_table: r.get("spans_table"),
        env: r.get("env"),
        read_only: r.get::<i64, _>("read_only") != 0,
        created_by_tracedeck: r.get::<i64, _>("created_by_tracedeck") != 0,
        secret_ref: r.get("secret_ref"),
        updated_at: r.get("updated_at"),
        last_used_at: r.get("last_used_at"),
    }
}

fn query_row(r: &sqlx::sqlite::SqliteRow) -> SavedQueryRecord {
    SavedQueryRecord {
        id: r.get("id"),
        name: r.get("name"),
        folder: r.get("folder"),
        description: r.get("description"),
        sql: r.get("sql"),
        updated_at: r.get("updated_at"),
    }
}

impl SettingsDb {
    pub async fn open(path: &Path) -> Result<SettingsDb> {
        Self::open_at(path, None).await
    }

    /// Opens, migrating only up to `version` (upgrade tests build an "older" file this way).
    #[doc(hidden)]
    pub async fn open_at(path: &Path, version: Option<i64>) -> Result<SettingsDb> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        let target = path.display().to_string();
        let opts = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|source| StoreError::Connect { target: target.clone(), source })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Connect { target, source })?;
        let mut conn = pool.acquire().await.map_err(err("acquire a connection"))?;
        MIGRATOR.run_direct(version, &mut *conn, false).await?;
        drop(conn);
        Ok(SettingsDb { pool })
    }

    pub async fn connections(&self) -> Result<Vec<ConnectionRecord>> {
        let rows = sqlx::query("SELECT * FROM connections ORDER BY name COLLATE NOCASE")
            .fetch_all(&self.pool)
            .await
            .map_err(err("list connections"))?;
        Ok(rows.iter().map(connection_row).collect())
    }

    pub async fn connection(&self, id: &str) -> Result<Option<ConnectionRecord>> {
        let row = sqlx::query("SELECT * FROM connections WHERE id = ? OR name = ?")
            .bind(id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err("read a connection"))?;
        Ok(row.as_ref().map(connection_row))
    }

    /// Inserts or replaces by id.
    pub async fn save_connection(&self, c: &ConnectionRecord) -> Result<ConnectionRecord> {
        let now = format_iso(now_ns());
        sqlx::query(
            "INSERT INTO connections (id, name, url, schema_name, traces_table, spans_table, env, read_only, \
             created_by_tracedeck, secret_ref, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) \
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url, schema_name = excluded.schema_name, \
             traces_table = excluded.traces_table, spans_table = excluded.spans_table, env = excluded.env, \
             read_only = excluded.read_only, created_by_tracedeck = excluded.created_by_tracedeck, \
             secret_ref = excluded.secret_ref, updated_at = excluded.updated_at",
        )
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.url)
        .bind(&c.schema)
        .bind(&c.traces_table)
        .bind(&c.spans_table)
        .bind(&c.env)
        .bind(c.read_only as i64)
        .bind(c.created_by_tracedeck as i64)
        .bind(&c.secret_ref)
        .bind(&now)
        .bind(&now)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if unique_violation(&e) {
                StoreError::Invalid(format!("a connection named {:?} already exists", c.name))
            } else {
                StoreError::Query { action: "save a connection", source: e }
            }
        })?;
        Ok(ConnectionRecord { updated_at: now, ..c.clone() })
    }

    pub async fn touch_connection(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE connections SET last_used_at = ? WHERE id = ?")
            .bind(format_iso(now_ns()))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(err("mark a connection used"))?;
        Ok(())
    }

    pub async fn delete_connection(&self, id: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM connections WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(err("delete a connection"))?;
        sqlx::query("DELETE FROM query_history WHERE connection = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(err("delete a connection's history"))?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn queries(&self) -> Result<Vec<SavedQueryRecord>> {
        let rows = sqlx::query("SELECT * FROM saved_queries ORDER BY folder COLLATE NOCASE, name COLLATE NOCASE")
            .fetch_all(&self.pool)
            .await
            .map_err(err("list saved queries"))?;
        Ok(rows.iter().map(query_row).collect())
    }

    pub async fn query_by_id(&self, id: &str) -> Result<Option<SavedQueryRecord>> {
        let row = sqlx::query("SELECT * FROM saved_queries WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err("read a saved query"))?;
        Ok(row.as_ref().map(query_row))
    }

    pub async fn save_query(&self, q: &SavedQueryRecord) -> Result<SavedQueryRecord> {
        let now = format_iso(now_ns());
        sqlx::query(
            "INSERT INTO saved_queries (id, name, folder, description, sql, created_at, updated_at) VALUES (?,?,?,?,?,?,?) \
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, folder = excluded.folder, \
             description = excluded.description, sql = excluded.sql, updated_at = excluded.updated_at",
        )
        .bind(&q.id)
        .bind(&q.name)
        .bind(&q.folder)
        .bind(&q.description)
        .bind(&q.sql)
        .bind(&now)
        .bind(&now)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if unique_violation(&e) {
                StoreError::Invalid(format!("folder {:?} already has a query named {:?}", q.folder, q.name))
            } else {
                StoreError::Query { action: "save a query", source: e }
            }
        })?;
        Ok(SavedQueryRecord { updated_at: now, ..q.clone() })
    }

    pub async fn delete_query(&self, id: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM saved_queries WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(err("delete a saved query"))?;
        Ok(r.rows_affected() > 0)
    }

    /// Records a statement run on a connection and trims that connection's history.
    pub async fn add_history(&self, h: &HistoryRecord) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(err("record history"))?;
        sqlx::query(
            "INSERT INTO query_history (connection, sql, ran_at, elapsed_ms, row_count, error) VALUES (?,?,?,?,?,?)",
        )
        .bind(&h.connection)
        .bind(&h.sql)
        .bind(&h.ran_at)
        .bind(h.elapsed_ms)
        .bind(h.row_count)
        .bind(&h.error)
        .execute(&mut *tx)
        .await
        .map_err(err("record history"))?;
        sqlx::query(
            "DELETE FROM query_history WHERE connection = ?1 AND id <= \
             (SELECT id FROM query_history WHERE connection = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        )
        .bind(&h.connection)
        .bind(HISTORY_KEEP)
        .execute(&mut *tx)
        .await
        .map_err(err("trim history"))?;
        tx.commit().await.map_err(err("record history"))
    }

    /// Newest first; `search` matches the statement text (case-insensitive).
    pub async fn history(
        &self,
        connection: Option<&str>,
        search: Option<&str>,
        limit: u32,
    ) -> Result<Vec<HistoryRecord>> {
        let pattern = search.map(str::trim).filter(|s| !s.is_empty()).map(crate::common::like_pattern);
        let rows = sqlx::query(
            "SELECT * FROM query_history WHERE (?1 IS NULL OR connection = ?1) \
             AND (?2 IS NULL OR sql LIKE ?2 ESCAPE '\\') ORDER BY id DESC LIMIT ?3",
        )
        .bind(connection)
        .bind(pattern)
        .bind(limit.clamp(1, 10_000) as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(err("read history"))?;
        Ok(rows
            .iter()
            .map(|r| HistoryRecord {
                id: r.get("id"),
                connection: r.get("connection"),
                sql: r.get("sql"),
                ran_at: r.get("ran_at"),
                elapsed_ms: r.get("elapsed_ms"),
                row_count: r.get("row_count"),
                error: r.get("error"),
            })
            .collect())
    }

    pub async fn state(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM app_state WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(err("read app state"))
    }

    pub async fn set_state(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO app_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(err("write app state"))?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(id: &str, name: &str) -> ConnectionRecord {
        ConnectionRecord {
            id: id.into(),
            name: name.into(),
            url: "postgres://u@h/db".into(),
            schema: Some("ai".into()),
            traces_table: "agno_traces".into(),
            spans_table: "agno_spans".into(),
            env: "production".into(),
            read_only: true,
            created_by_tracedeck: false,
            secret_ref: Some("conn:c1".into()),
            updated_at: String::new(),
            last_used_at: None,
        }
    }

    #[tokio::test]
    async fn connections_queries_history() {
        let dir = tempfile::tempdir().unwrap();
        let db = SettingsDb::open(&dir.path().join("settings.db")).await.unwrap();
        db.save_connection(&conn("c1", "prod")).await.unwrap();
        assert!(db.save_connection(&conn("c2", "prod")).await.unwrap_err().to_string().contains("already exists"));
        let mut c = conn("c1", "production");
        c.read_only = false;
        db.save_connection(&c).await.unwrap();
        let all = db.connections().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].name.as_str(), all[0].read_only), ("production", false));
        assert_eq!(db.connection("production").await.unwrap().unwrap().id, "c1");

        let q = SavedQueryRecord {
            id: "q1".into(),
            name: "slow spans".into(),
            folder: "perf".into(),
            description: "d".into(),
            sql: "SELECT 1".into(),
            updated_at: String::new(),
        };
        db.save_query(&q).await.unwrap();
        assert!(db.save_query(&SavedQueryRecord { id: "q2".into(), ..q.clone() }).await.is_err());
        assert_eq!(db.queries().await.unwrap().len(), 1);

        for i in 0..5 {
            db.add_history(&HistoryRecord {
                id: 0,
                connection: "c1".into(),
                sql: format!("SELECT {i} AS x_%"),
                ran_at: format_iso(now_ns()),
                elapsed_ms: 1.0,
                row_count: Some(1),
                error: None,
            })
            .await
            .unwrap();
        }
        let h = db.history(Some("c1"), Some("select 3"), 10).await.unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(db.history(Some("c1"), Some("x_%"), 10).await.unwrap().len(), 5);
        assert_eq!(db.history(Some("c1"), None, 2).await.unwrap()[0].sql, "SELECT 4 AS x_%");
        assert!(db.delete_connection("c1").await.unwrap());
        assert!(db.history(Some("c1"), None, 10).await.unwrap().is_empty());
    }
}
