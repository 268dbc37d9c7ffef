//! The engine on SQLite temp files: pages, typed cells by storage class, one statement per
//! request, time limit and cancel through the progress handler, what `mode=ro` +
//! `query_only` refuse with the screen off, and the export formats.

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::{Connection, Executor, SqliteConnection};

use super::super::{ConsoleError, ConsoleOptions, ExportFormat, export};
use crate::{OpenOptions, Store, StoreConfig};

/// A Tracedeck-created SQLite store with two traces, opened writable and read-only.
async fn stores() -> (tempfile::TempDir, Store, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let rw = Store::open(&StoreConfig::sqlite(&path), OpenOptions::default()).await.unwrap();
    let mut c = SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    c.execute(
        "INSERT INTO agno_traces VALUES \
           ('t1', 'run', 'OK', '2026-01-01T00:00:00.000000+00:00', '2026-01-01T00:00:01.000000+00:00', 1000, \
            NULL, NULL, 'u1', 'a1', NULL, NULL, '2026-01-01T00:00:01.000000+00:00'), \
           ('t2', 'run', 'ERROR', '2026-01-02T00:00:00.000000+00:00', '2026-01-02T00:00:01.000000+00:00', 1000, \
            NULL, NULL, 'u2', 'a1', NULL, NULL, '2026-01-02T00:00:01.000000+00:00')",
    )
    .await
    .unwrap();
    c.close().await.unwrap();
    let ro = Store::open(&StoreConfig::sqlite(&path).with_read_only(true), OpenOptions::default()).await.unwrap();
    (dir, rw, ro)
}

fn opts(timeout_ms: u64) -> ConsoleOptions {
    ConsoleOptions { timeout: Duration::from_millis(timeout_ms), read_only: true }
}

#[tokio::test]
async fn pages_typed_cells_and_duplicate_names() {
    let (_dir, _rw, ro) = stores().await;
    let sql = "SELECT 9007199254740993 AS n, 1.5 AS n, 'x' AS t, x'00ff' AS b, NULL AS z, \
               CASE WHEN value % 2 = 0 THEN 1 ELSE 'odd' END AS mixed \
               FROM generate_series(1, 5)";
    // generate_series is not built into every SQLite: use a recursive CTE instead.
    let sql = sql.replace(
        "FROM generate_series(1, 5)",
        "FROM (WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 5) SELECT value FROM s)",
    );
    let mut q = ro.console_query(&sql, opts(5000)).await.unwrap();
    let names: Vec<_> = q.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["n", "n", "t", "b", "z", "mixed"]);
    let p1 = q.next_page(2).await.unwrap();
    assert_eq!(p1.rows.len(), 2);
    assert!(!p1.done);
    assert_eq!(p1.row_count, 2);
    assert_eq!(
        p1.rows[0],
        vec![
            json!({"$int": "9007199254740993"}),
            json!(1.5),
            json!("x"),
            json!({"$bytes": "00ff", "len": 2}),
            json!(null),
            json!("odd")
        ]
    );
    assert_eq!(p1.rows[1][5], json!(1), "storage class per cell, not per column");
    let p2 = q.next_page(10).await.unwrap();
    assert_eq!(p2.rows.len(), 3);
    assert!(p2.done);
    assert_eq!(p2.row_count, 5);
    assert!(p2.elapsed_ms >= p1.elapsed_ms);
    q.close().await;

    // An exactly full last page says done when the end is already known, else the next
    // (empty) page does.
    let mut q = ro.console_query("SELECT trace_id FROM agno_traces ORDER BY 1", opts(5000)).await.unwrap();
    let p = q.next_page(2).await.unwrap();
    assert_eq!(p.rows, vec![vec![json!("t1")], vec![json!("t2")]]);
    let last = q.next_page(2).await.unwrap();
    assert!(last.rows.is_empty() && last.done && last.row_count == 2);
}

#[tokio::test]
async fn errors_and_one_statement() {
    let (_dir, rw, ro) = stores().await;
    let e = ro.console_query("SELECT * FROMM agno_traces", opts(5000)).await.err().unwrap();
    let ConsoleError::Sql(e) = e else { panic!("{e}") };
    assert_eq!(e.position, Some(10), "{e:?}");
    assert!(e.message.contains("syntax error"));

    let e = ro.console_query("DELETE FROM agno_traces", opts(5000)).await.err().unwrap();
    assert!(matches!(e, ConsoleError::ReadOnly(_)), "{e}");
    // A writable store on a console asked for read-only is read-only too.
    let e = rw.console_query("DELETE FROM agno_traces", opts(5000)).await.err().unwrap();
    assert!(matches!(e, ConsoleError::ReadOnly(_)), "{e}");
    // Writable console: the write runs and reports rows affected; two statements never run.
    let w = ConsoleOptions { read_only: false, ..opts(5000) };
    let e = rw.console_query("SELECT 1; DELETE FROM agno_traces", w).await.err().unwrap();
    assert!(matches!(e, ConsoleError::Sql(_)), "{e}");
    let mut q = rw.console_query("UPDATE agno_traces SET name = 'renamed' WHERE trace_id = 't2'", w).await.unwrap();
    let p = q.next_page(10).await.unwrap();
    assert!(p.done && p.columns.is_empty());
    assert_eq!(p.rows_affected, Some(1));
    // The read-only store stays read-only whatever the options say.
    let e = ro.console_query("UPDATE agno_traces SET name = 'x'", w).await.err().unwrap();
    assert!(matches!(e, ConsoleError::ReadOnly(_)), "{e}");
}

