//! The SQL console engine: runs one user statement on a dedicated connection, streams its
//! rows page by page (or straight into a CSV / JSON Lines [`export`]) as exact, typed cells,
//! and stops it on the server when the user cancels or its time limit passes. The API layer
//! owns query ids, saved queries and history; this module owns everything that touches the
//! database.
//!
//! Every statement gets a fresh connection of its own (never a pool connection a statement
//! could alter for the next user), held by a task that pumps rows into a small bounded
//! channel: the first rows are on screen as soon as the server sends them, and neither a page
//! nor an export ever holds the whole result. The connection is closed as soon as the
//! statement ends, so a transaction, its snapshot and any locks are released then, not when
//! the caller gets round to [`Query::close`].
//!
//! Read-only connections (the Store's, or any console query with
//! [`ConsoleOptions::read_only`]) are enforced by the database first, in layers chosen per
//! backend and documented with the holes they close in `sqlite.rs`, `postgres.rs` and
//! `mysql.rs`: SQLite `mode=ro` + `query_only`; PostgreSQL a read-only session, `BEGIN READ
//! ONLY` with `SET LOCAL statement_timeout`, one prepared statement, and a superuser login
//! demoted to `pg_read_all_data` for the statement; MySQL/MariaDB a read-only session and
//! `START TRANSACTION READ ONLY`, a server time limit and one prepared statement. On top of
//! that, and never instead of it, the statement screen (`guard.rs`) refuses statement kinds
//! that do not read and functions that act outside the transaction. What no in-session
//! mechanism can close for a privileged login (a superuser / `root`) is listed in the backend
//! files: connect production databases with a SELECT-only role.
//!
//! The time limit covers the statement from start to its last row, including time its rows
//! wait to be read: page through large results promptly, or export them with a limit to
//! match. [`Duration::ZERO`] means no limit.

mod cell;
mod export;
mod guard;
mod mysql;
mod mysql_types;
mod pg_types;
mod postgres;
mod pump;
mod sqlite;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracedeck_model::console::{Column, Dialect, QueryPage, SchemaTable, SqlError};

use crate::{Store, StoreError};
use cell::{BYTES_SHOWN, Cell};
use pump::{Event, Feed, Stop};

pub use export::{ExportFormat, export};
pub use pump::Canceller;

/// How to run a console statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleOptions {
    /// Longest the statement may run, from start to its last row; zero means no limit.
    pub timeout: Duration,
    /// Run inside the database's read-only mechanisms. Forced on when the Store is read-only.
    pub read_only: bool,
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        ConsoleOptions { timeout: Duration::from_secs(30), read_only: true }
    }
}

/// Errors of the console, with messages meant for people (no connection strings).
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The database refused or failed the statement.
    #[error("{}", sql_message(.0))]
    Sql(SqlError),
    /// The statement would write (or act outside its transaction) on a read-only connection.
    #[error("this connection is read-only: {0}")]
    ReadOnly(String),
    #[error("the query ran longer than its {} limit and was stopped on the server", seconds(*.0))]
    Timeout(Duration),
    #[error("the query was cancelled")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn sql_message(e: &SqlError) -> String {
    match e.position {
        Some(p) => format!("{} (at character {p})", e.message),
        None => e.message.clone(),
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0} s") } else { format!("{s:.3} s") }
}

impl ConsoleError {
    /// The error for a statement stopped for `why`, if it was stopped.
    fn stopped(why: Stop, limit: Duration) -> Option<ConsoleError> {
        match why {
            Stop::TimedOut => Some(ConsoleError::Timeout(limit)),
            Stop::Cancelled | Stop::Abandoned => Some(ConsoleError::Cancelled),
            Stop::Running => None,
        }
    }

    fn sql(message: impl Into<String>, position: Option<u32>, code: Option<String>) -> ConsoleError {
        ConsoleError::Sql(SqlError { message: message.into(), position, code })
    }

    /// A driver error that is not the database's answer (I/O, protocol).
    fn driver(e: sqlx::Error) -> ConsoleError {
        match e {
            sqlx::Error::Protocol(m) => ConsoleError::sql(m, None, None),
            source => ConsoleError::Store(StoreError::Query { action: "run the console statement", source }),
        }
    }
}

