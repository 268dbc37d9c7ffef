//! SQLite backend: the default store (a file in the app's data dir) and the way to open any
//! Agno SQLite file.
//!
//! Connections: one writer connection and two pools of read-only readers, one per
//! [`Lane`](crate::lane::Lane) (see `conn.rs`), so in WAL mode queries never wait behind a
//! write and the run list never waits behind analytics. Read-only stores open the file with
//! `mode=ro` and `PRAGMA query_only`; a WAL file in a directory we cannot write to (no `-shm`
//! possible) is opened `immutable` as a flagged fallback.

mod conn;
mod read;
mod write;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Row};

use crate::lane::Lane;
use crate::migrate::{self, MIGRATIONS_TABLE};
use crate::read::Indexes;
use crate::read::catalog::Catalog;
use crate::{Backend, OpenOptions, Origin, Result, SchemaReport, StoreConfig, StoreError, StoreInfo};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// Quoted table names for SQL text.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub traces: String,
    pub spans: String,
    pub versions: String,
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    cfg: StoreConfig,
    info: StoreInfo,
    tables: Tables,
    /// One connection; `None` when read-only.
    writer: Option<SqlitePool>,
    /// Interactive readers (run list, trace, span).
    reader: SqlitePool,
    /// Heavy readers (statistics, metrics, scans).
    heavy: SqlitePool,
    indexes: Indexes,
    catalog: Arc<Catalog>,
    /// Interactive connections in use (heavy statements step aside meanwhile).
    interactive_busy: Arc<std::sync::atomic::AtomicUsize>,
}

fn q(name: &str) -> String {
    format!("\"{name}\"")
}

async fn table_names(pool: &SqlitePool) -> Result<Vec<String>> {
    sqlx::query_scalar::<_, String>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("list tables"))
}

