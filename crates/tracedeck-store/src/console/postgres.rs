//! PostgreSQL console connections: a fresh connection per statement, the statement sent as one
//! prepared statement (the extended protocol refuses several statements in one string), its
//! rows streamed in binary format, cancel through `pg_cancel_backend` from a second
//! connection.
//!
//! Read-only, in layers (found empirically on PostgreSQL 15 with the superuser `postgres`,
//! the worst case; see the console tests):
//! 1. The session starts with `default_transaction_read_only=on`, and every statement runs in
//!    `BEGIN READ ONLY` with `SET LOCAL statement_timeout`, after a `SELECT 1` that takes the
//!    snapshot so `SET TRANSACTION READ WRITE` / `set_config('transaction_read_only', …)` are
//!    refused ("must be set before any query"). The transaction is rolled back as soon as the
//!    last row is read. This alone refuses INSERT/UPDATE/DELETE/MERGE, all DDL (also temp
//!    tables, `CREATE FUNCTION`, `SELECT … INTO`), `nextval` / `setval`, `SELECT … FOR
//!    UPDATE/SHARE`, writes inside `DO` blocks, `VACUUM` (no transaction blocks) and `PREPARE
//!    TRANSACTION` (off by default). `NOTIFY` / `pg_notify` and large-object writes are allowed
//!    but transactional, so the rollback drops them. A `COMMIT` statement only ends our empty
//!    transaction; `COMMIT; DELETE …` is two statements and refused by the protocol.
//! 2. What a read-only transaction does *not* stop for a privileged login: `COPY … TO PROGRAM`
//!    and `COPY … TO '/file'` (run by the server!), `lo_import` / `lo_export` (server files),
//!    `pg_read_file`, `pg_terminate_backend` / `pg_cancel_backend` on other sessions,
//!    `pg_reload_conf`, `pg_switch_wal`, `pg_create_restore_point`, `pg_stat_reset`,
//!    `LOAD 'library'`, `CHECKPOINT`, `ANALYZE`, `REINDEX` and `LOCK TABLE … ACCESS
//!    EXCLUSIVE` (held until our transaction ends), and `dblink` (a second session, not
//!    read-only). For a superuser login the statement runs with `SET LOCAL SESSION
//!    AUTHORIZATION pg_read_all_data` (PostgreSQL ≥ 14): a built-in role that reads every table
//!    and has none of those rights, which closes all of the above; a plain `RESET ROLE` cannot
//!    undo it either.
//! 3. The statement screen (`guard.rs`) refuses non-reading statement kinds (`COPY`, `DO`,
//!    `LOAD`, `LOCK`, `SET`, `CALL`, …) and functions that act outside the transaction
//!    (`set_config`, `lo_*`, `pg_terminate_backend`, `dblink*`, `query_to_xml`, …).
//!
//! Only a non-superuser login closes the rest: a superuser's statement can switch back with
//! `SET SESSION AUTHORIZATION DEFAULT` inside a `DO` block, or
//! `set_config('session_authorization', 'postgres', true)` followed by SQL run through
//! `query_to_xml` / `ts_stat` or any user function that executes its argument, and then do all
//! of point 2; only layer 3 stands in the way. `pg_logical_emit_message` (writes a WAL
//! message) is executable by PUBLIC, so only the screen refuses it even for a SELECT-only role.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{
    PgColumn, PgConnectOptions, PgConnection, PgDatabaseError, PgErrorPosition, PgQueryResult, PgRow, PgStatement,
};
use sqlx::{AssertSqlSafe, Column as _, ConnectOptions, Connection, Executor, Row, SqlSafeStr, Statement as _};
use tracedeck_model::console::{Column, SchemaTable};

use super::guard::{self, Flavor};
use super::pump::{Canceller, End, Feed, Kill};
use super::{ConsoleError, ConsoleOptions, Query, group_columns, pg_types};
use crate::config::DEFAULT_SCHEMA;
use crate::{StoreConfig, StoreError};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

fn options(cfg: &StoreConfig, read_only: bool) -> Result<PgConnectOptions, StoreError> {
    let opts = PgConnectOptions::from_str(cfg.driver_url())
        .map_err(|source| StoreError::Connect { target: super::target(cfg), source })?
        .application_name("tracedeck-console");
    Ok(if read_only { opts.options([("default_transaction_read_only", "on")]) } else { opts })
}

async fn connect(cfg: &StoreConfig, opts: &PgConnectOptions) -> Result<PgConnection, StoreError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, opts.connect()).await {
        Ok(r) => r.map_err(|source| StoreError::Connect { target: super::target(cfg), source }),
        Err(_) => Err(StoreError::Connect { target: super::target(cfg), source: sqlx::Error::PoolTimedOut }),
    }
}

/// Who the connection is, for the canceller and the demotion.
struct Session {
    pid: i32,
    started_us: i64,
    superuser: bool,
    has_read_all_data: bool,
}

