//! The run list's rows, virtualized: status, name, agent/team, user, session, start,
//! duration, spans, errors, tokens and input preview. Scrolling near the end asks for the next
//! keyset page; rows inserted live above the viewport shift the scroll so nothing jumps.

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useRef } from "react";
import type { TraceSummary } from "../../../bindings";
import { formatRoute } from "../../../app/route";
import { clip, formatDuration, formatStart, formatTokens } from "../../../lib/format";

export const RUN_ROW_H = 32;

type Props = {
  rows: TraceSummary[];
  hasMore: boolean;
  loadingMore: boolean;
  /** Say "N runs" at the end of a complete list (a progressive search has its own line). */
  showCount: boolean;
  fresh: ReadonlySet<string>;
  shift: { seq: number; rows: number };
  selected: ReadonlySet<string>;
  onToggleSelect: (id: string) => void;
  onOpen: (id: string) => void;
  onLoadMore: () => void;
  anchor: React.RefObject<string | null>;
};

export function RunTable({ rows, hasMore, loadingMore, showCount, fresh, shift, selected, onToggleSelect, onOpen, onLoadMore, anchor }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => RUN_ROW_H, overscan: 12 });
  const items = v.getVirtualItems();
  // The last row actually in view (not the overscan): fetch the next page near the end.
  const viewEnd = (v.scrollOffset ?? 0) + (scroller.current?.clientHeight ?? 0);
  const lastVisible = Math.min(rows.length - 1, Math.floor(viewEnd / RUN_ROW_H));

  useEffect(() => {
    if (hasMore && !loadingMore && rows.length > 0 && lastVisible >= rows.length - 10) onLoadMore();
  }, [lastVisible, rows.length, hasMore, loadingMore, onLoadMore]);

  // Remember the first row in view; new rows inserted above it push the scroll down.
  useEffect(() => {
    const el = scroller.current;
    const first = el === null || el.scrollTop < RUN_ROW_H / 2 ? null : (rows[Math.floor(el.scrollTop / RUN_ROW_H)]?.trace_id ?? null);
    anchor.current = first;
  });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el !== null && shift.rows > 0 && el.scrollTop > 0) el.scrollTop += shift.rows * RUN_ROW_H;
  }, [shift]);

  return (
    <div className="runs" role="table" aria-label="Runs" aria-rowcount={rows.length}>
      <div className="grid-head" role="row">
        <span role="columnheader">
          <span className="sr-only">Select</span>
        </span>
        <span role="columnheader">Status</span>
        <span role="columnheader">Name</span>
        <span role="columnheader">Agent / team</span>
        <span role="columnheader">User</span>
        <span role="columnheader">Session</span>
        <span role="columnheader">Start</span>
        <span role="columnheader" className="num">
          Duration
        </span>
        <span role="columnheader" className="num">
          Spans
        </span>
        <span role="columnheader" className="num">
          Errors
        </span>
        <span role="columnheader" className="num">
          Tokens
        </span>
        <span role="columnheader">Input</span>
      </div>
      <div className="scroll" ref={scroller} data-testid="run-scroll">
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {items.map((it) => {
            const t = rows[it.index]!;
            return (
              <div
                key={t.trace_id}
                role="row"
                className={`run-row${fresh.has(t.trace_id) ? " fresh" : ""}`}
                style={{ transform: `translateY(${it.start}px)` }}
                data-trace-id={t.trace_id}
                onClick={(e) => {
                  if ((e.target as HTMLElement).closest("a, input") === null) onOpen(t.trace_id);
                }}
              >
                <span role="cell">
                  <input type="checkbox" aria-label={`Select ${t.name}`} checked={selected.has(t.trace_id)} onChange={() => onToggleSelect(t.trace_id)} />
                </span>
                <span role="cell">
                  <span className={`status ${t.status}`}>{t.status}</span>
                </span>
                <span role="cell" title={t.name}>
                  <a
                    href={formatRoute({ page: "trace", traceId: t.trace_id, spanId: null })}
                    onClick={(e) => {
                      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
                      e.preventDefault();
                      onOpen(t.trace_id);
                    }}
                  >
                    {t.name}
                  </a>
                </span>
                <span role="cell" title={t.team_id ?? t.agent_id ?? ""}>
                  {t.team_id !== null ? `team: ${t.team_id}` : (t.agent_id ?? t.workflow_id ?? "–")}
                </span>
                <span role="cell" title={t.user_id ?? ""}>
                  {t.user_id ?? "–"}
                </span>
                <span role="cell" title={t.session_id ?? ""}>
                  {t.session_id ?? "–"}
                </span>
                <span role="cell" title={t.start_time}>
                  {formatStart(t.start_us)}
                </span>
                <span role="cell" className="num">
                  {formatDuration(t.duration_ms)}
                </span>
                <span role="cell" className="num">
                  {t.span_count}
                </span>
                <span role="cell" className={`num${t.error_count > 0 ? " error-text" : ""}`}>
                  {t.error_count}
                </span>
                <span role="cell" className="num">
                  {t.total_tokens > 0 ? formatTokens(t.total_tokens) : "–"}
                </span>
                <span role="cell" className="muted" title={t.input_preview ?? ""}>
                  {t.input_preview === null ? "" : clip(t.input_preview.replace(/\s+/g, " "), 160)}
                </span>
              </div>
            );
          })}
        </div>
        {rows.length > 0 && showCount && <div className="list-foot">{loadingMore ? "Loading more…" : hasMore ? "" : `${rows.length} ${rows.length === 1 ? "run" : "runs"}`}</div>}
      </div>
    </div>
  );
}
