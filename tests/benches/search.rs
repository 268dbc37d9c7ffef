//! `make bench-scale`: text search on a production-sized SQLite database Tracedeck created,
//! which carries the full-text index (FTS5, kept by triggers). The database is the scale
//! database (`TRACEDECK_SCALE_SQLITE`: 1M traces / 6.01M spans in Agno's schema) copied
//! into a file Tracedeck created, once (cached next to it as `<name>_tracedeck.db`): the
//! copy runs every span through the index's trigger, as ingest does.
//!
//! Prints the copy's time and the index's size, then for each kind of term (a run id, a
//! session, a word of the generated text, an error message, a word in every tool span, a
//! term nobody wrote, the prefixes of a word as it is typed, a search with filters) the first
//! request and p50/p99 of repeated ones, the shape the planner chose, then several searches
//! in flight at once, and the process's peak anonymous memory.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection};
use tracedeck_model::{PageRequest, TraceFilter, TraceStatus};
use tracedeck_store::{OpenOptions, Store, StoreConfig};
use tracedeck_tests::bench::{anon_mb, ms, pct};

fn size_of(p: &Path) -> u64 {
    ["", "-wal"].iter().filter_map(|s| std::fs::metadata(format!("{}{s}", p.display())).ok()).map(|m| m.len()).sum()
}

/// The Tracedeck-created copy of `src` (built once; `<dst>.done` vouches for a finished one).
async fn tracedeck_copy(src: &Path) -> PathBuf {
    let dst = src.with_file_name(format!("{}_tracedeck.db", src.file_stem().unwrap().to_string_lossy()));
    let done = dst.with_extension("db.done");
    let src_meta = PathBuf::from(format!("{}.meta.json", src.display()));
    let fresh = |done: &Path| -> bool {
        let (Ok(d), Ok(s)) = (std::fs::metadata(done), std::fs::metadata(&src_meta)) else { return false };
        d.modified().ok() >= s.modified().ok()
    };
    if fresh(&done) {
        println!("search copy: cached, {} ({:.2} GB)", dst.display(), size_of(&dst) as f64 / 1e9);
        return dst;
    }
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", dst.display()));
    }
    let _ = std::fs::remove_file(&done);
    let t = Instant::now();
    // Tracedeck's own schema: Agno's tables, the keyset index, the search index and triggers.
    let store = Store::open(&StoreConfig::sqlite(&dst), OpenOptions::default()).await.expect("create");
    store.close().await;
    let mut c = sqlx::sqlite::SqliteConnectOptions::new().filename(&dst).connect().await.expect("open the copy");
    let src_s = src.display().to_string().replace('\'', "''");
    let steps = [
        "PRAGMA synchronous = OFF".to_owned(),
        "PRAGMA cache_size = -1048576".to_owned(),
        format!("ATTACH 'file:{src_s}?mode=ro' AS src"),
        "BEGIN".to_owned(),
        "INSERT INTO agno_traces SELECT * FROM src.agno_traces ORDER BY rowid".to_owned(),
        "INSERT INTO agno_spans SELECT * FROM src.agno_spans ORDER BY rowid".to_owned(),
        "COMMIT".to_owned(),
        "DETACH src".to_owned(),
        "PRAGMA wal_checkpoint(TRUNCATE)".to_owned(),
    ];
    for s in steps {
        sqlx::raw_sql(sqlx::AssertSqlSafe(s.clone())).execute(&mut c).await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    let index_bytes: Option<i64> =
        sqlx::query_scalar("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'agno_spans_search%'")
            .fetch_one(&mut c)
            .await
            .ok()
            .flatten();
    c.close().await.ok();
    std::fs::write(&done, b"").unwrap();
    println!(
        "search copy: every span through the index's trigger in {:.0} s; file {:.2} GB (Agno's file {:.2} GB), index {}",
        t.elapsed().as_secs_f64(),
        size_of(&dst) as f64 / 1e9,
        size_of(src) as f64 / 1e9,
        index_bytes.map(|b| format!("{:.2} GB", b as f64 / 1e9)).unwrap_or_else(|| "size unknown (no dbstat)".into())
    );
    dst
}

struct Bench {
    store: Store,
    peak: f64,
}

impl Bench {
    fn line(&mut self, case: &str, text: String) {
        self.peak = self.peak.max(anon_mb());
        println!("search sqlite {case}: {text}");
    }

