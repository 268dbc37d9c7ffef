import { describe, expect, it } from "vitest";
import { describeDeleted, describeLastRun, describeSettings, parseDraft, sameSettings, toDraft } from "./retention";

describe("retention form", () => {
  it("round-trips settings through the draft, each limit optional", () => {
    for (const s of [
      { keep_days: 30, max_gb: null },
      { keep_days: null, max_gb: 2.5 },
      { keep_days: null, max_gb: null },
      { keep_days: 7, max_gb: 10 },
    ]) {
      expect(parseDraft(toDraft(s))).toEqual(s);
    }
    // A limit that is off still offers a sensible value when turned on.
    expect(toDraft({ keep_days: null, max_gb: null })).toEqual({ keepOn: false, keepDays: "30", sizeOn: false, maxGb: "5" });
  });

  it("refuses what the backend refuses", () => {
    const d = toDraft({ keep_days: 30, max_gb: 1 });
    expect(parseDraft({ ...d, keepDays: "0" })).toMatch(/at least 1 day/);
    expect(parseDraft({ ...d, keepDays: "1.5" })).toMatch(/whole number/);
    expect(parseDraft({ ...d, keepDays: "" })).toMatch(/at least 1 day/);
    expect(parseDraft({ ...d, maxGb: "0" })).toMatch(/more than 0 GB/);
    expect(parseDraft({ ...d, maxGb: "-2" })).toMatch(/more than 0 GB/);
    expect(parseDraft({ ...d, maxGb: "lots" })).toMatch(/more than 0 GB/);
    // A limit that is off is not validated.
    expect(parseDraft({ ...d, keepOn: false, keepDays: "0" })).toEqual({ keep_days: null, max_gb: 1 });
    expect(sameSettings({ keep_days: 1, max_gb: null }, { keep_days: 1, max_gb: null })).toBe(true);
    expect(sameSettings({ keep_days: 1, max_gb: null }, { keep_days: 2, max_gb: null })).toBe(false);
  });

  it("describes settings, deletions and the last run", () => {
    expect(describeSettings({ keep_days: null, max_gb: null })).toBe("No limit: nothing is deleted automatically.");
    expect(describeSettings({ keep_days: 1, max_gb: 2 })).toBe("Runs older than 1 day are deleted; the oldest runs are deleted while the trace tables take more than 2 GB.");
    expect(describeDeleted({ traces: 0, spans: 0 })).toBe("Nothing to delete.");
    expect(describeDeleted({ traces: 2, spans: 1234 })).toBe("Deleted 2 runs (1,234 spans).");
    expect(describeLastRun(null)).toBe("Not run yet.");
    expect(describeLastRun({ at: "yesterday", deleted_traces: 1, deleted_spans: 4, error: null })).toBe("yesterday: deleted 1 run (4 spans).");
    expect(describeLastRun({ at: "2026-12-07T10:00:00Z", deleted_traces: 0, deleted_spans: 0, error: "locked" })).toMatch(/^\d{1,2} Dec 2026 \d\d:\d\d: failed \(locked\)\.$/);
  });
});
