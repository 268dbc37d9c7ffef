//! Read-path benchmarks on 100k traces / 600k spans plus one 10,000-span trace:
//! - SQLite: the very file Agno's own benchmark builds (`../shared/bench/agno/build_read_db.py`:
//!   Agno's DDL and indexes, no ANALYZE), opened read-only as a foreign database; Agno's
//!   `get_traces` / `get_spans` are timed on the same file in the same run when the Agno venv
//!   is available, so the comparison is a ratio.
//! - PostgreSQL: the same shape written by Tracedeck into a fresh schema.
//!
//!     cargo bench -p tracedeck-tests --bench read
//!
//! Env: `TRACEDECK_BENCH_AGNO_DB` (default `target/bench-data/read_100k.db`),
//! `TRACEDECK_AGNO_PYTHON`, `TRACEDECK_BENCH_BACKENDS=sqlite,postgres`.

// Same allocator as the shipped binaries.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use tracedeck_model::{PageRequest, TraceFilter, TraceStatus};
use tracedeck_store::{Backend, OpenOptions, Store, StoreConfig};
use tracedeck_tests::backends::TestDb;
use tracedeck_tests::generate::Generator;
use tracedeck_tests::{median_ms, thousands};

async fn time_ms<F, Fut, T>(reps: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let _ = f().await; // warm-up
    let mut v = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(f().await);
        v.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    median_ms(v)
}

async fn list_benches(label: &str, store: &Store, big_trace: &str) -> (f64, f64, f64) {
    let all = TraceFilter::default();
    let first = time_ms(20, || store.list_traces(&all, &PageRequest { limit: 50, cursor: None })).await;
    // Walk 1,000 pages of 20 (20,000 rows deep) and time every page.
    let mut page = PageRequest { limit: 20, cursor: None };
    let mut times = Vec::new();
    for _ in 0..1000 {
        let t = Instant::now();
        let p = store.list_traces(&all, &page).await.expect("page");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        page.cursor = p.next_cursor;
    }
    let deep = time_ms(10, || store.list_traces(&all, &page)).await;
    let worst = times.iter().copied().fold(0.0, f64::max);
    let walk_median = median_ms(times);
    let by_user = TraceFilter { user_id: Some("user-07".into()), ..Default::default() };
    let user = time_ms(10, || store.list_traces(&by_user, &PageRequest { limit: 50, cursor: None })).await;
    let errors = TraceFilter { status: Some(TraceStatus::Error), ..Default::default() };
    let err = time_ms(10, || store.list_traces(&errors, &PageRequest { limit: 50, cursor: None })).await;
    let search = TraceFilter { search: Some("zzzz-not-there".into()), since_us: None, ..Default::default() };
    let t = Instant::now();
    if std::env::var_os("TRACEDECK_BENCH_ONLY_TRACE").is_none() {
        let _ = store.list_traces(&search, &PageRequest { limit: 50, cursor: None }).await.expect("search");
    }
    let search_ms = t.elapsed().as_secs_f64() * 1000.0;

    let small =
        store.list_traces(&all, &PageRequest { limit: 1, cursor: None }).await.unwrap().traces[0].trace_id.clone();
    let get_small = time_ms(20, || store.get_trace(&small)).await;
    let reps = if std::env::var_os("TRACEDECK_BENCH_ONLY_TRACE").is_some() { 50 } else { 5 };
    let get_big = time_ms(reps, || store.get_trace(big_trace)).await;
    let big = store.get_trace(big_trace).await.unwrap().expect("big trace");
    assert_eq!(big.spans.len(), 10_000);
    assert_eq!(big.tree.nodes.len(), 10_000);

    println!("read {label:<8} list first page (50 rows)         {first:>8.2} ms");
    println!(
        "read {label:<8} list page 1,000 (20 rows, keyset) {deep:>8.2} ms   walk of 1,000 pages: median {walk_median:.2} ms, worst {worst:.2} ms"
    );
    println!("read {label:<8} list user_id filter (50 rows)     {user:>8.2} ms");
    println!("read {label:<8} list status=ERROR (50 rows)       {err:>8.2} ms");
    println!("read {label:<8} list text search, no match        {search_ms:>8.2} ms   (scans every span's attributes)");
    println!("read {label:<8} get_trace 6 spans + tree          {get_small:>8.2} ms");
    println!("read {label:<8} get_trace 10,000 spans + tree     {get_big:>8.2} ms");
    (first, deep, get_big)
}

