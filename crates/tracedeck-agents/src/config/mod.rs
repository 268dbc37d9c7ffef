//! Agent, team, model, tool and knowledge definitions: the serde types of `agents.toml`
//! (kept plain so the UI can edit the same definitions later), their defaults, and where the
//! file lives. Parsing with file/line/field errors and semantic validation are in [`load`];
//! the commented example written on first run is in [`example`]. Turning definitions into
//! running things is the runtime's job ([`crate::runtime`]).

mod example;
mod load;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use example::{DEMO_KNOWLEDGE, EXAMPLE};
pub use load::ConfigError;

/// File name of the agents config inside the app's config dir.
pub const FILE_NAME: &str = "agents.toml";

/// The whole file. Maps are keyed by id (what `tracedeck run <id>` takes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub models: BTreeMap<String, ModelConfig>,
    #[serde(default)]
    pub tools: BTreeMap<String, ToolConfig>,
    #[serde(default)]
    pub knowledge: BTreeMap<String, KnowledgeConfig>,
    #[serde(default)]
    pub agents: BTreeMap<String, AgentConfig>,
    #[serde(default)]
    pub teams: BTreeMap<String, TeamConfig>,
    /// The file this was loaded from; relative paths resolve against its folder.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// Limits for every run unless an agent or team overrides them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Model turns that may request tools before the run fails.
    pub max_tool_rounds: u32,
    /// Wall clock for a whole run, team members included.
    pub run_timeout_secs: f64,
    /// Prompt + completion tokens per run (a team's includes its members); 0 = unlimited.
    pub token_budget: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_tool_rounds: 8, run_timeout_secs: 300.0, token_budget: 0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Any OpenAI-compatible Chat Completions server (OpenAI, Ollama, vLLM, llama.cpp, LM Studio).
    Openai,
    /// Built-in deterministic demo/test model: replies and tool calls come from `rules`.
    Scripted,
}

/// One model. Fields apply to one provider each (validation says which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub provider: Provider,
    /// Model name sent to the server (scripted: the name shown in spans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    // -- openai --
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Name of the environment variable holding the API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// Keyring entry (service "tracedeck") holding the API key; used when the env var is unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_keyring: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Extra JSON fields merged into every request body (server-specific options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_body: Option<serde_json::Map<String, Value>>,
    /// Per HTTP request: time to the response headers, and the longest silence while streaming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<f64>,
    /// Attempts per call (1 = no retry); retried on 429, 5xx, timeouts and connection errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_base_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_max_ms: Option<u64>,
    /// Stream tokens when the caller listens to events (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Ask for usage in the stream (`stream_options.include_usage`; default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_usage: Option<bool>,
    // -- scripted --
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ScriptRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_reply: Option<String>,
    /// Delay between streamed chunks, so a demo looks like a model typing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_delay_ms: Option<u64>,
    /// Delay before each reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

impl ModelConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout_secs.unwrap_or(60.0))
    }
}

/// A scripted reply: the first rule whose `when` matches the latest user message (and whose
/// tools are all offered) answers. Named captures fill `{name}` placeholders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptRule {
    /// Regex searched in the latest user message; absent matches everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Requested before any tool result exists in this turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ScriptToolCall>,
    /// The answer; `{tool_result}` / `{tool_results}` / `{input}` and captures are filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// Fail the model call with this message (to exercise error paths).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Keep requesting the tool calls even after results came back (to exercise limits).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub loop_tools: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptToolCall {
    pub name: String,
    #[serde(default = "empty_object")]
    pub arguments: Value,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    Calculator,
    CurrentTime,
    ReadFile,
    HttpGet,
    /// Demo/test tool: a fixed reply template (or a fixed error); no real work.
    Canned,
    /// Provided by the application embedding the runtime (`RuntimeOptions::extra_tools`).
    External,
}

impl ToolKind {
    pub fn from_builtin_name(name: &str) -> Option<ToolKind> {
        Some(match name {
            "calculator" => ToolKind::Calculator,
            "current_time" => ToolKind::CurrentTime,
            "read_file" => ToolKind::ReadFile,
            "http_get" => ToolKind::HttpGet,
            _ => return None,
        })
    }
}

