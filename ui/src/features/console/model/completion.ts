//! The live schema as CodeMirror's SQL completion namespace: schemas -> tables -> columns (with
//! their database types as detail), tables without a schema at the top level, and which
//! schema to complete unqualified names from. Pure (types only from lang-sql).

import type { Completion } from "@codemirror/autocomplete";
import type { SQLNamespace } from "@codemirror/lang-sql";
import type { SchemaTable } from "./types";

function tableEntry(t: SchemaTable): SQLNamespace {
  const columns: Completion[] = t.columns.map((c) => ({ label: c.name, type: "property", detail: c.db_type.toLowerCase() }));
  return { self: { label: t.name, type: "type", detail: `${t.columns.length} columns` }, children: columns };
}

export function sqlNamespace(tables: readonly SchemaTable[]): SQLNamespace {
  const top: Record<string, SQLNamespace> = {};
  const schemas: Record<string, Record<string, SQLNamespace>> = {};
  for (const t of tables) {
    if (t.schema === null || t.schema === "") top[t.name] = tableEntry(t);
    else (schemas[t.schema] ??= {})[t.name] = tableEntry(t);
  }
  for (const [s, ts] of Object.entries(schemas)) if (!(s in top)) top[s] = ts;
  return top;
}

/** The schema whose tables complete without a prefix: the connection's, else the one holding
 *  the most tables; undefined when tables have no schema (SQLite). */
export function defaultSchemaOf(tables: readonly SchemaTable[], preferred: string | null): string | undefined {
  if (preferred !== null && tables.some((t) => t.schema === preferred)) return preferred;
  const counts = new Map<string, number>();
  for (const t of tables) if (t.schema) counts.set(t.schema, (counts.get(t.schema) ?? 0) + 1);
  let best: string | undefined;
  let n = 0;
  for (const [s, c] of counts) if (c > n) [best, n] = [s, c];
  return best;
}
