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
