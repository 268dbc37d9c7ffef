//! Upgrading keeps the user's data: a data dir written by the previous schema version (trace
//! database and settings database at migration 1, connections, saved queries, history, the
//! agents file) opens with the current build, which applies the pending migrations and says
//! so; everything is still there. A database written by a *newer* Tracedeck is refused for
//! writing, opens read-only, and is left byte-for-byte unchanged.

use tracedeck_api::app::{App, AppConfig};
use tracedeck_model::{PageRequest, SpanRow, StatusCode, TraceContext, TraceFilter};
use tracedeck_store::settings::{HistoryRecord, SavedQueryRecord, SettingsDb};
use tracedeck_store::{OpenOptions, Store, StoreConfig};

const V1: i64 = 20261125000001;

fn span(i: u32) -> SpanRow {
    let start = 1_790_000_000_000_000_000 + i as i64 * 1_000_000_000;
    SpanRow {
        trace_id: format!("{i:032x}"),
        span_id: format!("{i:016x}"),
        parent_span_id: None,
        name: "Old_Agent.run".into(),
        span_kind: "INTERNAL".into(),
        status_code: StatusCode::Ok,
        status_message: None,
        start_ns: start,
        end_ns: start + 5_000_000,
        attributes: r#"{"openinference.span.kind":"AGENT","user.id":"old-user"}"#.into(),
        context: TraceContext { user_id: Some("old-user".into()), ..Default::default() },
        created_ns: start,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_previous_version_data_dir_opens_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (data, config) = (dir.path().join("data"), dir.path().join("config"));
    std::fs::create_dir_all(&data).unwrap();

    // The previous version's trace database, with data written by it.
    let cfg = StoreConfig::sqlite(data.join("traces.db"));
    tracedeck_store::sqlite::create_at_version(&cfg, V1).await.unwrap();
    {
        use sqlx::Connection;
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", data.join("traces.db").display())).await.unwrap();
        for i in 1..=3u32 {
            let s = span(i);
            let st = tracedeck_model::time::format_iso(s.start_ns);
            let en = tracedeck_model::time::format_iso(s.end_ns);
            sqlx::query("INSERT INTO agno_traces (trace_id, name, status, start_time, end_time, duration_ms, user_id, created_at) VALUES (?, ?, 'OK', ?, ?, 5, 'old-user', ?)")
                .bind(&s.trace_id).bind(&s.name).bind(&st).bind(&en).bind(&st).execute(&mut c).await.unwrap();
            sqlx::query("INSERT INTO agno_spans (span_id, trace_id, name, span_kind, status_code, start_time, end_time, duration_ms, attributes, created_at) VALUES (?, ?, ?, 'INTERNAL', 'OK', ?, ?, 5, ?, ?)")
                .bind(&s.span_id).bind(&s.trace_id).bind(&s.name).bind(&st).bind(&en).bind(&s.attributes).bind(&st).execute(&mut c).await.unwrap();
        }
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM tracedeck_migrations").fetch_all(&mut c).await.unwrap();
        assert_eq!(versions, vec![V1], "the file is at the previous schema version");
    }
    // The previous version's settings: a connection, a saved query, history.
    let settings = SettingsDb::open_at(&data.join("settings.db"), Some(V1)).await.unwrap();
    {
        use sqlx::Connection;
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", data.join("settings.db").display())).await.unwrap();
        sqlx::query("INSERT INTO connections (id, name, url, traces_table, spans_table, env, read_only, created_at, updated_at) VALUES ('c1', 'staging', 'sqlite:///nowhere.db', 'agno_traces', 'agno_spans', 'staging', 1, 'x', 'x')")
            .execute(&mut c).await.unwrap();
    }
    settings
        .save_query(&SavedQueryRecord {
            id: "q1".into(),
            name: "mine".into(),
            folder: "f".into(),
            description: "d".into(),
            sql: "SELECT 1".into(),
            updated_at: String::new(),
        })
        .await
        .unwrap();
    settings
        .add_history(&HistoryRecord {
            id: 0,
            connection: "local".into(),
            sql: "SELECT 42".into(),
            ran_at: "x".into(),
            elapsed_ms: 1.0,
            row_count: Some(1),
            error: None,
        })
        .await
        .unwrap();
    settings.close().await;
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("agents.toml"),
        tracedeck_agents::config::EXAMPLE.replace("Weather Agent", "My Weather Agent"),
    )
    .unwrap();

    // The new build opens it.
    let app = App::start(AppConfig {
        db: None,
        read_only: false,
        data_dir: data.clone(),
        config_dir: config.clone(),
        log_dir: None,
        otlp_endpoint: None,
    })
    .await
    .unwrap();
    let status = app.status().await;
    assert!(
        status.database.notes.iter().any(|n| n.contains("applied Tracedeck schema migrations")),
        "the user is told: {:?}",
        status.database.notes
    );
    let page = app.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    assert_eq!(page.traces.len(), 3);
    assert!(page.traces.iter().all(|t| t.user_id.as_deref() == Some("old-user")));
    let conns = app.list_connections().await.unwrap();
    assert!(conns.iter().any(|c| c.name == "staging" && c.env == "staging" && c.read_only));
    let history = app.connections().settings().history(Some("local"), None, 10).await.unwrap();
    assert_eq!(history[0].sql, "SELECT 42");
    let queries = app.connections().settings().queries().await.unwrap();
    assert!(queries.iter().any(|q| q.name == "mine"));
    assert!(app.list_agents().unwrap().iter().any(|a| a.name == "My Weather Agent"), "agents.toml kept");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_tracedeck_is_refused_for_writing_and_left_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("traces.db");
    let cfg = StoreConfig::sqlite(&path);
    Store::open(&cfg, OpenOptions::default()).await.unwrap().close().await;
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        sqlx::query("INSERT INTO tracedeck_migrations (version, description, success, checksum, execution_time) VALUES (29991231000000, 'from the future', 1, x'00', 0)")
            .execute(&mut c).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut c).await.unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let e = Store::open(&cfg, OpenOptions::default()).await.unwrap_err().to_string();
    assert!(e.contains("newer Tracedeck") && e.contains("read-only"), "{e}");
    let ro =
        Store::open(&cfg.clone().with_read_only(true), OpenOptions::default()).await.expect("read-only still works");
    ro.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    ro.close().await;
    assert_eq!(std::fs::read(&path).unwrap(), before, "never damaged");
}
