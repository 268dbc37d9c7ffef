import { describe, expect, it } from "vitest";
import { addCounts, boundMs, quantileMs, totalCount } from "./histogram";
import { BOUNDS, hist } from "./testing";

describe("latency histograms", () => {
  it("adds counts element-wise, whatever their lengths", () => {
    expect(addCounts([1, 2], [0, 1, 5])).toEqual([1, 3, 5]);
    expect(addCounts([], [])).toEqual([]);
    expect(totalCount([1, 3, 5])).toBe(9);
  });

  it("reads the open-ended bucket's bound as infinite (also when JSON sent null)", () => {
    expect(boundMs([1, 2], 1)).toBe(2);
    expect(boundMs([1, 2], 2)).toBe(Infinity);
    expect(boundMs([1, null], 1)).toBe(Infinity);
  });

  it("interpolates like the Rust Histogram::quantile", () => {
    // Geometric inside a bucket: half way through [1, 2) is sqrt(2).
    expect(quantileMs([0, 2], [1, 2], 0.5)).toBeCloseTo(Math.SQRT2, 12);
    // Linear in the first bucket, which starts at 0.
    expect(quantileMs([4], [1], 0.5)).toBeCloseTo(0.5, 12);
    // The open-ended bucket answers its lower bound.
    expect(quantileMs([0, 0, 1], [1, 2], 0.99)).toBe(2);
    // The rank is at least 1, q is clamped.
    expect(quantileMs([0, 2], [1, 2], 0)).toBeCloseTo(2 ** 0.5, 12);
    expect(quantileMs([0, 2], [1, 2], 7)).toBeCloseTo(2, 12);
    expect(quantileMs([], BOUNDS, 0.5)).toBeNull();
    expect(quantileMs([0, 0], BOUNDS, 0.5)).toBeNull();
  });

  it("is within the buckets' ~12% of the exact percentile (the Rust test's data)", () => {
    const counts = hist(...Array.from({ length: 1000 }, (_, i) => [(i + 1) * 3, 1] as [number, number]));
    expect(totalCount(counts)).toBe(1000);
    const p50 = quantileMs(counts, BOUNDS, 0.5)!;
    const p95 = quantileMs(counts, BOUNDS, 0.95)!;
    expect(Math.abs(p50 / 1500 - 1)).toBeLessThan(0.13);
    expect(Math.abs(p95 / 2850 - 1)).toBeLessThan(0.13);
  });
});
