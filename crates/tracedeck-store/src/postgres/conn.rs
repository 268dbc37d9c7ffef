//! Guarded reader connections for PostgreSQL: a connection from the lane's pool (whose
//! sessions carry the lane's `statement_timeout`, so the server enforces the budget), and
//! every statement run through it carries the request's [`Tag`]. When the guard is dropped
//! before the request finished, a control connection cancels exactly the statements with
//! that tag (`pg_cancel_backend` on the backend whose active query starts with it): the
//! server stops working, and the pooled connection is usable again at once instead of
//! draining a result nobody reads.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Postgres};
use tokio::sync::Mutex;

use super::PgStore;
use crate::lane::{Armed, Lane, Tag, spawn_detached};
use crate::{Result, StoreError};

/// SQLSTATE query_canceled (statement timeout or cancel request).
const QUERY_CANCELED: &str = "57014";
const CONTROL_CONNECT: Duration = Duration::from_secs(10);

/// Cancels tagged statements from a connection of its own (opened on first use, kept).
#[derive(Debug)]
pub(crate) struct Control {
    opts: PgConnectOptions,
    conn: Mutex<Option<PgConnection>>,
}

impl Control {
    pub(crate) fn new(opts: PgConnectOptions) -> Control {
        Control { opts: opts.application_name("tracedeck-control"), conn: Mutex::new(None) }
    }

    /// Cancels the active statements whose text starts with `tag`; a statement that has not
    /// reached the server yet is looked for again shortly after. Returns how many stopped.
    pub(crate) async fn cancel(&self, tag: &Tag) -> u64 {
        let like = tag.like();
        let mut stopped = 0;
        for wait_ms in [0u64, 20, 100, 400] {
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            match self.cancel_once(&like).await {
                Ok(0) => {}
                Ok(n) => {
                    stopped += n;
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not cancel an abandoned PostgreSQL statement");
                    break;
                }
            }
        }
        stopped
    }

    async fn cancel_once(&self, like: &str) -> std::result::Result<u64, sqlx::Error> {
        let mut guard = self.conn.lock().await;
        if guard.is_none() {
            let c = tokio::time::timeout(CONTROL_CONNECT, self.opts.connect())
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)??;
            *guard = Some(c);
        }
        let conn = guard.as_mut().expect("connected above");
        let r: std::result::Result<Vec<bool>, sqlx::Error> = sqlx::query_scalar(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity \
             WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE $1",
        )
        .bind(like)
        .fetch_all(&mut *conn)
        .await;
        if r.is_err() {
            // A broken control connection is opened again next time.
            *guard = None;
        }
        Ok(r?.into_iter().filter(|&b| b).count() as u64)
    }
}

pub(crate) struct Conn {
    /// `None` only while dropping.
    conn: Option<PoolConnection<Postgres>>,
    tag: Tag,
    armed: Armed,
    lane: Lane,
}

impl PgStore {
    /// A reader of `lane`, guarded (see the module docs).
    pub(crate) async fn conn(&self, lane: Lane) -> Result<Conn> {
        let pool = match lane {
            Lane::Interactive => &self.reader,
            Lane::Heavy => &self.heavy,
        };
        let conn = pool.acquire().await.map_err(StoreError::query("get a read connection"))?;
        let tag = Tag::new();
        let (control, t) = (Arc::clone(&self.control), tag.clone());
        let armed = Armed::new(move || {
            spawn_detached(async move {
                control.cancel(&t).await;
            })
        });
        Ok(Conn { conn: Some(conn), tag, armed, lane })
    }
}

impl Conn {
    /// `sql` tagged with this request.
    pub(crate) fn sql(&self, sql: &str) -> String {
        self.tag.apply(sql)
    }

    /// The error for a failed statement of `action`: a budget overrun is told as such.
    pub(crate) fn error(&self, action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError + use<> {
        let budget = self.lane.budget();
        move |e| match &e {
            sqlx::Error::Database(d)
                if d.code().as_deref() == Some(QUERY_CANCELED) && d.message().contains("timeout") =>
            {
                StoreError::TimedOut { action, budget }
            }
            _ => StoreError::Query { action, source: e },
        }
    }

    /// The request finished: nothing to cancel.
    pub(crate) fn done(mut self) {
        self.armed.disarm();
    }
}

impl Deref for Conn {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.conn.as_ref().expect("a connection until dropped")
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("a connection until dropped")
    }
}

/// An abandoned request's connection leaves the pool at once (the next request gets a fresh
/// one instead of waiting until the cancelled statement's response is drained) and is
/// closed; the tagged statement is cancelled on the server all the same.
impl Drop for Conn {
    fn drop(&mut self) {
        if self.armed.is_armed()
            && let Some(c) = self.conn.take()
        {
            drop(c.detach());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use sqlx::{Connection, PgConnection};

    use super::super::tests::{TestSchema, pg_url};
    use crate::lane::Lane;

    async fn active_sleeps(marker: &str) -> i64 {
        let mut c = PgConnection::connect(&pg_url()).await.unwrap();
        sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%tracedeck-req%' AND query LIKE $1",
        )
        .bind(format!("%{marker}%"))
        .fetch_one(&mut c)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn an_abandoned_statement_is_cancelled_in_the_server() {
        let Some(schema) = TestSchema::new("pgcancel").await else { return };
        schema.open(false).await.close().await;
        let s = schema.open(true).await;
        let marker = format!("abandoned_{}", std::process::id());
        let (s2, m) = (s.clone(), marker.clone());
        let task = tokio::spawn(async move {
            let mut c = s2.conn(Lane::Heavy).await.unwrap();
            let sql = c.sql(&format!("SELECT pg_sleep(60), '{m}'"));
            let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).execute(&mut *c).await;
        });
        let t = Instant::now();
        while active_sleeps(&marker).await == 0 {
            assert!(t.elapsed() < Duration::from_secs(10), "the statement never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The request goes away (a closed tab, a newer filter): the future is dropped.
        task.abort();
        let _ = task.await;
        let t = Instant::now();
        while active_sleeps(&marker).await > 0 {
            assert!(t.elapsed() < Duration::from_secs(3), "the abandoned statement still runs in PostgreSQL");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // And the pooled connection serves the next request at once.
        let mut c = tokio::time::timeout(Duration::from_secs(3), s.conn(Lane::Heavy)).await.unwrap().unwrap();
        let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut *c).await.unwrap();
        assert_eq!(one, 1);
    }

    #[tokio::test]
    async fn lane_sessions_carry_their_budget() {
        let Some(schema) = TestSchema::new("pglanes").await else { return };
        schema.open(false).await.close().await;
        let s = schema.open(true).await;
        for (lane, want) in [(Lane::Interactive, "10s"), (Lane::Heavy, "2min")] {
            let mut c = s.conn(lane).await.unwrap();
            let v: String = sqlx::query_scalar("SHOW statement_timeout").fetch_one(&mut *c).await.unwrap();
            assert_eq!(v, want, "{lane:?}");
            let ro: String = sqlx::query_scalar("SHOW transaction_read_only").fetch_one(&mut *c).await.unwrap();
            assert_eq!(ro, "on", "a read-only store's lanes are read-only sessions");
            c.done();
        }
    }
}
