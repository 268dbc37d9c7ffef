//! The Metrics page (loaded lazily, with its styles): the run list's filter bar and time range
//! (kept in the URL, last 24 hours by default), a link to the same runs, the progressive
//! scan's line (Stop, Continue), the totals, four charts over time (runs with errors stacked,
//! error rate, p50/p95 latency, tokens) and the tables by model, agent and tool. Data comes
//! from `useMetrics`; every figure from `model/`.

import { useCallback, useMemo } from "react";
import { useAppData } from "../../../app/appData";
import { Link, useRouter } from "../../../app/router";
import { formatDayTime, formatDuration } from "../../../lib/format";
import { ErrorBox } from "../../../lib/ui/widgets";
import { FilterBar } from "../../runs/components/FilterBar";
import { EMPTY_FILTERS, type RunFilters } from "../../runs/model/filters";
import { compactNumber, slotValues, timeSlots } from "../model/chart";
import { metricsFilters, METRICS_DEFAULT_RANGE, runsFromMetrics } from "../model/links";
import { progressLine } from "../model/progress";
import { formatRate, totals } from "../model/tables";
import { MetricsTables, TotalsLine } from "./MetricsTables";
import { TimeChart } from "./TimeChart";
import { useMetrics } from "./useMetrics";
import "./metrics.css";

const DEFAULT_FILTERS: RunFilters = { ...EMPTY_FILTERS, range: METRICS_DEFAULT_RANGE };

export function MetricsPage({ filters }: { filters: RunFilters }) {
  const { navigate } = useRouter();
  const { prices } = useAppData();
  const currency = prices?.currency ?? "USD";
  const scan = useMetrics(filters);
  const { merged, phase, range } = scan;
  const onFilters = useCallback((f: RunFilters, opts: { replace: boolean }) => navigate({ page: "metrics", filters: metricsFilters(f) }, opts), [navigate]);

  const line = progressLine(phase, merged, range, formatDayTime);
  const slots = useMemo(() => (merged === null ? [] : timeSlots(merged, range)), [merged, range]);
  const values = useMemo(() => slotValues(slots, merged?.bounds_ms ?? []), [slots, merged]);
  const t = merged === null ? null : totals(merged);
  const starts = slots.map((s) => s.start_us);
  const bucketUs = merged?.bucket_us ?? 0;
  const scannedFrom = merged === null || merged.complete ? null : merged.from_us;
  const partial = line?.partial ?? false;

  return (
    <div className="page metrics">
      <FilterBar filters={filters} onChange={onFilters} allTimeValue="all" clearTo={DEFAULT_FILTERS} />
      <div className="toolbar metrics-bar">
        <Link to={{ page: "runs", filters: runsFromMetrics(filters) }}>Runs with these filters</Link>
        <span className="muted" data-testid="metrics-range">
          {range.since_us === null ? "All time" : formatDayTime(range.since_us)} – {formatDayTime(range.until_us)}
        </span>
        <span className="spacer" />
        <button type="button" className="btn small" onClick={scan.refresh} title="Read the range again, up to now">
          Refresh
        </button>
      </div>
      {line !== null && (
        <div className="scan-status" role="status" data-testid="metrics-progress">
          <span data-testid="metrics-progress-text">{line.text}</span>
          {line.stop && (
            <button type="button" className="btn small" onClick={scan.stop}>
              Stop
            </button>
          )}
          {line.continue && scan.canContinue && (
            <button type="button" className="btn small" onClick={scan.resume}>
              Continue
            </button>
          )}
        </div>
      )}
      {scan.error !== null && <ErrorBox error={scan.error} onRetry={scan.canContinue ? scan.resume : scan.refresh} />}
      <div className="metrics-body">
        {merged === null || t === null ? (
          <div className="placeholder">{phase === "scanning" ? "Reading metrics…" : "Nothing read yet."}</div>
        ) : merged.complete && t.runs === 0 ? (
          <div className="empty" data-testid="metrics-empty">
            <h2>No runs in this range</h2>
            <p className="muted">Widen the time range or clear the filters.</p>
          </div>
        ) : (
          <>
            <TotalsLine t={t} currency={currency} partial={partial} />
            <div className="mcharts">
              <TimeChart
                title="Runs"
                testId="chart-runs"
                slots={starts}
                bucketUs={bucketUs}
                kind="bars"
                stacked
                series={[
                  { name: "Succeeded", values: values.ok, tone: "tone-ok" },
                  { name: "Failed", values: values.errors, tone: "tone-err" },
                ]}
                format={compactNumber}
                scannedFromUs={scannedFrom}
                summary={`${t.runs} runs, ${t.errors} failed`}
              />
              <TimeChart
                title="Error rate"
                testId="chart-error-rate"
                slots={starts}
                bucketUs={bucketUs}
                kind="lines"
                series={[{ name: "Runs with errors (%)", values: values.errorRate, tone: "tone-err" }]}
                format={(v) => `${compactNumber(v)}%`}
                scannedFromUs={scannedFrom}
                summary={`${formatRate(t.errorRate)} of runs failed`}
              />
              <TimeChart
                title="Run latency"
                testId="chart-latency"
                slots={starts}
                bucketUs={bucketUs}
                kind="lines"
                series={[
                  { name: "p50", values: values.p50, tone: "tone-p50" },
                  { name: "p95", values: values.p95, tone: "tone-p95" },
                ]}
                format={formatDuration}
                scannedFromUs={scannedFrom}
                summary={`p50 ${t.p50 === null ? "–" : formatDuration(t.p50)}, p95 ${t.p95 === null ? "–" : formatDuration(t.p95)}`}
              />
              <TimeChart
                title="Tokens"
                testId="chart-tokens"
                slots={starts}
                bucketUs={bucketUs}
                kind="bars"
                series={[{ name: "Tokens", values: values.tokens, tone: "tone-tokens" }]}
                format={compactNumber}
                scannedFromUs={scannedFrom}
                summary={`${t.tokens} tokens`}
              />
            </div>
            <MetricsTables m={merged} currency={currency} />
          </>
        )}
      </div>
    </div>
  );
}
