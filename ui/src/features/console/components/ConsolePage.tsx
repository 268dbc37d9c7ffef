//! The SQL console: the active connection (with its environment and read-only state), the
//! editor (dialect highlighting, schema completion), run / run all / cancel, the result
//! (grid or chart, load more, export all), and the sidebar with saved queries and history.
//! Keys: Ctrl/Cmd+Enter runs the selection or everything, Shift+Ctrl/Cmd+Enter everything,
//! Esc cancels; in the grid arrows move and Enter opens a trace/span id.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useAppData } from "../../../app/appData";
import { useConnections } from "../../../app/connections";
import { useRouter } from "../../../app/router";
import { ApiFailure } from "../../../lib/apiError";
import { getSpan, isMissingRoute, saveQuery } from "../../../lib/ipc";
import { errorMessage, Split } from "../../../lib/ui/widgets";
import { ConnectionLabel } from "../../connections/components/ConnectionBadge";
import { userFolders } from "../model/folders";
import { routeOf, type IdTarget } from "../model/idColumns";
import { errorRange, pickSql, type Range } from "../model/statement";
import type { Dialect, HistoryEntry, SavedQuery, SavedQueryDraft } from "../model/types";
import { HistoryPanel } from "./HistoryPanel";
import { QueryDialog } from "./QueryDialog";
import { session, TIME_LIMITS, useQuerySession } from "./querySession";
import { ResultPanel } from "./ResultPanel";
import { SavedQueries } from "./SavedQueries";
import { SqlEditor, type EditorApi } from "./SqlEditor";
import { useSavedQueries, useSchema } from "./useConsoleData";
import type { EditorView } from "@codemirror/view";

function backendDialect(backend: string | undefined): Dialect {
  const b = (backend ?? "").toLowerCase();
  return b.includes("postgres") ? "postgres" : b.includes("mysql") || b.includes("maria") ? "mysql" : "sqlite";
}

