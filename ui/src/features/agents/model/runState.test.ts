import { describe, expect, it } from "vitest";
import { IDLE, isActive, runReducer, type RunAction } from "./runState";

function fold(actions: RunAction[]) {
  return actions.reduce(runReducer, IDLE);
}

describe("agent run state", () => {
  it("folds a streamed run", () => {
    const s = fold([
      { type: "start" },
      { type: "started", runKey: "k1" },
      { type: "update", update: { type: "Started", data: { trace_id: "t1", run_id: "r1" } } },
      { type: "update", update: { type: "Delta", data: { text: "Hel" } } },
      { type: "update", update: { type: "ToolStarted", data: { call_id: "c1", name: "divide", arguments: "{}" } } },
      { type: "update", update: { type: "ToolFinished", data: { call_id: "c1", name: "divide", ok: false, output: "boom" } } },
      { type: "update", update: { type: "Delta", data: { text: "lo" } } },
    ]);
    expect(s.phase).toBe("running");
    expect(isActive(s)).toBe(true);
    expect(s.traceId).toBe("t1");
    expect(s.text).toBe("Hello");
    expect(s.tools).toEqual([{ callId: "c1", name: "divide", arguments: "{}", done: true, ok: false, output: "boom" }]);
    const done = runReducer(s, { type: "update", update: { type: "Finished", data: { status: "OK", output: "Hello", error: null, trace_id: "t1" } } });
    expect(done.phase).toBe("finished");
    expect(isActive(done)).toBe(false);
    // Late updates after the end are ignored.
    expect(runReducer(done, { type: "update", update: { type: "Delta", data: { text: "!" } } }).text).toBe("Hello");
  });

  it("reports failures and cancellation", () => {
    const s = fold([{ type: "start" }, { type: "started", runKey: "k" }, { type: "cancel" }]);
    expect(s.phase).toBe("cancelling");
    const f = runReducer(s, { type: "update", update: { type: "Finished", data: { status: "ERROR", output: null, error: "cancelled", trace_id: "t" } } });
    expect([f.phase, f.error, f.traceId]).toEqual(["failed", "cancelled", "t"]);
    expect(runReducer(IDLE, { type: "fail", error: "no such agent" }).phase).toBe("failed");
  });
});