const ENDLESS: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

#[tokio::test]
async fn time_limit_and_cancel_interrupt_inside_sqlite() {
    let (_dir, _rw, ro) = stores().await;
    let t = Instant::now();
    let mut q = ro.console_query(ENDLESS, opts(300)).await.unwrap();
    let e = q.next_page(10).await.err().unwrap();
    assert!(matches!(e, ConsoleError::Timeout(d) if d == Duration::from_millis(300)), "{e}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());

    let mut q = ro.console_query(ENDLESS, opts(60_000)).await.unwrap();
    let c = q.canceller();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        c.cancel().await;
    });
    let t = Instant::now();
    let e = q.next_page(10).await.err().unwrap();
    assert!(matches!(e, ConsoleError::Cancelled), "{e}");
    assert!(t.elapsed() < Duration::from_secs(2));
    // Closing a running query stops it too.
    let q = ro.console_query(ENDLESS, opts(60_000)).await.unwrap();
    let t = Instant::now();
    q.close().await;
    assert!(t.elapsed() < Duration::from_secs(2));
}

/// With the screen off: what `mode=ro` + `query_only` refuse by themselves.
#[tokio::test]
async fn database_layer_refuses_writes_without_the_screen() {
    let (dir, _rw, ro) = stores().await;
    let path = dir.path().join("t.db");
    let before = std::fs::read(&path).unwrap();
    let copy = dir.path().join("copy.db");
    let attached = dir.path().join("new.db");
    let statements = [
        "INSERT INTO agno_traces (trace_id) VALUES ('x')".to_owned(),
        "DELETE FROM agno_traces".into(),
        "CREATE TABLE x (a)".into(),
        "CREATE TEMP TABLE x (a)".into(),
        "DROP TABLE agno_spans".into(),
        "PRAGMA user_version = 7".into(),
        "PRAGMA journal_mode = DELETE".into(),
        "VACUUM".into(),
        "REINDEX".into(),
        "ANALYZE".into(),
        format!("VACUUM INTO '{}'", copy.display()),
        format!("ATTACH '{}' AS x", attached.display()),
        format!("ATTACH 'file:{}?mode=rwc' AS x", attached.display()),
        // sqlx runs both statements when the screen is off: the second is refused.
        "ATTACH ':memory:' AS m; CREATE TABLE m.t (a)".into(),
        "PRAGMA query_only = 0; DELETE FROM agno_traces".into(),
        "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = '' WHERE name = 'agno_spans'".into(),
        "SELECT load_extension('/nonexistent/ext')".into(),
    ];
    for sql in &statements {
        let r = match ro.console_start(sql, opts(5000), false).await {
            Ok(mut q) => q.next_page(10).await.map(|_| ()),
            Err(e) => Err(e),
        };
        assert!(r.is_err(), "the database accepted {sql}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "file bytes changed");
    assert!(!attached.exists());
    // VACUUM INTO leaves an empty file behind before query_only refuses it: the screen
    // refuses VACUUM so the console never gets that far.
    assert_eq!(std::fs::metadata(&copy).map(|m| m.len()).unwrap_or(0), 0);
}

#[tokio::test]
async fn export_formats() {
    let (_dir, _rw, ro) = stores().await;
    let sql = "SELECT trace_id, NULL AS n, '' AS e, 'a,\"b\"' AS q, x'0102' AS b, 12345678901234567 AS big \
               FROM agno_traces ORDER BY 1";
    let mut csv = Vec::new();
    let n = export(ro.console_query(sql, opts(5000)).await.unwrap(), ExportFormat::Csv, &mut csv).await.unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "trace_id,n,e,q,b,big\r\nt1,,\"\",\"a,\"\"b\"\"\",\\x0102,12345678901234567\r\nt2,,\"\",\"a,\"\"b\"\"\",\\x0102,12345678901234567\r\n"
    );
    let mut js = Vec::new();
    export(ro.console_query(sql, opts(5000)).await.unwrap(), ExportFormat::Json, &mut js).await.unwrap();
    let text = String::from_utf8(js).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["columns"][5]["name"], "big");
    assert_eq!(
        lines[1],
        json!(["t1", null, "", "a,\"b\"", {"$bytes": "0102", "len": 2}, {"$int": "12345678901234567"}])
    );
    // An empty result still has its header.
    let mut csv = Vec::new();
    let q = ro.console_query("SELECT trace_id FROM agno_traces WHERE 0", opts(5000)).await.unwrap();
    assert_eq!(export(q, ExportFormat::Csv, &mut csv).await.unwrap(), 0);
    assert_eq!(csv, b"trace_id\r\n");
}

#[tokio::test]
async fn schema_lists_agno_tables_first() {
    let (_dir, rw, _ro) = stores().await;
    let mut c = SqliteConnection::connect(&format!("sqlite://{}", rw.config().sqlite_path.as_ref().unwrap().display()))
        .await
        .unwrap();
    c.execute("CREATE TABLE aaa (x INTEGER)").await.unwrap();
    let tables = rw.console_schema().await.unwrap();
    let names: Vec<_> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(&names[..3], ["agno_traces", "agno_spans", "agno_schema_versions"]);
    assert!(names.contains(&"aaa"));
    let spans = &tables[1];
    assert!(spans.columns.iter().any(|c| c.name == "attributes" && c.db_type == "JSON"));
    assert_eq!(rw.dialect(), tracedeck_model::console::Dialect::Sqlite);
}
