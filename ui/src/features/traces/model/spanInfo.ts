//! Everything the span detail panel reads from a span besides LLM messages: tool arguments
//! and result, generic input/output, exceptions (span events plus the status message), the
//! flat attribute table with its filter, and the span's JSON for copying.

import type { Value as JsonValue, Span } from "../../../bindings";
import { at, isObject, items, parseMaybeJson, str, unflatten } from "../../../lib/json";

export const EVENTS_KEY = "tracedeck.events";

export type ToolInfo = {
  name: string;
  description: string | null;
  arguments: JsonValue | undefined;
  result: JsonValue | undefined;
};

export function parseTool(span: Span): ToolInfo {
  const a = span.attributes;
  return {
    name: str(a["tool.name"]) ?? str(a["gen_ai.tool.name"]) ?? span.name,
    description: str(a["tool.description"]) ?? str(a["gen_ai.tool.description"]),
    arguments: parseMaybeJson(a["tool.parameters"] ?? a["gen_ai.tool.call.arguments"] ?? a["input.value"]),
    result: parseMaybeJson(a["output.value"] ?? a["gen_ai.tool.call.result"]),
  };
}

export type InputOutput = { input: JsonValue | undefined; output: JsonValue | undefined };

export function parseInputOutput(span: Span): InputOutput {
  return {
    input: parseMaybeJson(span.attributes["input.value"]),
    output: parseMaybeJson(span.attributes["output.value"]),
  };
}

export type RetrievedDoc = { id: string | null; score: number | null; content: string | null; metadata: JsonValue | undefined };

/** Documents a retrieval span returned (OpenInference `retrieval.documents.N.document.*`). */
export function parseRetrieval(span: Span): RetrievedDoc[] {
  return items(unflatten(span.attributes, "retrieval.documents.")).map((d) => {
    const doc = isObject(d) && isObject(d["document"]) ? d["document"] : d;
    const score = at(doc, "score");
    return {
      id: str(at(doc, "id")),
      score: typeof score === "number" ? score : score !== undefined && Number.isFinite(Number(score)) ? Number(score) : null,
      content: str(at(doc, "content")),
      metadata: parseMaybeJson(at(doc, "metadata")),
    };
  });
}

export type ExceptionInfo = {
  type: string | null;
  message: string | null;
  stacktrace: string | null;
  time: string | null;
};

/** Exceptions recorded as span events, or the error status message when there are none. */
export function parseExceptions(span: Span): ExceptionInfo[] {
  const out: ExceptionInfo[] = [];
  for (const e of items(span.attributes[EVENTS_KEY])) {
    const attrs = at(e, "attributes");
    const name = str(at(e, "name"));
    const isException =
      name === "exception" || (isObject(attrs) && Object.keys(attrs).some((k) => k.startsWith("exception.")));
    if (!isException) continue;
    out.push({
      type: str(at(attrs, "exception.type")),
      message: str(at(attrs, "exception.message")),
      stacktrace: str(at(attrs, "exception.stacktrace")),
      time: str(at(e, "time")),
    });
  }
  if (out.length === 0 && span.status_code === "ERROR") {
    out.push({ type: null, message: span.status_message ?? "The span ended with an error status.", stacktrace: null, time: null });
  }
  return out;
}

export type AttributeRow = { key: string; value: string };

export function attributeRows(attrs: Record<string, JsonValue>): AttributeRow[] {
  return Object.keys(attrs)
    .sort()
    .map((key) => {
      const v = attrs[key];
      return { key, value: typeof v === "string" ? v : JSON.stringify(v) };
    });
}

export function filterAttributes(rows: readonly AttributeRow[], query: string): AttributeRow[] {
  const q = query.trim().toLowerCase();
  if (q === "") return [...rows];
  return rows.filter((r) => r.key.toLowerCase().includes(q) || r.value.toLowerCase().includes(q));
}

export function spanJson(span: Span): string {
  return JSON.stringify(span, null, 2);
}
