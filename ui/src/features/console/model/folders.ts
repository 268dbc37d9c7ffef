//! Saved queries as a folder tree for the sidebar: the user's folders (nested with `/`) first,
//! then the built-in library, each sorted by name; a filter over name, folder, description
//! and SQL. Pure.

import type { SavedQuery } from "./types";

export type FolderGroup = { key: string; folder: string; builtin: boolean; depth: number; queries: SavedQuery[] };

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

/** Normalizes a folder path: trims parts, drops empty ones. */
export function normFolder(folder: string): string {
  return folder
    .split("/")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .join("/");
}

export function matchesQuery(q: SavedQuery, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return true;
  const hay = `${q.name}\n${q.folder}\n${q.description}\n${q.sql}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** Groups (one per folder that holds matching queries), user folders before the library. */
export function groupQueries(queries: readonly SavedQuery[], filter = ""): FolderGroup[] {
  const groups = new Map<string, FolderGroup>();
  for (const q of queries) {
    if (!matchesQuery(q, filter)) continue;
    const folder = normFolder(q.folder);
    const key = `${q.builtin ? "b" : "u"}:${folder}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { key, folder, builtin: q.builtin, depth: folder === "" ? 0 : folder.split("/").length - 1, queries: [] };
      groups.set(key, g);
    }
    g.queries.push(q);
  }
  const out = [...groups.values()];
  for (const g of out) g.queries.sort((a, b) => collator.compare(a.name, b.name));
  return out.sort((a, b) => Number(a.builtin) - Number(b.builtin) || (a.folder === "" ? -1 : b.folder === "" ? 1 : collator.compare(a.folder, b.folder)));
}

/** The distinct user folders, for the folder picker. */
export function userFolders(queries: readonly SavedQuery[]): string[] {
  return [...new Set(queries.filter((q) => !q.builtin).map((q) => normFolder(q.folder)).filter((f) => f !== ""))].sort(collator.compare);
}

/** A name not yet used in the folder: "Copy of X", "Copy of X (2)", … */
export function copyName(name: string, queries: readonly SavedQuery[], folder: string): string {
  const taken = new Set(queries.filter((q) => !q.builtin && normFolder(q.folder) === normFolder(folder)).map((q) => q.name));
  const base = `Copy of ${name}`;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} (${i})`)) return `${base} (${i})`;
}
