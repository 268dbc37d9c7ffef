//! The connections manager: every connection with its environment, read-only state, where its
//! password is, and actions (use, test, edit, enter password, delete), plus the add/edit form.
//! Switching is instant and the header shows the active one on every page.

import { useState } from "react";
import { useConnections } from "../../../app/connections";
import { deleteConnection, saveConnection, testSavedConnection } from "../../../lib/ipc";
import { ErrorBox, errorMessage } from "../../../lib/ui/widgets";
import type { ConnectionDraft, ConnectionInfo, TestReport } from "../../console/model/types";
import { dialectLabel, EMPTY_FORM, fromInfo, secretNote, type ConnectionForm as Form } from "../model/draft";
import { EnvBadge, ReadOnlyBadge } from "./ConnectionBadge";
import { ConnectionForm } from "./ConnectionForm";
import { TestReportView } from "./TestReportView";

type Editing = { mode: "add"; form: Form } | { mode: "edit"; conn: ConnectionInfo } | null;

function Card({ c, onEdit }: { c: ConnectionInfo; onEdit: () => void }) {
  const { activate, switching, askSecret, refresh, active } = useConnections();
  const [report, setReport] = useState<TestReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const isActive = active?.id === c.id;
  const run = (p: Promise<unknown>) => {
    setBusy(true);
    setError(null);
    p.catch((e: unknown) => setError(e)).finally(() => setBusy(false));
  };
  const note = secretNote(c.secret);
  return (
    <li className={`conn-card${isActive ? " active" : ""} env-${c.env}`} data-testid="connection-card" data-connection-id={c.id} aria-current={isActive ? "true" : undefined}>
      <div className="conn-card-head">
        <EnvBadge env={c.env} />
        <strong className="conn-name">{c.name}</strong>
        <ReadOnlyBadge readOnly={c.read_only} />
        {isActive && <span className="active-tag">active</span>}
        {c.builtin && <span className="muted">local default</span>}
      </div>
      <div className="conn-facts">
        <span>{dialectLabel(c.dialect)}</span>
        <code title={c.location}>{c.location}</code>
        {c.schema !== null && <span>schema {c.schema}</span>}
        <span>
          {c.traces_table} / {c.spans_table}
        </span>
        <span>{c.created_by_tracedeck ? "created by Tracedeck" : "not created by Tracedeck: never altered"}</span>
      </div>
      {note !== null && <div className={c.secret === "missing" ? "warn-text" : "muted"}>{note}</div>}
      <div className="row-inline">
        <button type="button" className="btn primary small" disabled={isActive || switching !== null} onClick={() => run(activate(c.id))} aria-label={`Use ${c.name}`}>
          {switching === c.id ? "Switching…" : isActive ? "In use" : "Use"}
        </button>
        <button type="button" className="btn small" disabled={busy} onClick={() => run(testSavedConnection(c.id).then(setReport))} aria-label={`Test ${c.name}`}>
          {busy ? "Testing…" : "Test"}
        </button>
        {c.secret !== "none" && (
          <button type="button" className="btn small" onClick={() => askSecret(c)}>
            {c.secret === "missing" ? "Enter password" : "Change password"}
          </button>
        )}
        <button type="button" className="btn small" onClick={onEdit} aria-label={`Edit ${c.name}`}>
          Edit
        </button>
        {!c.builtin && (
          <button
            type="button"
            className="btn small danger"
            disabled={isActive}
            title={isActive ? "Switch to another connection first" : undefined}
            aria-label={`Remove ${c.name}`}
            onClick={() => {
              if (window.confirm(`Remove the connection “${c.name}”? The database itself is not touched.`)) run(deleteConnection(c.id).then(refresh));
            }}
          >
            Remove
          </button>
        )}
      </div>
      {error !== null && (
        <div className="error-text" role="alert">
          {errorMessage(error)}
        </div>
      )}
      {report !== null && <TestReportView report={report} />}
    </li>
  );
}

export function ConnectionsPage() {
  const { supported, list, error, refresh, activate } = useConnections();
  const [editing, setEditing] = useState<Editing>(null);

  if (supported === false) {
    return (
      <div className="page connections">
        <div className="empty" data-testid="connections-unsupported">
          <h2>Connections are not available on this server</h2>
          <p>
            This Tracedeck backend does not provide the connections routes yet (it is older than this UI). Open a database at start-up instead: <code>tracedeck serve --db postgres://user@host/db --read-only</code>.
          </p>
        </div>
      </div>
    );
  }

  const onSave = async (draft: ConnectionDraft, andSwitch: boolean) => {
    const id = editing?.mode === "edit" ? editing.conn.id : null;
    const saved = await saveConnection(id, draft);
    await refresh();
    setEditing(null);
    if (andSwitch) await activate(saved.id);
  };

  return (
    <div className="page connections">
      <div className="conn-layout">
        <section className="conn-list" aria-label="Connections">
          <div className="row-inline conn-list-head">
            <h2>Connections</h2>
            <button type="button" className="btn primary" onClick={() => setEditing({ mode: "add", form: { ...EMPTY_FORM } })}>
              Add connection
            </button>
          </div>
          <p className="muted">
            Connect the databases your agents write traces to (Agno’s <code>agno_traces</code> / <code>agno_spans</code>). Every connection Tracedeck did not create is read-only by default, enforced by the database
            itself; passwords go to the OS keyring.
          </p>
          {error !== null && <ErrorBox error={error} onRetry={() => void refresh()} />}
          {supported === null && list.length === 0 && <p className="muted">Loading…</p>}
          <ul className="conn-cards">
            {list.map((c) => (
              <Card key={c.id} c={c} onEdit={() => setEditing({ mode: "edit", conn: c })} />
            ))}
          </ul>
        </section>
        <section className="conn-editor" aria-label="Connection editor">
          {editing === null ? (
            <div className="placeholder">Pick “Add connection”, or “Edit” on a connection.</div>
          ) : (
            <ConnectionForm
              key={editing.mode === "edit" ? editing.conn.id : "new"}
              initial={editing.mode === "edit" ? fromInfo(editing.conn) : editing.form}
              editing={editing.mode === "edit" ? { id: editing.conn.id, name: editing.conn.name, builtin: editing.conn.builtin } : null}
              onSave={onSave}
              onCancel={() => setEditing(null)}
            />
          )}
        </section>
      </div>
    </div>
  );
}
