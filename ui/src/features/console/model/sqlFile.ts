//! The `.sql` file format of saved queries (the server's `library.rs` writes and reads the
//! same): each query starts with the line `-- tracedeck-query`, then `-- name:`, `-- folder:`
//! and `-- description:` lines (repeated for each line of a multi-line description), then the
//! SQL up to the next `-- tracedeck-query`. Lines before the first one are a preamble. A plain
//! `.sql` file without it imports as one query (named by its `-- name:` line or the file
//! name). The UI uses this module to preview an import, to name downloads, and to export
//! when the server cannot.

import type { SavedQuery, SavedQueryDraft } from "./types";

export const MAGIC = "-- tracedeck-query";
/** The magic line, also with a version suffix (`-- tracedeck-query v2`) from a newer writer. */
const MAGIC_LINE = /^--\s*tracedeck-query(\s+v\d+)?\s*$/i;

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ").trim();
}

/** One query as a `.sql` block. */
export function toSqlFile(q: Pick<SavedQuery, "name" | "folder" | "description" | "sql"> & { updated_at?: string }): string {
  const lines = [MAGIC, `-- name: ${oneLine(q.name)}`, `-- folder: ${oneLine(q.folder)}`];
  for (const d of q.description.split(/\r\n|\r|\n/)) if (q.description.trim() !== "") lines.push(`-- description: ${d.trimEnd()}`);
  if (q.updated_at !== undefined && q.updated_at !== "") lines.push(`-- updated: ${oneLine(q.updated_at)}`);
  return `${lines.join("\n")}\n${q.sql.trim()}\n`;
}

/** Several queries in one file, separated by a blank line. */
export function toSqlFileMany(qs: readonly Parameters<typeof toSqlFile>[0][]): string {
  return qs.map(toSqlFile).join("\n");
}

const HEADER = /^--\s*([a-z_]+)\s*:\s?(.*)$/i;
/** Header keys; any other comment starts the SQL (it may be the query's own comment). */
const KEYS = new Set(["name", "folder", "description", "updated"]);

function parseBlock(block: string[], fallbackName: string): SavedQueryDraft | null {
  const q: SavedQueryDraft = { name: "", folder: "", description: "", sql: "" };
  const desc: string[] = [];
  let i = 0;
  for (; i < block.length; i++) {
    const m = HEADER.exec(block[i]!);
    const key = m?.[1]?.toLowerCase() ?? "";
    if (m === null || !KEYS.has(key)) break;
    const value = m[2]!;
    if (key === "name") q.name = value.trim();
    else if (key === "folder") q.folder = value.trim();
    else if (key === "description") desc.push(value.trimEnd());
    // `updated` belongs to the header but the server sets it on import.
  }
  q.description = desc.join("\n").trim();
  q.sql = block.slice(i).join("\n").trim();
  if (q.sql === "") return null;
  if (q.name === "") q.name = fallbackName;
  return q;
}

/** The queries in a `.sql` file (empty blocks dropped). */
export function parseSqlFile(text: string, fileName = "Imported query"): SavedQueryDraft[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const base = fileName.replace(/\.sql$/i, "").trim() || "Imported query";
  const starts: number[] = [];
  lines.forEach((l, i) => {
    if (MAGIC_LINE.test(l.trim())) starts.push(i);
  });
  if (starts.length === 0) {
    const q = parseBlock(lines, base);
    return q === null ? [] : [q];
  }
  const out: SavedQueryDraft[] = [];
  starts.forEach((s, k) => {
    const q = parseBlock(lines.slice(s + 1, starts[k + 1] ?? lines.length), starts.length > 1 ? `${base} ${k + 1}` : base);
    if (q !== null) out.push(q);
  });
  return out;
}

/** A file name for a query: `slowest-traces.sql`. */
export function sqlFileName(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${slug || "query"}.sql`;
}
