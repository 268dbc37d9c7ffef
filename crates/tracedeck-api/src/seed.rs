//! `tracedeck seed`: synthetic traces for trying the UI and for the UI's end-to-end tests and
//! benchmarks. Agent runs shaped like Agno's (AGENT -> LLM with messages and tool calls ->
//! TOOL -> LLM), some failing, optionally one very large trace and traces whose names and
//! values carry HTML/script payloads (the UI must show those as text). Deterministic for a
//! given seed. Written straight to the store (not through telemetry) so large seeds are fast.

use serde::Serialize;
use serde_json::{Map, Value, json};
use tracedeck_model::{SpanRow, StatusCode, TraceContext};
use tracedeck_store::Store;

/// Payloads that must render as inert text.
pub const XSS_PAYLOADS: &[&str] = &[
    "<img src=x onerror=\"window.__xss=1\">",
    "<script>window.__xss=1</script>",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "[click me](javascript:window.__xss=1)",
    "<svg onload=\"window.__xss=1\"></svg>",
    "\"><iframe src=\"javascript:window.__xss=1\"></iframe>",
];

#[derive(Debug, Default, Serialize)]
pub struct Seeded {
    pub traces: Vec<String>,
    pub big_trace: Option<String>,
    pub xss_traces: Vec<String>,
    pub spans: usize,
}

/// A small deterministic generator (xorshift), to need no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn trace_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }
    fn span_id(&mut self) -> String {
        format!("{:016x}", self.next() | 1)
    }
}

const CITIES: &[&str] = &["Paris", "Tokyo", "Rome", "Oslo", "Lima", "Cairo"];
const USERS: &[&str] = &["alice", "bob", "carol", "dave", "erin", "frank"];

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    trace: &str,
    id: &str,
    parent: Option<&str>,
    name: &str,
    start: i64,
    end: i64,
    attrs: Map<String, Value>,
    err: Option<&str>,
) -> SpanRow {
    SpanRow {
        trace_id: trace.into(),
        span_id: id.into(),
        parent_span_id: parent.map(Into::into),
        name: name.into(),
        span_kind: "INTERNAL".into(),
        status_code: if err.is_some() { StatusCode::Error } else { StatusCode::Ok },
        status_message: err.map(Into::into),
        start_ns: start,
        end_ns: end,
        context: TraceContext::from_attributes(&attrs),
        attributes: Value::Object(attrs).to_string(),
        created_ns: end,
    }
}

#[allow(clippy::too_many_arguments)]
fn llm(
    trace: &str,
    id: &str,
    parent: &str,
    start: i64,
    question: &str,
    city: &str,
    first: bool,
    payload: &str,
) -> SpanRow {
    let mut a = obj(json!({
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini",
        "llm.provider": "OpenAI",
        "llm.system": "openai",
        "llm.invocation_parameters": "{\"temperature\": 0.2}",
        "llm.input_messages.0.message.role": "system",
        "llm.input_messages.0.message.content": format!("Answer weather questions with the get_weather tool. {payload}"),
        "llm.input_messages.1.message.role": "user",
        "llm.input_messages.1.message.content": question,
        "llm.output_messages.0.message.role": "assistant",
        "llm.token_count.prompt": if first { 47 } else { 116 },
        "llm.token_count.completion": if first { 4 } else { 18 },
        "llm.token_count.total": if first { 51 } else { 134 },
        "input.mime_type": "application/json",
        "output.mime_type": "application/json",
    }));
    if first {
        a.insert("llm.output_messages.0.message.tool_calls.0.tool_call.id".into(), json!("call_1"));
        a.insert("llm.output_messages.0.message.tool_calls.0.tool_call.function.name".into(), json!("get_weather"));
        a.insert(
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments".into(),
            json!(format!("{{\"city\": \"{city}\"}}")),
        );
        a.insert("output.value".into(), json!("[tool call get_weather]"));
    } else {
        a.insert("llm.input_messages.2.message.role".into(), json!("tool"));
        a.insert("llm.input_messages.2.message.tool_call_id".into(), json!("call_1"));
        a.insert(
            "llm.input_messages.2.message.content".into(),
            json!(format!("The weather in {city} is 21C and sunny.")),
        );
        let answer = format!("**{city}**: 21C and *sunny*.\n\n- bring sunglasses\n- no umbrella needed {payload}");
        a.insert("llm.output_messages.0.message.content".into(), json!(answer));
        a.insert("output.value".into(), json!(answer));
    }
    let name = if first { "OpenAIChat.invoke" } else { "OpenAIChat.invoke_stream" };
    row(trace, id, Some(parent), name, start, start + 180_000_000, a, None)
}

