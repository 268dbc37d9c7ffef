//! The only module that talks to the backend. In the desktop app it calls the Tauri commands
//! and events generated into `bindings.ts`; in web mode (`tracedeck serve`) it uses the JSON
//! routes and server-sent events of the same origin. Every failure is thrown as an
//! `ApiFailure` carrying the backend's typed `ApiError`, so components branch on `type`.
//! Components import from here, never from `bindings.ts` values or `fetch` directly. The two
//! transports live beside it (`httpTransport.ts`, `tauriTransport.ts`) and are used only here.
//!
//! Reads the UI may abandon (run list pages, a trace, suggestions, statistics, metrics) take
//! `{ signal }`: aborting it cancels the request in the backend, which stops its SQL
//! statement, and rejects the call with a `Cancelled` failure that callers ignore.

import {
  commands,
  events,
  type AgentInfo,
  type AppStatus,
  type DeletedCounts,
  type Metrics,
  type PageRequest,
  type PriceTable,
  type RetentionSettings,
  type RetentionStatus,
  type RunRequest,
  type RunStarted,
  type RunUpdate,
  type Span,
  type StatRow,
  type StatsGroupBy,
  type Suggestion,
  type TraceDetail,
  type TraceFilter,
  type TracePage,
  type TracesChanged,
} from "../bindings";
import { Channel } from "@tauri-apps/api/core";
import type {
  ConnectionDraft,
  ConnectionInfo,
  ExportRequest,
  HistoryEntry,
  QueryPage,
  SavedQuery,
  SavedQueryDraft,
  SchemaTable,
  SqlRequest,
  StatusWithConnection,
  TestReport,
} from "../features/console/model/types";
import { filterQuery } from "./filterQuery";
import { pickSaveTarget, saveResponse, type SaveTarget } from "./download";
import { http, httpText, liveHub, notProvided, parseJson, request } from "./httpTransport";
import { cancellable, tauriListen, unwrap } from "./tauriTransport";

export { ApiFailure, isCancelled, isMissingRoute, toApiError } from "./apiError";
export { filterQuery } from "./filterQuery";

export function isTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

// ---------------------------------------------------------------------------------------
// The API used by components.

/** Options of a read the caller may abandon. */
export type ReadOptions = { signal?: AbortSignal };

/**
 * Desktop: cancels every request the previous page of this window left in flight (after a
 * reload nobody waits for them). Call once at startup, before the first request. Web mode
 * needs nothing: the browser closed those connections, and the server dropped them.
 */
export async function abandonPreviousRequests(): Promise<void> {
  if (!isTauri()) return;
  // An older backend without the command has nothing to abandon either.
  await commands.abandonRequests().catch(() => 0);
}

export function getStatus(): Promise<AppStatus> {
  return isTauri() ? unwrap(commands.getStatus()) : http("GET", "/api/status");
}

export function listTraces(filter: TraceFilter, page: PageRequest, opts: ReadOptions = {}): Promise<TracePage> {
  if (isTauri()) return cancellable((id) => commands.listTraces(filter, page, id), opts.signal);
  return http("GET", `/api/traces${filterQuery(filter, { limit: page.limit, cursor: page.cursor })}`, undefined, opts.signal);
}

export function getTrace(traceId: string, opts: ReadOptions = {}): Promise<TraceDetail> {
  if (isTauri()) return cancellable((id) => commands.getTrace(traceId, id), opts.signal);
  return http("GET", `/api/traces/${encodeURIComponent(traceId)}`, undefined, opts.signal);
}

export function getSpan(spanId: string): Promise<Span> {
  if (isTauri()) return unwrap(commands.getSpan(spanId));
  return http("GET", `/api/spans/${encodeURIComponent(spanId)}`);
}

