//! The run list page: filters (in the URL), the live, infinitely scrolling list (or, for a
//! budgeted text search, the progressive search's line under it), selection of two runs to
//! compare, and the first-run empty state.

import { useCallback, useRef, useState } from "react";
import { useAppData } from "../../../app/appData";
import { Link, useRouter } from "../../../app/router";
import { isTauri } from "../../../lib/ipc";
import { markOpenTrace } from "../../../lib/perf";
import { ErrorBox } from "../../../lib/ui/widgets";
import { hasFilters, type RunFilters } from "../model/filters";
import { scanOpen } from "../model/scan";
import { rememberRunFilters } from "../model/lastFilters";
import { FilterBar } from "./FilterBar";
import { RunTable } from "./RunTable";
import { ScanStatus } from "./ScanStatus";
import { useRunList } from "./useRunList";

function EmptyState() {
  const { status } = useAppData();
  const readOnly = status?.database.read_only ?? false;
  return (
    <div className="empty" data-testid="empty-state">
      <h2>No runs yet</h2>
      <p>
        Tracedeck shows every run of your agents — LLM calls, tool calls, hooks, retrievals and delegations — as a tree. The database open now is{" "}
        <strong>{status?.database.label ?? "…"}</strong>
        {readOnly ? " (read-only)" : ""}. To see something here:
      </p>
      <ol>
        <li>
          <strong>Run a demo agent.</strong> {readOnly ? "Demo runs need a writable database." : "The demo agents are ready and call no real model."}{" "}
          {!readOnly && (
            <Link to={{ page: "agents", agent: null }} className="btn primary">
              Open Agents
            </Link>
          )}
        </li>
        <li>
          <strong>Send traces from your own agents.</strong> Point any OpenTelemetry exporter (OTLP/HTTP, protobuf or JSON) at <code>{isTauri() ? "http://127.0.0.1:4318" : window.location.origin}/v1/traces</code>. Agno agents with OpenInference
          instrumentation work as they are.
        </li>
        <li>
          <strong>Connect a database.</strong> Add the PostgreSQL or MySQL database your production agents write to on the{" "}
          <Link to={{ page: "connections" }}>Connections</Link> page (read-only by default), or start Tracedeck with <code>--db postgres://user@host/db --read-only</code>.
        </li>
        <li>
          <strong>Open an existing Agno database.</strong> Add its SQLite file as a connection, or use <code>--db sqlite:///path/to/agno.db --read-only</code>: it is opened as-is; Tracedeck never alters a
          database it did not create.
        </li>
      </ol>
    </div>
  );
}

export function RunsPage({ filters }: { filters: RunFilters }) {
  const { navigate } = useRouter();
  rememberRunFilters(filters);
  const anchor = useRef<string | null>(null);
  const list = useRunList(filters, anchor);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());

  const onFilters = useCallback((f: RunFilters, opts: { replace: boolean }) => navigate({ page: "runs", filters: f }, opts), [navigate]);
  const open = useCallback(
    (id: string) => {
      markOpenTrace(id);
      navigate({ page: "trace", traceId: id, spanId: null });
    },
    [navigate],
  );
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else {
        if (n.size >= 2) n.delete([...n][0]!);
        n.add(id);
      }
      return n;
    });
  const pair = [...selected];
  const scanState = { scan: list.scan, nextCursor: list.nextCursor, rows: list.rows.length, burst: list.burst, fetching: list.loadingMore };
  // No rows yet is not "no match" while older runs are left to search.
  const nothing = !list.loading && list.rows.length === 0 && list.error === null && !scanOpen(scanState) && !list.loadingMore;

  return (
    <div className="page">
      <FilterBar filters={filters} onChange={onFilters} />
      {selected.size > 0 && (
        <div className="selection-bar">
          <span>{selected.size} of 2 runs selected for compare</span>
          <button type="button" className="btn primary" disabled={pair.length !== 2} onClick={() => navigate({ page: "compare", a: pair[0] ?? null, b: pair[1] ?? null })}>
            Compare
          </button>
          <button type="button" className="btn" onClick={() => setSelected(new Set())}>
            Clear
          </button>
        </div>
      )}
      {list.error !== null && <ErrorBox error={list.error} onRetry={list.reload} />}
      {nothing ? (
        hasFilters(filters) ? (
          <div className="empty">
            <h2>No runs match these filters</h2>
            <button type="button" className="btn" onClick={() => onFilters({ ...filters, user: "", session: "", agent: "", team: "", status: "", range: "", search: "" }, { replace: false })}>
              Clear filters
            </button>
          </div>
        ) : (
          <EmptyState />
        )
      ) : (
        <RunTable
          rows={list.rows}
          hasMore={list.hasMore}
          loadingMore={list.loadingMore}
          showCount={list.scan === null}
          fresh={list.fresh}
          shift={list.shift}
          selected={selected}
          onToggleSelect={toggle}
          onOpen={open}
          onLoadMore={list.loadMore}
          anchor={anchor}
        />
      )}
      <ScanStatus state={scanState} onSearchFurther={list.searchFurther} onStop={list.stopSearch} />
    </div>
  );
}
