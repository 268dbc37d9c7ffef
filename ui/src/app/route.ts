//! The app's routes as data, to and from the URL hash (`#/runs?user=alice`,
//! `#/metrics?range=7d&agent=a`, `#/trace/<id>?span=<id>`, `#/sql`, `#/settings`, …). Hash
//! routing works the same in the Tauri webview and in web mode, and every screen state worth
//! going back to lives in the URL.

import { metricsFilters, runsFromMetrics } from "../features/metrics/model/links";
import { EMPTY_FILTERS, filtersFromParams, filtersToParams, type RunFilters } from "../features/runs/model/filters";

export type Route =
  | { page: "runs"; filters: RunFilters }
  /** The run list's filters; no range is the last 24 hours (see `metrics/model/links`). */
  | { page: "metrics"; filters: RunFilters }
  | { page: "trace"; traceId: string; spanId: string | null }
  | { page: "agents"; agent: string | null }
  | { page: "compare"; a: string | null; b: string | null }
  /** Prices and retention (`#/prices` still opens it). */
  | { page: "settings" }
  | { page: "console" }
  | { page: "connections" };

export const HOME: Route = { page: "runs", filters: EMPTY_FILTERS };

const ID = /^[A-Za-z0-9_-]{1,128}$/;

function id(v: string | null | undefined): string | null {
  return v !== null && v !== undefined && ID.test(v) ? v : null;
}

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, "");
  const qi = h.indexOf("?");
  const path = (qi >= 0 ? h.slice(0, qi) : h).replace(/^\/+|\/+$/g, "");
  const q = new URLSearchParams(qi >= 0 ? h.slice(qi + 1) : "");
  const [head, second] = path.split("/");
  let rest: string | undefined;
  try {
    rest = second === undefined ? undefined : decodeURIComponent(second);
  } catch {
    rest = undefined;
  }
  switch (head) {
    case "":
    case "runs":
      return { page: "runs", filters: runsFromMetrics(filtersFromParams(q)) };
    case "metrics":
      return { page: "metrics", filters: metricsFilters(filtersFromParams(q)) };
    case "trace": {
      const traceId = id(rest);
      return traceId === null ? HOME : { page: "trace", traceId, spanId: id(q.get("span")) };
    }
    case "agents":
      return { page: "agents", agent: q.get("agent") };
    case "compare":
      return { page: "compare", a: id(q.get("a")), b: id(q.get("b")) };
    case "prices":
    case "settings":
      return { page: "settings" };
    case "sql":
      return { page: "console" };
    case "connections":
      return { page: "connections" };
    default:
      return HOME;
  }
}

function withQuery(path: string, q: URLSearchParams): string {
  const s = q.toString();
  return s === "" ? `#${path}` : `#${path}?${s}`;
}

export function formatRoute(r: Route): string {
  switch (r.page) {
    case "runs":
      return withQuery("/runs", filtersToParams(r.filters));
    case "metrics":
      return withQuery("/metrics", filtersToParams(r.filters));
    case "trace": {
      const q = new URLSearchParams();
      if (r.spanId !== null) q.set("span", r.spanId);
      return withQuery(`/trace/${encodeURIComponent(r.traceId)}`, q);
    }
    case "agents": {
      const q = new URLSearchParams();
      if (r.agent !== null && r.agent !== "") q.set("agent", r.agent);
      return withQuery("/agents", q);
    }
    case "compare": {
      const q = new URLSearchParams();
      if (r.a !== null) q.set("a", r.a);
      if (r.b !== null) q.set("b", r.b);
      return withQuery("/compare", q);
    }
    case "settings":
      return "#/settings";
    case "console":
      return "#/sql";
    case "connections":
      return "#/connections";
  }
}
