// Builds OTLP/JSON traces shaped like Agno agent runs (AGENT -> LLM with messages and tool
// calls -> TOOL -> LLM), large traces for benchmarks, and traces whose names, attributes,
// messages and tool results carry HTML/script payloads; posts them to /v1/traces.

import { randomBytes } from "node:crypto";

export const hex = (bytes) => randomBytes(bytes).toString("hex");

function attrValue(v) {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Number.isInteger(v)) return { intValue: String(v) };
  if (typeof v === "number") return { doubleValue: v };
  return { stringValue: JSON.stringify(v) };
}

export function attrs(obj) {
  return Object.entries(obj).map(([key, v]) => ({ key, value: attrValue(v) }));
}

export function span({ traceId, spanId = hex(8), parent = null, name, startNs, endNs, attributes = {}, error = null, events = [] }) {
  return {
    traceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    kind: 1,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(endNs),
    attributes: attrs(attributes),
    status: error ? { code: 2, message: error } : { code: 1 },
    events: events.map((e) => ({ name: e.name, timeUnixNano: String(e.timeNs), attributes: attrs(e.attributes) })),
  };
}

const MS = 1_000_000n;

/** One agent run: AGENT root, LLM asking for a tool, the TOOL (failing when `fail`), final LLM. */
export function agentRun({ traceId = hex(16), startNs, user = "alice", session = "s-alice-1", agent = "weather-agent", question = "What's the weather in Paris?", fail = false, payload = "" }) {
  const t = (ms) => startNs + BigInt(ms) * MS;
  const root = hex(8);
  const name = payload ? `Agent ${payload}.run` : `${agent.replace(/-/g, "_")}.run`;
  const q = payload ? `${question} ${payload}` : question;
  const toolOut = fail ? "float division by zero" : payload ? `Sunny ${payload}` : "The weather in Paris is 21C and sunny.";
  const answer = payload ? `Here is **the answer** ${payload} and [a link](javascript:window.__xss=1) and <b>bold</b>` : "It is 21C and sunny in Paris.";
  const tool = fail ? "divide" : "get_weather";
  const args = fail ? '{"a": 1, "b": 0}' : '{"city": "Paris"}';
  const spans = [
    span({
      traceId, spanId: root, name, startNs: t(0), endNs: t(420),
      attributes: { "openinference.span.kind": "AGENT", "agno.agent.id": agent, "agent.name": agent, "user.id": user, "session.id": session, "agno.run.id": hex(8), "input.value": q, "output.value": answer, ...(payload ? { [`payload ${payload}`]: payload } : {}) },
    }),
    span({
      traceId, parent: root, name: payload ? `OpenAIChat.invoke ${payload}` : "OpenAIChat.invoke", startNs: t(5), endNs: t(150),
      attributes: {
        "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.provider": "OpenAI", "llm.invocation_parameters": '{"temperature": 0.2}',
        "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "Answer weather questions with tools.",
        "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": q,
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_1",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": payload ? `${tool}${payload}` : tool,
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": payload ? JSON.stringify({ city: payload }) : args,
        "llm.token_count.prompt": 47, "llm.token_count.completion": 4, "llm.token_count.total": 51,
      },
    }),
    span({
      traceId, parent: root, name: payload ? `${tool} ${payload}` : tool, startNs: t(155), endNs: t(170),
      attributes: { "openinference.span.kind": "TOOL", "tool.name": tool, "tool.parameters": payload ? JSON.stringify({ city: payload }) : args, "input.value": args, "output.value": toolOut },
      error: fail ? "float division by zero" : null,
      events: fail ? [{ name: "exception", timeNs: t(169), attributes: { "exception.type": "ZeroDivisionError", "exception.message": "float division by zero", "exception.stacktrace": 'Traceback (most recent call last):\n  File "tools.py", line 3, in divide\n    return a / b\nZeroDivisionError: float division by zero' } }] : [],
    }),
    span({
      traceId, parent: root, name: "OpenAIChat.invoke", startNs: t(175), endNs: t(410),
      attributes: {
        "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini",
        "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": q,
        "llm.input_messages.1.message.role": "tool", "llm.input_messages.1.message.content": toolOut, "llm.input_messages.1.message.tool_call_id": "call_1",
        "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": answer,
        "llm.token_count.prompt": 90, "llm.token_count.completion": 12, "llm.token_count.total": 102,
      },
    }),
  ];
  return { traceId, spans };
}