/// A tool's settings. The table key is the tool's name; `kind` defaults to the key when the
/// key is a built-in name (`calculator`, `current_time`, `read_file`, `http_get`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ToolKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// read_file: the only folder files may be read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_dir: Option<PathBuf>,
    /// read_file / http_get: size cap in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// http_get: hosts that may be fetched (`example.com`, or `.example.com` for subdomains).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<f64>,
    /// canned: JSON schema of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// canned: reply template; `{arg}` is replaced by the argument's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// canned: always fail with this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A folder of `.md` / `.txt` files, chunked and indexed (BM25; embeddings if configured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeConfig {
    pub path: PathBuf,
    #[serde(default = "default_chunk_chars")]
    pub chunk_chars: usize,
    #[serde(default = "default_overlap_chars")]
    pub overlap_chars: usize,
    /// Documents returned per search.
    #[serde(default = "default_k")]
    pub k: usize,
    /// An `openai` model whose `/embeddings` endpoint embeds chunks; hybrid with BM25.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_model: Option<String>,
}

fn default_chunk_chars() -> usize {
    800
}
fn default_overlap_chars() -> usize {
    120
}
fn default_k() -> usize {
    3
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthAction {
    #[default]
    Truncate,
    Reject,
}

/// A built-in pre-hook (on the input) or post-hook (on the output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum HookConfig {
    /// Replaces e-mail addresses and phone numbers with placeholders.
    RedactPii {
        #[serde(default = "yes")]
        emails: bool,
        #[serde(default = "yes")]
        phones: bool,
    },
    /// Truncates (or rejects) text longer than `max_chars` characters.
    MaxLength {
        max_chars: usize,
        #[serde(default)]
        action: LengthAction,
    },
    /// Fails unless the text is JSON (a ```json fence is accepted) with the required keys.
    JsonOutput {
        #[serde(default)]
        required_keys: Vec<String>,
    },
}

fn yes() -> bool {
    true
}

impl HookConfig {
    pub fn name(&self) -> &'static str {
        match self {
            HookConfig::RedactPii { .. } => "redact_pii",
            HookConfig::MaxLength { .. } => "max_length",
            HookConfig::JsonOutput { .. } => "json_output",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Display name ("Weather Agent"); the span is named after it (`Weather_Agent.run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the agent is for; team leaders read it when choosing members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<String>,
    /// Give the model a `search_knowledge` tool (default true when `knowledge` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_knowledge: Option<bool>,
    /// Retrieve for the input before the first model call and add the hits to the prompt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub add_knowledge_to_context: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pre_hooks: Vec<HookConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_hooks: Vec<HookConfig>,
    /// Earlier runs of the same session replayed to the model (default 5; 0 keeps no
    /// history at all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_runs: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tool_rounds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_timeout_secs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_budget: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamMode {
    /// The leader picks one member; that member's answer is the team's answer.
    Route,
    /// The leader delegates parts to members and synthesises their answers.
    Coordinate,
    /// Every member gets the input; the leader synthesises all answers.
    Broadcast,
}

impl TeamMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamMode::Route => "route",
            TeamMode::Coordinate => "coordinate",
            TeamMode::Broadcast => "broadcast",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The leader's model.
    pub model: String,
    pub mode: TeamMode,
    /// Agent ids.
    pub members: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pre_hooks: Vec<HookConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_hooks: Vec<HookConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_runs: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tool_rounds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_timeout_secs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_budget: Option<u64>,
}

impl Config {
    /// `<config_dir>/agents.toml`.
    pub fn default_path(config_dir: &Path) -> PathBuf {
        config_dir.join(FILE_NAME)
    }

    /// Loads `<config_dir>/agents.toml`, first writing the commented example (and the demo
    /// knowledge folder `<config_dir>/knowledge/demo/`) when the file does not exist yet.
    pub fn load_or_init(config_dir: &Path) -> Result<Config, ConfigError> {
        let path = Config::default_path(config_dir);
        if !path.exists() {
            Config::write_example(&path)?;
        }
        Config::load(&path)
    }

    /// The folder relative paths in this config resolve against.
    pub fn base_dir(&self) -> PathBuf {
        self.source.as_deref().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
    }

    /// Agent and team ids (what `run` accepts), agents first.
    pub fn targets(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.agents.keys().map(|k| (k.as_str(), "agent")).chain(self.teams.keys().map(|k| (k.as_str(), "team")))
    }
}

/// "Weather Agent" -> "Weather_Agent": span names as Agno builds them.
pub fn span_stem(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join("_")
}

/// Display name when the config gives none: "weather" -> "Weather".
pub(crate) fn display_name(id: &str) -> String {
    id.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
