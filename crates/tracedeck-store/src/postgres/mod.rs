//! PostgreSQL backend: Agno's trace tables in a schema (`ai` by default) of any PostgreSQL
//! database, either created by Tracedeck's migrations or written by Agno and used as found.
//!
//! One pool serves the writer and housekeeping; reads run on two more pools, one per
//! [`Lane`], whose sessions carry the lane's `statement_timeout` (see `conn.rs`).
//! Read-only stores set `default_transaction_read_only=on` on every session: the server
//! itself refuses writes, whatever SQL reaches it. A schema holding Agno's tables without
//! `tracedeck_migrations` is foreign: never migrated, altered or indexed.

mod conn;
mod read;
#[cfg(test)]
mod tests;
mod write;

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Row};

use crate::config::{DEFAULT_SCHEMA, validate_ident};
use crate::lane::Lane;
use crate::migrate::{self, MIGRATIONS_TABLE};
use crate::read::Indexes;
use crate::read::catalog::Catalog;
use crate::{Backend, OpenOptions, Origin, Result, SchemaReport, StoreConfig, StoreError, StoreInfo};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

const MAX_CONNECTIONS: u32 = 4;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// SQL type of the `attributes` column. Agno uses `jsonb`; anything else is read through a
/// cast so one set of JSON expressions serves every table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrType {
    Jsonb,
    Json,
    Text,
}

impl AttrType {
    fn from_sql(t: &str) -> AttrType {
        match t {
            "jsonb" => AttrType::Jsonb,
            "json" => AttrType::Json,
            _ => AttrType::Text,
        }
    }

    pub(crate) fn sql(self) -> &'static str {
        match self {
            AttrType::Jsonb => "jsonb",
            AttrType::Json => "json",
            AttrType::Text => "text",
        }
    }
}

/// Schema-qualified, quoted names for SQL text.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub traces: String,
    pub spans: String,
    pub versions: String,
    pub migrations: String,
    pub attr_type: AttrType,
}

impl Tables {
    fn new(schema: &str, cfg: &StoreConfig, attr_type: AttrType) -> Tables {
        let q = |t: &str| format!("\"{schema}\".\"{t}\"");
        Tables {
            traces: q(&cfg.traces_table),
            spans: q(&cfg.spans_table),
            versions: q(&cfg.versions_table),
            migrations: format!("\"{schema}\".{MIGRATIONS_TABLE}"),
            attr_type,
        }
    }

