//! Cost of LLM calls from the local, editable price table (prices per million tokens). A
//! price's `model` matches a span's model exactly, or as a prefix when it ends with `*`;
//! an exact match wins, then the longest prefix. Pure: the table comes from the backend.

import type { ModelPrice, PriceTable, Span } from "../../../bindings";
import { modelName, tokenCounts } from "./messages";

export function findPrice(table: PriceTable, model: string | null): ModelPrice | null {
  if (model === null || model === "") return null;
  const m = model.toLowerCase();
  let best: ModelPrice | null = null;
  let bestLen = -1;
  for (const p of table.models) {
    const pat = p.model.trim().toLowerCase();
    if (pat === m) return p;
    if (pat.endsWith("*")) {
      const prefix = pat.slice(0, -1);
      if (m.startsWith(prefix) && prefix.length > bestLen) {
        best = p;
        bestLen = prefix.length;
      }
    }
  }
  return best;
}

export type Cost = { input: number; output: number; total: number; price: ModelPrice };

/** Cost of one call, or null when the model has no price or no token counts are known. */
export function callCost(table: PriceTable, model: string | null, promptTokens: number | null, completionTokens: number | null): Cost | null {
  const price = findPrice(table, model);
  if (price === null || (promptTokens === null && completionTokens === null)) return null;
  const input = ((promptTokens ?? 0) * price.input_per_mtok) / 1_000_000;
  const output = ((completionTokens ?? 0) * price.output_per_mtok) / 1_000_000;
  return { input, output, total: input + output, price };
}

export function spanCost(table: PriceTable, span: Span): Cost | null {
  if (span.kind !== "LLM") return null;
  const t = tokenCounts(span.attributes);
  return callCost(table, span.model ?? modelName(span.attributes), t.promptTokens, t.completionTokens);
}

export type TraceCost = { total: number; priced: number; unpriced: string[] };

/** Sum over a trace's LLM spans; lists models without a price so the UI can say so. */
export function traceCost(table: PriceTable, spans: readonly Span[]): TraceCost {
  let total = 0;
  let priced = 0;
  const unpriced = new Set<string>();
  for (const s of spans) {
    if (s.kind !== "LLM") continue;
    const c = spanCost(table, s);
    if (c !== null) {
      total += c.total;
      priced++;
    } else if (s.model !== null) unpriced.add(s.model);
  }
  return { total, priced, unpriced: [...unpriced].sort() };
}
