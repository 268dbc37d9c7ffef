//! Ingest while browsing (`make bench-scale`): agent-shaped spans stream into a SQLite
//! database Tracedeck created, through the writer, at a target rate (default 50k spans/s)
//! for a while (default 60 s), while readers ask what a user's open windows ask in a loop:
//! the run list's first page, a filtered page, the newest trace, and metrics of the last
//! hour. Prints the rate the writer kept up, reader p50/p99/max per kind, errors (a "database
//! is locked" would show here), and the process's anonymous memory over time.
//!
//! Env: `TRACEDECK_BROWSE_SPANS_PER_S` (50000), `TRACEDECK_BROWSE_SECONDS` (60).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tracedeck_model::{PageRequest, TraceFilter};
use tracedeck_store::{OpenOptions, Store, StoreConfig, Writer, WriterConfig};
use tracedeck_tests::bench::{anon_mb, pct};
use tracedeck_tests::generate::Generator;

fn env(k: &str, d: u64) -> u64 {
    std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rate = env("TRACEDECK_BROWSE_SPANS_PER_S", 50_000);
    let secs = env("TRACEDECK_BROWSE_SECONDS", 60);
    let dir = tempfile::tempdir().unwrap();
    let cfg = StoreConfig::sqlite(dir.path().join("browse.db"));
    let store = Store::open(&cfg, OpenOptions::default()).await.expect("open");
    // As the app records: a spool on disk takes what the database cannot keep up with.
    let spool = (dir.path().join("spool"), 2 * 1024 * 1024 * 1024);
    let writer = Writer::spawn(store.clone(), WriterConfig { spool: Some(spool), ..WriterConfig::default() })
        .await
        .expect("writer");
    let start_ns = tracedeck_model::time::now_ns();
    // Something to browse from the start: 20k traces.
    let mut g = Generator::new(11);
    for chunk in g.agent_traces(20_000, start_ns - 3_600_000_000_000, 150_000_000).chunks(6_000) {
        writer.submit(chunk.to_vec()).await;
    }
    writer.flush(Duration::from_secs(120)).await.expect("seed");
    let seeded = writer.stats().written_spans;

    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    // Readers: four loops, as four views of a user would ask.
    let mut readers = Vec::new();
    let kinds: Vec<u8> =
        std::env::var("TRACEDECK_BROWSE_READERS").unwrap_or_else(|_| "0123".into()).bytes().map(|b| b - b'0').collect();
    for kind in kinds {
        let (store, stop, errors) = (store.clone(), stop.clone(), errors.clone());
        readers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let r = match kind {
                    0 => store.list_traces(&TraceFilter::default(), &PageRequest::default()).await.map(|_| ()),
                    1 => {
                        let f = TraceFilter { user_id: Some("user-07".into()), ..Default::default() };
                        store.list_traces(&f, &PageRequest::default()).await.map(|_| ())
                    }
                    2 => {
                        match store.list_traces(&TraceFilter::default(), &PageRequest { limit: 1, cursor: None }).await
                        {
                            Ok(p) => match p.traces.first() {
                                Some(t) => store.get_trace(&t.trace_id).await.map(|_| ()),
                                None => Ok(()),
                            },
                            Err(e) => Err(e),
                        }
                    }
                    _ => {
                        let now = tracedeck_model::time::now_ns() / 1000;
                        let f = TraceFilter {
                            since_us: Some(now - 3_600_000_000),
                            until_us: Some(now),
                            ..Default::default()
                        };
                        store.metrics(&f, now, None).await.map(|_| ())
                    }
                };
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                match r {
                    Ok(()) => times.push(ms),
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("read failed: {e}");
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            times
        }));
    }

    // The writer's load: `rate` spans a second in 10 slices, traces starting now. Rows are
    // stamped from a pre-built template (new ids and times), so generating them costs the
    // process little next to writing them.
    let per_tick = (rate / 10).max(6) as usize;
    let template = g.agent_traces(per_tick / 6, 0, 1_000_000);
    let t0 = Instant::now();
    let mut mem = vec![anon_mb()];
    let mut next = Instant::now();
    let mut submitted = 0u64;
    let mut serial = 0u64;
    while t0.elapsed() < Duration::from_secs(secs) {
        let now_ns = tracedeck_model::time::now_ns();
        serial += 1;
        let rows: Vec<_> = template
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.trace_id = format!("{:016x}{}", serial, &r.trace_id[16..]);
                r.span_id = format!("{:06x}{}", serial & 0xff_ffff, &r.span_id[6..]);
                r.parent_span_id = r.parent_span_id.map(|p| format!("{:06x}{}", serial & 0xff_ffff, &p[6..]));
                r.start_ns += now_ns;
                r.end_ns += now_ns;
                r.created_ns += now_ns;
                r
            })
            .collect();
        submitted += rows.len() as u64;
        writer.submit(rows).await;
        next += Duration::from_millis(100);
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        if submitted % (rate * 5).max(1) < per_tick as u64 {
            mem.push(anon_mb());
        }
    }
    let offered = t0.elapsed();
    writer.flush(Duration::from_secs(300)).await.expect("flush");
    let done = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut results = Vec::new();
    for r in readers {
        results.push(r.await.unwrap());
    }
    mem.push(anon_mb());
    let written = writer.stats().written_spans - seeded;
    println!(
        "browse sqlite ingest: {written} spans written, offered {:.0} spans/s for {:.0} s, kept {:.0} spans/s (flushed {:.1} s after)",
        submitted as f64 / offered.as_secs_f64(),
        offered.as_secs_f64(),
        written as f64 / done.as_secs_f64(),
        (done - offered).as_secs_f64()
    );
    let names = ["run list", "filtered page", "newest trace", "metrics 1h"];
    for (kind, t) in std::env::var("TRACEDECK_BROWSE_READERS").unwrap_or_else(|_| "0123".into()).bytes().zip(results) {
        let name = names[(kind - b'0') as usize];
        let n = t.len();
        println!(
            "browse sqlite {name}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({n} reads)",
            pct(t.clone(), 0.5),
            pct(t.clone(), 0.99),
            pct(t, 1.0)
        );
    }
    println!("browse sqlite read errors: {}", errors.load(Ordering::Relaxed));
    println!(
        "browse sqlite memory: anonymous RSS {}",
        mem.iter().map(|m| format!("{m:.0}")).collect::<Vec<_>>().join(" → ") + " MB"
    );
    writer.shutdown(Duration::from_secs(10)).await;
    store.close().await;
}
