//! The span tree with its waterfall: only the visible rows are rendered (virtual list over the
//! model's visible-row array), each row a flat element (no recursive components), bars placed
//! by the precomputed relative times. Keyboard handling lives in the trace view; this pane
//! renders, reports clicks and scrolls the selection into view.

import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useRef, useState, type CSSProperties } from "react";
import { formatDuration, formatOffset, formatTokens } from "../../../lib/format";
import { hasChildren, kindOfNode, spanOfNode, type TraceModel } from "../model/tree";
import { KindIcon } from "./KindIcon";

export const ROW_H = 26;
const INDENT = 14;
const MAX_INDENT_LEVELS = 32;

export const rowId = (node: number) => `span-row-${node}`;

type RowProps = {
  model: TraceModel;
  node: number;
  top: number;
  expanded: boolean;
  selected: boolean;
  match: boolean;
  current: boolean;
  onSelect: (node: number) => void;
  onToggle: (node: number) => void;
  onHover: (node: number, x: number, y: number) => void;
};

const Row = memo(function Row({ model: m, node, top, expanded, selected, match, current, onSelect, onToggle, onHover }: RowProps) {
  const span = spanOfNode(m, node);
  const kind = kindOfNode(m, node);
  const depth = m.depth[node]!;
  const parent = hasChildren(m, node);
  const dur = m.traceDurationUs > 0 ? m.traceDurationUs : 1;
  const start = m.startRel[node]!;
  const end = m.endRel[node]!;
  const left = (start / dur) * 100;
  const width = Math.max(((end - start) / dur) * 100, 0.15);
  const name = span !== null ? span.name : `missing parent ${m.keys[node]!.slice(1)} (not recorded yet, or lost)`;
  const durMs = (end - start) / 1000;
  const cls = `tree-row kind-${kind}${selected ? " selected" : ""}${m.error[node] ? " error" : ""}${match ? " match" : ""}${current ? " current-match" : ""}`;
  const style: CSSProperties = { transform: `translateY(${top}px)` };
  return (
    <div
      id={rowId(node)}
      className={cls}
      style={style}
      role="treeitem"
      aria-level={depth + 1}
      aria-expanded={parent ? expanded : undefined}
      aria-selected={selected}
      data-span-id={span?.span_id}
      onClick={() => onSelect(node)}
    >
      <div className="cell-name" style={{ paddingLeft: 4 + Math.min(depth, MAX_INDENT_LEVELS) * INDENT }}>
        {depth > MAX_INDENT_LEVELS && <span className="deep">{depth}</span>}
        <button
          type="button"
          tabIndex={-1}
          className={`twisty${parent ? "" : " leaf"}`}
          aria-label={expanded ? "Collapse" : "Expand"}
          onClick={(e) => {
            e.stopPropagation();
            onToggle(node);
          }}
        >
          {expanded ? "▾" : "▸"}
        </button>
        <KindIcon kind={kind} />
        <span className="name" title={name}>
          {name}
        </span>
        {m.error[node] ? <span className="err-badge">● error</span> : null}
      </div>
      <div className="num" title="Duration">
        {formatDuration(durMs)}
      </div>
      <div className="num" title="Tokens">
        {span?.tokens !== null && span?.tokens !== undefined ? formatTokens(span.tokens) : ""}
      </div>
      <div className="cell-bar" onMouseMove={(e) => onHover(node, e.clientX, e.clientY)} onMouseLeave={() => onHover(-1, 0, 0)}>
        <div className="bar" style={{ left: `${left}%`, width: `${width}%` }} />
      </div>
    </div>
  );
});

type Props = {
  model: TraceModel;
  visible: Int32Array;
  collapsed: Uint8Array;
  selected: number;
  matchFlags: Uint8Array;
  currentMatch: number;
  scrollTo: { node: number; seq: number };
  onSelect: (node: number) => void;
  onToggle: (node: number) => void;
  onFirstRows?: () => void;
  treeRef: React.RefObject<HTMLDivElement | null>;
};

function useNameWidth(): [number, (f: number) => void] {
  const [w, setW] = useState(() => {
    try {
      const v = Number(localStorage.getItem("tracedeck.tree.nameWidth"));
      return v >= 0.2 && v <= 0.8 ? v : 0.46;
    } catch {
      return 0.46;
    }
  });
  return [
    w,
    (f: number) => {
      const v = Math.min(0.8, Math.max(0.2, f));
      setW(v);
      try {
        localStorage.setItem("tracedeck.tree.nameWidth", String(v));
      } catch {
        /* not remembered */
      }
    },
  ];
}

