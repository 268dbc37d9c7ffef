//! Progressive search of the run list. On a database without a search index a text search is
//! a budgeted newest-first scan: a page may hold fewer rows than asked although older matches
//! exist, and says how far back it looked (`TracePage.scan`). This module decides, purely,
//! whether to fetch the next page without being asked (a "burst" of continuous scanning stops
//! after SCAN_TARGET_ROWS new rows or SCAN_BURST_MS, then waits for "Search further"), when
//! infinite scroll may go on, and what the line under the list says. Fetching and aborting are left to `useRunList`.

import type { ScanProgress } from "../../../bindings";

/** A burst stops once it has found this many rows… */
export const SCAN_TARGET_ROWS = 50;
/** …or after this long, whichever comes first. */
export const SCAN_BURST_MS = 10_000;

/** Continuous scanning that started with the first page or with "Search further". */
export type ScanBurst = { startedMs: number; rowsAtStart: number; stopped: boolean };

export function startBurst(nowMs: number, rows: number): ScanBurst {
  return { startedMs: nowMs, rowsAtStart: rows, stopped: false };
}

export type ScanState = {
  /** How far the latest page's scan got; null when the list is not a budgeted scan. */
  scan: ScanProgress | null;
  nextCursor: string | null;
  /** Rows in the list (every one a match). */
  rows: number;
  burst: ScanBurst | null;
  /** A further page of the scan is on its way. */
  fetching: boolean;
};

/** Whether the scan has more to look at. */
export function scanOpen(s: Pick<ScanState, "scan" | "nextCursor">): boolean {
  return s.scan !== null && !s.scan.complete && s.nextCursor !== null;
}

/**
 * May scrolling to the end of the list fetch the next page? A plain list: while there is one.
 * A scan: only after a full page (matches are dense, the page stopped because it filled up);
 * after a short one the budget ran out, and scrolling would scan on and on without finding
 * rows to scroll to, so it waits for "Search further".
 */
export function scrollMayContinue(s: Pick<ScanState, "scan" | "nextCursor">, lastPageFull: boolean): boolean {
  if (s.scan === null) return s.nextCursor !== null;
  return scanOpen(s) && lastPageFull;
}

/** Fetch the next page of the scan now, without being asked? */
export function shouldContinueScan(s: ScanState, nowMs: number): boolean {
  if (!scanOpen(s) || s.fetching || s.burst === null || s.burst.stopped) return false;
  return s.rows - s.burst.rowsAtStart < SCAN_TARGET_ROWS && nowMs - s.burst.startedMs < SCAN_BURST_MS;
}

export type ScanLine = {
  text: string;
  /** Offer "Search further" (the scan stopped with older runs left to look at). */
  searchFurther: boolean;
  /** Offer "Stop" (a further page is being fetched). */
  stop: boolean;
};

/** The line under a scanned list; null when the list is not a budgeted scan. */
export function scanLine(s: ScanState, formatTime: (us: number) => string): ScanLine | null {
  if (s.scan === null) return null;
  const matches = s.rows === 0 ? "no matches" : `${s.rows} ${s.rows === 1 ? "match" : "matches"}`;
  if (s.scan.complete) return { text: `Searched all runs — ${matches}`, searchFurther: false, stop: s.fetching };
  const back = formatTime(s.scan.searched_back_to_us);
  if (s.fetching) return { text: `Searching older runs… back to ${back} so far — ${matches}`, searchFurther: false, stop: true };
  return { text: `Searched runs back to ${back} — ${s.rows === 0 ? "no matches yet" : matches}`, searchFurther: s.nextCursor !== null, stop: false };
}
