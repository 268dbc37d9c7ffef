//! The shape of every span the runtime emits, in one place, matching what Agno and
//! OpenInference write (`openinference.span.kind`, `input.value`, `llm.*`, `tool.*`,
//! `agno.*` ids; see the Agno fixture samples) plus `tracedeck.*` keys for what Agno has no
//! key for (hooks, retrieval store, delegation mode, run token totals).
//!
//! Spans are plain `tracing` spans with target `tracedeck_agents`; whoever installs a
//! subscriber decides where they go (the store pipeline in Tracedeck). Attribute strings that
//! cost something to build (message lists, documents) are only built when the span is
//! enabled. Status is set once, at the end ([`finish`]): OpenTelemetry never lets an OK be
//! overwritten, so nothing is marked OK early.

use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Array, Key, KeyValue, StringValue, Value as OtelValue};
use serde_json::{Value, json};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::knowledge::Hit;
use crate::message::{ToolCall, Usage};
use crate::model::{Model, ModelRequest, ModelResponse};
use crate::tools::ToolError;

pub const TARGET: &str = "tracedeck_agents";

/// The 32-hex trace id of a span (all zeros when no OpenTelemetry layer records it).
pub fn trace_id(span: &Span) -> String {
    format!("{:032x}", span.context().span().span_context().trace_id())
}

fn parent_id(parent: Option<&Span>) -> Option<tracing::Id> {
    parent.and_then(Span::id)
}

/// Attributes gathered for one span and set in one call on its OpenTelemetry span: one
/// subscriber lookup instead of one per attribute, which is most of the call-site cost.
struct Attrs(Vec<KeyValue>);

impl Attrs {
    fn with_capacity(n: usize) -> Attrs {
        Attrs(Vec::with_capacity(n))
    }

    fn put(&mut self, key: impl Into<Key>, value: impl Into<OtelValue>) {
        self.0.push(KeyValue::new(key, value));
    }

    fn apply(self, span: &Span) {
        if !self.0.is_empty() {
            span.context().span().set_attributes(self.0);
        }
    }

    /// Sets the attributes and the final status in one lookup.
    fn finish(self, span: &Span, result: Result<(), &str>) {
        let cx = span.context();
        let otel = cx.span();
        if !self.0.is_empty() {
            otel.set_attributes(self.0);
        }
        otel.set_status(status(result));
    }
}

fn status(result: Result<(), &str>) -> Status {
    match result {
        Ok(()) => Status::Ok,
        Err(msg) => Status::error(msg.to_owned()),
    }
}

pub(crate) struct RunSpan<'a> {
    pub parent: Option<&'a Span>,
    pub otel_name: &'a str,
    pub name: &'a str,
    pub id: &'a str,
    pub is_team: bool,
    pub run_id: &'a str,
    pub session_id: &'a str,
    pub user_id: Option<&'a str>,
    pub input: &'a str,
    pub model: &'a str,
    pub tools: &'a [String],
}

/// AGENT span of an agent or team run (`Weather_Agent.run`).
pub(crate) fn run(r: &RunSpan<'_>) -> Span {
    let span = tracing::info_span!(
        target: TARGET, parent: parent_id(r.parent), "agent_run",
        otel.name = r.otel_name,
        openinference.span.kind = "AGENT",
        agent.name = r.name,
        agno.run.id = r.run_id,
        session.id = r.session_id,
        user.id = r.user_id,
        input.value = r.input,
        tracedeck.model = r.model,
    );
    if !span.is_disabled() {
        let (id_key, name_key) =
            if r.is_team { ("agno.team.id", "agno.team") } else { ("agno.agent.id", "agno.agent") };
        let mut a = Attrs::with_capacity(3);
        a.put(id_key, r.id.to_owned());
        a.put(name_key, r.name.to_owned());
        if !r.tools.is_empty() {
            let names: Vec<StringValue> = r.tools.iter().map(|t| StringValue::from(t.clone())).collect();
            a.put("agno.tools", OtelValue::Array(Array::String(names)));
        }
        a.apply(&span);
    }
    span
}

