// TEMPORARY hand-written stand-in; replaced by the tauri-specta export
//
// The shapes below mirror the Rust types as serde serialises them (snake_case fields,
// Option<T> as `T | null`, unit enums as string unions, i64 as number). `commands` and
// `events` follow the names tauri-specta generates, so `lib/ipc.ts` compiles unchanged
// against the real export.

import { invoke as TAURI_INVOKE } from "@tauri-apps/api/core";
import { listen as TAURI_LISTEN, type UnlistenFn } from "@tauri-apps/api/event";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type ApiError = {
  type: "NotFound" | "BadRequest" | "ReadOnly" | "Database" | "Unavailable" | "Internal";
  data: string;
};

export type TraceStatus = "OK" | "ERROR";
export type StatusCode = "UNSET" | "OK" | "ERROR";
export type SemanticKind =
  | "AGENT"
  | "LLM"
  | "TOOL"
  | "CHAIN"
  | "RETRIEVER"
  | "GUARDRAIL"
  | "EMBEDDING"
  | "RERANKER"
  | "EVALUATOR"
  | "UNKNOWN";

export type TraceFilter = {
  user_id: string | null;
  session_id: string | null;
  agent_id: string | null;
  team_id: string | null;
  workflow_id: string | null;
  run_id: string | null;
  status: TraceStatus | null;
  search: string | null;
  since_us: number | null;
  until_us: number | null;
};

export type PageRequest = { limit: number; cursor: string | null };

export type TraceSummary = {
  trace_id: string;
  name: string;
  status: TraceStatus;
  stored_status: string;
  start_time: string;
  start_us: number;
  end_us: number;
  duration_ms: number;
  span_count: number;
  error_count: number;
  total_tokens: number;
  input_preview: string | null;
  run_id: string | null;
  session_id: string | null;
  user_id: string | null;
  agent_id: string | null;
  team_id: string | null;
  workflow_id: string | null;
  created_at: string;
};

export type TracePage = { traces: TraceSummary[]; next_cursor: string | null };

export type Span = {
  span_id: string;
  trace_id: string;
  parent_span_id: string | null;
  name: string;
  span_kind: string;
  status_code: StatusCode;
  status_message: string | null;
  start_us: number;
  end_us: number;
  start_time: string;
  duration_ms: number;
  kind: SemanticKind;
  tokens: number | null;
  model: string | null;
  attributes: Record<string, JsonValue>;
};

export type NodeFlags = { synthetic: boolean; orphan: boolean; cycle_broken: boolean; duplicate: boolean };

export type TreeNode = {
  span: number | null;
  missing_span_id: string | null;
  parent: number | null;
  children: number[];
  depth: number;
  start_us: number;
  flags: NodeFlags;
};

export type TreeIssues = { orphans: number; cycles_broken: number; duplicates: number };
export type TraceTree = { nodes: TreeNode[]; roots: number[]; issues: TreeIssues };
export type TraceDetail = { trace: TraceSummary; spans: Span[]; tree: TraceTree };

export type StatsGroupBy = "user" | "session" | "agent" | "model" | "span_name";
export type StatRow = {
  key: string | null;
  count: number;
  error_count: number;
  total_tokens: number;
  avg_duration_ms: number;
  max_duration_ms: number;
  last_seen: string | null;
};

export type DatabaseInfo = {
  label: string;
  backend: string;
  read_only: boolean;
  origin: string;
  server_version: string;
  notes: string[];
};

export type RecordingStatus = {
  written_spans: number;
  pending_spans: number;
  dropped_spans: number;
  rejected_spans: number;
  database_reachable: boolean;
  last_error: string | null;
};

export type AppStatus = {
  version: string;
  database: DatabaseInfo;
  recording: RecordingStatus | null;
  data_dir: string;
  config_dir: string;
};

export type TracesChanged = { trace_ids: string[]; spans: number };

export type ModelPrice = { model: string; input_per_mtok: number; output_per_mtok: number };
export type PriceTable = { currency: string; models: ModelPrice[] };

export type AgentInfo = {
  id: string;
  name: string;
  kind: "agent" | "team";
  description: string | null;
  model: string | null;
  members: string[];
};

export type RunRequest = { target: string; input: string; user_id: string | null; session_id: string | null };
export type RunStarted = { run_key: string };

export type RunUpdate =
  | { type: "Started"; data: { trace_id: string; run_id: string } }
  | { type: "Delta"; data: { text: string } }
  | { type: "ToolStarted"; data: { call_id: string; name: string; arguments: string } }
  | { type: "ToolFinished"; data: { call_id: string; name: string; ok: boolean; output: string } }
  | {
      type: "Finished";
      data: { status: TraceStatus; output: string | null; error: string | null; trace_id: string };
    };

export type RunUpdateEvent = { run_key: string; update: RunUpdate };

export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

async function typedError<T>(p: Promise<T>): Promise<Result<T, ApiError>> {
  try {
    return { status: "ok", data: await p };
  } catch (e) {
    if (e instanceof Error) throw e;
    return { status: "error", error: e as ApiError };
  }
}

export const commands = {
  getStatus: () => TAURI_INVOKE<AppStatus>("get_status"),
  listTraces: (filter: TraceFilter, page: PageRequest) =>
    typedError(TAURI_INVOKE<TracePage>("list_traces", { filter, page })),
  getTrace: (traceId: string) => typedError(TAURI_INVOKE<TraceDetail>("get_trace", { traceId })),
  getSpan: (spanId: string) => typedError(TAURI_INVOKE<Span>("get_span", { spanId })),
  traceStats: (by: StatsGroupBy, filter: TraceFilter) =>
    typedError(TAURI_INVOKE<StatRow[]>("trace_stats", { by, filter })),
  getPrices: () => TAURI_INVOKE<PriceTable>("get_prices"),
  setPrices: (table: PriceTable) => typedError(TAURI_INVOKE<PriceTable>("set_prices", { table })),
  listAgents: () => typedError(TAURI_INVOKE<AgentInfo[]>("list_agents")),
  startRun: (req: RunRequest) => typedError(TAURI_INVOKE<RunStarted>("start_run", { req })),
  cancelRun: (runKey: string) => typedError(TAURI_INVOKE<null>("cancel_run", { runKey })),
};

type EventHandle<T> = { listen: (cb: (e: { payload: T }) => void) => Promise<UnlistenFn> };

function makeEvent<T>(name: string): EventHandle<T> {
  return { listen: (cb) => TAURI_LISTEN<T>(name, cb) };
}

export const events = {
  tracesChanged: makeEvent<TracesChanged>("traces-changed"),
  runUpdate: makeEvent<RunUpdateEvent>("run-update"),
};
