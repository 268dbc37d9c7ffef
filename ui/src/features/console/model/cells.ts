//! Reading the console's cell encoding (see console.rs): which kind a cell is, its one-line
//! display text, its full text for the inspector and copy, and its numeric value for charts.
//! Everything here returns plain strings; the grid renders them as React text, never HTML.

import type { Value as JsonValue } from "../../../bindings";
import type { Cell, Column } from "./types";

export type CellKind = "null" | "bool" | "number" | "string" | "int" | "decimal" | "float" | "json" | "bytes" | "ts" | "date" | "time" | "other";

/** Longest one-line text the grid renders for a cell (the inspector shows the rest). */
export const DISPLAY_MAX = 300;

const TAGS: readonly [string, CellKind][] = [
  ["$int", "int"],
  ["$decimal", "decimal"],
  ["$float", "float"],
  ["$json", "json"],
  ["$bytes", "bytes"],
  ["$ts", "ts"],
  ["$date", "date"],
  ["$time", "time"],
  ["$other", "other"],
];

function tagged(c: object): [CellKind, unknown] | null {
  for (const [key, kind] of TAGS) if (key in c) return [kind, (c as Record<string, unknown>)[key]];
  return null;
}

/** The kind of a cell; anything unexpected (a newer backend) counts as `other`. */
export function cellKind(c: Cell | undefined): CellKind {
  if (c === null || c === undefined) return "null";
  switch (typeof c) {
    case "boolean":
      return "bool";
    case "number":
      return "number";
    case "string":
      return "string";
    case "object":
      if (Array.isArray(c)) return "other";
      return tagged(c)?.[0] ?? "other";
    default:
      return "other";
  }
}

export const NUMERIC_KINDS: ReadonlySet<CellKind> = new Set(["number", "int", "decimal", "float"]);

function payload(c: Cell | undefined): unknown {
  return typeof c === "object" && c !== null && !Array.isArray(c) ? tagged(c)?.[1] : undefined;
}

function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function bytesText(c: Cell | undefined, full: boolean): string {
  const hex = asText(payload(c));
  const len = typeof c === "object" && c !== null && "len" in c && typeof c.len === "number" ? c.len : hex.length / 2;
  const shown = hex.length / 2;
  const body = `\\x${hex}`;
  if (shown < len) return `${body}… (${len} bytes${full ? `, first ${shown} shown` : ""})`;
  return full ? `${body} (${len} bytes)` : body;
}

function oneLine(s: string, max: number): string {
  // Cut first: a cell may hold megabytes, only the start is shown.
  const flat = s.slice(0, max * 2 + 2).replace(/\r\n|\r|\n/g, "↵").replace(/\t/g, "⇥");
  if (flat.length <= max && s.length <= max * 2 + 2) return flat;
  const chars = Array.from(flat);
  return chars.length > max || s.length > max * 2 + 2 ? `${chars.slice(0, max).join("")}…` : flat;
}

function jsonText(v: unknown): string {
  try {
    return JSON.stringify(v) ?? "null";
  } catch {
    return String(v);
  }
}

/** The text shown in a grid cell: one line, at most `max` characters. */
export function cellText(c: Cell | undefined, max: number = DISPLAY_MAX): string {
  switch (cellKind(c)) {
    case "null":
      return "NULL";
    case "bool":
    case "number":
      return String(c);
    case "string":
      return oneLine(c as string, max);
    case "json":
      return oneLine(jsonText(payload(c)), max);
    case "bytes":
      return oneLine(bytesText(c, false), max);
    case "ts":
      return oneLine(asText(payload(c)).replace("T", " "), max);
    case "other":
      return oneLine(typeof c === "object" && c !== null && !Array.isArray(c) && "$other" in c ? asText(c.$other) : asText(c), max);
    default:
      return oneLine(asText(payload(c)), max);
  }
}

/** The whole value as text (JSON pretty-printed), for the inspector and copy. */
export function cellFullText(c: Cell | undefined): string {
  switch (cellKind(c)) {
    case "null":
      return "NULL";
    case "string":
      return c as string;
    case "json":
      try {
        return JSON.stringify(payload(c), null, 2) ?? "null";
      } catch {
        return asText(payload(c));
      }
    case "bytes":
      return bytesText(c, true);
    case "other":
      return typeof c === "object" && c !== null && !Array.isArray(c) && "$other" in c ? asText(c.$other) : asText(c);
    case "bool":
    case "number":
      return String(c);
    default:
      return asText(payload(c));
  }
}

/** The JSON value of a `$json` cell, for the tree view. */
export function cellJson(c: Cell | undefined): JsonValue | undefined {
  return cellKind(c) === "json" ? (payload(c) as JsonValue) : undefined;
}

/** The number a cell stands for (charts); null for non-numeric or non-finite values. */
export function cellNumber(c: Cell | undefined): number | null {
  const k = cellKind(c);
  if (k === "number") return Number.isFinite(c as number) ? (c as number) : null;
  if (k === "int" || k === "decimal" || k === "float") {
    const s = asText(payload(c)).trim();
    const n = s === "" ? NaN : Number(s);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** The plain string of a text cell (ids, labels), else null. */
export function cellString(c: Cell | undefined): string | null {
  if (typeof c === "string") return c;
  return cellKind(c) === "other" ? cellFullText(c) : null;
}

/** A short type tag for a column header: the database's type name, lower-cased. */
export function columnTypeLabel(col: Column): string {
  return col.db_type.trim().toLowerCase() || "?";
}

/** Whether a column holds numbers (right-aligned): by its values, falling back to its type. */
export function isNumericColumn(col: Column, rows: readonly Cell[][], index: number, sample = 100): boolean {
  let seen = 0;
  for (let r = 0; r < rows.length && seen < sample; r++) {
    const k = cellKind(rows[r]?.[index]);
    if (k === "null") continue;
    if (!NUMERIC_KINDS.has(k)) return false;
    seen++;
  }
  if (seen > 0) return true;
  return /^(int|integer|bigint|smallint|tinyint|mediumint|int[248]|float[48]?|double|real|numeric|decimal|number)/i.test(col.db_type.trim());
}

/** Column widths in pixels from the header and a sample of rows (monospace-ish estimate). */
export function columnWidths(columns: readonly Column[], rows: readonly Cell[][], sample = 200, charPx = 7.4): number[] {
  return columns.map((col, i) => {
    let longest = Math.max(col.name.length, columnTypeLabel(col).length + 2);
    for (let r = 0; r < rows.length && r < sample; r++) longest = Math.max(longest, Math.min(60, cellText(rows[r]?.[i], 60).length));
    return Math.round(Math.min(480, Math.max(64, longest * charPx + 20)));
  });
}