impl SqliteStore {
    pub async fn open(cfg: &StoreConfig, opts: OpenOptions) -> Result<SqliteStore> {
        let path = cfg.sqlite_path.clone().ok_or_else(|| StoreError::Config("sqlite URL has no file path".into()))?;
        let target = path.display().to_string();
        let tables =
            Tables { traces: q(&cfg.traces_table), spans: q(&cfg.spans_table), versions: q(&cfg.versions_table) };
        let connect_err = |source| StoreError::Connect { target: target.clone(), source };
        let base = SqliteConnectOptions::from_str("sqlite://")
            .map_err(connect_err)?
            .filename(&path)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(false)
            // Reads of a large trace touch pages all over the file: map it instead of a
            // pread + copy per page, and keep a decent page cache per connection.
            .pragma("mmap_size", "2147483648")
            .pragma("cache_size", "-32768");
        let mut notes = Vec::new();

        if cfg.read_only {
            if !path.exists() {
                return Err(StoreError::Config(format!("SQLite file {target} does not exist")));
            }
            let ro = reader_options(base.clone()).create_if_missing(false);
            let (reader, ro) = match open_pool(ro.clone(), Lane::Interactive.connections()).await {
                Ok(p) => (p, ro),
                Err(first) => {
                    // A WAL database in a directory we cannot write to: SQLite cannot create the
                    // -shm index, so only an immutable open works.
                    let imm = reader_options(base.clone()).immutable(true);
                    let p = open_pool(imm.clone(), Lane::Interactive.connections())
                        .await
                        .map_err(|_| connect_err(first))?;
                    notes.push(format!(
                        "{target} is in WAL mode in a directory Tracedeck cannot write to, so it was opened \
                         read-only as immutable: changes other programs make while it is open, and any of their \
                         writes not yet checkpointed into the main file, are not shown. Copy the file (with its \
                         -wal file) somewhere writable to see everything."
                    ));
                    (p, imm)
                }
            };
            let heavy = lane_pool(ro, Lane::Heavy, Lane::Heavy.connections()).await.map_err(connect_err)?;
            let names = table_names(&reader).await?;
            let has = |t: &str| names.iter().any(|n| n == t);
            if !has(&cfg.traces_table) || !has(&cfg.spans_table) {
                return Err(StoreError::Schema(format!(
                    "no Agno trace tables ({}, {}) in {target}",
                    cfg.traces_table, cfg.spans_table
                )));
            }
            let (origin, version) = if has(MIGRATIONS_TABLE) {
                (Origin::Tracedeck, applied_version(&reader).await?)
            } else {
                (Origin::Foreign, None)
            };
            if origin == Origin::Foreign {
                notes.push("not created by Tracedeck (e.g. written by Agno): read as it is".into());
            }
            let info = StoreInfo {
                backend: Backend::Sqlite,
                origin,
                read_only: true,
                tracedeck_version: version,
                server_version: sqlite_version(&reader).await?,
                notes,
            };
            let mut indexes = read::find_indexes(&reader, &cfg.traces_table).await?;
            indexes.search = read::find_search(&reader, &cfg.spans_table).await?;
            return Ok(SqliteStore {
                cfg: cfg.clone(),
                info,
                tables,
                writer: None,
                reader,
                heavy,
                indexes,
                catalog: Arc::default(),
                interactive_busy: Arc::default(),
            });
        }

        if !opts.create && !path.exists() {
            return Err(StoreError::Config(format!(
                "SQLite file {target} does not exist; create it with `tracedeck db init sqlite://{target}`"
            )));
        }
        if opts.create
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create directory {}: {e}", dir.display())))?;
        }
        let rw = base
            .clone()
            .create_if_missing(opts.create)
            .synchronous(SqliteSynchronous::Normal)
            .pragma("cache_size", "-131072")
            .pragma("temp_store", "MEMORY")
            // Checkpoint every ~100 MB of WAL instead of every 4 MB: index pages rewritten by
            // many commits are copied back once. The WAL file is truncated after a checkpoint.
            .pragma("wal_autocheckpoint", "3000")
            .pragma("journal_size_limit", "134217728");
        let writer = open_pool(rw, 1).await.map_err(connect_err)?;
        let names = table_names(&writer).await?;
        let has = |t: &str| names.iter().any(|n| n == t);
        let (traces, spans, ours) = (has(&cfg.traces_table), has(&cfg.spans_table), has(MIGRATIONS_TABLE));
        let known = migrate::latest(&MIGRATOR);
        let origin = match (traces && spans, ours) {
            (true, false) => {
                notes.push("not created by Tracedeck (e.g. written by Agno): used as it is, never migrated".into());
                Origin::Foreign
            }
            (false, false) if traces || spans => {
                return Err(StoreError::Schema(format!(
                    "{target} has only one of the Agno trace tables ({} / {}); refusing to alter a database Tracedeck did not create",
                    cfg.traces_table, cfg.spans_table
                )));
            }
            (false, false) if !opts.create => {
                return Err(StoreError::Schema(format!(
                    "no Agno trace tables ({}, {}) in {target}; create them with `tracedeck db init`",
                    cfg.traces_table, cfg.spans_table
                )));
            }
            (present, _) => {
                let applied = if ours { applied_version(&writer).await? } else { None };
                if let Some(v) = applied.filter(|&v| v > known) {
                    return Err(StoreError::Schema(migrate::newer_schema_message(v, known)));
                }
                let pending = applied.unwrap_or(0) < known;
                if !present && names.is_empty() {
                    // A brand-new file: larger pages roughly double insert throughput (fewer,
                    // larger index pages to rewrite per commit). Only possible before any
                    // table exists; Agno reads any page size.
                    sqlx::query("PRAGMA page_size = 32768")
                        .execute(&writer)
                        .await
                        .map_err(StoreError::query("set page size"))?;
                }
                if !present || pending {
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&writer)
                        .await
                        .map_err(StoreError::query("enable WAL"))?;
                    // Through an acquired connection: `run(&pool)` makes this future !Send.
                    let mut conn = writer.acquire().await.map_err(StoreError::query("acquire a connection"))?;
                    migrate::templated(&MIGRATOR, cfg, MIGRATIONS_TABLE.into())
                        .run_direct(None, &mut *conn, false)
                        .await?;
                    if present {
                        notes.push(format!("applied Tracedeck schema migrations up to version {known}"));
                    }
                }
                if present { Origin::Tracedeck } else { Origin::Created }
            }
        };
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&writer)
            .await
            .map_err(StoreError::query("read journal mode"))?;
        // Outside WAL mode a reader blocks the writer: one reader per lane then.
        let wal = journal.eq_ignore_ascii_case("wal");
        let size = |lane: Lane| if wal { lane.connections() } else { 1 };
        let ro = reader_options(base);
        let reader = open_pool(ro.clone(), size(Lane::Interactive)).await.map_err(connect_err)?;
        let heavy = lane_pool(ro, Lane::Heavy, size(Lane::Heavy)).await.map_err(connect_err)?;
        let version = if origin == Origin::Foreign { None } else { applied_version(&writer).await? };
        let info = StoreInfo {
            backend: Backend::Sqlite,
            origin,
            read_only: false,
            tracedeck_version: version,
            server_version: sqlite_version(&writer).await?,
            notes,
        };
        let mut indexes = read::find_indexes(&reader, &cfg.traces_table).await?;
        indexes.search = read::find_search(&reader, &cfg.spans_table).await?;
        Ok(SqliteStore {
            cfg: cfg.clone(),
            info,
            tables,
            writer: Some(writer),
            reader,
            heavy,
            indexes,
            catalog: Arc::default(),
            interactive_busy: Arc::default(),
        })
    }

    pub fn config(&self) -> &StoreConfig {
        &self.cfg
    }

    /// The read-only reader pool.
    pub(crate) fn read_pool(&self) -> &SqlitePool {
        &self.reader
    }

    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    pub async fn check(&self) -> Result<SchemaReport> {
        let pool = &self.reader;
        let count = |table: &str| format!("SELECT COUNT(*) FROM {table}");
        let trace_count: i64 = sqlx::query_scalar(AssertSqlSafe(count(&self.tables.traces)))
            .fetch_one(pool)
            .await
            .map_err(StoreError::query("count traces"))?;
        let span_count: i64 = sqlx::query_scalar(AssertSqlSafe(count(&self.tables.spans)))
            .fetch_one(pool)
            .await
            .map_err(StoreError::query("count spans"))?;
        let names = table_names(pool).await?;
        let agno_versions = if names.iter().any(|n| n == &self.cfg.versions_table) {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT table_name, version FROM {} ORDER BY table_name",
                self.tables.versions
            )))
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("read schema versions"))?
            .into_iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect()
        } else {
            Vec::new()
        };
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .map_err(StoreError::query("read journal mode"))?;
        let mut notes = self.info.notes.clone();
        notes.push(format!("journal mode {journal}"));
        Ok(SchemaReport {
            backend: Backend::Sqlite,
            location: self.cfg.describe(),
            schema: None,
            traces_table: self.cfg.traces_table.clone(),
            spans_table: self.cfg.spans_table.clone(),
            versions_table: self.cfg.versions_table.clone(),
            origin: self.info.origin,
            read_only: self.info.read_only,
            server_version: self.info.server_version.clone(),
            agno_versions,
            tracedeck_version: self.info.tracedeck_version,
            trace_count,
            span_count,
            notes,
        })
    }

    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            w.close().await;
        }
        self.reader.close().await;
        self.heavy.close().await;
    }
}

