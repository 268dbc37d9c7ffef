//! MySQL / MariaDB backend: Agno's `agno_traces` / `agno_spans` in a MySQL database (Agno's
//! default `ai`), for reading production trace databases (usually read-only) and for writing
//! when the user points Tracedeck at a MySQL server.
//!
//! Every table is qualified as `` `schema`.`table` `` so the URL needs no database path. One
//! pool serves reads and writes (the server does the isolation); a read-only store marks each
//! session `READ ONLY` when it connects; reads run on two more pools, one per [`Lane`] (see
//! `conn.rs`) and checks that the server took it, so writes fail in
//! the database, not only in Tracedeck. Tables are created through the embedded migrations
//! only when absent; a database holding Agno's tables without `tracedeck_migrations` was made
//! by someone else and is used exactly as it is.

mod conn;
mod read;
mod write;

#[cfg(test)]
mod tests;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor, Row};

use crate::config::{DEFAULT_SCHEMA, validate_ident};
use crate::lane::Lane;
use crate::migrate::{self, MIGRATIONS_TABLE};
use crate::read::Indexes;
use crate::read::catalog::Catalog;
use crate::{Backend, OpenOptions, Origin, Result, SchemaReport, StoreConfig, StoreError, StoreInfo};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/mysql");

/// Connections of the writer and housekeeping pool (reads have their own pools).
const MAX_CONNECTIONS: u32 = 4;

/// Qualified, quoted table names for SQL text.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub traces: String,
    pub spans: String,
    pub versions: String,
    pub migrations: String,
}

#[derive(Debug, Clone)]
pub struct MySqlStore {
    cfg: StoreConfig,
    info: StoreInfo,
    schema: String,
    tables: Tables,
    /// The writer and housekeeping.
    pool: MySqlPool,
    /// Interactive reads (run list, trace, span, suggestions).
    reader: MySqlPool,
    /// Heavy reads (statistics, metrics, scans).
    heavy: MySqlPool,
    control: Arc<conn::Control>,
    indexes: Indexes,
    catalog: Arc<Catalog>,
    /// The server's `max_allowed_packet`: the largest statement (with its bound values) it takes.
    max_packet: usize,
    /// The spans table's `trace_id` index, forced for per-trace probes.
    spans_trace_index: Option<String>,
    /// Guard JSON functions with `JSON_VALID` (MySQL fails a statement on invalid JSON text;
    /// MariaDB answers NULL with a warning, so the extra parse per row is skipped there).
    json_guard: bool,
}

/// A lazily connecting pool of `lane`: read-only sessions when the store is, each limited to
/// the lane's budget.
fn lane_pool(base: &MySqlConnectOptions, lane: Lane, read_only: bool) -> MySqlPool {
    MySqlPoolOptions::new()
        .max_connections(lane.connections())
        .min_connections(0)
        .acquire_timeout(lane.queue_timeout())
        .after_connect(move |conn, _meta| -> BoxFuture<'_, std::result::Result<(), sqlx::Error>> {
            Box::pin(async move {
                if read_only {
                    make_read_only(conn).await?;
                }
                conn::limit_session(conn, lane).await
            })
        })
        .connect_lazy_with(base.clone())
}

/// The traces table's plain column indexes, as `FORCE INDEX` names.
async fn find_indexes(pool: &MySqlPool, schema: &str, table: &str) -> Result<Indexes> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(index_name AS CHAR), CAST(GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ',') AS CHAR) \
         FROM information_schema.statistics WHERE table_schema = ? AND table_name = ? \
         GROUP BY index_name",
    )
    .bind(schema)
    .bind(table)
    .fetch_all(pool)
    .await
    .map_err(StoreError::query("list the traces table's indexes"))?;
    let mut found = Indexes::default();
    for (name, cols) in rows {
        let cols: Vec<String> = cols.split(',').map(str::to_owned).collect();
        found.add(format!("`{}`", name.replace('`', "``")), &cols);
    }
    Ok(found)
}

/// `` `schema`.`table` `` (names are validated identifiers, so backticks cannot occur).
fn qualify(schema: &str, table: &str) -> String {
    format!("`{schema}`.`{table}`")
}

