//! The span detail panel: header (name, kind, status, duration, start offset, ids with copy),
//! then per kind the LLM chat, the tool's arguments and result, or the input/output; then
//! exceptions with stack traces, links to the parent and children, and the attribute table
//! with a filter box. Everything from the span is rendered as text.

import { useMemo, useState } from "react";
import { useAppData } from "../../../app/appData";
import type { Value as JsonValue, Span } from "../../../bindings";
import { formatDuration, formatOffset, formatTimestamp, formatTokens } from "../../../lib/format";
import { JsonView } from "../../../lib/ui/JsonView";
import { Markdown } from "../../../lib/ui/Markdown";
import { CopyButton } from "../../../lib/ui/widgets";
import { KIND_INFO } from "../model/kinds";
import { attributeRows, filterAttributes, parseExceptions, parseInputOutput, parseRetrieval, parseTool, spanJson } from "../model/spanInfo";
import { childrenOf, kindOfNode, spanOfNode, type TraceModel } from "../model/tree";
import { KindIcon } from "./KindIcon";
import { LlmSection } from "./LlmSection";

const MAX_LINKS = 50;
const MAX_ATTR_ROWS = 2000;

function Value({ v, markdown }: { v: JsonValue | undefined; markdown?: boolean }) {
  if (v === undefined) return <span className="muted">–</span>;
  if (typeof v === "string") return markdown === true ? <Markdown text={v} /> : <pre className="block">{v}</pre>;
  return <JsonView value={v} />;
}

function NodeLink({ model, node, onSelect }: { model: TraceModel; node: number; onSelect: (n: number) => void }) {
  const s = spanOfNode(model, node);
  return (
    <button type="button" className={`btn small kind-${kindOfNode(model, node)}`} onClick={() => onSelect(node)}>
      <KindIcon kind={kindOfNode(model, node)} /> {s?.name ?? "missing parent"}
    </button>
  );
}

