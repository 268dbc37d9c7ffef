//! The run list's data: the first keyset page for the current filters, further pages on
//! demand (infinite scroll), and live refreshes of the first page, merged by trace id while
//! agents write spans (how often, and not while a search's scan pages: `model/live`). A page that comes from a budgeted scan (a text
//! search without a search index) switches the list to progressive search: further pages are
//! fetched while `model/scan` says so, then on "Search further", and "Stop" aborts one.
//! Every request is abandoned (its statement stopped) once its answer has no use: new
//! filters, a reload, or the list going away.

import { useCallback, useEffect, useRef, useState } from "react";
import type { ScanProgress, TraceSummary } from "../../../bindings";
import { isCancelled, listTraces, subscribeLive } from "../../../lib/ipc";
import { toTraceFilter, type RunFilters } from "../model/filters";
import { liveStep } from "../model/live";
import { appendPage, mergeFirstPage } from "../model/merge";
import { scrollMayContinue, shouldContinueScan, startBurst, type ScanBurst } from "../model/scan";

export const FIRST_PAGE = 50;
export const NEXT_PAGE = 100;

export type RunList = {
  rows: TraceSummary[];
  /** Infinite scroll may fetch the next page (see `scrollMayContinue`). */
  hasMore: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  /** Rows that arrived live (for a short highlight). */
  fresh: ReadonlySet<string>;
  /** Bumped on every live merge, with the number of rows inserted above the anchor. */
  shift: { seq: number; rows: number };
  /** Set while the list is a budgeted scan: how far back it searched. */
  scan: ScanProgress | null;
  nextCursor: string | null;
  burst: ScanBurst | null;
  loadMore: () => void;
  /** Starts another burst of the progressive search. */
  searchFurther: () => void;
  /** Aborts the progressive search's page in flight and waits for `searchFurther`. */
  stopSearch: () => void;
  reload: () => void;
};

