import { afterEach, describe, expect, it, vi } from "vitest";
import type { TraceFilter } from "../bindings";
import { ApiFailure, isCancelled } from "./apiError";
import { abandonPreviousRequests, getTrace, listTraces, suggest, traceStats } from "./ipc";
import { cancellable, type Result } from "./tauriTransport";

// The generated commands, faked: each returns a promise the test settles (or never does).
const fake = vi.hoisted(() => ({
  listTraces: vi.fn(),
  getTrace: vi.fn(),
  suggest: vi.fn(),
  traceStats: vi.fn(),
  cancelRequest: vi.fn(async (_id: string) => undefined),
  abandonRequests: vi.fn(async () => 0),
}));
vi.mock("../bindings", async (original) => ({ ...(await original<typeof import("../bindings")>()), commands: fake }));

const NONE: TraceFilter = { user_id: null, session_id: null, agent_id: null, team_id: null, workflow_id: null, run_id: null, status: null, search: null, since_us: null, until_us: null };
const PAGE = { traces: [], next_cursor: null };

/** A fetch that answers after `ms`, and rejects with an AbortError as soon as its signal aborts. */
function slowFetch(body: unknown, ms = 1000) {
  const f = vi.fn(
    (_url: string, init?: RequestInit) =>
      new Promise<Response>((resolve, reject) => {
        const signal = init?.signal ?? null;
        const t = setTimeout(() => resolve(new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } })), ms);
        if (signal?.aborted === true) reject(new DOMException("The operation was aborted.", "AbortError"));
        signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(new DOMException("The operation was aborted.", "AbortError"));
        });
      }),
  );
  vi.stubGlobal("fetch", f);
  return f;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe("abandoning a read over HTTP", () => {
  it("passes the signal to fetch and rejects with Cancelled when it aborts", async () => {
    const f = slowFetch(PAGE);
    const ctl = new AbortController();
    const p = listTraces(NONE, { limit: 50, cursor: null }, { signal: ctl.signal });
    expect(f.mock.calls[0]![1]!.signal).toBe(ctl.signal);
    ctl.abort();
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiFailure);
    expect(e).toMatchObject({ type: "Cancelled" });
    expect(isCancelled(e)).toBe(true);
  });

  it("rejects at once when the signal had already aborted", async () => {
    slowFetch(PAGE);
    const ctl = new AbortController();
    ctl.abort();
    await expect(getTrace("ab", { signal: ctl.signal })).rejects.toMatchObject({ type: "Cancelled" });
  });

  it("rejects with Cancelled even when the answer arrived as the signal aborted", async () => {
    const ctl = new AbortController();
    // The body is read after the abort: a late success must not reach a caller that moved on.
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        ctl.abort();
        return new Response(JSON.stringify([]), { status: 200, headers: { "content-type": "application/json" } });
      }),
    );
    await expect(traceStats("user", NONE, { signal: ctl.signal })).rejects.toMatchObject({ type: "Cancelled" });
  });

  it("leaves requests without a signal, and failures before an abort, as they were", async () => {
    slowFetch(PAGE, 1);
    await expect(listTraces(NONE, { limit: 1, cursor: null })).resolves.toEqual(PAGE);
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ type: "TimedOut", data: "run list took longer than its 5 s budget" }), { status: 504, headers: { "content-type": "application/json" } })));
    await expect(listTraces(NONE, { limit: 1, cursor: null }, { signal: new AbortController().signal })).rejects.toMatchObject({ type: "TimedOut" });
  });

  it("asks /api/suggest for one field and prefix", async () => {
    const f = slowFetch([{ value: "alice", recent_runs: 3 }], 1);
    await expect(suggest("user", "al ice&")).resolves.toEqual([{ value: "alice", recent_runs: 3 }]);
    expect(f.mock.calls[0]![0]).toBe("/api/suggest?field=user&prefix=al+ice%26");
  });
});

