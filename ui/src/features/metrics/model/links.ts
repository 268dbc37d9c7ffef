//! The Metrics page's filters in its route, and the links between it and the run list. The
//! Metrics page takes the run list's filters as they are, except the time range: a URL
//! without one means the last 24 hours there (all time on Runs), so "all time" travels as
//! `range=all` to Metrics and as no range back to Runs. Pure.

import type { RunFilters } from "../../runs/model/filters";

export const METRICS_DEFAULT_RANGE = "24h" as const;

/** The Metrics page's filters from its URL: no range is the default range. */
export function metricsFilters(f: RunFilters): RunFilters {
  return f.range === "" ? { ...f, range: METRICS_DEFAULT_RANGE } : f;
}

/** The Metrics page for the run list's filters (same runs, same range). */
export function metricsFromRuns(f: RunFilters): RunFilters {
  return f.range === "" ? { ...f, range: "all" } : f;
}

/** The run list for the Metrics page's filters. */
export function runsFromMetrics(f: RunFilters): RunFilters {
  return f.range === "all" ? { ...f, range: "" } : f;
}
