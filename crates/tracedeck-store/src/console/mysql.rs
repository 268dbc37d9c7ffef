//! MySQL / MariaDB console connections: a fresh connection per statement (default database =
//! the store's schema), the statement sent through the prepared-statement protocol (one
//! statement only: `SELECT 1; DELETE …` is a syntax error there, while the text protocol
//! would run both), rows streamed in the binary protocol, cancel with `KILL QUERY` from a
//! second connection.
//!
//! Read-only, in layers (found empirically on MariaDB 10.11 with `root`, the worst case; see
//! the console tests):
//! 1. `SET SESSION TRANSACTION READ ONLY` (checked), then `START TRANSACTION READ ONLY`, and a
//!    server time limit (`max_statement_time` on MariaDB, `max_execution_time` on MySQL, which
//!    covers SELECT only; a watchdog sends `KILL QUERY` when a limit is not enforced, e.g. after
//!    `SET STATEMENT max_statement_time=0 FOR …`). The server then refuses, with error 1792:
//!    INSERT/UPDATE/DELETE on InnoDB, Aria and MyISAM tables, all DDL (including `CREATE
//!    TEMPORARY TABLE`, `DROP`, `TRUNCATE`, `RENAME`, `CREATE DATABASE`), `LOAD DATA`, `CALL` of
//!    a writing procedure, sequences' `NEXTVAL`, `SELECT … FOR UPDATE`, `LOCK TABLES … WRITE`,
//!    `OPTIMIZE` / `REPAIR`, `CREATE USER`, `GRANT`, `SET PASSWORD`, `INSTALL SONAME`. `SET
//!    TRANSACTION READ WRITE` is refused inside the transaction (1568); `COMMIT` only ends our
//!    empty transaction and later autocommit statements stay read-only through the session
//!    setting — and there are no later statements: the connection closes with the statement.
//!    User variables, `DO`, `HANDLER … OPEN`, `GET_LOCK` only touch this session, which ends
//!    with the statement (named locks are released with it); `SLEEP` is a timeout case.
//! 2. The statement screen refuses what the server allows `root` even in a read-only
//!    transaction: `SELECT … INTO OUTFILE / DUMPFILE` (writes a server file), `LOAD_FILE()`
//!    (reads one), `LOCK IN SHARE MODE` (row locks held until the transaction ends), `SET
//!    GLOBAL`, `FLUSH` (including `FLUSH TABLES WITH READ LOCK`, a server-wide write block),
//!    `KILL` of other sessions, `PURGE BINARY LOGS` / `RESET MASTER`, replication control,
//!    `SHUTDOWN`, `ANALYZE TABLE` — every statement kind other than SELECT / WITH / VALUES /
//!    TABLE / SHOW / EXPLAIN / DESCRIBE.
//!
//! MySQL and MariaDB cannot lower a session's privileges (roles only add), so only an account
//! without FILE, SUPER / SYSTEM_VARIABLES_ADMIN, RELOAD, PROCESS / CONNECTION_ADMIN,
//! BINLOG_ADMIN, SHUTDOWN and with SELECT-only grants closes the holes of point 2 in the
//! database itself.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::mysql::{
    MySql, MySqlColumn, MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlQueryResult, MySqlRow,
    MySqlStatement, MySqlTypeInfo,
};
use sqlx::{
    AssertSqlSafe, Column as _, ConnectOptions, Connection, Executor, Row, SqlSafeStr, Statement as _, Type, TypeInfo,
};
use tracedeck_model::console::{Column, SchemaTable};

use super::cell::Cell;
use super::guard::{self, Flavor};
use super::pump::{Canceller, End, Feed, Kill};
use super::{ConsoleError, ConsoleOptions, Query, group_columns, mysql_types};
use crate::config::DEFAULT_SCHEMA;
use crate::{StoreConfig, StoreError, StoreInfo};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

fn options(cfg: &StoreConfig) -> Result<MySqlConnectOptions, StoreError> {
    let opts = MySqlConnectOptions::from_str(cfg.driver_url())
        .map_err(|source| StoreError::Connect { target: super::target(cfg), source })?;
    // `||` keeps its MySQL meaning in the console, unlike sqlx's default.
    Ok(opts.charset("utf8mb4").pipes_as_concat(false).database(cfg.schema.as_deref().unwrap_or(DEFAULT_SCHEMA)))
}

async fn connect(cfg: &StoreConfig, opts: &MySqlConnectOptions) -> Result<MySqlConnection, StoreError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, opts.connect()).await {
        Ok(r) => r.map_err(|source| StoreError::Connect { target: super::target(cfg), source }),
        Err(_) => Err(StoreError::Connect { target: super::target(cfg), source: sqlx::Error::PoolTimedOut }),
    }
}

