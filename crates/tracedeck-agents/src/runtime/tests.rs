//! Runtime behaviour with the scripted model and no subscriber: demo agents and team answer,
//! tool errors go back to the model, hooks transform and reject, history carries over,
//! limits, timeouts and cancellation end runs with clear errors, events stream.

use std::path::Path;
use std::time::Duration;

use tokio::sync::mpsc;

use super::*;
use crate::config::EXAMPLE;

fn demo_runtime(dir: &Path) -> Runtime {
    let cfg = Config::load_or_init(dir).expect("example config");
    Runtime::new(cfg, RuntimeOptions::with_data_dir(dir)).expect("runtime")
}

fn runtime_with(extra: &str) -> (tempfile::TempDir, Runtime) {
    let dir = tempfile::tempdir().unwrap();
    Config::write_example(&dir.path().join("agents.toml")).unwrap();
    let text = format!("{EXAMPLE}\n{extra}");
    let cfg = Config::parse(&text, &dir.path().join("agents.toml")).unwrap_or_else(|e| panic!("{e}"));
    let rt = Runtime::new(cfg, RuntimeOptions::default()).unwrap();
    (dir, rt)
}

async fn run(rt: &Runtime, target: &str, input: &str) -> RunOutcome {
    rt.run(RunRequest::new(target, input), None).await.expect("known target")
}

#[tokio::test]
async fn demo_agents_and_team_answer() {
    let dir = tempfile::tempdir().unwrap();
    let rt = demo_runtime(dir.path());
    let o = run(&rt, "weather", "What's the weather in Paris?").await;
    assert_eq!(o.status, RunStatus::Ok, "{o:?}");
    assert_eq!(o.output, "The weather in Paris is 21C and sunny (demo data). (scripted demo answer)");
    assert!(o.usage.total_tokens > 0);
    assert_eq!(o.trace_id, "0".repeat(32), "no OpenTelemetry layer installed");

    let o = run(&rt, "calculator", "What is 1/0?").await;
    assert_eq!(o.status, RunStatus::Ok, "a tool error is an answer, not a failed run");
    assert_eq!(o.output, "I asked the calculator about 1/0 and it said: Error: division by zero");
    let o = run(&rt, "calculator", "What is 2 + 3 * 4?").await;
    assert!(o.output.ends_with("said: 14"), "{}", o.output);

    let o = run(&rt, "researcher", "Explain BM25 retrieval").await;
    assert!(o.output.contains("retrieval.md#0"), "{}", o.output);

    let o = run(&rt, "travel", "Plan a trip to Rome").await;
    assert_eq!(o.status, RunStatus::Ok, "{o:?}");
    assert!(o.output.starts_with("Your trip to Rome, from the team:"), "{}", o.output);
    assert!(o.output.contains("The weather in Rome is 21C"), "{}", o.output);
    assert!(o.output.contains("travel-packing.md"), "{}", o.output);

    let e = rt.run(RunRequest::new("nobody", "hi"), None).await.unwrap_err().to_string();
    assert_eq!(e, "no agent or team named `nobody` (available: calculator, researcher, weather, travel)");
}