describe("cancellable Tauri reads (pure)", () => {
  const deps = () => ({ cancel: vi.fn(async (_id: string) => undefined), newId: vi.fn(() => "req-1") });

  it("sends a fresh id, resolves with the data, and cancels nothing", async () => {
    const d = deps();
    const call = vi.fn(async (_id: string): Promise<Result<number, never>> => ({ status: "ok", data: 7 }));
    await expect(cancellable(call, undefined, d)).resolves.toBe(7);
    expect(call).toHaveBeenCalledWith("req-1");
    expect(d.cancel).not.toHaveBeenCalled();
  });

  it("on abort cancels that id in the backend and rejects at once", async () => {
    const d = deps();
    const ctl = new AbortController();
    const p = cancellable(() => new Promise<never>(() => undefined), ctl.signal, d);
    ctl.abort();
    await expect(p).rejects.toMatchObject({ type: "Cancelled" });
    expect(d.cancel).toHaveBeenCalledWith("req-1");
  });

  it("never calls the backend for a signal that had already aborted", async () => {
    const d = deps();
    const ctl = new AbortController();
    ctl.abort();
    const call = vi.fn();
    await expect(cancellable(call, ctl.signal, d)).rejects.toMatchObject({ type: "Cancelled" });
    expect(call).not.toHaveBeenCalled();
  });

  it("turns the backend's errors into ApiFailures, and a late answer after an abort into Cancelled", async () => {
    const d = deps();
    await expect(cancellable(async () => ({ status: "error" as const, error: { type: "TimedOut" as const, data: "slow" } }), undefined, d)).rejects.toMatchObject({ type: "TimedOut", data: "slow" });
    const ctl = new AbortController();
    let answer: (r: Result<number, never>) => void = () => undefined;
    const p = cancellable(() => new Promise<Result<number, never>>((r) => (answer = r)), ctl.signal, d);
    ctl.abort();
    answer({ status: "ok", data: 1 });
    await expect(p).rejects.toMatchObject({ type: "Cancelled" });
  });
});

describe("ipc in the desktop app (commands faked)", () => {
  const tauri = () => vi.stubGlobal("window", { __TAURI_INTERNALS__: {} });

  it("gives every read a request id and cancels that id when its signal aborts", async () => {
    tauri();
    fake.listTraces.mockReturnValue(new Promise(() => undefined));
    const ctl = new AbortController();
    const p = listTraces(NONE, { limit: 50, cursor: null }, { signal: ctl.signal });
    const id = fake.listTraces.mock.calls[0]![2] as string;
    expect(typeof id).toBe("string");
    expect(id.length).toBeGreaterThan(8);
    ctl.abort();
    await expect(p).rejects.toMatchObject({ type: "Cancelled" });
    expect(fake.cancelRequest).toHaveBeenCalledWith(id);
  });

  it("uses a new id per request, and the suggest command for suggestions", async () => {
    tauri();
    fake.getTrace.mockResolvedValue({ status: "ok", data: { trace: {}, spans: [], tree: {} } });
    fake.suggest.mockResolvedValue({ status: "ok", data: [{ value: "bob", recent_runs: 1 }] });
    await getTrace("ab");
    await getTrace("ab");
    const [a, b] = fake.getTrace.mock.calls.map((c) => c[1] as string);
    expect(a).not.toBe(b);
    await expect(suggest("session", "s")).resolves.toEqual([{ value: "bob", recent_runs: 1 }]);
    expect(fake.suggest).toHaveBeenCalledWith("session", "s", expect.any(String));
    expect(fake.cancelRequest).not.toHaveBeenCalled();
  });

  it("abandons the previous page's requests at startup (desktop only)", async () => {
    await abandonPreviousRequests();
    expect(fake.abandonRequests).not.toHaveBeenCalled();
    tauri();
    await abandonPreviousRequests();
    expect(fake.abandonRequests).toHaveBeenCalledTimes(1);
    fake.abandonRequests.mockRejectedValueOnce(new Error("command abandon_requests not found"));
    await expect(abandonPreviousRequests()).resolves.toBeUndefined();
  });
});
