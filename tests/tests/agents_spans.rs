//! Every span kind the runtime emits, checked in the stored rows after a real run through
//! the telemetry pipeline into SQLite: names, parent/child shape, attributes (the
//! OpenInference/Agno keys and Tracedeck's), statuses, and the trace row's ids. Also limits,
//! timeouts, cancellation (every open span ends ERROR "cancelled") and concurrent runs.

mod agents_support;

use std::sync::Arc;
use std::time::Duration;

use agents_support::{DEMO_TEAM_SHAPE, Recorder, attr, attrs, children, named, one, request, runtime, shape};
use futures::future::BoxFuture;
use serde_json::{Value, json};
use tracedeck_agents::{RunStatus, RuntimeOptions, Tool, ToolContext, ToolError};
use tracedeck_model::{StatusCode, TraceStatus, attrs as keys};
use tracing::instrument::WithSubscriber;

/// Sleeps for a long time; used to cancel or time out a run while a tool is running.
struct SlowTool(Value);

impl Tool for SlowTool {
    fn name(&self) -> &str {
        "slow"
    }
    fn description(&self) -> &str {
        "Takes its time."
    }
    fn parameters(&self) -> &Value {
        &self.0
    }
    fn call<'a>(&'a self, _args: Value, _ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok("done".into())
        })
    }
}

const EXTRA: &str = r#"
[tools.slow]
kind = "external"

[models.leader]
provider = "scripted"
[[models.leader.rules]]
when = '(?i)weather'
tool_calls = [{ name = "delegate_task_to_member", arguments = { member_id = "weather", task = "{input}" } }]
reply = "Team says: {tool_results}"
[[models.leader.rules]]
when = '(?i)wait'
tool_calls = [{ name = "delegate_task_to_member", arguments = { member_id = "waiter", task = "{input}" } }]
[[models.leader.rules]]
reply = "Summary: {tool_results}"

[models.loopy]
provider = "scripted"
[[models.loopy.rules]]
tool_calls = [{ name = "calculator", arguments = { expression = "1+1" } }]
loop_tools = true

[models.patient]
provider = "scripted"
[[models.patient.rules]]
tool_calls = [{ name = "slow", arguments = {} }]
reply = "finished"

[agents.looper]
name = "Looper"
model = "loopy"
tools = ["calculator"]
max_tool_rounds = 2

[agents.waiter]
name = "Waiter"
model = "patient"
tools = ["slow"]

[agents.waiter_t]
name = "Waiter Timed"
model = "patient"
tools = ["slow"]
run_timeout_secs = 0.2

[teams.router]
name = "Router Team"
model = "leader"
mode = "route"
members = ["weather", "calculator"]

[teams.everyone]
name = "Everyone Team"
model = "leader"
mode = "broadcast"
members = ["weather", "calculator"]

[teams.slowteam]
name = "Slow Team"
model = "leader"
mode = "coordinate"
members = ["waiter"]
"#;

fn options() -> RuntimeOptions {
    RuntimeOptions { extra_tools: vec![Arc::new(SlowTool(json!({"type": "object"})))], ..Default::default() }
}

