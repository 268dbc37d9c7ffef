//! Confirming the deletion of the selected runs: how many, from which database, that their
//! spans go too and that it cannot be undone. Deleting is `deleteTraces`; a refusal (e.g. a
//! read-only connection) is shown in the dialog.

import { useState } from "react";
import type { DeletedCounts } from "../../../bindings";
import { deleteTraces } from "../../../lib/ipc";
import { Modal } from "../../../lib/ui/Modal";
import { ErrorBox } from "../../../lib/ui/widgets";
import { runsCount } from "../model/selection";

type Props = { ids: readonly string[]; database: string; onDeleted: (c: DeletedCounts) => void; onClose: () => void };

export function DeleteRunsDialog({ ids, database, onDeleted, onClose }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirm = () => {
    setBusy(true);
    setError(null);
    deleteTraces([...ids])
      .then(onDeleted)
      .catch((e: unknown) => {
        setError(e);
        setBusy(false);
      });
  };
  return (
    <Modal title="Delete runs" onClose={onClose} testId="delete-runs">
      <div className="modal-body">
        <p data-testid="delete-runs-text">
          Delete <strong>{runsCount(ids.length)}</strong> and all their spans from <strong>{database}</strong>? This cannot be undone.
        </p>
        {error !== null && <ErrorBox error={error} />}
        <div className="row-inline">
          <button type="button" className="btn danger" onClick={confirm} disabled={busy}>
            {busy ? "Deleting…" : `Delete ${runsCount(ids.length)}`}
          </button>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
        </div>
      </div>
    </Modal>
  );
}
