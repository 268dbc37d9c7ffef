//! The Metrics page's figures as text: the totals line, and the tables by model, by agent,
//! of the slowest tools (by p95) and of the most failing tools (by errors, then rate). Every
//! name comes from span data and is rendered as React text. Rows and orders: `model/tables`.

import type { ReactNode } from "react";
import { formatCost, formatDuration, formatTokens } from "../../../lib/format";
import type { MergedMetrics } from "../model/merge";
import { agentRows, failingTools, formatRate, modelRows, slowestTools, type Totals } from "../model/tables";

const ms = (v: number | null) => (v === null ? "–" : formatDuration(v));
const money = (v: number | null, currency: string) => (v === null ? "–" : formatCost(v, currency));
const count = (n: number) => formatTokens(n);

export function TotalsLine({ t, currency, partial }: { t: Totals; currency: string; partial: boolean }) {
  const item = (label: string, value: string, id: string, cls = "") => (
    <div className={`mtotal ${cls}`}>
      <dt>{label}</dt>
      <dd data-testid={`metrics-total-${id}`}>{value}</dd>
    </div>
  );
  return (
    <dl className="mtotals" aria-label={partial ? "Totals so far (partial)" : "Totals"}>
      {item("Runs", count(t.runs), "runs")}
      {item("Errors", `${count(t.errors)} (${formatRate(t.errorRate)})`, "errors", t.errors > 0 ? "error-text" : "")}
      {item("p50 latency", ms(t.p50), "p50")}
      {item("p95 latency", ms(t.p95), "p95")}
      {item("Tokens", count(t.tokens), "tokens")}
      {item("Cost", money(t.cost, currency), "cost")}
      {partial && <div className="mtotal muted">partial</div>}
    </dl>
  );
}

function Table({ title, head, children, empty, testId }: { title: string; head: string[]; children: ReactNode[]; empty: string; testId: string }) {
  return (
    <section className="mtable-box" aria-label={title}>
      <h3>{title}</h3>
      {children.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="mtable" data-testid={testId}>
          <thead>
            <tr>
              {head.map((h, i) => (
                <th key={h} scope="col" className={i === 0 ? "" : "num"}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      )}
    </section>
  );
}

export function MetricsTables({ m, currency }: { m: MergedMetrics; currency: string }) {
  const models = modelRows(m);
  const agents = agentRows(m);
  const slow = slowestTools(m);
  const failing = failingTools(m);
  return (
    <div className="mtables">
      <Table title="By model" head={["Model", "Calls", "Errors", "Prompt tokens", "Completion tokens", "Cost"]} empty="No LLM calls in this range." testId="metrics-models">
        {models.map((r) => (
          <tr key={r.model} data-model={r.model}>
            <td className="name" title={r.model}>
              {r.model}
            </td>
            <td className="num">{count(r.calls)}</td>
            <td className={`num${r.errors > 0 ? " error-text" : ""}`}>{count(r.errors)}</td>
            <td className="num">{count(r.prompt_tokens)}</td>
            <td className="num">{count(r.completion_tokens)}</td>
            <td className="num" title={r.cost_usd === null ? "no price for this model (Settings)" : undefined}>
              {money(r.cost_usd, currency)}
            </td>
          </tr>
        ))}
      </Table>
      <Table title="By agent" head={["Agent, team or workflow", "Runs", "Errors", "Error rate", "p50", "p95", "Tokens", "Cost"]} empty="No runs in this range." testId="metrics-agents">
        {agents.map((r) => (
          <tr key={r.agent ?? "\u0000"} data-agent={r.agent ?? ""}>
            <td className={`name${r.agent === null ? " muted" : ""}`} title={r.agent ?? undefined}>
              {r.agent ?? "(none)"}
            </td>
            <td className="num">{count(r.runs)}</td>
            <td className={`num${r.errors > 0 ? " error-text" : ""}`}>{count(r.errors)}</td>
            <td className="num">{formatRate(r.errorRate)}</td>
            <td className="num">{ms(r.p50)}</td>
            <td className="num">{ms(r.p95)}</td>
            <td className="num">{count(r.tokens)}</td>
            <td className="num">{money(r.cost, currency)}</td>
          </tr>
        ))}
      </Table>
      <Table title="Slowest tools (by p95)" head={["Tool", "Calls", "p50", "p95"]} empty="No tool calls in this range." testId="metrics-slow-tools">
        {slow.map((r) => (
          <tr key={r.tool} data-tool={r.tool}>
            <td className="name" title={r.tool}>
              {r.tool}
            </td>
            <td className="num">{count(r.calls)}</td>
            <td className="num">{ms(r.p50)}</td>
            <td className="num">{ms(r.p95)}</td>
          </tr>
        ))}
      </Table>
      <Table title="Most failing tools" head={["Tool", "Errors", "Calls", "Error rate"]} empty="No failed tool calls in this range." testId="metrics-failing-tools">
        {failing.map((r) => (
          <tr key={r.tool} data-tool={r.tool}>
            <td className="name" title={r.tool}>
              {r.tool}
            </td>
            <td className="num error-text">{count(r.errors)}</td>
            <td className="num">{count(r.calls)}</td>
            <td className="num">{formatRate(r.errorRate)}</td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
