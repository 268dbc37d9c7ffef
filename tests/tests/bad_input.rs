//! Bad input never breaks the store and loses nothing else: broken trace trees, huge
//! attribute values, rows the database rejects (isolated from their batch), a spool that
//! fills up while the database is unreachable (drops are counted, never silent).

use std::time::Duration;

use tracedeck_model::{PageRequest, SpanRow, StatusCode, TraceContext, TraceFilter};
use tracedeck_store::{OpenOptions, Store, StoreConfig, Writer, WriterConfig};

fn span(trace: &str, id: &str, parent: Option<&str>, start_ms: i64, attributes: String) -> SpanRow {
    let start = 1_790_000_000_000_000_000 + start_ms * 1_000_000;
    SpanRow {
        trace_id: trace.into(),
        span_id: id.into(),
        parent_span_id: parent.map(Into::into),
        name: format!("span-{id}"),
        span_kind: "INTERNAL".into(),
        status_code: StatusCode::Ok,
        status_message: None,
        start_ns: start,
        end_ns: start + 1_000_000,
        attributes,
        context: TraceContext::default(),
        created_ns: start,
    }
}

async fn sqlite_store(dir: &std::path::Path) -> Store {
    Store::open(&StoreConfig::sqlite(dir.join("t.db")), OpenOptions::default()).await.unwrap()
}

#[tokio::test]
async fn broken_trees_are_repaired_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await;
    let t = "a".repeat(32);
    let rows = vec![
        span(&t, "0000000000000001", None, 0, "{}".into()),
        span(&t, "0000000000000002", Some("00000000000000ff"), 5, "{}".into()), // parent never arrives
        span(&t, "0000000000000003", Some("0000000000000004"), 6, "{}".into()), // 3 <-> 4 cycle
        span(&t, "0000000000000004", Some("0000000000000003"), 7, "{}".into()),
        span(&t, "0000000000000005", Some("0000000000000005"), 8, "{}".into()), // its own parent
    ];
    store.write_batch(&rows).await.unwrap();
    let d = store.get_trace(&t).await.unwrap().unwrap();
    assert_eq!(d.spans.len(), 5);
    assert_eq!(d.tree.issues.orphans, 1);
    assert_eq!(d.tree.issues.cycles_broken, 2);
    assert_eq!(d.tree.preorder().len(), 6, "5 spans + 1 synthetic parent, each exactly once");
    let page = store.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    assert_eq!(page.traces[0].span_count, 5);
}

#[tokio::test]
async fn a_10_mb_attribute_value_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await;
    let big = "é".repeat(5 * 1024 * 1024); // 10 MB of UTF-8
    let attrs = serde_json::json!({"output.value": big, "input.value": "small"}).to_string();
    let t = "b".repeat(32);
    store.write_batch(&[span(&t, "00000000000000aa", None, 0, attrs)]).await.unwrap();
    let page = store.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    assert_eq!(page.traces[0].input_preview.as_deref(), Some("small"));
    let d = store.get_trace(&t).await.unwrap().unwrap();
    assert_eq!(d.spans[0].attributes.get("output.value").unwrap().as_str().unwrap().len(), big.len());
    let hits = store
        .list_traces(&TraceFilter { search: Some("ééé".into()), ..Default::default() }, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(hits.traces.len(), 1);
}

#[tokio::test]
async fn rows_the_database_rejects_are_isolated_and_counted() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await;
    // Make the database refuse one particular span, as a constraint or a server-side check would.
    let mut c =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
    sqlx::query("CREATE TRIGGER refuse BEFORE INSERT ON agno_spans WHEN NEW.span_id = '00000000000000bd' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END")
        .execute(&mut c)
        .await
        .unwrap();
    drop(c);
    let writer = Writer::spawn(store.clone(), WriterConfig::default()).await.unwrap();
    let t = "c".repeat(32);
    let rows: Vec<SpanRow> =
        (0..200u32).map(|i| span(&t, &format!("{:016x}", 0x80 + i), None, i as i64, "{}".into())).collect();
    writer.submit(rows).await;
    writer.flush(Duration::from_secs(10)).await.unwrap();
    let stats = writer.stats();
    assert_eq!(stats.written_spans, 199);
    assert_eq!(stats.rejected_spans, 1);
    assert!(stats.last_error.as_deref().unwrap().contains("00000000000000bd"), "{stats:?}");
    assert_eq!(store.get_trace(&t).await.unwrap().unwrap().spans.len(), 199);
    writer.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn writes_to_a_read_only_store_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    sqlite_store(dir.path()).await.close().await;
    let ro = Store::open(&StoreConfig::sqlite(dir.path().join("t.db")).with_read_only(true), OpenOptions::default())
        .await
        .unwrap();
    let e = ro.write_batch(&[span(&"d".repeat(32), "0000000000000001", None, 0, "{}".into())]).await.unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
    assert!(Writer::spawn(ro, WriterConfig::default()).await.is_err());
}