export function traceStats(by: StatsGroupBy, filter: TraceFilter, opts: ReadOptions = {}): Promise<StatRow[]> {
  if (isTauri()) return cancellable((id) => commands.traceStats(by, filter, id), opts.signal);
  return http("GET", `/api/stats${filterQuery(filter, { by })}`, undefined, opts.signal);
}

/** The run-list fields the backend suggests values for. */
export type SuggestField = "user" | "session" | "agent" | "team" | "workflow" | "run";

/** Values of `field` starting with `prefix`: those of the most recent runs first (at most 200). */
export function suggest(field: SuggestField, prefix: string, opts: ReadOptions = {}): Promise<Suggestion[]> {
  if (isTauri()) return cancellable((id) => commands.suggest(field, prefix, id), opts.signal);
  const q = new URLSearchParams({ field, prefix });
  return http("GET", `/api/suggest?${q.toString()}`, undefined, opts.signal);
}

/**
 * One chunk of metrics for the run list's filters (send explicit `since_us`/`until_us`): the
 * newest part of the range the server could read in its budget. While `complete` is false,
 * ask again with `until_us = next_until_us` and the first answer's `bucketUs`, and merge
 * (`features/metrics/model/merge`).
 */
export function traceMetrics(filter: TraceFilter, opts: ReadOptions & { bucketUs?: number | null } = {}): Promise<Metrics> {
  const bucketUs = opts.bucketUs ?? null;
  if (isTauri()) return cancellable((id) => commands.traceMetrics(filter, bucketUs, id), opts.signal);
  return http("GET", `/api/metrics${filterQuery(filter, { bucket_us: bucketUs })}`, undefined, opts.signal);
}

/** Deletes the chosen traces with their spans (refused with `ReadOnly` on read-only connections). */
export function deleteTraces(traceIds: string[]): Promise<DeletedCounts> {
  return isTauri() ? unwrap(commands.deleteTraces(traceIds)) : http("POST", "/api/traces/delete", { trace_ids: traceIds });
}

/** Retention of the active database: its settings, size, last run, or why it cannot run. */
export function getRetention(): Promise<RetentionStatus> {
  return isTauri() ? unwrap(commands.getRetention()) : http("GET", "/api/retention");
}

/** Saves the active database's retention (the backend applies it at once, in the background). */
export function setRetention(settings: RetentionSettings): Promise<RetentionStatus> {
  return isTauri() ? unwrap(commands.setRetention(settings)) : http("PUT", "/api/retention", settings);
}

/** Applies the active database's retention now; resolves with what it deleted. */
export function runRetention(): Promise<DeletedCounts> {
  return isTauri() ? unwrap(commands.runRetention()) : http("POST", "/api/retention/run");
}

export function getPrices(): Promise<PriceTable> {
  return isTauri() ? unwrap(commands.getPrices()) : http("GET", "/api/prices");
}

export function setPrices(table: PriceTable): Promise<PriceTable> {
  return isTauri() ? unwrap(commands.setPrices(table)) : http("PUT", "/api/prices", table);
}

export function listAgents(): Promise<AgentInfo[]> {
  return isTauri() ? unwrap(commands.listAgents()) : http("GET", "/api/agents");
}

export function startRun(req: RunRequest): Promise<RunStarted> {
  return isTauri() ? unwrap(commands.startRun(req)) : http("POST", "/api/runs", req);
}

export async function cancelRun(runKey: string): Promise<void> {
  if (isTauri()) await unwrap(commands.cancelRun(runKey));
  else await http<unknown>("DELETE", `/api/runs/${encodeURIComponent(runKey)}`);
}

/** Batched notices of traces that received spans. Returns the unsubscribe function. */
export function subscribeLive(cb: (e: TracesChanged) => void): () => void {
  if (isTauri()) return tauriListen(() => events.tracesChanged.listen((e) => cb(e.payload)));
  liveHub.listeners.add(cb);
  liveHub.open();
  return () => {
    liveHub.listeners.delete(cb);
    liveHub.closeIfIdle();
  };
}