#[tokio::test]
async fn agent_run_llm_and_tool_spans() {
    let (_dir, rt) = runtime(EXTRA, options());
    let rec = Recorder::sqlite().await;
    let o = rec.run(&rt, request("weather", "What's the weather in Paris?", "alice", "sess-alice-1")).await;
    assert_eq!(o.status, RunStatus::Ok);
    assert_eq!(o.trace_id.len(), 32);
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(
        shape(&d),
        "Weather_Agent.run [AGENT] OK\n  ScriptedModel.invoke [LLM] OK\n  get_weather [TOOL] OK\n  ScriptedModel.invoke [LLM] OK\n"
    );

    // The trace row carries the ids Agno derives from the root span.
    let t = &d.trace;
    assert_eq!(t.name, "Weather_Agent.run");
    assert_eq!(t.run_id.as_deref(), Some(o.run_id.as_str()));
    assert_eq!(t.session_id.as_deref(), Some("sess-alice-1"));
    assert_eq!(t.user_id.as_deref(), Some("alice"));
    assert_eq!(t.agent_id.as_deref(), Some("weather"));
    assert_eq!(t.team_id, None);
    assert_eq!(t.total_tokens as u64, o.usage.total_tokens, "only LLM spans carry token counts");

    let run = one(&d, "Weather_Agent.run");
    let a = attrs(run);
    assert_eq!(a[keys::SPAN_KIND], "AGENT");
    assert_eq!(a["agent.name"], "Weather Agent");
    assert_eq!(a["agno.agent.id"], "weather");
    assert_eq!(a["agno.agent"], "Weather Agent");
    assert_eq!(a["agno.run.id"], o.run_id.as_str());
    assert_eq!(a["session.id"], "sess-alice-1");
    assert_eq!(a["user.id"], "alice");
    assert_eq!(a["agno.tools"], json!(["get_weather"]));
    assert_eq!(a["input.value"], "What's the weather in Paris?");
    assert_eq!(a["output.value"], o.output.as_str());
    assert_eq!(a["output.mime_type"], "text/plain");
    assert_eq!(a["tracedeck.model"], "demo");
    assert_eq!(a["tracedeck.run.total_tokens"], o.usage.total_tokens);
    assert!(!a.contains_key(keys::TOKENS_TOTAL));
    assert_eq!(run.status_code, StatusCode::Ok);

    let llm = named(&d, "ScriptedModel.invoke");
    let first = attrs(llm[0]);
    assert_eq!(first[keys::SPAN_KIND], "LLM");
    assert_eq!(first["llm.model_name"], "scripted-demo");
    assert_eq!(first["llm.provider"], "Tracedeck scripted model (demo/test, no LLM called)");
    assert_eq!(first["llm.system"], "scripted");
    assert_eq!(first["llm.invocation_parameters"], "{}");
    assert_eq!(first["input.mime_type"], "application/json");
    assert_eq!(first["llm.input_messages.0.message.role"], "system");
    assert_eq!(first["llm.input_messages.0.message.content"], "Answer weather questions using the get_weather tool.");
    assert_eq!(first["llm.input_messages.1.message.role"], "user");
    let schema: Value = serde_json::from_str(first["llm.tools.0.tool.json_schema"].as_str().unwrap()).unwrap();
    assert_eq!(schema["function"]["name"], "get_weather");
    assert_eq!(schema["function"]["parameters"]["required"], json!(["city"]));
    assert_eq!(first["llm.output_messages.0.message.role"], "assistant");
    assert_eq!(first["llm.output_messages.0.message.tool_calls.0.tool_call.id"], "call_0_0");
    assert_eq!(first["llm.output_messages.0.message.tool_calls.0.tool_call.function.name"], "get_weather");
    assert_eq!(first["llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments"], r#"{"city":"Paris"}"#);
    let input: Value = serde_json::from_str(first["input.value"].as_str().unwrap()).unwrap();
    assert_eq!(input["messages"][1]["content"], "What's the weather in Paris?");
    let output: Value = serde_json::from_str(first["output.value"].as_str().unwrap()).unwrap();
    assert_eq!(output[0]["tool_calls"][0]["function"]["name"], "get_weather");
    let p = first["llm.token_count.prompt"].as_i64().unwrap();
    let c = first["llm.token_count.completion"].as_i64().unwrap();
    assert_eq!(first["llm.token_count.total"], p + c);

    let second = attrs(llm[1]);
    assert_eq!(second["llm.input_messages.2.message.role"], "assistant");
    assert_eq!(second["llm.input_messages.2.message.tool_calls.0.tool_call.id"], "call_0_0");
    assert_eq!(second["llm.input_messages.3.message.role"], "tool");
    assert_eq!(second["llm.input_messages.3.message.tool_call_id"], "call_0_0");
    assert_eq!(second["llm.input_messages.3.message.content"], "The weather in Paris is 21C and sunny (demo data).");
    assert_eq!(second["llm.output_messages.0.message.content"], o.output.as_str());

    let tool = attrs(one(&d, "get_weather"));
    assert_eq!(tool[keys::SPAN_KIND], "TOOL");
    assert_eq!(tool["tool.name"], "get_weather");
    assert_eq!(tool["tool.description"], "Get the current weather for a city.");
    assert_eq!(tool["tool.parameters"], r#"{"city":"Paris"}"#);
    assert_eq!(tool["input.value"], r#"{"city":"Paris"}"#);
    assert_eq!(tool["output.value"], "The weather in Paris is 21C and sunny (demo data).");
    rec.close().await;
}

#[tokio::test]
async fn a_failing_tool_records_the_exception_and_the_model_gets_the_error() {
    let (_dir, rt) = runtime(EXTRA, options());
    let rec = Recorder::sqlite().await;
    let o = rec.run(&rt, request("calculator", "What is 1/0?", "carol", "sess-carol-1")).await;
    assert_eq!(o.status, RunStatus::Ok);
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(
        shape(&d),
        "Calculator_Agent.run [AGENT] OK\n  ScriptedModel.invoke [LLM] OK\n  calculator [TOOL] ERROR\n  ScriptedModel.invoke [LLM] OK\n"
    );
    assert_eq!((d.trace.status, d.trace.error_count), (TraceStatus::Error, 1), "errors derive from spans");
    let tool = one(&d, "calculator");
    assert_eq!(tool.status_message.as_deref(), Some("division by zero"));
    assert_eq!(attr(tool, "tool.parameters"), r#"{"expression":"1/0"}"#);
    assert_eq!(attr(tool, "output.value"), "division by zero");
    let events = attr(tool, keys::EVENTS);
    assert_eq!(events[0]["name"], "exception");
    assert_eq!(events[0]["attributes"]["exception.type"], "ZeroDivisionError");
    assert_eq!(events[0]["attributes"]["exception.message"], "division by zero");
    let llm = named(&d, "ScriptedModel.invoke");
    assert_eq!(attr(llm[1], "llm.input_messages.3.message.content"), "Error: division by zero");
    rec.close().await;
}

#[tokio::test]
async fn hook_and_retrieval_spans() {
    let (_dir, rt) = runtime(EXTRA, options());
    let rec = Recorder::sqlite().await;
    let o = rec.run(&rt, request("researcher", "Explain BM25 retrieval, reply to ann@example.com", "u", "s")).await;
    assert_eq!(o.status, RunStatus::Ok, "{o:?}");
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(
        shape(&d),
        "Researcher_Agent.run [AGENT] OK\n  pre_hook.redact_pii [GUARDRAIL] OK\n  pre_hook.max_length [GUARDRAIL] OK\n  \
         ScriptedModel.invoke [LLM] OK\n  search_knowledge [TOOL] OK\n    demo.search [RETRIEVER] OK\n  \
         ScriptedModel.invoke [LLM] OK\n  post_hook.max_length [GUARDRAIL] OK\n"
    );
    let h = attrs(one(&d, "pre_hook.redact_pii"));
    assert_eq!(h[keys::SPAN_KIND], "GUARDRAIL");
    assert_eq!(h["tracedeck.hook.name"], "redact_pii");
    assert_eq!(h["tracedeck.hook.stage"], "pre");
    assert_eq!(h["input.value"], "Explain BM25 retrieval, reply to ann@example.com");
    assert_eq!(h["output.value"], "Explain BM25 retrieval, reply to [REDACTED_EMAIL]");
    assert_eq!(h["tracedeck.hook.modified"], true);
    assert_eq!(attr(one(&d, "pre_hook.max_length"), "tracedeck.hook.modified"), false);
    assert_eq!(attr(one(&d, "post_hook.max_length"), "tracedeck.hook.stage"), "post");
    // The model saw the redacted input.
    let llm = named(&d, "ScriptedModel.invoke");
    assert_eq!(
        attr(llm[0], "llm.input_messages.1.message.content"),
        "Explain BM25 retrieval, reply to [REDACTED_EMAIL]"
    );

    let r = one(&d, "demo.search");
    assert_eq!(r.parent_span_id.as_deref(), Some(one(&d, "search_knowledge").span_id.as_str()));
    let a = attrs(r);
    assert_eq!(a[keys::SPAN_KIND], "RETRIEVER");
    assert_eq!(a["input.value"], "BM25 retrieval, reply to [REDACTED_EMAIL]");
    assert_eq!(a["tracedeck.retrieval.store"], "demo");
    assert_eq!(a["tracedeck.retrieval.k"], 3);
    assert_eq!(a["tracedeck.retrieval.method"], "bm25");
    assert_eq!(a["tracedeck.retrieval.index_built"], true);
    assert_eq!(a["retrieval.documents.0.document.id"], "retrieval.md#0");
    assert!(a["retrieval.documents.0.document.content"].as_str().unwrap().starts_with("# Retrieval with BM25"));
    let s0 = a["retrieval.documents.0.document.score"].as_f64().unwrap();
    let s1 = a.get("retrieval.documents.1.document.score").and_then(Value::as_f64).unwrap_or(0.0);
    assert!(s0 > 0.0 && s0 >= s1, "{s0} {s1}");
    let meta: Value = serde_json::from_str(a["retrieval.documents.0.document.metadata"].as_str().unwrap()).unwrap();
    assert_eq!(meta, json!({"source": "retrieval.md", "chunk": 0}));

    // The index is built once per runtime.
    let o = rec.run(&rt, request("researcher", "Explain packing", "u", "s2")).await;
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(attr(one(&d, "demo.search"), "tracedeck.retrieval.index_built"), Value::Null);
    rec.close().await;
}

#[tokio::test]
async fn team_coordinate_delegations_parent_member_runs() {
    let (_dir, rt) = runtime(EXTRA, options());
    let rec = Recorder::sqlite().await;
    let o = rec.run(&rt, request("travel", "Plan a trip to Rome", "dave", "sess-dave-1")).await;
    assert_eq!(o.status, RunStatus::Ok, "{o:?}");
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(shape(&d), DEMO_TEAM_SHAPE);
    let t = &d.trace;
    assert_eq!(
        (t.name.as_str(), t.team_id.as_deref(), t.agent_id.as_deref()),
        ("Travel_Team.run", Some("travel"), None)
    );
    assert_eq!((t.user_id.as_deref(), t.session_id.as_deref()), (Some("dave"), Some("sess-dave-1")));
    let root = attrs(one(&d, "Travel_Team.run"));
    assert_eq!(root["agno.team.id"], "travel");
    assert_eq!(root["agno.team"], "Travel Team");
    assert_eq!(root["agno.tools"], json!(["delegate_task_to_member"]));
    assert!(root.get("agno.agent.id").is_none());
    assert_eq!(root["tracedeck.run.total_tokens"], o.usage.total_tokens, "includes the members");
    assert_eq!(t.total_tokens as u64, o.usage.total_tokens);

    let delegations = named(&d, "delegate_task_to_member");
    let by_member =
        |m: &str| delegations.iter().copied().find(|s| attr(s, "tracedeck.delegation.member") == m).unwrap();
    let w = by_member("weather");
    let a = attrs(w);
    assert_eq!(a[keys::SPAN_KIND], "TOOL");
    assert_eq!(a["tool.name"], "delegate_task_to_member");
    assert_eq!(a["tracedeck.delegation.mode"], "coordinate");
    assert_eq!(a["input.value"], "What's the weather in Rome?");
    assert_eq!(a["output.value"], "The weather in Rome is 21C and sunny (demo data). (scripted demo answer)");
    let params: Value = serde_json::from_str(a["tool.parameters"].as_str().unwrap()).unwrap();
    assert_eq!(params["member_id"], "weather");
    let member = children(&d, w);
    assert_eq!(member.len(), 1);
    let m = attrs(member[0]);
    assert_eq!(m["agno.agent.id"], "weather");
    assert_eq!((m["session.id"].as_str(), m["user.id"].as_str()), (Some("sess-dave-1"), Some("dave")));
    assert_ne!(m["agno.run.id"], root["agno.run.id"]);
    assert_eq!(m["input.value"], "What's the weather in Rome?");
    let r = children(&d, by_member("researcher"));
    assert_eq!(attr(r[0], "agno.agent.id"), "researcher");
    rec.close().await;
}

#[tokio::test]
async fn team_route_and_broadcast() {
    let (_dir, rt) = runtime(EXTRA, options());
    let rec = Recorder::sqlite().await;
    let o = rec.run(&rt, request("router", "What's the weather in Lima?", "u", "s-r")).await;
    assert_eq!(
        o.output, "The weather in Lima is 21C and sunny (demo data). (scripted demo answer)",
        "route returns the member's answer"
    );
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(
        shape(&d),
        "Router_Team.run [AGENT] OK
  ScriptedModel.invoke [LLM] OK
  delegate_task_to_member [TOOL] OK
    Weather_Agent.run [AGENT] OK
      ScriptedModel.invoke [LLM] OK
      get_weather [TOOL] OK
      ScriptedModel.invoke [LLM] OK
"
    );
    assert_eq!(attr(one(&d, "delegate_task_to_member"), "tracedeck.delegation.mode"), "route");

    let o = rec.run(&rt, request("everyone", "What is 6 * 7?", "u", "s-b")).await;
    assert!(o.output.starts_with("Summary: "), "{}", o.output);
    assert!(o.output.contains("said: 42"), "{}", o.output);
    let d = rec.trace(&o.trace_id).await;
    let root = one(&d, "Everyone_Team.run");
    let kids: Vec<&str> = children(&d, root).iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        kids,
        ["delegate_task_to_member", "delegate_task_to_member", "ScriptedModel.invoke"],
        "members first, then the leader"
    );
    for s in named(&d, "delegate_task_to_member") {
        assert_eq!(attr(s, "tracedeck.delegation.mode"), "broadcast");
        assert_eq!(attr(s, "input.value"), "What is 6 * 7?");
    }
    rec.close().await;
}

#[tokio::test]
async fn limit_and_timeout_errors_end_the_run_span() {
    let (_dir, rt) = runtime(EXTRA, options());
    let rec = Recorder::sqlite().await;
    let o = rec.run(&rt, request("looper", "go", "u", "s")).await;
    assert_eq!(o.error.as_deref(), Some("max tool-call rounds (2) exceeded"));
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(
        shape(&d),
        "Looper.run [AGENT] ERROR\n  ScriptedModel.invoke [LLM] OK\n  calculator [TOOL] OK\n  ScriptedModel.invoke [LLM] OK\n  \
         calculator [TOOL] OK\n  ScriptedModel.invoke [LLM] OK\n"
    );
    assert_eq!(one(&d, "Looper.run").status_message.as_deref(), Some("max tool-call rounds (2) exceeded"));

    let o = rec.run(&rt, request("waiter_t", "go", "u", "s")).await;
    assert_eq!(o.status, RunStatus::Error);
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(shape(&d), "Waiter_Timed.run [AGENT] ERROR\n  ScriptedModel.invoke [LLM] OK\n  slow [TOOL] ERROR\n");
    for s in [one(&d, "Waiter_Timed.run"), one(&d, "slow")] {
        assert_eq!(s.status_message.as_deref(), Some("run timeout (200ms) exceeded"), "{}", s.name);
    }
    rec.close().await;
}

#[tokio::test]
async fn cancelling_ends_every_open_span_with_cancelled() {
    let (_dir, rt) = runtime(EXTRA, options());
    let rec = Recorder::sqlite().await;
    for (target, want) in [
        ("waiter", "Waiter.run [AGENT] ERROR\n  ScriptedModel.invoke [LLM] OK\n  slow [TOOL] ERROR\n"),
        (
            "slowteam",
            "Slow_Team.run [AGENT] ERROR\n  ScriptedModel.invoke [LLM] OK\n  delegate_task_to_member [TOOL] ERROR\n    \
             Waiter.run [AGENT] ERROR\n      ScriptedModel.invoke [LLM] OK\n      slow [TOOL] ERROR\n",
        ),
    ] {
        let req = request(target, "please wait", "u", "s");
        let cancel = req.cancel.clone();
        let run = tokio::spawn({
            let rt = rt.clone();
            let dispatch = rec.dispatch.clone();
            async move { rt.run(req, None).await.unwrap() }.with_subscriber(dispatch)
        });
        tokio::time::sleep(Duration::from_millis(150)).await;
        cancel.cancel();
        let o = tokio::time::timeout(Duration::from_secs(5), run).await.expect("cancel is prompt").unwrap();
        assert_eq!((o.status, o.error.as_deref()), (RunStatus::Cancelled, Some("cancelled")));
        let d = rec.trace(&o.trace_id).await;
        assert_eq!(shape(&d), want);
        for s in d.spans.iter().filter(|s| s.status_code == StatusCode::Error) {
            assert_eq!(s.status_message.as_deref(), Some("cancelled"), "{}", s.name);
        }
    }
    rec.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_are_separate_traces() {
    let (_dir, rt) = runtime(EXTRA, options());
    let rec = Recorder::sqlite().await;
    let runs: Vec<_> = (0..12)
        .map(|i| {
            let rt = rt.clone();
            let target = if i % 2 == 0 { "weather" } else { "travel" };
            let input =
                if i % 2 == 0 { format!("What's the weather in City{i}?") } else { "Plan a trip to Oslo".to_owned() };
            let req = request(target, &input, &format!("user{i}"), &format!("s{i}"));
            tokio::spawn(async move { rt.run(req, None).await.unwrap() }.with_subscriber(rec.dispatch.clone()))
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for (i, r) in runs.into_iter().enumerate() {
        let o = r.await.unwrap();
        assert_eq!(o.status, RunStatus::Ok);
        let d = rec.trace(&o.trace_id).await;
        assert_eq!(d.spans.len(), if i % 2 == 0 { 4 } else { 17 }, "{}", shape(&d));
        assert_eq!(d.trace.user_id.as_deref(), Some(format!("user{i}").as_str()));
        assert!(d.tree.issues.is_clean(), "{:?}", d.tree.issues);
        ids.insert(o.trace_id);
    }
    assert_eq!(ids.len(), 12);
    rec.close().await;
}
