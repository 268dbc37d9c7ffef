//! Spans: the row written to the Agno `agno_spans` table ([`SpanRow`]), the span read back
//! ([`Span`]), OTel status codes and the semantic kind (agent, LLM, tool, …) derived from
//! attributes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::attrs;

/// OTel status code as Agno stores it (`UNSET` / `OK` / `ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "UPPERCASE")]
pub enum StatusCode {
    #[default]
    Unset,
    Ok,
    Error,
}

impl StatusCode {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCode::Unset => "UNSET",
            StatusCode::Ok => "OK",
            StatusCode::Error => "ERROR",
        }
    }

    /// Lenient: anything that is not OK or ERROR (any case, with or without the
    /// `STATUS_CODE_` prefix some exporters use) is UNSET.
    pub fn parse(s: &str) -> Self {
        let s = s.trim();
        let s = s.strip_prefix("STATUS_CODE_").unwrap_or(s);
        if s.eq_ignore_ascii_case("ERROR") {
            StatusCode::Error
        } else if s.eq_ignore_ascii_case("OK") {
            StatusCode::Ok
        } else {
            StatusCode::Unset
        }
    }
}

/// What a span is, read from `openinference.span.kind` (Agno) or `gen_ai.operation.name`
/// (OpenTelemetry GenAI conventions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "UPPERCASE")]
pub enum SemanticKind {
    Agent,
    Llm,
    Tool,
    Chain,
    Retriever,
    Guardrail,
    Embedding,
    Reranker,
    Evaluator,
    #[default]
    Unknown,
}

impl SemanticKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SemanticKind::Agent => "AGENT",
            SemanticKind::Llm => "LLM",
            SemanticKind::Tool => "TOOL",
            SemanticKind::Chain => "CHAIN",
            SemanticKind::Retriever => "RETRIEVER",
            SemanticKind::Guardrail => "GUARDRAIL",
            SemanticKind::Embedding => "EMBEDDING",
            SemanticKind::Reranker => "RERANKER",
            SemanticKind::Evaluator => "EVALUATOR",
            SemanticKind::Unknown => "UNKNOWN",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "AGENT" => SemanticKind::Agent,
            "LLM" => SemanticKind::Llm,
            "TOOL" => SemanticKind::Tool,
            "CHAIN" => SemanticKind::Chain,
            "RETRIEVER" => SemanticKind::Retriever,
            "GUARDRAIL" => SemanticKind::Guardrail,
            "EMBEDDING" => SemanticKind::Embedding,
            "RERANKER" => SemanticKind::Reranker,
            "EVALUATOR" => SemanticKind::Evaluator,
            _ => SemanticKind::Unknown,
        }
    }

    /// Derives the kind from a span's attributes.
    pub fn from_attributes(a: &Map<String, Value>) -> Self {
        if let Some(k) = a.get(attrs::SPAN_KIND).and_then(Value::as_str) {
            return Self::parse(k);
        }
        match a.get(attrs::GEN_AI_OPERATION).and_then(Value::as_str) {
            Some("chat" | "text_completion" | "generate_content") => SemanticKind::Llm,
            Some("execute_tool") => SemanticKind::Tool,
            Some("invoke_agent" | "create_agent") => SemanticKind::Agent,
            Some("embeddings") => SemanticKind::Embedding,
            _ if a.contains_key(attrs::TOOL_NAME) => SemanticKind::Tool,
            _ if a.contains_key(attrs::LLM_MODEL) || a.contains_key(attrs::GEN_AI_MODEL) => SemanticKind::Llm,
            _ => SemanticKind::Unknown,
        }
    }
}

/// Run/session/user/agent/team/workflow ids as Agno derives them from a root span's
/// attributes (`create_trace_from_spans`): plain key first, then the `agno.*` / OpenInference key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TraceContext {
    pub run_id: Option<String>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub agent_id: Option<String>,
    pub team_id: Option<String>,
    pub workflow_id: Option<String>,
}

