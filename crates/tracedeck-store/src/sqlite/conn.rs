//! Guarded reader connections for SQLite: a connection from the lane's pool whose progress
//! handler interrupts the running statement inside SQLite when the lane's budget is spent or
//! when the guard is dropped before the request finished (its future went away). The handler
//! is installed at each acquisition (one hop to the connection's worker thread) and watches a
//! shared [`Stop`], so ending the guard never needs another hop.

use std::ops::{Deref, DerefMut};

use sqlx::Sqlite;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteConnection;

use super::SqliteStore;
use crate::lane::{Lane, Stop};
use crate::{Result, StoreError};

/// SQLite virtual-machine steps between two looks at the stop state (microseconds of work).
const PROGRESS_OPS: i32 = 2000;

/// SQLITE_INTERRUPT: a statement stopped by the progress handler.
const INTERRUPTED: &str = "9";

pub(crate) struct Conn {
    conn: PoolConnection<Sqlite>,
    stop: Stop,
    lane: Lane,
}

impl SqliteStore {
    /// A reader of `lane`, guarded (see the module docs).
    pub(crate) async fn conn(&self, lane: Lane) -> Result<Conn> {
        let pool = match lane {
            Lane::Interactive => &self.reader,
            Lane::Heavy => &self.heavy,
        };
        let mut conn = pool.acquire().await.map_err(StoreError::query("get a read connection"))?;
        let stop = Stop::new(lane.budget());
        let s = stop.clone();
        conn.lock_handle()
            .await
            .map_err(StoreError::query("get a read connection"))?
            .set_progress_handler(PROGRESS_OPS, move || s.keep_going());
        Ok(Conn { conn, stop, lane })
    }
}

impl Conn {
    /// The error for a failed statement of `action`: a budget overrun is told as such.
    pub(crate) fn error(&self, action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError + use<> {
        let budget = self.lane.budget();
        move |e| match &e {
            sqlx::Error::Database(d) if d.code().as_deref() == Some(INTERRUPTED) => {
                StoreError::TimedOut { action, budget }
            }
            _ => StoreError::Query { action, source: e },
        }
    }

    /// The request finished: nothing to stop.
    pub(crate) fn done(self) {
        self.stop.finish();
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // No-op after `done`; otherwise the request was abandoned mid-statement.
        self.stop.abandon();
    }
}

impl Deref for Conn {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}
