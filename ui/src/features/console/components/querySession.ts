//! The console's running statement and its rows, kept outside React so results survive
//! navigating to a trace and back. One statement at a time: a new run cancels the previous
//! one. Rows arrive in pages (`limit` per request) and are appended in place up to MAX_ROWS;
//! `version` changes on every update so views re-render. Cancel aborts the first request
//! (web) and tells the server to stop (`cancelQuery`) once it has an id.

import { useSyncExternalStore } from "react";
import { ApiFailure, cancelQuery, moreRows, runSql } from "../../../lib/ipc";
import { markSqlRun } from "../../../lib/perf";
import type { Cell, Column, HistoryEntry, QueryPage, SavedQuery } from "../model/types";

/** Rows kept in memory; beyond, "export all" gets the rest. */
export const MAX_ROWS = 200_000;
export const PAGE_SIZES = [500, 5_000, 50_000] as const;
/** Statement time limits offered (ms). It also bounds how long "load more" can follow a
 *  result, since rows are read from the server as they are paged. */
export const TIME_LIMITS = [30_000, 120_000, 600_000, 3_600_000] as const;

export type RunStatus = "running" | "more" | "paused" | "done" | "error" | "cancelled";

export type Run = {
  seq: number;
  status: RunStatus;
  sql: string;
  /** Where the statement starts in the editor (for error positions). */
  offset: number;
  connection: string | null;
  columns: Column[];
  /** Grows in place as pages arrive; `version` tells views it changed. */
  rows: Cell[][];
  version: number;
  queryId: string | null;
  rowsAffected: number | null;
  /** Server time until the first page was ready. */
  serverMs: number | null;
  /** Click to first page, as the UI saw it. */
  wallMs: number | null;
  error: unknown;
};

type State = {
  run: Run | null;
  pageSize: number;
  timeLimitMs: number;
  historyVersion: number;
  localHistory: HistoryEntry[];
  /** The saved query the editor holds (to update it in place), if any. */
  open: SavedQuery | null;
  /** Bumped when the editor text is replaced from outside (open a query, history). */
  textVersion: number;
};

const TEXT_KEY = "tracedeck.console.sql";
export const STARTER_SQL = "-- Ctrl/Cmd+Enter runs the selection (or everything); Esc cancels.\nSELECT trace_id, name, status, duration_ms, start_time\nFROM agno_traces\nORDER BY start_time DESC\nLIMIT 100;\n";

function storedText(): string {
  try {
    return localStorage.getItem(TEXT_KEY) ?? STARTER_SQL;
  } catch {
    return STARTER_SQL;
  }
}

/** A remembered choice from `allowed` (localStorage), else the first of them. */
function storedChoice(key: string, allowed: readonly number[]): number {
  try {
    const n = Number(localStorage.getItem(key));
    return allowed.includes(n) ? n : allowed[0]!;
  } catch {
    return allowed[0]!;
  }
}

function remember(key: string, n: number) {
  try {
    localStorage.setItem(key, String(n));
  } catch {
    /* not remembered */
  }
}

const PAGE_SIZE_KEY = "tracedeck.console.pageSize";
const TIME_LIMIT_KEY = "tracedeck.console.timeLimitMs";

export class QuerySession {
  private state: State = { run: null, pageSize: storedChoice(PAGE_SIZE_KEY, PAGE_SIZES), timeLimitMs: storedChoice(TIME_LIMIT_KEY, TIME_LIMITS), historyVersion: 0, localHistory: [], open: null, textVersion: 0 };
  private text = storedText();
  private saveTimer: number | null = null;
  private listeners = new Set<() => void>();
  private seq = 0;
  private abort: AbortController | null = null;

  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getSnapshot = () => this.state;

  private set(patch: Partial<State>) {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
  private update(seq: number, patch: Partial<Run>) {
    const r = this.state.run;
    if (r === null || r.seq !== seq) return;
    this.set({ run: { ...r, ...patch, version: r.version + 1 } });
  }
  private append(r: Run, page: QueryPage) {
    const room = MAX_ROWS - r.rows.length;
    const n = Math.min(room, page.rows.length);
    for (let i = 0; i < n; i++) r.rows.push(page.rows[i]!);
  }
  private record(r: Run, error: string | null) {
    const e: HistoryEntry = { id: `local-${r.seq}`, connection: r.connection ?? "", sql: r.sql, ran_at: new Date().toISOString(), elapsed_ms: r.serverMs ?? r.wallMs ?? 0, row_count: error === null ? r.rows.length : null, error };
    this.set({ historyVersion: this.state.historyVersion + 1, localHistory: [e, ...this.state.localHistory].slice(0, 500) });
  }

  /** The editor's text (kept here without re-rendering anyone on each keystroke). */
  getText(): string {
    return this.text;
  }
  setText(t: string) {
    this.text = t;
    if (this.saveTimer !== null) window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => {
      try {
        localStorage.setItem(TEXT_KEY, this.text);
      } catch {
        /* not remembered */
      }
    }, 400);
  }
  /** Replaces the editor's text (and which saved query it is). */
  load(text: string, open: SavedQuery | null) {
    this.setText(text);
    this.set({ open, textVersion: this.state.textVersion + 1 });
  }
  setOpen(open: SavedQuery | null) {
    this.set({ open });
  }