impl TraceContext {
    pub fn from_attributes(a: &Map<String, Value>) -> Self {
        use attrs::context_str as s;
        TraceContext {
            run_id: s(a, &["run_id", attrs::AGNO_RUN_ID]),
            session_id: s(a, &["session_id", "agno.session.id", attrs::SESSION_ID, "gen_ai.conversation.id"]),
            user_id: s(a, &["user_id", "agno.user.id", attrs::USER_ID]),
            agent_id: s(a, &["agent_id", attrs::AGNO_AGENT_ID, "gen_ai.agent.id", "gen_ai.agent.name"]),
            team_id: s(a, &["team_id", attrs::AGNO_TEAM_ID]),
            workflow_id: s(a, &["workflow_id", attrs::AGNO_WORKFLOW_ID]),
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &TraceContext::default()
    }
}

/// Agno's "component level" of a trace name, used to decide which name a trace keeps when
/// several batches upsert it: workflow root (3) > team root (2) > agent root (1) > other (0).
pub fn component_level(name: &str, ctx: &TraceContext) -> u8 {
    let is_root_name = name.contains(".run") || name.contains(".arun");
    if !is_root_name {
        0
    } else if ctx.workflow_id.is_some() {
        3
    } else if ctx.team_id.is_some() {
        2
    } else if ctx.agent_id.is_some() {
        1
    } else {
        0
    }
}

/// One span as it is written to `agno_spans`. Attributes are already JSON text (serialised
/// once, in the telemetry transform) so the writer only binds strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanRow {
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: Option<String>,
    pub name: String,
    /// OTel span kind: INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER.
    pub span_kind: String,
    pub status_code: StatusCode,
    pub status_message: Option<String>,
    pub start_ns: i64,
    pub end_ns: i64,
    /// A JSON object, as text.
    pub attributes: String,
    /// Ids read from the attributes; used for the trace row when this span is a root.
    pub context: TraceContext,
    pub created_ns: i64,
}

impl SpanRow {
    pub fn is_root(&self) -> bool {
        self.parent_span_id.is_none()
    }

    /// Agno's integer `duration_ms` (truncated, like `int(ns / 1e6)`).
    pub fn duration_ms(&self) -> i64 {
        (self.end_ns - self.start_ns).max(0) / 1_000_000
    }
}

/// A span's attributes as stored: the JSON object text, validated but not decoded, so a
/// trace of 10,000 spans goes from the database to the UI without building 10,000 maps.
/// Use [`Attributes::get`] / [`Attributes::to_map`] to look inside.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Attributes(Box<serde_json::value::RawValue>);

impl PartialEq for Attributes {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl std::fmt::Debug for Attributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.get())
    }
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes::empty()
    }
}

impl Attributes {
    pub fn empty() -> Attributes {
        Attributes(serde_json::value::RawValue::from_string("{}".into()).expect("valid JSON"))
    }

    /// From the stored column. Never fails: NULL becomes `{}`; text that is not a JSON
    /// object is kept verbatim under [`attrs::INVALID_ATTRIBUTES`].
    pub fn from_stored(raw: Option<String>) -> Attributes {
        let Some(raw) = raw else { return Attributes::empty() };
        let trimmed = raw.trim_start();
        if trimmed.starts_with('{') {
            if let Ok(v) = serde_json::value::RawValue::from_string(raw.clone()) {
                return Attributes(v);
            }
        } else if trimmed == "null" {
            return Attributes::empty();
        }
        let mut m = Map::new();
        m.insert(attrs::INVALID_ATTRIBUTES.into(), Value::String(raw));
        Attributes::from_map(&m)
    }

    pub fn from_map(map: &Map<String, Value>) -> Attributes {
        let text = serde_json::to_string(map).unwrap_or_else(|_| "{}".into());
        Attributes(serde_json::value::RawValue::from_string(text).expect("serialised map is valid JSON"))
    }

    /// The JSON object text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Decodes the whole object.
    pub fn to_map(&self) -> Map<String, Value> {
        serde_json::from_str(self.0.get()).unwrap_or_default()
    }

    /// One attribute, decoded (decodes the object; for hot paths use the derived fields).
    pub fn get(&self, key: &str) -> Option<Value> {
        self.to_map().remove(key)
    }
}

