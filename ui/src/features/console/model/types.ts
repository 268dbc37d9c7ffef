//! TypeScript shapes of the SQL console and connections contract: the types tauri-specta
//! generates into `bindings.ts`, with the few fields the backend validates narrowed (env,
//! secret state, cell encoding, export format). Deriving from `Gen.*` keeps every other field
//! checked against the Rust originals. Only types live here: no logic, no IO.

import type * as Gen from "../../../bindings";
import type { AppStatus, Value as JsonValue } from "../../../bindings";

export type Dialect = "sqlite" | "postgres" | "mysql";
export type Env = "dev" | "staging" | "production";
/** Where a connection's password is: none needed, in the OS keyring, held for this session
 *  only (no keyring), or missing (the user must type it: the password prompt). */
export type SecretState = "none" | "keyring" | "session" | "missing";

/** The generated shape with `env` and `secret` narrowed to what the backend validates. */
export type ConnectionInfo = Omit<Gen.ConnectionInfo, "env" | "secret"> & { env: Env; secret: SecretState };

export type ConnectionDraft = Omit<Gen.ConnectionDraft, "env"> & { env: Env };

export type TestReport = Gen.TestReport;

/** `AppStatus` as the connections-aware backend returns it. */
export type StatusWithConnection = Omit<AppStatus, "connection"> & { connection: ConnectionInfo | null };

/** One result column: its name as the database returned it and the database's type name. */
export type Column = Gen.Column;

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

export type QueryPage = Omit<Gen.QueryPage, "rows"> & { rows: Cell[][] };

export type SqlError = Gen.SqlError;

export type SchemaTable = Gen.SchemaTable;

export type SqlRequest = Gen.SqlRequest;

export type ExportFormat = "csv" | "json";
export type ExportRequest = Omit<Gen.ExportRequest, "format"> & { format: ExportFormat };

export type SavedQuery = Gen.SavedQuery;

export type SavedQueryDraft = Gen.QueryDraft;

export type HistoryEntry = Gen.HistoryEntry;
