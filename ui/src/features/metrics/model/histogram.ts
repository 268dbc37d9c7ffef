//! Latency histograms as the backend sends them (`Histogram.counts` over the answer's
//! `bounds_ms`): adding two up element-wise and reading a percentile from one, the same way
//! as the Rust `Histogram::quantile` (crates/tracedeck-model/src/metrics.rs), so the UI and
//! `tracedeck metrics` agree. Bucket `i` holds durations below `bounds[i]` and at or above the
//! bound before it; the bucket past the last bound is open-ended. Pure.

/** Upper bound (exclusive, ms) of bucket `i`; infinite for the open-ended last bucket. */
export function boundMs(bounds: readonly (number | null)[], i: number): number {
  const b = i < bounds.length ? bounds[i] : null;
  return b === null || b === undefined || !Number.isFinite(b) ? Infinity : b;
}

/** Element-wise sum (trailing empty buckets may be left out of either). */
export function addCounts(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = (a[i] ?? 0) + (b[i] ?? 0);
  return out;
}

export function totalCount(counts: readonly number[]): number {
  let n = 0;
  for (const c of counts) n += c;
  return n;
}

/**
 * The `q` quantile (0..1) in ms, interpolated geometrically inside its bucket (linearly in
 * the first, which starts at 0); null when the histogram is empty. A quantile that falls in
 * the open-ended bucket is that bucket's lower bound.
 */
export function quantileMs(counts: readonly number[], bounds: readonly (number | null)[], q: number): number | null {
  const total = totalCount(counts);
  if (total === 0) return null;
  const rank = Math.max(Math.min(Math.max(q, 0), 1) * total, 1);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c === 0) continue;
    if (seen + c >= rank) {
      const lo = i === 0 ? 0 : boundMs(bounds, i - 1);
      const hi = boundMs(bounds, i);
      if (!Number.isFinite(hi)) return lo;
      const within = (rank - seen) / c;
      return lo <= 0 ? hi * within : lo * (hi / lo) ** within;
    }
    seen += c;
  }
  return null;
}
