import { describe, expect, it } from "vitest";
import { EMPTY_FILTERS } from "../../runs/model/filters";
import { metricsFilters, metricsFromRuns, runsFromMetrics } from "./links";

describe("links between Runs and Metrics", () => {
  it("keeps the filters and the range, all time included", () => {
    const f = { ...EMPTY_FILTERS, user: "alice", status: "error" as const };
    expect(metricsFilters(f)).toEqual({ ...f, range: "24h" });
    expect(metricsFromRuns(f)).toEqual({ ...f, range: "all" });
    expect(runsFromMetrics(metricsFromRuns(f))).toEqual(f);
    const week = { ...f, range: "7d" as const };
    expect(metricsFromRuns(week)).toEqual(week);
    expect(runsFromMetrics(week)).toEqual(week);
    expect(metricsFilters({ ...f, range: "all" })).toEqual({ ...f, range: "all" });
  });
});
