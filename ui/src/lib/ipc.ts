//! The only module that talks to the backend. In the desktop app it calls the Tauri commands
//! and events generated into `bindings.ts`; in web mode (`tracedeck serve`) it uses the JSON
//! routes and server-sent events of the same origin. Every failure is thrown as an
//! `ApiFailure` carrying the backend's typed `ApiError`, so components branch on `type`.
//! Components import from here, never from `bindings.ts` values or `fetch` directly.

import {
  commands,
  events,
  type AgentInfo,
  type ApiError,
  type AppStatus,
  type PageRequest,
  type PriceTable,
  type RunRequest,
  type RunStarted,
  type RunUpdate,
  type Span,
  type StatRow,
  type StatsGroupBy,
  type TraceDetail,
  type TraceFilter,
  type TracePage,
  type TracesChanged,
} from "../bindings";
import { Channel } from "@tauri-apps/api/core";

/** What generated commands that can fail resolve to. */
type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

export class ApiFailure extends Error {
  readonly type: ApiError["type"];
  readonly data: string;
  constructor(e: ApiError) {
    super(`${e.type}: ${e.data}`);
    this.name = "ApiFailure";
    this.type = e.type;
    this.data = e.data;
  }
}

const ERROR_TYPES: readonly ApiError["type"][] = ["NotFound", "BadRequest", "ReadOnly", "Database", "Unavailable", "Internal"];

/** Reads an `ApiError` out of anything (a parsed body, a rejected invoke). */
export function toApiError(v: unknown, fallback: string): ApiError {
  if (typeof v === "object" && v !== null && "type" in v && "data" in v) {
    const t = (v as { type: unknown }).type;
    const d = (v as { data: unknown }).data;
    if (typeof t === "string" && (ERROR_TYPES as readonly string[]).includes(t)) {
      return { type: t as ApiError["type"], data: typeof d === "string" ? d : JSON.stringify(d) };
    }
  }
  if (v instanceof Error) return { type: "Internal", data: v.message };
  return { type: "Internal", data: typeof v === "string" ? v : fallback };
}

export function isTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

// ---------------------------------------------------------------------------------------
// HTTP transport (web mode)

/** Query string of the run-list and stats routes. */
export function filterQuery(filter: TraceFilter, extra: Record<string, string | number | null> = {}): string {
  const q = new URLSearchParams();
  const put = (k: string, v: string | number | null) => {
    if (v !== null && v !== "") q.set(k, String(v));
  };
  put("user", filter.user_id ?? null);
  put("session", filter.session_id ?? null);
  put("agent", filter.agent_id ?? null);
  put("team", filter.team_id ?? null);
  put("workflow", filter.workflow_id ?? null);
  put("run", filter.run_id ?? null);
  put("status", filter.status == null ? null : filter.status.toLowerCase());
  put("search", filter.search ?? null);
  put("since_us", filter.since_us == null ? null : Math.trunc(filter.since_us));
  put("until_us", filter.until_us == null ? null : Math.trunc(filter.until_us));
  for (const [k, v] of Object.entries(extra)) put(k, v);
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

async function http<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiFailure({ type: "Unavailable", data: `cannot reach the Tracedeck server (${e instanceof Error ? e.message : String(e)})` });
  }
  const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
  if (!res.ok) {
    const parsed: unknown = isJson ? await res.json().catch(() => null) : null;
    const fallback = `${method} ${path}: HTTP ${res.status}`;
    const err = toApiError(parsed, fallback);
    throw new ApiFailure(parsed === null ? { type: res.status === 404 ? "NotFound" : res.status >= 500 ? "Internal" : "BadRequest", data: fallback } : err);
  }
  if (!isJson) {
    // Unknown /api routes fall back to the app shell (HTML): the server is older than this UI.
    if (res.status === 204 || res.headers.get("content-length") === "0") return null as T;
    throw new ApiFailure({ type: "Unavailable", data: `this server does not provide ${path} (is it an older tracedeck?)` });
  }
  return (await res.json()) as T;
}

type Listener<T> = (v: T) => void;

/** One shared EventSource for live trace notices, opened while anyone listens. */
const liveHub = {
  source: null as EventSource | null,
  listeners: new Set<Listener<TracesChanged>>(),
  status: new Set<Listener<boolean>>(),
  connected: false,
  setConnected(c: boolean) {
    if (c === this.connected) return;
    this.connected = c;
    for (const l of this.status) l(c);
  },
  open() {
    if (this.source !== null) return;
    const src = new EventSource("/api/live");
    src.addEventListener("open", () => this.setConnected(true));
    src.addEventListener("error", () => this.setConnected(src.readyState === EventSource.OPEN));
    src.addEventListener("traces", (e) => {
      const data = parseJson<TracesChanged>((e as MessageEvent<string>).data);
      if (data !== null) for (const l of this.listeners) l(data);
    });
    this.source = src;
  },
  closeIfIdle() {
    if (this.listeners.size === 0 && this.source !== null) {
      this.source.close();
      this.source = null;
      this.setConnected(false);
    }
  },
};

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Tauri transport: kept in one place so it follows the generated bindings easily.

function isResult<T>(v: unknown): v is Result<T, ApiError> {
  if (typeof v !== "object" || v === null || !("status" in v)) return false;
  const s = (v as { status: unknown }).status;
  return (s === "ok" && "data" in v) || (s === "error" && "error" in v);
}

/** Commands that cannot fail are generated as plain promises, the others return a Result. */
function unwrap<T>(p: Promise<Result<T, ApiError>>): Promise<T>;
function unwrap<T>(p: Promise<T>): Promise<T>;
async function unwrap<T>(p: Promise<Result<T, ApiError> | T>): Promise<T> {
  let r: Result<T, ApiError> | T;
  try {
    r = await p;
  } catch (e) {
    throw new ApiFailure(toApiError(e, "the desktop backend failed"));
  }
  if (!isResult<T>(r)) return r;
  if (r.status === "error") throw new ApiFailure(toApiError(r.error, "the desktop backend failed"));
  return r.data;
}

/** Turns an async `listen` into a synchronous unsubscribe that is safe to call early. */
function tauriListen(start: () => Promise<() => void>): () => void {
  let stop: (() => void) | null = null;
  let cancelled = false;
  start()
    .then((un) => {
      if (cancelled) un();
      else stop = un;
    })
    .catch(() => undefined);
  return () => {
    cancelled = true;
    stop?.();
  };
}

// ---------------------------------------------------------------------------------------
// The API used by components.

export function getStatus(): Promise<AppStatus> {
  return isTauri() ? unwrap(commands.getStatus()) : http("GET", "/api/status");
}

export function listTraces(filter: TraceFilter, page: PageRequest): Promise<TracePage> {
  if (isTauri()) return unwrap(commands.listTraces(filter, page));
  return http("GET", `/api/traces${filterQuery(filter, { limit: page.limit, cursor: page.cursor })}`);
}

export function getTrace(traceId: string): Promise<TraceDetail> {
  if (isTauri()) return unwrap(commands.getTrace(traceId));
  return http("GET", `/api/traces/${encodeURIComponent(traceId)}`);
}

export function getSpan(spanId: string): Promise<Span> {
  if (isTauri()) return unwrap(commands.getSpan(spanId));
  return http("GET", `/api/spans/${encodeURIComponent(spanId)}`);
}

export function traceStats(by: StatsGroupBy, filter: TraceFilter): Promise<StatRow[]> {
  if (isTauri()) return unwrap(commands.traceStats(by, filter));
  return http("GET", `/api/stats${filterQuery(filter, { by })}`);
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
