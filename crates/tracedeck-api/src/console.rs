//! The SQL console service: runs a statement on a connection through the store's console
//! engine (read-only enforced by the database on read-only connections), pages its rows
//! ("load more"), cancels it on the server, streams "export all", and keeps saved queries
//! and per-connection history in the settings database.
//!
//! A statement that still has rows keeps its connection in a registry under a query id until
//! its rows are read, it is cancelled, or it sits idle for [`IDLE`] (then it is closed).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tracedeck_model::console::{QueryPage, SchemaTable, SqlError};
use tracedeck_store::console::{Canceller, ConsoleError, ConsoleOptions, ExportFormat, Query};
use tracedeck_store::settings::{HistoryRecord, SavedQueryRecord, SettingsDb};

use crate::error::{ApiError, ApiResult};
use crate::library::{self, QueryDraft, SavedQuery, Target};

/// An unread statement is closed after this long without a request.
pub const IDLE: Duration = Duration::from_secs(600);
/// Default and largest statement time limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// Rows per page by default and at most.
pub const DEFAULT_PAGE: u32 = 500;
pub const MAX_PAGE: u32 = 100_000;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SqlRequest {
    /// Connection id; `None` for the active one.
    pub connection: Option<String>,
    /// An id chosen by the client, so it can cancel the statement before its first page
    /// arrives (`DELETE /api/sql/{id}`); one is made up when absent.
    pub query_id: Option<String>,
    pub sql: String,
    /// Rows in the first page.
    pub limit: Option<u32>,
    pub timeout_ms: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportRequest {
    pub connection: Option<String>,
    pub sql: String,
    /// "csv" or "json" (JSON Lines: a header line with the columns, then one array per row).
    pub format: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HistoryEntry {
    pub id: String,
    pub connection: String,
    pub sql: String,
    pub ran_at: String,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub elapsed_ms: f64,
    #[cfg_attr(feature = "specta", specta(type = Option<i32>))]
    pub row_count: Option<i64>,
    pub error: Option<String>,
}

impl From<ConsoleError> for ApiError {
    fn from(e: ConsoleError) -> Self {
        match e {
            ConsoleError::Sql(s) => ApiError::Sql(s),
            ConsoleError::ReadOnly(m) => ApiError::ReadOnly(m),
            e @ ConsoleError::Timeout(_) => {
                ApiError::Sql(SqlError { message: e.to_string(), position: None, code: Some("timeout".into()) })
            }
            e @ ConsoleError::Cancelled => {
                ApiError::Sql(SqlError { message: e.to_string(), position: None, code: Some("cancelled".into()) })
            }
            ConsoleError::Store(s) => s.into(),
        }
    }
}

struct Running {
    query: tokio::sync::Mutex<Option<Query>>,
    canceller: Canceller,
    last_used: Mutex<Instant>,
}

/// Statements with rows left, by query id.
#[derive(Default)]
pub struct Console {
    running: Mutex<HashMap<String, Arc<Running>>>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("running", &self.running.lock().map(|r| r.len()).unwrap_or(0)).finish()
    }
}

fn page_size(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize
}

pub fn timeout(ms: Option<u32>) -> Duration {
    ms.map(|ms| Duration::from_millis(ms as u64)).unwrap_or(DEFAULT_TIMEOUT).min(MAX_TIMEOUT)
}

pub fn export_format(s: &str) -> ApiResult<ExportFormat> {
    match s.to_ascii_lowercase().as_str() {
        "csv" => Ok(ExportFormat::Csv),
        "json" | "jsonl" => Ok(ExportFormat::Json),
        other => Err(ApiError::BadRequest(format!("unknown export format {other:?}: use csv or json"))),
    }
}

impl Console {
    /// Keeps `query` for more pages under `id` (or a new id) and returns the id.
    pub fn park(&self, query: Query, id: Option<&str>) -> String {
        let id = id
            .filter(|i| {
                !i.is_empty() && i.len() <= 64 && i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .map(str::to_owned)
            .unwrap_or_else(|| format!("q{:x}", tracedeck_model::time::now_ns()));
        let running = Running {
            canceller: query.canceller(),
            query: tokio::sync::Mutex::new(Some(query)),
            last_used: Mutex::new(Instant::now()),
        };
        self.running.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone(), Arc::new(running));
        id
    }

    fn get(&self, id: &str) -> ApiResult<Arc<Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned().ok_or_else(|| {
            ApiError::NotFound(format!(
                "query {id} (finished, cancelled or closed after {} min idle)",
                IDLE.as_secs() / 60
            ))
        })
    }

    fn forget(&self, id: &str) -> Option<Arc<Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).remove(id)
    }

    pub async fn more(&self, id: &str, limit: Option<u32>) -> ApiResult<QueryPage> {
        let running = self.get(id)?;
        *running.last_used.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        let mut guard = running.query.lock().await;
        let Some(query) = guard.as_mut() else {
            return Err(ApiError::NotFound(format!("query {id}")));
        };
        let result = query.next_page(page_size(limit)).await;
        let done = result.as_ref().map(|p| p.done).unwrap_or(true);
        if done {
            if let Some(q) = guard.take() {
                q.close().await;
            }
            drop(guard);
            self.forget(id);
        }
        let mut page = result?;
        page.query_id = (!page.done).then(|| id.to_owned());
        Ok(page)
    }

    /// Stops the statement on the server and forgets it.
    pub async fn cancel(&self, id: &str) -> ApiResult<()> {
        let running = self.forget(id).ok_or_else(|| ApiError::NotFound(format!("query {id}")))?;
        running.canceller.cancel().await;
        if let Some(q) = running.query.lock().await.take() {
            q.close().await;
        }
        Ok(())
    }

    /// Closes statements nobody asked about for [`IDLE`].
    pub async fn sweep(&self) {
        let stale: Vec<(String, Arc<Running>)> = {
            let map = self.running.lock().unwrap_or_else(|p| p.into_inner());
            map.iter()
                .filter(|(_, r)| r.last_used.lock().map(|t| t.elapsed() > IDLE).unwrap_or(true))
                .map(|(k, r)| (k.clone(), r.clone()))
                .collect()
        };
        for (id, r) in stale {
            self.forget(&id);
            r.canceller.cancel().await;
            if let Some(q) = r.query.lock().await.take() {
                q.close().await;
            }
        }
    }

    pub async fn close_all(&self) {
        let all: Vec<Arc<Running>> =
            self.running.lock().unwrap_or_else(|p| p.into_inner()).drain().map(|(_, r)| r).collect();
        for r in all {
            r.canceller.cancel().await;
            if let Some(q) = r.query.lock().await.take() {
                q.close().await;
            }
        }
    }
}