fn is_mariadb(info: &StoreInfo) -> bool {
    info.server_version.starts_with("MariaDB")
}

/// Our statements before the user's: read-only session and transaction, time limit.
async fn prepare_session(conn: &mut MySqlConnection, opts: &ConsoleOptions, mariadb: bool) -> Result<(), sqlx::Error> {
    let limit = if opts.timeout.is_zero() {
        String::new()
    } else if mariadb {
        format!("SET SESSION max_statement_time = {:.3}; ", opts.timeout.as_secs_f64().max(0.001))
    } else {
        format!("SET SESSION max_execution_time = {}; ", opts.timeout.as_millis().max(1))
    };
    if !limit.is_empty() {
        conn.execute(AssertSqlSafe(limit)).await?;
    }
    if !opts.read_only {
        return Ok(());
    }
    crate::mysql::make_read_only(conn).await?;
    conn.execute("START TRANSACTION READ ONLY").await?;
    Ok(())
}

pub(super) async fn start(
    cfg: &StoreConfig,
    info: &StoreInfo,
    sql: &str,
    opts: ConsoleOptions,
    screen: bool,
) -> Result<Query, ConsoleError> {
    let started = Instant::now();
    let mariadb = is_mariadb(info);
    let copts = options(cfg)?;
    let mut conn = connect(cfg, &copts).await?;
    let prepared = async {
        let (id, mode): (u64, String) =
            sqlx::query_as("SELECT CONNECTION_ID(), CAST(@@SESSION.sql_mode AS CHAR)").fetch_one(&mut conn).await?;
        if screen {
            let flavor = Flavor::MySql { backslash_escapes: !mode.contains("NO_BACKSLASH_ESCAPES") };
            if let Err(e) = guard::screen(sql, flavor, opts.read_only) {
                return Ok(Err(e));
            }
        }
        prepare_session(&mut conn, &opts, mariadb).await?;
        let stmt = conn.prepare(AssertSqlSafe(sql.to_owned()).into_sql_str()).await?;
        let json = if mariadb { json_columns(&mut conn, stmt.columns()).await? } else { Vec::new() };
        Ok::<_, sqlx::Error>(Ok((id, stmt, json)))
    }
    .await;
    let (id, stmt, json) = match prepared {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            let _ = conn.close().await;
            return Err(e);
        }
        Err(e) => {
            let _ = conn.close().await;
            return Err(map_error(e, sql, opts.timeout));
        }
    };
    let columns = stmt.columns().iter().zip(json.iter().chain(std::iter::repeat(&false))).map(column).collect();
    let ctl = Canceller::new(Kill::MySql { opts: Box::new(copts), id });
    let sql = sql.to_owned();
    Ok(Query::spawn(columns, ctl, started, opts.timeout, move |feed| run(conn, stmt, json, feed, opts, sql)))
}

fn column((c, json): (&MySqlColumn, &bool)) -> Column {
    Column { name: c.name().to_owned(), db_type: if *json { "JSON".to_owned() } else { type_name(c.type_info()) } }
}

/// sqlx names string types by the protocol's BINARY flag, which `_bin` collations set too;
/// the collation tells text from bytes. The protocol sends every TEXT size as one type.
fn type_name(ti: &MySqlTypeInfo) -> String {
    let name = ti.name();
    let text = <str as Type<MySql>>::compatible(ti);
    match name {
        "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" if text => "TEXT".into(),
        "VARBINARY" if text => "VARCHAR".into(),
        "BINARY" if text => "CHAR".into(),
        _ => name.to_owned(),
    }
}

/// Which columns are MariaDB JSON: LONGTEXT columns of a table with a `json_valid(col)` check.
async fn json_columns(conn: &mut MySqlConnection, cols: &[MySqlColumn]) -> Result<Vec<bool>, sqlx::Error> {
    let origin = |c: &MySqlColumn| {
        let tc = c.origin().table_column().cloned()?;
        let (schema, table) = tc.table.split_once('.')?;
        Some((schema.to_owned(), table.to_owned(), tc.name.to_string()))
    };
    let candidates: Vec<_> =
        cols.iter().map(|c| if type_name(c.type_info()) == "TEXT" { origin(c) } else { None }).collect();
    let mut schemas: Vec<&str> = candidates.iter().flatten().map(|(s, _, _)| s.as_str()).collect();
    schemas.sort_unstable();
    schemas.dedup();
    if schemas.is_empty() {
        return Ok(vec![false; cols.len()]);
    }
    let marks = vec!["?"; schemas.len()].join(", ");
    let sql = format!(
        "SELECT CAST(CONSTRAINT_SCHEMA AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
         FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN ({marks})"
    );
    let mut q = sqlx::query_as::<_, (String, String, String)>(AssertSqlSafe(sql));
    for s in &schemas {
        q = q.bind(*s);
    }
    let checks = q.fetch_all(&mut *conn).await?;
    Ok(candidates
        .iter()
        .map(|c| {
            c.as_ref().is_some_and(|(s, t, col)| {
                let clause = format!("json_valid(`{col}`)");
                checks.iter().any(|(cs, ct, cc)| cs == s && ct == t && cc.eq_ignore_ascii_case(&clause))
            })
        })
        .collect())
}

