//! The retention form of the Settings page, purely: its draft (each limit can be off) to and
//! from the backend's `RetentionSettings`, validation with the backend's own rules (keep at
//! least one whole day; a size limit above 0 GB), and the sentences that describe the
//! settings, what a run deleted and the last background run. Calls are left to the component.

import type { DeletedCounts, LastRun, RetentionSettings } from "../../../bindings";
import { formatDayTime } from "../../../lib/format";

export type RetentionDraft = { keepOn: boolean; keepDays: string; sizeOn: boolean; maxGb: string };

export const DEFAULT_KEEP_DAYS = 30;
export const DEFAULT_MAX_GB = 5;

export function toDraft(s: RetentionSettings): RetentionDraft {
  return {
    keepOn: s.keep_days !== null,
    keepDays: String(s.keep_days ?? DEFAULT_KEEP_DAYS),
    sizeOn: s.max_gb !== null,
    maxGb: String(s.max_gb ?? DEFAULT_MAX_GB),
  };
}

/** The settings to save, or why the draft cannot be saved. */
export function parseDraft(d: RetentionDraft): RetentionSettings | string {
  let keep_days: number | null = null;
  let max_gb: number | null = null;
  if (d.keepOn) {
    const n = Number(d.keepDays.trim());
    if (d.keepDays.trim() === "" || !Number.isInteger(n) || n < 1) return "Keep at least 1 day (a whole number of days), or turn the age limit off.";
    keep_days = n;
  }
  if (d.sizeOn) {
    const g = Number(d.maxGb.trim());
    if (d.maxGb.trim() === "" || !Number.isFinite(g) || g <= 0) return "The size limit must be more than 0 GB, or turn it off.";
    max_gb = g;
  }
  return { keep_days, max_gb };
}

export function sameSettings(a: RetentionSettings, b: RetentionSettings): boolean {
  return a.keep_days === b.keep_days && a.max_gb === b.max_gb;
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** What the saved settings do. */
export function describeSettings(s: RetentionSettings): string {
  const parts: string[] = [];
  if (s.keep_days !== null) parts.push(`runs older than ${plural(s.keep_days, "day", "days")} are deleted`);
  if (s.max_gb !== null) parts.push(`the oldest runs are deleted while the trace tables take more than ${s.max_gb} GB`);
  if (parts.length === 0) return "No limit: nothing is deleted automatically.";
  const text = parts.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

export function describeDeleted(c: DeletedCounts): string {
  if (c.traces === 0 && c.spans === 0) return "Nothing to delete.";
  return `Deleted ${plural(c.traces, "run", "runs")} (${plural(c.spans, "span", "spans")}).`;
}

/** `at` is the backend's timestamp text; shown as a local time when it parses. */
export function describeLastRun(r: LastRun | null): string {
  if (r === null) return "Not run yet.";
  const ms = Date.parse(r.at);
  const when = Number.isFinite(ms) ? formatDayTime(ms * 1000) : r.at;
  if (r.error !== null) return `${when}: failed (${r.error}).`;
  return `${when}: ${describeDeleted({ traces: r.deleted_traces, spans: r.deleted_spans }).replace(/^Deleted/, "deleted").replace(/^Nothing/, "nothing")}`;
}
