//! How the active connection shows everywhere: the environment badge (production in red), a
//! read-only lock, and the header's switcher (a select: switching is one change event).

import { Link } from "../../../app/router";
import { useConnections } from "../../../app/connections";
import type { ConnectionInfo, Env } from "../../console/model/types";
import { dialectLabel, envLabel, secretNote } from "../model/draft";

export function EnvBadge({ env }: { env: Env }) {
  return (
    <span className={`env-badge env-${env}`} data-testid="env-badge" title={`Environment: ${env}`}>
      {envLabel(env)}
    </span>
  );
}

export function ReadOnlyBadge({ readOnly }: { readOnly: boolean }) {
  return readOnly ? (
    <span className="ro-badge" title="Read-only: the database refuses every write from Tracedeck">
      read-only
    </span>
  ) : (
    <span className="rw-badge" title="Writable: statements in the SQL console can change this database">
      writable
    </span>
  );
}

/** One line describing a connection: name, env, read-only, dialect. */
export function ConnectionLabel({ c }: { c: ConnectionInfo }) {
  return (
    <span className="conn-label" title={`${c.name} — ${dialectLabel(c.dialect)} ${c.location}${secretNote(c.secret) ? `\n${secretNote(c.secret)}` : ""}`}>
      <EnvBadge env={c.env} />
      <span className="conn-name">{c.name}</span>
      <ReadOnlyBadge readOnly={c.read_only} />
    </span>
  );
}

/** The header's connection switcher; nothing while the backend has no connections. */
export function ConnectionSwitcher() {
  const { supported, list, active, switching, activate } = useConnections();
  if (supported !== true || active === null) return null;
  return (
    <span className="conn-switch" data-testid="active-connection" data-env={active.env}>
      <EnvBadge env={active.env} />
      <label>
        <span className="sr-only">Active connection</span>
        <select
          className="input"
          aria-label="Active connection"
          value={switching ?? active.id}
          disabled={switching !== null}
          onChange={(e) => void activate(e.target.value).catch(() => undefined)}
        >
          {list.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.env}
              {c.read_only ? ", read-only" : ""})
            </option>
          ))}
        </select>
      </label>
      <ReadOnlyBadge readOnly={active.read_only} />
      <Link to={{ page: "connections" }} className="btn small" title="Manage connections">
        Manage
      </Link>
    </span>
  );
}