/// One agent run of 4 spans (a failing variant when `fail`).
fn agent_run(r: &mut Rng, start: i64, fail: bool, payload: &str) -> Vec<SpanRow> {
    let trace = r.trace_id();
    let root = r.span_id();
    let city = CITIES[r.below(CITIES.len() as u64) as usize];
    let user = USERS[r.below(USERS.len() as u64) as usize];
    let session = format!("sess-{user}-{}", r.below(3));
    let question = format!("What's the weather in {city}? {payload}");
    let t_llm1 = start + 2_000_000;
    let t_tool = t_llm1 + 185_000_000;
    let t_llm2 = t_tool + 12_000_000;
    let end = t_llm2 + 190_000_000;
    let tool_attrs = obj(json!({
        "openinference.span.kind": "TOOL",
        "tool.name": "get_weather",
        "tool.description": "Get the current weather for a city.",
        "tool.parameters": format!("{{\"city\": \"{city}\"}}"),
        "input.value": format!("{{\"city\": \"{city}\"}}"),
        "output.value": if fail { "upstream weather service timed out".to_owned() } else { format!("{{\"city\": \"{city}\", \"temp_c\": 21, \"sky\": \"sunny\", \"note\": \"{}\"}}", payload.replace('"', "'")) },
    }));
    let mut tool_attrs = tool_attrs;
    if fail {
        tool_attrs.insert(
            tracedeck_model::attrs::EVENTS.into(),
            json!([{"name": "exception", "time": tracedeck_model::time::format_iso(t_tool + 10_000_000),
                "attributes": {"exception.type": "TimeoutError", "exception.message": "upstream weather service timed out",
                "exception.stacktrace": "Traceback (most recent call last):\n  File \"tools.py\", line 12, in get_weather\n    resp = client.get(url, timeout=10)\nTimeoutError: upstream weather service timed out"}}]),
        );
    }
    let agent_name = format!("Weather Agent {payload}");
    vec![
        row(
            &trace,
            &root,
            None,
            &format!("Weather_Agent.run{}", if payload.is_empty() { String::new() } else { format!(" {payload}") }),
            start,
            end,
            obj(
                json!({"openinference.span.kind": "AGENT", "agent.name": agent_name.trim(), "agno.agent.id": "weather-agent",
                "agno.run.id": format!("run-{}", r.span_id()), "session.id": session, "user.id": user,
                "input.value": question, "output.value": format!("It is 21C and sunny in {city}. {payload}"),
                "agno.tools": ["get_weather"], "tracedeck.seeded": true}),
            ),
            None,
        ),
        llm(&trace, &r.span_id(), &root, t_llm1, &question, city, true, payload),
        row(
            &trace,
            &r.span_id(),
            Some(&root),
            "get_weather",
            t_tool,
            t_tool + 11_000_000,
            tool_attrs,
            fail.then_some("upstream weather service timed out"),
        ),
        llm(&trace, &r.span_id(), &root, t_llm2, &question, city, false, payload),
    ]
}

/// One trace with `n` spans: a team root, member runs, each with LLM and tool children.
fn big_trace(r: &mut Rng, n: usize, start: i64) -> Vec<SpanRow> {
    let trace = r.trace_id();
    let root = r.span_id();
    let mut out = Vec::with_capacity(n);
    out.push(row(
        &trace,
        &root,
        None,
        "Big_Team.run",
        start,
        start + n as i64 * 200_000,
        obj(json!({"openinference.span.kind": "AGENT", "agno.team.id": "big-team", "agent.name": "Big Team",
            "user.id": "bench", "session.id": "sess-bench", "input.value": format!("A run with {n} spans")})),
        None,
    ));
    let mut member = root.clone();
    let mut t = start;
    while out.len() < n {
        t += 200_000;
        let id = r.span_id();
        if (out.len() - 1) % 9 == 0 {
            out.push(row(
                &trace,
                &id,
                Some(&root),
                "Member_Agent.run",
                t,
                t + 1_600_000,
                obj(json!({"openinference.span.kind": "AGENT", "agno.agent.id": "member", "input.value": "sub-task"})),
                None,
            ));
            member = id;
        } else if out.len() % 2 == 0 {
            out.push(row(&trace, &id, Some(&member), "get_weather", t, t + 100_000,
                obj(json!({"openinference.span.kind": "TOOL", "tool.name": "get_weather", "input.value": "{\"city\": \"Paris\"}",
                    "output.value": "21C"})), (out.len() % 97 == 0).then_some("tool failed")));
        } else {
            out.push(row(&trace, &id, Some(&member), "OpenAIChat.invoke", t, t + 150_000,
                obj(json!({"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.token_count.prompt": 40,
                    "llm.token_count.completion": 10, "llm.token_count.total": 50,
                    "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "step",
                    "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "done"})), None));
        }
    }
    out
}

/// Writes the requested traces; start times end at `now`, one run per 37 seconds before it.
pub async fn seed(store: &Store, traces: usize, big: Option<usize>, xss: bool, seed: u64) -> anyhow::Result<Seeded> {
    let mut r = Rng((seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
    let now = tracedeck_model::time::now_ns();
    let mut out = Seeded::default();
    let mut batch = Vec::new();
    for i in 0..traces {
        let rows = agent_run(&mut r, now - (traces - i) as i64 * 37_000_000_000, i % 7 == 3, "");
        out.traces.push(rows[0].trace_id.clone());
        batch.extend(rows);
        if batch.len() >= 5_000 {
            out.spans += batch.len();
            store.write_batch(&std::mem::take(&mut batch)).await?;
        }
    }
    if xss {
        for (i, p) in XSS_PAYLOADS.iter().enumerate() {
            let rows = agent_run(&mut r, now - (i as i64 + 1) * 5_000_000_000, i % 2 == 0, p);
            out.xss_traces.push(rows[0].trace_id.clone());
            batch.extend(rows);
        }
    }
    if let Some(n) = big {
        let rows = big_trace(&mut r, n.max(1), now - 3_600_000_000_000);
        out.big_trace = Some(rows[0].trace_id.clone());
        batch.extend(rows);
    }
    for chunk in batch.chunks(20_000) {
        out.spans += chunk.len();
        store.write_batch(chunk).await?;
    }
    Ok(out)
}
