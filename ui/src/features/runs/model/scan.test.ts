import { describe, expect, it } from "vitest";
import { SCAN_BURST_MS, SCAN_TARGET_ROWS, scanLine, scanOpen, scrollMayContinue, shouldContinueScan, startBurst, type ScanState } from "./scan";

const T = 1_000_000;
const when = (us: number) => `t${us}`;
const open = (over: Partial<ScanState> = {}): ScanState => ({
  scan: { searched_back_to_us: 42, complete: false },
  nextCursor: "c1",
  rows: 3,
  burst: startBurst(T, 0),
  fetching: false,
  ...over,
});

describe("progressive search: continuing", () => {
  it("continues a fresh burst while it found fewer than the target rows", () => {
    expect(shouldContinueScan(open(), T + 100)).toBe(true);
    expect(shouldContinueScan(open({ rows: SCAN_TARGET_ROWS - 1 }), T)).toBe(true);
    expect(shouldContinueScan(open({ rows: SCAN_TARGET_ROWS }), T)).toBe(false);
  });

  it("stops after the time budget of continuous scanning", () => {
    expect(shouldContinueScan(open(), T + SCAN_BURST_MS - 1)).toBe(true);
    expect(shouldContinueScan(open(), T + SCAN_BURST_MS)).toBe(false);
  });

  it("counts the rows a Search-further burst found, not those before it", () => {
    const burst = startBurst(T + 60_000, 80);
    expect(shouldContinueScan(open({ rows: 80, burst }), T + 60_001)).toBe(true);
    expect(shouldContinueScan(open({ rows: 80 + SCAN_TARGET_ROWS, burst }), T + 60_001)).toBe(false);
  });

  it("never continues a finished, stopped, busy or plain list", () => {
    expect(shouldContinueScan(open({ scan: { searched_back_to_us: 0, complete: true } }), T)).toBe(false);
    expect(shouldContinueScan(open({ nextCursor: null }), T)).toBe(false);
    expect(shouldContinueScan(open({ burst: { ...startBurst(T, 0), stopped: true } }), T)).toBe(false);
    expect(shouldContinueScan(open({ burst: null }), T)).toBe(false);
    expect(shouldContinueScan(open({ fetching: true }), T)).toBe(false);
    expect(shouldContinueScan(open({ scan: null }), T)).toBe(false);
    expect(scanOpen(open())).toBe(true);
    expect(scanOpen(open({ scan: null }))).toBe(false);
  });
});

describe("progressive search: infinite scroll", () => {
  it("goes on in a plain list while there is a next page", () => {
    expect(scrollMayContinue({ scan: null, nextCursor: "c" }, false)).toBe(true);
    expect(scrollMayContinue({ scan: null, nextCursor: null }, true)).toBe(false);
  });

  it("goes on in a scan only after a full page, never past its end", () => {
    expect(scrollMayContinue(open(), true)).toBe(true);
    expect(scrollMayContinue(open(), false)).toBe(false);
    expect(scrollMayContinue(open({ scan: { searched_back_to_us: 0, complete: true } }), true)).toBe(false);
    expect(scrollMayContinue(open({ nextCursor: null }), true)).toBe(false);
  });
});

describe("progressive search: the line under the list", () => {
  it("says how far back it searched and offers to search further", () => {
    expect(scanLine(open({ rows: 12 }), when)).toEqual({ text: "Searched runs back to t42 — 12 matches", searchFurther: true, stop: false });
    expect(scanLine(open({ rows: 1 }), when)?.text).toBe("Searched runs back to t42 — 1 match");
    expect(scanLine(open({ rows: 0 }), when)?.text).toBe("Searched runs back to t42 — no matches yet");
  });

  it("offers Stop while a further page is on its way", () => {
    expect(scanLine(open({ rows: 12, fetching: true }), when)).toEqual({ text: "Searching older runs… back to t42 so far — 12 matches", searchFurther: false, stop: true });
  });

  it("says when everything was searched", () => {
    expect(scanLine(open({ rows: 12, scan: { searched_back_to_us: 0, complete: true }, nextCursor: null }), when)).toEqual({ text: "Searched all runs — 12 matches", searchFurther: false, stop: false });
    expect(scanLine(open({ rows: 0, scan: { searched_back_to_us: 0, complete: true } }), when)?.text).toBe("Searched all runs — no matches");
  });

  it("has no line for a list that is not a budgeted scan, and no button without a cursor", () => {
    expect(scanLine(open({ scan: null }), when)).toBeNull();
    expect(scanLine(open({ nextCursor: null }), when)?.searchFurther).toBe(false);
  });
});
