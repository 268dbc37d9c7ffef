//! The web-mode transport of `ipc.ts` (`tracedeck serve`): JSON requests to the same origin
//! whose non-2xx answers are thrown as `ApiFailure`s, and the one shared EventSource of live
//! trace notices. A request given an `AbortSignal` closes its connection when the signal
//! aborts (the server then drops the operation and its SQL statement) and always rejects with
//! a `Cancelled` failure. Only ipc.ts imports this module; which route serves which operation
//! is decided there.

import type { TracesChanged } from "../bindings";
import { ApiFailure, cancelledFailure, toApiError } from "./apiError";

/** A request whose non-2xx answers are thrown as `ApiFailure`s. */
export async function request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (e) {
    if (signal?.aborted === true) throw cancelledFailure();
    throw new ApiFailure({ type: "Unavailable", data: `cannot reach the Tracedeck server (${e instanceof Error ? e.message : String(e)})` });
  }
  if (!res.ok) {
    const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
    const parsed: unknown = isJson ? await res.json().catch(() => null) : null;
    if (signal?.aborted === true) throw cancelledFailure();
    const fallback = `${method} ${path}: HTTP ${res.status}`;
    const err = toApiError(parsed, fallback);
    throw new ApiFailure(parsed === null ? { type: res.status === 404 ? "NotFound" : res.status >= 500 ? "Internal" : "BadRequest", data: fallback } : err);
  }
  return res;
}

/** Unknown /api routes fall back to the app shell (HTML): the server is older than this UI. */
export function notProvided(path: string): ApiFailure {
  return new ApiFailure({ type: "Unavailable", data: `this server does not provide ${path} (is it an older tracedeck?)` });
}

/** A JSON request. Once `signal` has aborted, whatever happened rejects with `Cancelled`
 *  (the body may have been cut off mid-read, or may even have arrived complete). */
export async function http<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  try {
    const res = await request(method, path, body, signal);
    let value: T;
    if (res.status === 204 || res.headers.get("content-length") === "0") value = null as T;
    else if (!(res.headers.get("content-type") ?? "").includes("application/json")) throw notProvided(path);
    else value = (await res.json()) as T;
    if (signal?.aborted === true) throw cancelledFailure();
    return value;
  } catch (e) {
    if (signal?.aborted === true) throw cancelledFailure();
    throw e;
  }
}

export async function httpText(path: string): Promise<string> {
  const res = await request("GET", path);
  if ((res.headers.get("content-type") ?? "").includes("text/html")) throw notProvided(path);
  return res.text();
}

export function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

type Listener<T> = (v: T) => void;

/** One shared EventSource for live trace notices, opened while anyone listens. */
export const liveHub = {
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
