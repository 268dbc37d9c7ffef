//! The SQL console's data: a page of a result set (typed columns + rows as arrays, never a map
//! per row, so duplicate column names survive), the cell encoding, saved queries, history and
//! connections as the UI sees them.
//!
//! Cell encoding (JSON): `null`; `true`/`false`; a number for integers within
//! ±(2^53 − 1) and finite floats; a string for text. Values a JavaScript number or string
//! cannot carry exactly, or that must render distinctly, are one-key objects:
//! `{"$int": "9007199254740993"}`, `{"$decimal": "12.50"}`, `{"$float": "NaN"}`,
//! `{"$json": <any JSON>}`, `{"$bytes": "<hex, at most 4 KiB shown>", "len": <total bytes>}`,
//! `{"$ts": "2026-11-25T16:23:21.224222+00:00"}` (with zone when the type has one, else
//! without), `{"$date": "2026-11-25"}`, `{"$time": "16:23:21.224"}`, `{"$other": "<text>"}`.

use serde::{Deserialize, Serialize};

/// One result column: its name as the database returned it and the database's type name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Column {
    pub name: String,
    pub db_type: String,
}

/// One page of a running or finished query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QueryPage {
    /// Handle for `more` / `cancel` while the query still has rows; `None` when done.
    pub query_id: Option<String>,
    pub columns: Vec<Column>,
    /// Cells encoded as described in the module docs.
    #[cfg_attr(feature = "specta", specta(type = Vec<Vec<serde_json::Value>>))]
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Rows delivered so far, this page included.
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub row_count: u64,
    /// No more rows.
    pub done: bool,
    /// Rows changed by a statement that writes (writable connections only).
    #[cfg_attr(feature = "specta", specta(type = Option<i32>))]
    pub rows_affected: Option<u64>,
    /// Time from start until this page was ready.
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub elapsed_ms: f64,
}

/// A database error from the console, with the position the server reported (1-based
/// character offset into the statement) when it gave one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SqlError {
    pub message: String,
    pub position: Option<u32>,
    pub code: Option<String>,
}

/// Which SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

/// Tables and columns of a connection, for autocomplete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SchemaTable {
    pub schema: Option<String>,
    pub name: String,
    pub columns: Vec<Column>,
}