/// Output, token totals and status of a run span.
pub(crate) fn finish_run(span: &Span, output: &str, usage: &Usage, result: Result<(), &str>) {
    if span.is_disabled() {
        return;
    }
    let mut a = Attrs::with_capacity(5);
    a.put("output.value", output.to_owned());
    a.put("output.mime_type", "text/plain");
    a.put("tracedeck.run.prompt_tokens", usage.prompt_tokens as i64);
    a.put("tracedeck.run.completion_tokens", usage.completion_tokens as i64);
    a.put("tracedeck.run.total_tokens", usage.total_tokens as i64);
    a.finish(span, result);
}

fn tool_calls_json(calls: &[ToolCall]) -> Value {
    calls
        .iter()
        .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
        .collect()
}

fn put_tool_calls(a: &mut Attrs, prefix: &str, calls: &[ToolCall]) {
    for (j, c) in calls.iter().enumerate() {
        let p = format!("{prefix}.tool_calls.{j}.tool_call");
        a.put(format!("{p}.id"), c.id.clone());
        a.put(format!("{p}.function.name"), c.name.clone());
        a.put(format!("{p}.function.arguments"), c.arguments.clone());
    }
}

/// LLM span (`OpenAIChat.invoke_stream`, `ScriptedModel.invoke`) with the request recorded.
pub(crate) fn llm(parent: &Span, model: &Model, streaming: bool, req: &ModelRequest<'_>) -> Span {
    let method = if streaming { "invoke_stream" } else { "invoke" };
    let span = tracing::info_span!(
        target: TARGET, parent: parent, "llm_call",
        otel.name = %format_args!("{}.{method}", model.class_name()),
        openinference.span.kind = "LLM",
        llm.model_name = model.model_name(),
        llm.provider = model.provider_label(),
        llm.system = model.system(),
        llm.invocation_parameters = model.invocation_parameters(),
        input.mime_type = "application/json",
    );
    if span.is_disabled() {
        return span;
    }
    let mut a = Attrs::with_capacity(req.messages.len() * 2 + req.tools.len() + 1);
    for (i, m) in req.messages.iter().enumerate() {
        let p = format!("llm.input_messages.{i}.message");
        a.put(format!("{p}.role"), m.role.as_str());
        if let Some(c) = &m.content {
            a.put(format!("{p}.content"), c.clone());
        }
        if let Some(id) = &m.tool_call_id {
            a.put(format!("{p}.tool_call_id"), id.clone());
        }
        put_tool_calls(&mut a, &p, &m.tool_calls);
    }
    for (i, t) in req.tools.iter().enumerate() {
        a.put(format!("llm.tools.{i}.tool.json_schema"), t.function_json_text());
    }
    #[derive(serde::Serialize)]
    struct Input<'a> {
        messages: &'a [crate::message::Message],
    }
    a.put("input.value", serde_json::to_string(&Input { messages: req.messages }).unwrap_or_default());
    a.apply(&span);
    span
}

/// A model call's answer and usage; the span ends OK.
pub(crate) fn finish_llm(span: &Span, r: &ModelResponse) {
    if span.is_disabled() {
        return;
    }
    let p = "llm.output_messages.0.message";
    let mut a = Attrs::with_capacity(8 + 3 * r.tool_calls.len());
    a.put(format!("{p}.role"), "assistant");
    if let Some(c) = &r.content {
        a.put(format!("{p}.content"), c.clone());
    }
    put_tool_calls(&mut a, p, &r.tool_calls);
    let mut msg = json!({"role": "assistant", "content": r.content});
    if !r.tool_calls.is_empty() {
        msg["tool_calls"] = tool_calls_json(&r.tool_calls);
    }
    a.put("output.value", Value::Array(vec![msg]).to_string());
    a.put("output.mime_type", "application/json");
    if r.usage_reported {
        a.put("llm.token_count.prompt", r.usage.prompt_tokens as i64);
        a.put("llm.token_count.completion", r.usage.completion_tokens as i64);
        a.put("llm.token_count.total", r.usage.total_tokens as i64);
    }
    if let Some(f) = &r.finish_reason {
        a.put("tracedeck.llm.finish_reason", f.clone());
    }
    a.finish(span, Ok(()));
}

