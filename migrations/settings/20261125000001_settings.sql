-- Tracedeck's own local settings database (never the trace database): saved connections
-- (secrets live in the OS keyring, only a reference here), saved SQL queries and per-connection
-- query history.
CREATE TABLE connections (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,               -- without password
    schema_name TEXT,
    traces_table TEXT NOT NULL,
    spans_table TEXT NOT NULL,
    env TEXT NOT NULL CHECK (env IN ('dev', 'staging', 'production')),
    read_only INTEGER NOT NULL,
    created_by_tracedeck INTEGER NOT NULL DEFAULT 0,
    secret_ref TEXT,                 -- keyring entry name, when a secret exists
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE saved_queries (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    folder TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    sql TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (folder, name)
);
CREATE TABLE query_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connection TEXT NOT NULL,
    sql TEXT NOT NULL,
    ran_at TEXT NOT NULL,
    elapsed_ms REAL NOT NULL,
    row_count INTEGER,
    error TEXT
);
CREATE INDEX idx_query_history_connection ON query_history (connection, id);
CREATE TABLE app_state (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
