//! The full-text search index of SQLite databases Tracedeck created (FTS5, kept by triggers):
//! a rare term is read from the index's matches (no span is scanned, EXPLAIN says so), a
//! common one walks newest first probing the index per trace, both give exactly what the
//! scan without an index gives; deletes and retention keep the index in step (FTS5's own
//! integrity check passes); a database created before the index gets it, filled, on open;
//! and the real `agno` package still writes into such a database (its SQLite runs the
//! triggers) and reads it.

use std::path::Path;
use std::process::Command;

use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use tracedeck_model::{PageRequest, SpanRow, TraceFilter, TracePage};
use tracedeck_store::{OpenOptions, Store, StoreConfig};
use tracedeck_tests::generate::Generator;

const RARE: &str = "zanzibar";
const SEARCH_MIGRATION: i64 = 20261207000003;
/// Removes the SQLite search index and its triggers (a database as without the migration).
const DROP_SEARCH_INDEX: &str = "DROP TRIGGER agno_spans_search_insert; DROP TRIGGER agno_spans_search_delete; \
     DROP TRIGGER agno_spans_search_update; DROP TABLE agno_spans_search;";

/// 1,200 agent runs (~8,000 spans: a common term matches more than a rare term's caps, 2,048
/// newest matches on SQLite, 5,000 on PostgreSQL), three of which mention [`RARE`] in a tool
/// result.
fn rows() -> (Vec<SpanRow>, Vec<String>) {
    let mut g = Generator::new(7);
    let mut rows = g.agent_traces(1_200, 1_790_000_000_000_000_000, 1_000_000_000);
    let mut rare = Vec::new();
    for r in rows.iter_mut().filter(|r| r.name == "get_weather").step_by(97).take(3) {
        r.attributes =
            r.attributes.replacen("\"output.value\":\"", &format!("\"output.value\":\"Sunny in {RARE}-7731, "), 1);
        assert!(r.attributes.contains(RARE), "the generator's tool spans carry output.value");
        rare.push(r.trace_id.clone());
    }
    (rows, rare)
}

async fn created(path: &Path) -> (Store, Vec<String>) {
    let store = Store::open(&StoreConfig::sqlite(path), OpenOptions::default()).await.unwrap();
    let (rows, rare) = rows();
    for chunk in rows.chunks(1_000) {
        store.write_batch(chunk).await.unwrap();
    }
    (store, rare)
}

async fn sql(path: &Path, statements: &str) {
    let mut c = SqliteConnectOptions::new().filename(path).connect().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(statements.to_owned())).execute(&mut c).await.unwrap();
}

/// FTS5's own check of the index against itself (and, through the triggers, the spans).
async fn fts_integrity(path: &Path) {
    sql(path, "INSERT INTO agno_spans_search (agno_spans_search) VALUES ('integrity-check')").await;
}

fn search(term: &str) -> TraceFilter {
    TraceFilter { search: Some(term.into()), ..Default::default() }
}

/// Every page of `f`, following cursors (a scan may stop early and say so: go on).
async fn all_ids(store: &Store, f: &TraceFilter) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let p: TracePage = store.list_traces(f, &PageRequest { limit: 50, cursor }).await.unwrap();
        ids.extend(p.traces.iter().map(|t| t.trace_id.clone()));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return ids,
        }
    }
}

