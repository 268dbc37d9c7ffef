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
            _ if a.contains_key(attrs::LLM_MODEL) || a.contains_key(attrs::GEN_AI_MODEL) => {
                SemanticKind::Llm
            }
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
            session_id: s(a, &["session_id", "agno.session.id", attrs::SESSION_ID]),
            user_id: s(a, &["user_id", "agno.user.id", attrs::USER_ID]),
            agent_id: s(a, &["agent_id", attrs::AGNO_AGENT_ID]),
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
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub start_us: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub end_us: i64,
    pub start_time: String,
    pub duration_ms: f64,
    pub kind: SemanticKind,
    /// Always a JSON object. Malformed stored JSON is kept as text under
    /// [`attrs::INVALID_ATTRIBUTES`].
    pub attributes: Value,
}

impl Span {
    pub fn attrs(&self) -> Option<&Map<String, Value>> {
        self.attributes.as_object()
    }

    pub fn is_error(&self) -> bool {
        self.status_code == StatusCode::Error
    }

    /// Parses the stored `attributes` text. Never fails: NULL becomes `{}`, non-object or
    /// invalid JSON is kept verbatim under [`attrs::INVALID_ATTRIBUTES`].
    pub fn parse_attributes(raw: Option<&str>) -> Value {
        let Some(raw) = raw else {
            return Value::Object(Map::new());
        };
        match serde_json::from_str::<Value>(raw) {
            Ok(v @ Value::Object(_)) => v,
            Ok(Value::Null) => Value::Object(Map::new()),
            _ => {
                let mut m = Map::new();
                m.insert(attrs::INVALID_ATTRIBUTES.into(), Value::String(raw.to_owned()));
                Value::Object(m)
            }
        }
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
        attributes: Option<&str>,
    ) -> Span {
        let start_ns = crate::time::parse_iso(start_time).unwrap_or(0);
        let end_ns = crate::time::parse_iso(end_time).unwrap_or(start_ns).max(start_ns);
        let attributes = Self::parse_attributes(attributes);
        let kind = attributes
            .as_object()
            .map(SemanticKind::from_attributes)
            .unwrap_or_default();
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
        let v = Span::parse_attributes(Some("{not json"));
        assert_eq!(v[attrs::INVALID_ATTRIBUTES], "{not json");
        assert_eq!(Span::parse_attributes(Some("[1,2]"))[attrs::INVALID_ATTRIBUTES], "[1,2]");
        assert_eq!(Span::parse_attributes(None), json!({}));
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