/// The placeholders' view of a store.
pub fn target(store: &tracedeck_store::Store) -> Target {
    let cfg = store.config();
    Target {
        dialect: store.dialect(),
        schema: cfg.schema.clone(),
        traces: cfg.traces_table.clone(),
        spans: cfg.spans_table.clone(),
    }
}

/// Starts a statement (placeholders expanded). The map turns positions the database
/// reports back into positions in `sql`.
pub async fn start(
    store: &tracedeck_store::Store,
    sql: &str,
    read_only: bool,
    timeout: Duration,
) -> ApiResult<(Query, library::PositionMap)> {
    let (expanded, map) = library::expand_mapped(sql, &target(store))?;
    let query = store
        .console_query(&expanded, ConsoleOptions { timeout, read_only })
        .await
        .map_err(|e| remap(e.into(), &map))?;
    Ok((query, map))
}

/// Points an SQL error's position at the text the user wrote.
pub fn remap(e: ApiError, map: &library::PositionMap) -> ApiError {
    match e {
        ApiError::Sql(mut s) => {
            s.position = s.position.map(|p| map.original(p));
            ApiError::Sql(s)
        }
        other => other,
    }
}

pub async fn schema(store: &tracedeck_store::Store) -> ApiResult<Vec<SchemaTable>> {
    Ok(store.console_schema().await?)
}

