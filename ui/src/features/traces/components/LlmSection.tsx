//! The LLM part of the span detail: model, parameters, token counts and cost, then the input
//! and output messages as a chat (roles, tool calls, tool results), each message shown raw or
//! as markdown (rendered safely, see `Markdown`).

import { useMemo, useState } from "react";
import type { PriceTable, Span } from "../../../bindings";
import { parseMaybeJson } from "../../../lib/json";
import { formatCost, formatTokens } from "../../../lib/format";
import { JsonView } from "../../../lib/ui/JsonView";
import { Markdown } from "../../../lib/ui/Markdown";
import { callCost } from "../model/cost";
import { parseLlm, type ChatMessage } from "../model/messages";

function Message({ m, markdown }: { m: ChatMessage; markdown: boolean }) {
  const role = m.role.toLowerCase();
  return (
    <div className={`msg role-${/^[a-z]+$/.test(role) ? role : "other"}`} data-testid="chat-message">
      <div className="msg-role">
        <span>{m.role}</span>
        {m.name !== null && <span className="muted">{m.name}</span>}
        {m.toolCallId !== null && <span className="muted">result of {m.toolCallId}</span>}
      </div>
      <div className="msg-body">
        {m.content !== null && m.content !== "" && (markdown ? <Markdown text={m.content} /> : <pre className="raw">{m.content}</pre>)}
        {m.toolCalls.map((tc, i) => {
          const args = parseMaybeJson(tc.arguments);
          return (
            <div className="tool-call" key={`${tc.id ?? ""}-${i}`}>
              <div>
                <strong>⚒ {tc.name}</strong> {tc.id !== null && <span className="muted mono">{tc.id}</span>}
              </div>
              {args !== undefined && args !== "" && <JsonView value={args} openDepth={1} />}
            </div>
          );
        })}
        {m.content === null && m.toolCalls.length === 0 && <span className="muted">(empty)</span>}
      </div>
    </div>
  );
}

export function LlmSection({ span, prices }: { span: Span; prices: PriceTable | null }) {
  const info = useMemo(() => parseLlm(span.attributes, span.model), [span]);
  const [markdown, setMarkdown] = useState(true);
  const cost = prices === null ? null : callCost(prices, info.model, info.promptTokens, info.completionTokens);
  return (
    <>
      <h3>Model</h3>
      <dl className="kv">
        <dt>Model</dt>
        <dd>{info.model ?? "–"}</dd>
        {info.provider !== null && (
          <>
            <dt>Provider</dt>
            <dd>{info.provider}</dd>
          </>
        )}
        <dt>Tokens</dt>
        <dd data-testid="llm-tokens">
          {formatTokens(info.promptTokens)} prompt · {formatTokens(info.completionTokens)} completion · {formatTokens(info.totalTokens)} total
        </dd>
        <dt>Cost</dt>
        <dd>
          {cost !== null && prices !== null
            ? `${formatCost(cost.total, prices.currency)} (${formatCost(cost.input, prices.currency)} in + ${formatCost(cost.output, prices.currency)} out, price “${cost.price.model}”)`
            : "no price for this model — add one on the Prices page"}
        </dd>
        {info.tools.length > 0 && (
          <>
            <dt>Tools offered</dt>
            <dd>{info.tools.join(", ")}</dd>
          </>
        )}
      </dl>
      {info.params !== null && (
        <>
          <h3>Parameters</h3>
          <JsonView value={info.params} />
        </>
      )}
      <h3>
        Messages
        <span role="group" aria-label="Message format">
          <button type="button" className="btn small" aria-pressed={markdown} onClick={() => setMarkdown(true)}>
            Markdown
          </button>
          <button type="button" className="btn small" aria-pressed={!markdown} onClick={() => setMarkdown(false)}>
            Raw
          </button>
        </span>
      </h3>
      {info.input.length === 0 && info.output.length === 0 ? (
        <p className="muted">This span carries no messages.</p>
      ) : (
        <div className="chat" aria-label="Messages">
          {info.input.map((m, i) => (
            <Message key={`in-${i}`} m={m} markdown={markdown} />
          ))}
          {info.output.length > 0 && <div className="muted">Response</div>}
          {info.output.map((m, i) => (
            <Message key={`out-${i}`} m={m} markdown={markdown} />
          ))}
        </div>
      )}
    </>
  );
}
