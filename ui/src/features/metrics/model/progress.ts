//! The progressive scan of the Metrics page, purely: the range a scan asks for (fixed when it
//! starts, so that every chunk has the same `since_us`/`until_us` and their buckets line up),
//! the filter of each chunk, where the next chunk starts, how much of the range is covered
//! and the line that says so ("Scanning… covered back to … (N% of the range)", Stop,
//! Continue). Fetching, aborting and merging as answers come are left to `useMetrics`.

import type { Metrics, TraceFilter } from "../../../bindings";
import { toTraceFilter, type RunFilters } from "../../runs/model/filters";
import type { MergedMetrics } from "./merge";

/** The asked range (µs): `since_us` null reads back to the oldest run (all time). */
export type MetricsRange = { since_us: number | null; until_us: number };

/** The backend filter and range of a scan started at `nowMs`. */
export function scanFilter(f: RunFilters, nowMs: number): { filter: TraceFilter; range: MetricsRange } {
  const t = toTraceFilter(f, nowMs);
  const until = Math.trunc(t.until_us ?? nowMs * 1000);
  const since = t.since_us == null ? null : Math.min(Math.trunc(t.since_us), until);
  return { filter: { ...t, since_us: since, until_us: until }, range: { since_us: since, until_us: until } };
}

/** The filter of the chunk ending at `untilUs`. */
export function chunkFilter(base: TraceFilter, untilUs: number): TraceFilter {
  return { ...base, until_us: untilUs };
}

/** Where the chunk after `m` (asked up to `askedUntilUs`) ends; null when the range is covered,
 *  or when the server would not move back (which would ask for the same chunk for ever). */
export function nextChunkUntil(m: Metrics, askedUntilUs: number): number | null {
  if (m.complete || m.next_until_us === null) return null;
  return m.next_until_us < askedUntilUs ? m.next_until_us : null;
}

export type Coverage = {
  /** The oldest time read so far (µs). */
  backToUs: number;
  /** Share of the range read, 0..100 (100 only once complete); null for all time. */
  percent: number | null;
};

export function coverage(m: MergedMetrics | null, range: MetricsRange): Coverage {
  const backToUs = m === null ? range.until_us : Math.min(m.from_us, range.until_us);
  if (m?.complete === true) return { backToUs, percent: 100 };
  if (range.since_us === null) return { backToUs, percent: null };
  const width = range.until_us - range.since_us;
  if (width <= 0) return { backToUs, percent: 0 };
  const p = Math.floor(((range.until_us - backToUs) / width) * 100);
  return { backToUs, percent: Math.max(0, Math.min(99, p)) };
}

/** Where a scan is: reading chunks, stopped by the user (or by a failure), or done. */
export type ScanPhase = "scanning" | "stopped" | "complete";

export type ProgressLine = {
  text: string;
  /** Offer Stop (a chunk is on its way). */
  stop: boolean;
  /** Offer Continue (older data is left to read). */
  continue: boolean;
  /** The figures shown cover only part of the range. */
  partial: boolean;
};

/** The line above the charts; null once the whole range is covered. */
export function progressLine(phase: ScanPhase, m: MergedMetrics | null, range: MetricsRange, formatTime: (us: number) => string): ProgressLine | null {
  if (phase === "complete") return null;
  const c = coverage(m, range);
  const share = c.percent === null ? "" : ` (${c.percent}% of the range)`;
  if (phase === "scanning") {
    const text = m === null ? "Scanning…" : `Scanning… covered back to ${formatTime(c.backToUs)}${share}`;
    return { text, stop: true, continue: false, partial: m !== null };
  }
  const text = m === null ? "Stopped before anything was read" : `Stopped: covered back to ${formatTime(c.backToUs)}${share}; the figures are partial`;
  return { text, stop: false, continue: true, partial: true };
}
