//! The bridge between a backend's row stream and a [`Query`](super::Query): the task that owns
//! the dedicated connection pumps decoded rows into a small bounded channel (so memory stays
//! flat however large the result), watches for cancel, time limit and a caller that went
//! away, and stops the statement on the server through the [`Canceller`] when any of them
//! happens. Batches are cut when the stream would wait, so the first rows reach the caller as
//! soon as the server sends them.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use futures::{FutureExt, Stream, StreamExt};
use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Either};
use tokio::sync::{mpsc, watch};
use tracedeck_model::console::Column;

use super::ConsoleError;
use super::cell::Cell;

/// Rows per batch handed to the caller, and a cap on a batch's size in bytes.
const BATCH_ROWS: usize = 256;
const BATCH_BYTES: usize = 1 << 20;
/// Batches buffered between the connection task and the caller.
pub(crate) const CHANNEL_BATCHES: usize = 4;
/// How long a stopped statement may take to end before the connection is dropped instead.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// Time to open the extra connection that carries a server-side cancel.
const KILL_CONNECT: Duration = Duration::from_secs(10);

/// What the connection task tells the [`Query`](super::Query).
pub(crate) enum Event {
    /// The result's columns, when the server only told them with the rows.
    Columns(Vec<Column>),
    Rows(Vec<Vec<Cell>>),
    Done {
        rows_affected: Option<u64>,
    },
    Failed(ConsoleError),
}

/// Why a statement is being stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Stop {
    Running = 0,
    Cancelled = 1,
    TimedOut = 2,
    /// The caller dropped or closed the query before its end.
    Abandoned = 3,
}

/// How to stop a statement on its server.
#[derive(Debug)]
pub(crate) enum Kill {
    /// SQLite: the connection's progress handler watches the stop flag and interrupts.
    Flag,
    /// `pg_cancel_backend` from a second connection, only if that backend is still the one we
    /// started (same pid *and* start time: a pid can be reused after our connection closes).
    Postgres { opts: Box<PgConnectOptions>, pid: i32, started_us: i64 },
    /// `KILL QUERY` from a second connection (MySQL thread ids are never reused while up).
    MySql { opts: Box<MySqlConnectOptions>, id: u64 },
}

#[derive(Debug)]
struct Shared {
    stop: AtomicU8,
    finished: AtomicBool,
    wake: watch::Sender<bool>,
    kill: Kill,
}

/// Stops a running console statement on the server. Cheap to clone; cancelling a query that
/// already ended does nothing.
#[derive(Debug, Clone)]
pub struct Canceller {
    shared: Arc<Shared>,
}

impl Canceller {
    pub(crate) fn new(kill: Kill) -> Canceller {
        let (wake, _) = watch::channel(false);
        Canceller { shared: Arc::new(Shared { stop: AtomicU8::new(0), finished: AtomicBool::new(false), wake, kill }) }
    }

    /// Cancels the statement: the server stops executing it (not just the client reading it),
    /// and the query reports [`ConsoleError::Cancelled`].
    pub async fn cancel(&self) {
        self.stop(Stop::Cancelled).await;
    }

    /// Records why the statement stops (the first reason wins) and stops it on the server.
    pub(crate) async fn stop(&self, why: Stop) {
        if self.shared.finished.load(Ordering::Acquire) {
            return;
        }
        if self.shared.stop.compare_exchange(0, why as u8, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return;
        }
        self.shared.wake.send_replace(true);
        if let Err(e) = self.kill().await {
            tracing::warn!(error = %e, "could not stop the console statement on the server");
        }
    }

    async fn kill(&self) -> Result<(), sqlx::Error> {
        match &self.shared.kill {
            Kill::Flag => Ok(()),
            Kill::Postgres { opts, pid, started_us } => {
                let mut c = tokio::time::timeout(KILL_CONNECT, opts.connect())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)??;
                // Checked again right before the cancel so a finished statement is left alone.
                if !self.shared.finished.load(Ordering::Acquire) {
                    sqlx::query(
                        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
                         WHERE pid = $1 AND (extract(epoch FROM backend_start) * 1000000)::int8 = $2",
                    )
                    .bind(pid)
                    .bind(started_us)
                    .execute(&mut c)
                    .await?;
                }
                c.close().await
            }
            Kill::MySql { opts, id } => {
                let mut c = tokio::time::timeout(KILL_CONNECT, opts.connect())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)??;
                if !self.shared.finished.load(Ordering::Acquire) {
                    // An id from the server; KILL takes no placeholder in the text protocol.
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("KILL QUERY {id}"))).execute(&mut c).await?;
                }
                c.close().await
            }
        }
    }

    pub(crate) fn reason(&self) -> Stop {
        match self.shared.stop.load(Ordering::Acquire) {
            1 => Stop::Cancelled,
            2 => Stop::TimedOut,
            3 => Stop::Abandoned,
            _ => Stop::Running,
        }
    }

    /// The statement has ended: later cancels do nothing.
    pub(crate) fn finish(&self) {
        self.shared.finished.store(true, Ordering::Release);
    }

    /// For SQLite's progress handler (runs on the connection's thread, so it must be quick):
    /// false interrupts the statement, on cancel or once `deadline` has passed.
    pub(crate) fn keep_going(&self, deadline: Option<Instant>) -> bool {
        if self.shared.stop.load(Ordering::Relaxed) != 0 {
            return false;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            // Also wakes the pump, which then stops waiting for rows.
            if self.shared.stop.compare_exchange(0, Stop::TimedOut as u8, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                self.shared.wake.send_replace(true);
            }
            return false;
        }
        true
    }

    fn subscribe(&self) -> watch::Receiver<bool> {
        self.shared.wake.subscribe()
    }
}

