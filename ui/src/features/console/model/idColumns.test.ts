import { describe, expect, it } from "vitest";
import { detectIdColumns, idLink, routeOf } from "./idColumns";
import type { Cell, Column } from "./types";

const T = "0af7651916cd43dd8448eb211c80319c";
const S = "b7ad6b7169203331";
const col = (name: string, db_type = "text"): Column => ({ name, db_type });

describe("trace and span id columns", () => {
  it("finds them by name", () => {
    const cols = [col("trace_id"), col("parent_span_id"), col("SpanId"), col("TRACEID"), col("name")];
    expect(detectIdColumns(cols, [["x", "y", "z", "w", "n"]])).toEqual(["trace", "span", "span", "trace", null]);
  });

  it("finds them by 32 / 16 hex values", () => {
    const cols = [col("a"), col("b"), col("c"), col("d")];
    const rows: Cell[][] = [
      [T, S, T, "hello"],
      [T.toUpperCase(), null, S, "x"],
    ];
    expect(detectIdColumns(cols, rows)).toEqual(["trace", "span", null, null]);
  });

  it("ignores all-null and non-string columns", () => {
    expect(detectIdColumns([col("a"), col("b")], [[null, 1], [null, 2]])).toEqual([null, null]);
    expect(detectIdColumns([col("a")], [])).toEqual([null]);
  });

  it("samples only the first rows", () => {
    const rows: Cell[][] = [[T], [T], ["not an id"]];
    expect(detectIdColumns([col("x")], rows, 2)).toEqual(["trace"]);
  });

  it("links a trace id to its trace", () => {
    const kinds = detectIdColumns([col("trace_id"), col("span_id")], [[T, S]]);
    const t = idLink(kinds, [T, S], 0);
    expect(t).toEqual({ kind: "trace", traceId: T });
    expect(routeOf(t!)).toEqual({ page: "trace", traceId: T, spanId: null });
  });

  it("links a span id into its trace when the row names the trace", () => {
    const kinds = detectIdColumns([col("span_id"), col("trace_id")], [[S, T]]);
    const t = idLink(kinds, [S, T], 0);
    expect(t).toEqual({ kind: "span", spanId: S, traceId: T });
    expect(routeOf(t!)).toEqual({ page: "trace", traceId: T, spanId: S });
  });

  it("leaves a lone span id for a lookup", () => {
    const t = idLink(["span"], [S], 0);
    expect(t).toEqual({ kind: "span", spanId: S, traceId: null });
    expect(routeOf(t!)).toBeNull();
  });

  it("never links values the route would not accept", () => {
    expect(idLink(["trace"], ["../../etc"], 0)).toBeNull();
    expect(idLink(["trace"], ["<script>"], 0)).toBeNull();
    expect(idLink(["trace"], [null], 0)).toBeNull();
    expect(idLink(["trace"], [42], 0)).toBeNull();
    expect(idLink([null], [T], 0)).toBeNull();
  });
});
