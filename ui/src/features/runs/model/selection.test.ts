import { describe, expect, it } from "vitest";
import { runsCount, selectionBar, toggleSelected } from "./selection";

describe("run selection", () => {
  it("holds any number of runs", () => {
    let s: ReadonlySet<string> = new Set();
    for (const id of ["a", "b", "c"]) s = toggleSelected(s, id);
    expect([...s]).toEqual(["a", "b", "c"]);
    expect([...toggleSelected(s, "b")]).toEqual(["a", "c"]);
  });

  it("compares exactly two and deletes any number, never on a read-only connection", () => {
    expect(selectionBar(2, false)).toMatchObject({ text: "2 runs selected", compare: { enabled: true }, remove: { enabled: true, hint: "Delete the 2 runs selected" } });
    expect(selectionBar(3, false)).toMatchObject({ compare: { enabled: false, hint: "Select exactly two runs to compare them" }, remove: { enabled: true } });
    expect(selectionBar(1, false).text).toBe("1 run selected");
    expect(selectionBar(2, true).remove).toEqual({ enabled: false, hint: "The connection is read-only: runs cannot be deleted" });
    expect(runsCount(1234)).toBe("1,234 runs");
  });
});
