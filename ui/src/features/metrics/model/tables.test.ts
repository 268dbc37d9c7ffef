import { describe, expect, it } from "vitest";
import { mergeChunk } from "./merge";
import { agentRows, failingTools, formatRate, modelRows, slowestTools, totals } from "./tables";
import { bucket, chunk, hist } from "./testing";

const m = mergeChunk(
  null,
  chunk({
    series: [bucket(0, 3, 1, 100), bucket(3_600_000_000, 1, 0, 20)],
    latency: { counts: hist([100, 3], [1000, 1]) },
    by_model: [
      { model: "small", calls: 2, errors: 0, prompt_tokens: 10, completion_tokens: 5, cost_usd: null },
      { model: "big", calls: 4, errors: 1, prompt_tokens: 80, completion_tokens: 25, cost_usd: 0.02 },
    ],
    by_agent: [
      { agent: null, runs: 1, errors: 0, tokens: 0, cost_usd: null, latency: { counts: hist([5, 1]) } },
      { agent: "b", runs: 3, errors: 1, tokens: 120, cost_usd: 0.02, latency: { counts: hist([100, 2], [1000, 1]) } },
    ],
    tools: [
      { tool: "fast", calls: 10, errors: 5, latency: { counts: hist([1, 10]) } },
      { tool: "slow", calls: 2, errors: 0, latency: { counts: hist([2000, 2]) } },
      { tool: "flaky", calls: 5, errors: 5, latency: { counts: hist([50, 5]) } },
      { tool: "never", calls: 0, errors: 0, latency: { counts: [] } },
    ],
  }),
);

describe("metrics tables", () => {
  it("totals the runs, errors, tokens, cost and latency", () => {
    const t = totals(m);
    expect([t.runs, t.errors, t.errorRate, t.tokens, t.cost]).toEqual([4, 1, 0.25, 120, 0.02]);
    expect(t.p50).toBeGreaterThan(80);
    expect(t.p50).toBeLessThan(100);
    // In the bucket that holds 1000 ms (bounds 25% apart).
    expect(t.p95).toBeGreaterThan(900);
    expect(t.p95).toBeLessThan(1250);
  });

  it("lists models by calls and agents by runs (the unnamed last)", () => {
    expect(modelRows(m).map((r) => [r.model, r.tokens])).toEqual([
      ["big", 105],
      ["small", 15],
    ]);
    const agents = agentRows(m);
    expect(agents.map((a) => [a.agent, a.runs, a.errorRate])).toEqual([
      ["b", 3, 1 / 3],
      [null, 1, 0],
    ]);
    expect(agents[0]!.p95! > agents[0]!.p50!).toBe(true);
  });

  it("picks the slowest tools by p95 and the most failing by errors, then rate", () => {
    expect(slowestTools(m).map((t) => t.tool)).toEqual(["slow", "flaky", "fast"]);
    expect(slowestTools(m, 1).map((t) => t.tool)).toEqual(["slow"]);
    // fast and flaky fail 5 times each; flaky always does.
    expect(failingTools(m).map((t) => [t.tool, t.errors, t.errorRate])).toEqual([
      ["flaky", 5, 1],
      ["fast", 5, 0.5],
    ]);
  });

  it("formats rates", () => {
    expect([formatRate(null), formatRate(0), formatRate(0.1234), formatRate(0.0123), formatRate(0.00123), formatRate(1)]).toEqual(["–", "0%", "12%", "1.2%", "0.12%", "100%"]);
  });
});
