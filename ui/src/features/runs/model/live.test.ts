import { describe, expect, it } from "vitest";
import { EMPTY_FILTERS } from "./filters";
import { LIVE_INTERVAL_MS, liveIntervalMs, liveStep, SEARCH_LIVE_INTERVAL_MS } from "./live";

const search = { ...EMPTY_FILTERS, search: "Tokyo" };

describe("live refresh of the run list", () => {
  it("refreshes a search at most every 5 s, other lists every 500 ms", () => {
    expect(liveIntervalMs(EMPTY_FILTERS)).toBe(LIVE_INTERVAL_MS);
    expect(liveIntervalMs({ ...EMPTY_FILTERS, user: "bob" })).toBe(500);
    expect(liveIntervalMs(search)).toBe(SEARCH_LIVE_INTERVAL_MS);
    expect(liveIntervalMs({ ...EMPTY_FILTERS, search: "   " })).toBe(500);
    expect(liveStep({ filters: EMPTY_FILTERS, refreshing: false, paging: false, lastMs: 1000 }, 1200)).toEqual({ kind: "wait", ms: 300 });
    expect(liveStep({ filters: EMPTY_FILTERS, refreshing: false, paging: false, lastMs: 1000 }, 1500)).toEqual({ kind: "now" });
    // A search waits in steps of at most 500 ms, so that clearing it is seen at once.
    expect(liveStep({ filters: search, refreshing: false, paging: false, lastMs: 1000 }, 1500)).toEqual({ kind: "wait", ms: 500 });
    expect(liveStep({ filters: search, refreshing: false, paging: false, lastMs: 1000 }, 5800)).toEqual({ kind: "wait", ms: 200 });
    expect(liveStep({ filters: EMPTY_FILTERS, refreshing: false, paging: false, lastMs: 1000 }, 1500)).toEqual({ kind: "now" });
    expect(liveStep({ filters: search, refreshing: false, paging: false, lastMs: 1000 }, 6000)).toEqual({ kind: "now" });
  });

  it("never refreshes a search while a page of its scan is on its way", () => {
    expect(liveStep({ filters: search, refreshing: false, paging: true, lastMs: 0 }, 60_000)).toEqual({ kind: "later" });
    // Without a search the list keeps refreshing while it pages (as before).
    expect(liveStep({ filters: EMPTY_FILTERS, refreshing: false, paging: true, lastMs: 0 }, 60_000)).toEqual({ kind: "now" });
    expect(liveStep({ filters: EMPTY_FILTERS, refreshing: true, paging: false, lastMs: 0 }, 60_000)).toEqual({ kind: "later" });
  });
});
