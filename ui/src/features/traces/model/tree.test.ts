import { describe, expect, it } from "vitest";
import { detail, span, type SpanSpec } from "../../../test/fixtures";
import { buildSpanTree } from "./buildTree";
import { allParentKeys, buildTraceModel, collapsedFlags, isVisible, kindOfNode, reveal, visibleRows, type TraceModel } from "./tree";

function names(m: TraceModel, rows: Int32Array): string[] {
  return Array.from(rows, (n) => {
    const i = m.spanOf[n]!;
    const label = i >= 0 ? m.detail.spans[i]!.name : m.keys[n]!;
    return `${"  ".repeat(m.depth[n]!)}${label}`;
  });
}

const sample: SpanSpec[] = [
  { id: "c", parent: "a", start: 30, end: 40 },
  { id: "a", start: 0, end: 100, kind: "AGENT" },
  { id: "b", parent: "a", start: 10, end: 25, kind: "LLM" },
  { id: "d", parent: "b", start: 20, end: 22, kind: "TOOL", status: "ERROR" },
];

describe("buildSpanTree", () => {
  it("orders children by start time", () => {
    const m = buildTraceModel(detail(sample));
    expect(names(m, visibleRows(m, new Uint8Array(m.size)))).toEqual(["a", "  b", "    d", "  c"]);
    expect(m.tree.issues).toEqual({ orphans: 0, cycles_broken: 0, duplicates: 0 });
  });

  it("groups orphans under one synthetic node per missing parent", () => {
    const spans = [span({ id: "a" }), span({ id: "x", parent: "gone", start: 5 }), span({ id: "y", parent: "gone", start: 3 }), span({ id: "z", parent: "lost", start: 1 })];
    const t = buildSpanTree(spans);
    expect(t.issues.orphans).toBe(3);
    const m = buildTraceModel({ ...detail([]), spans, tree: t });
    expect(names(m, visibleRows(m, new Uint8Array(m.size)))).toEqual(["a", "?lost", "  z", "?gone", "  y", "  x"]);
    expect(kindOfNode(m, m.nodeByKey.get("?gone")!)).toBe("missing");
    // A synthetic node spans its children.
    const g = m.nodeByKey.get("?gone")!;
    expect(m.startRel[g]).toBe(3);
  });

  it("breaks cycles at the earliest span and drops duplicates", () => {
    const spans = [
      span({ id: "a", parent: "c", start: 5 }),
      span({ id: "b", parent: "a", start: 6 }),
      span({ id: "c", parent: "b", start: 1 }),
      span({ id: "d", parent: "d", start: 9 }),
      span({ id: "e", parent: "a", start: 7 }),
      span({ id: "e", parent: "a", start: 8 }),
    ];
    const t = buildSpanTree(spans);
    expect(t.issues).toEqual({ orphans: 0, cycles_broken: 2, duplicates: 1 });
    const m = buildTraceModel({ ...detail([]), spans, tree: t });
    expect(names(m, visibleRows(m, new Uint8Array(m.size)))).toEqual(["c", "  a", "    b", "    e", "d"]);
  });

  it("falls back to building the tree when the backend sent none", () => {
    const d = detail(sample);
    const m = buildTraceModel({ ...d, tree: { nodes: [], roots: [], issues: d.tree.issues } });
    expect(m.size).toBe(4);
  });

  it("handles a 100k-deep chain and a 100k-wide trace without recursion", () => {
    const chain = Array.from({ length: 100_000 }, (_, i) => span({ id: `s${i}`, parent: i === 0 ? null : `s${i - 1}`, start: i }));
    const m = buildTraceModel({ ...detail([]), spans: chain, tree: buildSpanTree(chain) });
    expect(m.depth[m.order[99_999]!]).toBe(99_999);
    expect(visibleRows(m, new Uint8Array(m.size)).length).toBe(100_000);
    const flags = collapsedFlags(m, new Set(["s10"]));
    expect(visibleRows(m, flags).length).toBe(11);
    const wide = [span({ id: "root", end: 200_000 }), ...Array.from({ length: 100_000 }, (_, i) => span({ id: `c${i}`, parent: "root", start: 100_000 - i }))];
    const w = buildTraceModel({ ...detail([]), spans: wide, tree: buildSpanTree(wide) });
    expect(w.keys[w.order[1]!]).toBe("c99999"); // earliest child first
    expect(visibleRows(w, collapsedFlags(w, new Set(["root"]))).length).toBe(1);
  });
});

describe("visibleRows", () => {
  const m = buildTraceModel(detail(sample));

  it("hides collapsed subtrees", () => {
    const rows = visibleRows(m, collapsedFlags(m, new Set(["b"])));
    expect(names(m, rows)).toEqual(["a", "  b", "  c"]);
    expect(names(m, visibleRows(m, collapsedFlags(m, allParentKeys(m))))).toEqual(["a"]);
  });

  it("reveal expands every ancestor", () => {
    const collapsed = allParentKeys(m);
    const d = m.nodeByKey.get("d")!;
    expect(isVisible(m, collapsedFlags(m, collapsed), d)).toBe(false);
    const opened = reveal(m, collapsed, [d]);
    expect(isVisible(m, collapsedFlags(m, opened), d)).toBe(true);
    expect(names(m, visibleRows(m, collapsedFlags(m, opened)))).toEqual(["a", "  b", "    d", "  c"]);
  });

  it("keeps display metadata per node", () => {
    const d = m.nodeByKey.get("d")!;
    expect(kindOfNode(m, d)).toBe("tool");
    expect(Array.from(m.errors)).toEqual([d]);
    expect(m.traceDurationUs).toBe(100);
    expect(m.end[m.nodeByKey.get("b")!]! - m.pos[m.nodeByKey.get("b")!]!).toBe(2);
  });
});