/// TOOL span named after the tool; `input` is what the call was asked to do (the JSON
/// arguments, or the task for a delegation).
pub(crate) fn tool(parent: &Span, name: &str, description: &str, arguments: &str, input: &str) -> Span {
    tracing::info_span!(
        target: TARGET, parent: parent, "tool_call",
        otel.name = name,
        openinference.span.kind = "TOOL",
        tool.name = name,
        tool.description = description,
        tool.parameters = arguments,
        input.value = input,
        input.mime_type = if input == arguments { "application/json" } else { "text/plain" },
    )
}

/// Records a tool's result and status; a failure also gets an `exception` event.
pub(crate) fn finish_tool(span: &Span, result: &Result<String, ToolError>) {
    if span.is_disabled() {
        return;
    }
    let mut a = Attrs::with_capacity(2);
    match result {
        Ok(out) => a.put("output.value", out.clone()),
        Err(e) => {
            a.put("output.value", e.message.clone());
            exception(span, &e.kind, &e.message);
        }
    }
    a.put("output.mime_type", "text/plain");
    a.finish(span, result.as_ref().map(|_| ()).map_err(|e| e.message.as_str()));
}

/// Marks a TOOL span as a team delegation.
pub(crate) fn delegation(span: &Span, member: &str, mode: &str) {
    if !span.is_disabled() {
        let mut a = Attrs::with_capacity(2);
        a.put("tracedeck.delegation.member", member.to_owned());
        a.put("tracedeck.delegation.mode", mode.to_owned());
        a.apply(span);
    }
}

/// GUARDRAIL span of a pre- or post-hook (`pre_hook.redact_pii`).
pub(crate) fn hook(parent: &Span, stage: &str, name: &str, input: &str) -> Span {
    tracing::info_span!(
        target: TARGET, parent: parent, "hook",
        otel.name = %format_args!("{stage}_hook.{name}"),
        openinference.span.kind = "GUARDRAIL",
        tracedeck.hook.name = name,
        tracedeck.hook.stage = stage,
        input.value = input,
    )
}

/// A hook's result; the span ends OK.
pub(crate) fn finish_hook(span: &Span, output: &str, modified: bool) {
    if !span.is_disabled() {
        let mut a = Attrs::with_capacity(2);
        a.put("output.value", output.to_owned());
        a.put("tracedeck.hook.modified", modified);
        a.finish(span, Ok(()));
    }
}

/// RETRIEVER span of a knowledge search (`demo.search`).
pub(crate) fn retrieval(parent: &Span, store: &str, query: &str, k: usize, method: &str) -> Span {
    tracing::info_span!(
        target: TARGET, parent: parent, "retrieval",
        otel.name = %format_args!("{store}.search"),
        openinference.span.kind = "RETRIEVER",
        input.value = query,
        tracedeck.retrieval.store = store,
        tracedeck.retrieval.k = k as i64,
        tracedeck.retrieval.method = method,
    )
}

/// The documents a search returned; the span ends OK.
pub(crate) fn finish_retrieval(span: &Span, hits: &[Hit], index_built: bool) {
    if span.is_disabled() {
        return;
    }
    let mut a = Attrs::with_capacity(hits.len() * 4 + 2);
    for (i, h) in hits.iter().enumerate() {
        let p = format!("retrieval.documents.{i}.document");
        a.put(format!("{p}.id"), h.chunk.id.clone());
        a.put(format!("{p}.content"), h.chunk.content.clone());
        a.put(format!("{p}.score"), h.score);
        a.put(format!("{p}.metadata"), json!({"source": h.chunk.source, "chunk": h.chunk.index}).to_string());
    }
    a.put("tracedeck.retrieval.returned", hits.len() as i64);
    if index_built {
        a.put("tracedeck.retrieval.index_built", true);
    }
    a.finish(span, Ok(()));
}

/// An `exception` event inside the span. INFO, not ERROR: an ERROR-level event would make
/// the OpenTelemetry layer reset the status with an empty description.
pub(crate) fn exception(span: &Span, kind: &str, message: &str) {
    tracing::event!(target: TARGET, parent: span, tracing::Level::INFO, "exception.type" = kind, "exception.message" = message, "exception");
}

/// Sets the final status: OK, or ERROR with the description (for spans ending early).
pub(crate) fn finish(span: &Span, result: Result<(), &str>) {
    span.set_status(status(result));
}
