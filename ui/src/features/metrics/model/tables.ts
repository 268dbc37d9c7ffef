//! The Metrics page's figures and tables from merged metrics: the totals line, the rows by
//! model and by agent (error rate, p50/p95 from their merged histograms, tokens, cost), and
//! the tool lists: the slowest tools by p95 and the most failing ones by errors, then error
//! rate. Pure; percentiles come from `histogram`.

import type { ModelMetrics } from "../../../bindings";
import { quantileMs } from "./histogram";
import { addCost, type MergedMetrics } from "./merge";

export type Totals = {
  runs: number;
  errors: number;
  /** errors / runs, 0..1; null without runs. */
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  tokens: number;
  /** Cost of the priced models (USD); null when no model has a price. */
  cost: number | null;
};

export function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function totals(m: MergedMetrics): Totals {
  let runs = 0;
  let errors = 0;
  let tokens = 0;
  for (const b of m.series) {
    runs += b.runs;
    errors += b.errors;
    tokens += b.tokens;
  }
  const cost = m.by_model.reduce<number | null>((c, x) => addCost(c, x.cost_usd), null);
  return { runs, errors, errorRate: rate(errors, runs), p50: quantileMs(m.latency, m.bounds_ms, 0.5), p95: quantileMs(m.latency, m.bounds_ms, 0.95), tokens, cost };
}

export type ModelRow = ModelMetrics & { tokens: number };

/** Models by calls, most first (ties by name). */
export function modelRows(m: MergedMetrics): ModelRow[] {
  return m.by_model
    .map((x) => ({ ...x, tokens: x.prompt_tokens + x.completion_tokens }))
    .sort((a, b) => b.calls - a.calls || a.model.localeCompare(b.model));
}

export type AgentRow = {
  /** null: runs that name no agent, team or workflow. */
  agent: string | null;
  runs: number;
  errors: number;
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  tokens: number;
  cost: number | null;
};

/** Agents by runs, most first (ties by name, runs without an agent last). */
export function agentRows(m: MergedMetrics): AgentRow[] {
  return m.by_agent
    .map((a) => ({
      agent: a.agent,
      runs: a.runs,
      errors: a.errors,
      errorRate: rate(a.errors, a.runs),
      p50: quantileMs(a.latency.counts, m.bounds_ms, 0.5),
      p95: quantileMs(a.latency.counts, m.bounds_ms, 0.95),
      tokens: a.tokens,
      cost: a.cost_usd,
    }))
    .sort((a, b) => b.runs - a.runs || (a.agent === null ? 1 : b.agent === null ? -1 : a.agent.localeCompare(b.agent)));
}

export type ToolRow = { tool: string; calls: number; errors: number; errorRate: number | null; p50: number | null; p95: number | null };

function toolRows(m: MergedMetrics): ToolRow[] {
  return m.tools.map((t) => ({
    tool: t.tool,
    calls: t.calls,
    errors: t.errors,
    errorRate: rate(t.errors, t.calls),
    p50: quantileMs(t.latency.counts, m.bounds_ms, 0.5),
    p95: quantileMs(t.latency.counts, m.bounds_ms, 0.95),
  }));
}

/** The `n` slowest tools by p95 (ties: more calls first, then by name). */
export function slowestTools(m: MergedMetrics, n = 10): ToolRow[] {
  return toolRows(m)
    .filter((t) => t.p95 !== null)
    .sort((a, b) => (b.p95 ?? 0) - (a.p95 ?? 0) || b.calls - a.calls || a.tool.localeCompare(b.tool))
    .slice(0, n);
}

/** The `n` tools with the most failed calls (ties: higher error rate first, then by name). */
export function failingTools(m: MergedMetrics, n = 10): ToolRow[] {
  return toolRows(m)
    .filter((t) => t.errors > 0)
    .sort((a, b) => b.errors - a.errors || (b.errorRate ?? 0) - (a.errorRate ?? 0) || a.tool.localeCompare(b.tool))
    .slice(0, n);
}

/** 0.1234 -> "12%", 0.0123 -> "1.2%", 0.00123 -> "0.12%", 0 -> "0%", null -> "–". */
export function formatRate(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return "–";
  if (r === 0) return "0%";
  const p = r * 100;
  return `${p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toPrecision(2)}%`;
}