/** A trace of exactly `n` spans: an agent root with LLM/tool steps fanned out a few levels deep. */
export function bigTrace({ n, startNs, traceId = hex(16), fanout = 8 }) {
  const spans = [];
  const root = hex(8);
  const totalUs = Math.max(n * 40, 1000);
  const at = (us) => startNs + BigInt(Math.round(us)) * 1000n;
  spans.push(span({ traceId, spanId: root, name: `Big_Agent_${n}.run`, startNs: at(0), endNs: at(totalUs), attributes: { "openinference.span.kind": "AGENT", "agno.agent.id": "big-agent", "user.id": "bench", "session.id": "bench", "input.value": `big trace of ${n} spans` } }));
  // Breadth-first: each parent gets up to `fanout` children until n spans exist.
  const queue = [{ id: root, start: 0, end: totalUs, depth: 0 }];
  let qi = 0;
  while (spans.length < n) {
    const p = queue[qi++];
    const k = Math.min(fanout, n - spans.length);
    const slot = (p.end - p.start) / k;
    for (let i = 0; i < k; i++) {
      const id = hex(8);
      const s = p.start + slot * i + slot * 0.05;
      const e = s + slot * 0.9;
      const c = spans.length;
      const kind = c % 5 === 0 ? "TOOL" : c % 5 === 1 ? "LLM" : c % 5 === 2 ? "CHAIN" : c % 5 === 3 ? "RETRIEVER" : "GUARDRAIL";
      const a = { "openinference.span.kind": kind, "input.value": `step ${c} input`, "output.value": `step ${c} output` };
      if (kind === "LLM") Object.assign(a, { "llm.model_name": "gpt-4o-mini", "llm.token_count.prompt": 30, "llm.token_count.completion": 5, "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": `question ${c}` });
      if (kind === "TOOL") Object.assign(a, { "tool.name": `tool_${c % 17}`, "tool.parameters": `{"i": ${c}}` });
      spans.push(span({ traceId, spanId: id, parent: p.id, name: kind === "TOOL" ? `tool_${c % 17}` : kind === "LLM" ? "OpenAIChat.invoke" : `step_${c}`, startNs: at(s), endNs: at(e), attributes: a, error: c % 997 === 0 ? "synthetic failure" : null }));
      queue.push({ id, start: s, end: e, depth: p.depth + 1 });
    }
  }
  return { traceId, spans };
}

export const XSS_PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  "<script>window.__xss=1</script>",
  '<a href="javascript:window.__xss=1">click</a>',
  "[click me](javascript:window.__xss=1)",
  '<svg onload="window.__xss=1"></svg>',
  '"><iframe src="javascript:window.__xss=1"></iframe>',
];

export async function postSpans(baseUrl, spans, chunk = 5000) {
  for (let i = 0; i < spans.length; i += chunk) {
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: attrs({ "service.name": "e2e" }) }, scopeSpans: [{ scope: { name: "openinference" }, spans: spans.slice(i, i + chunk) }] }] });
    const res = await fetch(`${baseUrl}/v1/traces`, { method: "POST", headers: { "content-type": "application/json" }, body });
    if (!res.ok) throw new Error(`OTLP post failed: ${res.status} ${await res.text()}`);
  }
}