/** Whether live notices are flowing (web mode: the event stream is open). */
export function subscribeLiveConnection(cb: (connected: boolean) => void): () => void {
  if (isTauri()) {
    cb(true);
    return () => undefined;
  }
  liveHub.status.add(cb);
  cb(liveHub.connected);
  return () => liveHub.status.delete(cb);
}

/** Updates of one agent run until it finishes. Returns the unsubscribe function.
 *  `onLost` is called when the stream fails before the run finished. */
export function subscribeRun(runKey: string, cb: (u: RunUpdate) => void, onLost?: (why: string) => void): () => void {
  if (isTauri()) {
    // The command replays the run's updates from its start, then streams the rest through
    // the channel, and returns when the run has finished.
    let active = true;
    let finished = false;
    const channel = new Channel<RunUpdate>();
    channel.onmessage = (u) => {
      if (!active) return;
      if (u.type === "Finished") finished = true;
      cb(u);
    };
    unwrap(commands.watchRun(runKey, channel))
      .then(() => {
        if (active && !finished) onLost?.("the run's update stream ended before the run finished");
      })
      .catch((e: unknown) => {
        if (active) onLost?.(e instanceof Error ? e.message : String(e));
      });
    return () => {
      active = false;
    };
  }
  const src = new EventSource(`/api/runs/${encodeURIComponent(runKey)}/events`);
  let finished = false;
  src.addEventListener("run", (e) => {
    const u = parseJson<RunUpdate>((e as MessageEvent<string>).data);
    if (u === null) return;
    cb(u);
    if (u.type === "Finished") {
      finished = true;
      src.close();
    }
  });
  src.addEventListener("error", () => {
    // The stream ends with the run; do not let EventSource reconnect to a finished run.
    if (finished) return;
    if (src.readyState === EventSource.CLOSED) onLost?.("the run's event stream closed before the run finished");
  });
  return () => src.close();
}

// ---------------------------------------------------------------------------------------
// Connections, SQL console, saved queries, history. The `as` casts narrow fields the
// backend validates (env, secret state, cell encoding; see console/model/types.ts).

const enc = encodeURIComponent;

export function listConnections(): Promise<ConnectionInfo[]> {
  return isTauri() ? unwrap(commands.listConnections()) as Promise<ConnectionInfo[]> : http("GET", "/api/connections");
}

/** Creates (`id` null) or updates a connection. */
export function saveConnection(id: string | null, draft: ConnectionDraft): Promise<ConnectionInfo> {
  if (isTauri()) return unwrap(commands.saveConnection(id, draft)) as Promise<ConnectionInfo>;
  return id === null ? http("POST", "/api/connections", draft) : http("PUT", `/api/connections/${enc(id)}`, draft);
}

export async function deleteConnection(id: string): Promise<void> {
  if (isTauri()) await unwrap(commands.deleteConnection(id));
  else await http<unknown>("DELETE", `/api/connections/${enc(id)}`);
}

export function testConnection(draft: ConnectionDraft): Promise<TestReport> {
  return isTauri() ? unwrap(commands.testConnection(draft)) : http("POST", "/api/connections/test", draft);
}

export function testSavedConnection(id: string): Promise<TestReport> {
  return isTauri() ? unwrap(commands.testSavedConnection(id)) : http("POST", `/api/connections/${enc(id)}/test`);
}

export function activateConnection(id: string): Promise<StatusWithConnection> {
  return isTauri() ? unwrap(commands.activateConnection(id)) as Promise<StatusWithConnection> : http("POST", `/api/connections/${enc(id)}/activate`);
}

export function setConnectionSecret(id: string, password: string, remember: boolean): Promise<ConnectionInfo> {
  if (isTauri()) return unwrap(commands.setConnectionSecret(id, password, remember)) as Promise<ConnectionInfo>;
  return http("POST", `/api/connections/${enc(id)}/secret`, { password, remember });
}