#[tokio::test]
async fn events_stream_text_tools_and_members() {
    let dir = tempfile::tempdir().unwrap();
    let rt = demo_runtime(dir.path());
    let (tx, mut rx) = mpsc::channel(1024);
    let o = rt.run(RunRequest::new("travel", "Plan a trip to Oslo"), Some(tx)).await.unwrap();
    let mut text = String::new();
    let mut kinds = Vec::new();
    while let Some(ev) = rx.recv().await {
        if let RunEvent::TextDelta { depth: 0, text: t, .. } = &ev {
            text.push_str(t);
        }
        kinds.push(match ev {
            RunEvent::RunStarted { depth, .. } => format!("start{depth}"),
            RunEvent::Delegation { member, .. } => format!("delegate:{member}"),
            RunEvent::RunFinished { depth, .. } => format!("finish{depth}"),
            RunEvent::HookApplied { hook, .. } => format!("hook:{hook}"),
            RunEvent::Retrieval { .. } => "retrieval".into(),
            _ => continue,
        });
    }
    assert_eq!(text, o.output, "the streamed text is the answer");
    assert_eq!(kinds.first().map(String::as_str), Some("start0"));
    assert_eq!(kinds.last().map(String::as_str), Some("finish0"));
    for k in ["delegate:weather", "delegate:researcher", "start1", "finish1", "hook:redact_pii", "retrieval"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
}

#[tokio::test]
async fn hooks_redact_and_reject_and_history_carries_over() {
    let (_d, rt) = runtime_with(
        r#"
[agents.echo]
model = "echo"
pre_hooks = [{ kind = "redact_pii" }, { kind = "max_length", max_chars = 60, action = "reject" }]
post_hooks = [{ kind = "json_output", required_keys = ["said"] }]

[models.echo]
provider = "scripted"
[[models.echo.rules]]
when = "^ok"
reply = '{"said": "{input}"}'
[[models.echo.rules]]
reply = "not json"
"#,
    );
    let o = run(&rt, "echo", "ok mail bob@example.com").await;
    assert_eq!(o.output, r#"{"said": "ok mail [REDACTED_EMAIL]"}"#);
    let o = run(&rt, "echo", &format!("ok {}", "x".repeat(80))).await;
    assert_eq!(o.status, RunStatus::Error);
    assert_eq!(
        o.error.as_deref(),
        Some("pre_hook max_length rejected the input: input is 83 characters, over the 60-character limit")
    );
    let o = run(&rt, "echo", "plain").await;
    assert!(o.error.unwrap().starts_with("post_hook json_output rejected the output: not valid JSON"));

    // History: the second run of the session sees the first exchange.
    let mut req = RunRequest::new("weather", "What's the weather in Paris?");
    req.session_id = Some("s1".into());
    let first = rt.run(req.clone(), None).await.unwrap();
    let store = &rt.inner.sessions;
    assert_eq!(store.load("weather", "s1").unwrap().len(), 2);
    req.input = "And the weather in Rome?".into();
    let second = rt.run(req, None).await.unwrap();
    assert_eq!(first.session_id, second.session_id);
    assert!(second.usage.prompt_tokens > first.usage.prompt_tokens, "history adds prompt tokens");
    assert_eq!(store.load("weather", "s1").unwrap().len(), 4);
}

#[tokio::test]
async fn limits_end_runs_with_clear_errors() {
    let (_d, rt) = runtime_with(
        r#"
[models.loopy]
provider = "scripted"
[[models.loopy.rules]]
tool_calls = [{ name = "calculator", arguments = { expression = "1+1" } }]
loop_tools = true

[agents.looper]
model = "loopy"
tools = ["calculator"]
max_tool_rounds = 3

[agents.spender]
model = "loopy"
tools = ["calculator"]
token_budget = 40

[models.slow]
provider = "scripted"
latency_ms = 5000
[agents.sleepy]
model = "slow"
run_timeout_secs = 0.05

[models.broken]
provider = "scripted"
[[models.broken.rules]]
error = "fake upstream failure (deterministic)"
[agents.broken]
model = "broken"
"#,
    );
    let o = run(&rt, "looper", "go").await;
    assert_eq!((o.status, o.error.as_deref()), (RunStatus::Error, Some("max tool-call rounds (3) exceeded")));
    let o = run(&rt, "spender", "go").await;
    assert!(o.error.as_deref().unwrap().starts_with("token budget (40 tokens) exceeded"), "{o:?}");
    let o = run(&rt, "sleepy", "hi").await;
    assert_eq!((o.status, o.error.as_deref()), (RunStatus::Error, Some("run timeout (50ms) exceeded")));
    let o = run(&rt, "broken", "hi").await;
    assert_eq!(
        o.error.as_deref(),
        Some("model `broken` failed: scripted model: fake upstream failure (deterministic)")
    );
}

#[tokio::test]
async fn cancellation_stops_a_run_and_concurrent_runs_are_independent() {
    let (_d, rt) = runtime_with(
        r#"
[models.slow]
provider = "scripted"
latency_ms = 5000
[agents.sleepy]
model = "slow"
"#,
    );
    let req = RunRequest::new("sleepy", "hi");
    let cancel = req.cancel.clone();
    let slow = tokio::spawn({
        let rt = rt.clone();
        async move { rt.run(req, None).await.unwrap() }
    });
    let fast: Vec<_> = (0..8)
        .map(|i| {
            let rt = rt.clone();
            tokio::spawn(async move {
                rt.run(RunRequest::new("calculator", format!("What is {i} * 2?")), None).await.unwrap()
            })
        })
        .collect();
    for (i, f) in fast.into_iter().enumerate() {
        let o = f.await.unwrap();
        assert!(o.output.ends_with(&format!("said: {}", i * 2)), "{}", o.output);
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    cancel.cancel();
    let o = tokio::time::timeout(Duration::from_secs(2), slow).await.expect("cancel is prompt").unwrap();
    assert_eq!((o.status, o.error.as_deref()), (RunStatus::Cancelled, Some("cancelled")));
}

struct Nap(serde_json::Value);

impl crate::tools::Tool for Nap {
    fn name(&self) -> &str {
        "nap"
    }
    fn description(&self) -> &str {
        "Sleeps 200 ms."
    }
    fn parameters(&self) -> &serde_json::Value {
        &self.0
    }
    fn call<'a>(
        &'a self,
        _args: serde_json::Value,
        _ctx: &'a crate::tools::ToolContext,
    ) -> futures::future::BoxFuture<'a, Result<String, crate::tools::ToolError>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok("rested".into())
        })
    }
}