async fn session(conn: &mut PgConnection) -> Result<Session, sqlx::Error> {
    let (pid, started_us, superuser, has_read_all_data): (i32, Option<i64>, bool, bool) = sqlx::query_as(
        "SELECT pg_backend_pid(), \
           (SELECT (extract(epoch FROM backend_start) * 1000000)::int8 FROM pg_stat_activity \
            WHERE pid = pg_backend_pid()), \
           current_setting('is_superuser') = 'on', \
           to_regrole('pg_read_all_data') IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Session { pid, started_us: started_us.unwrap_or_default(), superuser, has_read_all_data })
}

/// Our own statements before the user's: the transaction and its limits.
fn preamble(cfg: &StoreConfig, opts: &ConsoleOptions, s: &Session) -> String {
    let schema = cfg.schema.as_deref().unwrap_or(DEFAULT_SCHEMA);
    let ms = opts.timeout.as_millis().max(u128::from(!opts.timeout.is_zero()));
    let scope = if opts.read_only { "LOCAL " } else { "" };
    let mut sql = String::new();
    if opts.read_only {
        sql.push_str("BEGIN READ ONLY; ");
    }
    sql.push_str(&format!(
        "SET {scope}statement_timeout = {ms}; \
         SET {scope}search_path = \"{schema}\", \"$user\", public; \
         SET {scope}standard_conforming_strings = on; "
    ));
    if opts.read_only {
        // Backstop for a transaction left open by a crashed client.
        sql.push_str("SET LOCAL idle_in_transaction_session_timeout = '60s'; ");
        if s.superuser && s.has_read_all_data {
            sql.push_str("SET LOCAL SESSION AUTHORIZATION pg_read_all_data; ");
        }
        // Takes the snapshot: from here on the transaction cannot be made read-write.
        sql.push_str("SELECT 1;");
    }
    sql
}

pub(super) async fn start(
    cfg: &StoreConfig,
    sql: &str,
    opts: ConsoleOptions,
    screen: bool,
) -> Result<Query, ConsoleError> {
    let started = Instant::now();
    if screen {
        guard::screen(sql, Flavor::Postgres, opts.read_only)?;
    }
    let copts = options(cfg, opts.read_only)?;
    let mut conn = connect(cfg, &copts).await?;
    let prepared = async {
        let s = session(&mut conn).await?;
        conn.execute(AssertSqlSafe(preamble(cfg, &opts, &s))).await?;
        let stmt = conn.prepare(AssertSqlSafe(sql.to_owned()).into_sql_str()).await?;
        Ok::<_, sqlx::Error>((s, stmt))
    }
    .await;
    let (s, stmt) = match prepared {
        Ok(p) => p,
        Err(e) => {
            let _ = conn.close().await;
            return Err(map_error(e, opts.timeout));
        }
    };
    let columns = stmt.columns().iter().map(column).collect();
    let ctl = Canceller::new(Kill::Postgres { opts: Box::new(copts), pid: s.pid, started_us: s.started_us });
    Ok(Query::spawn(columns, ctl, started, opts.timeout, move |feed| run(conn, stmt, feed, opts)))
}

fn column(c: &PgColumn) -> Column {
    Column { name: c.name().to_owned(), db_type: pg_types::type_name(c.type_info()) }
}

fn decode_row(row: &PgRow) -> Vec<super::cell::Cell> {
    (0..row.len()).map(|i| row.try_get_raw(i).map(pg_types::decode).unwrap_or(super::cell::Cell::Null)).collect()
}

async fn run(mut conn: PgConnection, stmt: PgStatement, feed: Feed, opts: ConsoleOptions) {
    let has_columns = !stmt.columns().is_empty();
    let end = {
        let stream = conn.fetch_many(stmt.query());
        feed.pump(stream, decode_row, PgQueryResult::rows_affected, |_| None).await
    };
    feed.ctl.finish();
    let stuck = matches!(end, End::Stuck);
    let event = super::finish_event(&feed.ctl, end, has_columns, opts.timeout, |e| map_error(e, opts.timeout));
    // A statement that did not stop leaves the connection mid-result: drop it, the server
    // ends the session when the socket closes.
    super::deliver_last(&feed.tx, event, async move {
        if !stuck {
            if opts.read_only {
                let _ = conn.execute("ROLLBACK").await;
            }
            let _ = conn.close().await;
        }
    })
    .await;
}

fn map_error(e: sqlx::Error, limit: Duration) -> ConsoleError {
    let sqlx::Error::Database(db) = &e else { return ConsoleError::driver(e) };
    let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() else { return ConsoleError::driver(e) };
    match pg.code() {
        "57014" if pg.message().contains("statement timeout") => return ConsoleError::Timeout(limit),
        "57014" => return ConsoleError::Cancelled,
        "25006" => return ConsoleError::ReadOnly(pg.message().to_owned()),
        _ => {}
    }
    let position = match pg.position() {
        Some(PgErrorPosition::Original(p)) => u32::try_from(p).ok(),
        _ => None,
    };
    let mut message = pg.message().to_owned();
    for extra in [pg.detail(), pg.hint()].into_iter().flatten() {
        message.push('\n');
        message.push_str(extra);
    }
    ConsoleError::sql(message, position, Some(pg.code().to_owned()))
}

pub(super) async fn schema(cfg: &StoreConfig) -> Result<Vec<SchemaTable>, StoreError> {
    let mut conn = connect(cfg, &options(cfg, true)?).await?;
    let rows: Result<Vec<(String, String, String, String)>, _> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') \
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
           AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') \
         ORDER BY 1, 2, a.attnum",
    )
    .fetch_all(&mut conn)
    .await;
    let _ = conn.close().await;
    let rows = rows.map_err(StoreError::query("read the schema for autocomplete"))?;
    Ok(group_columns(rows.into_iter().map(|(s, t, c, ty)| (Some(s), t, c, ty)).collect()))
}