/// Removes the password of the configured URL from a driver message, in case the driver
/// echoes part of the URL.
fn scrub(cfg: &StoreConfig, msg: String) -> String {
    let Some(pw) = url::Url::parse(cfg.driver_url()).ok().and_then(|u| u.password().map(str::to_owned)) else {
        return msg;
    };
    if pw.is_empty() {
        return msg;
    }
    let decoded = url::form_urlencoded::parse(format!("p={pw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut out = msg.replace(&pw, "***");
    if !decoded.is_empty() {
        out = out.replace(&decoded, "***");
    }
    out
}

/// The session's read-only flag (1 when on): MySQL 8 and MariaDB ≥ 11.1 name the variable
/// `transaction_read_only`, older MariaDB `tx_read_only`.
pub(crate) async fn session_read_only(conn: &mut MySqlConnection) -> std::result::Result<i64, sqlx::Error> {
    match sqlx::query_scalar("SELECT CAST(@@session.transaction_read_only AS SIGNED)").fetch_one(&mut *conn).await {
        Ok(v) => Ok(v),
        Err(_) => sqlx::query_scalar("SELECT CAST(@@session.tx_read_only AS SIGNED)").fetch_one(&mut *conn).await,
    }
}

/// Makes every transaction of this session read-only and checks that the server agreed.
pub(crate) async fn make_read_only(conn: &mut MySqlConnection) -> std::result::Result<(), sqlx::Error> {
    conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
    if session_read_only(conn).await? != 1 {
        return Err(sqlx::Error::Configuration("the server did not make the session read-only".into()));
    }
    Ok(())
}

/// Names of the base tables in `schema`.
async fn table_names(pool: &MySqlPool, schema: &str) -> Result<Vec<String>> {
    sqlx::query_scalar::<_, String>(
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = ?",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .map_err(StoreError::query("list tables"))
}

async fn applied_version(pool: &MySqlPool, migrations: &str) -> Result<Option<i64>> {
    sqlx::query_scalar(AssertSqlSafe(format!("SELECT MAX(version) FROM {migrations} WHERE success")))
        .fetch_one(pool)
        .await
        .map_err(StoreError::query("read Tracedeck schema version"))
}

async fn server_version(pool: &MySqlPool) -> Result<String> {
    let v: String = sqlx::query_scalar("SELECT CAST(VERSION() AS CHAR)")
        .fetch_one(pool)
        .await
        .map_err(StoreError::query("read the server version"))?;
    // MariaDB's version text already names it ("10.11.19-MariaDB-0+deb12u1").
    Ok(match v.find("-MariaDB") {
        Some(i) => format!("MariaDB {} ({v})", &v[..i]),
        None => format!("MySQL {v}"),
    })
}

impl MySqlStore {
    pub(crate) fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    pub(crate) fn traces_table_sql(&self) -> &str {
        &self.tables.traces
    }
}

impl MySqlStore {
    pub async fn open(cfg: &StoreConfig, opts: OpenOptions) -> Result<MySqlStore> {
        let schema = cfg.schema.clone().unwrap_or_else(|| DEFAULT_SCHEMA.to_owned());
        validate_ident("schema", &schema)?;
        for t in [&cfg.traces_table, &cfg.spans_table, &cfg.versions_table] {
            validate_ident("table", t)?;
        }
        let tables = Tables {
            traces: qualify(&schema, &cfg.traces_table),
            spans: qualify(&schema, &cfg.spans_table),
            versions: qualify(&schema, &cfg.versions_table),
            migrations: qualify(&schema, MIGRATIONS_TABLE),
        };
        let target = cfg.describe();
        let base = MySqlConnectOptions::from_str(cfg.driver_url())
            .map_err(|e| {
                StoreError::Config(format!("invalid MySQL URL {}: {}", cfg.redacted(), scrub(cfg, e.to_string())))
            })?
            .charset("utf8mb4");
        let connect_err = |source| StoreError::Connect { target: target.clone(), source };

        let read_only = cfg.read_only;
        let pool = MySqlPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| -> BoxFuture<'_, std::result::Result<(), sqlx::Error>> {
                Box::pin(async move { if read_only { make_read_only(conn).await } else { Ok(()) } })
            })
            .connect_with(base.clone())
            .await
            .map_err(connect_err)?;
        let store = Self::prepare(cfg, opts, schema, tables, pool.clone(), base).await;
        if store.is_err() {
            pool.close().await;
        }
        store
    }

    /// Finds out who made the tables, creates or migrates them when allowed.
    async fn prepare(
        cfg: &StoreConfig,
        opts: OpenOptions,
        schema: String,
        tables: Tables,
        pool: MySqlPool,
        base: MySqlConnectOptions,
    ) -> Result<MySqlStore> {
        let target = cfg.describe();
        let names = table_names(&pool, &schema).await?;
        let has = |t: &str| names.iter().any(|n| n == t);
        let (traces, spans, ours) = (has(&cfg.traces_table), has(&cfg.spans_table), has(MIGRATIONS_TABLE));
        let present = traces && spans;
        let known = migrate::latest(&MIGRATOR);
        let mut notes = Vec::new();
        let missing = |hint: &str| {
            StoreError::Schema(format!(
                "no Agno trace tables ({}, {}) in {target}{hint}",
                cfg.traces_table, cfg.spans_table
            ))
        };
        let origin = if !ours {
            if present {
                notes.push(if cfg.read_only {
                    "not created by Tracedeck (e.g. written by Agno): read as it is".to_owned()
                } else {
                    "not created by Tracedeck (e.g. written by Agno): used as it is, never migrated".to_owned()
                });
                Origin::Foreign
            } else if traces || spans {
                return Err(StoreError::Schema(format!(
                    "{target} has only one of the Agno trace tables ({} / {}); refusing to alter a database Tracedeck did not create",
                    cfg.traces_table, cfg.spans_table
                )));
            } else if cfg.read_only {
                return Err(missing(""));
            } else if !opts.create {
                return Err(missing("; create them with `tracedeck db init`"));
            } else {
                run_migrations(&pool, &base, cfg, &schema).await?;
                Origin::Created
            }
        } else {
            let applied = applied_version(&pool, &tables.migrations).await?;
            if !cfg.read_only {
                if let Some(v) = applied.filter(|&v| v > known) {
                    return Err(StoreError::Schema(migrate::newer_schema_message(v, known)));
                }
                if !present || applied.unwrap_or(0) < known {
                    run_migrations(&pool, &base, cfg, &schema).await?;
                    notes.push(format!("applied Tracedeck schema migrations up to version {known}"));
                }
            }
            if !present {
                // Only possible when somebody dropped a table after Tracedeck created it:
                // the applied migration will not run again.
                let names = table_names(&pool, &schema).await?;
                if !(names.contains(&cfg.traces_table) && names.contains(&cfg.spans_table)) {
                    return Err(missing(" although Tracedeck's migrations table is there; recreate the database"));
                }
            }
            Origin::Tracedeck
        };
        let tracedeck_version = match origin {
            Origin::Foreign => None,
            _ => applied_version(&pool, &tables.migrations).await?,
        };
        let max_packet: i64 = sqlx::query_scalar("SELECT CAST(@@session.max_allowed_packet AS SIGNED)")
            .fetch_one(&pool)
            .await
            .map_err(StoreError::query("read max_allowed_packet"))?;
        let info = StoreInfo {
            backend: Backend::MySql,
            origin,
            read_only: cfg.read_only,
            tracedeck_version,
            server_version: server_version(&pool).await?,
            notes,
        };
        let indexes = find_indexes(&pool, &schema, &cfg.traces_table).await?;
        let info_is_mariadb = info.server_version.to_ascii_lowercase().contains("mariadb");
        let spans_trace_index = find_indexes(&pool, &schema, &cfg.spans_table).await?.spans_trace;
        Ok(MySqlStore {
            cfg: cfg.clone(),
            info,
            schema,
            tables,
            pool,
            reader: lane_pool(&base, Lane::Interactive, cfg.read_only),
            heavy: lane_pool(&base, Lane::Heavy, cfg.read_only),
            control: Arc::new(conn::Control::new(base)),
            indexes,
            catalog: Arc::default(),
            max_packet: usize::try_from(max_packet).unwrap_or(1 << 22).max(1 << 20),
            json_guard: !info_is_mariadb,
            spans_trace_index,
        })
    }

    pub fn config(&self) -> &StoreConfig {
        &self.cfg
    }

    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    pub async fn check(&self) -> Result<SchemaReport> {
        let count = |table: &str| format!("SELECT COUNT(*) FROM {table}");
        let trace_count: i64 = sqlx::query_scalar(AssertSqlSafe(count(&self.tables.traces)))
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::query("count traces"))?;
        let span_count: i64 = sqlx::query_scalar(AssertSqlSafe(count(&self.tables.spans)))
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::query("count spans"))?;
        let names = table_names(&self.pool, &self.schema).await?;
        let agno_versions = if names.iter().any(|n| n == &self.cfg.versions_table) {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT CAST(table_name AS CHAR), CAST(version AS CHAR) FROM {} ORDER BY table_name",
                self.tables.versions
            )))
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("read schema versions"))?
            .into_iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect()
        } else {
            Vec::new()
        };
        let mut notes = self.info.notes.clone();
        notes.push(format!("max_allowed_packet {} bytes", self.max_packet));
        Ok(SchemaReport {
            backend: Backend::MySql,
            location: self.cfg.describe(),
            schema: Some(self.schema.clone()),
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

    /// Closes the pool (waits for in-flight statements).
    pub async fn close(&self) {
        self.pool.close().await;
        self.reader.close().await;
        self.heavy.close().await;
    }
}

/// Creates the database (utf8mb4) and runs the templated migrations.
///
/// The migrator runs on its own connection whose default database is `schema`, because
/// sqlx's MySQL migration lock is keyed on `DATABASE()`, which is NULL when the URL names no
/// database. We create the database ourselves (with an explicit character set, quoted) and so
/// drop the migrator's own unquoted `CREATE SCHEMA`, which would fail on reserved words.
/// Each migration file holds several statements; sqlx sends it as one text-protocol query
/// with multi-statements enabled, so the server runs them in order (DDL commits implicitly;
/// sqlx records the version with `success = FALSE` first to detect a half-applied file).
///
/// sqlx's own lock calls `GET_LOCK(name, -1)`, which MariaDB answers with NULL (no lock), so
/// two processes opening a new database at once are serialised by our lock instead.
async fn run_migrations(pool: &MySqlPool, base: &MySqlConnectOptions, cfg: &StoreConfig, schema: &str) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE IF NOT EXISTS `{schema}` CHARACTER SET utf8mb4")))
        .execute(pool)
        .await
        .map_err(StoreError::query("create the database"))?;
    let mut migrator = migrate::templated(&MIGRATOR, cfg, qualify(schema, MIGRATIONS_TABLE));
    migrator.create_schemas = std::borrow::Cow::Owned(Vec::new());
    let mut conn = base
        .clone()
        .database(schema)
        .connect()
        .await
        .map_err(|source| StoreError::Connect { target: cfg.describe(), source })?;
    let lock = format!("tracedeck-migrate:{schema}");
    let lock = write::fit(&lock, 64);
    let locked: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 120)")
        .bind(lock)
        .fetch_one(&mut conn)
        .await
        .map_err(StoreError::query("lock the database for migration"))?;
    if locked != Some(1) {
        let _ = conn.close().await;
        return Err(StoreError::Schema(format!(
            "another process has been migrating {} for two minutes; try again later",
            cfg.describe()
        )));
    }
    let result = migrator.run_direct(None, &mut conn, false).await;
    // Closing the connection releases the lock too; release explicitly all the same.
    let _ = sqlx::query("SELECT RELEASE_LOCK(?)").bind(lock).execute(&mut conn).await;
    let _ = conn.close().await;
    result.map_err(StoreError::from)
}
