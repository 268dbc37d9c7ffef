//! What the Metrics page's charts draw, computed purely: one slot per time bucket of the range
//! (empty buckets included, so gaps read as zero runs, not as missing bars), the per-slot
//! values of each chart (runs and errors, error rate, p50/p95 latency, tokens), linear scales
//! with round value ticks, time ticks on round local times, and SVG path data for lines with
//! gaps where a bucket has no runs. The SVG elements themselves are left to `TimeChart`.

import type { MetricsBucket } from "../../../bindings";
import { quantileMs } from "./histogram";
import type { MergedMetrics } from "./merge";
import type { MetricsRange } from "./progress";

/** More slots than this are not filled in (only buckets with data are drawn). */
export const MAX_SLOTS = 2000;

export type Slot = { start_us: number; bucket: MetricsBucket | null };

const floorTo = (us: number, w: number) => Math.floor(us / w) * w;

/** One slot per bucket from the range's start (all time: the oldest bucket) to its end. */
export function timeSlots(m: MergedMetrics, range: MetricsRange): Slot[] {
  const w = m.bucket_us;
  const by = new Map(m.series.map((b) => [b.start_us, b]));
  if (w <= 0) return m.series.map((b) => ({ start_us: b.start_us, bucket: b }));
  const oldest = m.series[0]?.start_us ?? m.from_us;
  const first = floorTo(range.since_us ?? Math.min(oldest, m.from_us), w);
  const last = floorTo(Math.max(first, range.until_us - 1), w);
  if ((last - first) / w + 1 > MAX_SLOTS) return m.series.map((b) => ({ start_us: b.start_us, bucket: b }));
  const out: Slot[] = [];
  for (let s = first; s <= last; s += w) out.push({ start_us: s, bucket: by.get(s) ?? null });
  return out;
}

export type SlotValues = {
  runs: number[];
  errors: number[];
  /** Runs without errors (the lower part of the stacked bars). */
  ok: number[];
  /** 0..100; null where a bucket has no runs. */
  errorRate: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  tokens: number[];
};

export function slotValues(slots: readonly Slot[], bounds: readonly (number | null)[]): SlotValues {
  const v: SlotValues = { runs: [], errors: [], ok: [], errorRate: [], p50: [], p95: [], tokens: [] };
  for (const { bucket: b } of slots) {
    const runs = b?.runs ?? 0;
    const errors = b?.errors ?? 0;
    v.runs.push(runs);
    v.errors.push(errors);
    v.ok.push(Math.max(0, runs - errors));
    v.errorRate.push(runs > 0 ? (errors / runs) * 100 : null);
    v.p50.push(b === null ? null : quantileMs(b.latency.counts, bounds, 0.5));
    v.p95.push(b === null ? null : quantileMs(b.latency.counts, bounds, 0.95));
    v.tokens.push(b?.tokens ?? 0);
  }
  return v;
}

/** Maps `[d0, d1]` onto `[r0, r1]` (the middle of the range when the domain is a point). */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** Round ticks from 0 to at least `max` (about `count` of them); the last is the axis top. */
export function valueTicks(max: number, count = 4): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let t = 0; t < max + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  if ((out[out.length - 1] ?? 0) < max) out.push(Number((out.length * step).toPrecision(12)));
  return out;
}

/** The largest value, ignoring nulls (0 when there is none). */
export function maxOf(...series: readonly (readonly (number | null)[])[]): number {
  let m = 0;
  for (const s of series) for (const v of s) if (v !== null && v > m) m = v;
  return m;
}

const MIN = 60_000_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEPS = [MIN, 5 * MIN, 15 * MIN, 30 * MIN, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY];

/**
 * Time ticks in `[fromUs, toUs]` at a round step (at most `maxTicks` of them), on round local
 * times: `tzOffsetMin` is `Date#getTimezoneOffset()` (minutes behind UTC).
 */
export function timeTicks(fromUs: number, toUs: number, maxTicks: number, tzOffsetMin = 0): { step: number; ticks: number[] } {
  const span = Math.max(1, toUs - fromUs);
  const step = STEPS.find((s) => span / s <= Math.max(1, maxTicks)) ?? STEPS[STEPS.length - 1]!;
  const shift = -tzOffsetMin * MIN;
  const ticks: number[] = [];
  // Round in local time: shift to local, floor to the step, shift back.
  for (let t = Math.ceil((fromUs + shift) / step) * step - shift; t <= toUs; t += step) ticks.push(t);
  return { step, ticks };
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A time tick's label: the local time of day below a day's step, else the day. */
export function tickLabel(us: number, step: number): string {
  const d = new Date(Math.floor(us / 1000));
  if (step < DAY) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${d.getDate()} ${MONTHS[d.getMonth()] ?? ""}`;
}

export type Point = { x: number; y: number };

/** SVG path data through the points; a null breaks the line (a bucket without runs). */
export function linePath(points: readonly (Point | null)[]): string {
  let d = "";
  let pen = false;
  for (const p of points) {
    if (p === null) {
      pen = false;
      continue;
    }
    d += `${d === "" ? "" : " "}${pen ? "L" : "M"}${round(p.x)},${round(p.y)}`;
    pen = true;
  }
  return d;
}

function round(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** Compact axis text: 1200 -> "1.2k", 2_500_000 -> "2.5M", 0.25 -> "0.25". */
export function compactNumber(v: number): string {
  const a = Math.abs(v);
  const trim = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (a >= 1e9) return `${trim((v / 1e9).toFixed(1))}G`;
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(1))}M`;
  if (a >= 1e3) return `${trim((v / 1e3).toFixed(1))}k`;
  if (a === 0 || a >= 1) return trim(v.toFixed(1));
  return trim(v.toPrecision(2));
}
