import { describe, expect, it } from "vitest";
import { detail } from "../../../test/fixtures";
import { buildTraceModel } from "../../traces/model/tree";
import { compareTraces, matchKeys, summarize } from "./match";

const a = buildTraceModel(
  detail([
    { id: "r", name: "Agent.run", start: 0, end: 100 },
    { id: "l1", parent: "r", name: "LLM", start: 1, end: 10, tokens: 50 },
    { id: "t1", parent: "r", name: "divide", start: 11, end: 20 },
    { id: "l2", parent: "r", name: "LLM", start: 21, end: 30, tokens: 70 },
  ]),
);
const b = buildTraceModel(
  detail([
    { id: "R", name: "Agent.run", start: 0, end: 150 },
    { id: "L1", parent: "R", name: "LLM", start: 1, end: 20, tokens: 60 },
    { id: "W", parent: "R", name: "get_weather", start: 21, end: 25 },
    { id: "L2", parent: "R", name: "LLM", start: 26, end: 30, tokens: 70 },
    { id: "L3", parent: "R", name: "LLM", start: 31, end: 40, tokens: 10 },
  ]),
);

describe("compare", () => {
  it("keys spans by name path and sibling index", () => {
    const keys = matchKeys(a);
    expect(keys[a.nodeByKey.get("l2")!]).toBe("/Agent.run#0/LLM#1");
    expect(keys[a.nodeByKey.get("t1")!]).toBe("/Agent.run#0/divide#0");
  });

  it("aligns both trees with differences per matched span", () => {
    const rows = compareTraces(a, b);
    const view = rows.map((r) => [r.name, r.a >= 0, r.b >= 0, r.depth, r.durationDeltaMs === null ? null : Math.round(r.durationDeltaMs * 1e6) / 1e6, r.tokensDelta]);
    expect(view).toEqual([
      ["Agent.run", true, true, 0, 0.05, null],
      ["LLM", true, true, 1, 0.01, 10],
      ["divide", true, false, 1, null, null],
      ["get_weather", false, true, 1, null, null],
      ["LLM", true, true, 1, -0.005, 0],
      ["LLM", false, true, 1, null, null],
    ]);
    expect(summarize(rows)).toEqual({ matched: 3, onlyA: 1, onlyB: 2 });
  });
});
