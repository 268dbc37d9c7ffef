//! The trace route: a trace view whose selected span lives in the URL (replacing the history
//! entry, so back returns to the run list rather than through every clicked span).

import { useCallback } from "react";
import { Link, useRouter } from "../../../app/router";
import { lastRunFilters } from "../../runs/model/lastFilters";
import { TraceView } from "./TraceView";

export function TracePage({ traceId, spanId }: { traceId: string; spanId: string | null }) {
  const { navigate } = useRouter();
  const onSelectSpan = useCallback((id: string | null) => navigate({ page: "trace", traceId, spanId: id }, { replace: true }), [navigate, traceId]);
  return (
    <div className="page">
      <div className="toolbar">
        <Link to={{ page: "runs", filters: lastRunFilters() }} className="btn small">
          ← Runs
        </Link>
        <Link to={{ page: "compare", a: traceId, b: null }} className="btn small">
          Compare with…
        </Link>
      </div>
      <TraceView key={traceId} traceId={traceId} selectedSpanId={spanId} onSelectSpan={onSelectSpan} autoFocus />
    </div>
  );
}
