//! The OpenAI-compatible Chat Completions provider: one implementation for OpenAI, Ollama,
//! vLLM, llama.cpp server and LM Studio (`POST {base_url}/chat/completions`, streamed with
//! SSE or not, tools, usage; `POST {base_url}/embeddings`). Owns request building, retries
//! (429, 5xx, timeouts, connection errors; backoff in [`super::retry`]), timeouts and error
//! messages; the wire format parsing is in [`super::sse`].

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Map, Value, json};

use super::retry::{RetryPolicy, retry_after};
use super::secrets::{KeySource, redact};
use super::sse::{ChunkError, SseParser, StreamAccumulator, error_message, parse_completion};
use super::{ModelError, ModelRequest, ModelResponse, estimate_usage};
use crate::config::ModelConfig;
use crate::events::EventSink;
use crate::message::{Message, Role};
use crate::runtime::ctl::fmt_duration;

/// Error bodies are read up to this size (enough for any JSON error, bounded for junk).
const MAX_ERROR_BODY: usize = 64 * 1024;

pub struct OpenAiChat {
    base_url: String,
    model: String,
    keys: KeySource,
    key: tokio::sync::OnceCell<Option<String>>,
    params: Map<String, Value>,
    params_json: String,
    timeout: Duration,
    retry: RetryPolicy,
    stream: bool,
    stream_usage: bool,
    http: reqwest::Client,
}

fn wire_message(m: &Message) -> Value {
    let mut v = json!({"role": m.role.as_str(), "content": m.content});
    if !m.tool_calls.is_empty() {
        v["tool_calls"] = m
            .tool_calls
            .iter()
            .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
            .collect();
    }
    if m.role == Role::Tool {
        v["tool_call_id"] = json!(m.tool_call_id);
    }
    v
}

