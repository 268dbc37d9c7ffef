//! Search over a trace: span names, ids and attribute values (case-insensitive substring),
//! returning matching nodes in display order, plus the pure "next/previous match" and
//! "next error" steps of keyboard navigation. The per-span search text is built once per
//! model, on the first search, and cached.

import type { Value as JsonValue } from "../../../bindings";
import type { TraceModel } from "./tree";

const haystacks = new WeakMap<TraceModel, string[]>();

function valueText(v: JsonValue, out: string[]): void {
  if (v === null) return;
  if (typeof v === "string") out.push(v);
  else if (typeof v === "number" || typeof v === "boolean") out.push(String(v));
  else if (Array.isArray(v)) for (const x of v) valueText(x, out);
  else for (const x of Object.values(v)) valueText(x, out);
}

/** The text a node is searched in (lower case), by node. */
export function searchText(m: TraceModel): string[] {
  let h = haystacks.get(m);
  if (h !== undefined) return h;
  h = new Array<string>(m.size);
  for (let n = 0; n < m.size; n++) {
    const i = m.spanOf[n]!;
    const span = i >= 0 ? m.detail.spans[i] : undefined;
    if (span === undefined) {
      h[n] = m.keys[n]!.toLowerCase();
      continue;
    }
    const parts: string[] = [span.name, span.span_id];
    if (span.status_message !== null) parts.push(span.status_message);
    for (const v of Object.values(span.attributes)) valueText(v, parts);
    h[n] = parts.join("\n").toLowerCase();
  }
  haystacks.set(m, h);
  return h;
}

/** Matching nodes in display order; empty for a blank query. */
export function searchSpans(m: TraceModel, query: string): Int32Array {
  const q = query.trim().toLowerCase();
  if (q === "") return new Int32Array(0);
  const h = searchText(m);
  const out = new Int32Array(m.size);
  let count = 0;
  for (let i = 0; i < m.size; i++) {
    const n = m.order[i]!;
    if (h[n]!.includes(q)) out[count++] = n;
  }
  return out.slice(0, count);
}

/**
 * The next (dir 1) or previous (dir -1) node of `nodes` (in display order) after the node
 * `from` (-1: none selected), wrapping around. -1 when `nodes` is empty.
 */
export function stepInOrder(m: TraceModel, nodes: Int32Array, from: number, dir: 1 | -1): number {
  if (nodes.length === 0) return -1;
  if (from < 0) return dir === 1 ? nodes[0]! : nodes[nodes.length - 1]!;
  const p = m.pos[from]!;
  // First index whose position is > p.
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.pos[nodes[mid]!]! > p) hi = mid;
    else lo = mid + 1;
  }
  if (dir === 1) return lo < nodes.length ? nodes[lo]! : nodes[0]!;
  // Last index whose position is < p.
  let j = lo - 1;
  if (j >= 0 && nodes[j] === from) j--;
  return j >= 0 ? nodes[j]! : nodes[nodes.length - 1]!;
}

/** Index of `node` in `nodes` (display order), or -1. */
export function indexInOrder(m: TraceModel, nodes: Int32Array, node: number): number {
  if (node < 0) return -1;
  const p = m.pos[node]!;
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.pos[nodes[mid]!]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo < nodes.length && nodes[lo] === node ? lo : -1;
}
