import { afterEach, describe, expect, it, vi } from "vitest";
import type { TraceFilter } from "../bindings";
import { ApiFailure, deleteTraces, filterQuery, getRetention, getTrace, listTraces, runRetention, setPrices, setRetention, toApiError, traceMetrics } from "./ipc";

const NONE: TraceFilter = { user_id: null, session_id: null, agent_id: null, team_id: null, workflow_id: null, run_id: null, status: null, search: null, since_us: null, until_us: null };

function respond(status: number, body: string, type = "application/json") {
  const fetchMock = vi.fn(async () => new Response(body, { status, headers: { "content-type": type } }));
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => vi.unstubAllGlobals());

describe("ipc over HTTP", () => {
  it("builds the run-list query from a filter", () => {
    expect(filterQuery(NONE)).toBe("");
    const q = filterQuery({ ...NONE, user_id: "a b", status: "ERROR", search: "x&y", since_us: 1_700_000_000_000_000.7 }, { limit: 50, cursor: null });
    expect(q).toBe("?user=a+b&status=error&search=x%26y&since_us=1700000000000000&limit=50");
  });

  it("calls the routes and returns the JSON", async () => {
    const f = respond(200, JSON.stringify({ traces: [], next_cursor: null }));
    await expect(listTraces({ ...NONE, agent_id: "demo" }, { limit: 10, cursor: "c~1" })).resolves.toEqual({ traces: [], next_cursor: null });
    expect(f).toHaveBeenCalledWith("/api/traces?agent=demo&limit=10&cursor=c%7E1", expect.objectContaining({ method: "GET" }));
    respond(200, JSON.stringify({ currency: "USD", models: [] }));
    await setPrices({ currency: "USD", models: [] });
  });

  it("calls the metrics, delete and retention routes", async () => {
    const f = respond(200, JSON.stringify({ complete: true }));
    await traceMetrics({ ...NONE, agent_id: "a", since_us: 10, until_us: 20 });
    expect(f).toHaveBeenLastCalledWith("/api/metrics?agent=a&since_us=10&until_us=20", expect.objectContaining({ method: "GET" }));
    await deleteTraces(["ab", "cd"]);
    expect(f).toHaveBeenLastCalledWith("/api/traces/delete", expect.objectContaining({ method: "POST", body: JSON.stringify({ trace_ids: ["ab", "cd"] }) }));
    await getRetention();
    expect(f).toHaveBeenLastCalledWith("/api/retention", expect.objectContaining({ method: "GET" }));
    await setRetention({ keep_days: 30, max_gb: null });
    expect(f).toHaveBeenLastCalledWith("/api/retention", expect.objectContaining({ method: "PUT", body: JSON.stringify({ keep_days: 30, max_gb: null }) }));
    await runRetention();
    expect(f).toHaveBeenLastCalledWith("/api/retention/run", expect.objectContaining({ method: "POST" }));
    respond(403, JSON.stringify({ type: "ReadOnly", data: "refusing to delete traces" }));
    await expect(deleteTraces(["ab"])).rejects.toMatchObject({ type: "ReadOnly" });
  });

  it("throws the backend's typed error", async () => {
    respond(404, JSON.stringify({ type: "NotFound", data: "trace ab" }));
    const e = await getTrace("ab").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiFailure);
    expect(e).toMatchObject({ type: "NotFound", data: "trace ab" });
  });

  it("reports a route the server does not have (HTML fallback) as Unavailable", async () => {
    respond(200, "<!doctype html>", "text/html");
    await expect(getTrace("ab")).rejects.toMatchObject({ type: "Unavailable" });
    respond(502, "bad gateway", "text/plain");
    await expect(getTrace("ab")).rejects.toMatchObject({ type: "Internal" });
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("connection refused"))));
    await expect(getTrace("ab")).rejects.toMatchObject({ type: "Unavailable" });
  });

  it("normalizes unknown errors", () => {
    expect(toApiError({ type: "ReadOnly", data: "no" }, "x")).toEqual({ type: "ReadOnly", data: "no" });
    expect(toApiError({ type: "TimedOut", data: "too slow" }, "x")).toEqual({ type: "TimedOut", data: "too slow" });
    expect(toApiError({ type: "Cancelled", data: "gone" }, "x")).toEqual({ type: "Cancelled", data: "gone" });
    expect(toApiError({ type: "Weird", data: "?" }, "fallback")).toEqual({ type: "Internal", data: "fallback" });
    expect(toApiError("text", "fallback")).toEqual({ type: "Internal", data: "text" });
  });
});
