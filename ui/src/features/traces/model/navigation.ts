//! Keyboard navigation of the tree as pure steps: given the model, the visible rows, the
//! collapsed set and the selected node, each key yields the new selection and collapsed set.
//! The view only maps keys to these functions.

import { hasChildren, type TraceModel } from "./tree";

export type NavState = { selected: number; collapsed: ReadonlySet<string> };

/** Position of `node` among the visible rows (binary search on display position), or -1. */
export function visibleIndex(m: TraceModel, visible: Int32Array, node: number): number {
  if (node < 0) return -1;
  const p = m.pos[node]!;
  let lo = 0;
  let hi = visible.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.pos[visible[mid]!]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo < visible.length && visible[lo] === node ? lo : -1;
}

/** Up/down (and page/home/end via `delta`): the row `delta` away, clamped. */
export function moveBy(m: TraceModel, visible: Int32Array, selected: number, delta: number): number {
  if (visible.length === 0) return -1;
  const i = visibleIndex(m, visible, selected);
  if (i < 0) return visible[delta >= 0 ? 0 : visible.length - 1]!;
  const j = Math.max(0, Math.min(visible.length - 1, i + delta));
  return visible[j]!;
}

/** Left: collapse an expanded node, else go to its parent. */
export function left(m: TraceModel, s: NavState): NavState {
  if (s.selected < 0) return s;
  const key = m.keys[s.selected]!;
  if (hasChildren(m, s.selected) && !s.collapsed.has(key)) {
    const c = new Set(s.collapsed);
    c.add(key);
    return { selected: s.selected, collapsed: c };
  }
  const p = m.parent[s.selected]!;
  return p >= 0 ? { selected: p, collapsed: s.collapsed } : s;
}

/** Right: expand a collapsed node, else go to its first child. */
export function right(m: TraceModel, s: NavState): NavState {
  if (s.selected < 0 || !hasChildren(m, s.selected)) return s;
  const key = m.keys[s.selected]!;
  if (s.collapsed.has(key)) {
    const c = new Set(s.collapsed);
    c.delete(key);
    return { selected: s.selected, collapsed: c };
  }
  return { selected: m.order[m.pos[s.selected]! + 1]!, collapsed: s.collapsed };
}

/** Toggle one node's expansion. */
export function toggle(m: TraceModel, collapsed: ReadonlySet<string>, node: number): Set<string> {
  const c = new Set(collapsed);
  const key = m.keys[node]!;
  if (c.has(key)) c.delete(key);
  else if (hasChildren(m, node)) c.add(key);
  return c;
}
