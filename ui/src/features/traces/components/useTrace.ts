//! Loads one trace and keeps it current: when a live batch names this trace, it is refetched
//! (debounced) so a run still in progress grows in place. A trace that does not exist yet
//! (a run that just started) is waited for instead of reported missing. A load still in
//! flight is abandoned (its statement stopped) when the trace id changes or the view closes.

import { useEffect, useRef, useState } from "react";
import type { TraceDetail } from "../../../bindings";
import { ApiFailure, getTrace, isCancelled, subscribeLive } from "../../../lib/ipc";
import { markStep, FETCHED_MARK } from "../../../lib/perf";

const REFETCH_DEBOUNCE_MS = 300;
const WAIT_RETRY_MS = 1000;
/** Give up waiting for a run's first spans after this many retries (a run that recorded none). */
const WAIT_RETRIES = 60;

export type TraceState = {
  detail: TraceDetail | null;
  error: unknown;
  /** The trace has no spans stored yet (only when waiting is allowed). */
  waiting: boolean;
  /** Number of refetches applied after the first load. */
  updates: number;
  reload: () => void;
};

export function useTrace(traceId: string, waitForIt: boolean): TraceState {
  const [detail, setDetail] = useState<TraceDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [waiting, setWaiting] = useState(false);
  const [updates, setUpdates] = useState(0);
  const [reloads, setReloads] = useState(0);
  const waitRef = useRef(waitForIt);
  waitRef.current = waitForIt;

  useEffect(() => {
    let alive = true;
    let timer: number | null = null;
    let inFlight = false;
    let again = false;
    let first = true;
    let retries = 0;
    const abort = new AbortController();
    setDetail(null);
    setError(null);
    setWaiting(false);
    setUpdates(0);

    const load = () => {
      timer = null;
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      getTrace(traceId, { signal: abort.signal })
        .then((d) => {
          if (!alive) return;
          if (first) markStep(FETCHED_MARK, traceId);
          else setUpdates((n) => n + 1);
          first = false;
          setDetail(d);
          setError(null);
          setWaiting(false);
        })
        .catch((e: unknown) => {
          if (!alive || isCancelled(e)) return;
          if (e instanceof ApiFailure && e.type === "NotFound" && waitRef.current && first && retries++ < WAIT_RETRIES) {
            setWaiting(true);
            schedule(WAIT_RETRY_MS);
          } else if (first) {
            setWaiting(false);
            setError(e);
          }
        })
        .finally(() => {
          inFlight = false;
          if (again && alive) {
            again = false;
            schedule(REFETCH_DEBOUNCE_MS);
          }
        });
    };
    const schedule = (ms: number) => {
      if (timer === null) timer = window.setTimeout(load, ms);
    };
    load();
    const unsubscribe = subscribeLive((e) => {
      if (e.trace_ids.includes(traceId)) schedule(REFETCH_DEBOUNCE_MS);
    });
    return () => {
      alive = false;
      abort.abort();
      unsubscribe();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, [traceId, reloads]);

  return { detail, error, waiting, updates, reload: () => setReloads((n) => n + 1) };
}
