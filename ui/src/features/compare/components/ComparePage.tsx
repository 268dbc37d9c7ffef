//! Compare two runs: pick them (ids in the URL), see both trees side by side, aligned by
//! matched spans, with duration and token differences per span (virtualized rows).

import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import type { TraceDetail, TraceSummary } from "../../../bindings";
import { useRouter } from "../../../app/router";
import { formatDuration, formatDurationDelta, formatTokens, formatTokensDelta } from "../../../lib/format";
import { getTrace, isCancelled, listTraces } from "../../../lib/ipc";
import { ErrorBox } from "../../../lib/ui/widgets";
import { KindIcon } from "../../traces/components/KindIcon";
import { buildTraceModel, kindOfNode, spanOfNode, type TraceModel } from "../../traces/model/tree";
import { compareTraces, summarize, type CompareRow } from "../model/match";

const ROW_H = 26;

function useDetail(id: string | null): { detail: TraceDetail | null; error: unknown } {
  const [state, setState] = useState<{ detail: TraceDetail | null; error: unknown }>({ detail: null, error: null });
  useEffect(() => {
    setState({ detail: null, error: null });
    if (id === null) return;
    const abort = new AbortController();
    getTrace(id, { signal: abort.signal })
      .then((d) => !abort.signal.aborted && setState({ detail: d, error: null }))
      .catch((e: unknown) => !isCancelled(e) && setState({ detail: null, error: e }));
    return () => abort.abort();
  }, [id]);
  return state;
}

function Side({ m, node, depth }: { m: TraceModel; node: number; depth: number }) {
  if (node < 0) return <span className="cell absent" style={{ paddingLeft: depth * 12 }}>— not in this run</span>;
  const s = spanOfNode(m, node);
  return (
    <span className={`cell${m.error[node] ? " error-text" : ""}`} style={{ paddingLeft: depth * 12 }} title={s?.name}>
      <KindIcon kind={kindOfNode(m, node)} /> {s?.name ?? "missing parent"}
    </span>
  );
}

function deltaClass(d: number | null): string {
  return d === null || d === 0 ? "num" : d > 0 ? "num worse" : "num better";
}

function Rows({ a, b, rows }: { a: TraceModel; b: TraceModel; rows: CompareRow[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 15 });
  return (
    <div className="scroll" ref={scroller} role="table" aria-label="Matched spans" data-testid="compare-rows">
      <div style={{ height: v.getTotalSize(), position: "relative" }}>
        {v.getVirtualItems().map((it) => {
          const r = rows[it.index]!;
          const sa = r.a >= 0 ? spanOfNode(a, r.a) : null;
          const sb = r.b >= 0 ? spanOfNode(b, r.b) : null;
          return (
            <div key={it.key} className="cmp-row" role="row" style={{ transform: `translateY(${it.start}px)` }}>
              <Side m={a} node={r.a} depth={r.depth} />
              <span className="num">{sa !== null ? formatDuration(sa.duration_ms) : ""}</span>
              <span className="num">{sa?.tokens != null ? formatTokens(sa.tokens) : ""}</span>
              <Side m={b} node={r.b} depth={r.depth} />
              <span className="num">{sb !== null ? formatDuration(sb.duration_ms) : ""}</span>
              <span className="num">{sb?.tokens != null ? formatTokens(sb.tokens) : ""}</span>
              <span className={deltaClass(r.durationDeltaMs)}>{r.durationDeltaMs !== null ? formatDurationDelta(r.durationDeltaMs) : ""}</span>
              <span className={deltaClass(r.tokensDelta)}>{r.tokensDelta !== null ? formatTokensDelta(r.tokensDelta) : ""}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}

function Picker({ label, value, onPick, recent }: { label: string; value: string | null; onPick: (id: string) => void; recent: TraceSummary[] }) {
  const [text, setText] = useState(value ?? "");
  useEffect(() => setText(value ?? ""), [value]);
  return (
    <label className="field">
      {label}
      <input
        className="input mono"
        list="dl-recent-runs"
        value={text}
        placeholder="trace id"
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text.trim() !== "" && text.trim() !== value && onPick(text.trim())}
        onKeyDown={(e) => e.key === "Enter" && text.trim() !== "" && onPick(text.trim())}
      />
      {recent.length > 0 && label === "Run A" && (
        <datalist id="dl-recent-runs">
          {recent.map((t) => (
            <option key={t.trace_id} value={t.trace_id}>{`${t.name} · ${t.start_time}`}</option>
          ))}
        </datalist>
      )}
    </label>
  );
}

export function ComparePage({ a, b }: { a: string | null; b: string | null }) {
  const { navigate } = useRouter();
  const left = useDetail(a);
  const right = useDetail(b);
  const [recent, setRecent] = useState<TraceSummary[]>([]);
  useEffect(() => {
    const empty = { user_id: null, session_id: null, agent_id: null, team_id: null, workflow_id: null, run_id: null, status: null, search: null, since_us: null, until_us: null };
    const abort = new AbortController();
    listTraces(empty, { limit: 50, cursor: null }, { signal: abort.signal })
      .then((p) => setRecent(p.traces))
      .catch(() => undefined);
    return () => abort.abort();
  }, []);
  const ma = useMemo(() => (left.detail === null ? null : buildTraceModel(left.detail)), [left.detail]);
  const mb = useMemo(() => (right.detail === null ? null : buildTraceModel(right.detail)), [right.detail]);
  const rows = useMemo(() => (ma !== null && mb !== null ? compareTraces(ma, mb) : null), [ma, mb]);
  const sum = rows === null ? null : summarize(rows);
  const tokens = (m: TraceModel) => m.detail.spans.reduce((n, s) => n + (s.tokens ?? 0), 0);

  return (
    <div className="page">
      <div className="compare-pick">
        <Picker label="Run A" value={a} recent={recent} onPick={(id) => navigate({ page: "compare", a: id, b })} />
        <Picker label="Run B" value={b} recent={recent} onPick={(id) => navigate({ page: "compare", a, b: id })} />
        <button type="button" className="btn" disabled={a === null || b === null} onClick={() => navigate({ page: "compare", a: b, b: a })}>
          Swap
        </button>
        {ma !== null && mb !== null && sum !== null && (
          <span className="muted" data-testid="compare-summary">
            {ma.detail.trace.name} vs {mb.detail.trace.name} · duration {formatDuration(ma.traceDurationUs / 1000)} → {formatDuration(mb.traceDurationUs / 1000)} (
            {formatDurationDelta((mb.traceDurationUs - ma.traceDurationUs) / 1000)}) · tokens {formatTokens(tokens(ma))} → {formatTokens(tokens(mb))} · {sum.matched} matched, {sum.onlyA} only in A,{" "}
            {sum.onlyB} only in B
          </span>
        )}
      </div>
      {left.error !== null && <ErrorBox error={left.error} />}
      {right.error !== null && <ErrorBox error={right.error} />}
      {(a === null || b === null) && <div className="placeholder">Choose two runs — tick two rows in the run list, or paste trace ids above.</div>}
      {ma !== null && mb !== null && rows !== null && (
        <div className="runs">
          <div className="cmp-head" role="row">
            <span>Run A span</span>
            <span className="num">Duration</span>
            <span className="num">Tokens</span>
            <span>Run B span</span>
            <span className="num">Duration</span>
            <span className="num">Tokens</span>
            <span className="num">Δ duration</span>
            <span className="num">Δ tokens</span>
          </div>
          <Rows a={ma} b={mb} rows={rows} />
        </div>
      )}
    </div>
  );
}
