//! One generic story run against every backend on a real server: SQLite file, PostgreSQL,
//! MariaDB. Create the Agno tables, record traces through the writer, page through the run
//! list, filter, open a trace, check Agno's merge rules, read-only enforcement and stats.

use std::collections::HashSet;
use std::time::Duration;

use tracedeck_model::{PageRequest, StatsGroupBy, StatusCode, TraceFilter, TraceStatus};
use tracedeck_store::prune::{Deleted, Policy};
use tracedeck_store::{Backend, OpenOptions, Origin, Store, Writer, WriterConfig};
use tracedeck_tests::backends::TestDb;
use tracedeck_tests::generate::Generator;

const T0: i64 = 1_790_000_000_000_000_000;

async fn story(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let store = Store::open(&db.cfg, OpenOptions::default()).await.expect("open creates");
    assert_eq!(store.info().origin, Origin::Created, "{backend}");
    let again = Store::open(&db.cfg, OpenOptions::default()).await.expect("reopen");
    assert_eq!(again.info().origin, Origin::Tracedeck);
    again.close().await;

    // Record 120 agent runs through the writer, in uneven batches.
    let mut g = Generator::new(7);
    let rows = g.agent_traces(120, T0, 1_000_000_000);
    let failing: HashSet<String> =
        rows.iter().filter(|r| r.status_code == StatusCode::Error).map(|r| r.trace_id.clone()).collect();
    let writer = Writer::spawn(store.clone(), WriterConfig::default()).await.expect("writer");
    for chunk in rows.chunks(37) {
        writer.submit(chunk.to_vec()).await;
    }
    writer.flush(Duration::from_secs(30)).await.expect("flush");
    assert_eq!(writer.stats().written_spans, 720);

    // Page through everything, newest first, no duplicates.
    let mut seen = Vec::new();
    let mut page = PageRequest { limit: 25, cursor: None };
    loop {
        let p = store.list_traces(&TraceFilter::default(), &page).await.expect("list");
        seen.extend(p.traces.iter().map(|t| (t.start_us, t.trace_id.clone(), t.span_count, t.total_tokens)));
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 120);
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");
    assert_eq!(seen.iter().map(|s| &s.1).collect::<HashSet<_>>().len(), 120);
    assert!(seen.iter().all(|s| s.2 == 6 && s.3 == 450), "6 spans and 3x150 tokens per trace");

    // Filters.
    let errors = store
        .list_traces(
            &TraceFilter { status: Some(TraceStatus::Error), ..Default::default() },
            &PageRequest { limit: 1000, cursor: None },
        )
        .await
        .unwrap();
    assert_eq!(errors.traces.iter().map(|t| t.trace_id.clone()).collect::<HashSet<_>>(), failing);
    assert!(errors.traces.iter().all(|t| t.error_count == 2 && t.status == TraceStatus::Error));
    let ok = store
        .list_traces(
            &TraceFilter { status: Some(TraceStatus::Ok), ..Default::default() },
            &PageRequest { limit: 1000, cursor: None },
        )
        .await
        .unwrap();
    assert_eq!(ok.traces.len() + failing.len(), 120);
    let first = &seen[0].1;
    let detail = store.get_trace(first).await.unwrap().expect("trace");
    let user = detail.trace.user_id.clone().expect("user id from root span");
    let by_user = store
        .list_traces(&TraceFilter { user_id: Some(user.clone()), ..Default::default() }, &PageRequest::default())
        .await
        .unwrap();
    assert!(!by_user.traces.is_empty() && by_user.traces.iter().all(|t| t.user_id.as_deref() == Some(&user)));
    let window = TraceFilter {
        since_us: Some((T0 + 10_000_000_000) / 1000),
        until_us: Some((T0 + 20_000_000_000) / 1000),
        ..Default::default()
    };
    assert_eq!(store.list_traces(&window, &PageRequest::default()).await.unwrap().traces.len(), 10);
    let search = TraceFilter { search: Some("GET_WEATHER".into()), ..Default::default() };
    assert_eq!(store.list_traces(&search, &PageRequest { limit: 5, cursor: None }).await.unwrap().traces.len(), 5);
    let nothing = TraceFilter { search: Some("no-such-text-%_".into()), ..Default::default() };
    assert!(store.list_traces(&nothing, &PageRequest::default()).await.unwrap().traces.is_empty());

    // Trace detail and tree.
    assert_eq!(detail.spans.len(), 6);
    assert_eq!(detail.tree.roots.len(), 1);
    let root = &detail.tree.nodes[detail.tree.roots[0] as usize];
    assert_eq!(root.children.len(), 5);
    assert!(detail.tree.issues.is_clean());
    assert!(detail.trace.input_preview.as_deref().is_some_and(|p| !p.is_empty()));
    let span = store.get_span(&detail.spans[2].span_id).await.unwrap().expect("span");
    assert_eq!(span, detail.spans[2]);
    assert!(store.get_trace(&"0".repeat(32)).await.unwrap().is_none());

    // Agno's merge rules across batches: a child-only batch first, then the root.
    let mut run = g.agent_trace(T0 - 5_000_000_000);
    let root_row = run.pop().expect("root is last");
    run[3].status_code = StatusCode::Error;
    store.write_batch(&run).await.unwrap();
    let partial = store.get_trace(&root_row.trace_id).await.unwrap().unwrap();
    assert_eq!(partial.trace.name, "OpenAIChat.invoke", "child-only batch names the trace after its first span");
    assert!(partial.trace.session_id.is_none());
    assert_eq!(partial.tree.issues.orphans, 5, "children wait under a synthetic root");
    let mut ok_root = root_row.clone();
    ok_root.status_code = StatusCode::Ok;
    store.write_batch(std::slice::from_ref(&ok_root)).await.unwrap();
    let merged = store.get_trace(&root_row.trace_id).await.unwrap().unwrap();
    assert_eq!(merged.trace.name, root_row.name);
    assert_eq!(merged.trace.stored_status, "ERROR", "an error in any batch keeps the trace ERROR");
    assert_eq!(merged.trace.session_id, root_row.context.session_id);
    assert_eq!(merged.trace.start_us, root_row.start_ns / 1000);
    assert!(merged.tree.issues.is_clean());
    // Re-sending the same batch is harmless (retries after a lost ack).
    store.write_batch(&run).await.unwrap();
    assert_eq!(store.get_trace(&root_row.trace_id).await.unwrap().unwrap().spans.len(), 6);

    // Statistics.
    let by_model = store.trace_stats(StatsGroupBy::Model, &TraceFilter::default()).await.unwrap();
    assert_eq!(by_model.len(), 1);
    assert_eq!(by_model[0].key.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(by_model[0].count, 121 * 3);
    assert_eq!(by_model[0].total_tokens, 121 * 450);
    let by_user = store.trace_stats(StatsGroupBy::User, &TraceFilter::default()).await.unwrap();
    assert_eq!(by_user.iter().map(|r| r.count).sum::<i64>(), 121);
    let by_name = store.trace_stats(StatsGroupBy::SpanName, &TraceFilter::default()).await.unwrap();
    let tools = by_name.iter().find(|r| r.key.as_deref() == Some("get_weather")).expect("tool row");
    assert_eq!(tools.count, 242);
    assert_eq!(tools.error_count as usize, failing.len() + 1);
    assert!(tools.avg_duration_ms > 19.0 && tools.avg_duration_ms < 21.0, "{}", tools.avg_duration_ms);

    // Metrics: everything adds up to what was written, one chunk at this size, and two
    // halves merged equal the whole.
    let all = TraceFilter {
        since_us: Some((T0 - 10_000_000_000) / 1000),
        until_us: Some((T0 + 200_000_000_000) / 1000),
        ..Default::default()
    };
    let (m, spend) = store.metrics(&all, 0, None).await.expect("metrics");
    assert!(m.complete, "{backend}: a small table is read in one chunk");
    assert_eq!(m.series.iter().map(|b| b.runs).sum::<u64>(), 121);
    assert_eq!(m.series.iter().map(|b| b.errors).sum::<u64>() as usize, failing.len() + 1);
    assert_eq!(m.latency.total(), 121);
    assert_eq!(m.by_model.len(), 1, "{:?}", m.by_model);
    let gpt = &m.by_model[0];
    assert_eq!(
        (gpt.model.as_str(), gpt.calls, gpt.prompt_tokens, gpt.completion_tokens),
        ("gpt-4o-mini", 363, 363 * 120, 363 * 30)
    );
    assert_eq!(m.series.iter().map(|b| b.tokens).sum::<i64>(), 363 * 150);
    let weather = m.tools.iter().find(|t| t.tool == "get_weather").expect("tool metrics");
    assert_eq!((weather.calls, weather.errors as usize), (242, failing.len() + 1));
    let p50 = weather.latency.quantile(0.5).unwrap();
    assert!((17.0..23.0).contains(&p50), "tool p50 {p50} ms");
    assert_eq!(m.by_agent.iter().map(|a| a.runs).sum::<u64>(), 121);
    assert_eq!(spend.iter().map(|s| s.prompt).sum::<i64>(), 363 * 120);
    let mid = (T0 + 60_000_000_000) / 1000;
    let (mut older, _) =
        store.metrics(&TraceFilter { until_us: Some(mid), ..all.clone() }, 0, Some(m.bucket_us)).await.unwrap();
    let (newer, _) =
        store.metrics(&TraceFilter { since_us: Some(mid), ..all.clone() }, 0, Some(m.bucket_us)).await.unwrap();
    older.merge(newer);
    assert_eq!(older.series.iter().map(|b| b.runs).sum::<u64>(), 121);
    assert_eq!(older.by_model[0].calls, 363);
    let users = TraceFilter { user_id: Some(user.clone()), ..all.clone() };
    let (mu, _) = store.metrics(&users, 0, None).await.unwrap();
    let user_runs = store.list_traces(&users, &PageRequest { limit: 1000, cursor: None }).await.unwrap().traces.len();
    assert_eq!(mu.series.iter().map(|b| b.runs).sum::<u64>() as usize, user_runs);
    assert!(mu.by_agent.iter().map(|a| a.runs).sum::<u64>() < 121);

    let report = store.check().await.unwrap();
    assert_eq!((report.trace_count, report.span_count), (121, 726));
    assert!(report.agno_versions.iter().any(|(t, v)| t == &db.cfg.traces_table && v == "3.0.0"));

    // Read-only: the database refuses writes; reads work.
    let ro = Store::open(&db.read_only(), OpenOptions::default()).await.expect("open read-only");
    assert!(ro.is_read_only());
    assert_eq!(ro.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap().traces.len(), 50);
    assert!(ro.write_batch(&g.agent_trace(T0)).await.is_err());
    assert!(ro.delete_traces(std::slice::from_ref(first)).await.is_err(), "no deletes on a read-only connection");
    assert!(ro.apply_retention(Policy { keep_days: Some(1), max_bytes: None }, 0).await.is_err());
    ro.close().await;

    // Deleting chosen traces takes their spans along, and nothing else.
    let gone: Vec<String> = seen[..2].iter().map(|s| s.1.clone()).collect();
    assert_eq!(store.delete_traces(&gone).await.unwrap(), Deleted { traces: 2, spans: 12 });
    assert!(store.get_trace(&gone[0]).await.unwrap().is_none());
    let report = store.check().await.unwrap();
    assert_eq!((report.trace_count, report.span_count), (119, 714));
    // Retention by age: traces that started more than a day before "now" go, the rest stay.
    let now_us = (T0 + 86_400_000_000_000 + 60_000_000_000) / 1000;
    let d = store.apply_retention(Policy { keep_days: Some(1), max_bytes: None }, now_us).await.unwrap();
    assert_eq!(d.traces, 61, "the 60 traces before T0+60s and the one at T0-5s");
    let left = store.list_traces(&TraceFilter::default(), &PageRequest { limit: 1000, cursor: None }).await.unwrap();
    assert_eq!(left.traces.len(), 58);
    assert!(left.traces.iter().all(|t| t.start_us >= (T0 + 60_000_000_000) / 1000));
    // Retention by size: the oldest go until the tables fit.
    let used = store.used_bytes().await.unwrap();
    assert!(used > 0);
    let d = store.apply_retention(Policy { keep_days: None, max_bytes: Some(used / 2) }, now_us).await.unwrap();
    assert!(d.traces > 0 && d.traces < 58, "{d:?}");
    let after = store.list_traces(&TraceFilter::default(), &PageRequest { limit: 1000, cursor: None }).await.unwrap();
    assert_eq!(after.traces.len() as u64, 58 - d.traces);
    assert_eq!(
        after.traces.last().map(|t| t.start_us),
        left.traces.get(left.traces.len() - 1 - d.traces as usize).map(|t| t.start_us),
        "the oldest went first"
    );

    writer.shutdown(Duration::from_secs(5)).await;
    store.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_postgres() {
    story(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_mysql() {
    story(Backend::MySql).await;
}
