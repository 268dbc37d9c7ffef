//! The telemetry pipeline end to end on a real SQLite file: `tracing` spans from
//! instrumented code -> tracing-opentelemetry -> batch processor -> store exporter -> writer
//! -> agno_spans, with the store's own spans filtered out and events kept in attributes.

use std::time::Duration;

use tracedeck_model::{PageRequest, StatusCode, TraceFilter, attrs};
use tracedeck_otel::{Telemetry, TelemetryConfig};
use tracedeck_store::{OpenOptions, Store, StoreConfig, Writer, WriterConfig};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_spans_land_in_the_store_without_the_stores_own_spans() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreConfig::sqlite(dir.path().join("t.db")), OpenOptions::default()).await.unwrap();
    let writer = Writer::spawn(store.clone(), WriterConfig::default()).await.unwrap();
    let telemetry = Telemetry::new(writer, TelemetryConfig::default());
    let subscriber = tracing_subscriber::registry().with(telemetry.layer());

    tracing::subscriber::with_default(subscriber, || {
        let run = tracing::info_span!(
            target: "my_agent",
            "agent_run",
            otel.name = "Weather_Agent.run",
            openinference.span.kind = "AGENT",
            agno.agent.id = "weather-agent",
            session.id = "sess-1",
            user.id = "alice",
            "input.value" = "What's the weather in Paris?",
        );
        let _g = run.enter();
        {
            let _db = tracing::info_span!(target: "sqlx::query", "query", db.statement = "INSERT ...").entered();
            let _inner = tracing::info_span!(target: "my_agent", "inside_sqlx").entered();
        }
        {
            let _w = tracing::info_span!(target: "tracedeck_store::writer", "write_batch").entered();
        }
        let tool = tracing::info_span!(
            target: "my_agent",
            "tool",
            otel.name = "divide",
            openinference.span.kind = "TOOL",
            tool.name = "divide",
            otel.status_code = "ERROR",
            otel.status_description = "float division by zero",
        );
        let _t = tool.enter();
        tracing::event!(target: "my_agent", tracing::Level::WARN, exception.stacktrace = "Traceback ...", "float division by zero");
    });

    telemetry.flush(Duration::from_secs(10)).await.expect("flush");
    let page = store.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    assert_eq!(page.traces.len(), 1);
    let t = &page.traces[0];
    assert_eq!(t.name, "Weather_Agent.run");
    assert_eq!(t.user_id.as_deref(), Some("alice"));
    assert_eq!(t.agent_id.as_deref(), Some("weather-agent"));
    assert_eq!(t.error_count, 1);
    let d = store.get_trace(&t.trace_id).await.unwrap().unwrap();
    let names: Vec<&str> = d.spans.iter().map(|s| s.name.as_str()).collect();
    assert!(!names.iter().any(|n| *n == "query" || *n == "write_batch"), "store spans leaked: {names:?}");
    // A user span nested inside an excluded one is still recorded, under the run.
    assert!(names.contains(&"inside_sqlx"), "{names:?}");
    assert_eq!(d.tree.issues.orphans, 0, "{names:?}");
    let tool = d.spans.iter().find(|s| s.name == "divide").unwrap();
    assert_eq!(tool.status_code, StatusCode::Error);
    assert_eq!(tool.status_message.as_deref(), Some("float division by zero"));
    let events = tool.attributes.get(attrs::EVENTS).expect("events kept");
    let events = events.as_array().unwrap();
    assert!(events.iter().any(|e| e["attributes"]["exception.stacktrace"] == "Traceback ..."), "{events:?}");
    assert_eq!(d.trace.input_preview.as_deref(), Some("What's the weather in Paris?"));

    let stats = telemetry.shutdown(Duration::from_secs(5)).await;
    assert_eq!(stats.dropped_spans, 0);
    assert_eq!(stats.written_spans, 3);
}
