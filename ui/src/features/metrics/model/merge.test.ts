import { describe, expect, it } from "vitest";
import { mergeChunk, rebucket } from "./merge";
import { bucket, chunk } from "./testing";

const H = 3_600_000_000;
const M = 60_000_000;

describe("merging metrics chunks", () => {
  it("adds up series, models, agents, tools and histograms", () => {
    const newest = chunk({
      from_us: 10 * H,
      to_us: 20 * H,
      complete: false,
      next_until_us: 10 * H,
      series: [bucket(10 * H, 2, 1, 30, [0, 1, 1]), bucket(11 * H, 1, 0, 5, [1])],
      latency: { counts: [1, 1, 1] },
      by_model: [{ model: "m", calls: 1, errors: 0, prompt_tokens: 10, completion_tokens: 2, cost_usd: 0.5 }],
      by_agent: [
        { agent: "a", runs: 2, errors: 1, tokens: 30, cost_usd: null, latency: { counts: [0, 1, 1] } },
        { agent: null, runs: 1, errors: 0, tokens: 5, cost_usd: null, latency: { counts: [1] } },
      ],
      tools: [{ tool: "t", calls: 3, errors: 1, latency: { counts: [2, 1] } }],
    });
    const older = chunk({
      from_us: 0,
      to_us: 10 * H,
      complete: true,
      series: [bucket(9 * H, 1, 1, 7, [0, 0, 0, 1]), bucket(10 * H, 1, 0, 1, [1])],
      latency: { counts: [1, 0, 0, 1] },
      by_model: [
        { model: "m", calls: 2, errors: 1, prompt_tokens: 20, completion_tokens: 4, cost_usd: null },
        { model: "n", calls: 1, errors: 0, prompt_tokens: 1, completion_tokens: 1, cost_usd: null },
      ],
      by_agent: [{ agent: null, runs: 2, errors: 1, tokens: 8, cost_usd: 0.25, latency: { counts: [1, 0, 0, 1] } }],
      tools: [{ tool: "t", calls: 1, errors: 1, latency: { counts: [0, 0, 0, 1] } }],
    });
    const a = mergeChunk(null, newest);
    expect([a.complete, a.next_until_us, a.chunks]).toEqual([false, 10 * H, 1]);
    const m = mergeChunk(a, older);
    expect([m.from_us, m.to_us, m.complete, m.next_until_us, m.chunks]).toEqual([0, 20 * H, true, null, 2]);
    expect(m.series.map((b) => [b.start_us, b.runs, b.errors, b.tokens, b.latency.counts])).toEqual([
      [9 * H, 1, 1, 7, [0, 0, 0, 1]],
      [10 * H, 3, 1, 31, [1, 1, 1]],
      [11 * H, 1, 0, 5, [1]],
    ]);
    expect(m.latency).toEqual([2, 1, 1, 1]);
    expect(m.by_model).toEqual([
      { model: "m", calls: 3, errors: 1, prompt_tokens: 30, completion_tokens: 6, cost_usd: 0.5 },
      { model: "n", calls: 1, errors: 0, prompt_tokens: 1, completion_tokens: 1, cost_usd: null },
    ]);
    const none = m.by_agent.find((x) => x.agent === null)!;
    expect([none.runs, none.errors, none.tokens, none.cost_usd, none.latency.counts]).toEqual([3, 1, 13, 0.25, [2, 0, 0, 1]]);
    expect(m.by_agent.find((x) => x.agent === "a")?.runs).toBe(2);
    expect(m.tools).toEqual([{ tool: "t", calls: 4, errors: 2, latency: { counts: [2, 1, 0, 1] } }]);
    // The first answer is left as it was.
    expect(a.series).toHaveLength(2);
    expect(a.latency).toEqual([1, 1, 1]);
  });

  it("folds finer buckets of a later chunk into the coarsest width", () => {
    const hours = chunk({ bucket_us: H, from_us: 2 * H, to_us: 5 * H, complete: false, next_until_us: 2 * H, series: [bucket(2 * H, 1), bucket(4 * H, 2)] });
    const minutes = chunk({ bucket_us: M, from_us: 0, to_us: 2 * H, series: [bucket(H + 5 * M, 1, 1), bucket(H + 59 * M, 2), bucket(30 * M, 4)] });
    const m = mergeChunk(mergeChunk(null, hours), minutes);
    expect(m.bucket_us).toBe(H);
    expect(m.series.map((b) => [b.start_us, b.runs, b.errors])).toEqual([
      [0, 4, 0],
      [H, 3, 1],
      [2 * H, 1, 0],
      [4 * H, 2, 0],
    ]);
    expect(rebucket([bucket(90 * M, 1), bucket(61 * M, 1)], H).map((b) => [b.start_us, b.runs])).toEqual([[H, 2]]);
  });
});
