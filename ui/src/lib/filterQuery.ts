//! The query string of the run-list and stats routes, from a `TraceFilter` (web mode). Pure.

import type { TraceFilter } from "../bindings";

/** Query string of the run-list and stats routes. */
export function filterQuery(filter: TraceFilter, extra: Record<string, string | number | null> = {}): string {
  const q = new URLSearchParams();
  const put = (k: string, v: string | number | null) => {
    if (v !== null && v !== "") q.set(k, String(v));
  };
  put("user", filter.user_id ?? null);
  put("session", filter.session_id ?? null);
  put("agent", filter.agent_id ?? null);
  put("team", filter.team_id ?? null);
  put("workflow", filter.workflow_id ?? null);
  put("run", filter.run_id ?? null);
  put("status", filter.status == null ? null : filter.status.toLowerCase());
  put("search", filter.search ?? null);
  put("since_us", filter.since_us == null ? null : Math.trunc(filter.since_us));
  put("until_us", filter.until_us == null ? null : Math.trunc(filter.until_us));
  for (const [k, v] of Object.entries(extra)) put(k, v);
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}
