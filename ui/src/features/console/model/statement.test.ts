import { describe, expect, it } from "vitest";
import { errorRange, lineCol, pickSql, positionToIndex } from "./statement";

const err = (message: string, position: number | null = null) => ({ message, position, code: null });

describe("what to run", () => {
  it("runs the selection when there is one, else everything", () => {
    const doc = "SELECT 1;\nSELECT 2;";
    expect(pickSql(doc, 10, 19)).toEqual({ sql: "SELECT 2;", offset: 10, selection: true });
    expect(pickSql(doc, 19, 10)).toEqual({ sql: "SELECT 2;", offset: 10, selection: true });
    expect(pickSql(doc, 3, 3)).toEqual({ sql: doc, offset: 0, selection: false });
    expect(pickSql(doc, 9, 10)).toEqual({ sql: doc, offset: 0, selection: false });
    expect(pickSql("  \n ", 0, 0)).toBeNull();
  });
});

describe("error positions", () => {
  it("maps a 1-based code point position to a UTF-16 index", () => {
    expect(positionToIndex("SELECT x", 1)).toBe(0);
    expect(positionToIndex("SELECT x", 8)).toBe(7);
    expect(positionToIndex("😀 x", 3)).toBe(3);
    expect(positionToIndex("abc", 99)).toBe(3);
    expect(positionToIndex("abc", 0)).toBe(0);
  });

  it("marks the token at the PostgreSQL position", () => {
    const sql = "SELECT * FORM agno_traces";
    expect(errorRange(sql, err('syntax error at or near "FORM"', 10))).toEqual({ from: 9, to: 13 });
    // Beyond the end: the last character.
    expect(errorRange("SELECT", err("x", 50))).toEqual({ from: 5, to: 6 });
  });

  it("finds SQLite's near token and MySQL's line", () => {
    expect(errorRange("SELECT * FORM t", err('near "FORM": syntax error'))).toEqual({ from: 9, to: 13 });
    const my = "SELECT 1;\nSELEC 2";
    expect(errorRange(my, err("You have an error in your SQL syntax; check the manual near 'SELEC 2' at line 2"))).toEqual({ from: 10, to: 15 });
    expect(errorRange(my, err("Something failed at line 2"))).toEqual({ from: 10, to: 17 });
    expect(errorRange(my, err("no such table: x"))).toBeNull();
    expect(errorRange("", err("x", 1))).toBeNull();
  });

  it("gives line and column for the message", () => {
    expect(lineCol("a\nbc", 3)).toEqual({ line: 2, col: 2 });
    expect(lineCol("abc", 0)).toEqual({ line: 1, col: 1 });
  });
});
