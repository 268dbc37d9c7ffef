import { describe, expect, it } from "vitest";
import type { TraceSummary } from "../../../bindings";
import { detail } from "../../../test/fixtures";
import { formatRoute, parseRoute } from "../../../app/route";
import { EMPTY_FILTERS, filtersFromParams, filtersToParams, hasFilters, toTraceFilter } from "./filters";
import { appendPage, mergeFirstPage } from "./merge";

describe("run filters", () => {
  it("round-trips through URL parameters, dropping empty ones", () => {
    const f = { ...EMPTY_FILTERS, user: "alice", status: "error" as const, range: "1h" as const, search: "paris weather" };
    const q = filtersToParams(f);
    expect(q.toString()).toBe("user=alice&status=error&range=1h&q=paris+weather");
    expect(filtersFromParams(q)).toEqual(f);
    expect(hasFilters(EMPTY_FILTERS)).toBe(false);
  });

  it("ignores junk values", () => {
    const f = filtersFromParams(new URLSearchParams("status=maybe&range=2y"));
    expect([f.status, f.range]).toEqual(["", ""]);
  });

  it("turns presets and custom ranges into microsecond bounds", () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const t = toTraceFilter({ ...EMPTY_FILTERS, range: "1h", status: "ok", agent: " a1 " }, now);
    expect(t.since_us).toBe((now - 3_600_000) * 1000);
    expect(t.until_us).toBeNull();
    expect(t.status).toBe("OK");
    expect(t.agent_id).toBe("a1");
    const c = toTraceFilter({ ...EMPTY_FILTERS, range: "custom", since: "2026-11-25T10:00", until: "" }, now);
    expect(c.since_us).toBe(new Date("2026-11-25T10:00").getTime() * 1000);
    expect(c.until_us).toBeNull();
  });
});

describe("routes", () => {
  it("round-trips every page", () => {
    const routes = [
      { page: "runs" as const, filters: { ...EMPTY_FILTERS, session: "s 1" } },
      { page: "trace" as const, traceId: "ab12", spanId: "cd34" },
      { page: "trace" as const, traceId: "ab12", spanId: null },
      { page: "agents" as const, agent: "demo-agent" },
      { page: "compare" as const, a: "x1", b: "y2" },
      { page: "settings" as const },
      { page: "metrics" as const, filters: { ...EMPTY_FILTERS, range: "7d" as const, agent: "a" } },
      { page: "metrics" as const, filters: { ...EMPTY_FILTERS, range: "all" as const } },
    ];
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r);
  });

  it("falls back to the run list on unknown or unsafe paths", () => {
    expect(parseRoute("#/nowhere").page).toBe("runs");
    expect(parseRoute("#/trace/<script>").page).toBe("runs");
    expect(parseRoute("").page).toBe("runs");
  });
});

function summary(id: string, startUs: number): TraceSummary {
  return { ...detail([{ id: "s" }]).trace, trace_id: id, start_us: startUs };
}

describe("live merge", () => {
  it("merges by id, newest first, and counts rows added above an anchor", () => {
    const existing = [summary("c", 30), summary("b", 20), summary("a", 10)];
    const page = [summary("e", 50), summary("d", 40), { ...summary("c", 30), span_count: 9 }];
    const m = mergeFirstPage(existing, page, "b");
    expect(m.rows.map((t) => t.trace_id)).toEqual(["e", "d", "c", "b", "a"]);
    expect(m.rows[2]!.span_count).toBe(9);
    expect([...m.added]).toEqual(["e", "d"]);
    expect(m.addedAbove).toBe(2);
    expect(appendPage(m.rows, [summary("a", 10), summary("z", 5)]).map((t) => t.trace_id)).toEqual(["e", "d", "c", "b", "a", "z"]);
  });
});
