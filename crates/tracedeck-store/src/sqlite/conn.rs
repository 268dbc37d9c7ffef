//! Guarded reader connections for SQLite: a connection from the lane's pool whose progress
//! handler interrupts the running statement inside SQLite when the lane's budget is spent or
//! when the guard is dropped before the request finished (its future went away). The handler
//! is installed at each acquisition (one hop to the connection's worker thread) and watches a
//! shared [`Stop`], so ending the guard never needs another hop.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Sqlite;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteConnection;

use super::SqliteStore;
use crate::lane::{Lane, Stop};
use crate::{Result, StoreError};

/// SQLite virtual-machine steps between two looks at the stop state (microseconds of work).
const PROGRESS_OPS: i32 = 2000;

/// How long a heavy statement pauses, per look, while interactive ones run.
const YIELD: std::time::Duration = std::time::Duration::from_micros(300);

/// SQLITE_INTERRUPT: a statement stopped by the progress handler.
const INTERRUPTED: &str = "9";

pub(crate) struct Conn {
    conn: PoolConnection<Sqlite>,
    stop: Stop,
    budget: std::time::Duration,
    /// The store's count of interactive connections in use (interactive lane only).
    interactive: Option<Arc<AtomicUsize>>,
}

impl SqliteStore {
    /// A reader of `lane`, guarded (see the module docs).
    pub(crate) async fn conn(&self, lane: Lane) -> Result<Conn> {
        self.conn_with_budget(lane, lane.budget()).await
    }

    pub(crate) async fn conn_with_budget(&self, lane: Lane, budget: std::time::Duration) -> Result<Conn> {
        let pool = match lane {
            Lane::Interactive => &self.reader,
            Lane::Heavy => &self.heavy,
        };
        let mut conn = pool.acquire().await.map_err(StoreError::query("get a read connection"))?;
        let stop = Stop::new(budget);
        let s = stop.clone();
        let busy = Arc::clone(&self.interactive_busy);
        let mut handle = conn.lock_handle().await.map_err(StoreError::query("get a read connection"))?;
        match lane {
            Lane::Interactive => handle.set_progress_handler(PROGRESS_OPS, move || s.keep_going()),
            // SQLite runs inside this process: a heavy statement steps aside (a short sleep
            // every few thousand steps) while interactive statements run, so on a machine
            // with few cores the run list keeps its speed while a scan goes on.
            Lane::Heavy => handle.set_progress_handler(PROGRESS_OPS, move || {
                if busy.load(Ordering::Relaxed) > 0 {
                    std::thread::sleep(YIELD);
                }
                s.keep_going()
            }),
        }
        drop(handle);
        let interactive = (lane == Lane::Interactive).then(|| {
            self.interactive_busy.fetch_add(1, Ordering::Relaxed);
            Arc::clone(&self.interactive_busy)
        });
        Ok(Conn { conn, stop, budget, interactive })
    }
}

impl Conn {
    /// The error for a failed statement of `action`: a budget overrun is told as such.
    pub(crate) fn error(&self, action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError + use<> {
        let budget = self.budget;
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
        if let Some(n) = &self.interactive {
            n.fetch_sub(1, Ordering::Relaxed);
        }
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::lane::Lane;
    use crate::{OpenOptions, Store, StoreConfig, StoreError};

    /// Never ends on its own: counts forever inside one `sqlite3_step`.
    const ENDLESS: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

    async fn store(dir: &tempfile::TempDir) -> super::SqliteStore {
        let cfg = StoreConfig::sqlite(dir.path().join("t.db"));
        match Store::open(&cfg, OpenOptions::default()).await.unwrap() {
            Store::Sqlite(s) => s,
            _ => unreachable!(),
        }
    }

    #[tokio::test]
    async fn an_abandoned_statement_is_interrupted_inside_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir).await;
        let s2 = s.clone();
        let task = tokio::spawn(async move {
            let mut c = s2.conn(Lane::Heavy).await.unwrap();
            let _ = sqlx::query_scalar::<_, i64>(ENDLESS).fetch_one(&mut *c).await;
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        task.abort();
        let _ = task.await;
        // The heavy connection answers at once: the endless statement no longer holds it.
        let t = Instant::now();
        let mut a = s.conn(Lane::Heavy).await.unwrap();
        for c in [&mut a] {
            let one: i64 =
                tokio::time::timeout(Duration::from_secs(5), sqlx::query_scalar("SELECT 1").fetch_one(&mut **c))
                    .await
                    .expect("the abandoned statement was stopped")
                    .unwrap();
            assert_eq!(one, 1);
        }
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[tokio::test]
    async fn the_budget_stops_a_statement_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir).await;
        let mut c = s.conn_with_budget(Lane::Interactive, Duration::from_millis(200)).await.unwrap();
        let t = Instant::now();
        let e = sqlx::query_scalar::<_, i64>(ENDLESS).fetch_one(&mut *c).await.map_err(c.error("count forever"));
        assert!(matches!(e, Err(StoreError::TimedOut { action: "count forever", .. })), "{e:?}");
        assert!(t.elapsed() < Duration::from_secs(2));
        assert!(e.unwrap_err().to_string().contains("budget"));
        // The interactive and heavy lanes are separate pools: a busy heavy lane leaves the
        // interactive one free.
        let _h = s.conn(Lane::Heavy).await.unwrap();
        let mut i = tokio::time::timeout(Duration::from_secs(1), s.conn(Lane::Interactive)).await.unwrap().unwrap();
        let one: i64 = sqlx::query_scalar("SELECT 1").fetch_one(&mut *i).await.unwrap();
        assert_eq!(one, 1);
    }
}