/// How the stream ended.
pub(crate) enum End {
    /// Rows affected, summed over the statement's results.
    Done(u64),
    Failed(sqlx::Error),
    /// Stopped, and the server did not end the statement within the grace period: the
    /// connection is in an unknown state and must be dropped, not reused.
    Stuck,
}

/// The sending half a connection task pumps into.
pub(crate) struct Feed {
    pub tx: mpsc::Sender<Event>,
    pub ctl: Canceller,
    /// When the server has not enforced the time limit by then, stop the statement from here.
    pub watchdog: Option<Instant>,
}

/// Resolves once a stop was requested (the `Ref` of `wait_for` is not `Send`: drop it here).
async fn woken(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|w| *w).await;
}

async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}

impl Feed {
    /// Pumps `stream` into the channel until it ends or is stopped. `decode` turns a row into
    /// cells; `first_row` may report columns that differ from the prepared ones.
    pub(crate) async fn pump<S, Q, R>(
        &self,
        stream: S,
        mut decode: impl FnMut(&R) -> Vec<Cell>,
        affected: impl Fn(&Q) -> u64,
        first_row: impl FnOnce(&R) -> Option<Vec<Column>>,
    ) -> End
    where
        S: Stream<Item = Result<Either<Q, R>, sqlx::Error>>,
    {
        let mut stream = pin!(stream);
        let mut wake = self.ctl.subscribe();
        let mut first_row = Some(first_row);
        let mut total = 0u64;
        // Set once stopping: rows are then discarded until the stream ends or this passes.
        let mut drain_until: Option<Instant> = None;
        let mut next = None;
        loop {
            // sqlx reads sockets with `try_read`, which never uses up the task's cooperative
            // budget: without this a fast stream (especially while draining) would hold the
            // thread and starve the canceller and everything else on it.
            tokio::task::consume_budget().await;
            let item = match next.take() {
                Some(item) => item,
                None => tokio::select! {
                    biased;
                    _ = sleep_opt(drain_until) => return End::Stuck,
                    _ = self.tx.closed(), if drain_until.is_none() => {
                        drain_until = Some(self.stopping(Stop::Abandoned).await);
                        continue;
                    }
                    _ = woken(&mut wake), if drain_until.is_none() => {
                        drain_until = Some(Instant::now() + STOP_GRACE);
                        continue;
                    }
                    _ = sleep_opt(self.watchdog), if drain_until.is_none() => {
                        drain_until = Some(self.stopping(Stop::TimedOut).await);
                        continue;
                    }
                    item = stream.next() => item,
                },
            };
            match item {
                None => return End::Done(total),
                Some(Err(e)) => return End::Failed(e),
                Some(Ok(Either::Left(q))) => total = total.saturating_add(affected(&q)),
                Some(Ok(Either::Right(_))) if drain_until.is_some() => {}
                Some(Ok(Either::Right(row))) => {
                    if let Some(cols) = first_row.take().and_then(|f| f(&row)) {
                        self.tx.send(Event::Columns(cols)).await.ok();
                    }
                    let cells = decode(&row);
                    let mut weight: usize = cells.iter().map(Cell::weight).sum();
                    let mut batch = vec![cells];
                    // Take what is already there without waiting; a pending stream ends the batch.
                    while batch.len() < BATCH_ROWS && weight < BATCH_BYTES {
                        match stream.next().now_or_never() {
                            Some(Some(Ok(Either::Right(row)))) => {
                                let cells = decode(&row);
                                weight += cells.iter().map(Cell::weight).sum::<usize>();
                                batch.push(cells);
                            }
                            Some(other) => {
                                next = Some(other);
                                break;
                            }
                            None => break,
                        }
                    }
                    tokio::select! {
                        biased;
                        sent = self.tx.send(Event::Rows(batch)) => {
                            if sent.is_err() {
                                drain_until = Some(self.stopping(Stop::Abandoned).await);
                            }
                        }
                        _ = woken(&mut wake) => drain_until = Some(Instant::now() + STOP_GRACE),
                        _ = sleep_opt(self.watchdog) => drain_until = Some(self.stopping(Stop::TimedOut).await),
                    }
                }
            }
        }
    }

    async fn stopping(&self, why: Stop) -> Instant {
        self.ctl.stop(why).await;
        Instant::now() + STOP_GRACE
    }
}
