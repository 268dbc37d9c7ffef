//! The Settings page's retention of the active database: which database, how much its trace
//! tables take, the limits (keep days, max GB; each can be off), Save, "Apply now" with what it
//! deleted, and the last background run. When the backend says why retention cannot run here
//! (read-only, or a database Tracedeck did not create) the reason is shown and the form is
//! disabled. The form's rules and sentences come from `model/retention`.

import { useCallback, useEffect, useState } from "react";
import type { DeletedCounts, RetentionStatus } from "../../../bindings";
import { getRetention, isMissingRoute, runRetention, setRetention } from "../../../lib/ipc";
import { formatBytes } from "../../../lib/format";
import { ErrorBox } from "../../../lib/ui/widgets";
import { describeDeleted, describeLastRun, describeSettings, parseDraft, sameSettings, toDraft, type RetentionDraft } from "../model/retention";

export function RetentionSection() {
  const [status, setStatus] = useState<RetentionStatus | null>(null);
  const [draft, setDraft] = useState<RetentionDraft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState<"save" | "apply" | null>(null);
  const [saved, setSaved] = useState(false);
  const [applied, setApplied] = useState<DeletedCounts | null>(null);

  const show = useCallback((s: RetentionStatus) => {
    setStatus(s);
    setDraft(toDraft(s.settings));
  }, []);

  useEffect(() => {
    let live = true;
    getRetention()
      .then((s) => live && show(s))
      .catch((e: unknown) => {
        if (!live) return;
        if (isMissingRoute(e)) setMissing(true);
        else setError(e);
      });
    return () => {
      live = false;
    };
  }, [show]);

  if (missing) {
    return (
      <section className="retention" aria-labelledby="retention-title">
        <h2 id="retention-title">Retention</h2>
        <p className="muted">This Tracedeck server does not provide retention settings (it is older than this UI).</p>
      </section>
    );
  }

  const parsed = draft === null ? null : parseDraft(draft);
  const dirty = status !== null && parsed !== null && typeof parsed !== "string" && !sameSettings(parsed, status.settings);
  const refused = status?.refusal ?? null;
  const edit = (patch: Partial<RetentionDraft>) => {
    setSaved(false);
    setDraft((d) => (d === null ? d : { ...d, ...patch }));
  };

  const save = () => {
    if (parsed === null || typeof parsed === "string") return;
    setBusy("save");
    setError(null);
    setApplied(null);
    setRetention(parsed)
      .then((s) => {
        show(s);
        setSaved(true);
      })
      .catch((e: unknown) => setError(e))
      .finally(() => setBusy(null));
  };
  const apply = () => {
    setBusy("apply");
    setError(null);
    setSaved(false);
    runRetention()
      .then(async (c) => {
        setApplied(c);
        show(await getRetention());
      })
      .catch((e: unknown) => setError(e))
      .finally(() => setBusy(null));
  };

  return (
    <section className="retention" aria-labelledby="retention-title" data-testid="retention">
      <h2 id="retention-title">Retention</h2>
      <p className="muted">
        How much of the active database is kept. Limits are applied when saved and then in the background every 10 minutes; deleted runs cannot be recovered.
      </p>
      {error !== null && <ErrorBox error={error} />}
      {status === null ? (
        error === null && <p className="muted">Loading…</p>
      ) : (
        <>
          <table className="about-table retention-facts">
            <tbody>
              <tr>
                <th scope="row">Database</th>
                <td className="about-value" data-testid="retention-database">
                  {status.database}
                </td>
              </tr>
              <tr>
                <th scope="row">Trace tables</th>
                <td data-testid="retention-used">{status.used_bytes === null ? "size unknown" : formatBytes(status.used_bytes)}</td>
              </tr>
              <tr>
                <th scope="row">Now</th>
                <td data-testid="retention-summary">{describeSettings(status.settings)}</td>
              </tr>
              <tr>
                <th scope="row">Last run</th>
                <td data-testid="retention-last-run">{describeLastRun(status.last_run)}</td>
              </tr>
            </tbody>
          </table>
          {refused !== null && (
            <div className="banner info" role="note" data-testid="retention-refusal">
              Retention cannot run here: {refused}
            </div>
          )}
          {draft !== null && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                save();
              }}
            >
              <fieldset className="retention-form" disabled={refused !== null || busy !== null} aria-describedby={refused !== null ? "retention-refusal-text" : undefined}>
                <legend className="sr-only">Retention limits</legend>
                {refused !== null && (
                  <span id="retention-refusal-text" className="sr-only">
                    {refused}
                  </span>
                )}
                <div className="retention-limit">
                  <label className="check">
                    <input type="checkbox" checked={draft.keepOn} onChange={(e) => edit({ keepOn: e.target.checked })} /> Limit by age
                  </label>
                  <label className="field-inline">
                    Keep days
                    <input className="input" type="number" min={1} step={1} inputMode="numeric" value={draft.keepDays} disabled={!draft.keepOn} onChange={(e) => edit({ keepDays: e.target.value })} />
                  </label>
                </div>
                <div className="retention-limit">
                  <label className="check">
                    <input type="checkbox" checked={draft.sizeOn} onChange={(e) => edit({ sizeOn: e.target.checked })} /> Limit by size
                  </label>
                  <label className="field-inline">
                    Max GB
                    <input className="input" type="number" min={0.001} step="any" inputMode="decimal" value={draft.maxGb} disabled={!draft.sizeOn} onChange={(e) => edit({ maxGb: e.target.value })} />
                  </label>
                </div>
                {typeof parsed === "string" && (
                  <p className="error-text" role="alert">
                    {parsed}
                  </p>
                )}
                <div className="row-inline">
                  <button type="submit" className="btn primary" disabled={!dirty}>
                    {busy === "save" ? "Saving…" : "Save retention"}
                  </button>
                  <button type="button" className="btn" onClick={apply} disabled={dirty} title={dirty ? "Save the new limits first" : "Apply the saved limits now"}>
                    {busy === "apply" ? "Applying…" : "Apply now"}
                  </button>
                  {saved && <span className="ok-text">Retention saved.</span>}
                  {applied !== null && (
                    <span className="ok-text" data-testid="retention-applied">
                      {describeDeleted(applied)}
                    </span>
                  )}
                </div>
              </fieldset>
            </form>
          )}
        </>
      )}
    </section>
  );
}
