//! Quick-chart data from a result: which columns can be the label (x axis) and which are
//! numeric series, the default pick (first non-numeric column as the label, every numeric
//! column as a series), the extracted points, nice axis ticks and the scales. Pure; the SVG
//! view only maps these numbers to elements and keeps labels as text.

import { cellKind, cellNumber, cellText, NUMERIC_KINDS } from "./cells";
import type { Cell, Column } from "./types";

export type ChartKind = "bar" | "line";
export type ChartSpec = { label: number; series: number[] };
export type Series = { name: string; values: (number | null)[] };
export type ChartData = { labels: string[]; series: Series[]; truncated: boolean; min: number; max: number };

/** Bars beyond this many are unreadable; lines get more. */
export const MAX_POINTS: Record<ChartKind, number> = { bar: 200, line: 5000 };

/** Columns whose non-null sampled values are all numeric (at least one value). */
export function numericColumns(columns: readonly Column[], rows: readonly Cell[][], sample = 500): number[] {
  const out: number[] = [];
  columns.forEach((_, i) => {
    let seen = 0;
    for (let r = 0; r < rows.length && r < sample; r++) {
      const k = cellKind(rows[r]?.[i]);
      if (k === "null") continue;
      if (!NUMERIC_KINDS.has(k)) return;
      seen++;
    }
    if (seen > 0) out.push(i);
  });
  return out;
}

/** The default chart of a result, or null when it has no label + numeric pair. */
export function defaultSpec(columns: readonly Column[], rows: readonly Cell[][]): ChartSpec | null {
  if (columns.length < 2 || rows.length === 0) return null;
  const numeric = numericColumns(columns, rows);
  if (numeric.length === 0) return null;
  const label = columns.findIndex((_, i) => !numeric.includes(i));
  // All numeric (e.g. `SELECT hour, count(*)`): the first column labels the others.
  const labelIdx = label >= 0 ? label : 0;
  const series = numeric.filter((i) => i !== labelIdx);
  return series.length === 0 ? null : { label: labelIdx, series };
}

/** Points of the chart: labels as text, values as numbers (null where not numeric). */
export function chartData(columns: readonly Column[], rows: readonly Cell[][], spec: ChartSpec, kind: ChartKind): ChartData {
  const n = Math.min(rows.length, MAX_POINTS[kind]);
  const labels: string[] = new Array<string>(n);
  for (let r = 0; r < n; r++) labels[r] = cellText(rows[r]?.[spec.label], 80);
  let min = Infinity;
  let max = -Infinity;
  const series = spec.series.map((ci) => {
    const values: (number | null)[] = new Array<number | null>(n);
    for (let r = 0; r < n; r++) {
      const v = cellNumber(rows[r]?.[ci]);
      values[r] = v;
      if (v !== null) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return { name: columns[ci]?.name ?? `column ${ci + 1}`, values };
  });
  if (min === Infinity) {
    min = 0;
    max = 0;
  }
  return { labels, series, truncated: rows.length > n, min, max };
}

/** Round tick values covering [min, max] (about `count` of them); bars include zero. */
export function niceTicks(min: number, max: number, count = 5, includeZero = true): number[] {
  let lo = includeZero ? Math.min(0, min) : min;
  let hi = includeZero ? Math.max(0, max) : max;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= includeZero && lo >= 0 ? 0 : pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** Maps a value in [d0, d1] to [r0, r1]. */
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** Compact tick text: 1200 -> "1.2k", 0.25 -> "0.25". */
export function tickText(v: number): string {
  const a = Math.abs(v);
  const trim = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (a >= 1e9) return `${trim((v / 1e9).toFixed(2))}G`;
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(2))}M`;
  if (a >= 1e4) return `${trim((v / 1e3).toFixed(1))}k`;
  if (a === 0 || a >= 1) return trim(v.toFixed(2));
  return trim(v.toPrecision(3));
}

/** Every `step`-th label index so that labels of `labelPx` width fit in `widthPx`. */
export function labelStride(count: number, widthPx: number, labelPx = 70): number {
  if (count <= 0) return 1;
  return Math.max(1, Math.ceil((count * labelPx) / Math.max(1, widthPx)));
}
