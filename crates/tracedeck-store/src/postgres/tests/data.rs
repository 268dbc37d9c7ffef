//! Writing and reading data: the run list, filters, paging, detail and statistics checked
//! against the SQLite backend, Agno's merge rules across batches, values PostgreSQL refuses
//! as they are, and the ingest benchmark.

use tracedeck_model::{Attributes, Span, TraceDetail};

use super::*;

/// Attributes as a canonical text: `jsonb` stores objects reordered and respaced, SQLite
/// keeps the text it was given.
fn canonical(mut s: Span) -> Span {
    s.attributes = Attributes::from_map(&s.attributes.to_map());
    s
}

fn canonical_detail(d: Option<TraceDetail>) -> Option<TraceDetail> {
    d.map(|mut d| {
        d.spans = d.spans.into_iter().map(canonical).collect();
        d
    })
}

fn attrs_of(s: Span) -> Value {
    Value::Object(s.attributes.to_map())
}

/// An SQLite store given the same batches.
async fn sqlite_twin(batches: &[&[SpanRow]]) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&StoreConfig::sqlite(dir.path().join("t.db")), OpenOptions::default()).await.unwrap();
    for b in batches {
        s.write_batch(b).await.unwrap();
    }
    (s, dir)
}

/// Equal lists, reporting the first difference rather than both lists.
fn assert_same<T: PartialEq + std::fmt::Debug>(a: &[T], b: &[T], what: &dyn std::fmt::Debug) {
    assert_eq!(a.len(), b.len(), "{what:?}");
    if let Some((x, y)) = a.iter().zip(b).find(|(x, y)| x != y) {
        panic!("{what:?}: first difference\n  {x:?}\n  {y:?}");
    }
}

