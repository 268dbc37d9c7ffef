//! The result grid: rows and columns both virtualized (only the cells in view exist), a sticky
//! header with each column's database type, row numbers, cells as text styled by kind (NULL,
//! JSON, numbers, bytes, times), trace/span id cells as links to the trace view, and a
//! selected cell (click or arrow keys) whose full value the inspector shows.

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef } from "react";
import { formatRoute } from "../../../app/route";
import { markSqlPainted } from "../../../lib/perf";
import { cellKind, cellText, columnTypeLabel, columnWidths, isNumericColumn } from "../model/cells";
import { detectIdColumns, idLink, routeOf, type IdTarget } from "../model/idColumns";
import type { Run } from "./querySession";

export const ROW_H = 24;
const HEAD_H = 36;
const NUM_W = 56;

export type CellPos = { row: number; col: number };

type Props = {
  run: Run;
  selected: CellPos | null;
  onSelect: (p: CellPos) => void;
  onOpenId: (t: IdTarget) => void;
};

export function ResultGrid({ run, selected, onSelect, onOpenId }: Props) {
  const { rows, columns, seq } = run;
  const scroller = useRef<HTMLDivElement>(null);
  const hasRows = rows.length > 0;
  // Column facts from the first page (they do not change as more pages arrive).
  const meta = useMemo(() => {
    const sample = rows.slice(0, 200);
    return { widths: columnWidths(columns, sample), numeric: columns.map((c, i) => isNumericColumn(c, sample, i)), ids: detectIdColumns(columns, sample) };
  }, [seq, columns, hasRows]);

  const rv = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 12 });
  const cv = useVirtualizer({ horizontal: true, count: columns.length, getScrollElement: () => scroller.current, estimateSize: (i) => meta.widths[i] ?? 120, overscan: 3 });
  useEffect(() => cv.measure(), [meta, cv]);

  useEffect(() => {
    if (rows.length > 0) markSqlPainted(seq, rows.length);
  }, [seq, rows.length]);

  useEffect(() => {
    if (selected === null) return;
    rv.scrollToIndex(selected.row, { align: "auto" });
    cv.scrollToIndex(selected.col, { align: "auto" });
  }, [selected, rv, cv]);

  const vRows = rv.getVirtualItems();
  const vCols = cv.getVirtualItems();
  const width = NUM_W + cv.getTotalSize();

  const onKey = (e: React.KeyboardEvent) => {
    const s = selected ?? { row: 0, col: 0 };
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 240) / ROW_H) - 1);
    const moves: Record<string, CellPos> = {
      ArrowDown: { row: s.row + 1, col: s.col },
      ArrowUp: { row: s.row - 1, col: s.col },
      ArrowRight: { row: s.row, col: s.col + 1 },
      ArrowLeft: { row: s.row, col: s.col - 1 },
      PageDown: { row: s.row + page, col: s.col },
      PageUp: { row: s.row - page, col: s.col },
      Home: { row: e.ctrlKey || e.metaKey ? 0 : s.row, col: 0 },
      End: { row: e.ctrlKey || e.metaKey ? rows.length - 1 : s.row, col: columns.length - 1 },
    };
    const m = moves[e.key];
    if (m !== undefined && rows.length > 0) {
      e.preventDefault();
      onSelect({ row: Math.max(0, Math.min(rows.length - 1, m.row)), col: Math.max(0, Math.min(columns.length - 1, m.col)) });
    } else if (e.key === "Enter" && selected !== null) {
      const row = rows[selected.row];
      const t = row === undefined ? null : idLink(meta.ids, row, selected.col);
      if (t !== null) {
        e.preventDefault();
        onOpenId(t);
      }
    }
  };

  return (
    <div className="rg" role="grid" aria-label="Query result" aria-rowcount={rows.length + 1} aria-colcount={columns.length + 1} tabIndex={0} onKeyDown={onKey} data-testid="result-grid">
      <div className="rg-scroll" ref={scroller} data-testid="result-scroll">
        <div className="rg-canvas" style={{ height: HEAD_H + rv.getTotalSize(), width }}>
          <div className="rg-head" role="row" aria-rowindex={1} style={{ width, height: HEAD_H }}>
            <div className="rg-num" role="columnheader">
              #
            </div>
            {vCols.map((c) => {
              const col = columns[c.index]!;
              return (
                <div key={c.index} role="columnheader" aria-colindex={c.index + 2} className={`rg-th${meta.numeric[c.index] ? " num" : ""}`} style={{ left: NUM_W + c.start, width: c.size }} title={`${col.name} (${col.db_type})`}>
                  <span className="rg-name">{col.name}</span>
                  <span className="rg-type">
                    {columnTypeLabel(col)}
                    {meta.ids[c.index] !== null ? ` · ${meta.ids[c.index]} id` : ""}
                  </span>
                </div>
              );
            })}
          </div>
          {vRows.map((r) => {
            const row = rows[r.index]!;
            return (
              <div key={r.index} role="row" aria-rowindex={r.index + 2} className={`rg-row${r.index % 2 === 1 ? " odd" : ""}`} style={{ transform: `translateY(${HEAD_H + r.start}px)`, width }}>
                <div className="rg-num" role="rowheader">
                  {r.index + 1}
                </div>
                {vCols.map((c) => {
                  const cell = row[c.index];
                  const kind = cellKind(cell);
                  const isSel = selected !== null && selected.row === r.index && selected.col === c.index;
                  const link = kind === "string" ? idLink(meta.ids, row, c.index) : null;
                  const route = link === null ? null : routeOf(link);
                  const text = cellText(cell);
                  return (
                    <div
                      key={c.index}
                      role="gridcell"
                      aria-colindex={c.index + 2}
                      aria-selected={isSel}
                      className={`rg-td c-${kind}${meta.numeric[c.index] ? " num" : ""}${isSel ? " sel" : ""}`}
                      style={{ left: NUM_W + c.start, width: c.size }}
                      onMouseDown={() => onSelect({ row: r.index, col: c.index })}
                    >
                      {link === null ? (
                        text
                      ) : (
                        <a
                          href={formatRoute(route ?? { page: "console" })}
                          className="id-link"
                          data-id-kind={link.kind}
                          title={link.kind === "trace" ? "Open this trace" : "Open this span in its trace"}
                          onClick={(e) => {
                            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
                            e.preventDefault();
                            onOpenId(link);
                          }}
                        >
                          {text}
                        </a>
                      )}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
