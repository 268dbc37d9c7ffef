//! The typed error every backend call throws (`ApiFailure`), and reading an `ApiError` out of
//! anything the transports return: a parsed HTTP body, a rejected Tauri invoke. The SQL
//! console's errors (`{type: "Sql", data: {message, position, code}}`) keep their position so
//! the editor can highlight it. `TimedOut` is a read the database stopped at its time budget;
//! `Cancelled` is a request its caller abandoned, which callers ignore and nothing renders.
//! Pure: no IO here (ipc.ts is the only module that calls out).

import type { ApiError } from "../bindings";
import type { SqlError } from "../bindings";

export type SqlApiError = Extract<ApiError, { type: "Sql" }>;
export type AnyApiError = ApiError;
export type ApiErrorType = AnyApiError["type"];

export class ApiFailure extends Error {
  readonly type: ApiErrorType;
  /** The message (for `Sql`, the database's message). */
  readonly data: string;
  /** Set for database errors of the SQL console. */
  readonly sql: SqlError | null;
  constructor(e: AnyApiError) {
    const data = e.type === "Sql" ? e.data.message : e.data;
    super(`${e.type}: ${data}`);
    this.name = "ApiFailure";
    this.type = e.type;
    this.data = data;
    this.sql = e.type === "Sql" ? e.data : null;
  }
}

const ERROR_TYPES: readonly ApiErrorType[] = ["NotFound", "BadRequest", "ReadOnly", "Database", "Unavailable", "Internal", "TimedOut", "Cancelled", "Sql"];

/** What an abandoned request rejects with (the same in both transports). */
export function cancelledFailure(): ApiFailure {
  return new ApiFailure({ type: "Cancelled", data: "the request was cancelled" });
}

/** The request was abandoned by its caller: not an error to show. */
export function isCancelled(e: unknown): boolean {
  return e instanceof ApiFailure && e.type === "Cancelled";
}

function sqlError(v: unknown, fallbackMessage: string | null): SqlError | null {
  if (typeof v === "string") return { message: v, position: null, code: null };
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const message = typeof o.message === "string" ? o.message : fallbackMessage;
  if (message === null) return null;
  const position = typeof o.position === "number" && Number.isFinite(o.position) ? o.position : null;
  const code = typeof o.code === "string" ? o.code : null;
  return { message, position, code };
}

/** Reads an `ApiError` out of anything (a parsed body, a rejected invoke). */
export function toApiError(v: unknown, fallback: string): AnyApiError {
  if (typeof v === "object" && v !== null && "type" in v && "data" in v) {
    const o = v as Record<string, unknown>;
    const t = o.type;
    const d = o.data;
    if (typeof t === "string" && (ERROR_TYPES as readonly string[]).includes(t)) {
      if (t === "Sql") {
        const s = sqlError(d, typeof d === "string" ? d : null);
        return s === null ? { type: "BadRequest", data: fallback } : { type: "Sql", data: s };
      }
      // A server that sends the plain variant plus a richer field (`sql`, or `position` beside `data`).
      const rich = sqlError(o.sql, typeof d === "string" ? d : null) ?? ("position" in o ? sqlError(o, typeof d === "string" ? d : null) : null);
      if (rich !== null && (t === "BadRequest" || t === "Database")) return { type: "Sql", data: rich };
      return { type: t as Exclude<ApiErrorType, "Sql">, data: typeof d === "string" ? d : JSON.stringify(d) };
    }
  }
  if (v instanceof Error) return { type: "Internal", data: v.message };
  return { type: "Internal", data: typeof v === "string" ? v : fallback };
}

/** The backend does not have this route or command yet (an older server than this UI). */
export function isMissingRoute(e: unknown): boolean {
  if (!(e instanceof ApiFailure)) return false;
  if (e.type === "Unavailable" && /does not provide|older tracedeck/.test(e.data)) return true;
  if (e.type === "NotFound" && /no such route|HTTP 404/.test(e.data)) return true;
  // Tauri: a command that is not registered.
  return e.type === "Internal" && /command .* not found|not allowed|unknown command/i.test(e.data);
}
