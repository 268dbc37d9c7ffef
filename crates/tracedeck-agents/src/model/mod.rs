//! Model providers behind one enum: [`openai::OpenAiChat`] (any OpenAI-compatible Chat
//! Completions server) and [`scripted::ScriptedModel`] (deterministic demo/test replies).
//! A provider turns messages and tool specs into an answer (text and/or tool calls, token
//! usage), streaming text to an [`EventSink`] when asked. Providers know nothing of spans:
//! the LLM span around a call is built by the runtime (`crate::spans`) from what a provider
//! reports here (class name, model, invocation parameters).

pub mod openai;
mod retry;
pub mod scripted;
mod secrets;
mod sse;

use serde_json::{Value, json};

use crate::config::{ModelConfig, Provider};
use crate::events::EventSink;
use crate::message::{Message, ToolCall, Usage};

pub use openai::OpenAiChat;
pub use scripted::ScriptedModel;

/// A tool as offered to a model: name, description and JSON-schema parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

impl ToolSpec {
    /// The Chat Completions `tools` entry (also recorded as `llm.tools.N.tool.json_schema`).
    pub fn function_json(&self) -> Value {
        json!({"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters}})
    }

    /// [`Self::function_json`] as text, serialised from borrowed parts (no schema clone).
    pub fn function_json_text(&self) -> String {
        #[derive(serde::Serialize)]
        struct Function<'a> {
            name: &'a str,
            description: &'a str,
            parameters: &'a Value,
        }
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            r#type: &'static str,
            function: Function<'a>,
        }
        let f = Function { name: &self.name, description: &self.description, parameters: &self.parameters };
        serde_json::to_string(&Entry { r#type: "function", function: f }).unwrap_or_default()
    }
}

pub struct ModelRequest<'a> {
    pub messages: &'a [Message],
    pub tools: &'a [ToolSpec],
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelResponse {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    /// False when the server sent no usage; `usage` is then a chars/4 estimate, used for the
    /// token budget but not recorded as the server's token counts.
    pub usage_reported: bool,
    pub finish_reason: Option<String>,
}

/// Why a model call failed. Messages never contain the API key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("HTTP {status} from {url}: {message}{}", attempts_note(*attempts))]
    Status { status: u16, url: String, message: String, attempts: u32 },
    #[error("no response from {url} within {timeout}{}", attempts_note(*attempts))]
    Timeout { url: String, timeout: String, attempts: u32 },
    #[error("cannot reach {url}: {message}{}", attempts_note(*attempts))]
    Connect { url: String, message: String, attempts: u32 },
    #[error("malformed response from {url}: {message}")]
    Malformed { url: String, message: String },
    #[error("error from {url} while streaming: {message}")]
    Upstream { url: String, message: String },
    #[error("API key: {0}")]
    ApiKey(String),
    #[error("scripted model: {0}")]
    Scripted(String),
}

fn attempts_note(n: u32) -> String {
    if n > 1 { format!(" (after {n} attempts)") } else { String::new() }
}

impl ModelError {
    /// The exception type recorded on the LLM span.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelError::Status { status, .. } if *status == 429 => "RateLimitError",
            ModelError::Status { status, .. } if *status >= 500 => "ServerError",
            ModelError::Status { .. } => "ClientError",
            ModelError::Timeout { .. } => "TimeoutError",
            ModelError::Connect { .. } => "ConnectionError",
            ModelError::Malformed { .. } => "MalformedResponseError",
            ModelError::Upstream { .. } => "UpstreamError",
            ModelError::ApiKey(_) => "ApiKeyError",
            ModelError::Scripted(_) => "ScriptedModelError",
        }
    }
}

/// A configured model.
pub enum Model {
    OpenAi(OpenAiChat),
    Scripted(ScriptedModel),
}

impl Model {
    pub fn from_config(id: &str, cfg: &ModelConfig, http: &reqwest::Client) -> Model {
        match cfg.provider {
            Provider::Openai => Model::OpenAi(OpenAiChat::new(id, cfg, http.clone())),
            Provider::Scripted => Model::Scripted(ScriptedModel::new(cfg)),
        }
    }

    /// Class-like name used for span names (`OpenAIChat.invoke_stream`), as Agno does.
    pub fn class_name(&self) -> &'static str {
        match self {
            Model::OpenAi(_) => "OpenAIChat",
            Model::Scripted(_) => "ScriptedModel",
        }
    }

    pub fn model_name(&self) -> &str {
        match self {
            Model::OpenAi(m) => m.model_name(),
            Model::Scripted(m) => m.model_name(),
        }
    }

    /// `llm.provider`.
    pub fn provider_label(&self) -> &'static str {
        match self {
            Model::OpenAi(_) => "OpenAI",
            Model::Scripted(_) => "Tracedeck scripted model (demo/test, no LLM called)",
        }
    }

    /// `llm.system`.
    pub fn system(&self) -> &'static str {
        match self {
            Model::OpenAi(_) => "openai",
            Model::Scripted(_) => "scripted",
        }
    }

    /// JSON text of temperature and the other request parameters.
    pub fn invocation_parameters(&self) -> &str {
        match self {
            Model::OpenAi(m) => m.invocation_parameters(),
            Model::Scripted(_) => "{}",
        }
    }

    /// Whether this model streams when a caller listens.
    pub fn streams(&self) -> bool {
        match self {
            Model::OpenAi(m) => m.streams(),
            Model::Scripted(_) => true,
        }
    }

    /// One completion. With a sink, text is streamed to it as it arrives.
    pub async fn invoke(&self, req: &ModelRequest<'_>, sink: Option<&EventSink>) -> Result<ModelResponse, ModelError> {
        match self {
            Model::OpenAi(m) => m.invoke(req, sink).await,
            Model::Scripted(m) => m.invoke(req, sink).await,
        }
    }

    /// Embeddings of `inputs` (OpenAI `/embeddings`).
    pub async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>, ModelError> {
        match self {
            Model::OpenAi(m) => m.embed(inputs).await,
            Model::Scripted(_) => Err(ModelError::Scripted("the scripted model has no embeddings".into())),
        }
    }
}

/// chars/4, the usual rough token estimate.
pub(crate) fn estimate_tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

pub(crate) fn estimate_usage(req: &ModelRequest<'_>, resp: &ModelResponse) -> Usage {
    let prompt: usize = req.messages.iter().map(|m| m.content_str().len() + 8).sum();
    let completion = resp.content.as_deref().map_or(0, str::len)
        + resp.tool_calls.iter().map(|c| c.name.len() + c.arguments.len()).sum::<usize>();
    Usage::new(estimate_tokens(prompt), estimate_tokens(completion))
}
