//! Which result columns hold trace or span ids, so their cells link to the trace view: by
//! name (`trace_id`, `parent_span_id`, …) or, for any other column, because every sampled
//! value is 32 hex digits (a trace id) or 16 (a span id). Pure; the grid asks `idLink` per cell.

import type { Route } from "../../../app/route";
import type { Cell, Column } from "./types";

export type IdKind = "trace" | "span";

const TRACE_HEX = /^[0-9a-f]{32}$/i;
const SPAN_HEX = /^[0-9a-f]{16}$/i;
/** What the trace route accepts as an id. */
const ROUTE_ID = /^[A-Za-z0-9_-]{1,128}$/;

function byName(name: string): IdKind | null {
  const n = name.toLowerCase().replace(/[\s.-]/g, "_");
  if (/trace_?id/.test(n)) return "trace";
  if (/span_?id/.test(n)) return "span";
  return null;
}

/** One entry per column: the id kind it holds, or null. */
export function detectIdColumns(columns: readonly Column[], rows: readonly Cell[][], sample = 200): (IdKind | null)[] {
  return columns.map((col, i) => {
    const named = byName(col.name);
    if (named !== null) return named;
    let trace = 0;
    let span = 0;
    let seen = 0;
    for (let r = 0; r < rows.length && seen < sample; r++) {
      const c = rows[r]?.[i];
      if (c === null || c === undefined) continue;
      seen++;
      if (typeof c !== "string") return null;
      if (TRACE_HEX.test(c)) trace++;
      else if (SPAN_HEX.test(c)) span++;
      else return null;
    }
    if (seen === 0) return null;
    if (trace === seen) return "trace";
    if (span === seen) return "span";
    return null;
  });
}

/** Where a span link goes: straight to its trace when the row also names the trace,
 *  else the span id alone (the view looks its trace up first). */
export type IdTarget = { kind: "trace"; traceId: string } | { kind: "span"; spanId: string; traceId: string | null };

/** The link target of one cell, or null when it is not a usable id. */
export function idLink(kinds: readonly (IdKind | null)[], row: readonly Cell[], col: number): IdTarget | null {
  const kind = kinds[col];
  const v = row[col];
  if (kind === null || kind === undefined || typeof v !== "string" || !ROUTE_ID.test(v)) return null;
  if (kind === "trace") return { kind: "trace", traceId: v };
  let traceId: string | null = null;
  for (let i = 0; i < kinds.length; i++) {
    const t = row[i];
    if (kinds[i] === "trace" && typeof t === "string" && ROUTE_ID.test(t)) {
      traceId = t;
      break;
    }
  }
  return { kind: "span", spanId: v, traceId };
}

/** The route of a target whose trace is known. */
export function routeOf(t: IdTarget): Route | null {
  if (t.kind === "trace") return { page: "trace", traceId: t.traceId, spanId: null };
  return t.traceId === null ? null : { page: "trace", traceId: t.traceId, spanId: t.spanId };
}
