import { describe, expect, it } from "vitest";
import { EMPTY_FILTERS } from "../../runs/model/filters";
import { mergeChunk } from "./merge";
import { chunkFilter, coverage, nextChunkUntil, progressLine, scanFilter } from "./progress";
import { chunk } from "./testing";

const H = 3_600_000_000;
const NOW_MS = Date.UTC(2026, 11, 7, 12, 0, 0);
const NOW_US = NOW_MS * 1000;

describe("the metrics scan's range and progress", () => {
  it("fixes an explicit range when the scan starts", () => {
    const { filter, range } = scanFilter({ ...EMPTY_FILTERS, range: "24h", user: "alice" }, NOW_MS);
    expect(range).toEqual({ since_us: NOW_US - 24 * H, until_us: NOW_US });
    expect([filter.since_us, filter.until_us, filter.user_id]).toEqual([NOW_US - 24 * H, NOW_US, "alice"]);
    expect(chunkFilter(filter, NOW_US - H)).toMatchObject({ since_us: NOW_US - 24 * H, until_us: NOW_US - H, user_id: "alice" });
    // All time: no start (the server reads back to the oldest run), an explicit end.
    expect(scanFilter({ ...EMPTY_FILTERS, range: "all" }, NOW_MS).range).toEqual({ since_us: null, until_us: NOW_US });
    // A custom range keeps its end.
    const c = scanFilter({ ...EMPTY_FILTERS, range: "custom", since: "2026-12-01T00:00", until: "2026-12-02T00:00" }, NOW_MS).range;
    expect(c).toEqual({ since_us: new Date("2026-12-01T00:00").getTime() * 1000, until_us: new Date("2026-12-02T00:00").getTime() * 1000 });
  });

  it("continues from next_until_us, never from the same place again", () => {
    expect(nextChunkUntil(chunk({ complete: false, next_until_us: 5 }), 10)).toBe(5);
    expect(nextChunkUntil(chunk({ complete: false, next_until_us: 10 }), 10)).toBeNull();
    expect(nextChunkUntil(chunk({ complete: true, next_until_us: 5 }), 10)).toBeNull();
    expect(nextChunkUntil(chunk({ complete: false, next_until_us: null }), 10)).toBeNull();
  });

  it("says how much of the range is covered", () => {
    const range = { since_us: 0, until_us: 10 * H };
    expect(coverage(null, range)).toEqual({ backToUs: 10 * H, percent: 0 });
    const part = mergeChunk(null, chunk({ from_us: 7 * H, to_us: 10 * H, complete: false, next_until_us: 7 * H }));
    expect(coverage(part, range)).toEqual({ backToUs: 7 * H, percent: 30 });
    // Not 100% before the server said complete.
    const almost = mergeChunk(null, chunk({ from_us: 1, to_us: 10 * H, complete: false, next_until_us: 1 }));
    expect(coverage(almost, range).percent).toBe(99);
    expect(coverage(mergeChunk(null, chunk({ from_us: 0, to_us: 10 * H })), range).percent).toBe(100);
    expect(coverage(part, { since_us: null, until_us: 10 * H }).percent).toBeNull();
  });

  it("words the line above the charts", () => {
    const range = { since_us: 0, until_us: 10 * H };
    const fmt = (us: number) => `t${us / H}`;
    const part = mergeChunk(null, chunk({ from_us: 6 * H, to_us: 10 * H, complete: false, next_until_us: 6 * H }));
    expect(progressLine("scanning", null, range, fmt)).toEqual({ text: "Scanning…", stop: true, continue: false, partial: false });
    expect(progressLine("scanning", part, range, fmt)).toEqual({ text: "Scanning… covered back to t6 (40% of the range)", stop: true, continue: false, partial: true });
    expect(progressLine("stopped", part, range, fmt)).toEqual({ text: "Stopped: covered back to t6 (40% of the range); the figures are partial", stop: false, continue: true, partial: true });
    expect(progressLine("scanning", part, { since_us: null, until_us: 10 * H }, fmt)?.text).toBe("Scanning… covered back to t6");
    expect(progressLine("complete", part, range, fmt)).toBeNull();
  });
});
