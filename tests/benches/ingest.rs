//! Ingest throughput per backend with agent-shaped traces (1 run span, 3 LLM spans with ~1 KB
//! of attributes, 2 tool spans): straight `Store::write_batch` (one transaction per batch) and
//! through the writer task (queue + coalescing), on real servers.
//!
//!     cargo bench -p tracedeck-tests --bench ingest
//!
//! `TRACEDECK_BENCH_BACKENDS=sqlite,postgres,mysql` picks backends (default: all).

// Same allocator as the shipped binaries.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use tracedeck_store::{Backend, OpenOptions, Store, Writer, WriterConfig};
use tracedeck_tests::backends::TestDb;
use tracedeck_tests::generate::Generator;
use tracedeck_tests::thousands;

const T0: i64 = 1_790_000_000_000_000_000;

async fn bench(backend: Backend, traces: usize) {
    let Some(db) = TestDb::new(backend).await else { return };
    let mut g = Generator::new(1);
    let rows = g.agent_traces(traces, T0, 10_000_000);
    let rows2 = g.agent_traces(traces, T0 + 10_000_000_000_000, 10_000_000);
    let bytes: usize = rows.iter().map(|r| r.attributes.len()).sum();
    let n = rows.len();

    let store = Store::open(&db.cfg, OpenOptions::default()).await.expect("open");
    let t = Instant::now();
    for batch in rows.chunks(6_000) {
        store.write_batch(batch).await.expect("write");
    }
    let direct = n as f64 / t.elapsed().as_secs_f64();

    // A bounded queue with a spool behind it, as the app runs it: a burst larger than the
    // queue overflows to disk and is still written.
    let spool_dir = tempfile::tempdir().expect("spool dir");
    let cfg = WriterConfig { spool: Some((spool_dir.path().join("spool.sqlite"), 1 << 30)), ..WriterConfig::default() };
    let writer = Writer::spawn(store.clone(), cfg).await.expect("writer");
    let t = Instant::now();
    for batch in rows2.chunks(600) {
        writer.submit(batch.to_vec()).await;
    }
    writer.flush(Duration::from_secs(600)).await.expect("flush");
    let via_writer = n as f64 / t.elapsed().as_secs_f64();
    let stats = writer.shutdown(Duration::from_secs(10)).await;
    assert_eq!(stats.written_spans as usize, n, "{stats:?}");
    assert_eq!(stats.dropped_spans, 0);
    let report = store.check().await.expect("check");
    assert_eq!(report.span_count as usize, 2 * n);

    println!(
        "ingest {:<8} {:>9} spans/s write_batch (6,000-span transactions)   {:>9} spans/s via writer (600-span submits)   [{} spans, avg attributes {} B]",
        backend.as_str(),
        thousands(direct),
        thousands(via_writer),
        thousands(n as f64),
        bytes / n
    );
    store.close().await;
    db.cleanup().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let which = std::env::var("TRACEDECK_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres,mysql".into());
    for b in which.split(',') {
        match b.trim() {
            "sqlite" => bench(Backend::Sqlite, 40_000).await,
            "postgres" => bench(Backend::Postgres, 20_000).await,
            "mysql" => bench(Backend::MySql, 10_000).await,
            other => eprintln!("unknown backend {other:?}"),
        }
    }
}
