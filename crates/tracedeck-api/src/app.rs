//! The application service: state built once at start, one async method per operation, used
//! by every front end (the `tracedeck serve` HTTP routes and the Tauri commands are thin
//! adapters over it). It owns the open trace database, the recorder (writer + telemetry)
//! when that database is writable, live update batching and the price table.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;
use tracedeck_model::metrics::Metrics;
use tracedeck_model::{PageRequest, Span, StatRow, StatsGroupBy, Suggestion, TraceDetail, TraceFilter, TracePage};
use tracedeck_otel::{Telemetry, otlp};
use tracedeck_store::{Backend, Col, Origin, Store};

use crate::connections::{ConnectionDraft, ConnectionInfo, Connections, TestReport};
use crate::console::{self, Console, ExportRequest, HistoryEntry, SqlRequest};
use crate::error::{ApiError, ApiResult};
use crate::library::{QueryDraft, SavedQuery};
use crate::live::{self, TracesChanged};
use crate::prices::{self, PriceTable};
use crate::requests::Requests;
use crate::retention::{DeletedCounts, Retention, RetentionSettings, RetentionStatus};
use crate::runs::{AgentInfo, RunRequest, RunStarted, RunUpdate, Runs};
use crate::service::{self, Access};
use tracedeck_model::console::{QueryPage, SchemaTable};

/// The settings database's file name in the data dir.
pub const SETTINGS_FILE: &str = "settings.db";

/// How the app is started.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    /// Trace database URL; `None` for the default SQLite file.
    pub db: Option<String>,
    pub read_only: bool,
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    /// Where the log files go (desktop app); `None` when logging to stderr only.
    pub log_dir: Option<PathBuf>,
    /// The OTLP/HTTP traces URL external agents send to, when a receiver runs.
    pub otlp_endpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DatabaseInfo {
    /// What it is, without credentials (e.g. "sqlite /home/me/.local/share/tracedeck/traces.db").
    pub label: String,
    pub backend: String,
    pub read_only: bool,
    /// "created", "tracedeck" or "foreign" (not created by Tracedeck, never altered).
    pub origin: String,
    pub server_version: String,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecordingStatus {
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub written_spans: u64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub pending_spans: u64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub dropped_spans: u64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub rejected_spans: u64,
    pub database_reachable: bool,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppStatus {
    pub version: String,
    pub database: DatabaseInfo,
    /// The app's own database, where local runs and OTLP are recorded; `None` when it is
    /// read-only (nothing is recorded).
    pub recording: Option<RecordingStatus>,
    /// The active connection (its `env` colours the UI).
    pub connection: Option<ConnectionInfo>,
    pub data_dir: String,
    pub config_dir: String,
    /// The app's own settings (connections, saved queries, history).
    pub settings_db: String,
    pub log_dir: Option<String>,
    /// Where external agents send OpenTelemetry (OTLP/HTTP), when a receiver runs.
    pub otlp_endpoint: Option<String>,
    /// The agents file (`agents.toml`) and why it could not be loaded, if it could not.
    pub agents_config: String,
    pub agents_error: Option<String>,
}

/// Result of an OTLP export request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IngestResult {
    pub accepted: u32,
    pub rejected: u32,
    pub message: Option<String>,
}

struct Inner {
    cfg: AppConfig,
    /// The app's own database: local agent runs and OTLP are recorded here.
    local: Store,
    /// Saved connections; one is active for the views and the console.
    connections: Connections,
    telemetry: Option<Telemetry>,
    live: broadcast::Sender<TracesChanged>,
    prices: RwLock<PriceTable>,
    price_error: Option<String>,
    runs: Result<Arc<Runs>, String>,
    console: Console,
    requests: Requests,
    retention: Retention,
}

/// Cheap to clone; share it between front ends.
#[derive(Clone)]
pub struct App(Arc<Inner>);

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("db", &self.0.local.config().describe()).finish()
    }
}

/// Loads `agents.toml` (writing the commented example and demo knowledge on first use) and
/// builds the runtime. A broken file does not stop the app: the error names file, line and
/// field and is shown in the status.
fn load_agents(cfg: &AppConfig, telemetry: Option<Telemetry>) -> Result<Arc<Runs>, String> {
    let config = tracedeck_agents::Config::load_or_init(&cfg.config_dir).map_err(|e| e.to_string())?;
    let runtime =
        tracedeck_agents::Runtime::new(config, tracedeck_agents::RuntimeOptions::with_data_dir(&cfg.data_dir))
            .map_err(|e| e.to_string())?;
    Ok(Arc::new(Runs::new(runtime, telemetry)))
}