export function useRunList(filters: RunFilters, anchor: React.RefObject<string | null>): RunList {
  const [rows, setRows] = useState<TraceSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [scan, setScan] = useState<ScanProgress | null>(null);
  const [burst, setBurst] = useState<ScanBurst | null>(null);
  /** The latest page held as many rows as asked (a scan stopped because it filled up). */
  const [lastFull, setLastFull] = useState(false);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [shift, setShift] = useState({ seq: 0, rows: 0 });
  const [reloads, setReloads] = useState(0);
  const gen = useRef(0);
  const rowsRef = useRef<TraceSummary[]>([]);
  rowsRef.current = rows;
  const scanRef = useRef<ScanProgress | null>(null);
  scanRef.current = scan;
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  /** The further page in flight (infinite scroll or progressive search). */
  const more = useRef<AbortController | null>(null);
  /** The live refresh in flight. */
  const live = useRef<AbortController | null>(null);
  /** The first page is on its way. */
  const firstInFlight = useRef(false);
  /** A live refresh waits for the list's own page to arrive (`liveStep` said "later"). */
  const liveWaiting = useRef(false);
  const scheduleLive = useRef<(() => void) | null>(null);
  const key = JSON.stringify(filters);

  useEffect(() => {
    const g = ++gen.current;
    const abort = new AbortController();
    const started = Date.now();
    setLoading(true);
    setLoadingMore(false);
    setError(null);
    setRows([]);
    setNext(null);
    setScan(null);
    setBurst(null);
    setLastFull(false);
    setFresh(new Set());
    firstInFlight.current = true;
    listTraces(toTraceFilter(filtersRef.current, started), { limit: FIRST_PAGE, cursor: null }, { signal: abort.signal })
      .then((page) => {
        if (g !== gen.current) return;
        setRows(page.traces);
        setNext(page.next_cursor);
        setScan(page.scan ?? null);
        setLastFull(page.traces.length >= FIRST_PAGE);
        // The scan began with this request.
        if (page.scan != null) setBurst(startBurst(started, 0));
      })
      .catch((e: unknown) => {
        if (g === gen.current && !isCancelled(e)) setError(e);
      })
      .finally(() => {
        if (g !== gen.current) return;
        firstInFlight.current = false;
        setLoading(false);
      });
    return () => {
      firstInFlight.current = false;
      // New filters, a reload or unmount: nothing waits for these answers any more.
      abort.abort();
      more.current?.abort();
      more.current = null;
      live.current?.abort();
    };
  }, [key, reloads]);

  const fetchMore = useCallback(() => {
    if (next === null || more.current !== null) return;
    const g = gen.current;
    const abort = new AbortController();
    more.current = abort;
    setLoadingMore(true);
    listTraces(toTraceFilter(filtersRef.current, Date.now()), { limit: NEXT_PAGE, cursor: next }, { signal: abort.signal })
      .then((page) => {
        if (g !== gen.current) return;
        setRows((r) => appendPage(r, page.traces));
        setNext(page.next_cursor);
        setScan(page.scan ?? null);
        setLastFull(page.traces.length >= NEXT_PAGE);
      })
      .catch((e: unknown) => {
        if (g === gen.current && !isCancelled(e)) setError(e);
      })
      .finally(() => {
        if (more.current !== abort) return;
        more.current = null;
        setLoadingMore(false);
      });
  }, [next]);

  // Progressive search: keep going while the burst allows it. Runs again after every page.
  useEffect(() => {
    if (loading || loadingMore || error !== null) return;
    if (shouldContinueScan({ scan, nextCursor: next, rows: rows.length, burst, fetching: false }, Date.now())) fetchMore();
  }, [scan, next, rows.length, burst, loading, loadingMore, error, fetchMore]);

  const searchFurther = useCallback(() => {
    if (more.current !== null) return;
    setBurst(startBurst(Date.now(), rowsRef.current.length));
  }, []);

  const stopSearch = useCallback(() => {
    setBurst((b) => (b === null ? null : { ...b, stopped: true }));
    more.current?.abort();
  }, []);

  // Live: coalesce notices; refresh the first page when `liveStep` allows it.
  useEffect(() => {
    let timer: number | null = null;
    let last = 0;
    let inFlight = false;
    const refresh = () => {
      timer = null;
      const step = liveStep({ filters: filtersRef.current, refreshing: inFlight, paging: firstInFlight.current || more.current !== null, lastMs: last }, Date.now());
      if (step.kind === "later") {
        liveWaiting.current = true;
        return;
      }
      if (step.kind === "wait") {
        timer = window.setTimeout(refresh, step.ms);
        return;
      }
      inFlight = true;
      last = Date.now();
      const g = gen.current;
      const abort = new AbortController();
      live.current = abort;
      listTraces(toTraceFilter(filtersRef.current, Date.now()), { limit: FIRST_PAGE, cursor: null }, { signal: abort.signal })
        .then((page) => {
          if (g !== gen.current) return;
          const wasEmpty = rowsRef.current.length === 0;
          const m = mergeFirstPage(rowsRef.current, page.traces, anchor.current);
          setRows(m.rows);
          // A progressive search keeps its own cursor: this page restarted the scan from the top.
          if (wasEmpty && scanRef.current === null) setNext(page.next_cursor);
          if (m.added.size > 0) {
            setFresh(m.added);
            setShift((s) => ({ seq: s.seq + 1, rows: m.addedAbove }));
          }
        })
        .catch(() => undefined)
        .finally(() => {
          if (live.current === abort) live.current = null;
          inFlight = false;
          if (liveWaiting.current && !abort.signal.aborted) {
            liveWaiting.current = false;
            schedule();
          }
        });
    };
    const schedule = () => {
      if (timer !== null) return;
      timer = window.setTimeout(refresh, 0);
    };
    scheduleLive.current = schedule;
    const unsubscribe = subscribeLive(schedule);
    return () => {
      unsubscribe();
      scheduleLive.current = null;
      liveWaiting.current = false;
      if (timer !== null) window.clearTimeout(timer);
      live.current?.abort();
    };
  }, [anchor]);

  // A refresh that waited for the list's own page goes once that page has arrived.
  useEffect(() => {
    if (loading || loadingMore || !liveWaiting.current) return;
    liveWaiting.current = false;
    scheduleLive.current?.();
  }, [loading, loadingMore]);

  return {
    rows,
    // After "Stop", scrolling must not start the scan again: only "Search further" does.
    hasMore: scrollMayContinue({ scan, nextCursor: next }, lastFull) && burst?.stopped !== true,
    loading,
    loadingMore,
    error,
    fresh,
    shift,
    scan,
    nextCursor: next,
    burst,
    loadMore: fetchMore,
    searchFurther,
    stopSearch,
    reload: () => setReloads((n) => n + 1),
  };
}
