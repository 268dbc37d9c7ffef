import { describe, expect, it } from "vitest";
import { formatRoute, parseRoute } from "./route";

describe("routes of the console and connections", () => {
  it("round-trips", () => {
    expect(parseRoute("#/sql")).toEqual({ page: "console" });
    expect(parseRoute("#/connections")).toEqual({ page: "connections" });
    expect(formatRoute({ page: "console" })).toBe("#/sql");
    expect(formatRoute({ page: "connections" })).toBe("#/connections");
    expect(parseRoute(formatRoute({ page: "trace", traceId: "abc", spanId: "def" }))).toEqual({ page: "trace", traceId: "abc", spanId: "def" });
  });
});

describe("routes of metrics and settings", () => {
  it("defaults the metrics range to 24 hours and keeps all time apart", () => {
    expect(parseRoute("#/metrics")).toMatchObject({ page: "metrics", filters: { range: "24h" } });
    expect(parseRoute("#/metrics?range=all&user=bob")).toMatchObject({ page: "metrics", filters: { range: "all", user: "bob" } });
    expect(parseRoute("#/runs?range=all")).toMatchObject({ page: "runs", filters: { range: "" } });
  });

  it("opens settings from the old prices link", () => {
    expect(parseRoute("#/prices")).toEqual({ page: "settings" });
    expect(formatRoute({ page: "settings" })).toBe("#/settings");
  });
});
