//! A fake OpenAI-compatible server on 127.0.0.1 (axum), started by the test. The model name
//! in the request picks the behaviour: `fail500`, `flaky429` (429 once, then fine),
//! `malformed`, `hang`, `stall` (streams one chunk, then nothing), `badkey` (401 echoing the
//! key); anything else answers like Agno's fixture server: "CALL name {json}" in the user
//! message asks for that tool (`;;` separates several), a tool result is answered with
//! "Final answer based on tool output: ...", else "Echo: ...". `/v1/embeddings` returns
//! hashed bag-of-words vectors.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};

#[derive(Default)]
pub struct FakeState {
    /// (path, Authorization header, body)
    pub requests: Mutex<Vec<(String, Option<String>, Value)>>,
    counters: Mutex<HashMap<String, u32>>,
}

impl FakeState {
    pub fn count(&self, model: &str) -> usize {
        self.requests.lock().unwrap().iter().filter(|(_, _, b)| b["model"] == model).count()
    }

    pub fn last(&self, model: &str) -> (Option<String>, Value) {
        let r = self.requests.lock().unwrap();
        let (_, auth, body) = r.iter().rev().find(|(_, _, b)| b["model"] == model).expect("a request for the model");
        (auth.clone(), body.clone())
    }
}

pub struct FakeOpenAi {
    pub base_url: String,
    pub state: Arc<FakeState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeOpenAi {
    pub async fn start() -> FakeOpenAi {
        let state = Arc::new(FakeState::default());
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/v1/embeddings", post(embeddings))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeOpenAi { base_url: format!("http://{addr}/v1"), state, task }
    }

    /// A `[models.<id>]` section pointing at this server.
    pub fn model_toml(&self, id: &str, model: &str, extra: &str) -> String {
        format!(
            "[models.{id}]\nprovider = \"openai\"\nbase_url = \"{}\"\nmodel = \"{model}\"\n{extra}\n",
            self.base_url
        )
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": {"message": message, "type": "fake_error"}}))).into_response()
}

fn tool_calls_in(text: &str) -> Vec<(String, String)> {
    let Some(i) = text.find("CALL ") else { return Vec::new() };
    text[i..]
        .split(";;")
        .filter_map(|part| {
            let part = part.trim().strip_prefix("CALL ")?;
            let (name, args) = part.split_once(' ')?;
            Some((name.to_owned(), args.trim().to_owned()))
        })
        .collect()
}

/// (content, tool calls) the fake model answers with.
fn answer(messages: &[Value]) -> (Option<String>, Vec<(String, String)>) {
    let last = messages.last().cloned().unwrap_or(Value::Null);
    if last["role"] == "tool" {
        let results: Vec<&str> = messages
            .iter()
            .rev()
            .take_while(|m| m["role"] == "tool")
            .filter_map(|m| m["content"].as_str())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return (Some(format!("Final answer based on tool output: {}", results.join(" | "))), Vec::new());
    }
    let text = last["content"].as_str().unwrap_or("");
    let calls = tool_calls_in(text);
    if calls.is_empty() { (Some(format!("Echo: {text}")), calls) } else { (None, calls) }
}

fn usage(body: &Value, content: &Option<String>) -> Value {
    let prompt = body["messages"].to_string().len() as u64 / 4;
    let completion = content.as_deref().map_or(3, str::len) as u64 / 4 + 1;
    json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
}

async fn chat(State(st): State<Arc<FakeState>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    st.requests.lock().unwrap().push(("/v1/chat/completions".into(), auth.clone(), body.clone()));
    let model = body["model"].as_str().unwrap_or("").to_owned();
    let n = {
        let mut c = st.counters.lock().unwrap();
        let n = c.entry(model.clone()).or_default();
        *n += 1;
        *n
    };
    match model.as_str() {
        "fail500" => return error(StatusCode::INTERNAL_SERVER_ERROR, "fake upstream failure (deterministic)"),
        "flaky429" if n == 1 => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit reached, retry shortly");
            r.headers_mut().insert("retry-after-ms", "30".parse().unwrap());
            return r;
        }
        "malformed" => {
            return ([(header::CONTENT_TYPE, "application/json")], "this is not json {").into_response();
        }
        "hang" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        "badkey" => {
            let key = auth.unwrap_or_default().trim_start_matches("Bearer ").to_owned();
            return error(StatusCode::UNAUTHORIZED, &format!("Incorrect API key provided: {key}."));
        }
        _ => {}
    }
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let (content, calls) = answer(&messages);
    let u = usage(&body, &content);
    if body["stream"] == true {
        return stream(&body, &model, content, calls, u);
    }
    let tool_calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| json!({"id": format!("call_{n}_{i}"), "type": "function", "function": {"name": name, "arguments": args}}))
        .collect();
    let mut message = json!({"role": "assistant", "content": content});
    if !tool_calls.is_empty() {
        message["tool_calls"] = Value::Array(tool_calls);
    }
    let finish = if calls.is_empty() { "stop" } else { "tool_calls" };
    Json(json!({"id": "chatcmpl-fake", "object": "chat.completion", "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": u}))
    .into_response()
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    format!(
        "data: {}\n\n",
        json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    )
}

fn stream(body: &Value, model: &str, content: Option<String>, calls: Vec<(String, String)>, usage: Value) -> Response {
    let mut out = vec![chunk(json!({"role": "assistant"}), None)];
    if let Some(c) = &content {
        let chars: Vec<char> = c.chars().collect();
        for piece in chars.chunks(5) {
            out.push(chunk(json!({"content": piece.iter().collect::<String>()}), None));
        }
    }
    for (i, (name, args)) in calls.iter().enumerate() {
        let mid = args.len() / 2;
        let (a, b) = args.split_at(args.floor_char_boundary(mid));
        out.push(chunk(json!({"tool_calls": [{"index": i, "id": format!("call_s{i}"), "type": "function", "function": {"name": name, "arguments": a}}]}), None));
        out.push(chunk(json!({"tool_calls": [{"index": i, "function": {"arguments": b}}]}), None));
    }
    out.push(chunk(json!({}), Some(if calls.is_empty() { "stop" } else { "tool_calls" })));
    if body["stream_options"]["include_usage"] == true {
        out.push(format!("data: {}\n\n", json!({"object": "chat.completion.chunk", "choices": [], "usage": usage})));
    }
    out.push("data: [DONE]\n\n".into());
    let items = futures::stream::iter(out.into_iter().map(Ok::<_, Infallible>));
    let body = if model == "stall" {
        // One chunk, then silence: the client's idle timeout must fire.
        Body::from_stream(items.take(2).chain(futures::stream::pending()))
    } else {
        Body::from_stream(items)
    };
    ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}

fn embed(text: &str) -> Vec<f64> {
    let mut v = vec![0.0; 16];
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2) {
        let h = w.to_lowercase().bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
        v[(h % 16) as usize] += 1.0;
    }
    v
}

async fn embeddings(State(st): State<Arc<FakeState>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    st.requests.lock().unwrap().push(("/v1/embeddings".into(), auth, body.clone()));
    let inputs: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        _ => return error(StatusCode::BAD_REQUEST, "input must be a string or an array"),
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": embed(t)}))
        .collect();
    Json(json!({"object": "list", "data": data, "model": body["model"]})).into_response()
}
