//! Opening: creation through the migrations, re-opening, refusals, foreign (Agno-made)
//! databases left untouched, newer schemas, and read-only sessions enforced by the server.

use serde_json::json;
use sqlx::mysql::MySqlDatabaseError;
use tracedeck_model::{PageRequest, StatsGroupBy, TraceFilter, attrs};

use super::{MySqlStore, TestDb, agent_trace, span, tid};
use crate::{OpenOptions, Origin, StoreError};

const LATEST: i64 = 20261125000002;

#[tokio::test]
async fn creates_migrates_and_reopens() {
    let Some(db) = TestDb::new("creates_migrates_and_reopens").await else {
        return;
    };
    let s = db.open().await;
    assert_eq!(s.info().origin, Origin::Created);
    assert_eq!(s.info().tracedeck_version, Some(LATEST));
    let v = &s.info().server_version;
    assert!(v.starts_with("MariaDB") || v.starts_with("MySQL"), "{v}");
    let r = s.check().await.unwrap();
    assert_eq!(r.schema.as_deref(), Some(db.name.as_str()));
    assert_eq!(
        r.agno_versions,
        vec![("agno_spans".to_owned(), "3.0.0".to_owned()), ("agno_traces".to_owned(), "3.0.0".to_owned())]
    );
    assert_eq!((r.trace_count, r.span_count), (0, 0));
    let db = &db;
    let q = |sql: String| async move { db.strings(&sql).await };
    let charset = q(format!(
        "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.schemata WHERE schema_name = '{}'",
        db.name
    ))
    .await;
    assert_eq!(charset, ["utf8mb4"]);
    let idx = q(format!(
        "SELECT DISTINCT CAST(index_name AS CHAR) FROM information_schema.statistics \
         WHERE table_schema = '{}' AND table_name = 'agno_spans' ORDER BY 1",
        db.name
    ))
    .await;
    for want in ["PRIMARY", "idx_agno_spans_trace_id", "idx_agno_spans_start_time", "idx_agno_spans_parent_span_id"] {
        assert!(idx.iter().any(|i| i == want), "{want} missing from {idx:?}");
    }
    s.close().await;

    let s = db.open().await;
    assert_eq!(s.info().origin, Origin::Tracedeck);
    assert_eq!(s.info().tracedeck_version, Some(LATEST));
    assert!(s.info().notes.is_empty(), "{:?}", s.info().notes);
    let applied =
        q(format!("SELECT CAST(COUNT(*) AS CHAR) FROM `{}`.tracedeck_migrations WHERE success", db.name)).await;
    assert_eq!(applied, ["2"]);
    s.close().await;
}

#[tokio::test]
async fn custom_table_names() {
    let Some(db) = TestDb::new("custom_table_names").await else {
        return;
    };
    let cfg = crate::StoreConfig::parse(&format!(
        "{}?schema={}&traces_table=t_runs&spans_table=t_steps&versions_table=t_versions",
        db.url, db.name
    ))
    .unwrap();
    let s = MySqlStore::open(&cfg, OpenOptions::default()).await.unwrap();
    s.write_batch(&agent_trace(1, 0, "u", false, 0)).await.unwrap();
    assert_eq!(s.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap().traces.len(), 1);
    let fk = db
        .strings(&format!(
            "SELECT CAST(referenced_table_name AS CHAR) FROM information_schema.key_column_usage \
             WHERE table_schema = '{}' AND table_name = 't_steps' AND referenced_table_name IS NOT NULL",
            db.name
        ))
        .await;
    assert_eq!(fk, ["t_runs"]);
    s.close().await;
}

#[tokio::test]
async fn refuses_missing_tables_unless_creating() {
    let Some(db) = TestDb::new("refuses_missing_tables").await else {
        return;
    };
    let err = MySqlStore::open(&db.config(), OpenOptions { create: false }).await.unwrap_err();
    assert!(matches!(err, StoreError::Schema(_)) && err.to_string().contains("tracedeck db init"), "{err}");
    let err = MySqlStore::open(&db.config().with_read_only(true), OpenOptions::default()).await.unwrap_err();
    assert!(matches!(err, StoreError::Schema(_)), "{err}");
    let dbs = db
        .strings(&format!("SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{}'", db.name))
        .await;
    assert!(dbs.is_empty(), "nothing may be created without OpenOptions::create");
}

