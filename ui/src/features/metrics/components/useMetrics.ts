//! The Metrics page's data: a progressive scan of the filters' range, chunk after chunk
//! (newest first, each asked from where the last one ended), merged as the answers come.
//! "Stop" aborts the chunk in flight and keeps what was merged; "Continue" goes on from there.
//! New filters, a refresh or the page going away abort the scan. The range is fixed when a
//! scan starts (`model/progress`), merging is `model/merge`.

import { useCallback, useEffect, useRef, useState } from "react";
import type { TraceFilter } from "../../../bindings";
import { isCancelled, traceMetrics } from "../../../lib/ipc";
import type { RunFilters } from "../../runs/model/filters";
import { mergeChunk, type MergedMetrics } from "../model/merge";
import { chunkFilter, nextChunkUntil, scanFilter, type MetricsRange, type ScanPhase } from "../model/progress";

export type MetricsScan = {
  merged: MergedMetrics | null;
  phase: ScanPhase;
  error: unknown;
  range: MetricsRange;
  /** Older data is left to read (Continue). */
  canContinue: boolean;
  stop: () => void;
  resume: () => void;
  /** Starts again, up to now. */
  refresh: () => void;
};

type Scan = { gen: number; filter: TraceFilter; range: MetricsRange; nextUntil: number | null };

export function useMetrics(filters: RunFilters): MetricsScan {
  const [merged, setMerged] = useState<MergedMetrics | null>(null);
  const [phase, setPhase] = useState<ScanPhase>("scanning");
  const [error, setError] = useState<unknown>(null);
  const [range, setRange] = useState<MetricsRange>(() => scanFilter(filters, Date.now()).range);
  const [canContinue, setCanContinue] = useState(false);
  const [refreshes, setRefreshes] = useState(0);
  const gen = useRef(0);
  const scan = useRef<Scan | null>(null);
  const mergedRef = useRef<MergedMetrics | null>(null);
  /** The chunk in flight. */
  const inFlight = useRef<AbortController | null>(null);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const key = JSON.stringify(filters);

  /** Reads chunks from `s.nextUntil` on until the range is covered, stopped or superseded. */
  const run = useCallback((s: Scan) => {
    if (s.nextUntil === null) return;
    const abort = new AbortController();
    inFlight.current = abort;
    setPhase("scanning");
    setError(null);
    setCanContinue(false);
    const loop = async () => {
      for (let until = s.nextUntil; until !== null; ) {
        // Later chunks keep the first answer's bucket width, so their buckets line up.
        const bucketUs = mergedRef.current?.bucket_us ?? null;
        const m = await traceMetrics(chunkFilter(s.filter, until), { signal: abort.signal, bucketUs });
        if (s.gen !== gen.current || abort.signal.aborted) return;
        const next = nextChunkUntil(m, until);
        mergedRef.current = mergeChunk(mergedRef.current, m);
        setMerged(mergedRef.current);
        s.nextUntil = next;
        if (next === null) {
          // Complete, or a server that would not move back: what is merged is all there is.
          setPhase(m.complete ? "complete" : "stopped");
          return;
        }
        until = next;
      }
    };
    loop()
      .catch((e: unknown) => {
        if (s.gen !== gen.current || isCancelled(e)) return;
        setError(e);
        setPhase("stopped");
        setCanContinue(s.nextUntil !== null);
      })
      .finally(() => {
        if (inFlight.current === abort) inFlight.current = null;
      });
  }, []);

  useEffect(() => {
    const g = ++gen.current;
    const { filter, range: r } = scanFilter(filtersRef.current, Date.now());
    const s: Scan = { gen: g, filter, range: r, nextUntil: r.until_us };
    scan.current = s;
    mergedRef.current = null;
    setMerged(null);
    setRange(r);
    run(s);
    return () => {
      // New filters, a refresh or unmount: nobody waits for this scan any more.
      inFlight.current?.abort();
      inFlight.current = null;
    };
  }, [key, refreshes, run]);

  const stop = useCallback(() => {
    const s = scan.current;
    if (inFlight.current === null || s === null) return;
    inFlight.current.abort();
    inFlight.current = null;
    setPhase("stopped");
    setCanContinue(s.nextUntil !== null);
  }, []);

  const resume = useCallback(() => {
    const s = scan.current;
    if (s !== null && inFlight.current === null && s.gen === gen.current) run(s);
  }, [run]);

  const refresh = useCallback(() => setRefreshes((n) => n + 1), []);

  return { merged, phase, error, range, canContinue, stop, resume, refresh };
}
