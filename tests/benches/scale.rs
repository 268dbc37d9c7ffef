//! `make bench-scale`: the production-sized databases (1M traces / 6.01M spans in Agno's
//! exact schema, built once by `tracedeck-scale`, see scripts/bench-scale.sh), opened
//! read-only as `tracedeck serve --read-only` opens them, measured the way people use the run
//! list and the Metrics page:
//!
//! - every filtered page the first time (nothing cached: the server just started) and again
//!   (a retyped filter, a reloaded page: p50/p99 of repeated requests);
//! - the run list while heavy requests (30-day metrics, a search with no match, statistics)
//!   run at the same time on the same store;
//! - a search abandoned half-way: how soon its lane serves the next request;
//! - the keyset walk, the 10k-span trace, suggestions, metrics over 24 h and 30 days (first
//!   chunk and whole range), searches (first answer and a full scan), statistics;
//! - the process's anonymous memory, sampled throughout.
//!
//! Env: `TRACEDECK_SCALE_SQLITE`, `TRACEDECK_SCALE_PG`, `TRACEDECK_SCALE_MYSQL` (URLs) with
//! `*_META` (the generator's meta files: sample values, time range, the big trace). Each
//! backend with a URL is measured; figures are printed one per line.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tracedeck_model::{PageRequest, TraceFilter, TraceStatus};
use tracedeck_store::{Col, OpenOptions, Store, StoreConfig};
use tracedeck_tests::bench::{anon_mb, ms, pct};

struct Bench {
    name: String,
    store: Store,
    meta: Value,
    peak_anon: f64,
}

impl Bench {
    fn s(&self, k: &str) -> String {
        self.meta["samples"][k].as_str().unwrap_or_default().to_owned()
    }

    fn us(&self, k: &str) -> i64 {
        self.meta[k].as_str().and_then(tracedeck_model::time::parse_iso).map(|ns| ns / 1000).unwrap_or(0)
    }

    fn line(&mut self, case: &str, text: String) {
        self.peak_anon = self.peak_anon.max(anon_mb());
        println!("scale {} {case}: {text}", self.name);
    }

    async fn page(&self, f: &TraceFilter) -> Duration {
        let t = Instant::now();
        let p = self.store.list_traces(f, &PageRequest { limit: 50, cursor: None }).await.expect("page");
        std::hint::black_box(p);
        t.elapsed()
    }

    /// First request (cold caches), then p50/p99 of `n` more.
    async fn first_and_again(&mut self, case: &str, f: TraceFilter, n: usize) {
        let first = self.page(&f).await;
        let mut again = Vec::new();
        for _ in 0..n {
            again.push(ms(self.page(&f).await));
        }
        let rows = self.store.list_traces(&f, &PageRequest { limit: 50, cursor: None }).await.unwrap().traces.len();
        self.line(
            case,
            format!(
                "first {:.1} ms, again p50 {:.1} ms p99 {:.1} ms ({rows} rows)",
                ms(first),
                pct(again.clone(), 0.5),
                pct(again, 0.99)
            ),
        );
    }
}

fn filters(b: &Bench) -> Vec<(&'static str, TraceFilter)> {
    let last = b.us("last_start_time");
    let day = 86_400_000_000;
    let f = TraceFilter::default;
    let user = || Some(b.s("user_id"));
    let session = || Some(b.s("session_id"));
    let agent = || Some(b.s("agent_id"));
    vec![
        ("page first", f()),
        ("page user", TraceFilter { user_id: user(), ..f() }),
        ("page session", TraceFilter { session_id: session(), ..f() }),
        ("page agent", TraceFilter { agent_id: agent(), ..f() }),
        ("page team", TraceFilter { team_id: Some(b.s("team_id")), ..f() }),
        ("page workflow (none exist)", TraceFilter { workflow_id: Some("wf-none".into()), ..f() }),
        ("page status=error", TraceFilter { status: Some(TraceStatus::Error), ..f() }),
        ("page status=ok", TraceFilter { status: Some(TraceStatus::Ok), ..f() }),
        ("page last 24h", TraceFilter { since_us: Some(last - day), ..f() }),
        (
            "page 7 days ago, 1 day",
            TraceFilter { since_us: Some(last - 8 * day), until_us: Some(last - 7 * day), ..f() },
        ),
        ("page user+status=error", TraceFilter { user_id: user(), status: Some(TraceStatus::Error), ..f() }),
        ("page session+status=error", TraceFilter { session_id: session(), status: Some(TraceStatus::Error), ..f() }),
        ("page agent+status=error", TraceFilter { agent_id: agent(), status: Some(TraceStatus::Error), ..f() }),
        ("page user+agent", TraceFilter { user_id: user(), agent_id: agent(), ..f() }),
        ("page user+last 7d", TraceFilter { user_id: user(), since_us: Some(last - 7 * day), ..f() }),
        ("page session+last 24h", TraceFilter { session_id: session(), since_us: Some(last - day), ..f() }),
        (
            "page agent+user+status=ok+7d",
            TraceFilter {
                agent_id: agent(),
                user_id: user(),
                status: Some(TraceStatus::Ok),
                since_us: Some(last - 7 * day),
                ..f()
            },
        ),
    ]
}