/// Agno's MySQL DDL, except that `attributes` is plain LONGTEXT (as an older tool might have
/// made it) so that a malformed row can be stored.
async fn make_agno_tables(db: &TestDb) {
    let n = &db.name;
    db.exec(&format!("CREATE DATABASE `{n}`")).await;
    db.exec(&format!(
        "CREATE TABLE `{n}`.agno_traces (trace_id VARCHAR(128) NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, \
         status VARCHAR(50) NOT NULL, start_time VARCHAR(128) NOT NULL, end_time VARCHAR(128) NOT NULL, \
         duration_ms BIGINT NOT NULL, run_id VARCHAR(128), session_id VARCHAR(128), user_id VARCHAR(128), \
         agent_id VARCHAR(128), team_id VARCHAR(128), workflow_id VARCHAR(128), created_at VARCHAR(128) NOT NULL, \
         INDEX idx_agno_traces_start_time (start_time))"
    ))
    .await;
    db.exec(&format!(
        "CREATE TABLE `{n}`.agno_spans (span_id VARCHAR(128) NOT NULL PRIMARY KEY, trace_id VARCHAR(128) NOT NULL, \
         parent_span_id VARCHAR(128), name VARCHAR(255) NOT NULL, span_kind VARCHAR(50) NOT NULL, \
         status_code VARCHAR(50) NOT NULL, status_message TEXT, start_time VARCHAR(128) NOT NULL, \
         end_time VARCHAR(128) NOT NULL, duration_ms BIGINT NOT NULL, attributes LONGTEXT, created_at VARCHAR(128) NOT NULL, \
         INDEX idx_agno_spans_trace_id (trace_id), FOREIGN KEY (trace_id) REFERENCES `{n}`.agno_traces (trace_id))"
    ))
    .await;
    // Python's isoformat() drops the fraction when the microseconds are zero.
    db.exec(&format!(
        "INSERT INTO `{n}`.agno_traces VALUES ('{t}', 'Agno_Agent.run', 'OK', '2026-11-25T16:00:00+00:00', \
         '2026-11-25T16:00:01.500000+00:00', 1500, 'r', 's', 'u', 'agno-agent', NULL, NULL, '2026-11-25T16:00:01.500000+00:00')",
        t = tid(900)
    ))
    .await;
    db.exec(&format!(
        "INSERT INTO `{n}`.agno_spans VALUES \
         ('a000000000000001', '{t}', NULL, 'Agno_Agent.run', 'INTERNAL', 'OK', NULL, '2026-11-25T16:00:00+00:00', \
          '2026-11-25T16:00:01.500000+00:00', 1500, '{{\"input.value\": \"from agno\", \"llm.token_count.total\": 5}}', \
          '2026-11-25T16:00:01.500000+00:00'), \
         ('a000000000000002', '{t}', 'a000000000000001', 'broken', 'INTERNAL', 'ERROR', 'x', '2026-11-25T16:00:00.100000+00:00', \
          '2026-11-25T16:00:00.200000+00:00', 100, '{{not json token_count', '2026-11-25T16:00:00.200000+00:00')",
        t = tid(900)
    ))
    .await;
}

async fn ddl(db: &TestDb) -> Vec<String> {
    let mut out = db
        .strings(&format!(
            "SELECT CAST(CONCAT(table_name, ':', COALESCE(create_options, ''), ':', table_collation) AS CHAR) \
             FROM information_schema.tables WHERE table_schema = '{}' ORDER BY table_name",
            db.name
        ))
        .await;
    out.extend(
        db.strings(&format!(
            "SELECT CAST(CONCAT(table_name, '.', column_name, ':', column_type, ':', is_nullable) AS CHAR) \
             FROM information_schema.columns WHERE table_schema = '{}' ORDER BY table_name, ordinal_position",
            db.name
        ))
        .await,
    );
    out
}

