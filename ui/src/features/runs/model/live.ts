//! When the run list's live refresh re-runs its first page. Without a text search that page
//! is cheap (an indexed keyset read), so it is refreshed at most every LIVE_INTERVAL_MS while
//! agents write. A text search is a budgeted scan on the server: it is refreshed at most every
//! SEARCH_LIVE_INTERVAL_MS, and never while a page of that scan (the first, or a continuation)
//! is on its way, since both would compete for the same budget. Pure; timers live in `useRunList`.

import type { RunFilters } from "./filters";

export const LIVE_INTERVAL_MS = 500;
export const SEARCH_LIVE_INTERVAL_MS = 5000;

export function isSearch(f: RunFilters): boolean {
  return f.search.trim() !== "";
}

export function liveIntervalMs(f: RunFilters): number {
  return isSearch(f) ? SEARCH_LIVE_INTERVAL_MS : LIVE_INTERVAL_MS;
}

export type LiveGate = {
  filters: RunFilters;
  /** A live refresh is on its way. */
  refreshing: boolean;
  /** A page of the list's own (first page or a further one) is on its way. */
  paging: boolean;
  /** When the last live refresh started. */
  lastMs: number;
};

/** `wait`: ask again after `ms` (at most LIVE_INTERVAL_MS, so that a change of filters, e.g.
 *  a search cleared, is seen soon); `later`: not now, ask again once the request in the way is done. */
export type LiveStep = { kind: "now" } | { kind: "wait"; ms: number } | { kind: "later" };

export function liveStep(g: LiveGate, nowMs: number): LiveStep {
  if (g.refreshing) return { kind: "later" };
  if (isSearch(g.filters) && g.paging) return { kind: "later" };
  const ms = liveIntervalMs(g.filters) - (nowMs - g.lastMs);
  return ms > 0 ? { kind: "wait", ms: Math.min(ms, LIVE_INTERVAL_MS) } : { kind: "now" };
}
