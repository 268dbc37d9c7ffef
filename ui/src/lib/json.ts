//! Small helpers over untrusted JSON values: safe parsing, typed reads, and turning flattened
//! attribute keys (`a.0.b`) back into nested values. Nothing here evaluates or renders.

import type { Value as JsonValue } from "../bindings";

export type JsonObject = { [key: string]: JsonValue };

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses text that looks like a JSON object or array; anything else is returned as is. */
export function parseMaybeJson(v: JsonValue | undefined): JsonValue | undefined {
  if (typeof v !== "string") return v;
  const t = v.trim();
  if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
    try {
      return JSON.parse(t) as JsonValue;
    } catch {
      return v;
    }
  }
  return v;
}

export function str(v: JsonValue | undefined): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return null;
}

/** An integer from a number or numeric string (token counts arrive as either). */
export function int(v: JsonValue | undefined): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Math.trunc(Number(v));
  return null;
}

/** Value at a path of keys / indices, or undefined. */
export function at(v: JsonValue | undefined, ...path: (string | number)[]): JsonValue | undefined {
  let cur: JsonValue | undefined = v;
  for (const k of path) {
    if (cur === undefined || cur === null) return undefined;
    if (Array.isArray(cur)) cur = typeof k === "number" ? cur[k] : cur[Number(k)];
    else if (typeof cur === "object") cur = cur[String(k)];
    else return undefined;
  }
  return cur;
}

/** Items of an array, or of an object keyed by indices ("0", "1", …) in numeric order. */
export function items(v: JsonValue | undefined): JsonValue[] {
  if (Array.isArray(v)) return v;
  if (!isObject(v)) return [];
  return Object.keys(v)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => v[k]!);
}

/**
 * Nests the attributes under `prefix` (e.g. "llm.input_messages."): the key
 * "llm.input_messages.0.message.role" becomes { "0": { message: { role } } }. A value that
 * already is nested (an array or object stored under the prefix itself) is merged in.
 */
export function unflatten(attrs: Record<string, JsonValue>, prefix: string): JsonObject {
  const root: JsonObject = {};
  const whole = attrs[prefix.replace(/\.$/, "")];
  if (whole !== undefined) {
    const parsed = parseMaybeJson(whole);
    if (Array.isArray(parsed)) parsed.forEach((x, i) => (root[String(i)] = x));
    else if (isObject(parsed)) Object.assign(root, parsed);
  }
  for (const [key, value] of Object.entries(attrs)) {
    if (!key.startsWith(prefix)) continue;
    const parts = key.slice(prefix.length).split(".");
    let cur: JsonObject = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      const next = cur[p];
      if (isObject(next)) cur = next;
      else {
        const created: JsonObject = {};
        cur[p] = created;
        cur = created;
      }
    }
    cur[parts[parts.length - 1]!] = value;
  }
  return root;
}

/** Pretty JSON text for display and copying. */
export function pretty(v: JsonValue | undefined): string {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  return JSON.stringify(v, null, 2);
}