#[tokio::test]
async fn parallel_tool_calls_run_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
[tools.nap]
kind = "external"
[models.m]
provider = "scripted"
[[models.m.rules]]
tool_calls = [{ name = "nap" }, { name = "nap" }, { name = "nap" }]
reply = "{tool_results}"
[agents.sleeper]
model = "m"
tools = ["nap"]
"#;
    let cfg = Config::parse(text, &dir.path().join("agents.toml")).unwrap();
    let opts = RuntimeOptions {
        extra_tools: vec![Arc::new(Nap(serde_json::json!({"type": "object"})))],
        ..Default::default()
    };
    let rt = Runtime::new(cfg, opts).unwrap();
    let t = std::time::Instant::now();
    let o = run(&rt, "sleeper", "go").await;
    let took = t.elapsed();
    assert_eq!(o.output, "rested\n\nrested\n\nrested");
    assert!(took < Duration::from_millis(500), "three 200 ms tools took {took:?}");
}

#[tokio::test]
async fn history_survives_a_new_runtime_on_the_same_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = RunRequest::new("weather", "What's the weather in Paris?");
    req.session_id = Some("trip".into());
    let first = run_req(&demo_runtime(dir.path()), req.clone()).await;
    // A second process: a new runtime reading the same files.
    req.input = "What's the weather in Rome?".into();
    let second = run_req(&demo_runtime(dir.path()), req).await;
    assert!(second.usage.prompt_tokens > first.usage.prompt_tokens);
    let file = crate::session::FileSessionStore::new(dir.path().join("sessions"));
    let msgs = file.load("weather", "trip").unwrap();
    let texts: Vec<&str> = msgs.iter().map(|m| m.content_str()).collect();
    assert_eq!(texts.len(), 4);
    assert_eq!(texts[0], "What's the weather in Paris?");
    assert_eq!(texts[2], "What's the weather in Rome?");
}

async fn run_req(rt: &Runtime, req: RunRequest) -> RunOutcome {
    rt.run(req, None).await.expect("known target")
}
