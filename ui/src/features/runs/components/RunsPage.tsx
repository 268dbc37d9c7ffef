//! The run list page: filters (in the URL) with a link to the same runs' metrics, the live,
//! infinitely scrolling list (or, for a budgeted text search, the progressive search's line
//! under it), the selection (two runs to compare, any number to delete after a confirmation;
//! not on a read-only connection), and the first-run empty state.

import { useCallback, useRef, useState } from "react";
import type { DeletedCounts } from "../../../bindings";
import { useAppData } from "../../../app/appData";
import { Link, useRouter } from "../../../app/router";
import { isTauri } from "../../../lib/ipc";
import { markOpenTrace } from "../../../lib/perf";
import { ErrorBox } from "../../../lib/ui/widgets";
import { metricsFromRuns } from "../../metrics/model/links";
import { hasFilters, type RunFilters } from "../model/filters";
import { scanOpen } from "../model/scan";
import { rememberRunFilters } from "../model/lastFilters";
import { runsCount, selectionBar, toggleSelected } from "../model/selection";
import { DeleteRunsDialog } from "./DeleteRunsDialog";
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
  const { status } = useAppData();
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
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleted, setDeleted] = useState<DeletedCounts | null>(null);
  const toggle = (id: string) => setSelected((s) => toggleSelected(s, id));
  const pair = [...selected];
  const readOnly = status?.database.read_only ?? false;
  const bar = selectionBar(selected.size, readOnly);
  const onDeleted = (c: DeletedCounts) => {
    setConfirmDelete(false);
    setSelected(new Set());
    setDeleted(c);
    list.reload();
  };
  const scanState = { scan: list.scan, nextCursor: list.nextCursor, rows: list.rows.length, burst: list.burst, fetching: list.loadingMore };
  // No rows yet is not "no match" while older runs are left to search.
  const nothing = !list.loading && list.rows.length === 0 && list.error === null && !scanOpen(scanState) && !list.loadingMore;

  return (
    <div className="page">
      <FilterBar
        filters={filters}
        onChange={onFilters}
        actions={
          <Link to={{ page: "metrics", filters: metricsFromRuns(filters) }} title="Runs over time, errors, latency, tokens and cost for these filters">
            Metrics for these runs
          </Link>
        }
      />
      {selected.size > 0 && (
        <div className="selection-bar" data-testid="selection-bar">
          <span>{bar.text}</span>
          <button
            type="button"
            className="btn primary"
            disabled={!bar.compare.enabled}
            title={bar.compare.hint}
            onClick={() => navigate({ page: "compare", a: pair[0] ?? null, b: pair[1] ?? null })}
          >
            Compare
          </button>
          {/* A disabled button shows no tooltip in every browser: the wrapper carries it too. */}
          <span title={bar.remove.hint} className="btn-wrap">
            <button type="button" className="btn danger" disabled={!bar.remove.enabled} title={bar.remove.hint} onClick={() => setConfirmDelete(true)}>
              Delete…
            </button>
          </span>
          {readOnly && (
            <span className="muted" data-testid="delete-read-only">
              read-only connection: runs cannot be deleted
            </span>
          )}
          <button type="button" className="btn" onClick={() => setSelected(new Set())}>
            Clear
          </button>
        </div>
      )}
      {deleted !== null && (
        <div className="banner info" role="status" data-testid="deleted-note">
          Deleted {runsCount(deleted.traces)} ({deleted.spans.toLocaleString("en-US")} spans).{" "}
          <button type="button" className="btn small" onClick={() => setDeleted(null)}>
            Dismiss
          </button>
        </div>
      )}
      {confirmDelete && <DeleteRunsDialog ids={pair} database={status?.database.label ?? "the active database"} onDeleted={onDeleted} onClose={() => setConfirmDelete(false)} />}
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