/** Waits until the recorder has written at least `total` spans and has none pending. */
export async function waitForWritten(baseUrl, total, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await (await fetch(`${baseUrl}/api/status`)).json();
    const rec = st.recording;
    if (rec && rec.written_spans >= total && rec.pending_spans === 0) return rec;
    if (rec && (rec.dropped_spans > 0 || rec.rejected_spans > 0)) throw new Error(`spans lost while seeding: ${JSON.stringify(rec)}`);
    if (Date.now() > deadline) throw new Error(`only ${rec?.written_spans} of ${total} spans written in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A team run with every span kind: hook, retrieval, LLM, delegation, member agent, tool. */
export function teamRun({ traceId = hex(16), startNs, user = "dave", session = "trip-1" }) {
  const t = (ms) => startNs + BigInt(ms) * MS;
  const root = hex(8);
  const member = hex(8);
  const delegate = hex(8);
  const s = (o) => span({ traceId, ...o });
  return {
    traceId,
    spans: [
      s({ spanId: root, name: "Travel_Team.run", startNs: t(0), endNs: t(900), attributes: { "openinference.span.kind": "AGENT", "agno.team.id": "travel-team", "agent.name": "Travel Team", "user.id": user, "session.id": session, "input.value": "Plan a day in Rome.", "output.value": "Visit the **Colosseum**, then eat gelato. It will be *21C and sunny*." } }),
      s({ parent: root, name: "input_guardrail", startNs: t(2), endNs: t(12), attributes: { "openinference.span.kind": "GUARDRAIL", "input.value": "Plan a day in Rome.", "output.value": '{"allowed": true}' } }),
      s({ parent: root, name: "knowledge.search", startNs: t(14), endNs: t(60), attributes: { "openinference.span.kind": "RETRIEVER", "input.value": "Rome sights", "retrieval.documents.0.document.content": "The Colosseum opens at 9:00.", "retrieval.documents.0.document.score": 0.92 } }),
      s({ parent: root, name: "OpenAIChat.invoke", startNs: t(62), endNs: t(240), attributes: { "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "You lead a travel team.", "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "Plan a day in Rome.", "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_d1", "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "delegate_task_to_member", "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"member_id": "researcher-agent", "task": "Find the weather in Rome."}', "llm.token_count.prompt": 310, "llm.token_count.completion": 28 } }),
      s({ spanId: delegate, parent: root, name: "delegate_task_to_member", startNs: t(245), endNs: t(700), attributes: { "openinference.span.kind": "TOOL", "tool.name": "delegate_task_to_member", "tool.parameters": '{"member_id": "researcher-agent", "task": "Find the weather in Rome."}', "output.value": "The weather in Rome is 21C and sunny." } }),
      s({ spanId: member, parent: delegate, name: "Researcher_Agent.run", startNs: t(250), endNs: t(690), attributes: { "openinference.span.kind": "AGENT", "agno.agent.id": "researcher-agent", "input.value": "Find the weather in Rome." } }),
      s({ parent: member, name: "OpenAIChat.invoke", startNs: t(255), endNs: t(400), attributes: { "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Find the weather in Rome.", "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_w1", "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather", "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Rome"}', "llm.token_count.prompt": 120, "llm.token_count.completion": 9 } }),
      s({ parent: member, name: "get_weather", startNs: t(402), endNs: t(470), attributes: { "openinference.span.kind": "TOOL", "tool.name": "get_weather", "tool.parameters": '{"city": "Rome"}', "output.value": '{"city": "Rome", "temp_c": 21, "sky": "sunny"}' } }),
      s({ parent: member, name: "OpenAIChat.invoke", startNs: t(472), endNs: t(685), attributes: { "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.input_messages.0.message.role": "tool", "llm.input_messages.0.message.content": '{"city": "Rome", "temp_c": 21, "sky": "sunny"}', "llm.input_messages.0.message.tool_call_id": "call_w1", "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "The weather in Rome is **21C and sunny**.", "llm.token_count.prompt": 160, "llm.token_count.completion": 14 } }),
      s({ parent: root, name: "OpenAIChat.invoke", startNs: t(705), endNs: t(880), attributes: { "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "Plan a day in Rome.", "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "## Your day in Rome\n\n1. Visit the **Colosseum** (opens 9:00)\n2. Eat gelato near the Pantheon\n\nIt will be *21C and sunny*.", "llm.token_count.prompt": 420, "llm.token_count.completion": 61 } }),
      s({ parent: root, name: "output_guardrail", startNs: t(882), endNs: t(895), attributes: { "openinference.span.kind": "GUARDRAIL", "output.value": '{"allowed": true}' } }),
    ],
  };
}

/** A run recorded with the OpenTelemetry GenAI conventions instead of OpenInference. */
export function genAiRun({ traceId = hex(16), startNs }) {
  const t = (ms) => startNs + BigInt(ms) * MS;
  const root = hex(8);
  return {
    traceId,
    spans: [
      span({ traceId, spanId: root, name: "invoke_agent support-bot", startNs: t(0), endNs: t(300), attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support-bot", "user.id": "genai-user", "session.id": "genai" } }),
      span({
        traceId, parent: root, name: "chat claude-sonnet-4", startNs: t(5), endNs: t(290),
        attributes: {
          "gen_ai.operation.name": "chat", "gen_ai.request.model": "claude-sonnet-4", "gen_ai.request.temperature": 0.3, "gen_ai.usage.input_tokens": 200, "gen_ai.usage.output_tokens": 40,
          "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Reset my password" }] }]),
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "I sent you a reset link." }], finish_reason: "stop" }]),
        },
      }),
    ],
  };
}
