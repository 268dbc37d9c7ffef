//! The connection form as data: its state, defaults per dialect (`ai` / `agno_traces` /
//! `agno_spans`), the dialect a URL names, validation, the `ConnectionDraft` it becomes, and
//! how an environment and a secret state read. Pure and tested; the form only renders it.

import type { ConnectionDraft, ConnectionInfo, Dialect, Env, SecretState } from "../../console/model/types";

export const DEFAULT_SCHEMA = "ai";
export const DEFAULT_TRACES = "agno_traces";
export const DEFAULT_SPANS = "agno_spans";
export const ENVS: readonly Env[] = ["dev", "staging", "production"];

export type ConnectionForm = {
  dialect: Dialect;
  name: string;
  url: string;
  password: string;
  schema: string;
  tracesTable: string;
  spansTable: string;
  env: Env;
  readOnly: boolean;
};

export const EMPTY_FORM: ConnectionForm = { dialect: "postgres", name: "", url: "", password: "", schema: "", tracesTable: "", spansTable: "", env: "dev", readOnly: true };

/** The dialect a URL names, or null when it names none. Plain paths are SQLite files. */
export function dialectOf(url: string): Dialect | null {
  const u = url.trim().toLowerCase();
  if (u === "") return null;
  if (/^postgres(ql)?:\/\//.test(u)) return "postgres";
  if (/^(mysql|mariadb):\/\//.test(u)) return "mysql";
  if (u.startsWith("sqlite:") || u.startsWith("file:")) return "sqlite";
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(u)) return null;
  return "sqlite";
}

/** Whether the URL carries a password (`scheme://user:secret@host`). */
export function urlHasPassword(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:[^/@]+@/i.test(url.trim());
}

/** A stored location without a redacted password marker (`user:***@` -> `user@`). */
export function stripRedacted(location: string): string {
  return location.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):(\*+|x+|redacted|%2A+)@/i, "$1@");
}

export function placeholderFor(d: Dialect): string {
  switch (d) {
    case "postgres":
      return "postgres://user@db.example.com:5432/agno";
    case "mysql":
      return "mysql://user@db.example.com:3306/ai";
    case "sqlite":
      return "/path/to/agno.db";
  }
}

export type FormErrors = Partial<Record<"name" | "url" | "schema" | "tracesTable" | "spansTable", string>>;

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export function validateForm(f: ConnectionForm): FormErrors {
  const e: FormErrors = {};
  if (f.name.trim() === "") e.name = "Give the connection a name.";
  const d = dialectOf(f.url);
  if (f.url.trim() === "") e.url = f.dialect === "sqlite" ? "Enter the path of the SQLite file." : "Enter the database URL.";
  else if (d === null) e.url = "Use a postgres://, mysql:// or sqlite: URL, or a file path.";
  else if (d !== f.dialect) e.url = `This looks like a ${d === "sqlite" ? "SQLite path" : `${d === "postgres" ? "PostgreSQL" : "MySQL"} URL`}; pick that kind above.`;
  if (f.dialect !== "sqlite" && f.schema.trim() !== "" && !IDENT.test(f.schema.trim())) e.schema = "Letters, digits and _ only.";
  if (f.tracesTable.trim() !== "" && !IDENT.test(f.tracesTable.trim())) e.tracesTable = "Letters, digits and _ only.";
  if (f.spansTable.trim() !== "" && !IDENT.test(f.spansTable.trim())) e.spansTable = "Letters, digits and _ only.";
  return e;
}

const orNull = (s: string) => (s.trim() === "" ? null : s.trim());

/** The draft sent to the backend. Blank schema/tables mean "default / auto-detect". */
export function toDraft(f: ConnectionForm): ConnectionDraft {
  return {
    name: f.name.trim(),
    url: f.url.trim(),
    schema: f.dialect === "sqlite" ? null : orNull(f.schema),
    traces_table: orNull(f.tracesTable),
    spans_table: orNull(f.spansTable),
    env: f.env,
    read_only: f.readOnly,
    // Empty: keep the stored password (editing) or none.
    password: f.password === "" ? null : f.password,
  };
}

/** The form to edit a saved connection (the password stays where it is unless retyped). */
export function fromInfo(c: ConnectionInfo): ConnectionForm {
  return {
    dialect: c.dialect,
    name: c.name,
    url: stripRedacted(c.location),
    password: "",
    schema: c.schema ?? "",
    tracesTable: c.traces_table === DEFAULT_TRACES ? "" : c.traces_table,
    spansTable: c.spans_table === DEFAULT_SPANS ? "" : c.spans_table,
    env: c.env,
    readOnly: c.read_only,
  };
}

/** A name suggested from the URL: `db@host` or the file name. */
export function suggestName(url: string): string {
  const u = url.trim();
  const m = /^[a-z]+:\/\/(?:[^@/]*@)?([^/:?]+)(?::\d+)?\/?([^?]*)/i.exec(u);
  if (m !== null) return m[2] ? `${m[2]}@${m[1]}` : (m[1] ?? "");
  const file = u.replace(/^sqlite:(\/\/)?/i, "").split(/[\\/]/).pop() ?? "";
  return file.replace(/\?.*$/, "");
}

export function envLabel(env: Env): string {
  return env === "production" ? "PRODUCTION" : env === "staging" ? "staging" : "dev";
}

export function dialectLabel(d: Dialect): string {
  return d === "postgres" ? "PostgreSQL" : d === "mysql" ? "MySQL" : "SQLite";
}

/** What the secret state means, for a tooltip or note; null when there is nothing to say. */
export function secretNote(s: SecretState): string | null {
  switch (s) {
    case "keyring":
      return "Password stored in the OS keyring.";
    case "session":
      return "No OS keyring available: the password is kept for this session only and will be asked again next time.";
    case "missing":
      return "Password needed: it is not stored (no OS keyring, or never saved). Enter it to connect.";
    case "none":
      return null;
  }
}

/** A connection needs the password prompt before it can be used. */
export function needsSecret(c: ConnectionInfo | null | undefined): boolean {
  return c !== null && c !== undefined && c.secret === "missing";
}