/// The few attributes the list and tree views need, read in one pass that skips the rest.
#[derive(Debug, Default, Deserialize)]
struct Hot<'a> {
    #[serde(rename = "openinference.span.kind", borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "gen_ai.operation.name", borrow, default)]
    operation: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "tool.name", default)]
    tool_name: Option<serde::de::IgnoredAny>,
    #[serde(rename = "llm.model_name", default)]
    model: Option<Value>,
    #[serde(rename = "gen_ai.request.model", default)]
    gen_ai_model: Option<Value>,
    #[serde(rename = "gen_ai.response.model", default)]
    gen_ai_response_model: Option<Value>,
    #[serde(rename = "llm.token_count.total", default)]
    total: Option<Value>,
    #[serde(rename = "llm.token_count.prompt", default)]
    prompt: Option<Value>,
    #[serde(rename = "llm.token_count.completion", default)]
    completion: Option<Value>,
    #[serde(rename = "gen_ai.usage.input_tokens", default)]
    input_tokens: Option<Value>,
    #[serde(rename = "gen_ai.usage.output_tokens", default)]
    output_tokens: Option<Value>,
}

fn small_map(pairs: [(&str, &Option<Value>); 8]) -> Map<String, Value> {
    pairs.into_iter().filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v))).collect()
}

/// Kind, token total and model of a span, derived from its attributes.
pub fn derive_hot(a: &Attributes) -> (SemanticKind, Option<i64>, Option<String>) {
    let Ok(h) = serde_json::from_str::<Hot>(a.as_str()) else {
        return (SemanticKind::Unknown, None, None);
    };
    // Rebuild a tiny map with just the relevant keys so the rules live in one place.
    let mut m = small_map([
        (attrs::LLM_MODEL, &h.model),
        (attrs::GEN_AI_MODEL, &h.gen_ai_model),
        (attrs::GEN_AI_RESPONSE_MODEL, &h.gen_ai_response_model),
        (attrs::TOKENS_TOTAL, &h.total),
        (attrs::TOKENS_PROMPT, &h.prompt),
        (attrs::TOKENS_COMPLETION, &h.completion),
        (attrs::GEN_AI_INPUT_TOKENS, &h.input_tokens),
        (attrs::GEN_AI_OUTPUT_TOKENS, &h.output_tokens),
    ]);
    if let Some(k) = h.kind {
        m.insert(attrs::SPAN_KIND.into(), Value::String(k.into_owned()));
    }
    if let Some(op) = h.operation {
        m.insert(attrs::GEN_AI_OPERATION.into(), Value::String(op.into_owned()));
    }
    if h.tool_name.is_some() {
        m.insert(attrs::TOOL_NAME.into(), Value::Null);
    }
    (SemanticKind::from_attributes(&m), attrs::total_tokens(&m), attrs::model_name(&m).map(str::to_owned))
}

/// A span read back from the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Span {
    pub span_id: String,
    pub trace_id: String,
    pub parent_span_id: Option<String>,
    pub name: String,
    pub span_kind: String,
    pub status_code: StatusCode,
    pub status_message: Option<String>,
    /// Microseconds since the epoch (the stored precision; exact in a JS number).
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub start_us: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub end_us: i64,
    pub start_time: String,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub duration_ms: f64,
    /// Derived from the attributes.
    pub kind: SemanticKind,
    /// Token total of this span (LLM spans), derived from the attributes.
    #[cfg_attr(feature = "specta", specta(type = Option<i32>))]
    pub tokens: Option<i64>,
    /// Model name (LLM spans), derived from the attributes.
    pub model: Option<String>,
    /// Always a JSON object. Malformed stored JSON is kept as text under
    /// [`attrs::INVALID_ATTRIBUTES`].
    #[cfg_attr(feature = "specta", specta(type = std::collections::HashMap<String, serde_json::Value>))]
    pub attributes: Attributes,
}

impl Span {
    pub fn is_error(&self) -> bool {
        self.status_code == StatusCode::Error
    }

