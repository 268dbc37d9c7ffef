//! The desktop transport of `ipc.ts`: unwrapping the generated commands' `Result`s into values
//! or `ApiFailure`s, a synchronous unsubscribe for async event listeners, and cancellable
//! reads. A cancellable read is sent with a fresh request id; when its `AbortSignal` aborts,
//! `cancel_request` with that id drops the operation in the backend (which stops its SQL
//! statement) and the read rejects at once with a `Cancelled` failure. Kept in one place so it
//! follows the generated bindings easily; only ipc.ts imports it.

import { commands, type ApiError } from "../bindings";
import { ApiFailure, cancelledFailure, toApiError } from "./apiError";

/** What generated commands that can fail resolve to. */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

function isResult<T>(v: unknown): v is Result<T, ApiError> {
  if (typeof v !== "object" || v === null || !("status" in v)) return false;
  const s = (v as { status: unknown }).status;
  return (s === "ok" && "data" in v) || (s === "error" && "error" in v);
}

/** Commands that cannot fail are generated as plain promises, the others return a Result. */
export function unwrap<T>(p: Promise<Result<T, ApiError>>): Promise<T>;
export function unwrap<T>(p: Promise<T>): Promise<T>;
export async function unwrap<T>(p: Promise<Result<T, ApiError> | T>): Promise<T> {
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
export function tauriListen(start: () => Promise<() => void>): () => void {
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

export function newRequestId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  return `r-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export type CancellableDeps = {
  /** Asks the backend to drop a request (`commands.cancelRequest` in the app). */
  cancel: (request: string) => Promise<unknown>;
  newId: () => string;
};

const APP_DEPS: CancellableDeps = { cancel: (id) => commands.cancelRequest(id), newId: newRequestId };

/**
 * Runs `call` with a fresh request id. Every read gets an id, signal or not, so that
 * `abandon_requests` after a reload reaches it. Once `signal` has aborted the read rejects
 * with `Cancelled`, whatever the backend answers later.
 */
export function cancellable<T>(call: (request: string) => Promise<Result<T, ApiError>>, signal: AbortSignal | undefined, deps: CancellableDeps = APP_DEPS): Promise<T> {
  if (signal?.aborted === true) return Promise.reject(cancelledFailure());
  const id = deps.newId();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      deps.cancel(id).catch(() => undefined);
      reject(cancelledFailure());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    let sent: Promise<Result<T, ApiError>>;
    try {
      // Invoked in this turn, so the request is sent before any cancel for it.
      sent = call(id);
    } catch (e) {
      sent = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    unwrap(sent)
      .then(
        (v) => (signal?.aborted === true ? reject(cancelledFailure()) : resolve(v)),
        (e: unknown) => reject(signal?.aborted === true ? cancelledFailure() : e),
      )
      .finally(() => signal?.removeEventListener("abort", onAbort));
  });
}
