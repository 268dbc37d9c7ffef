//! The trace's summary line: name, status, duration, spans, errors, tokens, cost from the
//! local price table, who ran it, and a note when the tree had to be repaired.

import { useMemo } from "react";
import { useAppData } from "../../../app/appData";
import { EMPTY_FILTERS } from "../../runs/model/filters";
import { Link } from "../../../app/router";
import { formatCost, formatDuration, formatTimestamp, formatTokens } from "../../../lib/format";
import { CopyButton } from "../../../lib/ui/widgets";
import { traceCost } from "../model/cost";
import type { TraceModel } from "../model/tree";

export function TraceHeader({ model, updates }: { model: TraceModel; updates: number }) {
  const { prices } = useAppData();
  const t = model.detail.trace;
  const spans = model.detail.spans;
  const cost = useMemo(() => (prices === null ? null : traceCost(prices, spans)), [prices, spans]);
  const tokens = useMemo(() => spans.reduce((n, s) => n + (s.tokens ?? 0), 0), [spans]);
  const errors = model.errors.length;
  const issues = model.tree.issues;
  const durationMs = Math.max(t.duration_ms, model.traceDurationUs / 1000);
  return (
    <>
      <div className="trace-head">
        <h1>{t.name}</h1>
        <span className={`status ${errors > 0 ? "ERROR" : t.status}`}>{errors > 0 ? "ERROR" : t.status}</span>
        <div className="facts">
          <span title="Start">{formatTimestamp(model.traceStartUs)}</span>
          <span>{formatDuration(durationMs)}</span>
          <span>{spans.length} spans</span>
          <span className={errors > 0 ? "error-text" : ""}>{errors} errors</span>
          <span>{formatTokens(tokens)} tokens</span>
          {cost !== null && prices !== null && (
            <span title={cost.unpriced.length > 0 ? `No price for: ${cost.unpriced.join(", ")} (edit the price table)` : "From the local price table"}>
              {formatCost(cost.total, prices.currency)}
              {cost.unpriced.length > 0 ? " + unpriced" : ""}
            </span>
          )}
          {t.agent_id !== null && <span>agent {t.agent_id}</span>}
          {t.team_id !== null && <span>team {t.team_id}</span>}
          {t.user_id !== null && (
            <Link to={{ page: "runs", filters: { ...EMPTY_FILTERS, user: t.user_id } }} title="Runs of this user">
              user {t.user_id}
            </Link>
          )}
          {t.session_id !== null && (
            <Link to={{ page: "runs", filters: { ...EMPTY_FILTERS, session: t.session_id } }} title="Runs of this session">
              session {t.session_id}
            </Link>
          )}
          <span className="mono">{t.trace_id}</span>
          <CopyButton text={t.trace_id} label="Copy trace id" />
          {updates > 0 && (
            <span className="ok-text" aria-live="polite">
              <span className="dot on" aria-hidden="true" />
              live · updated {updates}×
            </span>
          )}
        </div>
      </div>
      {(issues.orphans > 0 || issues.cycles_broken > 0 || issues.duplicates > 0) && (
        <div className="issues" role="note">
          Tree repaired:{issues.orphans > 0 ? ` ${issues.orphans} span(s) whose parent is not recorded (yet) are grouped under a placeholder;` : ""}
          {issues.cycles_broken > 0 ? ` ${issues.cycles_broken} parent cycle(s) cut;` : ""}
          {issues.duplicates > 0 ? ` ${issues.duplicates} duplicate span id(s) dropped.` : ""}
        </div>
      )}
    </>
  );
}
