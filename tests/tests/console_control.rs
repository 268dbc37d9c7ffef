//! Console control on real servers: the time limit and cancel stop the statement on the
//! server (checked from an admin connection, not just by the client giving up), pages of a
//! row cap with "load more", and closing or dropping a running query releasing the server.

mod console_support;

use std::time::{Duration, Instant};

use console_support::{Seeded, mysql_admin, opts, pg_admin};
use serde_json::json;
use tracedeck_store::{Backend, ConsoleError, Query};

/// A statement that runs for about `secs` seconds; `tag` makes it findable on the server.
fn slow_sql(backend: Backend, tag: u32) -> String {
    match backend {
        Backend::Postgres => format!("SELECT pg_sleep(30.{tag:03})"),
        Backend::MySql => format!("SELECT SLEEP(30.{tag:03})"),
        Backend::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c".into()
        }
    }
}

/// How many sessions still run the tagged statement, seen from an admin connection.
async fn running(backend: Backend, tag: u32) -> i64 {
    let pattern = format!("%30.{tag:03})%");
    match backend {
        Backend::Postgres => sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()",
        )
        .bind(pattern)
        .fetch_one(&mut pg_admin().await)
        .await
        .unwrap(),
        Backend::MySql => sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()",
        )
        .bind(pattern)
        .fetch_one(&mut mysql_admin().await)
        .await
        .unwrap(),
        Backend::Sqlite => 0,
    }
}

