//! One trace: header, toolbar (search, match stepping, expand/collapse all, next error), the
//! virtualized tree with its waterfall and the span detail panel in resizable panes. Owns the
//! view state (collapsed set, selection, search) keyed by span ids, so a live refetch keeps
//! what the user expanded and selected. Keys: ↑/↓ move, ←/→ collapse/expand, `/` search,
//! `n`/`N` next/previous match, `e`/`E` next/previous error.

import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import type { TraceDetail } from "../../../bindings";
import { markStep, markTracePainted, MODEL_MARK } from "../../../lib/perf";
import { ErrorBox, Split } from "../../../lib/ui/widgets";
import { left, moveBy, right, toggle as toggleNode } from "../model/navigation";
import { indexInOrder, searchSpans, stepInOrder } from "../model/search";
import { allParentKeys, buildTraceModel, collapsedFlags, reveal, spanOfNode, visibleRows, type TraceModel } from "../model/tree";
import { KindLegend } from "./KindIcon";
import { SpanDetail } from "./SpanDetail";
import { TraceHeader } from "./TraceHeader";
import { TraceTree } from "./TraceTree";
import { useTrace } from "./useTrace";

/** Reveal every match's ancestors up to this many matches; beyond, only the current one. */
const REVEAL_ALL_LIMIT = 20_000;

type Props = {
  traceId: string;
  selectedSpanId: string | null;
  onSelectSpan: (spanId: string | null) => void;
  /** Wait for a trace that has no spans yet (a run that just started). */
  waitForIt?: boolean;
  autoFocus?: boolean;
};

export function TraceView({ traceId, selectedSpanId, onSelectSpan, waitForIt = false, autoFocus = false }: Props) {
  const t = useTrace(traceId, waitForIt);
  if (t.error !== null) return <ErrorBox error={t.error} onRetry={t.reload} timeoutHint="The database is slow to return this trace; retry in a moment." />;
  if (t.waiting) return <div className="placeholder">Waiting for the first spans of this run…</div>;
  if (t.detail === null) return <div className="placeholder">Loading trace…</div>;
  return <TraceLoaded detail={t.detail} updates={t.updates} selectedSpanId={selectedSpanId} onSelectSpan={onSelectSpan} autoFocus={autoFocus} />;
}

type LoadedProps = { detail: TraceDetail; updates: number; selectedSpanId: string | null; onSelectSpan: (id: string | null) => void; autoFocus: boolean };

