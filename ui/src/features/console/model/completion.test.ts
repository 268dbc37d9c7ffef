import { describe, expect, it } from "vitest";
import { defaultSchemaOf, sqlNamespace } from "./completion";
import type { SchemaTable } from "./types";

const t = (schema: string | null, name: string, ...cols: string[]): SchemaTable => ({ schema, name, columns: cols.map((c) => ({ name: c, db_type: "TEXT" })) });

describe("schema completion", () => {
  it("nests schemas, tables and typed columns", () => {
    const ns = sqlNamespace([t("ai", "agno_traces", "trace_id", "name"), t(null, "local")]) as Record<string, unknown>;
    expect(Object.keys(ns).sort()).toEqual(["ai", "local"]);
    const traces = (ns.ai as Record<string, { self: { label: string }; children: { label: string; detail: string }[] }>).agno_traces!;
    expect(traces.self.label).toBe("agno_traces");
    expect(traces.children.map((c) => [c.label, c.detail])).toEqual([
      ["trace_id", "text"],
      ["name", "text"],
    ]);
  });

  it("completes unqualified names from the connection's schema, else the biggest", () => {
    const ts = [t("ai", "a"), t("public", "b"), t("public", "c")];
    expect(defaultSchemaOf(ts, "ai")).toBe("ai");
    expect(defaultSchemaOf(ts, "missing")).toBe("public");
    expect(defaultSchemaOf([t(null, "x")], null)).toBeUndefined();
  });
});