fn valid_id(kind: &str, id: &str) -> ApiResult<String> {
    let id = id.trim();
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(ApiError::BadRequest(format!("invalid {kind} id")));
    }
    Ok(id.to_ascii_lowercase())
}

impl App {
    /// Opens the database (the default one is created on first use) and, when it is
    /// writable, starts the recorder. Must run inside a tokio runtime.
    pub async fn start(cfg: AppConfig) -> anyhow::Result<App> {
        let db = crate::cli::db_url(cfg.db.as_deref(), cfg.read_only, &cfg.data_dir);
        let store = service::open(db.as_deref(), Access::Read, &cfg.data_dir).await?;
        let (live, _) = broadcast::channel(256);
        let telemetry = if store.is_read_only() {
            None
        } else {
            let t = service::start_recording(&store, &cfg.data_dir).await?;
            live::spawn_batcher(t.writer(), live.clone());
            Some(t)
        };
        let (prices, price_error) = match prices::load(&cfg.config_dir) {
            Ok(p) => (p, None),
            Err(e) => (PriceTable::default(), Some(format!("price table not loaded ({e}); using defaults"))),
        };
        let runs = load_agents(&cfg, telemetry.clone());
        let settings = tracedeck_store::settings::SettingsDb::open(&cfg.data_dir.join(SETTINGS_FILE)).await?;
        let connections = Connections::new(settings, store.clone()).await;
        let app = App(Arc::new(Inner {
            cfg,
            local: store,
            connections,
            telemetry,
            live,
            prices: RwLock::new(prices),
            price_error,
            runs,
            console: Console::default(),
            requests: Requests::default(),
            retention: Retention::default(),
        }));
        let weak = Arc::downgrade(&app.0);
        tokio::spawn(async move {
            for minute in 0u64.. {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(inner) = weak.upgrade() else { break };
                inner.console.sweep().await;
                // Retention every 10 minutes (the first pass one minute after start).
                if minute % 10 == 0 {
                    App(inner).retention_pass().await;
                }
            }
        });
        Ok(app)
    }

    /// The recorder, to install its `tracing` layer (local agents record through it).
    pub fn telemetry(&self) -> Option<&Telemetry> {
        self.0.telemetry.as_ref()
    }

    /// The app's own (recording) database.
    pub fn local_store(&self) -> &Store {
        &self.0.local
    }

    /// The database the views and the console work on.
    pub fn active_store(&self) -> Store {
        self.0.connections.active()
    }

    pub fn connections(&self) -> &Connections {
        &self.0.connections
    }

    pub async fn status(&self) -> AppStatus {
        let store = self.active_store();
        let info = store.info();
        let connection = self.0.connections.get(&self.0.connections.active_id()).await.ok();
        let mut notes = info.notes.clone();
        notes.extend(self.0.price_error.clone());
        AppStatus {
            version: env!("CARGO_PKG_VERSION").into(),
            database: DatabaseInfo {
                label: store.config().describe(),
                backend: match info.backend {
                    Backend::Sqlite => "sqlite",
                    Backend::Postgres => "postgres",
                    Backend::MySql => "mysql",
                }
                .into(),
                read_only: info.read_only,
                origin: match info.origin {
                    Origin::Created => "created",
                    Origin::Tracedeck => "tracedeck",
                    Origin::Foreign => "foreign",
                }
                .into(),
                server_version: info.server_version.clone(),
                notes,
            },
            recording: self.0.telemetry.as_ref().map(|t| {
                let s = t.writer().stats();
                RecordingStatus {
                    written_spans: s.written_spans,
                    pending_spans: s.pending_spans,
                    dropped_spans: s.dropped_spans,
                    rejected_spans: s.rejected_spans,
                    database_reachable: s.database_reachable,
                    last_error: s.last_error,
                }
            }),
            connection,
            data_dir: self.0.cfg.data_dir.display().to_string(),
            config_dir: self.0.cfg.config_dir.display().to_string(),
            settings_db: self.0.cfg.data_dir.join(SETTINGS_FILE).display().to_string(),
            log_dir: self.0.cfg.log_dir.as_ref().map(|d| d.display().to_string()),
            otlp_endpoint: self.0.cfg.otlp_endpoint.clone(),
            agents_config: tracedeck_agents::Config::default_path(&self.0.cfg.config_dir).display().to_string(),
            agents_error: self.0.runs.as_ref().err().cloned(),
        }
    }