fn no_span_scan(plan: &[String]) {
    for l in plan {
        let l = l.trim();
        assert!(!l.starts_with("SCAN x") && !l.starts_with("SCAN agno_spans "), "span scan:\n{}", plan.join("\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rare_term_is_read_from_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (store, rare) = created(&path).await;
    let p = store.list_traces(&search(RARE), &PageRequest::default()).await.unwrap();
    let mut got: Vec<String> = p.traces.iter().map(|t| t.trace_id.clone()).collect();
    assert!(p.traces.windows(2).all(|w| w[0].start_time >= w[1].start_time), "newest first");
    got.sort();
    let mut want = rare.clone();
    want.sort();
    assert_eq!(got, want);
    assert!(p.scan.as_ref().is_some_and(|s| s.complete), "the index answers for the whole table: {:?}", p.scan);
    // Case and a word prefix, as a user types them.
    let p = store.list_traces(&search("ZANZIB"), &PageRequest::default()).await.unwrap();
    assert_eq!(p.traces.len(), 3);
    // Combined with another filter, and a term nobody wrote.
    let one = store.get_trace(&rare[0]).await.unwrap().unwrap().trace;
    let f = TraceFilter { user_id: one.user_id.clone(), ..search(RARE) };
    assert!(store.list_traces(&f, &PageRequest::default()).await.unwrap().traces.iter().any(|t| t.trace_id == rare[0]));
    let none = store.list_traces(&search("qwxzv"), &PageRequest::default()).await.unwrap();
    assert!(none.traces.is_empty() && none.next_cursor.is_none());
    assert!(none.scan.is_some_and(|s| s.complete));

    let plan = store.explain_page(&search(RARE), &PageRequest::default()).await.unwrap();
    assert!(plan.shape.contains("full-text index's matches"), "{}", plan.shape);
    assert!(plan.plan.iter().any(|l| l.contains("agno_spans_search VIRTUAL TABLE INDEX")), "{}", plan.plan.join("\n"));
    no_span_scan(&plan.plan);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_agrees_with_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (store, _) = created(&path).await;
    // The same data without the index: the scan's answer.
    store.close().await;
    let copy = dir.path().join("scan.db");
    sql(&path, &format!("VACUUM INTO '{}'", copy.display())).await;
    sql(&copy, DROP_SEARCH_INDEX).await;
    let store = Store::open(&StoreConfig::sqlite(&path), OpenOptions::default()).await.unwrap();
    let scan = Store::open(&StoreConfig::sqlite(&copy), OpenOptions::default()).await.unwrap();
    // In every span's attributes (`openinference.span.kind`).
    let common = "openinference";
    let plan = store.explain_page(&search(common), &PageRequest::default()).await.unwrap();
    assert!(plan.shape.contains("newest matches"), "a common term reads the newest matches: {}", plan.shape);
    no_span_scan(&plan.plan);
    let no_index = scan.explain_page(&search(common), &PageRequest::default()).await.unwrap();
    assert!(!no_index.shape.contains("full-text"), "{}", no_index.shape);
    for term in [common, "weather", RARE, "get_weather", "Paris", "current weather", "nothing-like-this"] {
        let (a, b) = (all_ids(&store, &search(term)).await, all_ids(&scan, &search(term)).await);
        assert_eq!(a, b, "{term}: the index and the scan disagree");
    }
    assert_eq!(all_ids(&store, &search(common)).await.len(), 1_200);
    store.close().await;
    scan.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_follows_deletes_and_comes_with_an_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (store, rare) = created(&path).await;
    let gone = store.delete_traces(&rare[..2]).await.unwrap();
    assert_eq!(gone.traces, 2);
    let left = all_ids(&store, &search(RARE)).await;
    assert_eq!(left, vec![rare[2].clone()]);
    store.close().await;
    fts_integrity(&path).await;

    // A database created before the index: the migration builds it from the spans stored.
    sql(&path, &format!("{DROP_SEARCH_INDEX} DELETE FROM tracedeck_migrations WHERE version = {SEARCH_MIGRATION};"))
        .await;
    let store = Store::open(&StoreConfig::sqlite(&path), OpenOptions::default()).await.unwrap();
    assert_eq!(store.info().tracedeck_version, Some(SEARCH_MIGRATION));
    assert!(
        store.info().notes.iter().any(|n| n.contains("applied Tracedeck schema migrations")),
        "{:?}",
        store.info().notes
    );
    let plan = store.explain_page(&search(RARE), &PageRequest::default()).await.unwrap();
    assert!(plan.shape.contains("full-text"), "{}", plan.shape);
    assert_eq!(all_ids(&store, &search(RARE)).await, vec![rare[2].clone()]);
    store.close().await;
    fts_integrity(&path).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agno_writes_and_reads_a_database_with_the_index() {
    let Some(py) = tracedeck_tests::agno::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (store, rare) = created(&path).await;
    store.close().await;
    // Agno's own runs (against the fake OpenAI server), into the same file: its SQLite runs
    // the index's triggers.
    // Agno's fixture generator (beside its fake server), told to keep the file it writes to.
    let fixtures = tracedeck_tests::fixtures_dir();
    let script = std::fs::read_to_string(fixtures.join("make_fixture.py")).unwrap();
    let keep = script.replace("os.remove(args.db)", "pass");
    assert_ne!(keep, script, "make_fixture.py still removes its output first");
    std::fs::write(dir.path().join("make_fixture.py"), keep).unwrap();
    std::fs::copy(fixtures.join("fake_openai_server.py"), dir.path().join("fake_openai_server.py")).unwrap();
    let out = Command::new(&py)
        .arg(dir.path().join("make_fixture.py"))
        .args(["--db", path.to_str().unwrap()])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run make_fixture.py");
    assert!(out.status.success(), "Agno wrote into the database: {}", String::from_utf8_lossy(&out.stderr));
    fts_integrity(&path).await;
    let agno = tracedeck_tests::agno::read(&py, &["--sqlite", path.to_str().unwrap()]);
    let store = Store::open(&StoreConfig::sqlite(&path), OpenOptions::default()).await.unwrap();
    let total = all_ids(&store, &TraceFilter::default()).await.len();
    assert_eq!(agno["total"].as_u64().unwrap() as usize, total, "Agno counts every trace");
    // Agno's spans are found through the index (its tool `divide` failed in the fixture).
    let plan = store.explain_page(&search("divide"), &PageRequest::default()).await.unwrap();
    assert!(plan.shape.contains("full-text"), "{}", plan.shape);
    let found = all_ids(&store, &search("divide")).await;
    assert!(!found.is_empty(), "Agno's spans are indexed");
    for id in &found {
        let d = store.get_trace(id).await.unwrap().unwrap();
        assert!(
            d.spans
                .iter()
                .any(|s| s.name.contains("divide") || serde_json::to_string(&s.attributes).unwrap().contains("divide"))
        );
    }
    assert_eq!(all_ids(&store, &search(RARE)).await.len(), rare.len());
    store.close().await;
}

/// PostgreSQL: the same through the GIN expression index of a database Tracedeck created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_index_is_used_and_agrees_with_the_scan() {
    use sqlx::Connection;
    let Some(db) = tracedeck_tests::backends::TestDb::new(tracedeck_store::Backend::Postgres).await else { return };
    let store = Store::open(&db.cfg, OpenOptions::default()).await.unwrap();
    let (rows, rare) = rows();
    for chunk in rows.chunks(1_000) {
        store.write_batch(chunk).await.unwrap();
    }
    let plan = store.explain_page(&search(RARE), &PageRequest::default()).await.unwrap();
    let text = plan.plan.join("\n");
    assert!(plan.shape.contains("full-text index's matches"), "{}", plan.shape);
    assert!(text.contains("idx_agno_spans_search"), "the index serves a rare term:\n{text}");
    assert!(!text.contains("Seq Scan on agno_spans"), "span scan:\n{text}");
    let common = "openinference";
    let plan = store.explain_page(&search(common), &PageRequest::default()).await.unwrap();
    let text = plan.plan.join("\n");
    assert!(plan.shape.contains("probing the full-text index"), "{}", plan.shape);
    assert!(!text.contains("Seq Scan on agno_spans"), "span scan:\n{text}");

    let terms = [common, "weather", RARE, "ZANZIB", "get_weather", "Paris", "current weather", "nothing-like-this"];
    let mut indexed = Vec::new();
    for term in terms {
        indexed.push(all_ids(&store, &search(term)).await);
    }
    let mut want = rare.clone();
    want.sort();
    let mut got = indexed[2].clone();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(indexed[3].len(), 3, "case and prefix");
    assert_eq!(indexed[0].len(), 1_200);
    store.close().await;

    // Without the index (as on a database Agno made): the scan's answer is the same.
    let mut c = sqlx::PgConnection::connect(&tracedeck_tests::backends::pg_url()).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP INDEX \"{}\".idx_agno_spans_search", db.name)))
        .execute(&mut c)
        .await
        .unwrap();
    let ro = Store::open(&db.read_only(), OpenOptions { create: false }).await.unwrap();
    let plan = ro.explain_page(&search(common), &PageRequest::default()).await.unwrap();
    assert!(!plan.shape.contains("full-text"), "{}", plan.shape);
    for (term, want) in terms.iter().zip(&indexed) {
        assert_eq!(&all_ids(&ro, &search(term)).await, want, "{term}: the index and the scan disagree");
    }
    ro.close().await;

    // A database created before the index gets it on open.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DELETE FROM \"{}\".tracedeck_migrations WHERE version = {SEARCH_MIGRATION}",
        db.name
    )))
    .execute(&mut c)
    .await
    .unwrap();
    let store = Store::open(&db.cfg, OpenOptions::default()).await.unwrap();
    assert_eq!(store.info().tracedeck_version, Some(SEARCH_MIGRATION));
    let plan = store.explain_page(&search(RARE), &PageRequest::default()).await.unwrap();
    assert!(plan.plan.join("\n").contains("idx_agno_spans_search"), "{}", plan.plan.join("\n"));
    let gone = store.delete_traces(&rare[..1]).await.unwrap();
    assert_eq!(gone.traces, 1);
    assert_eq!(all_ids(&store, &search(RARE)).await.len(), 2);
    store.close().await;
    db.cleanup().await;
}