  setPageSize(n: number) {
    remember(PAGE_SIZE_KEY, n);
    this.set({ pageSize: n });
  }

  setTimeLimit(ms: number) {
    remember(TIME_LIMIT_KEY, ms);
    this.set({ timeLimitMs: ms });
  }

  run(sql: string, offset: number, connection: string | null) {
    this.close();
    const seq = ++this.seq;
    const abort = new AbortController();
    this.abort = abort;
    const started = performance.now();
    // Chosen here so Cancel reaches the server's statement before its first page arrives.
    const queryId = newQueryId();
    const run: Run = { seq, status: "running", sql, offset, connection, columns: [], rows: [], version: 0, queryId, rowsAffected: null, serverMs: null, wallMs: null, error: null };
    this.set({ run });
    markSqlRun(seq);
    runSql({ connection, query_id: queryId, sql, limit: this.state.pageSize, timeout_ms: this.state.timeLimitMs }, abort.signal)
      .then((page) => {
        const cur = this.state.run;
        if (cur === null || cur.seq !== seq || cur.status !== "running") {
          // Cancelled or replaced while the first page was on its way: free the server's cursor.
          if (page.query_id !== null) void cancelQuery(page.query_id).catch(() => undefined);
          return;
        }
        this.append(cur, page);
        const capped = cur.rows.length >= MAX_ROWS;
        if (capped && page.query_id !== null) void cancelQuery(page.query_id).catch(() => undefined);
        this.update(seq, {
          columns: page.columns,
          queryId: capped ? null : page.query_id,
          status: page.done || page.query_id === null || capped ? "done" : "paused",
          rowsAffected: page.rows_affected,
          serverMs: page.elapsed_ms,
          wallMs: performance.now() - started,
        });
        this.record(this.state.run ?? cur, null);
      })
      .catch((e: unknown) => {
        const cur = this.state.run;
        if (cur === null || cur.seq !== seq || cur.status !== "running") return;
        this.update(seq, { status: "error", error: e, queryId: null, wallMs: performance.now() - started });
        this.record(cur, e instanceof ApiFailure ? e.data : String(e));
      })
      .finally(() => {
        if (this.abort === abort) this.abort = null;
      });
  }

  /** Loads the next page (`limit` rows, default the page size). */
  more(limit: number = this.state.pageSize) {
    const r = this.state.run;
    if (r === null || r.status !== "paused" || r.queryId === null) return;
    const { seq, queryId } = r;
    const want = Math.max(1, Math.min(limit, MAX_ROWS - r.rows.length));
    this.update(seq, { status: "more" });
    moreRows(queryId, want)
      .then((page) => {
        const cur = this.state.run;
        if (cur === null || cur.seq !== seq || cur.status !== "more") return;
        this.append(cur, page);
        const capped = cur.rows.length >= MAX_ROWS;
        if (capped && page.query_id !== null) void cancelQuery(page.query_id).catch(() => undefined);
        this.update(seq, { queryId: capped ? null : page.query_id, status: page.done || page.query_id === null || capped ? "done" : "paused" });
      })
      .catch((e: unknown) => {
        const cur = this.state.run;
        if (cur === null || cur.seq !== seq || cur.status !== "more") return;
        this.update(seq, { status: "error", error: e, queryId: null });
      });
  }

  /** Stops the running statement (or the page being loaded); rows already shown stay. */
  cancel(): boolean {
    const r = this.state.run;
    if (r === null || (r.status !== "running" && r.status !== "more")) return false;
    if (r.status === "running") this.abort?.abort();
    if (r.queryId !== null) void cancelQuery(r.queryId).catch(() => undefined);
    this.update(r.seq, { status: "cancelled", queryId: null, wallMs: r.wallMs });
    return true;
  }

  /** Frees the server cursor of a result that still had rows, before the next statement. */
  private close() {
    const r = this.state.run;
    if (r === null) return;
    if (r.status === "running" || r.status === "more") this.cancel();
    else if (r.queryId !== null) void cancelQuery(r.queryId).catch(() => undefined);
  }

  clear() {
    this.close();
    this.set({ run: null });
  }
}

export const session = new QuerySession();

export function useQuerySession(): State {
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}

/** A fresh id for a statement (the server accepts any short unique string). */
function newQueryId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  return `q-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
