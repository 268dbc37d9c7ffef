import { describe, expect, it } from "vitest";
import { copyName, groupQueries, matchesQuery, normFolder, userFolders } from "./folders";
import type { SavedQuery } from "./types";

const q = (id: string, name: string, folder: string, builtin = false, sql = "SELECT 1"): SavedQuery => ({ id, name, folder, description: "", sql, builtin, updated_at: "" });

const QS = [q("1", "b", "Latency"), q("2", "a", "Latency "), q("3", "top", ""), q("4", "lib", "Errors", true, "SELECT status"), q("5", "x", "Latency/ Daily/")];

describe("saved query folders", () => {
  it("groups user folders first (top level first), library last, names sorted", () => {
    const g = groupQueries(QS);
    expect(g.map((x) => [x.builtin, x.folder, x.queries.map((y) => y.name)])).toEqual([
      [false, "", ["top"]],
      [false, "Latency", ["a", "b"]],
      [false, "Latency/Daily", ["x"]],
      [true, "Errors", ["lib"]],
    ]);
    expect(g[2]!.depth).toBe(1);
  });

  it("filters by name, folder and SQL", () => {
    expect(groupQueries(QS, "status").map((g) => g.folder)).toEqual(["Errors"]);
    expect(groupQueries(QS, "daily").flatMap((g) => g.queries.map((x) => x.id))).toEqual(["5"]);
    expect(matchesQuery(QS[0]!, "   ")).toBe(true);
  });

  it("normalizes folder paths and lists user folders", () => {
    expect(normFolder(" a / /b/ ")).toBe("a/b");
    expect(userFolders(QS)).toEqual(["Latency", "Latency/Daily"]);
  });

  it("finds a free copy name", () => {
    expect(copyName("lib", QS, "Errors")).toBe("Copy of lib");
    const taken = [...QS, q("6", "Copy of lib", "Errors"), q("7", "Copy of lib (2)", "Errors")];
    expect(copyName("lib", taken, "Errors")).toBe("Copy of lib (3)");
  });
});
