//! Live refresh of the run list: a freshly fetched first page is merged into the rows already
//! loaded (by trace id, newest first), reporting how many new rows landed above a given row
//! so the list can keep the user's scroll position.

import type { TraceSummary } from "../../../bindings";

/** Newest first; ties by trace id descending (the backend's keyset order). */
export function compareRuns(a: TraceSummary, b: TraceSummary): number {
  if (a.start_us !== b.start_us) return b.start_us - a.start_us;
  return a.trace_id < b.trace_id ? 1 : a.trace_id > b.trace_id ? -1 : 0;
}

export type Merged = {
  rows: TraceSummary[];
  /** Ids that were not loaded before. */
  added: Set<string>;
  /** New rows sorted above `anchorId` (0 when the anchor is absent). */
  addedAbove: number;
};

export function mergeFirstPage(existing: readonly TraceSummary[], page: readonly TraceSummary[], anchorId: string | null = null): Merged {
  const fresh = new Map(page.map((t) => [t.trace_id, t]));
  const known = new Set(existing.map((t) => t.trace_id));
  const rows = existing.map((t) => fresh.get(t.trace_id) ?? t);
  const added = new Set<string>();
  for (const t of page) {
    if (!known.has(t.trace_id)) {
      rows.push(t);
      added.add(t.trace_id);
    }
  }
  rows.sort(compareRuns);
  let addedAbove = 0;
  if (anchorId !== null && added.size > 0) {
    for (const t of rows) {
      if (t.trace_id === anchorId) break;
      if (added.has(t.trace_id)) addedAbove++;
    }
    if (!rows.some((t) => t.trace_id === anchorId)) addedAbove = 0;
  }
  return { rows, added, addedAbove };
}

/** Appends a further keyset page, skipping rows already present (live refresh may have
 *  shifted the page boundary). */
export function appendPage(existing: readonly TraceSummary[], page: readonly TraceSummary[]): TraceSummary[] {
  const known = new Set(existing.map((t) => t.trace_id));
  return [...existing, ...page.filter((t) => !known.has(t.trace_id))];
}
