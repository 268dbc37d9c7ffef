//! Editor-side helpers for running SQL: what to send (the selection, else the whole text),
//! and where a database error points in the editor. Servers report a 1-based character
//! (code point) offset into the statement they were sent; MySQL only says `at line N` and
//! SQLite `near "tok"`, which are mapped to a range too. Pure and tested.

import type { SqlError } from "./types";

export type Picked = { sql: string; offset: number; selection: boolean };

/** The SQL to run: the selection when there is one, else the whole document; null if blank. */
export function pickSql(doc: string, from: number, to: number): Picked | null {
  const a = Math.max(0, Math.min(from, to, doc.length));
  const b = Math.min(doc.length, Math.max(from, to));
  const selection = b > a && doc.slice(a, b).trim() !== "";
  const sql = selection ? doc.slice(a, b) : doc;
  if (sql.trim() === "") return null;
  return { sql, offset: selection ? a : 0, selection };
}

/** UTF-16 index of a 1-based code point position in `text` (clamped to the text). */
export function positionToIndex(text: string, position: number): number {
  let cps = Math.max(0, Math.floor(position) - 1);
  let i = 0;
  while (cps > 0 && i < text.length) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    cps--;
  }
  return Math.min(i, text.length);
}

/** The word (or single character) starting at `index`. */
function tokenEnd(text: string, index: number): number {
  const m = /^[\p{L}\p{N}_$."`]+/u.exec(text.slice(index));
  return index + Math.max(1, m?.[0].length ?? 1);
}

export type Range = { from: number; to: number };

/** The part of `sql` the error points at, in `sql` indices; null when it says nothing usable. */
export function errorRange(sql: string, err: SqlError): Range | null {
  if (sql.length === 0) return null;
  if (err.position !== null && err.position > 0) {
    const from = Math.min(positionToIndex(sql, err.position), sql.length - 1);
    return { from, to: Math.min(sql.length, tokenEnd(sql, from)) };
  }
  const line = /\bat line (\d+)\b/i.exec(err.message);
  const near = /\bnear ["']((?:[^"'\\]|\\.){1,80})["']/i.exec(err.message);
  if (near !== null && near[1] !== undefined) {
    const tok = near[1];
    let at = -1;
    if (line !== null) {
      const start = lineStart(sql, Number(line[1]));
      at = start < 0 ? -1 : sql.indexOf(tok, start);
    }
    if (at < 0) at = sql.indexOf(tok);
    if (at >= 0) return { from: at, to: at + Math.max(1, Math.min(tok.length, tokenEnd(sql, at) - at)) };
  }
  if (line !== null) {
    const start = lineStart(sql, Number(line[1]));
    if (start >= 0) {
      const end = sql.indexOf("\n", start);
      return { from: start, to: Math.max(start + 1, end < 0 ? sql.length : end) };
    }
  }
  return null;
}

function lineStart(text: string, line: number): number {
  if (!Number.isInteger(line) || line < 1) return -1;
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", at);
    if (nl < 0) return -1;
    at = nl + 1;
  }
  return at;
}

/** 1-based line and column of an index, for the message under the editor. */
export function lineCol(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  return { line, col: index - before.lastIndexOf("\n") };
}
