//! Compare two runs: spans are matched by their path of names from the root plus their index
//! among same-named siblings ("Agent.run/OpenAIChat.invoke#1"), and laid out as one merged
//! tree whose rows hold the left span, the right span (either may be missing) and the
//! duration and token differences. Pure; works on two trace models.

import type { Span } from "../../../bindings";
import { spanOfNode, type TraceModel } from "../../traces/model/tree";

export type CompareRow = {
  /** Node in the left / right model, -1 when the span exists on one side only. */
  a: number;
  b: number;
  depth: number;
  key: string;
  name: string;
  durationDeltaMs: number | null;
  tokensDelta: number | null;
};

function nameOf(m: TraceModel, node: number): string {
  const s = spanOfNode(m, node);
  return s !== null ? s.name : "(missing parent)";
}

/** Keys of a list of sibling nodes: name plus occurrence index among same-named siblings. */
function siblingKeys(m: TraceModel, parentKey: string, siblings: readonly number[]): string[] {
  const seen = new Map<string, number>();
  return siblings.map((n) => {
    const name = nameOf(m, n);
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    return `${parentKey}/${name}#${k}`;
  });
}

/** Every node's match key, by node. */
export function matchKeys(m: TraceModel): string[] {
  const keys = new Array<string>(m.size);
  const stack: [string, readonly number[]][] = [["", m.tree.roots]];
  while (stack.length > 0) {
    const [pk, list] = stack.pop()!;
    const ks = siblingKeys(m, pk, list);
    list.forEach((n, i) => {
      keys[n] = ks[i]!;
      const children = m.tree.nodes[n]?.children ?? [];
      if (children.length > 0) stack.push([ks[i]!, children]);
    });
  }
  return keys;
}

function tokens(s: Span | null): number | null {
  return s === null ? null : s.tokens;
}

/** Merges two ordered child lists by key: left order, with each right-only item placed just
 *  before the next matched sibling (so replaced spans sit next to each other). Linear. */
function mergeLists(aList: readonly number[], aKeys: string[], bList: readonly number[], bKeys: string[]): [number, number, string][] {
  const bByKey = new Map<string, number>();
  for (const n of bList) bByKey.set(bKeys[n]!, n);
  const aIndex = new Map<string, number>();
  aList.forEach((n, i) => aIndex.set(aKeys[n]!, i));
  // Right-only items, bucketed by the index (in aList) of the next matched item.
  const before = new Map<number, [number, number, string][]>();
  let pending: [number, number, string][] = [];
  for (const n of bList) {
    const k = bKeys[n]!;
    const i = aIndex.get(k);
    if (i === undefined) pending.push([-1, n, k]);
    else if (pending.length > 0) {
      before.set(i, [...(before.get(i) ?? []), ...pending]);
      pending = [];
    }
  }
  const out: [number, number, string][] = [];
  aList.forEach((n, i) => {
    const bucket = before.get(i);
    if (bucket !== undefined) for (const x of bucket) out.push(x);
    const k = aKeys[n]!;
    out.push([n, bByKey.get(k) ?? -1, k]);
  });
  for (const x of pending) out.push(x);
  return out;
}

export function compareTraces(a: TraceModel, b: TraceModel): CompareRow[] {
  const aKeys = matchKeys(a);
  const bKeys = matchKeys(b);
  const rows: CompareRow[] = [];
  const stack: { list: [number, number, string][]; i: number; depth: number }[] = [
    { list: mergeLists(a.tree.roots, aKeys, b.tree.roots, bKeys), i: 0, depth: 0 },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.list.length) {
      stack.pop();
      continue;
    }
    const [na, nb, key] = top.list[top.i++]!;
    const sa = na >= 0 ? spanOfNode(a, na) : null;
    const sb = nb >= 0 ? spanOfNode(b, nb) : null;
    const ta = tokens(sa);
    const tb = tokens(sb);
    rows.push({
      a: na,
      b: nb,
      depth: top.depth,
      key,
      name: na >= 0 ? nameOf(a, na) : nameOf(b, nb),
      durationDeltaMs: sa !== null && sb !== null ? sb.duration_ms - sa.duration_ms : null,
      tokensDelta: ta !== null || tb !== null ? (sa !== null && sb !== null ? (tb ?? 0) - (ta ?? 0) : null) : null,
    });
    const ca = na >= 0 ? (a.tree.nodes[na]?.children ?? []) : [];
    const cb = nb >= 0 ? (b.tree.nodes[nb]?.children ?? []) : [];
    if (ca.length > 0 || cb.length > 0) stack.push({ list: mergeLists(ca, aKeys, cb, bKeys), i: 0, depth: top.depth + 1 });
  }
  return rows;
}

export type CompareSummary = { matched: number; onlyA: number; onlyB: number };

export function summarize(rows: readonly CompareRow[]): CompareSummary {
  let matched = 0;
  let onlyA = 0;
  let onlyB = 0;
  for (const r of rows) {
    if (r.a >= 0 && r.b >= 0) matched++;
    else if (r.a >= 0) onlyA++;
    else onlyB++;
  }
  return { matched, onlyA, onlyB };
}
