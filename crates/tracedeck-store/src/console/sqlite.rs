//! SQLite console connections: a fresh connection to the store's file per statement, cells
//! decoded by each value's storage class (INTEGER / REAL / TEXT / BLOB / NULL, not the
//! declared type), cancel and time limit through a progress handler that interrupts the
//! statement inside SQLite (sqlx's `LockedSqliteHandle::set_progress_handler`, no unsafe).
//!
//! Read-only, in layers (SQLite has no server, so the connection's open flags are the
//! database-level mechanism):
//! 1. `mode=ro` (SQLITE_OPEN_READONLY; `immutable` only as the flagged fallback the store uses
//!    for WAL files in read-only directories): nothing can write the file through this
//!    connection — INSERT/UPDATE/DELETE, DDL, `VACUUM`, `REINDEX`, `ANALYZE`, writing pragmas
//!    (`user_version = …`, `journal_mode = …`), and `PRAGMA writable_schema` cannot help since
//!    the page writes themselves are refused. ATTACH inherits the read-only flags: a new file
//!    cannot be created, and `ATTACH 'file:x?mode=rwc'` is refused ("access mode not allowed").
//! 2. `PRAGMA query_only`: refuses writes to every attached database too, including TEMP and
//!    `:memory:` ones (so temp tables and `ATTACH ':memory:' AS x; INSERT INTO x…` fail), and
//!    `VACUUM INTO` (a copy of the database written elsewhere). A statement may turn it off,
//!    but `mode=ro` still holds, and the next statement gets a new connection.
//! 3. sqlx never enables extension loading (no extensions configured), so `load_extension()`
//!    is "not authorized".
//! 4. sqlx runs every statement of a multi-statement string, which SQLite itself cannot
//!    refuse: the screen always refuses a second statement, and on read-only connections
//!    refuses statement kinds that do not read and pragma forms that set something.
//!
//! The file itself is never written on a read-only connection: the tests compare its bytes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sqlx::sqlite::{
    SqliteColumn, SqliteConnectOptions, SqliteConnection, SqliteQueryResult, SqliteRow, SqliteStatement, SqliteValueRef,
};
use sqlx::{
    AssertSqlSafe, Column as _, ConnectOptions, Connection, Decode, Executor, Row, SqlSafeStr, Statement as _,
    TypeInfo, ValueRef,
};
use tracedeck_model::console::{Column, SchemaTable};

use super::cell::Cell;
use super::guard::{self, Flavor};
use super::pump::{Canceller, End, Feed, Kill};
use super::{ConsoleError, ConsoleOptions, Query, group_columns};
use crate::{StoreConfig, StoreError};

/// SQLite virtual-machine steps between two checks for cancel and time limit.
const PROGRESS_OPS: i32 = 1000;

fn path(cfg: &StoreConfig) -> Result<PathBuf, StoreError> {
    cfg.sqlite_path.clone().ok_or_else(|| StoreError::Config("sqlite URL has no file path".into()))
}

fn base(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(false)
}

async fn connect(cfg: &StoreConfig, read_only: bool) -> Result<SqliteConnection, StoreError> {
    let path = path(cfg)?;
    let connect_err = |source| StoreError::Connect { target: path.display().to_string(), source };
    if !read_only {
        return base(&path).connect().await.map_err(connect_err);
    }
    let ro = base(&path).read_only(true).pragma("query_only", "ON");
    match ro.connect().await {
        Ok(c) => Ok(c),
        // A WAL file in a directory we cannot write to (no -shm possible): immutable, as the
        // store opens it.
        Err(first) => ro.immutable(true).connect().await.map_err(|_| connect_err(first)),
    }
}