    /// Builds a span from stored column values; times are parsed leniently (an unparsable
    /// end time falls back to the start time so the span still shows).
    #[allow(clippy::too_many_arguments)]
    pub fn from_columns(
        span_id: String,
        trace_id: String,
        parent_span_id: Option<String>,
        name: String,
        span_kind: String,
        status_code: &str,
        status_message: Option<String>,
        start_time: &str,
        end_time: &str,
        attributes: Option<String>,
    ) -> Span {
        let start_ns = crate::time::parse_iso(start_time).unwrap_or(0);
        let end_ns = crate::time::parse_iso(end_time).unwrap_or(start_ns).max(start_ns);
        let attributes = Attributes::from_stored(attributes);
        let (kind, tokens, model) = derive_hot(&attributes);
        Span {
            span_id,
            trace_id,
            parent_span_id: parent_span_id.filter(|p| !p.is_empty()),
            name,
            span_kind,
            status_code: StatusCode::parse(status_code),
            status_message,
            start_us: start_ns / 1000,
            end_us: end_ns / 1000,
            start_time: start_time.to_owned(),
            duration_ms: crate::time::ns_to_ms(end_ns - start_ns),
            kind,
            tokens,
            model,
            attributes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_parsing_is_lenient() {
        assert_eq!(StatusCode::parse("error"), StatusCode::Error);
        assert_eq!(StatusCode::parse("STATUS_CODE_OK"), StatusCode::Ok);
        assert_eq!(StatusCode::parse("?"), StatusCode::Unset);
    }

    #[test]
    fn context_follows_agno_precedence() {
        let a = json!({"agno.run.id": "r", "run_id": "r0", "session.id": "s", "user.id": "u",
                       "agno.team.id": "t"});
        let c = TraceContext::from_attributes(a.as_object().unwrap());
        assert_eq!(c.run_id.as_deref(), Some("r0"));
        assert_eq!(c.session_id.as_deref(), Some("s"));
        assert_eq!(c.team_id.as_deref(), Some("t"));
        assert_eq!(component_level("Travel_Team.run", &c), 2);
        assert_eq!(component_level("OpenAIChat.invoke", &c), 0);
    }

    #[test]
    fn malformed_attributes_are_kept_as_text() {
        let v = Attributes::from_stored(Some("{not json".into()));
        assert_eq!(v.get(attrs::INVALID_ATTRIBUTES), Some(json!("{not json")));
        assert_eq!(Attributes::from_stored(Some("[1,2]".into())).get(attrs::INVALID_ATTRIBUTES), Some(json!("[1,2]")));
        assert_eq!(Attributes::from_stored(None).as_str(), "{}");
        assert_eq!(Attributes::from_stored(Some("null".into())).as_str(), "{}");
    }

    #[test]
    fn hot_fields_match_the_map_rules() {
        let a = Attributes::from_stored(Some(
            r#"{"openinference.span.kind":"LLM","llm.model_name":"gpt","llm.token_count.prompt":"3","llm.token_count.completion":4,"x":{"deep":[1,2]}}"#.into(),
        ));
        assert_eq!(derive_hot(&a), (SemanticKind::Llm, Some(7), Some("gpt".into())));
        let t = Attributes::from_stored(Some(r#"{"tool.name":"divide"}"#.into()));
        assert_eq!(derive_hot(&t).0, SemanticKind::Tool);
        let g =
            Attributes::from_stored(Some(r#"{"gen_ai.operation.name":"chat","gen_ai.usage.input_tokens":10}"#.into()));
        assert_eq!(derive_hot(&g), (SemanticKind::Llm, Some(10), None));
    }

    #[test]
    fn kinds_from_both_conventions() {
        let k = |v: Value| SemanticKind::from_attributes(v.as_object().unwrap());
        assert_eq!(k(json!({"openinference.span.kind": "LLM"})), SemanticKind::Llm);
        assert_eq!(k(json!({"gen_ai.operation.name": "execute_tool"})), SemanticKind::Tool);
        assert_eq!(k(json!({"gen_ai.request.model": "x"})), SemanticKind::Llm);
        assert_eq!(k(json!({})), SemanticKind::Unknown);
    }
}