async fn run(
    mut conn: MySqlConnection,
    stmt: MySqlStatement,
    json: Vec<bool>,
    feed: Feed,
    opts: ConsoleOptions,
    sql: String,
) {
    let prepared_columns = stmt.columns().len();
    let decode = |row: &MySqlRow| -> Vec<Cell> {
        (0..row.len())
            .map(|i| {
                let json = json.get(i).copied().unwrap_or(false);
                row.try_get_raw(i).map(|v| mysql_types::decode(v, json)).unwrap_or(Cell::Null)
            })
            .collect()
    };
    // Some statements (SHOW …) only describe their columns when they run.
    let first_row = |row: &MySqlRow| {
        (row.columns().len() != prepared_columns)
            .then(|| row.columns().iter().zip(std::iter::repeat(&false)).map(column).collect())
    };
    let (end, has_columns) = {
        let mut has_columns = prepared_columns > 0;
        let stream = conn.fetch_many(stmt.query());
        let end = feed
            .pump(stream, decode, MySqlQueryResult::rows_affected, |row: &MySqlRow| {
                has_columns = true;
                first_row(row)
            })
            .await;
        (end, has_columns)
    };
    feed.ctl.finish();
    let stuck = matches!(end, End::Stuck);
    let event = super::finish_event(&feed.ctl, end, has_columns, opts.timeout, |e| map_error(e, &sql, opts.timeout));
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

fn map_error(e: sqlx::Error, sql: &str, limit: Duration) -> ConsoleError {
    let sqlx::Error::Database(db) = &e else { return ConsoleError::driver(e) };
    let Some(my) = db.try_downcast_ref::<MySqlDatabaseError>() else { return ConsoleError::driver(e) };
    let message = my.message().to_owned();
    match my.number() {
        // MariaDB max_statement_time, MySQL max_execution_time.
        1969 | 3024 => ConsoleError::Timeout(limit),
        // KILL QUERY from elsewhere (ours are reported through the stop reason).
        1317 => ConsoleError::Cancelled,
        // Read-only transaction; server started with --read-only.
        1792 | 1290 => ConsoleError::ReadOnly(message),
        n => {
            let position = guard::mysql_near_position(sql, &message);
            ConsoleError::sql(message, position, Some(n.to_string()))
        }
    }
}

pub(super) async fn schema(cfg: &StoreConfig, info: &StoreInfo) -> Result<Vec<SchemaTable>, StoreError> {
    let mut conn = connect(cfg, &options(cfg)?).await?;
    // MariaDB JSON columns are LONGTEXT with a json_valid check; MySQL 8 has a JSON type and no
    // TABLE_NAME in CHECK_CONSTRAINTS.
    let json_join = if is_mariadb(info) {
        "LEFT JOIN information_schema.CHECK_CONSTRAINTS k ON k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA \
           AND k.TABLE_NAME = c.TABLE_NAME AND k.CHECK_CLAUSE = CONCAT('json_valid(`', c.COLUMN_NAME, '`)')"
    } else {
        "LEFT JOIN (SELECT NULL AS CHECK_CLAUSE) k ON FALSE"
    };
    let sql = format!(
        "SELECT CAST(c.TABLE_SCHEMA AS CHAR), CAST(c.TABLE_NAME AS CHAR), CAST(c.COLUMN_NAME AS CHAR), \
           CAST(IF(k.CHECK_CLAUSE IS NULL, c.COLUMN_TYPE, 'json') AS CHAR) \
         FROM information_schema.COLUMNS c {json_join} \
         WHERE c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') \
         ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"
    );
    let rows: Result<Vec<(String, String, String, String)>, _> =
        sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&mut conn).await;
    let _ = conn.close().await;
    let rows = rows.map_err(StoreError::query("read the schema for autocomplete"))?;
    Ok(group_columns(rows.into_iter().map(|(s, t, c, ty)| (Some(s), t, c, ty)).collect()))
}