#[tokio::test]
async fn foreign_database_is_used_as_it_is() {
    let Some(db) = TestDb::new("foreign_database").await else {
        return;
    };
    make_agno_tables(&db).await;
    let before = ddl(&db).await;
    let s = db.open().await;
    assert_eq!(s.info().origin, Origin::Foreign);
    assert_eq!(s.info().tracedeck_version, None);
    assert!(s.info().notes.iter().any(|n| n.contains("not created by Tracedeck")), "{:?}", s.info().notes);

    // Writing into it works and merges with the row Agno wrote.
    s.write_batch(&agent_trace(1, 0, "u", false, 0)).await.unwrap();
    let late = span(&tid(900), "a000000000000003", Some("a000000000000001"), "late", 1400, 2000, false, json!({}));
    s.write_batch(&[late]).await.unwrap();
    let page = s.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    assert_eq!(page.traces.len(), 2);
    let agno = page.traces.iter().find(|t| t.trace_id == tid(900)).unwrap();
    assert_eq!((agno.span_count, agno.error_count, agno.total_tokens), (3, 1, 5));
    assert_eq!(agno.input_preview.as_deref(), Some("from agno"));
    assert_eq!(agno.name, "Agno_Agent.run");
    assert_eq!(agno.duration_ms, 2000.0, "end extended by the late span");
    let stored = db
        .strings(&format!(
            "SELECT CAST(duration_ms AS CHAR) FROM `{}`.agno_traces WHERE trace_id = '{}'",
            db.name,
            tid(900)
        ))
        .await;
    assert_eq!(stored, ["2000"], "duration recomputed from a fraction-less start time");

    // The malformed row breaks nothing.
    let d = s.get_trace(&tid(900)).await.unwrap().unwrap();
    let broken = d.spans.iter().find(|x| x.name == "broken").unwrap();
    assert_eq!(broken.attributes.get(attrs::INVALID_ATTRIBUTES), Some("{not json token_count".into()));
    for by in [StatsGroupBy::Model, StatsGroupBy::SpanName, StatsGroupBy::User] {
        s.trace_stats(by, &TraceFilter::default()).await.unwrap();
    }
    let search = TraceFilter { search: Some("FROM AGNO".into()), ..Default::default() };
    assert_eq!(s.list_traces(&search, &PageRequest::default()).await.unwrap().traces.len(), 1);
    s.close().await;

    assert_eq!(before, ddl(&db).await, "a foreign database is never altered");
    let s = db.open().await;
    assert_eq!(s.info().origin, Origin::Foreign);
    s.close().await;
}

#[tokio::test]
async fn newer_schema_is_refused_for_writing() {
    let Some(db) = TestDb::new("newer_schema").await else {
        return;
    };
    db.open().await.close().await;
    db.exec(&format!(
        "INSERT INTO `{}`.tracedeck_migrations (version, description, success, checksum, execution_time) \
         VALUES (29990101000000, 'future', TRUE, x'00', 0)",
        db.name
    ))
    .await;
    let err = MySqlStore::open(&db.config(), OpenOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("newer Tracedeck"), "{err}");
    let ro = db.open_ro().await;
    assert_eq!(ro.info().tracedeck_version, Some(29990101000000));
    ro.close().await;
}

#[tokio::test]
async fn read_only_is_enforced_by_the_server() {
    let Some(db) = TestDb::new("read_only").await else {
        return;
    };
    let rw = db.open().await;
    rw.write_batch(&agent_trace(1, 0, "u", true, 0)).await.unwrap();
    rw.close().await;

    let ro = db.open_ro().await;
    assert!(ro.info().read_only);
    assert_eq!(ro.info().origin, Origin::Tracedeck);
    let page = ro.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    assert_eq!(page.traces.len(), 1);
    // The store's own write path reaches the server, which refuses.
    let err = ro.write_batch(&agent_trace(2, 0, "u", false, 0)).await.unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly(_)), "{err}");
    // So does any other statement on its connections, including DDL.
    for sql in [format!("DELETE FROM {}", ro.tables.spans), format!("CREATE TABLE `{}`.x (a INT)", db.name)] {
        let e = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&ro.pool).await.unwrap_err();
        let number = e.as_database_error().and_then(|d| d.try_downcast_ref::<MySqlDatabaseError>()).map(|d| d.number());
        assert_eq!(number, Some(1792), "{e}");
    }
    assert_eq!(ro.check().await.unwrap().span_count, 4);
    ro.close().await;
}

#[tokio::test]
async fn concurrent_first_opens_agree() {
    let Some(db) = TestDb::new("concurrent_first_opens").await else {
        return;
    };
    let cfg = db.config();
    let opts = OpenOptions::default();
    let (a, b, c) =
        tokio::join!(MySqlStore::open(&cfg, opts), MySqlStore::open(&cfg, opts), MySqlStore::open(&cfg, opts));
    for s in [a, b, c] {
        let s = s.expect("every concurrent open succeeds");
        assert_eq!(s.info().tracedeck_version, Some(LATEST));
        s.close().await;
    }
}
