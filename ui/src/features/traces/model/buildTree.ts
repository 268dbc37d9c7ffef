//! `buildSpanTree`: the span tree of one trace from its spans alone, with the same rules as
//! the backend's `TraceTree::build` (orphans grouped under one synthetic node per missing
//! parent, parent cycles cut at their earliest span, duplicate ids keep the first, children
//! and roots by start time then id). The backend sends its tree with every trace; this is
//! the fallback when a tree is absent and the builder used by tests and the compare view.

import type { TraceTree, TreeNode } from "../../../bindings";

export type TreeSpan = { span_id: string; parent_span_id: string | null; start_us: number };

const noFlags = () => ({ synthetic: false, orphan: false, cycle_broken: false, duplicate: false });

export function buildSpanTree(spans: readonly TreeSpan[]): TraceTree {
  const issues = { orphans: 0, cycles_broken: 0, duplicates: 0 };
  const nodes: TreeNode[] = [];
  const byId = new Map<string, number>();
  spans.forEach((s, i) => {
    const seen = byId.get(s.span_id);
    if (seen !== undefined) {
      nodes[seen]!.flags.duplicate = true;
      issues.duplicates++;
      return;
    }
    byId.set(s.span_id, nodes.length);
    nodes.push({ span: i, missing_span_id: null, parent: null, children: [], depth: 0, start_us: s.start_us, flags: noFlags() });
  });

  const real = nodes.length;
  const roots: number[] = [];
  const synthetic = new Map<string, number>();
  for (let n = 0; n < real; n++) {
    const node = nodes[n]!;
    const span = spans[node.span!]!;
    const p = span.parent_span_id;
    if (p === null || p === "") {
      roots.push(n);
      continue;
    }
    if (p === span.span_id) {
      node.flags.cycle_broken = true;
      issues.cycles_broken++;
      roots.push(n);
      continue;
    }
    let parent = byId.get(p);
    if (parent === undefined) {
      node.flags.orphan = true;
      issues.orphans++;
      parent = synthetic.get(p);
      if (parent === undefined) {
        parent = nodes.length;
        nodes.push({ span: null, missing_span_id: p, parent: null, children: [], depth: 0, start_us: Number.MAX_SAFE_INTEGER, flags: { ...noFlags(), synthetic: true } });
        synthetic.set(p, parent);
        roots.push(parent);
      }
      const sp = nodes[parent]!;
      if (node.start_us < sp.start_us) sp.start_us = node.start_us;
    }
    node.parent = parent;
    nodes[parent]!.children.push(n);
  }

  const visited = new Uint8Array(nodes.length);
  const mark = (from: number[]) => {
    const stack = [...from];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (visited[n]) continue;
      visited[n] = 1;
      for (const c of nodes[n]!.children) stack.push(c);
    }
  };
  mark(roots);
  // Whatever is unreachable hangs off a parent cycle: cut the cycle at its earliest span.
  for (let start = 0; start < real; start++) {
    if (visited[start]) continue;
    const seenAt = new Map<number, number>();
    const path: number[] = [];
    let cur = start;
    while (!seenAt.has(cur)) {
      seenAt.set(cur, path.length);
      path.push(cur);
      cur = nodes[cur]!.parent!;
      if (visited[cur]) break;
    }
    const from = seenAt.get(cur);
    if (from === undefined) continue;
    let cut = path[from]!;
    for (const c of path.slice(from)) {
      const a = nodes[c]!;
      const b = nodes[cut]!;
      if (a.start_us < b.start_us || (a.start_us === b.start_us && c < cut)) cut = c;
    }
    const cutNode = nodes[cut]!;
    if (cutNode.parent !== null) {
      const p = nodes[cutNode.parent]!;
      p.children = p.children.filter((c) => c !== cut);
      cutNode.parent = null;
    }
    cutNode.flags.cycle_broken = true;
    issues.cycles_broken++;
    roots.push(cut);
    mark([cut]);
  }

  const idOf = (n: number) => {
    const node = nodes[n]!;
    return node.span !== null ? spans[node.span]!.span_id : (node.missing_span_id ?? "");
  };
  const cmp = (a: number, b: number) => {
    const x = nodes[a]!;
    const y = nodes[b]!;
    if (x.start_us !== y.start_us) return x.start_us - y.start_us;
    const ia = idOf(a);
    const ib = idOf(b);
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  };
  for (const node of nodes) if (node.children.length > 1) node.children.sort(cmp);
  roots.sort((a, b) => Number(nodes[a]!.flags.synthetic) - Number(nodes[b]!.flags.synthetic) || cmp(a, b));

  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const d = nodes[n]!.depth + 1;
    for (const c of nodes[n]!.children) {
      nodes[c]!.depth = d;
      stack.push(c);
    }
  }
  return { nodes, roots, issues };
}
