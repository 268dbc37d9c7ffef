//! Builders of backend metrics answers for the model tests (not used by the app).

import type { Metrics, MetricsBucket } from "../../../bindings";

/** The server's bounds: 0.1 ms growing by 25%, 71 of them (the 72nd bucket is open-ended). */
export const BOUNDS: number[] = Array.from({ length: 71 }, (_, i) => 0.1 * 1.25 ** i);

/** Counts with `n` durations of `ms` each, bucketed as the server does. */
export function hist(...pairs: [ms: number, n: number][]): number[] {
  const counts: number[] = [];
  for (const [ms, n] of pairs) {
    let i = BOUNDS.findIndex((b) => ms < b);
    if (i < 0) i = BOUNDS.length;
    while (counts.length <= i) counts.push(0);
    counts[i] = (counts[i] ?? 0) + n;
  }
  return counts;
}

export function bucket(start_us: number, runs: number, errors = 0, tokens = 0, latency: number[] = []): MetricsBucket {
  return { start_us, runs, errors, tokens, latency: { counts: latency } };
}

export function chunk(p: Partial<Metrics> = {}): Metrics {
  return {
    from_us: 0,
    to_us: 0,
    complete: true,
    next_until_us: null,
    source: "scan",
    bucket_us: 3_600_000_000,
    oldest_us: null,
    series: [],
    latency: { counts: [] },
    by_model: [],
    by_agent: [],
    tools: [],
    bounds_ms: BOUNDS,
    ...p,
  };
}
