import { afterEach, describe, expect, it, vi } from "vitest";
import type { QueryPage } from "../model/types";

const ipc = vi.hoisted(() => ({ runSql: vi.fn(), moreRows: vi.fn(), cancelQuery: vi.fn(async () => undefined) }));
vi.mock("../../../lib/ipc", async (orig) => ({ ...(await orig<typeof import("../../../lib/ipc")>()), ...ipc }));

const { QuerySession, MAX_ROWS } = await import("./querySession");

const page = (from: number, n: number, more: boolean, id = "q1"): QueryPage => ({
  query_id: more ? id : null,
  columns: [{ name: "n", db_type: "INT4" }],
  rows: Array.from({ length: n }, (_, i) => [from + i]),
  row_count: from + n,
  done: !more,
  rows_affected: null,
  elapsed_ms: 2,
});
const flush = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => vi.clearAllMocks());

describe("the console's query session", () => {
  it("pages through a result and frees nothing when done", async () => {
    const s = new QuerySession();
    ipc.runSql.mockResolvedValueOnce(page(0, 500, true));
    s.run("SELECT 1", 0, "pg");
    expect(s.getSnapshot().run?.status).toBe("running");
    expect(ipc.runSql).toHaveBeenCalledWith({ connection: "pg", query_id: expect.any(String), sql: "SELECT 1", limit: 500, timeout_ms: 30000 }, expect.any(AbortSignal));
    await flush();
    expect(s.getSnapshot().run).toMatchObject({ status: "paused", queryId: "q1", serverMs: 2 });
    expect(s.getSnapshot().run?.rows.length).toBe(500);
    expect(s.getSnapshot().localHistory[0]).toMatchObject({ sql: "SELECT 1", row_count: 500, error: null });
    ipc.moreRows.mockResolvedValueOnce(page(500, 10, false));
    s.more();
    expect(s.getSnapshot().run?.status).toBe("more");
    await flush();
    expect(s.getSnapshot().run).toMatchObject({ status: "done", queryId: null });
    expect(s.getSnapshot().run?.rows.length).toBe(510);
    expect(ipc.cancelQuery).not.toHaveBeenCalled();
  });

  it("cancels before the first page: aborts the request, then closes a late cursor", async () => {
    const s = new QuerySession();
    let resolve: (p: QueryPage) => void = () => undefined;
    let signal: AbortSignal | undefined;
    ipc.runSql.mockImplementationOnce((_req: unknown, sig: AbortSignal) => ((signal = sig), new Promise<QueryPage>((r) => (resolve = r))));
    s.run("SELECT pg_sleep(9)", 0, null);
    expect(s.cancel()).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(s.getSnapshot().run?.status).toBe("cancelled");
    resolve(page(0, 1, true, "late"));
    await flush();
    expect(ipc.cancelQuery).toHaveBeenCalledWith("late");
    expect(s.getSnapshot().run?.status).toBe("cancelled");
    expect(s.cancel()).toBe(false);
  });

  it("cancels a page being loaded on the server and keeps the rows", async () => {
    const s = new QuerySession();
    ipc.runSql.mockResolvedValueOnce(page(0, 500, true));
    s.run("SELECT 1", 0, null);
    await flush();
    ipc.moreRows.mockReturnValueOnce(new Promise(() => undefined));
    s.more();
    expect(s.cancel()).toBe(true);
    expect(ipc.cancelQuery).toHaveBeenCalledWith("q1");
    expect(s.getSnapshot().run).toMatchObject({ status: "cancelled", queryId: null });
    expect(s.getSnapshot().run?.rows.length).toBe(500);
  });

  it("a new statement closes the previous open cursor and ignores its answers", async () => {
    const s = new QuerySession();
    ipc.runSql.mockResolvedValueOnce(page(0, 500, true, "old"));
    s.run("SELECT 1", 0, null);
    await flush();
    ipc.runSql.mockResolvedValueOnce(page(0, 3, false));
    s.run("SELECT 2", 5, null);
    expect(ipc.cancelQuery).toHaveBeenCalledWith("old");
    await flush();
    expect(s.getSnapshot().run).toMatchObject({ sql: "SELECT 2", offset: 5, status: "done" });
    expect(s.getSnapshot().run?.rows.length).toBe(3);
  });

  it("keeps an error with the statement it belongs to", async () => {
    const s = new QuerySession();
    ipc.runSql.mockRejectedValueOnce(new Error("boom"));
    s.run("SELEC", 0, null);
    await flush();
    expect(s.getSnapshot().run).toMatchObject({ status: "error", sql: "SELEC" });
    expect(s.getSnapshot().localHistory[0]).toMatchObject({ error: "Error: boom", row_count: null });
  });

  it("stops at the row cap and frees the server's cursor", async () => {
    const s = new QuerySession();
    s.setPageSize(50_000);
    ipc.runSql.mockResolvedValueOnce(page(0, 50_000, true));
    s.run("SELECT *", 0, null);
    await flush();
    for (let at = 50_000; at < MAX_ROWS; at += 50_000) {
      ipc.moreRows.mockResolvedValueOnce(page(at, 50_000, true));
      s.more();
      await flush();
    }
    expect(s.getSnapshot().run?.rows.length).toBe(MAX_ROWS);
    expect(s.getSnapshot().run).toMatchObject({ status: "done", queryId: null });
    expect(ipc.cancelQuery).toHaveBeenCalledWith("q1");
  });
});
