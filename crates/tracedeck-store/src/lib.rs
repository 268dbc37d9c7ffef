//! The trace store: Agno's `agno_traces` / `agno_spans` tables on SQLite, PostgreSQL or
//! MySQL/MariaDB, with one module per backend holding that backend's SQL (no `sqlx::Any`).
//!
//! [`Store`] is an enum whose methods dispatch in one line per backend. It owns:
//! - opening a database: create the tables through the embedded migrations when they are
//!   absent (and creation is allowed), run pending migrations on databases Tracedeck created,
//!   and use a database written by Agno (or anything else) exactly as it is, never altering it;
//! - read-only connections enforced by the database itself (SQLite `mode=ro` + `query_only`,
//!   PostgreSQL read-only sessions, MySQL read-only transactions);
//! - batched writes ([`Store::write_batch`]: multi-row inserts, trace upserts, one transaction);
//! - the run list, trace detail, single span and grouped statistics;
//! - the SQL [`console`]: one user statement per dedicated connection, streamed typed rows,
//!   server-side cancel and time limits, CSV / JSON Lines export.
//!
//! The [`writer`] module adds the single writer task with its bounded queue, retries and the
//! on-disk [`spool`] used while a database is unreachable.

pub mod batch;
pub(crate) mod common;
pub mod config;
pub mod console;
pub mod lane;
mod migrate;
pub mod mysql;
pub mod postgres;
pub mod probe;
pub mod prune;
pub mod read;
pub mod settings;
pub mod spool;
pub mod sqlite;
pub mod writer;

use serde::Serialize;
use tracedeck_model::{
    PageRequest, Span, SpanRow, StatRow, StatsGroupBy, Suggestion, TraceDetail, TraceFilter, TracePage,
};

pub use config::{Backend, StoreConfig};
pub use console::{Canceller, ConsoleError, ConsoleOptions, ExportFormat, Query, export};
pub use lane::Lane;
pub use read::plan::Col;
pub use writer::{Writer, WriterConfig, WriterStats};

/// Errors of the store. Messages never contain passwords or SQL text.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Config(String),
    #[error("cannot connect to {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("{0}")]
    Schema(String),
    #[error("this connection is read-only: {0}")]
    ReadOnly(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error while trying to {action}: {source}")]
    Query {
        action: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A read ran past its lane's budget and the database stopped it.
    #[error("{action} took longer than its {} s budget and was stopped in the database; narrow the filters or the time range", .budget.as_secs())]
    TimedOut { action: &'static str, budget: std::time::Duration },
}

impl StoreError {
    pub(crate) fn query(action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| StoreError::Query { action, source }
    }

    /// True when the error means the database could not be reached (as opposed to a bad
    /// statement or bad data); the writer retries these and spools meanwhile.
    pub fn is_transient(&self) -> bool {
        let e = match self {
            // A connection cut during the handshake surfaces as a protocol error.
            StoreError::Connect { source: sqlx::Error::Protocol(_), .. } => return true,
            StoreError::Connect { source, .. } | StoreError::Query { source, .. } => source,
            _ => return false,
        };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
                // PostgreSQL admin shutdown / crash / cannot connect now, too many
                // connections; deadlocks and serialization failures (any backend);
                // SQLite busy / locked. Lost connections surface as I/O errors.
                matches!(code.as_str(), "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01" | "5" | "6" | "517")
                    || code.starts_with("08")
            }
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who made the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Tracedeck created them (through its migrations) in this call.
    Created,
    /// Tracedeck created them earlier; its migrations table is present.
    Tracedeck,
    /// Somebody else (normally Agno) created them: used as they are, never altered.
    Foreign,
}

/// How to open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Create the Agno tables (and the SQLite file / PostgreSQL schema / MySQL database)
    /// when absent. Ignored for read-only connections.
    pub create: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { create: true }
    }
}

/// What was found when the store was opened.
#[derive(Debug, Clone, Serialize)]
pub struct StoreInfo {
    pub backend: Backend,
    pub origin: Origin,
    pub read_only: bool,
    /// Latest Tracedeck migration applied (Tracedeck-created databases only).
    pub tracedeck_version: Option<i64>,
    pub server_version: String,
    /// Things the user should know (e.g. an immutable fallback, a foreign schema).
    pub notes: Vec<String>,
}

/// `tracedeck db check`: what is in the database.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaReport {
    pub backend: Backend,
    pub location: String,
    pub schema: Option<String>,
    pub traces_table: String,
    pub spans_table: String,
    pub versions_table: String,
    pub origin: Origin,
    pub read_only: bool,
    pub server_version: String,
    /// Rows of Agno's schema-versions table: (table, version).
    pub agno_versions: Vec<(String, String)>,
    pub tracedeck_version: Option<i64>,
    pub trace_count: i64,
    pub span_count: i64,
    pub notes: Vec<String>,
}

/// An open trace store.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
    MySql(mysql::MySqlStore),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
            Store::MySql($s) => $e,
        }
    };
}