export function getSchema(connection: string | null): Promise<SchemaTable[]> {
  if (isTauri()) return unwrap(commands.getSchema(connection));
  return http("GET", `/api/schema${connection === null ? "" : `?connection=${enc(connection)}`}`);
}

/** Runs a statement; resolves with its first page. `signal` abandons the request (web mode). */
export function runSql(req: SqlRequest, signal?: AbortSignal): Promise<QueryPage> {
  return isTauri() ? unwrap(commands.runSql(req)) as Promise<QueryPage> : http("POST", "/api/sql", req, signal);
}

export function moreRows(queryId: string, limit: number): Promise<QueryPage> {
  return isTauri() ? unwrap(commands.moreRows(queryId, limit)) as Promise<QueryPage> : http("POST", `/api/sql/${enc(queryId)}/more`, { limit });
}

/** Cancels a running query or closes a finished one's cursor. */
export async function cancelQuery(queryId: string): Promise<void> {
  if (isTauri()) await unwrap(commands.cancelQuery(queryId));
  else await http<unknown>("DELETE", `/api/sql/${enc(queryId)}`);
}

export type ExportResult = { name: string; bytes: number | null } | null;

/**
 * Exports the whole result of `req.sql`. Desktop: a save dialog, then the backend writes the
 * file. Web: the server streams the file (into the picked file when the browser can pick one,
 * else into a download). Resolves null when the user cancelled the dialog.
 */
export async function exportSql(req: ExportRequest, suggestedName: string, onProgress?: (bytes: number) => void): Promise<ExportResult> {
  if (isTauri()) {
    const { save } = await import("@tauri-apps/plugin-dialog");
    const ext = suggestedName.split(".").pop() ?? req.format;
    const path = await save({ defaultPath: suggestedName, filters: [{ name: req.format === "json" ? "JSON Lines" : "CSV", extensions: [ext] }] });
    if (path === null) return null;
    await unwrap(commands.exportSql(req, path));
    return { name: path, bytes: null };
  }
  const target: SaveTarget = await pickSaveTarget(suggestedName);
  if (target.kind === "cancelled") return null;
  const res = await request("POST", "/api/sql/export", req);
  if ((res.headers.get("content-type") ?? "").includes("text/html")) throw notProvided("/api/sql/export");
  return saveResponse(res, target, onProgress);
}

export function listQueries(): Promise<SavedQuery[]> {
  return isTauri() ? unwrap(commands.listQueries()) : http("GET", "/api/queries");
}

/** Creates (`id` null) or updates a saved query. */
export function saveQuery(id: string | null, q: SavedQueryDraft): Promise<SavedQuery> {
  if (isTauri()) return unwrap(commands.saveQuery(id, q));
  return id === null ? http("POST", "/api/queries", q) : http("PUT", `/api/queries/${enc(id)}`, q);
}

export async function deleteQuery(id: string): Promise<void> {
  if (isTauri()) await unwrap(commands.deleteQuery(id));
  else await http<unknown>("DELETE", `/api/queries/${enc(id)}`);
}

/** The `.sql` text of a saved query (header + SQL). */
export function exportQuery(id: string): Promise<string> {
  return isTauri() ? unwrap(commands.exportQuery(id)) : httpText(`/api/queries/${enc(id)}/export`);
}

export function importQueries(text: string): Promise<SavedQuery[]> {
  return isTauri() ? unwrap(commands.importQueries(text, null)) : http("POST", "/api/queries/import", { text });
}

export function listHistory(connection: string | null, search: string, limit: number): Promise<HistoryEntry[]> {
  if (isTauri()) return unwrap(commands.listHistory(connection, search, limit));
  const q = new URLSearchParams();
  if (connection !== null) q.set("connection", connection);
  if (search !== "") q.set("search", search);
  q.set("limit", String(limit));
  return http("GET", `/api/history?${q.toString()}`);
}
