import { describe, expect, it } from "vitest";
import { clip, formatBytes, formatCost, formatDayTime, formatDuration, formatDurationDelta, formatOffset, formatStart, formatTokens } from "./format";

describe("format", () => {
  it("durations", () => {
    expect(formatDuration(0)).toBe("0ms");
    expect(formatDuration(0.42)).toBe("420µs");
    expect(formatDuration(5.351)).toBe("5.35ms");
    expect(formatDuration(31.27)).toBe("31.3ms");
    expect(formatDuration(492)).toBe("492ms");
    expect(formatDuration(1530)).toBe("1.53s");
    expect(formatDuration(95_000)).toBe("1m 35s");
    expect(formatDuration(3_720_000)).toBe("1h 2m");
    expect(formatDuration(-1)).toBe("–");
    expect(formatOffset(12_300)).toBe("+12.3ms");
    expect(formatDurationDelta(-3100)).toBe("−3.1s");
    expect(formatDurationDelta(0)).toBe("±0");
  });

  it("tokens and cost", () => {
    expect(formatTokens(1234)).toBe("1,234");
    expect(formatTokens(1_234_567)).toBe("1.23M");
    expect(formatTokens(null)).toBe("–");
    expect(formatCost(0.000123, "USD")).toBe("$0.000123");
    expect(formatCost(0.0523, "USD")).toBe("$0.0523");
    expect(formatCost(12.5, "EUR")).toBe("€12.50");
    expect(formatCost(1, "CHF")).toBe("1.00 CHF");
    expect(formatCost(0, "USD")).toBe("$0");
  });

  it("start times and clipping", () => {
    const now = new Date(2026, 10, 25, 15, 0, 0).getTime();
    expect(formatStart(new Date(2026, 10, 25, 9, 5, 7).getTime() * 1000, now)).toBe("09:05:07");
    expect(formatStart(new Date(2026, 10, 24, 9, 5, 7).getTime() * 1000, now)).toBe("2026-11-24 09:05:07");
    expect(formatDayTime(new Date(2026, 11, 3, 14, 5, 59).getTime() * 1000)).toBe("3 Dec 2026 14:05");
    expect(formatDayTime(0)).toBe("–");
    expect(clip("abcdef", 3)).toBe("abc…");
    expect(clip("ab", 3)).toBe("ab");
  });

  it("formats sizes in decimal units", () => {
    expect([formatBytes(0), formatBytes(999), formatBytes(2_097_152), formatBytes(15_300_000), formatBytes(5e9), formatBytes(123_456_789_012), formatBytes(null), formatBytes(-1)]).toEqual([
      "0 B",
      "999 B",
      "2.1 MB",
      "15.3 MB",
      "5 GB",
      "123 GB",
      "–",
      "–",
    ]);
  });
});
