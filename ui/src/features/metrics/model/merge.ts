//! Merging the chunks of one metrics scan. The server answers the newest part of the asked
//! range it could read in its budget; the client asks again from `next_until_us` and adds the
//! answers up: counts, tokens and costs per time bucket, model, agent and tool, latency
//! histograms element-wise. Later chunks cover a shorter remaining range, for which the server
//! may pick finer time buckets (minutes instead of hours): those are folded into the coarsest
//! width seen, whose buckets (UTC-aligned minutes, hours, days) contain them exactly. Pure;
//! fetching is left to `components/useMetrics`.

import type { AgentMetrics, Metrics, MetricsBucket, MetricsSource, ModelMetrics, ToolMetrics } from "../../../bindings";
import { addCounts } from "./histogram";

/** Everything read so far for one filter and range. */
export type MergedMetrics = {
  /** The time covered so far (µs): `[from_us, to_us)`. */
  from_us: number;
  to_us: number;
  /** The last chunk said the whole range is covered. */
  complete: boolean;
  /** Where the next chunk starts (its `until_us`), while not complete. */
  next_until_us: number | null;
  source: MetricsSource | null;
  /** Width of `series` buckets (µs), the coarsest of the chunks. */
  bucket_us: number;
  /** By bucket start, oldest first. */
  series: MetricsBucket[];
  latency: number[];
  by_model: ModelMetrics[];
  by_agent: AgentMetrics[];
  tools: ToolMetrics[];
  bounds_ms: (number | null)[];
  chunks: number;
};

export function addCost(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

function floorTo(us: number, width: number): number {
  return width > 0 ? Math.floor(us / width) * width : us;
}

function addBucket(a: MetricsBucket, b: MetricsBucket): MetricsBucket {
  return { start_us: a.start_us, runs: a.runs + b.runs, errors: a.errors + b.errors, tokens: a.tokens + b.tokens, latency: { counts: addCounts(a.latency.counts, b.latency.counts) } };
}

/** `series` folded into buckets of `width`, oldest first. */
export function rebucket(series: readonly MetricsBucket[], width: number): MetricsBucket[] {
  const by = new Map<number, MetricsBucket>();
  for (const b of series) {
    const start = floorTo(b.start_us, width);
    const prev = by.get(start);
    const moved = { ...b, start_us: start };
    by.set(start, prev === undefined ? moved : addBucket(prev, moved));
  }
  return [...by.values()].sort((x, y) => x.start_us - y.start_us);
}

/** Adds up rows with the same key; `add` combines two rows of one key. */
function mergeBy<T>(a: readonly T[], b: readonly T[], key: (t: T) => string, add: (x: T, y: T) => T): T[] {
  const by = new Map<string, T>();
  for (const t of [...a, ...b]) {
    const k = key(t);
    const prev = by.get(k);
    by.set(k, prev === undefined ? t : add(prev, t));
  }
  return [...by.values()];
}

/** Agents are keyed by id; runs without one (`null`) form their own row. */
const agentKey = (a: AgentMetrics) => (a.agent === null ? "\u0000none" : `=${a.agent}`);

/** The first answer of a scan as merged metrics. */
export function fromChunk(m: Metrics): MergedMetrics {
  return {
    from_us: m.from_us,
    to_us: m.to_us,
    complete: m.complete,
    next_until_us: m.complete ? null : m.next_until_us,
    source: m.source ?? null,
    bucket_us: m.bucket_us,
    series: rebucket(m.series, m.bucket_us),
    latency: [...m.latency.counts],
    by_model: [...m.by_model],
    by_agent: [...m.by_agent],
    tools: [...m.tools],
    bounds_ms: m.bounds_ms,
    chunks: 1,
  };
}

/** Adds the next (older) chunk `m` into `acc`; returns a new value, `acc` is not changed. */
export function mergeChunk(acc: MergedMetrics | null, m: Metrics): MergedMetrics {
  if (acc === null) return fromChunk(m);
  const width = Math.max(acc.bucket_us, m.bucket_us);
  const series = rebucket([...acc.series, ...m.series], width);
  return {
    from_us: Math.min(acc.from_us, m.from_us),
    to_us: Math.max(acc.to_us, m.to_us),
    complete: m.complete,
    next_until_us: m.complete ? null : m.next_until_us,
    source: acc.source === m.source ? acc.source : (acc.source ?? m.source ?? null),
    bucket_us: width,
    series,
    latency: addCounts(acc.latency, m.latency.counts),
    by_model: mergeBy(acc.by_model, m.by_model, (x) => x.model, (x, y) => ({
      model: x.model,
      calls: x.calls + y.calls,
      errors: x.errors + y.errors,
      prompt_tokens: x.prompt_tokens + y.prompt_tokens,
      completion_tokens: x.completion_tokens + y.completion_tokens,
      cost_usd: addCost(x.cost_usd, y.cost_usd),
    })),
    by_agent: mergeBy(acc.by_agent, m.by_agent, agentKey, (x, y) => ({
      agent: x.agent,
      runs: x.runs + y.runs,
      errors: x.errors + y.errors,
      tokens: x.tokens + y.tokens,
      cost_usd: addCost(x.cost_usd, y.cost_usd),
      latency: { counts: addCounts(x.latency.counts, y.latency.counts) },
    })),
    tools: mergeBy(acc.tools, m.tools, (x) => x.tool, (x, y) => ({
      tool: x.tool,
      calls: x.calls + y.calls,
      errors: x.errors + y.errors,
      latency: { counts: addCounts(x.latency.counts, y.latency.counts) },
    })),
    bounds_ms: acc.bounds_ms.length >= m.bounds_ms.length ? acc.bounds_ms : m.bounds_ms,
    chunks: acc.chunks + 1,
  };
}