impl Store {
    /// Connects and prepares the store (see the module docs for what happens to the schema).
    pub async fn open(cfg: &StoreConfig, opts: OpenOptions) -> Result<Store> {
        Ok(match cfg.backend {
            Backend::Sqlite => Store::Sqlite(sqlite::SqliteStore::open(cfg, opts).await?),
            Backend::Postgres => Store::Postgres(postgres::PgStore::open(cfg, opts).await?),
            Backend::MySql => Store::MySql(mysql::MySqlStore::open(cfg, opts).await?),
        })
    }

    pub fn config(&self) -> &StoreConfig {
        dispatch!(self, s => s.config())
    }

    pub fn info(&self) -> &StoreInfo {
        dispatch!(self, s => s.info())
    }

    pub fn is_read_only(&self) -> bool {
        self.info().read_only
    }

    pub async fn check(&self) -> Result<SchemaReport> {
        dispatch!(self, s => s.check().await)
    }

    /// Writes spans and upserts their traces in one transaction. Idempotent: spans already
    /// stored (same span id) are skipped, so a retried batch does not duplicate anything.
    pub async fn write_batch(&self, rows: &[SpanRow]) -> Result<()> {
        if self.is_read_only() {
            return Err(StoreError::ReadOnly(format!(
                "refusing to write {} span(s) to {}",
                rows.len(),
                self.config().describe()
            )));
        }
        if rows.is_empty() {
            return Ok(());
        }
        dispatch!(self, s => s.write_batch(rows).await)
    }

    pub async fn list_traces(&self, filter: &TraceFilter, page: &PageRequest) -> Result<TracePage> {
        dispatch!(self, s => s.list_traces(filter, page).await)
    }

    /// How a run-list page would be read: the shape chosen from the index counts and the
    /// database's own plan of the statement (`tracedeck traces list --explain`).
    pub async fn explain_page(&self, filter: &TraceFilter, page: &PageRequest) -> Result<read::PagePlan> {
        dispatch!(self, s => s.explain_page(filter, page).await)
    }

    pub async fn get_trace(&self, trace_id: &str) -> Result<Option<TraceDetail>> {
        dispatch!(self, s => s.get_trace(trace_id).await)
    }

    pub async fn get_span(&self, span_id: &str) -> Result<Option<Span>> {
        dispatch!(self, s => s.get_span(span_id).await)
    }

    /// Filter suggestions for `col` starting with `prefix`, from the traces table's indexes
    /// (cached; never a scan of spans).
    pub async fn suggest(&self, col: Col, prefix: &str) -> Result<Vec<Suggestion>> {
        dispatch!(self, s => s.suggest(col, prefix).await)
    }

    /// Metrics for `filter`: the newest chunk of its time range that fits the read budget
    /// (all of it when rollups answer); the caller continues from `next_until_us`. Tokens per
    /// agent and model come along for pricing.
    /// `bucket_us`: the first answer's bucket width, so that later chunks share it.
    pub async fn metrics(
        &self,
        filter: &TraceFilter,
        now_us: i64,
        bucket_us: Option<i64>,
    ) -> Result<(tracedeck_model::metrics::Metrics, Vec<read::metrics::AgentModelTokens>)> {
        let bucket = bucket_us.and_then(read::metrics::Bucket::of_width);
        dispatch!(self, s => s.metrics(filter, now_us, bucket).await)
    }

    pub async fn trace_stats(&self, by: StatsGroupBy, filter: &TraceFilter) -> Result<Vec<StatRow>> {
        dispatch!(self, s => s.trace_stats(by, filter).await)
    }

    /// Deletes traces `ids` with their spans (refused on a read-only connection).
    pub async fn delete_traces(&self, ids: &[String]) -> Result<prune::Deleted> {
        prune::refuse_read_only(self, "delete traces")?;
        let d = dispatch!(self, s => prune::delete_ids(s, ids).await)?;
        self.forget_counts();
        Ok(d)
    }

    /// One retention pass (see [`prune::apply`]); refused on read-only and foreign databases.
    pub async fn apply_retention(&self, policy: prune::Policy, now_us: i64) -> Result<prune::Deleted> {
        if let Some(why) = prune::retention_refusal(self) {
            return Err(StoreError::ReadOnly(why));
        }
        let d = dispatch!(self, s => prune::apply(s, policy, now_us).await)?;
        if d.traces > 0 {
            self.forget_counts();
        }
        Ok(d)
    }

    /// Bytes the trace tables take.
    pub async fn used_bytes(&self) -> Result<u64> {
        use prune::Deleter;
        dispatch!(self, s => s.used_bytes().await)
    }

    fn forget_counts(&self) {
        dispatch!(self, s => s.catalog().clear())
    }

    /// Closes the pools (waits for in-flight statements).
    pub async fn close(&self) {
        dispatch!(self, s => s.close().await)
    }
}