impl OpenAiChat {
    pub fn new(_id: &str, cfg: &ModelConfig, http: reqwest::Client) -> OpenAiChat {
        let mut params = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                params.insert(k.to_owned(), v);
            }
        };
        put("temperature", cfg.temperature.map(Value::from));
        put("top_p", cfg.top_p.map(Value::from));
        put("max_tokens", cfg.max_tokens.map(Value::from));
        put("seed", cfg.seed.map(Value::from));
        put("presence_penalty", cfg.presence_penalty.map(Value::from));
        put("frequency_penalty", cfg.frequency_penalty.map(Value::from));
        put("stop", (!cfg.stop.is_empty()).then(|| json!(cfg.stop)));
        if let Some(extra) = &cfg.extra_body {
            params.extend(extra.clone());
        }
        let params_json = Value::Object(params.clone()).to_string();
        OpenAiChat {
            base_url: cfg.base_url.as_deref().unwrap_or("").trim_end_matches('/').to_owned(),
            model: cfg.model.clone().unwrap_or_default(),
            keys: KeySource { env: cfg.api_key_env.clone(), keyring: cfg.api_key_keyring.clone() },
            key: tokio::sync::OnceCell::new(),
            params,
            params_json,
            timeout: cfg.timeout(),
            retry: RetryPolicy {
                max_attempts: cfg.max_attempts.unwrap_or(3).max(1),
                base: Duration::from_millis(cfg.retry_base_ms.unwrap_or(500)),
                max: Duration::from_millis(cfg.retry_max_ms.unwrap_or(20_000)),
            },
            stream: cfg.stream.unwrap_or(true),
            stream_usage: cfg.stream_usage.unwrap_or(true),
            http,
        }
    }

    pub fn model_name(&self) -> &str {
        &self.model
    }

    pub fn invocation_parameters(&self) -> &str {
        &self.params_json
    }

    pub fn streams(&self) -> bool {
        self.stream
    }

    async fn api_key(&self) -> Result<Option<&str>, ModelError> {
        Ok(self.key.get_or_try_init(|| self.keys.resolve()).await?.as_deref())
    }

    fn body(&self, req: &ModelRequest<'_>, stream: bool) -> Value {
        let mut b = self.params.clone();
        b.insert("model".into(), json!(self.model));
        b.insert("messages".into(), req.messages.iter().map(wire_message).collect());
        if !req.tools.is_empty() {
            b.insert("tools".into(), req.tools.iter().map(|t| t.function_json()).collect());
        }
        if stream {
            b.insert("stream".into(), json!(true));
            if self.stream_usage {
                b.insert("stream_options".into(), json!({"include_usage": true}));
            }
        }
        Value::Object(b)
    }

    /// POSTs with retries until a 2xx response (headers only; the body is the caller's).
    async fn post(&self, path: &str, body: &Value, stream: bool) -> Result<(reqwest::Response, String), ModelError> {
        let url = format!("{}/{path}", self.base_url);
        let key = self.api_key().await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut rb = self.http.post(&url).json(body);
            if let Some(k) = key {
                rb = rb.bearer_auth(k);
            }
            if stream {
                rb = rb.header(reqwest::header::ACCEPT, "text/event-stream");
            }
            let (err, wait) = match tokio::time::timeout(self.timeout, rb.send()).await {
                Err(_) => (
                    ModelError::Timeout { url: url.clone(), timeout: fmt_duration(self.timeout), attempts: attempt },
                    None,
                ),
                Ok(Err(e)) if e.is_timeout() => (
                    ModelError::Timeout { url: url.clone(), timeout: fmt_duration(self.timeout), attempts: attempt },
                    None,
                ),
                Ok(Err(e)) => {
                    let message = redact(&root_cause(&e), key);
                    (ModelError::Connect { url: url.clone(), message, attempts: attempt }, None)
                }
                Ok(Ok(resp)) if resp.status().is_success() => return Ok((resp, url)),
                Ok(Ok(resp)) => {
                    let status = resp.status();
                    let wait = retry_after(resp.headers());
                    let body = self.read_capped(resp, MAX_ERROR_BODY).await.unwrap_or_default();
                    let message = redact(&error_message(&body), key);
                    let err =
                        ModelError::Status { status: status.as_u16(), url: url.clone(), message, attempts: attempt };
                    if !(status.as_u16() == 429 || status.is_server_error()) {
                        return Err(err);
                    }
                    (err, wait)
                }
            };
            if attempt >= self.retry.max_attempts {
                return Err(err);
            }
            tracing::debug!(target: "tracedeck_agents::http", %url, attempt = attempt as i64, error = %err, "retrying model call");
            tokio::time::sleep(self.retry.delay(attempt, wait)).await;
        }
    }

    /// Reads a body up to `cap` bytes within the timeout.
    async fn read_capped(&self, resp: reqwest::Response, cap: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut s = resp.bytes_stream();
        let read = async {
            while let Some(Ok(chunk)) = s.next().await {
                out.extend_from_slice(&chunk[..chunk.len().min(cap - out.len())]);
                if out.len() >= cap {
                    break;
                }
            }
        };
        tokio::time::timeout(self.timeout, read).await.ok()?;
        Some(out)
    }

    pub async fn invoke(&self, req: &ModelRequest<'_>, sink: Option<&EventSink>) -> Result<ModelResponse, ModelError> {
        let stream = sink.is_some();
        let body = self.body(req, stream);
        let (resp, url) = self.post("chat/completions", &body, stream).await?;
        let is_sse = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let mut r = match (sink, is_sse) {
            (Some(sink), true) => self.read_stream(resp, &url, sink).await?,
            // A server that ignores `stream: true` answers with one JSON body; take it.
            (sink, _) => {
                let body = self.read_body(resp, &url).await?;
                let r =
                    parse_completion(&body).map_err(|message| ModelError::Malformed { url: url.clone(), message })?;
                if let (Some(sink), Some(t)) = (sink, &r.content) {
                    sink.text(t).await;
                }
                r
            }
        };
        if !r.usage_reported {
            r.usage = estimate_usage(req, &r);
        }
        Ok(r)
    }

    async fn read_body(&self, resp: reqwest::Response, url: &str) -> Result<Vec<u8>, ModelError> {
        match tokio::time::timeout(self.timeout, resp.bytes()).await {
            Err(_) => {
                Err(ModelError::Timeout { url: url.to_owned(), timeout: fmt_duration(self.timeout), attempts: 1 })
            }
            Ok(Err(e)) => Err(ModelError::Connect { url: url.to_owned(), message: root_cause(&e), attempts: 1 }),
            Ok(Ok(b)) => Ok(b.to_vec()),
        }
    }

    async fn read_stream(
        &self,
        resp: reqwest::Response,
        url: &str,
        sink: &EventSink,
    ) -> Result<ModelResponse, ModelError> {
        let malformed = |message: String| ModelError::Malformed { url: url.to_owned(), message };
        let mut bytes = resp.bytes_stream();
        let mut parser = SseParser::default();
        let mut acc = StreamAccumulator::default();
        'read: loop {
            // The timeout bounds the silence between chunks, not the whole answer.
            let next = tokio::time::timeout(self.timeout, bytes.next()).await.map_err(|_| ModelError::Timeout {
                url: format!("{url} (stream stalled)"),
                timeout: fmt_duration(self.timeout),
                attempts: 1,
            })?;
            let ended = next.is_none();
            let events = match next {
                None => parser.finish(),
                Some(Err(e)) => {
                    return Err(ModelError::Connect {
                        url: url.to_owned(),
                        message: format!("stream interrupted: {}", root_cause(&e)),
                        attempts: 1,
                    });
                }
                Some(Ok(chunk)) => parser.push(&chunk),
            };
            for data in events {
                if data.trim() == "[DONE]" {
                    break 'read;
                }
                match acc.push(&data) {
                    Ok(Some(text)) => sink.text(&text).await,
                    Ok(None) => {}
                    Err(ChunkError::Json(m)) => return Err(malformed(m)),
                    Err(ChunkError::Upstream(message)) => {
                        return Err(ModelError::Upstream { url: url.to_owned(), message });
                    }
                }
            }
            if ended {
                break;
            }
        }
        acc.finish().map_err(malformed)
    }

    /// `POST {base_url}/embeddings` (OpenAI format), vectors in input order.
    pub async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>, ModelError> {
        let body = json!({"model": self.model, "input": inputs});
        let (resp, url) = self.post("embeddings", &body, false).await?;
        let bytes = self.read_body(resp, &url).await?;
        let malformed = |message: String| ModelError::Malformed { url: url.clone(), message };
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| malformed(format!("expected JSON embeddings: {e}")))?;
        let data = v.get("data").and_then(Value::as_array).ok_or_else(|| malformed("no `data` array".into()))?;
        let mut out: Vec<(usize, Vec<f32>)> = Vec::with_capacity(data.len());
        for (pos, d) in data.iter().enumerate() {
            let idx = d.get("index").and_then(Value::as_u64).map_or(pos, |i| i as usize);
            let emb = d
                .get("embedding")
                .and_then(Value::as_array)
                .ok_or_else(|| malformed(format!("data[{pos}] has no embedding")))?;
            out.push((idx, emb.iter().map(|x| x.as_f64().unwrap_or(0.0) as f32).collect()));
        }
        if out.len() != inputs.len() {
            return Err(malformed(format!("{} embeddings for {} inputs", out.len(), inputs.len())));
        }
        out.sort_by_key(|(i, _)| *i);
        Ok(out.into_iter().map(|(_, v)| v).collect())
    }
}

/// The innermost cause of a reqwest error ("connection refused", not "error sending request").
fn root_cause(e: &reqwest::Error) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let inner = cur.to_string();
    let outer = e.to_string();
    if inner == outer { outer } else { format!("{outer}: {inner}") }
}

/// The HTTP client shared by the runtime: rustls on the ring provider (no OpenSSL, no C
/// crypto build) with the platform's certificate verifier.
pub fn http_client(connect_timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config()?)
        .connect_timeout(connect_timeout)
        .user_agent(concat!("tracedeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

pub(crate) fn tls_config() -> Result<rustls::ClientConfig, String> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_platform_verifier()
        .map_err(|e| format!("TLS certificate verifier: {e}"))?
        .with_no_client_auth())
}
