//! The OpenAI-compatible provider over real HTTP against a fake Chat Completions server on
//! 127.0.0.1 started by the test (no other network): non-streaming and streaming answers,
//! tool calls, request parameters and the API key, retries (500, 429 then success),
//! a malformed body, a server that hangs or stalls past the timeout, a 401 whose message
//! echoes the key, a refused connection; then whole runs recorded into SQLite.

mod agents_support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agents_support::fake_openai::FakeOpenAi;
use agents_support::{Recorder, attr, named, one, request, runtime, shape};
use serde_json::Value;
use tracedeck_agents::events::EventSink;
use tracedeck_agents::model::{Model, ModelError, ModelRequest, ModelResponse, ToolSpec, openai};
use tracedeck_agents::{Config, Message, RunStatus, RuntimeOptions};
use tracedeck_model::StatusCode;

fn model(fake: &FakeOpenAi, name: &str, extra: &str) -> Model {
    let text = fake.model_toml("m", name, extra);
    let cfg = Config::parse(&text, Path::new("/test/agents.toml")).unwrap_or_else(|e| panic!("{e}"));
    let http = openai::http_client(Duration::from_secs(2)).unwrap();
    Model::from_config("m", &cfg.models["m"], &http)
}

async fn ask(m: &Model, text: &str, tools: &[ToolSpec]) -> Result<ModelResponse, ModelError> {
    m.invoke(&ModelRequest { messages: &[Message::user(text)], tools }, None).await
}

async fn ask_streaming(m: &Model, text: &str) -> (Result<ModelResponse, ModelError>, Vec<String>) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let sink = EventSink::new(Some(tx), Arc::from("run"), 0);
    let r = m.invoke(&ModelRequest { messages: &[Message::user(text)], tools: &[] }, Some(&sink)).await;
    drop(sink);
    let mut deltas = Vec::new();
    while let Some(ev) = rx.recv().await {
        if let tracedeck_agents::RunEvent::TextDelta { text, .. } = ev {
            deltas.push(text);
        }
    }
    (r, deltas)
}

const FAST_RETRY: &str = "max_attempts = 2\nretry_base_ms = 10\nretry_max_ms = 50";

#[tokio::test]
async fn non_streaming_answer_sends_parameters_and_the_key() {
    let fake = FakeOpenAi::start().await;
    let m = model(
        &fake,
        "gpt-test",
        "temperature = 0.2\nmax_tokens = 50\nstop = [\"END\"]\napi_key_env = \"CARGO_MANIFEST_DIR\"\nextra_body = { top_k = 5 }",
    );
    let r = ask(&m, "hi there", &[]).await.unwrap();
    assert_eq!(r.content.as_deref(), Some("Echo: hi there"));
    assert!(r.usage_reported && r.usage.total_tokens > 0, "{r:?}");
    let (auth, body) = fake.state.last("gpt-test");
    assert_eq!(auth, Some(format!("Bearer {}", std::env::var("CARGO_MANIFEST_DIR").unwrap())));
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["max_tokens"], 50);
    assert_eq!(body["stop"], serde_json::json!(["END"]));
    assert_eq!(body["top_k"], 5);
    assert!(body.get("stream").is_none());
    assert_eq!(m.invocation_parameters(), r#"{"max_tokens":50,"stop":["END"],"temperature":0.2,"top_k":5}"#);
}