/// A running console statement: its columns, the rows not yet delivered, and the handle to
/// stop it. The connection lives in a task owned by the query; dropping the query stops the
/// statement on the server and closes the connection in the background.
pub struct Query {
    columns: Vec<Column>,
    events: mpsc::Receiver<Event>,
    ready: VecDeque<Vec<Cell>>,
    canceller: Canceller,
    started: Instant,
    delivered: u64,
    /// `Some(Ok(rows_affected))` once the statement ended; `Some(Err)` holds an error to
    /// report after the rows before it.
    end: Option<Result<Option<u64>, ConsoleError>>,
    task: Option<JoinHandle<()>>,
}

impl Query {
    /// Starts the connection task `run` (which owns the connection) and returns the handle.
    fn spawn<F>(
        columns: Vec<Column>,
        canceller: Canceller,
        started: Instant,
        timeout: Duration,
        run: impl FnOnce(Feed) -> F,
    ) -> Query
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (tx, events) = mpsc::channel(pump::CHANNEL_BATCHES);
        // The server enforces the limit; this backstop fires only if it did not.
        let watchdog = (!timeout.is_zero()).then(|| started + timeout + Duration::from_secs(2));
        let task = tokio::spawn(run(Feed { tx, ctl: canceller.clone(), watchdog }));
        Query { columns, events, ready: VecDeque::new(), canceller, started, delivered: 0, end: None, task: Some(task) }
    }

    /// Columns of the result (empty for statements that return no rows).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// A handle that stops this statement on the server, usable from another task.
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    fn absorb(&mut self, event: Option<Event>) {
        match event {
            Some(Event::Columns(c)) => self.columns = c,
            Some(Event::Rows(rows)) => self.ready.extend(rows),
            Some(Event::Done { rows_affected }) => self.end = Some(Ok(rows_affected)),
            Some(Event::Failed(e)) => self.end = Some(Err(e)),
            None => {
                self.end = Some(Err(ConsoleError::Store(StoreError::Invalid(
                    "the console connection ended without a result".into(),
                ))))
            }
        }
    }

    /// Up to `max_rows` more rows, waiting until that many are there or the result ends.
    /// `done` is true once no rows remain; an error is returned after the rows before it.
    pub async fn next_page(&mut self, max_rows: usize) -> Result<QueryPage, ConsoleError> {
        let mut rows = Vec::with_capacity(max_rows.min(4096));
        while rows.len() < max_rows {
            if let Some(r) = self.ready.pop_front() {
                rows.push(r.iter().map(|c| c.to_value(BYTES_SHOWN)).collect());
                continue;
            }
            if self.end.is_some() {
                break;
            }
            let event = self.events.recv().await;
            self.absorb(event);
        }
        // Learn whether the result just ended, so an exactly full last page says `done`.
        while self.ready.is_empty() && self.end.is_none() {
            match self.events.try_recv() {
                Ok(event) => self.absorb(Some(event)),
                Err(_) => break,
            }
        }
        if rows.is_empty()
            && matches!(self.end, Some(Err(_)))
            && let Some(Err(e)) = self.end.replace(Ok(None))
        {
            return Err(e);
        }
        self.delivered += rows.len() as u64;
        let done = self.ready.is_empty() && matches!(self.end, Some(Ok(_)));
        Ok(QueryPage {
            query_id: None,
            columns: self.columns.clone(),
            rows,
            row_count: self.delivered,
            done,
            rows_affected: match self.end {
                Some(Ok(n)) if done => n,
                _ => None,
            },
            elapsed_ms: self.started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// The next undelivered row, for the export (`None` at the end).
    async fn next_row(&mut self) -> Result<Option<Vec<Cell>>, ConsoleError> {
        loop {
            if let Some(r) = self.ready.pop_front() {
                self.delivered += 1;
                return Ok(Some(r));
            }
            match self.end.take() {
                Some(Ok(n)) => {
                    self.end = Some(Ok(n));
                    return Ok(None);
                }
                Some(Err(e)) => {
                    self.end = Some(Ok(None));
                    return Err(e);
                }
                None => {
                    let event = self.events.recv().await;
                    self.absorb(event);
                }
            }
        }
    }

    /// Ends the statement (stopping it on the server if it still runs), its transaction and
    /// its connection, and waits for that to finish.
    pub async fn close(mut self) {
        let Some(task) = self.task.take() else { return };
        // The task sees the closed channel, stops the statement and closes the connection.
        self.events.close();
        if tokio::time::timeout(Duration::from_secs(15), task).await.is_err() {
            tracing::warn!("the console connection did not close within 15 s");
        }
    }
}

impl Store {
    /// Starts one statement on a dedicated connection and returns once it is running (its
    /// columns known); rows are then read with [`Query::next_page`] or [`export`].
    pub async fn console_query(&self, sql: &str, opts: ConsoleOptions) -> Result<Query, ConsoleError> {
        self.console_start(sql, opts, true).await
    }

    /// `screen: false` skips the statement screen, so tests can show what the database
    /// refuses on its own.
    pub(crate) async fn console_start(
        &self,
        sql: &str,
        mut opts: ConsoleOptions,
        screen: bool,
    ) -> Result<Query, ConsoleError> {
        opts.read_only |= self.is_read_only();
        match self {
            Store::Sqlite(s) => sqlite::start(s.config(), sql, opts, screen).await,
            Store::Postgres(s) => postgres::start(s.config(), sql, opts, screen).await,
            Store::MySql(s) => mysql::start(s.config(), s.info(), sql, opts, screen).await,
        }
    }

    /// Tables and views with their columns, in every schema the connection can read, the
    /// Agno tables first, then the rest of their schema, then other schemas by name.
    pub async fn console_schema(&self) -> Result<Vec<SchemaTable>, StoreError> {
        let mut tables = match self {
            Store::Sqlite(s) => sqlite::schema(s.config()).await?,
            Store::Postgres(s) => postgres::schema(s.config()).await?,
            Store::MySql(s) => mysql::schema(s.config(), s.info()).await?,
        };
        let cfg = self.config();
        let agno = [&cfg.traces_table, &cfg.spans_table, &cfg.versions_table];
        let home = cfg.schema.as_deref();
        tables.sort_by_cached_key(|t| {
            let ours = t.schema.as_deref() == home;
            let rank = agno.iter().position(|n| **n == t.name).filter(|_| ours).unwrap_or(agno.len());
            (rank, !ours, t.schema.clone(), t.name.clone())
        });
        Ok(tables)
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Store::Sqlite(_) => Dialect::Sqlite,
            Store::Postgres(_) => Dialect::Postgres,
            Store::MySql(_) => Dialect::Mysql,
        }
    }
}

/// The last event of a statement that ended with `end`: a stop reason wins over how the
/// stream ended; rows affected are reported for statements without a result set.
fn finish_event(
    ctl: &Canceller,
    end: pump::End,
    has_columns: bool,
    limit: Duration,
    map: impl FnOnce(sqlx::Error) -> ConsoleError,
) -> Event {
    if let Some(e) = ConsoleError::stopped(ctl.reason(), limit) {
        return Event::Failed(e);
    }
    match end {
        pump::End::Done(n) => Event::Done { rows_affected: (!has_columns).then_some(n) },
        pump::End::Failed(e) => Event::Failed(map(e)),
        pump::End::Stuck => Event::Failed(ConsoleError::Cancelled),
    }
}

/// Delivers the final event: at once when the channel has room (so the caller learns the
/// result ended while the connection is still being cleaned up), else after `cleanup`, so a
/// caller that stopped reading does not keep the connection open.
async fn deliver_last(tx: &mpsc::Sender<Event>, event: Event, cleanup: impl Future<Output = ()>) {
    let pending = match tx.try_send(event) {
        Ok(()) => None,
        Err(mpsc::error::TrySendError::Full(event)) => Some(event),
        Err(mpsc::error::TrySendError::Closed(_)) => None,
    };
    cleanup.await;
    if let Some(event) = pending {
        let _ = tx.send(event).await;
    }
}

/// Names a server in messages without its connection string (no user, password or options).
fn target(cfg: &crate::StoreConfig) -> String {
    let (kind, port) = match cfg.backend {
        crate::Backend::Postgres => ("the PostgreSQL server", 5432),
        _ => ("the MySQL server", 3306),
    };
    let server = url::Url::parse(cfg.driver_url())
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port().unwrap_or(port))));
    match server {
        Some(s) => format!("{kind} at {s}"),
        None => kind.to_owned(),
    }
}

/// Groups `(schema, table, column, type)` rows, ordered by table, into [`SchemaTable`]s.
fn group_columns(rows: Vec<(Option<String>, String, String, String)>) -> Vec<SchemaTable> {
    let mut out: Vec<SchemaTable> = Vec::new();
    for (schema, table, name, db_type) in rows {
        let col = Column { name, db_type };
        match out.last_mut() {
            Some(t) if t.schema == schema && t.name == table => t.columns.push(col),
            _ => out.push(SchemaTable { schema, name: table, columns: vec![col] }),
        }
    }
    out
}
