//! Everything under the editor: what the statement did (rows so far, more available, elapsed
//! server and total time, rows affected), the grid or the chart, load more (page size
//! selectable, up to the row cap), export all to CSV / JSON, the error with its position, and
//! the inspector of the selected cell.

import { useEffect, useState } from "react";
import { formatDuration } from "../../../lib/format";
import { exportSql, type ExportResult } from "../../../lib/ipc";
import { errorMessage } from "../../../lib/ui/widgets";
import { ApiFailure } from "../../../lib/apiError";
import type { IdTarget } from "../model/idColumns";
import { lineCol, type Range } from "../model/statement";
import type { ExportFormat } from "../model/types";
import { CellInspector } from "./CellInspector";
import { MAX_ROWS, PAGE_SIZES, session, type Run } from "./querySession";
import { ResultChart } from "./ResultChart";
import { ResultGrid, type CellPos } from "./ResultGrid";

type Props = { run: Run | null; pageSize: number; errorAt: Range | null; docText: () => string; onOpenId: (t: IdTarget) => void; connectionName: string | null };

const fmt = (n: number) => n.toLocaleString("en-US");

function Summary({ run }: { run: Run }) {
  const n = run.rows.length;
  const time = run.serverMs === null ? null : `${formatDuration(run.serverMs)} on the server${run.wallMs !== null ? ` · ${formatDuration(run.wallMs)} total` : ""}`;
  switch (run.status) {
    case "running":
      return <span aria-live="polite">Running… (Esc cancels)</span>;
    case "cancelled":
      return <span aria-live="polite">Cancelled{n > 0 ? ` · ${fmt(n)} rows kept` : ""}</span>;
    case "error":
      return <span className="error-text">Failed{run.wallMs !== null ? ` after ${formatDuration(run.wallMs)}` : ""}</span>;
    default: {
      const rows = run.columns.length === 0 ? (run.rowsAffected !== null ? `${fmt(run.rowsAffected)} rows affected` : "Done, no result set") : `${fmt(n)} ${n === 1 ? "row" : "rows"}`;
      const more = run.status === "paused" ? " (more available)" : run.status === "more" ? " (loading more…)" : n >= MAX_ROWS ? ` (row cap: export all for the rest)` : "";
      return (
        <span data-testid="result-summary" aria-live="polite" data-server-ms={run.serverMs ?? undefined}>
          {rows}
          {more}
          {time !== null ? ` · ${time}` : ""}
        </span>
      );
    }
  }
}

export function ResultPanel({ run, pageSize, errorAt, docText, onOpenId, connectionName }: Props) {
  const [view, setView] = useState<"grid" | "chart">("grid");
  const [selected, setSelected] = useState<CellPos | null>(null);
  const [exporting, setExporting] = useState<{ format: ExportFormat; bytes: number } | null>(null);
  const [exported, setExported] = useState<{ ok: ExportResult } | { error: unknown } | null>(null);
  useEffect(() => setSelected(null), [run?.seq]);

  if (run === null) return <div className="placeholder">Run a statement to see its result here.</div>;
  const doExport = (format: ExportFormat) => {
    setExporting({ format, bytes: 0 });
    setExported(null);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    // The server writes JSON as JSON Lines (a columns line, then one array of cells per row).
    exportSql({ connection: run.connection, sql: run.sql, format }, `tracedeck-${stamp}.${format === "json" ? "jsonl" : "csv"}`, (bytes) => setExporting({ format, bytes }))
      .then((r) => setExported(r === null ? null : { ok: r }))
      .catch((e: unknown) => setExported({ error: e }))
      .finally(() => setExporting(null));
  };
  const err = run.status === "error" ? run.error : null;
  const sqlErr = err instanceof ApiFailure ? err.sql : null;
  const pos = errorAt !== null ? lineCol(docText(), errorAt.from) : null;
  const hasGrid = run.columns.length > 0;
  const sel = selected !== null && hasGrid ? { col: run.columns[selected.col], cell: run.rows[selected.row]?.[selected.col] } : null;

  return (
    <div className="result" data-testid="result-panel">
      <div className="toolbar result-bar">
        <span role="tablist" aria-label="Result view">
          <button type="button" role="tab" className="btn small" aria-selected={view === "grid"} aria-pressed={view === "grid"} onClick={() => setView("grid")}>
            Grid
          </button>
          <button type="button" role="tab" className="btn small" aria-selected={view === "chart"} aria-pressed={view === "chart"} onClick={() => setView("chart")} disabled={!hasGrid}>
            Chart
          </button>
        </span>
        <Summary run={run} />
        <span className="spacer" />
        {(run.status === "paused" || run.status === "more") && (
          <>
            <button type="button" className="btn small" disabled={run.status === "more"} onClick={() => session.more()}>
              {run.status === "more" ? "Loading…" : `Load ${fmt(Math.min(pageSize, MAX_ROWS - run.rows.length))} more`}
            </button>
            <label className="muted">
              Page{" "}
              <select className="input" aria-label="Rows per page" value={pageSize} onChange={(e) => session.setPageSize(Number(e.target.value))}>
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={n}>
                    {fmt(n)}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        {hasGrid && (
          <span role="group" aria-label="Export all rows">
            <button type="button" className="btn small" disabled={exporting !== null} onClick={() => doExport("csv")} title={`Run the statement again${connectionName !== null ? ` on ${connectionName}` : ""} and save every row as CSV`}>
              {exporting?.format === "csv" ? `Exporting… ${fmt(exporting.bytes)} B` : "Export all CSV"}
            </button>{" "}
            <button type="button" className="btn small" disabled={exporting !== null} onClick={() => doExport("json")} title="Save every row as JSON Lines: a columns line, then one array of typed cells per row">
              {exporting?.format === "json" ? `Exporting… ${fmt(exporting.bytes)} B` : "Export all JSON"}
            </button>
          </span>
        )}
      </div>
      {exported !== null && (
        <div className={"error" in exported ? "banner" : "banner info"} role="status" data-testid="export-status">
          {"error" in exported ? `Export failed: ${errorMessage(exported.error)}` : exported.ok === null ? "" : `Saved ${exported.ok.name}${exported.ok.bytes !== null ? ` (${fmt(exported.ok.bytes)} bytes)` : ""}.`}
        </div>
      )}
      {err !== null && (
        <div className="sql-error" role="alert" data-testid="sql-error">
          <strong>{sqlErr !== null ? "Database error" : "Error"}</strong>
          {sqlErr?.code != null && <span className="muted"> [{sqlErr.code}]</span>}
          {pos !== null && <span className="muted"> at line {pos.line}, column {pos.col}</span>}
          <pre className="block">{sqlErr !== null ? sqlErr.message : errorMessage(err)}</pre>
        </div>
      )}
      {hasGrid && (
        <div className="result-body">
          {view === "grid" ? <ResultGrid run={run} selected={selected} onSelect={setSelected} onOpenId={onOpenId} /> : <ResultChart run={run} />}
          {view === "grid" && sel !== null && sel.col !== undefined && <CellInspector column={sel.col} cell={sel.cell} row={selected!.row} />}
        </div>
      )}
    </div>
  );
}
