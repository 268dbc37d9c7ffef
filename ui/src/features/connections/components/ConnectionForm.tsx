//! Add or edit a connection: kind (SQLite file / PostgreSQL / MySQL), URL or path, password
//! (to the OS keyring), schema and table names (defaults `ai` / `agno_traces` / `agno_spans`,
//! the schema auto-detected by a test when left blank), environment, read-only (on by
//! default), "Test connection", and save.

import { useState } from "react";
import { errorMessage } from "../../../lib/ui/widgets";
import { testConnection } from "../../../lib/ipc";
import type { ConnectionDraft, Dialect, Env, TestReport } from "../../console/model/types";
import {
  DEFAULT_SCHEMA,
  DEFAULT_SPANS,
  DEFAULT_TRACES,
  dialectLabel,
  dialectOf,
  ENVS,
  placeholderFor,
  suggestName,
  toDraft,
  urlHasPassword,
  validateForm,
  type ConnectionForm as Form,
} from "../model/draft";
import { EnvBadge } from "./ConnectionBadge";
import { TestReportView } from "./TestReportView";

type Props = {
  initial: Form;
  editing: { id: string; name: string; builtin: boolean } | null;
  onSave: (draft: ConnectionDraft, andSwitch: boolean) => Promise<void>;
  onCancel: () => void;
};

const KINDS: Dialect[] = ["sqlite", "postgres", "mysql"];

export function ConnectionForm({ initial, editing, onSave, onCancel }: Props) {
  const [f, setF] = useState<Form>(initial);
  const [nameTouched, setNameTouched] = useState(initial.name !== "");
  const [showErrors, setShowErrors] = useState(false);
  const [report, setReport] = useState<TestReport | null>(null);
  const [busy, setBusy] = useState<"test" | "save" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const errors = validateForm(f);
  const valid = Object.keys(errors).length === 0;
  const set = (patch: Partial<Form>) => {
    setF((x) => ({ ...x, ...patch }));
    setReport(null);
  };
  const onUrl = (url: string) => {
    const d = dialectOf(url);
    set({ url, ...(d !== null && (d !== "sqlite" || /^(sqlite|file):/i.test(url.trim())) ? { dialect: d } : {}), ...(nameTouched ? {} : { name: suggestName(url) }) });
  };
  const test = () => {
    setShowErrors(true);
    if (!valid) return;
    setBusy("test");
    setError(null);
    testConnection(toDraft(f))
      .then((r) => {
        setReport(r);
        // Auto-detect: a blank schema takes the one the test found.
        if (r.detected_schema !== null && f.schema.trim() === "" && f.dialect !== "sqlite") setF((x) => ({ ...x, schema: r.detected_schema ?? "" }));
      })
      .catch((e: unknown) => setError(e))
      .finally(() => setBusy(null));
  };
  const save = (andSwitch: boolean) => {
    setShowErrors(true);
    if (!valid) return;
    setBusy("save");
    setError(null);
    onSave(toDraft(f), andSwitch)
      .catch((e: unknown) => setError(e))
      .finally(() => setBusy(null));
  };
  const err = (k: keyof typeof errors) =>
    showErrors && errors[k] !== undefined ? (
      <span className="error-text" role="alert">
        {errors[k]}
      </span>
    ) : null;
  const remote = f.dialect !== "sqlite";

  return (
    <form
      className="conn-form"
      aria-label={editing === null ? "Add a connection" : `Edit ${editing.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        save(true);
      }}
    >
      <h2>{editing === null ? "Add a connection" : `Edit “${editing.name}”`}</h2>
      <fieldset className="kinds">
        <legend>Database</legend>
        {KINDS.map((k) => (
          <label key={k} className="check">
            <input type="radio" name="dialect" value={k} checked={f.dialect === k} onChange={() => set({ dialect: k })} disabled={editing?.builtin === true} />
            {k === "sqlite" ? "SQLite file" : `${dialectLabel(k)} URL`}
          </label>
        ))}
      </fieldset>
      <label className="field">
        {remote ? "URL" : "File path"}
        <input className="input mono" value={f.url} placeholder={placeholderFor(f.dialect)} onChange={(e) => onUrl(e.target.value)} spellCheck={false} autoComplete="off" disabled={editing?.builtin === true} />
        {err("url")}
        {urlHasPassword(f.url) && <span className="muted">The password in this URL will be moved to the OS keyring; it is never written to the config file.</span>}
      </label>
      <label className="field">
        Name
        <input
          className="input"
          value={f.name}
          onChange={(e) => {
            setNameTouched(true);
            set({ name: e.target.value });
          }}
        />
        {err("name")}
      </label>
      {remote && (
        <label className="field">
          Password
          <input className="input" type="password" autoComplete="new-password" value={f.password} onChange={(e) => set({ password: e.target.value })} placeholder={editing !== null ? "unchanged" : "none"} />
          <span className="muted">Stored in the OS keyring. Without a keyring Tracedeck asks for it once per session.{editing !== null ? " Leave empty to keep the stored one." : ""}</span>
        </label>
      )}
      <div className="row-inline">
        {remote && (
          <label className="field">
            Schema
            <input className="input" value={f.schema} placeholder={`${DEFAULT_SCHEMA} (auto-detect)`} onChange={(e) => set({ schema: e.target.value })} />
            {err("schema")}
          </label>
        )}
        <label className="field">
          Traces table
          <input className="input" value={f.tracesTable} placeholder={DEFAULT_TRACES} onChange={(e) => set({ tracesTable: e.target.value })} />
          {err("tracesTable")}
        </label>
        <label className="field">
          Spans table
          <input className="input" value={f.spansTable} placeholder={DEFAULT_SPANS} onChange={(e) => set({ spansTable: e.target.value })} />
          {err("spansTable")}
        </label>
      </div>
      <fieldset className="kinds">
        <legend>Environment</legend>
        {ENVS.map((env: Env) => (
          <label key={env} className="check">
            <input type="radio" name="env" value={env} checked={f.env === env} onChange={() => set({ env })} />
            <EnvBadge env={env} />
          </label>
        ))}
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={f.readOnly} onChange={(e) => set({ readOnly: e.target.checked })} /> Read-only (enforced by the database: Tracedeck cannot change it)
      </label>
      {!f.readOnly && (
        <p className={f.env === "production" ? "banner" : "muted"}>
          {f.env === "production" ? "Writable production connection: statements in the SQL console can change or delete data." : "Writable: only for databases you own; Tracedeck never migrates a database it did not create."}
        </p>
      )}
      {error !== null && (
        <p className="error-text" role="alert">
          {errorMessage(error)}
        </p>
      )}
      {report !== null && <TestReportView report={report} />}
      <div className="row-inline">
        <button type="button" className="btn" onClick={test} disabled={busy !== null}>
          {busy === "test" ? "Testing…" : "Test connection"}
        </button>
        <button type="submit" className="btn primary" disabled={busy !== null}>
          {editing === null ? "Save and switch" : "Save and use"}
        </button>
        <button type="button" className="btn" onClick={() => save(false)} disabled={busy !== null}>
          Save
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
