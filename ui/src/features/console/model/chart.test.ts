import { describe, expect, it } from "vitest";
import { chartData, defaultSpec, labelStride, MAX_POINTS, niceTicks, numericColumns, scale, tickText } from "./chart";
import type { Cell, Column } from "./types";

const cols = (...names: string[]): Column[] => names.map((name) => ({ name, db_type: "" }));

describe("chart data", () => {
  const rows: Cell[][] = [
    ["a", 1, { $decimal: "2.5" }, "x"],
    ["b", null, { $decimal: "4" }, "y"],
    ["c", 3, { $int: "7" }, "z"],
  ];
  const columns = cols("name", "count", "avg", "note");

  it("finds numeric columns (nulls allowed, at least one value)", () => {
    expect(numericColumns(columns, rows)).toEqual([1, 2]);
    expect(numericColumns(cols("a"), [[null]])).toEqual([]);
  });

  it("picks the first non-numeric column as label and every numeric one as a series", () => {
    expect(defaultSpec(columns, rows)).toEqual({ label: 0, series: [1, 2] });
  });

  it("uses the first column as label when all are numeric", () => {
    expect(defaultSpec(cols("hour", "n"), [[1, 10], [2, 20]])).toEqual({ label: 0, series: [1] });
  });

  it("has no chart without a numeric column or rows", () => {
    expect(defaultSpec(cols("a", "b"), [["x", "y"]])).toBeNull();
    expect(defaultSpec(cols("a", "b"), [])).toBeNull();
    expect(defaultSpec(cols("a"), [[1]])).toBeNull();
  });

  it("extracts labels as text and values as numbers", () => {
    const d = chartData(columns, rows, { label: 0, series: [1, 2] }, "bar");
    expect(d.labels).toEqual(["a", "b", "c"]);
    expect(d.series).toEqual([
      { name: "count", values: [1, null, 3] },
      { name: "avg", values: [2.5, 4, 7] },
    ]);
    expect([d.min, d.max, d.truncated]).toEqual([1, 7, false]);
    // Labels of other kinds are their display text.
    expect(chartData(cols("d", "n"), [[{ $date: "2026-01-01" }, 1], [null, 2]], { label: 0, series: [1] }, "line").labels).toEqual(["2026-01-01", "NULL"]);
  });

  it("caps the points per chart kind", () => {
    const many: Cell[][] = Array.from({ length: MAX_POINTS.bar + 5 }, (_, i) => [String(i), i]);
    const d = chartData(cols("k", "v"), many, { label: 0, series: [1] }, "bar");
    expect(d.labels.length).toBe(MAX_POINTS.bar);
    expect(d.truncated).toBe(true);
  });

  it("makes round ticks that cover the range", () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(3, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(-7, 12)).toEqual([-10, -5, 0, 5, 10, 15]);
    expect(niceTicks(0.1, 0.35, 5, false)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    const t = niceTicks(1000, 1000, 5, false);
    expect(t[0]).toBeLessThanOrEqual(1000);
    expect(t[t.length - 1]).toBeGreaterThan(1000);
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it("scales and prints ticks", () => {
    const y = scale(0, 100, 300, 0);
    expect(y(0)).toBe(300);
    expect(y(50)).toBe(150);
    expect(scale(5, 5, 0, 10)(5)).toBe(5);
    expect(tickText(1200)).toBe("1200");
    expect(tickText(25_000)).toBe("25k");
    expect(tickText(2_500_000)).toBe("2.5M");
    expect(tickText(0.25)).toBe("0.25");
    expect(tickText(0)).toBe("0");
  });

  it("thins labels that would overlap", () => {
    expect(labelStride(10, 1000, 70)).toBe(1);
    expect(labelStride(100, 700, 70)).toBe(10);
    expect(labelStride(0, 700)).toBe(1);
  });
});