    fn runs(&self) -> ApiResult<&Arc<Runs>> {
        self.0.runs.as_ref().map_err(|e| ApiError::Unavailable(format!("agents are not available: {e}")))
    }

    /// The agent runtime (for the CLI's `tracedeck run`).
    pub fn runtime(&self) -> ApiResult<&tracedeck_agents::Runtime> {
        Ok(self.runs()?.runtime())
    }

    pub fn list_agents(&self) -> ApiResult<Vec<AgentInfo>> {
        Ok(self.runs()?.agents())
    }

    pub fn start_run(&self, req: RunRequest) -> ApiResult<RunStarted> {
        self.runs()?.start(req)
    }

    pub fn cancel_run(&self, run_key: &str) -> ApiResult<()> {
        self.runs()?.cancel(run_key)
    }

    /// What the run produced so far and, unless it finished, a receiver for the rest.
    pub fn watch_run(&self, run_key: &str) -> ApiResult<(Vec<RunUpdate>, Option<broadcast::Receiver<RunUpdate>>)> {
        self.runs()?.subscribe(run_key)
    }

    pub async fn list_traces(&self, filter: &TraceFilter, page: &PageRequest) -> ApiResult<TracePage> {
        Ok(self.active_store().list_traces(filter, page).await?)
    }

    pub async fn get_trace(&self, trace_id: &str) -> ApiResult<TraceDetail> {
        let id = valid_id("trace", trace_id)?;
        self.active_store().get_trace(&id).await?.ok_or_else(|| ApiError::NotFound(format!("trace {id}")))
    }

    pub async fn get_span(&self, span_id: &str) -> ApiResult<Span> {
        let id = valid_id("span", span_id)?;
        self.active_store().get_span(&id).await?.ok_or_else(|| ApiError::NotFound(format!("span {id}")))
    }

    /// Suggestions for a run-list filter field (`user`, `session`, `agent`, `team`,
    /// `workflow`, `run`) starting with `prefix`, from the traces table's indexes.
    pub async fn suggest(&self, field: &str, prefix: &str) -> ApiResult<Vec<Suggestion>> {
        let col = Col::parse(field).ok_or_else(|| ApiError::BadRequest(format!("no suggestions for {field:?}")))?;
        Ok(self.active_store().suggest(col, prefix.trim()).await?)
    }

    /// Requests the desktop UI can cancel by id (see [`Requests`]).
    pub fn requests(&self) -> &Requests {
        &self.0.requests
    }

    /// Metrics for the run list's filters and time range (`until_us` defaults to now): the
    /// newest chunk that fits the read budget, costs priced from the price table. When the
    /// answer is not complete, ask again with `until_us = next_until_us` (and the first answer's
    /// `bucket_us`) and merge.
    pub async fn metrics(&self, filter: &TraceFilter, bucket_us: Option<i64>) -> ApiResult<Metrics> {
        let now_us = tracedeck_model::time::now_ns() / 1000;
        let (mut m, spend) = self.active_store().metrics(filter, now_us, bucket_us).await?;
        self.prices().price_metrics(&mut m, &spend);
        Ok(m)
    }

    /// Deletes the chosen traces (with their spans) from the active database.
    pub async fn delete_traces(&self, trace_ids: &[String]) -> ApiResult<DeletedCounts> {
        if trace_ids.is_empty() || trace_ids.len() > 10_000 {
            return Err(ApiError::BadRequest("choose between 1 and 10,000 traces to delete".into()));
        }
        let ids = trace_ids.iter().map(|id| valid_id("trace", id)).collect::<ApiResult<Vec<_>>>()?;
        Ok(self.active_store().delete_traces(&ids).await?.into())
    }

    /// Retention of the active database.
    pub async fn retention(&self) -> ApiResult<RetentionStatus> {
        self.0.retention.status(self.0.connections.settings(), &self.active_store()).await
    }

    /// Sets the active database's retention and applies it at once (in the background).
    pub async fn set_retention(&self, settings: RetentionSettings) -> ApiResult<RetentionStatus> {
        let store = self.active_store();
        self.0.retention.set(self.0.connections.settings(), &store, settings).await?;
        let app = self.clone();
        tokio::spawn(async move {
            let _ = app.0.retention.run(app.0.connections.settings(), &store).await;
        });
        self.retention().await
    }

    /// Applies the active database's retention now and says what it deleted.
    pub async fn run_retention(&self) -> ApiResult<DeletedCounts> {
        let store = self.active_store();
        if let Some(why) = tracedeck_store::prune::retention_refusal(&store) {
            return Err(ApiError::ReadOnly(why));
        }
        Ok(self.0.retention.run(self.0.connections.settings(), &store).await?.into())
    }

