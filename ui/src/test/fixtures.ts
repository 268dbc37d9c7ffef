//! Test helpers: compact constructors for spans and trace details (used by *.test.ts only).

import type { Value as JsonValue, SemanticKind, Span, StatusCode, TraceDetail } from "../bindings";
import { buildSpanTree } from "../features/traces/model/buildTree";

export type SpanSpec = {
  id: string;
  parent?: string | null;
  name?: string;
  start?: number;
  end?: number;
  kind?: SemanticKind;
  status?: StatusCode;
  tokens?: number | null;
  model?: string | null;
  attributes?: Record<string, JsonValue>;
};

export const T0 = 1_795_000_000_000_000;

export function span(s: SpanSpec): Span {
  const start = T0 + (s.start ?? 0);
  const end = T0 + (s.end ?? (s.start ?? 0) + 1000);
  return {
    span_id: s.id,
    trace_id: "t".repeat(32),
    parent_span_id: s.parent ?? null,
    name: s.name ?? s.id,
    span_kind: "INTERNAL",
    status_code: s.status ?? "OK",
    status_message: s.status === "ERROR" ? "failed" : null,
    start_us: start,
    end_us: end,
    start_time: new Date(start / 1000).toISOString(),
    duration_ms: (end - start) / 1000,
    kind: s.kind ?? "UNKNOWN",
    tokens: s.tokens ?? null,
    model: s.model ?? null,
    attributes: s.attributes ?? {},
  };
}

export function detail(specs: SpanSpec[], traceId = "t".repeat(32)): TraceDetail {
  const spans = specs.map((s) => ({ ...span(s), trace_id: traceId }));
  const start = Math.min(...spans.map((s) => s.start_us));
  const end = Math.max(...spans.map((s) => s.end_us));
  return {
    trace: {
      trace_id: traceId,
      name: spans[0]?.name ?? "trace",
      status: spans.some((s) => s.status_code === "ERROR") ? "ERROR" : "OK",
      stored_status: "OK",
      start_time: "",
      start_us: start,
      end_us: end,
      duration_ms: (end - start) / 1000,
      span_count: spans.length,
      error_count: spans.filter((s) => s.status_code === "ERROR").length,
      total_tokens: 0,
      input_preview: null,
      run_id: null,
      session_id: null,
      user_id: null,
      agent_id: null,
      team_id: null,
      workflow_id: null,
      created_at: "",
    },
    spans,
    tree: buildSpanTree(spans),
  };
}
