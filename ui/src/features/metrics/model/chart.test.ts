import { describe, expect, it } from "vitest";
import { compactNumber, linePath, linear, maxOf, slotValues, tickLabel, timeSlots, timeTicks, valueTicks } from "./chart";
import { mergeChunk } from "./merge";
import { BOUNDS, bucket, chunk, hist } from "./testing";

const H = 3_600_000_000;
const MIN = 60_000_000;

describe("metrics charts", () => {
  it("has a slot for every bucket of the range, empty ones included", () => {
    const m = mergeChunk(null, chunk({ bucket_us: H, from_us: H / 2, to_us: 4 * H, series: [bucket(H, 2, 1, 10, hist([100, 2])), bucket(3 * H, 1)] }));
    const slots = timeSlots(m, { since_us: H / 2, until_us: 4 * H });
    expect(slots.map((s) => [s.start_us / H, s.bucket?.runs ?? null])).toEqual([
      [0, null],
      [1, 2],
      [2, null],
      [3, 1],
    ]);
    // All time starts at the oldest bucket.
    expect(timeSlots(m, { since_us: null, until_us: 4 * H }).map((s) => s.start_us / H)).toEqual([0, 1, 2, 3]);
    const v = slotValues(slots, BOUNDS);
    expect(v.runs).toEqual([0, 2, 0, 1]);
    expect(v.ok).toEqual([0, 1, 0, 1]);
    expect(v.errorRate).toEqual([null, 50, null, 0]);
    expect(v.tokens).toEqual([0, 10, 0, 0]);
    expect(v.p50[0]).toBeNull();
    expect(v.p50[1]).toBeGreaterThan(80);
    expect(v.p95[3]).toBeNull(); // a bucket without latency counts
  });

  it("scales values onto round ticks", () => {
    expect(valueTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(valueTicks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(valueTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(valueTicks(0)).toEqual([0, 1]);
    expect(maxOf([1, null, 3], [2])).toBe(3);
    const y = linear(0, 10, 100, 0);
    expect([y(0), y(5), y(10)]).toEqual([100, 50, 0]);
    expect(linear(3, 3, 0, 10)(3)).toBe(5);
  });

  it("puts time ticks on round local times", () => {
    const from = Date.UTC(2026, 11, 7, 10, 7) * 1000;
    const to = from + 3 * H;
    const { step, ticks } = timeTicks(from, to, 6);
    expect(step).toBe(30 * MIN);
    expect(ticks[0]).toBe(Date.UTC(2026, 11, 7, 10, 30) * 1000);
    expect(ticks).toHaveLength(6);
    // Local time one hour ahead of UTC (getTimezoneOffset -60): days start at 23:00 UTC.
    const days = timeTicks(Date.UTC(2026, 11, 1, 12) * 1000, Date.UTC(2026, 11, 4, 12) * 1000, 5, -60);
    expect(days.ticks.map((t) => new Date(t / 1000).toISOString())).toEqual(["2026-12-01T23:00:00.000Z", "2026-12-02T23:00:00.000Z", "2026-12-03T23:00:00.000Z"]);
    const local = new Date(2026, 11, 7, 9, 5).getTime() * 1000;
    expect(tickLabel(local, H)).toBe("09:05");
    expect(tickLabel(local, 24 * H)).toBe("7 Dec");
  });

  it("draws lines with gaps and compact labels", () => {
    expect(linePath([{ x: 0, y: 1 }, { x: 1.04, y: 2 }, null, { x: 3, y: 4 }, { x: 5, y: 6 }])).toBe("M0,1 L1,2 M3,4 L5,6");
    expect(linePath([])).toBe("");
    expect([compactNumber(1200), compactNumber(2_500_000), compactNumber(0.25), compactNumber(12), compactNumber(0)]).toEqual(["1.2k", "2.5M", "0.25", "12", "0"]);
  });
});
