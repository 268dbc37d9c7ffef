//! Agent runtime overhead with the scripted model (no LLM, no network): runs per second with
//! tracing off (no subscriber) and on (spans recorded into SQLite through the real pipeline:
//! tracing-opentelemetry -> batch processor -> writer), the cost per span at the call site,
//! and 100 concurrent runs completing with every span stored.
//!
//!     cargo bench -p tracedeck-tests --bench agents
//!
//! Runs are measured on a current-thread runtime so the figure is the run's own thread; the
//! exporter and writer work on their own threads (the machine's other core).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use tracedeck_agents::config::EXAMPLE;
use tracedeck_agents::{Config, RunRequest, RunStatus, Runtime, RuntimeOptions};
use tracedeck_model::{PageRequest, TraceFilter};
use tracedeck_otel::{Telemetry, TelemetryConfig};
use tracedeck_store::{OpenOptions, Store, StoreConfig, Writer, WriterConfig};
use tracedeck_tests::thousands;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::layer::SubscriberExt;

/// Spans per run of each target (checked against the store below).
const WEATHER_SPANS: usize = 4;
const TRAVEL_SPANS: usize = 17;

fn runtime(dir: &std::path::Path) -> Runtime {
    let path = dir.join("agents.toml");
    Config::write_example(&path).unwrap();
    // History off so every run does the same work (and no blocking-pool hop blurs the figures).
    let text = EXAMPLE
        .replace("history_runs = 5", "history_runs = 0")
        .replace("[agents.weather]\n", "[agents.weather]\nhistory_runs = 0\n");
    let cfg = Config::parse(&text, &path).unwrap();
    Runtime::new(cfg, RuntimeOptions::default()).unwrap()
}

static SESSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A fresh session per run, so no run replays history and every run does the same work.
fn req(target: &str, i: usize) -> RunRequest {
    let input =
        if target == "weather" { format!("What's the weather in City{i}?") } else { "Plan a trip to Rome".to_owned() };
    let mut r = RunRequest::new(target, input);
    r.user_id = Some(format!("user{}", i % 10));
    r.session_id = Some(format!("bench-{}", SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    r
}

/// CPU seconds used so far by the calling thread (Linux; 10 ms resolution, so batches are
/// long). `None` elsewhere.
fn thread_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Runs/s of `n` sequential runs, and the CPU time per run of the thread running them (µs).
fn measure(
    rt: &Runtime,
    exec: &tokio::runtime::Runtime,
    dispatch: Option<&tracing::Dispatch>,
    n: usize,
) -> (f64, Option<f64>) {
    let mut rates = Vec::new();
    let mut cpu = Vec::new();
    {
        let c0 = thread_cpu();
        let t = Instant::now();
        exec.block_on(async {
            for i in 0..n {
                let f = rt.run(req("weather", i), None);
                let o = match dispatch {
                    Some(d) => f.with_subscriber(d.clone()).await,
                    None => f.await,
                }
                .unwrap();
                assert_eq!(o.status, RunStatus::Ok);
            }
        });
        rates.push(n as f64 / t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c0, thread_cpu()) {
            cpu.push((b - a) / n as f64 * 1e6);
        }
    }
    (rates[0], cpu.first().copied())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path());
    let exec = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let pipeline = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let (store, telemetry) = pipeline.block_on(async {
        let store =
            Store::open(&StoreConfig::sqlite(dir.path().join("bench.db")), OpenOptions::default()).await.unwrap();
        let writer = Writer::spawn(store.clone(), WriterConfig::default()).await.unwrap();
        let telemetry = Telemetry::new(writer, TelemetryConfig::default());
        (store, telemetry)
    });
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(telemetry.layer()));

    let n: usize = std::env::var("AGENTS_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let flush = || pipeline.block_on(telemetry.flush(Duration::from_secs(120))).unwrap();
    // Warm up both paths (allocator, SQLite pages), tracing first: with a single dispatcher,
    // `tracing` caches a callsite's interest from the default at its first use, so a callsite
    // first hit with no subscriber would stay disabled for good.
    measure(&rt, &exec, Some(&dispatch), 200);
    measure(&rt, &exec, None, 200);
    flush();
    // Off and on alternate so both see the same machine; the pipeline is drained between
    // rounds (untimed) so no round pays for the previous one's backlog.
    let (mut off, mut on) = (Vec::new(), Vec::new());
    let (mut off_cpu, mut on_cpu) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let (r, c) = measure(&rt, &exec, None, n);
        off.push(r);
        off_cpu.extend(c);
        let (r, c) = measure(&rt, &exec, Some(&dispatch), n);
        on.push(r);
        on_cpu.extend(c);
        flush();
    }
    let (off, on) = (median(off), median(on));
    let wall_us = (1.0 / on - 1.0 / off) * 1e6 / WEATHER_SPANS as f64;
    println!(
        "agents  scripted weather run ({WEATHER_SPANS} spans): tracing off {:>8} runs/s   on (recorded into SQLite) {:>8} runs/s   \
         = {wall_us:.2} us/span wall clock (exporter and writer share the 2 cores)",
        thousands(off),
        thousands(on)
    );
    if !off_cpu.is_empty() && !on_cpu.is_empty() {
        let (a, b) = (median(off_cpu), median(on_cpu));
        let per_span = (b - a) / WEATHER_SPANS as f64;
        println!(
            "agents  call-site cost on the run's thread: {a:.1} us/run off, {b:.1} us/run on = {per_span:.2} us/span (target <= 5)"
        );
    }
    // Every span of the measured runs reached the database: nothing was dropped to go fast.
    let recorded = (200 + 5 * n) * WEATHER_SPANS;
    let stored = pipeline.block_on(store.check()).unwrap().span_count as usize;
    assert_eq!(stored, recorded, "spans of the traced runs in SQLite");
    println!("agents  all {} spans of the traced runs are in SQLite", thousands(recorded as f64));

    // 100 concurrent runs (half agents, half teams) on a multi-thread runtime.
    let before = pipeline.block_on(store.check()).unwrap().span_count as usize;
    let multi = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let t = Instant::now();
    let outcomes = multi.block_on(async {
        let handles: Vec<_> = (0..100)
            .map(|i| {
                let rt = rt.clone();
                let target = if i % 2 == 0 { "weather" } else { "travel" };
                tokio::spawn(
                    async move { rt.run(req(target, i), None).await.unwrap() }.with_subscriber(dispatch.clone()),
                )
            })
            .collect();
        let mut v = Vec::new();
        for h in handles {
            v.push(h.await.unwrap());
        }
        v
    });
    let ran = t.elapsed();
    assert!(outcomes.iter().all(|o| o.status == RunStatus::Ok));
    pipeline.block_on(telemetry.flush(Duration::from_secs(120))).unwrap();
    let stored_in = t.elapsed();
    let expected = 50 * WEATHER_SPANS + 50 * TRAVEL_SPANS;
    let stored = pipeline.block_on(store.check()).unwrap().span_count as usize - before;
    assert_eq!(stored, expected, "every span of the 100 concurrent runs is stored");
    let page = pipeline
        .block_on(store.list_traces(&TraceFilter::default(), &PageRequest { limit: 1000, cursor: None }))
        .unwrap();
    let ids: std::collections::HashSet<&str> = page.traces.iter().map(|t| t.trace_id.as_str()).collect();
    assert!(outcomes.iter().all(|o| ids.contains(o.trace_id.as_str())), "every run has its trace row");
    println!(
        "agents  100 concurrent runs (50 agents, 50 teams): finished in {:.0} ms, all {} spans stored after {:.0} ms",
        ran.as_secs_f64() * 1e3,
        thousands(expected as f64),
        stored_in.as_secs_f64() * 1e3
    );
    let stats = pipeline.block_on(telemetry.shutdown(Duration::from_secs(30)));
    assert_eq!(stats.dropped_spans, 0, "{stats:?}");
}
