import { describe, expect, it } from "vitest";
import { detail } from "../../../test/fixtures";
import { left, moveBy, right, toggle, visibleIndex } from "./navigation";
import { indexInOrder, searchSpans, stepInOrder } from "./search";
import { buildTraceModel, collapsedFlags, visibleRows } from "./tree";

const m = buildTraceModel(
  detail([
    { id: "root", name: "Agent.run", start: 0, end: 100, kind: "AGENT" },
    { id: "llm1", parent: "root", name: "OpenAIChat.invoke", start: 10, end: 20, kind: "LLM", attributes: { "llm.output_messages.0.message.content": "The WEATHER is sunny" } },
    { id: "tool", parent: "root", name: "get_weather", start: 21, end: 30, kind: "TOOL", status: "ERROR", attributes: { "tool.parameters": { city: "Paris" } } },
    { id: "llm2", parent: "tool", name: "nested", start: 22, end: 23, status: "ERROR", attributes: { n: 42 } },
    { id: "last", parent: "root", name: "OpenAIChat.invoke", start: 40, end: 50, kind: "LLM" },
  ]),
);
const node = (k: string) => m.nodeByKey.get(k)!;

describe("searchSpans", () => {
  it("matches names and attribute values, case-insensitively, in display order", () => {
    expect(Array.from(searchSpans(m, "weather"))).toEqual([node("llm1"), node("tool")]);
    expect(Array.from(searchSpans(m, "paris"))).toEqual([node("tool")]);
    expect(Array.from(searchSpans(m, "42"))).toEqual([node("llm2")]);
    expect(Array.from(searchSpans(m, "openaichat"))).toEqual([node("llm1"), node("last")]);
    expect(searchSpans(m, "  ").length).toBe(0);
  });

  it("steps to next and previous matches with wrap-around", () => {
    const matches = searchSpans(m, "openaichat");
    expect(stepInOrder(m, matches, -1, 1)).toBe(node("llm1"));
    expect(stepInOrder(m, matches, node("llm1"), 1)).toBe(node("last"));
    expect(stepInOrder(m, matches, node("last"), 1)).toBe(node("llm1"));
    expect(stepInOrder(m, matches, node("llm1"), -1)).toBe(node("last"));
    expect(stepInOrder(m, matches, node("tool"), -1)).toBe(node("llm1"));
    expect(stepInOrder(m, matches, node("tool"), 1)).toBe(node("last"));
    expect(indexInOrder(m, matches, node("last"))).toBe(1);
    expect(indexInOrder(m, matches, node("tool"))).toBe(-1);
  });

  it("walks errors in display order", () => {
    expect(stepInOrder(m, m.errors, node("root"), 1)).toBe(node("tool"));
    expect(stepInOrder(m, m.errors, node("tool"), 1)).toBe(node("llm2"));
    expect(stepInOrder(m, m.errors, node("llm2"), 1)).toBe(node("tool"));
  });
});

describe("keyboard navigation", () => {
  it("moves, collapses and expands", () => {
    let collapsed: ReadonlySet<string> = new Set<string>();
    const rows = () => visibleRows(m, collapsedFlags(m, collapsed));
    expect(moveBy(m, rows(), node("root"), 1)).toBe(node("llm1"));
    expect(moveBy(m, rows(), node("root"), -1)).toBe(node("root"));
    expect(moveBy(m, rows(), node("last"), 10)).toBe(node("last"));
    // Left on an expanded parent collapses it; again goes to the parent.
    let s = left(m, { selected: node("tool"), collapsed });
    expect(s.collapsed.has("tool")).toBe(true);
    collapsed = s.collapsed;
    expect(visibleIndex(m, rows(), node("llm2"))).toBe(-1);
    s = left(m, s);
    expect(s.selected).toBe(node("root"));
    // Right expands, then enters the first child.
    s = right(m, { selected: node("tool"), collapsed });
    expect(s.collapsed.has("tool")).toBe(false);
    s = right(m, s);
    expect(s.selected).toBe(node("llm2"));
    expect(toggle(m, new Set(), node("llm2")).size).toBe(0); // a leaf has nothing to collapse
  });
});
