//! TypeScript shapes of the SQL console and connections contract (issue 5), written by hand
//! until tauri-specta generates them into `bindings.ts`; the Rust originals are in
//! `crates/tracedeck-model/src/console.rs`. Only types live here: no logic, no IO.

import type { AppStatus, Value as JsonValue } from "../../../bindings";

export type Dialect = "sqlite" | "postgres" | "mysql";
export type Env = "dev" | "staging" | "production";
/** Where a connection's password is: none needed, in the OS keyring, held for this session
 *  only (no keyring), or missing (the user must type it: the password prompt). */
export type SecretState = "none" | "keyring" | "session" | "missing";

export type ConnectionInfo = {
  id: string;
  name: string;
  dialect: Dialect;
  /** Redacted URL or file path. */
  location: string;
  schema: string | null;
  traces_table: string;
  spans_table: string;
  env: Env;
  read_only: boolean;
  created_by_tracedeck: boolean;
  /** The local default database (id "local"). */
  builtin: boolean;
  active: boolean;
  secret: SecretState;
};

export type ConnectionDraft = {
  name: string;
  /** SQLite path or URL; a password inside the URL is moved to the keyring by the server. */
  url: string;
  schema: string | null;
  traces_table: string | null;
  spans_table: string | null;
  env: Env;
  /** null = the default rule (read-only unless Tracedeck created the database). */
  read_only: boolean | null;
  password: string | null;
};

export type TestReport = {
  ok: boolean;
  message: string;
  server_version: string | null;
  tables_found: string[];
  trace_count: number | null;
  read_only_verified: boolean;
  read_only_detail: string;
  detected_schema: string | null;
};

/** `AppStatus` as the connections-aware backend returns it. */
export type StatusWithConnection = AppStatus & { connection?: ConnectionInfo | null };

/** One result column: its name as the database returned it and the database's type name. */
export type Column = { name: string; db_type: string };

/** A cell as encoded by the backend (see console.rs). */
export type Cell =
  | null
  | boolean
  | number
  | string
  | { $int: string }
  | { $decimal: string }
  | { $float: string }
  | { $json: JsonValue }
  | { $bytes: string; len: number }
  | { $ts: string }
  | { $date: string }
  | { $time: string }
  | { $other: string };

export type QueryPage = {
  /** Handle for `more` / `cancel` while the query still has rows; null when done. */
  query_id: string | null;
  columns: Column[];
  rows: Cell[][];
  /** Rows delivered so far, this page included. */
  row_count: number;
  done: boolean;
  rows_affected: number | null;
  elapsed_ms: number;
};

export type SqlError = { message: string; position: number | null; code: string | null };

export type SchemaTable = { schema: string | null; name: string; columns: Column[] };

export type SqlRequest = { connection: string | null; sql: string; limit: number; timeout_ms: number | null };

export type ExportFormat = "csv" | "json";
export type ExportRequest = { connection: string | null; sql: string; format: ExportFormat };

export type SavedQuery = {
  id: string;
  name: string;
  folder: string;
  description: string;
  sql: string;
  builtin: boolean;
  updated_at: string;
};

export type SavedQueryDraft = { name: string; folder: string; description: string; sql: string };

export type HistoryEntry = {
  id: string;
  connection: string;
  sql: string;
  ran_at: string;
  elapsed_ms: number;
  row_count: number | null;
  error: string | null;
};
