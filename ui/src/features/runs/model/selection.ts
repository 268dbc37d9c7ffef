//! The run list's selection: any number of runs (to delete), of which exactly two can be
//! compared; and what the selection bar says and allows. Pure.

export function toggleSelected(s: ReadonlySet<string>, id: string): Set<string> {
  const n = new Set(s);
  if (n.has(id)) n.delete(id);
  else n.add(id);
  return n;
}

export function runsCount(n: number): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? "run" : "runs"}`;
}

export type SelectionBar = {
  text: string;
  /** Compare needs exactly two runs; otherwise why not. */
  compare: { enabled: boolean; hint: string };
  /** Delete is refused on read-only connections; otherwise why not. */
  remove: { enabled: boolean; hint: string };
};

export function selectionBar(count: number, readOnly: boolean): SelectionBar {
  return {
    text: `${runsCount(count)} selected`,
    compare: count === 2 ? { enabled: true, hint: "Compare the two selected runs side by side" } : { enabled: false, hint: "Select exactly two runs to compare them" },
    remove: readOnly
      ? { enabled: false, hint: "The connection is read-only: runs cannot be deleted" }
      : { enabled: count > 0, hint: `Delete the ${runsCount(count)} selected` },
  };
}
