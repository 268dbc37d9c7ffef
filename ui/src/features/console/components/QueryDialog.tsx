//! Save a query, or rename / describe / move one: name, folder (existing ones offered, `/`
//! nests), description. The SQL comes from the caller (the editor's text, or unchanged).

import { useState } from "react";
import { Modal } from "../../../lib/ui/Modal";
import { errorMessage } from "../../../lib/ui/widgets";
import { normFolder } from "../model/folders";
import type { SavedQueryDraft } from "../model/types";

type Props = {
  title: string;
  initial: SavedQueryDraft;
  folders: string[];
  onSubmit: (q: SavedQueryDraft) => Promise<void>;
  onClose: () => void;
};

export function QueryDialog({ title, initial, folders, onSubmit, onClose }: Props) {
  const [q, setQ] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (q.name.trim() === "") return;
    setBusy(true);
    setError(null);
    onSubmit({ ...q, name: q.name.trim(), folder: normFolder(q.folder), description: q.description.trim() })
      .then(onClose)
      .catch((err: unknown) => setError(err))
      .finally(() => setBusy(false));
  };
  return (
    <Modal title={title} onClose={onClose} testId="query-dialog">
      <form className="modal-body" onSubmit={submit}>
        <label className="field">
          Name
          <input className="input" value={q.name} onChange={(e) => setQ({ ...q, name: e.target.value })} required autoFocus />
        </label>
        <label className="field">
          Folder
          <input className="input" list="query-folders" value={q.folder} placeholder="e.g. Latency/Daily (empty: top level)" onChange={(e) => setQ({ ...q, folder: e.target.value })} />
          <datalist id="query-folders">
            {folders.map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
        </label>
        <label className="field">
          Description
          <textarea className="input" rows={3} value={q.description} onChange={(e) => setQ({ ...q, description: e.target.value })} />
        </label>
        <details>
          <summary className="muted">SQL ({q.sql.split("\n").length} lines)</summary>
          <pre className="block sql-preview">{q.sql}</pre>
        </details>
        {error !== null && (
          <p className="error-text" role="alert">
            {errorMessage(error)}
          </p>
        )}
        <div className="row-inline">
          <button type="submit" className="btn primary" disabled={busy || q.name.trim() === ""}>
            {busy ? "Saving…" : "Save"}
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
