//! The run list's filters as they live in the URL (so back/forward and links restore them)
//! and their translation into the backend's `TraceFilter`, including the time-range presets.

import type { TraceFilter } from "../../../bindings";

export const RANGE_PRESETS = [
  { id: "15m", label: "Last 15 minutes", ms: 15 * 60_000 },
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { id: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
] as const;

/** `""`: the page's default (all time on Runs, the last 24 hours on Metrics); `"all"`: all
 *  time where that is not the default. */
export type RangeId = "" | "all" | (typeof RANGE_PRESETS)[number]["id"] | "custom";

export type RunFilters = {
  user: string;
  session: string;
  agent: string;
  team: string;
  status: "" | "ok" | "error";
  range: RangeId;
  /** Custom range bounds, `YYYY-MM-DDTHH:mm` local time (the datetime-local format). */
  since: string;
  until: string;
  search: string;
};

export const EMPTY_FILTERS: RunFilters = {
  user: "",
  session: "",
  agent: "",
  team: "",
  status: "",
  range: "",
  since: "",
  until: "",
  search: "",
};

const PARAM: Record<keyof RunFilters, string> = {
  user: "user",
  session: "session",
  agent: "agent",
  team: "team",
  status: "status",
  range: "range",
  since: "since",
  until: "until",
  search: "q",
};

function isRange(v: string): v is RangeId {
  return v === "" || v === "all" || v === "custom" || RANGE_PRESETS.some((p) => p.id === v);
}

export function filtersFromParams(q: URLSearchParams): RunFilters {
  const get = (k: keyof RunFilters) => (q.get(PARAM[k]) ?? "").trim();
  const status = get("status").toLowerCase();
  const range = get("range");
  return {
    user: get("user"),
    session: get("session"),
    agent: get("agent"),
    team: get("team"),
    status: status === "ok" || status === "error" ? status : "",
    range: isRange(range) ? range : "",
    since: get("since"),
    until: get("until"),
    search: q.get(PARAM.search) ?? "",
  };
}

/** Only non-empty filters, in a stable order, so equal filters give equal URLs. */
export function filtersToParams(f: RunFilters): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of Object.keys(PARAM) as (keyof RunFilters)[]) {
    if ((k === "since" || k === "until") && f.range !== "custom") continue;
    const v = k === "search" ? f[k] : f[k].trim();
    if (v !== "") q.set(PARAM[k], v);
  }
  return q;
}

export function hasFilters(f: RunFilters): boolean {
  return filtersToParams(f).toString() !== "";
}

function localToUs(v: string): number | null {
  if (v === "") return null;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? ms * 1000 : null;
}

const blank = (s: string) => (s.trim() === "" ? null : s.trim());

/** The backend filter; presets are relative to `nowMs` (re-evaluated on every fetch). `""`
 *  and `"all"` set no time bound. */
export function toTraceFilter(f: RunFilters, nowMs: number): TraceFilter {
  let since: number | null = null;
  let until: number | null = null;
  if (f.range === "custom") {
    since = localToUs(f.since);
    until = localToUs(f.until);
  } else if (f.range !== "") {
    const preset = RANGE_PRESETS.find((p) => p.id === f.range);
    if (preset !== undefined) since = (nowMs - preset.ms) * 1000;
  }
  return {
    user_id: blank(f.user),
    session_id: blank(f.session),
    agent_id: blank(f.agent),
    team_id: blank(f.team),
    workflow_id: null,
    run_id: null,
    status: f.status === "ok" ? "OK" : f.status === "error" ? "ERROR" : null,
    search: blank(f.search),
    since_us: since,
    until_us: until,
  };
}

export function sameFilters(a: RunFilters, b: RunFilters): boolean {
  return filtersToParams(a).toString() === filtersToParams(b).toString();
}