#[tokio::test]
async fn tool_calls_streamed_and_not() {
    let fake = FakeOpenAi::start().await;
    let m = model(&fake, "gpt-test", "");
    let tools = [ToolSpec {
        name: "get_weather".into(),
        description: "w".into(),
        parameters: serde_json::json!({"type": "object"}),
    }];
    let input = r#"Plan. CALL get_weather {"city": "Paris"} ;; CALL calculator {"expression": "1+1"}"#;
    let r = ask(&m, input, &tools).await.unwrap();
    assert_eq!(r.tool_calls.len(), 2);
    assert_eq!(
        (r.tool_calls[0].name.as_str(), r.tool_calls[0].arguments.as_str()),
        ("get_weather", r#"{"city": "Paris"}"#)
    );
    assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
    let (_, body) = fake.state.last("gpt-test");
    assert_eq!(body["tools"][0]["function"]["name"], "get_weather");

    let (tx, _rx) = tokio::sync::mpsc::channel(16);
    let sink = EventSink::new(Some(tx), Arc::from("run"), 0);
    let r = m.invoke(&ModelRequest { messages: &[Message::user(input)], tools: &tools }, Some(&sink)).await.unwrap();
    assert_eq!(r.tool_calls[1].arguments, r#"{"expression": "1+1"}"#, "arguments split across chunks are joined");
    assert_eq!(r.tool_calls[0].id, "call_s0");

    let (r, deltas) = ask_streaming(&m, "hello streaming world").await;
    let r = r.unwrap();
    assert!(deltas.len() > 3, "{deltas:?}");
    assert_eq!(deltas.concat(), "Echo: hello streaming world");
    assert_eq!(r.content.as_deref(), Some("Echo: hello streaming world"));
    assert!(r.usage_reported, "usage from the final stream chunk");
    let (_, body) = fake.state.last("gpt-test");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn a_500_is_retried_then_reported() {
    let fake = FakeOpenAi::start().await;
    let m = model(&fake, "fail500", FAST_RETRY);
    let e = ask(&m, "hi", &[]).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "HTTP 500 from {}/chat/completions: fake upstream failure (deterministic) (after 2 attempts)",
            fake.base_url
        )
    );
    assert_eq!(e.kind(), "ServerError");
    assert_eq!(fake.state.count("fail500"), 2);
}

#[tokio::test]
async fn a_429_then_success_honours_retry_after() {
    let fake = FakeOpenAi::start().await;
    let m = model(&fake, "flaky429", "max_attempts = 3\nretry_base_ms = 5000");
    let t = Instant::now();
    let r = ask(&m, "hi", &[]).await.unwrap();
    assert_eq!(r.content.as_deref(), Some("Echo: hi"));
    assert_eq!(fake.state.count("flaky429"), 2);
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(30) && waited < Duration::from_secs(3),
        "Retry-After (30 ms) beats the 5 s backoff: {waited:?}"
    );
}

#[tokio::test]
async fn a_malformed_body_is_a_clear_error_and_not_retried() {
    let fake = FakeOpenAi::start().await;
    let m = model(&fake, "malformed", FAST_RETRY);
    let e = ask(&m, "hi", &[]).await.unwrap_err();
    assert!(matches!(e, ModelError::Malformed { .. }), "{e:?}");
    assert!(e.to_string().contains("expected a JSON chat completion"), "{e}");
    assert!(e.to_string().contains("\"this is not json {\""), "{e}");
    assert_eq!(fake.state.count("malformed"), 1);
}