export function ConsolePage() {
  const { status } = useAppData();
  const { active, supported } = useConnections();
  const { navigate } = useRouter();
  const state = useQuerySession();
  const { run, pageSize, timeLimitMs, open, textVersion } = state;
  const connection = supported === true ? (active?.id ?? null) : null;
  const dialect = active?.dialect ?? backendDialect(status?.database.backend);
  const schema = useSchema(connection);
  const saved = useSavedQueries();
  const [tab, setTab] = useState<"saved" | "history">("saved");
  const [dialog, setDialog] = useState<SavedQueryDraft | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const editor = useRef<EditorApi | null>(null);

  const runText = useCallback((doc: string, from: number, to: number) => {
    const p = pickSql(doc, from, to);
    if (p !== null) session.run(p.sql, p.offset, connection);
  }, [connection]);
  const runFromEditor = useCallback(
    (all: boolean) => {
      const s = editor.current?.snapshot() ?? { doc: session.getText(), from: 0, to: 0 };
      runText(s.doc, all ? 0 : s.from, all ? 0 : s.to);
    },
    [runText],
  );
  const handlers = useMemo(
    () => ({ run: (_v: EditorView, all: boolean) => runFromEditor(all), cancel: () => session.cancel(), change: (t: string) => session.setText(t) }),
    [runFromEditor],
  );

  // Esc cancels from anywhere on the page (the editor handles it itself).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented && document.querySelector("dialog[open]") === null && session.cancel()) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const errorAt: Range | null = useMemo(() => {
    if (run === null || run.status !== "error" || !(run.error instanceof ApiFailure) || run.error.sql === null) return null;
    const r = errorRange(run.sql, run.error.sql);
    return r === null ? null : { from: r.from + run.offset, to: r.to + run.offset };
  }, [run?.seq, run?.status]);

  const openQuery = (q: SavedQuery) => session.load(q.sql, q);
  const runQuery = (q: SavedQuery) => {
    session.load(q.sql, q);
    session.run(q.sql, 0, connection);
  };
  const loadHistory = (e: HistoryEntry) => session.load(e.sql, null);
  const runHistory = (e: HistoryEntry) => {
    session.load(e.sql, null);
    session.run(e.sql, 0, connection);
  };
  const save = () => {
    const sql = session.getText();
    if (open !== null && !open.builtin) {
      saveQuery(open.id, { name: open.name, folder: open.folder, description: open.description, sql })
        .then(async (q) => {
          session.setOpen(q);
          await saved.refresh();
          setNotice(`Saved “${q.name}”.`);
        })
        .catch((e: unknown) => setNotice(`Not saved: ${errorMessage(e)}`));
    } else setDialog({ name: open !== null ? `Copy of ${open.name}` : "", folder: open?.folder ?? "", description: open?.description ?? "", sql });
  };
  const openId = async (t: IdTarget) => {
    const r = routeOf(t);
    if (r !== null) return navigate(r);
    if (t.kind !== "span") return;
    try {
      const span = await getSpan(t.spanId);
      navigate({ page: "trace", traceId: span.trace_id, spanId: span.span_id });
    } catch (e) {
      setNotice(`Cannot open span ${t.spanId}: ${errorMessage(e)}`);
    }
  };
  const running = run !== null && (run.status === "running" || run.status === "more");
  const consoleMissing = run?.status === "error" && isMissingRoute(run.error);

  const sidebar = (
    <div className="console-side">
      <div role="tablist" aria-label="Sidebar" className="side-tabs">
        <button type="button" role="tab" aria-selected={tab === "saved"} className="btn small" aria-pressed={tab === "saved"} onClick={() => setTab("saved")}>
          Saved queries
        </button>
        <button type="button" role="tab" aria-selected={tab === "history"} className="btn small" aria-pressed={tab === "history"} onClick={() => setTab("history")}>
          History
        </button>
      </div>
      {tab === "saved" ? (
        <SavedQueries queries={saved.queries} error={saved.error} openId={open?.id ?? null} refresh={saved.refresh} onOpen={openQuery} onRun={runQuery} />
      ) : (
        <HistoryPanel connection={connection} onLoad={loadHistory} onRun={runHistory} />
      )}
    </div>
  );

  const main = (
    <div className="console-main">
      <div className="toolbar console-bar">
        {active !== null ? <ConnectionLabel c={active} /> : <span className="muted">{status?.database.label ?? "…"}</span>}
        <button type="button" className="btn primary small" onClick={() => runFromEditor(false)} disabled={running} title="Run the selection, or everything (Ctrl/Cmd+Enter)">
          ▶ Run
        </button>
        <button type="button" className="btn small" onClick={() => runFromEditor(true)} disabled={running} title="Run everything (Shift+Ctrl/Cmd+Enter)">
          Run all
        </button>
        <button type="button" className="btn small" onClick={() => session.cancel()} disabled={!running} title="Cancel the running statement (Esc)">
          ■ Cancel
        </button>
        <button type="button" className="btn small" onClick={save} title={open !== null && !open.builtin ? `Save the editor's SQL into “${open.name}”` : "Save as a new query"}>
          Save
        </button>
        <button type="button" className="btn small" onClick={() => setDialog({ name: "", folder: open?.folder ?? "", description: "", sql: session.getText() })}>
          Save as…
        </button>
        <label className="muted" title="The statement's time limit; it also bounds how long “load more” can follow a result">
          Limit{" "}
          <select className="input" aria-label="Time limit" value={timeLimitMs} onChange={(e) => session.setTimeLimit(Number(e.target.value))}>
            {TIME_LIMITS.map((ms) => (
              <option key={ms} value={ms}>
                {ms < 60_000 ? `${ms / 1000} s` : ms < 3_600_000 ? `${ms / 60_000} min` : `${ms / 3_600_000} h`}
              </option>
            ))}
          </select>
        </label>
        {open !== null && (
          <span className="muted" data-testid="open-query">
            {open.builtin ? "library: " : ""}
            {open.name}
          </span>
        )}
        <span className="spacer" />
        {notice !== null && (
          <span className="muted" role="status">
            {notice}
          </span>
        )}
      </div>
      <p id="sql-keys" className="keys muted">
        <kbd>Ctrl/⌘+Enter</kbd> run selection or all · <kbd>Shift+Ctrl/⌘+Enter</kbd> run all · <kbd>Esc</kbd> cancel · <kbd>Ctrl+Space</kbd> complete tables and columns · <kbd>Ctrl/⌘+F</kbd> find · grid: arrows move, <kbd>Enter</kbd> opens a
        trace/span id
        {schema.error !== null ? " · (autocomplete: schema unavailable)" : ""}
      </p>
      <div className="editor-box">
        <SqlEditor text={session.getText()} textVersion={textVersion} dialect={dialect} tables={schema.tables} preferredSchema={active?.schema ?? null} error={errorAt} handlers={handlers} apiRef={editor} />
      </div>
      {consoleMissing ? (
        <div className="banner" role="alert" data-testid="console-unsupported">
          This Tracedeck server has no SQL console yet (it is older than this UI): {errorMessage(run.error)}
        </div>
      ) : (
        <ResultPanel run={run} pageSize={pageSize} errorAt={errorAt} docText={() => session.getText()} onOpenId={(t) => void openId(t)} connectionName={active?.name ?? null} />
      )}
    </div>
  );

  return (
    <div className="page console" data-testid="sql-console">
      <Split storageKey="console" initial={0.22} min={0.12} max={0.5} first={sidebar} second={main} label="Resize the sidebar" />
      {dialog !== null && (
        <QueryDialog
          title="Save query"
          initial={dialog}
          folders={userFolders(saved.queries)}
          onClose={() => setDialog(null)}
          onSubmit={async (d) => {
            const q = await saveQuery(null, d);
            session.setOpen(q);
            await saved.refresh();
            setNotice(`Saved “${q.name}”.`);
          }}
        />
      )}
    </div>
  );
}
