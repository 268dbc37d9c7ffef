//! Query history helpers: searching entries (every word must appear in the SQL or the error,
//! `is:error` / `is:ok` filter by outcome), newest first, and a one-line preview of a
//! statement. The server also filters by `search`; doing it here too keeps typing instant.

import type { HistoryEntry } from "./types";

export type HistoryQuery = { words: string[]; outcome: "any" | "error" | "ok" };

export function parseHistoryQuery(q: string): HistoryQuery {
  let outcome: HistoryQuery["outcome"] = "any";
  const words: string[] = [];
  for (const raw of q.toLowerCase().split(/\s+/)) {
    if (raw === "") continue;
    if (raw === "is:error" || raw === "is:failed") outcome = "error";
    else if (raw === "is:ok") outcome = "ok";
    else words.push(raw);
  }
  return { words, outcome };
}

/** Entries matching `q`, newest first (ties keep their order). */
export function searchHistory(entries: readonly HistoryEntry[], q: string): HistoryEntry[] {
  const { words, outcome } = parseHistoryQuery(q);
  const hits = entries.filter((e) => {
    if (outcome === "error" && e.error === null) return false;
    if (outcome === "ok" && e.error !== null) return false;
    if (words.length === 0) return true;
    const hay = `${e.sql}\n${e.error ?? ""}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  return hits
    .map((e, i) => ({ e, i, t: Date.parse(e.ran_at) }))
    .sort((a, b) => (Number.isNaN(b.t) ? -Infinity : b.t) - (Number.isNaN(a.t) ? -Infinity : a.t) || a.i - b.i)
    .map((x) => x.e);
}

/** The statement on one line, comments dropped, clipped to `max` characters. */
export function sqlPreview(sql: string, max = 140): string {
  const flat = sql
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/--[^\n]*/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