pub(super) async fn start(
    cfg: &StoreConfig,
    sql: &str,
    opts: ConsoleOptions,
    screen: bool,
) -> Result<Query, ConsoleError> {
    let started = Instant::now();
    if screen {
        guard::screen(sql, Flavor::Sqlite, opts.read_only)?;
    }
    let mut conn = connect(cfg, opts.read_only).await?;
    let ctl = Canceller::new(Kill::Flag);
    let deadline = (!opts.timeout.is_zero()).then(|| started + opts.timeout);
    let prepared = async {
        let mut handle = conn.lock_handle().await?;
        let c = ctl.clone();
        handle.set_progress_handler(PROGRESS_OPS, move || c.keep_going(deadline));
        drop(handle);
        conn.prepare(AssertSqlSafe(sql.to_owned()).into_sql_str()).await
    }
    .await;
    let stmt = match prepared {
        Ok(s) => s,
        Err(e) => {
            let _ = conn.close().await;
            return Err(map_error(e, sql));
        }
    };
    let columns = stmt.columns().iter().map(column).collect();
    let sql = sql.to_owned();
    Ok(Query::spawn(columns, ctl, started, opts.timeout, move |feed| run(conn, stmt, feed, opts, sql)))
}

fn column(c: &SqliteColumn) -> Column {
    let t = c.type_info();
    // Expressions have no declared type.
    Column { name: c.name().to_owned(), db_type: if t.is_null() { String::new() } else { t.name().to_owned() } }
}

/// By storage class: SQLite types each value, not the column.
fn cell(v: SqliteValueRef<'_>) -> Cell {
    if v.is_null() {
        return Cell::Null;
    }
    let class = v.type_info().name().to_owned();
    let cell = match class.as_str() {
        "INTEGER" => <i64 as Decode<'_, sqlx::Sqlite>>::decode(v).map(Cell::Int),
        "REAL" => <f64 as Decode<'_, sqlx::Sqlite>>::decode(v).map(Cell::Float),
        "BLOB" => <&[u8] as Decode<'_, sqlx::Sqlite>>::decode(v).map(|b| Cell::Bytes(b.to_vec())),
        _ => <&str as Decode<'_, sqlx::Sqlite>>::decode(v).map(|s| Cell::Text(s.to_owned())),
    };
    cell.unwrap_or(Cell::Null)
}

fn decode_row(row: &SqliteRow) -> Vec<Cell> {
    (0..row.len()).map(|i| row.try_get_raw(i).map(cell).unwrap_or(Cell::Null)).collect()
}

async fn run(mut conn: SqliteConnection, stmt: SqliteStatement, feed: Feed, opts: ConsoleOptions, sql: String) {
    let has_columns = !stmt.columns().is_empty();
    let end = {
        let stream = conn.fetch_many(stmt.query());
        feed.pump(stream, decode_row, SqliteQueryResult::rows_affected, |_| None).await
    };
    feed.ctl.finish();
    let stuck = matches!(end, End::Stuck);
    let event = super::finish_event(&feed.ctl, end, has_columns, opts.timeout, |e| map_error(e, &sql));
    super::deliver_last(&feed.tx, event, async move {
        if !stuck {
            let _ = conn.close().await;
        }
    })
    .await;
}

fn map_error(e: sqlx::Error, sql: &str) -> ConsoleError {
    let sqlx::Error::Database(db) = &e else { return ConsoleError::driver(e) };
    let code = db.code().map(|c| c.into_owned());
    let primary = code.as_deref().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff);
    let message = db.message().to_owned();
    match primary {
        // SQLITE_READONLY: mode=ro or query_only refused a write.
        Some(8) => ConsoleError::ReadOnly(message),
        // SQLITE_INTERRUPT without a stop of ours: treat as cancelled all the same.
        Some(9) => ConsoleError::Cancelled,
        _ => {
            let position = guard::sqlite_near_position(sql, &message);
            ConsoleError::sql(message, position, code)
        }
    }
}

pub(super) async fn schema(cfg: &StoreConfig) -> Result<Vec<SchemaTable>, StoreError> {
    let mut conn = connect(cfg, true).await?;
    let rows: Result<Vec<(String, String, String)>, _> = sqlx::query_as(
        "SELECT m.name, p.name, p.type FROM sqlite_schema m JOIN pragma_table_info(m.name) p \
         WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         ORDER BY m.name, p.cid",
    )
    .fetch_all(&mut conn)
    .await;
    let _ = conn.close().await;
    let rows = rows.map_err(StoreError::query("read the schema for autocomplete"))?;
    Ok(group_columns(rows.into_iter().map(|(t, c, ty)| (None, t, c, ty)).collect()))
}