#[tokio::test]
async fn a_hanging_server_times_out_and_a_stalled_stream_too() {
    let fake = FakeOpenAi::start().await;
    let m = model(&fake, "hang", &format!("timeout_secs = 0.3\n{FAST_RETRY}"));
    let t = Instant::now();
    let e = ask(&m, "hi", &[]).await.unwrap_err();
    let took = t.elapsed();
    assert_eq!(
        e.to_string(),
        format!("no response from {}/chat/completions within 300ms (after 2 attempts)", fake.base_url)
    );
    assert!(took >= Duration::from_millis(600) && took < Duration::from_secs(5), "{took:?}");

    let m = model(&fake, "stall", "timeout_secs = 0.3");
    let (r, deltas) = ask_streaming(&m, "hi").await;
    let e = r.unwrap_err();
    assert!(matches!(e, ModelError::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("(stream stalled)"), "{e}");
    assert_eq!(deltas, ["Echo:"], "what arrived before the stall was streamed");
}

#[tokio::test]
async fn client_errors_are_not_retried_and_never_echo_the_key() {
    let fake = FakeOpenAi::start().await;
    let m = model(&fake, "badkey", &format!("api_key_env = \"CARGO_MANIFEST_DIR\"\n{FAST_RETRY}"));
    let e = ask(&m, "hi", &[]).await.unwrap_err();
    let key = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    assert_eq!(
        e.to_string(),
        format!("HTTP 401 from {}/chat/completions: Incorrect API key provided: [redacted].", fake.base_url)
    );
    assert!(!e.to_string().contains(&key));
    assert_eq!(e.kind(), "ClientError");
    assert_eq!(fake.state.count("badkey"), 1);

    let m = model(&fake, "gpt-test", "api_key_env = \"TRACEDECK_TEST_NO_SUCH_KEY_VAR\"");
    let e = ask(&m, "hi", &[]).await.unwrap_err();
    assert_eq!(e.to_string(), "API key: environment variable TRACEDECK_TEST_NO_SUCH_KEY_VAR is not set");
    assert_eq!(fake.state.count("gpt-test"), 0, "nothing was sent without the key");
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let text = format!(
        "[models.m]\nprovider = \"openai\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\nmodel = \"x\"\n{FAST_RETRY}\n"
    );
    let cfg = Config::parse(&text, Path::new("/test/agents.toml")).unwrap();
    let m = Model::from_config("m", &cfg.models["m"], &openai::http_client(Duration::from_secs(2)).unwrap());
    let e = ask(&m, "hi", &[]).await.unwrap_err();
    assert!(matches!(e, ModelError::Connect { attempts: 2, .. }), "{e:?}");
    assert!(e.to_string().starts_with(&format!("cannot reach http://127.0.0.1:{port}/v1/chat/completions: ")), "{e}");
}

fn openai_agents(fake: &FakeOpenAi) -> String {
    format!(
        "{}{}{}
[agents.forecaster]
name = \"Forecast Agent\"
model = \"fake\"
instructions = \"Answer weather questions using the get_weather tool.\"
tools = [\"get_weather\", \"calculator\"]

[agents.broken]
name = \"Broken Agent\"
model = \"broken\"
",
        fake.model_toml("fake", "gpt-test", "temperature = 0.2"),
        fake.model_toml("broken", "fail500", FAST_RETRY),
        fake.model_toml("emb", "embedder", ""),
    )
}

#[tokio::test]
async fn openai_runs_are_recorded_streamed_or_not() {
    let fake = FakeOpenAi::start().await;
    let (_dir, rt) = runtime(&openai_agents(&fake), RuntimeOptions::default());
    let rec = Recorder::sqlite().await;
    let input = r#"What's the weather in Paris? CALL get_weather {"city": "Paris"}"#;

    let (o, events) = rec.run_with_events(&rt, request("forecaster", input, "alice", "s-1")).await;
    assert_eq!(o.status, RunStatus::Ok, "{o:?}");
    assert_eq!(o.output, "Final answer based on tool output: The weather in Paris is 21C and sunny (demo data).");
    let streamed: String = events
        .iter()
        .filter_map(|e| match e {
            tracedeck_agents::RunEvent::TextDelta { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(streamed, o.output);
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(
        shape(&d),
        "Forecast_Agent.run [AGENT] OK\n  OpenAIChat.invoke_stream [LLM] OK\n  get_weather [TOOL] OK\n  OpenAIChat.invoke_stream [LLM] OK\n"
    );
    let llm = named(&d, "OpenAIChat.invoke_stream");
    assert_eq!(attr(llm[0], "llm.model_name"), "gpt-test");
    assert_eq!(attr(llm[0], "llm.provider"), "OpenAI");
    assert_eq!(attr(llm[0], "llm.system"), "openai");
    assert_eq!(attr(llm[0], "llm.invocation_parameters"), r#"{"temperature":0.2}"#);
    assert_eq!(attr(llm[0], "llm.output_messages.0.message.tool_calls.0.tool_call.id"), "call_s0");
    assert_eq!(attr(llm[1], "llm.input_messages.3.message.role"), "tool");
    assert_eq!(attr(llm[1], "llm.input_messages.3.message.tool_call_id"), "call_s0");
    let (_, body) = fake.state.last("gpt-test");
    let prompt = body["messages"].to_string().len() as i64 / 4;
    assert_eq!(attr(llm[1], "llm.token_count.prompt"), prompt, "the server's usage is recorded");
    assert_eq!(d.trace.total_tokens as u64, o.usage.total_tokens);

    let o = rec.run(&rt, request("forecaster", "no tools please", "alice", "s-2")).await;
    assert_eq!(o.output, "Echo: no tools please");
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(shape(&d), "Forecast_Agent.run [AGENT] OK\n  OpenAIChat.invoke [LLM] OK\n");
    rec.close().await;
}

#[tokio::test]
async fn a_failing_model_fails_the_run_with_the_servers_message() {
    let fake = FakeOpenAi::start().await;
    let (_dir, rt) = runtime(&openai_agents(&fake), RuntimeOptions::default());
    let rec = Recorder::sqlite().await;
    let o = rec.run(&rt, request("broken", "This request will fail upstream.", "frank", "s-f")).await;
    assert_eq!(o.status, RunStatus::Error);
    let want = format!(
        "model `broken` failed: HTTP 500 from {}/chat/completions: fake upstream failure (deterministic) (after 2 attempts)",
        fake.base_url
    );
    assert_eq!(o.error.as_deref(), Some(want.as_str()));
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(shape(&d), "Broken_Agent.run [AGENT] ERROR\n  OpenAIChat.invoke [LLM] ERROR\n");
    let run = one(&d, "Broken_Agent.run");
    assert_eq!(run.status_message.as_deref(), Some(want.as_str()));
    let llm = one(&d, "OpenAIChat.invoke");
    assert_eq!(llm.status_code, StatusCode::Error);
    let events = attr(llm, tracedeck_model::attrs::EVENTS);
    let names: Vec<&str> = events.as_array().unwrap().iter().filter_map(|e| e["name"].as_str()).collect();
    assert_eq!(names, ["retrying model call", "exception"], "the retry is visible on the LLM span");
    assert_eq!(events[1]["attributes"]["exception.type"], "ServerError");
    assert_eq!(events[0]["attributes"]["attempt"], 1);
    rec.close().await;
}

#[tokio::test]
async fn embeddings_make_retrieval_hybrid() {
    let fake = FakeOpenAi::start().await;
    let extra = format!(
        "{}\n[knowledge.docs]\npath = \"knowledge/demo\"\nembedding_model = \"emb\"\n\n[agents.finder]\nname = \"Finder\"\nmodel = \"demo\"\nknowledge = \"docs\"\n",
        fake.model_toml("emb", "embedder", "")
    );
    let (_dir, rt) = runtime(&extra, RuntimeOptions::default());
    let rec = Recorder::sqlite().await;
    let o = rec.run(&rt, request("finder", "packing for Rome", "u", "s")).await;
    assert_eq!(o.status, RunStatus::Ok, "{o:?}");
    let d = rec.trace(&o.trace_id).await;
    let r = one(&d, "docs.search");
    assert_eq!(attr(r, "tracedeck.retrieval.method"), "hybrid");
    assert_eq!(attr(r, "retrieval.documents.0.document.id"), "travel-packing.md#0");
    let score = attr(r, "retrieval.documents.0.document.score").as_f64().unwrap();
    assert!(score > 0.0 && score <= 1.0, "normalised hybrid score: {score}");
    let embeds: Vec<Value> = fake
        .state
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _, _)| p == "/v1/embeddings")
        .map(|(_, _, b)| b.clone())
        .collect();
    assert_eq!(embeds.len(), 2, "chunks once (cached index), then the query");
    assert_eq!(embeds[1]["input"], serde_json::json!(["packing for Rome"]));
    rec.close().await;
}
