//! The database goes away while spans are being written:
//! - the real PostgreSQL server is restarted in the middle of an ingest: every span is in
//!   the database after it is back (the writer spools and retries);
//! - a database behind a TCP proxy we cut: batches go to the on-disk spool; when the spool is
//!   full the drops are counted and reported; when the proxy comes back, the spool drains.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tracedeck_store::{Backend, OpenOptions, Store, StoreConfig, Writer, WriterConfig};
use tracedeck_tests::backends::TestDb;
use tracedeck_tests::generate::Generator;

const T0: i64 = 1_790_000_000_000_000_000;

fn restart_postgres() -> bool {
    let versions = std::fs::read_dir("/etc/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect::<Vec<_>>())
        .unwrap_or_default();
    let Some(v) = versions.first() else { return false };
    Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", v, "main", "restart", "-m", "fast"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_during_ingest_loses_nothing() {
    let Some(db) = TestDb::new(Backend::Postgres).await else { return };
    let store = Store::open(&db.cfg, OpenOptions::default()).await.unwrap();
    let spool = tempfile::tempdir().unwrap();
    let writer = Writer::spawn(
        store.clone(),
        WriterConfig {
            spool: Some((spool.path().join("spool.sqlite"), 1 << 30)),
            retry_max: Duration::from_secs(1),
            ..WriterConfig::default()
        },
    )
    .await
    .unwrap();
    let mut g = Generator::new(11);
    let batches: Vec<_> = (0..40).map(|i| g.agent_traces(50, T0 + i * 50 * 1_000_000_000, 1_000_000_000)).collect();
    let total: usize = batches.iter().map(Vec::len).sum();
    let mut restarted = false;
    for (i, b) in batches.into_iter().enumerate() {
        writer.submit(b).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        if i == 10 {
            let ok = tokio::task::spawn_blocking(restart_postgres).await.unwrap();
            if !ok && tracedeck_tests::in_ci() {
                panic!("could not restart PostgreSQL under CI=true");
            }
            restarted = ok;
        }
    }
    // The server is back; everything submitted must land.
    let mut flushed = Err(String::new());
    for _ in 0..60 {
        flushed = writer.flush(Duration::from_secs(30)).await;
        if flushed.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    flushed.expect("writer delivers everything once PostgreSQL is back");
    let stats = writer.stats();
    assert_eq!(stats.dropped_spans, 0);
    assert_eq!(stats.rejected_spans, 0);
    let report = store.check().await.unwrap();
    assert_eq!(report.span_count as usize, total, "restarted={restarted} stats={stats:?}");
    assert_eq!(report.trace_count, 2000);
    writer.shutdown(Duration::from_secs(5)).await;
    store.close().await;
    db.cleanup().await;
}

/// A TCP proxy to PostgreSQL that can be cut and restored.
async fn proxy(target: &str) -> (u16, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let up = Arc::new(AtomicBool::new(true));
    let target = target.to_owned();
    let flag = up.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else { break };
            if !flag.load(Ordering::SeqCst) {
                continue; // refused: dropped immediately
            }
            let target = target.clone();
            let flag = flag.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(&target).await else { return };
                let (mut ri, mut wi) = inbound.split();
                let (mut ro, mut wo) = outbound.split();
                let cut = async {
                    while flag.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                };
                tokio::select! {
                    _ = tokio::io::copy(&mut ri, &mut wo) => {}
                    _ = tokio::io::copy(&mut ro, &mut wi) => {}
                    _ = cut => {}
                }
            });
        }
    });
    (port, up)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_database_spools_then_drains_and_counts_drops() {
    let Some(db) = TestDb::new(Backend::Postgres).await else { return };
    Store::open(&db.cfg, OpenOptions::default()).await.unwrap().close().await;
    let (port, up) = proxy("127.0.0.1:5432").await;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres?schema={}", db.name);
    let store = Store::open(&StoreConfig::parse(&url).unwrap(), OpenOptions::default()).await.unwrap();
    let spool = tempfile::tempdir().unwrap();
    let mut g = Generator::new(5);
    let first = g.agent_traces(20, T0, 1_000_000_000);
    let one_batch = serde_json::to_vec(&first).unwrap().len() as u64;
    let writer = Writer::spawn(
        store.clone(),
        WriterConfig {
            spool: Some((spool.path().join("spool.sqlite"), one_batch * 5 / 2)),
            retry_initial: Duration::from_millis(50),
            retry_max: Duration::from_millis(200),
            ..WriterConfig::default()
        },
    )
    .await
    .unwrap();

    up.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    writer.submit(first).await;
    for i in 1..5 {
        writer.submit(g.agent_traces(20, T0 + i * 100_000_000_000, 1_000_000_000)).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let e = writer.flush(Duration::from_secs(10)).await.unwrap_err();
    assert!(e.contains("unreachable") && e.contains("spool"), "{e}");
    let stats = writer.stats();
    assert!(!stats.database_reachable);
    assert_eq!(stats.pending_spans, 240, "two batches fit in the spool: {stats:?}");
    assert_eq!(stats.dropped_spans, 360, "the rest is dropped and counted: {stats:?}");
    assert!(stats.last_drop.as_deref().unwrap_or("").contains("spool is full"), "{stats:?}");

    up.store(true, Ordering::SeqCst);
    let mut ok = Err(String::new());
    for _ in 0..50 {
        ok = writer.flush(Duration::from_secs(10)).await;
        if ok.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ok.expect("spool drains once the database is back");
    assert_eq!(store.check().await.unwrap().span_count, 240);
    assert!(writer.stats().database_reachable);
    writer.shutdown(Duration::from_secs(5)).await;
    store.close().await;
    db.cleanup().await;
}