/// Reader connections: read-only in the database's own terms, and with memory bounded
/// whatever a query sorts or groups (temporary B-trees spill to files, a modest page cache;
/// the file itself is mapped, which is page cache, not process memory).
fn reader_options(base: SqliteConnectOptions) -> SqliteConnectOptions {
    base.read_only(true).pragma("query_only", "ON").pragma("temp_store", "FILE")
}

/// Creates a Tracedeck database migrated only up to `version`, as an older Tracedeck left it
/// (for upgrade tests).
#[doc(hidden)]
pub async fn create_at_version(cfg: &StoreConfig, version: i64) -> Result<()> {
    let path = cfg.sqlite_path.clone().ok_or_else(|| StoreError::Config("sqlite URL has no file path".into()))?;
    let opts = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|source| StoreError::Connect { target: path.display().to_string(), source })?
        .filename(&path)
        .create_if_missing(true);
    let pool = open_pool(opts, 1)
        .await
        .map_err(|source| StoreError::Connect { target: path.display().to_string(), source })?;
    sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await.map_err(StoreError::query("enable WAL"))?;
    let mut conn = pool.acquire().await.map_err(StoreError::query("acquire a connection"))?;
    migrate::templated(&MIGRATOR, cfg, MIGRATIONS_TABLE.into()).run_direct(Some(version), &mut *conn, false).await?;
    drop(conn);
    pool.close().await;
    Ok(())
}

async fn open_pool(opts: SqliteConnectOptions, max: u32) -> std::result::Result<SqlitePool, sqlx::Error> {
    pool_with(opts, max, Duration::from_secs(30)).await
}

/// A reader pool of `lane`, waiting as long as the lane queues.
async fn lane_pool(opts: SqliteConnectOptions, lane: Lane, max: u32) -> std::result::Result<SqlitePool, sqlx::Error> {
    pool_with(opts, max, lane.queue_timeout()).await
}

async fn pool_with(
    opts: SqliteConnectOptions,
    max: u32,
    wait: Duration,
) -> std::result::Result<SqlitePool, sqlx::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(max)
        .min_connections(0)
        .acquire_timeout(wait)
        .connect_with(opts)
        .await?;
    // Opening is lazy in SQLite; make a bad file fail here, not on first query.
    sqlx::query("SELECT COUNT(*) FROM sqlite_master").execute(&pool).await?;
    Ok(pool)
}

async fn applied_version(pool: &SqlitePool) -> Result<Option<i64>> {
    sqlx::query_scalar(AssertSqlSafe(format!("SELECT MAX(version) FROM {MIGRATIONS_TABLE} WHERE success")))
        .fetch_one(pool)
        .await
        .map_err(StoreError::query("read Tracedeck schema version"))
}

async fn sqlite_version(pool: &SqlitePool) -> Result<String> {
    sqlx::query_scalar::<_, String>("SELECT sqlite_version()")
        .fetch_one(pool)
        .await
        .map(|v| format!("SQLite {v}"))
        .map_err(StoreError::query("read SQLite version"))
}
