import { describe, expect, it } from "vitest";
import { cellFullText, cellJson, cellKind, cellNumber, cellString, cellText, columnWidths, isNumericColumn } from "./cells";
import type { Cell } from "./types";

describe("cell encoding", () => {
  const cases: [Cell, string, string][] = [
    [null, "null", "NULL"],
    [true, "bool", "true"],
    [false, "bool", "false"],
    [42, "number", "42"],
    [-1.5, "number", "-1.5"],
    ["hello", "string", "hello"],
    ["", "string", ""],
    [{ $int: "9007199254740993" }, "int", "9007199254740993"],
    [{ $decimal: "12.50" }, "decimal", "12.50"],
    [{ $float: "NaN" }, "float", "NaN"],
    [{ $float: "-Infinity" }, "float", "-Infinity"],
    [{ $json: { a: [1, "x"], b: null } }, "json", '{"a":[1,"x"],"b":null}'],
    [{ $json: null }, "json", "null"],
    [{ $json: "str" }, "json", '"str"'],
    [{ $bytes: "deadbeef", len: 4 }, "bytes", "\\xdeadbeef"],
    [{ $ts: "2026-11-25T16:23:21.224222+00:00" }, "ts", "2026-11-25 16:23:21.224222+00:00"],
    [{ $ts: "2026-11-25T16:23:21" }, "ts", "2026-11-25 16:23:21"],
    [{ $date: "2026-11-25" }, "date", "2026-11-25"],
    [{ $time: "16:23:21.224" }, "time", "16:23:21.224"],
    [{ $other: "(1,2)" }, "other", "(1,2)"],
  ];
  it.each(cases)("%j is %s shown as %s", (c, kind, text) => {
    expect(cellKind(c)).toBe(kind);
    expect(cellText(c)).toBe(text);
  });

  it("keeps the string NULL apart from a real NULL", () => {
    expect(cellKind("NULL")).toBe("string");
    expect(cellKind(null)).toBe("null");
    expect(cellKind(undefined)).toBe("null");
  });

  it("treats unknown shapes as other, as text", () => {
    const odd = { $weird: 1 } as unknown as Cell;
    expect(cellKind(odd)).toBe("other");
    expect(cellText(odd)).toBe('{"$weird":1}');
    expect(cellKind([1, 2] as unknown as Cell)).toBe("other");
  });

  it("puts text on one line and clips it", () => {
    expect(cellText("a\nb\tc\r\nd")).toBe("a↵b⇥c↵d");
    expect(cellText("x".repeat(500), 10)).toBe(`${"x".repeat(10)}…`);
    expect(cellText({ $json: { s: "x".repeat(50) } }, 8)).toBe('{"s":"xx…');
    // No broken surrogate pair at the cut.
    expect(cellText("😀😀😀", 3)).toBe("😀😀😀");
    expect(Array.from(cellText("ab😀cd", 3).slice(0, -1)).every((ch) => ch.length <= 2)).toBe(true);
  });

  it("shows truncated bytes with their full length", () => {
    expect(cellText({ $bytes: "00ff", len: 5000 })).toBe("\\x00ff… (5000 bytes)");
    expect(cellFullText({ $bytes: "00ff", len: 5000 })).toBe("\\x00ff… (5000 bytes, first 2 shown)");
    expect(cellFullText({ $bytes: "00ff", len: 2 })).toBe("\\x00ff (2 bytes)");
  });

  it("gives the full text, JSON pretty-printed", () => {
    expect(cellFullText({ $json: { a: 1 } })).toBe('{\n  "a": 1\n}');
    expect(cellFullText("a\nb")).toBe("a\nb");
    expect(cellFullText(null)).toBe("NULL");
    expect(cellJson({ $json: [1] })).toEqual([1]);
    expect(cellJson("[1]")).toBeUndefined();
  });

  it("reads numbers for charts without losing big ints silently", () => {
    expect(cellNumber(3)).toBe(3);
    expect(cellNumber({ $int: "12" })).toBe(12);
    expect(cellNumber({ $decimal: "12.50" })).toBe(12.5);
    expect(cellNumber({ $float: "NaN" })).toBeNull();
    expect(cellNumber("12")).toBeNull();
    expect(cellNumber(null)).toBeNull();
    expect(cellNumber({ $int: "" })).toBeNull();
  });

  it("reads strings for ids and labels", () => {
    expect(cellString("abc")).toBe("abc");
    expect(cellString({ $other: "x" })).toBe("x");
    expect(cellString(1)).toBeNull();
  });

  it("detects numeric columns by values, then by type", () => {
    const col = { name: "n", db_type: "TEXT" };
    expect(isNumericColumn(col, [[1], [null], [{ $decimal: "2" }]], 0)).toBe(true);
    expect(isNumericColumn(col, [[1], ["x"]], 0)).toBe(false);
    expect(isNumericColumn({ name: "n", db_type: "BIGINT" }, [[null]], 0)).toBe(true);
    expect(isNumericColumn({ name: "n", db_type: "text" }, [], 0)).toBe(false);
  });

  it("sizes columns from the header and the values, within bounds", () => {
    const w = columnWidths(
      [
        { name: "id", db_type: "int4" },
        { name: "body", db_type: "text" },
      ],
      [[1, "x".repeat(1000)]],
    );
    expect(w[0]).toBeGreaterThanOrEqual(64);
    expect(w[1]).toBeLessThanOrEqual(480);
    expect(w[1]).toBeGreaterThan(w[0]!);
  });
});
