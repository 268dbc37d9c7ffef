//! The About panel: version, where Tracedeck keeps its files (data, config, settings, logs,
//! agents), where external agents send OpenTelemetry, and the database that is open. Paths
//! are shown as text with copy buttons (they come from the backend, never as HTML).

import type { AppStatus } from "../bindings";
import { Modal } from "../lib/ui/Modal";
import { CopyButton } from "../lib/ui/widgets";

function Row({ label, value, testId }: { label: string; value: string | null; testId?: string }) {
  return (
    <tr data-testid={testId}>
      <th scope="row">{label}</th>
      <td className="mono about-value">{value ?? "—"}</td>
      <td>{value !== null && <CopyButton text={value} label={`Copy ${label.toLowerCase()}`} />}</td>
    </tr>
  );
}

export function AboutPanel({ status, onClose }: { status: AppStatus; onClose: () => void }) {
  const db = status.database;
  const access = db.read_only ? "read-only" : "read-write";
  const origin = db.origin === "foreign" ? "opened as-is, never altered" : db.origin === "created" ? "created by this Tracedeck" : "created by Tracedeck";
  return (
    <Modal title="About Tracedeck" onClose={onClose} testId="about">
      <p>
        <strong>Tracedeck {status.version}</strong> · local-first traces for AI agents. Nothing leaves this machine.
      </p>
      <table className="about-table">
        <tbody>
          <Row label="Version" value={status.version} testId="about-version" />
          <Row label="Active database" value={`${db.label} (${db.backend}, ${access}, ${origin})`} testId="about-database" />
          <Row label="Server" value={db.server_version} />
          <Row label="Connection" value={status.connection === null ? null : `${status.connection.name} [${status.connection.env}]`} />
          <Row label="Data folder" value={status.data_dir} testId="about-data-dir" />
          <Row label="Settings database" value={status.settings_db} />
          <Row label="Logs" value={status.log_dir ?? "standard error of `tracedeck serve` (no log file)"} testId="about-log-dir" />
          <Row label="Config folder" value={status.config_dir} />
          <Row label="Agents file" value={status.agents_config} />
          <Row label="OTLP endpoint" value={status.otlp_endpoint} testId="about-otlp" />
        </tbody>
      </table>
      {db.notes.length > 0 && (
        <ul className="about-notes">
          {db.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {status.agents_error !== null && <p className="error-text">Agents file problem: {status.agents_error}</p>}
    </Modal>
  );
}
