//! The run list's plans on databases in Agno's exact schema (made by the real `agno` package,
//! filled by `tracedeck-scale`, never analyzed), read through each database's own EXPLAIN:
//! the shape is chosen by selectivity (a common value walks the start_time index, a rare one
//! drives from its own index), no page statement scans the spans table (spans are reached
//! per trace through `idx_agno_spans_trace_id`), and filter suggestions never touch spans at
//! all (PostgreSQL's own access counters for the table stay still).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use tracedeck_model::{PageRequest, TraceFilter, TraceStatus};
use tracedeck_store::{Backend, Col, OpenOptions, Store};
use tracedeck_tests::backends::TestDb;

/// Builds a small Agno-schema database at `db` with the scale generator; its meta file.
fn build(db: &TestDb, py: &Path, dir: &Path) -> Value {
    let meta = dir.join("meta.json");
    let url = match db.cfg.backend {
        Backend::Sqlite => format!("sqlite://{}", db.cfg.sqlite_path.as_ref().unwrap().display()),
        _ => format!("{}?schema={}", db.cfg.redacted(), db.name),
    };
    let out = Command::new(env!("CARGO_BIN_EXE_tracedeck-scale"))
        .args(["build", "--url", &url, "--traces", "3000", "--big-spans", "0", "--meta"])
        .arg(&meta)
        .arg("--python")
        .arg(py)
        .output()
        .expect("run tracedeck-scale");
    assert!(out.status.success(), "tracedeck-scale: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&std::fs::read_to_string(meta).unwrap()).unwrap()
}

struct Case {
    name: &'static str,
    filter: TraceFilter,
    shape: &'static str,
}

fn cases(meta: &Value) -> Vec<Case> {
    let s = |k: &str| Some(meta["samples"][k].as_str().unwrap().to_owned());
    let f = TraceFilter::default;
    vec![
        Case { name: "first page", filter: f(), shape: "walk" },
        // 5 agents over 3,000 traces: common, the walk finds a page within ~300 rows.
        Case { name: "common agent", filter: TraceFilter { agent_id: s("agent_id"), ..f() }, shape: "walk" },
        // 500 sessions: a handful of rows each, read through their index and sorted.
        Case { name: "rare session", filter: TraceFilter { session_id: s("session_id"), ..f() }, shape: "session_id" },
        Case {
            name: "session + errors",
            filter: TraceFilter { session_id: s("session_id"), status: Some(TraceStatus::Error), ..f() },
            shape: "session_id",
        },
        Case {
            name: "agent + user",
            filter: TraceFilter { agent_id: s("agent_id"), user_id: s("user_id"), ..f() },
            shape: "user_id",
        },
        Case { name: "errors", filter: TraceFilter { status: Some(TraceStatus::Error), ..f() }, shape: "walk" },
    ]
}

/// The plan text names `index` for the traces table and never scans the spans table.
fn check_plan(backend: Backend, case: &str, plan: &[String], index: &str) {
    let text = plan.join("\n");
    match backend {
        Backend::Sqlite => {
            assert!(text.contains(&format!("INDEX {index}")), "{case}: {index} not used\n{text}");
            for l in plan {
                let l = l.trim();
                assert!(
                    !(l.starts_with("SCAN s") || l.starts_with("SCAN r") || l.starts_with("SCAN e")),
                    "{case}: span scan\n{text}"
                );
                assert!(!l.starts_with("SCAN agno_spans"), "{case}: span scan\n{text}");
            }
        }
        Backend::Postgres => {
            assert!(text.contains(index), "{case}: {index} not used\n{text}");
            assert!(!text.contains("Seq Scan"), "{case}: a sequential scan\n{text}");
        }
        Backend::MySql => {
            assert!(plan.iter().any(|l| l.starts_with("t ") && l.contains(index)), "{case}: {index} not used\n{text}");
            for l in plan {
                let mut w = l.split(' ');
                let (table, kind) = (w.next().unwrap_or(""), w.next().unwrap_or(""));
                assert!(!(matches!(table, "s" | "r" | "e") && kind == "ALL"), "{case}: span scan\n{text}");
            }
        }
    }
}

async fn plans(backend: Backend) {
    let Some(py) = tracedeck_tests::agno::python() else { return };
    let Some(db) = TestDb::new(backend).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let meta = build(&db, &py, dir.path());
    let store = Store::open(&db.read_only(), OpenOptions { create: false }).await.expect("open read-only");
    assert_eq!(store.info().origin, tracedeck_store::Origin::Foreign, "Agno made the tables");
    for case in cases(&meta) {
        let page = PageRequest { limit: 50, cursor: None };
        let plan = store.explain_page(&case.filter, &page).await.unwrap();
        let (want, index) = match case.shape {
            "walk" => ("walk", "idx_agno_traces_start_time".to_owned()),
            col => ("drive", format!("idx_agno_traces_{col}")),
        };
        assert!(plan.shape.starts_with(want), "{backend} {}: {} (want {want})", case.name, plan.shape);
        check_plan(backend, case.name, &plan.plan, &index);
        // And the page itself answers.
        let rows = store.list_traces(&case.filter, &page).await.unwrap();
        assert!(!rows.traces.is_empty() || case.name.contains("errors"), "{backend} {}", case.name);
    }
    store.close().await;
    if backend == Backend::Postgres {
        suggestions_touch_no_spans(&db).await;
    }
    db.cleanup().await;
}

/// PostgreSQL counts every scan of a table: suggestions must leave the spans' counters as
/// they were (no sequential scan, no index scan: spans are not read at all).
async fn suggestions_touch_no_spans(db: &TestDb) {
    use sqlx::Connection;
    let schema = db.cfg.schema.clone().unwrap();
    let counters = || async {
        // Stats reach the shared counters when a backend goes idle; the store's connections
        // are closed before each reading.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let mut c = sqlx::PgConnection::connect(&tracedeck_tests::backends::pg_url()).await.unwrap();
        let r: (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(seq_scan, 0), COALESCE(idx_scan, 0) FROM pg_stat_user_tables \
             WHERE schemaname = $1 AND relname = 'agno_spans'",
        )
        .bind(&schema)
        .fetch_one(&mut c)
        .await
        .unwrap();
        r
    };
    let before = counters().await;
    let store = Store::open(&db.read_only(), OpenOptions { create: false }).await.unwrap();
    for col in [Col::User, Col::Session, Col::Agent, Col::Team] {
        for prefix in ["", "user-0", "sess-1", "agent", "team"] {
            store.suggest(col, prefix).await.unwrap();
        }
    }
    assert!(!store.suggest(Col::User, "").await.unwrap().is_empty());
    store.close().await;
    assert_eq!(counters().await, before, "suggestions read the spans table");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_sqlite() {
    plans(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_postgres() {
    plans(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_mysql() {
    plans(Backend::MySql).await;
}
