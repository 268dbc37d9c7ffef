import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiFailure, isMissingRoute, toApiError } from "./apiError";
import { cancelQuery, exportQuery, getSchema, listHistory, moreRows, runSql, saveConnection, saveQuery } from "./ipc";

function respond(status: number, body: string, type = "application/json") {
  const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => new Response(status === 204 ? null : body, { status, headers: { "content-type": type } }));
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => vi.unstubAllGlobals());

const PAGE = { query_id: "q1", columns: [{ name: "n", db_type: "INT4" }], rows: [[1]], row_count: 1, done: false, rows_affected: null, elapsed_ms: 3 };

describe("console over HTTP", () => {
  it("runs SQL and pages through the result", async () => {
    const f = respond(200, JSON.stringify(PAGE));
    await expect(runSql({ connection: "pg", query_id: null, sql: "SELECT 1", limit: 500, timeout_ms: null })).resolves.toEqual(PAGE);
    expect(f.mock.calls[0]![0]).toBe("/api/sql");
    expect(JSON.parse(String(f.mock.calls[0]![1]!.body))).toEqual({ connection: "pg", query_id: null, sql: "SELECT 1", limit: 500, timeout_ms: null });
    await moreRows("q/1", 50);
    expect(f.mock.calls[1]![0]).toBe("/api/sql/q%2F1/more");
    respond(204, "");
    await expect(cancelQuery("q1")).resolves.toBeUndefined();
  });

  it("throws SQL errors with their position", async () => {
    respond(400, JSON.stringify({ type: "Sql", data: { message: 'syntax error at or near "FORM"', position: 10, code: "42601" } }));
    const e = await runSql({ connection: null, query_id: null, sql: "SELECT * FORM t", limit: 500, timeout_ms: null }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiFailure);
    expect(e).toMatchObject({ type: "Sql", data: 'syntax error at or near "FORM"', sql: { position: 10, code: "42601" } });
  });

  it("accepts the plain variant with a richer field too", () => {
    expect(toApiError({ type: "BadRequest", data: "bad", sql: { message: "bad", position: 3, code: null } }, "x")).toEqual({ type: "Sql", data: { message: "bad", position: 3, code: null } });
    expect(toApiError({ type: "BadRequest", data: "near x", position: 7 }, "x")).toEqual({ type: "Sql", data: { message: "near x", position: 7, code: null } });
    expect(toApiError({ type: "Sql", data: "just text" }, "x")).toEqual({ type: "Sql", data: { message: "just text", position: null, code: null } });
    expect(toApiError({ type: "BadRequest", data: "plain" }, "x")).toEqual({ type: "BadRequest", data: "plain" });
  });

  it("recognizes an older server without the routes", async () => {
    respond(404, JSON.stringify({ type: "NotFound", data: "no such route: GET /api/connections" }));
    expect(isMissingRoute(await getSchema(null).catch((x: unknown) => x))).toBe(true);
    respond(200, "<!doctype html>", "text/html");
    expect(isMissingRoute(await exportQuery("a").catch((x: unknown) => x))).toBe(true);
    respond(404, JSON.stringify({ type: "NotFound", data: "connection x" }));
    expect(isMissingRoute(await getSchema("x").catch((x: unknown) => x))).toBe(false);
  });

  it("creates with POST and updates with PUT", async () => {
    const f = respond(200, "{}");
    const draft = { name: "n", url: "postgres://u@h/db", schema: null, traces_table: null, spans_table: null, env: "dev" as const, read_only: true, password: null };
    await saveConnection(null, draft);
    await saveConnection("c 1", draft);
    await saveQuery(null, { name: "a", folder: "", description: "", sql: "SELECT 1" });
    await saveQuery("q1", { name: "a", folder: "", description: "", sql: "SELECT 1" });
    expect(f.mock.calls.map((c) => [c[1]!.method, c[0]])).toEqual([
      ["POST", "/api/connections"],
      ["PUT", "/api/connections/c%201"],
      ["POST", "/api/queries"],
      ["PUT", "/api/queries/q1"],
    ]);
  });

  it("reads the export as text and the history with its filters", async () => {
    respond(200, "-- tracedeck-query v1\nSELECT 1\n", "text/plain; charset=utf-8");
    await expect(exportQuery("q1")).resolves.toContain("SELECT 1");
    const f = respond(200, "[]");
    await listHistory("pg", "agno traces", 50);
    expect(f.mock.calls[0]![0]).toBe("/api/history?connection=pg&search=agno+traces&limit=50");
  });
});