pub async fn record_history(
    settings: &SettingsDb,
    connection: &str,
    sql: &str,
    elapsed_ms: f64,
    rows: Option<u64>,
    error: Option<String>,
) {
    let entry = HistoryRecord {
        id: 0,
        connection: connection.to_owned(),
        sql: sql.to_owned(),
        ran_at: tracedeck_model::time::format_iso(tracedeck_model::time::now_ns()),
        elapsed_ms,
        row_count: rows.map(|r| r.min(i64::MAX as u64) as i64),
        error,
    };
    if let Err(e) = settings.add_history(&entry).await {
        tracing::warn!(target: "tracedeck", "query history not recorded: {e}");
    }
}

pub async fn history(
    settings: &SettingsDb,
    connection: Option<&str>,
    search: Option<&str>,
    limit: u32,
) -> ApiResult<Vec<HistoryEntry>> {
    Ok(settings
        .history(connection, search, limit)
        .await?
        .into_iter()
        .map(|h| HistoryEntry {
            id: h.id.to_string(),
            connection: h.connection,
            sql: h.sql,
            ran_at: h.ran_at,
            elapsed_ms: h.elapsed_ms,
            row_count: h.row_count,
            error: h.error,
        })
        .collect())
}

fn to_saved(r: SavedQueryRecord) -> SavedQuery {
    SavedQuery {
        id: r.id,
        name: r.name,
        folder: r.folder,
        description: r.description,
        sql: r.sql,
        builtin: false,
        updated_at: r.updated_at,
    }
}

/// Built-in queries first, then the user's.
pub async fn queries(settings: &SettingsDb) -> ApiResult<Vec<SavedQuery>> {
    let mut out = library::builtins();
    out.extend(settings.queries().await?.into_iter().map(to_saved));
    Ok(out)
}

pub async fn save_query(settings: &SettingsDb, id: Option<&str>, q: &QueryDraft) -> ApiResult<SavedQuery> {
    if id.is_some_and(|i| i.starts_with("builtin:")) {
        return Err(ApiError::BadRequest("built-in queries cannot be changed; save a copy instead".into()));
    }
    if q.name.trim().is_empty() || q.sql.trim().is_empty() {
        return Err(ApiError::BadRequest("a saved query needs a name and SQL".into()));
    }
    let id = match id {
        Some(id) => {
            settings.query_by_id(id).await?.ok_or_else(|| ApiError::NotFound(format!("saved query {id}")))?;
            id.to_owned()
        }
        None => format!("q{:x}", tracedeck_model::time::now_ns()),
    };
    let rec = SavedQueryRecord {
        id,
        name: q.name.trim().to_owned(),
        folder: q.folder.trim().to_owned(),
        description: q.description.trim().to_owned(),
        sql: q.sql.clone(),
        updated_at: String::new(),
    };
    Ok(to_saved(settings.save_query(&rec).await?))
}

pub async fn delete_query(settings: &SettingsDb, id: &str) -> ApiResult<()> {
    if id.starts_with("builtin:") {
        return Err(ApiError::BadRequest("built-in queries cannot be deleted".into()));
    }
    if settings.delete_query(id).await? { Ok(()) } else { Err(ApiError::NotFound(format!("saved query {id}"))) }
}

/// One query (or, with `None`, all the user's) as a `.sql` file.
pub async fn export_queries(settings: &SettingsDb, id: Option<&str>) -> ApiResult<String> {
    let all = queries(settings).await?;
    let chosen: Vec<SavedQuery> = match id {
        Some(id) => all.into_iter().filter(|q| q.id == id).collect(),
        None => all.into_iter().filter(|q| !q.builtin).collect(),
    };
    if id.is_some() && chosen.is_empty() {
        return Err(ApiError::NotFound(format!("saved query {}", id.unwrap_or_default())));
    }
    Ok(library::export(&chosen))
}

/// Imports a `.sql` file; a query whose folder and name exist already is replaced.
pub async fn import_queries(settings: &SettingsDb, text: &str, name: Option<&str>) -> ApiResult<Vec<SavedQuery>> {
    let drafts = library::import(text, name.filter(|n| !n.trim().is_empty()).unwrap_or("Imported query"))?;
    let existing = settings.queries().await?;
    let mut out = Vec::new();
    for d in drafts {
        let same =
            existing.iter().find(|e| e.folder == d.folder.trim() && e.name == d.name.trim()).map(|e| e.id.clone());
        out.push(save_query(settings, same.as_deref(), &d).await?);
    }
    Ok(out)
}
