//! The trace view's model: everything the tree needs per node, computed once per fetched
//! trace into flat typed arrays in display (pre-)order, so a 100k-span trace costs a few
//! linear passes and expanding, collapsing and scrolling never walk the tree recursively.
//! Visible rows are a pure function of the model and a collapsed-flag array.

import type { Span, TraceDetail, TraceTree } from "../../../bindings";
import { buildSpanTree } from "./buildTree";
import { DISPLAY_KINDS, displayKind, type DisplayKind } from "./kinds";

export type TraceModel = {
  readonly detail: TraceDetail;
  readonly tree: TraceTree;
  /** Number of nodes (spans plus synthetic placeholders). */
  readonly size: number;
  /** Display position -> node. */
  readonly order: Int32Array;
  /** Node -> display position. */
  readonly pos: Int32Array;
  /** Node -> display position just past its subtree. */
  readonly end: Int32Array;
  readonly depth: Int32Array;
  /** Node -> parent node, -1 for roots. */
  readonly parent: Int32Array;
  /** Node -> index into `detail.spans`, -1 for synthetic nodes. */
  readonly spanOf: Int32Array;
  /** Node -> index into DISPLAY_KINDS. */
  readonly kind: Uint8Array;
  readonly error: Uint8Array;
  /** Node start/end in µs relative to the trace start (synthetic: span of its children). */
  readonly startRel: Float64Array;
  readonly endRel: Float64Array;
  readonly traceStartUs: number;
  readonly traceDurationUs: number;
  /** Nodes with status ERROR, in display order. */
  readonly errors: Int32Array;
  /** Stable key of a node across refetches: span id, or "?" + missing parent id. */
  readonly keys: readonly string[];
  readonly nodeByKey: ReadonlyMap<string, number>;
};

function treeIsUsable(detail: TraceDetail): boolean {
  const t = detail.tree;
  if (detail.spans.length === 0) return true;
  if (t.nodes.length === 0) return false;
  return t.nodes.every((n) => n.span === null || n.span < detail.spans.length);
}

export function buildTraceModel(detail: TraceDetail): TraceModel {
  const tree = treeIsUsable(detail) ? detail.tree : buildSpanTree(detail.spans);
  const spans = detail.spans;
  const size = tree.nodes.length;
  const order = new Int32Array(size);
  const pos = new Int32Array(size).fill(-1);
  const parent = new Int32Array(size).fill(-1);
  const depth = new Int32Array(size);

  // Pre-order with an explicit stack (a 100k-deep chain must not overflow).
  let p = 0;
  const stack: number[] = [];
  const pushChildren = (list: readonly number[]) => {
    for (let i = list.length - 1; i >= 0; i--) stack.push(list[i]!);
  };
  pushChildren(tree.roots);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (pos[n] !== -1) continue; // defensive: a malformed tree must not loop
    pos[n] = p;
    order[p++] = n;
    const node = tree.nodes[n]!;
    for (const c of node.children) {
      parent[c] = n;
      depth[c] = depth[n]! + 1;
    }
    pushChildren(node.children);
  }
  // Nodes not reachable from a root (malformed input) are appended as roots.
  for (let n = 0; n < size; n++) {
    if (pos[n] === -1) {
      pos[n] = p;
      order[p++] = n;
      parent[n] = -1;
      depth[n] = 0;
    }
  }

  const spanOf = new Int32Array(size).fill(-1);
  const kind = new Uint8Array(size);
  const error = new Uint8Array(size);
  const startRel = new Float64Array(size);
  const endRel = new Float64Array(size);
  const keys: string[] = new Array<string>(size);
  const nodeByKey = new Map<string, number>();
  const kindIndex = new Map<DisplayKind, number>(DISPLAY_KINDS.map((k, i) => [k, i]));

  let traceStart = Number.POSITIVE_INFINITY;
  let traceEnd = Number.NEGATIVE_INFINITY;
  for (const s of spans) {
    if (s.start_us < traceStart) traceStart = s.start_us;
    if (s.end_us > traceEnd) traceEnd = s.end_us;
  }
  if (!Number.isFinite(traceStart)) {
    traceStart = detail.trace.start_us;
    traceEnd = detail.trace.end_us;
  }

  for (let n = 0; n < size; n++) {
    const node = tree.nodes[n]!;
    if (node.span !== null) {
      const s = spans[node.span]!;
      spanOf[n] = node.span;
      kind[n] = kindIndex.get(displayKind(s.kind, s.name, s.attributes))!;
      error[n] = s.status_code === "ERROR" ? 1 : 0;
      startRel[n] = s.start_us - traceStart;
      endRel[n] = Math.max(s.end_us, s.start_us) - traceStart;
      keys[n] = s.span_id;
    } else {
      kind[n] = kindIndex.get("missing")!;
      startRel[n] = Number.POSITIVE_INFINITY;
      endRel[n] = Number.NEGATIVE_INFINITY;
      keys[n] = `?${node.missing_span_id ?? n}`;
    }
    nodeByKey.set(keys[n]!, n);
  }

  // Subtree ends and synthetic nodes' extents, children before parents (reverse pre-order).
  const end = new Int32Array(size);
  const subtree = new Int32Array(size).fill(1);
  for (let i = size - 1; i >= 0; i--) {
    const n = order[i]!;
    end[n] = i + subtree[n]!;
    const par = parent[n]!;
    if (par >= 0) {
      subtree[par] = subtree[par]! + subtree[n]!;
      if (spanOf[par] === -1) {
        if (startRel[n]! < startRel[par]!) startRel[par] = startRel[n]!;
        if (endRel[n]! > endRel[par]!) endRel[par] = endRel[n]!;
      }
    }
  }
  for (let n = 0; n < size; n++) {
    if (!Number.isFinite(startRel[n]!)) {
      startRel[n] = 0;
      endRel[n] = 0;
    }
  }

  let errorCount = 0;
  for (let i = 0; i < size; i++) if (error[order[i]!]) errorCount++;
  const errors = new Int32Array(errorCount);
  for (let i = 0, e = 0; i < size; i++) if (error[order[i]!]) errors[e++] = order[i]!;

  return {
    detail,
    tree,
    size,
    order,
    pos,
    end,
    depth,
    parent,
    spanOf,
    kind,
    error,
    startRel,
    endRel,
    traceStartUs: traceStart,
    traceDurationUs: Math.max(0, traceEnd - traceStart),
    errors,
    keys,
    nodeByKey,
  };
}

