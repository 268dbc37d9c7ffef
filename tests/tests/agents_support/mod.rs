//! Shared by the `agents_*` tests: a recorder that runs agents through the real telemetry
//! pipeline into a store (SQLite file, or a PostgreSQL/MariaDB test database), helpers to
//! read spans back as a tree, and the demo config with extra sections appended.

#![allow(dead_code)]

pub mod fake_openai;

use std::time::Duration;

use serde_json::{Map, Value};
use tracedeck_agents::config::EXAMPLE;
use tracedeck_agents::{Config, RunEvent, RunOutcome, RunRequest, Runtime, RuntimeOptions};
use tracedeck_model::{Span, TraceDetail};
use tracedeck_otel::{Telemetry, TelemetryConfig};
use tracedeck_store::{OpenOptions, Store, StoreConfig, Writer, WriterConfig};
use tracing::instrument::WithSubscriber;
use tracing_subscriber::layer::SubscriberExt;

/// Runs agents with the Tracedeck telemetry layer as their subscriber and reads traces back.
pub struct Recorder {
    pub store: Store,
    pub telemetry: Telemetry,
    pub dispatch: tracing::Dispatch,
    _dir: Option<tempfile::TempDir>,
}

impl Recorder {
    pub async fn sqlite() -> Recorder {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Recorder::open(&StoreConfig::sqlite(dir.path().join("traces.db"))).await;
        r._dir = Some(dir);
        r
    }

    pub async fn open(cfg: &StoreConfig) -> Recorder {
        let store = Store::open(cfg, OpenOptions::default()).await.expect("open store");
        let writer = Writer::spawn(store.clone(), WriterConfig::default()).await.expect("writer");
        let telemetry = Telemetry::new(writer, TelemetryConfig::default());
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(telemetry.layer()));
        Recorder { store, telemetry, dispatch, _dir: None }
    }

    /// One run with this recorder's subscriber attached to the run future (so it holds on any
    /// runtime thread).
    pub async fn run(&self, rt: &Runtime, req: RunRequest) -> RunOutcome {
        rt.run(req, None).with_subscriber(self.dispatch.clone()).await.expect("known target")
    }

    pub async fn run_with_events(&self, rt: &Runtime, req: RunRequest) -> (RunOutcome, Vec<RunEvent>) {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
        let collect = tokio::spawn(async move {
            let mut v = Vec::new();
            while let Some(e) = rx.recv().await {
                v.push(e);
            }
            v
        });
        let o = rt.run(req, Some(tx)).with_subscriber(self.dispatch.clone()).await.expect("known target");
        (o, collect.await.unwrap())
    }

    /// Flushes the pipeline and reads the trace.
    pub async fn trace(&self, trace_id: &str) -> TraceDetail {
        self.telemetry.flush(Duration::from_secs(30)).await.expect("flush");
        self.store
            .get_trace(trace_id)
            .await
            .expect("get_trace")
            .unwrap_or_else(|| panic!("trace {trace_id} not stored"))
    }

    pub async fn close(self) {
        let stats = self.telemetry.shutdown(Duration::from_secs(10)).await;
        assert_eq!(stats.dropped_spans, 0, "{stats:?}");
        self.store.close().await;
    }
}

/// The example config (demo agents, team, knowledge) in a temp dir, plus `extra` TOML.
pub fn runtime(extra: &str, opts: RuntimeOptions) -> (tempfile::TempDir, Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agents.toml");
    Config::write_example(&path).unwrap();
    let cfg = Config::parse(&format!("{EXAMPLE}\n{extra}"), &path).unwrap_or_else(|e| panic!("{e}"));
    let rt = Runtime::new(cfg, opts).unwrap();
    (dir, rt)
}

pub fn request(target: &str, input: &str, user: &str, session: &str) -> RunRequest {
    let mut r = RunRequest::new(target, input);
    r.user_id = Some(user.into());
    r.session_id = Some(session.into());
    r
}

pub fn attrs(s: &Span) -> Map<String, Value> {
    s.attributes.to_map()
}

pub fn attr(s: &Span, key: &str) -> Value {
    attrs(s).remove(key).unwrap_or(Value::Null)
}

pub fn named<'a>(d: &'a TraceDetail, name: &str) -> Vec<&'a Span> {
    let mut v: Vec<&Span> = d.spans.iter().filter(|s| s.name == name).collect();
    v.sort_by_key(|s| s.start_us);
    v
}

pub fn one<'a>(d: &'a TraceDetail, name: &str) -> &'a Span {
    let v = named(d, name);
    assert_eq!(v.len(), 1, "exactly one `{name}` in\n{}", shape(d));
    v[0]
}

pub fn children<'a>(d: &'a TraceDetail, parent: &Span) -> Vec<&'a Span> {
    let mut v: Vec<&Span> =
        d.spans.iter().filter(|s| s.parent_span_id.as_deref() == Some(parent.span_id.as_str())).collect();
    v.sort_by(|a, b| (a.start_us, &a.name).cmp(&(b.start_us, &b.name)));
    v
}

/// The tree as indented `name [KIND] STATUS` lines, children by start time.
/// The tree of the demo team's "Plan a trip to …" run, as [`shape`] prints it.
pub const DEMO_TEAM_SHAPE: &str = "Travel_Team.run [AGENT] OK
  ScriptedModel.invoke [LLM] OK
  delegate_task_to_member [TOOL] OK
    Weather_Agent.run [AGENT] OK
      ScriptedModel.invoke [LLM] OK
      get_weather [TOOL] OK
      ScriptedModel.invoke [LLM] OK
  delegate_task_to_member [TOOL] OK
    Researcher_Agent.run [AGENT] OK
      pre_hook.redact_pii [GUARDRAIL] OK
      pre_hook.max_length [GUARDRAIL] OK
      ScriptedModel.invoke [LLM] OK
      search_knowledge [TOOL] OK
        demo.search [RETRIEVER] OK
      ScriptedModel.invoke [LLM] OK
      post_hook.max_length [GUARDRAIL] OK
  ScriptedModel.invoke [LLM] OK
";

pub fn shape(d: &TraceDetail) -> String {
    fn walk(d: &TraceDetail, s: &Span, depth: usize, out: &mut String) {
        out.push_str(&format!("{}{} [{}] {}\n", "  ".repeat(depth), s.name, s.kind.as_str(), s.status_code.as_str()));
        for c in children(d, s) {
            walk(d, c, depth + 1, out);
        }
    }
    let mut out = String::new();
    let mut roots: Vec<&Span> = d.spans.iter().filter(|s| s.parent_span_id.is_none()).collect();
    roots.sort_by_key(|s| s.start_us);
    for r in roots {
        walk(d, r, 0, &mut out);
    }
    out
}
