//! The run list's data: the first keyset page for the current filters, further pages on
//! demand (infinite scroll), and live refreshes of the first page, merged by trace id at most
//! every ~500 ms while agents write spans.

import { useCallback, useEffect, useRef, useState } from "react";
import type { TraceSummary } from "../../../bindings";
import { listTraces, subscribeLive } from "../../../lib/ipc";
import { toTraceFilter, type RunFilters } from "../model/filters";
import { appendPage, mergeFirstPage } from "../model/merge";

export const FIRST_PAGE = 50;
export const NEXT_PAGE = 100;
const LIVE_INTERVAL_MS = 500;

export type RunList = {
  rows: TraceSummary[];
  hasMore: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  /** Rows that arrived live (for a short highlight). */
  fresh: ReadonlySet<string>;
  /** Bumped on every live merge, with the number of rows inserted above the anchor. */
  shift: { seq: number; rows: number };
  loadMore: () => void;
  reload: () => void;
};

export function useRunList(filters: RunFilters, anchor: React.RefObject<string | null>): RunList {
  const [rows, setRows] = useState<TraceSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [shift, setShift] = useState({ seq: 0, rows: 0 });
  const [reloads, setReloads] = useState(0);
  const gen = useRef(0);
  const rowsRef = useRef<TraceSummary[]>([]);
  rowsRef.current = rows;
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const key = JSON.stringify(filters);

  useEffect(() => {
    const g = ++gen.current;
    setLoading(true);
    setError(null);
    setRows([]);
    setNext(null);
    setFresh(new Set());
    listTraces(toTraceFilter(filtersRef.current, Date.now()), { limit: FIRST_PAGE, cursor: null })
      .then((page) => {
        if (g !== gen.current) return;
        setRows(page.traces);
        setNext(page.next_cursor);
      })
      .catch((e: unknown) => {
        if (g === gen.current) setError(e);
      })
      .finally(() => {
        if (g === gen.current) setLoading(false);
      });
  }, [key, reloads]);

  const loadMore = useCallback(() => {
    if (next === null || loadingMore) return;
    const g = gen.current;
    setLoadingMore(true);
    listTraces(toTraceFilter(filtersRef.current, Date.now()), { limit: NEXT_PAGE, cursor: next })
      .then((page) => {
        if (g !== gen.current) return;
        setRows((r) => appendPage(r, page.traces));
        setNext(page.next_cursor);
      })
      .catch((e: unknown) => {
        if (g === gen.current) setError(e);
      })
      .finally(() => {
        if (g === gen.current) setLoadingMore(false);
      });
  }, [next, loadingMore]);

  // Live: coalesce notices; refresh the first page at most every LIVE_INTERVAL_MS.
  useEffect(() => {
    let timer: number | null = null;
    let last = 0;
    let inFlight = false;
    let again = false;
    const refresh = () => {
      timer = null;
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      last = Date.now();
      const g = gen.current;
      listTraces(toTraceFilter(filtersRef.current, Date.now()), { limit: FIRST_PAGE, cursor: null })
        .then((page) => {
          if (g !== gen.current) return;
          const wasEmpty = rowsRef.current.length === 0;
          const m = mergeFirstPage(rowsRef.current, page.traces, anchor.current);
          setRows(m.rows);
          if (wasEmpty) setNext(page.next_cursor);
          if (m.added.size > 0) {
            setFresh(m.added);
            setShift((s) => ({ seq: s.seq + 1, rows: m.addedAbove }));
          }
        })
        .catch(() => undefined)
        .finally(() => {
          inFlight = false;
          if (again) {
            again = false;
            schedule();
          }
        });
    };
    const schedule = () => {
      if (timer !== null) return;
      timer = window.setTimeout(refresh, Math.max(0, LIVE_INTERVAL_MS - (Date.now() - last)));
    };
    const unsubscribe = subscribeLive(schedule);
    return () => {
      unsubscribe();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, [anchor]);

  return {
    rows,
    hasMore: next !== null,
    loading,
    loadingMore,
    error,
    fresh,
    shift,
    loadMore,
    reload: () => setReloads((n) => n + 1),
  };
}