function Attributes({ attrs }: { attrs: Record<string, JsonValue> }) {
  const [filter, setFilter] = useState("");
  const rows = useMemo(() => attributeRows(attrs), [attrs]);
  const shown = filterAttributes(rows, filter);
  return (
    <>
      <h3>
        Attributes ({rows.length})
        <input className="input" type="search" placeholder="Filter attributes…" aria-label="Filter attributes" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </h3>
      <table className="attr-table" data-testid="attribute-table">
        <tbody>
          {shown.slice(0, MAX_ATTR_ROWS).map((r) => (
            <tr key={r.key}>
              <td className="k">{r.key}</td>
              <td className="v">{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length > MAX_ATTR_ROWS && <p className="muted">{shown.length - MAX_ATTR_ROWS} more — narrow the filter.</p>}
      {shown.length === 0 && <p className="muted">No attribute matches.</p>}
    </>
  );
}

function Documents({ span }: { span: Span }) {
  const docs = parseRetrieval(span);
  if (docs.length === 0) return null;
  return (
    <>
      <h3>Retrieved documents ({docs.length})</h3>
      <ol className="docs">
        {docs.map((d, i) => (
          <li key={i}>
            {d.score !== null && <span className="muted">score {d.score.toFixed(3)} </span>}
            {d.id !== null && <span className="mono muted">{d.id} </span>}
            {d.content !== null && <pre className="block">{d.content}</pre>}
            {d.metadata !== undefined && <JsonView value={d.metadata} openDepth={0} />}
          </li>
        ))}
      </ol>
    </>
  );
}

export function SpanDetail({ model, node, onSelect }: { model: TraceModel; node: number; onSelect: (n: number) => void }) {
  const { prices } = useAppData();
  const [ioMarkdown, setIoMarkdown] = useState(false);
  if (node < 0) return <div className="placeholder">Select a span to see its details.</div>;
  const span = spanOfNode(model, node);
  const kind = kindOfNode(model, node);
  const children = childrenOf(model, node);
  const parent = model.parent[node]!;
  const links = (
    <>
      <h3>Related spans</h3>
      <div className="links">
        {parent >= 0 ? <NodeLink model={model} node={parent} onSelect={onSelect} /> : <span className="muted">No parent (a root span).</span>}
      </div>
      {children.length > 0 && (
        <div className="links" style={{ marginTop: 6 }}>
          {children.slice(0, MAX_LINKS).map((c) => (
            <NodeLink key={c} model={model} node={c} onSelect={onSelect} />
          ))}
          {children.length > MAX_LINKS && <span className="muted">and {children.length - MAX_LINKS} more</span>}
        </div>
      )}
    </>
  );
  if (span === null) {
    return (
      <div className="detail" aria-label="Span detail">
        <h2>
          <KindIcon kind="missing" /> Missing parent span
        </h2>
        <p>
          Spans below refer to parent <code>{model.keys[node]!.slice(1)}</code>, which is not in the database. A run still in progress writes its root span last; otherwise the parent was lost.
        </p>
        {links}
      </div>
    );
  }
  const exceptions = parseExceptions(span);
  const io = parseInputOutput(span);
  const tool = kind === "tool" || kind === "delegation" ? parseTool(span) : null;
  return (
    <div className="detail" aria-label="Span detail" data-testid="span-detail">
      <h2>
        <KindIcon kind={kind} /> <span data-testid="span-name">{span.name}</span> <span className={`status ${span.status_code}`}>{span.status_code}</span>
      </h2>
      <dl className="kv" style={{ marginTop: 8 }}>
        <dt>Kind</dt>
        <dd className={`kind-${kind}`}>
          <span className="kind-label">{KIND_INFO[kind].label}</span> <span className="muted">({span.kind}, {span.span_kind})</span>
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(span.duration_ms)}</dd>
        <dt>Start</dt>
        <dd>
          {formatOffset(span.start_us - model.traceStartUs)} <span className="muted">({formatTimestamp(span.start_us)})</span>
        </dd>
        {span.tokens !== null && (
          <>
            <dt>Tokens</dt>
            <dd>{formatTokens(span.tokens)}</dd>
          </>
        )}
        <dt>Span id</dt>
        <dd>
          <span className="mono">{span.span_id}</span> <CopyButton text={span.span_id} label="Copy span id" />
        </dd>
        <dt>Trace id</dt>
        <dd>
          <span className="mono">{span.trace_id}</span> <CopyButton text={span.trace_id} label="Copy trace id" />
        </dd>
        {span.parent_span_id !== null && (
          <>
            <dt>Parent id</dt>
            <dd>
              <span className="mono">{span.parent_span_id}</span> <CopyButton text={span.parent_span_id} label="Copy parent span id" />
            </dd>
          </>
        )}
        {span.status_message !== null && (
          <>
            <dt>Status</dt>
            <dd className="error-text">{span.status_message}</dd>
          </>
        )}
      </dl>
      <div className="detail-actions">
        <CopyButton text={spanJson(span)} label="Copy span as JSON">
          Copy span as JSON
        </CopyButton>
      </div>
      {exceptions.length > 0 && (
        <>
          <h3>Exceptions</h3>
          {exceptions.map((x, i) => (
            <div className="exception" key={i} role="alert" data-testid="exception">
              <strong>{x.type ?? "Error"}</strong>
              {x.message !== null && `: ${x.message}`}
              {x.time !== null && <span className="muted"> · {x.time}</span>}
              {x.stacktrace !== null && <pre>{x.stacktrace}</pre>}
            </div>
          ))}
        </>
      )}
      {kind === "llm" ? (
        <LlmSection span={span} prices={prices} />
      ) : tool !== null ? (
        <>
          <h3>{kind === "delegation" ? "Delegation" : "Tool"}</h3>
          <dl className="kv">
            <dt>Tool</dt>
            <dd>{tool.name}</dd>
            {tool.description !== null && (
              <>
                <dt>Description</dt>
                <dd>{tool.description}</dd>
              </>
            )}
          </dl>
          <h3>Arguments</h3>
          <Value v={tool.arguments} />
          <h3>Result</h3>
          <Value v={tool.result} />
        </>
      ) : (
        (io.input !== undefined || io.output !== undefined) && (
          <>
            <h3>
              Input
              <button type="button" className="btn small" aria-pressed={ioMarkdown} onClick={() => setIoMarkdown(!ioMarkdown)}>
                Markdown
              </button>
            </h3>
            <Value v={io.input} markdown={ioMarkdown} />
            <h3>Output</h3>
            <Value v={io.output} markdown={ioMarkdown} />
          </>
        )
      )}
      {kind === "retrieval" && <Documents span={span} />}
      {links}
      <Attributes attrs={span.attributes} />
    </div>
  );
}