function HoverTimes({ m, hover }: { m: TraceModel; hover: { node: number; x: number; y: number } }) {
  const span = spanOfNode(m, hover.node);
  const start = m.startRel[hover.node]!;
  const end = m.endRel[hover.node]!;
  return (
    <div className="hover-times" role="tooltip" style={{ left: hover.x + 14, top: hover.y + 14 }} data-testid="bar-tooltip">
      <strong>{span?.name ?? "missing parent"}</strong>
      <div>
        start {formatOffset(start)} · end {formatOffset(end)}
      </div>
      <div>
        duration {formatDuration((end - start) / 1000)}
        {span?.tokens != null ? ` · ${formatTokens(span.tokens)} tokens` : ""}
      </div>
    </div>
  );
}

export function TraceTree(p: Props) {
  const { model: m, visible } = p;
  const [hover, setHover] = useState<{ node: number; x: number; y: number } | null>(null);
  const onHover = useCallback((node: number, x: number, y: number) => setHover(node < 0 ? null : { node, x, y }), []);
  const scroller = useRef<HTMLDivElement>(null);
  const [nameW, setNameW] = useNameWidth();
  const v = useVirtualizer({ count: visible.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 15 });
  const indexOf = (node: number) => {
    let lo = 0;
    let hi = visible.length;
    const pos = m.pos[node]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (m.pos[visible[mid]!]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return visible[lo] === node ? lo : -1;
  };

  useEffect(() => {
    if (p.scrollTo.node < 0) return;
    const i = indexOf(p.scrollTo.node);
    if (i >= 0) v.scrollToIndex(i, { align: "auto" });
  }, [p.scrollTo]); // only on explicit scroll requests

  const items = v.getVirtualItems();
  const firstRowsShown = items.length > 0;
  const onFirstRows = p.onFirstRows;
  useEffect(() => {
    if (firstRowsShown) onFirstRows?.();
  }, [firstRowsShown, onFirstRows]);

  const dur = m.traceDurationUs;
  const ticks = [0, 0.25, 0.5, 0.75];
  const headerRef = useRef<HTMLDivElement>(null);
  const drag = (e: React.PointerEvent<HTMLButtonElement>) => {
    if (!e.currentTarget.hasPointerCapture(e.pointerId) || headerRef.current === null) return;
    const r = headerRef.current.getBoundingClientRect();
    setNameW((e.clientX - r.left) / r.width);
  };

  return (
    <div className="tree" style={{ "--name-w": `${(nameW * 100).toFixed(1)}%` } as CSSProperties}>
      <div className="tree-head" ref={headerRef}>
        <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center" }}>
          <span>Span</span>
          <button
            type="button"
            className="splitter"
            style={{ height: 16, flex: "0 0 4px" }}
            role="separator"
            aria-orientation="vertical"
            aria-label="Resize the span name column"
            aria-valuenow={Math.round(nameW * 100)}
            onPointerDown={(e) => e.currentTarget.setPointerCapture(e.pointerId)}
            onPointerMove={drag}
            onKeyDown={(e) => {
              if (e.key === "ArrowLeft") setNameW(nameW - 0.02);
              if (e.key === "ArrowRight") setNameW(nameW + 0.02);
            }}
          />
        </div>
        <div className="num">Duration</div>
        <div className="num">Tokens</div>
        <div className="cell-bar" aria-hidden="true">
          {ticks.map((t) => (
            <span key={t} className="tick" style={{ left: `${t * 100}%` }}>
              <span className="tick-label">{formatDuration((dur * t) / 1000)}</span>
            </span>
          ))}
        </div>
      </div>
      <div
        className="scroll"
        ref={(el) => {
          scroller.current = el;
          p.treeRef.current = el;
        }}
        tabIndex={0}
        role="tree"
        aria-label="Span tree"
        aria-activedescendant={p.selected >= 0 && indexOf(p.selected) >= 0 ? rowId(p.selected) : undefined}
        data-testid="span-tree"
      >
        <div style={{ height: v.getTotalSize(), position: "relative" }}>
          {items.map((it) => {
            const node = visible[it.index]!;
            return (
              <Row
                key={node}
                model={m}
                node={node}
                top={it.start}
                expanded={!p.collapsed[node]}
                selected={node === p.selected}
                match={p.matchFlags[node] === 1}
                current={node === p.currentMatch}
                onSelect={p.onSelect}
                onToggle={p.onToggle}
                onHover={onHover}
              />
            );
          })}
        </div>
      </div>
      {hover !== null && hover.node < m.size && <HoverTimes m={m} hover={hover} />}
    </div>
  );
}