fn agno_db() -> PathBuf {
    std::env::var_os("TRACEDECK_BENCH_AGNO_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data/read_100k.db"))
}

fn big_trace_id(db: &std::path::Path) -> String {
    let meta = std::fs::read_to_string(format!("{}.meta.json", db.display())).expect("meta.json next to the bench DB");
    let v: serde_json::Value = serde_json::from_str(&meta).expect("meta json");
    v["big_trace_id"].as_str().expect("big_trace_id").to_owned()
}

/// Agno's own readers on the same file, same run (median of 3 after one warm-up).
fn agno_timings(db: &std::path::Path, big: &str) -> Option<(f64, f64, f64)> {
    let py = std::env::var_os("TRACEDECK_AGNO_PYTHON")?;
    let script = format!(
        r#"
import os, time, statistics, json
os.environ["AGNO_TELEMETRY"] = "false"
from agno.db.sqlite import SqliteDb
db = SqliteDb(db_file={db:?})
def t(f):
    f(); r = []
    for _ in range(3):
        s = time.perf_counter(); f(); r.append((time.perf_counter() - s) * 1000)
    return statistics.median(r)
print(json.dumps([t(lambda: db.get_traces(limit=20, page=1)), t(lambda: db.get_traces(limit=20, page=1000)),
                  t(lambda: db.get_spans(trace_id={big:?}))]))
"#,
        db = db.display().to_string(),
        big = big
    );
    let out = Command::new(py).arg("-c").arg(script).output().ok()?;
    if !out.status.success() {
        eprintln!("agno timing failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let v: Vec<f64> = serde_json::from_slice(&out.stdout).ok()?;
    Some((v[0], v[1], v[2]))
}

async fn sqlite() {
    let db = agno_db();
    if !db.exists() {
        eprintln!(
            "SKIP sqlite read bench: {} missing (scripts/bench.sh builds it with Agno's build_read_db.py)",
            db.display()
        );
        return;
    }
    let big = big_trace_id(&db);
    let store =
        Store::open(&StoreConfig::sqlite(&db).with_read_only(true), OpenOptions::default()).await.expect("open");
    let (first, deep, get_big) = list_benches("sqlite", &store, &big).await;
    if let Some((a_first, a_deep, a_big)) = agno_timings(&db, &big) {
        println!(
            "read sqlite  Agno 3.1.10 on the same file: get_traces page 1 {a_first:.0} ms ({:.0}x slower), page 1,000 {a_deep:.0} ms ({:.0}x), get_spans 10k {a_big:.0} ms ({:.1}x)",
            a_first / first,
            a_deep / deep,
            a_big / get_big
        );
    }
    store.close().await;
}

async fn postgres() {
    let Some(db) = TestDb::new(Backend::Postgres).await else { return };
    let store = Store::open(&db.cfg, OpenOptions::default()).await.expect("open");
    let mut g = Generator::new(3);
    let t = Instant::now();
    let mut n = 0;
    let start = 1_790_000_000_000_000_000i64;
    for chunk in 0..100 {
        let rows = g.agent_traces(1000, start + chunk * 1000 * 26_000_000_000, 26_000_000_000);
        n += rows.len();
        store.write_batch(&rows).await.expect("load");
    }
    let big_rows = g.big_trace(10_000, start + 50 * 1000 * 26_000_000_000 + 13_000_000_000);
    let big = big_rows[0].trace_id.clone();
    store.write_batch(&big_rows).await.expect("load big");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "read postgres loaded {} spans in {secs:.1} s ({} spans/s) for the read bench",
        thousands(n as f64 + 10_000.0),
        thousands((n + 10_000) as f64 / secs)
    );
    {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&tracedeck_tests::backends::pg_url()).await.expect("pg");
        // One statement per query: sqlx 0.9 prepares every query.
        for table in ["agno_traces", "agno_spans"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE \"{}\".{table}", db.name)))
                .execute(&mut c)
                .await
                .expect("analyze");
        }
    }
    list_benches("postgres", &store, &big).await;
    store.close().await;
    db.cleanup().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let which = std::env::var("TRACEDECK_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    for b in which.split(',') {
        match b.trim() {
            "sqlite" => sqlite().await,
            "postgres" => postgres().await,
            _ => {}
        }
    }
}