    /// The background pass: the app's own database and the active one, where they have a
    /// policy. Failures are logged and shown in the status, never fatal.
    async fn retention_pass(&self) {
        let (local, active) = (self.0.local.clone(), self.active_store());
        let stores = if local.config() == active.config() { vec![local] } else { vec![local, active] };
        for store in stores {
            if let Err(e) = self.0.retention.run(self.0.connections.settings(), &store).await {
                tracing::warn!(target: "tracedeck", "retention of {} failed: {e}", store.config().describe());
            }
        }
    }

    pub async fn trace_stats(&self, by: StatsGroupBy, filter: &TraceFilter) -> ApiResult<Vec<StatRow>> {
        Ok(self.active_store().trace_stats(by, filter).await?)
    }

    pub async fn list_connections(&self) -> ApiResult<Vec<ConnectionInfo>> {
        self.0.connections.list().await
    }

    pub async fn save_connection(&self, id: Option<&str>, draft: &ConnectionDraft) -> ApiResult<ConnectionInfo> {
        self.0.connections.save(id, draft).await
    }

    pub async fn delete_connection(&self, id: &str) -> ApiResult<()> {
        self.0.connections.delete(id).await
    }

    pub async fn test_connection(&self, draft: &ConnectionDraft) -> ApiResult<TestReport> {
        self.0.connections.test_draft(draft).await
    }

    pub async fn test_saved_connection(&self, id: &str) -> ApiResult<TestReport> {
        self.0.connections.test_saved(id).await
    }

    /// Makes a connection the one the views and the console use; returns the new status.
    pub async fn activate_connection(&self, id: &str) -> ApiResult<AppStatus> {
        self.0.connections.activate(id).await?;
        Ok(self.status().await)
    }

    /// Stores a connection's password (keyring when `remember` and available, else this
    /// session); the message says when it could only be kept for this session.
    pub async fn set_connection_secret(&self, id: &str, password: &str, remember: bool) -> ApiResult<ConnectionInfo> {
        let (info, why) = self.0.connections.set_secret(id, password, remember).await?;
        if let Some(why) = why {
            tracing::warn!(target: "tracedeck", "password of {} kept for this session only: {why}", info.name);
        }
        Ok(info)
    }

    /// The store of a connection (`None`: the active one), its id, and whether console
    /// statements there must be read-only.
    async fn console_target(&self, connection: Option<&str>) -> ApiResult<(Store, String, bool)> {
        let id = connection.map(str::to_owned).unwrap_or_else(|| self.0.connections.active_id());
        let info = self.0.connections.get(&id).await?;
        let store = self.0.connections.store(Some(&info.id)).await?;
        let read_only = info.read_only || store.is_read_only();
        Ok((store, info.id, read_only))
    }

    /// Runs a console statement: the first page, and a query id while rows remain. The
    /// statement is registered before its first page is read, so it can be cancelled then.
    pub async fn run_sql(&self, req: &SqlRequest) -> ApiResult<QueryPage> {
        let (store, conn, read_only) = self.console_target(req.connection.as_deref()).await?;
        let settings = self.0.connections.settings();
        let started = std::time::Instant::now();
        let result = match console::start(&store, &req.sql, read_only, console::timeout(req.timeout_ms)).await {
            Ok((query, map)) => {
                let id = self.0.console.park(query, req.query_id.as_deref());
                self.0.console.more(&id, req.limit).await.map_err(|e| console::remap(e, &map))
            }
            Err(e) => Err(e),
        };
        match &result {
            Ok(page) => {
                console::record_history(settings, &conn, &req.sql, page.elapsed_ms, Some(page.row_count), None).await
            }
            Err(e) => {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                console::record_history(settings, &conn, &req.sql, ms, None, Some(e.to_string())).await
            }
        }
        result
    }

    pub async fn more_rows(&self, query_id: &str, limit: Option<u32>) -> ApiResult<QueryPage> {
        self.0.console.more(query_id, limit).await
    }

    pub async fn cancel_query(&self, query_id: &str) -> ApiResult<()> {
        self.0.console.cancel(query_id).await
    }

