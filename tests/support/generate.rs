//! Deterministic generators of agent-shaped traces, like Agno writes them: one AGENT run
//! span, three LLM spans with ~1 KB of attributes, two TOOL spans; 5% of traces have a
//! failing tool.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use tracedeck_model::{SpanRow, StatusCode, TraceContext};

pub struct Generator {
    rng: StdRng,
    pub users: u32,
    pub sessions: u32,
    pub agents: u32,
}

fn text(rng: &mut StdRng, n: usize) -> String {
    const WORDS: [&str; 12] =
        ["agent", "tool", "weather", "paris", "answer", "model", "token", "search", "plan", "result", "user", "data"];
    let mut s = String::with_capacity(n + 8);
    while s.len() < n {
        s.push_str(WORDS[rng.random_range(0..WORDS.len())]);
        s.push(' ');
    }
    s.truncate(n);
    s
}

#[allow(clippy::too_many_arguments)]
fn row(
    trace: &str,
    span: String,
    parent: Option<&str>,
    name: &str,
    start: i64,
    end: i64,
    attrs: Map<String, Value>,
    err: bool,
) -> SpanRow {
    let context = TraceContext::from_attributes(&attrs);
    SpanRow {
        trace_id: trace.to_owned(),
        span_id: span,
        parent_span_id: parent.map(str::to_owned),
        name: name.to_owned(),
        span_kind: "INTERNAL".into(),
        status_code: if err { StatusCode::Error } else { StatusCode::Ok },
        status_message: err.then(|| "tool failed: division by zero".to_owned()),
        start_ns: start,
        end_ns: end,
        attributes: serde_json::to_string(&attrs).expect("attributes serialize"),
        context,
        created_ns: end,
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator { rng: StdRng::seed_from_u64(seed), users: 50, sessions: 500, agents: 5 }
    }

    pub fn trace_id(&mut self) -> String {
        format!("{:032x}", self.rng.random::<u128>())
    }

    pub fn span_id(&mut self) -> String {
        format!("{:016x}", self.rng.random::<u64>())
    }

    /// One agent run starting at `start_ns`: 6 spans.
    pub fn agent_trace(&mut self, start_ns: i64) -> Vec<SpanRow> {
        let trace = self.trace_id();
        let session = self.rng.random_range(0..self.sessions);
        let user = session % self.users;
        let agent = self.rng.random_range(0..self.agents);
        let failing = self.rng.random_range(0..100) < 5;
        let root_id = self.span_id();
        let root_attrs = obj(json!({
            "openinference.span.kind": "AGENT",
            "agno.agent.id": format!("agent-{agent}"),
            "agent.name": format!("Agent {agent}"),
            "session.id": format!("sess-{session:03}"),
            "user.id": format!("user-{user:02}"),
            "agno.run.id": format!("run-{}", self.span_id()),
            "input.value": text(&mut self.rng, 500),
            "output.value": text(&mut self.rng, 500),
        }));
        let mut t = start_ns;
        let mut spans = Vec::with_capacity(6);
        for step in 0..5 {
            let id = self.span_id();
            let s = t + 1_000_000;
            let e = s + 20_000_000;
            t = e;
            if step % 2 == 0 {
                let attrs = obj(json!({
                    "openinference.span.kind": "LLM",
                    "llm.model_name": "gpt-4o-mini",
                    "llm.provider": "OpenAI",
                    "llm.token_count.prompt": 120,
                    "llm.token_count.completion": 30,
                    "llm.token_count.total": 150,
                    "llm.input_messages.0.message.role": "system",
                    "llm.input_messages.0.message.content": text(&mut self.rng, 120),
                    "llm.input_messages.1.message.role": "user",
                    "llm.input_messages.1.message.content": text(&mut self.rng, 200),
                    "llm.output_messages.0.message.role": "assistant",
                    "llm.output_messages.0.message.content": text(&mut self.rng, 300),
                    "input.value": text(&mut self.rng, 200),
                    "output.value": text(&mut self.rng, 150),
                }));
                spans.push(row(&trace, id, Some(&root_id), "OpenAIChat.invoke", s, e, attrs, false));
            } else {
                let err = failing && step == 3;
                let attrs = obj(json!({
                    "openinference.span.kind": "TOOL",
                    "tool.name": "get_weather",
                    "tool.description": "Get the current weather for a city.",
                    "tool.parameters": "{\"city\": \"Paris\"}",
                    "input.value": "{\"city\": \"Paris\"}",
                    "output.value": text(&mut self.rng, 200),
                }));
                spans.push(row(&trace, id, Some(&root_id), "get_weather", s, e, attrs, err));
            }
        }
        let root = row(
            &trace,
            root_id.clone(),
            None,
            &format!("Agent_{agent}.run"),
            start_ns,
            t + 1_000_000,
            root_attrs,
            failing,
        );
        spans.push(root);
        spans
    }

    /// `n` agent traces starting every `step_ns` from `start_ns`.
    pub fn agent_traces(&mut self, n: usize, start_ns: i64, step_ns: i64) -> Vec<SpanRow> {
        (0..n).flat_map(|i| self.agent_trace(start_ns + i as i64 * step_ns)).collect()
    }

    /// One trace with `n` spans: a root, members under it, and 8 children per member.
    pub fn big_trace(&mut self, n: usize, start_ns: i64) -> Vec<SpanRow> {
        let trace = self.trace_id();
        let root = self.span_id();
        let mut out = vec![row(
            &trace,
            root.clone(),
            None,
            "Big_Team.run",
            start_ns,
            start_ns + n as i64 * 1_000_000,
            obj(
                json!({"openinference.span.kind": "AGENT", "agno.team.id": "big-team", "input.value": "a very big run"}),
            ),
            false,
        )];
        let mut member = root.clone();
        let mut t = start_ns;
        while out.len() < n {
            t += 1_000;
            let id = self.span_id();
            if (out.len() - 1) % 9 == 0 {
                out.push(row(
                    &trace,
                    id.clone(),
                    Some(&root),
                    "Member.run",
                    t,
                    t + 500_000,
                    obj(json!({"openinference.span.kind": "AGENT", "agno.agent.id": "member"})),
                    false,
                ));
                member = id;
            } else {
                let attrs =
                    obj(json!({"openinference.span.kind": "LLM", "llm.model_name": "m", "llm.token_count.total": 10,
                    "input.value": text(&mut self.rng, 300), "output.value": text(&mut self.rng, 300)}));
                out.push(row(&trace, id, Some(&member), "Model.invoke", t, t + 100_000, attrs, false));
            }
        }
        out
    }
}
