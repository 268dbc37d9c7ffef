//! Guarded reader connections for MySQL / MariaDB: a connection from the lane's pool (whose
//! sessions carry the lane's time limit: `max_statement_time` on MariaDB,
//! `max_execution_time` on MySQL), and every statement run through it carries the request's
//! [`Tag`]. When the guard is dropped before the request finished, a control connection finds
//! the statements with that tag in the process list and stops them with `KILL QUERY` (which
//! leaves the connection usable).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, ConnectOptions, MySql};
use tokio::sync::Mutex;

use super::MySqlStore;
use crate::lane::{Armed, Lane, Tag, spawn_detached};
use crate::{Result, StoreError};

/// ER_STATEMENT_TIMEOUT (MariaDB) and ER_QUERY_TIMEOUT (MySQL).
const TIMED_OUT: [&str; 2] = ["1969", "3024"];
const CONTROL_CONNECT: Duration = Duration::from_secs(10);

/// Stops tagged statements from a connection of its own (opened on first use, kept).
#[derive(Debug)]
pub(crate) struct Control {
    opts: MySqlConnectOptions,
    conn: Mutex<Option<MySqlConnection>>,
}

impl Control {
    pub(crate) fn new(opts: MySqlConnectOptions) -> Control {
        Control { opts, conn: Mutex::new(None) }
    }

    /// Stops the running statements whose text starts with `tag`; one not yet on the server
    /// is looked for again shortly after. Returns how many were stopped.
    pub(crate) async fn cancel(&self, tag: &Tag) -> u64 {
        let like = tag.like();
        for wait_ms in [0u64, 20, 100, 400] {
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            match self.cancel_once(&like).await {
                Ok(0) => {}
                Ok(n) => return n,
                Err(e) => {
                    tracing::warn!(error = %e, "could not stop an abandoned MySQL statement");
                    return 0;
                }
            }
        }
        0
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
        let r = async {
            let ids: Vec<u64> = sqlx::query_scalar(
                "SELECT CAST(ID AS UNSIGNED) FROM information_schema.PROCESSLIST \
                 WHERE COMMAND <> 'Sleep' AND ID <> CONNECTION_ID() AND INFO LIKE ?",
            )
            .bind(like)
            .fetch_all(&mut *conn)
            .await?;
            for id in &ids {
                // A thread id from the server; KILL takes no placeholder.
                match sqlx::raw_sql(AssertSqlSafe(format!("KILL QUERY {id}"))).execute(&mut *conn).await {
                    // The statement ended meanwhile (unknown thread): nothing to stop.
                    Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("1094") => {}
                    other => {
                        other?;
                    }
                }
            }
            Ok::<_, sqlx::Error>(ids.len() as u64)
        }
        .await;
        if r.is_err() {
            *guard = None;
        }
        r
    }
}

pub(crate) struct Conn {
    conn: PoolConnection<MySql>,
    tag: Tag,
    armed: Armed,
    lane: Lane,
}

impl MySqlStore {
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
        Ok(Conn { conn, tag, armed, lane })
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
            sqlx::Error::Database(d) if d.code().is_some_and(|c| TIMED_OUT.contains(&c.as_ref())) => {
                StoreError::TimedOut { action, budget }
            }
            _ => StoreError::Query { action, source: e },
        }
    }

    /// The request finished: nothing to stop.
    pub(crate) fn done(mut self) {
        self.armed.disarm();
    }
}

/// Limits every statement of a lane's session to the lane's budget, on either server.
pub(crate) async fn limit_session(conn: &mut MySqlConnection, lane: Lane) -> std::result::Result<(), sqlx::Error> {
    let secs = lane.budget().as_secs();
    let mariadb =
        sqlx::raw_sql(AssertSqlSafe(format!("SET SESSION max_statement_time = {secs}"))).execute(&mut *conn).await;
    if mariadb.is_err() {
        sqlx::raw_sql(AssertSqlSafe(format!("SET SESSION max_execution_time = {}", secs * 1000)))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Deref for Conn {
    type Target = MySqlConnection;
    fn deref(&self) -> &MySqlConnection {
        &self.conn
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut MySqlConnection {
        &mut self.conn
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::super::tests::TestDb;
    use crate::lane::Lane;

    async fn running(db: &TestDb, marker: &str) -> usize {
        db.strings(&format!(
            "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST \
             WHERE COMMAND <> 'Sleep' AND INFO LIKE '%tracedeck-req%' AND INFO LIKE '%{marker}%' \
             AND INFO NOT LIKE '%PROCESSLIST%'"
        ))
        .await
        .len()
    }

    #[tokio::test]
    async fn an_abandoned_statement_is_killed_in_the_server() {
        let Some(db) = TestDb::new("kill").await else { return };
        db.open().await.close().await;
        let s = db.open_ro().await;
        let marker = format!("abandoned_{}", std::process::id());
        let (s2, m) = (s.clone(), marker.clone());
        let task = tokio::spawn(async move {
            let mut c = s2.conn(Lane::Heavy).await.unwrap();
            let sql = c.sql(&format!("SELECT SLEEP(60), '{m}'"));
            let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false).fetch_all(&mut *c).await;
        });
        let t = Instant::now();
        while running(&db, &marker).await == 0 {
            assert!(t.elapsed() < Duration::from_secs(10), "the statement never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        task.abort();
        let _ = task.await;
        let t = Instant::now();
        while running(&db, &marker).await > 0 {
            assert!(t.elapsed() < Duration::from_secs(3), "the abandoned statement still runs in MySQL");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut c = tokio::time::timeout(Duration::from_secs(3), s.conn(Lane::Heavy)).await.unwrap().unwrap();
        let one: i64 = sqlx::query_scalar("SELECT 1").fetch_one(&mut *c).await.unwrap();
        assert_eq!(one, 1);
    }

    #[tokio::test]
    async fn lane_sessions_carry_their_budget() {
        let Some(db) = TestDb::new("lanes").await else { return };
        db.open().await.close().await;
        let s = db.open_ro().await;
        for (lane, want) in [(Lane::Interactive, 10.0), (Lane::Heavy, 120.0)] {
            let mut c = s.conn(lane).await.unwrap();
            let v: f64 = sqlx::query_scalar("SELECT CAST(@@session.max_statement_time AS DOUBLE)")
                .fetch_one(&mut *c)
                .await
                .unwrap();
            assert_eq!(v, want, "{lane:?}");
            c.done();
        }
    }
}