    async fn page(&self, f: &TraceFilter) -> (Duration, usize, bool) {
        let t = Instant::now();
        let p = self.store.list_traces(f, &PageRequest { limit: 50, cursor: None }).await.expect("search");
        let complete = p.scan.as_ref().is_none_or(|s| s.complete) || p.traces.len() == 50;
        (t.elapsed(), p.traces.len(), complete)
    }

    async fn case(&mut self, case: &str, f: TraceFilter) {
        let (first, rows, complete) = self.page(&f).await;
        let mut again = Vec::new();
        for _ in 0..20 {
            again.push(ms(self.page(&f).await.0));
        }
        let shape = self.store.explain_page(&f, &PageRequest::default()).await.map(|p| p.shape).unwrap_or_default();
        let partial = if complete { "" } else { ", partial: the scan budget ran out" };
        self.line(
            case,
            format!(
                "first {:.1} ms, again p50 {:.1} ms p99 {:.1} ms ({rows} rows{partial}; {shape})",
                ms(first),
                pct(again.clone(), 0.5),
                pct(again, 0.99)
            ),
        );
    }
}

fn search(term: &str) -> TraceFilter {
    TraceFilter { search: Some(term.to_owned()), ..Default::default() }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Ok(src) = std::env::var("TRACEDECK_SCALE_SQLITE") else {
        eprintln!("no database: set TRACEDECK_SCALE_SQLITE (make bench-scale does)");
        return;
    };
    let dst = tracedeck_copy(Path::new(&src)).await;
    let store = Store::open(&StoreConfig::sqlite(&dst), OpenOptions { create: false }).await.expect("open");
    let mut b = Bench { store, peak: anon_mb() };

    // Terms taken from the data: the newest run's id, session and user, a word of its text.
    let newest = b.store.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap().traces;
    let t = &newest[newest.len() / 2];
    let detail = b.store.get_trace(&t.trace_id).await.unwrap().unwrap();
    let text = detail
        .spans
        .iter()
        .find_map(|s| s.attributes.get("output.value").and_then(|v| v.as_str().map(str::to_owned)))
        .unwrap_or_default();
    let word = text.split(|c: char| !c.is_ascii_lowercase()).find(|w| w.len() >= 7).unwrap_or("weather").to_owned();
    let run_id = t.run_id.clone().unwrap_or_default();
    let session = t.session_id.clone().unwrap_or_default();

    b.case(&format!("run id ({run_id})"), search(&run_id)).await;
    b.case(&format!("session id ({session})"), search(&session)).await;
    b.case(&format!("a word of the text ({word})"), search(&word)).await;
    b.case("an error message (division by zero)", search("division by zero")).await;
    b.case("a word in every tool span (weather)", search("weather")).await;
    b.case("no match (zzqxv)", search("zzqxv")).await;
    for typed in ["w", "we", "wea", "weat", "weath"] {
        b.case(&format!("typed '{typed}'"), search(typed)).await;
    }
    b.case(&format!("'{word}' + status=error"), TraceFilter { status: Some(TraceStatus::Error), ..search(&word) })
        .await;
    b.case(
        &format!("weather + user {}", t.user_id.clone().unwrap_or_default()),
        TraceFilter { user_id: t.user_id.clone(), ..search("weather") },
    )
    .await;

    // Several in flight at once (a filter retyped while another tab searches).
    let terms = [run_id.clone(), word.clone(), "weather".into(), "zzqxv".into(), session.clone(), "division".into()];
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for round in 0..5 {
        for term in &terms {
            let s = b.store.clone();
            let f = search(term);
            set.spawn(async move {
                let t = Instant::now();
                s.list_traces(&f, &PageRequest { limit: 50, cursor: None }).await.expect("search");
                (round, ms(t.elapsed()))
            });
        }
    }
    let mut lat = Vec::new();
    while let Some(r) = set.join_next().await {
        lat.push(r.unwrap().1);
    }
    let n = lat.len();
    b.line(
        "6 terms x 5, all in flight",
        format!(
            "{n} requests in {:.0} ms: p50 {:.1} ms p99 {:.1} ms",
            ms(started.elapsed()),
            pct(lat.clone(), 0.5),
            pct(lat, 0.99)
        ),
    );
    let peak = b.peak;
    b.line("memory", format!("peak anonymous RSS {peak:.0} MB"));
    b.store.close().await;
}