/// Heavy requests in a loop until `stop`: 30-day metrics, a search with no match, stats.
fn heavy_load(
    store: Store,
    last_us: i64,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let day = 86_400_000_000;
    let kinds = [0, 1, 2];
    kinds
        .into_iter()
        .map(|k| {
            let (store, stop, done) = (store.clone(), stop.clone(), done.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let f = TraceFilter {
                        since_us: Some(last_us - 30 * day),
                        until_us: Some(last_us + 1),
                        ..Default::default()
                    };
                    let r = match k {
                        0 => store.metrics(&f, last_us, None).await.map(|_| ()),
                        1 => {
                            let s = TraceFilter { search: Some("zzqx-no-such-text".into()), ..Default::default() };
                            store.list_traces(&s, &PageRequest::default()).await.map(|_| ())
                        }
                        _ => {
                            let d = TraceFilter { since_us: Some(last_us - day), ..Default::default() };
                            store.trace_stats(tracedeck_model::StatsGroupBy::Agent, &d).await.map(|_| ())
                        }
                    };
                    if let Err(e) = r {
                        eprintln!("heavy request failed: {e}");
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect()
}

async fn metrics_range(b: &Bench, since: i64, until: i64) -> (f64, f64, usize) {
    let t = Instant::now();
    let mut f = TraceFilter { since_us: Some(since), until_us: Some(until), ..Default::default() };
    let (mut first, mut chunks, mut bucket) = (None, 0, None);
    loop {
        let (m, _) = b.store.metrics(&f, until, bucket).await.expect("metrics");
        chunks += 1;
        bucket = Some(m.bucket_us);
        first.get_or_insert(ms(t.elapsed()));
        match m.next_until_us {
            Some(u) if !m.complete => f.until_us = Some(u),
            _ => break,
        }
    }
    (first.unwrap_or(0.0), ms(t.elapsed()), chunks)
}

async fn run(name: &str, url: &str, meta_path: &str) {
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(meta_path).expect("meta file")).expect("meta json");
    let cfg = StoreConfig::parse(url).expect("url").with_read_only(true);
    let t = Instant::now();
    let store = Store::open(&cfg, OpenOptions { create: false }).await.expect("open read-only");
    let mut b = Bench { name: name.into(), store, meta, peak_anon: 0.0 };
    let traces = b.meta["traces"].as_u64().unwrap_or(0);
    let spans = b.meta["spans"].as_u64().unwrap_or(0);
    b.line("database", format!("{traces} traces, {spans} spans, opened read-only in {:.1} ms", ms(t.elapsed())));

    for (case, f) in filters(&b) {
        b.first_and_again(case, f, 20).await;
    }

    // The keyset walk, 200 pages of 50.
    let mut page = PageRequest { limit: 50, cursor: None };
    let mut walk = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let p = b.store.list_traces(&TraceFilter::default(), &page).await.unwrap();
        walk.push(ms(t.elapsed()));
        page.cursor = p.next_cursor;
    }
    b.line("keyset walk 200 pages", format!("p50 {:.1} ms, worst {:.1} ms", pct(walk.clone(), 0.5), pct(walk, 1.0)));

    // The 10k-span trace.
    let big = b.meta["big_trace_id"].as_str().unwrap_or_default().to_owned();
    let mut tt = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let d = b.store.get_trace(&big).await.unwrap().expect("big trace");
        tt.push(ms(t.elapsed()));
        std::hint::black_box(d);
    }
    b.line("get_trace 10k spans", format!("p50 {:.1} ms", pct(tt, 0.5)));

    // Suggestions: first (nothing cached) and cached.
    for (col, label) in [(Col::User, "user"), (Col::Session, "session"), (Col::Agent, "agent")] {
        let t = Instant::now();
        let n = b.store.suggest(col, "").await.unwrap().len();
        let first = ms(t.elapsed());
        let t = Instant::now();
        let _ = b.store.suggest(col, "").await.unwrap();
        let again = ms(t.elapsed());
        let t = Instant::now();
        let _ =
            b.store.suggest(col, &b.s(if col == Col::Session { "session_id" } else { "user_id" })[..5]).await.unwrap();
        let prefix = ms(t.elapsed());
        b.line(
            &format!("suggest {label}"),
            format!("first {first:.1} ms ({n} values), cached {again:.2} ms, typed prefix {prefix:.1} ms"),
        );
    }

    // The run list while heavy requests run on the same store.
    let last = b.us("last_start_time");
    let (stop, done) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let load = heavy_load(b.store.clone(), last, stop.clone(), done.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut under = Vec::new();
    let fs = filters(&b);
    let t_load = Instant::now();
    for i in 0..60 {
        let (_, f) = &fs[i % fs.len()];
        under.push(ms(b.page(f).await));
    }
    stop.store(true, Ordering::Relaxed);
    for h in load {
        let _ = h.await;
    }
    b.line(
        "pages under heavy load",
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} pages ({} heavy requests meanwhile, {:.1} s)",
            pct(under.clone(), 0.5),
            pct(under.clone(), 0.99),
            pct(under, 1.0),
            60,
            done.load(Ordering::Relaxed),
            t_load.elapsed().as_secs_f64()
        ),
    );

    // Abandoned half-way: two full scans dropped after 300 ms; the heavy lane is free again.
    let scans: Vec<_> = (0..2)
        .map(|_| {
            let s = b.store.clone();
            tokio::spawn(async move {
                let f = TraceFilter { search: Some("zzqx-no-such-text".into()), ..Default::default() };
                let _ = s.metrics(&TraceFilter { since_us: Some(0), ..f.clone() }, i64::MAX / 4, None).await;
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for s in &scans {
        s.abort();
    }
    let t = Instant::now();
    let hour = TraceFilter { since_us: Some(last - 3_600_000_000), until_us: Some(last + 1), ..Default::default() };
    b.store.metrics(&hour, last, None).await.unwrap();
    b.line("heavy lane after two abandoned scans", format!("next heavy request answered in {:.1} ms", ms(t.elapsed())));

    // Metrics.
    let day = 86_400_000_000;
    for (label, since) in [("24h", last - day), ("30 days", last - 30 * day)] {
        let (first, total, chunks) = metrics_range(&b, since, last + 1).await;
        b.line(
            &format!("metrics {label}"),
            format!("first chunk {first:.0} ms, whole range {total:.0} ms in {chunks} chunk(s)"),
        );
    }

    // Searches.
    let none = TraceFilter { search: Some("zzqx-no-such-text".into()), ..Default::default() };
    let t = Instant::now();
    let p = b.store.list_traces(&none, &PageRequest::default()).await.unwrap();
    let back = p.scan.map(|s| (last - s.searched_back_to_us) as f64 / 3.6e9).unwrap_or(0.0);
    b.line("search no match, first answer", format!("{:.0} ms, searched back {back:.1} h", ms(t.elapsed())));
    let t = Instant::now();
    let mut cursor = p.next_cursor;
    let mut answers = 1;
    while let Some(c) = cursor {
        let p = b.store.list_traces(&none, &PageRequest { limit: 50, cursor: Some(c) }).await.unwrap();
        cursor = p.next_cursor;
        answers += 1;
    }
    b.line("search no match, whole database", format!("{:.1} s in {answers} answers", t.elapsed().as_secs_f64()));
    let common = TraceFilter { search: Some("weather".into()), ..Default::default() };
    let t = Instant::now();
    let n = b.store.list_traces(&common, &PageRequest::default()).await.unwrap().traces.len();
    b.line("search common word, first page", format!("{:.0} ms ({n} rows)", ms(t.elapsed())));

    let t = Instant::now();
    let d = TraceFilter { since_us: Some(last - day), ..Default::default() };
    b.store.trace_stats(tracedeck_model::StatsGroupBy::Agent, &d).await.unwrap();
    b.line("stats by agent, last day", format!("{:.0} ms", ms(t.elapsed())));

    let peak = b.peak_anon;
    b.line("memory", format!("peak anonymous RSS {peak:.0} MB"));
    b.store.close().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut any = false;
    for (name, var) in
        [("sqlite", "TRACEDECK_SCALE_SQLITE"), ("postgres", "TRACEDECK_SCALE_PG"), ("mysql", "TRACEDECK_SCALE_MYSQL")]
    {
        let (Ok(url), Ok(meta)) = (std::env::var(var), std::env::var(format!("{var}_META"))) else { continue };
        any = true;
        run(name, &url, &meta).await;
    }
    if !any {
        eprintln!("no database: set TRACEDECK_SCALE_SQLITE/_PG/_MYSQL and *_META (make bench-scale does)");
    }
}