function TraceLoaded({ detail, updates, selectedSpanId, onSelectSpan, autoFocus }: LoadedProps) {
  const traceId = detail.trace.trace_id;
  const model: TraceModel = useMemo(() => {
    const m = buildTraceModel(detail);
    markStep(MODEL_MARK, traceId);
    return m;
  }, [detail, traceId]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const flags = useMemo(() => collapsedFlags(model, collapsed), [model, collapsed]);
  const visible = useMemo(() => visibleRows(model, flags), [model, flags]);
  const rootKey = model.size > 0 ? model.keys[model.order[0]!]! : null;
  const [selectedKey, setSelectedKey] = useState<string | null>(selectedSpanId ?? rootKey);
  // A selection that no longer exists (a placeholder replaced by the real span) falls back to the first row.
  const selected = (selectedKey === null ? undefined : model.nodeByKey.get(selectedKey)) ?? (model.size > 0 ? model.order[0]! : -1);
  const [query, setQuery] = useState("");
  const deferredQuery = useDeferredValue(query);
  const matches = useMemo(() => searchSpans(model, deferredQuery), [model, deferredQuery]);
  const matchFlags = useMemo(() => {
    const f = new Uint8Array(model.size);
    for (const n of matches) f[n] = 1;
    return f;
  }, [model, matches]);
  const [scrollTo, setScrollTo] = useState({ node: -1, seq: 0 });
  const treeRef = useRef<HTMLDivElement | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  // A deep link to a span: show it once on open (later refetches keep the user's scroll).
  const scrolledOnce = useRef(false);
  useEffect(() => {
    if (scrolledOnce.current || selectedSpanId === null) return;
    scrolledOnce.current = true;
    const n = model.nodeByKey.get(selectedSpanId);
    if (n !== undefined) setScrollTo((s) => ({ node: n, seq: s.seq + 1 }));
  }, [model, selectedSpanId]);

  // The URL changed the selection (back/forward, a link): follow it.
  useEffect(() => {
    if (selectedSpanId !== null && selectedSpanId !== selectedKey) {
      setSelectedKey(selectedSpanId);
      const n = model.nodeByKey.get(selectedSpanId);
      if (n !== undefined) {
        setCollapsed((c) => reveal(model, c, [n]));
        setScrollTo((s) => ({ node: n, seq: s.seq + 1 }));
      }
    }
    // selectedKey is deliberately not a dependency: only URL changes are followed here.
  }, [selectedSpanId, model]);

  const select = useCallback(
    (node: number, opts: { scroll?: boolean; reveal?: boolean } = {}) => {
      if (node < 0) return;
      if (opts.reveal === true) setCollapsed((c) => reveal(model, c, [node]));
      setSelectedKey(model.keys[node]!);
      const span = spanOfNode(model, node);
      onSelectSpan(span?.span_id ?? null);
      if (opts.scroll !== false) setScrollTo((s) => ({ node, seq: s.seq + 1 }));
    },
    [model, onSelectSpan],
  );
  const onRowSelect = useCallback(
    (node: number) => {
      select(node, { scroll: false });
      treeRef.current?.focus({ preventScroll: true });
    },
    [select],
  );
  const onToggle = useCallback((node: number) => setCollapsed((c) => toggleNode(model, c, node)), [model]);

  // A new search reveals its matches and jumps to the first, unless the selection still matches.
  useEffect(() => {
    if (matches.length === 0) return;
    setCollapsed((c) => reveal(model, c, matches.length <= REVEAL_ALL_LIMIT ? matches : [matches[0]!]));
    if (indexInOrder(model, matches, selected) < 0) select(matches[0]!, { reveal: true });
    // Only a new match list triggers the jump, not selection changes.
  }, [matches]);

  const stepMatch = (dir: 1 | -1) => select(stepInOrder(model, matches, selected, dir), { reveal: true });
  const stepError = (dir: 1 | -1) => select(stepInOrder(model, model.errors, selected, dir), { reveal: true });

  const onKeyDown = (e: React.KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target === searchRef.current) {
      if (e.key === "Enter") {
        e.preventDefault();
        stepMatch(e.shiftKey ? -1 : 1);
      } else if (e.key === "Escape") {
        e.preventDefault();
        treeRef.current?.focus();
      }
      return;
    }
    if (target.matches("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
    const inTree = treeRef.current !== null && treeRef.current.contains(target);
    const page = Math.max(1, Math.floor((treeRef.current?.clientHeight ?? 260) / 26) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
    let handled = true;
    if (inTree && e.key in moves) {
      const d = moves[e.key]!;
      select(moveBy(model, visible, selected, Number.isFinite(d) ? d : d > 0 ? visible.length : -visible.length));
    } else if (inTree && (e.key === "ArrowLeft" || e.key === "ArrowRight")) {
      const s = (e.key === "ArrowLeft" ? left : right)(model, { selected, collapsed });
      setCollapsed(s.collapsed);
      if (s.selected !== selected) select(s.selected);
    } else if (inTree && (e.key === "Enter" || e.key === " ")) {
      if (selected >= 0) onToggle(selected);
    } else if (e.key === "/") {
      searchRef.current?.focus();
      searchRef.current?.select();
    } else if (e.key === "n" || e.key === "N") {
      stepMatch(e.key === "n" ? 1 : -1);
    } else if (e.key === "e" || e.key === "E") {
      stepError(e.key === "e" ? 1 : -1);
    } else handled = false;
    if (handled) e.preventDefault();
  };

  // `/` from anywhere on the page (nothing focused) starts a search.
  useEffect(() => {
    const onDoc = (e: KeyboardEvent) => {
      if (e.key === "/" && document.activeElement === document.body) {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    document.addEventListener("keydown", onDoc);
    return () => document.removeEventListener("keydown", onDoc);
  }, []);

  useEffect(() => {
    if (autoFocus) treeRef.current?.focus({ preventScroll: true });
  }, [autoFocus]);

  const onFirstRows = useCallback(() => markTracePainted(traceId, model.size), [traceId, model.size]);
  const current = matchFlags[selected] === 1 ? selected : -1;
  const matchIndex = indexInOrder(model, matches, selected);

  return (
    <div className="page" onKeyDown={onKeyDown}>
      <TraceHeader model={model} updates={updates} />
      <div className="toolbar" role="toolbar" aria-label="Trace tools">
        <input
          ref={searchRef}
          className="input"
          type="search"
          placeholder="Search spans (/)…"
          aria-label="Search span names and attribute values"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <span className="muted" aria-live="polite" data-testid="match-count">
          {query.trim() === "" ? "" : matches.length === 0 ? "no matches" : `${matchIndex >= 0 ? matchIndex + 1 : "–"} / ${matches.length}`}
        </span>
        <button type="button" className="btn icon" aria-label="Previous match (N)" title="Previous match (N)" disabled={matches.length === 0} onClick={() => stepMatch(-1)}>
          ↑
        </button>
        <button type="button" className="btn icon" aria-label="Next match (n)" title="Next match (n)" disabled={matches.length === 0} onClick={() => stepMatch(1)}>
          ↓
        </button>
        <button type="button" className="btn" onClick={() => setCollapsed(new Set())}>
          Expand all
        </button>
        <button type="button" className="btn" onClick={() => setCollapsed(allParentKeys(model))}>
          Collapse all
        </button>
        <button type="button" className="btn" disabled={model.errors.length === 0} onClick={() => stepError(1)} title="Next error (e)">
          Next error ({model.errors.length})
        </button>
        <span className="spacer" style={{ flex: 1 }} />
        <KindLegend />
      </div>
      <Split
        storageKey="trace"
        initial={0.58}
        label="Resize the tree and detail panes"
        first={
          <TraceTree
            model={model}
            visible={visible}
            collapsed={flags}
            selected={selected}
            matchFlags={matchFlags}
            currentMatch={current}
            scrollTo={scrollTo}
            onSelect={onRowSelect}
            onToggle={onToggle}
            onFirstRows={onFirstRows}
            treeRef={treeRef}
          />
        }
        second={<SpanDetail model={model} node={selected} onSelect={(n) => select(n, { reveal: true })} />}
      />
    </div>
  );
}