    /// Starts the statement of an export (so a bad statement is an error before any byte of
    /// the file is written).
    pub async fn open_export(
        &self,
        req: &ExportRequest,
    ) -> ApiResult<(tracedeck_store::console::Query, tracedeck_store::console::ExportFormat)> {
        let format = console::export_format(&req.format)?;
        let (store, conn, read_only) = self.console_target(req.connection.as_deref()).await?;
        let settings = self.0.connections.settings();
        let logged = format!("-- export ({})\n{}", req.format, req.sql);
        match console::start(&store, &req.sql, read_only, console::MAX_TIMEOUT).await {
            Ok((q, _)) => {
                console::record_history(settings, &conn, &logged, 0.0, None, None).await;
                Ok((q, format))
            }
            Err(e) => {
                console::record_history(settings, &conn, &logged, 0.0, None, Some(e.to_string())).await;
                Err(e)
            }
        }
    }

    /// Streams every row of a statement to `out` (CSV or JSON Lines); returns the row count.
    pub async fn export_sql<W: tokio::io::AsyncWrite + Unpin>(&self, req: &ExportRequest, out: W) -> ApiResult<u64> {
        let (query, format) = self.open_export(req).await?;
        Ok(tracedeck_store::console::export(query, format, out).await?)
    }

    pub async fn schema(&self, connection: Option<&str>) -> ApiResult<Vec<SchemaTable>> {
        let (store, _, _) = self.console_target(connection).await?;
        console::schema(&store).await
    }

    pub async fn list_queries(&self) -> ApiResult<Vec<SavedQuery>> {
        console::queries(self.0.connections.settings()).await
    }

    pub async fn save_query(&self, id: Option<&str>, q: &QueryDraft) -> ApiResult<SavedQuery> {
        console::save_query(self.0.connections.settings(), id, q).await
    }

    pub async fn delete_query(&self, id: &str) -> ApiResult<()> {
        console::delete_query(self.0.connections.settings(), id).await
    }

    /// A saved query as a `.sql` file (`None`: all the user's queries).
    pub async fn export_queries(&self, id: Option<&str>) -> ApiResult<String> {
        console::export_queries(self.0.connections.settings(), id).await
    }

    pub async fn import_queries(&self, text: &str, name: Option<&str>) -> ApiResult<Vec<SavedQuery>> {
        console::import_queries(self.0.connections.settings(), text, name).await
    }

    pub async fn history(
        &self,
        connection: Option<&str>,
        search: Option<&str>,
        limit: u32,
    ) -> ApiResult<Vec<HistoryEntry>> {
        console::history(self.0.connections.settings(), connection, search, limit).await
    }

    /// Batched notices of traces that received spans.
    pub fn subscribe_live(&self) -> broadcast::Receiver<TracesChanged> {
        self.0.live.subscribe()
    }

    /// OTLP/HTTP export from an external process (protobuf or JSON).
    pub async fn ingest_otlp(&self, body: &[u8], json: bool) -> ApiResult<IngestResult> {
        let Some(t) = &self.0.telemetry else {
            return Err(ApiError::ReadOnly(format!(
                "{} is open read-only; spans sent here cannot be recorded",
                self.0.local.config().describe()
            )));
        };
        let now = tracedeck_model::time::now_ns();
        let decoded = if json { otlp::decode_json(body, now) } else { otlp::decode_protobuf(body, now) }
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let accepted = decoded.rows.len() as u32;
        if let tracedeck_store::writer::Submitted::Dropped(n) = t.writer().submit(decoded.rows).await {
            return Err(ApiError::Unavailable(format!("{n} span(s) dropped: the write queue and spool are full")));
        }
        let message = (decoded.rejected > 0)
            .then(|| format!("{} span(s) rejected: {}", decoded.rejected, decoded.problems.join("; ")));
        Ok(IngestResult { accepted, rejected: decoded.rejected as u32, message })
    }

    pub fn prices(&self) -> PriceTable {
        self.0.prices.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_prices(&self, table: PriceTable) -> ApiResult<PriceTable> {
        prices::save(&self.0.cfg.config_dir, &table)?;
        *self.0.prices.write().unwrap_or_else(|p| p.into_inner()) = table.clone();
        Ok(table)
    }

    /// Flushes recorded spans and closes the database.
    pub async fn shutdown(&self) {
        if let Some(t) = &self.0.telemetry {
            let _ = t.flush(Duration::from_secs(10)).await;
            t.shutdown(Duration::from_secs(5)).await;
        }
        self.0.console.close_all().await;
        self.0.connections.close().await;
        self.0.local.close().await;
    }
}

/// Compile-time guard: handler futures must be `Send`.
#[cfg(test)]
#[allow(dead_code)]
fn futures_are_send(app: App, d: ConnectionDraft) {
    fn send<T: Send>(_: T) {}
    send(app.save_connection(None, &d));
}