    /// The attributes of span alias `a` as `jsonb`, for `->>` and `?`.
    pub(crate) fn attrs(&self, a: &str) -> String {
        match self.attr_type {
            AttrType::Jsonb => format!("{a}.attributes"),
            _ => format!("({a}.attributes::jsonb)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PgStore {
    cfg: StoreConfig,
    info: StoreInfo,
    schema: String,
    tables: Tables,
    /// The writer and housekeeping (migrations, checks).
    pool: PgPool,
    /// Interactive reads (run list, trace, span, suggestions).
    reader: PgPool,
    /// Heavy reads (statistics, metrics, scans).
    heavy: PgPool,
    control: Arc<conn::Control>,
    indexes: Indexes,
    catalog: Arc<Catalog>,
}

/// A lazily connecting pool of `lane`, its sessions limited to the lane's budget.
///
/// Interactive statements are index-driven by construction (keyset walks, driving indexes,
/// per-trace probes, bounded counts), so their sessions also tell the planner to avoid
/// sequential scans: without statistics (never analyzed, or a read-only connection that
/// cannot analyze) it cannot then trade a planned index walk for a scan of the table.
fn lane_pool(copts: &PgConnectOptions, lane: Lane) -> PgPool {
    let ms = lane.budget().as_millis().to_string();
    // No JIT: without statistics every plan looks expensive enough to compile, which costs
    // a hundred milliseconds and more per statement for queries that run in one.
    let mut opts = copts.clone().options([("statement_timeout", ms.as_str()), ("jit", "off")]);
    if lane == Lane::Interactive {
        opts = opts.options([("enable_seqscan", "off")]);
    }
    PgPoolOptions::new()
        .max_connections(lane.connections())
        .min_connections(0)
        .acquire_timeout(lane.queue_timeout())
        .connect_lazy_with(opts)
}

/// The traces table's plain column indexes (no expressions, no predicates).
async fn find_indexes(pool: &PgPool, schema: &str, table: &str) -> Result<Indexes> {
    let rows: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT i.relname::text, array_agg(a.attname::text ORDER BY k.ord) \
         FROM pg_catalog.pg_index x \
         JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
         JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = $1 AND t.relname = $2 AND x.indpred IS NULL AND x.indexprs IS NULL \
         GROUP BY i.relname",
    )
    .bind(schema)
    .bind(table)
    .fetch_all(pool)
    .await
    .map_err(StoreError::query("list the traces table's indexes"))?;
    let mut found = Indexes::default();
    for (name, cols) in rows {
        found.add(format!("\"{name}\""), &cols);
    }
    Ok(found)
}

/// The spans' full-text index (`migrations/postgres/…_search_index.sql`), when present.
async fn find_search(pool: &PgPool, schema: &str, spans: &str) -> Result<Option<String>> {
    let name = format!("idx_{spans}_search");
    let found: Option<String> = sqlx::query_scalar(
        "SELECT i.relname::text FROM pg_catalog.pg_index x \
         JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
         JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = $1 AND t.relname = $2 AND i.relname = $3 AND x.indisvalid",
    )
    .bind(schema)
    .bind(spans)
    .bind(&name)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::query("look for the search index"))?;
    Ok(found.map(|n| format!("\"{n}\"")))
}

/// Relations (tables, views, …) in `schema`.
async fn relations(pool: &PgPool, schema: &str) -> Result<Vec<String>> {
    sqlx::query_scalar::<_, String>(
        "SELECT c.relname::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .map_err(StoreError::query("list tables"))
}

async fn attr_type(pool: &PgPool, schema: &str, table: &str) -> Result<AttrType> {
    let t: Option<String> = sqlx::query_scalar(
        "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = 'attributes' AND NOT a.attisdropped",
    )
    .bind(schema)
    .bind(table)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::query("read the attributes column type"))?;
    // Created by our migration (or absent until it runs): jsonb.
    Ok(t.as_deref().map(AttrType::from_sql).unwrap_or(AttrType::Jsonb))
}

async fn applied_version(pool: &PgPool, migrations: &str) -> Result<Option<i64>> {
    sqlx::query_scalar(AssertSqlSafe(format!("SELECT MAX(version) FROM {migrations} WHERE success")))
        .fetch_one(pool)
        .await
        .map_err(StoreError::query("read Tracedeck schema version"))
}

async fn server_version(pool: &PgPool) -> Result<String> {
    sqlx::query_scalar::<_, String>("SHOW server_version")
        .fetch_one(pool)
        .await
        .map(|v| format!("PostgreSQL {v}"))
        .map_err(StoreError::query("read the server version"))
}

impl PgStore {
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl PgStore {
    pub async fn open(cfg: &StoreConfig, opts: OpenOptions) -> Result<PgStore> {
        // The fields are public, so names may not have gone through `StoreConfig::parse`.
        let schema = cfg.schema.clone().unwrap_or_else(|| DEFAULT_SCHEMA.to_owned());
        validate_ident("schema", &schema)?;
        for t in [&cfg.traces_table, &cfg.spans_table, &cfg.versions_table] {
            validate_ident("table", t)?;
        }
        let target = cfg.redacted();
        let connect_err = |source| StoreError::Connect { target: target.clone(), source };
        let mut copts =
            PgConnectOptions::from_str(cfg.driver_url()).map_err(connect_err)?.application_name("tracedeck");
        if cfg.read_only {
            copts = copts.options([("default_transaction_read_only", "on")]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(copts.clone())
            .await
            .map_err(connect_err)?;
        let server_version = server_version(&pool).await?;
        let where_ = format!("schema {schema} of {target}");
        let names = relations(&pool, &schema).await?;
        let has = |t: &str| names.iter().any(|n| n == t);
        let (traces, spans, ours) = (has(&cfg.traces_table), has(&cfg.spans_table), has(MIGRATIONS_TABLE));
        let mut tables = Tables::new(&schema, cfg, AttrType::Jsonb);
        let mut notes = Vec::new();
        let foreign_note = "not created by Tracedeck (e.g. written by Agno): used as it is, never migrated";

        let origin = if cfg.read_only {
            if !traces || !spans {
                return Err(StoreError::Schema(format!(
                    "no Agno trace tables ({}, {}) in {where_}",
                    cfg.traces_table, cfg.spans_table
                )));
            }
            if ours {
                Origin::Tracedeck
            } else {
                notes.push(foreign_note.to_owned());
                Origin::Foreign
            }
        } else {
            let known = migrate::latest(&MIGRATOR);
            match (traces && spans, ours) {
                (true, false) => {
                    notes.push(foreign_note.to_owned());
                    Origin::Foreign
                }
                (false, false) if traces || spans => {
                    return Err(StoreError::Schema(format!(
                        "{where_} has only one of the Agno trace tables ({} / {}); refusing to alter a schema Tracedeck did not create",
                        cfg.traces_table, cfg.spans_table
                    )));
                }
                (false, false) if !opts.create => {
                    return Err(StoreError::Schema(format!(
                        "no Agno trace tables ({}, {}) in {where_}; create them with `tracedeck db init`",
                        cfg.traces_table, cfg.spans_table
                    )));
                }
                (present, _) => {
                    let applied = if ours { applied_version(&pool, &tables.migrations).await? } else { None };
                    if let Some(v) = applied.filter(|&v| v > known) {
                        return Err(StoreError::Schema(migrate::newer_schema_message(v, known)));
                    }
                    if !present || applied.unwrap_or(0) < known {
                        let mut m = migrate::templated(&MIGRATOR, cfg, tables.migrations.clone());
                        // sqlx interpolates schema names unquoted; quote them so a mixed-case
                        // schema is the one the migration's quoted DDL uses.
                        m.create_schemas = Cow::Owned(vec![Cow::Owned(format!("\"{schema}\""))]);
                        // Through an acquired connection: `run(&pool)` makes this future !Send (sqlx's
                        // Acquire impl for &Pool is not general enough for the async-fn checker).
                        let mut conn = pool.acquire().await.map_err(StoreError::query("acquire a connection"))?;
                        m.run_direct(None, &mut *conn, false).await?;
                        if present {
                            notes.push(format!("applied Tracedeck schema migrations up to version {known}"));
                        }
                    }
                    if present { Origin::Tracedeck } else { Origin::Created }
                }
            }
        };
        tables.attr_type = attr_type(&pool, &schema, &cfg.spans_table).await?;
        if tables.attr_type != AttrType::Jsonb {
            notes.push(format!(
                "{}.attributes is {}, not jsonb: it is cast for reading",
                cfg.spans_table,
                tables.attr_type.sql()
            ));
        }
        if !cfg.read_only {
            let ro: String = sqlx::query_scalar("SHOW transaction_read_only")
                .fetch_one(&pool)
                .await
                .map_err(StoreError::query("check the session is writable"))?;
            if ro == "on" {
                notes.push("the server only accepts reads on this connection (a standby, or a read-only default): writes will fail".into());
            }
        }
        let tracedeck_version = match origin {
            Origin::Foreign => None,
            _ => applied_version(&pool, &tables.migrations).await?,
        };
        let info = StoreInfo {
            backend: Backend::Postgres,
            origin,
            read_only: cfg.read_only,
            tracedeck_version,
            server_version,
            notes,
        };
        let mut indexes = find_indexes(&pool, &schema, &cfg.traces_table).await?;
        indexes.search = find_search(&pool, &schema, &cfg.spans_table).await?;
        Ok(PgStore {
            cfg: cfg.clone(),
            info,
            schema,
            tables,
            pool,
            reader: lane_pool(&copts, Lane::Interactive),
            heavy: lane_pool(&copts, Lane::Heavy),
            control: Arc::new(conn::Control::new(copts)),
            indexes,
            catalog: Arc::default(),
        })
    }

    pub fn config(&self) -> &StoreConfig {
        &self.cfg
    }

    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    pub async fn check(&self) -> Result<SchemaReport> {
        let pool = &self.pool;
        let count = |table: &str| format!("SELECT COUNT(*) FROM {table}");
        let trace_count: i64 = sqlx::query_scalar(AssertSqlSafe(count(&self.tables.traces)))
            .fetch_one(pool)
            .await
            .map_err(StoreError::query("count traces"))?;
        let span_count: i64 = sqlx::query_scalar(AssertSqlSafe(count(&self.tables.spans)))
            .fetch_one(pool)
            .await
            .map_err(StoreError::query("count spans"))?;
        let names = relations(pool, &self.schema).await?;
        let agno_versions = if names.iter().any(|n| n == &self.cfg.versions_table) {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT table_name::text, version::text FROM {} ORDER BY table_name",
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
        Ok(SchemaReport {
            backend: Backend::Postgres,
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
            notes: self.info.notes.clone(),
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.reader.close().await;
        self.heavy.close().await;
    }
}
