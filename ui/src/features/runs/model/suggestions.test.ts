import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Suggestion } from "../../../bindings";
import { SUGGEST_DEBOUNCE_MS, SuggestionLoader, type SuggestFieldKey } from "./suggestions";

type Call = { field: SuggestFieldKey; prefix: string; signal: AbortSignal; resolve: (s: Suggestion[]) => void };

function setup() {
  const calls: Call[] = [];
  const fetch = vi.fn(
    (field: SuggestFieldKey, prefix: string, signal: AbortSignal) =>
      new Promise<Suggestion[]>((resolve, reject) => {
        calls.push({ field, prefix, signal, resolve });
        signal.addEventListener("abort", () => reject(new Error("aborted")));
      }),
  );
  const shown: [SuggestFieldKey, string[]][] = [];
  const loader = new SuggestionLoader(fetch, (f, v) => shown.push([f, v]));
  return { calls, fetch, shown, loader };
}

const vals = (...v: string[]) => v.map((value) => ({ value, recent_runs: 1 }));
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("filter suggestions", () => {
  it("loads a field's suggestions as soon as it gets focus", async () => {
    const { calls, shown, loader } = setup();
    loader.focus("user", "");
    expect(calls.map((c) => [c.field, c.prefix])).toEqual([["user", ""]]);
    calls[0]!.resolve(vals("alice", "bob"));
    await settle();
    expect(shown).toEqual([["user", ["alice", "bob"]]]);
  });

  it("waits for a pause in typing and asks once for the last prefix", async () => {
    const { calls, loader } = setup();
    loader.input("user", "a");
    await vi.advanceTimersByTimeAsync(SUGGEST_DEBOUNCE_MS - 10);
    loader.input("user", "al");
    await vi.advanceTimersByTimeAsync(SUGGEST_DEBOUNCE_MS - 10);
    loader.input("user", " ali ");
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(SUGGEST_DEBOUNCE_MS);
    expect(calls.map((c) => c.prefix)).toEqual(["ali"]);
  });

  it("aborts the request in flight when a newer one starts, and drops its late answer", async () => {
    const { calls, shown, loader } = setup();
    loader.focus("user", "");
    loader.input("user", "b");
    await vi.advanceTimersByTimeAsync(SUGGEST_DEBOUNCE_MS);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[1]!.signal.aborted).toBe(false);
    calls[0]!.resolve(vals("alice"));
    calls[1]!.resolve(vals("bob"));
    await settle();
    expect(shown).toEqual([["user", ["bob"]]]);
  });

  it("moving to another field aborts the first field's request", async () => {
    const { calls, loader } = setup();
    loader.focus("user", "");
    loader.focus("agent", "w");
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[1]).toMatchObject({ field: "agent", prefix: "w" });
  });

  it("remembers answers per field and prefix, and does not ask twice for the same one", async () => {
    const { calls, shown, loader } = setup();
    loader.focus("session", "s");
    loader.focus("session", "s ");
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(vals("s-1"));
    await settle();
    loader.focus("session", "s");
    expect(calls).toHaveLength(1);
    expect(shown).toEqual([
      ["session", ["s-1"]],
      ["session", ["s-1"]],
    ]);
  });

  it("ignores failures, and loads nothing after dispose", async () => {
    const { calls, fetch, shown, loader } = setup();
    fetch.mockImplementationOnce(async () => Promise.reject(new Error("boom")));
    loader.focus("team", "");
    await settle();
    expect(shown).toEqual([]);
    loader.input("team", "t");
    loader.dispose();
    await vi.advanceTimersByTimeAsync(SUGGEST_DEBOUNCE_MS * 2);
    loader.focus("team", "x");
    expect(calls).toHaveLength(0);
  });

  it("dispose aborts the request in flight", () => {
    const { calls, loader } = setup();
    loader.focus("user", "");
    loader.dispose();
    expect(calls[0]!.signal.aborted).toBe(true);
  });
});
