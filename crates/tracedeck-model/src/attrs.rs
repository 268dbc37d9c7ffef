//! Attribute keys Tracedeck reads and writes, and the pure helpers that derive things from a
//! span's attribute map (semantic kind, token counts, trace context ids).
//!
//! Keys follow what Agno emits (OpenInference: `openinference.span.kind`, `input.value`,
//! `llm.token_count.*`, `agno.*.id`, …) and we also read the OpenTelemetry GenAI conventions
//! (`gen_ai.*`) so traces from other frameworks render well.

use serde_json::{Map, Value};

pub const SPAN_KIND: &str = "openinference.span.kind";
pub const INPUT_VALUE: &str = "input.value";
pub const INPUT_MIME: &str = "input.mime_type";
pub const OUTPUT_VALUE: &str = "output.value";
pub const OUTPUT_MIME: &str = "output.mime_type";
pub const LLM_MODEL: &str = "llm.model_name";
pub const LLM_PROVIDER: &str = "llm.provider";
pub const LLM_SYSTEM: &str = "llm.system";
pub const LLM_PARAMS: &str = "llm.invocation_parameters";
pub const TOKENS_PROMPT: &str = "llm.token_count.prompt";
pub const TOKENS_COMPLETION: &str = "llm.token_count.completion";
pub const TOKENS_TOTAL: &str = "llm.token_count.total";
pub const TOOL_NAME: &str = "tool.name";
pub const TOOL_DESCRIPTION: &str = "tool.description";
pub const TOOL_PARAMETERS: &str = "tool.parameters";
pub const SESSION_ID: &str = "session.id";
pub const USER_ID: &str = "user.id";
pub const AGNO_RUN_ID: &str = "agno.run.id";
pub const AGNO_AGENT_ID: &str = "agno.agent.id";
pub const AGNO_TEAM_ID: &str = "agno.team.id";
pub const AGNO_WORKFLOW_ID: &str = "agno.workflow.id";
pub const GEN_AI_MODEL: &str = "gen_ai.request.model";
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
pub const GEN_AI_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
pub const GEN_AI_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
pub const GEN_AI_OPERATION: &str = "gen_ai.operation.name";

/// The one reserved key under which Tracedeck keeps span events (exceptions with
/// `exception.stacktrace`, log events) inside `attributes`. Agno does not store events; keeping
/// them under a single namespaced key leaves every key Agno reads untouched.
pub const EVENTS: &str = "tracedeck.events";
/// Set on a span read from a row whose `attributes` column was not a JSON object; the raw text
/// is kept under this key so nothing is lost.
pub const INVALID_ATTRIBUTES: &str = "tracedeck.invalid_attributes";
/// Set when a backend had to cut attribute values to store a span (e.g. larger than MySQL's
/// `max_allowed_packet`); holds the original size in bytes.
pub const TRUNCATED_ATTRIBUTES: &str = "tracedeck.truncated_attributes";

fn str_of<'a>(attrs: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().filter_map(|k| attrs.get(*k)).find_map(|v| v.as_str().filter(|s| !s.is_empty()))
}

/// Reads a count stored as an integer, a float (truncated) or a string of digits; anything
/// else is absent. The SQL backends compute token totals with the same rule.
pub fn int_of(attrs: &Map<String, Value>, key: &str) -> Option<i64> {
    match attrs.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
        }
        _ => None,
    }
}

/// Total tokens of one span: the explicit total if present, else prompt + completion (either
/// naming convention). `None` when the span carries no token counts at all.
pub fn total_tokens(attrs: &Map<String, Value>) -> Option<i64> {
    if let Some(t) = int_of(attrs, TOKENS_TOTAL) {
        return Some(t);
    }
    let p = int_of(attrs, TOKENS_PROMPT).or_else(|| int_of(attrs, GEN_AI_INPUT_TOKENS));
    let c = int_of(attrs, TOKENS_COMPLETION).or_else(|| int_of(attrs, GEN_AI_OUTPUT_TOKENS));
    match (p, c) {
        (None, None) => None,
        (p, c) => Some(p.unwrap_or(0) + c.unwrap_or(0)),
    }
}

/// Model name of an LLM span in either convention.
pub fn model_name(attrs: &Map<String, Value>) -> Option<&str> {
    str_of(attrs, &[LLM_MODEL, GEN_AI_MODEL, GEN_AI_RESPONSE_MODEL])
}

pub(crate) fn context_str(attrs: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    str_of(attrs, keys).map(str::to_owned)
}
