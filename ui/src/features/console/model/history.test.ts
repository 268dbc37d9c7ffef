import { describe, expect, it } from "vitest";
import { parseHistoryQuery, searchHistory, sqlPreview } from "./history";
import type { HistoryEntry } from "./types";

const e = (id: string, sql: string, ran_at: string, error: string | null = null): HistoryEntry => ({ id, connection: "c", sql, ran_at, elapsed_ms: 1, row_count: error === null ? 1 : null, error });

const H = [
  e("1", "SELECT * FROM agno_traces", "2026-11-25T10:00:00Z"),
  e("2", "SELECT count(*) FROM agno_spans WHERE status_code = 'ERROR'", "2026-11-25T12:00:00Z"),
  e("3", "SELEC oops", "2026-11-25T11:00:00Z", 'syntax error at or near "SELEC"'),
  e("4", "select name from AGNO_TRACES", "not a date"),
];

describe("history search", () => {
  it("lists everything newest first for an empty query", () => {
    expect(searchHistory(H, "").map((x) => x.id)).toEqual(["2", "3", "1", "4"]);
  });

  it("needs every word, case-insensitively, in the SQL or the error", () => {
    expect(searchHistory(H, "agno_traces").map((x) => x.id)).toEqual(["1", "4"]);
    expect(searchHistory(H, "SELECT agno_spans").map((x) => x.id)).toEqual(["2"]);
    expect(searchHistory(H, "syntax").map((x) => x.id)).toEqual(["3"]);
    expect(searchHistory(H, "nothing-like-this")).toEqual([]);
  });

  it("filters by outcome", () => {
    expect(searchHistory(H, "is:error").map((x) => x.id)).toEqual(["3"]);
    expect(searchHistory(H, "is:ok traces").map((x) => x.id)).toEqual(["1", "4"]);
    expect(parseHistoryQuery("  IS:OK  a  B ")).toEqual({ words: ["a", "b"], outcome: "ok" });
  });

  it("does not reorder its input", () => {
    const copy = [...H];
    searchHistory(H, "");
    expect(H).toEqual(copy);
  });

  it("previews a statement on one line without comments", () => {
    expect(sqlPreview("-- top\nSELECT  a,\n  b /* x */ FROM t")).toBe("SELECT a, b FROM t");
    expect(sqlPreview("SELECT " + "x, ".repeat(100), 20)).toHaveLength(20);
  });
});