export function spanOfNode(m: TraceModel, node: number): Span | null {
  const i = m.spanOf[node];
  return i === undefined || i < 0 ? null : (m.detail.spans[i] ?? null);
}

export function kindOfNode(m: TraceModel, node: number): DisplayKind {
  return DISPLAY_KINDS[m.kind[node]!] ?? "generic";
}

export function hasChildren(m: TraceModel, node: number): boolean {
  return m.end[node]! > m.pos[node]! + 1;
}

export function childrenOf(m: TraceModel, node: number): readonly number[] {
  return m.tree.nodes[node]?.children ?? [];
}

/** Collapsed flags per node from the set of collapsed node keys. */
export function collapsedFlags(m: TraceModel, collapsed: ReadonlySet<string>): Uint8Array {
  const flags = new Uint8Array(m.size);
  for (const k of collapsed) {
    const n = m.nodeByKey.get(k);
    if (n !== undefined) flags[n] = 1;
  }
  return flags;
}

/** Nodes shown, in display order: a collapsed node hides its subtree (skipped in O(1)). */
export function visibleRows(m: TraceModel, collapsed: Uint8Array): Int32Array {
  const out = new Int32Array(m.size);
  let count = 0;
  let i = 0;
  while (i < m.size) {
    const n = m.order[i]!;
    out[count++] = n;
    i = collapsed[n] ? m.end[n]! : i + 1;
  }
  return out.subarray(0, count);
}

/** Keys of every node with children: the collapsed set of "collapse all". */
export function allParentKeys(m: TraceModel): Set<string> {
  const s = new Set<string>();
  for (let n = 0; n < m.size; n++) if (hasChildren(m, n)) s.add(m.keys[n]!);
  return s;
}

/** The collapsed set with every ancestor of `nodes` expanded, so they become visible. */
export function reveal(m: TraceModel, collapsed: ReadonlySet<string>, nodes: Iterable<number>): Set<string> {
  const out = new Set(collapsed);
  if (out.size === 0) return out;
  const done = new Uint8Array(m.size);
  for (const n of nodes) {
    let a = m.parent[n]!;
    while (a >= 0 && !done[a]) {
      done[a] = 1;
      out.delete(m.keys[a]!);
      a = m.parent[a]!;
    }
  }
  return out;
}

/** Whether `node` is shown given the collapsed flags (no collapsed ancestor). */
export function isVisible(m: TraceModel, collapsed: Uint8Array, node: number): boolean {
  for (let a = m.parent[node]!; a >= 0; a = m.parent[a]!) if (collapsed[a]) return false;
  return true;
}