/// Waits (up to 5 s) until the server no longer runs the statement.
async fn assert_stopped_on_server(backend: Backend, tag: u32) {
    let t = Instant::now();
    while running(backend, tag).await > 0 {
        assert!(t.elapsed() < Duration::from_secs(5), "{backend}: the statement still runs on the server");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_until_running(backend: Backend, tag: u32) {
    let t = Instant::now();
    while backend != Backend::Sqlite && running(backend, tag).await == 0 {
        assert!(t.elapsed() < Duration::from_secs(5), "{backend}: the statement never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const BACKENDS: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

#[tokio::test]
async fn time_limit_stops_the_statement_on_the_server() {
    for (i, backend) in BACKENDS.into_iter().enumerate() {
        let Some(s) = Seeded::new(backend).await else { continue };
        let tag = 100 + i as u32;
        let t = Instant::now();
        let mut q = s.ro.console_query(&slow_sql(backend, tag), opts(Duration::from_millis(500))).await.unwrap();
        let e = q.next_page(10).await.unwrap_err();
        assert!(matches!(e, ConsoleError::Timeout(d) if d == Duration::from_millis(500)), "{backend}: {e}");
        assert!(t.elapsed() < Duration::from_secs(3), "{backend}: {:?}", t.elapsed());
        assert!(e.to_string().contains("0.500 s limit"), "{e}");
        assert_stopped_on_server(backend, tag).await;
        q.close().await;
        s.cleanup().await;
    }
}

#[tokio::test]
async fn cancel_stops_the_statement_on_the_server() {
    for (i, backend) in BACKENDS.into_iter().enumerate() {
        let Some(s) = Seeded::new(backend).await else { continue };
        let tag = 200 + i as u32;
        let mut q = s.ro.console_query(&slow_sql(backend, tag), opts(Duration::from_secs(60))).await.unwrap();
        wait_until_running(backend, tag).await;
        let c = q.canceller();
        let t = Instant::now();
        let canceller = tokio::spawn(async move { c.cancel().await });
        let e = q.next_page(10).await.unwrap_err();
        assert!(matches!(e, ConsoleError::Cancelled), "{backend}: {e}");
        assert!(t.elapsed() < Duration::from_secs(3), "{backend}: {:?}", t.elapsed());
        canceller.await.unwrap();
        assert_stopped_on_server(backend, tag).await;
        // Cancelling a finished query does nothing.
        q.canceller().cancel().await;
        q.close().await;
        s.cleanup().await;
    }
}

/// A huge result nobody reads: cancel still ends it (the server may be blocked writing).
#[tokio::test]
async fn cancel_an_unread_stream() {
    for backend in BACKENDS {
        let Some(s) = Seeded::new(backend).await else { continue };
        let sql = match backend {
            Backend::Postgres => "SELECT generate_series(1, 100000000) AS g",
            Backend::MySql => "SELECT seq FROM seq_1_to_100000000",
            Backend::Sqlite => {
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000000) SELECT x FROM c"
            }
        };
        let mut q = s.ro.console_query(sql, opts(Duration::from_secs(60))).await.unwrap();
        let p = q.next_page(10).await.unwrap();
        assert_eq!(p.rows.len(), 10);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let t = Instant::now();
        q.canceller().cancel().await;
        let mut result = Ok(());
        while result.is_ok() {
            result = q.next_page(10_000).await.map(|p| assert!(!p.done, "{backend}: ran to the end"));
        }
        assert!(matches!(result, Err(ConsoleError::Cancelled)), "{backend}: {result:?}");
        assert!(t.elapsed() < Duration::from_secs(6), "{backend}: {:?}", t.elapsed());
        q.close().await;
        s.cleanup().await;
    }
}

#[tokio::test]
async fn row_cap_and_load_more() {
    for backend in BACKENDS {
        let Some(s) = Seeded::new(backend).await else { continue };
        let sql = match backend {
            Backend::Postgres => "SELECT g, 'row ' || g AS label FROM generate_series(1, 1234) g",
            Backend::MySql => "SELECT seq AS g, CONCAT('row ', seq) AS label FROM seq_1_to_1234",
            Backend::Sqlite => {
                "WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM c WHERE g < 1234) SELECT g, 'row ' || g AS label FROM c"
            }
        };
        let mut q: Query = s.ro.console_query(sql, opts(Duration::from_secs(30))).await.unwrap();
        assert_eq!(q.columns().len(), 2);
        let mut seen = 0u64;
        for (len, done) in [(500, false), (500, false), (234, true)] {
            let p = q.next_page(500).await.unwrap();
            assert_eq!((p.rows.len(), p.done), (len, done), "{backend}");
            assert_eq!(p.rows[0], vec![json!(seen + 1), json!(format!("row {}", seen + 1))], "{backend}");
            seen += len as u64;
            assert_eq!(p.row_count, seen);
            assert!(p.query_id.is_none() && p.rows_affected.is_none());
        }
        let p = q.next_page(500).await.unwrap();
        assert!(p.done && p.rows.is_empty() && p.row_count == 1234);
        q.close().await;
        s.cleanup().await;
    }
}

#[tokio::test]
async fn close_and_drop_release_the_server() {
    for (i, backend) in BACKENDS.into_iter().enumerate() {
        let Some(s) = Seeded::new(backend).await else { continue };
        let tag = 300 + i as u32;
        let q = s.ro.console_query(&slow_sql(backend, tag), opts(Duration::from_secs(60))).await.unwrap();
        wait_until_running(backend, tag).await;
        let t = Instant::now();
        q.close().await;
        assert!(t.elapsed() < Duration::from_secs(3), "{backend}: close took {:?}", t.elapsed());
        assert_stopped_on_server(backend, tag).await;

        let tag = 400 + i as u32;
        let q = s.ro.console_query(&slow_sql(backend, tag), opts(Duration::from_secs(60))).await.unwrap();
        wait_until_running(backend, tag).await;
        drop(q);
        assert_stopped_on_server(backend, tag).await;
        s.cleanup().await;
    }
}

/// The limit covers the statement until its last row is read: a result left unread past it
/// ends with a timeout (the server holds a snapshot and locks meanwhile).
#[tokio::test]
async fn the_limit_includes_time_spent_unread() {
    for backend in BACKENDS {
        let Some(s) = Seeded::new(backend).await else { continue };
        let sql = match backend {
            Backend::Postgres => "SELECT generate_series(1, 10000000) AS g",
            Backend::MySql => "SELECT seq FROM seq_1_to_10000000",
            Backend::Sqlite => {
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10000000) SELECT x FROM c"
            }
        };
        let mut q = s.ro.console_query(sql, opts(Duration::from_millis(800))).await.unwrap();
        assert_eq!(q.next_page(10).await.unwrap().rows.len(), 10);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let mut result = Ok(());
        let t = Instant::now();
        while result.is_ok() {
            result = q.next_page(100_000).await.map(|p| assert!(!p.done, "{backend}: ran to the end"));
        }
        assert!(matches!(result, Err(ConsoleError::Timeout(_))), "{backend}: {result:?}");
        assert!(t.elapsed() < Duration::from_secs(6), "{backend}: {:?}", t.elapsed());
        s.cleanup().await;
    }
}
