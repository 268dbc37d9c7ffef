//! The password prompt: shown when a connection's password is not stored (no OS keyring, or
//! it was never saved). The password goes to the keyring when the user asks and one exists;
//! otherwise the backend keeps it for this session only, and the prompt says so.

import { useState } from "react";
import { useConnections } from "../../../app/connections";
import { errorMessage } from "../../../lib/ui/widgets";
import { Modal } from "../../../lib/ui/Modal";
import { dialectLabel } from "../model/draft";
import { EnvBadge } from "./ConnectionBadge";

export function PasswordPrompt() {
  const { prompt, closePrompt, submitSecret } = useConnections();
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sessionOnly, setSessionOnly] = useState(false);
  if (prompt === null) return null;
  const close = () => {
    setPassword("");
    setError(null);
    setSessionOnly(false);
    closePrompt();
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    submitSecret(password, remember)
      .then((c) => {
        setPassword("");
        // Asked to remember but the backend could only keep it for the session: say why.
        if (remember && c.secret === "session") setSessionOnly(true);
        else close();
      })
      .catch((err: unknown) => setError(err))
      .finally(() => setBusy(false));
  };
  return (
    <Modal title="Password needed" onClose={close} testId="password-prompt">
      {sessionOnly ? (
        <div className="modal-body">
          <p role="status">No OS keyring is available on this system, so the password is kept in memory for this session only. Tracedeck will ask for it again next time.</p>
          <div className="row-inline">
            <button type="button" className="btn primary" onClick={close} autoFocus>
              OK
            </button>
          </div>
        </div>
      ) : (
        <form className="modal-body" onSubmit={submit}>
          <p>
            <EnvBadge env={prompt.env} /> <strong>{prompt.name}</strong> <span className="muted">({dialectLabel(prompt.dialect)} · {prompt.location})</span>
          </p>
          <p className="muted">The password of this connection is not stored: the OS keyring is unavailable or it was never saved. Enter it to connect.</p>
          <label className="field">
            Password
            <input className="input" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus required />
          </label>
          <label className="check">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Remember in the OS keyring (when one is available)
          </label>
          {error !== null && (
            <p className="error-text" role="alert">
              {errorMessage(error)}
            </p>
          )}
          <div className="row-inline">
            <button type="submit" className="btn primary" disabled={busy || password === ""}>
              {busy ? "Connecting…" : "Connect"}
            </button>
            <button type="button" className="btn" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