/// Every page of a listing, checking the pages join up.
async fn pages(s: &Store, f: &TraceFilter, limit: u32) -> Vec<TraceSummary> {
    let (mut out, mut cursor) = (Vec::new(), None);
    loop {
        let p = s.list_traces(f, &PageRequest { limit, cursor }).await.unwrap();
        assert!(p.traces.len() <= limit as usize);
        out.extend(p.traces);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

fn assert_stats_eq(pg: &[StatRow], lite: &[StatRow]) {
    assert_eq!(pg.len(), lite.len());
    for (p, l) in pg.iter().zip(lite) {
        assert_eq!(
            (&p.key, p.count, p.error_count, p.total_tokens, &p.last_seen),
            (&l.key, l.count, l.error_count, l.total_tokens, &l.last_seen)
        );
        // SQLite's julianday arithmetic is off by up to ~0.02 ms; PostgreSQL's is exact.
        let close = |a: f64, b: f64| (a - b).abs() < 0.05;
        assert!(
            close(p.avg_duration_ms, l.avg_duration_ms) && close(p.max_duration_ms, l.max_duration_ms),
            "{p:?} vs {l:?}"
        );
    }
}

#[tokio::test]
async fn lists_filters_and_aggregates_like_sqlite() {
    let Some(db) = TestSchema::new("td_list").await else { return };
    let pg = Store::Postgres(db.open(false).await);
    // 40 traces; two share a start time so the keyset tie-break on trace_id is exercised.
    let mut rows: Vec<SpanRow> = (0..40).flat_map(|i| agent_trace(i, T0 + (i.min(38) as i64) * SEC)).collect();
    rows.push(span(
        &rows[0].trace_id.clone(),
        "00000000000000ff".into(),
        Some("nonexistent"),
        "orphan",
        (T0, T0 + 1),
        json!({}),
        false,
    ));
    let mut batches: Vec<&[SpanRow]> = rows.chunks(100).collect();
    batches.push(&rows[..50]); // a retried batch changes nothing
    for b in &batches {
        pg.write_batch(b).await.unwrap();
    }
    let (lite, _dir) = sqlite_twin(&batches).await;
    assert_eq!(pg.check().await.unwrap().span_count, rows.len() as i64);

    let f = |f: TraceFilter| f;
    let filters = [
        TraceFilter::default(),
        f(TraceFilter { user_id: Some("user-1".into()), ..Default::default() }),
        f(TraceFilter { session_id: Some("sess-2".into()), agent_id: Some("agent-0".into()), ..Default::default() }),
        f(TraceFilter { run_id: Some("run-7".into()), ..Default::default() }),
        f(TraceFilter { status: Some(TraceStatus::Error), ..Default::default() }),
        f(TraceFilter { status: Some(TraceStatus::Ok), ..Default::default() }),
        f(TraceFilter { search: Some("QUESTION 1".into()), ..Default::default() }),
        f(TraceFilter { search: Some("agent_1.RUN".into()), ..Default::default() }),
        f(TraceFilter { search: Some(rows[6].trace_id.to_uppercase()), ..Default::default() }),
        f(TraceFilter { search: Some("100%_".into()), ..Default::default() }),
        f(TraceFilter {
            since_us: Some((T0 + 10 * SEC) / 1000),
            until_us: Some((T0 + 20 * SEC) / 1000),
            ..Default::default()
        }),
    ];
    // Through the search index (both databases were created by Tracedeck), "QUESTION 1" is
    // the phrase "question 1": a last word under three characters is a whole word, so
    // "question 10".."19" do not match (a scan's substring match finds 11).
    let expected = [40, 13, 4, 1, 10, 30, 1, 20, 1, 0, 10];
    for (filter, n) in filters.iter().zip(expected) {
        let got = pages(&pg, filter, 7).await;
        assert_eq!(got.len(), n, "{filter:?}");
        assert_same(&got, &pages(&lite, filter, 7).await, filter);
        assert_same(&got, &pages(&pg, filter, 1000).await, filter);
    }
    let all = pages(&pg, &TraceFilter::default(), 1000).await;
    let first = all.iter().find(|t| t.trace_id == rows[0].trace_id).unwrap();
    assert_eq!((first.span_count, first.error_count, first.total_tokens), (7, 1, 3 * 150 + 9));
    assert!(first.input_preview.as_deref().unwrap().starts_with("question 0: "));
    assert!(all.windows(2).all(|w| (&w[0].start_time, &w[0].trace_id) > (&w[1].start_time, &w[1].trace_id)));
    let bad = PageRequest { limit: 5, cursor: Some("garbage".into()) };
    assert!(matches!(pg.list_traces(&TraceFilter::default(), &bad).await, Err(StoreError::Invalid(_))));

    for t in &all[..5] {
        let (p, l) = (pg.get_trace(&t.trace_id).await.unwrap(), lite.get_trace(&t.trace_id).await.unwrap());
        assert_eq!(canonical_detail(p), canonical_detail(l));
    }
    assert!(pg.get_trace("0123").await.unwrap().is_none());
    let sp = pg.get_span(&rows[0].span_id.to_uppercase()).await.unwrap().unwrap();
    assert_eq!(canonical(sp.clone()), canonical(lite.get_span(&rows[0].span_id).await.unwrap().unwrap()));
    assert_eq!((sp.attributes.get("llm.token_count.prompt"), sp.tokens), (Some(json!(120)), Some(151)));

    let by =
        [StatsGroupBy::User, StatsGroupBy::Session, StatsGroupBy::Agent, StatsGroupBy::Model, StatsGroupBy::SpanName];
    for (b, filter) in by.iter().flat_map(|b| [(b, &filters[0]), (b, &filters[4]), (b, &filters[1])]) {
        let got = pg.trace_stats(*b, filter).await.unwrap();
        assert!(!got.is_empty());
        assert_stats_eq(&got, &lite.trace_stats(*b, filter).await.unwrap());
    }
    let models = pg.trace_stats(StatsGroupBy::Model, &filters[0]).await.unwrap();
    assert_eq!(
        models.iter().map(|m| (m.key.as_deref().unwrap(), m.count)).collect::<Vec<_>>(),
        [("gpt-4o-mini", 78), ("gpt-4o", 42)]
    );
}

#[tokio::test]
async fn merges_trace_rows_with_agnos_rules() {
    let Some(db) = TestSchema::new("td_merge").await else { return };
    let pg = db.open(false).await;
    let rows = agent_trace(4, T0);
    let (root, children) = rows.split_last().unwrap();
    let tid = root.trace_id.clone();
    let team = span(
        &tid,
        "7777777777777777".into(),
        None,
        "Team.run",
        (T0 - SEC, T0 + 60 * SEC),
        json!({"agno.team.id": "team-1", "user.id": "other-user"}),
        false,
    );
    let late_ok =
        span(&tid, "8888888888888888".into(), Some(&root.span_id), "late", (T0, T0 + 90 * SEC), json!({}), false);
    let batches: Vec<Vec<SpanRow>> = vec![
        children[..2].to_vec(),
        vec![children[3].clone()],
        vec![root.clone()],
        vec![team],
        vec![late_ok],
        children.to_vec(),
    ];
    let (lite, _dir) = sqlite_twin(&[]).await;
    let row_sql = format!(
        "SELECT name::text, status::text, start_time::text, end_time::text, duration_ms, agent_id::text, team_id::text, user_id::text \
         FROM {} WHERE trace_id = $1",
        pg.tables.traces
    );
    type TraceRow = (String, String, String, String, i64, Option<String>, Option<String>, Option<String>);
    let mut seen = Vec::new();
    for b in &batches {
        pg.write_batch(b).await.unwrap();
        lite.write_batch(b).await.unwrap();
        let r: TraceRow = sqlx::query_as(AssertSqlSafe(row_sql.clone())).bind(&tid).fetch_one(&pg.pool).await.unwrap();
        seen.push(r);
    }
    let names: Vec<&str> = seen.iter().map(|r| r.0.as_str()).collect();
    // A child names the trace until a root arrives; a team root outranks the agent root.
    assert_eq!(names, ["OpenAIChat.invoke", "OpenAIChat.invoke", "Agent_0.run", "Team.run", "Team.run", "Team.run"]);
    let status: Vec<&str> = seen.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(status, ["OK", "ERROR", "ERROR", "ERROR", "ERROR", "ERROR"], "ERROR sticks once any batch failed");
    let last = seen.last().unwrap();
    assert_eq!(
        (last.2.as_str(), last.3.as_str()),
        ("2026-11-18T11:06:39.000000+00:00", "2026-11-18T11:08:10.000000+00:00")
    );
    assert_eq!(last.4, 91_000);
    assert_eq!(
        (last.5.as_deref(), last.6.as_deref(), last.7.as_deref()),
        (Some("agent-0"), Some("team-1"), Some("user-1"))
    );
    let detail = Store::Postgres(pg).get_trace(&tid).await.unwrap().unwrap();
    assert_eq!(canonical_detail(Some(detail)), canonical_detail(lite.get_trace(&tid).await.unwrap()));
}

#[tokio::test]
async fn keeps_nul_bad_json_and_huge_values() {
    let Some(db) = TestSchema::new("td_bad").await else { return };
    let pg = Store::Postgres(db.open(false).await);
    let tid = "c".repeat(32);
    let huge = "x".repeat(10 << 20);
    let mut rows = vec![
        span(
            &tid,
            "0000000000000001".into(),
            None,
            "Agent\0.run",
            (T0, T0 + SEC),
            json!({"input.value": "a\0b", "k\0": 1, "lit": "\\u0000"}),
            true,
        ),
        span(
            &tid,
            "0000000000000002".into(),
            Some("0000000000000001"),
            "huge",
            (T0, T0 + 1),
            json!({"output.value": huge}),
            false,
        ),
    ];
    rows[0].status_message = Some("bad\0message".into());
    let bad = [r#"{"s": "\ud800 lone"}"#, "{not json", ""];
    for (i, a) in bad.iter().enumerate() {
        let mut r =
            span(&tid, format!("100000000000000{i}"), Some("0000000000000001"), "bad", (T0, T0 + 1), json!({}), false);
        r.attributes = (*a).into();
        rows.push(r);
    }
    pg.write_batch(&rows).await.unwrap();
    pg.write_batch(&rows).await.unwrap(); // both retries at once: stored spans and bad JSON
    let t = pg.get_trace(&tid).await.unwrap().unwrap();
    assert_eq!((t.trace.name.as_str(), t.spans.len()), ("Agent\u{FFFD}.run", 5));
    assert_eq!(t.trace.input_preview.as_deref(), Some("a\u{FFFD}b"));
    let root = pg.get_span("0000000000000001").await.unwrap().unwrap();
    assert_eq!(root.status_message.as_deref(), Some("bad\u{FFFD}message"));
    assert_eq!(attrs_of(root.clone()), json!({"input.value": "a\u{FFFD}b", "k\u{FFFD}": 1, "lit": "\\u0000"}));
    let big = pg.get_span("0000000000000002").await.unwrap().unwrap();
    assert_eq!(big.attributes.get("output.value").and_then(|v| v.as_str().map(str::len)), Some(10 << 20));
    let mut got = Vec::new();
    for i in 0..3 {
        got.push(attrs_of(pg.get_span(&format!("100000000000000{i}")).await.unwrap().unwrap()));
    }
    assert_eq!(got[0], json!({"s": "\u{FFFD} lone"}));
    assert_eq!(got[1], json!({attrs::INVALID_ATTRIBUTES: "{not json"}));
    assert_eq!(got[2], json!({attrs::INVALID_ATTRIBUTES: ""}));
}

/// `cargo test --release -p tracedeck-store postgres::tests::data::ingest_rate -- --ignored --nocapture`
/// (`TRACEDECK_BENCH_TRACES`, default 10,000 traces = 60,000 spans).
#[tokio::test]
#[ignore = "benchmark: prints figures"]
async fn ingest_rate() {
    let Some(mut db) = TestSchema::new("td_bench").await else { return };
    // `TRACEDECK_BENCH_KEEP=1` leaves the data for EXPLAIN sessions (drop it by hand).
    db.keep = std::env::var_os("TRACEDECK_BENCH_KEEP").is_some();
    let n: u64 = std::env::var("TRACEDECK_BENCH_TRACES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let pg = Store::Postgres(db.open(false).await);
    println!("schema {}", db.name);
    let rows: Vec<SpanRow> = (0..n).flat_map(|i| agent_trace(i, T0 + i as i64 * SEC / 10)).collect();
    let bytes: usize = rows.iter().map(|r| r.attributes.len()).sum();
    let t = std::time::Instant::now();
    for b in rows.chunks(5000) {
        pg.write_batch(b).await.unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "ingest: {} spans ({} B attributes on average) in {secs:.2} s = {:.0} spans/s, {:.1} MB/s of attributes",
        rows.len(),
        bytes / rows.len(),
        rows.len() as f64 / secs,
        bytes as f64 / secs / 1e6
    );
    let mut c = PgConnection::connect(&pg_url()).await.unwrap();
    sqlx::query(AssertSqlSafe(format!("ANALYZE \"{}\".agno_traces, \"{}\".agno_spans", db.name, db.name)))
        .execute(&mut c)
        .await
        .unwrap();
    let time = async |what: &str, f: TraceFilter, pages: usize| {
        let t = std::time::Instant::now();
        let mut cursor = None;
        for _ in 0..pages {
            cursor = pg.list_traces(&f, &PageRequest { limit: 50, cursor }).await.unwrap().next_cursor;
        }
        println!("{what}: {:.1} ms per page", t.elapsed().as_secs_f64() * 1000.0 / pages as f64);
    };
    time("first page", TraceFilter::default(), 1).await;
    time("pages 1-100", TraceFilter::default(), 100).await;
    time("errors, pages 1-20", TraceFilter { status: Some(TraceStatus::Error), ..Default::default() }, 20).await;
    time("user filter, pages 1-20", TraceFilter { user_id: Some("user-2".into()), ..Default::default() }, 20).await;
    let t = std::time::Instant::now();
    pg.get_trace(&rows[rows.len() / 2].trace_id).await.unwrap().unwrap();
    println!("get_trace: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    for by in [StatsGroupBy::Agent, StatsGroupBy::Model] {
        let t = std::time::Instant::now();
        pg.trace_stats(by, &TraceFilter::default()).await.unwrap();
        println!("stats by {by:?}: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    }
}
